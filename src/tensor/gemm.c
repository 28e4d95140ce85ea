/* tg_sgemm: the one place where tamga calls a GEMM library (see gemm.h). */
#include "config.h"
#include <math.h>
#include <omp.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gemm.h"
#include "util/util.h"
#include "tensor.h"
#ifdef HAVE_ONEDNN
#include <oneapi/dnnl/dnnl.h>
#endif

static int backend = -1;   /* -1: not chosen yet */

/* ---- signals (see gemm.h) ----------------------------------------------------------------------------------- */
static __thread int guard_depth;       /* > 0: this thread has asynchronous signals blocked by a guard */
static __thread sigset_t guard_saved;  /* its mask before the outermost guard */
static __thread bool guard_worker;     /* an OpenMP worker: signals blocked for good */
static int threads_prepared = -1;      /* the thread count the pool was prepared for */

static void
async_signals(sigset_t *set)
{
	sigfillset(set);
	/* synchronous signals cannot wait; SIGABRT must stay deliverable to the thread that aborts */
	sigdelset(set, SIGSEGV);
	sigdelset(set, SIGBUS);
	sigdelset(set, SIGFPE);
	sigdelset(set, SIGILL);
	sigdelset(set, SIGTRAP);
	sigdelset(set, SIGSYS);
	sigdelset(set, SIGABRT);
}

static void forked_child(void);

static void
register_atfork(void)
{
	pthread_atfork(NULL, NULL, forked_child);
}

static void
forked_child(void)
{
	threads_prepared = -1;   /* a child starts a pool of its own: prepare that one when it is used */
}

