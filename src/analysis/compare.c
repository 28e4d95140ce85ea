/* Paired comparison of two methods (two selections of runs) on the same test items: per task x source x target, the
 * difference in score, in score above chance and in TTC, with a hierarchical bootstrap (seeds, then items) and
 * Holm-corrected p-values across targets. Also the per-selection seed means that the study report tabulates. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "analysis/analysis.h"

/* One (run, target) measurement at the run's selected checkpoint. */
typedef struct crec {
	char    task[32], source[16], src_lang[16], target[16], metric[32];
	int64_t run_id, seed, step;
	double  a_s, a_t, c_s, c_t;
	double  params, flops, wall;
} crec;

static void
cpy(char *dst, size_t n, const char *s)
{
	snprintf(dst, n, "%s", s != NULL && s[0] ? s : "?");
}

/* The LIKE pattern of a selector's name: '*' -> '%', so shell-style patterns work too. */
static char *
like_of(const char *pat)
{
	char *s = tg_xstrdup(pat), *p;

	for (p = s; *p; p++)
		if (*p == '*')
			*p = '%';
	return s;
}

static bool
is_key(const char *t)
{
	return strncmp(t, "name=", 5) == 0 || strncmp(t, "method=", 7) == 0 || strncmp(t, "layers=", 7) == 0;
}

