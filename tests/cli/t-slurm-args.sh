#!/bin/sh
# tamga sweep --launcher slurm without daemons: a stand-in sbatch (tests/cli/fake-sbatch, through TAMGA_SBATCH) logs
# its arguments and runs the array tasks at once with SLURM_ARRAY_TASK_ID set. The manifest, the sbatch arguments
# (--array=LIST%K, --slurm-opt pass-through, --requeue, the afterany gather job), workers writing only their shards,
# tamga gather (idempotent; unfinished and unreadable shards reported and skipped, nothing lost), gathering when
# runs/report open a workspace, --resume submitting only unfinished points, and the errors.
T=${TAMGA_TEST_BUILDDIR:-.}/tamga
M=${TAMGA_TEST_MICRO:-}
SRC=${TAMGA_TEST_SRCDIR:-..}
if [ -z "$M" ] || [ ! -f "$M/config.json" ]; then echo "1..0 # SKIP the micro model is not available (no data root?)"; exit 0; fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
n=0; fail=0
# prev_rc: the exit status of the command just before the check ($? itself is reset by the count)
t() { prev_rc=$?; n=$((n+1)); if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; fail=1; fi; }
export TAMGA_SBATCH="$SRC/tests/cli/fake-sbatch" FAKE_SBATCH_LOG="$tmp/sbatch.log"
W="$tmp/ws"
tiny="--model $M --task udpos --source tr --targets kk --epochs 1 --max-train 32 --max-eval 16 --batch 16 --bootstrap 10"
q="select name, status, steps_done from runs order by name"
counts() { sqlite3 "$W/tamga.db" "select (select count(*) from runs), (select count(*) from steps), (select count(*) from evals), (select count(*) from artifacts)"; }

FAKE_SBATCH_NODEP=1 "$T" sweep $tiny -w "$W" --grid "seed=1|2|3" --launcher slurm --parallel 2 \
    --slurm-opt --partition=short --slurm-opt --time=0:10:00 --requeue >"$tmp/s1.out" 2>"$tmp/s1.err"; rc=$?
