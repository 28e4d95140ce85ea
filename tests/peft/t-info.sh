#!/bin/sh
# tamga info: a model folder's architecture, parameter counts and tokenizer; with --peft what a spec trains.
T=${TAMGA_TEST_BUILDDIR:-.}/tamga
PY=${PYTHON3:-python3}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
n=0; fail=0
t() { n=$((n+1)); if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; echo "$out" | sed 's/^/# /'; fail=1; fi; }
if ! $T info --help 2>/dev/null | grep -q "usage: tamga info"; then
	echo "1..0 # SKIP this tamga has no info command yet"; exit 0
fi
# A tiny BERT folder (2 layers, d=32, ffn 64, vocab 40): config.json, model.safetensors of zeros, vocab.txt.
$PY - "$tmp/bert" > /dev/null <<'PYEOF'
import json, os, struct, sys
d = sys.argv[1]; os.makedirs(d)
L, H, F, V, P = 2, 32, 64, 40, 16
json.dump({"model_type": "bert", "vocab_size": V, "hidden_size": H, "num_hidden_layers": L, "num_attention_heads": 4,
           "intermediate_size": F, "max_position_embeddings": P, "type_vocab_size": 2, "hidden_act": "gelu"},
          open(os.path.join(d, "config.json"), "w"))
shapes = {"bert.embeddings.word_embeddings.weight": [V, H], "bert.embeddings.position_embeddings.weight": [P, H],
          "bert.embeddings.token_type_embeddings.weight": [2, H], "bert.embeddings.LayerNorm.weight": [H],
          "bert.embeddings.LayerNorm.bias": [H], "bert.pooler.dense.weight": [H, H], "bert.pooler.dense.bias": [H]}
for l in range(L):
    p = f"bert.encoder.layer.{l}."
    for m in ("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"):
        shapes[p + m + ".weight"] = [H, H]; shapes[p + m + ".bias"] = [H]
    shapes[p + "intermediate.dense.weight"] = [F, H]; shapes[p + "intermediate.dense.bias"] = [F]
    shapes[p + "output.dense.weight"] = [H, F]; shapes[p + "output.dense.bias"] = [H]
    for m in ("attention.output.LayerNorm", "output.LayerNorm"):
        shapes[p + m + ".weight"] = [H]; shapes[p + m + ".bias"] = [H]
hdr, off = {}, 0
for k in sorted(shapes):
    n = 4
    for s in shapes[k]: n *= s
    hdr[k] = {"dtype": "F32", "shape": shapes[k], "data_offsets": [off, off + n]}; off += n
h = json.dumps(hdr, separators=(",", ":")).encode(); h += b" " * ((8 - len(h) % 8) % 8)
with open(os.path.join(d, "model.safetensors"), "wb") as f:
    f.write(struct.pack("<Q", len(h))); f.write(h); f.write(b"\0" * off)
with open(os.path.join(d, "vocab.txt"), "w") as f:
    f.write("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + [f"w{i}" for i in range(35)]) + "\n")
print(sum(int(v["data_offsets"][1] - v["data_offsets"][0]) // 4 for v in hdr.values()))
PYEOF
out=$($T info "$tmp/bert" 2>&1); rc=$?
t "info prints the architecture" '[ $rc = 0 ] && echo "$out" | grep -q "2 layers, hidden 32, 4 heads, FFN 64 (gelu), vocab 40"'
t "info counts the parameters by component" 'echo "$out" | grep -q "total *20,064" && echo "$out" | grep -q "^  pooler *1,056"'
t "info counts the parameters per layer" 'echo "$out" | grep -q "^  0 *4,224 *4,192 *128 *8,544"'
t "info describes the tokenizer" 'echo "$out" | grep -q "^tokenizer  .*40 "'
out=$($T info "$tmp/bert" --peft lora:layers=0,targets=q+v,r=2 2>&1); rc=$?
t "--peft gives the trainable parameters per layer and in total" '[ $rc = 0 ] && echo "$out" | grep -q "trainable  256 parameters" && echo "$out" | grep -q "^  0 *128 *128 *256"'
t "--peft gives the lowest trainable layer and the FLOPs per step at 16 x 128" 'echo "$out" | grep -q "lowest     layer 0" && echo "$out" | grep -q "per step at batch 16 x 128"'
out=$($T info "$tmp/bert" --peft madx-lang --batch 4 --seq 8 2>&1)
t "MAD-X trains from the embeddings up" 'echo "$out" | grep -q "lowest     the embeddings" && echo "$out" | grep -q "batch 4 x 8"'
out=$($T info "$tmp/bert" --peft lora:layers=0-5 2>&1); rc=$?
t "a layer the model lacks is refused, naming the layer count" '[ $rc = 2 ] && echo "$out" | grep -q "layer 5 does not exist (the model has 2 layers, 0-1)"'
out=$($T info "$tmp/bert" --peft lora:rank=x 2>&1); rc=$?
t "a bad spec is refused, naming the key" '[ $rc = 2 ] && echo "$out" | grep -q "r=x: expected a positive integer rank"'
out=$($T info "$tmp/bert" --peft pfeiffer --match lora:r=4 2>&1); rc=$?
t "--match sizes an adapter to a LoRA budget" '[ $rc = 0 ] && echo "$out" | grep -q "^matched"'
out=$($T info "$tmp/bert" --peft houlsby --json 2>&1); rc=$?
t "--json prints one JSON object" '[ $rc = 0 ] && echo "$out" | $PY -c "import json,sys; o=json.load(sys.stdin); assert o[\"parameters\"] == 20064 and o[\"peft\"][\"trainable\"] == 2 * 2 * (2 * 32 * 2 + 2 + 32)"'
# issue 22: a folder whose config.json disagrees with its weights, or that has no weights, exited 0
cp -r "$tmp/bert" "$tmp/deep"
sed 's/"num_hidden_layers": 2/"num_hidden_layers": 1024/' "$tmp/bert/config.json" > "$tmp/deep/config.json"
out=$($T info "$tmp/deep" 2>&1); rc=$?
t "1,024 layers in config.json over 2-layer weights: exit 1, one line saying so" '[ $rc = 1 ] && echo "$out" | grep -q "^tamga info: .*deep/config.json has 1024 layers (num_hidden_layers), but the weights hold 2$"'
out=$($T info "$tmp/deep" --json 2>/dev/null); rc=$?
t "--json carries the error" '[ $rc = 1 ] && echo "$out" | $PY -c "import json,sys; o=json.load(sys.stdin); assert \"weights hold 2\" in o[\"error\"]"'
out=$($T info "$tmp/bert" --json 2>&1); rc=$?
t "--json of a good folder: exit 0, error null" '[ $rc = 0 ] && echo "$out" | $PY -c "import json,sys; o=json.load(sys.stdin); assert o[\"error\"] is None"'
rm "$tmp/deep/model.safetensors"
out=$($T info "$tmp/deep" 2>&1); rc=$?
t "no weights: the counts from config.json, then exit 1 naming what is missing" '[ $rc = 1 ] && echo "$out" | grep -q "counts below are from config.json" && echo "$out" | grep -q "^tamga info: .*no model.safetensors"'
out=$($T info 2>&1); rc=$?
t "no folder: usage and exit 2" '[ $rc = 2 ] && echo "$out" | grep -q "usage: tamga info"'
out=$($T info "$tmp/nothing" 2>&1); rc=$?
t "a folder without config.json: exit 1 naming the file" '[ $rc = 1 ] && echo "$out" | grep -q "config.json"'
echo "1..$n"
exit $fail