void
tg_gemm_prepare_threads(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	sigset_t set, old;
	int n = omp_get_max_threads();

	if (omp_in_parallel())
		return;
	pthread_once(&once, register_atfork);
	async_signals(&set);
	/* workers created by this region inherit the blocked mask; existing ones block it themselves */
	pthread_sigmask(SIG_BLOCK, &set, &old);
#pragma omp parallel
	{
		if (omp_get_thread_num() != 0) {
			pthread_sigmask(SIG_BLOCK, &set, NULL);
			guard_worker = true;
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	threads_prepared = n;
}

void
tg_gemm_guard_enter(void)
{
	sigset_t set;

	if (guard_worker)
		return;
	if (guard_depth++ == 0) {
		if (threads_prepared != omp_get_max_threads() && !omp_in_parallel())
			tg_gemm_prepare_threads();
		async_signals(&set);
		pthread_sigmask(SIG_BLOCK, &set, &guard_saved);
	}
}

void
tg_gemm_guard_leave(void)
{
	if (guard_worker)
		return;
	if (--guard_depth == 0)
		pthread_sigmask(SIG_SETMASK, &guard_saved, NULL);
}

bool
tg_gemm_have_onednn(void)
{
#ifdef HAVE_ONEDNN
	return true;
#else
	return false;
#endif
}

bool
tg_gemm_backend_parse(const char *s, tg_gemm_backend *out)
{
	if (strcmp(s, "openblas") == 0)
		*out = TG_GEMM_OPENBLAS;
	else if (strcmp(s, "onednn") == 0 || strcmp(s, "dnnl") == 0)
		*out = TG_GEMM_ONEDNN;
	else
		return false;
	return true;
}

static void
choose(void)
{
	const char *s = getenv("TAMGA_GEMM");
	tg_gemm_backend b = tg_gemm_have_onednn() ? TG_GEMM_ONEDNN : TG_GEMM_OPENBLAS;

	if (s != NULL && *s != '\0') {
		tg_gemm_backend want;
		if (!tg_gemm_backend_parse(s, &want))
			tg_notef(NULL, TG_SEV_WARNING, NULL, "TAMGA_GEMM='%s' is not a GEMM backend; using %s (set openblas or "
			    "onednn)", s, tg_gemm_backend_name(b));
		else if (want == TG_GEMM_ONEDNN && !tg_gemm_have_onednn())
			tg_notef(NULL, TG_SEV_WARNING, NULL, "TAMGA_GEMM=onednn, but this tamga was built without oneDNN; using "
			    "OpenBLAS (Debian: apt-get install libdnnl-dev, then configure again)");
		else
			b = want;
	}
	backend = (int)b;
}

tg_gemm_backend
tg_gemm_backend_get(void)
{
	if (backend < 0)
		choose();
	return (tg_gemm_backend)backend;
}

bool
tg_gemm_set_backend(tg_gemm_backend b)
{
	if (b == TG_GEMM_ONEDNN && !tg_gemm_have_onednn())
		return false;
	backend = (int)b;
	return true;
}

const char *
tg_gemm_backend_name(tg_gemm_backend b)
{
	return b == TG_GEMM_ONEDNN ? "oneDNN" : "OpenBLAS";
}

void
tg_sgemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int M, int N, int K, float alpha, const float *A, int lda,
    const float *B, int ldb, float beta, float *C, int ldc)
{
	if (M <= 0 || N <= 0)
		return;
#ifdef HAVE_ONEDNN
	if (K > 0 && tg_gemm_backend_get() == TG_GEMM_ONEDNN) {
		dnnl_status_t st;
		tg_gemm_guard_enter();
		st = dnnl_sgemm(ta == CblasTrans ? 'T' : 'N', tb == CblasTrans ? 'T' : 'N', M, N, K, alpha, A, lda, B,
		    ldb, beta, C, ldc);
		tg_gemm_guard_leave();
		if (st == dnnl_success)
			return;
	}
#endif
	cblas_sgemm(CblasRowMajor, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

#ifdef HAVE_ONEDNN
/* Matmul primitives are built (JIT-compiled) once per shape and kept: creating one costs about a millisecond, so
 * only products of at least MM_MIN_FLOPS take this path. The cache is shared by all threads; a new shape replaces
 * the least recently used idle entry (a primitive another thread is executing is never destroyed). */
#define MM_CACHE 256
#define MM_MIN_FLOPS 5e7

typedef struct mm_entry {
	int N, in, out;
	bool bias, gelu;
	int kind;          /* 0: f32 linear (x W^T); 1: bf16 x bf16 -> f32 (tg_gemm_bf16) */
	bool btrans, sum;
	int busy;
	uint64_t used;
	dnnl_primitive_t prim;
	dnnl_memory_desc_t xmd, wmd, bmd, ymd;
} mm_entry;

static pthread_mutex_t mm_lock = PTHREAD_MUTEX_INITIALIZER;
static mm_entry mm_cache[MM_CACHE];
static uint64_t mm_clock;
static dnnl_engine_t mm_engine;
static bool mm_broken;   /* the engine could not be created: never try again */

/* One matmul primitive for an entry's shape: FP32 x (N x in) times W^T with W (out x in) row-major, or (kind 1) BF16
 * A times B or B^T into FP32. A transposed weights matrix (out x in) row-major is the (in x out) one with strides
 * (1, in). */
static dnnl_primitive_t
mm_build(mm_entry *e)
{
	dnnl_dims_t xd = { e->N, e->in }, wd = { e->in, e->out }, wst = { 1, e->in }, bd = { 1, e->out },
	    yd = { e->N, e->out };
	dnnl_data_type_t dt = e->kind == 1 ? dnnl_bf16 : dnnl_f32;
	bool wtrans = e->kind == 0 || e->btrans;
	dnnl_matmul_desc_t md;
	dnnl_primitive_attr_t attr = NULL;
	dnnl_post_ops_t po = NULL;
	dnnl_primitive_desc_t pd = NULL;
	dnnl_primitive_t prim = NULL;

	if (dnnl_memory_desc_init_by_tag(&e->xmd, 2, xd, dt, dnnl_ab) != dnnl_success ||
	    (wtrans ? dnnl_memory_desc_init_by_strides(&e->wmd, 2, wd, dt, wst) :
	    dnnl_memory_desc_init_by_tag(&e->wmd, 2, wd, dt, dnnl_ab)) != dnnl_success ||
	    dnnl_memory_desc_init_by_tag(&e->bmd, 2, bd, dnnl_f32, dnnl_ab) != dnnl_success ||
	    dnnl_memory_desc_init_by_tag(&e->ymd, 2, yd, dnnl_f32, dnnl_ab) != dnnl_success ||
	    dnnl_matmul_desc_init(&md, &e->xmd, &e->wmd, e->bias ? &e->bmd : NULL, &e->ymd) != dnnl_success ||
	    dnnl_primitive_attr_create(&attr) != dnnl_success)
		return NULL;
	if ((e->gelu || e->sum) && (dnnl_post_ops_create(&po) != dnnl_success ||
	    (e->sum && dnnl_post_ops_append_sum(po, 1.0f) != dnnl_success) ||
	    (e->gelu && dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_gelu_erf, 0.0f, 0.0f) != dnnl_success) ||
	    dnnl_primitive_attr_set_post_ops(attr, po) != dnnl_success))
		goto out;
	if (dnnl_primitive_desc_create(&pd, &md, attr, mm_engine, NULL) == dnnl_success) {
		/* BF16: a reference (non-JIT) implementation would be far slower than FP32: only brgemm/JIT kernels */
		const char *impl = NULL;
		if (e->kind != 1 || (dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl) == dnnl_success &&
		    impl != NULL && strstr(impl, "ref") == NULL))
			dnnl_primitive_create(&prim, pd);
	}
out:
	if (pd != NULL)
		dnnl_primitive_desc_destroy(pd);
	if (po != NULL)
		dnnl_post_ops_destroy(po);
	dnnl_primitive_attr_destroy(attr);
	return prim;
}

/* Finds or builds the primitive for a shape and marks it busy; returns a copy of the entry, or NULL. */
static mm_entry *
mm_get(int N, int in, int out, bool bias, bool gelu, int kind, bool btrans, bool sum, mm_entry *copy)
{
	mm_entry *e = NULL, *lru = NULL;
	int i;

	pthread_mutex_lock(&mm_lock);
	if (mm_engine == NULL && !mm_broken && dnnl_engine_create(&mm_engine, dnnl_cpu, 0) != dnnl_success)
		mm_broken = true;
	for (i = 0; i < MM_CACHE && !mm_broken; i++) {
		mm_entry *c = &mm_cache[i];
		if (c->prim != NULL && c->N == N && c->in == in && c->out == out && c->bias == bias && c->gelu == gelu &&
		    c->kind == kind && c->btrans == btrans && c->sum == sum) {
			e = c;
			break;
		}
		if (c->busy == 0 && (lru == NULL || c->used < lru->used))
			lru = c;
	}
	if (e == NULL && lru != NULL && !mm_broken) {
		mm_entry fresh = { .N = N, .in = in, .out = out, .bias = bias, .gelu = gelu, .kind = kind,
		    .btrans = btrans, .sum = sum };
		if ((fresh.prim = mm_build(&fresh)) != NULL) {
			if (lru->prim != NULL)
				dnnl_primitive_destroy(lru->prim);
			*lru = fresh;
			e = lru;
		}
	}
	if (e != NULL) {
		e->used = ++mm_clock;
		e->busy++;
		*copy = *e;
	}
	pthread_mutex_unlock(&mm_lock);
	return e;
}

static void
mm_put(mm_entry *e)
{
	pthread_mutex_lock(&mm_lock);
	e->busy--;
	pthread_mutex_unlock(&mm_lock);
}

/* Runs the primitive of e (a copy of slot, from mm_get) on x, w, b (or NULL) into y, then gives slot back. */
static bool
mm_exec(mm_entry *slot, const mm_entry *e, const void *x, const void *w, const float *b, float *y)
{
	dnnl_stream_t stream = NULL;   /* one per call: streams are not thread-safe, and creating one is cheap */
	dnnl_memory_t xm = NULL, wm = NULL, bm = NULL, ym = NULL;
	bool ok = false;

	if (dnnl_stream_create(&stream, mm_engine, dnnl_stream_default_flags) != dnnl_success) {
		mm_put(slot);
		return false;
	}
	if (dnnl_memory_create(&xm, &e->xmd, mm_engine, (void *)x) == dnnl_success &&
	    dnnl_memory_create(&wm, &e->wmd, mm_engine, (void *)w) == dnnl_success &&
	    (b == NULL || dnnl_memory_create(&bm, &e->bmd, mm_engine, (void *)b) == dnnl_success) &&
	    dnnl_memory_create(&ym, &e->ymd, mm_engine, y) == dnnl_success) {
		dnnl_exec_arg_t args[4] = { { DNNL_ARG_SRC, xm }, { DNNL_ARG_WEIGHTS, wm }, { DNNL_ARG_DST, ym },
		    { DNNL_ARG_BIAS, bm } };
		tg_gemm_guard_enter();
		ok = dnnl_primitive_execute(e->prim, stream, b != NULL ? 4 : 3, args) == dnnl_success &&
		    dnnl_stream_wait(stream) == dnnl_success;
		tg_gemm_guard_leave();
	}
	if (xm != NULL)
		dnnl_memory_destroy(xm);
	if (wm != NULL)
		dnnl_memory_destroy(wm);
	if (bm != NULL)
		dnnl_memory_destroy(bm);
	if (ym != NULL)
		dnnl_memory_destroy(ym);
	dnnl_stream_destroy(stream);
	mm_put(slot);
	return ok;
}
#endif

bool
tg_linear_fused(const float *x, const float *W, const float *b, float *y, int N, int in, int out, bool gelu)
{
#ifdef HAVE_ONEDNN
	mm_entry e, *slot;

	if (N <= 0 || in <= 0 || out <= 0 || 2.0 * N * in * out < MM_MIN_FLOPS ||
	    tg_gemm_backend_get() != TG_GEMM_ONEDNN || (slot = mm_get(N, in, out, b != NULL, gelu, 0, false, false, &e)) == NULL)
		return false;
	return mm_exec(slot, &e, x, W, b, y);
#else
	(void)x, (void)W, (void)b, (void)y, (void)N, (void)in, (void)out, (void)gelu;
	return false;
#endif
}

/* ---- what runs the GEMMs: the backend and OpenBLAS's build ----------------------------------------------------- */
#ifdef HAVE_OPENBLAS_GET_PARALLEL
int openblas_get_parallel(void);
#endif
#ifdef HAVE_OPENBLAS_GET_CORENAME
char *openblas_get_corename(void);
#endif

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

/* ---- BF16 products (tg_gemm_bf16) ---------------------------------------------------------------------------- */
#ifdef HAVE_ONEDNN
static bool
gemm_bf16_onednn(int M, int N, int K, const uint16_t *A, const uint16_t *B, bool btrans, const float *bias,
    bool gelu, bool sum, float *C)
{
	mm_entry e, *slot;

	if ((slot = mm_get(M, K, N, bias != NULL, gelu, 1, btrans, sum, &e)) == NULL)
		return false;
	return mm_exec(slot, &e, A, B, bias, C);
}
#endif

/* Without oneDNN's BF16 kernels: the same product from the BF16 values widened to FP32 (exact), through sgemm. */
static bool
gemm_bf16_widened(int M, int N, int K, const uint16_t *A, const uint16_t *B, bool btrans, const float *bias,
    bool gelu, bool sum, float *C)
{
	size_t ca, cb;
	float *a = tg_mem_alloc((size_t)M * K * sizeof(float), &ca), *b = tg_mem_alloc((size_t)K * N * sizeof(float), &cb);
	int64_t i, j;

	if (a == NULL || b == NULL) {
		tg_mem_free(a, ca);
		tg_mem_free(b, cb);
		return false;
	}
	tg_bf16_to_f32(a, A, (int64_t)M * K);
	tg_bf16_to_f32(b, B, (int64_t)K * N);
	if (bias != NULL && !sum)
		for (i = 0; i < M; i++)
			memcpy(C + i * N, bias, (size_t)N * sizeof(float));
	tg_sgemm(CblasNoTrans, btrans ? CblasTrans : CblasNoTrans, M, N, K, 1.0f, a, K, b, btrans ? K : N,
	    sum || bias != NULL ? 1.0f : 0.0f, C, N);
	if (bias != NULL && sum)
		for (i = 0; i < M; i++)
			for (j = 0; j < N; j++)
				C[i * N + j] += bias[j];
	if (gelu)
		for (i = 0; i < (int64_t)M * N; i++)
			C[i] = 0.5f * C[i] * (1.0f + erff(C[i] * 0.70710678118654752f));
	tg_mem_free(a, ca);
	tg_mem_free(b, cb);
	return true;
}

bool
tg_gemm_bf16(int M, int N, int K, const uint16_t *A, const uint16_t *B, bool btrans, const float *bias, bool gelu,
    float beta, float *C)
{
	bool sum = beta != 0.0f;

	if (M <= 0 || N <= 0)
		return true;
	if (K <= 0) {
		int64_t i, j;
		for (i = 0; i < M; i++)
			for (j = 0; j < N; j++) {
				float v = (sum ? C[i * N + j] : 0.0f) + (bias ? bias[j] : 0.0f);
				C[i * N + j] = gelu ? 0.5f * v * (1.0f + erff(v * 0.70710678118654752f)) : v;
			}
		return true;
	}
#ifdef HAVE_ONEDNN
	if (tg_gemm_backend_get() == TG_GEMM_ONEDNN && tg_cpu_has_bf16() &&
	    gemm_bf16_onednn(M, N, K, A, B, btrans, bias, gelu, sum, C))
		return true;
#endif
	return gemm_bf16_widened(M, N, K, A, B, btrans, bias, gelu, sum, C);
}
