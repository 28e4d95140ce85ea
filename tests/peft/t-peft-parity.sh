#!/bin/sh
# PEFT parity with PyTorch: LoRA (PEFT-format files), Pfeiffer, Houlsby, parallel and MAD-X adapters (tamga's
# format), a task adapter stacked on a frozen MAD-X language adapter; same loss, logits and gradients of every
# trainable PEFT weight within 1e-4 relative (or 3x PyTorch's own float32 error).
REF=tests/peft/peft_ref.py
CHECK=tests/peft/t-peft-parity-check
. "${TAMGA_TEST_SRCDIR:-.}/tests/parity.sh"
run lora --case lora --arch xlm-roberta --layers 2 --hidden 64 --heads 4 --ffn 256
run lora-mixed --case lora-mixed --arch bert --layers 3 --hidden 64 --heads 4 --ffn 256
run pfeiffer --case pfeiffer --arch xlm-roberta --layers 2 --hidden 64 --heads 4 --ffn 256
run houlsby --case houlsby --arch bert --layers 2 --hidden 64 --heads 4 --ffn 256
run parallel --case parallel --arch xlm-roberta --layers 2 --hidden 64 --heads 4 --ffn 256
run madx --case madx --arch xlm-roberta --layers 2 --hidden 64 --heads 4 --ffn 256
run madx-stack --case madx-stack --arch xlm-roberta --layers 3 --hidden 64 --heads 4 --ffn 256
# TAMGA_SKIP_SLOW_PARITY (set by --enable-asan builds): the sanitizer build's code generation sums floats in another
# order, enough to move the 12-layer gradients just past their tolerance (1.27e-4 vs 1.13e-4 for a query lora_A);
# the numbers are checked in the normal build, the small cases above still run under the sanitizers.
if [ -n "$TAMGA_SKIP_SLOW_PARITY" ]; then
	for c in lora-12layer-768 pfeiffer-12layer-768; do
		n=$((n + 1)); echo "ok $n - # SKIP $c: TAMGA_SKIP_SLOW_PARITY is set"
	done
else
	run lora-12layer-768 --case lora --arch xlm-roberta --layers 12 --hidden 768 --heads 12 --ffn 3072 --vocab 1000 --batch 2 --seq 16
	run pfeiffer-12layer-768 --case pfeiffer --arch xlm-roberta --layers 12 --hidden 768 --heads 12 --ffn 3072 --vocab 1000 --batch 2 --seq 16
fi
echo "1..$n"
exit $fail
