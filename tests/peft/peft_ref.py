#!/usr/bin/python3
"""Independent PyTorch reference for PEFT parity: the encoder of tests/model/parity_ref.py (weights from
torch.nn.TransformerEncoderLayer, checked against the layer itself) run with LoRA, Pfeiffer, Houlsby, parallel and
MAD-X modules as torch_peft.py and AdapterHub define them, with random (non-zero) PEFT weights. Writes the model
(config.json + model.safetensors), the PEFT weights in the files tamga loads (adapter/: Hugging Face PEFT layout
for LoRA, tamga's layout for adapters; lang/: a MAD-X language adapter stacked below, frozen), and
expected.safetensors: inputs, the masked-LM loss and logits, and the loss's gradient for every trainable PEFT
weight (computed in float64; the float32 error of PyTorch itself is stored as torch_f32_err.*).

usage: peft_ref.py OUTDIR --case lora|lora-mixed|pfeiffer|houlsby|parallel|madx|madx-stack [model options]
"""
import argparse, copy, json, math, os, struct, sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.environ.get("TAMGA_TEST_SRCDIR", os.path.join(os.path.dirname(
    os.path.abspath(__file__)), "..", "..")), "tests", "model"))
import parity_ref  # noqa: E402  (Reference, hf_names)

SITES = {"q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
         "o": "attention.output.dense", "ffn_in": "intermediate.dense", "ffn_out": "output.dense"}
ACTS = {"relu": F.relu, "gelu": F.gelu, "swish": F.silu, "tanh": torch.tanh}


def save_safetensors(path, tensors, metadata=None):
    header, blobs, off = {}, [], 0
    for name in sorted(tensors):
        a = tensors[name].detach().contiguous().to(torch.float32).cpu().numpy()
        b = a.tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [off, off + len(b)]}
        off += len(b)
        blobs.append(b)
    header["__metadata__"] = dict({"format": "pt"}, **(metadata or {}))
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


