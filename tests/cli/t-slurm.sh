#!/bin/sh
# A sweep on a real single-node Slurm cluster (Debian's slurm-wlm: slurmctld and slurmd started here in the
# foreground, auth/none, a generated slurm.conf on private ports; stopped at the end). A 4-point micro-model sweep
# with --parallel 2; one task is cancelled mid-run with scancel (SIGTERM: it checkpoints and stops) and the sweep
# resumed; after gathering, the workspace holds exactly 4 finished runs whose numbers (every evaluation, every
# training loss) equal the same sweep run with --launcher local.
# Skips (exit 77 alone; under make check's TAP driver a "1..0 # SKIP" plan and exit 0) when Slurm is not installed
# or not root (slurmd starts tasks as their user); TAMGA_REQUIRE_SLURM=1 (CI) makes that a failure instead.
T=${TAMGA_TEST_BUILDDIR:-.}/tamga
M=${TAMGA_TEST_MICRO:-}
skip() {
	if [ "${TAMGA_REQUIRE_SLURM:-}" = 1 ]; then echo "1..1"; echo "not ok 1 - $1 (TAMGA_REQUIRE_SLURM=1)"; exit 1; fi
	echo "1..0 # SKIP $1"; [ -n "${TAMGA_TEST_BUILDDIR:-}" ] && exit 0; exit 77
}
for p in slurmctld slurmd sbatch squeue scancel; do
	command -v $p >/dev/null 2>&1 || [ -x /usr/sbin/$p ] || skip "Slurm is not installed ($p missing; Debian: slurmctld slurmd slurm-client)"
