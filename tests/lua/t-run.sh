#!/bin/sh
# tamga run: the arg table, exit statuses, tracebacks, -e and stdin; tamga repl without a terminal; Ctrl-C (SIGINT)
# stopping a training run in a script. Prints TAP.
. "$(dirname "$0")/env.sh"
cd "$LUA_TEST_TMP" || exit 1
n=0
fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); fail=1; echo "not ok $n - $1"; [ -n "$2" ] && printf '%s\n' "$2" | sed 's/^/# /'; }
check() { if eval "$2"; then ok "$1"; else notok "$1" "$(cat out err 2>/dev/null | head -20)"; fi; }

cat > args.lua <<'LUA'
print(arg[0], arg[1], arg[2], #arg, select("#", ...), ...)
LUA
"$TAMGA" run args.lua one "two words" >out 2>err
check "arg[0], arg[1..n] and ... as in lua(1)" 'grep -q "^args.lua	one	two words	2	2	one	two words$" out'

cat > fail.lua <<'LUA'
local function inner() error("deliberate failure") end
inner()
LUA
"$TAMGA" run fail.lua >out 2>err
st=$?
check "an error exits non-zero" '[ $st -eq 1 ]'
check "the error is printed with its position" 'grep -q "fail.lua:1: deliberate failure" err'
check "and a traceback" 'grep -q "stack traceback" err && grep -q "in local .inner." err'

"$TAMGA" run missing.lua >out 2>err
st=$?
check "a missing script exits 1 and says so" '[ $st -eq 1 ] && grep -q "cannot open missing.lua" err'

"$TAMGA" run >out 2>err
st=$?
check "no script is a usage error (exit 2)" '[ $st -eq 2 ] && grep -q "expected a Lua script" err'

"$TAMGA" run -x >out 2>err
st=$?
check "an unknown option is a usage error" '[ $st -eq 2 ] && grep -q "unknown option" err'

"$TAMGA" run -e 'print(tamga.version ~= nil, type(tamga.train))' >out 2>err
check "-e runs a chunk with tamga loaded" 'grep -q "^true	function$" out'

echo 'print(require("tamga").model.default())' | "$TAMGA" run - >out 2>err
check "- reads the script from stdin" 'grep -q "^micro$" out'

mkdir -p elsewhere/deeper
echo 'local t = require "tamga"; print(#t.peft.methods())' >elsewhere/deeper/s.lua
(cd elsewhere && "$TAMGA" run deeper/s.lua) >out 2>err
check "require \"tamga\" works from any folder" 'grep -q "^[0-9][0-9]*$" out'

printf '1 + 1\nx = 41\nx + 1\nfor i = 1, 2 do\nprint(i)\nend\nerror("oops")\n"after"\n' | "$TAMGA" repl >out 2>err
check "repl without a terminal: expressions are printed" 'grep -q "^2$" out && grep -q "^42$" out'
check "repl without a terminal: multi-line chunks" 'grep -q "^1$" out && grep -q "^2$" out'
check "repl without a terminal: an error does not end it" 'grep -q "oops" err && grep -q "^after$" out'

cat > loop.lua <<'LUA'
local tamga = require "tamga"
local model = assert(tamga.model.load(tamga.model.default()))
local task = tamga.task.udpos { source = "tr", targets = { "kk" }, max_train = 400, max_eval = 16 }
print("started")
io.stdout:flush()
local run = tamga.train { model = model, task = task, peft = tamga.peft.lora {}, epochs = 1000, bootstrap = 10,
  on_step = function(ev) if ev.step == 5 then io.open("started", "w"):close() end end }
print("not reached", run)
LUA
"$TAMGA" run loop.lua >out 2>err &
pid=$!
i=0
while [ ! -f started ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
kill -INT $pid
wait $pid
st=$?
check "SIGINT stops a training run in a script (non-zero exit)" '[ $st -ne 0 ] && [ -f started ]'
check "with \"interrupted!\" naming the stored run" 'grep -q "interrupted! (run 1 stopped after step" err'
check "the code after the run does not run" '! grep -q "not reached" out'
echo 'local s = require("tamga").store.open(); print(s:run(1).status)' >st.lua
"$TAMGA" run st.lua >out 2>err
check "the interrupted run is stored as cancelled" 'grep -q "^cancelled$" out'

echo "1..$n"
exit $fail
