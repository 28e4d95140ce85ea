#!/usr/bin/env python3
"""Seed corpora for tamga's fuzz targets: small slices of the data root and small generated files.

Usage: mkseeds.py OUTDIR [--data ROOT] [--seed-models PROGRAM] [--srcdir TOP_SRCDIR]
Writes OUTDIR/<target>/<name> for every target in fuzz/. Slices come from ROOT (default $TAMGA_DATA) when it
is there; every target also gets hand-made seeds, so the corpora exist without the data. SentencePiece seeds need
python3-sentencepiece; tokenizer.json seeds are converted from them with tests/tokenize/tokref.py.
"""
import argparse
import glob
import json
import os
import struct
import subprocess
import sys
import tempfile

SPLIT = b"\n--8<--\n"          # fuzz/fuzz.h FZ_SPLIT
MAX_SEED = 12000               # bytes per sliced seed: keeps libFuzzer's default max_len small


def put(out, target, name, data):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def head(path, lines, blank_groups=None, max_bytes=MAX_SEED):
    """The first `lines` lines (or the first `blank_groups` blank-line-separated blocks) of a file, bytes."""
    out, groups = [], 0
    try:
        with open(path, "rb") as f:
            for i, line in enumerate(f):
                out.append(line)
                if blank_groups is not None:
                    if line.strip() == b"":
                        groups += 1
                        if groups >= blank_groups:
                            break
                elif i + 1 >= lines:
                    break
                if sum(map(len, out)) > max_bytes:
                    break
    except OSError:
        return None
    return b"".join(out)


def slices(out, root):
    if not root or not os.path.isdir(root):
        return 0
    n = 0

    def slice_to(target, name, rel, lines=20, groups=None):
        nonlocal n
        data = head(os.path.join(root, rel), lines, groups)
        if data:
            put(out, target, name, data)
            n += 1
        return data

    for rel in sorted(glob.glob(os.path.join(root, "udpos", "*", "*.conllu")))[:40:4]:
        slice_to("fuzz-conllu", os.path.basename(rel), rel, groups=6)
    for rel in ["udpos/kk/kk_ktb-ud-test.conllu", "udpos/tr/tr_imst-ud-dev.conllu",
                "udpos/ota/ota_boun-ud-test.conllu"]:
        slice_to("fuzz-conllu", "mwt-" + os.path.basename(rel), rel, groups=12)
    for lang in ["en", "tr", "kk", "az"]:
        slice_to("fuzz-ner", "panx-%s.tsv" % lang, "ner/%s/dev-%s.tsv" % (lang, lang), groups=5)
    slice_to("fuzz-ner", "kaznerd.txt", "ner/kk/KazNERD_IOB2_valid.txt", groups=5)
    for lang in ["en", "tr"]:
        slice_to("fuzz-pairs", "xnli-%s.tsv" % lang, "nli/%s/xnli.dev-%s.tsv" % (lang, lang), 12)
    for lang in ["az", "kk", "ug"]:
        slice_to("fuzz-pairs", "kardes-nli-%s.csv" % lang, "nli/%s/kardes-nlu.xnli.dev.%s.csv" % (lang, lang), 12)
        slice_to("fuzz-pairs", "kardes-sts-%s.csv" % lang, "sts/%s/kardes-nlu.sts.dev.%s.csv" % (lang, lang), 12)
        slice_to("fuzz-copa", "kardes-copa-%s.csv" % lang, "copa/%s/kardes-nlu.xcopa.dev.%s.csv" % (lang, lang), 8)
        slice_to("fuzz-csv", "kardes-nli-%s.csv" % lang, "nli/%s/kardes-nlu.xnli.dev.%s.csv" % (lang, lang), 8)
    slice_to("fuzz-copa", "xcopa-val.jsonl", "copa/tr/val.tr.jsonl", 8)
    slice_to("fuzz-copa", "xcopa-test.jsonl", "copa/tr/test.tr.jsonl", 8)
    slice_to("fuzz-text", "gettext-kk.tsv", "parallel/gettext/kk.tsv", 20)
    slice_to("fuzz-text", "text-ug.txt", "text/ug/ug.train-dev-derived.txt", 10)

    def pair(name, a, b, lines=12):
        nonlocal n
        da, db = head(os.path.join(root, a), lines), head(os.path.join(root, b), lines)
        if da and db:
            put(out, "fuzz-text", name, da + SPLIT + db)
            n += 1
    pair("tatoeba-kk", "tatoeba/kk/tatoeba.kaz-eng.kaz", "tatoeba/kk/tatoeba.kaz-eng.eng")
    pair("xwmt-en-tr", "parallel/en-tr/en-tr.en", "parallel/en-tr/en-tr.tr")
    pair("ebible-tr", "parallel/ebible/en-engwebp.txt", "parallel/ebible/tr-turytc.txt", 40)
    pair("udhr-ky", "parallel/udhr/udhr.en.txt", "parallel/udhr/udhr.ky.txt", 8)

    # tokenizer texts: one line in each language, for every fixed tokenizer of fuzz-tok-encode
    texts = []
    for lang in ["en", "tr", "kk", "az", "ug", "ky", "ota"]:
        data = head(os.path.join(root, "text", lang, "%s.train-dev-derived.txt" % lang), 2)
        if data:
            texts.append(data)
    for i, t in enumerate(texts):
        put(out, "fuzz-tok-encode", "text-%d" % i, bytes([i % 8]) + t)
        n += 1
    return n