done
[ "$(id -u)" = 0 ] || TAMGA_REQUIRE_SLURM= skip "slurmd must run as root to start tasks"
if [ -z "$M" ] || [ ! -f "$M/config.json" ]; then TAMGA_REQUIRE_SLURM= skip "the micro model is not available (no data root?)"; fi
PATH=$PATH:/usr/sbin
tmp=$(mktemp -d)
n=0; fail=0
t0=$(date +%s)
t() { n=$((n+1)); if eval "$2"; then echo "ok $n - $1 ($(( $(date +%s) - t0 )) s)"; else echo "not ok $n - $1"; fail=1; fi; }
C="$tmp/cluster"; mkdir -p "$C/state" "$C/spool"
h=$(hostname -s)
port=$((20000 + $$ % 20000))
cat >"$C/slurm.conf" <<EOF
ClusterName=tamgatest
SlurmctldHost=$h(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/none
CredType=cred/none
SlurmctldPort=$port
SlurmdPort=$((port + 1))
StateSaveLocation=$C/state
SlurmdSpoolDir=$C/spool
SlurmctldPidFile=$C/slurmctld.pid
SlurmdPidFile=$C/slurmd.pid
SlurmctldLogFile=$C/slurmctld.log
SlurmdLogFile=$C/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
ReturnToService=2
KillWait=10
SchedulerType=sched/builtin
SchedulerParameters=sched_interval=1,sched_min_interval=100000
NodeName=$h NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=debug Nodes=$h Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$C/slurm.conf"
slurmctld -D -i >"$C/ctld.out" 2>&1 & ctld=$!
slurmd -D -N "$h" >"$C/d.out" 2>&1 & sd=$!
stop() {
	scancel -u root 2>/dev/null
	kill $sd $ctld 2>/dev/null; wait $sd $ctld 2>/dev/null
	rm -rf "$tmp"
}
trap stop EXIT
i=0
until sinfo -h -o %t 2>/dev/null | grep -q idle; do
	i=$((i+1)); [ $i -gt 60 ] && break; sleep 0.5
done
t "a single-node cluster starts (slurmctld and slurmd)" 'sinfo -h -o %t | grep -q idle'
[ $fail = 0 ] || { sed 's/^/# /' "$C"/*.out "$C"/*.log | tail -20; echo "1..$n"; exit 1; }

wait_jobs() {     # until no job of ours is queued or running (at most about 4 minutes)
	i=0
	while [ -n "$(squeue -h -o %i 2>/dev/null)" ] && [ $i -lt 1200 ]; do sleep 0.2; i=$((i+1)); done
}
kl="--model $M --task udpos --source tr --targets kk --epochs 2 --max-train 160 --max-eval 16 --eval-every 5 --batch 16 --bootstrap 10"
W="$tmp/ws"
"$T" sweep $kl -w "$W" --grid "seed=1|2|3|4" --launcher slurm --parallel 2 >"$tmp/s1.out" 2>"$tmp/s1.err"
t "the sweep submits one job array of 4 points, 2 at a time, and a gather job" \
    'grep -q "submitted job array .*4 of 4 points (0-3), at most 2 at a time" "$tmp/s1.out" && grep -q "gather job" "$tmp/s1.out"'
job=$(sed -n 's/.*submitted job array \([0-9]*\):.*/\1/p' "$tmp/s1.out")
shard=$(ls -d "$W"/shards/*seed=2-* 2>/dev/null)
i=0                # point 1 (seed=2): until it has a checkpoint and some steps after its first evaluation
while [ $i -lt 1500 ]; do
	shard=$(ls -d "$W"/shards/*seed=2-* 2>/dev/null)
	c=$(sqlite3 "$shard/tamga.db" "select steps_done from runs" 2>/dev/null)
	[ "${c:-0}" -ge 7 ] 2>/dev/null && [ -n "$(ls "$shard"/checkpoints 2>/dev/null)" ] && break
	sleep 0.1; i=$((i+1))
done
t "two tasks run at once" '[ "$(squeue -h -t R -o %i | grep -c "^${job}_")" = 2 ]'
scancel "${job}_1"
wait_jobs
t "the cancelled task checkpointed and stopped (SIGTERM): its shard's run is cancelled" \
    '[ "$(sqlite3 "$shard/tamga.db" "select status from runs")" = cancelled ] && [ -n "$(ls "$shard"/checkpoints)" ]'
t "the gather job gathered the 3 finished points and reported the cancelled one" \
    'grep -q "3 runs gathered" "$W"/sweeps/*-gather-*.log && grep -q "is cancelled, not finished" "$W"/sweeps/*-gather-*.log'
t "the workspace holds 3 finished runs" '[ "$(sqlite3 "$W/tamga.db" "select count(*) from runs where status = '"'done'"'")" = 3 ]'
"$T" runs -w "$W" >"$tmp/runs.out" 2>&1
t "tamga runs shows the cancelled point with its Slurm job" 'grep -q "seed=2" "$tmp/runs.out" && grep -q "${job}_1" "$tmp/runs.out"'
"$T" sweep --resume "$W"/sweeps/*.manifest >"$tmp/s2.out" 2>"$tmp/s2.err"
t "sweep --resume resubmits only the unfinished point" 'grep -q "submitted job array .*1 of 4 points (1)," "$tmp/s2.out"'
wait_jobs
t "the resumed task continued from its checkpoint" 'grep -q "resumed" "$W"/sweeps/*-$(sed -n "s/.*submitted job array \([0-9]*\):.*/\1/p" "$tmp/s2.out")_1.log'
"$T" gather -w "$W" >"$tmp/g.out" 2>&1
t "gathering again changes nothing" 'grep -q "0 runs gathered, 4 gathered before" "$tmp/g.out"'
t "exactly 4 finished runs, no duplicates" '[ "$(sqlite3 "$W/tamga.db" "select count(*), count(distinct name), sum(status = '"'done'"') from runs")" = "4|4|4" ]'

L="$tmp/local"
"$T" sweep $kl -w "$L" --grid "seed=1|2|3|4" --launcher local --workers 2 >"$tmp/l.out" 2>&1
q="select r.name, e.step, e.split, e.lang, e.metric, printf('%.17g %.17g %.17g', e.score, e.ci_low, e.ci_high), e.selected from evals e join runs r on r.id = e.run_id order by 1, 2, 3, 4, 5"
sqlite3 "$L/tamga.db" "$q" >"$tmp/local.ev"; sqlite3 "$W/tamga.db" "$q" >"$tmp/slurm.ev"
t "every evaluation equals the local sweep's ($(grep -c '' "$tmp/local.ev") rows)" '[ -s "$tmp/local.ev" ] && cmp -s "$tmp/local.ev" "$tmp/slurm.ev"'
q="select r.name, s.step, printf('%.17g', s.loss) from steps s join runs r on r.id = s.run_id order by 1, 2"
sqlite3 "$L/tamga.db" "$q" >"$tmp/local.st"; sqlite3 "$W/tamga.db" "$q" >"$tmp/slurm.st"
t "and so does every training loss, the resumed point's included (80 steps)" '[ "$(grep -c "" "$tmp/local.st")" = 80 ] && cmp -s "$tmp/local.st" "$tmp/slurm.st"'
"$T" report -w "$W" --format csv >"$tmp/rep.csv" 2>&1
t "tamga report reads the gathered runs" '[ "$(grep -c "seed=" "$tmp/rep.csv")" -ge 4 ]'

[ $fail = 0 ] || { sed 's/^/# /' "$tmp"/*.err "$tmp/runs.out" | tail -20; tail -5 "$C/slurmctld.log" | sed 's/^/# /'; }
echo "1..$n"
exit $fail
