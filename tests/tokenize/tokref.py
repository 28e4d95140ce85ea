"""Independent Python references and fixture writers for tamga's tokenizer tests.

Nothing here imports tamga. The references follow the original algorithms:
  - Bert: google-research/bert tokenization.py (= transformers BasicTokenizer + WordpieceTokenizer, without the
    NFC step newer transformers added; HF's fast tokenizers have none either).
  - ByteLevelBPE: OpenAI's gpt-2 encoder.py (bytes_to_unicode, the GPT-2 pattern, rank-ordered merges), with
    \\p{L}, \\p{N} and \\s spelled out as explicit character classes because the `regex` module is absent.
SentencePiece itself (python3-sentencepiece) is the reference for .model files and for the tokenizer.json
Metaspace-BPE fixtures written from them; for the tokenizer.json Unigram fixture, HFUnigram: SentencePiece's
normalisation, then tokenizers' own Viterbi per pre-token (Unigram::encode_optimized, with scores read as serde_json
reads them), which breaks exact ties differently from SentencePiece's lattice (tests/interop checks tamga against
tokenizers itself).
"""
import base64
import json
import re
import struct
import sys
import unicodedata

# --- SentencePiece .model (protobuf) reader, without the protobuf package ------------------------------------------


def _varint(b, i):
    v = shift = 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7F) << shift
        shift += 7
        if not c & 0x80:
            return v, i


def _fields(b):
    i = 0
    while i < len(b):
        key, i = _varint(b, i)
        f, wt = key >> 3, key & 7
        if wt == 0:
            v, i = _varint(b, i)
        elif wt == 1:
            v = b[i:i + 8]
            i += 8
        elif wt == 5:
            v = b[i:i + 4]
            i += 4
        elif wt == 2:
            n, i = _varint(b, i)
            v = b[i:i + n]
            i += n
        else:
            raise ValueError("unsupported wire type %d" % wt)
        yield f, wt, v


NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE = 1, 2, 3, 4, 5, 6


def read_sp_model(path):
    """-> dict(pieces=[(piece, score, type)], charsmap=bytes, add_dummy_prefix, remove_extra_whitespaces)"""
    data = open(path, "rb").read()
    out = {"pieces": [], "charsmap": b"", "add_dummy_prefix": True, "remove_extra_whitespaces": True,
           "model_type": 1}
    for f, wt, v in _fields(data):
        if f == 1:
            piece, score, typ = "", 0.0, NORMAL
            for g, gwt, w in _fields(v):
                if g == 1:
                    piece = w.decode("utf-8")
                elif g == 2:
                    score = struct.unpack("<f", w)[0]
                elif g == 3:
                    typ = w
            out["pieces"].append((piece, score, typ))
        elif f == 2:
            for g, gwt, w in _fields(v):
                if g == 3:
                    out["model_type"] = w
        elif f == 3:
            for g, gwt, w in _fields(v):
                if g == 2:
                    out["charsmap"] = bytes(w)
                elif g == 3:
                    out["add_dummy_prefix"] = bool(w)
                elif g == 4:
                    out["remove_extra_whitespaces"] = bool(w)
    return out


def _added(pieces):
    return [{"id": i, "content": p, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False,
             "special": True} for i, (p, s, t) in enumerate(pieces) if t in (UNKNOWN, CONTROL)]


