#!/usr/bin/env python3
"""An independent computation of `tamga analyze compare A B` from the workspace itself: the runs and evaluations
read from tamga.db with sqlite3, the per-item scores from the items files, the checkpoint chosen on source dev,
runs paired by seed, and the same hierarchical bootstrap (tamga's xoshiro256** stream re-implemented here, so the
resamples are the same draws). Prints JSON: one object per (task, source, target) with diff, CI, p, p_holm, TTC.

usage: compare_ref.py WORKSPACE NAME_PREFIX_A NAME_PREFIX_B [--boot N] [--seed N] [--level X]
(A and B select the finished runs whose names start with the prefixes.)"""
import json
import math
import os
import sqlite3
import sys

M64 = (1 << 64) - 1


def hash64(x):
    x = (x + 0x9E3779B97F4A7C15) & M64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & M64
    return x ^ (x >> 31)


class Rng:
    def __init__(self, seed):
        self.s = []
        x = seed
        for _ in range(4):
            x = hash64(x)
            self.s.append(x)

    def next(self):
        s = self.s
        rotl = lambda v, k: ((v << k) | (v >> (64 - k))) & M64
        result = (rotl((s[1] * 5) & M64, 7) * 9) & M64
        t = (s[1] << 17) & M64
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        return result

    def below(self, n):
        return self.next() % n if n else 0


def read_items(path):
    with open(path) as f:
        lines = [l.rstrip("\n") for l in f if not l.startswith("#")]
    assert lines[0].split() == ["tamga-items", "1"], path
    head, i = {}, 1
    while not lines[i].startswith("items "):
        k, v = lines[i].split(None, 1)
        head[k] = v
        i += 1
    n = int(lines[i].split()[1])
    vals = [[float(x) for x in lines[i + 1 + j].split()] for j in range(n)]
    return head["stat"], vals


def score(stat, vals, idx=None):
    rows = vals if idx is None else [vals[i] for i in idx]
    if stat == "mean":
        return sum(r[0] for r in rows) / len(rows)
    if stat == "ratio":
        den = sum(r[1] for r in rows)
        return sum(r[0] for r in rows) / den if den else float("nan")
    if stat == "f1":
        tp, npred, ngold = (sum(r[k] for r in rows) for k in range(3))
        return 2 * tp / (npred + ngold) if npred + ngold else 0.0
    raise SystemExit("compare_ref: stat %s not implemented" % stat)


def ttc(a_t, c_t, a_s, c_s):
    if any(v is None or math.isnan(v) for v in (a_t, c_t, a_s, c_s)) or a_s <= c_s:
        return float("nan")
    return (a_t - c_t) / (a_s - c_s)


def runs_of(db, ws, prefix, split):
    """(task, source, target, seed) -> measurement of the latest finished run whose name starts with prefix."""
    out = {}
    for rid, name, task, source, seed in db.execute(
            "select id, name, task, source, seed from runs where status = 'done' order by id"):
        if not name.startswith(prefix):
            continue
        dev = db.execute("select step, lang, metric, score from evals where run_id = ? and split = 'dev' and "
                         "is_source = 1 and score is not null order by step", (rid,)).fetchall()
        if not dev:
            continue
        best = max(r[3] for r in dev)
        step, src_lang, metric = next((r[0], r[1], r[2]) for r in dev if r[3] == best)   # earliest on ties
        rows = db.execute("select lang, score, chance, is_source from evals where run_id = ? and step = ? and "
                          "split = ? and metric = ?", (rid, step, split, metric)).fetchall()
        src = [r for r in rows if r[3] == 1]
        for lang, sc, ch, is_src in rows:
            if is_src or sc is None:
                continue
            item = lambda l: os.path.join(ws, "items", "run-%d" % rid, "%s-%s-%s-%d.items" % (split, l, metric, step))
            out[(task, source, lang, metric, seed)] = dict(run=rid, a_t=sc, c_t=ch, a_s=src[0][1], c_s=src[0][2],
                                                          t=read_items(item(lang)), s=read_items(item(src_lang)))
    return out


def quantile(v, q):
    v = sorted(v)
    pos = q * (len(v) - 1)
    i = int(math.floor(pos))
    return v[-1] if i >= len(v) - 1 else v[i] + (pos - i) * (v[i + 1] - v[i])


def main():
    args = sys.argv[1:]
    opt = {"--boot": "1000", "--seed": "0", "--level": "0.95", "--split": "test"}
    pos = []
    while args:
        a = args.pop(0)
        if a in opt:
            opt[a] = args.pop(0)
        else:
            pos.append(a)
    ws, pa, pb = pos
    nboot, seed, level = int(opt["--boot"]), int(opt["--seed"]), float(opt["--level"])
    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(ws, "tamga.db"), uri=True)
    A, B = runs_of(db, ws, pa, opt["--split"]), runs_of(db, ws, pb, opt["--split"])
    cells = {}
    for key in sorted(A):
        if key in B:
            cells.setdefault(key[:4], []).append((A[key], B[key]))
    out = []
    for (task, source, target, metric), pairs in sorted(cells.items()):
        m = len(pairs)
        stat_t, stat_s = pairs[0][0]["t"][0], pairs[0][0]["s"][0]
        n_t, n_s = len(pairs[0][0]["t"][1]), len(pairs[0][0]["s"][1])

        def stat(pick, it, is_):
            d = ta = tb = 0.0
            for k in pick:
                a, b = pairs[k]
                xa, xb = score(stat_t, a["t"][1], it), score(stat_t, b["t"][1], it)
                sa, sb = score(stat_s, a["s"][1], is_), score(stat_s, b["s"][1], is_)
                d += xa - xb
                ta += ttc(xa, a["c_t"], sa, a["c_s"])
                tb += ttc(xb, b["c_t"], sb, b["c_s"])
            return d / len(pick), (ta - tb) / len(pick)

        vd, vt = [], []
        for b in range(nboot):
            rng = Rng(hash64((seed ^ hash64((b + 0x5BD1E995) & M64)) & M64))
            pick = [rng.below(m) for _ in range(m)]
            it = [rng.below(n_t) for _ in range(n_t)]
            is_ = [rng.below(n_s) for _ in range(n_s)]
            d, t = stat(pick, it, is_)
            vd.append(d)
            vt.append(t)
        d0, t0 = stat(range(m), None, None)
        le, ge = sum(v <= 0 for v in vd), sum(v >= 0 for v in vd)
        p = min(1.0, 2.0 * (min(le, ge) + 1) / (nboot + 1))
        vt = [v for v in vt if not math.isnan(v)]
        out.append(dict(task=task, source=source, target=target, n_seeds=m, diff=d0,
                        diff_ci=[quantile(vd, (1 - level) / 2), quantile(vd, 1 - (1 - level) / 2)], p=p, dttc=t0,
                        dttc_ci=[quantile(vt, (1 - level) / 2), quantile(vt, 1 - (1 - level) / 2)] if vt else None,
                        score_a=sum(a["a_t"] for a, _ in pairs) / m, score_b=sum(b["a_t"] for _, b in pairs) / m))
    # Holm per (task, source)
    fams = {}
    for c in out:
        fams.setdefault((c["task"], c["source"]), []).append(c)
    for fam in fams.values():
        fam.sort(key=lambda c: c["p"])
        run = 0.0
        for j, c in enumerate(fam):
            run = max(run, min(1.0, (len(fam) - j) * c["p"]))
            c["p_holm"] = run
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
