#!/usr/bin/env python3
"""tamga against the Hugging Face libraries themselves (run by tests/interop/t-interop.sh in the virtual environment
of tests/interop/requirements.txt; prints TAP, exits 1 on any mismatch).

  peft-out   LoRA trained by tamga (interop-tool forward --train, several layer sets, targets, ranks, rsLoRA, rank
             and alpha patterns; tg_peft_save) on small random XLM-R and BERT models built by transformers
             (save_pretrained), loaded with PeftModel.from_pretrained; the head trained with it loaded into the
             transformers *For{TokenClassification,SequenceClassification,MultipleChoice} class; hidden states of
             every layer and the task logits compared with tamga's (max relative error <= 1e-4).
  peft-in    LoRA trained by PEFT (layers_to_transform, target_modules as a list and as a regex, rank/alpha
             patterns, rsLoRA, modules_to_save for the classifier), loaded by tamga (tg_peft_load) with the head
             from the adapter file; compared the same way. PEFT configs tamga cannot represent are refused with a
             message naming the field.
  tokenizers BPE (byte-level), Unigram (Metaspace) and WordPiece (BERT) trained with `tokenizers` on the data root's
             raw text; every sentence of the data root (text/, parallel/, tatoeba/, deduplicated per language)
             encoded by tamga (tokenizer.json) and by the library: ids, and the whitespace word each token belongs
             to (tamga's word_of against the word holding the library's character offsets); also an XLM-R-style
             SentencePiece model trained here, through transformers.XLMRobertaTokenizer and XLMRobertaTokenizerFast
             (the fast one where it agrees with the slow one: they break Viterbi ties differently, and tamga reads
             a .model with SentencePiece). Mismatches are reported per language; any mismatch fails, except the
             word of a token that follows words made only of U+200B-like characters (counted and reported).

usage: interop.py --tool PATH [--only peft-out,peft-in,tokenizers] [--keep DIR]
"""
import argparse, bisect, collections, json, os, re, shutil, subprocess, sys, tempfile, time, unicodedata

import numpy as np
import torch

import peft
import tokenizers
import transformers
from safetensors.numpy import load_file, save_file
from safetensors.torch import load_file as load_file_pt

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from taplib import ok, diag, done  # noqa: E402

transformers.logging.set_verbosity_error()
TOL = 1e-4


def rel_err(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.shape != b.shape:
        return float("inf")
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-30))


# ----------------------------------------------------------------------------------------------- models and inputs
ARCH = {
    "xlm-roberta": (transformers.XLMRobertaConfig, {"tagging": transformers.XLMRobertaForTokenClassification,
                                                     "pair": transformers.XLMRobertaForSequenceClassification,
                                                     "choice": transformers.XLMRobertaForMultipleChoice}),
    "bert": (transformers.BertConfig, {"tagging": transformers.BertForTokenClassification,
                                       "pair": transformers.BertForSequenceClassification,
                                       "choice": transformers.BertForMultipleChoice}),
}
VOCAB, T = 160, 12


def make_model(arch, head, classes, out, seed, layers=4, d=64, heads=4, ffn=128):
    """A random transformers model with every weight perturbed (so biases and layer norms are not trivial)."""
    torch.manual_seed(seed)
    cfgcls, classes_of = ARCH[arch]
    kw = dict(vocab_size=VOCAB, hidden_size=d, num_hidden_layers=layers, num_attention_heads=heads,
              intermediate_size=ffn, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
              initializer_range=0.1, num_labels=classes)
    if arch == "xlm-roberta":
        kw.update(max_position_embeddings=T + 4, type_vocab_size=1, pad_token_id=1, bos_token_id=0, eos_token_id=2)
    else:
        kw.update(max_position_embeddings=T + 2, type_vocab_size=2, pad_token_id=0)
    model = classes_of[head](cfgcls(**kw))
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.05)
    model.eval()
    model.save_pretrained(out, safe_serialization=True)
    return model


