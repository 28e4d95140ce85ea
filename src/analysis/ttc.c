/* The Turkic Transfer Coefficient TTC(s -> t) = (A_t - c_t) / (A_s - c_s) of runs in the store, over seeds and with a
 * bootstrap over test items; the source benefit dTTC; matrices by source and by method. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cdf.h>
#include <jansson.h>
#include "analysis/analysis.h"

/* One (run, target) measurement at the run's selected checkpoint. */
typedef struct rec {
	char     task[32], method[64], layers[64], source[16], src_lang[16], target[16], metric[32];
	int64_t  run_id, seed, step;
	uint64_t cfg;            /* hash of the run's settings other than its name: equal seed and cfg = a repeat */
	double   a_s, a_t;
	double   c_s, c_t;           /* the chance levels stored with the two scores (tg_report_cell.chance) */
} rec;

void
tg_notes_add(tg_notes *nt, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int i;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	for (i = 0; i < nt->n; i++)
		if (strcmp(nt->s[i], s) == 0) {
			free(s);
			return;
		}
	if (nt->n == nt->cap)
		nt->s = tg_xrealloc(nt->s, (size_t)(nt->cap = nt->cap ? 2 * nt->cap : 16) * sizeof *nt->s);
	nt->s[nt->n++] = s;
}

static void
copy_str(char *dst, size_t n, const char *s, const char *dflt)
{
	snprintf(dst, n, "%s", s != NULL && s[0] ? s : dflt);
}

static int
rec_cmp(const void *pa, const void *pb)
{
	const rec *a = pa, *b = pb;
	int c;

	if ((c = strcmp(a->task, b->task)) || (c = strcmp(a->method, b->method)) || (c = strcmp(a->layers, b->layers)) ||
	    (c = strcmp(a->source, b->source)) || (c = strcmp(a->target, b->target)) || (c = strcmp(a->metric, b->metric)))
		return c;
	if (a->seed != b->seed)
		return a->seed < b->seed ? -1 : 1;
	if (a->cfg != b->cfg)
		return a->cfg < b->cfg ? -1 : 1;
	return a->run_id < b->run_id ? -1 : a->run_id > b->run_id;
}

/* The settings of a run as one number: its stored config without what names or describes the process (argv, the
 * thread count, the version, the note, where the model was found), so that a rerun of the same command hashes
 * the same. A run without a readable config hashes as 0. */
static uint64_t
config_key(const char *config)
{
	static const char *const skip[] = { "argv", "threads", "tamga", "note", "model_dir", NULL };
	json_t *c = config != NULL ? json_loads(config, 0, NULL) : NULL;
	uint64_t h = 0;
	char *s;
	int i;

	if (!json_is_object(c)) {
		json_decref(c);
		return 0;
	}
	for (i = 0; skip[i] != NULL; i++)
		json_object_del(c, skip[i]);
	if ((s = json_dumps(c, JSON_COMPACT | JSON_SORT_KEYS)) != NULL) {
		const unsigned char *p;
		h = 1469598103934665603ull;             /* FNV-1a */
		for (p = (const unsigned char *)s; *p; p++)
			h = (h ^ *p) * 1099511628211ull;
		free(s);
	}
	json_decref(c);
	return h;
}

static bool
same_group(const rec *a, const rec *b)
{
	return strcmp(a->task, b->task) == 0 && strcmp(a->method, b->method) == 0 && strcmp(a->layers, b->layers) == 0 &&
	    strcmp(a->source, b->source) == 0 && strcmp(a->target, b->target) == 0 && strcmp(a->metric, b->metric) == 0;
}

/* Runs that repeat a seed with the same settings count once: the latest run (highest id) stands for the seed.
 * r is sorted (rec_cmp); returns the new count and says in the notes which runs were merged. */
static int
merge_repeats(rec *r, int n, tg_notes *nt)
{
	int i, m = 0;

	for (i = 0; i < n; i++) {
		if (m > 0 && same_group(&r[m - 1], &r[i]) && r[m - 1].seed == r[i].seed && r[m - 1].cfg == r[i].cfg) {
			tg_notes_add(nt, "%s %s %s %s: runs %lld and %lld repeat seed %lld with the same settings: counted once (run "
			    "%lld)", r[i].task, r[i].method, r[i].layers, r[i].source, (long long)r[m - 1].run_id,
			    (long long)r[i].run_id, (long long)r[i].seed, (long long)r[i].run_id);
			r[m - 1] = r[i];
			continue;
		}
		r[m++] = r[i];
	}
	return m;
}

