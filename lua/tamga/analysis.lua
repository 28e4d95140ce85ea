-- tamga.analysis: the research measurements as Lua tables.
--   ttc(store [, filter])            TTC per (task, method, layers, source, target) over seeds, with CIs (engine)
--   compare(store, a, b [, opts])   two selections of runs paired by seed on the same items: diff, p, p_holm
--   ttc_runs(runs)                   the same from tamga.Run objects in Lua (point estimates, seed means)
--   matrix(cells [, {rows="source"|"method"}])  cells -> {rows=, cols=, values=} for heat maps
--   tokstats(tokenizer|model|nil [, {langs=, max_words=}])   fertility, continued words, UNK rate, overlap
--   probe(model, a, b [, opts])      alignment by layer: parallel minus random cosine, retrieval accuracy
--   probe_pair(model, "tr-kk" [, {n=200}])   the same on a parallel set of the data root
--   scaling(points [, {form="DPT"}]) err = E + A D^-b P^-g (1 - TTC)^d by nonlinear least squares
--   scaling_points(runs)             points {D, P, ttc, err} from runs (one per target language)
local core = require "tamga.core"
local util = require "tamga.util"
local A = core.analysis

local M = {}

-- A tamga.Store, or the folder of one (opened here): the store, or nil, message.
local function store_of(store)
  if type(store) == "string" then return core.store.open(store) end
  return store
end

-- ttc(store_or_dir [, {task=, method=, source=, layers=, dev=, n_boot=, seed=, chance=}]) -> table | nil, message
function M.ttc(store, opts)
  util.check(store, "tamga.Store|string", 1, "ttc")
  util.opts(opts, 2, "ttc", { task = "string", method = "string", source = "string", layers = "string",
    dev = "boolean", n_boot = "integer", seed = "integer", chance = "number", src_a = "string", src_b = "string",
    level = "number" }, true)
  local s, err = store_of(store)
  if not s then return nil, err end
  return A.ttc(s, opts)
end

-- compare(store_or_dir, a, b [, {task=, source=, dev=, n_boot=, seed=, level=}]) -> table | nil, message
-- a and b select runs: "method=lora,layers=0-1", "name=study:q arm=x *", or a method name
function M.compare(store, a, b, opts)
  util.check(store, "tamga.Store|string", 1, "compare")
  util.check(a, "string", 2, "compare")
  util.check(b, "string", 3, "compare")
  util.opts(opts, 4, "compare", { task = "string", source = "string", dev = "boolean", n_boot = "integer",
    seed = "integer", level = "number" }, true)
  local s, err = store_of(store)
  if not s then return nil, err end
  return A.compare(s, a, b, opts)
end

-- ttc_of(a_t, c_t, a_s, c_s) -> (a_t - c_t) / (a_s - c_s), or nil when a_s <= c_s: the engine's one TTC formula
M.ttc_of = A.ttc_of

