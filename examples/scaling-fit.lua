-- scaling-fit.lua: the "conceptual scaling model" made measurable. Error as a function of the source training
-- examples D (and, with two LoRA ranks, of the trainable parameters P):
--     err = E + A * D^-b            (form "D")
--     err = E + A * D^-b * P^-g     (form "DP")
--
--   tamga run examples/scaling-fit.lua [MODEL] [TARGET]
--
-- Trains early-layer LoRA at rank 4 and 16 for 60 steps on 50 .. 400 Turkish UDPOS sentences. Points: one per run
-- for the TARGET language (default az) from tamga.analysis.scaling_points (err = 1 - target accuracy), and the same
-- for the source language itself. Fits by nonlinear least squares (tamga.analysis.scaling) and prints parameters
-- with standard errors, RMSE, the held-out error at the largest D, and measured against predicted errors.
-- On a tiny model the zero-shot target error hardly moves with D: compare the source fit with the target fit, and
-- rerun with a larger model to see the exponent b of the target become positive.
local tamga = require "tamga"
local util = tamga.util

local model = assert(tamga.model.load(arg[1] or tamga.model.default()))
local target = arg[2] or "az"
local runs, source_points = {}, {}
for _, rank in ipairs { 4, 16 } do
  for _, D in ipairs { 50, 100, 200, 400 } do
    local task = tamga.task.udpos { source = "tr", targets = { target }, max_train = D, max_eval = 150 }
    local run = assert(tamga.train { model = model, task = task, lr = 1e-2, steps = 60, eval_every = 60, seed = 1,
      bootstrap = 100, peft = tamga.peft.lora { layers = "0", targets = { "q", "v" }, rank = rank } })
    runs[#runs + 1] = run
    local rep = run:report()
    source_points[#source_points + 1] = { D = D, P = run.trainable, ttc = 1, err = 1 - rep.source.score }
    print(("run %d: D = %3d, P = %5d, source accuracy %.3f, %s accuracy %.3f"):format(run.id, D, run.trainable,
      rep.source.score, target, rep.by_lang[target].score))
  end
end

local function g(v) return v == nil and "-" or ("%.4g"):format(v) end

local function show(title, points, form)
  if #points < 3 then   -- runs whose source stayed at chance have no TTC, hence no point
    print(("\n%s, %s: only %d points with a defined TTC; a fit needs 3 (train longer)"):format(title, form, #points))
    return
  end
  local fit, err = tamga.analysis.scaling(points, { form = form, heldout = true })
  if not fit then
    print(("\n%s, %s: %s"):format(title, form, err))
    return
  end
  print(("\n%s: %s\n  E = %s (se %s), A = %s (se %s), b = %s (se %s)%s"):format(title, fit.form, g(fit.E), g(fit.se.E),
    g(fit.A), g(fit.se.A), g(fit.b), g(fit.se.b), fit.g and (", g = %s (se %s)"):format(g(fit.g), g(fit.se.g)) or ""))
  print(("  n = %d, RMSE %s, held-out RMSE at the largest D %s, %s"):format(fit.n, g(fit.rmse), g(fit.heldout_rmse),
    fit.converged and "converged" or "did not converge"))
  local rows = {}
  for _, p in ipairs(points) do
    rows[#rows + 1] = { p.D, p.P, util.num(p.err), util.num(tamga.analysis.predict(fit, p.D, p.P, p.ttc)) }
  end
  print(util.table({ "D", "P", "error", "predicted" }, rows))
end

show("source (tr) error", source_points, "D")
local points = tamga.analysis.scaling_points(runs)
show(target .. " error (zero-shot)", points, "D")
show(target .. " error (zero-shot)", points, "DP")
