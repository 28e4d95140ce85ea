#!/bin/sh
# Encoder parity with PyTorch (independent reference built from torch.nn.TransformerEncoderLayer): hidden states of
# every layer, MLM logits, loss and all gradients, for a 2-layer BERT and a 12-layer d=768 XLM-R-shaped model.
PY=${PYTHON3:-/usr/bin/python3}
SRC=${TAMGA_TEST_SRCDIR:-.}
BLD=${TAMGA_TEST_BUILDDIR:-.}
if ! $PY -c "import torch" 2>/dev/null; then echo "1..0 # SKIP python3-torch is not installed"; exit 0; fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
n=0; fail=0
run() {
	name=$1; shift
	if ! $PY "$SRC/tests/model/parity_ref.py" "$tmp/$name" "$@" > "$tmp/$name.ref" 2>&1; then
		n=$((n+1)); echo "not ok $n - $name: reference failed"; sed 's/^/# /' "$tmp/$name.ref"; fail=1; return
	fi
	sed 's/^# /# /' "$tmp/$name.ref"
	"$BLD/tests/model/t-parity-check" "$tmp/$name" 1e-4 > "$tmp/$name.out" 2>&1 || fail=1
	grep -v '^1\.\.' "$tmp/$name.out" | while IFS= read -r line; do
		case $line in
		ok*|not\ ok*) echo "$line" | sed "s/^\(not ok\|ok\) [0-9]* - /\1 - $name: /" ;;
		*) echo "$line" ;;
		esac
	done
	n=$((n + $(grep -c '^\(not \)\?ok' "$tmp/$name.out")))
	rm -rf "$tmp/$name"
}
run bert-2layer --arch bert --layers 2 --hidden 64 --heads 4 --ffn 256 --vocab 300 --batch 3 --seq 11
# TAMGA_SKIP_SLOW_PARITY (set by --enable-asan builds): ASan's instrumentation changes the float summation order
# enough (max gradient error 2.2e-4 vs 1.4e-4) to leave this case's tolerance; the 2-layer case still runs.
if [ -n "$TAMGA_SKIP_SLOW_PARITY" ]; then
	n=$((n+1)); echo "ok $n - # SKIP xlmr-12layer-768: TAMGA_SKIP_SLOW_PARITY is set"
else
	run xlmr-12layer-768 --arch xlm-roberta --layers 12 --hidden 768 --heads 12 --ffn 3072 --vocab 1000 --batch 2 --seq 16
fi
echo "1..$n"
exit $fail
