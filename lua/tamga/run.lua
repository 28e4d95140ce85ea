-- tamga.Run: one stored training run (from tamga.train or a store), and its report: per-language scores with 95%
-- confidence intervals and the transfer ratio TTC = (A_t - c_t) / (A_s - c_s) against the source language, each c the
-- chance level stored with its score (the majority baseline of that evaluation set), the formula the engine's
-- (tamga.core.analysis.ttc_of): undefined (nil) when the source is at or below its chance.
local core = require "tamga.core"
local util = require "tamga.util"

local fmt = string.format

local Run = {}
Run.__index = Run
Run.__name = "tamga.Run"

local Report = {}
Report.__index = Report
Report.__name = "tamga.Report"

local CHANCE = { ner = 0, sts = 0, tatoeba = 0 }   -- runs stored before per-set chance levels, without a config
local CHANCE_ABOUT = "chance c = majority baseline on each evaluation set (tagging: the source's majority tag; "
  .. "classification: the set's majority class; F1, correlation, retrieval: 0)"

-- A run from a result table (tamga.train) or a store row; store is a tamga.Store or nil.
function Run.new(t, store)
  t._store = store
  if type(t.scores) == "table" then t.scores_, t.scores = t.scores, nil end
  if type(t.targets) == "string" then
    local list = {}
    for l in t.targets:gmatch("[^,]+") do list[#list + 1] = l end
    t.target_list = list
  end
  if t.chance == nil then
    t.chance = (t.config and t.config.chance) or CHANCE[t.task]
  end
  return setmetatable(t, Run)
end

function Run.is(v)
  return getmetatable(v) == Run
end

-- The store the run lives in (opened read-only on first use).
function Run:store()
  if not self._store then
    local s, err = core.store.open(self.workspace)
    if not s then return nil, err end
    self._store = s
  end
  return self._store
end

-- The run's evaluation rows from its store: which = "selected" | "all"; or nil, message.
local function evals(run, which)
  local s, err = run:store()
  if not s then return nil, err end
  return s:evals(run.id, which)
end

-- Selected scores (the checkpoint chosen on the source dev set): list of {lang, split, score, lo, hi, n, source}.
function Run:scores()
  if self.scores_ and #self.scores_ > 0 then return self.scores_ end
  local rows, err = evals(self, "selected")
  if not rows then return nil, err end
  local out = {}
  for _, r in ipairs(rows) do
    out[#out + 1] = { lang = r.lang, split = r.split, score = r.score, lo = r.lo, hi = r.hi, n = r.n,
      source = r.source, metric = r.metric, chance = r.chance }
    self.metric = self.metric or r.metric
  end
  self.scores_ = out
  return out
end

-- The source score TTC is computed against: the source test split when there is one, else the source dev.
local function source_score(scores)
  local dev, test
  for _, s in ipairs(scores) do
    if s.source then
      if s.split == "test" then test = s else dev = dev or s end
    end
  end
  return test or dev
end

-- The chance level of a score: its own (stored with it), else the run's single level (runs stored before per-set
-- levels).
function Run:chance_of(s)
  if s.chance ~= nil then return s.chance end
  return self.chance
end

local function ttc_of(run, s, src)
  local ct, cs = run:chance_of(s), src and run:chance_of(src)
  if not src or ct == nil or cs == nil then return nil end
  return core.analysis.ttc_of(s.score, ct, src.score, cs)
end

-- run:ttc() -> {[lang] = TTC} for the targets (a target whose TTC is undefined is absent)
function Run:ttc()
  local scores, err = self:scores()
  if not scores then return nil, err end
  local src, out = source_score(scores), {}
  for _, s in ipairs(scores) do
    if not s.source then out[s.lang] = ttc_of(self, s, src) end
  end
  return out
end

