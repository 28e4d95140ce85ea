#!/bin/sh
# A scripted workbench session in tmux (100x32), compared with golden screen captures (tests/tui/golden; times,
# paths and the status line normalised): two stored runs (tests/tui/mkstore), choose the languages of the chart,
# overlay the two runs with their 95% CI bands, export the chart (SVG), view a run's log, delete a run after the
# question, then launch a micro run from the Lua pane and cancel the selected run after the question.
# TUI_GOLDEN_UPDATE=1 rewrites the golden files from this run. Prints TAP.
BD=${TAMGA_TEST_BUILDDIR:-.}
SRC=${TAMGA_TEST_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
T=$(cd "$BD" && pwd)/tamga
G=$SRC/tests/tui/golden
n=0; fail=0
ok() { n=$((n+1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; fi; }
command -v tmux >/dev/null 2>&1 || { echo "1..0 # SKIP tmux is not installed"; exit 0; }
[ -n "$TAMGA_DATA" ] && [ -d "$TAMGA_DATA" ] || { echo "1..0 # SKIP TAMGA_DATA is not set"; exit 0; }
M=${TAMGA_TEST_MICRO:-}
[ -n "$M" ] && [ -f "$M/config.json" ] || { echo "1..0 # SKIP the micro model is not available"; exit 0; }

TMP=$(mktemp -d /tmp/t-session-XXXXXX)
SOCK=tamga-session-$$
cleanup() {
	tmux -L $SOCK kill-server 2>/dev/null
	for p in $(pgrep -f "tamga tui --worker --workspace $TMP/ws" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
	[ -n "$KEEP" ] || rm -rf "$TMP"
}
trap cleanup EXIT INT TERM
mkdir -p "$TMP/home"
"$BD/tests/tui/mkstore" "$TMP/ws" 2 >/dev/null; ok $? "a workspace with two stored runs"
mkdir -p "$TMP/ws/logs"
printf 'run 1: lora on udpos, en -> az,kk\nstep 10/100 loss 2.10\rstep 20/100 loss 1.90\nrun 1 stored\n' >"$TMP/ws/logs/run-1.log"

cap() { tmux -L $SOCK capture-pane -p -t tui; }
keys() { tmux -L $SOCK send-keys -t tui "$@"; sleep 0.4; }
text() { tmux -L $SOCK send-keys -t tui -l "$1"; sleep 0.2; }
wait_for() {
	i=0
	while [ $i -lt $(($2 * 10)) ]; do cap | grep -Eq -- "$1" && return 0; sleep 0.1; i=$((i + 1)); done
	echo "# waited $2 s for /$1/; the screen:"; cap | sed 's/^/# |/'
	return 1
}
# the screen without what changes from run to run: the status line, temporary paths, times
norm() { sed -e '$d' -e "s|$TMP|<TMP>|g" -e 's/[0-9]*:[0-9][0-9] elapsed/<time> elapsed/g'; }
# golden NAME DESCRIPTION: the normalised screen equals tests/tui/golden/NAME.txt
golden() {
	cap | norm >"$TMP/$1.txt"
	if [ -n "$TUI_GOLDEN_UPDATE" ]; then cp "$TMP/$1.txt" "$G/$1.txt"; fi
	if cmp -s "$TMP/$1.txt" "$G/$1.txt"; then ok 0 "$2 (golden $1.txt)"
	else ok 1 "$2 (golden $1.txt)"; diff "$G/$1.txt" "$TMP/$1.txt" | head -20 | sed 's/^/# /'; fi
}

tmux -L $SOCK -f /dev/null new-session -d -s tui -x 100 -y 32 \
	"cd '$TMP' && HOME='$TMP/home' LANG=C.UTF-8 LC_ALL=C.UTF-8 TAMGA_DATA='$TAMGA_DATA' '$T' --workspace '$TMP/ws' --model '$M' 2>'$TMP/stderr'; echo TUI-EXIT \$?; sleep 600"
wait_for "Model & layers" 10; ok $? "the workbench opens"
keys 2
wait_for "Runs: 0 training, 0 queued, 2 stored" 5; ok $? "2: the two stored runs"
golden runs "the runs list"

# overlay both runs, three languages, bands
keys Space j Space
keys Tab l C-u
text "az,kk,ky"
keys Enter
keys b
wait_for "Curves: raw, 95% CI bands, languages az,kk,ky" 3; ok $? "l chooses the languages, b turns the bands on"
cap | grep -q "── az  ── kk  ── ky" && ! cap | grep -q "── ug"; ok $? "the legend has az, kk and ky only"
golden overlay "two runs overlaid with bands on three languages"

# export the chart
keys e C-u
text "$TMP/out/chart.svg"
keys Enter
wait_for "wrote $TMP/out/chart.svg" 5 && grep -q "<svg" "$TMP/out/chart.svg"; ok $? "e exports the chart as SVG"

# the log of run 1 (selected), then close it
keys Tab o
wait_for "Log: " 3 && cap | grep -q "step 20/100 loss 1.90" && cap | grep -q "run 1 stored"; ok $? "o shows run 1's log"
golden log "the log pane"
keys Escape
! cap | grep -q "Log: "; ok $? "Esc closes it"

# delete run 1 after the question
keys D
wait_for "Delete run #1 \(lora 0-0 udpos en->az,kk run 0\)" 3; ok $? "D asks, naming the run"
golden delete-question "the delete question"
keys y
wait_for "deleted run #1" 5 && wait_for "Runs: 0 training, 0 queued, 1 stored" 5; ok $? "y deletes it"
[ ! -e "$TMP/ws/logs/run-1.log" ]; ok $? "its log is gone"

# launch a micro run from the Lua pane, select it, cancel it after the question
keys :
wait_for "lua> " 15; ok $? ": opens the Lua pane"
text 'tui.steps=4000 tui.eval_every=10 tui.max_eval=20 tui.max_train=100 tui.batch=8 tui.langs="az,kk" tui.layers="0-1" tui.method="lora"'
keys Enter Escape L
wait_for "launched 1 run" 5; ok $? "L launches a run"
keys 2
wait_for " running " 90; ok $? "it runs"
keys g
keys c
wait_for "Cancel run #3 \(lora all udpos en->az,kk\)\? y cancels" 3; ok $? "c on the running run asks, naming it"
cap | sed -n 31p >"$TMP/cancel-question.txt"
[ -n "$TUI_GOLDEN_UPDATE" ] && cp "$TMP/cancel-question.txt" "$G/cancel-question.txt"
cmp -s "$TMP/cancel-question.txt" "$G/cancel-question.txt"; ok $? "the cancel question (golden cancel-question.txt)"
keys y
wait_for " cancelled " 90; ok $? "y cancels it (status cancelled)"
keys q
wait_for "TUI-EXIT 0" 10; ok $? "q leaves"
[ ! -s "$TMP/stderr" ]; ok $? "nothing was printed over the screen"
echo "1..$n"
exit $fail
