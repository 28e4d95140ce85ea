-- ttc-matrix.lua: the Turkic Transfer Coefficient as a source x target matrix, and the source benefit
-- dTTC = TTC(tr -> t) - TTC(en -> t): does Turkish, the high-resource cousin, transfer better than English?
--
--   tamga run examples/ttc-matrix.lua [MODEL] [SEEDS] [PLOT.png|svg|pdf]
--
-- Trains the same early-layer LoRA from English and from Turkish (UDPOS, SEEDS seeds, default 1) into its own
-- workspace, then asks the analysis module for TTC with confidence intervals over seeds and test items
-- (tamga.analysis.ttc) and prints the matrix, a text heat map and the dTTC table. With a third argument the heat map
-- is also saved as a figure.
local tamga = require "tamga"
local util = tamga.util

local model = assert(tamga.model.load(arg[1] or tamga.model.default()))
local seeds = tonumber(arg[2] or "1")
local ws = (os.getenv("TAMGA_WORKSPACE") or "tamga-workspace") .. "/ttc-matrix"
local targets = { "az", "kk", "ky", "uz", "tt" }
local spec = tamga.peft.lora { layers = "0", targets = { "q", "v" }, rank = 8 }

for _, source in ipairs { "en", "tr" } do
  local task = tamga.task.udpos { source = source, targets = targets, max_train = 300, max_eval = 60 }
  for seed = 1, seeds do
    local run = assert(tamga.train { model = model, task = task, peft = spec, epochs = 2, seed = seed, lr = 5e-3,
      workspace = ws, bootstrap = 200 })
    print(("run %d: %s -> %s, seed %d, source accuracy %.3f"):format(run.id, source, table.concat(targets, ","), seed,
      run:report().source.score))
  end
end

local ttc = assert(tamga.analysis.ttc(ws, { task = "udpos", n_boot = 200 }))
print("\nTTC per source and target (seed mean; 95% CI over test items):")
local rows = {}
for _, c in ipairs(ttc.cells) do
  rows[#rows + 1] = { c.source, c.target, util.num(c.a_s), util.num(c.a_t), util.num(c.ttc),
    c.item_lo and ("[%.2f, %.2f]"):format(c.item_lo, c.item_hi) or "-", c.n_seeds }
end
print(util.table({ "source", "target", "A_s", "A_t", "TTC", "95% CI", "seeds" }, rows))

local m = tamga.analysis.matrix(ttc.cells, { rows = "source" })
print("\n" .. tamga.plot.heat_text(m.values, m.rows, m.cols, { title = "TTC, source x target", corner = "src\\tgt",
  width = 70 }))

print("dTTC = TTC(tr -> t) - TTC(en -> t), the benefit of the Turkic source:")
rows = {}
for _, d in ipairs(ttc.dttc) do
  rows[#rows + 1] = { d.target, util.num(d.ttc_a), util.num(d.ttc_b), util.num(d.diff),
    d.lo and ("[%.2f, %.2f]"):format(d.lo, d.hi) or "-",
    d.item_lo and ("[%.2f, %.2f]"):format(d.item_lo, d.item_hi) or "-" }
end
print(util.table({ "target", "TTC tr", "TTC en", "dTTC", "CI (seeds)", "CI (items)" }, rows))
if #ttc.notes > 0 then print(("(%d notes, e.g.: %s)"):format(#ttc.notes, ttc.notes[1])) end

if arg[3] then
  local p = tamga.plot.heatmap { title = "TTC (udpos)", values = m.values, rows = m.rows, cols = m.cols,
    x_label = "target", y_label = "source", center = 1, decimals = 2 }
  assert(p:save(arg[3], 720, 360))
  print("wrote " .. arg[3])
end