int
tg_compare_sel_parse(const char *spec, tg_compare_sel *sel, tg_error *err)
{
	char *s, *save = NULL, *t;
	const char *p;

	memset(sel, 0, sizeof *sel);
	if (spec == NULL || !spec[0])
		return tg_error_set(err, TG_E_ARG, "compare: an empty selection");
	snprintf(sel->label, sizeof sel->label, "%s", spec);
	if (strncmp(spec, "name=", 5) == 0) {                   /* the rest is the pattern, commas and all */
		snprintf(sel->name, sizeof sel->name, "%s", spec + 5);
		return TG_OK;
	}
	if (!is_key(spec)) {                                     /* a name pattern or a method */
		if (strpbrk(spec, "*% =") != NULL)
			snprintf(sel->name, sizeof sel->name, "%s", spec);
		else
			snprintf(sel->method, sizeof sel->method, "%s", spec);
		return TG_OK;
	}
	s = tg_xstrdup(spec);
	for (t = strtok_r(s, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
		if (!is_key(t)) {
			tg_error_set(err, TG_E_ARG, "compare: '%s' in selection '%s' is not KEY=VALUE", t, spec);
			tg_error_hint(err, "keys: method, layers, then name=PATTERN last (* matches anything); e.g. "
			    "method=lora,layers=0-1");
			free(s);
			return TG_ERR;
		}
		p = strchr(t, '=') + 1;
		if (strncmp(t, "name=", 5) == 0) {              /* name= takes the rest of the spec */
			snprintf(sel->name, sizeof sel->name, "%s", spec + (t - s) + 5);
			break;
		}
		if (t[0] == 'm')
			snprintf(sel->method, sizeof sel->method, "%s", p);
		else
			snprintf(sel->layers, sizeof sel->layers, "%s", p);
	}
	free(s);
	return TG_OK;
}

/* The records of every finished run of a selection (latest run per task, source, seed). */
static int
collect_sel(tg_store *s, const tg_compare_sel *sel, const char *task, const char *source, bool dev, crec **out,
    int *nout, tg_notes *nt, tg_error *err)
{
	tg_run_filter f = { 0 };
	tg_run_info *runs = NULL;
	int nruns = 0, i, j, n = 0, cap = 0, nids = 0;
	int64_t *ids;
	tg_report_opts ro = { 0 };
	tg_report *rep;
	crec *r = NULL;
	char *like = sel->name[0] ? like_of(sel->name) : NULL;
	tg_split sp = dev ? TG_SPLIT_DEV : TG_SPLIT_TEST;

	f.status_mask = 1u << TG_RUN_DONE;
	f.task = task;
	f.source = source;
	f.method = sel->method[0] ? sel->method : NULL;
	f.name_like = like;
	f.order = TG_ORDER_OLDEST;
	if (tg_store_run_list(s, &f, &runs, &nruns, err) != TG_OK) {
		free(like);
		return TG_ERR;
	}
	free(like);
	ids = tg_xcalloc((size_t)(nruns ? nruns : 1), sizeof *ids);
	for (i = 0; i < nruns; i++) {
		if (sel->layers[0] && (runs[i].layers == NULL || strcmp(runs[i].layers, sel->layers) != 0))
			continue;
		if (runs[i].task == NULL || runs[i].source == NULL)
			continue;
		ids[nids++] = runs[i].id;
	}
	ro.split = sp;
	if ((rep = tg_report_build(s, ids, nids, &ro, err)) == NULL) {
		free(ids);
		tg_run_list_free(runs, nruns);
		return TG_ERR;
	}
	for (i = 0; i < rep->nruns; i++) {
		tg_report_run *rr = &rep->runs[i];
		tg_run_info *ri = NULL;
		tg_eval_row *rows = NULL;
		int nrows = 0, q;
		const char *src_lang = NULL;
		double wall = NAN;

		for (j = 0; j < nruns; j++)
			if (runs[j].id == rr->id)
				ri = &runs[j];
		if (rr->step < 0 || ri == NULL) {
			tg_notes_add(nt, "run %lld (%s) left out: no source dev scores to select a checkpoint", (long long)rr->id,
			    rr->name ? rr->name : "");
			continue;
		}
		if (tg_store_evals(s, rr->id, TG_EVALS_ALL, &rows, &nrows, err) != TG_OK) {
			tg_report_free(rep);
			free(ids);
			tg_run_list_free(runs, nruns);
			free(r);
			return TG_ERR;
		}
		for (j = 0; j < nrows; j++)
			if (rows[j].step == rr->step && rows[j].split == sp && rows[j].is_source &&
			    strcmp(rows[j].metric, rr->metric) == 0) {
				src_lang = rows[j].lang;
				break;
			}
		if (src_lang == NULL || isnan(rr->src.score)) {
			tg_notes_add(nt, "run %lld (%s) left out: no source %s score at step %lld", (long long)rr->id,
			    rr->name ? rr->name : "", tg_split_name(sp), (long long)rr->step);
			free(rows);
			continue;
		}
		if (!isnan(ri->created) && !isnan(ri->updated))
			wall = ri->updated - ri->created;
		for (q = 0; q < rep->nlangs; q++) {
			const tg_report_cell *c = &rr->cells[q];
			crec *x;
			int k;

			if (isnan(c->score))
				continue;
			/* a repeat of (task, source, target, metric, seed): the later run (runs come oldest first) */
			for (k = 0; k < n; k++)
				if (strcmp(r[k].task, rr->task) == 0 && strcmp(r[k].source, rr->source) == 0 &&
				    strcmp(r[k].target, rep->langs[q]) == 0 && strcmp(r[k].metric, rr->metric) == 0 &&
				    r[k].seed == ri->seed)
					break;
			if (k < n) {
				tg_notes_add(nt, "%s: runs %lld and %lld repeat %s %s seed %lld: the later one counts", sel->label,
				    (long long)r[k].run_id, (long long)rr->id, rr->task, rr->source, (long long)ri->seed);
				x = &r[k];
			} else {
				if (n == cap)
					r = tg_xrealloc(r, (size_t)(cap = cap ? 2 * cap : 64) * sizeof *r);
				x = &r[n++];
			}
			memset(x, 0, sizeof *x);
			cpy(x->task, sizeof x->task, rr->task);
			cpy(x->source, sizeof x->source, rr->source);
			cpy(x->src_lang, sizeof x->src_lang, src_lang);
			cpy(x->target, sizeof x->target, rep->langs[q]);
			cpy(x->metric, sizeof x->metric, rr->metric);
			x->run_id = rr->id;
			x->seed = ri->seed;
			x->step = rr->step;
			x->a_s = rr->src.score;
			x->c_s = rr->src.chance;
			x->a_t = c->score;
			x->c_t = c->chance;
			x->params = ri->trainable_params > 0 ? (double)ri->trainable_params : NAN;
			x->flops = ri->flops_per_step;
			x->wall = wall;
		}
		free(rows);
	}
	tg_report_free(rep);
	free(ids);
	tg_run_list_free(runs, nruns);
	*out = r;
	*nout = n;
	return TG_OK;
}

static bool
same_cell(const crec *a, const crec *b)
{
	return strcmp(a->task, b->task) == 0 && strcmp(a->source, b->source) == 0 && strcmp(a->target, b->target) == 0 &&
	    strcmp(a->metric, b->metric) == 0;
}

static int
crec_cmp(const void *pa, const void *pb)
{
	const crec *a = pa, *b = pb;
	int c;

	if ((c = strcmp(a->task, b->task)) || (c = strcmp(a->source, b->source)) || (c = strcmp(a->metric, b->metric)) ||
	    (c = strcmp(a->target, b->target)))
		return c;
	return a->seed < b->seed ? -1 : a->seed > b->seed;
}

uint64_t
tg_compare_boot_seed(uint64_t seed, int b)
{
	return tg_hash64(seed ^ tg_hash64((uint64_t)b + 0x5bd1e995ull));
}

/* Two-sided bootstrap p-value of "no difference": twice the smaller tail at 0, with the +1 correction
 * (Davison and Hinkley 1997, eq. 4.11), at most 1. */
static double
boot_p(const double *v, int nb)
{
	int i, m = 0, le = 0, ge = 0;
	double p;

	for (i = 0; i < nb; i++) {
		if (isnan(v[i]))
			continue;
		m++;
		le += v[i] <= 0;
		ge += v[i] >= 0;
	}
	if (m == 0)
		return NAN;
	p = 2.0 * ((le < ge ? le : ge) + 1) / (m + 1);
	return p < 1 ? p : 1;
}

/* The item files of both runs of every matched seed, or a note saying why the bootstrap is left out. */
typedef struct pair_items {
	int        m;
	tg_items **ta, **tb, **sa, **sb;
} pair_items;

static void
pair_items_free(pair_items *p)
{
	int i;

	for (i = 0; i < p->m; i++) {
		tg_items_free(p->ta[i]);
		tg_items_free(p->tb[i]);
		tg_items_free(p->sa[i]);
		tg_items_free(p->sb[i]);
	}
	free(p->ta);
	free(p->tb);
	free(p->sa);
	free(p->sb);
	memset(p, 0, sizeof *p);
}

static int
load_pairs(tg_store *s, bool dev, const crec *const *A, const crec *const *B, int m, pair_items *p, tg_notes *nt)
{
	tg_split sp = dev ? TG_SPLIT_DEV : TG_SPLIT_TEST;
	int i;

	p->m = m;
	p->ta = tg_xcalloc((size_t)m, sizeof *p->ta);
	p->tb = tg_xcalloc((size_t)m, sizeof *p->tb);
	p->sa = tg_xcalloc((size_t)m, sizeof *p->sa);
	p->sb = tg_xcalloc((size_t)m, sizeof *p->sb);
	for (i = 0; i < m; i++) {
		tg_error e = { 0 };
		const crec *a = A[i], *b = B[i];

		p->ta[i] = tg_items_find(s, a->run_id, a->step, sp, a->target, a->metric, &e);
		p->tb[i] = p->ta[i] ? tg_items_find(s, b->run_id, b->step, sp, b->target, b->metric, &e) : NULL;
		p->sa[i] = p->tb[i] ? tg_items_find(s, a->run_id, a->step, sp, a->src_lang, a->metric, &e) : NULL;
		p->sb[i] = p->sa[i] ? tg_items_find(s, b->run_id, b->step, sp, b->src_lang, b->metric, &e) : NULL;
		if (p->sb[i] == NULL) {
			if (e.code)
				tg_notes_add(nt, "%s", e.msg);
			tg_notes_add(nt, "%s %s->%s seed %lld: no item files for runs %lld and %lld: no bootstrap for this cell",
			    a->task, a->source, a->target, (long long)a->seed, (long long)a->run_id, (long long)b->run_id);
			return -1;
		}
		if (p->ta[i]->n != p->ta[0]->n || p->tb[i]->n != p->ta[0]->n || p->sa[i]->n != p->sa[0]->n ||
		    p->sb[i]->n != p->sa[0]->n || p->ta[i]->stat != p->tb[i]->stat) {
			tg_notes_add(nt, "%s %s->%s: runs %lld and %lld were scored on different item sets (%lld and %lld target "
			    "items): not paired, no bootstrap", a->task, a->source, a->target, (long long)a->run_id,
			    (long long)b->run_id, (long long)p->ta[i]->n, (long long)p->tb[i]->n);
			return -1;
		}
		if (fabs(tg_items_score(p->ta[i], NULL, 0) - a->a_t) > 1e-6 ||
		    fabs(tg_items_score(p->tb[i], NULL, 0) - b->a_t) > 1e-6)
			tg_notes_add(nt, "%s %s->%s seed %lld: the item files do not reproduce the stored scores", a->task, a->source,
			    a->target, (long long)a->seed);
	}
	return 0;
}

/* The statistics of one resample: seeds pick[0..m), target items it, source items is (NULL = all). */
static void
pair_stat(const pair_items *p, const crec *const *A, const crec *const *B, const int *pick, int m,
    const int64_t *it, const int64_t *is, double out[3])
{
	double d = 0, g = 0, ta = 0, tb = 0;
	int k;

	for (k = 0; k < m; k++) {
		int i = pick ? pick[k] : k;
		int64_t nt_ = p->ta[i]->n, ns = p->sa[i]->n;
		double xa = tg_items_score(p->ta[i], it, nt_), xb = tg_items_score(p->tb[i], it, nt_);
		double sa = tg_items_score(p->sa[i], is, ns), sb = tg_items_score(p->sb[i], is, ns);

		d += xa - xb;
		g += (xa - A[i]->c_t) - (xb - B[i]->c_t);
		ta += tg_ttc(xa, A[i]->c_t, sa, A[i]->c_s);
		tb += tg_ttc(xb, B[i]->c_t, sb, B[i]->c_s);
	}
	out[0] = d / m;
	out[1] = g / m;
	out[2] = (ta - tb) / m;
}

static void
holm(tg_compare *c)
{
	int i, j, k;

	/* families: (task, source, metric); p_holm over the targets of a family */
	for (i = 0; i < c->n; i++) {
		int fam[1024], nf = 0;
		bool first = true;

		for (j = 0; j < i; j++)
			if (strcmp(c->cell[j].task, c->cell[i].task) == 0 && strcmp(c->cell[j].source, c->cell[i].source) == 0 &&
			    strcmp(c->cell[j].metric, c->cell[i].metric) == 0)
				first = false;
		if (!first)
			continue;
		for (j = i; j < c->n && nf < 1024; j++)
			if (strcmp(c->cell[j].task, c->cell[i].task) == 0 && strcmp(c->cell[j].source, c->cell[i].source) == 0 &&
			    strcmp(c->cell[j].metric, c->cell[i].metric) == 0 && !isnan(c->cell[j].p))
				fam[nf++] = j;
		/* sort the family by p (insertion sort: a few targets) */
		for (j = 1; j < nf; j++)
			for (k = j; k > 0 && c->cell[fam[k]].p < c->cell[fam[k - 1]].p; k--) {
				int t = fam[k];
				fam[k] = fam[k - 1];
				fam[k - 1] = t;
			}
		{
			double run = 0;

			for (j = 0; j < nf; j++) {
				double v = (nf - j) * c->cell[fam[j]].p;

				if (v > 1)
					v = 1;
				if (v > run)
					run = v;
				c->cell[fam[j]].p_holm = run;
				c->cell[fam[j]].family = nf;
			}
		}
	}
}

tg_compare *
tg_compare_compute(tg_store *s, const tg_compare_opts *o, tg_error *err)
{
	crec *ra = NULL, *rb = NULL;
	int na = 0, nb_ = 0, i, b;
	tg_notes nt = { 0 };
	tg_compare *c;
	double level = o->level > 0 && o->level < 1 ? o->level : 0.95;
	int nboot = o->n_boot == 0 ? 1000 : o->n_boot < 0 ? 0 : o->n_boot;

	if (s == NULL) {
		tg_error_set(err, TG_E_ARG, "compare: no store");
		return NULL;
	}
	if (collect_sel(s, &o->a, o->task, o->source, o->dev, &ra, &na, &nt, err) != TG_OK ||
	    collect_sel(s, &o->b, o->task, o->source, o->dev, &rb, &nb_, &nt, err) != TG_OK) {
		free(ra);
		free(rb);
		return NULL;
	}
	if (na > 1)
		qsort(ra, (size_t)na, sizeof *ra, crec_cmp);
	if (nb_ > 1)
		qsort(rb, (size_t)nb_, sizeof *rb, crec_cmp);
	c = tg_xcalloc(1, sizeof *c);
	c->level = level;
	c->n_boot = nboot;
	c->dev = o->dev;
	snprintf(c->label_a, sizeof c->label_a, "%s", o->a.label[0] ? o->a.label : "A");
	snprintf(c->label_b, sizeof c->label_b, "%s", o->b.label[0] ? o->b.label : "B");
	c->n_runs_a = na;
	c->n_runs_b = nb_;
	c->cell = tg_xcalloc((size_t)(na ? na : 1), sizeof *c->cell);
	for (i = 0; i < na; ) {
		int i1 = i, m = 0, k, q;
		const crec **A, **B;
		tg_compare_cell *x;
		double sa = 0, sb = 0, ga = 0, gb = 0, tta = 0, ttb = 0, ctv = 0, est[3];
		int nta = 0, ntb = 0;
		pair_items p = { 0 };

		while (i1 < na && same_cell(&ra[i], &ra[i1]))
			i1++;
		A = tg_xcalloc((size_t)(i1 - i), sizeof *A);
		B = tg_xcalloc((size_t)(i1 - i), sizeof *B);
		for (k = i; k < i1; k++)
			for (q = 0; q < nb_; q++)
				if (same_cell(&ra[k], &rb[q]) && rb[q].seed == ra[k].seed) {
					A[m] = &ra[k];
					B[m] = &rb[q];
					m++;
					break;
				}
		if (m == 0) {
			tg_notes_add(&nt, "%s %s->%s: no seed of %s has a run in %s", ra[i].task, ra[i].source, ra[i].target,
			    c->label_a, c->label_b);
			free(A);
			free(B);
			i = i1;
			continue;
		}
		if (m < i1 - i)
			tg_notes_add(&nt, "%s %s->%s: %d of %d seeds of %s matched in %s (paired by seed)", ra[i].task, ra[i].source,
			    ra[i].target, m, i1 - i, c->label_a, c->label_b);
		x = &c->cell[c->n++];
		cpy(x->task, sizeof x->task, ra[i].task);
		cpy(x->source, sizeof x->source, ra[i].source);
		cpy(x->target, sizeof x->target, ra[i].target);
		cpy(x->metric, sizeof x->metric, ra[i].metric);
		x->n_seeds = m;
		x->seed = tg_xcalloc((size_t)m, sizeof *x->seed);
		x->run_a = tg_xcalloc((size_t)m, sizeof *x->run_a);
		x->run_b = tg_xcalloc((size_t)m, sizeof *x->run_b);
		for (k = 0; k < m; k++) {
			double va = tg_ttc(A[k]->a_t, A[k]->c_t, A[k]->a_s, A[k]->c_s);
			double vb = tg_ttc(B[k]->a_t, B[k]->c_t, B[k]->a_s, B[k]->c_s);

			x->seed[k] = A[k]->seed;
			x->run_a[k] = A[k]->run_id;
			x->run_b[k] = B[k]->run_id;
			sa += A[k]->a_t;
			sb += B[k]->a_t;
			ga += A[k]->a_t - A[k]->c_t;
			gb += B[k]->a_t - B[k]->c_t;
			ctv += A[k]->c_t;
			tta += va, nta += !isnan(va);
			ttb += vb, ntb += !isnan(vb);
		}
		x->score_a = sa / m;
		x->score_b = sb / m;
		x->diff = x->score_a - x->score_b;
		x->gain_a = ga / m;
		x->gain_b = gb / m;
		x->dgain = x->gain_a - x->gain_b;
		x->chance = ctv / m;
		x->ttc_a = nta == m ? tta / m : NAN;
		x->ttc_b = ntb == m ? ttb / m : NAN;
		x->dttc = x->ttc_a - x->ttc_b;
		x->p = x->p_holm = NAN;
		tg_ci_none(&x->ci_diff, x->diff, level);
		tg_ci_none(&x->ci_dgain, x->dgain, level);
		tg_ci_none(&x->ci_dttc, x->dttc, level);
		if (nboot > 0 && load_pairs(s, o->dev, A, B, m, &p, &nt) == 0) {
			int64_t n_t = p.ta[0]->n, n_s = p.sa[0]->n;
			int64_t *it = tg_xmalloc((size_t)(n_t ? n_t : 1) * sizeof *it);
			int64_t *is = tg_xmalloc((size_t)(n_s ? n_s : 1) * sizeof *is);
			int *pick = tg_xmalloc((size_t)m * sizeof *pick);
			double *v[3];

			for (q = 0; q < 3; q++)
				v[q] = tg_xmalloc((size_t)nboot * sizeof *v[q]);
			x->n_items = n_t;
			for (b = 0; b < nboot; b++) {
				tg_rng rng;
				double st[3];
				int64_t z;

				tg_rng_seed(&rng, tg_compare_boot_seed(o->seed, b));
				for (k = 0; k < m; k++)                    /* seeds first ... */
					pick[k] = (int)tg_rng_below(&rng, (uint64_t)m);
				for (z = 0; z < n_t; z++)                  /* ... then target items, shared by both methods */
					it[z] = (int64_t)tg_rng_below(&rng, (uint64_t)n_t);
				for (z = 0; z < n_s; z++)                  /* ... and source items (for TTC) */
					is[z] = (int64_t)tg_rng_below(&rng, (uint64_t)n_s);
				pair_stat(&p, A, B, pick, m, it, is, st);
				for (q = 0; q < 3; q++)
					v[q][b] = st[q];
			}
			pair_stat(&p, A, B, NULL, m, NULL, NULL, est);
			x->p = boot_p(v[0], nboot);
			tg_ci_percentile(est[0], v[0], nboot, level, &x->ci_diff);
			tg_ci_percentile(est[1], v[1], nboot, level, &x->ci_dgain);
			tg_ci_percentile(est[2], v[2], nboot, level, &x->ci_dttc);
			for (q = 0; q < 3; q++)
				free(v[q]);
			free(it);
			free(is);
			free(pick);
		}
		pair_items_free(&p);
		if (m < 3)
			tg_notes_add(&nt, "%s %s->%s: %d matched seed%s (3 or more give a usable seed-level interval)", x->task,
			    x->source, x->target, m, m == 1 ? "" : "s");
		free(A);
		free(B);
		i = i1;
	}
	holm(c);
	if (na == 0)
		tg_notes_add(&nt, "no finished runs match %s", c->label_a);
	if (nb_ == 0)
		tg_notes_add(&nt, "no finished runs match %s", c->label_b);
	free(ra);
	free(rb);
	c->notes = nt.s;
	c->n_notes = nt.n;
	return c;
}

void
tg_compare_free(tg_compare *c)
{
	int i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++) {
		free(c->cell[i].seed);
		free(c->cell[i].run_a);
		free(c->cell[i].run_b);
	}
	free(c->cell);
	tg_strv_free(c->notes, c->n_notes);
	free(c);
}

