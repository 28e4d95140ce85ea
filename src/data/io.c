/* File input for the readers: whole-file slurp with a UTF-8 check, in-place line iteration, a string pool. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "data/data-internal.h"

/* ---- pool ------------------------------------------------------------------------------------------------------- */

#define POOL_BLOCK (256 * 1024)

tg_pool *
tg_pool_new(void)
{
	return tg_xcalloc(1, sizeof(tg_pool));
}

void
tg_pool_free(tg_pool *p)
{
	tg_pool_block *b, *next;

	if (p == NULL)
		return;
	for (b = p->head; b != NULL; b = next) {
		next = b->next;
		if (b->adopted)
			free(b->mem);
		free(b);
	}
	free(p);
}

void *
tg_pool_alloc(tg_pool *p, size_t n)
{
	tg_pool_block *b = p->head;
	size_t size;
	void *r;

	n = (n + 7) & ~(size_t)7;
	/* an adopted block at the head is full by definition; look at most one block behind it */
	if (b != NULL && b->adopted)
		b = b->next;
	if (b == NULL || b->adopted || b->used + n > b->size) {
		size = n > POOL_BLOCK / 4 ? n : POOL_BLOCK;
		b = tg_xmalloc(sizeof(tg_pool_block) + size);
		b->mem = (char *)(b + 1);
		b->size = size;
		b->used = 0;
		b->adopted = 0;
		b->next = p->head;
		p->head = b;
	}
	r = b->mem + b->used;
	b->used += n;
	return r;
}

char *
tg_pool_strndup(tg_pool *p, const char *s, size_t n)
{
	char *r = tg_pool_alloc(p, n + 1);

	memcpy(r, s, n);
	r[n] = '\0';
	return r;
}

char *
tg_pool_strdup(tg_pool *p, const char *s)
{
	return tg_pool_strndup(p, s, strlen(s));
}

void
tg_pool_adopt(tg_pool *p, char *buf, size_t size)
{
	tg_pool_block *b = tg_xmalloc(sizeof(tg_pool_block));

	b->mem = buf;
	b->size = b->used = size;
	b->adopted = 1;
	b->next = p->head;
	p->head = b;
}

/* ---- errors ----------------------------------------------------------------------------------------------------- */

int
tg_error_at(tg_error *err, const char *path, int64_t line, const char *fmt, ...)
{
	char what[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	if (line > 0)
		return tg_error_set(err, TG_E_FORMAT, "%s:%lld: %s", path, (long long)line, what);
	return tg_error_set(err, TG_E_FORMAT, "%s: %s", path, what);
}

/* ---- UTF-8 ------------------------------------------------------------------------------------------------------ */

/* Offset of the first invalid byte (or NUL), or len when the buffer is valid UTF-8. */
static size_t
utf8_check(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned c = s[i];

		if (c < 0x80) {
			if (c == 0)
				return i;
			/* ASCII fast path, 8 bytes at a time */
			while (i + 8 <= len) {
				uint64_t w;

				memcpy(&w, s + i, 8);
				if ((w & 0x8080808080808080ull) != 0 ||
				    ((w - 0x0101010101010101ull) & ~w & 0x8080808080808080ull) != 0)
					break;
				i += 8;
			}
			if (i < len && s[i] < 0x80) {
				if (s[i] == 0)
					return i;
				i++;
			}
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			if (i + 1 >= len || (s[i + 1] & 0xC0) != 0x80)
				return i;
			i += 2;
		} else if (c >= 0xE0 && c <= 0xEF) {
			unsigned lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;

			if (i + 2 >= len || s[i + 1] < lo || s[i + 1] > hi || (s[i + 2] & 0xC0) != 0x80)
				return i;
			i += 3;
		} else if (c >= 0xF0 && c <= 0xF4) {
			unsigned lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;

			if (i + 3 >= len || s[i + 1] < lo || s[i + 1] > hi || (s[i + 2] & 0xC0) != 0x80 ||
			    (s[i + 3] & 0xC0) != 0x80)
				return i;
			i += 4;
		} else
			return i;
	}
	return len;
}

int
tg_file_slurp(const char *path, char **bufp, size_t *lenp, char **start, tg_error *err)
{
	FILE *fp;
	struct stat st;
	char *buf;
	size_t cap, len = 0, got, bad;

	fp = tg_fopen_regular(path, err);   /* "PATH: cannot open: REASON"; a FIFO is refused, not waited on */
	if (fp == NULL) {
		if (errno == ENOENT)
			tg_error_hint(err, "check the path and the data root (--data DIR or TAMGA_DATA)");
		return TG_ERR;
	}
	cap = fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode) ? (size_t)st.st_size + 1 : 65536;
	buf = tg_xmalloc(cap + 1);
	while ((got = fread(buf + len, 1, cap - len, fp)) > 0) {
		len += got;
		if (len == cap) {
			cap *= 2;
			buf = tg_xrealloc(buf, cap + 1);
		}
	}
	if (ferror(fp)) {
		tg_error_set(err, TG_E_IO, "%s: read error: %s", path, strerror(errno));
		fclose(fp);
		free(buf);
		return TG_ERR;
	}
	fclose(fp);
	buf[len] = '\0';
	bad = utf8_check((const unsigned char *)buf, len);
	if (bad < len) {
		int64_t line = 1;
		size_t i, col0 = 0;

		for (i = 0; i < bad; i++)
			if (buf[i] == '\n') {
				line++;
				col0 = i + 1;
			}
		if (buf[bad] == '\0')
			tg_error_at(err, path, line, "NUL byte at column %zu", bad - col0 + 1);
		else
			tg_error_at(err, path, line, "invalid UTF-8 (byte 0x%02X at column %zu)",
			    (unsigned char)buf[bad], bad - col0 + 1);
		tg_error_hint(err, "convert the file to UTF-8 (iconv -f <encoding> -t UTF-8)");
		free(buf);
		return TG_ERR;
	}
	*bufp = buf;
	*lenp = len;
	*start = len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0 ? buf + 3 : buf;
	return TG_OK;
}

/* ---- lines ------------------------------------------------------------------------------------------------------ */

char *
tg_lineit_next(tg_lineit *it, size_t *lenp)
{
	char *s = it->p, *nl;
	size_t len;

	if (s >= it->end)
		return NULL;
	nl = memchr(s, '\n', (size_t)(it->end - s));
	if (nl == NULL) {
		len = (size_t)(it->end - s);
		it->p = it->end;
	} else {
		len = (size_t)(nl - s);
		it->p = nl + 1;
	}
	if (len > 0 && s[len - 1] == '\r')
		len--;
	s[len] = '\0';
	it->line++;
	if (lenp)
		*lenp = len;
	return s;
}