def _spm_normalizer(m):
    seq = [{"type": "Strip", "strip_left": False, "strip_right": True},
           {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": "\u2581"}]
    if m["charsmap"]:
        seq.insert(0, {"type": "Precompiled", "precompiled_charsmap": base64.b64encode(m["charsmap"]).decode()})
    return {"type": "Sequence", "normalizers": seq}


_METASPACE = {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True}


def write_hf_unigram(model_path, out_path):
    """tokenizer.json as transformers' SpmConverter writes it for a Unigram .model."""
    m = read_sp_model(model_path)
    unk = [i for i, p in enumerate(m["pieces"]) if p[2] == UNKNOWN][0]
    tj = {"version": "1.0", "truncation": None, "padding": None, "added_tokens": _added(m["pieces"]),
          "normalizer": _spm_normalizer(m), "pre_tokenizer": _METASPACE, "post_processor": None,
          "decoder": _METASPACE,
          "model": {"type": "Unigram", "unk_id": unk, "vocab": [[p, s] for p, s, t in m["pieces"]],
                    "byte_fallback": any(t == BYTE for p, s, t in m["pieces"])}}
    json.dump(tj, open(out_path, "w", encoding="utf-8"), ensure_ascii=False)


def write_hf_bpe(model_path, out_path):
    """tokenizer.json for a BPE .model: merges are every split of a piece into two pieces, ordered by the
    id (= score rank) of the merged piece, as transformers' SentencePieceExtractor does."""
    m = read_sp_model(model_path)
    vocab = {p: i for i, (p, s, t) in enumerate(m["pieces"])}
    merges = []
    for i, (p, s, t) in enumerate(m["pieces"]):
        if t != NORMAL:
            continue
        for k in range(1, len(p)):
            l, r = p[:k], p[k:]
            if l in vocab and r in vocab and m["pieces"][vocab[l]][2] == NORMAL and \
                    m["pieces"][vocab[r]][2] == NORMAL:
                merges.append((i, vocab[l], vocab[r], l, r))
    merges.sort()
    unk = [p for p, s, t in m["pieces"] if t == UNKNOWN][0]
    tj = {"version": "1.0", "added_tokens": _added(m["pieces"]), "normalizer": _spm_normalizer(m),
          "pre_tokenizer": _METASPACE, "post_processor": None, "decoder": None,
          "model": {"type": "BPE", "dropout": None, "unk_token": unk, "continuing_subword_prefix": None,
                    "end_of_word_suffix": None, "fuse_unk": True,
                    "byte_fallback": any(t == BYTE for p, s, t in m["pieces"]),
                    "vocab": vocab, "merges": [[l, r] for _, _, _, l, r in merges]}}
    json.dump(tj, open(out_path, "w", encoding="utf-8"), ensure_ascii=False)


# --- BERT ---------------------------------------------------------------------------------------------------------


def _is_whitespace(ch):
    if ch in " \t\n\r":
        return True
    return unicodedata.category(ch) == "Zs"


def _is_control(ch):
    if ch in "\t\n\r":
        return False
    return unicodedata.category(ch).startswith("C")


def _is_punctuation(ch):
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_chinese_char(cp):
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF or
            0x2A700 <= cp <= 0x2B73F or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF or
            0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


def whitespace_tokenize(text):
    text = text.strip()
    return text.split() if text else []


def strip_accents(text):
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


class Bert:
    def __init__(self, vocab, do_lower_case=True, strip_accents=None, tokenize_chinese_chars=True,
                 unk_token="[UNK]", max_input_chars_per_word=100):
        self.vocab = vocab              # piece -> id
        self.lower = do_lower_case
        self.strip = strip_accents
        self.chinese = tokenize_chinese_chars
        self.unk = unk_token
        self.max_chars = max_input_chars_per_word

    def basic(self, text):
        out = []
        for ch in text:
            cp = ord(ch)
            if cp == 0 or cp == 0xFFFD or _is_control(ch):
                continue
            if _is_whitespace(ch):
                out.append(" ")
            elif self.chinese and _is_chinese_char(cp):
                out.append(" " + ch + " ")
            else:
                out.append(ch)
        split = []
        for token in whitespace_tokenize("".join(out)):
            if self.lower:
                token = token.lower()
                if self.strip is not False:
                    token = strip_accents(token)
            elif self.strip:
                token = strip_accents(token)
            cur = []
            for ch in token:
                if _is_punctuation(ch):
                    if cur:
                        split.append("".join(cur))
                        cur = []
                    split.append(ch)
                else:
                    cur.append(ch)
            if cur:
                split.append("".join(cur))
        return whitespace_tokenize(" ".join(split))

    def wordpiece(self, token):
        chars = list(token)
        if len(chars) > self.max_chars:
            return [self.unk]
        start, subs = 0, []
        while start < len(chars):
            end, cur = len(chars), None
            while start < end:
                s = "".join(chars[start:end])
                if start > 0:
                    s = "##" + s
                if s in self.vocab:
                    cur = s
                    break
                end -= 1
            if cur is None:
                return [self.unk]
            subs.append(cur)
            start = end
        return subs

    def tokenize(self, text):
        return [p for tok in self.basic(text) for p in self.wordpiece(tok)]

    def encode(self, text):
        return [self.vocab[p] for p in self.tokenize(text)]


def read_vocab_txt(path):
    vocab = {}
    with open(path, "r", encoding="utf-8") as f:
        for i, tok in enumerate(f.readlines()):
            vocab[tok.rstrip("\n")] = i
    return vocab


def wordpiece_vocab(pieces, chars, lower, drop_chars=()):
    """A WordPiece vocabulary from SentencePiece pieces: '▁x' -> 'x', 'x' -> '##x', plus single characters."""
    def norm(s):
        return strip_accents(s.lower()) if lower else s
    out, seen = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"], set()
    seen.update(out)

    def add(p):
        if p and p not in seen and p != "##":
            seen.add(p)
            out.append(p)
    for p, s, t in pieces:
        if t != NORMAL:
            continue
        if p.startswith("\u2581"):
            add(norm(p[1:]))
        else:
            add("##" + norm(p))
    for c in sorted(chars):
        for d in norm(c):
            if d not in drop_chars and not d.isspace():
                add(d)
                add("##" + d)
    return out


def write_hf_wordpiece(vocab_list, out_path, lowercase):
    vocab = {}
    for i, p in enumerate(vocab_list):
        vocab[p] = i
    tj = {"version": "1.0", "added_tokens": [
        {"id": vocab[s], "content": s, "special": True, "single_word": False, "lstrip": False, "rstrip": False,
         "normalized": False} for s in ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]],
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                       "strip_accents": None, "lowercase": lowercase},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {"type": "TemplateProcessing",
                           "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                                      {"Sequence": {"id": "A", "type_id": 0}},
                                      {"SpecialToken": {"id": "[SEP]", "type_id": 0}}]},
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": vocab}}
    json.dump(tj, open(out_path, "w", encoding="utf-8"), ensure_ascii=False)


