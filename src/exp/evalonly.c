/* Evaluation only: a stored run's model, PEFT module and head scored on any file (tamga eval / predict,
 * run:evaluate), with the training-time evaluation code (tg_evaluate_predict); the score is stored with the run
 * under the dataset's own name, and the predictions can be written out for other tools. */
#include "config.h"
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "exp/exp.h"
#include "model/safetensors.h"
#include "analysis/analysis.h"

void
tg_eval_opts_init(tg_eval_opts *o)
{
	memset(o, 0, sizeof *o);
	o->format = -1;
	o->split = "test";
	o->store = true;
	o->batch = 64;
	o->boot_resamples = 1000;
	o->precision = -1;
}

void
tg_eval_result_clear(tg_eval_result *r)
{
	if (r == NULL)
		return;
	tg_score_clear(&r->score);
	tg_read_log_clear(&r->log);
	memset(r, 0, sizeof *r);
}


/* The stored name: letters, digits and . _ - : +, 1..15 bytes (it goes where a language code goes). */
static int
name_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > 15)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && strchr("._-:+", s[i]) == NULL)
			return 0;
	return 1;
}

/* Default name: the file name without its folder and its extension (".conllu", ".tsv", ...). */
static void
default_name(const char *path, char *buf, size_t n)
{
	const char *b = strrchr(path, '/');
	char *dot;

	snprintf(buf, n, "%s", b ? b + 1 : path);
	if ((dot = strrchr(buf, '.')) != NULL && dot != buf)
		*dot = '\0';
}

/* ---- loading the run ----------------------------------------------------------------------------------------- */

typedef struct loaded_run {
	tg_run_info  info;
	json_t      *cfg;
	char         adapter[4300];
	tg_encoder  *e;
	tg_tokenizer *tok;
	tg_peft     *peft;
	tg_head     *h;
	tg_task     *t;
	int          max_len;
	bool         fused;
} loaded_run;

static void
loaded_free(loaded_run *lr)
{
	tg_head_free(lr->h);
	tg_peft_free(lr->peft);
	tg_tokenizer_free(lr->tok);
	tg_encoder_free(lr->e);
	tg_task_free(lr->t);
	json_decref(lr->cfg);
	tg_run_info_clear(&lr->info);
}

