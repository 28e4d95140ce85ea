/* The per-language report: each run's selected (best on source dev) scores with CIs and TTC per target language. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "store-internal.h"
#include "metrics/metrics.h"
#include "util/table.h"

/* ---- building ---------------------------------------------------------------------------------------------------- */

static const tg_task_chance *
find_chance(const tg_report_opts *o, const char *task)
{
	int i;

	for (i = 0; task != NULL && i < o->nchance; i++)
		if (o->chance[i].task != NULL && strcmp(o->chance[i].task, task) == 0)
			return &o->chance[i];
	return NULL;
}

static void
cell_from(tg_report_cell *c, const tg_eval_row *e)
{
	c->score = e->score;
	c->ci_low = e->ci_low;
	c->ci_high = e->ci_high;
	c->n_items = e->n_items;
	c->chance = e->chance;
}

static void
cell_init(tg_report_cell *c)
{
	c->score = c->ci_low = c->ci_high = c->ttc = c->chance = NAN;
	c->n_items = 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The rows of one run at its chosen step, split and metric; their count goes to *n. */
static int
run_rows(tg_store *s, tg_report_run *rr, const tg_report_opts *o, tg_eval_row **keep, int *n, tg_error *err)
{
	tg_eval_row *rows;
	int nrows, i, k = 0;

	*keep = NULL;
	*n = 0;
	rr->step = -1;
	/* A flagged checkpoint wins; otherwise choose now, without writing (works read-only). */
	if (tg_store_evals(s, rr->id, TG_EVALS_SELECTED, &rows, &nrows, err) != TG_OK)
		return TG_ERR;
	for (i = 0; i < nrows && rr->step < 0; i++)
		if (o->metric == NULL || strcmp(rows[i].metric, o->metric) == 0)
			rr->step = rows[i].step;
	free(rows);
	if (o->metric != NULL)
		snprintf(rr->metric, sizeof rr->metric, "%s", o->metric);
	if (rr->step < 0 || o->metric == NULL) {
		int64_t best;

		if (tg_store_eval_best_step(s, rr->id, o->metric, rr->metric, &best, err) != TG_OK)
			return TG_ERR;
		if (rr->step < 0)
			rr->step = best;
	}
	if (rr->step < 0)
		return TG_OK;                /* no source dev scores: an empty row */
	if (tg_store_evals(s, rr->id, TG_EVALS_ALL, &rows, &nrows, err) != TG_OK)
		return TG_ERR;
	for (i = 0; i < nrows; i++)
		if (rows[i].step == rr->step && rows[i].split == o->split && strcmp(rows[i].metric, rr->metric) == 0)
			rows[k++] = rows[i];
	*keep = rows;
	*n = k;
	return TG_OK;
}

tg_report *
tg_report_build(tg_store *s, const int64_t *run_ids, int nruns, const tg_report_opts *opts, tg_error *err)
{
	static const tg_report_opts defaults = { 0 };
	tg_report *r;
	tg_eval_row **rows;
	int *nrows, i, j, k, cap = 0;
	bool ok = false;

	if (s == NULL || (run_ids == NULL && nruns > 0) || nruns < 0) {
		tg_error_set(err, TG_E_ARG, "report: bad arguments (store %p, %d runs)", (void *)s, nruns);
		return NULL;
	}
	if (opts == NULL)
		opts = &defaults;
	if ((unsigned)opts->split > TG_SPLIT_TEST) {
		tg_error_set(err, TG_E_ARG, "report: split %d out of range", (int)opts->split);
		return NULL;
	}
	r = tg_xcalloc(1, sizeof *r);
	r->split = opts->split;
	r->runs = tg_xcalloc(nruns ? nruns : 1, sizeof *r->runs);
	rows = tg_xcalloc(nruns ? nruns : 1, sizeof *rows);
	nrows = tg_xcalloc(nruns ? nruns : 1, sizeof *nrows);

	for (i = 0; i < nruns; i++) {
		tg_report_run *rr = &r->runs[i];
		tg_run_info info;
		const tg_task_chance *ch;
		json_t *cfg;

		if (tg_store_run_get(s, run_ids[i], &info, err) != TG_OK)
			goto fail;
		r->nruns = i + 1;
		rr->id = info.id;
		rr->name = info.name, info.name = NULL;
		rr->method = info.method, info.method = NULL;
		rr->layers = info.layers, info.layers = NULL;
		rr->task = info.task, info.task = NULL;
		rr->source = info.source, info.source = NULL;
		/* the legacy fallback for rows without their own chance: this run's config, then the caller's table */
		rr->chance = NAN;
		cfg = info.config != NULL ? json_loads(info.config, 0, NULL) : NULL;
		if (json_is_number(json_object_get(cfg, "chance")))
			rr->chance = json_number_value(json_object_get(cfg, "chance"));
		else if ((ch = find_chance(opts, rr->task)) != NULL)
			rr->chance = ch->chance;
		else if (tg_chance_rule_find(rr->task) != NULL && tg_chance_rule_find(rr->task)->kind == TG_CHANCE_ZERO)
			rr->chance = 0;
		json_decref(cfg);
		tg_run_info_clear(&info);
		cell_init(&rr->src);
		rr->mean_ttc = NAN;
		if (run_rows(s, rr, opts, &rows[i], &nrows[i], err) != TG_OK)
			goto fail;
	}

	if (opts->langs != NULL) {
		r->langs = tg_xcalloc(opts->nlangs ? opts->nlangs : 1, sizeof *r->langs);
		for (k = 0; k < opts->nlangs; k++)
			r->langs[r->nlangs++] = tg_xstrdup(opts->langs[k]);
	} else {
		for (i = 0; i < nruns; i++)
			for (j = 0; j < nrows[i]; j++) {
				if (rows[i][j].is_source || tg_str_index(r->langs, r->nlangs, rows[i][j].lang) >= 0)
					continue;
				if (r->nlangs == cap)
					r->langs = tg_xrealloc(r->langs, (cap = cap ? 2 * cap : 16) * sizeof *r->langs);
				r->langs[r->nlangs++] = tg_xstrdup(rows[i][j].lang);
			}
		if (r->nlangs > 1)
			qsort(r->langs, r->nlangs, sizeof *r->langs, cmp_str);
	}

	for (i = 0; i < nruns; i++) {
		tg_report_run *rr = &r->runs[i];
		double sum = 0, legacy;
		int nt = 0;

		rr->cells = tg_xcalloc(r->nlangs ? r->nlangs : 1, sizeof *rr->cells);
		for (k = 0; k < r->nlangs; k++)
			cell_init(&rr->cells[k]);
		for (j = 0; j < nrows[i]; j++) {
			const tg_eval_row *e = &rows[i][j];

			if (e->is_source) {
				if (isnan(rr->src.score))
					cell_from(&rr->src, e);
				continue;
			}
			for (k = 0; k < r->nlangs; k++)
				if (strcmp(r->langs[k], e->lang) == 0)
					cell_from(&rr->cells[k], e);
		}
		/* each set's own chance; rows stored before chance was (schema < 3) take the run's legacy level */
		legacy = rr->chance;
		if (!isnan(rr->src.score) && isnan(rr->src.chance)) {
			rr->src.chance = legacy;
			rr->chance_legacy = true;
		}
		for (k = 0; k < r->nlangs; k++)
			if (!isnan(rr->cells[k].score) && isnan(rr->cells[k].chance)) {
				rr->cells[k].chance = legacy;
				rr->chance_legacy = true;
			}
		rr->chance = rr->src.chance;
		/* TTC is undefined when the source itself is at or below chance (tg_ttc) */
		for (k = 0; k < r->nlangs; k++) {
			tg_report_cell *c = &rr->cells[k];

			c->ttc = tg_ttc(c->score, c->chance, rr->src.score, rr->src.chance);
			if (!isnan(c->ttc)) {
				sum += c->ttc;
				nt++;
			}
		}
		rr->mean_ttc = nt ? sum / nt : NAN;
	}
	ok = true;
fail:
	for (i = 0; i < nruns; i++)
		free(rows[i]);
	free(rows);
	free(nrows);
	if (!ok) {
		tg_report_free(r);
		return NULL;
	}
	return r;
}

void
tg_report_free(tg_report *r)
{
	int i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nruns; i++) {
		free(r->runs[i].name);
		free(r->runs[i].method);
		free(r->runs[i].layers);
		free(r->runs[i].task);
		free(r->runs[i].source);
		free(r->runs[i].cells);
	}
	for (i = 0; i < r->nlangs; i++)
		free(r->langs[i]);
	free(r->langs);
	free(r->runs);
	free(r);
}

