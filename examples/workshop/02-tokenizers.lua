-- Exercise 2: tokenizers. A multilingual model sees subwords, not words. Languages that the tokenizer fits badly are
-- cut into many short pieces (high fertility), which is one reason transfer to them is harder.
--   tamga run examples/workshop/02-tokenizers.lua [MODEL]
local tamga = require "tamga"
local model = assert(tamga.model.load(arg[1] or tamga.model.default()))
local tok = model.tokenizer
print(tok)

-- One sentence in several Turkic languages and scripts (Latin, Cyrillic, Arabic).
local sentences = {
  tr = "Kitapları okudum.",
  az = "Kitabları oxudum.",
  kk = "Кітаптарды оқыдым.",
  ug = "كىتابلارنى ئوقۇدۇم.",
}
for _, lang in ipairs { "tr", "az", "kk", "ug" } do
  local s = sentences[lang]
  -- util.pad pads to the display width: %-24s would count bytes (2 per Cyrillic letter) and misalign the column
  print(("%-3s %s -> %s"):format(lang, tamga.util.pad(s, 22), table.concat(tok:pieces(s), " ")))
end

-- Fertility (subwords per word) and continued words on 100 test sentences of each language.
print("\nlang  fertility  continued  unk")
for _, lang in ipairs { "tr", "az", "kk", "ky", "uz", "ug", "tt", "sah" } do
  local sents = tamga.data.sentences("udpos", lang, "test", 100)
  if sents then
    local st = tamga.tokenizer.stats(tok, sents)
    print(("%-4s  %9.2f  %9.2f  %.3f"):format(lang, st.fertility, st.continued, st.unk_rate))
  end
end

-- Try:
--   1. Which language has the highest fertility? Is it one the model saw in pretraining (print(model.languages))?
--   2. Decode the ids of a sentence back: tok:decode(tok:encode(s)). Is it always the same text?
--   3. tamga.analysis.tokstats(model) measures the same on much more text, plus overlap between languages.