def make_inputs(arch, head, classes, path, seed, B=3):
    """B sequences of T tokens (choice: 2 items x 3 choices), the last ones padded, with labels for training."""
    g = np.random.default_rng(seed)
    rows = 6 if head == "choice" else B
    pad, cls, sep = (1, 0, 2) if arch == "xlm-roberta" else (0, 2, 3)
    ids = g.integers(5, VOCAB, size=(rows, T))
    mask = np.ones((rows, T), np.float32)
    types = np.zeros((rows, T), np.int64)
    for i in range(rows):
        n = T - (i % 3) * 3
        ids[i, 0], ids[i, n - 1] = cls, sep
        ids[i, n:] = pad
        mask[i, n:] = 0
        if arch == "bert":
            types[i, n // 2:n] = 1
    tok_labels = np.where(mask > 0, g.integers(0, classes, size=(rows, T)), -100)
    label = g.integers(0, 3 if head == "choice" else classes, size=(rows // 3 if head == "choice" else rows,))
    save_file({"input.ids": ids.astype(np.float32), "input.mask": mask, "input.types": types.astype(np.float32),
               "input.tok_labels": tok_labels.astype(np.float32), "input.label": label.astype(np.float32)}, path)
    t = {"input_ids": torch.tensor(ids), "attention_mask": torch.tensor(mask.astype(np.int64)),
         "token_type_ids": torch.tensor(types)}
    if head == "choice":
        t = {k: v.view(2, 3, T) for k, v in t.items()}
    lab = torch.tensor(tok_labels) if head == "tagging" else torch.tensor(label)
    return t, lab, mask.reshape(-1) > 0


def changes(name, tamga_out, base_logits, real):
    """The adapter must matter: tamga's logits differ from those of the model without it."""
    e = logits_err(load_file(tamga_out)["logits"], base_logits, real)
    ok(e > 1e-3, f"{name}: the adapter changes the logits (relative change {e:.2g}), so the comparison means something")


def hf_outputs(model, inputs):
    with torch.no_grad():
        o = model(**inputs, output_hidden_states=True)
    return [h.reshape(-1, h.shape[-1]).numpy() for h in o.hidden_states], o.logits.reshape(-1, o.logits.shape[-1]).numpy()


def compare(name, tamga_out, hidden, logits, real):
    """Hidden states (real tokens; padding rows are not part of either library's contract) and logits."""
    t = load_file(tamga_out)
    worst, where = 0.0, ""
    for k, h in enumerate(hidden):
        e = rel_err(t[f"hidden.{k}"][real], h[real])
        if e > worst:
            worst, where = e, f"hidden.{k}"
    ok(worst <= TOL and len(hidden) == sum(1 for k in t if k.startswith("hidden.")),
       f"{name}: hidden states of all {len(hidden)} layers agree (max relative error {worst:.2g}{', ' + where if where else ''})")
    e = logits_err(t["logits"], logits, real)
    ok(e <= TOL, f"{name}: task logits {list(logits.shape)} agree (relative error {e:.2g})")


def logits_err(tl, logits, real):
    tl = tl.reshape(logits.shape)
    if logits.shape[0] == real.shape[0]:             # token classification: real tokens only
        tl, logits = tl[real], logits[real]
    return rel_err(tl, logits)


def tool(args, cmd, name, expect_ok=True):
    r = subprocess.run([args.tool] + cmd, capture_output=True, text=True)
    if expect_ok and r.returncode != 0:
        ok(False, f"{name}: interop-tool {' '.join(cmd[:1])} failed: {r.stderr.strip()}")
        return None
    return r


# ----------------------------------------------------------------------------------------------- tamga -> PEFT
HF_HEAD = {  # tamga's head names -> the transformers class's (pooler + classifier = classifier.dense + out_proj)
    ("xlm-roberta", "tagging"): {}, ("bert", "tagging"): {},
    ("xlm-roberta", "pair"): {},
    ("bert", "pair"): {"classifier.dense.": "bert.pooler.dense.", "classifier.out_proj.": "classifier."},
    ("xlm-roberta", "choice"): {"classifier.dense.": "roberta.pooler.dense.", "classifier.out_proj.": "classifier."},
    ("bert", "choice"): {"classifier.dense.": "bert.pooler.dense.", "classifier.out_proj.": "classifier."},
}


def load_tamga_head(model, arch, head, path):
    sd = {}
    for k, v in load_file_pt(path).items():
        for a, b in HF_HEAD[(arch, head)].items():
            if k.startswith(a):
                k = b + k[len(a):]
        sd[k] = v
    missing, unexpected = model.load_state_dict(sd, strict=False)
    if unexpected:
        raise RuntimeError(f"head tensors not in the model: {unexpected}")
    return len(sd)


OUT_CASES = [
    # name, arch, head, classes, tamga spec
    ("xlmr-tagging-qv-all", "xlm-roberta", "tagging", 5, "lora:layers=all,targets=q+v,r=4,alpha=8"),
    ("bert-pair-qkvo-rslora", "bert", "pair", 3, "lora:layers=1-2,targets=q+k+v+o,r=2,alpha=4,rslora"),
    ("xlmr-choice-ffn-patterns", "xlm-roberta", "choice", 1,
     "lora:layers=0,2,targets=q+v+ffn_in+ffn_out,r=4,alpha=16,rank_pattern=2.v:2+0:8,alpha_pattern=2:5"),
    ("bert-tagging-regex", "bert", "tagging", 4, "lora:targets=q+v+o,r=3,alpha=6,rank_pattern=0.v:0+3.o:0+1:5"),
    ("xlmr-pair-all-targets-rslora", "xlm-roberta", "pair", 2,
     "lora:layers=last:2,targets=all,r=8,alpha=8,rslora,rank_pattern=3.ffn_out:2"),
]


def peft_out(args, tmp):
    from peft import PeftModel
    for i, (name, arch, head, classes, spec) in enumerate(OUT_CASES):
        d = os.path.join(tmp, name)
        os.makedirs(d)
        make_model(arch, head, classes, f"{d}/hf", 100 + i)
        inputs, _, real = make_inputs(arch, head, classes, f"{d}/inputs.safetensors", 200 + i)
        if tool(args, ["forward", f"{d}/hf", f"{d}/inputs.safetensors", f"{d}/tamga.safetensors", "--train", spec,
                       "--steps", "4", "--save", f"{d}/adapter", "--head", head, "--classes", str(classes),
                       "--choices", "3"], name) is None:
            continue
        cfg = json.load(open(f"{d}/adapter/adapter_config.json"))
        diag(f"{name}: {spec} -> target_modules {cfg['target_modules']}, layers_to_transform "
             f"{cfg['layers_to_transform']}, rank_pattern {cfg['rank_pattern']}, alpha_pattern {cfg['alpha_pattern']}")
        model = ARCH[arch][1][head].from_pretrained(f"{d}/hf")
        load_tamga_head(model, arch, head, f"{d}/adapter/head.safetensors")
        model.eval()
        base_logits = hf_outputs(model, inputs)[1]
        try:
            pm = PeftModel.from_pretrained(model, f"{d}/adapter")
        except Exception as e:  # noqa: BLE001
            ok(False, f"{name}: PeftModel.from_pretrained: {type(e).__name__}: {e}")
            continue
        pm.eval()
        n_lora = sum(1 for n, _ in pm.named_parameters() if "lora_A" in n)
        n_file = sum(1 for k in load_file(f"{d}/adapter/adapter_model.safetensors") if "lora_A" in k)
        ok(n_lora == n_file, f"{name}: PEFT built {n_lora} LoRA modules, the file has {n_file}")
        hidden, logits = hf_outputs(pm, inputs)
        compare(name, f"{d}/tamga.safetensors", hidden, logits, real)
        changes(name, f"{d}/tamga.safetensors", base_logits, real)
        # the same with the LoRA merged into the weights (what a user exporting the model does)
        merged = pm.merge_and_unload()
        hidden, logits = hf_outputs(merged, inputs)
        e = logits_err(load_file(f"{d}/tamga.safetensors")["logits"], logits, real)
        ok(e <= TOL, f"{name}: merge_and_unload gives the same logits (relative error {e:.2g})")


# ----------------------------------------------------------------------------------------------- PEFT -> tamga
IN_CASES = [
    # name, arch, head, classes, LoraConfig keywords, the head's parts that live in the base model
    ("xlmr-tagging-ltt-list", "xlm-roberta", "tagging", 5,
     dict(task_type="TOKEN_CLS", r=4, lora_alpha=8, target_modules=["query", "value"], layers_to_transform=[1, 3],
          modules_to_save=["classifier"])),
    ("bert-pair-regex-rslora", "bert", "pair", 3,
     dict(task_type="SEQ_CLS", r=4, lora_alpha=8, use_rslora=True,
          target_modules=r".*encoder\.layer\.[02]\.(attention\.self\.key|intermediate\.dense)",
          rank_pattern={"encoder.layer.2.intermediate.dense": 2}, modules_to_save=["classifier"])),
    ("xlmr-choice-patterns", "xlm-roberta", "choice", 1,
     dict(r=4, lora_alpha=8, target_modules=["query", "key", "value", "attention.output.dense"],
          alpha_pattern={"layer.1.attention.self.query": 32}, rank_pattern={"layer.3.attention.self.key": 6},
          modules_to_save=["classifier", "pooler"])),
    ("bert-tagging-output-dense", "bert", "tagging", 4,
     dict(r=2, lora_alpha=4, target_modules=["intermediate.dense", "output.dense"], layers_to_transform=2,
          modules_to_save=["classifier"])),
]


def train_peft(pm, inputs, labels, steps=3):
    pm.train()
    opt = torch.optim.AdamW([p for p in pm.parameters() if p.requires_grad], lr=2e-2)
    for _ in range(steps):
        opt.zero_grad()
        pm(**inputs, labels=labels).loss.backward()
        opt.step()
    pm.eval()


def peft_in(args, tmp):
    from peft import LoraConfig, get_peft_model
    for i, (name, arch, head, classes, kw) in enumerate(IN_CASES):
        d = os.path.join(tmp, "in-" + name)
        os.makedirs(d)
        model = make_model(arch, head, classes, f"{d}/hf", 300 + i)
        inputs, labels, real = make_inputs(arch, head, classes, f"{d}/inputs.safetensors", 400 + i)
        pm = get_peft_model(model, LoraConfig(**kw))
        train_peft(pm, inputs, labels)
        with pm.disable_adapter():
            base_logits = hf_outputs(pm, inputs)[1]
        pm.save_pretrained(f"{d}/adapter", safe_serialization=True)
        keys = sorted(load_file(f"{d}/adapter/adapter_model.safetensors"))
        heads = [k for k in keys if "lora_" not in k]
        diag(f"{name}: {sum('lora_A' in k for k in keys)} LoRA modules; head tensors in the adapter: {heads}")
        hidden, logits = hf_outputs(pm, inputs)
        r = tool(args, ["forward", f"{d}/hf", f"{d}/inputs.safetensors", f"{d}/tamga.safetensors", "--adapter",
                        f"{d}/adapter", "--head", head, "--classes", str(classes), "--choices", "3",
                        "--head-file", f"{d}/hf/model.safetensors", "--head-file",
                        f"{d}/adapter/adapter_model.safetensors"], name)
        if r is None:
            continue
        diag(r.stderr.strip())
        compare(name, f"{d}/tamga.safetensors", hidden, logits, real)
        changes(name, f"{d}/tamga.safetensors", base_logits, real)


REFUSED = [
    # name, arch, head, LoraConfig keywords (r=2 on query+value unless given), edits of adapter_config.json after
    # saving (for what PEFT cannot build on these models), the field the message must name
    ("use_dora", "xlm-roberta", "tagging", dict(use_dora=True), {}, "use_dora"),
    ("bias=lora_only", "xlm-roberta", "tagging", dict(bias="lora_only"), {}, "bias"),
    ("bias=all", "bert", "pair", dict(bias="all"), {}, "bias"),
    ("fan_in_fan_out", "xlm-roberta", "tagging", {}, {"fan_in_fan_out": True}, "fan_in_fan_out"),
    ("layer_replication", "bert", "tagging", {}, {"layer_replication": [[0, 2], [1, 4]]}, "layer_replication"),
    ("LoRA on the pooler", "bert", "pair", dict(target_modules=["query", "dense"]), {}, "target_modules"),
    ("modules_to_save=LayerNorm", "xlm-roberta", "tagging", dict(modules_to_save=["classifier", "LayerNorm"]), {},
     "modules_to_save"),
    ("IA3", "xlm-roberta", "tagging", None, {}, "peft_type"),
]


def peft_refused(args, tmp):
    from peft import LoraConfig, get_peft_model, IA3Config
    for k, (name, arch, head, kw, edit, field) in enumerate(REFUSED):
        d = os.path.join(tmp, f"refused{k}")
        model = make_model(arch, head, 3, f"{d}/hf", 500 + k)
        make_inputs(arch, head, 3, f"{d}/inputs.safetensors", 600 + k)
        cfg = IA3Config(target_modules=["key", "value", "output.dense"], feedforward_modules=["output.dense"]) \
            if kw is None else LoraConfig(**dict(dict(r=2, target_modules=["query", "value"]), **kw))
        pm = get_peft_model(model, cfg)
        with torch.no_grad():            # non-zero B, so that the adapter is not a no-op
            for n, p in pm.named_parameters():
                if "lora_B" in n:
                    p.normal_(0, 0.1)
        pm.save_pretrained(f"{d}/adapter", safe_serialization=True)
        if edit:
            c = json.load(open(f"{d}/adapter/adapter_config.json"))
            c.update(edit)
            json.dump(c, open(f"{d}/adapter/adapter_config.json", "w"))
        r = tool(args, ["forward", f"{d}/hf", f"{d}/inputs.safetensors", f"{d}/out.safetensors", "--adapter",
                        f"{d}/adapter"], name, expect_ok=False)
        msg = r.stderr.strip()
        ok(r.returncode != 0 and field in msg and len(msg.splitlines()) == 1,
           f"refused {name}: tamga refuses it naming '{field}': {msg}")


# ----------------------------------------------------------------------------------------------- tokenizers
WS = set(map(chr, [9, 10, 11, 12, 13, 32, 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000] +
             list(range(0x2000, 0x200B))))
SKIP = re.compile(r"^(LICENSE|README|SOURCES|DOCUMENT|vref\.txt|udhr\.keys\.txt)|\.(md|tsv|json)$")


def sentences(root):
    """Every line of the data root's running text, by language: text/LANG/*, parallel/ (pairs, eBible, UDHR,
    NTREX), tatoeba/; deduplicated per language."""
    by = collections.defaultdict(dict)
    for top in ("text", "parallel", "tatoeba"):
        for dp, _, fs in sorted(os.walk(os.path.join(root, top))):
            for f in sorted(fs):
                if SKIP.search(f):
                    continue
                rel = os.path.relpath(os.path.join(dp, f), root).split(os.sep)
                if top == "text":
                    lang = rel[1]
                elif top == "tatoeba":
                    lang = "en" if f.endswith(".eng") else rel[1]
                elif rel[1] == "ebible":
                    lang = f.split("-")[0]
                elif rel[1] in ("udhr", "ntrex"):
                    lang = f.split(".")[1]
                else:
                    lang = f.rsplit(".", 1)[1]
                with open(os.path.join(dp, f), "rb") as fh:
                    for line in fh.read().split(b"\n"):
                        if line.strip():
                            by[lang][line] = True
    return {k: list(v) for k, v in sorted(by.items())}


def train_tokenizers(files, out):
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, decoders, trainers
    made = {}
    bpe = Tokenizer(models.BPE(unk_token=None))
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    bpe.train(files, trainers.BpeTrainer(vocab_size=8000, special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"],
                                         initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False))
    made["bpe-bytelevel"] = bpe
    uni = Tokenizer(models.Unigram())
    uni.normalizer = normalizers.NFKC()
    uni.pre_tokenizer = pre_tokenizers.Metaspace()
    uni.decoder = decoders.Metaspace()
    uni.train(files, trainers.UnigramTrainer(vocab_size=8000, special_tokens=["<s>", "<pad>", "</s>", "<unk>"],
                                             unk_token="<unk>", show_progress=False))
    made["unigram-metaspace"] = uni
    for cased in (False, True):
        wp = Tokenizer(models.WordPiece(unk_token="[UNK]"))
        wp.normalizer = normalizers.BertNormalizer(lowercase=not cased, strip_accents=None if cased else True)
        wp.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
        wp.decoder = decoders.WordPiece()
        wp.train(files, trainers.WordPieceTrainer(vocab_size=8000, show_progress=False,
                                                  special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]))
        made["wordpiece-" + ("cased" if cased else "uncased")] = wp
    for k, t in made.items():
        t.save(f"{out}/{k}.json")
    return list(made)


WORD = re.compile("[^" + "".join(sorted(WS)).replace("\\", "\\\\") + "]+")


def word_index(text, offsets):
    """For each token (character offsets), the whitespace-separated word it belongs to: the word holding its first
    non-space character; a token of spaces only belongs to the word that follows (as tamga's word_of). Both are
    the first word that ends after the token's start (the last word when none does)."""
    ends = [m.end() for m in WORD.finditer(text)]
    last = max(len(ends) - 1, 0)
    return [min(bisect.bisect_right(ends, s), last) for s, _ in offsets]


def read_tamga(path, count):
    a = np.fromfile(path, dtype=np.int32)
    res, p = [], 0
    for _ in range(count):
        n = int(a[p])
        res.append((a[p + 1:p + 1 + n].tolist(), a[p + 1 + n:p + 1 + 2 * n].tolist()))
        p += 1 + 2 * n
    return res


def invisible_words(text, a, b):
    """Are the whitespace words a .. b-1 of text made of format characters only (U+200B and the like, category Cf)?
    Normalisation deletes them, so the token after them has no character of theirs: SentencePiece's offsets give it
    to the first of them (tamga's word_of follows those offsets), tokenizers' to the word after."""
    words = WORD.findall(text)
    return all(all(unicodedata.category(c) == "Cf" for c in words[k]) for k in range(min(a, b), max(a, b)))


def tok_compare(args, tmp, name, tok_path, encode, sents, has_offsets=True, also=None):
    """encode(list of str) -> list of (ids, offsets or None). Compare with tamga per language. also: a second
    encoder of the same library (the slow XLMRobertaTokenizer beside the fast one); where the two disagree, the
    sentence is counted apart and not compared."""
    total_bad, total, known_words, lib_split = 0, 0, 0, 0
    per = []
    for lang, lines in sents.items():
        texts = [b.decode("utf-8", "replace") for b in lines]
        fn = f"{tmp}/sent.{lang}.txt"
        if not os.path.exists(fn):
            with open(fn, "wb") as f:
                f.write(b"\n".join(t.encode("utf-8") for t in texts) + b"\n")
        if tool(args, ["tokenize", tok_path, fn, f"{tmp}/tok.bin"], name) is None:
            return
        mine = read_tamga(f"{tmp}/tok.bin", len(texts))
        theirs = encode(texts)
        other = also(texts) if also else None
        bad_ids = bad_words = 0
        example = None
        for k, (t, (ids, wo), (rids, roff)) in enumerate(zip(texts, mine, theirs)):
            if other is not None and other[k][0] != rids:
                lib_split += 1
                continue
            if ids != rids:
                bad_ids += 1
                example = example or (t, ids, rids)
            elif roff is not None:
                wi = word_index(t, roff)
                if wo != wi:
                    if all(invisible_words(t, x, y) for x, y in zip(wo, wi) if x != y):
                        known_words += 1
                    else:
                        bad_words += 1
                        example = example or (t, wo, wi)
        per.append(f"{lang} {len(texts)}" + (f" ({bad_ids} ids, {bad_words} words differ)" if bad_ids + bad_words else ""))
        if example:
            diag(f"{name} {lang}: first difference on {example[0][:120]!r}\n  tamga   {example[1][:40]}\n  library {example[2][:40]}")
        total_bad += bad_ids + bad_words
        total += len(texts)
    note = ""
    if known_words:
        note += f"; {known_words} where a token follows words of U+200B-like characters only (see invisible_words)"
    if also:
        note += f"; {lib_split} where the library's fast and slow tokenizers disagree (not compared)"
    ok(total_bad == 0, f"{name}: {total} sentences, {total_bad} differ in ids{' or word alignment' if has_offsets else ''}"
       f"{note} [{', '.join(per)}]")


def tokenizer_parity(args, tmp):
    root = os.environ.get("TAMGA_DATA") or os.path.join(os.environ.get("TAMGA_TEST_SRCDIR", "."), "..", "shared", "data")
    if not os.path.isdir(os.path.join(root, "text")):
        ok(False, f"tokenizers: no data root at {root} (set TAMGA_DATA)")
        return
    t0 = time.time()
    sents = sentences(root)
    diag(f"data root {root}: {sum(map(len, sents.values()))} distinct sentences in {len(sents)} languages "
         f"({', '.join(sents)})")
    # training text: every 8th line of text/ (an eighth of the raw text, so that the stage stays within its time on a
    # loaded machine; the vocabularies still cover every script), as one file
    files = [f"{tmp}/train.txt"]
    with open(files[0], "wb") as out:
        for dp, _, fs in sorted(os.walk(os.path.join(root, "text"))):
            for f in sorted(fs):
                if not SKIP.search(f):
                    with open(os.path.join(dp, f), "rb") as fh:
                        out.write(b"\n".join(fh.read().split(b"\n")[::8]) + b"\n")
    names = train_tokenizers(files, tmp)
    diag(f"trained {', '.join(names)} with tokenizers {tokenizers.__version__} in {time.time() - t0:.0f} s")
    for k in names:
        t1 = time.time()
        lib = tokenizers.Tokenizer.from_file(f"{tmp}/{k}.json")

        def enc(texts, lib=lib):
            return [(e.ids, e.offsets) for e in lib.encode_batch(texts, add_special_tokens=False)]
        tok_compare(args, tmp, k, f"{tmp}/{k}.json", enc, sents)
        diag(f"{k}: {time.time() - t1:.0f} s")
    # XLM-R: a SentencePiece model trained here, as sentencepiece.bpe.model, through transformers
    import sentencepiece as spm
    t1 = time.time()
    xd = f"{tmp}/xlmr-spm"
    os.makedirs(xd)
    spm.SentencePieceTrainer.train(input=",".join(files), model_prefix=f"{xd}/sp", vocab_size=8000,
                                   model_type="unigram", character_coverage=0.9995, input_sentence_size=200000,
                                   shuffle_input_sentence=True, seed_sentencepiece_size=200000, minloglevel=2,
                                   num_threads=2)
    os.rename(f"{xd}/sp.model", f"{xd}/sentencepiece.bpe.model")
    slow = transformers.XLMRobertaTokenizer(vocab_file=f"{xd}/sentencepiece.bpe.model")
    fast = transformers.XLMRobertaTokenizerFast(vocab_file=f"{xd}/sentencepiece.bpe.model", from_slow=True)
    diag(f"SentencePiece model trained in {time.time() - t1:.0f} s; XLMRobertaTokenizer vocab {len(slow)}")

    def enc_slow(texts):
        return [(slow.convert_tokens_to_ids(slow.tokenize(t)), None) for t in texts]

    def enc_fast(texts):
        b = fast(texts, add_special_tokens=False, return_offsets_mapping=True)
        return list(zip(b["input_ids"], b["offset_mapping"]))
    tok_compare(args, tmp, "xlmr-sentencepiece XLMRobertaTokenizer", xd, enc_slow, sents, has_offsets=False)
    tok_compare(args, tmp, "xlmr-sentencepiece XLMRobertaTokenizerFast", xd, enc_fast, sents, also=enc_slow)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool", required=True)
    ap.add_argument("--only", default="peft-out,peft-in,tokenizers")
    ap.add_argument("--keep", help="keep the files in this folder")
    args = ap.parse_args()
    torch.set_num_threads(2)
    diag(f"torch {torch.__version__}, transformers {transformers.__version__}, peft {peft.__version__}, "
         f"tokenizers {tokenizers.__version__}")
    tmp = args.keep or tempfile.mkdtemp(prefix="tamga-interop.")
    os.makedirs(tmp, exist_ok=True)
    only = args.only.split(",")
    try:
        for part, fn in (("peft-out", peft_out), ("peft-in", lambda a, t: (peft_in(a, t), peft_refused(a, t))),
                         ("tokenizers", tokenizer_parity)):
            if part in only:
                t0 = time.time()
                fn(args, tmp)
                diag(f"{part}: {time.time() - t0:.0f} s")
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    sys.exit(done())


if __name__ == "__main__":
    main()
