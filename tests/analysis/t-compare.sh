#!/bin/sh
# tamga analyze compare A B against an independent computation (compare_ref.py: sqlite3, the items files, the same
# seed-then-item bootstrap draws), on 3 seeds x 2 methods trained with the micro model; the Lua binding agrees; bad
# selections are one-line errors.
T=${TAMGA_TEST_BUILDDIR:-.}/tamga
M=${TAMGA_TEST_MICRO:-}
S=${TAMGA_TEST_SRCDIR:-$(dirname "$0")/../..}
PY=${PYTHON3:-python3}
if [ -z "$M" ] || [ ! -f "$M/config.json" ]; then echo "1..0 # SKIP the micro model is not available (no data root?)"; exit 0; fi
if ! $PY -c 'import sqlite3, json' 2>/dev/null; then echo "1..0 # SKIP python3 with sqlite3 is not available"; exit 0; fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
n=0; fail=0
t() { n=$((n+1)); if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; fail=1; fi; }
W="$tmp/ws"
LORA="lora:layers=0,targets=q+v,r=4"
timeout 900 "$T" sweep --model "$M" --task udpos --targets az,kk,uz --epochs 2 --max-train 200 --lr 3e-3 --max-eval 40 \
    --batch 16 --bootstrap 10 -w "$W" --grid "peft=$LORA|pfeiffer:layers=all,dim=3" --grid "source=en" \
    --grid "seed=1|2|3" --workers 2 >"$tmp/sweep.out" 2>"$tmp/sweep.err"
t "6 runs trained" 'grep -q "6 runs finished" "$tmp/sweep.out"'

"$T" analyze compare -w "$W" 'sweep peft=lora*' 'sweep peft=pfeiffer*' --boot 400 --seed 7 --format json \
    -o "$tmp/c.json" 2>"$tmp/c.err"; rc=$?
t "analyze compare writes JSON" '[ $rc = 0 ] && [ -s "$tmp/c.json" ]'
$PY "$S/tests/analysis/compare_ref.py" "$W" 'sweep peft=lora' 'sweep peft=pfeiffer' --boot 400 --seed 7 \
    >"$tmp/ref.json" 2>"$tmp/ref.err"; rc=$?
t "the Python reference runs" '[ $rc = 0 ] && [ -s "$tmp/ref.json" ]'
cat >"$tmp/check.py" <<'EOF'
import json, math, sys
c = json.load(open(sys.argv[1]))["cells"]
r = json.load(open(sys.argv[2]))
key = lambda x: (x["task"], x["source"], x["target"])
c, r = {key(x): x for x in c}, {key(x): x for x in r}
bad = []
if sorted(c) != sorted(r) or len(c) < 3:
    bad.append("cells differ: %s vs %s" % (sorted(c), sorted(r)))
def same(a, b):
    if a is None or b is None or (isinstance(b, float) and math.isnan(b)):
        return (a is None) == (b is None or math.isnan(b))
    return abs(a - b) <= 1e-9
for k in sorted(set(c) & set(r)):
    x, y = c[k], r[k]
    for f in ("diff", "p", "p_holm", "score_a", "score_b", "dttc"):
        if not same(x[f], y[f]):
            bad.append("%s %s: tamga %r, reference %r" % (k, f, x[f], y[f]))
    for f in ("diff_ci", "dttc_ci"):
        for i in range(2):
            if not same(x[f][i], (y[f] or [None, None])[i]):
                bad.append("%s %s[%d]: tamga %r, reference %r" % (k, f, i, x[f][i], (y[f] or [None, None])[i]))
    if x["n_seeds"] != 3 or y["n_seeds"] != 3:
        bad.append("%s: seeds %d %d" % (k, x["n_seeds"], y["n_seeds"]))