/* Collect the records of every run matching the filters. */
static int
collect(tg_store *s, const tg_ttc_opts *o, rec **out, int *nout, tg_notes *nt, tg_error *err)
{
	tg_run_filter f = { 0 };
	tg_run_info *runs = NULL;
	int nruns = 0, i, j, k, n = 0, cap = 0, nids = 0, ntasks = 0;
	int64_t *ids;
	tg_task_chance *tc;
	tg_report_opts ro = { 0 };
	tg_report *rep;
	rec *r = NULL;

	f.status_mask = o->status_mask ? o->status_mask :
	    ((1u << TG_RUN_NSTATUS) - 1) & ~((1u << TG_RUN_FAILED) | (1u << TG_RUN_CANCELLED));
	f.task = o->task;
	f.method = o->method;
	f.source = o->source;
	f.order = TG_ORDER_OLDEST;
	f.with_config = true;
	if (tg_store_run_list(s, &f, &runs, &nruns, err) != TG_OK)
		return TG_ERR;
	ids = tg_xcalloc(nruns ? nruns : 1, sizeof *ids);
	tc = tg_xcalloc(nruns ? nruns : 1, sizeof *tc);
	for (i = 0; i < nruns; i++) {
		tg_run_info *ri = &runs[i];

		if (o->layers != NULL && (ri->layers == NULL || strcmp(ri->layers, o->layers) != 0))
			continue;
		if (ri->task == NULL || ri->source == NULL) {
			tg_notes_add(nt, "run %lld (%s) left out: no %s", (long long)ri->id, ri->name ? ri->name : "",
			    ri->task == NULL ? "task" : "source language");
			continue;
		}
		ids[nids++] = ri->id;
		for (k = 0; k < ntasks && strcmp(tc[k].task, ri->task) != 0; k++)
			;
		if (k == ntasks)
			tc[ntasks++].task = ri->task;       /* chance 0 here: TTC is computed below with its own levels */
	}
	ro.split = o->dev ? TG_SPLIT_DEV : TG_SPLIT_TEST;
	ro.chance = tc;
	ro.nchance = ntasks;
	rep = tg_report_build(s, ids, nids, &ro, err);
	if (rep == NULL)
		goto fail;
	for (i = 0; i < rep->nruns; i++) {
		tg_report_run *rr = &rep->runs[i];
		tg_run_info *ri = NULL;
		tg_eval_row *rows = NULL;
		int nrows = 0;
		const tg_eval_row *src = NULL;

		for (j = 0; j < nruns; j++)
			if (runs[j].id == rr->id)
				ri = &runs[j];
		if (rr->step < 0) {
			tg_notes_add(nt, "run %lld (%s) left out: no source dev scores to select a checkpoint", (long long)rr->id,
			    rr->name ? rr->name : "");
			continue;
		}
		if (tg_store_evals(s, rr->id, TG_EVALS_ALL, &rows, &nrows, err) != TG_OK) {
			tg_report_free(rep);
			goto fail;
		}
		for (j = 0; j < nrows; j++)
			if (rows[j].step == rr->step && rows[j].split == ro.split && rows[j].is_source &&
			    strcmp(rows[j].metric, rr->metric) == 0) {
				src = &rows[j];
				break;
			}
		if (src == NULL || isnan(src->score)) {
			tg_notes_add(nt, "run %lld (%s) left out: no source %s score at step %lld", (long long)rr->id,
			    rr->name ? rr->name : "", tg_split_name(ro.split), (long long)rr->step);
			free(rows);
			continue;
		}
		for (j = 0; j < nrows; j++) {
			const tg_eval_row *e = &rows[j];
			rec *x;
			int q;

			if (e->step != rr->step || e->split != ro.split || e->is_source || strcmp(e->metric, rr->metric) != 0 ||
			    isnan(e->score))
				continue;
			if (n == cap)
				r = tg_xrealloc(r, (size_t)(cap = cap ? 2 * cap : 64) * sizeof *r);
			x = &r[n++];
			memset(x, 0, sizeof *x);
			copy_str(x->task, sizeof x->task, rr->task, "?");
			copy_str(x->method, sizeof x->method, rr->method, "?");
			copy_str(x->layers, sizeof x->layers, rr->layers, "all");
			copy_str(x->source, sizeof x->source, rr->source, "?");
			copy_str(x->src_lang, sizeof x->src_lang, src->lang, "?");
			copy_str(x->target, sizeof x->target, e->lang, "?");
			copy_str(x->metric, sizeof x->metric, rr->metric, "?");
			x->run_id = rr->id;
			x->seed = ri ? ri->seed : 0;
			x->cfg = ri ? config_key(ri->config) : 0;
			x->step = rr->step;
			x->a_s = src->score;
			x->a_t = e->score;
			/* chance: what the report uses (the row's own, or the run's legacy level), or the override */
			x->c_s = o->have_chance ? o->chance : rr->src.chance;
			x->c_t = NAN;
			for (q = 0; q < rep->nlangs; q++)
				if (strcmp(rep->langs[q], e->lang) == 0)
					x->c_t = o->have_chance ? o->chance : rr->cells[q].chance;
			if (rr->chance_legacy && !o->have_chance)
				tg_notes_add(nt, "run %lld was stored before per-set chance levels: it uses the one level stored with "
				    "the run (older definition)", (long long)rr->id);
		}
		free(rows);
	}
	tg_report_free(rep);
	free(ids);
	free(tc);
	tg_run_list_free(runs, nruns);
	*out = r;
	*nout = n;
	return TG_OK;
fail:
	free(ids);
	free(tc);
	tg_run_list_free(runs, nruns);
	free(r);
	return TG_ERR;
}

static double
ttc_of(double a_t, double c_t, double a_s, double c_s)
{
	return tg_ttc(a_t, c_t, a_s, c_s);
}

static int
dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* numpy's linear interpolation on sorted v[0..n) */
static double
quant(const double *v, int n, double q)
{
	double pos = q * (n - 1);
	int i = (int)floor(pos);

	if (n == 0)
		return NAN;
	if (i >= n - 1)
		return v[n - 1];
	return v[i] + (pos - i) * (v[i + 1] - v[i]);
}

/* Percentile interval and standard error of the resamples v[0..nb) (NaNs dropped; v is reordered). */
void
tg_ci_percentile(double est, double *v, int nb, double level, tg_ci *ci)
{
	int i, m = 0;
	double s = 0, ss = 0;

	for (i = 0; i < nb; i++)
		if (!isnan(v[i]))
			v[m++] = v[i];
	qsort(v, (size_t)m, sizeof *v, dcmp);
	for (i = 0; i < m; i++)
		s += v[i];
	ci->est = est;
	ci->level = level;
	ci->n_resamples = nb;
	ci->n_valid = m;
	ci->mean = m ? s / m : NAN;
	for (i = 0; i < m; i++)
		ss += (v[i] - ci->mean) * (v[i] - ci->mean);
	ci->se = m > 1 ? sqrt(ss / (m - 1)) : NAN;
	ci->lo = quant(v, m, (1 - level) / 2);
	ci->hi = quant(v, m, 1 - (1 - level) / 2);
}

