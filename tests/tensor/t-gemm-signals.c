/* Signals during matrix products. oneDNN 2.6's AVX-512 GEMM kernels run with the stack pointer in the heap, so a
 * signal handler that ran then would write over heap memory (see tensor/gemm.h). This test keeps a timer signal
 * with a handler firing every 100 us while the main thread and the OpenMP workers run products and allocate, then
 * checks that every handler ran, the heap is intact (glibc aborts on a corrupted chunk), and the results are right. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <math.h>
#include "../tap.h"
#include "tensor/tensor.h"
#include "tensor/gemm.h"
#include "util/util.h"

static volatile sig_atomic_t hits;

static void
on_alarm(int sig)
{
	char pad[512];   /* a handler frame of some size, as a real one would have */

	(void)sig;
	memset(pad, 0x5a, sizeof pad);
	hits += pad[17] == 0x5a;
}

int
main(void)
{
	struct sigaction sa;
	struct itimerval it = { { 0, 100 }, { 0, 100 } };
	tg_error err = { 0 };
	tg_tensor *x, *w, *b, *y, *ref;
	int64_t sx[2] = { 256, 384 }, sw[2] = { 512, 384 }, sb[1] = { 512 };
	double t0, maxdiff = 0;
	float *c0, *c1;
	int i, rounds = 0;
	int64_t k;

	tg_threads_init();
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	x = tg_tensor_new(2, sx, &err);
	w = tg_tensor_new(2, sw, &err);
	b = tg_tensor_new(1, sb, &err);
	tg_tensor_rand_uniform(x, 1, -1, 1);
	tg_tensor_rand_uniform(w, 2, -0.1f, 0.1f);
	tg_tensor_rand_uniform(b, 3, -1, 1);
	ref = tg_linear(NULL, x, w, b, &err);
	c0 = malloc(256 * 512 * sizeof(float));
	c1 = malloc(256 * 512 * sizeof(float));
	tg_sgemm(CblasNoTrans, CblasTrans, 256, 512, 384, 1.0f, x->data, 384, w->data, 384, 0.0f, c0, 512);
	setitimer(ITIMER_REAL, &it, NULL);
	t0 = tg_now();
	while (tg_now() - t0 < 3.0) {
		for (i = 0; i < 8; i++) {
			void *junk = malloc(1000 + 37 * (size_t)i);   /* keep the allocator busy around the products */
			y = tg_linear(NULL, x, w, b, &err);
			for (k = 0; k < y->numel; k++)
				maxdiff = fmax(maxdiff, fabs(y->data[k] - ref->data[k]));
			tg_tensor_release(y);
			/* the plain GEMM entry (dnnl_sgemm: the kernels of the upstream report) */
			tg_sgemm(CblasNoTrans, CblasTrans, 256, 512, 384, 1.0f, x->data, 384, w->data, 384, 0.0f, c1, 512);
			for (k = 0; k < 256 * 512; k++)
				maxdiff = fmax(maxdiff, fabs(c1[k] - c0[k]));
			free(junk);
		}
		rounds++;
	}
	memset(&it, 0, sizeof it);
	setitimer(ITIMER_REAL, &it, NULL);
	diag("%s: %d rounds, %d timer signals handled", tg_gemm_backend_name(tg_gemm_backend_get()), rounds, (int)hits);
	ok(hits > 100, "the timer handler ran while products were running (%d times)", (int)hits);
	ok(maxdiff == 0, "every product under signals equals the first one (max difference %g)", maxdiff);
	free(malloc(1 << 20));   /* a corrupted heap makes glibc abort here, failing the test */
	ok(1, "the heap survived %d signals during %d x 8 products", (int)hits, rounds);
	free(c0);
	free(c1);
	tg_tensor_release(ref);
	tg_tensor_release(x);
	tg_tensor_release(w);
	tg_tensor_release(b);
	return done_testing();
}
