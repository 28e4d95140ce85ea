#!/bin/sh
# A training killed with SIGKILL mid-way and resumed with --resume ends with the same numbers as an uninterrupted
# run; a second process reading the store sees per-step metrics of the running training within 2 seconds; so does
# one stopped with SIGINT (Ctrl-C) between evaluations, down to the stored evaluations and the selected step.
T=${TAMGA_TEST_BUILDDIR:-.}/tamga
M=${TAMGA_TEST_MICRO:-}
if [ -z "$M" ] || [ ! -f "$M/config.json" ]; then echo "1..0 # SKIP the micro model is not available (no data root?)"; exit 0; fi
tmp=$(mktemp -d); trap 'kill -9 $pid 2>/dev/null; rm -rf "$tmp"' EXIT
n=0; fail=0
t() { n=$((n+1)); if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; fail=1; fi; }
args="--model $M --task udpos --source tr --targets az,kk --peft lora:layers=0-1,targets=q+v,r=4 --epochs 3
      --max-train 320 --max-eval 40 --eval-every 10 --batch 16 --seed 3 --bootstrap 100 --json"
steps() { sqlite3 "$1/tamga.db" "select count(*) from steps" 2>/dev/null || echo 0; }

# reference: uninterrupted
"$T" train $args -w "$tmp/a" >"$tmp/a.json" 2>"$tmp/a.err"
t "an uninterrupted run finishes" '[ $? = 0 ] && grep -q "\"steps\":60" "$tmp/a.json"'

# the same run, killed with SIGKILL after its step 15 is in the store, then resumed
"$T" train $args -w "$tmp/b" >"$tmp/b.json" 2>"$tmp/b.err" &
pid=$!
seen=0; i=0
while [ $i -lt 600 ]; do                       # up to 60 s for the first step to appear
	s=$(steps "$tmp/b"); [ "$s" -gt 0 ] 2>/dev/null && { seen=1; break; }
	sleep 0.1; i=$((i+1))
done
t "a reader sees the running training's first step rows" '[ $seen = 1 ]'
# the reader sees new steps within 2 s while it trains (polled, not slept: a fast machine must not finish the
# whole run before the kill below)
s0=$(steps "$tmp/b"); s1=$s0; i=0
while [ "$s1" -le "$s0" ] && [ $i -lt 40 ] && kill -0 $pid 2>/dev/null; do sleep 0.05; s1=$(steps "$tmp/b"); i=$((i+1)); done
t "new step rows are visible to another process within 2 seconds ($s0 -> $s1)" '[ "$s1" -gt "$s0" ] || ! kill -0 $pid 2>/dev/null'
while [ "$(steps "$tmp/b")" -lt 15 ] && kill -0 $pid 2>/dev/null; do sleep 0.05; done
kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
t "the run was killed mid-way" '[ "$(steps "$tmp/b")" -lt 60 ]'
"$T" train --resume 1 -w "$tmp/b" >"$tmp/c.json" 2>"$tmp/c.err"; rc=$?
t "--resume continues the killed run" '[ $rc = 0 ] && grep -q "resuming from" "$tmp/c.err"'
norm() { /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(d['best_step'], [(s['lang'], s['split'], round(s['score'], 12), round(s['ci_low'], 12)) for s in d['scores']])" "$1"; }
t "final numbers equal the uninterrupted run's" '[ "$(norm "$tmp/a.json")" = "$(norm "$tmp/c.json")" ]'
[ "$(norm "$tmp/a.json")" = "$(norm "$tmp/c.json")" ] || { echo "# a: $(norm "$tmp/a.json")"; echo "# c: $(norm "$tmp/c.json")"; }
t "the store holds each step once after the resume" '[ "$(steps "$tmp/b")" = 60 ]'
t "the resumed run is marked done" '"$T" runs -w "$tmp/b" | grep -q " done "'

# Ctrl-C (SIGINT) between scheduled evaluations, then --resume: the run ends as the uninterrupted one did, with the
# same selected step, scores and stored evaluations (no evaluation at the cancelled step that could select a
# checkpoint or count toward patience)
"$T" train $args -w "$tmp/d" >"$tmp/d.json" 2>"$tmp/d.err" &
pid=$!
while [ "$(steps "$tmp/d")" -lt 13 ] && kill -0 $pid 2>/dev/null; do sleep 0.05; done
kill -INT $pid 2>/dev/null; wait $pid; rc=$?
last=$(steps "$tmp/d")
t "SIGINT stops the run between evaluations (exit $rc after step $last)" '[ $rc = 130 ] && [ $((last % 10)) != 0 ] && [ "$last" -lt 60 ]'
"$T" train --resume 1 -w "$tmp/d" >"$tmp/e.json" 2>"$tmp/e.err"; rc=$?
t "--resume continues the interrupted run" '[ $rc = 0 ] && grep -q "resuming from .* at step $last" "$tmp/e.err"'
t "the selected step and scores equal the uninterrupted run's" '[ "$(norm "$tmp/a.json")" = "$(norm "$tmp/e.json")" ]'
[ "$(norm "$tmp/a.json")" = "$(norm "$tmp/e.json")" ] || { echo "# a: $(norm "$tmp/a.json")"; echo "# e: $(norm "$tmp/e.json")"; }
evals() { sqlite3 "$1/tamga.db" "select step, split, lang, metric, score, ci_low, ci_high, n_items, is_source, selected
	from evals order by step, split, lang, metric"; }
t "the stored evaluations equal the uninterrupted run's, row for row" '[ "$(evals "$tmp/a")" = "$(evals "$tmp/d")" ]'
[ "$(evals "$tmp/a")" = "$(evals "$tmp/d")" ] || diff "$(evals "$tmp/a" > "$tmp/ea"; echo "$tmp/ea")" \
	"$(evals "$tmp/d" > "$tmp/ed"; echo "$tmp/ed")" | head -8 | sed 's/^/# /'
t "the selected step is the same ($(sqlite3 "$tmp/a/tamga.db" "select distinct step from evals where selected"))" \
	'[ "$(sqlite3 "$tmp/a/tamga.db" "select distinct step from evals where selected")" = \
	   "$(sqlite3 "$tmp/d/tamga.db" "select distinct step from evals where selected")" ]'
echo "1..$n"
exit $fail
