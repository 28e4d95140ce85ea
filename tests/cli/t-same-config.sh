#!/bin/sh
# One experiment, four producers (issue 16): `tamga train`, Lua tamga.train{}, a workbench job (its worker command
# line, tests/tui/jobargv) and a one-point sweep, given the same options, store the same configuration (the run's
# config JSON, less the command line it was given). A grid value or option that the options table refuses stops
# the sweep before any run. Micro model, 2 steps each.
T=${TAMGA_TEST_BUILDDIR:-.}/tamga
J=${TAMGA_TEST_BUILDDIR:-.}/tests/tui/jobargv
M=${TAMGA_TEST_MICRO:-}
n=0; fail=0
t() { n=$((n+1)); if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; fail=1; fi; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tamga-same.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT

# the sweep refuses bad grids through the options table, before anything runs
out=$("$T" sweep --grid 'lr=0.001|abc' -w "$tmp/bad" 2>&1); rc=$?
t "sweep: a grid value the table refuses stops the sweep (exit $rc)" \
	'[ $rc = 2 ] && echo "$out" | grep -q "grid lr: option .lr.: .abc. is not a finite number (1e-09..10); default 0.0005" && [ ! -e "$tmp/bad/tamga.db" ]'
out=$("$T" sweep --grid 'seeed=1|2' -w "$tmp/bad" 2>&1); rc=$?
t "sweep: an unknown grid option gets a did-you-mean" '[ $rc = 2 ] && echo "$out" | grep -q "did you mean .seed."'
out=$("$T" sweep --grid 'seed=1' --max-len 4 -w "$tmp/bad" 2>&1); rc=$?
t "sweep: a bad common option is refused before any run" \
	'[ $rc = 2 ] && echo "$out" | grep -q "option .--max-len.: 4 is out of range (8..8192); default 128" && [ ! -e "$tmp/bad/tamga.db" ]'

if [ -z "$M" ] || [ ! -f "$M/config.json" ] || [ ! -x "$J" ]; then
	echo "ok $((n+1)) - # SKIP the micro model or jobargv is not available"; echo "1..$((n+1))"; exit $fail
fi
spec=lora:layers=0-1,targets=q+v,r=4
opts="--model $M --task udpos --source tr --targets az,kk --peft $spec --max-train 32 --max-eval 16 --steps 2
      --eval-every 2 --batch 8 --lr 0.001 --seed 5"
config() { sqlite3 "$1/tamga.db" "select config from runs order by id limit 1" 2>/dev/null; }

"$T" train $opts --quiet -w "$tmp/cli" >"$tmp/cli.out" 2>&1
t "train: stored" '[ -n "$(config "$tmp/cli")" ]' || sed 's/^/# /' "$tmp/cli.out" | tail -3

"$T" run -e "assert(tamga.train{ model = '$M', task = tamga.task.udpos{ source = 'tr', targets = { 'az', 'kk' },
  max_train = 32, max_eval = 16 }, peft = '$spec', steps = 2, eval_every = 2, batch = 8, lr = 0.001, seed = 5,
  workspace = '$tmp/lua' })" >"$tmp/lua.out" 2>&1
t "Lua train{}: stored" '[ -n "$(config "$tmp/lua")" ]' || sed 's/^/# /' "$tmp/lua.out" | tail -3

# the workbench's job: its worker command line, run as the workbench runs it (tamga tui --worker ...)
"$J" "$T" "$tmp/tui" model="$M" task=udpos source=tr targets=az,kk peft=$spec max_train=32 max_eval=16 steps=2 \
	eval_every=2 batch=8 lr=0.001 seed=5 >"$tmp/job.argv"
(IFS='
'; set -f; set -- $(cat "$tmp/job.argv"); shift; "$T" "$@") >"$tmp/tui.out" 2>&1
t "workbench job: stored" '[ -n "$(config "$tmp/tui")" ]' || { sed 's/^/# /' "$tmp/job.argv" | tr '\n' ' '; echo; sed 's/^/# /' "$tmp/tui.out" | tail -3; }

"$T" sweep --grid 'seed=5' $(echo "$opts" | sed 's/--seed 5//') -w "$tmp/sweep" >"$tmp/sweep.out" 2>&1
t "sweep point: stored" '[ -n "$(config "$tmp/sweep")" ]' || sed 's/^/# /' "$tmp/sweep.out" | tail -3

for w in cli lua tui sweep; do config "$tmp/$w" > "$tmp/$w.json"; done
cmp() {
	python3 - "$1" "$2" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for c in (a, b):
    c.pop("argv", None)        # the command line each producer was given (Lua has none)
if a != b:
    for k in sorted(set(a) | set(b)):
        if a.get(k) != b.get(k):
            print("#  %s: %r vs %r" % (k, a.get(k), b.get(k)))
    sys.exit(1)
PY
}
for w in lua tui sweep; do
	d=$(cmp "$tmp/cli.json" "$tmp/$w.json" 2>&1); rc=$?
	t "$w stores the configuration train stores" '[ $rc = 0 ] && [ -s "$tmp/$w.json" ]' || echo "$d"
done
t "the configuration has the options given" 'grep -Eq "\"lr\": *0\.0010*[,}]" "$tmp/cli.json" && grep -q "\"max_steps\": *2" "$tmp/cli.json" && grep -q "r=4" "$tmp/cli.json"'
echo "1..$n"
exit $fail