int
tg_report_format_parse(const char *name)
{
	switch (tg_out_format_parse(name)) {
	case TG_OUT_MD:
		return TG_REPORT_MARKDOWN;
	case TG_OUT_CSV:
		return TG_REPORT_CSV;
	case TG_OUT_JSON:
		return TG_REPORT_JSON;
	default:
		return -1;      /* unknown, or text (the report has no plain-text form) */
	}
}

/* ---- Markdown ---------------------------------------------------------------------------------------------------- */

static void
md_text(FILE *f, const char *s)
{
	for (; s != NULL && *s; s++) {
		if (*s == '|')
			fputc('\\', f);
		fputc(*s == '\n' ? ' ' : *s, f);
	}
}

static void
md_score(FILE *f, const tg_report_cell *c)
{
	if (isnan(c->score)) {
		fputs(" - |", f);
		return;
	}
	fprintf(f, " %.3f", c->score);
	if (!isnan(c->ci_low) && !isnan(c->ci_high))
		fprintf(f, " [%.3f, %.3f]", c->ci_low, c->ci_high);
	fputs(" |", f);
}

static void
md_num(FILE *f, double v)
{
	if (isnan(v))
		fputs(" - |", f);
	else
		fprintf(f, " %.3f |", v);
}

/* A TTC cell: "0.812 (+0.214)", "undefined (+0.214)" when the source is at or below its chance, "*" appended when
 * the target is at or below its own chance, "-" when there is no score. */
