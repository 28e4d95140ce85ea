/* The LoRA op: its two kernels (token rows split over threads with single-threaded sgemm, and plain multithreaded
 * cblas_sgemm) agree with each other and with a double-precision reference, forward and backward.
 * With --bench (or TAMGA_BENCH=1) it also times both kernels on LoRA shapes: interleaved runs, medians. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../tap.h"
#include "peft/peft.h"
#include "model/model.h"

typedef struct run {
	tg_tensor *out, *gx, *gy, *ga, *gb;
	double t_fwd, t_bwd;
} run;

static tg_tensor *
leaf(int64_t r, int64_t c, uint64_t seed, float sd)
{
	tg_tensor *t = tg_tensor_new2(r, c, NULL);

	tg_tensor_rand_normal(t, seed, 0.0f, sd);
	t->requires_grad = true;
	return t;
}

static void
clear(tg_tensor *t)
{
	tg_tensor_release(t->grad);
	t->grad = NULL;
}

static int
run_once(int kernel, tg_tensor *x, tg_tensor *y, tg_tensor *a, tg_tensor *b, float s, const tg_tensor *dout, run *r,
    bool keep)
{
	tg_error err = { 0 };
	tg_graph *g = tg_graph_new();
	tg_tensor *o;
	double t0, t1, t2;

	tg_lora_kernel = kernel;
	clear(x);
	clear(y);
	clear(a);
	clear(b);
	t0 = tg_now();
	o = tg_lora_forward(g, x, y, a, b, s, &err);
	t1 = tg_now();
	if (o == NULL || tg_graph_backward_from(g, o, dout, &err) != TG_OK) {
		diag("lora op: %s", err.msg);
		tg_graph_free(g);
		return TG_ERR;
	}
	t2 = tg_now();
	r->t_fwd = t1 - t0;
	r->t_bwd = t2 - t1;
	if (keep) {
		r->out = o;
		r->gx = tg_tensor_retain(x->grad);
		r->gy = tg_tensor_retain(y->grad);
		r->ga = tg_tensor_retain(a->grad);
		r->gb = tg_tensor_retain(b->grad);
	} else
		tg_tensor_release(o);
	tg_graph_free(g);
	tg_lora_kernel = 1;
	return TG_OK;
}

static void
run_free(run *r)
{
	tg_tensor_release(r->out);
	tg_tensor_release(r->gx);
	tg_tensor_release(r->gy);
	tg_tensor_release(r->ga);
	tg_tensor_release(r->gb);
}

static double
relerr(const tg_tensor *a, const double *ref, int64_t n)
{
	double m = 0, r = 0;
	int64_t i;

	for (i = 0; i < n; i++) {
		if (fabs(a->data[i] - ref[i]) > m)
			m = fabs(a->data[i] - ref[i]);
		if (fabs(ref[i]) > r)
			r = fabs(ref[i]);
	}
	return m / (r > 0 ? r : 1);
}

/* Both kernels against a float64 reference of out, dX, dA, dB (dY = dOut). */
static void
check(int64_t N, int64_t in, int64_t out, int64_t r, float s)
{
	tg_tensor *x = leaf(N, in, 1, 1.0f), *y = leaf(N, out, 2, 1.0f);
	tg_tensor *a = leaf(r, in, 3, 0.2f), *b = leaf(out, r, 4, 0.2f);
	tg_tensor *dout = tg_tensor_new2(N, out, NULL);
	double *h = calloc((size_t)(N * r) + 1, sizeof(double)), *dh = calloc((size_t)(N * r) + 1, sizeof(double));
	double *o = calloc((size_t)(N * out) + 1, sizeof(double)), *gx = calloc((size_t)(N * in) + 1, sizeof(double));
	double *ga = calloc((size_t)(r * in) + 1, sizeof(double)), *gb = calloc((size_t)(out * r) + 1, sizeof(double));
	double worst = 0;
	int64_t i, j, k;
	run rr[2];
	int kernel;

	tg_tensor_rand_normal(dout, 5, 0.0f, 1.0f);
	for (i = 0; i < N; i++)
		for (k = 0; k < r; k++) {
			double v = 0;
			for (j = 0; j < in; j++)
				v += (double)x->data[i * in + j] * a->data[k * in + j];
			h[i * r + k] = v;
		}
	for (i = 0; i < N; i++)
		for (j = 0; j < out; j++) {
			double v = y->data[i * out + j];
			for (k = 0; k < r; k++)
				v += s * h[i * r + k] * b->data[j * r + k];
			o[i * out + j] = v;
		}
	for (i = 0; i < N; i++)
		for (k = 0; k < r; k++) {
			double v = 0;
			for (j = 0; j < out; j++)
				v += (double)dout->data[i * out + j] * b->data[j * r + k];
			dh[i * r + k] = s * v;
		}
	for (i = 0; i < N; i++)
		for (j = 0; j < in; j++)
			for (k = 0; k < r; k++)
				gx[i * in + j] += dh[i * r + k] * a->data[k * in + j];
	for (k = 0; k < r; k++)
		for (i = 0; i < N; i++)
			for (j = 0; j < in; j++)
				ga[k * in + j] += dh[i * r + k] * x->data[i * in + j];
	for (j = 0; j < out; j++)
		for (i = 0; i < N; i++)
			for (k = 0; k < r; k++)
				gb[j * r + k] += s * (double)dout->data[i * out + j] * h[i * r + k];
	for (kernel = 0; kernel < 2; kernel++) {
		double e;
		memset(&rr[kernel], 0, sizeof rr[kernel]);
		if (run_once(kernel, x, y, a, b, s, dout, &rr[kernel], true) != TG_OK) {
			ok(0, "lora op %lld x %lld -> %lld, r=%lld", (long long)N, (long long)in, (long long)out, (long long)r);
			return;
		}
		e = fmax(fmax(relerr(rr[kernel].out, o, N * out), relerr(rr[kernel].gx, gx, N * in)),
		    fmax(relerr(rr[kernel].ga, ga, r * in), relerr(rr[kernel].gb, gb, out * r)));
		worst = fmax(worst, e);
		worst = fmax(worst, tg_tensor_max_abs_diff(rr[kernel].gy, dout));
	}
	ok(worst < 1e-5, "N=%lld in=%lld out=%lld r=%lld: both kernels match a float64 reference (out, dX, dY, dA, dB; "
	    "worst relative error %.2g)", (long long)N, (long long)in, (long long)out, (long long)r, worst);
	run_free(&rr[0]);
	run_free(&rr[1]);
	tg_tensor_release(x);
	tg_tensor_release(y);
	tg_tensor_release(a);
	tg_tensor_release(b);
	tg_tensor_release(dout);
	free(h); free(dh); free(o); free(gx); free(ga); free(gb);
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Time both kernels, interleaved; prints medians and GFLOP/s. */
static void
bench(int64_t N, int64_t d, int64_t r, int reps)
{
	tg_tensor *x = leaf(N, d, 1, 1.0f), *y = leaf(N, d, 2, 1.0f), *a = leaf(r, d, 3, 0.2f), *b = leaf(d, r, 4, 0.2f);
	tg_tensor *dout = tg_tensor_new2(N, d, NULL);
	double tf[2][64], tb[2][64], fl_f = 2.0 * N * r * (d + d), fl_b = 2.0 * N * r * d * 4;
	int i, k;
	run rr;

	y->requires_grad = false;     /* as in training: the base output needs no gradient when nothing below trains */
	x->requires_grad = false;
	fl_b = 2.0 * N * r * d * 3;   /* dH, dA, dB (no dX) */
	tg_tensor_rand_normal(dout, 5, 0.0f, 1.0f);
	if (reps > 64)
		reps = 64;
	for (i = 0; i < 2; i++)       /* warm-up */
		for (k = 0; k < 2; k++)
			run_once(k, x, y, a, b, 2.0f, dout, &rr, false);
	for (i = 0; i < reps; i++)
		for (k = 0; k < 2; k++) {
			run_once(k, x, y, a, b, 2.0f, dout, &rr, false);
			tf[k][i] = rr.t_fwd;
			tb[k][i] = rr.t_bwd;
		}
	for (k = 0; k < 2; k++) {
		qsort(tf[k], (size_t)reps, sizeof(double), cmp);
		qsort(tb[k], (size_t)reps, sizeof(double), cmp);
	}
	printf("# lora N=%-5lld d=%lld r=%-3lld fwd: plain %7.3f ms (%5.1f GFLOP/s)  rows-split %7.3f ms (%5.1f GFLOP/s)  "
	    "x%.2f | bwd (dA,dB): plain %7.3f ms (%5.1f)  rows-split %7.3f ms (%5.1f)  x%.2f\n", (long long)N, (long long)d,
	    (long long)r, tf[0][reps / 2] * 1e3, fl_f / tf[0][reps / 2] * 1e-9, tf[1][reps / 2] * 1e3,
	    fl_f / tf[1][reps / 2] * 1e-9, tf[0][reps / 2] / tf[1][reps / 2], tb[0][reps / 2] * 1e3,
	    fl_b / tb[0][reps / 2] * 1e-9, tb[1][reps / 2] * 1e3, fl_b / tb[1][reps / 2] * 1e-9,
	    tb[0][reps / 2] / tb[1][reps / 2]);
	tg_tensor_release(x);
	tg_tensor_release(y);
	tg_tensor_release(a);
	tg_tensor_release(b);
	tg_tensor_release(dout);
}

/* One training step of a d=768 encoder (vocab 1000) with LoRA r=8 on q,v of every layer, frozen base, batch
 * B x T: forward, masked-LM-free loss on the last hidden states, backward; both kernels interleaved. */
static void
bench_step(int layers, int64_t B, int64_t T, int reps)
{
	tg_encoder_config c;
	tg_encoder *e;
	tg_peft_spec spec;
	tg_peft *p;
	tg_error err = { 0 };
	int32_t *ids = tg_xmalloc((size_t)(B * T) * sizeof(int32_t));
	tg_batch b = { 0 };
	double t[2][16];
	int i, k;

	tg_encoder_config_default(&c, TG_ARCH_XLMR);
	c.vocab_size = 1000;
	c.num_layers = layers;
	c.hidden_dropout = c.attention_dropout = 0.0f;
	e = tg_encoder_new(&c, false, false, &err);
	tg_encoder_init_random(e, 1);
	tg_peft_spec_parse(&spec, "lora:layers=all,targets=q+v,r=8", &err);
	p = tg_peft_new(e, &spec, 1, &err);
	tg_tensor_rand_normal(tg_peft_params(p)->views[1], 3, 0.0f, 0.1f);
	tg_peft_attach(p, e, &err);
	for (i = 0; i < B * T; i++)
		ids[i] = 3 + (int32_t)(tg_hash64((uint64_t)i) % 990);
	b.B = B;
	b.T = T;
	b.ids = ids;
	if (reps > 16)
		reps = 16;
	for (i = -1; i < reps; i++)
		for (k = 0; k < 2; k++) {
			tg_graph *g = tg_graph_new();
			tg_encoder_out out;
			tg_tensor *pooled, *loss;
			float *target = tg_xcalloc((size_t)(B * c.hidden_size), sizeof(float));
			double t0;
			tg_lora_kernel = k;
			tg_graph_set_training(g, true);
			t0 = tg_now();
			tg_encoder_forward(e, g, &b, false, -1, &out, &err);
			{
				int64_t shp[3] = { B, T, c.hidden_size };
				tg_tensor *x3 = tg_reshape(g, out.last, 3, shp, &err);
				pooled = tg_mean_pool(g, x3, NULL, &err);
				tg_tensor_release(x3);
			}
			loss = tg_mse(g, pooled, target, &err);
			tg_graph_backward(g, loss, &err);
			if (i >= 0)
				t[k][i] = tg_now() - t0;
			tg_tensor_release(pooled);
			tg_tensor_release(loss);
			tg_encoder_out_free(&out);
			tg_graph_free(g);
			tg_params_zero_grad(tg_peft_params(p));
			free(target);
		}
	tg_lora_kernel = 1;
	for (k = 0; k < 2; k++)
		qsort(t[k], (size_t)reps, sizeof(double), cmp);
	printf("# train step, %d layers d=768, LoRA r=8 q+v, batch %lld x %lld: plain %.3f s, rows-split %.3f s (median of "
	    "%d; min %.3f / %.3f)\n", layers, (long long)B, (long long)T, t[0][reps / 2], t[1][reps / 2], reps, t[0][0],
	    t[1][0]);
	tg_peft_free(p);
	tg_encoder_free(e);
	free(ids);
}

int
main(int argc, char **argv)
{
	const char *env = getenv("TAMGA_BENCH");
	bool do_bench = (argc > 1 && strcmp(argv[1], "--bench") == 0) || (env && *env && strcmp(env, "0") != 0);

	tg_threads_init();
	check(1, 5, 3, 2, 1.5f);
	check(7, 16, 24, 3, 2.0f);
	check(300, 64, 256, 8, 0.5f);
	check(513, 96, 96, 16, 2.0f);
	check(1024, 128, 32, 4, 1.0f);
	if (do_bench) {
		printf("# %s\n", tg_blas_info());
		bench(512, 768, 8, 21);
		bench(2048, 768, 8, 15);
		bench(4096, 768, 8, 9);
		bench(2048, 768, 16, 15);
		bench(2048, 768, 4, 15);
		bench(2048, 256, 8, 21);
		bench_step(4, 16, 128, 5);
	}
	return done_testing();
}
