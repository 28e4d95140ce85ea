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
import argparse, copy, json, math, os, sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.environ.get("TAMGA_TEST_SRCDIR", os.path.join(os.path.dirname(
    os.path.abspath(__file__)), "..", "..")), "tests", "model"))
import parity_ref  # noqa: E402  (the encoder, its inputs, its files)

SITES = {"q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
         "o": "attention.output.dense", "ffn_in": "intermediate.dense", "ffn_out": "output.dense"}
ACTS = {"relu": F.relu, "gelu": F.gelu, "swish": F.silu, "tanh": torch.tanh}


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
    parity_ref.save_safetensors(os.path.join(dirname, "adapter_model.safetensors"),
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
    parity_ref.save_safetensors(os.path.join(dirname, "adapter_model.safetensors"), p.w,
                                {"tamga_format": "tamga-peft", "tamga_format_version": "1", "tamga_spec": spec})
    with open(os.path.join(dirname, "adapter_config.json"), "w") as f:
        json.dump({"peft_type": "TAMGA", "tamga_format": "tamga-peft", "tamga_format_version": 1,
                   "method": spec.split(":")[0], "spec": spec, "hidden_size": d, "num_hidden_layers": L,
                   "layers": p.layers}, f, indent=2)


def main():
    ap = argparse.ArgumentParser()
    parity_ref.add_model_args(ap, vocab=300)
    ap.add_argument("--case", required=True,
                    choices=["lora", "lora-mixed", "pfeiffer", "houlsby", "parallel", "madx", "madx-stack"])
    a = parity_ref.model_args(ap)
    m = parity_ref.make_model(a)
    B, T, L, d = a.batch, a.seq, a.layers, a.hidden
    ids, mask, pos, types, labels = parity_ref.make_inputs(a)

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

    parity_ref.save_model(a, m)
    exp = {"input.ids": ids.float(), "input.mask": mask.float(), "input.types": types.float(),
           "input.labels": labels.float(), "loss": loss.detach().reshape(1),
           "logits": logits.detach().reshape(B * T, -1)}
    for k, v in grads.items():
        exp["grad." + k] = v
        exp["torch_f32_err." + k] = torch.tensor([torch_err[k]])
    parity_ref.save_safetensors(os.path.join(a.outdir, "expected.safetensors"), exp)
    worst = max(torch_err, key=torch_err.get)
    print(f"# reference {a.case}: {a.arch} L={L} d={d} B={B} T={T} loss={loss.item():.6f} (float32 {loss32.item():.6f}); "
          f"{len(grads)} trainable PEFT tensors; PyTorch float32 error up to {torch_err[worst]:.2g}")


if __name__ == "__main__":
    sys.exit(main())
