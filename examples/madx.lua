-- madx.lua: the MAD-X recipe (Pfeiffer et al. 2020) in tamga's terms. MAD-X stacks a task adapter on top of a
-- language adapter (a reduction-2 bottleneck per layer plus an invertible adapter on the embeddings, trained by
-- masked LM on the language's own text) and swaps the language adapter at test time; MAD-X 2.0 leaves the last
-- layer out.
--
--   tamga run examples/madx.lua [MODEL]
--
-- Part 1 sizes the pieces on the model: language adapters (with and without the invertible adapter, MAD-X 2.0) and
-- the task adapter, layer by layer. Part 2 trains the task-adapter half on Turkish UDPOS and evaluates it zero-shot,
-- once in every layer and once without the last layer (MAD-X 2.0's choice, also AdapterDrop's observation that
-- adapters can be dropped from some layers), at a matched budget, and prints their TTC side by side.
-- (Training language adapters by masked LM on target text is not exposed to Lua yet: this example sizes them only.)
local tamga = require "tamga"
local util = tamga.util

local model = assert(tamga.model.load(arg[1] or tamga.model.default()))
print(tostring(model))

-- Part 1: sizes
local lang = tamga.peft.adapter { kind = "madx-lang" }
local lang2 = tamga.peft.adapter { kind = "madx-lang", madx2 = true }
local lang_noinv = tamga.peft.adapter { kind = "madx-lang", inv = false }
local task_all = tamga.peft.adapter { kind = "pfeiffer", layers = "all" }
local task_drop = tamga.peft.adapter { kind = "pfeiffer", layers = "all-but-last" }
local rows = {}
for _, s in ipairs { { "language adapter", lang }, { "  without invertible", lang_noinv },
  { "  MAD-X 2.0 (no last layer)", lang2 }, { "task adapter, all layers", task_all },
  { "task adapter, all but last", task_drop } } do
  local total, per, emb = s[2]:count(model)
  local layers = {}
  for l = 0, model.layers - 1 do layers[#layers + 1] = util.count(per[l]) end
  rows[#rows + 1] = { s[1], util.count(total), util.count(emb), table.concat(layers, " ") }
end
print(util.table({ "module", "trainable", "embeddings", "per layer" }, rows))

-- Part 2: the task adapter with and without the last layer, at about the same budget: the layers left get a
-- bottleneck as much wider as there are fewer of them (budget= would match exactly on a model of realistic width;
-- the bottleneck steps of a tiny model are too coarse for a 5% tolerance)
local dim = math.max(1, model.hidden // 16)
local full = tamga.peft.adapter { kind = "pfeiffer", layers = "all", dim = dim }
local drop = tamga.peft.adapter { kind = "pfeiffer", layers = "all-but-last",
  dim = dim * model.layers // (model.layers - 1) }
local task = tamga.task.udpos { source = "tr", targets = { "az", "kk", "ky", "uz", "tt" }, max_train = 300,
  max_eval = 60 }
local reports = {}
for _, s in ipairs { { "all layers", full }, { "all but last", drop } } do
  local run = assert(tamga.train { model = model, task = task, peft = s[2], epochs = 2, seed = 1, lr = 5e-3,
    bootstrap = 200 })
  reports[#reports + 1] = { name = s[1], rep = run:report(), trainable = run.trainable }
end
print(("\ntask adapters: %d parameters in every layer, %d without the last layer"):format(full:params(model),
  drop:params(model)))
rows = {}
for _, lang_ in ipairs { "az", "kk", "ky", "uz", "tt" } do
  local r = { lang_ }
  for _, x in ipairs(reports) do r[#r + 1] = util.num(x.rep.by_lang[lang_].ttc, 3) end
  rows[#rows + 1] = r
end
local mean = { "mean" }
for _, x in ipairs(reports) do mean[#mean + 1] = util.num(x.rep.mean_ttc, 3) end
rows[#rows + 1] = mean
print(util.table({ "target", "TTC " .. reports[1].name, "TTC " .. reports[2].name }, rows))