void
tg_ci_none(tg_ci *ci, double est, double level)
{
	ci->est = est;
	ci->lo = ci->hi = ci->mean = ci->se = NAN;
	ci->level = level;
	ci->n_resamples = ci->n_valid = 0;
}

/* Item files of a group: per seed, both sides, or NULL. */
typedef struct group_items {
	int        n;             /* seeds with both sides */
	tg_items **s, **t;        /* [n] */
	double    *c_s, *c_t;     /* [n] each seed's chance levels */
} group_items;

static void
group_items_free(group_items *g)
{
	int i;

	for (i = 0; i < g->n; i++) {
		tg_items_free(g->s[i]);
		tg_items_free(g->t[i]);
	}
	free(g->s);
	free(g->t);
	free(g->c_s);
	free(g->c_t);
	memset(g, 0, sizeof *g);
}

static void
draw(tg_rng *r, int64_t n, int64_t *idx)
{
	int64_t i;

	for (i = 0; i < n; i++)
		idx[i] = (int64_t)tg_rng_below(r, (uint64_t)n);
}

/* Seed-mean TTC of a group on resampled items (idx_t shared over seeds, idx_s too). */
static double
group_stat(const group_items *g, const int64_t *idx_t, const int64_t *idx_s)
{
	double sum = 0;
	int i;

	for (i = 0; i < g->n; i++) {
		double v = ttc_of(tg_items_score(g->t[i], idx_t, g->t[i]->n), g->c_t[i], tg_items_score(g->s[i], idx_s,
		    g->s[i]->n), g->c_s[i]);
		if (isnan(v))
			return NAN;
		sum += v;
	}
	return sum / g->n;
}

static uint64_t
boot_seed(uint64_t seed, int b)
{
	return tg_hash64(seed ^ tg_hash64((uint64_t)b + 0x5bd1e995ull));
}

/* Load and check the item files of the records r[0..n) (one group). */
static void
load_group_items(tg_store *s, const tg_ttc_opts *o, const rec *r, int n, group_items *g, tg_notes *nt, tg_error *err)
{
	tg_split sp = o->dev ? TG_SPLIT_DEV : TG_SPLIT_TEST;
	int i, missing = 0;

	memset(g, 0, sizeof *g);
	g->s = tg_xcalloc((size_t)n, sizeof *g->s);
	g->t = tg_xcalloc((size_t)n, sizeof *g->t);
	g->c_s = tg_xcalloc((size_t)n, sizeof *g->c_s);
	g->c_t = tg_xcalloc((size_t)n, sizeof *g->c_t);
	for (i = 0; i < n; i++) {
		tg_error e = { 0 };
		tg_items *is = tg_items_find(s, r[i].run_id, r[i].step, sp, r[i].src_lang, r[i].metric, &e), *itg = NULL;
		double d;

		if (is == NULL && e.code)
			tg_notes_add(nt, "%s", e.msg);
		if (is != NULL) {
			itg = tg_items_find(s, r[i].run_id, r[i].step, sp, r[i].target, r[i].metric, &e);
			if (itg == NULL && e.code)
				tg_notes_add(nt, "%s", e.msg);
		}
		if (is == NULL || itg == NULL) {
			tg_items_free(is);
			missing++;
			continue;
		}
		if (g->n > 0 && (is->n != g->s[0]->n || itg->n != g->t[0]->n)) {
			tg_notes_add(nt, "run %lld: item counts (%lld source, %lld target) differ from run %lld's; item bootstrap "
			    "left out for %s %s %s->%s", (long long)r[i].run_id, (long long)is->n, (long long)itg->n,
			    (long long)g->s[0]->run_id, r[i].task, r[i].method, r[i].source, r[i].target);
			tg_items_free(is);
			tg_items_free(itg);
			group_items_free(g);
			return;
		}
		if (fabs((d = tg_items_score(is, NULL, 0)) - r[i].a_s) > 1e-6)
			tg_notes_add(nt, "run %lld step %lld: items of %s give %s %.6f, the store says %.6f", (long long)r[i].run_id,
			    (long long)r[i].step, r[i].src_lang, r[i].metric, d, r[i].a_s);
		if (fabs((d = tg_items_score(itg, NULL, 0)) - r[i].a_t) > 1e-6)
			tg_notes_add(nt, "run %lld step %lld: items of %s give %s %.6f, the store says %.6f", (long long)r[i].run_id,
			    (long long)r[i].step, r[i].target, r[i].metric, d, r[i].a_t);
		if (isnan(ttc_of(r[i].a_t, r[i].c_t, r[i].a_s, r[i].c_s))) {   /* undefined: not in the bootstrap */
			tg_items_free(is);
			tg_items_free(itg);
			continue;
		}
		g->s[g->n] = is;
		g->t[g->n] = itg;
		g->c_s[g->n] = r[i].c_s;
		g->c_t[g->n] = r[i].c_t;
		g->n++;
	}
	if (missing)
		tg_notes_add(nt, "no item files for %d of %d seed%s of %s %s %s %s->%s: item CI from the other seeds", missing, n,
		    n == 1 ? "" : "s", r[0].task, r[0].method, r[0].layers, r[0].source, r[0].target);
	(void)err;
}

static void
cell_free(tg_ttc_cell *c)
{
	free(c->run_ids);
	free(c->seed);
	free(c->ttc);
	free(c->a_s);
	free(c->a_t);
}

void
tg_ttc_table_free(tg_ttc_table *t)
{
	int i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n; i++)
		cell_free(&t->cell[i]);
	free(t->cell);
	free(t->d);
	tg_strv_free(t->notes, t->n_notes);
	free(t);
}

