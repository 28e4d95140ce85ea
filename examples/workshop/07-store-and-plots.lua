-- Exercise 7: every run is stored in the workspace ($TAMGA_WORKSPACE, else ./tamga-workspace). Read it back,
-- report, and draw figures for a paper (into FOLDER, by default the workspace's plots/ folder, beside what
-- `tamga plot` writes).
--   tamga run examples/workshop/07-store-and-plots.lua [MODEL] [FOLDER]
local tamga = require "tamga"

local store = assert(tamga.store.open(nil, { create = true }))   -- a fresh workspace is created
local folder = arg[2] or (store.dir .. "/plots")
os.execute("mkdir -p '" .. folder .. "'")
local runs = store:runs { task = "udpos", status = "done" }
if #runs == 0 then
  -- nothing stored yet: make one run so that there is something to look at
  local model = assert(tamga.model.load(arg[1] or tamga.model.default()))
  assert(tamga.train { model = model, task = tamga.task.udpos { source = "tr", targets = { "az", "kk" },
    max_train = 200, max_eval = 60 }, peft = tamga.peft.lora {}, epochs = 2, lr = 5e-3 })
  runs = store:runs { task = "udpos", status = "done" }
end
print(("%d finished udpos runs in %s"):format(#runs, store.dir))
for i = math.max(1, #runs - 4), #runs do print("  " .. tostring(runs[i])) end

local last = runs[#runs]
print("\n" .. tostring(last:report()))
print(tamga.plot.curves(last, { text = true, width = 70, height = 12 }))

-- Figures: learning curves of the last run, and TTC of the last runs by method and target.
assert(tamga.plot.curves(last)):save(folder .. "/curves.png", 800, 480)
local cells = tamga.analysis.ttc_runs { table.unpack(runs, math.max(1, #runs - 5)) }
local m = tamga.analysis.matrix(cells, { rows = "method" })
if #m.rows == 0 then   -- TTC is undefined while a run's source is at or below its chance
  print("no defined TTC in these runs yet (their sources are at chance): no heat map")
  print("wrote " .. folder .. "/curves.png")
else
  tamga.plot.heatmap { title = "TTC by method", values = m.values, rows = m.rows, cols = m.cols, center = 1,
    x_label = "target", y_label = "method" }:save(folder .. "/ttc.svg")
  print("wrote " .. folder .. "/curves.png and " .. folder .. "/ttc.svg")
end

-- Try:
--   1. store:report({ids...}) gives a Markdown table for several runs; {format = "csv"} for a spreadsheet.
--   2. tamga.analysis.ttc(store) pools seeds and bootstraps test items for confidence intervals on TTC.
--   3. Open the same workspace in the TUI (tamga tui) while a run trains.