# --- GPT-2 byte-level BPE -----------------------------------------------------------------------------------------


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + \
        list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(2 ** 8):
        if b not in bs:
            bs.append(b)
            cs.append(2 ** 8 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


_WHITE_SPACE = [(0x09, 0x0D), (0x20, 0x20), (0x85, 0x85), (0xA0, 0xA0), (0x1680, 0x1680), (0x2000, 0x200A),
                (0x2028, 0x2029), (0x202F, 0x202F), (0x205F, 0x205F), (0x3000, 0x3000)]


def _ranges(pred):
    out, start = [], None
    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            ok = False
        else:
            ok = pred(chr(cp))
        if ok and start is None:
            start = cp
        elif not ok and start is not None:
            out.append((start, cp - 1))
            start = None
    if start is not None:
        out.append((start, 0x10FFFF))
    return out


def _cls(ranges):
    def esc(c):
        return "\\U%08x" % c
    return "".join(esc(a) if a == b else esc(a) + "-" + esc(b) for a, b in ranges)


_GPT2 = None


def gpt2_pattern():
    global _GPT2
    if _GPT2 is None:
        L = _cls(_ranges(lambda c: unicodedata.category(c) in ("Lu", "Ll", "Lt", "Lm", "Lo")))
        N = _cls(_ranges(lambda c: unicodedata.category(c) in ("Nd", "Nl", "No")))
        S = _cls(_WHITE_SPACE)
        _GPT2 = re.compile("'s|'t|'re|'ve|'m|'ll|'d| ?[%s]+| ?[%s]+| ?[^%s%s%s]+|[%s]+(?![^%s])|[%s]+"
                           % (L, N, S, L, N, S, S, S))
    return _GPT2


class ByteLevelBPE:
    def __init__(self, vocab, merges, add_prefix_space=False):
        self.encoder = vocab
        self.ranks = {tuple(m): i for i, m in enumerate(merges)}
        self.byte_encoder = bytes_to_unicode()
        self.cache = {}
        self.add_prefix_space = add_prefix_space
        self.pat = gpt2_pattern()

    def bpe(self, token):
        if token in self.cache:
            return self.cache[token]
        word = tuple(token)
        pairs = set(zip(word, word[1:]))
        while pairs:
            bigram = min(pairs, key=lambda p: self.ranks.get(p, float("inf")))
            if bigram not in self.ranks:
                break
            first, second = bigram
            new, i = [], 0
            while i < len(word):
                try:
                    j = word.index(first, i)
                except ValueError:
                    new.extend(word[i:])
                    break
                new.extend(word[i:j])
                i = j
                if word[i] == first and i < len(word) - 1 and word[i + 1] == second:
                    new.append(first + second)
                    i += 2
                else:
                    new.append(word[i])
                    i += 1
            word = tuple(new)
            if len(word) == 1:
                break
            pairs = set(zip(word, word[1:]))
        self.cache[token] = word
        return word

    def encode(self, text):
        if self.add_prefix_space and text and not text.startswith(" "):
            text = " " + text
        ids = []
        for tok in self.pat.findall(text):
            tok = "".join(self.byte_encoder[b] for b in tok.encode("utf-8"))
            ids.extend(self.encoder[t] for t in self.bpe(tok))
        return ids


def bytelevel_from_sp(pieces):
    """A byte-level BPE (vocab, merges) grown from SentencePiece BPE pieces in id order ('▁' -> space)."""
    be = bytes_to_unicode()
    vocab, merges = {}, []
    for b in range(256):
        vocab[be[b]] = len(vocab)

    def ensure(s):
        if s in vocab:
            return
        for k in range(1, len(s)):
            if s[:k] in vocab and s[k:] in vocab:
                merges.append((s[:k], s[k:]))
                vocab[s] = len(vocab)
                return
        ensure(s[:-1])
        merges.append((s[:-1], s[-1]))
        vocab[s] = len(vocab)
    for p, s, t in pieces:
        if t == NORMAL:
            ensure("".join(be[b] for b in p.replace("\u2581", " ").encode("utf-8")))
    return vocab, merges


def write_hf_bytelevel(vocab, merges, out_path, add_prefix_space):
    v = dict(vocab)
    v["<|endoftext|>"] = len(v)
    pre = {"type": "ByteLevel", "add_prefix_space": add_prefix_space, "trim_offsets": True, "use_regex": True}
    tj = {"version": "1.0", "added_tokens": [{"id": v["<|endoftext|>"], "content": "<|endoftext|>", "special": True,
                                              "single_word": False, "lstrip": False, "rstrip": False,
                                              "normalized": True}],
          "normalizer": None, "pre_tokenizer": pre, "post_processor": pre, "decoder": pre,
          "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
                    "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False,
                    "vocab": v, "merges": [a + " " + b for a, b in merges]}}
    json.dump(tj, open(out_path, "w", encoding="utf-8"), ensure_ascii=False)


