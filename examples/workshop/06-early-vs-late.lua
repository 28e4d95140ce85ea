-- Exercise 6: the research question. Lower layers of multilingual encoders hold much of the cross-lingual alignment.
-- Does fine-tuning only the EARLY layers keep transfer (they adapt the shared encoder) or hurt it (they disturb
-- the alignment)? Compare with LATE-layer LoRA and an adapter, all with the same budget.
--   tamga run examples/workshop/06-early-vs-late.lua [MODEL]
local tamga = require "tamga"
local model = assert(tamga.model.load(arg[1] or tamga.model.default()))
local half = math.max(1, model.layers // 2)
local task = tamga.task.udpos { source = "tr", targets = { "az", "kk", "ky", "uz" }, max_train = 300, max_eval = 80 }

local early = tamga.peft.lora { layers = "first:" .. half, targets = { "q", "v" }, rank = 16 }
local budget = early:params(model)
local methods = {
  { "early LoRA", early },
  { "late LoRA", tamga.peft.lora { layers = "last:" .. half, targets = { "q", "v" }, budget = budget } },
  { "adapter", tamga.peft.adapter { kind = "pfeiffer", layers = "all", budget = budget } },
}
local names, ttcs = {}, {}
for _, m in ipairs(methods) do
  local run = assert(tamga.train { model = model, task = task, peft = m[2], epochs = 2, lr = 5e-3, seed = 1 })
  local rep = run:report()
  -- one spec, one count: the PEFT parameters in the encoder (what the budget matches); the task head (the tag
  -- classifier on top) trains as well and is the same for every method
  local p = m[2]:params(model)
  print(("%-10s %6d parameters in the encoder (+ %d in the head)  source %s  mean TTC %s"):format(m[1], p,
    run.trainable - p, tamga.util.num(rep.source.score), tamga.util.num(rep.mean_ttc)))
  names[#names + 1], ttcs[#ttcs + 1] = m[1], rep.mean_ttc or 0    -- undefined TTC (source at chance): 0
end
print(tamga.plot.bars(names, ttcs, { title = "mean TTC over az, kk, ky, uz", width = 50 }))

-- Try:
--   1. One seed proves nothing: repeat with seeds 1..3 and average. Do the differences survive?
--   2. Add tamga.peft.adapter{kind = "houlsby", ...} or LoRA on all four projections.
--   3. examples/early-lora-vs-adapters.lua is the full version with a method x target table.
