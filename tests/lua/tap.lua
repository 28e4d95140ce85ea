-- A small TAP producer for the Lua tests: ok, is, like, raises, returns_fail, done.
local T = { n = 0, failed = 0 }

local function report(ok, name, diag)
  T.n = T.n + 1
  if not ok then T.failed = T.failed + 1 end
  print(("%s %d - %s"):format(ok and "ok" or "not ok", T.n, name))
  if not ok and diag then
    for line in tostring(diag):gmatch("[^\n]+") do print("# " .. line) end
  end
  return ok
end

function T.ok(cond, name, diag) return report(cond and true or false, name, diag) end

function T.is(got, want, name)
  return report(got == want, name, ("got %s, want %s"):format(tostring(got), tostring(want)))
end

function T.near(got, want, tol, name)
  return report(type(got) == "number" and math.abs(got - want) <= tol, name,
    ("got %s, want %s +- %s"):format(tostring(got), tostring(want), tostring(tol)))
end

-- The string contains every plain pattern.
function T.like(s, pattern, name)
  return report(type(s) == "string" and s:find(pattern, 1, true) ~= nil, name,
    ("%q does not contain %q"):format(tostring(s), pattern))
end

function T.match(s, pattern, name)
  return report(type(s) == "string" and s:match(pattern) ~= nil, name,
    ("%q does not match %q"):format(tostring(s), pattern))
end

-- fn(...) raises an error whose message contains `want` (plain text).
function T.raises(want, name, fn, ...)
  local ok, err = pcall(fn, ...)
  if ok then return report(false, name, "no error raised") end
  return report(tostring(err):find(want, 1, true) ~= nil, name, ("error %q does not contain %q"):format(tostring(err), want))
end

-- fn(...) returns nil, message with the message containing `want`.
function T.fails(want, name, fn, ...)
  local ok, a, b = pcall(fn, ...)
  if not ok then return report(false, name, "raised: " .. tostring(a)) end
  return report(a == nil and type(b) == "string" and b:find(want, 1, true) ~= nil, name,
    ("returned %s, %s; want nil, message containing %q"):format(tostring(a), tostring(b), want))
end

function T.diag(msg)
  for line in tostring(msg):gmatch("[^\n]+") do print("# " .. line) end
end

function T.done()
  print("1.." .. T.n)
  os.exit(T.failed == 0 and 0 or 1, true)   -- close the state: every object is collected (valgrind-clean)
end

return T
