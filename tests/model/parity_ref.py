#!/usr/bin/python3
"""Independent reference for the encoder parity test: a BERT/XLM-R-shaped encoder built from
torch.nn.TransformerEncoderLayer (post-LN, GELU), saved as a Hugging Face folder (config.json + model.safetensors),
with inputs, every layer's hidden states, the MLM logits, a masked-LM loss and the gradients of that loss with
respect to the input embeddings and every weight, saved to expected.safetensors.

usage: parity_ref.py OUTDIR --arch bert|xlm-roberta --layers L --hidden D --heads H --ffn F --vocab V
"""
import argparse, json, os, struct, sys
import torch
import torch.nn as nn
import torch.nn.functional as F


def write_safetensors(path, header, blobs):
    """Write a safetensors file: header (JSON bytes, padded here with spaces to a multiple of 8), then the blobs."""
    header += b" " * ((8 - len(header) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(header)))
        f.write(header)
        for b in blobs:
            f.write(b)


def save_safetensors(path, tensors, metadata=None):
    header, blobs, off = {}, [], 0
    for name in sorted(tensors):
        a = tensors[name].detach().contiguous().to(torch.float32).cpu().numpy()
        b = a.tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [off, off + len(b)]}
        off += len(b)
        blobs.append(b)
    header["__metadata__"] = dict({"format": "pt"}, **(metadata or {}))
    write_safetensors(path, json.dumps(header, separators=(",", ":")).encode(), blobs)


class Reference(nn.Module):
    def __init__(s, a):
        super().__init__()
        d = a.hidden
        s.word = nn.Embedding(a.vocab, d)
        s.pos = nn.Embedding(a.positions, d)
        s.tok_type = nn.Embedding(a.types, d)
        s.ln = nn.LayerNorm(d, eps=a.eps)
        s.layers = nn.ModuleList([nn.TransformerEncoderLayer(d, a.heads, a.ffn, dropout=0.0, activation="gelu",
                                                             layer_norm_eps=a.eps, batch_first=True,
                                                             norm_first=False) for _ in range(a.layers)])
        s.mlm_dense = nn.Linear(d, d)
        s.mlm_ln = nn.LayerNorm(d, eps=a.eps)
        s.mlm_bias = nn.Parameter(torch.zeros(a.vocab))

    def forward(s, emb, pos, types, mask):
        h = s.ln(emb + s.pos(pos) + s.tok_type(types))
        hs = [h]
        for layer in s.layers:
            h = layer(h, src_key_padding_mask=(mask == 0))
            hs.append(h)
        x = s.mlm_ln(F.gelu(s.mlm_dense(h)))
        return hs, x @ s.word.weight.t() + s.mlm_bias


