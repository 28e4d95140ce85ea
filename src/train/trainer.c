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
 * batch_tokens tokens. */
typedef struct epoch_plan {
	int64_t *perm;
	int64_t *start;        /* micro-batch k = perm[start[k] .. start[k+1]) */
	int64_t  n_micro;
} epoch_plan;

static void
plan_epoch(epoch_plan *p, const tg_examples *ex, const tg_train_opts *o, int epoch)
{
	int64_t n = ex->n_items, i, k = 0, tok = 0, cnt = 0;
	int nc = ex->n_choices > 0 ? ex->n_choices : 1;
	tg_rng r;

	free(p->perm);
	free(p->start);
	p->perm = tg_xmalloc((size_t)(n ? n : 1) * sizeof(int64_t));
	p->start = tg_xmalloc((size_t)(n + 2) * sizeof(int64_t));
	for (i = 0; i < n; i++)
		p->perm[i] = i;
	tg_rng_seed(&r, o->seed * 1000003ull + (uint64_t)epoch);
	for (i = n - 1; i > 0; i--) {
		int64_t j = (int64_t)tg_rng_below(&r, (uint64_t)(i + 1)), t = p->perm[i];
		p->perm[i] = p->perm[j];
		p->perm[j] = t;
	}
	p->start[0] = 0;
	for (i = 0; i < n; i++) {
		int64_t s = p->perm[i] * nc, len = ex->off[s + nc] - ex->off[s];
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

/* ---- checkpoints (ckpt.c) --------------------------------------------------------------------------------------- */
static int
ckpt_write(const char *path, setlist *sl, const tg_ckpt_state *cs, tg_error *err)
{
	return tg_ckpt_write(path, sl->p, sl->best, sl->n, cs, err);
}

/* ---- evaluation at a step --------------------------------------------------------------------------------------- */
/* Evaluate source dev (+ targets); returns the selection score (source dev, or mean target when asked). */
static int
evaluate_all(tg_encoder *e, tg_head *h, const tg_task *t, const tg_train_opts *o, int64_t step, bool targets,
    tg_score *scores, int *n_scores, double *sel, bool *stop, tg_error *err)
{
	tg_boot_opts bo = { o->boot_resamples, 0.95, o->seed };
	int i, n = 0;
	double tsum = 0;

	*stop = false;
	for (i = -2; i < (targets ? t->n_eval : 0); i++) {
		const tg_examples *ex = i == -2 ? t->dev : i == -1 ? t->test : t->eval[i];
		tg_score *s = &scores[n];
		if (ex == NULL)
			continue;
		tg_score_clear(s);
		if (tg_evaluate(e, h, t, ex, o->eval_batch, &bo, s, err) != TG_OK)
			return TG_ERR;
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
			if (tg_store_eval_add(o->store, o->run_id, &row, err) != TG_OK)
				return TG_ERR;
		}
		if (o->on_eval != NULL && o->on_eval(o->ud, step, s, i < 0))
			*stop = true;
	}
	*n_scores = n;
	*sel = o->select_on_target && t->n_eval > 0 ? tsum / t->n_eval : scores[0].score;
	return TG_OK;
}

static void
fmt_time(char *buf, size_t n, double s)
{
	if (!(s >= 0) || s > 1e7)
		snprintf(buf, n, "--:--");
	else if (s >= 3600)
		snprintf(buf, n, "%d:%02d:%02d", (int)s / 3600, ((int)s / 60) % 60, (int)s % 60);
	else
		snprintf(buf, n, "%d:%02d", (int)s / 60, (int)s % 60);
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
	int64_t spe, total, step, tokens_run = 0, i;
	int nc = t->kind == TG_TASK_CHOICE ? t->train->n_choices : 1, cur_epoch = -1, rc = TG_ERR, k;
	double t0 = tg_now(), last_print = 0;
	bool tty = o->progress && isatty(2), stop = false;
	tg_score scores[TG_MAX_LANGS + 1];
	int n_scores = 0;

	memset(res, 0, sizeof *res);
	memset(scores, 0, sizeof scores);
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

	if (o->resume && o->checkpoint_path != NULL && access(o->checkpoint_path, F_OK) == 0) {
		if (tg_ckpt_read(o->checkpoint_path, sl.p, sl.best, sl.n, total, &cs, err) != TG_OK)
			goto out;
		res->resumed = true;
		if (o->store != NULL)
			tg_store_run_truncate(o->store, o->run_id, cs.step, NULL);
		if (tty || o->progress)
			fprintf(stderr, "resuming from %s at step %lld%s\n", o->checkpoint_path, (long long)cs.step,
			    cs.checksum ? "" : " (a version 1 checkpoint: no checksum to verify its data)");
	}
	for (step = cs.step; step < total; step++) {
		int epoch = (int)(step / spe), a;
		int64_t micro0 = (step % spe) * o->grad_accum, step_tokens = 0;
		double loss_sum = 0, ts = tg_now(), gn;
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
			int64_t m = micro0 + a, b0 = plan.start[m], bn = plan.start[m + 1] - b0;
			tg_encoder_out eo;
			tg_tensor *logits = NULL, *loss = NULL;
			int ok;

			tg_task_batch_fill(&tb, t->train, t, plan.perm + b0, bn, e->cfg.pad_token_id);
			tg_graph_reset(g);
			tg_graph_set_training(g, true);
			tg_graph_set_seed(g, tg_hash64(o->seed * 0x9e3779b97f4a7c15ull + (uint64_t)(step * 64 + a)));
			ok = tg_encoder_forward(e, g, &tb.b, false, -1, &eo, err) == TG_OK;
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
			fprintf(stderr, "%sstep %lld: loss or gradient is not finite (loss %g, gradient norm %g); the update "
			    "was skipped%s\n", tty ? "\r\033[K" : "", (long long)step + 1, loss_sum, gn,
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
		si.eta_s = (double)(total - step - 1) * si.elapsed_s / (double)(step + 1 - cs.step);
		si.skipped = !finite;
		if (o->store != NULL) {
			tg_step_row row;
			tg_step_row_init(&row);
			row.step = step + 1;
			row.loss = loss_sum;
			row.lr = lr;
			row.grad_norm = gn;
			row.tokens_per_s = step_tokens / (tg_now() - ts);
			row.elapsed_s = si.elapsed_s;
			if (tg_store_step_add(o->store, o->run_id, &row, err) != TG_OK)
				goto out;
			tg_store_run_update_progress(o->store, o->run_id, step + 1, total, si.tokens_per_s, NULL);
		}
		if (o->on_step != NULL)
			o->on_step(o->ud, &si);
		if (o->progress && (tg_now() - last_print > (tty ? 0.2 : 10.0) || step + 1 == total)) {
			char eta[32], el[32];
			fmt_time(eta, sizeof eta, si.eta_s);
			fmt_time(el, sizeof el, si.elapsed_s);
			fprintf(stderr, "%sstep %lld/%lld  epoch %d  loss %.4f  lr %.2e  %.0f tok/s  %s elapsed  ETA %s%s",
			    tty ? "\r\033[K" : "", (long long)si.step, (long long)total, epoch + 1, si.loss, si.lr,
			    si.tokens_per_s, el, eta, tty ? "" : "\n");
			last_print = tg_now();
		}
		/* evaluation: every eval_every steps, at the end of each epoch, and at the end. A cancel (Ctrl-C) only
		 * checkpoints: an evaluation at the cancelled step would compete in checkpoint selection and count toward
		 * patience, and a resumed run would then select differently from an uninterrupted one. */
		cancelled = o->cancel != NULL && *o->cancel;
		if ((o->eval_every > 0 && (step + 1) % o->eval_every == 0) ||
		    (o->eval_every <= 0 && (step + 1) % spe == 0) || step + 1 == total) {
			double sel;
			bool cb_stop;
			if (evaluate_all(e, h, t, o, step + 1, o->eval_targets, scores, &n_scores, &sel, &cb_stop, err) !=
			    TG_OK)
				goto out;
			if (o->progress)
				fprintf(stderr, "%sstep %lld: %s %s %.4f [%.4f, %.4f]%s\n", tty ? "\r\033[K" : "",
				    (long long)step + 1, t->source, t->metric, scores[0].score, scores[0].ci.lo,
				    scores[0].ci.hi, sel > cs.best ? "  (best so far)" : "");
			if (sel > cs.best) {
				cs.best = sel;
				cs.best_step = step + 1;
				cs.bad_evals = 0;
				for (k = 0; k < sl.n; k++) {
					if (sl.best[k] == NULL)
						sl.best[k] = tg_xmalloc((size_t)sl.p[k]->total * sizeof(float));
					memcpy(sl.best[k], sl.p[k]->data, (size_t)sl.p[k]->total * sizeof(float));
				}
				for (k = 0; k < res->n_scores; k++)
					tg_score_clear(&res->scores[k]);
				memcpy(res->scores, scores, (size_t)n_scores * sizeof *scores);
				res->n_scores = n_scores;
				memset(scores, 0, sizeof scores);     /* ownership of item arrays moved to res */
			} else
				cs.bad_evals++;
			if (o->patience > 0 && cs.bad_evals >= o->patience) {
				res->early_stopped = true;
				stop = true;
			}
			if (cb_stop)
				stop = true;
			cs.step = step + 1;
			if (o->checkpoint_path != NULL && ckpt_write(o->checkpoint_path, &sl, &cs, err) != TG_OK)
				goto out;
		} else if (o->checkpoint_path != NULL &&
		    ((o->checkpoint_every > 0 && (step + 1) % o->checkpoint_every == 0) || cancelled)) {
			cs.step = step + 1;
			if (ckpt_write(o->checkpoint_path, &sl, &cs, err) != TG_OK)
				goto out;
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
	tg_task_batch_free(&tb);
	tg_graph_free(g);
	(void)nc;
	return rc;
}
