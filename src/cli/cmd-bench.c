/* tamga bench: micro benchmarks that put engine ops side by side with raw cblas_sgemm on the same shapes. */
#include "tensor/gemm.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "tensor/tensor.h"
#include "model/model.h"
#include "data/data.h"
#include "tokenize/tokenizer.h"
#include "peft/peft.h"
#include "train/train.h"
#include <sys/resource.h>

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static tg_precision bench_prec = TG_PREC_FP32;   /* --precision */

/* Precision bf16: the frozen weights of e in BF16 (after their initialisation) and BF16 products. */
static int
bench_precision(tg_encoder *e)
{
	tg_error err = { 0 };
	char note[160];

	bench_prec = tg_precision_available(bench_prec, note, sizeof note);
	if (note[0] != '\0')
		fprintf(stderr, "tamga bench: %s\n", note);
	tg_precision_set(bench_prec);
	if (e != NULL && tg_encoder_set_precision(e, bench_prec, NULL, &err) != TG_OK) {
		fprintf(stderr, "tamga bench: %s\n", err.msg);
		return 1;
	}
	return 0;
}

/* Linear forward + backward (dX and dW and db) through the engine vs the three sgemm calls alone. */
static int
bench_linear(int64_t N, int64_t in, int64_t out, int repeat, int json)
{
	tg_error err = { 0 };
	tg_tensor *x = tg_tensor_new2(N, in, &err), *w = tg_tensor_new2(out, in, &err), *dy, *b;
	int64_t bs[1] = { out };
	float *dx, *dw, *yr;
	double *te = tg_xcalloc((size_t)repeat, sizeof(double)), *tr = tg_xcalloc((size_t)repeat, sizeof(double));
	double flops = 6.0 * N * in * out, me, mr;
	int r;

	b = tg_tensor_zeros(1, bs, &err);
	dy = tg_tensor_new2(N, out, &err);
	if (x == NULL || w == NULL || b == NULL || dy == NULL) {
		fprintf(stderr, "tamga bench: %s\n", err.msg);
		return 1;
	}
	tg_tensor_rand_uniform(x, 1, -1, 1);
	tg_tensor_rand_uniform(w, 2, -0.05f, 0.05f);
	tg_tensor_rand_uniform(dy, 3, -1, 1);
	dx = tg_aligned_alloc((size_t)(N * in) * sizeof(float));
	dw = tg_aligned_alloc((size_t)(out * in) * sizeof(float));
	yr = tg_aligned_alloc((size_t)(N * out) * sizeof(float));
	memset(dx, 0, (size_t)(N * in) * sizeof(float));
	memset(dw, 0, (size_t)(out * in) * sizeof(float));
	memset(yr, 0, (size_t)(N * out) * sizeof(float));
	x->requires_grad = w->requires_grad = b->requires_grad = true;
	for (r = -2; r < repeat; r++) {
		/* engine */
		tg_graph *g = tg_graph_new();
		double t0 = tg_now(), t1, t2;
		tg_tensor *y = tg_linear(g, x, w, b, &err);
		if (y == NULL || tg_graph_backward_from(g, y, dy, &err) != TG_OK) {
			fprintf(stderr, "tamga bench: %s\n", err.msg);
			return 1;
		}
		tg_tensor_release(y);
		tg_graph_free(g);
		tg_tensor_release(x->grad); x->grad = NULL;
		t1 = tg_now();
		tg_tensor_zero_grad(w);
		tg_tensor_zero_grad(b);
		/* raw sgemm: y = x W^T, dX = dY W, dW = dY^T X */
		t2 = tg_now();
		{
			tg_sgemm(CblasNoTrans, CblasTrans, (int)N, (int)out, (int)in, 1.0f, x->data,
			    (int)in, w->data, (int)in, 0.0f, yr, (int)out);
			tg_sgemm(CblasNoTrans, CblasNoTrans, (int)N, (int)in, (int)out, 1.0f, dy->data,
			    (int)out, w->data, (int)in, 0.0f, dx, (int)in);
			tg_sgemm(CblasTrans, CblasNoTrans, (int)out, (int)in, (int)N, 1.0f, dy->data,
			    (int)out, x->data, (int)in, 1.0f, dw, (int)in);
		}
		if (r >= 0) {
			te[r] = t1 - t0;
			tr[r] = tg_now() - t2;
		}
	}
	me = median(te, repeat);
	mr = median(tr, repeat);
	if (json)
		printf("{\"bench\":\"linear\",\"tokens\":%lld,\"in\":%lld,\"out\":%lld,\"threads\":%d,\"repeat\":%d,"
		    "\"engine_ms\":%.3f,\"sgemm_ms\":%.3f,\"engine_gflops\":%.1f,\"sgemm_gflops\":%.1f,\"ratio\":%.3f}\n",
		    (long long)N, (long long)in, (long long)out, tg_threads_get(), repeat, me * 1e3, mr * 1e3,
		    flops / me * 1e-9, flops / mr * 1e-9, mr / me);
	else {
		printf("linear forward+backward (%lld x %lld) x (%lld x %lld)^T, %s, median of %d\n", (long long)N,
		    (long long)in, (long long)out, (long long)in, tg_blas_info(), repeat);
		printf("  engine  %8.2f ms  %7.1f GFLOP/s\n", me * 1e3, flops / me * 1e-9);
		printf("  sgemm   %8.2f ms  %7.1f GFLOP/s\n", mr * 1e3, flops / mr * 1e-9);
		printf("  ratio   %8.3f  (engine GFLOP/s / sgemm GFLOP/s)\n", mr / me);
	}
	tg_tensor_release(x);
	tg_tensor_release(w);
	tg_tensor_release(b);
	tg_tensor_release(dy);
	tg_aligned_free(dx);
	tg_aligned_free(dw);
	tg_aligned_free(yr);
	free(te);
	free(tr);
	return 0;
}