def hf_names(m, a, grads=False):
    """Map the reference's parameters to Hugging Face names (without the bert./roberta. prefix for the body)."""
    g = (lambda p: p.grad) if grads else (lambda p: p)
    bert = a.arch == "bert"
    out = {
        "embeddings.word_embeddings.weight": g(m.word.weight),
        "embeddings.position_embeddings.weight": g(m.pos.weight),
        "embeddings.token_type_embeddings.weight": g(m.tok_type.weight),
        "embeddings.LayerNorm.weight": g(m.ln.weight),
        "embeddings.LayerNorm.bias": g(m.ln.bias),
        ("cls.predictions.transform.dense.weight" if bert else "lm_head.dense.weight"): g(m.mlm_dense.weight),
        ("cls.predictions.transform.dense.bias" if bert else "lm_head.dense.bias"): g(m.mlm_dense.bias),
        ("cls.predictions.transform.LayerNorm.weight" if bert else "lm_head.layer_norm.weight"): g(m.mlm_ln.weight),
        ("cls.predictions.transform.LayerNorm.bias" if bert else "lm_head.layer_norm.bias"): g(m.mlm_ln.bias),
        ("cls.predictions.bias" if bert else "lm_head.bias"): g(m.mlm_bias),
    }
    d = a.hidden
    for i, l in enumerate(m.layers):
        p = f"encoder.layer.{i}."
        W, B = g(l.self_attn.in_proj_weight), g(l.self_attn.in_proj_bias)
        for j, n in enumerate(["query", "key", "value"]):
            out[p + f"attention.self.{n}.weight"] = W[j * d:(j + 1) * d]
            out[p + f"attention.self.{n}.bias"] = B[j * d:(j + 1) * d]
        out[p + "attention.output.dense.weight"] = g(l.self_attn.out_proj.weight)
        out[p + "attention.output.dense.bias"] = g(l.self_attn.out_proj.bias)
        out[p + "attention.output.LayerNorm.weight"] = g(l.norm1.weight)
        out[p + "attention.output.LayerNorm.bias"] = g(l.norm1.bias)
        out[p + "intermediate.dense.weight"] = g(l.linear1.weight)
        out[p + "intermediate.dense.bias"] = g(l.linear1.bias)
        out[p + "output.dense.weight"] = g(l.linear2.weight)
        out[p + "output.dense.bias"] = g(l.linear2.bias)
        out[p + "output.LayerNorm.weight"] = g(l.norm2.weight)
        out[p + "output.LayerNorm.bias"] = g(l.norm2.bias)
    return out


def add_model_args(ap, vocab):
    """The options both references take: OUTDIR and the model and batch shape."""
    ap.add_argument("outdir")
    ap.add_argument("--arch", default="xlm-roberta", choices=["bert", "xlm-roberta"])
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--ffn", type=int, default=256)
    ap.add_argument("--vocab", type=int, default=vocab)
    ap.add_argument("--batch", type=int, default=3)
    ap.add_argument("--seq", type=int, default=11)
    ap.add_argument("--seed", type=int, default=0)


def model_args(ap):
    """Parse, and add what the architecture fixes (LayerNorm eps, pad id, positions, token types)."""
    a = ap.parse_args()
    a.eps = 1e-12 if a.arch == "bert" else 1e-5
    a.pad = 0 if a.arch == "bert" else 1
    a.positions = 64 if a.arch == "bert" else 66
    a.types = 2 if a.arch == "bert" else 1
    return a


def make_model(a):
    """The seeded reference encoder, with larger-than-default random weights so that every path carries signal."""
    torch.manual_seed(a.seed)
    torch.set_num_threads(2)
    m = Reference(a)
    with torch.no_grad():
        for n, p in m.named_parameters():
            if "norm" in n or n.startswith("ln") or "mlm_ln" in n:
                p.copy_(1.0 + 0.2 * torch.randn_like(p) if n.endswith("weight") else 0.1 * torch.randn_like(p))
            else:
                p.normal_(0.0, 0.06 if p.dim() > 1 else 0.05)
    return m


