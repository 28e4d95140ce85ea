-- Exercise 3: the encoder. A masked-language model guesses hidden words; its hidden states are vectors per token.
--   tamga run examples/workshop/03-model.lua [MODEL]
local tamga = require "tamga"
local model = assert(tamga.model.load(arg[1] or tamga.model.default()))
print(model)
print("pretraining languages: " .. table.concat(model.languages, " "))

-- Masked-word guesses (a tiny model guesses badly: that is fine, look at what kind of pieces it proposes).
for _, c in ipairs(model:fill_mask("Bugün hava çok <mask> .", 5)) do
  print(("  %-12s %.3f"):format(c.piece, c.p))
end

-- Hidden states of one sentence: one (tokens x hidden) tensor per layer; index 1 is the embedding layer.
local layers, pieces = model:hidden_states("Ankara Türkiye'nin başkentidir.")
print("tokens: " .. table.concat(pieces, " "))
for i, h in ipairs(layers) do
  print(("  layer %d: %d x %d, mean norm per token %.2f"):format(i - 1, h:size(1), h:size(2), h:norm() / h:size(1)))
end

-- Sentence vectors (mean over tokens) of translations vs unrelated sentences.
local ds = assert(tamga.data.load("parallel", "tr-az", "test"))
local tr, az = ds:sentences(50, "a"), ds:sentences(50, "b")
local sim = tamga.tensor.cosine_matrix(model:embed(tr), model:embed(az))
local par = sim:diag():mean()
local rand = (sim:sum() - sim:diag():sum()) / (50 * 49)
print(("tr-az, last layer: translations %.3f, random pairs %.3f, margin %.3f"):format(par, rand, par - rand))

-- Try:
--   1. Use model:embed(tr, {layer = 0}) for the embedding layer. Is the margin larger or smaller there?
--   2. Replace tr-az by tr-kk (Cyrillic). What happens to the margin?
--   3. examples/layer-probe.lua does this for every layer with retrieval accuracy.
