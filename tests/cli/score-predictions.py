#!/usr/bin/python3
"""Score tamga's prediction files without tamga's metric code (an independent check for t-eval.sh).

  score-predictions.py conllu GOLD.conllu PRED.conllu   token accuracy: PRED's UPOS column against GOLD's
  score-predictions.py iob2 PRED.tsv                    strict IOB2 span F1 (seqeval mode='strict', scheme=IOB2)
                                                        from word<TAB>gold<TAB>pred lines
  score-predictions.py labels GOLD.txt PRED.txt         accuracy of one label per line

Prints the score with 9 decimals. CoNLL-U: sentences of PRED are matched to GOLD by their lines with field 4
removed (so sentences tamga skipped as malformed are simply not scored). A multiword-token range line carrying a
prediction (tamga's fused tokens, as XTREME's UDPOS) is scored against the UPOS of the span's head word: the word
closest to the root by HEAD steps, ties broken by the order VERB NOUN PROPN PRON ADJ NUM ADV INTJ AUX ADP DET PART
CCONJ SCONJ X PUNCT (then anything else); its words carry '_' and are not scored themselves.
"""
import sys

PREC = "VERB NOUN PROPN PRON ADJ NUM ADV INTJ AUX ADP DET PART CCONJ SCONJ X PUNCT".split()


def blocks(path):
    text = open(path, encoding="utf-8-sig").read().replace("\r\n", "\n")
    return [b for b in text.split("\n\n") if b.strip()]


def key(block):
    out = []
    for line in block.split("\n"):
        f = line.split("\t")
        if len(f) == 10:
            f[3] = ""
        out.append("\t".join(f))
    return "\n".join(out)


def head_upos(words, first, last):
    def depth(i):
        d = 0
        while i != 0:
            if d > len(words) or i not in words:
                return 10 ** 9
            i = words[i][1]
            d += 1
        return d
    ds = {i: depth(i) for i in range(first, last + 1)}
    best = min(ds.values())
    cands = [i for i in range(first, last + 1) if ds[i] == best]
    if len(cands) == 1:
        return words[cands[0]][0]
    rank = lambda i: PREC.index(words[i][0]) if words[i][0] in PREC else len(PREC)
    return words[min(cands, key=lambda i: (rank(i), i))][0]


def conllu(gold_path, pred_path):
    gold = {}
    for b in blocks(gold_path):
        gold.setdefault(key(b), b)
    correct = total = 0
    for b in blocks(pred_path):
        g = gold.get(key(b))
        if g is None:
            sys.exit("a predicted sentence is not in the gold file:\n" + b)
        words = {}
        for line in g.split("\n"):
            f = line.split("\t")
            if len(f) == 10 and f[0].isdigit():
                words[int(f[0])] = (f[3], int(f[6]) if f[6].isdigit() else -1)
        for gl, pl in zip(g.split("\n"), b.split("\n")):
            gf, pf = gl.split("\t"), pl.split("\t")
            if len(gf) != 10 or "." in gf[0]:
                continue
            if "-" in gf[0]:
                if pf[3] == "_":
                    continue
                a, z = map(int, gf[0].split("-"))
                gold_tag = head_upos(words, a, z)
            else:
                gold_tag = gf[3]
                in_span = pf[3] == "_"
                if in_span:
                    continue
            total += 1
            correct += pf[3] == gold_tag
    return correct / total


def spans(tags):
    out, cur = set(), None
    for i, t in enumerate(tags + ["O"]):
        if cur is not None and not (t.startswith("I-") and t[2:] == cur[0]):
            out.add((cur[0], cur[1], i))
            cur = None
        if t.startswith("B-"):
            cur = (t[2:], i)
    return out


def iob2(path):
    tp = n_pred = n_gold = 0
    for b in blocks(path):
        rows = [l.split("\t") for l in b.split("\n")]
        g, p = spans([r[1] for r in rows]), spans([r[2] for r in rows])
        tp += len(g & p)
        n_pred += len(p)
        n_gold += len(g)
    prec = tp / n_pred if n_pred else 0.0
    rec = tp / n_gold if n_gold else 0.0
    return 2 * prec * rec / (prec + rec) if prec + rec else 0.0


def labels(gold_path, pred_path):
    g = open(gold_path).read().split()
    p = open(pred_path).read().split()
    assert len(g) == len(p), (len(g), len(p))
    return sum(a == b for a, b in zip(g, p)) / len(g)


if __name__ == "__main__":
    mode = sys.argv[1]
    score = {"conllu": lambda: conllu(sys.argv[2], sys.argv[3]), "iob2": lambda: iob2(sys.argv[2]),
             "labels": lambda: labels(sys.argv[2], sys.argv[3])}[mode]()
    print("%.9f" % score)
