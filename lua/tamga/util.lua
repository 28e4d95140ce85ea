-- tamga.util: argument checking in Lua's own style, small table helpers and text formatting shared by the modules.
local M = {}

local type, pairs, ipairs, tostring, error, select = type, pairs, ipairs, tostring, error, select
local fmt = string.format

-- Raise "bad argument #n to 'fname' (msg)" pointing at the caller of the API function (level 3 by default:
-- argerror <- the API function <- the user's code).
function M.argerror(n, fname, msg, level)
  error(fmt("bad argument #%d to '%s' (%s)", n, fname, msg), (level or 2) + 1)
end

local function typename(v)
  local mt = getmetatable(v)
  if type(mt) == "table" and type(mt.__name) == "string" then return mt.__name end
  return type(v)
end
M.typename = typename

local function distance(a, b)
  if #a > 30 or #b > 30 then return 99 end
  local d = {}
  for i = 0, #a do d[i] = { [0] = i } end
  for j = 0, #b do d[0][j] = j end
  for i = 1, #a do
    for j = 1, #b do
      local c = d[i - 1][j - 1] + (a:sub(i, i) == b:sub(j, j) and 0 or 1)
      c = math.min(c, d[i - 1][j] + 1, d[i][j - 1] + 1)
      d[i][j] = c
    end
  end
  return d[#a][#b]
end

-- Checkers: each returns nil when v is acceptable, or what was expected.
local checkers = {
  string = function(v) return type(v) == "string" end,
  number = function(v) return type(v) == "number" end,
  integer = function(v) return math.type(v) == "integer" end,
  boolean = function(v) return type(v) == "boolean" end,
  ["function"] = function(v) return type(v) == "function" end,
  table = function(v) return type(v) == "table" end,
  strings = function(v)
    if type(v) ~= "table" then return false end
    for _, s in ipairs(v) do if type(s) ~= "string" then return false end end
    return true
  end,
}
local expected = {
  strings = "list of strings",
}

local function accepts(kind, v)
  for alt in kind:gmatch("[^|]+") do
    local c = checkers[alt]
    if c then
      if c(v) then return true end
    elseif typename(v) == alt then
      return true
    end
  end
  return false
end

-- Check an options table against spec = { key = "kind[|kind...]" } where kind is string, number, integer,
-- boolean, function, table, strings (a list of strings) or a metatable name such as "tamga.Model".
-- Unknown keys raise with a suggestion. Returns t (or an empty table when t is nil and optional).
function M.opts(t, n, fname, spec, optional, level)
  level = (level or 2) + 1
  if t == nil and optional then return {} end
  if type(t) ~= "table" then
    M.argerror(n, fname, "table expected, got " .. (t == nil and "no value" or typename(t)), level)
  end
  for k, v in pairs(t) do
    if type(k) ~= "string" then
      M.argerror(n, fname, "options must be named (found a " .. type(k) .. " key)", level)
    end
    local kind = spec[k]
    if kind == nil then
      local best, bd = nil, 3
      for name in pairs(spec) do
        local d = distance(k, name)
        if d < bd then best, bd = name, d end
      end
      M.argerror(n, fname, "unknown option '" .. k .. "'" .. (best and ("; did you mean '" .. best .. "'?") or ""),
        level)
    end
    if not accepts(kind, v) then
      local want = kind:gsub("[^|]+", function(a) return expected[a] or a end):gsub("|", " or ")
      M.argerror(n, fname, fmt("field '%s': %s expected, got %s", k, want, typename(v)), level)
    end
  end
  return t
end

-- The name of list closest to word (at most 2 edits), or nil: for "did you mean" suggestions.
function M.suggest(word, list)
  local best, bd = nil, 3
  for _, name in ipairs(list) do
    local d = distance(word, name)
    -- on a tie the name that starts like the word wins ("kz": kk rather than az)
    if d < bd or (d == bd and best and best:sub(1, 1) ~= word:sub(1, 1) and name:sub(1, 1) == word:sub(1, 1)) then
      best, bd = name, d
    end
  end
  return best
end

-- Check one positional argument.
function M.check(v, kind, n, fname, level)
  if not accepts(kind, v) then
    local want = kind:gsub("[^|]+", function(a) return expected[a] or a end):gsub("|", " or ")
    M.argerror(n, fname, want .. " expected, got " .. (v == nil and "no value" or typename(v)), (level or 2) + 1)
  end
  return v
end

-- Formatting ---------------------------------------------------------------------------------------------------

function M.num(v, decimals)
  if v == nil or v ~= v then return "-" end
  return fmt("%." .. (decimals or 3) .. "f", v)
end

function M.count(v)
  if v == nil then return "-" end
  if v >= 1e9 then return fmt("%.2fB", v / 1e9) end
  if v >= 1e6 then return fmt("%.2fM", v / 1e6) end
  if v >= 1e4 then return fmt("%.1fk", v / 1e3) end
  return tostring(math.tointeger(v) or v)
end

-- Display width of UTF-8 text in a terminal: one column per character, none for combining marks and zero-width
-- characters (Arabic vowel signs, U+200B-U+200F), two for CJK and other wide characters. string.format's %-20s
-- counts bytes, which misaligns Cyrillic and Arabic columns.
local function zero_width(c)
  return (c >= 0x300 and c <= 0x36F) or (c >= 0x483 and c <= 0x489) or (c >= 0x591 and c <= 0x5BD) or
      (c >= 0x610 and c <= 0x61A) or (c >= 0x64B and c <= 0x65F) or c == 0x670 or (c >= 0x6D6 and c <= 0x6DC) or
      (c >= 0x6DF and c <= 0x6E4) or (c >= 0x6E7 and c <= 0x6E8) or (c >= 0x6EA and c <= 0x6ED) or
      (c >= 0x200B and c <= 0x200F) or (c >= 0x202A and c <= 0x202E) or (c >= 0x2060 and c <= 0x2064) or
      (c >= 0xFE00 and c <= 0xFE0F) or c == 0xFEFF
end
local function wide(c)
  return (c >= 0x1100 and c <= 0x115F) or (c >= 0x2E80 and c <= 0xA4CF) or (c >= 0xAC00 and c <= 0xD7A3) or
      (c >= 0xF900 and c <= 0xFAFF) or (c >= 0xFE30 and c <= 0xFE4F) or (c >= 0xFF00 and c <= 0xFF60) or
      (c >= 0xFFE0 and c <= 0xFFE6) or (c >= 0x1F300 and c <= 0x1FAFF) or (c >= 0x20000 and c <= 0x3FFFD)
end

function M.width(s)
  s = tostring(s)
  if not utf8.len(s) then return #s end
  local w = 0
  for _, c in utf8.codes(s) do
    w = w + (zero_width(c) and 0 or wide(c) and 2 or 1)
  end
  return w
end

-- s padded with spaces to display width w (on the left when right is true); longer text is left as it is.
function M.pad(s, w, right)
  s = tostring(s)
  local fill = string.rep(" ", math.max(0, w - M.width(s)))
  return right and fill .. s or s .. fill
end

-- A text table: rows of strings; numbers right-aligned, the rest left-aligned.
function M.table(header, rows)
  local w = {}
  local all = { header }
  for _, r in ipairs(rows) do all[#all + 1] = r end
  for _, r in ipairs(all) do
    for i, c in ipairs(r) do
      c = tostring(c)
      if not w[i] or M.width(c) > w[i] then w[i] = M.width(c) end
    end
  end
  local out = {}
  for ri, r in ipairs(all) do
    local cells = {}
    for i, c in ipairs(r) do
      local s = tostring(c)
      local pad = string.rep(" ", w[i] - M.width(s))
      if ri > 1 and (type(c) == "number" or s:match("^[-+]?[%d.]+$") or s == "-") then
        cells[i] = pad .. s
      else
        cells[i] = s .. pad
      end
    end
    out[#out + 1] = (table.concat(cells, "  "):gsub("%s+$", ""))
  end
  return table.concat(out, "\n")
end

function M.keys(t)
  local k = {}
  for key in pairs(t) do k[#k + 1] = key end
  table.sort(k, function(a, b) return tostring(a) < tostring(b) end)
  return k
end

function M.mean(t)
  local s, n = 0, 0
  for _, v in ipairs(t) do if v == v then s, n = s + v, n + 1 end end
  return n > 0 and s / n or 0 / 0
end

-- A shallow copy.
function M.copy(t)
  local c = {}
  for k, v in pairs(t) do c[k] = v end
  return c
end

function M.pack(...) return { n = select("#", ...), ... } end

return M
