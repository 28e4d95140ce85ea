/* The fine-tuning loop: shuffled batches, forward/backward, clipping, AdamW with a schedule, periodic evaluation
 * on the source dev set and the targets, checkpoint selection on the SOURCE dev score, early stopping,
 * checkpoints with optimizer state for an exact resume, NaN/Inf protection, progress and the experiment store. */
#include "config.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "train/train.h"
#include "model/safetensors.h"
#include "store/store.h"

void
tg_step_emit(const tg_observer *obs, const char *what, const tg_step_info *si)
{
	tg_event ev;

	memset(&ev, 0, sizeof ev);
	ev.kind = TG_EV_STEP;
	ev.what = what;
	ev.step = si->step;
	ev.total = si->total;
	ev.epoch = si->epoch;
	ev.loss = si->loss;
	ev.lr = si->lr;
	ev.grad_norm = si->grad_norm;
	ev.tokens_per_s = si->tokens_per_s;
	ev.elapsed_s = si->elapsed_s;
	ev.eta_s = si->eta_s;
	ev.skipped = si->skipped;
	tg_emit(obs, &ev);
}

void
tg_train_opts_init(tg_train_opts *o)
{
	memset(o, 0, sizeof *o);
	o->epochs = 3;
	o->batch_size = 16;
	o->grad_accum = 1;
	o->lr = 5e-4f;
	o->weight_decay = 0.01f;
	o->warmup_ratio = 0.1f;
	o->clip = 1.0f;
	o->schedule = TG_SCHED_LINEAR;
	o->seed = 1;
	o->eval_targets = true;
	o->eval_batch = 64;
	o->boot_resamples = 1000;
}

void
tg_train_result_clear(tg_train_result *r)
{
	int i;

	for (i = 0; i < r->n_scores; i++)
		tg_score_clear(&r->scores[i]);
	memset(r, 0, sizeof *r);
}

/* All trainable sets: the head first, then the caller's. */
typedef struct setlist {
	tg_params *p[16];
	int n;
	float *best[16];
} setlist;

/* Batches of an epoch: a seeded permutation of the items, cut into micro-batches of batch_size items or of at most
 * batch_tokens tokens. With a frozen prefix in evaluation mode the batches are the same every epoch (the items in
 * length order, then cut), and only their order is drawn per epoch: a batch's prefix states then recur. */
typedef struct epoch_plan {
	int64_t *perm;
	int64_t *start;        /* micro-batch k = perm[start[k] .. start[k+1]) */
	int64_t *order;        /* the k-th micro-batch of the epoch is batch order[k] */
	int64_t  n_micro;
} epoch_plan;

static int64_t
item_len(const tg_examples *ex, int64_t i)
{
	int nc = ex->n_choices > 0 ? ex->n_choices : 1;
	return ex->off[i * nc + nc] - ex->off[i * nc];
}

static void
shuffle(int64_t *v, int64_t n, uint64_t seed)
{
	tg_rng r;
	int64_t i;

	tg_rng_seed(&r, seed);
	for (i = n - 1; i > 0; i--) {
		int64_t j = (int64_t)tg_rng_below(&r, (uint64_t)(i + 1)), t = v[i];
		v[i] = v[j];
		v[j] = t;
	}
}

