-- tamga.train{model=, task=, peft=, epochs=, seed=, on_step=, on_eval=, ...}: fine-tune on the task's source
-- language, evaluate every target, store the run in the workspace ($TAMGA_WORKSPACE or ./tamga-workspace) and
-- return a tamga.Run. on_step(ev) sees {step, total, epoch, loss, lr, grad_norm, tokens_per_s, elapsed, eta};
-- on_eval(ev) sees {step, lang, split, score, lo, hi, n, source} for every language evaluated and stops the run
-- when it returns true (so does on_step). Ctrl-C stops the run after the current step and raises "interrupted!".
-- Expected failures (no data for a language, a model that cannot be read) return nil, message.
local core = require "tamga.core"
local util = require "tamga.util"
local Run = require "tamga.run"

local M = {}

local SPEC = {
  model = "tamga.Model|string", task = "tamga.Task", peft = "tamga.PeftSpec|string", budget = "integer",
  match = "tamga.PeftSpec|string", epochs = "integer", steps = "integer", batch = "integer",
  batch_tokens = "integer", accum = "integer", lr = "number", weight_decay = "number", warmup = "number",
  clip = "number", schedule = "string", seed = "integer", eval_every = "integer", patience = "integer",
  select_on_target = "boolean", eval_targets = "boolean", bootstrap = "integer", workspace = "string",
  name = "string", save_adapter = "string", progress = "boolean", on_step = "function", on_eval = "function",
  build = "boolean", resume = "integer", lr_backoff = "boolean", source_corpus = "string", target_corpus = "string", label_map = "string",
}

local function positive(t, k, allow_zero)
  local v = t[k]
  if v ~= nil and (v < 0 or (v == 0 and not allow_zero)) then
    util.argerror(1, "train", k .. (allow_zero and " must not be negative" or " must be positive"), 3)
  end
end

function M.train(t)
  util.opts(t, 1, "train", SPEC)
  if t.task == nil then util.argerror(1, "train", "field 'task' is required (tamga.task.udpos{...} and others)") end
  for _, k in ipairs { "epochs", "batch", "accum", "lr", "bootstrap" } do positive(t, k) end
  for _, k in ipairs { "steps", "batch_tokens", "eval_every", "patience", "weight_decay", "clip", "budget" } do
    positive(t, k, true)
  end
  if t.warmup ~= nil and (t.warmup < 0 or t.warmup > 1) then util.argerror(1, "train", "warmup must be from 0 to 1") end
  if t.schedule ~= nil and not ({ constant = true, linear = true, cosine = true })[t.schedule] then
    util.argerror(1, "train", "field 'schedule': constant, linear or cosine")
  end
  if t.budget and t.match then util.argerror(1, "train", "give budget or match, not both") end
  local o = t.task:options()
  for k, v in pairs(t) do
    if k ~= "task" then o[k] = v end
  end
  o.model = t.model or core.default_model()
  local r, err, id = core.train.run(o)
  if not r then return nil, err, id end
  return Run.new(r)
end

return M
