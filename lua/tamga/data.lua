-- tamga.data: the datasets under the data root ($TAMGA_DATA): list them, load one as a tamga.Dataset whose
-- examples read as Lua tables (ds[i]), or read any file in a format tamga knows.
local core = require "tamga.core"
local util = require "tamga.util"

local M = {}

-- list([{task=, lang=, split=, present=true, data=DIR}]) -> list of {task, lang, split, corpus, format, kind,
-- files, present, bytes} | nil, message
M.list = core.data.list

-- load(task, lang, split [, {corpus=, words=false, data=DIR}]) -> Dataset | nil, message
M.load = core.data.load

-- read(format, path [, path2] [, {words=false}]) -> Dataset | nil, message (CoNLL-U multiword tokens fused, as
-- XTREME and training; words=true: the UD syntactic words)
M.read = core.data.read

-- root() -> the data root | nil, message
function M.root()
  return core.data_root()
end

-- summary([filter]) -> a printable table of what list() finds
function M.summary(filter)
  util.opts(filter, 1, "summary", { task = "string", lang = "string", split = "string", present = "boolean",
    data = "string" }, true)
  local list, err = M.list(filter)
  if not list then return nil, err end
  local rows = {}
  for _, e in ipairs(list) do
    rows[#rows + 1] = { e.task, e.lang, e.split, e.corpus, e.format, util.count(e.bytes) }
  end
  return util.table({ "task", "lang", "split", "corpus", "format", "bytes" }, rows)
end

-- sentences(task, lang, split, n) -> up to n sentences as strings (side a of pairs), or nil, message
function M.sentences(task, lang, split, n)
  util.check(task, "string", 1, "sentences")
  util.check(lang, "string", 2, "sentences")
  util.check(split, "string", 3, "sentences")
  if n ~= nil then util.check(n, "integer", 4, "sentences") end
  local ds, err = M.load(task, lang, split)
  if not ds then return nil, err end
  local s = ds:sentences(n)
  ds:close()
  return s
end

return M
