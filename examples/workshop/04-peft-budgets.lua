-- Exercise 4: parameter-efficient fine-tuning. Instead of training all weights, train a few: LoRA adds low-rank
-- updates to chosen projections in chosen layers; adapters add small bottleneck layers. A fair comparison gives
-- every method the same number of trainable parameters.
--   tamga run examples/workshop/04-peft-budgets.lua [MODEL]
local tamga = require "tamga"
local model = assert(tamga.model.load(arg[1] or tamga.model.default()))
local n = model.layers
print(("%s: %d layers, hidden size %d, %d parameters"):format(model.name, n, model.hidden, model.params))

local specs = {
  tamga.peft.lora { layers = "0", targets = { "q", "v" }, rank = 16 },
  tamga.peft.lora { layers = "all", targets = { "q", "v" }, rank = 8 },
  tamga.peft.lora { layers = "all", targets = { "q", "k", "v", "o" }, rank = 4 },
  tamga.peft.adapter { kind = "pfeiffer", layers = "all" },
  tamga.peft.adapter { kind = "houlsby", layers = "all" },
  tamga.peft.bitfit {},
}
print("\ntrainable   share    spec")
for _, s in ipairs(specs) do
  local p = s:params(model)
  print(("%9d  %6.2f%%  %s"):format(p, 100 * p / model.params, s:spec()))
end

-- Where do they train? Parameters per layer (0 = the first layer above the embeddings).
local early = specs[1]
local per = early:layer_params(model)
for l = 0, n - 1 do print(("  layer %d: %d"):format(l, per[l])) end

-- Matching a budget: an adapter sized to early LoRA's parameter count.
local budget = early:params(model)
local adapter = tamga.peft.adapter { kind = "pfeiffer", layers = "all", budget = budget }
local got, err = adapter:params(model)
print(("\nbudget %d -> %s (%s)"):format(budget, got and adapter:spec(model) or "no match", got or err))

-- Try:
--   1. Which rank r makes LoRA on all layers cost as much as one Pfeiffer adapter per layer? (lora{budget = ...})
--   2. s:flops(model).train is the compute of one training step. Why does LoRA in layer 0 cost more backward
--      compute than LoRA in the last layer?
