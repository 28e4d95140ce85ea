/* Batching order by length: longest first, ties by position, so that each batch of neighbours in this order pads
 * its sequences to about their own length. A stable, deterministic order: results do not depend on qsort. */
#include <stdlib.h>
#include "util/util.h"

typedef struct { int64_t len, i; } len_idx;

static int
len_cmp(const void *a, const void *b)
{
	const len_idx *x = a, *y = b;

	if (x->len != y->len)
		return x->len > y->len ? -1 : 1;
	return (x->i > y->i) - (x->i < y->i);
}

int64_t *
tg_length_order(const int *len, int64_t n)
{
	len_idx *li = tg_xmalloc((size_t)(n > 0 ? n : 1) * sizeof *li);
	int64_t *ord = tg_xmalloc((size_t)(n > 0 ? n : 1) * sizeof *ord), i;

	for (i = 0; i < n; i++) {
		li[i].len = len[i];
		li[i].i = i;
	}
	qsort(li, (size_t)(n > 0 ? n : 0), sizeof *li, len_cmp);
	for (i = 0; i < n; i++)
		ord[i] = li[i].i;
	free(li);
	return ord;
}
