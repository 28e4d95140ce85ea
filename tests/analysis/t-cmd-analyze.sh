#!/bin/sh
# tamga analyze / plot / tokstats on fixtures made by mkfixture: a workspace of synthetic runs, a small data root with
# a SentencePiece model and a tiny random encoder. Formats, files written, exit codes.
B=${TAMGA_TEST_BUILDDIR:-.}
T=$B/tamga
F=$B/tests/analysis/mkfixture
PY=${PYTHON3:-python3}
n=0; fail=0
t() { n=$((n+1)); if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; fail=1; fi; }
skip() { n=$((n+1)); echo "ok $n - # SKIP $1"; }
if [ ! -x "$T" ] || ! $T analyze --help >/dev/null 2>&1 || [ ! -x "$F" ]; then
	echo "1..0 # SKIP the tamga program has no analyze command, or mkfixture is not built"
	exit 0
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tamga-cmd-analyze.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
# under --enable-asan: fontconfig keeps its caches until exit (the plot commands)
echo "leak:libfontconfig.so" > "$tmp/lsan.supp"
LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$tmp/lsan.supp:print_suppressions=0"; export LSAN_OPTIONS
sig() { head -c "$2" "$1" 2>/dev/null | od -An -c | tr -d ' \n'; }
have_py() { $PY -c 'import json' 2>/dev/null; }

$F ws "$tmp/ws" || { echo "Bail out! mkfixture ws failed"; exit 1; }
$F data "$tmp/data" >/dev/null 2>&1 || { echo "Bail out! mkfixture data failed"; exit 1; }

# errors first
out=$($T analyze frob 2>&1); rc=$?
t "analyze: unknown subcommand, exit 2" '[ $rc = 2 ] && echo "$out" | grep -q "unknown subcommand"'
out=$($T analyze ttc --workspace "$tmp/none" 2>&1); rc=$?
t "analyze ttc: a missing workspace is an error naming it" '[ $rc = 1 ] && echo "$out" | grep -q "$tmp/none"'
out=$($T plot ttc --workspace "$tmp/ws" 2>&1); rc=$?
t "plot without -o: exit 2" '[ $rc = 2 ] && echo "$out" | grep -q "\-o FILE"'
out=$($T plot ttc --workspace "$tmp/ws" -o "$tmp/x.bmp" 2>&1); rc=$?
t "plot to an unknown extension: exit 1 naming it" '[ $rc = 1 ] && echo "$out" | grep -qi "bmp"'

# TTC
out=$($T analyze ttc --workspace "$tmp/ws" --boot 500 2>&1); rc=$?
t "analyze ttc: 8 cells, dTTC and matrices" \
	'[ $rc = 0 ] && [ $(echo "$out" | grep -c "^nli ") = 12 ] && echo "$out" | grep -q "Source benefit" && printf "%s\\n" "$out" | grep -q "^source.target"'
out=$($T analyze ttc --workspace "$tmp/ws" --method lora --format csv); rc=$?
t "analyze ttc --method lora --format csv: header + 4 ttc + 2 dttc rows" \
	'[ $rc = 0 ] && [ $(echo "$out" | wc -l) = 7 ] && echo "$out" | head -1 | grep -q "^kind,task,method"'
out=$($T analyze ttc --workspace "$tmp/ws" --format md --source tr); rc=$?
t "analyze ttc --format md --source tr" '[ $rc = 0 ] && echo "$out" | grep -q "^| nli | adapter | all | tr | az |"'
if have_py; then
	$T analyze ttc --workspace "$tmp/ws" --json -o "$tmp/ttc.json"; rc=$?
	t "analyze ttc --json -o FILE: valid JSON with item intervals" \
		"[ $rc = 0 ] && $PY -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d[\"ttc\"])==8 and d[\"ttc\"][0][\"items_ci\"][0] is not None' '$tmp/ttc.json'"
else
	skip "python3 for JSON checks"
fi

# scaling
out=$($T analyze scaling --workspace "$tmp/ws" 2>&1); rc=$?
t "analyze scaling: three forms, lowest BIC named" '[ $rc = 0 ] && echo "$out" | grep -q "lowest BIC"'
printf 'D,P,ttc,err\n100,1e5,0.5,0.3\n' > "$tmp/few.csv"
out=$($T analyze scaling --csv "$tmp/few.csv" --form 3 2>&1); rc=$?
t "analyze scaling: too few points is an error" '[ $rc != 0 ] && echo "$out" | grep -q "1 points for 5 parameters"'

