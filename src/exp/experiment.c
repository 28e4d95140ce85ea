/* Running one experiment end to end and recording it in the workspace's store. */
#include "config.h"
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "exp/exp.h"
#include "model/safetensors.h"
#include "analysis/analysis.h"

const char *
tg_workspace_default(void)
{
	const char *w = getenv("TAMGA_WORKSPACE");
	return w != NULL && *w ? w : "tamga-workspace";
}

void
tg_result_cells(const tg_train_result *res, int i, bool narrow, char gain[16], char ttc[16])
{
	double v = tg_result_ttc(res, i), g = res->scores[i].score - res->scores[i].chance;

	if (isnan(g))
		snprintf(gain, 16, "-");
	else
		snprintf(gain, 16, "%+.3f%s", g, g <= 0 ? "*" : "");
	if (i < res->n_source)
		snprintf(ttc, 16, narrow ? "src" : "source");
	else if (isnan(v))
		snprintf(ttc, 16, narrow ? "undef" : "undefined");
	else
		snprintf(ttc, 16, narrow ? "%.2f" : "%.3f", v);
}

void
tg_result_print(FILE *f, const tg_task *t, const tg_train_result *res)
{
	const tg_score *src;
	int i;

	if (res->n_scores == 0)
		return;
	src = &res->scores[res->n_source > 1 ? 1 : 0];
	fprintf(f, "%-6s %-6s %8s  %-19s %7s %8s %9s %6s\n", "lang", "split", res->metric, "95% CI", "chance", "A - c",
	    "TTC", "items");
	for (i = 0; i < res->n_scores; i++) {
		const tg_score *s = &res->scores[i];
		char ci[40], ttc[16], gain[16], ch[16];
		snprintf(ci, sizeof ci, "[%.3f, %.3f]", s->ci.lo, s->ci.hi);
		tg_result_cells(res, i, false, gain, ttc);
		if (isnan(s->chance))
			snprintf(ch, sizeof ch, "-");
		else
			snprintf(ch, sizeof ch, "%.4f", s->chance);
		fprintf(f, "%-6s %-6s %8.4f  %-19s %7s %8s %9s %6lld\n", s->lang, s->split, s->score, ci, ch, gain, ttc,
		    (long long)s->n_items);
	}
	fprintf(f, "TTC = (A_t - c_t) / (A_s - c_s), A_s = %s %s; %s; undefined when A_s <= c_s; * = at or below "
	    "chance\nbest step %lld of %lld\n", src->lang, src->split, TG_CHANCE_ABOUT, (long long)res->best_step,
	    (long long)res->steps);
	/* the task's warnings (a target the tokenizer cannot read) under the table they qualify */
	fputs(res->warnings, f);
	(void)t;
}

/* The "warning: ..." parts of a task's note, one per line. */
static void
task_warnings(const tg_task *t, char *buf, size_t n)
{
	const char *w;

	buf[0] = '\0';
	for (w = strstr(t->note, "warning: "); w != NULL; w = strstr(w + 1, "warning: ")) {
		const char *end = strstr(w, "; ");
		snprintf(buf + strlen(buf), n - strlen(buf), "%.*s\n", (int)(end ? end - w : (ptrdiff_t)strlen(w)), w);
	}
}



/* Per-item scores in the analysis module's format (analysis.h: items.c), for CIs over items and seeds. */
typedef struct items_ctx {
	const char *workspace;
} items_ctx;

void
tg_items_store(const char *workspace, int64_t run_id, int64_t step, tg_split split, const char *lang,
    const char *metric, const tg_score *s)
{
	tg_items *it;
	char *path;
	int st;

	if (s->item_vals == NULL || s->item_stat == NULL || (st = tg_items_stat_parse(s->item_stat)) < 0)
		return;
	it = tg_items_new((tg_items_stat)st, s->n_items);
	it->run_id = run_id;
	it->step = step;
	it->split = split;
	snprintf(it->lang, sizeof it->lang, "%s", lang);
	snprintf(it->metric, sizeof it->metric, "%s", metric);
	it->chance = s->chance;
	memcpy(it->v, s->item_vals, (size_t)(s->n_items * it->k) * sizeof(double));
	path = tg_items_path(workspace, run_id, step, it->split, lang, metric);
	if (path != NULL) {
		char dir[4096], *slash;
		snprintf(dir, sizeof dir, "%s", path);
		if ((slash = strrchr(dir, '/')) != NULL) {
			*slash = '\0';
			tg_mkdirs(dir, 0777);
		}
		tg_items_write(path, it, NULL);
	}
	free(path);
	tg_items_free(it);
}

