/* Threads: tamga and OpenBLAS share one OpenMP runtime and one thread count, and results repeat bit for bit. */
#include <stdlib.h>
#include <string.h>
#include <omp.h>
#include "../tap.h"
#include "tensor/tensor.h"
#include "tensor/gemm.h"

static float
run_once(tg_tensor *x, tg_tensor *w, tg_tensor *b, float *gsum)
{
	tg_error err = { 0 };
	tg_graph *g = tg_graph_new();
	int32_t labels[512];
	tg_tensor *h, *a, *n, *o, *l;
	float v;
	int i;

	for (i = 0; i < 512; i++)
		labels[i] = i % 7 == 0 ? -100 : i % 64;
	tg_graph_set_training(g, true);
	tg_graph_set_seed(g, 5);
	h = tg_linear(g, x, w, b, &err);
	a = tg_gelu(g, h, &err);
	n = tg_dropout(g, a, 0.1f, &err);
	o = tg_attention(g, n, n, n, 4, 4, NULL, 0.1f, &err);
	l = tg_cross_entropy(g, o, labels, -100, 0.1f, &err);
	tg_graph_backward(g, l, &err);
	v = l->data[0];
	*gsum = (float)tg_tensor_sum(w->grad);
	tg_tensor_release(h); tg_tensor_release(a); tg_tensor_release(n); tg_tensor_release(o); tg_tensor_release(l);
	tg_graph_free(g);
	tg_tensor_zero_grad(w);
	tg_tensor_zero_grad(b);
	return v;
}

int
main(void)
{
	int64_t sx[2] = { 512, 96 }, sw[2] = { 64, 96 }, sb[1] = { 64 };
	tg_tensor *x = tg_tensor_new(2, sx, NULL), *w = tg_tensor_new(2, sw, NULL), *b = tg_tensor_new(1, sb, NULL);
	float l1, l2, l3, g1, g2, g3;
	const char *info;

	setenv("TAMGA_THREADS", "2", 1);
	ok(tg_threads_init() == 2, "TAMGA_THREADS sets the thread count");
	ok(omp_get_max_threads() == 2, "OpenMP uses it");
	info = tg_blas_info();
	diag("%s", info);
	ok(tg_blas_parallel_kind() == 2,
	    "OpenBLAS is the OpenMP build, sharing tamga's thread pool (kind %d; 1 = pthreads would contend)",
	    tg_blas_parallel_kind());
	ok(strstr(info, "2 threads") != NULL, "BLAS info reports the thread count");

	tg_tensor_rand_uniform(x, 1, -1, 1);
	tg_tensor_rand_uniform(w, 2, -0.2f, 0.2f);
	tg_tensor_rand_uniform(b, 3, -0.1f, 0.1f);
	w->requires_grad = b->requires_grad = true;
	l1 = run_once(x, w, b, &g1);
	l2 = run_once(x, w, b, &g2);
	ok(memcmp(&l1, &l2, sizeof l1) == 0 && memcmp(&g1, &g2, sizeof g1) == 0,
	    "same seed, same threads: bit-identical loss and gradient (%.9g, %.9g)", l1, g1);
	tg_threads_set(1);
	l3 = run_once(x, w, b, &g3);
	is_num(l3, l1, 1e-4 * (l1 < 0 ? -l1 : l1) + 1e-6, "one thread agrees with two to rounding (%.9g vs %.9g)", l3, l1);
	tg_tensor_release(x); tg_tensor_release(w); tg_tensor_release(b);
	return done_testing();
}
