#!/bin/sh
# Every example in examples/*.lua and examples/workshop/*.lua runs with the micro model and prints what its header
# says it prints. Prints TAP.
. "$(dirname "$0")/env.sh"
cd "$LUA_TEST_TMP" || exit 1
EX="$TAMGA_TEST_SRCDIR/examples"
n=0
fail=0

# run NAME ARGS...: run an example, keep its output in NAME.out; a failure is a failed test with the output shown
run() {
	name=$1
	shift
	if "$TAMGA" run "$@" >"$name.out" 2>&1; then
		n=$((n + 1)); echo "ok $n - $name runs"
	else
		n=$((n + 1)); fail=1; echo "not ok $n - $name runs"; tail -20 "$name.out" | sed 's/^/# /'
	fi
}
# has NAME PATTERN DESCRIPTION [COUNT]: the output matches the extended regular expression (at least COUNT times)
has() {
	c=$(grep -Ec -- "$2" "$1.out")
	n=$((n + 1))
	if [ "$c" -ge "${4:-1}" ]; then
		echo "ok $n - $1: $3"
	else
		fail=1; echo "not ok $n - $1: $3 (pattern '$2' found $c times)"; tail -10 "$1.out" | sed 's/^/# /'
	fi
}

run quickstart "$EX/quickstart.lua" micro
has quickstart '^tamga\.Model micro .*2 layers, hidden 64' "prints the model"
has quickstart '^[0-9]+	(tr|az|kk|ky|uz|ug|tt|sah)	0\.[0-9]+$' "prints every evaluation from on_eval" 30
has quickstart '^run [0-9]+: lora 0-1 \([0-9]+ trainable parameters\)' "a report for early LoRA"
has quickstart '^run [0-9]+: pfeiffer all \([0-9]+ trainable parameters\)' "a report for the adapter"
has quickstart '^lang +split +accuracy +95% CI +chance +A - c +TTC +items$' "report tables with CIs, chance, A - c and TTC" 2
has quickstart '^sah +test +0\.[0-9]+ +\[0\.[0-9]+, 0\.[0-9]+\] +0\.[0-9]+ +[-+][0-9.]+\*? +(-?[0-9.]+|undefined) +[0-9]+$' \
	"a row for every target" 2
has quickstart '^mean TTC .* over 7 targets' "the mean TTC" 2

run early-lora-vs-adapters "$EX/early-lora-vs-adapters.lua" micro 1
has early-lora-vs-adapters 'parameter-matched budget: [0-9]+ trainable parameters' "the budget"
has early-lora-vs-adapters '^  LoRA late +lora:layers=last:1,.*r=16' "late LoRA sized to the budget"
has early-lora-vs-adapters '^run [0-9]+ +(LoRA early|LoRA late|Pfeiffer all|Parallel all) +seed 1' "one line per run" 4
has early-lora-vs-adapters '^method +az +kk +ky +uz +ug +tt +sah +mean$' "the method x target table"
has early-lora-vs-adapters '^TTC \(1 = no transfer gap\)$' "the heat map"

run ttc-matrix "$EX/ttc-matrix.lua" micro 1 ttc.png
has ttc-matrix '^run [0-9]+: (en|tr) -> az,kk,ky,uz,tt, seed 1' "runs from both sources" 2
has ttc-matrix '^(en|tr) +(az|kk|ky|uz|tt) +0\.[0-9]+ +0\.[0-9]+ +-?[0-9.]+ ' "a TTC row per source and target" 10
has ttc-matrix '^src.tgt +az +kk +ky +tt +uz$' "the source x target heat map"
has ttc-matrix '^(az|kk|ky|uz|tt) +-?[0-9.]+ +-?[0-9.]+ +-?[0-9.]+ ' "dTTC per target" 5
has ttc-matrix '^wrote ttc\.png$' "the figure"
n=$((n + 1)); if [ -s ttc.png ]; then echo "ok $n - ttc-matrix: ttc.png exists"; else fail=1; echo "not ok $n - ttc-matrix: ttc.png exists"; fi

run tokenizer-diagnostics "$EX/tokenizer-diagnostics.lua" micro
has tokenizer-diagnostics '^lang +words +fertility +continued +unk +chars/token +script$' "the table header"
has tokenizer-diagnostics '^(en|tr|az|kk|ky|uz|ug|tt) +[0-9]+ +[0-9]\.[0-9]+ ' "a row per language" 8
has tokenizer-diagnostics '^ug .* Arabic$' "Uyghur is in Arabic script"
has tokenizer-diagnostics '^kk .* Cyrillic$' "Kazakh is in Cyrillic script"
has tokenizer-diagnostics 'subword-type Jaccard overlap' "the overlap heat map"
has tokenizer-diagnostics '^fertility \(subwords per word\)$' "fertility bars"
has tokenizer-diagnostics '^  4 words, [0-9]+ subwords, fertility' "one sentence cut into pieces"

