/* Entity span F1: hand-computed cases for strict (seqeval mode='strict', IOB2) and lenient (conlleval) spans. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "../tap.h"
#include "metrics/metrics.h"

static const char *const labels[] = { "O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG" };
static tg_iob iob;

/* "B-PER I-PER O" -> ids; "_" is an out-of-range id (-100), which reads as O. */
static int64_t
parse(const char *s, int32_t *out)
{
	char buf[512], *tok, *save;
	int64_t n = 0;
	int i;

	snprintf(buf, sizeof buf, "%s", s);
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		int32_t id = -100;

		for (i = 0; i < 7; i++)
			if (strcmp(tok, labels[i]) == 0)
				id = i;
		out[n++] = id;
	}
	return n;
}

/* One sentence: check tp/n_pred/n_gold and P/R/F against hand values. */
static void
check(const char *name, const char *gold, const char *pred, int mode, int64_t tp, int64_t np, int64_t ng,
    double p, double r, double f)
{
	int32_t g[64], q[64];
	int64_t n = parse(gold, g), m = parse(pred, q);
	tg_prf_counts c = { 0, 0, 0 };
	tg_prf prf;

	if (n != m) {
		ok(0, "%s: test is broken (%lld vs %lld tags)", name, (long long)n, (long long)m);
		return;
	}
	tg_spanf1_count(&iob, g, q, n, mode, &c, NULL);
	prf = tg_prf_from_counts(c);
	ok(c.tp == tp && c.n_pred == np && c.n_gold == ng && fabs(prf.p - p) < 1e-12 && fabs(prf.r - r) < 1e-12 &&
	    fabs(prf.f1 - f) < 1e-12, "%s [%s]: tp %lld pred %lld gold %lld, P %.4f R %.4f F %.4f", name,
	    mode == TG_IOB_STRICT ? "strict" : "lenient", (long long)c.tp, (long long)c.n_pred,
	    (long long)c.n_gold, prf.p, prf.r, prf.f1);
	if (!(c.tp == tp && c.n_pred == np && c.n_gold == ng))
		diag("want tp %lld pred %lld gold %lld", (long long)tp, (long long)np, (long long)ng);
}

#define BOTH(name, g, p, ...) do { check(name, g, p, TG_IOB_STRICT, __VA_ARGS__); \
	check(name, g, p, TG_IOB_LENIENT, __VA_ARGS__); } while (0)