static void
plan_epoch(epoch_plan *p, const tg_examples *ex, const tg_train_opts *o, int epoch)
{
	int64_t n = ex->n_items, i, k = 0, tok = 0, cnt = 0;
	bool fixed = o->frozen_prefix != TG_PREFIX_TRAIN;
	uint64_t seed = o->seed * 1000003ull + (uint64_t)epoch;

	if (!fixed || p->perm == NULL) {
		free(p->perm);
		free(p->start);
		p->start = tg_xmalloc((size_t)(n + 2) * sizeof(int64_t));
		if (fixed) {             /* length order (util/order.c): longest first, ties by position */
			int *len = tg_xmalloc((size_t)(n ? n : 1) * sizeof *len);
			for (i = 0; i < n; i++)
				len[i] = (int)item_len(ex, i);
			p->perm = tg_length_order(len, n);
			free(len);
		} else {
			p->perm = tg_xmalloc((size_t)(n ? n : 1) * sizeof(int64_t));
			for (i = 0; i < n; i++)
				p->perm[i] = i;
			shuffle(p->perm, n, seed);
		}
		p->start[0] = 0;
		for (i = 0; i < n; i++) {
			int64_t len = item_len(ex, p->perm[i]);
			if (cnt > 0 && ((o->batch_tokens > 0 && tok + len > o->batch_tokens) ||
			    (o->batch_tokens <= 0 && cnt >= o->batch_size))) {
				p->start[++k] = i;
				tok = 0;
				cnt = 0;
			}
			tok += len;
			cnt++;
		}
		if (n > 0)
			p->start[++k] = n;
		p->n_micro = k;
	}
	free(p->order);
	p->order = tg_xmalloc((size_t)(p->n_micro + 1) * sizeof(int64_t));
	for (i = 0; i < p->n_micro; i++)
		p->order[i] = i;
	if (fixed)
		shuffle(p->order, p->n_micro, seed);
}

/* ---- checkpoints (ckpt.c) --------------------------------------------------------------------------------------- */
static int
ckpt_write(const char *path, setlist *sl, const tg_ckpt_state *cs, tg_error *err)
{
	return tg_ckpt_write(path, sl->p, sl->best, sl->n, cs, err);
}

/* ---- evaluation at a step --------------------------------------------------------------------------------------- */
/* Evaluate source dev (+ targets); returns the selection score (source dev, or mean target when asked). A cancel
 * stops it between batches (TG_E_CANCELLED). */
static int
evaluate_all(tg_encoder *e, tg_head *h, const tg_task *t, const tg_train_opts *o, int64_t step, bool targets,
    tg_score *scores, int *n_scores, double *sel, bool *stop, tg_error *err)
{
	tg_boot_opts bo = { o->boot_resamples, 0.95, o->seed };
	tg_eval_watch w = { o->cancel, o->obs, step, 0, 0, o->prefix };
	int i, n = 0;
	double tsum = 0;

	*stop = false;
	for (i = -2; i < (targets ? t->n_eval : 0); i++)
		if ((i == -2 ? t->dev : i == -1 ? t->test : t->eval[i]) != NULL)
			w.n_sets++;
	for (i = -2; i < (targets ? t->n_eval : 0); i++) {
		const tg_examples *ex = i == -2 ? t->dev : i == -1 ? t->test : t->eval[i];
		tg_score *s = &scores[n];
		if (ex == NULL)
			continue;
		tg_score_clear(s);
		w.set = n;
		if (tg_evaluate_watch(e, h, t, ex, o->eval_batch, &bo, s, NULL, &w, err) != TG_OK) {
			*n_scores = n;
			return TG_ERR;
		}
		n++;
		if (i >= 0)
			tsum += s->score;
		/* the split the set really comes from: targets without a test split are evaluated on dev */
		if (o->write_items != NULL)
			o->write_items(o->items_ud, o->run_id, step, strcmp(ex->split, "test") == 0, t->metric, s);
		if (o->store != NULL) {
			tg_eval_row row;
			tg_eval_row_init(&row);
			row.step = step;
			row.split = strcmp(ex->split, "test") == 0 ? TG_SPLIT_TEST : TG_SPLIT_DEV;
			row.chance = s->chance;
			snprintf(row.lang, sizeof row.lang, "%.15s", s->lang);
			snprintf(row.metric, sizeof row.metric, "%s", t->metric);
			row.score = s->score;
			row.ci_low = s->ci.lo;
			row.ci_high = s->ci.hi;
			row.n_items = s->n_items;
			row.is_source = i < 0;
			if (tg_store_eval_add(o->store, o->run_id, &row, err) != TG_OK) {
				*n_scores = n;
				return TG_ERR;
			}
		}
		if (o->on_eval != NULL && o->on_eval(o->ud, step, s, i < 0))
			*stop = true;
	}
	*n_scores = n;
	*sel = o->select_on_target && t->n_eval > 0 ? tsum / t->n_eval : scores[0].score;
	return TG_OK;
}