HANDMADE = {
    "fuzz-conllu": {
        "mwt.conllu": "# sent_id = 1\n# text = Milas'lı\n1-2\tMilas'lı\t_\t_\t_\t_\t_\t_\t_\t_\n"
                      "1\tMilas\tMilas\tPROPN\t_\t_\t0\troot\t_\t_\n2\t'lı\tlı\tADP\t_\t_\t1\tcase\t_\t_\n"
                      "2.1\tx\tx\tNOUN\t_\t_\t_\t_\t0:root\t_\n\n",
        "crlf.conllu": "1\tA\ta\tNOUN\t_\t_\t0\troot\t_\t_\r\n\r\n",
    },
    "fuzz-ner": {"panx.tsv": "kk:Алматы\tB-LOC\nқаласы\tI-LOC\n\nen:Paris\tB-LOC\n",
                 "kaznerd.txt": "Қара B-ART\nсөз I-ART\n\n"},
    "fuzz-pairs": {"xnli.tsv": "premise\thypothesis\tentailment\np\th\tneutral\n",
                   "kardes.csv": "Unnamed: 0,gold_label,sentence1,sentence2,s1_translation,s2_translation\n"
                                 "9,entailment,\"a, \"\"b\"\"\",c,d,e\n",
                   "sts.csv": "Unnamed: 0,sentence1,sentence2,score,s1_translation,s2_translation\n1,a,b,3.2,c,d\n"},
    "fuzz-copa": {"xcopa.jsonl": json.dumps({"premise": "p", "choice1": "a", "choice2": "b", "question": "cause",
                                             "label": 0, "idx": 3}) + "\n",
                  "kardes.csv": "id,asks-for,most-plausible-alternative,p,a1,a2,p_translation,a1_translation,"
                                "a2_translation\n401,effect,2,p,a,b,pt,at,bt\n"},
    "fuzz-text": {"pair": "a\nb\n\nc\n" + SPLIT.decode() + "x\n\ny\nz\n",
                  "ebible": "In the beginning\n<range>\n\n" + SPLIT.decode() + "Başlangıçta\n<range>\n\n",
                  "gettext.tsv": "Open\tAç\nSave\tKaydet\n"},
    "fuzz-csv": {"q.csv": "\ufeffa,b\r\n\"x\r\ny\",\"\"\"q\"\"\"\n\n1,2", "t.tsv": "a\tb\n\"c\td\"\te\n"},
    "fuzz-config": {
        "bert.json": json.dumps({"model_type": "bert", "vocab_size": 100, "hidden_size": 8, "num_hidden_layers": 2,
                                 "num_attention_heads": 2, "intermediate_size": 16, "max_position_embeddings": 32,
                                 "type_vocab_size": 2, "layer_norm_eps": 1e-12, "hidden_act": "gelu",
                                 "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
                                 "pad_token_id": 0}),
        "xlmr.json": json.dumps({"model_type": "xlm-roberta", "vocab_size": 250002, "hidden_size": 768,
                                 "num_hidden_layers": 12, "num_attention_heads": 12, "intermediate_size": 3072,
                                 "max_position_embeddings": 514, "type_vocab_size": 1, "pad_token_id": 1,
                                 "layer_norm_eps": 1e-05, "hidden_act": "gelu", "tamga_languages": "kk,ky,tr"}),
        "roberta.json": json.dumps({"model_type": "roberta", "vocab_size": 50, "hidden_size": 4,
                                    "num_hidden_layers": 1, "num_attention_heads": 1, "intermediate_size": 4,
                                    "hidden_act": "silu"}),
        "act-number.json": json.dumps({"model_type": "bert", "vocab_size": 10, "hidden_size": 4,   # issue 22
                                       "num_hidden_layers": 1, "num_attention_heads": 1, "intermediate_size": 4,
                                       "hidden_act": 5}),
    },
    "fuzz-st-index": {
        "index.json": json.dumps({"metadata": {"total_size": 16}, "weight_map": {
            "a.weight": "model-00001-of-00002.safetensors", "b.weight": "model-00002-of-00002.safetensors"}}),
        "one.json": json.dumps({"weight_map": {"a.weight": "model-00001-of-00002.safetensors"}}),
    },
    "fuzz-layers": {"a": "\x0c0-3", "b": "\x0clast:2", "c": "\x0call-except:11", "d": "\x0c!0", "e": "\x0ceven,!4",
                    "f": "\x0cfirst:4+odd", "g": "\x0call-but-last", "h": "\x18all-but-first,!3", "i": "\x010"},
    "fuzz-peft-spec": {"a": "lora:layers=0-3,targets=q+v,r=8,alpha=16,dropout=0.1,rslora,init=gaussian",
                       "b": "pfeiffer:reduction=16", "c": "houlsby:dim=64,layers=0,2,5", "d": "bitfit",
                       "e": "madx-lang:madx2,inv_reduction=2", "f": "lora:rank_pattern=0:16+1.v:4,alpha_pattern=0:32",
                       "g": "parallel:scaling=4,reduction_pattern=0:8+11:32", "h": "full:mlm=1,embeddings=0",
                       "i": "lnonly:leave_out=11", "j": "head"},
}


