-- tokenizer-diagnostics.lua: how well does the model's tokenizer fit each Turkic language? (Rust et al. 2021)
--
--   tamga run examples/tokenizer-diagnostics.lua [MODEL] [LANGS]       LANGS: comma-separated, e.g. tr,kk,ug
--
-- Prints, per language, the fertility (subwords per word), the share of continued words (split into two or more
-- subwords), the UNK rate and the dominant script, measured on the data root's text; then the subword-type Jaccard
-- overlap between languages on equal-size samples (a heat map), and one Turkish sentence as the tokenizer cuts it.
-- High fertility and low overlap with the source are the "morphology and tokenization" warnings made measurable.
local tamga = require "tamga"
local util = tamga.util

local model = assert(tamga.model.load(arg[1] or tamga.model.default()))
local langs = {}
for l in (arg[2] or "en,tr,az,kk,ky,uz,ug,tt"):gmatch("[^,]+") do langs[#langs + 1] = l end

print(tostring(model.tokenizer))
local ts = assert(tamga.analysis.tokstats(model, { langs = langs, max_words = 5000, sample_words = 1000 }))
local rows = {}
for _, l in ipairs(ts.langs) do
  rows[#rows + 1] = { l.lang, l.words, util.num(l.fertility, 2), util.num(l.continued, 2), util.num(l.unk_rate, 4),
    util.num(l.chars_per_token, 2), l.script }
end
print(util.table({ "lang", "words", "fertility", "continued", "unk", "chars/token", "script" }, rows))

local names = {}
for i, l in ipairs(ts.langs) do names[i] = l.lang end
print("\n" .. tamga.plot.heat_text(ts.jaccard, names, names, { title = "subword-type Jaccard overlap (equal samples)",
  decimals = 2, width = 100 }))

-- fertility as bars, highest first
table.sort(ts.langs, function(a, b) return a.fertility > b.fertility end)
local bn, bv = {}, {}
for i, l in ipairs(ts.langs) do bn[i], bv[i] = l.lang, l.fertility end
print(tamga.plot.bars(bn, bv, { title = "fertility (subwords per word)", width = 50 }))

local sentence = "Çocuklarımızın geleceği için çalışıyoruz."
local pieces = model.tokenizer:pieces(sentence)
local st = tamga.tokenizer.stats(model, { sentence })
print(("\n%s\n  -> %s\n  %d words, %d subwords, fertility %.2f"):format(sentence, table.concat(pieces, " "), st.words,
  st.tokens, st.fertility))