int
main(void)
{
	tg_error err = { 0 };
	const char *bad[] = { "O", "E-PER" }, *bad2[] = { "B-" };
	tg_span sp[8];
	int32_t t[16];
	int64_t n;
	tg_prf_counts tot = { 0, 0, 0 }, per[3];
	tg_prf prf;

	/* label sets */
	ok(tg_iob_init(&iob, bad, 2, &err) == TG_ERR && strstr(err.msg, "'E-PER' is not IOB2"), "E- labels refused: %s",
	    err.msg);
	ok(tg_iob_init(&iob, bad2, 1, &err) == TG_ERR, "a B- without a type is refused");
	ok(tg_iob_init(&iob, labels, 7, &err) == TG_OK && iob.n_types == 3 && strcmp(iob.type_name[1], "LOC") == 0,
	    "PAN-X labels: 3 types PER LOC ORG");

	/* empty and all-O first: P = R = F = 0 by convention (0/0 -> 0, as conlleval and seqeval) */
	BOTH("1 empty sentence", "", "", 0, 0, 0, 0, 0, 0);
	BOTH("2 all O", "O O O", "O O O", 0, 0, 0, 0, 0, 0);
	BOTH("3 single-token entity matched", "O B-PER O", "O B-PER O", 1, 1, 1, 1, 1, 1);
	BOTH("4 three-token entity matched", "B-PER I-PER I-PER O", "B-PER I-PER I-PER O", 1, 1, 1, 1, 1, 1);
	BOTH("5 predicted span too short", "B-PER I-PER O", "B-PER O O", 0, 1, 1, 0, 0, 0);
	BOTH("6 right span, wrong type", "B-PER I-PER", "B-LOC I-LOC", 0, 1, 1, 0, 0, 0);
	BOTH("7 missed entity", "B-LOC O B-PER", "B-LOC O O", 1, 1, 2, 1, 0.5, 2.0 / 3);
	BOTH("8 spurious entity", "B-LOC O O", "B-LOC O B-ORG", 1, 2, 1, 0.5, 1, 2.0 / 3);

	/* malformed I- starts: strict ignores them, lenient starts an entity there */
	check("9 I- start in prediction", "B-PER I-PER O", "I-PER I-PER O", TG_IOB_STRICT, 0, 0, 1, 0, 0, 0);
	check("9 I- start in prediction", "B-PER I-PER O", "I-PER I-PER O", TG_IOB_LENIENT, 1, 1, 1, 1, 1, 1);
	check("10 I- start after O", "O B-LOC I-LOC", "O I-LOC I-LOC", TG_IOB_STRICT, 0, 0, 1, 0, 0, 0);
	check("10 I- start after O", "O B-LOC I-LOC", "O I-LOC I-LOC", TG_IOB_LENIENT, 1, 1, 1, 1, 1, 1);
	check("11 I- start in gold", "O I-ORG O", "O B-ORG O", TG_IOB_STRICT, 0, 1, 0, 0, 0, 0);
	check("11 I- start in gold", "O I-ORG O", "O B-ORG O", TG_IOB_LENIENT, 1, 1, 1, 1, 1, 1);

	/* adjacent same-type entities stay separate */
	BOTH("12 B-X B-X gold vs one long prediction", "B-PER B-PER", "B-PER I-PER", 0, 1, 2, 0, 0, 0);
	BOTH("13 B-X B-X matched", "B-PER B-PER O", "B-PER B-PER O", 2, 2, 2, 1, 1, 1);
	BOTH("14 B-X I-X B-X I-X vs one span", "B-LOC I-LOC B-LOC I-LOC", "B-LOC I-LOC I-LOC I-LOC", 0, 1, 2, 0, 0, 0);

	/* type changes inside an entity: I-Y after B-X */
	check("15 type change B-X I-Y", "B-PER B-LOC O", "B-PER I-LOC O", TG_IOB_STRICT, 1, 1, 2, 1, 0.5, 2.0 / 3);
	check("15 type change B-X I-Y", "B-PER B-LOC O", "B-PER I-LOC O", TG_IOB_LENIENT, 2, 2, 2, 1, 1, 1);
	check("16 I-X I-Y from the start", "B-ORG I-ORG O", "I-ORG I-LOC O", TG_IOB_STRICT, 0, 0, 1, 0, 0, 0);
	check("16 I-X I-Y from the start", "B-ORG I-ORG O", "I-ORG I-LOC O", TG_IOB_LENIENT, 0, 2, 1, 0, 0, 0);

	/* sentence end */
	BOTH("17 entity at the end of the sentence", "O O B-LOC I-LOC", "O O B-LOC I-LOC", 1, 1, 1, 1, 1, 1);
	BOTH("18 end entity cut short", "O O B-LOC I-LOC", "O O B-LOC O", 0, 1, 1, 0, 0, 0);
	BOTH("19 single-token sentence", "B-ORG", "B-ORG", 1, 1, 1, 1, 1, 1);
	check("20 single-token I- prediction", "B-ORG", "I-ORG", TG_IOB_STRICT, 0, 0, 1, 0, 0, 0);
	check("20 single-token I- prediction", "B-ORG", "I-ORG", TG_IOB_LENIENT, 1, 1, 1, 1, 1, 1);

	/* overlaps do not count */
	BOTH("21 shifted span", "B-PER I-PER I-PER O", "O B-PER I-PER I-PER", 0, 1, 1, 0, 0, 0);
	BOTH("22 one partial, one exact", "B-LOC I-LOC O B-ORG", "B-LOC O O B-ORG", 1, 2, 2, 0.5, 0.5, 0.5);
	BOTH("23 mixed sentence", "B-PER I-PER O B-LOC O B-ORG I-ORG I-ORG", "B-PER I-PER O B-ORG O B-ORG I-ORG O",
	    1, 3, 3, 1.0 / 3, 1.0 / 3, 1.0 / 3);
	BOTH("24 nothing predicted", "B-PER O B-LOC", "O O O", 0, 0, 2, 0, 0, 0);
	BOTH("25 nothing to find", "O O", "B-PER O", 0, 1, 0, 0, 0, 0);
	BOTH("26 out-of-range ids read as O", "O B-PER _", "_ B-PER O", 1, 1, 1, 1, 1, 1);

	/* spans themselves */
	n = parse("B-PER I-PER I-LOC I-LOC O B-ORG", t);
	ok(tg_iob_spans(&iob, t, n, TG_IOB_STRICT, sp) == 2 && sp[0].start == 0 && sp[0].end == 2 && sp[1].start == 5 &&
	    sp[1].end == 6 && sp[1].type == 2, "strict spans: PER[0,2) ORG[5,6); orphan I-LOC I-LOC is no entity");
	ok(tg_iob_spans(&iob, t, n, TG_IOB_LENIENT, sp) == 3 && sp[1].start == 2 && sp[1].end == 4 && sp[1].type == 1,
	    "lenient spans: PER[0,2) LOC[2,4) ORG[5,6)");
	ok(tg_iob_spans(&iob, t, n, TG_IOB_STRICT, NULL) == 2, "spans can be counted without storing them");

	/* several sentences: counts add up; an entity cannot cross a sentence boundary */
	{
		int32_t g1[1], p1[1], g2[1], p2[1], gc[2], pc[2];
		tg_prf_counts s = { 0, 0, 0 }, l = { 0, 0, 0 }, cat = { 0, 0, 0 };

		parse("B-PER", g1);
		parse("B-PER", p1);
		parse("B-PER", g2);
		parse("I-PER", p2);
		tg_spanf1_count(&iob, g1, p1, 1, TG_IOB_STRICT, &s, NULL);
		tg_spanf1_count(&iob, g2, p2, 1, TG_IOB_STRICT, &s, NULL);
		tg_spanf1_count(&iob, g1, p1, 1, TG_IOB_LENIENT, &l, NULL);
		tg_spanf1_count(&iob, g2, p2, 1, TG_IOB_LENIENT, &l, NULL);
		prf = tg_prf_from_counts(s);
		ok(s.tp == 1 && s.n_pred == 1 && s.n_gold == 2 && fabs(prf.f1 - 2.0 / 3) < 1e-12,
		    "27 two sentences, strict: tp 1 pred 1 gold 2, F %.4f", prf.f1);
		prf = tg_prf_from_counts(l);
		ok(l.tp == 2 && l.n_pred == 2 && l.n_gold == 2 && prf.f1 == 1.0,
		    "28 two sentences, lenient: the second sentence's I-PER is its own entity, F 1");
		parse("B-PER B-PER", gc);
		parse("B-PER I-PER", pc);
		tg_spanf1_count(&iob, gc, pc, 2, TG_IOB_LENIENT, &cat, NULL);
		ok(cat.tp == 0 && cat.n_pred == 1, "29 the same tags glued into one sentence give one span and tp 0");
	}

	/* micro average over a corpus and per-type counts */
	{
		const char *G[3] = { "B-PER I-PER O B-LOC O B-ORG I-ORG I-ORG", "B-LOC O B-PER", "O O" };
		const char *P[3] = { "B-PER I-PER O B-ORG O B-ORG I-ORG O", "B-LOC O O", "B-PER O" };
		int k;

		memset(per, 0, sizeof per);
		for (k = 0; k < 3; k++) {
			int32_t g[16], p[16];

			n = parse(G[k], g);
			parse(P[k], p);
			tg_spanf1_count(&iob, g, p, n, TG_IOB_STRICT, &tot, per);
		}
		/* sentence 1: tp1 pred3 gold3; 2: tp1 pred1 gold2; 3: tp0 pred1 gold0 -> tp2 pred5 gold5 */
		prf = tg_prf_from_counts(tot);
		ok(tot.tp == 2 && tot.n_pred == 5 && tot.n_gold == 5 && fabs(prf.p - 0.4) < 1e-12 &&
		    fabs(prf.r - 0.4) < 1e-12 && fabs(prf.f1 - 0.4) < 1e-12, "30 corpus micro P/R/F = 0.4/0.4/0.4");
		ok(per[0].tp == 1 && per[0].n_pred == 2 && per[0].n_gold == 2 && per[1].tp == 1 && per[1].n_pred == 1 &&
		    per[1].n_gold == 2 && per[2].tp == 0 && per[2].n_pred == 2 && per[2].n_gold == 1,
		    "31 per type: PER 1/2/2, LOC 1/1/2, ORG 0/2/1 (tp/pred/gold)");
	}
	tg_iob_free(&iob);
	return done_testing();
}
