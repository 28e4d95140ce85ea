-- tamga.peft: parameter-efficient fine-tuning specs. Each constructor takes a table of options, checks it and returns
-- a tamga.PeftSpec (the engine's spec string parsed); spec:params(model) counts what it trains on a model and
-- spec:spec() gives the string the CLI and the store use. A spec with budget=N is sized to N trainable parameters
-- on whatever model it is used with (rank for LoRA, bottleneck size for adapters).
local core = require "tamga.core"
local util = require "tamga.util"
local C = core.peft

local M = {}

local fmt = string.format

-- "0-3", 3, {0, 1, 2} -> the engine's layer selection syntax
local function layers_arg(v, fname)
  if v == nil then return nil end
  if type(v) == "string" then
    if v == "" then util.argerror(1, fname, "field 'layers': empty selection", 4) end
    if v:find("[=%s]") then util.argerror(1, fname, "field 'layers': '" .. v .. "' is not a layer selection", 4) end
    return v
  end
  if math.type(v) == "integer" then
    if v < 0 then util.argerror(1, fname, "field 'layers': layer numbers start at 0", 4) end
    return tostring(v)
  end
  if type(v) == "table" then
    if #v == 0 then util.argerror(1, fname, "field 'layers': empty list", 4) end
    local parts = {}
    for i, l in ipairs(v) do
      if math.type(l) ~= "integer" or l < 0 then
        util.argerror(1, fname, fmt("field 'layers': entry %d is not a layer number", i), 4)
      end
      parts[i] = tostring(l)
    end
    return table.concat(parts, "+")
  end
  util.argerror(1, fname, "field 'layers': string, integer or list of integers expected, got " .. util.typename(v), 4)
end

local function positive(v, key, fname, integer)
  if v == nil then return nil end
  if integer and math.type(v) ~= "integer" then
    util.argerror(1, fname, fmt("field '%s': integer expected, got %s", key, util.typename(v)), 3)
  end
  if v <= 0 then util.argerror(1, fname, fmt("%s must be positive", key == "r" and "rank" or key), 3) end
  return v
end

-- Parse the assembled string; engine errors (a structured {code, message, hint}) become this constructor's
-- argument errors.
local function build(fname, parts, budget)
  local str = table.concat(parts, ",")
  str = str:gsub(",", ":", 1)
  local spec, _, e = C.try_parse(str, budget and { budget = budget } or nil)
  if not spec then
    util.argerror(1, fname, e.message, 3)
  end
  return spec
end

local function common(t, parts, fname)
  local layers = layers_arg(t.layers, fname)
  if layers then parts[#parts + 1] = "layers=" .. layers end
  local leave = layers_arg(t.leave_out, fname)
  if leave then parts[#parts + 1] = "leave_out=" .. leave end
  if t.name then
    if not t.name:match("^[%w_%-]+$") then util.argerror(1, fname, "field 'name': letters, digits, _ and - only", 3) end
    parts[#parts + 1] = "name=" .. t.name
  end
end

local SITES = { q = true, k = true, v = true, o = true, ffn_in = true, ffn_out = true }

-- lora{layers="0-3", targets={"q","v"}, rank=8, alpha=16, dropout=0, rslora=false, init="kaiming", name=, budget=}
function M.lora(t)
  util.opts(t, 1, "lora", {
    layers = "string|integer|table", leave_out = "string|integer|table", targets = "string|strings",
    rank = "integer", r = "integer", alpha = "number", dropout = "number", rslora = "boolean", init = "string",
    name = "string", budget = "integer",
  }, true)
  local parts = { "lora" }
  common(t, parts, "lora")
  if t.targets ~= nil then
    local list = type(t.targets) == "string" and {} or t.targets
    if type(t.targets) == "string" then for s in t.targets:gmatch("[^+,%s]+") do list[#list + 1] = s end end
    if #list == 0 then util.argerror(1, "lora", "field 'targets': no target", 2) end
    for _, s in ipairs(list) do
      if not SITES[s] then
        util.argerror(1, "lora", "field 'targets': unknown target '" .. s .. "' (q, k, v, o, ffn_in, ffn_out)", 2)
      end
    end
    parts[#parts + 1] = "targets=" .. table.concat(list, "+")
  end
  if t.rank ~= nil and t.r ~= nil then util.argerror(1, "lora", "give rank or r, not both", 2) end
  local r = positive(t.rank or t.r, "r", "lora", true)
  if r then parts[#parts + 1] = "r=" .. r end
  local alpha = positive(t.alpha, "alpha", "lora")
  if alpha then parts[#parts + 1] = "alpha=" .. alpha end
  if t.dropout ~= nil then
    if t.dropout < 0 or t.dropout >= 1 then util.argerror(1, "lora", "dropout must be in [0, 1)", 2) end
    parts[#parts + 1] = "dropout=" .. t.dropout
  end
  if t.rslora then parts[#parts + 1] = "rslora" end
  if t.init ~= nil then
    if t.init ~= "kaiming" and t.init ~= "gaussian" then
      util.argerror(1, "lora", "field 'init': kaiming or gaussian", 2)
    end
    parts[#parts + 1] = "init=" .. t.init
  end
  if t.budget ~= nil then
    positive(t.budget, "budget", "lora", true)
    if r then util.argerror(1, "lora", "give rank or budget, not both", 2) end
  end
  return build("lora", parts, t.budget)
end

local KINDS = { pfeiffer = true, houlsby = true, parallel = true, ["madx-lang"] = true }

-- adapter{kind="pfeiffer"|"houlsby"|"parallel"|"madx-lang", layers="all", reduction=16, dim=, act="relu",
--         budget=, scaling=, leave_out=, madx2=false, inv=true, init="identity"|"bert", name=}
function M.adapter(t)
  util.opts(t, 1, "adapter", {
    kind = "string", layers = "string|integer|table", leave_out = "string|integer|table", reduction = "number",
    dim = "integer", act = "string", budget = "integer", scaling = "number", madx2 = "boolean", inv = "boolean",
    init = "string", name = "string", residual = "boolean",
  }, true)
  local kind = t.kind or "pfeiffer"
  if not KINDS[kind] then
    util.argerror(1, "adapter", "field 'kind': '" .. kind .. "' is not pfeiffer, houlsby, parallel or madx-lang", 2)
  end
  local parts = { kind }
  common(t, parts, "adapter")
  local red = positive(t.reduction, "reduction", "adapter")
  if red then parts[#parts + 1] = "reduction=" .. red end
  local dim = positive(t.dim, "dim", "adapter", true)
  if dim then parts[#parts + 1] = "dim=" .. dim end
  if t.act ~= nil then
    if not ({ relu = true, gelu = true, tanh = true, swish = true })[t.act] then
      util.argerror(1, "adapter", "field 'act': relu, gelu, tanh or swish", 2)
    end
    parts[#parts + 1] = "act=" .. t.act
  end
  if t.scaling ~= nil then
    if kind ~= "parallel" then util.argerror(1, "adapter", "scaling applies to parallel adapters only", 2) end
    parts[#parts + 1] = "scaling=" .. positive(t.scaling, "scaling", "adapter")
  end
  if t.residual ~= nil then parts[#parts + 1] = "residual=" .. (t.residual and 1 or 0) end
  if t.madx2 ~= nil or t.inv ~= nil then
    if kind ~= "madx-lang" then util.argerror(1, "adapter", "madx2 and inv apply to madx-lang adapters only", 2) end
    if t.madx2 then parts[#parts + 1] = "madx2" end
    if t.inv == false then parts[#parts + 1] = "inv=0" end
  end
  if t.init ~= nil then
    if t.init ~= "identity" and t.init ~= "bert" then util.argerror(1, "adapter", "field 'init': identity or bert", 2) end
    parts[#parts + 1] = "init=" .. t.init
  end
  if t.budget ~= nil then
    positive(t.budget, "budget", "adapter", true)
    if dim or red then util.argerror(1, "adapter", "give reduction/dim or budget, not both", 2) end
  end
  return build("adapter", parts, t.budget)
end

local function simple(method)
  return function(t)
    util.opts(t, 1, method, { layers = "string|integer|table", leave_out = "string|integer|table",
      embeddings = "boolean", mlm = method == "full" and "boolean" or nil, name = "string" }, true)
    t = t or {}
    local parts = { method }
    common(t, parts, method)
    if t.embeddings ~= nil then parts[#parts + 1] = "embeddings=" .. (t.embeddings and 1 or 0) end
    if t.mlm then parts[#parts + 1] = "mlm" end
    return build(method, parts)
  end
end

M.bitfit = simple("bitfit")     -- biases of the selected layers
M.lnonly = simple("lnonly")     -- layer norms of the selected layers
M.full = simple("full")         -- every weight of the selected layers

-- head(): only the task head trains (a linear probe of the frozen encoder)
function M.head()
  return C.parse("head")
end

-- parse("lora:layers=0-3,r=8" [, {budget=N}]) -> PeftSpec: the CLI's spec strings
function M.parse(str, opts)
  util.check(str, "string", 1, "parse")
  util.opts(opts, 2, "parse", { budget = "integer" }, true)
  return C.parse(str, opts)
end

M.methods = C.methods

-- layers(selection, n_layers) -> list of 0-based layers
function M.layers(sel, n)
  util.check(sel, "string", 1, "layers")
  util.check(n, "integer", 2, "layers")
  return C.layers(sel, n)
end

function M.is(v)
  return util.typename(v) == "tamga.PeftSpec"
end

-- Methods on every tamga.PeftSpec ------------------------------------------------------------------------------
local methods = debug.getregistry()["tamga.PeftSpec"].__methods

-- spec:params(model) -> trainable parameters of the spec on the model (sized to its budget first), or nil, message
function methods.params(self, model)
  util.check(self, "tamga.PeftSpec", 1, "params")
  util.check(model, "tamga.Model", 1, "params")
  local n, err = self:count(model)
  if not n then return nil, err end
  return n
end

-- spec:spec([model]) -> the canonical spec string (sized to the budget on model when given)
function methods.spec(self, model)
  util.check(self, "tamga.PeftSpec", 1, "spec")
  if model ~= nil then util.check(model, "tamga.Model", 1, "spec") end
  return self:format(model)
end

-- spec:layer_params(model) -> {[layer] = count} (0-based layers), embedding count
function methods.layer_params(self, model)
  util.check(model, "tamga.Model", 1, "layer_params")
  local n, per, emb = self:count(model)
  if not n then return nil, per end
  return per, emb
end

return M