static void
md_ttc(FILE *f, const tg_report_run *rr, const tg_report_cell *c)
{
	double gain = c->score - c->chance;

	if (isnan(c->score)) {
		fputs(" - |", f);
		return;
	}
	if (!isnan(c->ttc))
		fprintf(f, " %.3f", c->ttc);
	else
		fputs(isnan(c->chance) || isnan(rr->src.chance) || isnan(rr->src.score) ? " -" : " undefined", f);
	if (!isnan(gain))
		fprintf(f, " (%+.3f)%s", gain, gain <= 0 ? " *" : "");
	fputs(" |", f);
}

/* A table's header: head, a " lang |" cell for each language of the report, then rule (which ends the header row
 * and starts the rule row) and n more rule cells. */
static void
md_header(FILE *f, const tg_report *r, const char *head, const char *rule, int n, const char *cell)
{
	int k;

	fputs(head, f);
	for (k = 0; k < r->nlangs; k++) {
		fputc(' ', f);
		md_text(f, r->langs[k]);
		fputs(" |", f);
	}
	fputs(rule, f);
	while (n-- > 0)
		fputs(cell, f);
	fputc('\n', f);
}

/* The first cells of a run's row, as Markdown cells ("| 3 | name |") or CSV fields ("3,name"): its id and the first n
 * of name, method, layers, task, source, metric. */
static void
run_cells(FILE *f, const tg_report_run *rr, int n, bool md)
{
	const char *cols[] = { rr->name, rr->method, rr->layers, rr->task, rr->source, rr->metric };
	int c;

	fprintf(f, md ? "| %lld |" : "%lld", (long long)rr->id);
	for (c = 0; c < n; c++) {
		fputc(md ? ' ' : ',', f);
		if (md) {
			md_text(f, cols[c]);
			fputs(" |", f);
		} else {
			tg_out_csv_str(f, cols[c]);
		}
	}
}