# plots
out=$($T plot ttc --workspace "$tmp/ws" -o "$tmp/ttc.png"); rc=$?
t "plot ttc: one PNG, the file asked for, with every (task, method, layers) as rows" \
	'[ $rc = 0 ] && [ "$(sig "$tmp/ttc.png" 4)" = "211PNG" ] && [ ! -e "$tmp/ttc-2.png" ] && [ $(echo "$out" | wc -l) = 1 ]'
$T plot ttc --workspace "$tmp/ws" --by method -o "$tmp/ttcm.svg" >/dev/null; rc=$?
t "plot ttc --by method: SVG" '[ $rc = 0 ] && grep -q "<svg" "$tmp/ttcm.svg"'
$T plot curves 1 2 3 --workspace "$tmp/ws" --split test -o "$tmp/curves.pdf" >/dev/null; rc=$?
t "plot curves of three runs: PDF" '[ $rc = 0 ] && [ "$(sig "$tmp/curves.pdf" 5)" = "%PDF-" ]'
$T plot scaling --workspace "$tmp/ws" -o "$tmp/scaling.png" >/dev/null; rc=$?
t "plot scaling: PNG" '[ $rc = 0 ] && [ "$(sig "$tmp/scaling.png" 4)" = "211PNG" ]'
out=$($T plot curves --workspace "$tmp/ws" -o "$tmp/c.png" 2>&1); rc=$?
t "plot curves without runs: exit 2" '[ $rc = 2 ]'

# tokstats
out=$($T tokstats --data "$tmp/data" 2>&1); rc=$?
t "tokstats without a tokenizer says so" '[ $rc = 0 ] && echo "$out" | grep -q "no tokenizer given"'
out=$($T tokstats --data "$tmp/data" --tokenizer "$tmp/data/sp.model" --sample-words 200 2>&1); rc=$?
t "tokstats with a SentencePiece model: en, kk, tr rows and a Jaccard table" \
	'[ $rc = 0 ] && echo "$out" | grep -q "^kk .*Cyrillic 100%" && echo "$out" | grep -q "^tr " && echo "$out" | grep -q "Subword-type Jaccard"'
out=$($T tokstats --data "$tmp/data" --tokenizer "$tmp/data/sp.model" --format csv --langs en,kk --sample-words 200); rc=$?
t "tokstats --format csv --langs en,kk: 2 languages + 1 pair" '[ $rc = 0 ] && [ $(echo "$out" | wc -l) = 4 ]'
out=$($T tokstats --data "$tmp/data" --tokenizer "$tmp/nope.model" 2>&1); rc=$?
t "tokstats with a missing tokenizer: exit 1" '[ $rc = 1 ] && echo "$out" | grep -q "nope.model"'

# features, probe, predict
out=$($T analyze features --data "$tmp/data" --model "$tmp/data/model" --sources en --targets tr,kk 2>&1); rc=$?
t "analyze features: en->tr and en->kk, in-pretraining from the model config" \
	'[ $rc = 0 ] && echo "$out" | grep -q "^en  *tr .* 1.000 " && echo "$out" | grep -q "^en  *kk "'
$T analyze probe --model "$tmp/data/model" --data "$tmp/data" --sources en --targets kk --format csv -o "$tmp/probe.csv" 2>/dev/null; rc=$?
t "analyze probe on Tatoeba kk-en with a tiny encoder: 3 layers" '[ $rc = 0 ] && [ $(wc -l < "$tmp/probe.csv") = 4 ]'
$T plot probe --csv "$tmp/probe.csv" -o "$tmp/probe.svg" >/dev/null; rc=$?
t "plot probe: SVG" '[ $rc = 0 ] && grep -q "<svg" "$tmp/probe.svg"'
out=$($T analyze features --data "$tmp/data" --model "$tmp/data/model" --sources en --targets kk --probe "$tmp/probe.csv" --format csv); rc=$?
t "analyze features --probe: the alignment margin column is filled" \
	'[ $rc = 0 ] && [ -n "$(echo "$out" | tail -1 | cut -d, -f9)" ]'
out=$($T analyze probe --data "$tmp/data" 2>&1); rc=$?
t "analyze probe without --model: exit 2" '[ $rc = 2 ]'

echo "1..$n"
exit $fail