static void
welch(const tg_ttc_cell *a, const tg_ttc_cell *b, double level, double *lo, double *hi)
{
	double va, vb, se, df, t;

	*lo = *hi = NAN;
	if (a->n_seeds < 2 || b->n_seeds < 2)
		return;
	va = a->seeds.sd * a->seeds.sd / a->n_seeds;
	vb = b->seeds.sd * b->seeds.sd / b->n_seeds;
	se = sqrt(va + vb);
	if (se == 0) {
		*lo = *hi = a->seeds.mean - b->seeds.mean;
		return;
	}
	df = (va + vb) * (va + vb) / (va * va / (a->n_seeds - 1) + vb * vb / (b->n_seeds - 1));
	t = gsl_cdf_tdist_Pinv(1 - (1 - level) / 2, df);
	*lo = a->seeds.mean - b->seeds.mean - t * se;
	*hi = a->seeds.mean - b->seeds.mean + t * se;
}

tg_ttc_table *
tg_ttc_compute(tg_store *s, const tg_ttc_opts *opts, tg_error *err)
{
	static const tg_ttc_opts defaults = { 0 };
	const tg_ttc_opts *o = opts ? opts : &defaults;
	const char *src_a = o->src_a ? o->src_a : "tr", *src_b = o->src_b ? o->src_b : "en";
	tg_ttc_table *t;
	group_items *gi;
	tg_notes nt = { 0 };
	rec *r = NULL;
	int nr = 0, i, j, b, ng = 0;
	int *gstart;
	double level = o->level > 0 && o->level < 1 ? o->level : 0.95;
	int nb = o->n_boot == 0 ? 1000 : o->n_boot;

	if (s == NULL) {
		tg_error_set(err, TG_E_ARG, "ttc: no store");
		return NULL;
	}
	if (collect(s, o, &r, &nr, &nt, err) != TG_OK)
		return NULL;
	if (nr > 1)
		qsort(r, (size_t)nr, sizeof *r, rec_cmp);
	nr = merge_repeats(r, nr, &nt);
	gstart = tg_xcalloc((size_t)nr + 1, sizeof *gstart);
	for (i = 0; i < nr; i++)
		if (i == 0 || !same_group(&r[i - 1], &r[i]))
			gstart[ng++] = i;
	gstart[ng] = nr;

	t = tg_xcalloc(1, sizeof *t);
	t->level = level;
	t->n_boot = nb > 0 ? nb : 0;
	t->dev = o->dev;
	t->cell = tg_xcalloc((size_t)(ng ? ng : 1), sizeof *t->cell);
	gi = tg_xcalloc((size_t)(ng ? ng : 1), sizeof *gi);
	for (j = 0; j < ng; j++) {
		const rec *g = &r[gstart[j]];
		int n = gstart[j + 1] - gstart[j], k, m = 0;
		tg_ttc_cell *c = &t->cell[t->n];
		double sa = 0, st = 0, scs = 0, sct = 0;
		tg_error e = { 0 };

		memset(c, 0, sizeof *c);
		memcpy(c->task, g->task, sizeof c->task);
		memcpy(c->method, g->method, sizeof c->method);
		memcpy(c->layers, g->layers, sizeof c->layers);
		memcpy(c->source, g->source, sizeof c->source);
		memcpy(c->target, g->target, sizeof c->target);
		memcpy(c->metric, g->metric, sizeof c->metric);
		if (nb > 0)
			load_group_items(s, o, g, n, &gi[t->n], &nt, err);
		c->run_ids = tg_xcalloc((size_t)n, sizeof *c->run_ids);
		c->seed = tg_xcalloc((size_t)n, sizeof *c->seed);
		c->ttc = tg_xcalloc((size_t)n, sizeof *c->ttc);
		c->a_s = tg_xcalloc((size_t)n, sizeof *c->a_s);
		c->a_t = tg_xcalloc((size_t)n, sizeof *c->a_t);
		for (k = 0; k < n; k++) {
			double v = ttc_of(g[k].a_t, g[k].c_t, g[k].a_s, g[k].c_s);

			scs += g[k].c_s;
			sct += g[k].c_t;
			if (isnan(v)) {
				if (isnan(g[k].c_s) || isnan(g[k].c_t))
					tg_notes_add(&nt, "run %lld: no chance level stored for %s: TTC undefined (pass --chance C)",
					    (long long)g[k].run_id, g[k].task);
				else
					tg_notes_add(&nt, "run %lld: source score %.4f is not above its chance %.4f: TTC undefined",
					    (long long)g[k].run_id, g[k].a_s, g[k].c_s);
				continue;
			}
			c->run_ids[m] = g[k].run_id;
			c->seed[m] = g[k].seed;
			c->a_s[m] = g[k].a_s;
			c->a_t[m] = g[k].a_t;
			c->ttc[m] = v;
			sa += g[k].a_s;
			st += g[k].a_t;
			m++;
		}
		c->chance_s = scs / n;
		c->chance_t = sct / n;
		c->n_seeds = m;
		if (m == 0) {         /* every seed undefined: the cell stays, TTC undefined (NaN), scores over all seeds */
			for (k = 0; k < n; k++) {
				sa += g[k].a_s;
				st += g[k].a_t;
			}
			c->mean_a_s = sa / n;
			c->mean_a_t = st / n;
			c->seeds.mean = c->seeds.sd = c->seeds.lo = c->seeds.hi = NAN;
			tg_ci_none(&c->items, NAN, level);
			group_items_free(&gi[t->n]);
			t->n++;
			continue;
		}
		c->mean_a_s = sa / m;
		c->mean_a_t = st / m;
		if (tg_seeds_aggregate(c->ttc, m, level, &c->seeds, &e) != TG_OK)
			tg_notes_add(&nt, "%s", e.msg);
		if (m < 3)
			tg_notes_add(&nt, "%s %s %s %s->%s: %d seed%s (3 or more give a usable interval)", c->task, c->method,
			    c->layers, c->source, c->target, m, m == 1 ? "" : "s");
		tg_ci_none(&c->items, NAN, level);
		c->n_item_seeds = gi[t->n].n;
		if (gi[t->n].n > 0) {
			group_items *G = &gi[t->n];
			int64_t *it_idx = tg_xmalloc((size_t)G->t[0]->n * sizeof *it_idx);
			int64_t *is_idx = tg_xmalloc((size_t)G->s[0]->n * sizeof *is_idx);
			double *v = tg_xmalloc((size_t)nb * sizeof *v);

			c->n_items_s = G->s[0]->n;
			c->n_items_t = G->t[0]->n;
			for (b = 0; b < nb; b++) {
				tg_rng rng;

				tg_rng_seed(&rng, boot_seed(o->seed, b));
				draw(&rng, G->t[0]->n, it_idx);
				draw(&rng, G->s[0]->n, is_idx);
				v[b] = group_stat(G, it_idx, is_idx);
			}
			tg_ci_percentile(group_stat(G, NULL, NULL), v, nb, level, &c->items);
			free(it_idx);
			free(is_idx);
			free(v);
		}
		t->n++;
	}

	/* dTTC: src_a and src_b cells with the same task, method, layers, target and metric */
	t->d = tg_xcalloc((size_t)(t->n ? t->n : 1), sizeof *t->d);
	for (i = 0; i < t->n; i++) {
		tg_ttc_cell *ca = &t->cell[i], *cb = NULL;
		tg_dttc_cell *d;

		if (strcmp(ca->source, src_a) != 0)
			continue;
		for (j = 0; j < t->n && cb == NULL; j++) {
			tg_ttc_cell *x = &t->cell[j];

			if (strcmp(x->source, src_b) == 0 && strcmp(x->task, ca->task) == 0 &&
			    strcmp(x->method, ca->method) == 0 && strcmp(x->layers, ca->layers) == 0 &&
			    strcmp(x->target, ca->target) == 0 && strcmp(x->metric, ca->metric) == 0)
				cb = x;
		}
		if (cb == NULL)
			continue;
		d = &t->d[t->n_d++];
		memcpy(d->task, ca->task, sizeof d->task);
		memcpy(d->method, ca->method, sizeof d->method);
		memcpy(d->layers, ca->layers, sizeof d->layers);
		memcpy(d->target, ca->target, sizeof d->target);
		memcpy(d->metric, ca->metric, sizeof d->metric);
		snprintf(d->src_a, sizeof d->src_a, "%s", src_a);
		snprintf(d->src_b, sizeof d->src_b, "%s", src_b);
		d->ttc_a = ca->seeds.mean;
		d->ttc_b = cb->seeds.mean;
		d->diff = d->ttc_a - d->ttc_b;
		welch(ca, cb, level, &d->lo, &d->hi);
		tg_ci_none(&d->items, NAN, level);
		{
			group_items *A = &gi[i], *B = &gi[cb - t->cell];

			if (A->n > 0 && B->n > 0 && A->t[0]->n == B->t[0]->n) {
				int64_t nt_ = A->t[0]->n;
				int64_t *it_idx = tg_xmalloc((size_t)nt_ * sizeof *it_idx);
				int64_t *ia = tg_xmalloc((size_t)A->s[0]->n * sizeof *ia);
				int64_t *ib = tg_xmalloc((size_t)B->s[0]->n * sizeof *ib);
				double *v = tg_xmalloc((size_t)nb * sizeof *v);

				for (b = 0; b < nb; b++) {
					tg_rng rng;

					tg_rng_seed(&rng, boot_seed(o->seed, b));
					draw(&rng, nt_, it_idx);
					draw(&rng, A->s[0]->n, ia);
					draw(&rng, B->s[0]->n, ib);
					v[b] = group_stat(A, it_idx, ia) - group_stat(B, it_idx, ib);
				}
				tg_ci_percentile(group_stat(A, NULL, NULL) - group_stat(B, NULL, NULL), v, nb, level, &d->items);
				free(it_idx);
				free(ia);
				free(ib);
				free(v);
			} else if (A->n > 0 && B->n > 0) {
				tg_notes_add(&nt, "dTTC %s %s ->%s: the two sources were evaluated on target sets of different size "
				    "(%lld, %lld items): no paired item bootstrap", d->task, d->method, d->target,
				    (long long)A->t[0]->n, (long long)B->t[0]->n);
			}
		}
	}
	for (i = 0; i < ng; i++)
		group_items_free(&gi[i]);
	free(gi);
	free(gstart);
	free(r);
	t->notes = nt.s;
	t->n_notes = nt.n;
	return t;
}