/* Fused attention forward + backward on (B, T, H, Dh). */
static int
bench_attention(int64_t B, int64_t T, int H, int64_t Dh, int repeat, int json)
{
	tg_error err = { 0 };
	int64_t D = H * Dh;
	tg_tensor *q = tg_tensor_new2(B * T, D, &err), *k = tg_tensor_new2(B * T, D, &err);
	tg_tensor *v = tg_tensor_new2(B * T, D, &err), *dy = tg_tensor_new2(B * T, D, &err);
	double *tf = tg_xcalloc((size_t)repeat, sizeof(double)), *tb = tg_xcalloc((size_t)repeat, sizeof(double));
	double fl = 4.0 * B * H * T * T * Dh;
	int r;

	if (q == NULL || k == NULL || v == NULL || dy == NULL) {
		fprintf(stderr, "tamga bench: %s\n", err.msg);
		return 1;
	}
	tg_tensor_rand_uniform(q, 1, -1, 1);
	tg_tensor_rand_uniform(k, 2, -1, 1);
	tg_tensor_rand_uniform(v, 3, -1, 1);
	tg_tensor_rand_uniform(dy, 4, -1, 1);
	q->requires_grad = k->requires_grad = v->requires_grad = true;
	for (r = -1; r < repeat; r++) {
		tg_graph *g = tg_graph_new();
		double t0 = tg_now(), t1, t2;
		tg_tensor *y = tg_attention(g, q, k, v, B, H, NULL, 0.0f, &err);
		t1 = tg_now();
		if (y == NULL || tg_graph_backward_from(g, y, dy, &err) != TG_OK) {
			fprintf(stderr, "tamga bench: %s\n", err.msg);
			return 1;
		}
		t2 = tg_now();
		tg_tensor_release(y);
		tg_graph_free(g);
		tg_tensor_release(q->grad); q->grad = NULL;
		tg_tensor_release(k->grad); k->grad = NULL;
		tg_tensor_release(v->grad); v->grad = NULL;
		if (r >= 0) {
			tf[r] = t1 - t0;
			tb[r] = t2 - t1;
		}
	}
	if (json)
		printf("{\"bench\":\"attention\",\"batch\":%lld,\"seq\":%lld,\"heads\":%d,\"head_dim\":%lld,"
		    "\"fwd_ms\":%.3f,\"bwd_ms\":%.3f,\"fwd_gflops\":%.1f,\"bwd_gflops\":%.1f}\n", (long long)B,
		    (long long)T, H, (long long)Dh, median(tf, repeat) * 1e3, median(tb, repeat) * 1e3,
		    fl / median(tf, repeat) * 1e-9, 2.5 * fl / median(tb, repeat) * 1e-9);
	else
		printf("attention B=%lld T=%lld H=%d Dh=%lld, %s\n  forward  %8.2f ms  %7.1f GFLOP/s\n"
		    "  backward %8.2f ms  %7.1f GFLOP/s\n", (long long)B, (long long)T, H, (long long)Dh, tg_blas_info(),
		    median(tf, repeat) * 1e3, fl / median(tf, repeat) * 1e-9, median(tb, repeat) * 1e3,
		    2.5 * fl / median(tb, repeat) * 1e-9);
	tg_tensor_release(q);
	tg_tensor_release(k);
	tg_tensor_release(v);
	tg_tensor_release(dy);
	free(tf);
	free(tb);
	return 0;
}

