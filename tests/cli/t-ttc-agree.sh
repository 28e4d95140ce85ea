#!/bin/sh
# One TTC everywhere (issues 17, 18, 22): a short UDPOS run with the micro model, then its TTC per target read by every
# consumer -- the end-of-run table of `train`, `report` (JSON), `analyze ttc` with and without item files (--boot 0),
# `plot ttc`'s plotted values, Lua run:report() and tamga.analysis.ttc, the workbench's Results pane -- must agree
# (to the digits each prints), with the per-set chance levels stored in the run. Then the source's stored chance is raised above its score: every consumer must say
# "undefined" (JSON null), never print a number. `plot ttc` writes exactly the file asked for.
T=${TAMGA_TEST_BUILDDIR:-.}/tamga
M=${TAMGA_TEST_MICRO:-}
PY=${PYTHON3:-python3}
if [ -z "$M" ] || [ ! -f "$M/config.json" ]; then echo "1..0 # SKIP the micro model is not available (no data root?)"; exit 0; fi
if ! $PY -c 'import json, csv' 2>/dev/null || ! command -v sqlite3 >/dev/null; then
	echo "1..0 # SKIP python3 and sqlite3 are needed"; exit 0
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tamga-ttc-agree.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
echo "leak:libfontconfig.so" > "$tmp/lsan.supp"
LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$tmp/lsan.supp:print_suppressions=0"; export LSAN_OPTIONS
n=0; fail=0
# prev_rc: the exit status of the command just before the check ($? itself is reset by the count)
t() { prev_rc=$?; n=$((n+1)); if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; fail=1; fi; }
W="$tmp/ws"
D=${TAMGA_TEST_BUILDDIR:-.}/tests/tui/results-dump      # the workbench Results pane's data (built with the tests)

"$T" train --model "$M" --task udpos --source tr --targets az,kk,ky --peft lora:layers=0-1,targets=q+v,r=4 \
	--steps 30 --lr 5e-3 --max-train 160 --max-eval 30 --batch 16 --seed 2 --bootstrap 50 -w "$W" >"$tmp/train.txt" \
	2>"$tmp/train.err"
t "a short run trains" '[ $prev_rc = 0 ]'
[ -s "$tmp/train.txt" ] || sed 's/^/# /' "$tmp/train.err" | tail -5

