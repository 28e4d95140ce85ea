-- tamga.model: encoders (BERT, RoBERTa, XLM-R) with their tokenizers, from a Hugging Face folder or a preset
-- (micro, small, base) that is pretrained once and cached ($TAMGA_MODELS or ~/.cache/tamga/models).
local core = require "tamga.core"
local util = require "tamga.util"
local C = core.model

local M = {}

-- load(name [, {build=true, data=DIR}]) -> Model; raises when the model cannot be loaded, with the preset a typo
-- was meant to be ("smal": did you mean 'small'?)
function M.load(name, opts)
  util.check(name, "string", 1, "load")
  util.opts(opts, 2, "load", { build = "boolean", data = "string" }, true)
  local m, err = C.load(name, opts)
  if m then return m end
  local names = {}
  for _, p in ipairs(C.presets()) do names[#names + 1] = p.name end
  local best = not name:find("/") and util.suggest(name, names)
  error("tamga.model.load: " .. tostring(err) .. (best and best ~= name and ("; did you mean '" .. best .. "'?") or ""), 2)
end

-- The default model: $TAMGA_MODEL, else the "small" preset.
function M.default()
  return core.default_model()
end

-- The presets and where their cached folders are.
function M.presets()
  return C.presets()
end

function M.is(v)
  return util.typename(v) == "tamga.Model"
end

return M