run layer-probe "$EX/layer-probe.lua" micro tr-kk,en-kk 60
has layer-probe '^(tr-kk|en-kk), 60 sentence pairs:$' "a table per pair" 2
has layer-probe '^ +[0-2] +-?0\.[0-9]+ +-?0\.[0-9]+ +-?[0-9.]+ +[0-9.]+ +[0-9.]+$' "one row per layer (0-2)" 6
has layer-probe '^by hand, tr-kk layer 2: parallel' "the margin recomputed in Lua"
has layer-probe 'alignment margin by layer' "the text chart"

run madx "$EX/madx.lua" micro
has madx '^language adapter +[0-9.]+k? +[0-9]+ ' "the language adapter's size"
has madx '^  MAD-X 2\.0 \(no last layer\) .* 0$' "MAD-X 2.0 leaves the last layer out"
has madx '^target +TTC all layers +TTC all but last$' "the task-adapter comparison"
has madx '^mean +-?[0-9.]+ +-?[0-9.]+$' "mean TTC of both"

run scaling-fit "$EX/scaling-fit.lua" micro
has scaling-fit '^run [0-9]+: D = +[0-9]+, P = +[0-9]+, source accuracy' "one line per run" 8
has scaling-fit '^source \(tr\) error: E \+ A D\^-b$' "the source fit"
has scaling-fit '^az error \(zero-shot\): E \+ A D\^-b P\^-g$' "the two-variable fit"
has scaling-fit '^  E = .*b = ' "fitted parameters with standard errors" 3

for f in "$EX"/workshop/*.lua; do
	b=$(basename "$f" .lua)
	run "$b" "$f" micro
done
has 01-tensors '^cosine\(x, y\) = 0\.816$' "the cosine of (1,0,1) and (1,1,1)"
has 01-tensors '^after row\[1\] = 100, a:get\(1, 1\) =	100\.0$' "a row view writes through"
has 02-tokenizers '^(tr|az|kk|ky|uz|ug|tt|sah) +[0-9]+\.[0-9]+ +[0-9.]+ +[0-9.]+$' "fertility per language" 8
has 03-model '^tr-az, last layer: translations' "parallel vs random cosines"
has 04-peft-budgets '^budget [0-9]+ -> pfeiffer:layers=all' "an adapter matched to a budget"
has 05-first-run '^step +[0-9]+/[0-9]+ +loss' "on_step progress"
has 05-first-run '^mean TTC' "the report"
has 05-first-run 'training loss' "the loss chart"
has 06-early-vs-late '^(early LoRA|late LoRA|adapter) +[0-9]+ parameters in the encoder \(\+ [0-9]+ in the head\)' \
	"three methods, each with one parameter count (encoder) and the head apart" 3
has 06-early-vs-late '^mean TTC over az, kk, ky, uz$' "the bars"
has 07-store-and-plots "^wrote $TAMGA_WORKSPACE/plots/curves\.png and $TAMGA_WORKSPACE/plots/ttc\.svg\$" \
	"the figures, in the workspace's plots folder"
n=$((n + 1))
if [ ! -e workshop-plots ] && [ -s "$TAMGA_WORKSPACE/plots/curves.png" ]; then echo "ok $n - 07: nothing written into the current folder"
else fail=1; echo "not ok $n - 07: nothing written into the current folder (workshop-plots/ or no plots/curves.png)"; fi
# issue 18, bug 12: 03 printed "mean norm per token 1.89" (a Frobenius norm over the token count) for every layer
has 03-model '^  layer [0-9]: [0-9]+ tokens x [0-9]+, mean token-vector norm +[0-9.]+, mean cosine between tokens -?[0-9.]+$' \
	"per layer: mean token-vector norm and mean cosine between tokens" 3
# 02 and 03 pad by display width: the '->' of the sentence lines (Latin, Cyrillic, Arabic) in one column
n=$((n + 1))
cols=$(grep -E '^(tr|az|kk|ug)  .* -> ' 02-tokenizers.out | python3 -c '
import sys, unicodedata
def w(s): return sum(0 if unicodedata.combining(c) or unicodedata.category(c) == "Cf" else 1 for c in s)
print(" ".join(sorted({str(w(l.split(" -> ")[0])) for l in sys.stdin})))')
if [ -n "$cols" ] && [ "$(echo "$cols" | wc -w)" = 1 ]; then echo "ok $n - 02: the sentence column is aligned in every script (width $cols)"
else fail=1; echo "not ok $n - 02: the sentence column is aligned in every script (widths: $cols)"; grep -E '^(tr|az|kk|ug)  ' 02-tokenizers.out | sed 's/^/# /'; fi

echo "1..$n"
exit $fail