-- run:report() -> a printable table (print(run:report())) with fields rows (each with chance, above_chance,
-- below_chance and ttc: nil when undefined), metric, chance (of the source), source, mean_ttc, by_lang[lang]; or
-- nil, message when the store cannot be read.
function Run:report()
  local scores, err = self:scores()
  if not scores then return nil, err end
  local src = source_score(scores)
  local c = src and self:chance_of(src)
  local rows, by_lang, ttcs = {}, {}, {}
  for _, s in ipairs(scores) do
    local r = { lang = s.lang, split = s.split, score = s.score, lo = s.lo, hi = s.hi, n = s.n, source = s.source,
      chance = self:chance_of(s) }
    if r.chance ~= nil and r.score ~= nil then
      r.above_chance = r.score - r.chance
      r.below_chance = r.above_chance <= 0
    end
    if not s.source then
      r.ttc = ttc_of(self, s, src)
      if r.ttc then ttcs[#ttcs + 1] = r.ttc end
    end
    rows[#rows + 1] = r
    if not s.source or not by_lang[s.lang] or s.split == "test" then by_lang[s.lang] = r end
  end
  return setmetatable({
    run = self, rows = rows, by_lang = by_lang, metric = self.metric or (scores[1] and scores[1].metric) or "score",
    chance = c, source = src, mean_ttc = #ttcs > 0 and util.mean(ttcs) or nil,
  }, Report)
end

function Run:__tostring()
  local r = self:report()
  return fmt("tamga.Run %d (%s): %s %s, %s %s -> %s; %s trainable; mean TTC %s", self.id or 0, self.status or "?",
    self.method or "?", self.layers or "", self.task or "?", self.source or "?", self.targets or "?",
    util.count(self.trainable), r and util.num(r.mean_ttc) or "-")
end

-- run:curves([split]) -> {[lang] = {step={}, score={}, lo={}, hi={}}}: scores at every evaluation
-- (targets on the test split by default, the source on its dev split).
function Run:curves(split)
  if split ~= nil and split ~= "dev" and split ~= "test" then
    util.argerror(1, "curves", 'split must be "dev" or "test"')
  end
  local rows, err = evals(self, "all")
  if not rows then return nil, err end
  local out = {}
  for _, r in ipairs(rows) do
    local want = split or (r.source and "dev" or "test")
    if r.split == want then
      local c = out[r.lang] or { step = {}, score = {}, lo = {}, hi = {} }
      out[r.lang] = c
      c.step[#c.step + 1] = r.step
      c.score[#c.score + 1] = r.score
      c.lo[#c.lo + 1] = r.lo or r.score
      c.hi[#c.hi + 1] = r.hi or r.score
    end
  end
  return out
end

-- run:evaluate(t) or run:evaluate(dataset, t): score the run's trained adapter and head on any file, in any
-- language, with the training-time evaluation code, and store the score with the run under the data's own name
-- (so run:scores(), tamga report and tamga show list it). t: {data=FILE, format="conllu"|"panx"|"kaznerd"|"xnli"|
-- "kardes-nli"|"xcopa"|"kardes-copa", lang=CODE, name=, split="test"|"dev", lenient=false, label_map=FILE|"ontonotes",
-- out=FILE (predictions), store=true}; a tamga.Dataset (tamga.data.read) may stand for data/format.
-- Returns {name, lang, split, metric, score, lo, hi, n, step, skipped, warnings, problems={...}, record}
-- or nil, message, problems.
function Run:evaluate(a, b)
  local t
  if type(a) == "table" and getmetatable(a) == nil then
    t = a
  elseif a ~= nil and b == nil or type(b) == "table" then
    t = {}
    for k, v in pairs(b or {}) do t[k] = v end
    t.dataset = a
  else
    util.argerror(1, "evaluate", "a table {data=, format=, lang=, ...} or a tamga.Dataset and a table expected")
  end
  local o = {}
  for k, v in pairs(t) do o[k] = v end
  o.run = self.id
  o.workspace = o.workspace or self.workspace
  local r, err, problems = core.train.evaluate(o)
  if r then self.scores_ = nil end
  return r, err, problems
end

-- run:history() -> list of {step, loss, lr, grad_norm, tokens_per_s, elapsed}: the training steps as stored
function Run:history()
  local s, err = self:store()
  if not s then return nil, err end
  return s:steps(self.id)
end

-- Report ---------------------------------------------------------------------------------------------------------

function Report:__tostring()
  local run = self.run
  local head = {}
  head[#head + 1] = fmt("run %s: %s %s (%s trainable parameters), %s %s -> %s", tostring(run.id or "?"),
    run.method or "?", run.layers or "", util.count(run.trainable), run.task or "?", run.source or "?",
    run.targets or "?")
  local rows = {}
  for _, r in ipairs(self.rows) do
    local ttc = r.source and "source" or (r.ttc and util.num(r.ttc, 3)) or "undefined"
    rows[#rows + 1] = {
      r.lang, r.split, util.num(r.score, 4),
      (r.lo and r.hi) and fmt("[%.3f, %.3f]", r.lo, r.hi) or "-",
      util.num(r.chance, 4), r.above_chance and (fmt("%+.3f", r.above_chance) .. (r.below_chance and "*" or ""))
        or "-", ttc, r.n or "-",
    }
  end
  local tab = util.table({ "lang", "split", self.metric, "95% CI", "chance", "A - c", "TTC", "items" }, rows)
  local nt = 0
  for _, r in ipairs(self.rows) do if not r.source then nt = nt + 1 end end
  local foot = fmt("mean TTC %s over %d targets; TTC = (A_t - c_t) / (A_s - c_s), undefined when A_s <= c_s; "
    .. "* = at or below chance; %s", util.num(self.mean_ttc), nt, CHANCE_ABOUT)
  if run.best_step then
    foot = foot .. fmt("; best step %d of %d", run.best_step, run.steps or run.best_step)
  end
  return table.concat(head, "\n") .. "\n" .. tab .. "\n" .. foot
end

-- report:csv() -> the rows as CSV text
function Report:csv()
  local out = { "run,lang,split,metric,score,ci_low,ci_high,chance,ttc,items" }
  for _, r in ipairs(self.rows) do
    out[#out + 1] = fmt("%s,%s,%s,%s,%s,%s,%s,%s,%s,%s", tostring(self.run.id or ""), r.lang, r.split, self.metric,
      r.score and fmt("%.6f", r.score) or "", r.lo and fmt("%.6f", r.lo) or "", r.hi and fmt("%.6f", r.hi) or "",
      r.chance and fmt("%.6f", r.chance) or "", r.ttc and fmt("%.6f", r.ttc) or "", r.n or "")
  end
  return table.concat(out, "\n") .. "\n"
end

Run.Report = Report

-- store:runs() and store:run(id) give Run objects.
core.store.set_wrapper(function(store, t) return Run.new(t, store) end)

return Run
