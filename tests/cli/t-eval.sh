#!/bin/sh
# Evaluation only: a trained run scored on a treebank of a language tamga has never heard of ("xyz", a file outside
# the data root with malformed sentences and a zero-width space), from the CLI and from Lua in one command each, read
# leniently, stored under its own name and listed by report and show; the run reloaded from its adapter and head
# scores exactly what training stored; predictions scored by an independent script (tests/cli/score-predictions.py,
# not tamga's metric code) give the stored accuracy and strict span F1; NER label maps (KazNERD -> PER/ORG/LOC).
T=${TAMGA_TEST_BUILDDIR:-.}/tamga
S=${TAMGA_TEST_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
PY=${PYTHON3:-/usr/bin/python3}
M=${TAMGA_TEST_MICRO:-}
D=${TAMGA_DATA:-}
if [ -z "$M" ] || [ ! -f "$M/config.json" ]; then echo "1..0 # SKIP the micro model is not available (no data root?)"; exit 0; fi
if [ ! -f "$D/udpos/kk/kk_ktb-ud-test.conllu" ] || [ ! -f "$D/ner/kk/KazNERD_IOB2_valid.txt" ]; then
	echo "1..0 # SKIP no UD Kazakh or KazNERD file under the data root"; exit 0; fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
W=$tmp/ws
n=0; fail=0
t() { n=$((n+1)); if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; fail=1; fi; }
close() { "$PY" -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); sys.exit(abs(a - b) > float(sys.argv[3]))" "$@"; }
jget() { "$PY" -c "import json, sys; print(json.loads(open(sys.argv[1]).readline())[sys.argv[2]])" "$1" "$2"; }

# a UDPOS run (tr -> az; --max-eval 148 = every sentence of az TueCL) and a NER run (tr -> az)
"$T" train --model "$M" --task udpos --source tr --targets az --peft lora:layers=0-1,targets=q+v,r=4 --epochs 1 \
	--max-train 160 --max-eval 148 --batch 16 --seed 3 --bootstrap 200 -w "$W" --json >"$tmp/pos.json" 2>"$tmp/pos.err"; rc=$?
t "a UDPOS run trains" '[ $rc = 0 ]'
"$T" train --model "$M" --task ner --source tr --targets az --peft lora:layers=0-1,targets=q+v,r=4 --epochs 1 \
	--max-train 200 --max-eval 40 --batch 16 --seed 3 --bootstrap 100 -w "$W" >/dev/null 2>"$tmp/ner.err"; rc=$?
t "a NER run trains" '[ $rc = 0 ]'

# reloading the run from its adapter + head gives exactly the score (and CI) training stored for the same file
q() { sqlite3 "$W/tamga.db" "select printf('%.15g %.15g %.15g', score, ci_low, ci_high) from evals where run_id = $1 and lang = '$2' and split = 'test'"; }
"$T" eval 1 --data "$D/udpos/az/az_tuecl-ud-test.conllu" --format conllu --lang az --name az-again -w "$W" \
	--bootstrap 200 >/dev/null 2>"$tmp/az.err"
t "eval of the run's own target file gives the trained score and CI ($(q 1 az) / $(q 1 az-again))" \
	'[ -n "$(q 1 az)" ] && [ "$(q 1 az)" = "$(q 1 az-again)" ]'

# the treebank of an unknown language: 30 Kazakh sentences as "xyz", two malformed, one token with U+200B
"$PY" - "$D/udpos/kk/kk_ktb-ud-test.conllu" "$tmp/data/xyz_new-ud-test.conllu" <<'EOF'
import os, sys
blocks = [b for b in open(sys.argv[1], encoding="utf-8").read().split("\n\n") if b.strip()][:30]
def first_word(lines):
    return next(j for j, l in enumerate(lines) if l[:1].isdigit() and "\t" in l)
out = []
for i, b in enumerate(blocks):
    lines = b.split("\n")
    j = first_word(lines)
    f = lines[j].split("\t")
    if i == 4: lines[j] = "\t".join(f[:9])                       # 9 fields
    if i == 11: f[3] = "NOUNN"; lines[j] = "\t".join(f)          # not a UPOS tag
    if i == 20: f[1] = f[1][:1] + "\u200b" + f[1][1:]; lines[j] = "\t".join(f)
    out.append("\n".join(lines))
os.makedirs(os.path.dirname(sys.argv[2]), exist_ok=True)
open(sys.argv[2], "w", encoding="utf-8").write("\n\n".join(out) + "\n\n")
EOF
X=$tmp/data/xyz_new-ud-test.conllu
bad1=$(awk -F'\t' 'NF==9 {print NR; exit}' "$X"); bad2=$(awk -F'\t' '$4=="NOUNN" {print NR; exit}' "$X")
zw=$(grep -n "$(printf '\342\200\213')" "$X" | cut -d: -f1)

"$T" eval 1 --data "$X" --format conllu --lang xyz -w "$W" >"$tmp/strict.out" 2>"$tmp/strict.err"; rc=$?
t "strict (the default) refuses the file at its first malformed line, with a hint" \
	'[ $rc = 1 ] && grep -q "^tamga eval: $X:$bad1: expected 10 tab-separated fields, found 9" "$tmp/strict.err" &&
	 grep -q "hint: --lenient" "$tmp/strict.err"'

"$T" eval 1 --data "$X" --format conllu --lang xyz --name xyz -w "$W" --lenient >"$tmp/cli.out" 2>"$tmp/cli.err"; rc=$?
t "CLI: one command evaluates the unknown language leniently" '[ $rc = 0 ] && grep -q "^run 1 on xyz (xyz, test): accuracy" "$tmp/cli.out"'
t "every malformed sentence is reported as file:line" \
	'grep -q "^$X:$bad1: expected 10 tab-separated fields, found 9 (sentence skipped)" "$tmp/cli.err" &&
	 grep -q "^$X:$bad2: unknown UPOS .NOUNN." "$tmp/cli.err"'
t "the zero-width space inside a token is reported with its line" \
	'[ -n "$zw" ] && grep -q "^$X:$zw: warning: token .* holds U+200B ZERO WIDTH SPACE" "$tmp/cli.err"'
t "the skipped sentences are counted (28 scored, 2 skipped) in the output and in the run's record" \
	'grep -q "28 sentences; 2 malformed sentences skipped; 1 warning" "$tmp/cli.out" &&
	 "$PY" -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(not (d[\"n_skipped\"] == 2 and d[\"n_items\"] == 28 and len(d[\"problems\"]) == 3 and d[\"lang\"] == \"xyz\"))" "$W/evals/run-1/xyz.json"'

EVAL_WS=$W EVAL_DATA=$X "$T" run -e '
local tamga = require "tamga"
local run = assert(tamga.store.open(os.getenv "EVAL_WS"):run(1))
local r = assert(run:evaluate{ data = os.getenv "EVAL_DATA", format = "conllu", lang = "xyz", name = "xyz-lua", lenient = true })
print(string.format("%s %.9f %d %d %d", r.name, r.score, r.n, r.skipped, #r.problems))' >"$tmp/lua.out" 2>"$tmp/lua.err"; rc=$?
t "Lua: one command (run:evaluate) evaluates it leniently" '[ $rc = 0 ] && grep -q "^xyz-lua 0\.[0-9]* 28 2 3$" "$tmp/lua.out"'

EVAL_WS=$W EVAL_DATA=$D/udpos/az/az_tuecl-ud-test.conllu "$T" run -e '
local tamga = require "tamga"
local run = assert(tamga.store.open(os.getenv "EVAL_WS"):run(1))
local ds = assert(tamga.data.read("conllu", os.getenv "EVAL_DATA"))
local r = assert(run:evaluate(ds, { lang = "az", name = "az-ds", store = false }))
print(r.name, r.n, r.record == nil)' >"$tmp/lua2.out" 2>"$tmp/lua2.err"; rc=$?
t "Lua: run:evaluate(dataset, {...}) scores a tamga.Dataset (not stored)" '[ $rc = 0 ] && grep -q "^az-ds	148	true$" "$tmp/lua2.out"'

"$T" report -w "$W" --format csv >"$tmp/report.csv" 2>&1
"$T" report -w "$W" >"$tmp/report.md" 2>&1
t "report lists both under their own names" \
	'grep -q "^1,.*,test,xyz,0,[0-9.]*,[0-9.]*,[0-9.]*,28," "$tmp/report.csv" && grep -q "^1,.*,test,xyz-lua,0," "$tmp/report.csv" &&
	 grep -q "| xyz | xyz-lua |" "$tmp/report.md"'
t "show lists it at the selected checkpoint" '"$T" show 1 -w "$W" | grep -q "^    xyz  *test accuracy .* n=28"'
cli=$(grep ",test,xyz,0," "$tmp/report.csv" | cut -d, -f12); lua=$(grep ",test,xyz-lua,0," "$tmp/report.csv" | cut -d, -f12)
t "CLI and Lua store the same score ($cli, $lua)" '[ -n "$cli" ] && [ "$cli" = "$lua" ]'

# predictions, scored independently
"$T" predict 1 --data "$X" --format conllu --lang xyz --name xyz --lenient -w "$W" --out "$tmp/pred.conllu" --json \
	>"$tmp/pred.json" 2>/dev/null; rc=$?
t "predict writes CoNLL-U" '[ $rc = 0 ] && [ "$(grep -c "^# sent_id" "$tmp/pred.conllu")" = 28 ]'
acc=$("$PY" "$S/tests/cli/score-predictions.py" conllu "$X" "$tmp/pred.conllu")
t "token accuracy of the predicted CoNLL-U ($acc) = the stored score ($cli, $(jget "$tmp/pred.json" score))" \
	'close "$acc" "$(jget "$tmp/pred.json" score)" 1e-9 && close "$acc" "$cli" 1e-6'
t "predicted CoNLL-U keeps every other column" \
	'[ "$(grep -v "^#" "$tmp/pred.conllu" | cut -f1-3,5-10 | grep -v "^$" | md5sum)" = "$(awk -v RS= -v ORS="\n\n" "NR!=5 && NR!=12" "$X" | grep -v "^#" | cut -f1-3,5-10 | grep -v "^$" | md5sum)" ]'

# NER: KazNERD's 25 classes through the OntoNotes map
awk 'BEGIN { RS = ""; ORS = "\n\n" } NR <= 60' "$D/ner/kk/KazNERD_IOB2_valid.txt" >"$tmp/data/kaznerd60.txt"
"$T" eval 2 --data "$tmp/data/kaznerd60.txt" --format kaznerd --lang kk -w "$W" >/dev/null 2>"$tmp/unk.err"; rc=$?
t "KazNERD tags the model does not know are listed with the ones it knows" \
	'[ $rc = 1 ] && grep -q "tags the model does not know: .*B-PERSON.*; it knows O B-PER I-PER B-ORG I-ORG B-LOC I-LOC" "$tmp/unk.err" &&
	 grep -q "hint: .*--label-map ontonotes" "$tmp/unk.err"'
"$T" predict 2 --data "$tmp/data/kaznerd60.txt" --format kaznerd --lang kk --label-map ontonotes --name kaznerd60 \
	-w "$W" --out "$tmp/ner.tsv" --json >"$tmp/ner.json" 2>"$tmp/ner2.err"; rc=$?
t "KazNERD is scored through --label-map ontonotes" '[ $rc = 0 ] && [ "$(jget "$tmp/ner.json" n_items)" = 60 ]'
f1=$("$PY" "$S/tests/cli/score-predictions.py" iob2 "$tmp/ner.tsv")
t "strict span F1 of the predicted IOB2 ($f1) = the stored F1 ($(jget "$tmp/ner.json" score))" \
	'close "$f1" "$(jget "$tmp/ner.json" score)" 1e-9'
t "the gold column holds the mapped tags (PERSON -> PER, DATE -> O)" \
	'! cut -f2 "$tmp/ner.tsv" | grep -q "PERSON\|DATE" && cut -f2 "$tmp/ner.tsv" | grep -q "B-PER"'
printf 'PERSON\tPER\nGPE\tLOC\n# everything else\n*\tO\n' >"$tmp/map.tsv"
"$T" eval 2 --data "$tmp/data/kaznerd60.txt" --format kaznerd --lang kk --label-map "$tmp/map.tsv" --name kz-map \
	-w "$W" --json >"$tmp/map.json" 2>/dev/null; rc=$?
t "a label-map file works (score $(jget "$tmp/map.json" score))" '[ $rc = 0 ] && [ "$(jget "$tmp/map.json" n_items)" = 60 ]'
printf 'PERSON PER\n' >"$tmp/badmap.tsv"
"$T" eval 2 --data "$tmp/data/kaznerd60.txt" --format kaznerd --lang kk --label-map "$tmp/badmap.tsv" -w "$W" 2>"$tmp/badmap.err"; rc=$?
t "a malformed label map is named with its line" '[ $rc = 1 ] && grep -q "badmap.tsv:1: expected from<TAB>to" "$tmp/badmap.err"'

# NLI and COPA: one label per item
"$T" train --model "$M" --task nli --source tr --targets az --peft lora:layers=0-1,targets=q+v,r=4 --steps 2 \
	--max-train 32 --max-eval 20 --batch 16 --bootstrap 50 -w "$W" >/dev/null 2>&1
"$T" train --model "$M" --task copa --source tr --targets az --peft lora:layers=0-1,targets=q+v,r=4 --steps 2 \
	--max-train 32 --max-eval 20 --batch 16 --bootstrap 50 -w "$W" >/dev/null 2>&1
"$PY" -c "import csv, sys; [print(r['gold_label']) for r in csv.DictReader(open(sys.argv[1], encoding='utf-8'))]" \
	"$D/nli/kk/kardes-nlu.xnli.dev.kk.csv" >"$tmp/nli.gold"
"$PY" -c "import csv, sys; [print(int(r['most-plausible-alternative']) - 1) for r in csv.DictReader(open(sys.argv[1], encoding='utf-8'))]" \
	"$D/copa/kk/kardes-nlu.xcopa.dev.kk.csv" >"$tmp/copa.gold"
"$T" predict 3 --data "$D/nli/kk/kardes-nlu.xnli.dev.kk.csv" --format kardes-nli --lang kk --name knli-kk --split dev \
	-w "$W" --out "$tmp/nli.pred" --json >"$tmp/nli.json" 2>"$tmp/nli.err"; rc=$?
t "NLI: one predicted label per item, scored independently = stored accuracy" \
	'[ $rc = 0 ] && [ "$(wc -l <"$tmp/nli.pred")" = 1000 ] &&
	 close "$("$PY" "$S/tests/cli/score-predictions.py" labels "$tmp/nli.gold" "$tmp/nli.pred")" "$(jget "$tmp/nli.json" score)" 1e-9'
"$T" predict 4 --data "$D/copa/kk/kardes-nlu.xcopa.dev.kk.csv" --format kardes-copa --lang kk --name kcopa-kk --split dev \
	-w "$W" --out "$tmp/copa.pred" --json >"$tmp/copa.json" 2>"$tmp/copa.err"; rc=$?
t "COPA: the chosen alternative per item, scored independently = stored accuracy" \
	'[ $rc = 0 ] && [ "$(wc -l <"$tmp/copa.pred")" = 100 ] &&
	 close "$("$PY" "$S/tests/cli/score-predictions.py" labels "$tmp/copa.gold" "$tmp/copa.pred")" "$(jget "$tmp/copa.json" score)" 1e-9'
t "report --split dev lists them" '"$T" report -w "$W" --split dev --format csv | grep -q ",dev,knli-kk,0,"'

# misuse
"$T" eval 1 --data "$X" --format conllu --lang az --name az --lenient -w "$W" 2>"$tmp/clash.err"; rc=$?
t "a name that would replace the run's own target score is refused" '[ $rc = 1 ] && grep -q "already has a score named .az." "$tmp/clash.err"'
"$T" eval 1 --data "$X" --format conllu --lang XYZ1 -w "$W" 2>"$tmp/lang.err"; rc=$?
t "an implausible language code is refused" '[ $rc = 1 ] && grep -q "language code .XYZ1. is not a plausible code" "$tmp/lang.err"'
"$T" eval 1 --data "$X" --format nosuch --lang xyz -w "$W" 2>"$tmp/fmt.err"; rc=$?
t "an unknown format is refused" '[ $rc = 2 ] && grep -q "unknown format .nosuch." "$tmp/fmt.err"'
"$T" eval 9 --data "$X" --format conllu --lang xyz -w "$W" 2>"$tmp/run.err"; rc=$?
t "an unknown run is one error line" '[ $rc = 1 ] && [ "$(grep -c "^tamga eval:" "$tmp/run.err")" = 1 ]'
"$T" eval 1 --data "$tmp/data/kaznerd60.txt" --format kaznerd --lang kk -w "$W" 2>"$tmp/kind.err"; rc=$?
t "NER data on a POS run: the tags are named as unknown" '[ $rc = 1 ] && grep -q "it knows ADJ ADP" "$tmp/kind.err"'
echo "1..$n"
exit $fail