/* ---- one selection's seed means (the study report's tables) ------------------------------------------------------ */

tg_arm_scores *
tg_arm_scores_compute(tg_store *s, const tg_compare_sel *sel, const char *task, bool dev, double level,
    tg_error *err)
{
	crec *r = NULL;
	int n = 0, i, k;
	tg_notes nt = { 0 };
	tg_arm_scores *a;

	if (collect_sel(s, sel, task, NULL, dev, &r, &n, &nt, err) != TG_OK)
		return NULL;
	if (n > 1)
		qsort(r, (size_t)n, sizeof *r, crec_cmp);
	a = tg_xcalloc(1, sizeof *a);
	a->cell = tg_xcalloc((size_t)(n ? n : 1), sizeof *a->cell);
	for (i = 0; i < n; ) {
		int i1 = i;
		tg_arm_cell *x = &a->cell[a->n++];
		double *v = tg_xcalloc((size_t)n, sizeof *v), *t = tg_xcalloc((size_t)n, sizeof *t), cs = 0, ct = 0, ss = 0;
		double pp = 0, fl = 0, wl = 0;
		int nt_ = 0, nw = 0;
		tg_error e = { 0 };

		while (i1 < n && same_cell(&r[i], &r[i1]))
			i1++;
		cpy(x->task, sizeof x->task, r[i].task);
		cpy(x->source, sizeof x->source, r[i].source);
		cpy(x->target, sizeof x->target, r[i].target);
		cpy(x->metric, sizeof x->metric, r[i].metric);
		x->n_seeds = i1 - i;
		for (k = i; k < i1; k++) {
			double tv = tg_ttc(r[k].a_t, r[k].c_t, r[k].a_s, r[k].c_s);

			v[k - i] = r[k].a_t;
			ss += r[k].a_s;
			cs += r[k].c_s;
			ct += r[k].c_t;
			if (!isnan(tv))
				t[nt_++] = tv;
			pp += r[k].params;
			fl += r[k].flops;
			if (!isnan(r[k].wall))
				wl += r[k].wall, nw++;
		}
		tg_seeds_aggregate(v, x->n_seeds, level, &x->score, &e);
		x->score_source = ss / x->n_seeds;
		x->chance_s = cs / x->n_seeds;
		x->chance_t = ct / x->n_seeds;
		x->gain = x->score.mean - x->chance_t;
		x->ttc = nt_ == x->n_seeds ? 0 : NAN;
		for (k = 0; k < nt_ && nt_ == x->n_seeds; k++)
			x->ttc += t[k] / nt_;
		x->params = pp / x->n_seeds;
		x->flops = fl / x->n_seeds;
		x->wall = nw ? wl / nw : NAN;
		free(v);
		free(t);
		i = i1;
	}
	tg_strv_free(nt.s, nt.n);
	free(r);
	return a;
}

