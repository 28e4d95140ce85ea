-- One multiword-token convention (issue 17, defect 5): tamga.data.read fuses UD multiword tokens into their surface
-- forms like tamga.data.load and training-time evaluation (XTREME's UDPOS convention); {words=true} gives the UD
-- syntactic words in both. Prints TAP.
package.path = arg[0]:match("^(.*/)") .. "?.lua;" .. package.path
local T = require "tap"
local tamga = require "tamga"

local root = tamga.data.root()
local path = root and (root .. "/udpos/tr/tr_imst-ud-test.conllu")
local f = path and io.open(path)
if not f then
  print("1..0 # SKIP no data root with tr IMST test")
  os.exit(0)
end
f:close()

local loaded = assert(tamga.data.load("udpos", "tr", "test", { corpus = "imst" }))
local read = assert(tamga.data.read("conllu", path))
T.is(#read, #loaded, "the same sentences")
T.is(read.words, loaded.words, "data.read and data.load count the same words (fused multiword tokens)")
local read_words = assert(tamga.data.read("conllu", path, { words = true }))
local loaded_words = assert(tamga.data.load("udpos", "tr", "test", { corpus = "imst", words = true }))
T.ok(read_words.words > read.words, "{words=true}: the UD syntactic words, more of them",
  ("%d vs %d"):format(read_words.words, read.words))
T.is(read_words.words, loaded_words.words, "and data.load agrees with {words=true} too")
local first
for i = 1, #read do
  local a, b = read[i].words, loaded[i].words
  if #a ~= #b then first = first or i end
end
T.ok(first == nil, "every sentence has the same words either way", first and ("sentence " .. first))
T.ok(not pcall(tamga.data.read, "conllu", path, { word = true }), "an unknown option is an error")
T.done()
