#!/bin/sh
# The research loop end to end with the micro model: a sweep of 3 seeds x 2 methods (early-layer LoRA, Pfeiffer
# adapters at the same budget) x 2 sources (en, tr) on UDPOS, plus two data sizes, then the TTC matrix, the
# alignment probe and the scaling fit, each by one command, and their plots read back as PNG, SVG and PDF.
. "${TAMGA_TEST_SRCDIR:-.}/tests/micro.sh"
png() { [ "$(head -c 4 "$1" | od -An -c | tr -d ' ')" = "211PNG" ]; }
W="$tmp/ws"
LORA="lora:layers=0,targets=q+v,r=4,alpha=8"
common="--model $M --task udpos --targets az,kk,uz --epochs 2 --lr 3e-3 --max-eval 40 --batch 16 --bootstrap 100 -w $W"
# each sweep under a time limit: a worker hung after fork (libgomp with a pool started before fork) must fail
# the test, not hang make check (the 12-run sweep takes about a minute on 2 cores)
lim="timeout 900"
$lim "$T" sweep $common --max-train 200 --grid "peft=$LORA|pfeiffer:layers=all,dim=3" --grid "source=en|tr" \
    --grid "seed=1|2|3" --workers 2 >"$tmp/sweep.out" 2>"$tmp/sweep.err"
t "a 12-run sweep finishes" '[ $prev_rc = 0 ] && grep -q "12 runs finished" "$tmp/sweep.out"'
$lim "$T" sweep $common --max-train 200 --grid "peft=$LORA|pfeiffer:layers=all,dim=3" --grid "source=en|tr" \
    --grid "seed=1|2|3" >"$tmp/sweep2.out" 2>&1
t "started again, it skips the finished runs" 'grep -q "0 runs finished, 12 done before" "$tmp/sweep2.out"'
$lim "$T" sweep $common --source tr --seed 1 --grid "peft=$LORA|pfeiffer:layers=all,dim=3" --grid "max-train=40|360" \
    --prefix sizes >"$tmp/sweep3.out" 2>&1
t "4 more runs at other data sizes" 'grep -q "4 runs finished" "$tmp/sweep3.out"'

"$T" analyze ttc -w "$W" --format csv -o "$tmp/ttc.csv" 2>"$tmp/ttc.err"
t "analyze ttc writes the TTC table" '[ $prev_rc = 0 ] && [ -s "$tmp/ttc.csv" ]'
t "with rows for both methods, both sources and the targets" 'grep -q lora "$tmp/ttc.csv" && grep -q pfeiffer "$tmp/ttc.csv" && grep -q ",en," "$tmp/ttc.csv" && grep -q ",tr," "$tmp/ttc.csv" && grep -q ",kk," "$tmp/ttc.csv"'
"$T" analyze ttc -w "$W" --format md >"$tmp/ttc.md" 2>&1
t "and a source x target matrix with dTTC" 'grep -qi "dTTC" "$tmp/ttc.md"'
"$T" plot ttc -w "$W" -o "$tmp/ttc.png" 2>"$tmp/plot.err"
t "plot ttc writes a PNG heat map" 'png "$tmp/ttc.png"'

"$T" analyze probe --model "$M" --corpus tatoeba --sources en --targets tr,kk --max-pairs 60 --format csv \
    -o "$tmp/probe.csv" 2>"$tmp/probe.err"
t "analyze probe measures every layer" '[ $prev_rc = 0 ] && [ "$(grep -c "" "$tmp/probe.csv")" -ge 6 ]'
"$T" plot probe --csv "$tmp/probe.csv" -o "$tmp/probe.svg" 2>>"$tmp/plot.err"
t "plot probe writes an SVG" 'grep -q "<svg" "$tmp/probe.svg"'

"$T" analyze scaling -w "$W" --form all --format text >"$tmp/scaling.txt" 2>"$tmp/scaling.err"
t "analyze scaling fits the forms and reports parameters with standard errors" '[ $prev_rc = 0 ] && grep -qi "se\|standard" "$tmp/scaling.txt"'
"$T" plot scaling -w "$W" -o "$tmp/scaling.pdf" 2>>"$tmp/plot.err"
t "plot scaling writes a PDF" '[ "$(head -c 5 "$tmp/scaling.pdf")" = "%PDF-" ] && tail -c 16 "$tmp/scaling.pdf" | grep -q "%%EOF"'
# sweep bookkeeping (issue 22): points are exact names, held by a lease, never lost or run twice
W2="$tmp/ws2"
tiny="--model $M --task udpos --source tr --targets kk --epochs 1 --max-train 32 --max-eval 16 --batch 16 --bootstrap 10 -w $W2"
$lim "$T" sweep $tiny --grid "seed=1" --prefix exp-a >"$tmp/p0.out" 2>&1
for p in exp_a EXP-A '%'; do
	$lim "$T" sweep $tiny --grid "seed=1" --prefix "$p" >"$tmp/p.out" 2>&1
	t "after prefix exp-a, prefix '$p' is another point and runs" 'grep -q "1 runs finished, 0 done before" "$tmp/p.out"'
