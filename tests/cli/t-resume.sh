#!/bin/sh
# A training killed with SIGKILL mid-way and resumed with --resume ends with the same numbers as an uninterrupted
# run; a second process reading the store sees per-step metrics of the running training within 2 seconds; so does
# one stopped with SIGINT (Ctrl-C) between evaluations, down to the stored evaluations and the selected step.
. "${TAMGA_TEST_SRCDIR:-.}/tests/micro.sh"
trap 'kill -9 $pid 2>/dev/null; rm -rf "$tmp"' EXIT
args="--model $M --task udpos --source tr --targets az,kk --peft lora:layers=0-1,targets=q+v,r=4 --epochs 3
      --max-train 320 --max-eval 40 --eval-every 10 --batch 16 --seed 3 --bootstrap 100 --json"
steps() { sqlite3 "$1/tamga.db" "select count(*) from steps" 2>/dev/null || echo 0; }

# reference: uninterrupted
"$T" train $args -w "$tmp/a" >"$tmp/a.json" 2>"$tmp/a.err"
t "an uninterrupted run finishes" '[ $prev_rc = 0 ] && grep -q "\"steps\":60" "$tmp/a.json"'

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
# a second writer on the running run is refused, naming the owner, before it loads anything
timeout 60 "$T" train --resume 1 -w "$tmp/b" >"$tmp/dup.out" 2>"$tmp/dup.err"; rc=$?
t "--resume of a run that is running in another process is refused (exit $rc)" '[ $rc = 1 ] && grep -q "is running in process $pid on host" "$tmp/dup.err"'
[ $rc = 1 ] || sed 's/^/# /' "$tmp/dup.err" | tail -3
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
"$T" train $args -w "$tmp/i" >"$tmp/i.json" 2>"$tmp/i.err" &
pid=$!
while [ "$(steps "$tmp/i")" -lt 13 ] && kill -0 $pid 2>/dev/null; do sleep 0.05; done
kill -INT $pid 2>/dev/null; wait $pid; rc=$?
last=$(steps "$tmp/i")
t "SIGINT stops the run between evaluations (exit $rc after step $last)" '[ $rc = 130 ] && [ $((last % 10)) != 0 ] && [ "$last" -lt 60 ]'
"$T" train --resume 1 -w "$tmp/i" >"$tmp/j.json" 2>"$tmp/j.err"; rc=$?
t "--resume continues the interrupted run" '[ $rc = 0 ] && grep -q "resuming from .* at step $last" "$tmp/j.err"'
t "the selected step and scores equal the uninterrupted run's" '[ "$(norm "$tmp/a.json")" = "$(norm "$tmp/j.json")" ]'
[ "$(norm "$tmp/a.json")" = "$(norm "$tmp/j.json")" ] || { echo "# a: $(norm "$tmp/a.json")"; echo "# e: $(norm "$tmp/j.json")"; }
evals() { sqlite3 "$1/tamga.db" "select step, split, lang, metric, score, ci_low, ci_high, n_items, is_source, selected
	from evals order by step, split, lang, metric"; }
t "the stored evaluations equal the uninterrupted run's, row for row" '[ "$(evals "$tmp/a")" = "$(evals "$tmp/i")" ]'
[ "$(evals "$tmp/a")" = "$(evals "$tmp/i")" ] || diff "$(evals "$tmp/a" > "$tmp/ea"; echo "$tmp/ea")" \
	"$(evals "$tmp/i" > "$tmp/eid"; echo "$tmp/eid")" | head -8 | sed 's/^/# /'
t "the selected step is the same ($(sqlite3 "$tmp/a/tamga.db" "select distinct step from evals where selected"))" \
	'[ "$(sqlite3 "$tmp/a/tamga.db" "select distinct step from evals where selected")" = \
	   "$(sqlite3 "$tmp/i/tamga.db" "select distinct step from evals where selected")" ]'

# a stored config that is not JSON is an error naming the run, not a silent default run (which would build the
# default model: kept out of the cache)
sqlite3 "$tmp/b/tamga.db" "update runs set config = '{\"argv\": [' where id = 1"
TAMGA_MODELS="$tmp/models" timeout 60 "$T" train --resume 1 -w "$tmp/b" >"$tmp/bad.out" 2>"$tmp/bad.err"; rc=$?
t "--resume with a stored config that is not JSON fails, naming the run (exit $rc)" '[ $rc = 1 ] && grep -q "stored config of run 1 .* is not JSON" "$tmp/bad.err"'
[ $rc = 1 ] || sed 's/^/# /' "$tmp/bad.err" | tail -3

# write errors are errors: an adapter folder that cannot be written fails the run, with the reason stored
small="--model $M --task udpos --source tr --targets kk --epochs 1 --max-train 32 --max-eval 16 --batch 16 --bootstrap 10 --quiet"
"$T" train $small -w "$tmp/d" --save-adapter /proc/nope >"$tmp/d.out" 2>"$tmp/d.err"; rc=$?
t "--save-adapter /proc/nope fails (exit $rc)" '[ $rc = 1 ] && grep -q "save adapter: cannot create the folder /proc/nope" "$tmp/d.err" && grep -q "run 1 is marked failed" "$tmp/d.err"'
t "and the run is stored as failed, with the reason" '[ "$(sqlite3 "$tmp/d/tamga.db" "select status, error like '"'%/proc/nope%'"' from runs")" = "failed|1" ]'

# a full disk (here a file size limit: the store's WAL cannot grow): the run fails, and what tamga says about
# its status is what the store holds
(trap '' XFSZ; ulimit -f 300; exec "$T" train $small --epochs 3 --max-train 320 --eval-every 50 -w "$tmp/f") \
    >"$tmp/f.out" 2>"$tmp/f.err"; rc=$?
st=$(sqlite3 "$tmp/f/tamga.db" "select status from runs where id = 1")
t "a run whose disk fills up fails (exit $rc)" '[ $rc = 1 ] && grep -q "tamga train: .*tamga.db: " "$tmp/f.err"'
t "and what it says of its status is true (store: $st)" '{ grep -q "run 1 is marked failed" "$tmp/f.err" && [ "$st" = failed ]; } || { grep -q "run 1 could NOT be marked failed" "$tmp/f.err" && [ "$st" = running ]; }'
sed 's/^/# /' "$tmp/f.err" | tail -2

# reading needs no write access: a workspace directory that cannot be written (the WAL index cannot be created)
chmod 755 "$tmp"; chmod 555 "$tmp/d"
if [ "$(id -u)" = 0 ]; then as="setpriv --reuid=65534 --regid=65534 --clear-groups"; else as=""; fi
if [ -n "$as" ] && ! command -v setpriv >/dev/null; then
	n=$((n+1)); echo "ok $n # SKIP root, and no setpriv to read as another user"
else
	$as "$T" runs -w "$tmp/d" >"$tmp/ro.out" 2>"$tmp/ro.err"; rc=$?
	t "tamga runs reads a workspace in a read-only directory (exit $rc)" '[ $rc = 0 ] && grep -q " failed " "$tmp/ro.out"'
	[ $rc = 0 ] || sed 's/^/# /' "$tmp/ro.err" | tail -3
fi
chmod 755 "$tmp/d"
echo "1..$n"
exit $fail