/* Evaluations at steps (from, to]: every eval_every steps, at the end of each epoch, and at the last step. */
static int64_t
evals_between(const tg_train_opts *o, int64_t spe, int64_t from, int64_t to)
{
	int64_t every = o->eval_every > 0 ? o->eval_every : spe;

	if (to <= from || every <= 0)
		return 0;
	return to / every - from / every + (to % every != 0);
}

static bool
is_eval_step(const tg_train_opts *o, int64_t spe, int64_t step, int64_t total)
{
	return (o->eval_every > 0 && step % o->eval_every == 0) || (o->eval_every <= 0 && step % spe == 0) ||
	    step == total;
}

/* What an evaluation costs before one was measured, in training steps: forward passes over every evaluated
 * sequence, a third of a training step's forward + backward per batch of the same size. */
static double
eval_guess_steps(const tg_task *t, const tg_train_opts *o)
{
	double seqs = 0, per_step = (double)(o->batch_size > 0 ? o->batch_size : 16) * (o->grad_accum > 0 ?
	    o->grad_accum : 1);
	int i;

	seqs += t->dev ? (double)t->dev->n : 0;
	seqs += t->test ? (double)t->test->n : 0;
	if (o->eval_targets)
		for (i = 0; i < t->n_eval; i++)
			seqs += t->eval[i] ? (double)t->eval[i]->n : 0;
	if (t->kind == TG_TASK_CHOICE && t->train->n_choices > 0)
		per_step *= t->train->n_choices;
	return seqs / (3.0 * per_step);
}

static void
emit_simple(const tg_train_opts *o, tg_event_kind kind, int64_t step, int64_t total, const char *path)
{
	tg_event ev;

	memset(&ev, 0, sizeof ev);
	ev.kind = kind;
	ev.what = "train";
	ev.step = step;
	ev.total = total;
	ev.path = path;
	tg_emit(o->obs, &ev);
}

static double
grads_sqnorm(setlist *sl)
{
	double s = 0;
	int i;

	for (i = 0; i < sl->n; i++)
		s += tg_params_grad_sqnorm(sl->p[i]);
	return s;
}

/* The evaluation at a step and what follows it: best-checkpoint bookkeeping, patience, the checkpoint. Sets *stop
 * (early stop or a callback's wish). Returns TG_OK, TG_ERR (err set), or EVAL_CANCELLED: a cancel during the
 * evaluation, after checkpointing the step with its evaluation pending. */
#define EVAL_CANCELLED 1
typedef struct train_ctx {
	tg_encoder *e;
	tg_head *h;
	const tg_task *t;
	const tg_train_opts *o;
	setlist *sl;
	tg_ckpt_state *cs;
	tg_score *scores;
	int *n_scores;
	tg_train_result *res;
	tg_eta *eta;
	int64_t total;
} train_ctx;