# every consumer's TTC per target, as "lang value" lines (value "undefined" when it is not a number)
collect() {
	# train's end-of-run table: lang split score CI chance A-c TTC items
	awk '$2 == "test" && $1 != "tr" { print $1, $(NF-1) }' "$tmp/train.txt" | sort > "$tmp/c.train"
	"$T" report -w "$W" --format json > "$tmp/report.json" 2>"$tmp/report.err"
	$PY - "$tmp/report.json" > "$tmp/c.report" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
for lang, c in sorted(d["runs"][0]["targets"].items()):
    print(lang, "undefined" if c["ttc"] is None else "%.6f" % c["ttc"])
EOF
	for b in 200 0; do
		"$T" analyze ttc -w "$W" --boot $b --format json > "$tmp/ttc$b.json" 2>"$tmp/ttc$b.err"
		$PY - "$tmp/ttc$b.json" > "$tmp/c.ttc$b" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
for c in sorted(d["ttc"], key=lambda c: c["target"]):
    print(c["target"], "undefined" if c["ttc"] is None else "%.6f" % c["ttc"])
EOF
	done
	rm -f "$tmp"/ttc*.png
	"$T" plot ttc -w "$W" -o "$tmp/ttc.png" --csv-out "$tmp/plot.csv" >/dev/null 2>"$tmp/plot.err"
	$PY - "$tmp/plot.csv" > "$tmp/c.plot" <<'EOF'
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
head = rows[0]
for row in rows[1:]:
    for lang, v in sorted(zip(head[1:], row[1:])):
        print(lang, "undefined" if v.strip() in ("", "nan", "-") else "%.6f" % float(v))
EOF
	cat > "$tmp/r.lua" <<EOF
local tamga = require "tamga"
local s = assert(tamga.store.open("$W"))
local run = s:run(1)
local r = assert(run:report())
local out = {}
for _, row in ipairs(r.rows) do
  if not row.source then out[#out + 1] = row.lang .. " " .. (row.ttc and string.format("%.6f", row.ttc) or "undefined") end
end
table.sort(out)
print(table.concat(out, "\n"))
io.stderr:write(tostring(r), "\n")
local a = assert(tamga.analysis.ttc(s, { n_boot = 0 }))
local t2 = {}
for _, c in ipairs(a.cells) do t2[#t2 + 1] = c.target .. " " .. (c.ttc and string.format("%.6f", c.ttc) or "undefined") end
table.sort(t2)
local f = io.open("$tmp/c.luaanalysis", "w"); f:write(table.concat(t2, "\n"), "\n"); f:close()
EOF
	"$T" run "$tmp/r.lua" > "$tmp/c.lua" 2>"$tmp/lua.err"
	if [ -x "$D" ]; then "$D" "$W" 1 2>/dev/null | sort > "$tmp/c.tui"; else cp "$tmp/c.report" "$tmp/c.tui"; fi
}

same() {   # two "lang value" files equal, numbers within $3 (default 1e-5: report JSON has 6 digits)
	$PY - "$1" "$2" "${3:-1e-5}" <<'EOF'
import sys
a = [l.split() for l in open(sys.argv[1]) if l.strip()]
b = [l.split() for l in open(sys.argv[2]) if l.strip()]
def eq(x, y):
    if x[0] != y[0]: return False
    if "undefined" in (x[1], y[1]): return x[1] == y[1]
    return abs(float(x[1]) - float(y[1])) <= float(sys.argv[3])
sys.exit(0 if len(a) == len(b) == 3 and all(eq(x, y) for x, y in zip(a, b)) else 1)
EOF
}

collect
t "train's end-of-run table has a TTC for az, kk, ky" '[ $(wc -l < "$tmp/c.train") = 3 ] && [ $(grep -c undefined "$tmp/c.train") = 0 ]'
sed 's/^/# train: /' "$tmp/c.train"
t "report agrees with train's table (3 decimals there)" 'same "$tmp/c.train" "$tmp/c.report" 0.0005001'
t "analyze ttc agrees with report" 'same "$tmp/c.report" "$tmp/c.ttc200"'
t "analyze ttc --boot 0 gives the same point estimates" 'same "$tmp/c.ttc200" "$tmp/c.ttc0"'
t "plot ttc plots the same values" 'same "$tmp/c.report" "$tmp/c.plot"'
t "Lua run:report() agrees" 'same "$tmp/c.report" "$tmp/c.lua"'
t "Lua tamga.analysis.ttc agrees" 'same "$tmp/c.report" "$tmp/c.luaanalysis"'
t "the workbench Results pane agrees" '[ -x "$D" ] && same "$tmp/c.report" "$tmp/c.tui"'
t "plot ttc writes only the file asked for" '[ -s "$tmp/ttc.png" ] && [ $(ls "$tmp" | grep -c "^ttc.*\.png$") = 1 ]'
t "the chance levels are stored per set and differ between source and targets" \
	'[ $(sqlite3 "$W/tamga.db" "select count(distinct round(chance, 9)) from evals where chance is not null and step = (select max(step) from evals)") -ge 3 ]'
t "tables name the chance definition" 'grep -q "majority baseline" "$tmp/train.txt" && "$T" report -w "$W" | grep -q "majority baseline" && grep -q "majority baseline" "$tmp/lua.err"'

# the source at or below its chance: undefined everywhere, and A_t - c_t still shown
sqlite3 "$W/tamga.db" "update evals set chance = score + 0.01 where is_source and split = 'test'"
collect
printf 'az undefined\nkk undefined\nky undefined\n' > "$tmp/undef"
t "report: undefined (JSON null)" 'same "$tmp/undef" "$tmp/c.report"'
t "report (Markdown) prints undefined and A_t - c_t" '"$T" report -w "$W" | grep -E "^\| 1 \|" | grep -q "undefined (.[0-9.]*"'
t "analyze ttc: undefined" 'same "$tmp/undef" "$tmp/c.ttc200" && same "$tmp/undef" "$tmp/c.ttc0"'
t "analyze ttc (text) says undefined" '"$T" analyze ttc -w "$W" --boot 0 | grep -q "undefined"'
t "plot ttc: blank cells" 'same "$tmp/undef" "$tmp/c.plot"'
t "Lua run:report(): undefined" 'same "$tmp/undef" "$tmp/c.lua" && grep -q "undefined" "$tmp/lua.err"'
t "Lua tamga.analysis.ttc: nil" 'same "$tmp/undef" "$tmp/c.luaanalysis"'
t "the workbench Results pane: undefined" '[ -x "$D" ] && same "$tmp/undef" "$tmp/c.tui"'
echo "1..$n"
exit $fail