print("\n".join(bad))
sys.exit(1 if bad else 0)
EOF
$PY "$tmp/check.py" "$tmp/c.json" "$tmp/ref.json" >"$tmp/check.out" 2>&1; rc=$?
t "diff, CI, p, Holm p and dTTC equal the reference's for every target" '[ $rc = 0 ]'
t "the p-values are not all 1 (the check can see a difference)" 'grep -q "\"p\": 0\.[0-8]" "$tmp/c.json"'

"$T" analyze compare -w "$W" 'sweep peft=lora*' 'sweep peft=pfeiffer*' --boot 400 --seed 8 --format json \
    -o "$tmp/c8.json" 2>/dev/null
$PY "$tmp/check.py" "$tmp/c8.json" "$tmp/ref.json" >"$tmp/check8.out" 2>&1; rc=$?
t "another bootstrap seed gives other intervals (the check is not vacuous)" '[ $rc = 1 ] && grep -q "diff_ci" "$tmp/check8.out"'

"$T" analyze compare -w "$W" method=lora method=pfeiffer --boot 400 --seed 7 --format csv -o "$tmp/c.csv" 2>/dev/null
t "selection by method: CSV with a row per target" '[ "$(grep -c "^udpos,en," "$tmp/c.csv")" = 3 ]'
"$T" analyze compare -w "$W" method=lora method=pfeiffer --boot 400 --seed 7 --format md >"$tmp/c.md" 2>/dev/null
t "Markdown table with p_Holm and the chance flag" 'grep -q "p_Holm" "$tmp/c.md" && grep -q "^| udpos | en | kk |" "$tmp/c.md"'
"$T" analyze compare -w "$W" method=lora method=pfeiffer --boot 400 --seed 7 >"$tmp/c.txt" 2>/dev/null
t "text output" 'grep -q "^udpos   en     az" "$tmp/c.txt"'

cat >"$tmp/c.lua" <<EOF
local tamga = require "tamga"
local r = assert(tamga.analysis.compare("$W", "sweep peft=lora*", "sweep peft=pfeiffer*", { n_boot = 400, seed = 7 }))
for _, c in ipairs(r.cells) do print(c.target, string.format("%.12f %.12f %.12f", c.diff, c.lo, c.p)) end
EOF
"$T" run "$tmp/c.lua" >"$tmp/lua.out" 2>"$tmp/lua.err"
$PY -c '
import json, sys
c = {x["target"]: x for x in json.load(open(sys.argv[1]))["cells"]}
ok = 0
for line in open(sys.argv[2]):
    tgt, d, lo, p = line.split()
    x = c[tgt]
    ok += abs(float(d) - x["diff"]) < 1e-9 and abs(float(lo) - x["diff_ci"][0]) < 1e-9 and abs(float(p) - x["p"]) < 1e-9
sys.exit(0 if ok == 3 else 1)' "$tmp/c.json" "$tmp/lua.out"; rc=$?
t "tamga.analysis.compare in Lua gives the same numbers" '[ $rc = 0 ]'

out=$("$T" analyze compare -w "$W" method=lora 2>&1); rc=$?
t "one selection: usage error (exit $rc)" '[ $rc = 2 ] && echo "$out" | grep -q "two selections"'
out=$("$T" analyze compare -w "$W" method=lora,colour=red pfeiffer 2>&1); rc=$?
t "an unknown key in a selection is named (exit $rc)" '[ $rc = 2 ] && echo "$out" | grep -q "colour=red" && [ "$(echo "$out" | grep -vc "^hint:")" = 1 ]'
out=$("$T" analyze compare -w "$W" method=lora method=nosuch --format json 2>&1); rc=$?
t "a selection matching nothing: empty table and a note, exit 0" '[ $rc = 0 ] && echo "$out" | grep -q "no finished runs match method=nosuch"'

[ $fail = 0 ] || { sed 's/^/# /' "$tmp/check.out" "$tmp/sweep.err" "$tmp/c.err" "$tmp/ref.err" "$tmp/lua.err" | tail -30; }
echo "1..$n"
exit $fail
