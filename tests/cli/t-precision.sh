#!/bin/sh
# Precision (issue 23): --version names the CPU's BF16/VNNI support; a short LoRA run with --precision bf16 reaches
# the FP32 run's source dev score within that run's 95% CI; the precision is stored with the run; a bad value gets
# one line; on a CPU without AVX512_BF16 (TAMGA_NO_BF16=1) a bf16 run says so once and runs (and is stored) as fp32.
T=${TAMGA_TEST_BUILDDIR:-.}/tamga
PY=${PYTHON3:-/usr/bin/python3}
M=${TAMGA_TEST_MICRO:-}
D=${TAMGA_DATA:-}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
W=$tmp/ws
n=0; fail=0
t() { n=$((n+1)); if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; fail=1; fi; }

"$T" --version >"$tmp/v" 2>&1
t "--version names the CPU's BF16 and VNNI support ($(tail -1 "$tmp/v"))" \
	'grep -q "avx512_bf16 \(yes\|no\), avx512_vnni \(yes\|no\)" "$tmp/v"'
"$T" train --precision fp16 >"$tmp/bad.out" 2>&1; rc=$?
t "--precision fp16 is refused with one line naming the choices" \
	'[ $rc = 2 ] && grep -q "^tamga train: option .--precision.: .fp16. is not one of fp32 or bf16; default fp32$" "$tmp/bad.out"'

if [ -z "$M" ] || [ ! -f "$M/config.json" ] || [ ! -d "$D/udpos/tr" ]; then
	echo "ok $((n+1)) - # SKIP the micro model or the data root is not available"; echo "1..$((n+1))"; exit $fail; fi
run() {
	"$T" train --model "$M" --task udpos --source tr --targets az --peft lora:layers=0-1,targets=q+v,r=4 --epochs 1 \
		--max-train 160 --max-eval 148 --batch 16 --seed 3 --bootstrap 200 -w "$W" --json "$@"
}
run --precision fp32 >"$tmp/f.json" 2>"$tmp/f.err"; rc1=$?
run --precision bf16 >"$tmp/b.json" 2>"$tmp/b.err"; rc2=$?
t "a LoRA run trains in fp32 and in bf16" '[ $rc1 = 0 ] && [ $rc2 = 0 ]'
dev() { "$PY" -c "import json, sys; s = [x for x in json.load(open(sys.argv[1]))['scores'] if x['split'] == 'dev'][0]
print(s['score'], s['ci_low'], s['ci_high'])" "$1"; }
S=$(dev "$tmp/f.json") B=$(dev "$tmp/b.json")
t "bf16's source dev accuracy (score, CI: $B) lies in the fp32 run's 95% CI ($S)" \
	'"$PY" -c "import sys; a = [float(x) for x in sys.argv[1:]]; sys.exit(not a[1] <= a[3] <= a[2])" $S $B'
cfg() { sqlite3 "$W/tamga.db" "select json_extract(config, '\$.precision') from runs where id = $1"; }
t "the precision is stored in each run's config ($(cfg 1), $(cfg 2))" '[ "$(cfg 1)" = fp32 ] && [ "$(cfg 2)" = bf16 ]'
TAMGA_NO_BF16=1 run --precision bf16 --max-train 16 >/dev/null 2>"$tmp/n.err"; rc=$?
t "without AVX512_BF16 a bf16 run says so once and runs in fp32 ($(grep -c AVX512_BF16 "$tmp/n.err") note)" \
	'[ $rc = 0 ] && [ "$(grep -c "lacks AVX512_BF16 instructions; running in fp32" "$tmp/n.err")" = 1 ] && [ "$(cfg 3)" = fp32 ]'
echo "1..$n"
exit $fail
