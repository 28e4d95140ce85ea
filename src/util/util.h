/* Utilities shared by every layer of the engine: errors, allocation, threads, random numbers, timing.
 *
 *   error.c    tg_error: status + one-line message naming the object and the fix
 *   xmalloc.c  small bookkeeping allocations that abort on failure; aligned tensor memory that does not
 *   threads.c  one thread count for tamga's OpenMP loops and OpenBLAS together
 *   rng.c      counter-based random numbers (reproducible under any thread count)
 *   timer.c    monotonic clock
 *   host.c     this machine's name (runs record it, sweeps compare it)
 *   file.c     opening input files: regular files only (a FIFO would block open() for ever); creating folders
 *   parse.c    strict numbers and lists from options, environment variables and config fields; "did you mean"
 *   event.c    events: how the engine reports progress and notes (warnings) to whoever drives it; the engine
 *              itself never writes to stdout or stderr (tests/arch/t-silent.sh)
 *   eta.c      the one remaining-time estimate: a moving window of step times plus the evaluations still to come
 */
#ifndef TG_UTIL_H
#define TG_UTIL_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdbool.h>

#define TG_OK 0
#define TG_ERR (-1)

/* An error filled by a failing call. Every engine function that can fail takes a tg_error * (which may be NULL)
 * and returns TG_ERR or NULL; the message is one line: "what: why (values)"; an optional hint says how to fix it. */
typedef struct tg_error {
	int  code;          /* 0 = no error */
	char msg[512];
	char hint[256];
} tg_error;