def safetensors(tensors, metadata=None):
    """tensors: list of (name, dtype, shape, raw bytes) in data order."""
    header, off, data = {}, 0, b""
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [off, off + len(raw)]}
        off += len(raw)
        data += raw
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + data


def st_seeds(out):
    f32 = struct.pack("<4f", 1.0, -2.5, 0.0, float("inf"))
    put(out, "fuzz-safetensors", "f32.safetensors",
        safetensors([("a", "F32", [2, 2], f32), ("s", "F32", [], struct.pack("<f", 3.0))], {"format": "pt"}))
    put(out, "fuzz-safetensors", "mixed.safetensors", safetensors([
        ("h", "F16", [3], struct.pack("<3e", 1.0, -0.5, 65504.0)),
        ("bf", "BF16", [2], bytes([0x80, 0x3f, 0xc0, 0xff])),
        ("d", "F64", [2], struct.pack("<2d", 1e300, -1e-300)),
        ("i64", "I64", [2], struct.pack("<2q", -(2 ** 63), 2 ** 62)),
        ("i32", "I32", [1], struct.pack("<i", -7)),
        ("i16", "I16", [1], struct.pack("<h", -7)),
        ("i8", "I8", [2], struct.pack("<2b", -128, 127)),
        ("u8", "U8", [2], bytes([0, 255])),
        ("u16", "U16", [1], struct.pack("<H", 65535)),
        ("u32", "U32", [1], struct.pack("<I", 2 ** 32 - 1)),
        ("u64", "U64", [1], struct.pack("<Q", 2 ** 64 - 1)),
        ("b", "BOOL", [3], bytes([0, 1, 1])),
        ("e4", "F8_E4M3", [2], bytes([0x7e, 0x80])),
        ("e5", "F8_E5M2", [2], bytes([0x7c, 0x01])),
        ("e8", "F8_E8M0", [1], bytes([0x7f])),
        ("z", "F32", [0, 3], b""),
    ], {"format": "pt", "tamga_format": "x"}))
    put(out, "fuzz-safetensors", "empty.safetensors", safetensors([], None))
    put(out, "fuzz-checkpoint", "empty.safetensors", safetensors([], None))