/* Encoder inference (eval mode, no tape) on a random model of the given size: tokens/s and GFLOP/s. */
static int
bench_encoder(int64_t B, int64_t T, int64_t d, int64_t L, int64_t heads, int64_t vocab, int repeat, int json)
{
	tg_error err = { 0 };
	tg_encoder_config cfg;
	tg_encoder *e;
	tg_batch b = { 0 };
	tg_encoder_out out;
	struct rusage ru;
	double *tt = tg_xcalloc((size_t)repeat, sizeof(double)), med, fl;
	int64_t i;
	int r;

	tg_encoder_config_sized(&cfg, TG_ARCH_XLMR,
	    (tg_encoder_sizes){ vocab, d, L, heads, 4 * d, T + 2 > 514 ? T + 2 : 514 });
	if ((e = tg_encoder_new(&cfg, false, false, &err)) == NULL) {
		fprintf(stderr, "tamga bench: %s\n", err.msg);
		return 1;
	}
	if (bench_precision(e) != 0)   /* before the values, as in bench_train */
		return 1;
	tg_encoder_init_random(e, 1);
	b.B = B;
	b.T = T;
	b.ids = tg_xmalloc((size_t)(B * T) * sizeof(int32_t));
	b.mask = tg_xmalloc((size_t)(B * T) * sizeof(float));
	for (i = 0; i < B * T; i++) {
		b.ids[i] = (int32_t)(3 + tg_hash64((uint64_t)i) % (uint64_t)(vocab - 3));
		b.mask[i] = 1.0f;
	}
	for (r = -2; r < repeat; r++) {
		double t0 = tg_now();
		if (tg_encoder_forward(e, NULL, &b, false, -1, &out, &err) != TG_OK) {
			fprintf(stderr, "tamga bench: %s\n", err.msg);
			return 1;
		}
		tg_encoder_out_free(&out);
		if (r >= 0)
			tt[r] = tg_now() - t0;
	}
	med = median(tt, repeat);
	fl = tg_encoder_flops_per_token(e, T);
	if (json)
		printf("{\"bench\":\"encoder\",\"mode\":\"infer\",\"precision\":\"%s\",\"batch\":%lld,\"seq\":%lld,\"hidden\":%lld,"
		    "\"layers\":%lld,\"vocab\":%lld,\"threads\":%d,\"step_s_median\":%.4f,\"tokens_per_s\":%.1f,"
		    "\"gflops\":%.1f,\"peak_mb\":%.1f,\"peak_rss_mb\":%.1f}\n", tg_precision_name(bench_prec), (long long)B, (long long)T, (long long)d, (long long)L,
		    (long long)vocab, tg_threads_get(), med, B * T / med, fl * B * T / med * 1e-9,
		    tg_mem_get_stats().peak / 1048576.0, (getrusage(RUSAGE_SELF, &ru), ru.ru_maxrss / 1024.0));
	else
		printf("encoder inference L=%lld d=%lld, batch %lld x %lld, %s\n  %.3f s/step (median of %d), "
		    "%.1f tokens/s, %.1f GFLOP/s\n", (long long)L, (long long)d, (long long)B, (long long)T,
		    tg_blas_info(), med, repeat, B * T / med, fl * B * T / med * 1e-9);
	free(b.ids);
	free(b.mask);
	free(tt);
	tg_encoder_free(e);
	return 0;
}

/* A PEFT training step on a random encoder, as ../shared/bench/torch_peft.py measures it: forward, token
 * classification loss (9 labels), backward, AdamW over the trainable parameters. */
