/* Optimizers: AdamW against a hand computation, schedules at their corners, clipping, and a model that learns. */
#include <math.h>
#include <string.h>
#include "../tap.h"
#include "nn/nn.h"

int
main(void)
{
	tg_error err = { 0 };
	tg_params *p = tg_params_new();
	int64_t s[2] = { 1, 2 };
	tg_tensor *w;
	tg_adamw o;
	tg_schedule sc = { TG_SCHED_LINEAR, 1.0f, 10, 110, 0.0f };
	float l0, l1, acc, l2, acc2;
	double m, v, w0, expect, norm;

	tg_params_add(p, "w", 2, s, &err);
	tg_params_alloc(p, true, &err);
	w = tg_params_get(p, "w");
	w->data[0] = 1.0f;
	w->data[1] = -2.0f;
	w->grad->data[0] = 0.5f;
	w->grad->data[1] = 0.0f;
	tg_adamw_defaults(&o);
	ok(tg_adamw_step(p, &o, 0.1f, &err) == TG_OK, "AdamW step");
	/* by hand: m = 0.1*0.5, v = 0.001*0.25, mhat = 0.5, vhat = 0.25, w = 1 - 0.1*(0.01*1 + 0.5/(0.5+1e-8)) */
	m = 0.1 * 0.5; v = 0.001 * 0.25; w0 = 1.0;
	expect = w0 - 0.1 * (0.01 * w0 + (m / 0.1) / (sqrt(v / 0.001) + 1e-8));
	is_num(w->data[0], expect, 1e-6, "AdamW update with bias correction and decoupled decay");
	is_num(w->data[1], -2.0 - 0.1 * 0.01 * -2.0, 1e-6, "zero gradient: only weight decay moves the weight");

	is_num(tg_schedule_lr(&sc, 0), 0.1, 1e-6, "warm-up starts at lr/warmup");
	is_num(tg_schedule_lr(&sc, 9), 1.0, 1e-6, "warm-up reaches the peak");
	is_num(tg_schedule_lr(&sc, 60), 0.5, 1e-6, "linear decay halfway");
	is_num(tg_schedule_lr(&sc, 110), 0.0, 1e-6, "linear decay ends at min_ratio");
	sc.kind = TG_SCHED_COSINE;
	is_num(tg_schedule_lr(&sc, 60), 0.5, 1e-6, "cosine decay halfway");
	ok(tg_schedule_parse(&sc, "cosine", &err) == TG_OK && sc.kind == TG_SCHED_COSINE, "parse cosine");
	ok(tg_schedule_parse(&sc, "step", &err) == TG_ERR && strstr(err.msg, "'step'") && err.hint[0],
	    "unknown schedule names it and hints the choices");

	w->grad->data[0] = 3.0f;
	w->grad->data[1] = 4.0f;
	norm = tg_clip_grad_norm(&p, 1, 1.0);
	is_num(norm, 5.0, 1e-6, "clip returns the norm before clipping");
	is_num(sqrt(tg_params_grad_sqnorm(p)), 1.0, 1e-5, "and scales the gradient to the limit");
	tg_params_free(p);

	ok(tg_toy_spirals_train(3, 300, 32, 0.03f, &l0, &l1, &acc, &err) == TG_OK, "toy training runs");
	ok(l1 < 0.35f * l0 && l1 < 0.25f, "a 2-layer MLP learns two spirals: loss %.3f -> %.3f (bound 0.25)", l0, l1);
	ok(acc > 0.9f, "training accuracy %.1f%% > 90%%", 100 * acc);
	tg_toy_spirals_train(3, 300, 32, 0.03f, NULL, &l2, &acc2, &err);
	ok(memcmp(&l1, &l2, sizeof l1) == 0, "repeat run is bit-identical (%.9g vs %.9g)", l1, l2);
	return done_testing();
}
