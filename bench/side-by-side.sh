#!/bin/bash
# Run tamga and the PyTorch peer (../shared/bench/torch_peft.py) on the same workload, interleaved, in the same
# environment, and print each side's per-round numbers, the medians and the ratio tamga / PyTorch.
# Usage: bench/side-by-side.sh infer|train [ROUNDS] [TAMGA] [PEER]
#   infer: encoder forward, d=768, 12 layers, 12 heads, vocab 250002, batch 16 x 128
#   train: the same with LoRA r=8 on q,v of layers 0-3, token classification (9 labels), AdamW
# Environment: THREADS (2), REPEAT (steps per tamga round, 10), B (16), T (128).
set -euo pipefail
mode=${1:?usage: bench/side-by-side.sh infer|train [ROUNDS] [TAMGA] [PEER]}
rounds=${2:-3}
here=$(cd "$(dirname "$0")" && pwd)
tamga=${3:-./tamga}
peer=${4:-$here/../../shared/bench/torch_peft.py}
threads=${THREADS:-2}; repeat=${REPEAT:-10}; B=${B:-16}; T=${T:-128}
[ -x "$tamga" ] || { echo "side-by-side: $tamga is not an executable tamga (pass its path as the third argument)" >&2; exit 1; }
[ -f "$peer" ] || { echo "side-by-side: the peer $peer is missing (pass its path as the fourth argument)" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "side-by-side $mode: $rounds rounds, $threads threads, batch $B x $T; OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}" \
	"OPENBLAS_L2_SIZE=${OPENBLAS_L2_SIZE:-unset}"
for r in $(seq "$rounds"); do
	if [ "$mode" = infer ]; then
		"$tamga" --threads "$threads" bench encoder --batch "$B" --seq "$T" --repeat "$repeat" --json >> "$out/tamga"
		/usr/bin/python3 "$peer" --size base --mode infer --method lora --layers 0-3 --rank 8 --batch "$B" \
			--seq "$T" --threads "$threads" --steps "$repeat" --json >> "$out/peer"
	else
		"$tamga" --threads "$threads" bench train --peft lora:layers=0-3,targets=q+v,r=8 --batch "$B" --seq "$T" \
			--repeat "$repeat" --json >> "$out/tamga"
		/usr/bin/python3 "$peer" --size base --mode train --method lora --layers 0-3 --rank 8 --batch "$B" \
			--seq "$T" --threads "$threads" --steps "$repeat" --json >> "$out/peer"
	fi
	echo "round $r: tamga $(tail -1 "$out/tamga")"
	echo "round $r: torch $(tail -1 "$out/peer")"
done
/usr/bin/python3 - "$mode" "$out/tamga" "$out/peer" <<'PY'
import json, statistics, sys
mode, ft, fp = sys.argv[1:]
t = [json.loads(l) for l in open(ft)]
p = [json.loads(l) for l in open(fp)]
tt = statistics.median(x["tokens_per_s"] for x in t)
key = "infer_tokens_per_s" if mode == "infer" else "train_tokens_per_s"
pt = statistics.median(x[key] for x in p)
print(f"median tokens/s: tamga {tt:.1f}, torch {pt:.1f}; ratio tamga/torch {tt/pt:.2f}"
      " (per round: " + ", ".join("%.2f" % (a["tokens_per_s"] / b[key]) for a, b in zip(t, p)) + ")")
if mode == "train":
    tr = statistics.median(x["peak_rss_mb"] for x in t)
    pr = statistics.median(x["peak_rss_mb"] for x in p)
    print(f"median peak RSS: tamga {tr:.0f} MB, torch {pr:.0f} MB; tamga/torch {tr/pr:.2f}")
PY
