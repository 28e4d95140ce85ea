/* RFC 4180 CSV records parsed in place: quotes, doubled quotes, embedded delimiters and newlines, BOM, CRLF. */
#include <stdlib.h>
#include <string.h>
#include "data/data-internal.h"

void
tg_csv_init(tg_csv *c, const char *path, char *buf, size_t len, char delim)
{
	memset(c, 0, sizeof *c);
	c->path = path;
	c->p = buf;
	c->end = buf + len;
	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
		c->p += 3;
	c->line = 1;
	c->delim = delim;
}

void
tg_csv_free(tg_csv *c)
{
	free(c->field);
	c->field = NULL;
	c->cap = c->nfield = 0;
}

static void
add_field(tg_csv *c, char *s)
{
	if (c->nfield == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 16;
		c->field = tg_xrealloc(c->field, (size_t)c->cap * sizeof(char *));
	}
	c->field[c->nfield++] = s;
}

static int
is_crlf(const tg_csv *c, const char *p)
{
	return p + 1 < c->end && p[0] == '\r' && p[1] == '\n';
}

int
tg_csv_next(tg_csv *c, tg_error *err)
{
	c->nfield = 0;
	/* skip completely empty lines */
	for (;;) {
		if (c->p >= c->end)
			return 0;
		if (*c->p == '\n') {
			c->p++;
			c->line++;
		} else if (is_crlf(c, c->p)) {
			c->p += 2;
			c->line++;
		} else
			break;
	}
	c->rec_line = c->line;
	for (;;) {
		char *start = c->p, *w;
		char term;

		if (*c->p == '"') {
			int64_t qline = c->line;

			w = start;
			c->p++;
			for (;;) {
				char ch;

				if (c->p >= c->end) {
					tg_error_at(err, c->path, qline, "unterminated quoted field (field %d)", c->nfield + 1);
					return tg_error_hint(err, "a quote inside a quoted field is written as two quotes (\"\")");
				}
				ch = *c->p;
				if (ch == '"') {
					if (c->p + 1 < c->end && c->p[1] == '"') {
						*w++ = '"';
						c->p += 2;
						continue;
					}
					c->p++;
					break;
				}
				if (is_crlf(c, c->p)) {
					*w++ = '\n';
					c->p += 2;
					c->line++;
					continue;
				}
				if (ch == '\n')
					c->line++;
				*w++ = ch;
				c->p++;
			}
			if (c->p < c->end && *c->p != c->delim && *c->p != '\n' && !is_crlf(c, c->p)) {
				tg_error_at(err, c->path, c->line, "unexpected '%c' after the closing quote of field %d",
				    *c->p, c->nfield + 1);
				return tg_error_hint(err, "quote the whole field and double the quotes inside it");
			}
		} else {
			while (c->p < c->end && *c->p != c->delim && *c->p != '\n' && !is_crlf(c, c->p)) {
				if (*c->p == '"') {
					tg_error_at(err, c->path, c->line, "quote inside unquoted field %d", c->nfield + 1);
					return tg_error_hint(err, "quote the field and double the quote: \"say \"\"hi\"\"\"");
				}
				c->p++;
			}
			w = c->p;
		}
		term = c->p < c->end ? *c->p : '\0';
		*w = '\0';
		add_field(c, start);
		if (term == c->delim) {
			c->p++;
			continue;
		}
		if (term == '\r')
			c->p += 2;
		else if (term == '\n')
			c->p++;
		if (term != '\0')
			c->line++;
		return c->nfield;
	}
}

int
tg_csv_open(tg_dataset *ds, tg_csv *c, const char *path, tg_error *err)
{
	char *buf, *start;
	size_t len;
	int nf;

	if (tg_file_slurp(path, &buf, &len, &start, err) != TG_OK)
		return -1;
	tg_pool_adopt(ds->pool, buf, len + 1);
	tg_csv_init(c, ds->path, buf, len, ',');
	nf = tg_csv_next(c, err);
	if (nf == 0) {
		tg_error_at(err, path, 0, "empty file: expected a CSV header line");
		return -1;
	}
	return nf;
}

int
tg_csv_column(tg_csv *c, const char *name, tg_error *err)
{
	char have[256];
	size_t used = 0;
	int i;

	for (i = 0; i < c->nfield; i++)
		if (strcmp(c->field[i], name) == 0)
			return i;
	have[0] = '\0';
	for (i = 0; i < c->nfield && used < sizeof have; i++)
		used += snprintf(have + used, sizeof have - used, "%s%s", i ? ", " : "", c->field[i]);
	tg_error_at(err, c->path, c->rec_line, "missing column '%s' in the header (found: %s)", name, have);
	return -1;
}
