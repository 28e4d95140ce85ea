#!/bin/sh
# tamga repl driven through tmux (fixed size, private server, private HOME): completion of tamga. names and fields,
# multi-line input, an error that does not end the session, Ctrl-C at the prompt and during a training loop, and
# history across two sessions. Prints TAP.
. "$(dirname "$0")/env.sh"
command -v tmux >/dev/null 2>&1 || lua_test_skip "tmux is not installed"
cd "$LUA_TEST_TMP" || exit 1
SOCK="tamga-repl-test-$$"
tm() { tmux -L "$SOCK" -f /dev/null "$@"; }
lua_test_cleanup_tmux() { tm kill-server >/dev/null 2>&1; rm -rf "$LUA_TEST_TMP"; }
trap lua_test_cleanup_tmux EXIT

n=0
fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() {
	n=$((n + 1)); fail=1; echo "not ok $n - $1"
	tm capture-pane -p -t repl 2>/dev/null | sed '/^$/d; s/^/# /' | tail -15
}
screen() { tm capture-pane -p -J -t repl 2>/dev/null; }
# wait_for PATTERN [SECONDS]: until the screen matches the (grep -E) pattern
wait_for() {
	i=0
	while [ $i -lt $((${2:-10} * 10)) ]; do
		if screen | grep -Eq -- "$1"; then return 0; fi
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
expect() { if wait_for "$2" "$3"; then ok "$1"; else notok "$1"; fi; }
last_line() { screen | sed '/^$/d' | tail -1; }
start() {
	tm new-session -d -s repl -x 100 -y 30 \
		"env HOME='$HOME' TAMGA_MODELS='$TAMGA_MODELS' TAMGA_MODEL=micro TAMGA_DATA='$TAMGA_DATA' TAMGA_THREADS=1 TAMGA_WORKSPACE='$TAMGA_WORKSPACE' TERM=xterm '$TAMGA' repl"
	wait_for '^tamga> ' 20
}
send() { tm send-keys -t repl "$@"; }
type_line() { tm send-keys -t repl -l "$1"; tm send-keys -t repl Enter; }

start || { echo "1..0 # SKIP the REPL did not start in tmux"; exit 0; }
ok "the REPL starts with a prompt"

# completion
send -l 'tamga.mod'
send Tab
expect "Tab completes tamga.mod to tamga.model." '^tamga> tamga\.model\.$'
send -l 'lo'
send Tab
expect "and tamga.model.lo to tamga.model.load(" '^tamga> tamga\.model\.load\($'
send C-u
send -l 'tamga.peft.'
send Tab Tab
expect "Tab Tab lists the names of a table" 'lora\(.*' 
if screen | grep -q 'adapter('; then ok "the list shows every function"; else notok "the list shows every function"; fi
send C-u
type_line 'm = tamga.model.load("micro")'
wait_for '^tamga> $' 20
send -l 'm.voc'
send Tab
expect "fields of a model complete (m.voc -> m.vocab)" '^tamga> m\.vocab$'
send Enter
expect "an expression is printed (m.vocab)" '^2000$'
send -l 'm:fill'
send Tab
expect "methods complete after ':' (m:fill -> m:fill_mask()" '^tamga> m:fill_mask\($'
send C-u

# multi-line input
type_line 'function sq(x)'
expect "an incomplete chunk gets the continuation prompt" '^   >> $'
type_line 'return x * x'
type_line 'end'
type_line 'sq(12)'
expect "the multi-line function works" '^144$'

# errors do not end the session
type_line 'error("boom")'
expect "an error is shown" 'stdin:1: boom'
type_line '6 * 7'
expect "and the session goes on" '^42$'
type_line 'nosuch.field'
expect "a runtime error too" "attempt to index a nil value \(global 'nosuch'\)"

# Ctrl-C at the prompt drops the line
send -l 'this line is dropped'
send C-c
wait_for '^\^C$' 5
type_line '3 * 3'
expect "Ctrl-C at the prompt discards the line and keeps the REPL" '^9$'

# Ctrl-C during a training loop
type_line 'task = tamga.task.udpos{source="tr", targets={"kk"}, max_train=400, max_eval=16}'
type_line 'r = tamga.train{model=m, task=task, peft=tamga.peft.lora{}, epochs=1000, bootstrap=10, on_step=function(ev) if ev.step % 10 == 0 then print("training step " .. ev.step) end end}'
if wait_for '^training step 20$' 30; then ok "training runs and prints from on_step"; else notok "training runs and prints from on_step"; fi
send C-c
expect "Ctrl-C stops the training after the current step" 'interrupted! \(run [0-9]+ stopped after step [0-9]+' 30
wait_for '^tamga> $' 10
type_line '"still alive"'
expect "and the REPL is still alive" '^still alive$'
type_line 'r == nil, tamga.store.open():runs()[1].status'
expect "the run is stored as cancelled" '^true[[:space:]]+cancelled$'

# history: the last line of this session comes back in the next one
type_line 'history_marker = 12345'
wait_for '^tamga> $' 5
send C-d
i=0
while tm has-session -t repl 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
if ! tm has-session -t repl 2>/dev/null; then ok "Ctrl-D leaves the REPL"; else notok "Ctrl-D leaves the REPL"; fi
hist="$HOME/.local/state/tamga/history"
if [ -f "$hist" ] && grep -q '^history_marker = 12345$' "$hist"; then
	ok "history is kept in ~/.local/state/tamga/history"
else
	notok "history is kept in ~/.local/state/tamga/history"
fi
start || true
send Up
expect "Up recalls the last line of the previous session" '^tamga> history_marker = 12345$'
send Enter
type_line 'history_marker + 1'
expect "and it runs again" '^12346$'
send C-d

echo "1..$n"
exit $fail