def sp_seeds(out, srcdir, tmp, root):
    try:
        import sentencepiece as spm
    except ImportError:
        print("mkseeds: python3-sentencepiece is missing: no .model or tokenizer.json seeds", file=sys.stderr)
        return
    sys.path.insert(0, os.path.join(srcdir, "tests", "tokenize"))
    try:
        import tokref
    except ImportError:
        tokref = None
    train = os.path.join(tmp, "train.txt")
    words = ["ev", "evler", "kitap", "kitaplar", "güzel", "çok", "İstanbul", "ılık", "şehir", "қазақ",
             "тілі", "ئۇيغۇر", "merhaba", "dünya", "okul"]
    with open(train, "w", encoding="utf-8") as f:
        for rel in ["text/tr/tr.train-dev-derived.txt", "text/kk/kk.train-dev-derived.txt"]:
            data = head(os.path.join(root or "", rel), 150, max_bytes=40000) if root else None
            if data:
                f.write(data.decode("utf-8", "replace"))
        for i in range(300):
            f.write(" ".join(words[(i * 7 + j * 13 + i // 3) % len(words)] for j in range(7)) + ".\n")
    # A small custom normalization (a Precompiled charsmap of a few rules) keeps the models a few KB; the
    # default nmt_nfkc charsmap alone is 240 KB, too big for a seed.
    rules = os.path.join(tmp, "rules.tsv")
    with open(rules, "w") as f:
        f.write("41\t61\n49\t131\n130\t69\nFF21\t41\n2160\t49\n3000\t20\n")
    for kind, extra in [("unigram", {"normalization_rule_tsv": rules}),
                        ("bpe", {"byte_fallback": True, "normalization_rule_name": "identity"})]:
        spm.SentencePieceTrainer.train(input=train, model_prefix=os.path.join(tmp, kind), vocab_size=500,
                                       hard_vocab_limit=False, model_type=kind, character_coverage=0.98,
                                       minloglevel=2, num_threads=1, **extra)
        with open(os.path.join(tmp, kind + ".model"), "rb") as f:
            model = f.read()
        put(out, "fuzz-spm", kind + "-native", b"\x00" + model)
        put(out, "fuzz-spm", kind + "-xlmr", b"\x01" + model)
    if tokref is None:
        return
    text = "Merhaba dünya! İSTANBUL ılık şehir қазақ тілі 中文 😀".encode()

    def tj(name, path):
        with open(path, "rb") as f:
            data = f.read()
        put(out, "fuzz-tokenizer-json", name, data)
        put(out, "fuzz-tokenizer-json", name + "-text", data + SPLIT + text)
    tokref.write_hf_unigram(os.path.join(tmp, "unigram.model"), os.path.join(tmp, "u.json"))
    tj("unigram.json", os.path.join(tmp, "u.json"))
    tokref.write_hf_bpe(os.path.join(tmp, "bpe.model"), os.path.join(tmp, "b.json"))
    tj("bpe.json", os.path.join(tmp, "b.json"))
    pieces = tokref.read_sp_model(os.path.join(tmp, "unigram.model"))["pieces"]
    chars = sorted({c for w in words for c in w})
    vl = tokref.wordpiece_vocab(pieces, chars, True)
    tokref.write_hf_wordpiece(vl, os.path.join(tmp, "wp.json"), True)
    tj("wordpiece.json", os.path.join(tmp, "wp.json"))
    vocab = "".join(p + "\n" for p in vl).encode()
    put(out, "fuzz-vocab", "vocab-only", vocab)
    put(out, "fuzz-vocab", "cased", b'{"do_lower_case": false, "tokenizer_class": "BertTokenizer"}' + SPLIT + vocab)
    put(out, "fuzz-vocab", "uncased-text", b'{"do_lower_case": true, "strip_accents": false, "unk_token": '
        b'{"content": "[UNK]"}}' + SPLIT + vocab + SPLIT + text)
    bl_vocab, bl_merges = tokref.bytelevel_from_sp(tokref.read_sp_model(os.path.join(tmp, "bpe.model"))["pieces"])
    tokref.write_hf_bytelevel(bl_vocab, bl_merges, os.path.join(tmp, "bl.json"), True)
    tj("bytelevel.json", os.path.join(tmp, "bl.json"))


def handmade_tok(out):
    text = "Merhaba dünya! İSTANBUL ılık  şehir\t中文 😀 \xff"
    for i in range(8):
        put(out, "fuzz-tok-encode", "hand-%d" % i, bytes([i]) + text.encode("utf-8", "surrogateescape"))
    put(out, "fuzz-tok-encode", "bad-utf8", b"\x03a\xff\xfe\xc3\x28 \xe2\x82 \xf0\x9f\x98\x00nul")
    put(out, "fuzz-tokenizer-json", "tiny-unigram.json",
        json.dumps({"model": {"type": "Unigram", "unk_id": 0, "vocab": [["<unk>", 0.0], ["▁a", -1.0], ["a", -2.0]]},
                    "pre_tokenizer": {"type": "Metaspace", "replacement": "▁"}}))
    put(out, "fuzz-tokenizer-json", "tiny-bpe.json",
        json.dumps({"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b"]},
                    "normalizer": {"type": "Sequence", "normalizers": [{"type": "NFKC"}, {"type": "Lowercase"},
                                   {"type": "Replace", "pattern": {"String": "x"}, "content": "y"},
                                   {"type": "Strip", "left": True, "right": True}, {"type": "StripAccents"},
                                   {"type": "Prepend", "prepend": "▁"}]},
                    "post_processor": {"type": "RobertaProcessing", "sep": ["</s>", 2], "cls": ["<s>", 0]},
                    "added_tokens": [{"id": 3, "content": "<mask>", "special": True}]}))
    # issue 22: a Replace chain that doubles the text at each step (the mutator lengthens it past the growth bound),
    # ids with gaps filled by added tokens (the id bound), a post-processor Sequence (its type checks)
    grow = {"type": "Replace", "pattern": {"String": "a"}, "content": "aa"}
    put(out, "fuzz-tokenizer-json", "replace-chain.json",
        json.dumps({"model": {"type": "BPE", "vocab": {"a": 0, "aa": 1}, "merges": ["a a"]},
                    "normalizer": {"type": "Sequence", "normalizers": [grow] * 5}}).encode() + SPLIT + b"aaaa a")
    put(out, "fuzz-tokenizer-json", "id-gaps.json",
        json.dumps({"model": {"type": "WordPiece", "vocab": {"[UNK]": 0, "a": 1, "b": 4}},
                    "added_tokens": [{"id": 2, "content": "[CLS]", "special": True}, {"id": 7, "content": "<x>"}],
                    "post_processor": {"type": "Sequence", "processors": [
                        {"type": "ByteLevel"}, {"type": "BertProcessing", "sep": ["[SEP]", 3], "cls": ["[CLS]", 2]}]}}))
    put(out, "fuzz-vocab", "tiny", "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\na\n##b\n")


def resume_v1(out):
    """fuzz-resume: version-1 copies (no checksum) of seed-models' checkpoints, whose data can change freely."""
    d = os.path.join(out, "fuzz-resume")
    for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
        if not name.endswith(".ckpt") or name.startswith("v1-"):
            continue
        b = open(os.path.join(d, name), "rb").read()
        n = struct.unpack("<Q", b[:8])[0]
        h = json.loads(b[8:8 + n])
        h["__metadata__"].pop("checksum", None)
        h["__metadata__"]["tamga_checkpoint_version"] = "1"
        hs = json.dumps(h, separators=(",", ":")).encode()
        hs += b" " * (-len(hs) % 8)
        put(out, "fuzz-resume", "v1-" + name, struct.pack("<Q", len(hs)) + hs + b[8 + n:])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--data", default=os.environ.get("TAMGA_DATA", ""))
    ap.add_argument("--seed-models", default=None, help="the fuzz/seed-models program")
    ap.add_argument("--srcdir", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    for target, files in HANDMADE.items():
        for name, data in files.items():
            put(a.out, target, name, data)
    st_seeds(a.out)
    handmade_tok(a.out)
    n = slices(a.out, a.data)
    with tempfile.TemporaryDirectory() as tmp:
        sp_seeds(a.out, a.srcdir, tmp, a.data)
    if a.seed_models:
        subprocess.run([a.seed_models, a.out], check=True)
        resume_v1(a.out)
    total = sum(len(files) for _, _, files in os.walk(a.out))
    print("mkseeds: %d seed files (%d sliced from %s)" % (total, n, a.data or "no data root"))


if __name__ == "__main__":
    main()