/* ---- matrices ---------------------------------------------------------------------------------------------------- */

static int
cmp_pstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
row_key(const tg_ttc_cell *c, tg_ttc_by by, char *buf, size_t n)
{
	if (by == TG_TTC_BY_SOURCE)
		snprintf(buf, n, "%s", c->source);
	else if (strcmp(c->layers, "all") == 0)
		snprintf(buf, n, "%s", c->method);
	else
		snprintf(buf, n, "%s %s", c->method, c->layers);
}

static void
matrix_key(const tg_ttc_cell *c, tg_ttc_by by, char *buf, size_t n)
{
	if (by == TG_TTC_BY_SOURCE)
		snprintf(buf, n, "%.31s %.60s %.40s (%.31s)", c->task, c->method, c->layers, c->metric);
	else
		snprintf(buf, n, "%s from %s (%s)", c->task, c->source, c->metric);
}

int
tg_ttc_matrices(const tg_ttc_table *t, tg_ttc_by by, tg_matrix ***out, int *nout)
{
	char **keys = tg_xcalloc((size_t)(t->n ? t->n : 1), sizeof *keys), buf[200];
	int nk = 0, i, k;
	tg_matrix **m;

	for (i = 0; i < t->n; i++) {
		matrix_key(&t->cell[i], by, buf, sizeof buf);
		if (tg_str_index(keys, nk, buf) < 0)
			keys[nk++] = tg_xstrdup(buf);
	}
	m = tg_xcalloc((size_t)(nk ? nk : 1), sizeof *m);
	for (k = 0; k < nk; k++) {
		char **rows = tg_xcalloc((size_t)t->n, sizeof *rows), **cols = tg_xcalloc((size_t)t->n, sizeof *cols);
		int nrow = 0, ncol = 0, r, c;

		for (i = 0; i < t->n; i++) {
			matrix_key(&t->cell[i], by, buf, sizeof buf);
			if (strcmp(buf, keys[k]) != 0)
				continue;
			row_key(&t->cell[i], by, buf, sizeof buf);
			if (tg_str_index(rows, nrow, buf) < 0)
				rows[nrow++] = tg_xstrdup(buf);
			if (tg_str_index(cols, ncol, t->cell[i].target) < 0)
				cols[ncol++] = tg_xstrdup(t->cell[i].target);
		}
		qsort(rows, (size_t)nrow, sizeof *rows, cmp_pstr);
		qsort(cols, (size_t)ncol, sizeof *cols, cmp_pstr);
		m[k] = tg_matrix_new(nrow, ncol);
		snprintf(m[k]->title, sizeof m[k]->title, "TTC %.180s", keys[k]);
		snprintf(m[k]->row_label, sizeof m[k]->row_label, "%s", by == TG_TTC_BY_SOURCE ? "source" : "method");
		snprintf(m[k]->col_label, sizeof m[k]->col_label, "target");
		for (r = 0; r < nrow; r++)
			m[k]->row_names[r] = rows[r];
		for (c = 0; c < ncol; c++)
			m[k]->col_names[c] = cols[c];
		for (i = 0; i < t->n; i++) {
			matrix_key(&t->cell[i], by, buf, sizeof buf);
			if (strcmp(buf, keys[k]) != 0)
				continue;
			row_key(&t->cell[i], by, buf, sizeof buf);
			r = tg_str_index(m[k]->row_names, nrow, buf);
			c = tg_str_index(m[k]->col_names, ncol, t->cell[i].target);
			m[k]->v[r * ncol + c] = t->cell[i].seeds.mean;
		}
		free(rows);
		free(cols);
		free(keys[k]);
	}
	free(keys);
	*out = m;
	*nout = nk;
	return TG_OK;
}

