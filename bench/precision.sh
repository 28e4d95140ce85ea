#!/bin/bash
# tamga --precision bf16 against fp32 and against the PyTorch peer (FP32, and under PyTorch's bf16 autocast),
# interleaved in the same run: XLM-R-base shape, batch B x T, LoRA r8 on q,v of layers 0-3 (train) or the encoder
# forward (infer). Prints each round's JSON and the medians with the ratios.
# Usage: bench/precision.sh train|infer [ROUNDS] [TAMGA] [PEER]; env THREADS (2), REPEAT (steps per round, 3), B, T
set -euo pipefail
mode=${1:?usage: bench/precision.sh train|infer [ROUNDS] [TAMGA] [PEER]}
rounds=${2:-3}
here=$(cd "$(dirname "$0")" && pwd)
tamga=${3:-./tamga}
peer=${4:-$here/../../shared/bench/torch_peft.py}
threads=${THREADS:-2}; repeat=${REPEAT:-3}; B=${B:-16}; T=${T:-128}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for r in $(seq "$rounds"); do
	for p in fp32 bf16; do
		if [ "$mode" = infer ]; then
			"$tamga" --threads "$threads" bench encoder --precision $p --batch "$B" --seq "$T" --repeat "$repeat" --json >> "$out/tamga-$p"
		else
			"$tamga" --threads "$threads" bench train --precision $p --peft lora:layers=0-3,targets=q+v,r=8 \
				--batch "$B" --seq "$T" --repeat "$repeat" --json >> "$out/tamga-$p"
		fi
		echo "round $r: tamga $p $(tail -1 "$out/tamga-$p")"
	done
	if [ -f "$peer" ] && /usr/bin/python3 -c 'import torch' 2>/dev/null; then
		args=(--size base --mode "$mode" --method lora --layers 0-3 --rank 8 --batch "$B" --seq "$T" --threads "$threads"
			--steps "$repeat" --warmup 1 --json)
		/usr/bin/python3 "$peer" "${args[@]}" >> "$out/torch-fp32"
		echo "round $r: torch fp32 $(tail -1 "$out/torch-fp32")"
		/usr/bin/python3 "$here/torch-autocast.py" "$peer" "${args[@]}" | tail -1 >> "$out/torch-bf16"
		echo "round $r: torch bf16 autocast $(tail -1 "$out/torch-bf16")"
	fi
done
/usr/bin/python3 - "$mode" "$out" <<'PY'
import json, os, statistics, sys
mode, out = sys.argv[1], sys.argv[2]
def load(n):
    p = f"{out}/{n}"
    return [json.loads(l) for l in open(p)] if os.path.exists(p) else []
key = "infer_tokens_per_s" if mode == "infer" else "train_tokens_per_s"
med = lambda rows, k: statistics.median(r[k] for r in rows) if rows else float("nan")
tf, tb, pf, pb = load("tamga-fp32"), load("tamga-bf16"), load("torch-fp32"), load("torch-bf16")
f, b = med(tf, "tokens_per_s"), med(tb, "tokens_per_s")
print(f"{mode}: median tokens/s: tamga fp32 {f:.1f}, tamga bf16 {b:.1f}; bf16/fp32 {b/f:.2f} (per round: " +
      ", ".join("%.2f" % (y["tokens_per_s"] / x["tokens_per_s"]) for x, y in zip(tf, tb)) + ")")
mk = "peak_rss_mb"
if tf and mk in tf[0]:
    mf, mb = med(tf, mk), med(tb, mk)
    print(f"{mode}: median peak RSS: tamga fp32 {mf:.0f} MB, bf16 {mb:.0f} MB; bf16/fp32 {mb/mf:.2f}")
if pf:
    qf, qb = med(pf, key), med(pb, key) if pb else float("nan")
    print(f"{mode}: median tokens/s: torch {pf[0].get('torch','?')} fp32 {qf:.1f}, bf16 autocast {qb:.1f}; "
          f"tamga fp32/torch fp32 {f/qf:.2f}, tamga bf16/torch fp32 {b/qf:.2f}, tamga bf16/torch bf16 {b/qb:.2f}")
    if mode == "train":
        print(f"{mode}: median peak RSS: torch fp32 {med(pf, 'peak_rss_mb'):.0f} MB, bf16 autocast "
              f"{med(pb, 'peak_rss_mb') if pb else float('nan'):.0f} MB")
PY
