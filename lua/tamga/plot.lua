-- tamga.plot: publication plots (PNG, SVG, PDF through cairo; p:save(path)) and text charts for the terminal.
--   tamga.plot.line{title=, x_label=, y_label=, series={{name=, x=, y=, lo=, hi=, color=, style=}}, hline=}
--   tamga.plot.layers{...}    score by layer: the same fields, integer x
--   tamga.plot.scatter{..., curves={{name=, x=, y=}}, log_x=, log_y=}
--   tamga.plot.heatmap{title=, values={{...}}, rows={...}, cols={...}, center=, cmap=, decimals=}
--   tamga.plot.curves(run_or_runs [, {split=, title=}])   learning curves of stored runs
--   tamga.plot.text{series=..., title=, width=, height=}   a text chart (a string) for print()
--   tamga.plot.heat_text(values, rows, cols [, opts])      a heat table as text
--   tamga.plot.bars(names, values [, opts])                horizontal bars as text
local core = require "tamga.core"
local util = require "tamga.util"
local P = core.plot

local M = {}

local SERIES = { name = "string", x = "table", y = "table", lo = "table", hi = "table", color = "string",
  style = "string" }

local function check_series(list, fname, level)
  if type(list) ~= "table" or #list == 0 then
    util.argerror(1, fname, "field 'series': a non-empty list of series expected", level)
  end
  for i, s in ipairs(list) do
    if type(s) ~= "table" then util.argerror(1, fname, ("series %d is not a table"):format(i), level) end
    for k, v in pairs(s) do
      local kind = SERIES[k]
      if not kind then util.argerror(1, fname, ("series %d: unknown field '%s'"):format(i, tostring(k)), level) end
      if type(v) ~= kind then
        util.argerror(1, fname, ("series %d: field '%s': %s expected, got %s"):format(i, k, kind, util.typename(v)),
          level)
      end
    end
    if not s.x or not s.y then util.argerror(1, fname, ("series %d needs x and y"):format(i), level) end
    if #s.x ~= #s.y then
      util.argerror(1, fname, ("series %d: x has %d values, y has %d"):format(i, #s.x, #s.y), level)
    end
    if (s.lo == nil) ~= (s.hi == nil) then util.argerror(1, fname, ("series %d: give lo and hi together"):format(i), level) end
  end
end

local XY = {
  title = "string", x_label = "string", y_label = "string", series = "table", curves = "table", hline = "table",
  log_x = "boolean", log_y = "boolean", xmin = "number", xmax = "number", ymin = "number", ymax = "number",
}

local function xy(kind, fname, t)
  util.opts(t, 1, fname, XY, false, 3)
  check_series(t.series, fname, 4)
  local p = P.new(kind, t.title)
  p:axis(t.x_label, t.y_label, t.log_x, t.log_y)
  if t.xmin or t.xmax then p:xrange(t.xmin, t.xmax) end
  if t.ymin or t.ymax then p:yrange(t.ymin, t.ymax) end
  for _, s in ipairs(t.series) do
    local i = p:series(s.name or "", s.x, s.y, s.lo, s.hi)
    if s.color or s.style then p:style(i, s.color or "auto", s.style or "solid") end
  end
  for _, c in ipairs(t.curves or {}) do
    if type(c) ~= "table" or not c.x or not c.y then util.argerror(1, fname, "curves need x and y", 3) end
    p:curve(c.name or "", c.x, c.y)
  end
  if t.hline then
    if type(t.hline.y) ~= "number" then util.argerror(1, fname, "field 'hline': {y=number, label=string}", 3) end
    p:hline(t.hline.y, t.hline.label)
  end
  return p
end

function M.line(t) return xy("line", "line", t) end
function M.layers(t) return xy("layers", "layers", t) end
function M.scatter(t) return xy("scatter", "scatter", t) end

function M.heatmap(t)
  util.opts(t, 1, "heatmap", { title = "string", values = "table", rows = "strings", cols = "strings",
    x_label = "string", y_label = "string", center = "number", cmap = "string", decimals = "integer",
    vmin = "number", vmax = "number" })
  if type(t.values) ~= "table" or type(t.values[1]) ~= "table" then
    util.argerror(1, "heatmap", "field 'values': a table of rows expected")
  end
  local p = P.new("heatmap", t.title)
  p:axis(t.x_label, t.y_label)
  p:heatmap(t.values, t.rows, t.cols)
  if t.center or t.cmap or t.decimals or t.vmin or t.vmax then
    p:scale { vmin = t.vmin, vmax = t.vmax, center = t.center, decimals = t.decimals,
      cmap = t.cmap or (t.center and "diverging" or "viridis") }
  end
  return p
end

local function runs_arg(v, fname)
  local Run = require "tamga.run"
  if Run.is(v) then return { v } end
  if type(v) == "table" and #v > 0 then
    for i, r in ipairs(v) do
      if not Run.is(r) then util.argerror(1, fname, ("entry %d is not a tamga.Run"):format(i), 3) end
    end
    return v
  end
  util.argerror(1, fname, "tamga.Run or list of runs expected, got " .. util.typename(v), 3)
end

-- curves(run_or_runs [, {split=, title=, text=false}]) -> Plot (or a text chart with text=true): the score of
-- every language at each evaluation; one line per language (and run).
function M.curves(runs, opts)
  runs = runs_arg(runs, "curves")
  util.opts(opts, 2, "curves", { split = "string", title = "string", text = "boolean", width = "integer",
    height = "integer" }, true)
  opts = opts or {}
  local series = {}
  for _, run in ipairs(runs) do
    local c, err = run:curves(opts.split)
    if not c then return nil, err end
    for _, lang in ipairs(util.keys(c)) do
      local s = c[lang]
      series[#series + 1] = { name = (#runs > 1 and ("run " .. run.id .. " ") or "") .. lang, x = s.step,
        y = s.score, lo = s.lo, hi = s.hi }
    end
  end
  if #series == 0 then return nil, "no evaluations stored for these runs" end
  local title = opts.title or ("learning curves: " .. (runs[1].task or "") .. " " .. (runs[1].source or ""))
  if opts.text then
    for _, s in ipairs(series) do s.lo, s.hi = nil, nil end
    return P.chart(series, { title = title, width = opts.width, height = opts.height })
  end
  return M.line { title = title, x_label = "step", y_label = runs[1].metric or "score", series = series }
end

-- text{series=..., title=, width=72, height=16, ascii=false, color=false, ymin=, ymax=, legend=true} -> string
function M.text(t)
  util.opts(t, 1, "text", { series = "table", title = "string", width = "integer", height = "integer",
    ascii = "boolean", color = "boolean", ymin = "number", ymax = "number", legend = "boolean" })
  check_series(t.series, "text", 3)
  local o = util.copy(t)
  o.series = nil
  return P.chart(t.series, o)
end

-- heat_text(values, rows, cols [, {title=, corner=, decimals=2, vmin=, vmax=, width=, ascii=, color=}]) -> string
function M.heat_text(values, rows, cols, opts)
  util.check(values, "table", 1, "heat_text")
  util.check(rows, "strings", 2, "heat_text")
  util.check(cols, "strings", 3, "heat_text")
  return P.heat(values, rows, cols, opts)
end

-- bars(names, values [, {title=, decimals=, width=60, ascii=, color=, vmin=, vmax=}]) -> string
function M.bars(names, values, opts)
  util.check(names, "strings", 1, "bars")
  util.check(values, "table", 2, "bars")
  return P.bars(names, values, opts)
end

M.new = P.new

return M
