/* Private helpers shared by the readers in src/data: string pool, file slurping, line iteration, dataset growth. */
#ifndef TG_DATA_INTERNAL_H
#define TG_DATA_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include "data/data.h"

/* io.c: a pool of memory blocks freed together; whole files are adopted as blocks and parsed in place. */
typedef struct tg_pool_block {
	struct tg_pool_block *next;
	size_t used, size;
	char  *mem;                 /* == data for owned blocks; an adopted buffer otherwise */
	int    adopted;
} tg_pool_block;

typedef struct tg_pool {
	tg_pool_block *head;
} tg_pool;

tg_pool *tg_pool_new(void);
void     tg_pool_free(tg_pool *p);
void    *tg_pool_alloc(tg_pool *p, size_t n);
char    *tg_pool_strndup(tg_pool *p, const char *s, size_t n);
char    *tg_pool_strdup(tg_pool *p, const char *s);
void     tg_pool_adopt(tg_pool *p, char *buf, size_t size);

/* Read a whole file (NUL-terminated, one spare byte); checks UTF-8 and NUL bytes, skips a leading BOM (*start).
 * Errors: "path: cannot open: why", "path:LINE: invalid UTF-8 (byte 0xNN at column C)". */
int tg_file_slurp(const char *path, char **buf, size_t *len, char **start, tg_error *err);

/* Lines of a buffer, NUL-terminated in place; a CR before LF is dropped. */
typedef struct tg_lineit {
	char   *p, *end;
	int64_t line;               /* number of the line last returned (1-based) */
} tg_lineit;

static inline void
tg_lineit_init(tg_lineit *it, char *start, char *end)
{
	it->p = start;
	it->end = end;
	it->line = 0;
}
char *tg_lineit_next(tg_lineit *it, size_t *len);   /* NULL at the end */

/* Error helper: "path:line: message" (line <= 0: "path: message"). */
int tg_error_at(tg_error *err, const char *path, int64_t line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* dataset.c: creation and growth. flags choose the per-example arrays. */
enum {
	TG_DSF_A = 1, TG_DSF_B = 2, TG_DSF_EN = 4, TG_DSF_ID = 8, TG_DSF_LABEL = 16, TG_DSF_SCORE = 32,
	TG_DSF_CHOICE = 64
};
tg_dataset *tg_dataset_new(tg_ds_kind kind, const char *path, int flags, int n_choices);
/* A new dataset that holds the bytes of the file path (its pool keeps them) and *it set to walk their lines; NULL
 * (err set) when the file cannot be read. */
tg_dataset *tg_dataset_from_file(const char *path, tg_ds_kind kind, int flags, int n_choices, tg_lineit *it,
                                 tg_error *err);
int64_t     tg_dataset_push(tg_dataset *ds, int64_t line);              /* new example index */
void        tg_dataset_push_word(tg_dataset *ds, char *word, int32_t tag);
void        tg_dataset_end_sentence(tg_dataset *ds, int64_t line);      /* closes a sentence of pushed words */
tg_labels  *tg_labels_for(const tg_read_opts *opts, const char *const *std, int n_std, int *grow);

/* read-log.c: reader helpers. A token holding an invisible format character is named in opts->log (kept);
 * a sentence left out by a lenient read is counted in ds->n_skipped and its error (e) goes to opts->log. */
void tg_read_check_token(const tg_read_opts *opts, const char *path, int64_t line, const char *tok);
void tg_read_skip(const tg_read_opts *opts, tg_dataset *ds, const tg_error *e);

/* csv-based readers: open a comma-separated file with a header line (its bytes adopted by ds's pool; c set past the
 * header) and return the header's field count, or -1 (err set); find a column in the header by name, -1 (err set)
 * when it is missing. */
int tg_csv_open(tg_dataset *ds, tg_csv *c, const char *path, tg_error *err);
int tg_csv_column(tg_csv *c, const char *name, tg_error *err);

#endif
