-- layer-probe.lua: where in the encoder are Turkic languages aligned? For parallel sentence pairs, the mean cosine
-- of mean-pooled hidden states of translations MINUS that of random pairs (raw cosine misleads: representations are
-- anisotropic), and retrieval accuracy@1, for every layer (0 = the embeddings).
--
--   tamga run examples/layer-probe.lua [MODEL] [PAIRS] [N]      PAIRS: e.g. tr-kk,tr-az,en-kk (X-WMT, NTREX, Tatoeba)
--
-- Prints one table per pair from the analysis module, the same margin recomputed in Lua from model:embed() and a
-- cosine matrix (they agree), and a text chart of the margin by layer.
local tamga = require "tamga"
local util = tamga.util

local model = assert(tamga.model.load(arg[1] or tamga.model.default()))
local n = tonumber(arg[3] or "100")
local pairs_ = {}
for p in (arg[2] or "tr-kk,tr-az,en-kk"):gmatch("[^,]+") do pairs_[#pairs_ + 1] = p end

local series = {}
for _, pair in ipairs(pairs_) do
  local res, err = tamga.analysis.probe_pair(model, pair, { n = n })
  if not res then
    print(pair .. ": " .. err)
  else
    local rows, xs, ys = {}, {}, {}
    for _, l in ipairs(res) do
      rows[#rows + 1] = { l.layer, util.num(l.cos_par), util.num(l.cos_rand), util.num(l.margin),
        util.num(l.acc_ab, 2), util.num(l.acc_ba, 2) }
      xs[#xs + 1], ys[#ys + 1] = l.layer, l.margin
    end
    print(("%s, %d sentence pairs:"):format(pair, n))
    print(util.table({ "layer", "cos parallel", "cos random", "margin", "acc a->b", "acc b->a" }, rows))
    series[#series + 1] = { name = pair, x = xs, y = ys }
  end
end

-- The same number by hand at the last layer for the first pair: pooled states, a cosine matrix, diagonal vs rest.
local la, lb = pairs_[1]:match("^(%w+)%-(%w+)$")
local ds = tamga.data.load("parallel", la .. "-" .. lb, "test")
if ds then
  local a, b = ds:sentences(n, "a"), ds:sentences(n, "b")
  local layer = model.layers
  local sim = tamga.tensor.cosine_matrix(model:embed(a, { layer = layer }), model:embed(b, { layer = layer }))
  local par = sim:diag():mean()
  local rand = (sim:sum() - sim:diag():sum()) / (n * n - n)
  print(("\nby hand, %s layer %d: parallel %.3f - random %.3f = margin %.3f"):format(pairs_[1], layer, par, rand,
    par - rand))
end

if #series > 0 then
  print("\n" .. tamga.plot.text { title = "alignment margin by layer", series = series, width = 64, height = 14 })
end