static const char *
cfg_str(json_t *cfg, const char *key)
{
	json_t *v = json_object_get(cfg, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* The head written by tg_experiment_run (<adapter>/head.safetensors), into a fresh head of the task's shape. */
static int
load_head(tg_head *h, const char *dir, tg_error *err)
{
	char path[4400];
	tg_st_file *f;
	int i;

	snprintf(path, sizeof path, "%s/head.safetensors", dir);
	if ((f = tg_st_open(path, err)) == NULL)
		return tg_error_hint(err, "the run's task head is saved beside its adapter when training ends; was the run "
		    "finished?");
	for (i = 0; i < h->params->n; i++) {
		tg_tensor *v = h->params->views[i];
		const tg_st_tensor *st = tg_st_find(f, h->params->names[i]);
		int64_t numel = 1;
		int d;

		for (d = 0; d < v->ndim; d++)
			numel *= v->shape[d];
		if (st == NULL || st->numel != numel) {
			tg_error_set(err, TG_E_FORMAT, "%s: %s %s (the task head needs %lld values)", path, h->params->names[i],
			    st == NULL ? "is missing" : "has the wrong size", (long long)numel);
			tg_st_close(f);
			return TG_ERR;
		}
		if (tg_st_read_f32(f, st, v->data, numel, err) != TG_OK) {
			tg_st_close(f);
			return TG_ERR;
		}
	}
	tg_st_close(f);
	return TG_OK;
}

static int
load_run(tg_store *st, const char *ws, int64_t run_id, loaded_run *lr, tg_error *err)
{
	json_error_t je;
	const char *task, *model_dir, *metric;
	json_t *v;
	tg_artifact *arts = NULL;
	int narts = 0, i;
	struct stat sb;

	if (tg_store_run_get(st, run_id, &lr->info, err) != TG_OK)
		return TG_ERR;
	if ((lr->cfg = json_loads(lr->info.config ? lr->info.config : "{}", 0, &je)) == NULL)
		return tg_error_set(err, TG_E_FORMAT, "run %lld: its stored configuration is not JSON (%s)", (long long)run_id,
		    je.text);
	task = cfg_str(lr->cfg, "task");
	model_dir = cfg_str(lr->cfg, "model_dir");
	metric = cfg_str(lr->cfg, "metric");
	if (task == NULL || model_dir == NULL || metric == NULL)
		return tg_error_set(err, TG_E_FORMAT, "run %lld: its configuration names no %s", (long long)run_id,
		    task == NULL ? "task" : model_dir == NULL ? "model_dir" : "metric");
	/* the trained module: the run's "adapter" artifact, else where tg_experiment_run puts it */
	snprintf(lr->adapter, sizeof lr->adapter, "%s/adapters/run-%lld", ws, (long long)run_id);
	if (tg_store_artifact_list(st, run_id, &arts, &narts, NULL) == TG_OK) {
		for (i = 0; i < narts; i++)
			if (strcmp(arts[i].kind, "adapter") == 0 && arts[i].path != NULL)
				snprintf(lr->adapter, sizeof lr->adapter, "%s%s%s", arts[i].path[0] == '/' ? "" : ws,
				    arts[i].path[0] == '/' ? "" : "/", arts[i].path);
		tg_artifact_list_free(arts, narts);
	}
	if (stat(lr->adapter, &sb) != 0) {
		tg_error_set(err, TG_E_STATE, "run %lld (%s): no trained adapter at %s", (long long)run_id,
		    tg_run_status_name(lr->info.status), lr->adapter);
		return tg_error_hint(err, "only a finished run has its adapter and head saved; 'tamga show %lld' shows its "
		    "status", (long long)run_id);
	}
	v = json_object_get(lr->cfg, "max_len");
	lr->max_len = json_is_integer(v) ? (int)json_integer_value(v) : 128;
	lr->fused = true;
	if ((v = json_object_get(lr->cfg, "argv")) != NULL && json_is_array(v)) {
		size_t k;
		for (k = 0; k < json_array_size(v); k++) {
			json_t *a = json_array_get(v, k);
			if (json_is_string(a) && strcmp(json_string_value(a), "--words") == 0)
				lr->fused = false;
		}
	}

	lr->t = tg_xcalloc(1, sizeof *lr->t);
	snprintf(lr->t->name, sizeof lr->t->name, "%s", task);
	snprintf(lr->t->metric, sizeof lr->t->metric, "%s", metric);
	snprintf(lr->t->source, sizeof lr->t->source, "%s", lr->info.source ? lr->info.source : "");
	if (strcmp(task, "udpos") == 0 || strcmp(task, "ner") == 0) {
		bool pos = task[0] == 'u';
		lr->t->kind = TG_TASK_TAGGING;
		lr->t->labels = tg_labels_new_from(pos ? tg_upos_tags : tg_panx_tags, pos ? 17 : 7, 1);
		lr->t->n_classes = lr->t->labels->n;
		/* the chance of a tagging set is the rate of the SOURCE's majority tag in it: new runs store that tag */
		lr->t->majority_tag = -1;
		if ((v = json_object_get(lr->cfg, "majority_tag")) != NULL && json_is_string(v)) {
			int k;
			for (k = 0; k < lr->t->labels->n; k++)
				if (strcmp(lr->t->labels->name[k], json_string_value(v)) == 0)
					lr->t->majority_tag = k;
		}
	} else if (strcmp(task, "nli") == 0) {
		lr->t->kind = TG_TASK_PAIR;
		lr->t->labels = tg_labels_new_from(tg_nli_labels, 3, 1);
		lr->t->n_classes = 3;
	} else if (strcmp(task, "copa") == 0) {
		lr->t->kind = TG_TASK_CHOICE;
		lr->t->n_classes = 1;
	} else
		return tg_error_set(err, TG_E_ARG, "run %lld: task '%s' has no evaluation here", (long long)run_id, task);

	if ((lr->e = tg_encoder_load(model_dir, err)) == NULL || (lr->tok = tg_tokenizer_load(model_dir, err)) == NULL)
		return tg_error_hint(err, "run %lld was trained on the model in %s; it must still be there", (long long)run_id,
		    model_dir);
	if ((lr->peft = tg_peft_load(lr->e, lr->adapter, err)) == NULL || tg_peft_attach(lr->peft, lr->e, err) != TG_OK)
		return TG_ERR;
	if ((lr->h = tg_head_new(lr->t->kind, lr->e->cfg.hidden_size, lr->t->n_classes, 0.0f, 1, err)) == NULL)
		return TG_ERR;
	return load_head(lr->h, lr->adapter, err);
}

/* The checkpoint the run's scores are reported at: the flagged one, else the best on source dev. */
static int
selected_step(tg_store *st, int64_t run_id, int64_t *step, tg_error *err)
{
	tg_eval_row *rows = NULL;
	int n = 0, i;
	const char *metric = NULL;
	double best = -INFINITY;

	*step = -1;
	if (tg_store_evals(st, run_id, TG_EVALS_SELECTED, &rows, &n, err) != TG_OK)
		return TG_ERR;
	if (n > 0)
		*step = rows[0].step;
	free(rows);
	if (*step < 0) {
		/* none flagged: the best source dev score (the first such row's metric), earliest on ties */
		if (tg_store_evals(st, run_id, TG_EVALS_ALL, &rows, &n, err) != TG_OK)
			return TG_ERR;
		for (i = 0; i < n; i++) {
			if (!rows[i].is_source || rows[i].split != TG_SPLIT_DEV || isnan(rows[i].score))
				continue;
			if (metric == NULL)
				metric = rows[i].metric;
			if (strcmp(rows[i].metric, metric) == 0 && (rows[i].score > best ||
			    (rows[i].score == best && rows[i].step < *step))) {
				best = rows[i].score;
				*step = rows[i].step;
			}
		}
		free(rows);
	}
	if (*step < 0)
		return tg_error_set(err, TG_E_STATE, "run %lld has no source dev scores, so no selected checkpoint to "
		    "store the score at", (long long)run_id);
	return TG_OK;
}

/* ---- predictions out ------------------------------------------------------------------------------------------- */

static const char *
tag_name(const tg_labels *l, int32_t id)
{
	return id < 0 ? "_" : tg_labels_name(l, id);
}

/* CoNLL-U: the input's lines of every evaluated sentence, with field 4 (UPOS) replaced by the prediction. With
 * fused multiword tokens the model tagged the range line's surface form: its prediction goes on the range line
 * and the words of the span get "_". */
static int
write_conllu(FILE *out, const tg_dataset *ds, const tg_labels *l, const int32_t *pred, bool fused, tg_error *err)
{
	char *buf = NULL, **lines = NULL;
	size_t len = 0;
	int64_t nlines = 0, cap = 0, s;
	FILE *in = fopen(ds->path, "r");
	char *p;

	if (in == NULL)
		return tg_error_set(err, TG_E_IO, "%s: cannot read it again for the predictions: %s", ds->path,
		    strerror(errno));
	{
		char chunk[65536];
		size_t k;
		while ((k = fread(chunk, 1, sizeof chunk, in)) > 0) {
			buf = tg_xrealloc(buf, len + k + 1);
			memcpy(buf + len, chunk, k);
			len += k;
		}
		fclose(in);
	}
	if (buf == NULL)
		buf = tg_xcalloc(1, 1);
	buf[len] = '\0';
	for (p = buf; p < buf + len;) {
		char *nl = strchr(p, '\n');
		if (nlines == cap) {
			cap = cap ? 2 * cap : 1024;
			lines = tg_xrealloc(lines, (size_t)cap * sizeof *lines);
		}
		lines[nlines++] = p;
		if (nl == NULL)
			break;
		*nl = '\0';
		if (nl > p && nl[-1] == '\r')
			nl[-1] = '\0';
		p = nl + 1;
	}
	for (s = 0; s < ds->n; s++) {
		int64_t ln = ds->line[s] - 1, w = ds->off[s], span_end = 0;
		for (; ln < nlines && lines[ln][0] != '\0'; ln++) {
			char *f[10], *q = lines[ln], *tab;
			int nf = 0, i;
			long a = 0, b = 0;
			const char *tag;

			if (ln == 0 && (unsigned char)q[0] == 0xEF && (unsigned char)q[1] == 0xBB && (unsigned char)q[2] == 0xBF)
				q += 3;
			if (q[0] == '#') {
				fprintf(out, "%s\n", q);
				continue;
			}
			while (nf < 10) {
				f[nf++] = q;
				if ((tab = strchr(q, '\t')) == NULL)
					break;
				*tab = '\0';
				q = tab + 1;
			}
			if (nf < 10 || strchr(f[0], '.') != NULL) {       /* empty nodes: as they are */
				for (i = 0; i < nf; i++)
					fprintf(out, "%s%s", i ? "\t" : "", f[i]);
				fputc('\n', out);
				continue;
			}
			if (sscanf(f[0], "%ld-%ld", &a, &b) == 2) {
				tag = "_";
				if (fused && w < ds->off[s + 1]) {
					tag = tag_name(l, pred[w++]);
					span_end = b;
				}
			} else if (atol(f[0]) <= span_end)
				tag = "_";
			else
				tag = w < ds->off[s + 1] ? tag_name(l, pred[w++]) : "_";
			for (i = 0; i < 10; i++)
				fprintf(out, "%s%s", i ? "\t" : "", i == 3 ? tag : f[i]);
			fputc('\n', out);
		}
		fputc('\n', out);
	}
	free(lines);
	free(buf);
	return TG_OK;
}

/* IOB2: word<TAB>gold<TAB>predicted, a blank line after each sentence (gold after the label map). */
static void
write_iob(FILE *out, const tg_dataset *ds, const tg_labels *l, const int32_t *gold, const int32_t *pred)
{
	int64_t s, w;

	for (s = 0; s < ds->n; s++) {
		for (w = ds->off[s]; w < ds->off[s + 1]; w++)
			fprintf(out, "%s\t%s\t%s\n", ds->words[w], tg_labels_name(l, gold[w]), pred[w] < 0 ? "O" :
			    tg_labels_name(l, pred[w]));
		fputc('\n', out);
	}
}

/* NLI: the predicted label name per item; COPA: the index (0-based, XCOPA's label) of the chosen alternative. */
static void
write_labels(FILE *out, const tg_task *t, const int32_t *pred, int64_t n)
{
	int64_t i;

	for (i = 0; i < n; i++)
		if (t->kind == TG_TASK_PAIR)
			fprintf(out, "%s\n", tg_labels_name(t->labels, pred[i]));
		else
			fprintf(out, "%d\n", pred[i]);
}

/* ---- the record ------------------------------------------------------------------------------------------------ */

static int
write_record(const char *path, const tg_eval_opts *o, const char *name, const char *lang, const tg_dataset *ds,
    const loaded_run *lr, int64_t step, const tg_eval_result *r, tg_error *err)
{
	json_t *j = json_object(), *probs = json_array();
	int i, rc;

	json_object_set_new(j, "format", json_string("tamga-eval"));
	json_object_set_new(j, "version", json_integer(1));
	json_object_set_new(j, "run_id", json_integer(o->run_id));
	json_object_set_new(j, "name", json_string(name));
	json_object_set_new(j, "lang", json_string(lang));
	json_object_set_new(j, "path", json_string(ds->path));
	json_object_set_new(j, "data_format", json_string(o->format >= 0 ? tg_format_name((tg_format)o->format) :
	    tg_ds_kind_name(ds->kind)));
	json_object_set_new(j, "split", json_string(o->split));
	json_object_set_new(j, "step", json_integer(step));
	json_object_set_new(j, "metric", json_string(lr->t->metric));
	json_object_set_new(j, "score", json_real(r->score.score));
	json_object_set_new(j, "ci_low", json_real(r->score.ci.lo));
	json_object_set_new(j, "ci_high", json_real(r->score.ci.hi));
	json_object_set_new(j, "n_items", json_integer(r->score.n_items));
	json_object_set_new(j, "lenient", json_boolean(o->lenient));
	json_object_set_new(j, "n_skipped", json_integer(r->n_skipped));
	json_object_set_new(j, "n_warnings", json_integer(r->log.n_warnings));
	json_object_set_new(j, "label_map", o->label_map ? json_string(o->label_map) : json_null());
	json_object_set_new(j, "time", json_real((double)time(NULL)));
	for (i = 0; i < r->log.n; i++)
		json_array_append_new(probs, json_string(r->log.msg[i]));
	json_object_set_new(j, "problems", probs);
	rc = json_dump_file(j, path, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(j);
	if (rc != 0)
		return tg_error_set(err, TG_E_IO, "%s: cannot write the evaluation record", path);
	return TG_OK;
}

/* ---- the whole thing ------------------------------------------------------------------------------------------- */

int
tg_eval_run(const tg_eval_opts *o, tg_eval_result *r, tg_error *err)
{
	const char *ws = o->workspace ? o->workspace : tg_workspace_default();
	loaded_run lr;
	tg_store *st = NULL;
	tg_dataset *own = NULL;
	const tg_dataset *ds = o->ds;
	tg_label_map *map = NULL;
	tg_examples *ex = NULL;
	int32_t *tags = NULL, *pred = NULL;
	int64_t step = -1;
	int rc = TG_ERR, i;
	tg_boot_opts bo = { o->boot_resamples > 0 ? o->boot_resamples : 1000, 0.95, 1 };
	char name[64];
	tg_precision prev_prec = tg_precision_get();

	memset(r, 0, sizeof *r);
	memset(&lr, 0, sizeof lr);
	tg_run_info_init(&lr.info);
	if (o->lang == NULL || !tg_lang_code_valid(o->lang))
		return tg_error_set(err, TG_E_ARG, "language code '%s' is not a plausible code", o->lang ? o->lang : "(none)"),
		    tg_error_hint(err, "give an ISO 639 code of 2-3 lowercase letters, optionally with a BCP 47 subtag: "
		    "kk, sah, ug-Arab, az-Cyrl");
	if (o->split == NULL || (strcmp(o->split, "test") != 0 && strcmp(o->split, "dev") != 0))
		return tg_error_set(err, TG_E_ARG, "split '%s': use test or dev", o->split ? o->split : "(none)");
	if (ds == NULL && (o->path == NULL || o->format < 0))
		return tg_error_set(err, TG_E_ARG, "evaluate: no data (a file and its format, or a dataset)");
	if (o->name != NULL)
		snprintf(name, sizeof name, "%s", o->name);
	else
		default_name(ds ? ds->path : o->path, name, sizeof name);
	if (!name_ok(name)) {
		tg_error_set(err, TG_E_ARG, "dataset name '%s' (%zu bytes) must be 1-15 letters, digits or . _ - : +", name,
		    strlen(name));
		return tg_error_hint(err, "pass --name NAME (Lua: name=) to store the score under a short name");
	}
	snprintf(r->name, sizeof r->name, "%s", name);
	if (o->label_map != NULL && (map = tg_label_map_load(o->label_map, err)) == NULL)
		return TG_ERR;

	if ((st = tg_store_open(ws, o->store ? 0 : TG_STORE_READONLY, err)) == NULL)
		goto out;
	if (load_run(st, ws, o->run_id, &lr, err) != TG_OK)
		goto out;
	{   /* the run's own precision unless o->precision says otherwise */
		json_t *pv = json_object_get(lr.cfg, "precision");
		tg_precision prec = TG_PREC_FP32;
		char note[160];
		if (o->precision >= 0)
			prec = (tg_precision)o->precision;
		else if (json_is_string(pv))
			tg_precision_parse(json_string_value(pv), &prec);
		prec = tg_precision_available(prec, note, sizeof note);
		if (note[0] != '\0')
			tg_notef(NULL, TG_SEV_WARNING, NULL, "%s", note);
		if (tg_encoder_set_precision(lr.e, prec, NULL, err) != TG_OK)
			goto out;
		tg_precision_set(prec);
	}
	snprintf(r->metric, sizeof r->metric, "%s", lr.t->metric);
	{
		/* the CI's resamples seeded as the run's own evaluations were */
		json_t *sd = json_object_get(lr.cfg, "seed");
		if (json_is_integer(sd))
			bo.seed = (uint64_t)json_integer_value(sd);
	}
	if (o->store) {
		/* the name must not replace one of the run's own scores */
		const char *src = lr.info.source ? lr.info.source : "";
		char tl[512], *tok, *save;
		snprintf(tl, sizeof tl, "%s", lr.info.targets ? lr.info.targets : "");
		for (tok = strtok_r(tl, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save))
			if (strcmp(tok, name) == 0)
				break;
		if (strcmp(src, name) == 0 || tok != NULL) {
			tg_error_set(err, TG_E_ARG, "run %lld already has a score named '%s' (its %s)", (long long)o->run_id, name,
			    strcmp(src, name) == 0 ? "source" : "target");
			tg_error_hint(err, "pass --name NAME with a name of its own, e.g. %s-new", name);
			goto out;
		}
		if (selected_step(st, o->run_id, &step, err) != TG_OK)
			goto out;
	}

	if (ds == NULL) {
		tg_read_opts ro;
		memset(&ro, 0, sizeof ro);
		ro.mwt = lr.fused ? TG_MWT_FUSED : TG_MWT_WORDS;
		ro.lenient = o->lenient;
		ro.log = &r->log;
		if (o->format == TG_FMT_PANX || o->format == TG_FMT_KAZNERD) {
			/* read every tag; the label map and the model's label set decide below */
			tg_labels *any = tg_labels_new();
			ro.labels = any;
			ro.grow_labels = 1;
			own = tg_dataset_read((tg_format)o->format, o->path, NULL, &ro, err);
			tg_labels_free(any);
		} else
			own = tg_dataset_read((tg_format)o->format, o->path, NULL, &ro, err);
		if (own == NULL) {
			if (!o->lenient && err != NULL && err->code == TG_E_FORMAT && err->hint[0] == '\0')
				tg_error_hint(err, "--lenient (Lua: lenient=true) reports every malformed sentence and skips it");
			goto out;
		}
		ds = own;
		r->n_skipped = own->kind == TG_DS_TAGGING ? r->log.n_bad : 0;
	}
	if (ds->n == 0) {
		tg_error_set(err, TG_E_FORMAT, "%s: nothing to evaluate (no %s read)", ds->path,
		    ds->kind == TG_DS_TAGGING ? "sentences" : "items");
		goto out;
	}
	if (lr.t->kind == TG_TASK_TAGGING && ds->kind == TG_DS_TAGGING &&
	    (tags = tg_labels_convert(ds, lr.t->labels, map, err)) == NULL)
		goto out;
	if ((ex = tg_examples_from_dataset(ds, tags, lr.t->kind, o->lang, o->split, lr.tok, &lr.e->cfg, lr.max_len,
	    err)) == NULL)
		goto out;
	pred = tg_xmalloc((size_t)((lr.t->kind == TG_TASK_TAGGING ? ds->n_words : ex->n_items) + 1) * sizeof *pred);
	if (tg_evaluate_predict(lr.e, lr.h, lr.t, ex, o->batch, &bo, &r->score, pred, err) != TG_OK)
		goto out;
	snprintf(r->score.lang, sizeof r->score.lang, "%s", name);
	r->step = step;

	if (o->pred_out != NULL || o->pred_fp != NULL) {
		FILE *f = o->pred_fp != NULL ? o->pred_fp : fopen(o->pred_out, "w");
		int wrc = TG_OK;
		if (f == NULL) {
			tg_error_set(err, TG_E_IO, "%s: cannot write the predictions: %s", o->pred_out, strerror(errno));
			goto out;
		}
		if (lr.t->kind == TG_TASK_TAGGING && o->format == TG_FMT_CONLLU)
			wrc = write_conllu(f, ds, lr.t->labels, pred, lr.fused, err);
		else if (lr.t->kind == TG_TASK_TAGGING)
			write_iob(f, ds, lr.t->labels, tags, pred);
		else
			write_labels(f, lr.t, pred, ex->n_items);
		if ((fflush(f) != 0 || ferror(f)) && wrc == TG_OK)
			wrc = tg_error_set(err, TG_E_IO, "%s: write error (disk full?)", o->pred_out ? o->pred_out :
			    "predictions");
		if (f != o->pred_fp)
			fclose(f);
		if (wrc != TG_OK)
			goto out;
	}

	if (o->store) {
		tg_eval_row row;
		char dir[4300], rec[4400], rel[128];
		tg_eval_row_init(&row);
		row.step = step;
		row.split = strcmp(o->split, "dev") == 0 ? TG_SPLIT_DEV : TG_SPLIT_TEST;
		snprintf(row.lang, sizeof row.lang, "%s", name);
		snprintf(row.metric, sizeof row.metric, "%s", lr.t->metric);
		row.score = r->score.score;
		row.ci_low = r->score.ci.lo;
		row.ci_high = r->score.ci.hi;
		row.n_items = r->score.n_items;
		row.chance = r->score.chance;
		row.is_source = false;
		if (tg_store_eval_add(st, o->run_id, &row, err) != TG_OK)
			goto out;
		/* flag it with the run's other scores at the selected checkpoint */
		if (tg_store_eval_select(st, o->run_id, step, err) != TG_OK)
			goto out;
		snprintf(dir, sizeof dir, "%s/evals/run-%lld", ws, (long long)o->run_id);
		snprintf(rec, sizeof rec, "%s/%s.json", dir, name);
		snprintf(r->record, sizeof r->record, "%s", rec);
		snprintf(rel, sizeof rel, "evals/run-%lld/%s.json", (long long)o->run_id, name);
		if (tg_mkdirs(dir, 0777) != 0) {
			tg_error_set(err, TG_E_IO, "%s: %s", dir, strerror(errno));
			goto out;
		}
		if (write_record(rec, o, name, o->lang, ds, &lr, step, r, err) != TG_OK)
			goto out;
		{
			/* replace an earlier record of the same name */
			tg_artifact *arts = NULL;
			int narts = 0, seen = 0;
			if (tg_store_artifact_list(st, o->run_id, &arts, &narts, NULL) == TG_OK) {
				for (i = 0; i < narts; i++)
					if (strcmp(arts[i].kind, "eval") == 0 && arts[i].path && strstr(arts[i].path, rel) != NULL)
						seen = 1;
				tg_artifact_list_free(arts, narts);
			}
			if (!seen && tg_store_artifact_add(st, o->run_id, "eval", rec, err) != TG_OK)
				goto out;
		}
		tg_items_store(ws, o->run_id, step, row.split, name, lr.t->metric, &r->score);
	}
	rc = TG_OK;
out:
	tg_precision_set(prev_prec);
	free(pred);
	free(tags);
	tg_examples_free(ex);
	tg_dataset_free(own);
	tg_label_map_free(map);
	loaded_free(&lr);
	tg_store_close(st);
	return rc;
}
