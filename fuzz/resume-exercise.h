/* A fixed tiny fine-tuning run that resumes from a checkpoint file through tg_train, the trainer's own entry point
 * (what `tamga train --resume` calls): a 2-layer BERT (16 ids, d = 8), fully fine-tuned, with a 3-class sentence
 * classification head, on 8 in-memory training items (batches of 4: 2 steps per epoch) and 4 dev items; 4 steps,
 * an evaluation and a checkpoint every 2. Used by fuzz-resume (the fuzzed checkpoint), seed-models (its seeds) and
 * tests/bad-inputs/bad-check (the corpus's checkpoint cases). Header-only: each user is a single program. */
#ifndef TG_FUZZ_RESUME_EXERCISE_H
#define TG_FUZZ_RESUME_EXERCISE_H

#include <stdio.h>
#include <string.h>
#include "train/train.h"

#define RX_STEPS 4

static int64_t rx_off_train[9] = { 0, 3, 7, 9, 14, 17, 20, 22, 26 }, rx_off_dev[5] = { 0, 4, 6, 9, 12 };
static int32_t rx_ids_train[26] = { 1, 5, 2, 1, 6, 7, 2, 1, 2, 1, 9, 10, 11, 2, 1, 4, 2, 1, 13, 2, 1, 2, 1, 3, 15, 2 };
static int32_t rx_ids_dev[12] = { 1, 5, 6, 2, 1, 2, 1, 12, 2, 1, 8, 2 };
static int32_t rx_label_train[8] = { 0, 1, 2, 0, 1, 2, 0, 1 }, rx_label_dev[4] = { 1, 0, 2, 1 };

/* One split of the tiny task: n examples of language xx over the static arrays above. */
static void
rx_split(tg_examples *e, const char *split, int64_t n, int64_t *off, int32_t *ids, int32_t *label)
{
	memset(e, 0, sizeof *e);
	snprintf(e->lang, sizeof e->lang, "xx");
	snprintf(e->split, sizeof e->split, "%s", split);
	e->n = e->n_items = n;
	e->off = off;
	e->ids = ids;
	e->label = label;
}

static void
rx_task(tg_task *t, tg_examples *train, tg_examples *dev)
{
	memset(t, 0, sizeof *t);
	rx_split(train, "train", 8, rx_off_train, rx_ids_train, rx_label_train);
	rx_split(dev, "dev", 4, rx_off_dev, rx_ids_dev, rx_label_dev);
	snprintf(t->name, sizeof t->name, "rx");
	snprintf(t->metric, sizeof t->metric, "accuracy");
	snprintf(t->source, sizeof t->source, "xx");
	t->kind = TG_TASK_PAIR;
	t->n_classes = 3;
	t->train = train;
	t->dev = dev;
	t->chance = 1.0 / 3;
}

static int64_t rx_stop_at;
static volatile int rx_cancel;

static void
rx_on_step(void *ud, const tg_step_info *s)
{
	(void)ud;
	if (rx_stop_at > 0 && s->step == rx_stop_at)
		rx_cancel = 1;
}

/* Train the tiny run with its checkpoint at ckpt; resume: continue from it when the file exists; stop_at > 0:
 * cancel after that step (as Ctrl-C does). Returns tg_train's status; *res is filled (tg_train_result_clear). */
static int
rx_run(const char *ckpt, bool resume, int64_t stop_at, tg_train_result *res, tg_error *err)
{
	tg_task t;
	tg_examples train, dev;
	tg_encoder_config c;
	tg_encoder *e;
	tg_head *h = NULL;
	tg_params *sets[1];
	tg_train_opts o;
	int rc = TG_ERR;

	rx_task(&t, &train, &dev);
	tg_encoder_config_sized(&c, TG_ARCH_BERT, (tg_encoder_sizes){ 16, 8, 2, 2, 16, 16 });
	memset(res, 0, sizeof *res);
	if ((e = tg_encoder_new(&c, false, false, err)) == NULL)
		return TG_ERR;
	tg_encoder_init_random(e, 5);
	if (tg_params_alloc_grad(e->params, err) != TG_OK ||
	    (h = tg_head_new(t.kind, c.hidden_size, t.n_classes, 0.1f, 3, err)) == NULL)
		goto out;
	sets[0] = e->params;
	tg_train_opts_init(&o);
	o.max_steps = RX_STEPS;
	o.batch_size = 4;
	o.eval_every = 2;
	o.boot_resamples = 10;
	o.lr = 1e-2f;
	o.seed = 7;
	o.checkpoint_path = ckpt;
	o.resume = resume;
	o.cancel = &rx_cancel;
	o.on_step = rx_on_step;
	rx_stop_at = stop_at;
	rx_cancel = 0;
	rc = tg_train(e, h, &t, sets, 1, &o, res, err);
out:
	tg_head_free(h);
	tg_encoder_free(e);
	return rc;
}

#endif