if __name__ == "__main__":
    print(Bert({"[UNK]": 0}).basic(sys.argv[1] if len(sys.argv) > 1 else "İstanbul IŞIK ılık"))


# --- tokenizers' Unigram (tokenizers/src/models/unigram/model.rs, encode_optimized) --------------------------------
def serde_f64(x):
    """A float as serde_json's default parser reads its shortest representation (repr): the decimal significand
    as a double, then divided or multiplied by a power of ten; not always correctly rounded."""
    if x == 0 or x != x or x in (float("inf"), float("-inf")):
        return x
    mant, _, ex = repr(abs(x)).partition("e")
    ip, _, fp = mant.partition(".")
    exp = int(ex or 0) - len(fp)
    f = float(int(ip + fp))
    f = f / float("1e%d" % -exp) if exp < 0 else f * float("1e%d" % exp)
    return -f if x < 0 else f


class HFUnigram:
    """tokenizer.json Unigram (+ Metaspace) on SentencePiece's normalised text: words split before each U+2581,
    each word's Viterbi in double from 0, the earliest start winning ties, runs of unknown characters fused."""

    def __init__(self, json_path, sp):
        m = json.load(open(json_path, encoding="utf-8"))["model"]
        self.sp, self.unk = sp, m["unk_id"]
        scores = [serde_f64(float(sc)) for p, sc in m["vocab"]]
        self.unk_score = min(scores) - 10.0
        special = {t["id"] for t in json.load(open(json_path, encoding="utf-8"))["added_tokens"]}
        self.piece = {p: (i, scores[i]) for i, (p, sc) in enumerate(m["vocab"]) if i not in special and p}
        self.maxlen = max(len(p) for p in self.piece)

    def word(self, w):
        n = len(w)
        best = [None] * (n + 1)
        best[0] = (0.0, 0, None)
        for st in range(n):
            b = best[st][0]
            single = False
            for en in range(st + 1, min(n, st + self.maxlen) + 1):
                hit = self.piece.get(w[st:en])
                if hit is None:
                    continue
                c = hit[1] + b
                if best[en] is None or c > best[en][0]:
                    best[en] = (c, st, hit[0])
                single |= en == st + 1
            if not single:
                c = self.unk_score + b
                if best[st + 1] is None or c > best[st + 1][0]:
                    best[st + 1] = (c, st, -1)
        out, en = [], n
        while en > 0:
            _, st, i = best[en]
            if not (i == -1 and out and out[-1] == -1):
                out.append(i)
            en = st
        return [self.unk if i == -1 else i for i in reversed(out)]

    def encode(self, text):
        norm = "".join(self.sp.encode(text, out_type=str))
        words = [w for w in re.split("(?=\u2581)", norm) if w]
        return [i for w in words for i in self.word(w)]