void
tg_arm_scores_free(tg_arm_scores *a)
{
	if (a == NULL)
		return;
	free(a->cell);
	free(a);
}

/* ---- output ------------------------------------------------------------------------------------------------------ */

static const char *
ival(char *buf, size_t n, const tg_ci *ci)
{
	if (isnan(ci->lo) || isnan(ci->hi))
		snprintf(buf, n, "-");
	else
		snprintf(buf, n, "[%+.3f, %+.3f]", ci->lo, ci->hi);
	return buf;
}

static const char *
pfmt(char *buf, size_t n, double p)
{
	if (isnan(p))
		snprintf(buf, n, "-");
	else if (p < 0.001)
		snprintf(buf, n, "<0.001");
	else
		snprintf(buf, n, "%.3f", p);
	return buf;
}

static const char *
sfmt(char *buf, size_t n, double v, bool below)
{
	if (isnan(v))
		snprintf(buf, n, "-");
	else
		snprintf(buf, n, "%+.3f%s", v, below ? "*" : "");
	return buf;
}

int
tg_compare_write(FILE *f, tg_out_format fmt, const tg_compare *c, tg_error *err)
{
	char b[12][48];
	const char *sp = c->dev ? "dev" : "test";
	int i, k, pct = (int)lround(c->level * 100);

	switch (fmt) {
	case TG_OUT_TEXT:
	case TG_OUT_MD: {
		bool md = fmt == TG_OUT_MD;

		if (md)
			fprintf(f, "## Paired comparison: %s vs %s\n\n", c->label_a, c->label_b);
		else
			fprintf(f, "A = %s\nB = %s\n", c->label_a, c->label_b);
		fprintf(f, "%s split, checkpoints selected on source dev; runs paired by seed, scored on the same items. "
		    "diff = A - B (seed mean); %d%% interval and p from a hierarchical bootstrap (%d resamples: seeds, "
		    "then items); p_Holm corrected across the targets of each task and source; gain = A_t - c_t "
		    "(* at or below chance).\n\n", sp, pct, c->n_boot);
		if (c->n == 0)
			fprintf(f, "No target is scored by both selections%s\n", md ? "." : "");
		else if (md)
			fprintf(f, "| task | source | target | seeds | A | B | diff | CI | p | p_Holm | gain A | gain B | "
			    "TTC A | TTC B | dTTC | dTTC CI |\n|---|---|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|"
			    "---:|---:|---|\n");
		else
			fprintf(f, "%-7s %-6s %-6s %5s %6s %6s %7s %-18s %6s %6s %7s %7s %6s %6s %7s %-18s\n", "task",
			    "source", "target", "seeds", "A", "B", "diff", "CI", "p", "p_Holm", "gain A", "gain B", "TTC A",
			    "TTC B", "dTTC", "dTTC CI");
		for (i = 0; i < c->n; i++) {
			const tg_compare_cell *x = &c->cell[i];

			tg_out_fmt(b[0], 48, x->score_a, 3);
			tg_out_fmt(b[1], 48, x->score_b, 3);
			sfmt(b[2], 48, x->diff, false);
			ival(b[3], 48, &x->ci_diff);
			pfmt(b[4], 48, x->p);
			pfmt(b[5], 48, x->p_holm);
			sfmt(b[6], 48, x->gain_a, x->gain_a <= 0);
			sfmt(b[7], 48, x->gain_b, x->gain_b <= 0);
			tg_out_fmt(b[8], 48, x->ttc_a, 3);
			tg_out_fmt(b[9], 48, x->ttc_b, 3);
			sfmt(b[10], 48, x->dttc, false);
			ival(b[11], 48, &x->ci_dttc);
			fprintf(f, md ? "| %s | %s | %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n" :
			    "%-7s %-6s %-6s %5d %6s %6s %7s %-18s %6s %6s %7s %7s %6s %6s %7s %-18s\n", x->task, x->source,
			    x->target, x->n_seeds, b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11]);
		}
		if (c->n_notes > 0) {
			fprintf(f, md ? "\n**Notes**\n\n" : "\nnotes:\n");
			for (i = 0; i < c->n_notes; i++)
				fprintf(f, md ? "- %s\n" : "  %s\n", c->notes[i]);
		}
		break;
	}
	case TG_OUT_CSV:
		fprintf(f, "task,source,target,metric,split,n_seeds,n_items,chance,score_a,score_b,diff,diff_lo,diff_hi,"
		    "diff_se,p,p_holm,gain_a,gain_b,dgain,dgain_lo,dgain_hi,ttc_a,ttc_b,dttc,dttc_lo,dttc_hi,below_a,below_b\n");
		for (i = 0; i < c->n; i++) {
			const tg_compare_cell *x = &c->cell[i];
			double v[] = { x->chance, x->score_a, x->score_b, x->diff, x->ci_diff.lo, x->ci_diff.hi, x->ci_diff.se,
				x->p, x->p_holm, x->gain_a, x->gain_b, x->dgain, x->ci_dgain.lo, x->ci_dgain.hi, x->ttc_a,
				x->ttc_b, x->dttc, x->ci_dttc.lo, x->ci_dttc.hi };

			tg_out_csv_str(f, x->task), fputc(',', f);
			tg_out_csv_str(f, x->source), fputc(',', f);
			tg_out_csv_str(f, x->target), fputc(',', f);
			tg_out_csv_str(f, x->metric);
			fprintf(f, ",%s,%d,%lld", sp, x->n_seeds, (long long)x->n_items);
			for (k = 0; k < (int)(sizeof v / sizeof v[0]); k++) {
				fputc(',', f);
				tg_out_num(f, v[k], -1);
			}
			fprintf(f, ",%d,%d\n", x->gain_a <= 0, x->gain_b <= 0);
		}
		break;
	case TG_OUT_JSON: {
		json_t *root = json_object(), *cells = json_array(), *nts = json_array();

		json_object_set_new(root, "a", json_string(c->label_a));
		json_object_set_new(root, "b", json_string(c->label_b));
		json_object_set_new(root, "split", json_string(sp));
		json_object_set_new(root, "level", json_real(c->level));
		json_object_set_new(root, "bootstrap_resamples", json_integer(c->n_boot));
		json_object_set_new(root, "bootstrap", json_string("hierarchical: seeds (paired), then test items shared "
		    "by both methods; p two-sided with +1 correction; Holm across targets per task and source"));
		for (i = 0; i < c->n; i++) {
			const tg_compare_cell *x = &c->cell[i];
			json_t *o = json_object(), *seeds = json_array();

			json_object_set_new(o, "task", json_string(x->task));
			json_object_set_new(o, "source", json_string(x->source));
			json_object_set_new(o, "target", json_string(x->target));
			json_object_set_new(o, "metric", json_string(x->metric));
			json_object_set_new(o, "n_seeds", json_integer(x->n_seeds));
			json_object_set_new(o, "n_items", json_integer(x->n_items));
			json_object_set_new(o, "chance", tg_json_num(x->chance));
			json_object_set_new(o, "score_a", tg_json_num(x->score_a));
			json_object_set_new(o, "score_b", tg_json_num(x->score_b));
			json_object_set_new(o, "diff", tg_json_num(x->diff));
			json_object_set_new(o, "diff_ci", tg_json_interval(x->ci_diff.lo, x->ci_diff.hi));
			json_object_set_new(o, "diff_se", tg_json_num(x->ci_diff.se));
			json_object_set_new(o, "p", tg_json_num(x->p));
			json_object_set_new(o, "p_holm", tg_json_num(x->p_holm));
			json_object_set_new(o, "gain_a", tg_json_num(x->gain_a));
			json_object_set_new(o, "gain_b", tg_json_num(x->gain_b));
			json_object_set_new(o, "dgain", tg_json_num(x->dgain));
			json_object_set_new(o, "dgain_ci", tg_json_interval(x->ci_dgain.lo, x->ci_dgain.hi));
			json_object_set_new(o, "below_chance_a", json_boolean(x->gain_a <= 0));
			json_object_set_new(o, "below_chance_b", json_boolean(x->gain_b <= 0));
			json_object_set_new(o, "ttc_a", tg_json_num(x->ttc_a));
			json_object_set_new(o, "ttc_b", tg_json_num(x->ttc_b));
			json_object_set_new(o, "dttc", tg_json_num(x->dttc));
			json_object_set_new(o, "dttc_ci", tg_json_interval(x->ci_dttc.lo, x->ci_dttc.hi));
			for (k = 0; k < x->n_seeds; k++)
				json_array_append_new(seeds, json_pack("{sIsIsI}", "seed", (json_int_t)x->seed[k], "run_a",
				    (json_int_t)x->run_a[k], "run_b", (json_int_t)x->run_b[k]));
			json_object_set_new(o, "seeds", seeds);
			json_array_append_new(cells, o);
		}
		for (i = 0; i < c->n_notes; i++)
			json_array_append_new(nts, json_string(c->notes[i]));
		json_object_set_new(root, "cells", cells);
		json_object_set_new(root, "notes", nts);
		tg_json_print(f, root, 17);
		break;
	}
	default:
		return tg_error_set(err, TG_E_ARG, "compare: unknown output format %d", (int)fmt);
	}
	return tg_out_status(f, "compare", err);
}