-- ttc_runs(runs) -> list of cells {method, layers, source, target, task, ttc (seed mean), n_seeds, values}
function M.ttc_runs(runs)
  util.check(runs, "table", 1, "ttc_runs")
  local Run = require "tamga.run"
  local groups, order = {}, {}
  for i, run in ipairs(runs) do
    if not Run.is(run) then util.argerror(1, "ttc_runs", ("entry %d is not a tamga.Run"):format(i)) end
    local t, err = run:ttc()
    if not t then return nil, err end
    for lang, v in pairs(t) do
      local key = table.concat({ run.task or "", run.method or "", run.layers or "", run.source or "", lang }, "|")
      if not groups[key] then
        groups[key] = { task = run.task, method = run.method, layers = run.layers, source = run.source, target = lang,
          values = {} }
        order[#order + 1] = key
      end
      table.insert(groups[key].values, v)
    end
  end
  table.sort(order)
  local out = {}
  for _, k in ipairs(order) do
    local g = groups[k]
    g.ttc = util.mean(g.values)
    g.n_seeds = #g.values
    out[#out + 1] = g
  end
  return out
end

-- matrix(cells [, {rows="source"|"method", value="ttc"}]) -> {rows={...}, cols={...}, values={{...}}}
function M.matrix(cells, opts)
  util.check(cells, "table", 1, "matrix")
  util.opts(opts, 2, "matrix", { rows = "string", value = "string" }, true)
  opts = opts or {}
  local by = opts.rows or "method"
  if by ~= "source" and by ~= "method" then util.argerror(2, "matrix", "field 'rows': source or method") end
  local value = opts.value or "ttc"
  local rows, cols, ri, ci, vals = {}, {}, {}, {}, {}
  for _, c in ipairs(cells) do
    local r = by == "source" and c.source or ((c.method or "") .. " " .. (c.layers or ""))
    if not ri[r] then rows[#rows + 1] = r; ri[r] = true end
    if not ci[c.target] then cols[#cols + 1] = c.target; ci[c.target] = true end
    vals[r .. "\0" .. c.target] = c[value]
  end
  table.sort(cols)
  local values = {}
  for i, r in ipairs(rows) do
    values[i] = {}
    for j, col in ipairs(cols) do values[i][j] = vals[r .. "\0" .. col] end
  end
  return { rows = rows, cols = cols, values = values }
end

-- tokstats(tokenizer|model|nil [, {langs=, sources=, max_words=20000, sample_words=2000, seed=, data=}])
function M.tokstats(tok, opts)
  if tok ~= nil then util.check(tok, "tamga.Tokenizer|tamga.Model", 1, "tokstats") end
  util.opts(opts, 2, "tokstats", { langs = "strings", sources = "string", max_words = "integer",
    sample_words = "integer", seed = "integer", data = "string" }, true)
  return A.tokstats(tok, opts)
end

-- probe(model, a_sentences, b_sentences [, {max_len=64, batch=32, a="xx", b="yy"}]) -> list by layer
function M.probe(model, a, b, opts)
  util.check(model, "tamga.Model", 1, "probe")
  util.check(a, "strings", 2, "probe")
  util.check(b, "strings", 3, "probe")
  util.opts(opts, 4, "probe", { max_len = "integer", batch = "integer", a = "string", b = "string" }, true)
  return A.probe(model, a, b, opts)
end

-- probe_pair(model, "tr-kk" [, {n=200, max_len=64}]) -> list by layer, on a parallel set of the data root
-- (Tatoeba for "xx-en" pairs, else the first parallel corpus found for the pair)
function M.probe_pair(model, pair, opts)
  util.check(model, "tamga.Model", 1, "probe_pair")
  util.check(pair, "string", 2, "probe_pair")
  util.opts(opts, 3, "probe_pair", { n = "integer", max_len = "integer", batch = "integer" }, true)
  opts = opts or {}
  local la, lb = pair:match("^([%w]+)%-([%w]+)$")
  if not la then util.argerror(2, "probe_pair", "a language pair like \"tr-kk\" expected") end
  local n = opts.n or 200
  if n < 2 then util.argerror(3, "probe_pair", "n must be at least 2") end
  local ds, err
  local swap = false
  for _, try in ipairs { { "parallel", la .. "-" .. lb, false }, { "parallel", lb .. "-" .. la, true },
    { "tatoeba", lb == "en" and la or "", false } } do
    if try[2] ~= "" then
      ds, err = core.data.load(try[1], try[2], "test")
      if ds then swap = try[3]; break end
    end
  end
  if not ds then return nil, "no parallel text for " .. pair .. " under the data root" end
  local a, b = ds:sentences(n, "a"), ds:sentences(n, "b")
  ds:close()
  if swap then a, b = b, a end
  return A.probe(model, a, b, { max_len = opts.max_len, batch = opts.batch, a = la, b = lb })
end

-- scaling(points [, {form="DPT"|"DP"|"D", heldout=true}]) -> fit {E, A, b, g, d, se, rmse, aic, heldout_rmse}
function M.scaling(points, opts)
  util.check(points, "table", 1, "scaling")
  util.opts(opts, 2, "scaling", { form = "string", heldout = "boolean" }, true)
  return A.scaling(points, opts)
end

-- predict(fit, D [, P, ttc]) -> error predicted by a fit
function M.predict(fit, D, P, ttc)
  util.check(fit, "table", 1, "predict")
  util.check(D, "number", 2, "predict")
  return A.scaling_predict(fit, D, P, ttc)
end

-- scaling_points(runs) -> {{D=, P=, ttc=, err=, lang=, run=}, ...}: D = source training examples, P = trainable
-- parameters, err = 1 - target score
function M.scaling_points(runs)
  util.check(runs, "table", 1, "scaling_points")
  local Run = require "tamga.run"
  local pts = {}
  for i, run in ipairs(runs) do
    if not Run.is(run) then util.argerror(1, "scaling_points", ("entry %d is not a tamga.Run"):format(i)) end
    local D = run.config and run.config.train_examples
    local rep = run:report()
    if D and run.trainable and rep then
      for _, r in ipairs(rep.rows) do
        if not r.source and r.ttc then
          pts[#pts + 1] = { D = D, P = run.trainable, ttc = r.ttc, err = 1 - r.score, lang = r.lang, run = run.id }
        end
      end
    end
  end
  return pts
end

return M
