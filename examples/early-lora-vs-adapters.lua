-- early-lora-vs-adapters.lua: the research question in one script. Does LoRA restricted to the EARLY layers of a
-- multilingual encoder transfer better or worse across the Turkic family than LoRA on the LATE layers and than
-- bottleneck adapters with the same trainable-parameter budget?
--
--   tamga run examples/early-lora-vs-adapters.lua [MODEL] [SEEDS]
--
-- Every method is sized to the budget of early LoRA (rank for LoRA, bottleneck size for adapters), trained on the
-- Turkish UDPOS source with SEEDS seeds (default 2), and compared by mean TTC per target language.
-- Prints the budgets, one line per run, and a method x target TTC table (seed means) with a text heat map.
local tamga = require "tamga"
local util = tamga.util

local model = assert(tamga.model.load(arg[1] or tamga.model.default()))
local seeds = tonumber(arg[2] or "2")
local n = model.layers
local half = math.max(1, n // 2)
local targets = { "az", "kk", "ky", "uz", "ug", "tt", "sah" }
local task = tamga.task.udpos { source = "tr", targets = targets, max_train = 300, max_eval = 80 }

local early = tamga.peft.lora { layers = "first:" .. half, targets = { "q", "v" }, rank = 16 }
local budget = early:params(model)
local candidates = {
  { name = "LoRA early", spec = early },
  { name = "LoRA late", spec = tamga.peft.lora { layers = "last:" .. half, targets = { "q", "v" }, budget = budget } },
  { name = "Pfeiffer all", spec = tamga.peft.adapter { kind = "pfeiffer", layers = "all", budget = budget } },
  { name = "Houlsby all", spec = tamga.peft.adapter { kind = "houlsby", layers = "all", budget = budget } },
  { name = "Parallel all", spec = tamga.peft.adapter { kind = "parallel", layers = "all", budget = budget } },
}

print(("%s; parameter-matched budget: %d trainable parameters (early LoRA, layers 0-%d)"):format(
  tostring(model):match("^[^:]+"), budget, half - 1))
local methods = {}
for _, m in ipairs(candidates) do
  local p, why = m.spec:params(model)
  if p then
    print(("  %-13s %-58s %7d"):format(m.name, m.spec:spec(model), p))
    methods[#methods + 1] = m
  else
    -- on a small model the bottleneck sizes are coarse: a method may not come within 5% of the budget
    print(("  %-13s skipped: %s"):format(m.name, (why:gsub("\n.*", ""))))
  end
end

local rows = {}
for _, m in ipairs(methods) do
  local sums, count = {}, 0
  for seed = 1, seeds do
    local run = assert(tamga.train { model = model, task = task, peft = m.spec, epochs = 2, seed = seed, lr = 5e-3,
      bootstrap = 200 })
    local rep = run:report()
    print(("run %d  %-13s seed %d  source %.3f  mean TTC %s"):format(run.id, m.name, seed, rep.source.score,
      util.num(rep.mean_ttc)))
    for lang, v in pairs(run:ttc()) do sums[lang] = (sums[lang] or 0) + v end
    count = count + 1
  end
  local row = {}
  for i, lang in ipairs(targets) do row[i] = sums[lang] and sums[lang] / count end
  rows[#rows + 1] = row
end

local names = {}
for i, m in ipairs(methods) do names[i] = m.name end
print("\nmean TTC over " .. seeds .. " seeds (method x target):")
local tab = {}
for i, r in ipairs(rows) do
  local cells = { names[i] }
  for j = 1, #targets do cells[#cells + 1] = util.num(r[j], 2) end
  cells[#cells + 1] = util.num(util.mean(r), 2)
  tab[#tab + 1] = cells
end
local header = { "method" }
for _, l in ipairs(targets) do header[#header + 1] = l end
header[#header + 1] = "mean"
print(util.table(header, tab))
print(tamga.plot.heat_text(rows, names, targets, { title = "TTC (1 = no transfer gap)", decimals = 2, width = 90 }))
