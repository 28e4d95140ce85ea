-- default.lua: the study tamga exists for. How does zero-shot cross-lingual transfer of LoRA restricted to the
-- EARLY layers compare with bottleneck adapters across the Turkic languages?
--
--   tamga study run examples/studies/default.lua -w study-ws        (resumable: run it again after a stop)
--   tamga study report examples/studies/default.lua -w study-ws     (report.html, report.md, report.pdf)
--
-- Arms, each at two matched budgets (LoRA rank 16 and rank 64 on q,v; the adapters sized to the same trainable
-- parameters with match=, tamga train --match, within 5%: on the 4-layer default rank 4 has no adapter size that
-- close; t-shipped-model checks that every matched arm resolves on the shipped model):
--   LoRA on a window of 2 layers sliding from the bottom to the top (the "where in the network" question),
--   LoRA on every layer, Pfeiffer, Houlsby and parallel adapters, the MAD-X task adapter without the last layer
--   (MAD-X 2.0; training the language adapters by masked LM is not part of a sweep yet), and the head-only and
--   BitFit baselines (no budget of their own).
-- Sources en and tr (COPA from tr only: there is no English COPA training set in the data root), 3 seeds, every
-- target language with data (no `targets`). Measured wall time: see the note of issue 20 (hours on 2 cores).
return {
  name = "default",
  question = "How does zero-shot transfer of LoRA on early layers compare with adapter methods across the Turkic "
    .. "languages?",
  tasks = { "udpos", "ner", "nli", "copa" },
  sources = { "en", "tr" },
  task_sources = { copa = { "tr" } },
  seeds = { 1, 2, 3 },
  workers = 2,
  bootstrap = 1000,
  probe = 1000,            -- alignment before/after fine-tuning on this many Tatoeba pairs per target
  -- frozen-prefix cached: the layers below each arm's lowest trained one run without dropout and their states are
  -- computed once per batch and shared by the arms of a seed (tamga(1), --frozen-prefix); every arm the same way
  train = { epochs = 2, ["max-train"] = 2000, ["max-eval"] = 500, ["frozen-prefix"] = "cached" },
  reference = "pfeiffer-r16",
  arms = function(layers)
    local arms = {}
    for _, r in ipairs { 16, 64 } do
      local lora_all = ("lora:layers=all,targets=q+v,r=%d"):format(r)
      for lo = 0, layers - 2 do
        arms[#arms + 1] = { name = ("lora-l%d-%d-r%d"):format(lo, lo + 1, r), window = { lo, lo + 1 },
          peft = ("lora:layers=%d-%d,targets=q+v,r=%d"):format(lo, lo + 1, r) }
      end
      arms[#arms + 1] = { name = "lora-all-r" .. r, peft = lora_all }
      arms[#arms + 1] = { name = "pfeiffer-r" .. r, peft = "pfeiffer:layers=all", match = lora_all }
      arms[#arms + 1] = { name = "houlsby-r" .. r, peft = "houlsby:layers=all", match = lora_all }
      arms[#arms + 1] = { name = "parallel-r" .. r, peft = "parallel:layers=all", match = lora_all }
      arms[#arms + 1] = { name = "madx-task-r" .. r, peft = "pfeiffer:layers=all-but-last", match = lora_all }
    end
    arms[#arms + 1] = { name = "head", peft = "head" }
    arms[#arms + 1] = { name = "bitfit", peft = "bitfit" }
    return arms
  end,
}