static int
bench_train(int64_t B, int64_t T, int64_t d, int64_t L, int64_t heads, int64_t vocab, const char *spec_s,
    int repeat, int json)
{
	tg_error err = { 0 };
	tg_encoder_config cfg;
	tg_encoder *e;
	tg_peft_spec spec;
	tg_peft *p;
	tg_head *h;
	tg_task_batch tb = { 0 };
	tg_adamw adam;
	tg_graph *g = tg_graph_new();
	double *tt = tg_xcalloc((size_t)repeat, sizeof(double)), med;
	tg_peft_flops fl;
	struct rusage ru;
	int64_t i;
	int r;

	tg_encoder_config_sized(&cfg, TG_ARCH_XLMR,
	    (tg_encoder_sizes){ vocab, d, L, heads, 4 * d, T + 2 > 514 ? T + 2 : 514 });
	if ((e = tg_encoder_new(&cfg, false, false, &err)) == NULL || tg_peft_spec_parse(&spec, spec_s, &err) != TG_OK ||
	    (p = tg_peft_new(e, &spec, 1, &err)) == NULL || tg_peft_attach(p, e, &err) != TG_OK ||
	    (h = tg_head_new(TG_TASK_TAGGING, d, 9, 0.1f, 1, &err)) == NULL) {
		fprintf(stderr, "tamga bench: %s\n", err.msg);
		return 1;
	}
	/* BF16 before the values: the frozen weights are drawn straight into BF16, never held in FP32 */
	if (bench_precision(e) != 0)
		return 1;
	tg_encoder_init_random(e, 1);
	tg_adamw_defaults(&adam);
	tb.b.B = B;
	tb.b.T = T;
	tb.b.ids = tg_xmalloc((size_t)(B * T) * sizeof(int32_t));
	tb.b.mask = tg_xmalloc((size_t)(B * T) * sizeof(float));
	tb.tok_labels = tg_xmalloc((size_t)(B * T) * sizeof(int32_t));
	for (i = 0; i < B * T; i++) {
		tb.b.ids[i] = (int32_t)(3 + tg_hash64((uint64_t)i) % (uint64_t)(vocab - 3));
		tb.b.mask[i] = 1.0f;
		tb.tok_labels[i] = (int32_t)(tg_hash64((uint64_t)i + 77) % 9);
	}
	tg_mem_reset_peak();
	for (r = -2; r < repeat; r++) {
		double t0 = tg_now();
		tg_encoder_out eo;
		tg_tensor *logits, *loss;
		tg_graph_reset(g);
		tg_graph_set_training(g, true);
		tg_graph_set_seed(g, (uint64_t)r + 10);
		tg_params_zero_grad(h->params);
		tg_params_zero_grad(tg_peft_params(p));
		if (tg_encoder_forward(e, g, &tb.b, false, -1, &eo, &err) != TG_OK ||
		    (logits = tg_head_forward(h, g, eo.last, &tb, 1, &err)) == NULL ||
		    (loss = tg_head_loss(h, g, logits, &tb, &err)) == NULL || tg_graph_backward(g, loss, &err) != TG_OK) {
			fprintf(stderr, "tamga bench: %s\n", err.msg);
			return 1;
		}
		tg_adamw_step(h->params, &adam, 1e-4f, &err);
		tg_adamw_step(tg_peft_params(p), &adam, 1e-4f, &err);
		tg_tensor_release(logits);
		tg_tensor_release(loss);
		tg_encoder_out_free(&eo);
		tg_graph_reset(g);
		if (r >= 0)
			tt[r] = tg_now() - t0;
	}
	med = median(tt, repeat);
	getrusage(RUSAGE_SELF, &ru);
	tg_peft_get_flops(p, B, T, 9, &fl, NULL);
	if (json)
		printf("{\"bench\":\"train\",\"peft\":\"%s\",\"precision\":\"%s\",\"batch\":%lld,\"seq\":%lld,\"hidden\":%lld,\"layers\":%lld,"
		    "\"vocab\":%lld,\"threads\":%d,\"trainable\":%lld,\"step_s_median\":%.4f,\"tokens_per_s\":%.1f,"
		    "\"gflops\":%.1f,\"peak_tensor_mb\":%.1f,\"peak_rss_mb\":%.1f}\n", spec_s, tg_precision_name(bench_prec),
		    (long long)B, (long long)T,
		    (long long)d, (long long)L, (long long)vocab, tg_threads_get(), (long long)tg_peft_trainable(p), med,
		    B * T / med, fl.train / med * 1e-9, tg_mem_get_stats().peak / 1048576.0, ru.ru_maxrss / 1024.0);
	else
		printf("PEFT training step %s, L=%lld d=%lld, batch %lld x %lld, %s\n  %.3f s/step (median of %d), %.1f "
		    "tokens/s, %.1f GFLOP/s, peak RSS %.0f MB\n", spec_s, (long long)L, (long long)d, (long long)B,
		    (long long)T, tg_blas_info(), med, repeat, B * T / med, fl.train / med * 1e-9, ru.ru_maxrss / 1024.0);
	tg_task_batch_free(&tb);
	tg_graph_free(g);
	tg_head_free(h);
	tg_peft_free(p);
	tg_encoder_free(e);
	free(tt);
	return 0;
}