static void
write_md(FILE *f, const tg_report *r)
{
	int i, k;

	fprintf(f, "Scores (%s split; checkpoint selected on source dev; 95%% CI in brackets)\n\n",
	    tg_split_name(r->split));
	md_header(f, r, "| run | name | method | layers | task | source | metric | step | source score |",
	    "\n|---:|---|---|---|---|---|---|---:|---|", r->nlangs, "---|");
	for (i = 0; i < r->nruns; i++) {
		const tg_report_run *rr = &r->runs[i];

		run_cells(f, rr, 6, true);
		if (rr->step >= 0)
			fprintf(f, " %lld |", (long long)rr->step);
		else
			fputs(" - |", f);
		md_score(f, &rr->src);
		for (k = 0; k < r->nlangs; k++)
			md_score(f, &rr->cells[k]);
		fputc('\n', f);
	}

	fputs("\nTTC = (A_t - c_t) / (A_s - c_s); 1 = no transfer gap; " TG_CHANCE_ABOUT ". Each cell: TTC (A_t - c_t); "
	    "undefined when the source is at or below its chance; * = target at or below its chance\n\n", f);
	md_header(f, r, "| run | name | c_s |", " mean |\n|---:|---|---:|", r->nlangs + 1, "---:|");
	for (i = 0; i < r->nruns; i++) {
		const tg_report_run *rr = &r->runs[i];

		run_cells(f, rr, 1, true);
		md_num(f, rr->chance);
		for (k = 0; k < r->nlangs; k++)
			md_ttc(f, rr, &rr->cells[k]);
		md_num(f, rr->mean_ttc);
		fputc('\n', f);
	}

	fputs("\nChance levels c (" TG_CHANCE_NAME " of each evaluation set)\n\n", f);
	md_header(f, r, "| run | name | source |", "\n|---:|---|---:|", r->nlangs, "---:|");
	for (i = 0; i < r->nruns; i++) {
		const tg_report_run *rr = &r->runs[i];

		run_cells(f, rr, 1, true);
		md_num(f, rr->src.chance);
		for (k = 0; k < r->nlangs; k++)
			md_num(f, rr->cells[k].chance);
		fputc('\n', f);
	}
	for (i = 0; i < r->nruns; i++)
		if (r->runs[i].chance_legacy)
			fprintf(f, "\nrun %lld was stored before per-set chance levels: it uses the one level stored with the "
			    "run (older definition)\n", (long long)r->runs[i].id);
}

/* ---- CSV (RFC 4180, long form) ----------------------------------------------------------------------------------- */

static void
csv_num(FILE *f, double v)
{
	fputc(',', f);
	if (!isnan(v))
		fprintf(f, "%.6g", v);
}

static void
csv_row(FILE *f, const tg_report *r, const tg_report_run *rr, const char *lang, bool is_source,
        const tg_report_cell *c)
{
	run_cells(f, rr, 6, false);
	fputc(',', f);
	if (rr->step >= 0)
		fprintf(f, "%lld", (long long)rr->step);
	fprintf(f, ",%s,", tg_split_name(r->split));
	tg_out_csv_str(f, lang);
	fprintf(f, ",%d", is_source);
	csv_num(f, c->score);
	csv_num(f, c->ci_low);
	csv_num(f, c->ci_high);
	fputc(',', f);
	if (c->n_items > 0)
		fprintf(f, "%lld", (long long)c->n_items);
	csv_num(f, c->chance);
	csv_num(f, c->ttc);
	csv_num(f, c->score - c->chance);
	fputc(',', f);
	if (!isnan(c->score - c->chance))
		fputc(c->score - c->chance <= 0 ? '1' : '0', f);
	fputc('\n', f);
}

static void
write_csv(FILE *f, const tg_report *r)
{
	int i, k;

	fputs("run_id,name,method,layers,task,source,metric,step,split,lang,is_source,score,ci_low,ci_high,n_items,"
	    "chance,ttc,above_chance,below_chance\n", f);
	for (i = 0; i < r->nruns; i++) {
		const tg_report_run *rr = &r->runs[i];

		csv_row(f, r, rr, rr->source, true, &rr->src);
		for (k = 0; k < r->nlangs; k++)
			csv_row(f, r, rr, r->langs[k], false, &rr->cells[k]);
	}
}