def make_inputs(a):
    """ids, mask (rows of three lengths), positions, token types and MLM labels (every third token ignored)."""
    B, T = a.batch, a.seq
    ids = torch.randint(3, a.vocab, (B, T))
    lengths = [T, max(2, T - 4), max(1, T // 3)][:B] + [T] * max(0, B - 3)
    mask = torch.zeros(B, T, dtype=torch.long)
    for b, n in enumerate(lengths):
        mask[b, :n] = 1
    ids[mask == 0] = a.pad
    if a.arch == "bert":
        pos = torch.arange(T).unsqueeze(0).expand(B, T)
        types = (torch.arange(T) >= T // 2).long().unsqueeze(0).expand(B, T).contiguous() * mask
    else:
        pos = torch.cumsum(mask, 1) * mask + a.pad
        types = torch.zeros(B, T, dtype=torch.long)
    labels = ids.clone()
    labels[(mask == 0) | (torch.arange(T).unsqueeze(0) % 3 == 1)] = -100
    return ids, mask, pos, types, labels


def save_model(a, m):
    """OUTDIR/model.safetensors and config.json, as a Hugging Face masked-LM folder."""
    os.makedirs(a.outdir, exist_ok=True)
    prefix = "bert." if a.arch == "bert" else "roberta."
    weights = {(k if k.startswith(("cls.", "lm_head.")) else prefix + k): v for k, v in hf_names(m, a).items()}
    save_safetensors(os.path.join(a.outdir, "model.safetensors"), weights)
    cfg = {"architectures": ["BertForMaskedLM" if a.arch == "bert" else "XLMRobertaForMaskedLM"],
           "model_type": a.arch, "vocab_size": a.vocab, "hidden_size": a.hidden, "num_hidden_layers": a.layers,
           "num_attention_heads": a.heads, "intermediate_size": a.ffn, "max_position_embeddings": a.positions,
           "type_vocab_size": a.types, "pad_token_id": a.pad, "layer_norm_eps": a.eps, "hidden_act": "gelu",
           "hidden_dropout_prob": 0.0, "attention_probs_dropout_prob": 0.0}
    with open(os.path.join(a.outdir, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)


def main():
    ap = argparse.ArgumentParser()
    add_model_args(ap, vocab=500)
    ap.add_argument("--float32", action="store_true",
                    help="compute the reference in float32 (default: float64, so the reference's own rounding "
                         "does not count against tamga)")
    a = model_args(ap)
    m = make_model(a)
    B, T = a.batch, a.seq
    ids, mask, pos, types, labels = make_inputs(a)
    import copy

    def run(model):
        emb = model.word(ids).detach().requires_grad_(True)
        hs, logits = model(emb, pos, types, mask)
        loss = F.cross_entropy(logits.reshape(B * T, -1), labels.reshape(-1), ignore_index=-100)
        loss.backward()
        return emb, hs, logits, loss

    m32 = copy.deepcopy(m)
    if not a.float32:
        m = m.double()
    emb, hs, logits, loss = run(m)
    # PyTorch's own float32 error against the float64 result, per gradient: the noise floor of float32 arithmetic
    # for that tensor (attention's dQ/dK suffer cancellation in P * (dP - rowsum(P dP)) when rows are near uniform).
    emb32, _, _, _ = run(m32)
    g64, g32 = hf_names(m, a, grads=True), hf_names(m32, a, grads=True)
    g64["inputs_embeds"], g32["inputs_embeds"] = emb.grad, emb32.grad

    def relerr(x, ref, floor):
        return ((x.double() - ref.double()).abs().max() / max(ref.double().abs().max().item(), floor)).item()
    floor = emb.grad.abs().max().item() * 1e-3
    torch_err = {k: relerr(g32[k], g64[k], floor) for k in g64}

    save_model(a, m)
    exp = {"input.ids": ids.float(), "input.mask": mask.float(), "input.types": types.float(),
           "input.labels": labels.float(), "loss": loss.detach().reshape(1),
           "logits": logits.detach().reshape(B * T, -1), "grad.inputs_embeds": emb.grad.reshape(B * T, -1)}
    for i, h in enumerate(hs):
        exp[f"hidden.{i}"] = h.detach().reshape(B * T, -1)
    for k, v in hf_names(m, a, grads=True).items():
        exp["grad." + k] = v
    for k, v in torch_err.items():
        exp["torch_f32_err." + k] = torch.tensor([v])
    worst = max(torch_err, key=torch_err.get)
    print(f"# PyTorch float32 vs float64: worst gradient relative error {torch_err[worst]:.3g} ({worst})")
    save_safetensors(os.path.join(a.outdir, "expected.safetensors"), exp)
    print(f"# reference: {a.arch} L={a.layers} d={a.hidden} H={a.heads} ffn={a.ffn} V={a.vocab} "
          f"B={B} T={T} loss={loss.item():.6f}")


if __name__ == "__main__":
    sys.exit(main())
