#!/bin/sh
# The workbench end to end in tmux (80x24 and 120x40), with an isolated HOME and workspace: toggle layers, set up
# a micro run from the Lua pane, launch it, wait for curves of three target languages, pause and resume, resize,
# quit keeping the run, reopen (the run is adopted), quit stopping it (status cancelled). Also: a workspace with
# 1,000 runs opens in under a second. Screens are checked with `tmux capture-pane -p`.
#
# Environment: TAMGA_DATA (data root; the test skips without it), TAMGA_TEST_MICRO (a built micro model folder;
# otherwise one is built once under the build tree), TUI_SCREEN_OUT (a folder: save the live screen there as
# screen-live.txt and screen-live.ansi).
BD=${TAMGA_TEST_BUILDDIR:-.}
T=$(cd "$BD" && pwd)/tamga
n=0; fail=0
ok() { n=$((n+1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; fi; }
skip_all() { echo "1..0 # SKIP $1"; exit 0; }

command -v tmux >/dev/null 2>&1 || skip_all "tmux is not installed"
[ -n "$TAMGA_DATA" ] && [ -d "$TAMGA_DATA" ] || skip_all "TAMGA_DATA is not set"
[ -x "$T" ] || skip_all "no tamga program at $T"

TMP=$(mktemp -d /tmp/t-tui-XXXXXX)
SOCK=tamga-test-$$-0
export HOME=$TMP/home TAMGA_MODELS=$TMP/models LANG=C.UTF-8 LC_ALL=C.UTF-8
mkdir -p "$HOME" "$TAMGA_MODELS"
WS=$TMP/ws
cleanup() {
	tmux -L $SOCK kill-server 2>/dev/null
	# a worker left behind by a failed check
	for p in $(cat "$TMP"/pids 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
	sleep 0.2
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

# the micro model (about a minute to build); TAMGA_SKIP_MICRO (the sanitizer build in CI) skips this test
if [ -n "$TAMGA_SKIP_MICRO" ]; then echo "1..0 # SKIP TAMGA_SKIP_MICRO is set"; exit 0; fi
if [ -n "$TAMGA_TEST_MICRO" ] && [ -f "$TAMGA_TEST_MICRO/config.json" ]; then
	MODEL=$TAMGA_TEST_MICRO
else
	MODEL=$(cd "$BD" && pwd)/tests/tui/micro
	if [ ! -f "$MODEL/config.json" ]; then
		echo "# building the micro model in $MODEL"
		"$T" pretrain --preset micro --out "$MODEL" >"$TMP/pretrain.log" 2>&1 ||
			{ cat "$TMP/pretrain.log" | sed 's/^/# /'; ok 1 "micro model"; echo "1..$n"; exit 1; }
	fi
fi

cap() { tmux -L $SOCK capture-pane -p -t tui; }
# wait_for PATTERN SECONDS: until the screen shows PATTERN (grep -E)
wait_for() {
	i=0
	while [ $i -lt $(($2 * 10)) ]; do
		cap | grep -Eq -- "$1" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	echo "# waited $2 s for /$1/; the screen:"; cap | sed 's/^/# |/'
	return 1
}
keys() { tmux -L $SOCK send-keys -t tui "$@"; sleep 0.3; }
text() { tmux -L $SOCK send-keys -t tui -l "$1"; sleep 0.2; }
now_ms() { date +%s%3N; }
nserver=0
start() {   # start W H [options]: the TUI in a fresh tmux server (a new socket: the old one may still be closing)
	w=$1; h=$2; shift 2
	nserver=$((nserver + 1)); SOCK=tamga-test-$$-$nserver
	tmux -L $SOCK -f /dev/null new-session -d -s tui -x "$w" -y "$h" \
		"cd '$TMP' && TAMGA_DATA='$TAMGA_DATA' '$T' --workspace '$WS' --model '$MODEL' $* 2>'$TMP/stderr'; echo TUI-EXIT \$?; sleep 600"
}

# ---- 80x24: layers -------------------------------------------------------------------------------------------------
start 80 24
wait_for "Model & layers" 10; ok $? "tamga opens the workbench at 80x24"
cap | grep -q "model micro: 2 layers, hidden 64"; ok $? "the layers pane shows the micro model's 2 layers"
cap | grep -q "load [0-9]"; ok $? "the status line shows the machine load"
keys x
wait_for "no layers selected" 3; ok $? "x: no layers selected"
keys a j Space
wait_for "1   \[ \] frozen" 3; ok $? "a, j, space: layer 1 frozen, layer 0 LoRA"
cap | grep -q "0   \[x\] LoRA q,v r=8"; ok $? "layer 0 keeps LoRA q,v r=8"
keys Space m
wait_for "Pfeiffer m=4 after FFN" 3; ok $? "m: Pfeiffer adapters on both layers"
keys Left
wait_for "LoRA q,v r=8 .*2,048" 3; ok $? "back to LoRA with 2,048 per layer"

# ---- the Lua pane sets up a small run ------------------------------------------------------------------------------
keys :
wait_for "lua> " 15; ok $? ": opens the Lua REPL"
text 'tui.steps=4000 tui.eval_every=10 tui.max_eval=40 tui.max_train=200 tui.batch=8 tui.langs="az,kk,tt"'
keys Enter
text 'print("trainable " .. tui.trainable .. " on " .. tui.langs)'
keys Enter
wait_for "trainable 4096 on az,kk,tt" 5; ok $? "the REPL changes the configuration and reads it back"
keys Escape
wait_for "Model & layers" 3; ok $? "Esc returns to Setup"
keys L
wait_for "launched 1 run" 5; ok $? "L launches a background worker"
keys 2
wait_for "running" 60; ok $? "the run shows as running in the Runs view"
pgrep -f "tamga tui --worker --workspace $WS" > "$TMP/pids" 2>/dev/null
t0=$(now_ms)
wait_for "── az" 150 && wait_for "── kk" 5 && wait_for "── tt" 5
ok $? "curves appear for three target languages ($(( ($(now_ms) - t0) / 1000 )) s)"
cap | grep -q "accuracy per language (dev, else test)"; ok $? "the score chart has its title, true to the splits shown"
cap | LC_ALL=C grep -q "$(printf '\342')[$(printf '\240-\243')]"; ok $? "the curves are drawn in braille"

# keys are answered while the run trains, and the curves move
keys Tab
t0=$(now_ms); tmux -L $SOCK send-keys -t tui s; wait_for "Curves: EMA 0.6" 3; r=$?; dt=$(( $(now_ms) - t0 ))
ok $r "a key is answered within ${dt} ms while a run trains"
[ $r = 0 ] && [ "$dt" -lt 1000 ]; ok $? "(under a second including tmux's own latency)"
s1=$(cap | grep -Eo "[0-9]+/4000" | head -1); s2=$s1; i=0
while [ "$s1" = "$s2" ] && [ $i -lt 30 ]; do sleep 0.5; s2=$(cap | grep -Eo "[0-9]+/4000" | head -1); i=$((i + 1)); done
[ -n "$s1" ] && [ "$s1" != "$s2" ]; ok $? "the screen follows the run without a key ($s1 -> $s2 in $((i * 5 / 10)) s)"
keys Tab
keys p
wait_for "pausing|paused" 5; ok $? "p pauses the run"
wait_for "paused" 60; ok $? "it stops at a step boundary (status paused)"
p1=$(cap | grep -Eo "[0-9]+/4000" | head -1); sleep 2; p2=$(cap | grep -Eo "[0-9]+/4000" | head -1)
[ "$p1" = "$p2" ]; ok $? "a paused run does not step ($p1 = $p2)"
keys p
wait_for "resumed" 3 && wait_for " running " 30; ok $? "p again resumes it"

# the REPL sees the points
keys :
text 'n=0 for k,v in pairs(tui.points()) do if k ~= "loss" and k ~= "run" and v > 0 then n=n+1 end end print("langs with points: "..n)'
keys Enter
wait_for "langs with points: [3-9]" 5; ok $? "tui.points(): at least three languages have points"

# ---- resizing ------------------------------------------------------------------------------------------------------
keys Escape
tmux -L $SOCK resize-window -t tui -x 120 -y 40; sleep 0.6
wait_for "Curves: EMA" 3 && cap | grep -q "Runs: 1 training"; ok $? "120x40: the Runs view re-lays out"
# the screen of a live run with a few evaluations, for the README
if [ -n "$TUI_SCREEN_OUT" ]; then
	wait_for " [5-9][0-9]/4000" 120
	mkdir -p "$TUI_SCREEN_OUT"
	tmux -L $SOCK capture-pane -p -t tui > "$TUI_SCREEN_OUT/screen-live.txt"
	tmux -L $SOCK capture-pane -p -e -t tui > "$TUI_SCREEN_OUT/screen-live.ansi"
fi
[ "$(cap | wc -l)" -ge 40 ] && cap | sed -n 40p | grep -q "load"; ok $? "the status line is on row 40"
tmux -L $SOCK resize-window -t tui -x 70 -y 20; sleep 0.6
wait_for "needs at least 80x24" 3; ok $? "70x20: a message instead of a broken screen"
tmux -L $SOCK resize-window -t tui -x 80 -y 24; sleep 0.6
wait_for "Curves: EMA" 3; ok $? "back to 80x24"

# ---- quit and keep the run; reopen; quit and stop it ---------------------------------------------------------------
keys q
wait_for "Quit tamga\?" 3 && cap | grep -q "k  keep them running"; ok $? "q while a run trains asks keep or stop"
keys k
wait_for "TUI-EXIT 0" 5; ok $? "k leaves the TUI"
[ -s "$TMP/pids" ] && kill -0 $(cat "$TMP/pids") 2>/dev/null; ok $? "the worker keeps training"
tmux -L $SOCK kill-server 2>/dev/null
start 120 40
wait_for "Runs: 1 training" 10; ok $? "reopened at 120x40: the run is still training and adopted"
keys q
wait_for "Quit tamga\?" 3; ok $? "q asks again"
keys s
wait_for "TUI-EXIT 0" 90; ok $? "s stops the run (checkpoint) and leaves"
"$T" runs --workspace "$WS" 2>/dev/null | grep -q cancelled; ok $? "the run is stored as cancelled"
ls "$WS"/logs/run-1.log >/dev/null 2>&1; ok $? "its output went to logs/run-1.log"
[ ! -s "$TMP/stderr" ]; ok $? "nothing was printed over the screen (captured stderr is empty)"
tmux -L $SOCK kill-server 2>/dev/null

# ---- 1,000 stored runs open in under a second ----------------------------------------------------------------------
"$BD/tests/tui/mkstore" "$TMP/ws1000" 1000 >/dev/null; ok $? "a workspace with 1,000 runs"
SOCK=tamga-test-$$-time
tmux -L $SOCK -f /dev/null new-session -d -s tui -x 120 -y 40 \
	"cd '$TMP' && s=\$(date +%s%N); TAMGA_DATA='$TAMGA_DATA' TAMGA_WORKSPACE='$TMP/ws1000' '$T' --model '$MODEL' --max-frames 1; e=\$(date +%s%N); echo \"elapsed \$(( (e - s) / 1000000 )) ms\" > '$TMP/elapsed'; sleep 600"
i=0; while [ ! -s "$TMP/elapsed" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
ms=$(sed 's/elapsed \([0-9]*\) ms/\1/' "$TMP/elapsed" 2>/dev/null)
[ -n "$ms" ] && [ "$ms" -lt 1000 ]; ok $? "tamga --max-frames 1 on 1,000 runs: ${ms:-?} ms"
tmux -L $SOCK kill-server 2>/dev/null

echo "1..$n"
exit $fail
