-- Exercise 3: the encoder. A masked-language model guesses hidden words; its hidden states are vectors per token.
--   tamga run examples/workshop/03-model.lua [MODEL]
local tamga = require "tamga"
local model = assert(tamga.model.load(arg[1] or tamga.model.default()))
print(model)
print("pretraining languages: " .. table.concat(model.languages, " "))

-- Masked-word guesses (a tiny model guesses badly: that is fine, look at what kind of pieces it proposes).
for _, c in ipairs(model:fill_mask("Bugün hava çok <mask> .", 5)) do
  print(("  %s %.3f"):format(tamga.util.pad(c.piece, 12), c.p))   -- pad by display width, not bytes
end

-- Hidden states of one sentence: one (tokens x hidden) tensor per layer; index 1 is the embedding layer.
-- Per layer: the mean length of a token's vector, and how alike the tokens' vectors are (the mean cosine between
-- two different tokens of the sentence): it rises in the upper layers of many encoders, where every token carries
-- the context of the whole sentence.
local layers, pieces = model:hidden_states("Ankara Türkiye'nin başkentidir.")
print("tokens: " .. table.concat(pieces, " "))
for i, h in ipairs(layers) do
  local n, norms = h:size(1), 0
  for t = 1, n do norms = norms + h[t]:norm() end
  local cos = tamga.tensor.cosine_matrix(h, h)
  local alike = n > 1 and (cos:sum() - cos:diag():sum()) / (n * (n - 1)) or 0
  print(("  layer %d: %d tokens x %d, mean token-vector norm %6.2f, mean cosine between tokens %.3f"):format(i - 1,
    n, h:size(2), norms / n, alike))
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
