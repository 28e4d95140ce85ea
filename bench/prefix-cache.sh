#!/bin/bash
# Frozen-prefix caching (tamga train --frozen-prefix): the wall time of one late-window LoRA run (UDPOS, tr -> the
# targets) in each mode, interleaved within a round: train (the default: dropout in the frozen layers, batches
# drawn each epoch), eval (no dropout there, fixed length-sorted batches, the prefix recomputed), cached with an
# empty cache (cold: computed once, read back in later epochs and evaluations) and cached again on the cache the
# cold run left (warm: as a later run of a study on the same model, data and window). Prints each run and the
# medians with the ratios.
# Usage: bench/prefix-cache.sh [ROUNDS] [TAMGA]
#   env MODEL (default: the default model), LAYERS (default 3: the last layer of the 4-layer default), MAX_TRAIN (1000), EPOCHS (3),
#   MAX_EVAL (300), TARGETS (az,kk,ky,uz,tt,ug), THREADS (2), TAMGA_DATA (the data root)
set -euo pipefail
rounds=${1:-3}
tamga=${2:-./tamga}
threads=${THREADS:-2}
model=${MODEL:-}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
LAYERS=${LAYERS:-3}
run() {   # mode workspace
	local t0 t1
	t0=$(date +%s.%N)
	"$tamga" --threads "$threads" train ${model:+--model "$model"} --task udpos --source tr --targets "${TARGETS:-az,kk,ky,uz,tt,ug}" \
		--peft "lora:layers=$LAYERS,targets=q+v,r=8" --epochs "${EPOCHS:-3}" --max-train "${MAX_TRAIN:-1000}" --max-eval "${MAX_EVAL:-300}" --seed 1 \
		--frozen-prefix "$1" -w "$2" --quiet >"$out/last.out" 2>"$out/last.err"
	t1=$(date +%s.%N)
	echo "$t0 $t1" | awk '{ printf "%.2f", $2 - $1 }'
}
for r in $(seq "$rounds"); do
	rm -rf "$out"/ws-*
	for m in train eval cached-cold cached-warm; do
		case $m in
		cached-cold) s=$(run cached "$out/ws-c") ;;
		cached-warm) s=$(run cached "$out/ws-c") ;;
		*) s=$(run "$m" "$out/ws-$m") ;;
		esac
		note=$(grep -o "frozen prefix [a-z]* ([^)]*): .*" "$out/last.err" | head -1 || true)
		echo "round $r: $m ${s} s${note:+  ($note)}"
		echo "$s" >> "$out/$m"
	done
done
med() { sort -g "$out/$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo "medians over $rounds rounds (window: layer $LAYERS; threads $threads):"
for m in train eval cached-cold cached-warm; do printf '  %-12s %8.2f s\n' "$m" "$(med $m)"; done
awk -v t="$(med train)" -v e="$(med eval)" -v c="$(med cached-cold)" -v w="$(med cached-warm)" 'BEGIN {
	printf "  train / cached-cold %.2fx, train / cached-warm %.2fx, eval / cached-cold %.2fx, eval / cached-warm %.2fx\n",
	    t / c, t / w, e / c, e / w }'
