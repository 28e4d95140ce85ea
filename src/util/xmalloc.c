/* Memory: bookkeeping allocations abort on failure (they are small); tensor memory returns NULL instead. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util.h"

static void
oom(size_t n)
{
	fprintf(stderr, "tamga: out of memory allocating %zu bytes\n", n);
	abort();
}

void *
tg_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (p == NULL)
		oom(n);
	return p;
}

void *
tg_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (p == NULL)
		oom(n * size);
	return p;
}

void *
tg_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (q == NULL)
		oom(n);
	return q;
}

char *
tg_xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	return memcpy(tg_xmalloc(n), s, n);
}

void
tg_strv_free(char **v, int64_t n)
{
	int64_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int
tg_xasprintf(char **out, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(out, fmt, ap);
	va_end(ap);
	if (n < 0)
		oom(0);
	return n;
}

void *
tg_aligned_alloc(size_t nbytes)
{
	void *p = NULL;

	if (nbytes == 0)
		nbytes = 64;
	if (posix_memalign(&p, 64, (nbytes + 63) & ~(size_t)63) != 0)
		return NULL;
	return p;
}

void
tg_aligned_free(void *p)
{
	free(p);
}
