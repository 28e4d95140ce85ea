/* Utilities shared by every layer of the engine: errors, allocation, threads, random numbers, timing.
 *
 *   error.c    tg_error: status + one-line message naming the object and the fix
 *   xmalloc.c  small bookkeeping allocations that abort on failure; aligned tensor memory that does not
 *   threads.c  one thread count for tamga's OpenMP loops and OpenBLAS together
 *   rng.c      counter-based random numbers (reproducible under any thread count)
 *   timer.c    monotonic clock
 *   file.c     opening input files: regular files only (a FIFO would block open() for ever); creating folders
 *   parse.c    strict numbers and lists from options, environment variables and config fields; "did you mean"
 */
#ifndef TG_UTIL_H
#define TG_UTIL_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <stdarg.h>

#define TG_OK 0
#define TG_ERR (-1)

/* An error filled by a failing call. Every engine function that can fail takes a tg_error * (which may be NULL)
 * and returns TG_ERR or NULL; the message is one line: "what: why (values)"; an optional hint says how to fix it. */
typedef struct tg_error {
	int  code;          /* 0 = no error */
	char msg[512];
	char hint[256];
} tg_error;

enum { TG_E_NONE = 0, TG_E_ARG, TG_E_SHAPE, TG_E_NOMEM, TG_E_IO, TG_E_FORMAT, TG_E_STATE, TG_E_NUMERIC };

/* error.c */
int  tg_error_set(tg_error *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int  tg_error_hint(tg_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tg_error_clear(tg_error *err);
const char *tg_shape_str(char *buf, size_t n, int ndim, const int64_t *shape);

/* xmalloc.c */
void *tg_xmalloc(size_t n);
void *tg_xcalloc(size_t n, size_t size);
void *tg_xrealloc(void *p, size_t n);
char *tg_xstrdup(const char *s);
int   tg_xasprintf(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void *tg_aligned_alloc(size_t nbytes);          /* 64-byte aligned; NULL on failure (never aborts) */
void  tg_aligned_free(void *p);

/* threads.c */
#define TG_THREADS_MAX 1024
int  tg_threads_init(void);          /* reads TAMGA_THREADS (default: online cores); returns the count */
int  tg_threads_env(int *n, tg_error *err);   /* TAMGA_THREADS checked strictly: *n = 0 when unset; TG_ERR if bad */
int  tg_threads_set(int n);          /* sets tamga's OpenMP threads and OpenBLAS's threads together */
int  tg_threads_get(void);
const char *tg_blas_info(void);      /* "OpenBLAS <core> (openmp|pthreads|sequential), N threads" */
int  tg_blas_parallel_kind(void);    /* 0 sequential, 1 pthreads, 2 openmp, -1 unknown */

/* rng.c: counter-based generator (SplitMix64 / Philox-like hashing) so that element i of a stream is a pure
 * function of (seed, stream, i): dropout masks replay exactly in backward and threads cannot change results. */
uint64_t tg_hash64(uint64_t x);
static inline float tg_u01(uint64_t seed, uint64_t i)      /* uniform in [0,1) */
{
	return (float)(tg_hash64(seed ^ tg_hash64(i + 0x9e3779b97f4a7c15ull)) >> 40) * (1.0f / 16777216.0f);
}
typedef struct tg_rng { uint64_t s[4]; } tg_rng;          /* xoshiro256** for sequential sampling */
void     tg_rng_seed(tg_rng *r, uint64_t seed);
uint64_t tg_rng_next(tg_rng *r);
double   tg_rng_uniform(tg_rng *r);                        /* [0,1) */
double   tg_rng_normal(tg_rng *r);
uint64_t tg_rng_below(tg_rng *r, uint64_t n);              /* uniform in [0,n) */

/* timer.c */
double tg_now(void);                 /* seconds, monotonic */

/* file.c: open a file tamga reads (weights, config, tokenizer, adapter, checkpoint, data) for reading; anything but a
 * regular file (FIFO, device, folder) is refused without blocking: "PATH: cannot open: a FIFO (named pipe)".
 * tg_json_load_file is json_load_file with that check (je->line -1 and je->text "unable to open ..." on failure). */
struct json_t;
struct json_error_t;
int   tg_open_regular(const char *path, tg_error *err);                 /* a descriptor, or -1 */
FILE *tg_fopen_regular(const char *path, tg_error *err);                /* "rb", or NULL */
struct json_t *tg_json_load_file(const char *path, size_t flags, struct json_error_t *je);
/* The whole regular file, NUL-terminated (*len bytes before the NUL), or NULL: "PATH: cannot open: ...", "PATH: read
 * error". */
char *tg_read_file(const char *path, size_t *len, tg_error *err);
/* file.c: create a folder and its missing parents (mkdir -p) with mode; 0, or -1 with errno set. */
int   tg_mkdirs(const char *path, int mode);
/* parse.c: the whole string must be the value, in range; on failure err says "WHAT: 'S' is not an integer (LO..HI)"
 * or "WHAT: S is out of range (...)". WHAT names the source: "option '--batch'", "TAMGA_THREADS". Integers take
 * digits or an exact whole number with an exponent ("1e4"); doubles take decimal notation only (no nan, inf, hex). */
enum { TG_PARSE_LO_OPEN = 1, TG_PARSE_HI_OPEN = 2 };           /* exclusive bounds for tg_parse_double */
int tg_parse_int(const char *what, const char *s, int64_t lo, int64_t hi, int64_t *out, tg_error *err);
int tg_parse_double(const char *what, const char *s, double lo, double hi, int flags, double *out, tg_error *err);
/* Split s at commas in place (spaces around items dropped) into items[0..max); empty items ("a,,b", ",,,", "") are refused. Returns n or TG_ERR. */
int tg_parse_list(const char *what, char *s, const char **items, int max, tg_error *err);
/* parse.c: the index of the string s among v[0..n), or -1. */
int tg_str_index(char *const *v, int n, const char *s);
int tg_edit_distance(const char *a, const char *b);
/* The candidate closest to word within a couple of edits, or NULL. n < 0: cand is NULL-terminated. */
const char *tg_suggest(const char *word, const char *const *cand, int n);

/* order.c: indices 0..n-1 by len[] descending, ties by index (malloc'd; free it) */
int64_t *tg_length_order(const int *len, int64_t n);

#endif
