/* Threads: one setting drives both tamga's OpenMP loops and OpenBLAS, so they never compete for cores. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <omp.h>
#include "util.h"
#include "tensor/gemm.h"

#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
void openblas_set_num_threads(int);
#endif
#ifdef HAVE_OPENBLAS_GET_PARALLEL
int openblas_get_parallel(void);
#endif
#ifdef HAVE_OPENBLAS_GET_CORENAME
char *openblas_get_corename(void);
#endif

static int tg_nthreads = 0;

int
tg_threads_set(int n)
{
	if (n < 1)
		n = 1;
	tg_nthreads = n;
	omp_set_num_threads(n);
#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
	openblas_set_num_threads(n);
#endif
	return n;
}

int
tg_threads_env(int *n, tg_error *err)
{
	const char *s = getenv("TAMGA_THREADS");
	int64_t v = 0;

	*n = 0;
	if (s == NULL || *s == '\0')
		return TG_OK;
	if (tg_parse_int("TAMGA_THREADS", s, 1, TG_THREADS_MAX, &v, err) != TG_OK) {
		tg_error_hint(err, "set TAMGA_THREADS to a thread count from 1 to %d, or unset it to use every core",
		    TG_THREADS_MAX);
		return TG_ERR;
	}
	*n = (int)v;
	return TG_OK;
}

int
tg_threads_init(void)
{
	int v;
	long n;

	/* an invalid TAMGA_THREADS counts as unset here; the programs check it first with tg_threads_env */
	n = tg_threads_env(&v, NULL) == TG_OK ? v : 0;
	if (n < 1) {
		n = sysconf(_SC_NPROCESSORS_ONLN);
		if (n < 1)
			n = 1;
	}
	return tg_threads_set((int)n);
}

int
tg_threads_get(void)
{
	if (tg_nthreads == 0)
		tg_threads_init();
	return tg_nthreads;
}

int
tg_blas_parallel_kind(void)
{
#ifdef HAVE_OPENBLAS_GET_PARALLEL
	return openblas_get_parallel();
#else
	return -1;
#endif
}

const char *
tg_blas_info(void)
{
	static char buf[160];
	static const char *kinds[] = { "sequential", "pthreads", "openmp" };
	int k = tg_blas_parallel_kind();
	const char *core = "unknown";

#ifdef HAVE_OPENBLAS_GET_CORENAME
	core = openblas_get_corename();
#endif
	snprintf(buf, sizeof buf, "GEMM %s; OpenBLAS %s (%s); %d threads", tg_gemm_backend_name(tg_gemm_backend_get()),
	    core, k >= 0 && k <= 2 ? kinds[k] : "unknown threading", tg_threads_get());
	return buf;
}
