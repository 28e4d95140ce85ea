#!/bin/sh
# Encoder parity with PyTorch (independent reference built from torch.nn.TransformerEncoderLayer): hidden states of
# every layer, MLM logits, loss and all gradients, for a 2-layer BERT and a 12-layer d=768 XLM-R-shaped model.
REF=tests/model/parity_ref.py
CHECK=tests/model/t-parity-check
. "${TAMGA_TEST_SRCDIR:-.}/tests/parity.sh"
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