enum { TG_E_NONE = 0, TG_E_ARG, TG_E_SHAPE, TG_E_NOMEM, TG_E_IO, TG_E_FORMAT, TG_E_STATE, TG_E_NUMERIC, TG_E_CANCELLED };

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
void  tg_strv_free(char **v, int64_t n);        /* free v[0..n) and v itself (v may be NULL) */
int   tg_xasprintf(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void *tg_aligned_alloc(size_t nbytes);          /* 64-byte aligned; NULL on failure (never aborts) */
void  tg_aligned_free(void *p);

/* event.c: the engine's observer. Long operations (training, pretraining, an experiment) take a tg_observer and
 * report structured events through it; code without one (model loading, backend selection) reports notes to the
 * process's default observer, which front ends set (the CLI prints, the workbench's worker logs with a severity,
 * Lua prints or hands them to a callback). Without any observer an event is dropped: the engine is silent. */
typedef enum { TG_SEV_INFO, TG_SEV_WARNING, TG_SEV_ERROR } tg_severity;
typedef enum {
	TG_EV_NOTE,          /* severity + msg: one line for the user, no newline */
	TG_EV_STEP,          /* a training step: step/total, epoch, loss, lr, grad_norm, tokens_per_s, elapsed_s, eta_s */
	TG_EV_EVAL_BEGIN,    /* an evaluation at step: set 0 of n_sets */
	TG_EV_EVAL_PROGRESS, /* evaluating lang/split (set i of n_sets): done of items examples */
	TG_EV_EVAL_END,      /* the evaluation is done: score [ci_lo, ci_hi] of the source (lang), best, elapsed_s */
	TG_EV_CHECKPOINT     /* a checkpoint written to path at step */
} tg_event_kind;

typedef struct tg_event {
	tg_event_kind kind;
	tg_severity   severity;        /* NOTE (the others are TG_SEV_INFO) */
	const char   *what;            /* who speaks: "train", "pretrain micro", "run 12", a file, ... (may be NULL) */
	const char   *msg;             /* NOTE */
	int64_t       step, total;     /* STEP, EVAL_*, CHECKPOINT */
	int           epoch;           /* STEP: 0-based */
	double        loss, lr, grad_norm, tokens_per_s, elapsed_s, eta_s;   /* eta_s: NaN when unknown */
	bool          skipped;         /* STEP: the update was not applied (NaN/Inf) */
	const char   *lang, *split, *metric;   /* EVAL_*: the set */
	int           set, n_sets;     /* EVAL_*: set i of n (0-based) */
	int64_t       done, items;     /* EVAL_PROGRESS: examples (sequences) done of items */
	double        score, ci_lo, ci_hi;     /* EVAL_END: the source score */
	bool          best;            /* EVAL_END: best so far */
	const char   *path;            /* CHECKPOINT */
} tg_event;

typedef void (*tg_event_fn)(void *ud, const tg_event *ev);
typedef struct tg_observer {
	tg_event_fn fn;
	void       *ud;
} tg_observer;

/* Hand ev to o (o NULL or without fn: to the default observer; none: dropped). ev->what etc. live for the call. */
void tg_emit(const tg_observer *o, const tg_event *ev);
/* A NOTE event with a formatted message. */
void tg_notef(const tg_observer *o, tg_severity sev, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The process's default observer (for notes from code that has no observer); fn NULL: none. Returns the old one. */
tg_observer tg_observer_set_default(tg_event_fn fn, void *ud);
const char *tg_severity_name(tg_severity s);    /* "info", "warning", "error" */

/* eta.c: remaining time = (steps left) x (median of the last window step times) + (evaluations left) x (mean
 * measured evaluation cost; before the first one, an estimate from the step time). Steps and evaluations are fed
 * as they happen; the same estimate serves the CLI, Lua and the workbench (it is stored with the run). */
#define TG_ETA_WINDOW 32
typedef struct tg_eta {
	double  win[TG_ETA_WINDOW];    /* the last step durations (seconds, evaluation time excluded) */
	int     n_win, head;
	int64_t n_evals;               /* evaluations measured */
	double  eval_s;                /* their total time */
	double  eval_guess_steps;      /* before any was measured: an evaluation costs this many steps (default 0) */
} tg_eta;
void   tg_eta_init(tg_eta *e);
void   tg_eta_step(tg_eta *e, double seconds);       /* one step took this long */
void   tg_eta_eval(tg_eta *e, double seconds);       /* one evaluation took this long */
/* Seconds left with steps_left steps and evals_left evaluations to come; NaN before the first step. */
double tg_eta_left(const tg_eta *e, int64_t steps_left, int64_t evals_left);

/* threads.c */
#define TG_THREADS_MAX 1024
int  tg_threads_init(void);          /* reads TAMGA_THREADS (default: online cores); returns the count */
int  tg_threads_env(int *n, tg_error *err);   /* TAMGA_THREADS checked strictly: *n = 0 when unset; TG_ERR if bad */
int  tg_threads_set(int n);          /* sets tamga's OpenMP threads and OpenBLAS's threads together */
int  tg_threads_get(void);

/* rng.c: counter-based generator (SplitMix64 / Philox-like hashing) so that element i of a stream is a pure
 * function of (seed, stream, i): dropout masks replay exactly in backward and threads cannot change results. */
uint64_t tg_hash64(uint64_t x);
/* xxh64.c: XXH64 with seed 0, whole or streamed */
typedef struct tg_xxh64 { uint64_t v[4], total; uint8_t buf[32]; size_t nbuf; } tg_xxh64_state;
void     tg_xxh64_init(tg_xxh64_state *s);
void     tg_xxh64_update(tg_xxh64_state *s, const void *data, size_t n);
uint64_t tg_xxh64_final(const tg_xxh64_state *s);
uint64_t tg_xxh64(const void *data, size_t n);
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
/* host.c: this machine's name in buf (n bytes; "?" when unknown), returned */
const char *tg_host_name(char *buf, size_t n);

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
/* parse.c: the non-negative decimal integer that 1 to max_digits (at most 18) digits fill [s, e) with, or -1. */
long tg_parse_digits(const char *s, const char *e, int max_digits);
/* parse.c: the index of the string s among v[0..n), or -1. */
int tg_str_index(char *const *v, int n, const char *s);
int tg_name_index(const char *const *v, int n, const char *s);    /* the same over a constant table of names */
int tg_edit_distance(const char *a, const char *b);
/* The candidate closest to word within a couple of edits, or NULL. n < 0: cand is NULL-terminated. */
const char *tg_suggest(const char *word, const char *const *cand, int n);

/* order.c: indices 0..n-1 by len[] descending, ties by index (malloc'd; free it) */
int64_t *tg_length_order(const int *len, int64_t n);

#endif