static int
eval_step(train_ctx *c, int64_t step, bool *stop, tg_error *err)
{
	const tg_train_opts *o = c->o;
	tg_ckpt_state *cs = c->cs;
	double sel = 0, t0 = tg_now();
	bool cb_stop = false;
	tg_event ev;
	tg_error e1 = { 0 };
	int k;

	emit_simple(o, TG_EV_EVAL_BEGIN, step, c->total, NULL);
	if (evaluate_all(c->e, c->h, c->t, o, step, o->eval_targets, c->scores, c->n_scores, &sel, &cb_stop, &e1) !=
	    TG_OK) {
		if (e1.code != TG_E_CANCELLED) {
			if (err != NULL)
				*err = e1;
			return TG_ERR;
		}
		/* cancelled: the step is checkpointed with its evaluation still to run (a resume runs it first) */
		cs->step = step;
		cs->eval_pending = true;
		if (o->checkpoint_path != NULL) {
			if (ckpt_write(o->checkpoint_path, c->sl, cs, err) != TG_OK)
				return TG_ERR;
			emit_simple(o, TG_EV_CHECKPOINT, step, c->total, o->checkpoint_path);
		}
		tg_notef(o->obs, TG_SEV_INFO, NULL, "step %lld: the evaluation was cancelled; a resume runs it first",
		    (long long)step);
		return EVAL_CANCELLED;
	}
	tg_eta_eval(c->eta, tg_now() - t0);
	memset(&ev, 0, sizeof ev);
	ev.kind = TG_EV_EVAL_END;
	ev.what = "train";
	ev.step = step;
	ev.total = c->total;
	ev.lang = c->t->source;
	ev.split = c->scores[0].split;
	ev.metric = c->t->metric;
	ev.score = c->scores[0].score;
	ev.ci_lo = c->scores[0].ci.lo;
	ev.ci_hi = c->scores[0].ci.hi;
	ev.best = sel > cs->best;
	ev.n_sets = *c->n_scores;
	ev.elapsed_s = tg_now() - t0;
	tg_emit(o->obs, &ev);
	cs->eval_pending = false;
	if (sel > cs->best) {
		setlist *sl = c->sl;
		cs->best = sel;
		cs->best_step = step;
		cs->bad_evals = 0;
		for (k = 0; k < sl->n; k++) {
			if (sl->best[k] == NULL)
				sl->best[k] = tg_xmalloc((size_t)sl->p[k]->total * sizeof(float));
			memcpy(sl->best[k], sl->p[k]->data, (size_t)sl->p[k]->total * sizeof(float));
		}
		for (k = 0; k < c->res->n_scores; k++)
			tg_score_clear(&c->res->scores[k]);
		memcpy(c->res->scores, c->scores, (size_t)*c->n_scores * sizeof *c->scores);
		c->res->n_scores = *c->n_scores;
		memset(c->scores, 0, (TG_MAX_LANGS + 1) * sizeof *c->scores);   /* item arrays now belong to res */
		*c->n_scores = 0;
	} else
		cs->bad_evals++;
	if (o->patience > 0 && cs->bad_evals >= o->patience) {
		c->res->early_stopped = true;
		*stop = true;
	}
	if (cb_stop)
		*stop = true;
	cs->step = step;
	if (o->checkpoint_path != NULL) {
		if (ckpt_write(o->checkpoint_path, c->sl, cs, err) != TG_OK)
			return TG_ERR;
		emit_simple(o, TG_EV_CHECKPOINT, step, c->total, o->checkpoint_path);
	}
	return TG_OK;
}

/* What the frozen prefix cost, as a note. */
static void
prefix_report(const tg_train_opts *o)
{
	tg_prefix_stats ps;

	if (o->prefix == NULL) {
		tg_notef(o->obs, TG_SEV_INFO, NULL, "frozen prefix %s: nothing below the lowest trained layer to %s",
		    tg_prefix_mode_name(o->frozen_prefix), o->frozen_prefix == TG_PREFIX_CACHED ? "cache" : "compute apart");
		return;
	}
	tg_prefix_cache_stats(o->prefix, &ps);
	tg_notef(o->obs, TG_SEV_INFO, NULL, "frozen prefix %s (embeddings and layers 0-%d): %lld batches computed in "
	    "%.1f s, %lld read from memory, %lld from %s", tg_prefix_mode_name(o->frozen_prefix),
	    tg_prefix_cache_layer(o->prefix) - 1, (long long)ps.computed, ps.compute_s, (long long)ps.from_memory,
	    (long long)ps.from_disk, tg_prefix_cache_dir(o->prefix) ? tg_prefix_cache_dir(o->prefix) : "disk");
}