/* The matrices of tg_ttc_matrices as one (one output file): rows "KEY | row" when there are several. */
tg_matrix *
tg_ttc_matrix_join(tg_matrix **m, int n)
{
	int k, r, c, nr = 0, nc = 0, cap = 0;
	char **cols = NULL;
	tg_matrix *o;

	for (k = 0; k < n; k++) {
		nr += m[k]->rows;
		for (c = 0; c < m[k]->cols; c++)
			if (tg_str_index(cols, nc, m[k]->col_names[c]) < 0) {
				if (nc == cap)
					cols = tg_xrealloc(cols, (size_t)(cap = cap ? 2 * cap : 16) * sizeof *cols);
				cols[nc++] = m[k]->col_names[c];
			}
	}
	if (nc > 1)
		qsort(cols, (size_t)nc, sizeof *cols, cmp_pstr);
	o = tg_matrix_new(nr, nc);
	snprintf(o->title, sizeof o->title, "%s, c = majority baseline of each set", n == 1 ? m[0]->title : "TTC");
	snprintf(o->row_label, sizeof o->row_label, "%s", m[0]->row_label);
	snprintf(o->col_label, sizeof o->col_label, "%s", m[0]->col_label);
	for (c = 0; c < nc; c++)
		o->col_names[c] = tg_xstrdup(cols[c]);
	nr = 0;
	for (k = 0; k < n; k++)
		for (r = 0; r < m[k]->rows; r++, nr++) {
			const char *key = strncmp(m[k]->title, "TTC ", 4) == 0 ? m[k]->title + 4 : m[k]->title;
			if (n == 1)
				o->row_names[nr] = tg_xstrdup(m[k]->row_names[r]);
			else
				tg_xasprintf(&o->row_names[nr], "%s | %s", key, m[k]->row_names[r]);
			for (c = 0; c < m[k]->cols; c++)
				o->v[nr * nc + tg_str_index(o->col_names, nc, m[k]->col_names[c])] = m[k]->v[r * m[k]->cols + c];
		}
	free(cols);
	return o;
}

/* ---- output ------------------------------------------------------------------------------------------------------ */

static const char *
interval(char *buf, size_t n, double lo, double hi)
{
	if (isnan(lo) || isnan(hi))
		snprintf(buf, n, "-");
	else
		snprintf(buf, n, "[%.3f, %.3f]", lo, hi);
	return buf;
}

static void
write_matrices(FILE *f, tg_out_format fmt, const tg_ttc_table *t, tg_error *err)
{
	tg_matrix **m;
	int n, i, by;

	for (by = 0; by < 2; by++) {
		tg_ttc_matrices(t, (tg_ttc_by)by, &m, &n);
		for (i = 0; i < n; i++) {
			fputc('\n', f);
			tg_matrix_write(f, fmt, m[i], 3, err);
		}
		tg_matrix_list_free(m, n);
	}
}