static void
write_items(void *ud, int64_t run_id, int64_t step, int split, const char *metric, const tg_score *s)
{
	const items_ctx *c = ud;

	tg_items_store(c->workspace, run_id, step, split ? TG_SPLIT_TEST : TG_SPLIT_DEV, s->lang, metric, s);
}

/* A float option as the decimal it was given: the shortest text that reads back as the same float (%.9g), not the
 * double it widens to (5e-4f is 0.00050000002374872565 as a double). */
static json_t *
json_float(float f)
{
	char b[32];

	snprintf(b, sizeof b, "%.9g", (double)f);
	for (int p = 1; p < 9; p++) {
		char c[32];
		snprintf(c, sizeof c, "%.*g", p, (double)f);
		if (strtof(c, NULL) == f) {
			snprintf(b, sizeof b, "%s", c);
			break;
		}
	}
	return json_real(strtod(b, NULL));
}

static json_t *
config_json(const tg_experiment *x, const char *model_dir, const tg_peft_spec *spec, const tg_task *t, int lowest)
{
	char buf[1024];
	json_t *o = json_object(), *tg = json_array();
	int i;

	json_object_set_new(o, "model", json_string(x->model ? x->model : tg_model_default()));
	json_object_set_new(o, "model_dir", json_string(model_dir));
	json_object_set_new(o, "task", json_string(t->name));
	json_object_set_new(o, "metric", json_string(t->metric));
	json_object_set_new(o, "chance", json_real(t->chance));      /* c_s; each evaluation row has its own */
	json_object_set_new(o, "chance_definition", json_string(TG_CHANCE_ABOUT));
	if (t->majority_tag >= 0 && t->labels != NULL && t->majority_tag < t->labels->n)
		json_object_set_new(o, "majority_tag", json_string(t->labels->name[t->majority_tag]));
	json_object_set_new(o, "source", json_string(t->source));
	for (i = 0; i < t->n_eval; i++)
		json_array_append_new(tg, json_string(t->eval[i]->lang));
	json_object_set_new(o, "targets", tg);
	json_object_set_new(o, "peft", json_string(tg_peft_spec_format(spec, buf, sizeof buf)));
	json_object_set_new(o, "max_train", json_integer(x->task.max_train));
	json_object_set_new(o, "max_eval", json_integer(x->task.max_eval));
	json_object_set_new(o, "max_len", json_integer(x->task.max_len));
	if (x->task.source_test != NULL)
		json_object_set_new(o, "source_test", json_string(x->task.source_test));
	json_object_set_new(o, "script", json_string(tg_script_choice_name(x->task.script)));
	json_object_set_new(o, "train_examples", json_integer(t->train->n_items));
	json_object_set_new(o, "precision", json_string(tg_precision_name(x->train.precision)));
	json_object_set_new(o, "frozen_prefix", json_string(tg_prefix_mode_name(x->train.frozen_prefix)));
	if (x->train.frozen_prefix != TG_PREFIX_TRAIN)   /* the prefix: the embeddings and layers 0 .. this - 1 */
		json_object_set_new(o, "frozen_prefix_layers", json_integer(lowest > 0 ? lowest : 0));
	json_object_set_new(o, "epochs", json_integer(x->train.epochs));
	json_object_set_new(o, "max_steps", json_integer(x->train.max_steps));
	json_object_set_new(o, "batch_size", json_integer(x->train.batch_size));
	json_object_set_new(o, "batch_tokens", json_integer(x->train.batch_tokens));
	json_object_set_new(o, "grad_accum", json_integer(x->train.grad_accum));
	json_object_set_new(o, "lr", json_float(x->train.lr));
	json_object_set_new(o, "weight_decay", json_float(x->train.weight_decay));
	json_object_set_new(o, "warmup_ratio", json_float(x->train.warmup_ratio));
	json_object_set_new(o, "clip", json_float(x->train.clip));
	json_object_set_new(o, "seed", json_integer((json_int_t)x->train.seed));
	json_object_set_new(o, "select_on", json_string(x->train.select_on_target ? "target (mean)" : "source dev"));
	json_object_set_new(o, "threads", json_integer(tg_threads_get()));
	json_object_set_new(o, "note", json_string(t->note));
	json_object_set_new(o, "tamga", json_string(PACKAGE_VERSION));
	if (x->argv_json != NULL) {
		json_t *a = json_loads(x->argv_json, 0, NULL);
		if (a != NULL)
			json_object_set_new(o, "argv", a);
	}
	return o;
}

