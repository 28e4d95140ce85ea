-- tamga.tokenizer: subword tokenizers (SentencePiece, WordPiece, tokenizer.json) and quick diagnostics on any
-- sentences: fertility (tokens per word), continued words (words split in two or more) and the UNK rate.
local core = require "tamga.core"
local util = require "tamga.util"

local M = {}

-- load(path) -> Tokenizer | nil, message (a model folder or a tokenizer file)
function M.load(path)
  util.check(path, "string", 1, "load")
  return core.model.tokenizer(path)
end

-- stats(tokenizer_or_model, sentences) -> {sentences=, words=, tokens=, fertility=, continued=, unk_rate=}
function M.stats(tok, sentences)
  util.check(tok, "tamga.Tokenizer|tamga.Model", 1, "stats")
  util.check(sentences, "strings", 2, "stats")
  if util.typename(tok) == "tamga.Model" then tok = tok.tokenizer end
  local unk = tok.specials.unk
  local words, tokens, continued, unks = 0, 0, 0, 0
  for _, s in ipairs(sentences) do
    local ids, of = tok:encode(s)
    local per = {}
    for i, w in ipairs(of) do
      per[w] = (per[w] or 0) + 1
      if ids[i] == unk then unks = unks + 1 end
    end
    for _ in s:gmatch("%S+") do words = words + 1 end
    for _, c in pairs(per) do if c >= 2 then continued = continued + 1 end end
    tokens = tokens + #ids
  end
  return {
    sentences = #sentences, words = words, tokens = tokens,
    fertility = words > 0 and tokens / words or 0 / 0,
    continued = words > 0 and continued / words or 0 / 0,
    unk_rate = tokens > 0 and unks / tokens or 0 / 0,
  }
end

return M