# ----------------------------------------------------------------------------------------------- PEFT modules
class Peft:
    """One method's weights (tamga names) and how they act."""

    def __init__(self, kind, L, d, ffn, g, layers=None, targets=("q", "v"), r=4, alpha=8.0, rslora=False,
                 rank_pattern=None, m=8, act="relu", scaling=1.0, where=("ffn",), inv_red=2):
        self.kind, self.act, self.scaling = kind, act, scaling
        self.layers = list(range(L)) if layers is None else layers
        self.w, self.lora, self.bn, self.inv = {}, {}, {}, None

        def rnd(*shape, sd=0.2):
            return torch.randn(*shape, generator=g) * sd

        if kind == "lora":
            for l in self.layers:
                for t in targets:
                    rr = (rank_pattern or {}).get((l, t), r)
                    fin = ffn if t == "ffn_out" else d
                    fout = ffn if t == "ffn_in" else d
                    pre = f"encoder.layer.{l}.{SITES[t]}"
                    self.w[pre + ".lora_A.weight"] = rnd(rr, fin, sd=1.0 / math.sqrt(fin))
                    self.w[pre + ".lora_B.weight"] = rnd(fout, rr, sd=0.1)   # non-zero, so that dA is checked
                    self.lora[(l, t)] = (pre, alpha / (math.sqrt(rr) if rslora else rr))
        else:
            for l in self.layers:
                for pt in where:
                    pre = f"encoder.layer.{l}.{'attention.output.adapter' if pt == 'attn' else 'output.adapter'}"
                    self.w[pre + ".down.weight"] = rnd(m, d)
                    self.w[pre + ".down.bias"] = rnd(m, sd=0.05)
                    self.w[pre + ".up.weight"] = rnd(d, m)                   # non-zero (identity at init in tamga)
                    self.w[pre + ".up.bias"] = rnd(d, sd=0.05)
                    self.bn[(l, pt)] = pre
            if kind == "madx":
                d1, d2 = d // 2, d - d // 2
                hf, hg = int(d2 // inv_red), int(d1 // inv_red)
                for n, shp in (("F.0.weight", (hf, d2)), ("F.0.bias", (hf,)), ("F.2.weight", (d1, hf)),
                               ("F.2.bias", (d1,)), ("G.0.weight", (hg, d1)), ("G.0.bias", (hg,)),
                               ("G.2.weight", (d2, hg)), ("G.2.bias", (d2,))):
                    self.w["invertible_adapter." + n] = rnd(*shp, sd=0.2 if "weight" in n else 0.05)
                self.inv = (d1, d2)

    def params(self, dtype):
        return {k: v.to(dtype).clone().requires_grad_(True) for k, v in self.w.items()}

    # --- how they act (P: this method's weights as leaves of the current run)
    def linear(self, P, l, site, x, y):
        if (l, site) in self.lora:
            pre, s = self.lora[(l, site)]
            y = y + s * F.linear(F.linear(x, P[pre + ".lora_A.weight"]), P[pre + ".lora_B.weight"])
        return y

    def _bn(self, P, pre, x):
        a = ACTS[self.act](F.linear(x, P[pre + ".down.weight"], P[pre + ".down.bias"]))
        return F.linear(a, P[pre + ".up.weight"], P[pre + ".up.bias"])

    def adapter(self, P, l, pt, h, residual):
        if (l, pt) not in self.bn:
            return h
        pre = self.bn[(l, pt)]
        if self.kind == "parallel":                      # AdapterHub par_bn: adapter of the sub-layer input
            return h + self.scaling * self._bn(P, pre, residual)
        return h + self.scaling * self._bn(P, pre, h)    # torch_peft.py: x + up(act(down(x)))

    def _sub(self, P, which, x):
        a = ACTS[self.act](F.linear(x, P[f"invertible_adapter.{which}.0.weight"], P[f"invertible_adapter.{which}.0.bias"]))
        return F.linear(a, P[f"invertible_adapter.{which}.2.weight"], P[f"invertible_adapter.{which}.2.bias"])

    def embed(self, P, h, rev=False):                   # AdapterHub NICECouplingBlock
        if self.inv is None:
            return h
        d1 = self.inv[0]
        x1, x2 = h[..., :d1], h[..., d1:]
        if not rev:
            y1 = x1 + self._sub(P, "F", x2)
            y2 = x2 + self._sub(P, "G", y1)
        else:
            y2 = x2 - self._sub(P, "G", x1)
            y1 = x1 - self._sub(P, "F", y2)
        return torch.cat([y1, y2], -1)


# ----------------------------------------------------------------------------------------------- the encoder, by hand
def layer_forward(layer, x, mask, stack, l):
    """nn.TransformerEncoderLayer (post-LN, GELU, no dropout) written out, with the PEFT hooks of tamga's encoder."""
    B, T, d = x.shape
    H = layer.self_attn.num_heads
    W, Bi = layer.self_attn.in_proj_weight, layer.self_attn.in_proj_bias

    def site(name, inp, w, b):
        y = F.linear(inp, w, b)
        for P, p in stack:
            y = p.linear(P, l, name, inp, y)
        return y

    q = site("q", x, W[:d], Bi[:d])
    k = site("k", x, W[d:2 * d], Bi[d:2 * d])
    v = site("v", x, W[2 * d:], Bi[2 * d:])
    sh = lambda t: t.view(B, T, H, d // H).transpose(1, 2)
    s = sh(q) @ sh(k).transpose(-1, -2) / math.sqrt(d // H)
    s = s.masked_fill((mask == 0)[:, None, None, :], float("-inf"))
    ctx = (torch.softmax(s, -1) @ sh(v)).transpose(1, 2).reshape(B, T, d)
    a = site("o", ctx, layer.self_attn.out_proj.weight, layer.self_attn.out_proj.bias)
    for P, p in stack:
        a = p.adapter(P, l, "attn", a, x)
    h1 = layer.norm1(x + a)
    f = F.gelu(site("ffn_in", h1, layer.linear1.weight, layer.linear1.bias))
    f = site("ffn_out", f, layer.linear2.weight, layer.linear2.bias)
    for P, p in stack:
        f = p.adapter(P, l, "ffn", f, h1)
    return layer.norm2(h1 + f)


def forward(m, stack, ids, pos, types, mask):
    h = m.ln(m.word(ids) + m.pos(pos) + m.tok_type(types))
    for P, p in stack:                                  # lower first
        h = p.embed(P, h)
    for l, layer in enumerate(m.layers):
        h = layer_forward(layer, h, mask, stack, l)
    x = m.mlm_ln(F.gelu(m.mlm_dense(h)))
    for P, p in reversed(stack):                        # the inverse, upper first
        x = p.embed(P, x, rev=True)
    return x @ m.word.weight.t() + m.mlm_bias


# ----------------------------------------------------------------------------------------------- files tamga loads
def write_lora(dirname, p, L, peft_cfg):
    os.makedirs(dirname, exist_ok=True)
    # as save_pretrained writes it for XLMRobertaForMaskedLM: base_model.model.roberta.encoder...
    save_safetensors(os.path.join(dirname, "adapter_model.safetensors"),
                     {"base_model.model.roberta." + k: v for k, v in p.w.items()})
    cfg = {"alpha_pattern": {}, "auto_mapping": None, "base_model_name_or_path": "reference", "bias": "none",
           "fan_in_fan_out": False, "inference_mode": True, "init_lora_weights": True, "layer_replication": None,
           "layers_pattern": None, "layers_to_transform": None, "loftq_config": {}, "lora_alpha": 8,
           "lora_dropout": 0.0, "megatron_config": None, "megatron_core": "megatron.core", "modules_to_save": None,
           "peft_type": "LORA", "r": 4, "rank_pattern": {}, "revision": None, "target_modules": ["query", "value"],
           "task_type": None, "use_dora": False, "use_rslora": False}
    cfg.update(peft_cfg)
    with open(os.path.join(dirname, "adapter_config.json"), "w") as f:
        json.dump(cfg, f, indent=2, sort_keys=True)


def write_tamga(dirname, p, spec, d, L):
    os.makedirs(dirname, exist_ok=True)
    save_safetensors(os.path.join(dirname, "adapter_model.safetensors"), p.w,
                     {"tamga_format": "tamga-peft", "tamga_format_version": "1", "tamga_spec": spec})
    with open(os.path.join(dirname, "adapter_config.json"), "w") as f:
        json.dump({"peft_type": "TAMGA", "tamga_format": "tamga-peft", "tamga_format_version": 1,
                   "method": spec.split(":")[0], "spec": spec, "hidden_size": d, "num_hidden_layers": L,
                   "layers": p.layers}, f, indent=2)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--case", required=True,
                    choices=["lora", "lora-mixed", "pfeiffer", "houlsby", "parallel", "madx", "madx-stack"])
    ap.add_argument("--arch", default="xlm-roberta", choices=["bert", "xlm-roberta"])
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--ffn", type=int, default=256)
    ap.add_argument("--vocab", type=int, default=300)
    ap.add_argument("--batch", type=int, default=3)
    ap.add_argument("--seq", type=int, default=11)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    a.eps = 1e-12 if a.arch == "bert" else 1e-5
    a.pad = 0 if a.arch == "bert" else 1
    a.positions = 64 if a.arch == "bert" else 66
    a.types = 2 if a.arch == "bert" else 1
    torch.manual_seed(a.seed)
    torch.set_num_threads(2)
    m = parity_ref.Reference(a)
    with torch.no_grad():      # as parity_ref.py: larger-than-default weights so that every path carries signal
        for n, p in m.named_parameters():
            if "norm" in n or n.startswith("ln") or "mlm_ln" in n:
                p.copy_(1.0 + 0.2 * torch.randn_like(p) if n.endswith("weight") else 0.1 * torch.randn_like(p))
            else:
                p.normal_(0.0, 0.06 if p.dim() > 1 else 0.05)
    B, T, L, d = a.batch, a.seq, a.layers, a.hidden
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

    # the hand-written layer is nn.TransformerEncoderLayer
    with torch.no_grad():
        x = torch.randn(B, T, d)
        ref = m.layers[0](x, src_key_padding_mask=(mask == 0))
        mine = layer_forward(m.layers[0], x, mask, [], 0)
        err = (ref - mine)[mask == 1].abs().max().item()
        assert err < 1e-5, f"hand-written layer differs from nn.TransformerEncoderLayer by {err}"

    g = torch.Generator().manual_seed(a.seed + 7)
    lang = None
    os.makedirs(a.outdir, exist_ok=True)
    adir, ldir = os.path.join(a.outdir, "adapter"), os.path.join(a.outdir, "lang")
    if a.case == "lora":
        top = Peft("lora", L, d, a.ffn, g, targets=("q", "v"), r=4, alpha=8.0)
        write_lora(adir, top, L, {})
    elif a.case == "lora-mixed":
        layers = list(range(1, L))
        rp = {(L - 1, "v"): 5}
        top = Peft("lora", L, d, a.ffn, g, layers=layers, targets=("q", "k", "v", "o", "ffn_in", "ffn_out"), r=3,
                   alpha=6.0, rslora=True, rank_pattern=rp)
        write_lora(adir, top, L, {"r": 3, "lora_alpha": 6, "use_rslora": True, "layers_to_transform": layers,
                                  "target_modules": ["query", "key", "value", "dense"],
                                  "rank_pattern": {f"encoder.layer.{L - 1}.attention.self.value": 5}})
    elif a.case == "pfeiffer":
        top = Peft("pfeiffer", L, d, a.ffn, g, m=8, act="relu")
        write_tamga(adir, top, "pfeiffer:layers=all,dim=8,act=relu", d, L)
    elif a.case == "houlsby":
        top = Peft("houlsby", L, d, a.ffn, g, m=16, act="gelu", where=("attn", "ffn"))
        write_tamga(adir, top, "houlsby:layers=all,dim=16,act=gelu", d, L)
    elif a.case == "parallel":
        top = Peft("parallel", L, d, a.ffn, g, m=8, act="relu", scaling=4.0)
        write_tamga(adir, top, "parallel:layers=all,dim=8,act=relu,scaling=4", d, L)
    elif a.case == "madx":
        top = Peft("madx", L, d, a.ffn, g, m=d // 2, act="relu", inv_red=2)
        write_tamga(adir, top, "madx-lang:layers=all,reduction=2,act=relu,inv_reduction=2", d, L)
    else:   # madx-stack: a task adapter trained on a frozen MAD-X language adapter
        lang = Peft("madx", L, d, a.ffn, g, m=d // 2, act="relu", inv_red=2)
        write_tamga(ldir, lang, "madx-lang:layers=all,reduction=2,act=relu,inv_reduction=2", d, L)
        top = Peft("pfeiffer", L, d, a.ffn, g, m=8, act="relu")
        write_tamga(adir, top, "pfeiffer:layers=all,dim=8,act=relu", d, L)

    def run(model, dtype):
        P = top.params(dtype)
        stack = ([(lang.params(dtype), lang)] if lang else []) + [(P, top)]
        if lang:
            for t in stack[0][0].values():
                t.requires_grad_(False)
        logits = forward(model, stack, ids, pos, types, mask)
        loss = F.cross_entropy(logits.reshape(B * T, -1), labels.reshape(-1), ignore_index=-100)
        loss.backward()
        return logits, loss, {k: v.grad for k, v in P.items()}

    m32 = copy.deepcopy(m)
    for p in list(m.parameters()) + list(m32.parameters()):
        p.requires_grad_(False)
    logits, loss, grads = run(m.double(), torch.float64)
    _, loss32, grads32 = run(m32, torch.float32)
    floor = max(v.abs().max().item() for v in grads.values()) * 1e-3
    torch_err = {k: ((grads32[k].double() - grads[k]).abs().max() / max(grads[k].abs().max().item(), floor)).item()
                 for k in grads}

    prefix = "bert." if a.arch == "bert" else "roberta."
    weights = {(k if k.startswith(("cls.", "lm_head.")) else prefix + k): v for k, v in parity_ref.hf_names(m, a).items()}
    save_safetensors(os.path.join(a.outdir, "model.safetensors"), weights)
    cfg = {"architectures": ["BertForMaskedLM" if a.arch == "bert" else "XLMRobertaForMaskedLM"],
           "model_type": a.arch, "vocab_size": a.vocab, "hidden_size": d, "num_hidden_layers": L,
           "num_attention_heads": a.heads, "intermediate_size": a.ffn, "max_position_embeddings": a.positions,
           "type_vocab_size": a.types, "pad_token_id": a.pad, "layer_norm_eps": a.eps, "hidden_act": "gelu",
           "hidden_dropout_prob": 0.0, "attention_probs_dropout_prob": 0.0}
    with open(os.path.join(a.outdir, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    exp = {"input.ids": ids.float(), "input.mask": mask.float(), "input.types": types.float(),
           "input.labels": labels.float(), "loss": loss.detach().reshape(1),
           "logits": logits.detach().reshape(B * T, -1)}
    for k, v in grads.items():
        exp["grad." + k] = v
        exp["torch_f32_err." + k] = torch.tensor([torch_err[k]])
    save_safetensors(os.path.join(a.outdir, "expected.safetensors"), exp)
    worst = max(torch_err, key=torch_err.get)
    print(f"# reference {a.case}: {a.arch} L={L} d={d} B={B} T={T} loss={loss.item():.6f} (float32 {loss32.item():.6f}); "
          f"{len(grads)} trainable PEFT tensors; PyTorch float32 error up to {torch_err[worst]:.2g}")


if __name__ == "__main__":
    sys.exit(main())
