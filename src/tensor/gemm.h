/* Matrix products: one entry point for every single-precision GEMM tamga runs, so the library that does the work
 * is chosen in one place. Row-major, with the CBLAS transpose flags.
 *
 * Backends: oneDNN (dnnl_sgemm; picks AVX-512/AVX2 kernels from cpuid at run time) when tamga was configured with
 * it, else OpenBLAS (cblas_sgemm; its kernels follow OPENBLAS_CORETYPE). TAMGA_GEMM=openblas|onednn chooses at
 * start-up; tg_gemm_set_backend() at run time. Both run on the same OpenMP pool as tamga's own loops (the thread
 * count is tg_threads_set's). Called inside an OpenMP parallel region, both run single-threaded. */
#ifndef TG_GEMM_H
#define TG_GEMM_H
#include <stdbool.h>
#include <stdint.h>
#include <cblas.h>

typedef enum { TG_GEMM_OPENBLAS = 0, TG_GEMM_ONEDNN = 1 } tg_gemm_backend;

/* C (M x N) = alpha op(A) op(B) + beta C; A is M x K after op, B is K x N after op. */
void tg_sgemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int M, int N, int K, float alpha, const float *A, int lda,
    const float *B, int ldb, float beta, float *C, int ldc);

/* y (N x out) = x (N x in) W^T + b (W is out x in, row-major; b may be NULL), then GELU (erf) when gelu is set:
 * one pass over y, with the bias and the activation applied in the GEMM's epilogue (oneDNN's matmul primitive).
 * Returns false, having written nothing, when the backend cannot do it (OpenBLAS, or oneDNN refused): the caller
 * then runs tg_sgemm and its own bias and activation. */
bool tg_linear_fused(const float *x, const float *W, const float *b, float *y, int N, int in, int out, bool gelu);

/* C (M x N) = A B [+ C when beta != 0] [+ bias] [then GELU], BF16 operands with FP32 accumulation and an FP32
 * result: A is M x K row-major; B is K x N row-major, or N x K row-major when btrans. bias (N floats) may be NULL;
 * gelu and beta != 0 are not combined. oneDNN's BF16 matmul (AVX512_BF16 dot products) when the CPU has them;
 * otherwise the same product from the widened values through tg_sgemm (same numbers up to summation order).
 * Returns false only when memory ran out. Deterministic for a fixed thread count. */
bool tg_gemm_bf16(int M, int N, int K, const uint16_t *A, const uint16_t *B, bool btrans, const float *bias,
    bool gelu, float beta, float *C);

/* Signals and oneDNN. oneDNN 2.6's AVX-512 f32 GEMM kernels point the stack pointer into the heap while they run,
 * so a signal handler that runs then writes its frame over heap memory (oneDNN issue #4845, fixed upstream in
 * 3.11.2; Debian 12 ships 2.6.3). tamga therefore keeps asynchronous signals blocked while its threads run oneDNN
 * code: OpenMP worker threads block them for good (the process's signals go to the main thread), and the calling
 * thread blocks them around each call or around a whole parallel region (tg_gemm_guard_enter/leave, which nest).
 * A signal that arrives meanwhile is delivered when the call returns. */
void tg_gemm_guard_enter(void);
void tg_gemm_guard_leave(void);
/* Blocks asynchronous signals in every OpenMP worker thread (creating the pool if needed). The first guard after a
 * change of thread count calls it: not earlier, because a process that has started OpenMP threads cannot fork a
 * child that uses OpenMP (libgomp's pool does not survive fork), and tamga sweep forks its workers. */
void tg_gemm_prepare_threads(void);

tg_gemm_backend tg_gemm_backend_get(void);
/* Returns false (and changes nothing) when the backend was not built in. */
bool tg_gemm_set_backend(tg_gemm_backend b);
/* Parses "openblas" / "onednn"; returns false for anything else. */
bool tg_gemm_backend_parse(const char *s, tg_gemm_backend *out);
const char *tg_gemm_backend_name(tg_gemm_backend b);
bool tg_gemm_have_onednn(void);

/* What runs the GEMMs, for --version, bench and selfcheck: "GEMM <backend>; OpenBLAS <core> (openmp|pthreads|
 * sequential); N threads"; and OpenBLAS's threading: 0 sequential, 1 pthreads, 2 openmp, -1 unknown. */
const char *tg_blas_info(void);
int  tg_blas_parallel_kind(void);

#endif