done
$lim "$T" sweep $tiny --grid "seed=1" --prefix exp-a >"$tmp/p.out" 2>&1
t "prefix exp-a again: done before" 'grep -q "0 runs finished, 1 done before" "$tmp/p.out"'
t "each name is stored once" '[ "$(sqlite3 "$W2/tamga.db" "select count(*), count(distinct name) from runs")" = "4|4" ]'
# no silent limits: 17 values are 17 points (they fail fast on an unknown task, so nothing trains)
$lim "$T" sweep $tiny --task no-such-task --grid "seed=$(seq -s '|' 1 17)" --prefix many >"$tmp/many.out" 2>"$tmp/many.err"
t "a grid of 17 values runs 17 points, not 16" 'grep -q "17 runs" "$tmp/many.err" && grep -q "17 failed" "$tmp/many.out"'
long=$(printf 'x%.0s' $(seq 300))
"$T" sweep $tiny --task no-such-task --grid "seed=1|2" --prefix "$long" >"$tmp/long.out" 2>&1; rc=$?
t "a run name over 255 bytes is refused, not cut (exit $rc)" '[ $rc = 2 ] && grep -q "longer than 255" "$tmp/long.out"'
"$T" sweep $tiny --grid "seed=1|1" >"$tmp/dup.out" 2>&1; rc=$?
t "a value given twice in an axis is refused" '[ $rc = 2 ] && grep -q "given twice" "$tmp/dup.out"'

# kill -9 of the sweep: its workers die with it; started again, it continues the killed points from their
# checkpoints under their own run ids and runs no point twice
W3="$tmp/ws3"
kl="--model $M --task udpos --source tr --targets kk --epochs 2 --max-train 160 --max-eval 16 --eval-every 5 --batch 16 --bootstrap 10 -w $W3"
"$T" sweep $kl --grid "seed=1|2|3|4" --workers 2 >"$tmp/k1.out" 2>"$tmp/k1.err" &
spid=$!
i=0
while [ $i -lt 1200 ]; do                      # until two runs have a checkpoint and some steps after it
	c=$(sqlite3 "$W3/tamga.db" "select count(*) from runs where steps_done >= 7" 2>/dev/null || echo 0)
	[ "$c" -ge 2 ] 2>/dev/null && break
	sleep 0.1; i=$((i+1))
done
kill -9 $spid; wait $spid 2>/dev/null
wpids=$(sqlite3 "$W3/tamga.db" "select pid from runs where status = 'running'")
# the points cut after their first checkpoint (usually both; on a loaded machine one may have finished meanwhile)
cut=$(sqlite3 "$W3/tamga.db" "select count(*) from runs where status = 'running' and steps_done >= 7")
gone=1; i=0
while [ $i -lt 50 ]; do
	gone=1; for p in $wpids; do [ "$(ps -o stat= -p $p 2>/dev/null | cut -c1)" = "" ] || [ "$(ps -o stat= -p $p | cut -c1)" = Z ] || gone=0; done
	[ $gone = 1 ] && break; sleep 0.1; i=$((i+1))
done
t "kill -9 of the sweep: its workers ($(echo $wpids)) die with it" '[ -n "$wpids" ] && [ $gone = 1 ]'
sleep 1
t0=$(date +%s)        # after the sleep: rows written before the kill have time < t0 (whole seconds), rows after >= t0
$lim "$T" sweep $kl --grid "seed=1|2|3|4" --workers 2 >"$tmp/k2.out" 2>"$tmp/k2.err"
t "started again, the sweep finishes" '[ $prev_rc = 0 ] && grep -q "done before, 0 failed" "$tmp/k2.out"'
t "the killed points continue under their run ids ($cut cut after a checkpoint)" \
	'[ "$cut" -ge 1 ] && [ "$(grep -c "(continuing run" "$tmp/k2.err")" -ge "$cut" ]'
t "no point is stored twice: 4 runs, all done" '[ "$(sqlite3 "$W3/tamga.db" "select count(*), count(distinct name), sum(status = '"'done'"') from runs")" = "4|4|4" ]'
t "a continued point kept its steps up to the checkpoint (resumed, not restarted)" '[ "$(sqlite3 "$W3/tamga.db" "select count(*) from steps where time < $t0")" -ge 10 ]'
t "and its steps are each stored once, 20 per run" '[ "$(sqlite3 "$W3/tamga.db" "select count(*) from steps")" = 80 ]'

[ $fail = 0 ] || { sed 's/^/# /' "$tmp/sweep.err" | tail -5; sed 's/^/# /' "$tmp"/*.err | tail -20; }
echo "1..$n"
exit $fail
