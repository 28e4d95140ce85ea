#!/bin/bash
# End to end: `tamga train` against what a user runs in Python (bench/e2e_peft.py: transformers + PEFT), the same
# LoRA (r=8, alpha 16, query+value of every layer) on the same model folder and the same UDPOS (en) data for the
# same steps, interleaved; per-round tokens/s and peak RSS, medians, and the ratios tamga / each peer.
# Usage: bench/e2e.sh [ROUNDS] [TAMGA]          (run from the build folder, like side-by-side.sh)
# Environment:
#   PEER_PYTHONS  Python interpreters with transformers + PEFT, one peer each (default: interop-venv/bin/python,
#                 i.e. Debian's PyTorch 1.13 through tests/interop/run.sh's environment, and bench-venv/bin/python,
#                 PyTorch 2.x from PyPI through bench/torch2-venv.sh, where they exist)
#   MODEL         a model folder (config.json, model.safetensors, sentencepiece.bpe.model); default: a random
#                 XLM-R of shape SIZE (base: 12 x 768, small: 4 x 256) with a SentencePiece vocabulary of 8000
#                 trained on the data root's text, made once in e2e-model-SIZE/
#   STEPS (10), B (16), T (128: --max-len), THREADS (2), TAMGA_DATA (the data root)
set -euo pipefail
rounds=${1:-3}
tamga=${2:-./tamga}
here=$(cd "$(dirname "$0")" && pwd)
steps=${STEPS:-10}; B=${B:-16}; T=${T:-128}; threads=${THREADS:-2}; size=${SIZE:-base}
data=${TAMGA_DATA:?set TAMGA_DATA to the data root}
[ -x "$tamga" ] || { echo "e2e: $tamga is not an executable tamga (pass its path as the second argument)" >&2; exit 1; }
if [ -z "${PEER_PYTHONS:-}" ]; then
	for p in interop-venv/bin/python bench-venv/bin/python; do [ -x "$p" ] && PEER_PYTHONS="${PEER_PYTHONS:-} $p"; done
fi
[ -n "${PEER_PYTHONS:-}" ] || { echo "e2e: no Python with transformers + PEFT: run tests/interop/run.sh or" \
	"bench/torch2-venv.sh, or set PEER_PYTHONS" >&2; exit 1; }
set -- $PEER_PYTHONS
model=${MODEL:-e2e-model-$size}
if [ ! -f "$model/config.json" ]; then
	echo "e2e: making $model (random XLM-R, $size; SentencePiece 8000 trained on $data/text)"
	"$1" - "$model" "$size" "$data" <<'PY'
import glob, os, sys, tempfile
import sentencepiece as spm, torch, transformers
out, size, data = sys.argv[1:]
os.makedirs(out, exist_ok=True)
with tempfile.NamedTemporaryFile("wb", suffix=".txt", delete=False) as f:
    for p in sorted(glob.glob(os.path.join(data, "text", "*", "*.txt"))):
        f.write(b"\n".join(open(p, "rb").read().split(b"\n")[::8]) + b"\n")
spm.SentencePieceTrainer.train(input=f.name, model_prefix=os.path.join(out, "sp"), vocab_size=8000,
                               model_type="unigram", character_coverage=0.9995, minloglevel=2, num_threads=2)
os.unlink(f.name)
os.rename(os.path.join(out, "sp.model"), os.path.join(out, "sentencepiece.bpe.model"))
os.unlink(os.path.join(out, "sp.vocab"))
L, d, H, ffn = (12, 768, 12, 3072) if size == "base" else (4, 256, 4, 1024)
torch.manual_seed(0)
cfg = transformers.XLMRobertaConfig(vocab_size=8000 + 2, hidden_size=d, num_hidden_layers=L, num_attention_heads=H,
                                    intermediate_size=ffn, max_position_embeddings=514, type_vocab_size=1,
                                    pad_token_id=1, bos_token_id=0, eos_token_id=2)
transformers.XLMRobertaForMaskedLM(cfg).save_pretrained(out, safe_serialization=True)
PY
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "e2e: $rounds rounds, $steps steps of $B sentences (max length $T), $threads threads, model $model;" \
	"peers: $PEER_PYTHONS"
for r in $(seq "$rounds"); do
	rm -rf "$out/ws"
	/usr/bin/time -f '%M' -o "$out/rss" "$tamga" --threads "$threads" train --model "$model" --data "$data" \
		--task udpos --source en --targets en --peft lora:layers=all,targets=q+v,r=8,alpha=16 --steps "$steps" \
		--batch "$B" --max-len "$T" --max-train 2000 --max-eval 50 --eval-every 1000000 --lr 5e-4 \
		--workspace "$out/ws" --json --quiet > "$out/t.json"
	echo "{\"round\": $r, \"rss_kb\": $(cat "$out/rss"), \"run\": $(tail -1 "$out/t.json")}" >> "$out/tamga"
	echo "round $r: tamga $(tail -1 "$out/tamga")"
	k=0
	for py in "$@"; do
		k=$((k + 1))
		"$py" "$here/e2e_peft.py" --model "$model" --data "$data" --steps "$steps" --batch "$B" --max-len "$T" \
			--max-train 2000 --threads "$threads" >> "$out/peer$k"
		echo "round $r: peer $k ($py) $(tail -1 "$out/peer$k")"
	done
done
/usr/bin/python3 - "$out" "$@" <<'PY'
import json, statistics, sys
out, peers = sys.argv[1], sys.argv[2:]
t = [json.loads(l) for l in open(f"{out}/tamga")]
tt = statistics.median(x["run"]["tokens_per_s"] for x in t)
tr = statistics.median(x["rss_kb"] / 1024 for x in t)
print(f"tamga train: median {tt:.1f} tokens/s (includes its short evaluation), peak RSS {tr:.0f} MB")
for k, py in enumerate(peers, 1):
    p = [json.loads(l) for l in open(f"{out}/peer{k}")]
    pt = statistics.median(x["tokens_per_s"] for x in p)
    pr = statistics.median(x["peak_rss_mb"] for x in p)
    print(f"peer {k} transformers {p[0]['transformers']} + peft {p[0]['peft']} on torch {p[0]['torch']}: median "
          f"{pt:.1f} tokens/s, peak RSS {pr:.0f} MB; tamga/peer tokens/s {tt / pt:.2f} (per round: "
          + ", ".join("%.2f" % (a["run"]["tokens_per_s"] / b["tokens_per_s"]) for a, b in zip(t, p))
          + f"), peak RSS {tr / pr:.2f}")
PY
