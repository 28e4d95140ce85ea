#!/bin/bash
# Run tamga and the PyTorch peer (../shared/bench/torch_peft.py) on the same workload, interleaved, in the same
# environment, and print each side's per-round numbers, the medians and the ratio tamga / PyTorch, for each PyTorch.
# Usage: bench/side-by-side.sh infer|train [ROUNDS] [TAMGA] [PEER]
#   infer: encoder forward, d=768, 12 layers, 12 heads, vocab 250002, batch 16 x 128
#   train: the same with LoRA r=8 on q,v of layers 0-3, token classification (9 labels), AdamW
# Environment: THREADS (2), REPEAT (steps per tamga round, 10), B (16), T (128);
#   PEER_PYTHONS: the Pythons that run the peer, one PyTorch each (default: Debian's /usr/bin/python3 with
#   python3-torch 1.13, plus bench-venv/bin/python, PyTorch 2.x from PyPI made by bench/torch2-venv.sh, when it
#   exists in the current folder).
set -euo pipefail
mode=${1:?usage: bench/side-by-side.sh infer|train [ROUNDS] [TAMGA] [PEER]}
rounds=${2:-3}
here=$(cd "$(dirname "$0")" && pwd)
tamga=${3:-./tamga}
peer=${4:-$here/../../shared/bench/torch_peft.py}
threads=${THREADS:-2}; repeat=${REPEAT:-10}; B=${B:-16}; T=${T:-128}
[ -x "$tamga" ] || { echo "side-by-side: $tamga is not an executable tamga (pass its path as the third argument)" >&2; exit 1; }
[ -f "$peer" ] || { echo "side-by-side: the peer $peer is missing (pass its path as the fourth argument)" >&2; exit 1; }
if [ -z "${PEER_PYTHONS:-}" ]; then
	PEER_PYTHONS=/usr/bin/python3
	[ -x bench-venv/bin/python ] && PEER_PYTHONS="$PEER_PYTHONS bench-venv/bin/python"
fi
read -r -a pythons <<< "$PEER_PYTHONS"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "side-by-side $mode: $rounds rounds, $threads threads, batch $B x $T; OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}" \
	"OPENBLAS_L2_SIZE=${OPENBLAS_L2_SIZE:-unset}"
for r in $(seq "$rounds"); do
	if [ "$mode" = infer ]; then
		"$tamga" --threads "$threads" bench encoder --batch "$B" --seq "$T" --repeat "$repeat" --json >> "$out/tamga"
	else
		"$tamga" --threads "$threads" bench train --peft lora:layers=0-3,targets=q+v,r=8 --batch "$B" --seq "$T" \
			--repeat "$repeat" --json >> "$out/tamga"
	fi
	echo "round $r: tamga $(tail -1 "$out/tamga")"
	for k in "${!pythons[@]}"; do
		"${pythons[$k]}" "$peer" --size base --mode "$mode" --method lora --layers 0-3 --rank 8 --batch "$B" \
			--seq "$T" --threads "$threads" --steps "$repeat" --json >> "$out/peer$k"
		echo "round $r: torch (${pythons[$k]}) $(tail -1 "$out/peer$k")"
	done
done
/usr/bin/python3 - "$mode" "$out" "${#pythons[@]}" <<'PY'
import json, statistics, sys
mode, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
t = [json.loads(l) for l in open(f"{out}/tamga")]
tt = statistics.median(x["tokens_per_s"] for x in t)
key = "infer_tokens_per_s" if mode == "infer" else "train_tokens_per_s"
for k in range(n):
    p = [json.loads(l) for l in open(f"{out}/peer{k}")]
    pt = statistics.median(x[key] for x in p)
    print(f"torch {p[0].get('torch', '?')}: median tokens/s: tamga {tt:.1f}, torch {pt:.1f}; ratio tamga/torch "
          f"{tt/pt:.2f} (per round: " + ", ".join("%.2f" % (a["tokens_per_s"] / b[key]) for a, b in zip(t, p)) + ")")
    if mode == "train":
        tr = statistics.median(x["peak_rss_mb"] for x in t)
        pr = statistics.median(x["peak_rss_mb"] for x in p)
        print(f"torch {p[0].get('torch', '?')}: median peak RSS: tamga {tr:.0f} MB, torch {pr:.0f} MB; "
              f"tamga/torch {tr/pr:.2f}")
PY
