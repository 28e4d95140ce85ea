/* Threads: one setting drives both tamga's OpenMP loops and OpenBLAS, so they never compete for cores. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <omp.h>
#include "util.h"

#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
void openblas_set_num_threads(int);
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
