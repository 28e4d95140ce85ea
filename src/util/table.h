/* Report output shared by every writer of tables (analyses, the store's report, the CLI's listings): the four
 * formats, CSV quoting, number cells, JSON numbers and printing, and a small table writer. Everything here writes
 * only to the FILE * it is given. */
#ifndef TG_UTIL_TABLE_H
#define TG_UTIL_TABLE_H

#include <stdio.h>
#include "util/util.h"

struct json_t;

typedef enum { TG_OUT_TEXT = 0, TG_OUT_MD, TG_OUT_CSV, TG_OUT_JSON } tg_out_format;

int  tg_out_format_parse(const char *name);          /* "text", "md"/"markdown", "csv", "json"; -1 when unknown */
void tg_out_csv_str(FILE *f, const char *s);          /* quoted when needed (RFC 4180); NULL writes nothing */
void tg_out_num(FILE *f, double v, int decimals);     /* a CSV number: "%.9g" (decimals < 0) or fixed; NaN -> "" */
/* A number for a text or Markdown table: "-" for NaN, "%.4g" for decimals < 0. */
const char *tg_out_fmt(char *buf, size_t n, double v, int decimals);
/* TG_OK, or TG_E_IO "WHAT: write error" when f has an error. */
int tg_out_status(FILE *f, const char *what, tg_error *err);

/* A JSON number; NaN and infinities (which JSON cannot hold) become null. */
struct json_t *tg_json_num(double v);
/* An interval [lo, hi] as a JSON array of two numbers (tg_json_num each). */
struct json_t *tg_json_interval(double lo, double hi);
/* A JSON string; NULL becomes null. */
struct json_t *tg_json_str(const char *s);
/* Print root (one-space indent, keys in order, `precision` significant digits) and a newline; releases root. */
void tg_json_print(FILE *f, struct json_t *root, int precision);

/* A small table: typed columns, filled cell by cell, row by row, and written as
 *   text      a title line, then header and rows with the columns' widths (negative width: left aligned),
 *   Markdown  "**title**", a pipe table (numbers right aligned),
 *   CSV       header and rows (strings quoted when needed, numbers "%.9g", NaN empty),
 *   JSON      an array of objects keyed by the column names (NaN null).
 * Text and Markdown show numbers with the column's decimals (tg_out_fmt). */
typedef struct tg_table_col {
	const char *name;
	int         width;       /* text: printf width; negative = left aligned */
	int         decimals;    /* numbers in text and Markdown; -1 = "%.4g" */
	int         is_num;      /* a number column (right aligned in Markdown, a JSON number) */
} tg_table_col;

typedef struct tg_table tg_table;

tg_table *tg_table_new(const char *title, const tg_table_col *cols, int ncols);
void      tg_table_free(tg_table *t);
void      tg_table_str(tg_table *t, const char *s);   /* the next cell (a copy is kept) */
void      tg_table_num(tg_table *t, double v);
/* JSON numbers with `precision` significant digits. Errors: an unknown format, a write error ("WHAT: ..."). */
int       tg_table_write(FILE *f, tg_out_format fmt, const tg_table *t, int precision, const char *what,
                         tg_error *err);

#endif
