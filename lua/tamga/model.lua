-- tamga.model: encoders (BERT, RoBERTa, XLM-R) with their tokenizers, from a Hugging Face folder or a preset
-- (micro, small, base) that is pretrained once and cached ($TAMGA_MODELS or ~/.cache/tamga/models).
local core = require "tamga.core"
local util = require "tamga.util"
local C = core.model

local M = {}

-- load(name [, {build=true, data=DIR}]) -> Model | nil, message
function M.load(name, opts)
  util.check(name, "string", 1, "load")
  util.opts(opts, 2, "load", { build = "boolean", data = "string" }, true)
  return C.load(name, opts)
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
