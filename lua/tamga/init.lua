-- tamga: parameter-efficient cross-lingual transfer on Turkic languages, from Lua.
--
--   local tamga = require "tamga"
--   local model = tamga.model.load(arg[1] or tamga.model.default())
--   local task  = tamga.task.udpos{ source = "tr", targets = {"az", "kk"} }
--   local run   = tamga.train{ model = model, task = task, peft = tamga.peft.lora{ layers = "0-1", rank = 8 } }
--   print(run:report())
--
-- Modules: tensor, model, tokenizer, peft, task, train (a function), store, data, plot, analysis, util.
-- The C primitives are in tamga.core; see tamga-lua(3).
local core = require "tamga.core"

local tamga = {
  core = core,
  version = core.version,
  util = require "tamga.util",
  tensor = require "tamga.tensor",
  model = require "tamga.model",
  tokenizer = require "tamga.tokenizer",
  peft = require "tamga.peft",
  task = require "tamga.task",
  store = require "tamga.store",
  data = require "tamga.data",
  plot = require "tamga.plot",
  analysis = require "tamga.analysis",
  Run = require "tamga.run",
}

tamga.train = require("tamga.train").train

-- threads([n]) -> the thread count for tamga and OpenBLAS (sets it when n is given)
function tamga.threads(n)
  if n ~= nil then tamga.util.check(n, "integer", 1, "threads") end
  return core.threads(n)
end

-- blas() -> a description of the BLAS in use
tamga.blas = core.blas

-- interrupted() -> true after Ctrl-C in this evaluation (long Lua loops may poll it)
tamga.interrupted = core.interrupted

-- clock() -> seconds on a monotonic clock
tamga.clock = core.clock

return tamga