/* Read every dataset of the data root and tokenize all of its text (words of tagged sentences, both sides of
 * pairs and bitexts, choices, lines): the cost of getting a whole data root ready for training. */
static int
count_tokens(const tg_tokenizer *tok, const char *s, int64_t *ntok)
{
	int32_t *ids = NULL;
	int n;

	if (s == NULL)
		return 0;
	n = tg_tokenizer_encode(tok, s, strlen(s), &ids, NULL, NULL);
	free(ids);
	if (n > 0)
		*ntok += n;
	return n < 0 ? -1 : 0;
}

static int
bench_data(const char *root_opt, const char *tok_path, int json)
{
	tg_error err = { 0 };
	const char *root = tg_data_root(root_opt, &err);
	tg_registry *r;
	tg_tokenizer *tok;
	double t0, t1, t2;
	int64_t nds = 0, nex = 0, ntok = 0, k;
	int i;

	if (root == NULL || (r = tg_registry_scan(root, &err)) == NULL) {
		fprintf(stderr, "tamga bench: %s\n", err.msg);
		return 1;
	}
	if (tok_path == NULL || (tok = tg_tokenizer_load(tok_path, &err)) == NULL) {
		fprintf(stderr, "tamga bench: data needs --tokenizer PATH%s%s\n", tok_path ? ": " : "", tok_path ? err.msg : "");
		tg_registry_free(r);
		return tok_path ? 1 : 2;
	}
	t0 = tg_now();
	t1 = 0;
	for (i = 0; i < r->n; i++) {
		tg_dataset *d;
		double a;
		if (!r->item[i].present)
			continue;
		a = tg_now();
		if ((d = tg_registry_load(r, i, NULL, &err)) == NULL) {
			fprintf(stderr, "tamga bench: %s\n", err.msg);
			continue;
		}
		t1 += tg_now() - a;
		nds++;
		nex += d->n;
		/* tokenizers are read-only after loading: sentences are tokenized in parallel */
		if (d->kind == TG_DS_TAGGING) {
#pragma omp parallel for schedule(dynamic, 64) reduction(+:ntok)
			for (k = 0; k < d->n; k++) {
				int32_t *ids = NULL, *wo = NULL;
				int n = tg_tokenizer_encode_words(tok, (const char *const *)d->words + d->off[k],
				    (int)(d->off[k + 1] - d->off[k]), &ids, &wo, NULL);
				if (n > 0)
					ntok += n;
				free(ids);
				free(wo);
			}
		} else {
			int64_t nc = d->choice != NULL ? d->n * d->n_choices : 0;
#pragma omp parallel for schedule(dynamic, 64) reduction(+:ntok)
			for (k = 0; k < d->n; k++) {
				int64_t c = 0;
				count_tokens(tok, d->a ? d->a[k] : NULL, &c);
				count_tokens(tok, d->b ? d->b[k] : NULL, &c);
				ntok += c;
			}
#pragma omp parallel for schedule(dynamic, 64) reduction(+:ntok)
			for (k = 0; k < nc; k++) {
				int64_t c = 0;
				count_tokens(tok, d->choice[k], &c);
				ntok += c;
			}
		}
		tg_dataset_free(d);
	}
	t2 = tg_now() - t0;
	if (json)
		printf("{\"bench\":\"data\",\"datasets\":%lld,\"examples\":%lld,\"tokens\":%lld,\"read_s\":%.3f,"
		    "\"total_s\":%.3f}\n", (long long)nds, (long long)nex, (long long)ntok, t1, t2);
	else
		printf("data root %s: %lld datasets, %lld examples read in %.2f s; read and tokenized (%s) in %.2f s, "
		    "%lld tokens\n", root, (long long)nds, (long long)nex, t1, tg_tokenizer_describe(tok), t2,
		    (long long)ntok);
	tg_tokenizer_free(tok);
	tg_registry_free(r);
	return 0;
}

