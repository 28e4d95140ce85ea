-- Exercise 5: a first zero-shot run. Train on Turkish part-of-speech tags only, evaluate on other Turkic languages.
-- TTC = (A_t - chance) / (A_s - chance): 1 means the target is as good as the source; 0 means chance level.
--   tamga run examples/workshop/05-first-run.lua [MODEL]
local tamga = require "tamga"
local model = assert(tamga.model.load(arg[1] or tamga.model.default()))
local task = tamga.task.udpos { source = "tr", targets = { "az", "kk", "uz" }, max_train = 300, max_eval = 100 }
print(task)

local losses, steps = {}, {}
local run = assert(tamga.train {
  model = model, task = task, epochs = 3, lr = 5e-3, seed = 1,
  peft = tamga.peft.lora { layers = "all", targets = { "q", "v" }, rank = 8 },
  on_step = function(ev)                        -- every optimizer step
    steps[#steps + 1], losses[#losses + 1] = ev.step, ev.loss
    if ev.step % 10 == 0 then print(("step %3d/%d  loss %.3f"):format(ev.step, ev.total, ev.loss)) end
  end,
  on_eval = function(ev)                        -- every evaluated language, at the end of each epoch
    if not ev.source then print(("  eval step %d  %s %.3f [%.3f, %.3f]"):format(ev.step, ev.lang, ev.score, ev.lo, ev.hi)) end
  end,
})
print(run:report())
print(tamga.plot.text { title = "training loss", series = { { name = "loss", x = steps, y = losses } }, width = 60,
  height = 12 })

-- Try:
--   1. Return true from on_eval when a target passes 0.5 to stop early. What does run.status say?
--   2. Change the source to English (source = "en"). Which targets lose the most?
--   3. Run it twice with seed = 2: how much do the scores move compared with their confidence intervals?