/* ---- JSON -------------------------------------------------------------------------------------------------------- */

static json_t *
jcell(const tg_report_cell *c, bool with_ttc)
{
	json_t *o = json_object();

	json_object_set_new(o, "score", tg_json_num(c->score));
	json_object_set_new(o, "ci_low", tg_json_num(c->ci_low));
	json_object_set_new(o, "ci_high", tg_json_num(c->ci_high));
	json_object_set_new(o, "n_items", c->n_items > 0 ? json_integer(c->n_items) : json_null());
	json_object_set_new(o, "chance", tg_json_num(c->chance));
	json_object_set_new(o, "above_chance", tg_json_num(c->score - c->chance));
	json_object_set_new(o, "below_chance", isnan(c->score - c->chance) ? json_null() :
	    json_boolean(c->score - c->chance <= 0));
	if (with_ttc)
		json_object_set_new(o, "ttc", tg_json_num(c->ttc));
	return o;
}

static int
write_json(FILE *f, const tg_report *r)
{
	json_t *root = json_object(), *langs = json_array(), *runs = json_array();
	int i, k, rc;

	json_object_set_new(root, "split", json_string(tg_split_name(r->split)));
	json_object_set_new(root, "selection", json_string("source dev"));
	json_object_set_new(root, "chance", json_string(TG_CHANCE_ABOUT));
	for (k = 0; k < r->nlangs; k++)
		json_array_append_new(langs, json_string(r->langs[k]));
	json_object_set_new(root, "langs", langs);
	for (i = 0; i < r->nruns; i++) {
		const tg_report_run *rr = &r->runs[i];
		json_t *o = json_object(), *t = json_object();

		json_object_set_new(o, "id", json_integer(rr->id));
		json_object_set_new(o, "name", tg_json_str(rr->name));
		json_object_set_new(o, "method", tg_json_str(rr->method));
		json_object_set_new(o, "layers", tg_json_str(rr->layers));
		json_object_set_new(o, "task", tg_json_str(rr->task));
		json_object_set_new(o, "source", tg_json_str(rr->source));
		json_object_set_new(o, "metric", json_string(rr->metric));
		json_object_set_new(o, "step", rr->step >= 0 ? json_integer(rr->step) : json_null());
		json_object_set_new(o, "chance", tg_json_num(rr->chance));
		json_object_set_new(o, "chance_legacy", json_boolean(rr->chance_legacy));
		json_object_set_new(o, "source_score", jcell(&rr->src, false));
		for (k = 0; k < r->nlangs; k++)
			json_object_set_new(t, r->langs[k], jcell(&rr->cells[k], true));
		json_object_set_new(o, "targets", t);
		json_object_set_new(o, "mean_ttc", tg_json_num(rr->mean_ttc));
		json_array_append_new(runs, o);
	}
	json_object_set_new(root, "runs", runs);
	rc = json_dumpf(root, f, JSON_INDENT(2) | JSON_REAL_PRECISION(6));
	fputc('\n', f);
	json_decref(root);
	return rc == 0 ? TG_OK : TG_ERR;
}

int
tg_report_write(FILE *f, tg_report_format fmt, const tg_report *r, tg_error *err)
{
	if (f == NULL || r == NULL)
		return tg_error_set(err, TG_E_ARG, "report: write: no %s (NULL)", f == NULL ? "file" : "report");
	switch (fmt) {
	case TG_REPORT_MARKDOWN:
		write_md(f, r);
		break;
	case TG_REPORT_CSV:
		write_csv(f, r);
		break;
	case TG_REPORT_JSON:
		if (write_json(f, r) != TG_OK)
			return tg_error_set(err, TG_E_IO, "report: write JSON: failed");
		break;
	default:
		tg_error_set(err, TG_E_ARG, "report: write: format %d unknown", (int)fmt);
		return tg_error_hint(err, "use markdown (md), csv or json");
	}
	if (fflush(f) != 0 || ferror(f))
		return tg_error_set(err, TG_E_IO, "report: write: %s", "output error (disk full or closed pipe?)");
	return TG_OK;
}
