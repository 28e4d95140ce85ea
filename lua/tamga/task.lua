-- tamga.task: XTREME-R style tasks for zero-shot transfer: train on a source language, evaluate every target.
-- tamga.task.udpos{source="tr", targets={"az","kk"}, max_train=200, max_eval=100}; also ner, nli and copa.
-- A task is a description: data is read and tokenized (with the model's tokenizer) when a run starts.
local core = require "tamga.core"
local util = require "tamga.util"

local M = {}

local Task = {}
Task.__index = Task
Task.__name = "tamga.Task"

local TASKS = {
  udpos = { metric = "acc", about = "part-of-speech tagging (UD UPOS), token accuracy" },
  ner = { metric = "f1", about = "named entities (WikiANN/PAN-X), entity span F1" },
  nli = { metric = "acc", about = "natural language inference (XNLI, Kardes-NLU), accuracy" },
  copa = { metric = "acc", about = "choice of plausible alternatives (XCOPA, Kardes-NLU), accuracy" },
}
M.names = { "udpos", "ner", "nli", "copa" }

local function check_lang(v, what, fname)
  if type(v) ~= "string" or not v:match("^[%a][%w%-]*$") then
    util.argerror(1, fname, ("%s: a language code like \"tr\" expected, got %s"):format(what,
      type(v) == "string" and ("'" .. v .. "'") or util.typename(v)), 4)
  end
end

local function new(name, t)
  util.opts(t, 1, name, {
    source = "string", targets = "string|strings", max_train = "integer", max_eval = "integer",
    max_len = "integer", data = "string", words = "boolean", source_test = "string",
  }, true, 3)
  t = t or {}
  local source = t.source or "en"
  check_lang(source, "field 'source'", name)
  local targets = t.targets
  if type(targets) == "string" then
    local list = {}
    for l in targets:gmatch("[^,%s]+") do list[#list + 1] = l end
    targets = list
  end
  if targets then
    if #targets == 0 then util.argerror(1, name, "field 'targets': empty list (leave it out for every language)", 3) end
    local seen = {}
    for i, l in ipairs(targets) do
      check_lang(l, "field 'targets'", name)
      if seen[l] then util.argerror(1, name, "field 'targets': '" .. l .. "' appears twice", 3) end
      seen[l] = true
    end
    targets = util.copy(targets)
  end
  for _, k in ipairs { "max_train", "max_eval" } do
    if t[k] ~= nil and t[k] < 1 then util.argerror(1, name, k .. " must be positive", 3) end
  end
  -- languages without data under the data root fail here, with a suggestion ("kz": did you mean 'kk'?), not
  -- later as a run that returns nothing; without a data root the run says why
  local list = core.data.list { task = name, data = t.data }
  if list then
    local eval, train, names = {}, {}, {}
    for _, e in ipairs(list) do
      if e.split == "train" then train[e.lang] = true
      elseif not eval[e.lang] then eval[e.lang] = true; names[#names + 1] = e.lang end
    end
    table.sort(names)
    local function check(l, what, ok)
      if ok then return end
      local best = util.suggest(l, names)
      util.argerror(1, name, ("%s: no %s data for '%s' under the data root%s (languages: %s)"):format(what,
        what == "field 'source'" and "training" or "evaluation", l,
        best and ("; did you mean '" .. best .. "'?") or "", table.concat(names, ",")), 4)
    end
    if next(train) then check(source, "field 'source'", train[source]) end
    for _, l in ipairs(targets or {}) do check(l, "field 'targets'", eval[l]) end
  end
  if t.max_len ~= nil and (t.max_len < 8 or t.max_len > 8192) then
    util.argerror(1, name, "max_len must be from 8 to 8192", 3)
  end
  return setmetatable({
    name = name, source = source, targets = targets, max_train = t.max_train, max_eval = t.max_eval,
    max_len = t.max_len, data = t.data, words = t.words, source_test = t.source_test, metric = TASKS[name].metric,
  }, Task)
end

for name in pairs(TASKS) do
  M[name] = function(t) return new(name, t) end
end

-- new(name, {...}): the same by name
function M.new(name, t)
  util.check(name, "string", 1, "new")
  if not TASKS[name] then
    util.argerror(1, "new", "unknown task '" .. name .. "' (udpos, ner, nli, copa)")
  end
  return new(name, t)
end

-- languages(name) -> the languages with evaluation data for a task under the data root, or nil, message
function M.languages(name)
  util.check(name, "string", 1, "languages")
  if not TASKS[name] then util.argerror(1, "languages", "unknown task '" .. name .. "' (udpos, ner, nli, copa)") end
  local list, err = core.data.list { task = name }
  if not list then return nil, err end
  local seen, out = {}, {}
  for _, e in ipairs(list) do
    if (e.split == "test" or e.split == "dev") and not seen[e.lang] then
      seen[e.lang] = true
      out[#out + 1] = e.lang
    end
  end
  table.sort(out)
  return out
end

function M.is(v)
  return getmetatable(v) == Task
end

function Task:languages()
  return M.languages(self.name)
end

-- The options tamga.train passes on to the engine.
function Task:options()
  return {
    task = self.name, source = self.source, targets = self.targets, max_train = self.max_train,
    max_eval = self.max_eval, max_len = self.max_len, data = self.data, words = self.words,
    source_test = self.source_test,
  }
end

function Task:__tostring()
  local extra = {}
  if self.max_train then extra[#extra + 1] = "max_train " .. self.max_train end
  if self.max_eval then extra[#extra + 1] = "max_eval " .. self.max_eval end
  return ("tamga.Task %s: %s -> %s (%s)%s"):format(self.name, self.source,
    self.targets and table.concat(self.targets, ",") or "every language with data", TASKS[self.name].about,
    #extra > 0 and ("; " .. table.concat(extra, ", ")) or "")
end

M.Task = Task
return M