t "a slurm sweep submits (exit $rc)" '[ $rc = 0 ] && grep -q "submitted job array 101: 3 of 3 points (0-2), at most 2 at a time" "$tmp/s1.out"'
arr=$(awk 'BEGIN{RS="--\n"} NR==1' "$tmp/sbatch.log")
t "sbatch gets --array=0-2%2" 'echo "$arr" | grep -qx -- "--array=0-2%2"'
t "the --slurm-opt values, in order" '[ "$(echo "$arr" | grep -E -- "--(partition|time)=" | tr "\n" " ")" = "--partition=short --time=0:10:00 " ]'
t "and --requeue, --parsable and a log per task" 'echo "$arr" | grep -qx -- --requeue && echo "$arr" | grep -qx -- --parsable && echo "$arr" | grep -q -- "--output=.*%A_%a.log"'
script=$(echo "$arr" | tail -1)
t "each task runs tamga sweep --worker MANIFEST --index \$SLURM_ARRAY_TASK_ID" 'grep -q "sweep --worker .*\.manifest.* --index \"\$SLURM_ARRAY_TASK_ID\"" "$script"'
gat=$(awk 'BEGIN{RS="--\n"} NR==2' "$tmp/sbatch.log")
t "a gather job follows the array (afterany)" 'echo "$gat" | grep -qx -- "--dependency=afterany:101" && grep -q "gather --workspace" "$(echo "$gat" | tail -1)"'
man=$(ls "$W"/sweeps/*.manifest)
t "the manifest: a header and one line per point with its name and train options" '[ "$(grep -c "" "$man")" = 4 ] && head -1 "$man" | grep -q "\"format\":\"tamga-sweep-manifest\",\"version\":1" && grep -q "\"name\":\"sweep seed=3\".*\"--max-train\",\"32\".*\"--seed\",\"3\"" "$man"'
t "the workers wrote 3 shards, each with its own store, checkpoints and adapter" '[ "$(ls -d "$W"/shards/*/tamga.db | wc -l)" = 3 ] && [ "$(ls -d "$W"/shards/*/adapters/run-1 | wc -l)" = 3 ]'
t "and never the workspace store" '[ ! -e "$W/tamga.db" ]'
"$T" runs -w "$W" >"$tmp/runs.out" 2>"$tmp/runs.err"
t "tamga runs gathers on open: 3 done runs" '[ "$(grep -c " done " "$tmp/runs.out")" = 3 ] && grep -q "3 runs gathered" "$tmp/runs.err"'
sum=0; for d in "$W"/shards/*/; do sum=$(( sum + $(sqlite3 "$d/tamga.db" "select (select count(*) from steps) * 1000 + (select count(*) from evals)") )); done
t "with every step and evaluation of the shards ($(counts))" '[ "$(counts)" = "3|$((sum / 1000))|$((sum % 1000))|3" ] && [ $sum -gt 3000 ]'
t "and their item files, one per evaluation that kept items" '[ "$(ls "$W"/items/run-*/*.items | wc -l)" = "$(ls "$W"/shards/*/items/run-*/*.items | wc -l)" ]'
t "the adapter artifact points into the shard" '[ -d "$W/$(sqlite3 "$W/tamga.db" "select path from artifacts limit 1")" ]'
"$T" analyze ttc -w "$W" --format csv -o "$tmp/ttc.csv" 2>"$tmp/ttc.err"
t "analyze reads the gathered runs and their item files" '[ $prev_rc = 0 ] && grep -q ",kk," "$tmp/ttc.csv"'
before=$(counts)
"$T" gather -w "$W" >"$tmp/g2.out" 2>&1
t "gathering again changes nothing" 'grep -q "0 runs gathered, 3 gathered before" "$tmp/g2.out" && [ "$(counts)" = "$before" ]'

# half-written shards: reported and skipped, nothing lost
mkdir -p "$W/shards/empty-0" "$W/shards/junk-0" "$W/shards/live-0"
echo "not a database" >"$W/shards/junk-0/tamga.db"
cp "$(ls -d "$W"/shards/*seed=1-*)/tamga.db" "$W/shards/live-0/tamga.db"
sqlite3 "$W/shards/live-0/tamga.db" "update runs set name = 'other point', status = 'running', heartbeat = strftime('%s','now')"
"$T" gather -w "$W" >"$tmp/g3.out" 2>"$tmp/g3.err"; rc=$?
t "gather with half-written shards exits 0 (exit $rc)" '[ $rc = 0 ] && grep -q "0 runs gathered, 3 gathered before, 2 unfinished, 1 unreadable, from 6 shards" "$tmp/g3.out"'
t "naming each skipped shard and why" 'grep -q "empty-0: no store yet" "$tmp/g3.err" && grep -q "junk-0: cannot be read" "$tmp/g3.err" && grep -q "live-0: run .other point. is running, not finished" "$tmp/g3.err"'
t "nothing gathered before is lost" '[ "$(counts)" = "$before" ]'
rm -rf "$W/shards/empty-0" "$W/shards/junk-0" "$W/shards/live-0"

: >"$tmp/sbatch.log"
"$T" sweep --resume "$man" >"$tmp/r1.out" 2>&1
t "--resume with every point done submits nothing" 'grep -q "nothing to submit" "$tmp/r1.out" && [ ! -s "$tmp/sbatch.log" ]'
# one point unfinished: its shard's run cancelled and the gathered copy removed
sh2=$(ls -d "$W"/shards/*seed=2-*)
sqlite3 "$sh2/tamga.db" "update runs set status = 'cancelled'"
sqlite3 "$W/tamga.db" "pragma foreign_keys=on; delete from runs where name = 'sweep seed=2'"
"$T" sweep --resume "$man" --parallel 3 >"$tmp/r2.out" 2>"$tmp/r2.err"
arr=$(awk 'BEGIN{RS="--\n"} NR==1' "$tmp/sbatch.log")
t "--resume submits only the unfinished point, with the new --parallel" 'echo "$arr" | grep -qx -- "--array=1%3" && grep -q "1 of 3 points (1)" "$tmp/r2.out"'
t "and the manifest's --slurm-opt values again" 'echo "$arr" | grep -qx -- "--partition=short"'
t "the point continued in its shard: 3 done runs, 3 names" '[ "$(sqlite3 "$W/tamga.db" "select count(*), count(distinct name), sum(status = '"'done'"') from runs")" = "3|3|3" ]'

# errors: one line each, non-zero exit
FAKE_SBATCH_FAIL=1 "$T" sweep $tiny -w "$tmp/ws2" --grid "seed=1" --launcher slurm >"$tmp/e1.out" 2>&1; rc=$?
t "sbatch failing is reported with its message (exit $rc)" '[ $rc = 1 ] && grep -q "fake-sbatch .* failed (exit 1)" "$tmp/e1.out" && grep -q "sbatch: error: invalid partition" "$tmp/e1.out" && grep -q "^hint:" "$tmp/e1.out"'
"$T" sweep $tiny -w "$tmp/ws2" --grid "seed=1" --slurm-opt --partition=x >"$tmp/e2.out" 2>&1; rc=$?
t "--slurm-opt without --launcher slurm is a usage error" '[ $rc = 2 ] && grep -q "goes with --launcher slurm" "$tmp/e2.out"'
"$T" sweep $tiny --grid "seed=1" --launcher pbs >"$tmp/e3.out" 2>&1; rc=$?
t "an unknown launcher is a usage error" '[ $rc = 2 ] && grep -q "expects local or slurm (not .pbs.)" "$tmp/e3.out"'
"$T" sweep --worker "$man" --index 7 >"$tmp/e4.out" 2>&1; rc=$?
t "--index past the manifest's points" '[ $rc = 2 ] && grep -q "has points 0 to 2" "$tmp/e4.out"'
sed '1s/"version":1/"version":9/' "$man" >"$tmp/v9.manifest"
"$T" sweep --worker "$tmp/v9.manifest" --index 0 >"$tmp/e5.out" 2>&1; rc=$?
t "a manifest of another version names the file and line" '[ $rc = 2 ] && grep -q "v9.manifest:1: manifest version 9" "$tmp/e5.out"'
head -2 "$man" >"$tmp/cut.manifest"
"$T" sweep --resume "$tmp/cut.manifest" >"$tmp/e6.out" 2>&1; rc=$?
t "a manifest cut short is refused" '[ $rc = 1 ] && grep -q "header says 3 points but the file has 1" "$tmp/e6.out"'

# the same grid with --launcher local: the manifest, workers on this host writing the workspace directly
L="$tmp/local"
"$T" sweep $tiny -w "$L" --grid "seed=1|2" --launcher local --workers 2 >"$tmp/l.out" 2>"$tmp/l.err"
t "--launcher local writes a manifest and runs its points here, without shards" 'grep -q "2 runs finished" "$tmp/l.out" && [ -f "$(ls "$L"/sweeps/*.manifest)" ] && [ ! -d "$L/shards" ]'

# SIGTERM (Slurm's warning before a kill, requeue or preemption): the run checkpoints and stops as cancelled
S="$tmp/term"
"$T" train --model $M --task udpos --source tr --targets kk --epochs 3 --max-train 160 --max-eval 16 --eval-every 4 \
    --batch 16 --bootstrap 10 -w "$S" --quiet >"$tmp/term.out" 2>"$tmp/term.err" &
tp=$!
i=0
while [ $i -lt 1500 ]; do
	c=$(sqlite3 "$S/tamga.db" "select steps_done from runs" 2>/dev/null)
	[ "${c:-0}" -ge 5 ] 2>/dev/null && break
	sleep 0.1; i=$((i+1))
done
kill -TERM $tp; wait $tp; rc=$?
t "SIGTERM: tamga train exits 130 (exit $rc)" '[ $rc = 130 ]'
t "with the run cancelled and its checkpoint written" '[ "$(sqlite3 "$S/tamga.db" "select status from runs")" = cancelled ] && [ -f "$S/checkpoints/run-1.ckpt" ]'

[ $fail = 0 ] || sed 's/^/# /' "$tmp"/*.err | tail -20
echo "1..$n"
exit $fail
