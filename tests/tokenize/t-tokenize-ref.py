#!/usr/bin/python3
"""tamga's tokenizers against independent references, token for token, on real text in 8 languages (TAP).

Fixtures are made here in a temporary folder: a SentencePiece Unigram and a BPE model trained with
python3-sentencepiece on the test sentences, an XLM-R style folder (sentencepiece.bpe.model), tokenizer.json
files written from those models the way transformers' converters write them, BERT vocab.txt files (cased and
uncased) and a byte-level BPE tokenizer.json. The references are python3-sentencepiece and the Python
implementations in tokref.py. tests/tokenize/tok-dump is the bridge to the C library.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tokref  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from taplib import ok, diag, done  # noqa: E402

T0 = time.time()
N_PER_LANG = 2000
N_WORDS = 250            # sentences per language also checked word by word


def skip_all(why):
    print("1..0 # SKIP " + why)
    sys.exit(0)


try:
    import sentencepiece as spm
except ImportError:
    skip_all("python3-sentencepiece is not installed")

DATA = os.environ.get("TAMGA_DATA", "")
BUILD = os.environ.get("TAMGA_TEST_BUILDDIR", ".")
TOKDUMP = os.path.join(BUILD, "tests", "tokenize", "tok-dump")
if not DATA or not os.path.isdir(DATA):
    skip_all("no data (set TAMGA_DATA)")
if not os.access(TOKDUMP, os.X_OK):
    skip_all("tok-dump not built")

# --- sentences ------------------------------------------------------------------------------------------------------
SOURCES = {
    "en": ["text/en/en.train-dev-derived.txt"],
    "tr": ["text/tr/tr.train-dev-derived.txt"],
    "az": ["text/az/az.train-dev-derived.txt"],
    "kk": ["text/kk/kk.train-dev-derived.txt"],
    "ky": ["text/ky/ky.train-dev-derived.txt", "parallel/ntrex/ntrex128.ky.txt", "udpos/ky/ky_ktmu-ud-test.conllu"],
    "uz": ["parallel/ntrex/ntrex128.uz.txt", "tatoeba/uz/tatoeba.uzb-eng.uzb", "udpos/uz/uz_ut-ud-test.conllu",
           "udpos/uz/uz_tuecl-ud-test.conllu"],
    "ug": ["text/ug/ug.train-dev-derived.txt", "parallel/ntrex/ntrex128.ug.txt", "tatoeba/ug/tatoeba.uig-eng.uig"],
    "tt": ["parallel/ntrex/ntrex128.tt.txt", "tatoeba/tt/tatoeba.tat-eng.tat", "udpos/tt/tt_nmctt-ud-test.conllu"],
    # Uyghur in Cyrillic script: the human translations of Kardes-NLU (XNLI, STS, COPA dev), FILE:COLUMN+COLUMN
    "ug-Cyrl": ["nli/ug/kardes-nlu.xnli.dev.ug.csv:s1_translation+s2_translation",
                "sts/ug/kardes-nlu.sts.dev.ug.csv:s1_translation+s2_translation",
                "copa/ug/kardes-nlu.xcopa.dev.ug.csv:p_translation+a1_translation+a2_translation"],
}


def csv_lines(path, columns):
    import csv
    with open(path, encoding="utf-8", errors="replace", newline="") as f:
        for row in csv.DictReader(f):
            for c in columns:
                yield (row.get(c) or "").replace("\n", " ")


def load_lang(lang):
    out, seen = [], set()
    for rel in SOURCES[lang]:
        rel, _, cols = rel.partition(":")
        path = os.path.join(DATA, rel)
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in (csv_lines(path, cols.split("+")) if cols else f):
                line = line.rstrip("\n")
                if rel.endswith(".conllu"):
                    if not line.startswith("# text = "):
                        continue
                    line = line[len("# text = "):]
                if line.strip() and line not in seen:
                    seen.add(line)
                    out.append(line)
                if len(out) >= N_PER_LANG:
                    return out
    return out


EDGE = [
    "", " ", "   ", "\t", " \t \u3000 ", "a  b   c", "   leading", "trailing   ", "  both  ",
    "İstanbul IŞIK ılık İi Iı", "İSTANBUL ISPARTA ıspanak ŞİŞLİ", "ΣΟΦΟΣ σοφός ΟΔΟΣ.", "ὈΔΥΣΣΕΎΣ",
    "中文字符 日本語のテキスト", "emoji 😀🎉 test 👍🏽", "\u200b zero\u200bwidth \ufeffbom",
    "control\x01\x02\x7f chars", "a\u0301e\u0301 n\u0303 decomposed", "ﬁ ﬂ ligatures", "ＡＢＣ１２３ fullwidth",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 math", "x² ½ ℃ №", "\u00a0nbsp\u00a0here", "tab\there", "line\nbreak", "cr\rreturn",
    "nul\0byte", "\ufffd replacement", "Hello,world!!! (test) [x] {y} <z> #tag @user http://example.com/a?b=c&d=e",
    "3.14 1,000,000 $5 — “quotes” ‘single’ «guillemets» … ¿qué? ¡sí!", "١٢٣ ۴۵۶ digits", "한국어 텍스트",
    "ภาษาไทย", "ﻻ ﺃ presentation forms", "a" * 100, "b" * 101, "ş" * 120, "abc" * 2000, "x" + "ğ" * 99,
    "x" + "ğ" * 100, "don't it's we're I've I'm we'll he'd 'quoted'", "...''' \"\"\" ---", "  'a'  ",
    "ÀÉÎÕÜ àéîõü Çç Ğğ Şş Öö Üü Әә Ғғ Ққ Ңң Өө Ұұ Үү Һһ Ўў Ҷҷ", "<s> </s> <unk> [CLS] [SEP] [UNK] <mask>",
    "\u0130\u0307 dotted twice", "Ǆ ǅ ǆ titlecase", "ß ẞ straße", "١٢٣٤ ئۇيغۇرچە، ھەئە؟",
    "Қазақстан Республикасы", "Кыргыз Республикасы", "Татарстан", "O'zbekiston oʻzbek g‘alaba",
]


def esc(s):
    return s.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\0", "\\0")


def run_dump(model, lines, words=False, flags=()):
    args = [TOKDUMP, "-e", "-W"] + (["-w"] if words else []) + list(flags) + [model]
    data = "".join(esc(l) + "\n" for l in lines).encode("utf-8")
    p = subprocess.run(args, input=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        return None, p.stderr.decode(errors="replace").strip()
    rows = []
    for line in p.stdout.decode("utf-8").split("\n")[:len(lines)]:
        if line.startswith("ERR:"):
            rows.append((None, line))
            continue
        a, _, b = line.partition(" |")
        rows.append(([int(x) for x in a.split()], [int(x) for x in b.split()]))
    return rows, None


# --- fixtures -------------------------------------------------------------------------------------------------------
tmp = tempfile.mkdtemp(prefix="tamga-tok-")
try:
    langs = list(SOURCES)
    groups = {lang: load_lang(lang) for lang in langs}
    for lang in langs:
        if len(groups[lang]) < N_PER_LANG:
            diag("%s: only %d sentences found" % (lang, len(groups[lang])))
    long_line = " ".join(groups["tr"][:60])
    groups["edge"] = EDGE + [long_line]
    order = langs + ["edge"]
    train = os.path.join(tmp, "train.txt")
    with open(train, "w", encoding="utf-8") as f:
        for lang in langs:
            for line in groups[lang]:
                f.write(line + "\n")

    t = time.time()
    spm.SentencePieceTrainer.train(input=train, model_prefix=os.path.join(tmp, "u"), vocab_size=4000,
                                   model_type="unigram", character_coverage=0.9995, num_threads=2,
                                   input_sentence_size=5000, shuffle_input_sentence=True,
                                   seed_sentencepiece_size=50000, num_sub_iterations=1, minloglevel=2)
    spm.SentencePieceTrainer.train(input=train, model_prefix=os.path.join(tmp, "b"), vocab_size=4000,
                                   model_type="bpe", character_coverage=0.9995, byte_fallback=True,
                                   input_sentence_size=5000, shuffle_input_sentence=True, num_threads=2,
                                   minloglevel=2)
    diag("trained SentencePiece unigram + bpe in %.1f s" % (time.time() - t))
    spu = spm.SentencePieceProcessor(model_file=os.path.join(tmp, "u.model"))
    spb = spm.SentencePieceProcessor(model_file=os.path.join(tmp, "b.model"))

    os.mkdir(os.path.join(tmp, "xlmr"))
    shutil.copy(os.path.join(tmp, "u.model"), os.path.join(tmp, "xlmr", "sentencepiece.bpe.model"))
    for d in ["hfu", "hfb", "wpu", "wpc", "hfwp", "hfbl"]:
        os.mkdir(os.path.join(tmp, d))
    tokref.write_hf_unigram(os.path.join(tmp, "u.model"), os.path.join(tmp, "hfu", "tokenizer.json"))
    tokref.write_hf_bpe(os.path.join(tmp, "b.model"), os.path.join(tmp, "hfb", "tokenizer.json"))

    upieces = tokref.read_sp_model(os.path.join(tmp, "u.model"))["pieces"]
    chars = {}
    for lang in langs:
        for line in groups[lang]:
            for c in line:
                chars[c] = chars.get(c, 0) + 1
    rare = {c for c, n in chars.items() if n < 3}          # left out, so [UNK] happens
    for name, lower in (("wpu", True), ("wpc", False)):
        vl = tokref.wordpiece_vocab(upieces, [c for c in chars if c not in rare], lower)
        vl.append(vl[10])        # a repeated piece: Python's dict keeps the last id
        with open(os.path.join(tmp, name, "vocab.txt"), "w", encoding="utf-8") as f:
            f.write("".join(p + "\n" for p in vl))
        with open(os.path.join(tmp, name, "tokenizer_config.json"), "w") as f:
            f.write('{"do_lower_case": %s, "tokenizer_class": "BertTokenizer"}' % ("true" if lower else "false"))
        if lower:
            tokref.write_hf_wordpiece(vl, os.path.join(tmp, "hfwp", "tokenizer.json"), True)
    bl_vocab, bl_merges = tokref.bytelevel_from_sp(tokref.read_sp_model(os.path.join(tmp, "b.model"))["pieces"])
    tokref.write_hf_bytelevel(bl_vocab, bl_merges, os.path.join(tmp, "hfbl", "tokenizer.json"), True)

    bert_u = tokref.Bert(tokref.read_vocab_txt(os.path.join(tmp, "wpu", "vocab.txt")), do_lower_case=True)
    bert_c = tokref.Bert(tokref.read_vocab_txt(os.path.join(tmp, "wpc", "vocab.txt")), do_lower_case=False)
    bl = tokref.ByteLevelBPE(bl_vocab, bl_merges, add_prefix_space=True)
    unk_u = spu.unk_id()

    def xlmr(s):
        return [3 if i == unk_u else i + 1 for i in spu.encode(s)]

    configs = [
        ("sentencepiece unigram .model", os.path.join(tmp, "u.model"), spu.encode),
        ("XLM-R folder (fairseq ids)", os.path.join(tmp, "xlmr"), xlmr),
        ("sentencepiece bpe .model", os.path.join(tmp, "b.model"), spb.encode),
        ("tokenizer.json Unigram", os.path.join(tmp, "hfu"), tokref.HFUnigram(os.path.join(tmp, "hfu",
                                                                                    "tokenizer.json"), spu).encode),
        ("tokenizer.json BPE metaspace", os.path.join(tmp, "hfb"), spb.encode),
        ("vocab.txt uncased", os.path.join(tmp, "wpu"), bert_u.encode),
        ("vocab.txt cased", os.path.join(tmp, "wpc"), bert_c.encode),
        ("tokenizer.json WordPiece", os.path.join(tmp, "hfwp"), bert_u.encode),
        ("tokenizer.json byte-level BPE", os.path.join(tmp, "hfbl"), bl.encode),
    ]

    # --- comparisons --------------------------------------------------------------------------------------------
    all_lines = [l for g in order for l in groups[g]]
    row_of = {}
    for i, l in enumerate(all_lines):
        row_of.setdefault(l, i)
    for name, model, ref in configs:
        t = time.time()
        rows, err = run_dump(model, all_lines)
        if not ok(rows is not None, "%s: tok-dump runs" % name):
            diag(err)
            continue
        pos, total, counts, shown = 0, 0, [], 0
        for g in order:
            good = 0
            for line in groups[g]:
                want = ref(line)
                got = rows[pos][0]
                pos += 1
                if got == want:
                    good += 1
                elif shown < 3:
                    shown += 1
                    diag("%s [%s] %r\n#   tamga %s\n#   ref   %s" % (name, g, line[:80], got if got is None else
                                                                     got[:40], want[:40]))
            counts.append("%s %d/%d" % (g, good, len(groups[g])))
            total += good == len(groups[g])
            ok(good == len(groups[g]), "%s: %s %d/%d sentences match" % (name, g, good, len(groups[g])))
        diag("%s: %s (%.1f s)" % (name, ", ".join(counts), time.time() - t))

        # word by word (encode_words), and word indices of encode(text) against it
        sub = [l for g in langs for l in groups[g][:N_WORDS]] + [l for l in EDGE if "\t" not in l and "\0" not in l]
        wlines = ["\t".join(l.split()) for l in sub]
        wrows, err = run_dump(model, wlines, words=True)
        if not ok(wrows is not None, "%s: tok-dump -w runs" % name):
            diag(err)
            continue
        good = same = agree = shown = 0
        for i, l in enumerate(sub):
            words = l.split()
            want = [x for w in words for x in ref(w)]
            want_wo = [k for k, w in enumerate(words) for _ in ref(w)]
            if wrows[i][0] == want and wrows[i][1] == want_wo:
                good += 1
            elif shown < 3:
                shown += 1
                diag("%s words %r: tamga %s ref %s" % (name, l[:60], wrows[i][0], want[:20]))
            text_row = rows[row_of[l]]
            if text_row[0] == wrows[i][0]:
                same += 1
                agree += text_row[1] == wrows[i][1]
                if text_row[1] != wrows[i][1] and shown < 6:
                    shown += 1
                    diag("%s word indices %r: text %s words %s" % (name, l[:60], text_row[1], wrows[i][1]))
        ok(good == len(sub), "%s: encode_words matches the reference on %d/%d sentences" % (name, good, len(sub)))
        ok(agree == same, "%s: word indices of encode(text) agree with encode_words where the ids agree "
           "(%d/%d)" % (name, agree, same))

    # --- special ids, decoding ----------------------------------------------------------------------------------------
    info = subprocess.run([TOKDUMP, "-i", os.path.join(tmp, "xlmr")], stdout=subprocess.PIPE).stdout.decode()
    kv = dict(l.split(" ", 1) for l in info.splitlines() if " " in l)
    ok(kv.get("vocab") == str(spu.get_piece_size() + 2) and kv.get("cls") == "0" and kv.get("pad") == "1" and
       kv.get("sep") == "2" and kv.get("unk") == "3" and kv.get("mask") == str(spu.get_piece_size() + 1),
       "XLM-R folder: <s>=0 <pad>=1 </s>=2 <unk>=3 <mask>=last, vocab = pieces + 2")
    dec = subprocess.run([TOKDUMP, "-e", "-d", os.path.join(tmp, "u.model")], input="".join(
        esc(l) + "\n" for l in groups["tr"][:200]).encode(), stdout=subprocess.PIPE).stdout.decode().split("\n")
    ok(all(dec[i] == spu.decode(spu.encode(l)) for i, l in enumerate(groups["tr"][:200])),
       "decode matches sentencepiece's decode on 200 sentences")
    diag("total %.1f s" % (time.time() - T0))
finally:
    shutil.rmtree(tmp, ignore_errors=True)

sys.exit(done())