int
tg_ttc_write(FILE *f, tg_out_format fmt, const tg_ttc_table *t, tg_error *err)
{
	char b1[32], b2[32], b3[32], b4[32], b5[32], b6[32], b7[32], b8[32], b9[32];
	const char *sp = t->dev ? "dev" : "test";
	int i, pct = (int)lround(t->level * 100);

	switch (fmt) {
	case TG_OUT_TEXT:
	case TG_OUT_MD: {
		bool md = fmt == TG_OUT_MD;

		if (md)
			fprintf(f, "## Transfer ratio (TTC)\n\n");
		fprintf(f, "TTC = (A_t - c_t) / (A_s - c_s) on the %s split at the checkpoint selected on source dev; "
		    "%d%% intervals over seeds (t) and over %s items (bootstrap, %d resamples); " TG_CHANCE_ABOUT
		    "; TTC undefined when A_s <= c_s; * = target at or below its chance.\n\n", sp, pct, sp, t->n_boot);
		if (t->n == 0)
			fprintf(f, "No runs with source and target scores%s\n", md ? "." : "");
		else if (md) {
			fprintf(f, "| task | method | layers | source | target | metric | seeds | A_s | c_s | A_t | c_t | "
			    "A_t - c_t | TTC | sd | seeds CI | items CI |\n"
			    "|---|---|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|\n");
		} else {
			fprintf(f, "%-8s %-12s %-8s %-6s %-6s %-8s %5s %6s %6s %6s %6s %8s %9s %6s %-17s %-17s\n", "task",
			    "method", "layers", "source", "target", "metric", "seeds", "A_s", "c_s", "A_t", "c_t", "A_t-c_t",
			    "TTC", "sd", "seeds CI", "items CI");
		}
		for (i = 0; i < t->n; i++) {
			const tg_ttc_cell *c = &t->cell[i];
			double gain = c->mean_a_t - c->chance_t;

			tg_out_fmt(b7, sizeof b7, gain, 3);
			if (!isnan(gain) && gain <= 0)
				strcat(b7, "*");
			if (isnan(c->seeds.mean))
				snprintf(b3, sizeof b3, "undefined");
			else
				tg_out_fmt(b3, sizeof b3, c->seeds.mean, 3);
			tg_out_fmt(b8, sizeof b8, c->chance_s, 3);
			tg_out_fmt(b9, sizeof b9, c->chance_t, 3);
			fprintf(f, md ? "| %s | %s | %s | %s | %s | %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n" :
			    "%-8s %-12s %-8s %-6s %-6s %-8s %5d %6s %6s %6s %6s %8s %9s %6s %-17s %-17s\n",
			    c->task, c->method, c->layers, c->source, c->target, c->metric, c->n_seeds,
			    tg_out_fmt(b1, sizeof b1, c->mean_a_s, 3), b8, tg_out_fmt(b2, sizeof b2, c->mean_a_t, 3), b9,
			    b7, b3, tg_out_fmt(b4, sizeof b4, c->seeds.sd, 3),
			    interval(b5, sizeof b5, c->seeds.lo, c->seeds.hi),
			    interval(b6, sizeof b6, c->items.lo, c->items.hi));
		}
		if (t->n_d > 0) {
			fprintf(f, md ? "\n## Source benefit (dTTC)\n\n" : "\nSource benefit dTTC = TTC(%s->t) - TTC(%s->t)\n",
			    t->d[0].src_a, t->d[0].src_b);
			if (md)
				fprintf(f, "dTTC = TTC(%s->t) - TTC(%s->t); seeds CI: Welch t; items CI: bootstrap paired on "
				    "the target test set.\n\n| task | method | layers | target | TTC %s | TTC %s | dTTC | "
				    "seeds CI | items CI |\n|---|---|---|---|---:|---:|---:|---|---|\n", t->d[0].src_a,
				    t->d[0].src_b, t->d[0].src_a, t->d[0].src_b);
			else {
				char ha[24], hb[24];

				snprintf(ha, sizeof ha, "TTC %s", t->d[0].src_a);
				snprintf(hb, sizeof hb, "TTC %s", t->d[0].src_b);
				fprintf(f, "%-8s %-12s %-8s %-6s %7s %7s %7s %-17s %-17s\n", "task", "method", "layers", "target",
				    ha, hb, "dTTC", "seeds CI", "items CI");
			}
			for (i = 0; i < t->n_d; i++) {
				const tg_dttc_cell *d = &t->d[i];

				fprintf(f, md ? "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n"
				    : "%-8s %-12s %-8s %-6s %7s %7s %7s %-17s %-17s\n", d->task, d->method, d->layers, d->target,
				    tg_out_fmt(b1, sizeof b1, d->ttc_a, 3), tg_out_fmt(b2, sizeof b2, d->ttc_b, 3),
				    tg_out_fmt(b3, sizeof b3, d->diff, 3), interval(b4, sizeof b4, d->lo, d->hi),
				    interval(b5, sizeof b5, d->items.lo, d->items.hi));
			}
		}
		write_matrices(f, fmt, t, err);
		if (t->n_notes > 0) {
			fprintf(f, md ? "\n**Notes**\n\n" : "\nnotes:\n");
			for (i = 0; i < t->n_notes; i++)
				fprintf(f, md ? "- %s\n" : "  %s\n", t->notes[i]);
		}
		break;
	}
	case TG_OUT_CSV:
		fprintf(f, "kind,task,method,layers,source,target,metric,split,n_seeds,a_s,a_t,chance_s,chance_t,value,sd,"
		    "seeds_lo,seeds_hi,items_lo,items_hi,n_item_seeds,n_items_s,n_items_t,above_chance\n");
		for (i = 0; i < t->n; i++) {
			const tg_ttc_cell *c = &t->cell[i];
			double v[] = { c->mean_a_s, c->mean_a_t, c->chance_s, c->chance_t, c->seeds.mean, c->seeds.sd,
				c->seeds.lo, c->seeds.hi, c->items.lo, c->items.hi };
			size_t k;

			fputs("ttc,", f);
			tg_out_csv_str(f, c->task), fputc(',', f);
			tg_out_csv_str(f, c->method), fputc(',', f);
			tg_out_csv_str(f, c->layers), fputc(',', f);
			tg_out_csv_str(f, c->source), fputc(',', f);
			tg_out_csv_str(f, c->target), fputc(',', f);
			tg_out_csv_str(f, c->metric);
			fprintf(f, ",%s,%d", sp, c->n_seeds);
			for (k = 0; k < sizeof v / sizeof v[0]; k++) {
				fputc(',', f);
				tg_out_num(f, v[k], -1);
			}
			fprintf(f, ",%d,%lld,%lld,", c->n_item_seeds, (long long)c->n_items_s, (long long)c->n_items_t);
			tg_out_num(f, c->mean_a_t - c->chance_t, -1);
			fputc('\n', f);
		}
		for (i = 0; i < t->n_d; i++) {
			const tg_dttc_cell *d = &t->d[i];
			double v[] = { d->ttc_a, d->ttc_b, d->diff, d->lo, d->hi, d->items.lo, d->items.hi };
			size_t k;

			fputs("dttc,", f);
			tg_out_csv_str(f, d->task), fputc(',', f);
			tg_out_csv_str(f, d->method), fputc(',', f);
			tg_out_csv_str(f, d->layers), fputc(',', f);
			fprintf(f, "%s-%s,", d->src_a, d->src_b);
			tg_out_csv_str(f, d->target), fputc(',', f);
			tg_out_csv_str(f, d->metric);
			/* a_s, a_t hold TTC(a), TTC(b); value = dTTC */
			fprintf(f, ",%s,,", sp);
			tg_out_num(f, v[0], -1), fputc(',', f);
			tg_out_num(f, v[1], -1);
			fputs(",,,", f);
			tg_out_num(f, v[2], -1);
			fputs(",,", f);
			for (k = 3; k < 7; k++) {
				tg_out_num(f, v[k], -1);
				fputc(',', f);
			}
			fputs(",,,\n", f);
		}
		break;
	case TG_OUT_JSON: {
		json_t *root = json_object(), *cells = json_array(), *ds = json_array(), *nts = json_array(), *mats;
		tg_matrix **m;
		int n, k, by;

		json_object_set_new(root, "split", json_string(sp));
		json_object_set_new(root, "level", json_real(t->level));
		json_object_set_new(root, "bootstrap_resamples", json_integer(t->n_boot));
		json_object_set_new(root, "chance", json_string(TG_CHANCE_ABOUT));
		for (i = 0; i < t->n; i++) {
			const tg_ttc_cell *c = &t->cell[i];
			json_t *o = json_object(), *runs = json_array(), *per = json_array();

			json_object_set_new(o, "task", json_string(c->task));
			json_object_set_new(o, "method", json_string(c->method));
			json_object_set_new(o, "layers", json_string(c->layers));
			json_object_set_new(o, "source", json_string(c->source));
			json_object_set_new(o, "target", json_string(c->target));
			json_object_set_new(o, "metric", json_string(c->metric));
			json_object_set_new(o, "chance_source", tg_json_num(c->chance_s));
			json_object_set_new(o, "chance_target", tg_json_num(c->chance_t));
			json_object_set_new(o, "score_source", tg_json_num(c->mean_a_s));
			json_object_set_new(o, "score_target", tg_json_num(c->mean_a_t));
			json_object_set_new(o, "above_chance", tg_json_num(c->mean_a_t - c->chance_t));
			json_object_set_new(o, "below_chance", isnan(c->mean_a_t - c->chance_t) ? json_null() :
			    json_boolean(c->mean_a_t - c->chance_t <= 0));
			json_object_set_new(o, "ttc", tg_json_num(c->seeds.mean));
			json_object_set_new(o, "sd", tg_json_num(c->seeds.sd));
			json_object_set_new(o, "seeds_ci", tg_json_interval(c->seeds.lo, c->seeds.hi));
			json_object_set_new(o, "items_ci", tg_json_interval(c->items.lo, c->items.hi));
			json_object_set_new(o, "items_se", tg_json_num(c->items.se));
			json_object_set_new(o, "n_item_seeds", json_integer(c->n_item_seeds));
			json_object_set_new(o, "n_items_source", json_integer(c->n_items_s));
			json_object_set_new(o, "n_items_target", json_integer(c->n_items_t));
			for (k = 0; k < c->n_seeds; k++) {
				json_array_append_new(runs, json_integer(c->run_ids[k]));
				json_array_append_new(per, json_pack("{sIsososo}", "seed", (json_int_t)c->seed[k], "ttc",
				    tg_json_num(c->ttc[k]), "score_source", tg_json_num(c->a_s[k]), "score_target", tg_json_num(c->a_t[k])));
			}
			json_object_set_new(o, "runs", runs);
			json_object_set_new(o, "seeds", per);
			json_array_append_new(cells, o);
		}
		for (i = 0; i < t->n_d; i++) {
			const tg_dttc_cell *d = &t->d[i];

			json_array_append_new(ds, json_pack("{sssssssssssssssosososososo}", "task", d->task, "method", d->method,
			    "layers", d->layers, "target", d->target, "metric", d->metric, "source_a", d->src_a, "source_b",
			    d->src_b, "ttc_a", tg_json_num(d->ttc_a), "ttc_b", tg_json_num(d->ttc_b), "dttc", tg_json_num(d->diff),
			    "seeds_ci", tg_json_interval(d->lo, d->hi), "items_ci", tg_json_interval(d->items.lo, d->items.hi),
			    "items_se", tg_json_num(d->items.se)));
		}
		mats = json_object();
		for (by = 0; by < 2; by++) {
			json_t *arr = json_array();

			tg_ttc_matrices(t, (tg_ttc_by)by, &m, &n);
			for (k = 0; k < n; k++)
				json_array_append_new(arr, tg_matrix_json(m[k], false));
			tg_matrix_list_free(m, n);
			json_object_set_new(mats, by == TG_TTC_BY_SOURCE ? "by_source" : "by_method", arr);
		}
		for (i = 0; i < t->n_notes; i++)
			json_array_append_new(nts, json_string(t->notes[i]));
		json_object_set_new(root, "ttc", cells);
		json_object_set_new(root, "dttc", ds);
		json_object_set_new(root, "matrices", mats);
		json_object_set_new(root, "notes", nts);
		tg_json_print(f, root, 10);
		break;
	}
	default:
		return tg_error_set(err, TG_E_ARG, "ttc: unknown output format %d", (int)fmt);
	}
	return tg_out_status(f, "ttc", err);
}
