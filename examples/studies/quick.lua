-- quick.lua: a workshop-sized study (about 15 minutes on 2 cores with the default model): does LoRA on the early
-- layers transfer like LoRA on the late layers, and like an adapter of the same budget?
--
--   tamga study run examples/studies/quick.lua -w quick-ws
--   tamga study report examples/studies/quick.lua -w quick-ws
--
-- UDPOS from English to four Turkic languages, 2 seeds, one epoch on 300 sentences; LoRA rank 16 on a 2-layer
-- window at the bottom, in the middle and at the top, LoRA on every layer, Pfeiffer adapters matched to it, and
-- the head-only baseline.
return {
  name = "quick",
  question = "Does LoRA on the early layers transfer as well as LoRA on late layers or a matched adapter?",
  tasks = { "udpos" },
  sources = { "en" },
  targets = { "tr", "kk", "ky", "uz" },
  seeds = { 1, 2 },
  workers = 2,
  bootstrap = 1000,
  probe = 200,            -- alignment before/after fine-tuning on this many Tatoeba pairs per target
  -- frozen-prefix cached: the layers below each arm's lowest trained one run without dropout and their states are
  -- computed once per batch and shared by the arms of a seed (tamga(1), --frozen-prefix); every arm the same way
  train = { epochs = 1, ["max-train"] = 300, ["max-eval"] = 200, lr = 3e-3, ["frozen-prefix"] = "cached" },
  reference = "pfeiffer",
  arms = function(layers)
    local arms = {}
    local starts = { 0, (layers - 2) // 2, layers - 2 }
    for i, lo in ipairs(starts) do
      if i == 1 or lo ~= starts[i - 1] then
        arms[#arms + 1] = { name = ("lora-l%d-%d"):format(lo, lo + 1), window = { lo, lo + 1 },
          peft = ("lora:layers=%d-%d,targets=q+v,r=16"):format(lo, lo + 1) }
      end
    end
    arms[#arms + 1] = { name = "lora-all", peft = "lora:layers=all,targets=q+v,r=16" }
    arms[#arms + 1] = { name = "pfeiffer", peft = "pfeiffer:layers=all", match = "lora:layers=all,targets=q+v,r=16" }
    arms[#arms + 1] = { name = "head", peft = "head" }
    return arms
  end,
}
