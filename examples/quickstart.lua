-- quickstart.lua: early-layer LoRA against a Pfeiffer adapter with the same number of trainable parameters,
-- trained on Turkish UD part-of-speech tagging and evaluated zero-shot on seven Turkic languages.
--
--   tamga run examples/quickstart.lua [MODEL]        MODEL: a Hugging Face folder or a preset (micro, small, base)
--
-- Prints the model, every evaluation as it happens (step, language, score), and per run a table of scores with
-- 95% bootstrap confidence intervals and the Turkic Transfer Coefficient TTC = (A_t - chance) / (A_s - chance).
-- max_train and max_eval keep it to seconds; leave them out for the full data.
local tamga = require "tamga"
local model = tamga.model.load(arg[1] or tamga.model.default())   -- HF folder or the small pretrained default
print(model)                                                       -- layers, sizes, params
local task  = tamga.task.udpos{ source = "tr", targets = {"az","kk","ky","uz","ug","tt","sah"},
                                max_train = 300, max_eval = 100 }
local early = tamga.peft.lora{ layers = "0-1", targets = {"q","v"}, rank = 16, alpha = 32 }
local adapt = tamga.peft.adapter{ kind = "pfeiffer", layers = "all", budget = early:params(model) }
for _, peft in ipairs{ early, adapt } do
  local run = tamga.train{ model = model, task = task, peft = peft, epochs = 2, seed = 1, lr = 5e-3,
                           on_eval = function(ev) print(ev.step, ev.lang, ev.score) end }
  print(run:report())                     -- per-language scores with CIs and TTC
end