int
tg_train(tg_encoder *e, tg_head *h, const tg_task *t, tg_params **sets, int n_sets, const tg_train_opts *o,
    tg_train_result *res, tg_error *err)
{
	setlist sl = { 0 };
	epoch_plan plan = { 0 };
	tg_task_batch tb = { 0 };
	tg_graph *g = tg_graph_new();
	tg_adamw adam;
	tg_schedule sched;
	tg_ckpt_state cs = { .step = 0, .best_step = -1, .best = -INFINITY, .lr_scale = 1.0 };
	int64_t spe, total, step = 0, tokens_run = 0, i;
	int nc = t->kind == TG_TASK_CHOICE ? t->train->n_choices : 1, cur_epoch = -1, rc = TG_ERR, k;
	double t0 = tg_now();
	bool stop = false;
	tg_score scores[TG_MAX_LANGS + 1];
	int n_scores = 0;
	tg_eta eta;
	train_ctx cx;
	tg_train_opts po;
	tg_prefix_cache *own_prefix = NULL;
	int eval_below = e->eval_below;

	memset(res, 0, sizeof *res);
	memset(scores, 0, sizeof scores);
	if (o->frozen_prefix != TG_PREFIX_TRAIN) {
		/* the frozen prefix in evaluation mode: its states from a cache (one for the run if the caller has none) */
		po = *o;
		if (o->prefix_layer < 1)
			po.prefix = NULL;
		else if (po.prefix == NULL && (po.prefix = own_prefix = tg_prefix_cache_new(e, o->prefix_layer, 0, NULL,
		    o->frozen_prefix == TG_PREFIX_CACHED, o->obs, err)) == NULL)
			goto out;
		e->eval_below = o->prefix_layer > 0 ? o->prefix_layer : 0;
		o = &po;
	}
	sl.p[sl.n++] = h->params;
	for (k = 0; k < n_sets && sl.n < 16; k++)
		sl.p[sl.n++] = sets[k];
	if (t->train->n_items == 0) {
		tg_error_set(err, TG_E_ARG, "train: the task has no training examples");
		goto out;
	}
	plan_epoch(&plan, t->train, o, 0);
	spe = (plan.n_micro + o->grad_accum - 1) / (o->grad_accum > 0 ? o->grad_accum : 1);
	total = o->max_steps > 0 ? o->max_steps : spe * (o->epochs > 0 ? o->epochs : 1);
	tg_adamw_defaults(&adam);
	adam.weight_decay = o->weight_decay;
	sched.kind = o->schedule;
	sched.lr = o->lr;
	sched.warmup = (int64_t)(o->warmup_ratio * total);
	sched.total = total;
	sched.min_ratio = 0.0f;
	tg_eta_init(&eta);
	eta.eval_guess_steps = eval_guess_steps(t, o);
	cx = (train_ctx){ e, h, t, o, &sl, &cs, scores, &n_scores, res, &eta, total };

	if (o->resume && o->checkpoint_path != NULL && access(o->checkpoint_path, F_OK) == 0) {
		if (tg_ckpt_read(o->checkpoint_path, sl.p, sl.best, sl.n, total, &cs, err) != TG_OK)
			goto out;
		res->resumed = true;
		/* (a pending evaluation's rows stored before the cancel are replaced: tg_store_eval_add upserts) */
		if (o->store != NULL)
			tg_store_run_truncate(o->store, o->run_id, cs.step, NULL);
		tg_notef(o->obs, TG_SEV_INFO, NULL, "resuming from %s at step %lld%s%s", o->checkpoint_path,
		    (long long)cs.step, cs.eval_pending ? ", its evaluation first" : "",
		    cs.checksum ? "" : " (a version 1 checkpoint: no checksum to verify its data)");
		step = cs.step;
		if (cs.eval_pending) {
			int erc = eval_step(&cx, cs.step, &stop, err);
			if (erc == TG_ERR)
				goto out;
			if (erc == EVAL_CANCELLED) {
				res->cancelled = true;
				stop = true;
			}
			if (stop)
				goto done;
		}
	}
	for (step = cs.step; step < total; step++) {
		int epoch = (int)(step / spe), a;
		int64_t micro0 = (step % spe) * o->grad_accum, step_tokens = 0;
		double loss_sum = 0, ts = tg_now(), gn, step_s;
		float lr;
		tg_step_info si;
		bool finite = true, cancelled;

		if (epoch != cur_epoch) {
			plan_epoch(&plan, t->train, o, epoch);
			cur_epoch = epoch;
		}
		for (k = 0; k < sl.n; k++)
			tg_params_zero_grad(sl.p[k]);
		for (a = 0; a < o->grad_accum && micro0 + a < plan.n_micro; a++) {
			int64_t m = plan.order[micro0 + a], b0 = plan.start[m], bn = plan.start[m + 1] - b0;
			tg_encoder_out eo = { 0 };
			tg_tensor *logits = NULL, *loss = NULL;
			int ok;

			tg_task_batch_fill(&tb, t->train, t, plan.perm + b0, bn, e->cfg.pad_token_id);
			tg_graph_reset(g);
			tg_graph_set_training(g, true);
			tg_graph_set_seed(g, tg_hash64(o->seed * 0x9e3779b97f4a7c15ull + (uint64_t)(step * 64 + a)));
			/* with a frozen prefix, its states from the cache, then the layers that train */
			ok = tg_prefix_forward(o->prefix, e, g, &tb.b, &eo, o->obs, err) == TG_OK;
			if (ok)
				logits = tg_head_forward(h, g, eo.last, &tb, nc, err);
			if (logits != NULL)
				loss = tg_head_loss(h, g, logits, &tb, err);
			if (loss != NULL && o->grad_accum > 1) {
				tg_tensor *s = tg_scale(g, loss, 1.0f / (float)o->grad_accum, err);
				tg_tensor_release(loss);
				loss = s;
			}
			ok = loss != NULL;
			if (ok) {
				loss_sum += loss->data[0];
				if (!isfinite(loss->data[0]))
					finite = false;
				else
					ok = tg_graph_backward(g, loss, err) == TG_OK;
			}
			tg_tensor_release(logits);
			tg_tensor_release(loss);
			if (ok || eo.last != NULL)
				tg_encoder_out_free(&eo);
			if (!ok)
				goto out;
			step_tokens += tb.tokens;
		}
		tg_graph_reset(g);
		gn = sqrt(grads_sqnorm(&sl));
		if (!isfinite(gn))
			finite = false;
		lr = tg_schedule_lr(&sched, step) * (float)cs.lr_scale;
		if (finite) {
			if (o->clip > 0)
				tg_clip_grad_norm(sl.p, sl.n, o->clip);
			for (k = 0; k < sl.n; k++)
				if (tg_adamw_step(sl.p[k], &adam, lr, err) != TG_OK)
					goto out;
		} else {
			cs.skipped++;
			res->skipped_steps++;
			tg_notef(o->obs, TG_SEV_WARNING, NULL, "step %lld: loss or gradient is not finite (loss %g, gradient "
			    "norm %g); the update was skipped%s", (long long)step + 1, loss_sum, gn,
			    o->lr_backoff ? " and the learning rate halved" : "");
			if (o->lr_backoff)
				cs.lr_scale *= 0.5;
			if (cs.skipped >= 20 && cs.skipped * 2 > step + 1) {
				tg_error_set(err, TG_E_NUMERIC, "train: %lld of %lld steps had a non-finite loss or gradient",
				    (long long)cs.skipped, (long long)step + 1);
				tg_error_hint(err, "lower the learning rate (--lr) or enable --lr-backoff");
				goto out;
			}
		}
		step_s = tg_now() - ts;
		tg_eta_step(&eta, step_s);
		tokens_run += step_tokens;
		memset(&si, 0, sizeof si);
		si.step = step + 1;
		si.total = total;
		si.epoch = epoch;
		si.loss = loss_sum;
		si.lr = lr;
		si.grad_norm = gn;
		si.elapsed_s = tg_now() - t0;
		si.tokens_per_s = tokens_run / (si.elapsed_s > 0 ? si.elapsed_s : 1e-9);
		/* the steps after this one, and the evaluations from this step on (this step's own is still to come) */
		si.eta_s = tg_eta_left(&eta, total - step - 1, evals_between(o, spe, step, total));
		si.skipped = !finite;
		if (o->store != NULL) {
			tg_step_row row;
			tg_step_row_init(&row);
			row.step = step + 1;
			row.loss = loss_sum;
			row.lr = lr;
			row.grad_norm = gn;
			row.tokens_per_s = step_tokens / (step_s > 0 ? step_s : 1e-9);
			row.elapsed_s = si.elapsed_s;
			if (tg_store_step_add(o->store, o->run_id, &row, err) != TG_OK)
				goto out;
			tg_store_run_update_progress(o->store, o->run_id, step + 1, total, si.tokens_per_s, si.eta_s, NULL);
		}
		tg_step_emit(o->obs, "train", &si);
		if (o->on_step != NULL)
			o->on_step(o->ud, &si);
		/* evaluation: every eval_every steps, at the end of each epoch, and at the end. A cancel (Ctrl-C) only
		 * checkpoints: an evaluation at the cancelled step would compete in checkpoint selection and count toward
		 * patience, and a resumed run would then select differently from an uninterrupted one. Cancelled at an
		 * evaluation step, or during its evaluation (checked between batches), the checkpoint records the
		 * evaluation as pending and a resume runs it first. */
		cancelled = o->cancel != NULL && *o->cancel;
		if (is_eval_step(o, spe, step + 1, total)) {
			if (cancelled) {
				cs.step = step + 1;
				cs.eval_pending = true;
				if (o->checkpoint_path != NULL) {
					if (ckpt_write(o->checkpoint_path, &sl, &cs, err) != TG_OK)
						goto out;
					emit_simple(o, TG_EV_CHECKPOINT, step + 1, total, o->checkpoint_path);
				}
			} else {
				int erc = eval_step(&cx, step + 1, &stop, err);
				if (erc == TG_ERR)
					goto out;
				if (erc == EVAL_CANCELLED)
					cancelled = true;
			}
		} else if (o->checkpoint_path != NULL &&
		    ((o->checkpoint_every > 0 && (step + 1) % o->checkpoint_every == 0) || cancelled)) {
			cs.step = step + 1;
			if (ckpt_write(o->checkpoint_path, &sl, &cs, err) != TG_OK)
				goto out;
			emit_simple(o, TG_EV_CHECKPOINT, step + 1, total, o->checkpoint_path);
		}
		if (cancelled) {
			res->cancelled = true;
			stop = true;
		}
		if (stop) {
			step++;
			break;
		}
	}
done:
	res->steps = step;
	res->best_step = cs.best_step;
	res->best_dev = cs.best;
	res->seconds = tg_now() - t0;
	res->tokens_per_s = tokens_run / (res->seconds > 0 ? res->seconds : 1e-9);
	snprintf(res->metric, sizeof res->metric, "%s", t->metric);
	res->n_source = t->test != NULL ? 2 : 1;
	res->chance = t->chance;
	/* leave the best checkpoint in the parameters */
	for (k = 0; k < sl.n; k++)
		if (sl.best[k] != NULL)
			memcpy(sl.p[k]->data, sl.best[k], (size_t)sl.p[k]->total * sizeof(float));
	if (res->n_scores == 0 && cs.best_step > 0) {
		/* resumed after its best step: the scores at that step again (evaluation is deterministic), for the
		 * result only; the store already holds them */
		tg_train_opts q = *o;
		double sel;
		bool cb_stop;
		q.store = NULL;
		q.write_items = NULL;
		q.on_eval = NULL;
		q.cancel = NULL;
		if (evaluate_all(e, h, t, &q, cs.best_step, o->eval_targets, res->scores, &res->n_scores, &sel, &cb_stop,
		    err) != TG_OK)
			goto out;
	}
	if (o->store != NULL && cs.best_step > 0)
		tg_store_eval_select(o->store, o->run_id, cs.best_step, NULL);
	rc = TG_OK;
out:
	for (i = 0; i < n_scores; i++)
		tg_score_clear(&scores[i]);
	for (k = 0; k < sl.n; k++)
		free(sl.best[k]);
	free(plan.perm);
	free(plan.start);
	free(plan.order);
	if (o->frozen_prefix != TG_PREFIX_TRAIN) {
		if (rc == TG_OK)
			prefix_report(o);
		e->eval_below = eval_below;
	}
	tg_prefix_cache_free(own_prefix);
	tg_task_batch_free(&tb);
	tg_graph_free(g);
	(void)nc;
	return rc;
}
