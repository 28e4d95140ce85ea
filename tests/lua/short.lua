-- Loaded with `tamga run -e` before a documentation example (tests/lua/t-docs.sh): every training run is cut to a
-- few steps and every task to small data samples, so the README's Lua, the examples and the workshop files run in CI
-- on the default model in seconds. Everything else (models, PEFT specs, budgets, reports) is left as written.
local tamga = require "tamga"

local train = tamga.train
tamga.train = function(t)
  if type(t) == "table" then
    t.steps = 2
    t.eval_every = t.eval_every and math.min(t.eval_every, 2) or nil
    t.patience = nil
    t.bootstrap = 20
  end
  return train(t)
end

for _, name in ipairs { "udpos", "ner", "nli", "copa" } do
  local new = tamga.task[name]
  tamga.task[name] = function(t)
    t = t or {}
    t.max_train = math.min(t.max_train or 16, 16)
    t.max_eval = math.min(t.max_eval or 8, 8)
    return new(t)
  end
end