int
tg_cmd_bench(int argc, char **argv)
{
	const char *what = "linear";
	long tokens = 4096, in = 768, out = 768, repeat = 15, batch = 16, seq = 128, heads = 12, layers = 12;
	long vocab = 250002;
	int i, json = 0;
	const char *tok_path = NULL, *data = NULL, *peft_s = "lora:layers=0-3,targets=q+v,r=8,alpha=16";

	for (i = 1; i < argc; i++) {
		long *dst = NULL;
		if (tg_cli_is_help(argv[i]))
			return tg_cli_help("bench", NULL);
		if (strcmp(argv[i], "--tokenizer") == 0 && i + 1 < argc) {
			tok_path = argv[++i];
			continue;
		}
		if (strcmp(argv[i], "--peft") == 0 && i + 1 < argc) {
			peft_s = argv[++i];
			continue;
		}
		if (strcmp(argv[i], "--data") == 0 && i + 1 < argc) {
			data = argv[++i];
			continue;
		}
		if (strcmp(argv[i], "--precision") == 0 && i + 1 < argc) {
			if (!tg_precision_parse(argv[++i], &bench_prec))
				return tg_cli_usage_error("bench", "--precision '%s': expected fp32 or bf16", argv[i]);
			continue;
		}
		long lo = 1, hi = 1 << 20;
		if (strcmp(argv[i], "--json") == 0) {
			json = 1;
			continue;
		}
		if (argv[i][0] != '-') {
			what = argv[i];
			continue;
		}
		if (strcmp(argv[i], "--tokens") == 0) dst = &tokens;
		else if (strcmp(argv[i], "--in") == 0) dst = &in;
		else if (strcmp(argv[i], "--out") == 0) dst = &out;
		else if (strcmp(argv[i], "--repeat") == 0) { dst = &repeat; hi = 10000; }
		else if (strcmp(argv[i], "--batch") == 0) dst = &batch;
		else if (strcmp(argv[i], "--seq") == 0) dst = &seq;
		else if (strcmp(argv[i], "--heads") == 0) dst = &heads;
		else if (strcmp(argv[i], "--layers") == 0) dst = &layers;
		else if (strcmp(argv[i], "--vocab") == 0) { dst = &vocab; lo = 4; hi = 1 << 24; }
		else
			return tg_cli_unknown_option("bench", argv[i], NULL);
		if (i + 1 >= argc)
			return tg_cli_usage_error("bench", "%s needs a value", argv[i]);
		if (tg_cli_long("bench", argv[i], argv[i + 1], lo, hi, dst))
			return 2;
		i++;
	}
	if (strcmp(what, "linear") == 0 && bench_precision(NULL) != 0)
		return 1;
	if (strcmp(what, "linear") == 0)
		return bench_linear(tokens, in, out, (int)repeat, json);
	if (strcmp(what, "attention") == 0) {
		if (in % heads != 0)
			return tg_cli_usage_error("bench", "--in %ld is not divisible by --heads %ld", in, heads);
		return bench_attention(batch, seq, (int)heads, in / heads, (int)repeat, json);
	}
	if (strcmp(what, "data") == 0)
		return bench_data(data, tok_path, json);
	if (strcmp(what, "train") == 0) {
		if (in % heads != 0)
			return tg_cli_usage_error("bench", "--in %ld is not divisible by --heads %ld", in, heads);
		return bench_train(batch, seq, in, layers, heads, vocab, peft_s, (int)repeat, json);
	}
	if (strcmp(what, "encoder") == 0) {
		if (in % heads != 0)
			return tg_cli_usage_error("bench", "--in %ld is not divisible by --heads %ld", in, heads);
		return bench_encoder(batch, seq, in, layers, heads, vocab, (int)repeat, json);
	}
	return tg_cli_usage_error("bench", "unknown benchmark '%s' (use linear, attention, encoder, train or data)", what);
}