/* The lease heartbeat: a thread with its own connection renews the run's heartbeat every tg_lease_interval()
 * seconds, also while the main thread loads data, evaluates or writes a checkpoint. A lost lease (the run was taken
 * over after this process went silent too long) cancels the training. */
typedef struct beat {
	pthread_t       th;
	pthread_mutex_t mu;
	pthread_cond_t  cv;
	bool            stop, started;
	const char     *ws;
	int64_t         run_id;
	volatile int   *cancel;
	volatile bool   lost;           /* the lease was lost (the main thread says so) */
} beat;

static void *
beat_main(void *ud)
{
	beat *b = ud;
	tg_store *s = tg_store_open(b->ws, 0, NULL);
	double iv = tg_lease_interval();
	struct timespec until;
	bool lost = false;

	pthread_mutex_lock(&b->mu);
	while (!b->stop) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += (time_t)iv;
		until.tv_nsec += (long)((iv - (double)(time_t)iv) * 1e9);
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&b->cv, &b->mu, &until);
		if (b->stop)
			break;
		pthread_mutex_unlock(&b->mu);
		if (s == NULL)
			s = tg_store_open(b->ws, 0, NULL);    /* retried: a full disk or a busy store is not the end */
		if (s != NULL && tg_store_run_heartbeat(s, b->run_id, &lost, NULL) == TG_OK && lost) {
			b->lost = true;     /* said by the training thread (observers are not called from this one) */
			if (b->cancel != NULL)
				*b->cancel = 1;
			pthread_mutex_lock(&b->mu);
			break;
		}
		pthread_mutex_lock(&b->mu);
	}
	pthread_mutex_unlock(&b->mu);
	tg_store_close(s);
	return NULL;
}

static void
beat_start(beat *b, const char *ws, int64_t run_id, volatile int *cancel)
{
	memset(b, 0, sizeof *b);
	b->ws = ws;
	b->run_id = run_id;
	b->cancel = cancel;
	pthread_mutex_init(&b->mu, NULL);
	pthread_cond_init(&b->cv, NULL);
	b->started = pthread_create(&b->th, NULL, beat_main, b) == 0;
}

static void
beat_stop(beat *b)
{
	if (!b->started)
		return;
	pthread_mutex_lock(&b->mu);
	b->stop = true;
	pthread_cond_signal(&b->cv);
	pthread_mutex_unlock(&b->mu);
	pthread_join(b->th, NULL);
	pthread_mutex_destroy(&b->mu);
	pthread_cond_destroy(&b->cv);
	b->started = false;
}

int
tg_head_save(const tg_head *h, const char *dir, tg_error *err)
{
	tg_st_writer *w = tg_st_writer_new();
	char hp[4400];
	int i, rc;

	for (i = 0; i < h->params->n; i++)
		tg_st_writer_add(w, h->params->names[i], h->params->views[i]->ndim, h->params->views[i]->shape,
		    h->params->views[i]->data);
	tg_st_writer_meta(w, "format", "tamga-head");
	snprintf(hp, sizeof hp, "%s/head.safetensors", dir);
	rc = tg_st_writer_write(w, hp, err);
	tg_st_writer_free(w);
	return rc;
}

