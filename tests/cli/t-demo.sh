#!/bin/sh
# tamga demo, headless, with the micro model: the comparison table, TTC, stored runs and plot files.
. "${TAMGA_TEST_SRCDIR:-.}/tests/micro.sh"
"$T" demo --preset "$M" --headless --max-train 200 --max-eval 60 --epochs 1 -w "$tmp/ws" >"$tmp/out" 2>"$tmp/err"; rc=$?
t "demo exits 0" '[ $rc = 0 ]'
[ $rc = 0 ] || sed 's/^/# /' "$tmp/err" | tail -20
t "the table compares early LoRA with Pfeiffer adapters" 'grep -q "early LoRA (tr)" "$tmp/out" && grep -q "Pfeiffer (tr)" "$tmp/out"'
for l in az kk ky uz ug tt sah; do
	t "a row for $l with a CI, A - c and a TTC" "grep -Eq '^$l +test +\\| [0-9.]+ \\[[0-9.]+, [0-9.]+\\] +[-+][0-9.]+\\*? +(-?[0-9.]+|undef) \\|' \"\$tmp/out\""
done
t "trainable parameters are matched within 5%" 'awk -F"|" "/^trainable/ { a=\$2+0; b=\$3+0; d=(a>b?a-b:b-a)/a; exit !(d <= 0.05) }" "$tmp/out"'
t "progress lines go to stderr with step, loss, tokens/s and ETA" 'grep -q "step .* loss .* tok/s .* ETA" "$tmp/err"'
t "the curves plot is a PNG" '[ "$(head -c 8 "$tmp/ws/plots/curves.png" | od -An -c | tr -d " ")" = "211PNG\r\n032\n" ]'
t "the TTC heat map exists as PNG and SVG" '[ -s "$tmp/ws/plots/ttc.png" ] && grep -q "<svg" "$tmp/ws/plots/ttc.svg"'
t "both runs are in the store" '[ "$("$T" runs -w "$tmp/ws" | grep -c " done ")" = 2 ]'
t "tamga report shows TTC for both" '"$T" report -w "$tmp/ws" | grep -q "TTC ="'
"$T" demo --preset "$M" --json --max-train 100 --max-eval 30 --epochs 1 -w "$tmp/ws2" >"$tmp/json" 2>/dev/null
t "--json prints one JSON document with runs and plots" '/usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert len(d[\"runs\"])==2 and d[\"plots\"]" "$tmp/json"'
out=$("$T" demo --epochs zero 2>&1); rc=$?
t "a bad option gives one line and exit 2" '[ $rc = 2 ] && echo "$out" | grep -q "option .--epochs.: .zero. is not an integer"'
echo "1..$n"
exit $fail