/* The trained module and head, at the best checkpoint, into dir; recorded as the run's adapter artifact. */
static int
save_adapter(tg_store *st, int64_t id, const char *dir, const char *model_dir, const tg_task *t, const tg_peft *peft,
             const tg_head *h, tg_error *err)
{
	if (tg_mkdirs(dir, 0777) != 0) {
		tg_error_set(err, TG_E_IO, "save adapter: cannot create the folder %s: %s", dir, strerror(errno));
		return tg_error_hint(err, "give --save-adapter a folder you may write (it is created when missing)");
	}
	if (tg_peft_save(peft, dir, model_dir, t->name, err) != TG_OK || tg_head_save(h, dir, err) != TG_OK)
		return TG_ERR;
	return tg_store_artifact_add(st, id, "adapter", dir, err);
}

static void
join_targets(const tg_task *t, char *buf, size_t n)
{
	int i;

	buf[0] = '\0';
	for (i = 0; i < t->n_eval; i++)
		snprintf(buf + strlen(buf), n - strlen(buf), "%s%s", i ? "," : "", t->eval[i]->lang);
}

int
tg_experiment_run(tg_experiment *x, int64_t *run_id, tg_train_result *res, tg_error *err)
{
	char model_dir[4096], ckpt[4300], adir[4300], name[256], targets[256], specbuf[1024];
	tg_encoder *e = NULL;
	tg_tokenizer *tok = NULL;
	tg_task *t = NULL;
	tg_peft *peft = NULL;
	tg_head *h = NULL;
	tg_store *st = NULL;
	tg_peft_spec spec;
	tg_params *sets[1];
	tg_train_opts to = x->train;
	const char *ws = x->workspace ? x->workspace : tg_workspace_default();
	int rc = TG_ERR;
	int64_t id = x->resume_run;
	bool held = false;
	items_ctx ictx;
	beat hb;

	memset(res, 0, sizeof *res);
	memset(&hb, 0, sizeof hb);
	x->claimed = TG_CLAIM_NEW;
	x->marked_failed = false;
	x->held = false;
	if (run_id != NULL)
		*run_id = 0;
	if (tg_model_resolve(x->model, x->build_model, x->task.data_root, model_dir, sizeof model_dir, err) == NULL)
		return TG_ERR;
	if ((e = tg_encoder_load(model_dir, err)) == NULL)
		goto out;
	if ((tok = tg_tokenizer_load(model_dir, err)) == NULL)
		goto out;
	if (tg_tokenizer_vocab_size(tok) > e->cfg.vocab_size) {
		tg_error_set(err, TG_E_FORMAT, "%s: the tokenizer has %d ids but the model only %lld embeddings",
		    model_dir, tg_tokenizer_vocab_size(tok), (long long)e->cfg.vocab_size);
		goto out;
	}
	if ((t = tg_task_build(&x->task, tok, &e->cfg, err)) == NULL)
		goto out;
	spec = x->peft;
	if (x->has_match) {
		double ratio;
		if (tg_peft_match_spec(&spec, &x->match, &e->cfg, 0.05, &ratio, err) != TG_OK)
			goto out;
	} else if (x->budget > 0) {
		double ratio;
		if (tg_peft_match(&spec, &e->cfg, x->budget, 0.05, &ratio, err) != TG_OK)
			goto out;
	}
	if ((peft = tg_peft_new(e, &spec, x->train.seed, err)) == NULL || tg_peft_attach(peft, e, err) != TG_OK)
		goto out;
	{   /* bf16: the frozen base in BF16 (the PEFT module has taken its copies of what it trains) */
		char note[160];
		x->train.precision = tg_precision_available(x->train.precision, note, sizeof note);
		if (note[0] != '\0')
			tg_notef(x->train.obs, TG_SEV_WARNING, NULL, "%s", note);
		if (tg_encoder_set_precision(e, x->train.precision, NULL, err) != TG_OK)
			goto out;
	}
	if ((h = tg_head_new(t->kind, e->cfg.hidden_size, t->n_classes, e->cfg.hidden_dropout, x->train.seed, err)) ==
	    NULL)
		goto out;

	/* the store */
	if (tg_mkdirs(ws, 0777) != 0) {
		tg_error_set(err, TG_E_IO, "workspace %s: %s", ws, strerror(errno));
		goto out;
	}
	if ((st = tg_store_open(ws, TG_STORE_CREATE, err)) == NULL)
		goto out;
	join_targets(t, targets, sizeof targets);
	tg_peft_spec_format(&spec, specbuf, sizeof specbuf);
	tg_store_runs_reap(st, NULL, NULL);      /* runs whose process is gone get their true status */
	if (id <= 0) {
		tg_run_info info;
		json_t *cfg = config_json(x, model_dir, &spec, t, tg_peft_lowest_layer(peft));
		char *cfgs = json_dumps(cfg, JSON_COMPACT | JSON_SORT_KEYS);
		tg_run_info_init(&info);
		if (x->name != NULL)
			snprintf(name, sizeof name, "%s", x->name);
		else
			snprintf(name, sizeof name, "%s %s %s %s->%s", tg_peft_method_name(spec.method), spec.layers, t->name,
			    t->source, targets);
		info.name = name;
		info.config = cfgs;
		info.model = x->model ? (char *)x->model : (char *)tg_model_default();
		info.method = (char *)tg_peft_method_name(spec.method);
		info.layers = spec.layers;
		info.task = t->name;
		info.source = t->source;
		info.targets = targets;
		info.seed = (int64_t)x->train.seed;
		info.status = TG_RUN_QUEUED;
		if (x->claim && strlen(x->name ? x->name : "") >= sizeof name) {
			rc = tg_error_set(err, TG_E_ARG, "run name of %zu bytes: at most %zu", strlen(x->name),
			    sizeof name - 1);
		} else if (x->claim) {
			tg_run_info holder;
			char who[400];
			rc = tg_store_run_claim(st, &info, &id, &x->claimed, &holder, err);
			if (rc == TG_OK && x->claimed == TG_CLAIM_DONE)
				rc = tg_error_set(err, TG_E_STATE, "run %lld '%s' is done already", (long long)id, name);
			else if (rc == TG_OK && x->claimed == TG_CLAIM_BUSY)
				rc = tg_error_set(err, TG_E_STATE, "run %lld '%s' is %s in %s", (long long)id, name,
				    tg_run_status_name(holder.status), tg_run_lease_holder(&holder, who, sizeof who));
			else if (rc == TG_OK)
				held = true;
			tg_run_info_clear(&holder);
			if (rc != TG_OK)
				id = 0;
		} else {
			rc = tg_store_run_new(st, &info, &id, err);
		}
		free(cfgs);
		json_decref(cfg);
		if (rc != TG_OK) {
			rc = TG_ERR;
			goto out;
		}
		rc = TG_ERR;
		if (x->sweep_id > 0)
			tg_store_sweep_add_run(st, x->sweep_id, id, NULL);
	}
	if (run_id != NULL)
		*run_id = id;
	if (x->on_run != NULL)
		x->on_run(x->run_ud, id);
	if (!held && tg_store_run_acquire(st, id, err) != TG_OK)
		goto out;                        /* held by another live process: not ours to mark */
	held = true;
	beat_start(&hb, ws, id, x->train.cancel);
	{
		tg_peft_flops fl;
		int64_t trainable = tg_peft_trainable(peft) + tg_params_count(h->params, false);
		double mean_len = (double)t->train->off[t->train->n] / (double)(t->train->n ? t->train->n : 1);
		if (tg_peft_get_flops(peft, x->train.batch_size, (int64_t)(mean_len + 0.5), t->n_classes, &fl, NULL) !=
		    TG_OK)
			fl.train = NAN;
		if (tg_store_run_set_params(st, id, trainable, tg_encoder_param_count(e) + trainable, fl.train, err) !=
		    TG_OK)
			goto out;
	}
	snprintf(ckpt, sizeof ckpt, "%s/checkpoints", ws);
	tg_mkdirs(ckpt, 0777);
	snprintf(ckpt, sizeof ckpt, "%s/run-%lld.ckpt", tg_store_checkpoint_dir(st), (long long)id);
	to.store = st;
	to.run_id = id;
	to.checkpoint_path = ckpt;
	ictx.workspace = ws;
	to.items_ud = &ictx;
	to.write_items = write_items;
	to.resume = x->resume_run > 0 || (x->claim && x->claimed == TG_CLAIM_TAKEN);
	if (to.resume && access(ckpt, F_OK) != 0 && tg_store_run_truncate(st, id, -1, err) != TG_OK)
		goto out;                        /* nothing to continue from: start over, without the old rows */
	sets[0] = tg_peft_params(peft);
	/* one definition of trainable, the one the store keeps and `runs` shows: the PEFT parameters and the head */
	{
		char who[32];
		snprintf(who, sizeof who, "run %lld", (long long)id);
		tg_notef(to.obs, TG_SEV_INFO, who, "%s on %s, %s -> %s; %lld trainable parameters (%lld PEFT + %lld head); %s",
		    specbuf, t->name, t->source, targets, (long long)(tg_peft_trainable(peft) +
		    tg_params_count(h->params, false)), (long long)tg_peft_trainable(peft),
		    (long long)tg_params_count(h->params, false), t->note);
	}
	to.prefix_layer = tg_peft_lowest_layer(peft);
	{
		tg_precision prev = tg_precision_get();
		tg_prefix_cache *pc = NULL;
		tg_precision_set(x->train.precision);
		if (to.frozen_prefix == TG_PREFIX_CACHED && to.prefix_layer >= 1) {
			/* kept in the workspace: runs on the same model, data and lowest trained layer share the states */
			char pdir[4300];
			snprintf(pdir, sizeof pdir, "%s/cache/prefix", ws);
			pc = tg_prefix_cache_new(e, to.prefix_layer, tg_peft_frozen_hash(peft), pdir, true, to.obs, err);
			to.prefix = pc;
			rc = pc != NULL ? TG_OK : TG_ERR;
		} else
			rc = TG_OK;
		if (rc == TG_OK)
			rc = tg_train(e, h, t, sets, 1, &to, res, err);
		tg_prefix_cache_free(pc);
		tg_precision_set(prev);
	}
	if (hb.lost)
		tg_notef(to.obs, TG_SEV_WARNING, NULL, "run %lld: another process took this run over (this process's "
		    "lease expired); stopping", (long long)id);
	if (rc != TG_OK) {
		rc = TG_ERR;
		goto out;
	}
	rc = TG_ERR;
	task_warnings(t, res->warnings, sizeof res->warnings);
	snprintf(adir, sizeof adir, "%s/adapters/run-%lld", ws, (long long)id);
	if (save_adapter(st, id, x->save_adapter ? x->save_adapter : adir, model_dir, t, peft, h, err) != TG_OK)
		goto out;
	beat_stop(&hb);
	if (tg_store_run_release(st, id, res->cancelled ? TG_RUN_CANCELLED : TG_RUN_DONE, NULL, err) != TG_OK)
		goto out;
	rc = TG_OK;
out:
	beat_stop(&hb);
	if (rc != TG_OK && held && st != NULL) {
		tg_error e2 = { 0 };
		char msg[sizeof err->msg + 8];
		snprintf(msg, sizeof msg, "%s", err && err->msg[0] ? err->msg : "failed");
		x->marked_failed = tg_store_run_release(st, id, TG_RUN_FAILED, msg, &e2) == TG_OK;
		if (!x->marked_failed && err != NULL && err->hint[0] == '\0')
			tg_error_hint(err, "the run's failure could not be stored either (%s)", e2.msg);
	}
	x->held = held;
	tg_store_close(st);
	tg_head_free(h);
	tg_peft_free(peft);
	tg_task_free(t);
	tg_tokenizer_free(tok);
	tg_encoder_free(e);
	return rc;
}
