/* Entity-level span F1 over IOB2 tags: strict (seqeval mode='strict') or lenient (conlleval) span extraction. */
#include <stdlib.h>
#include <string.h>
#include "metrics/metrics.h"

int
tg_iob_init(tg_iob *s, const char *const *labels, int n_labels, tg_error *err)
{
	int i, j;

	memset(s, 0, sizeof *s);
	s->n_labels = n_labels;
	s->prefix = tg_xmalloc((size_t)(n_labels > 0 ? n_labels : 1));
	s->type = tg_xmalloc((size_t)(n_labels > 0 ? n_labels : 1) * sizeof(int32_t));
	s->type_name = tg_xmalloc((size_t)(n_labels > 0 ? n_labels : 1) * sizeof(char *));
	for (i = 0; i < n_labels; i++) {
		const char *l = labels[i];

		if (strcmp(l, "O") == 0) {
			s->prefix[i] = 'O';
			s->type[i] = -1;
			continue;
		}
		if ((l[0] != 'B' && l[0] != 'I') || l[1] != '-' || l[2] == '\0') {
			tg_error_set(err, TG_E_ARG, "span F1: label %d '%s' is not IOB2 (O, B-TYPE or I-TYPE)", i, l);
			tg_iob_free(s);
			return TG_ERR;
		}
		s->prefix[i] = l[0];
		for (j = 0; j < s->n_types; j++)
			if (strcmp(s->type_name[j], l + 2) == 0)
				break;
		if (j == s->n_types)
			s->type_name[s->n_types++] = tg_xstrdup(l + 2);
		s->type[i] = j;
	}
	return TG_OK;
}

void
tg_iob_free(tg_iob *s)
{
	tg_strv_free(s->type_name, s->n_types);
	free(s->prefix);
	free(s->type);
	memset(s, 0, sizeof *s);
}

int64_t
tg_iob_spans(const tg_iob *s, const int32_t *tags, int64_t n, int mode, tg_span *out)
{
	int64_t k, count = 0, start = -1;
	int32_t cur = -1;              /* type of the open entity, -1 when none */

#define CLOSE(at) do { \
		if (cur >= 0) { \
			if (out) { out[count].start = start; out[count].end = (at); out[count].type = cur; } \
			count++; \
		} \
		cur = -1; \
	} while (0)

	for (k = 0; k < n; k++) {
		int32_t t = tags[k];
		char p = t >= 0 && t < s->n_labels ? s->prefix[t] : 'O';
		int32_t ty = p == 'O' ? -1 : s->type[t];

		if (p == 'O') {
			CLOSE(k);
		} else if (p == 'B') {
			CLOSE(k);
			cur = ty;
			start = k;
		} else if (cur != ty) {         /* I-X that continues nothing */
			CLOSE(k);
			if (mode == TG_IOB_LENIENT) {
				cur = ty;
				start = k;
			}
		}
	}
	CLOSE(n);
#undef CLOSE
	return count;
}

void
tg_spanf1_count(const tg_iob *s, const int32_t *gold, const int32_t *pred, int64_t n, int mode,
    tg_prf_counts *total, tg_prf_counts *per_type)
{
	tg_span gbuf[64], pbuf[64], *g = gbuf, *p = pbuf;
	int64_t ng, np, i = 0, j = 0;

	if (n > 64) {
		g = tg_xmalloc((size_t)n * sizeof(tg_span));
		p = tg_xmalloc((size_t)n * sizeof(tg_span));
	}
	ng = tg_iob_spans(s, gold, n, mode, g);
	np = tg_iob_spans(s, pred, n, mode, p);
	total->n_gold += ng;
	total->n_pred += np;
	if (per_type != NULL) {
		for (i = 0; i < ng; i++)
			per_type[g[i].type].n_gold++;
		for (i = 0; i < np; i++)
			per_type[p[i].type].n_pred++;
		i = 0;
	}
	/* both lists are sorted by start and do not overlap within themselves */
	while (i < ng && j < np) {
		if (g[i].start < p[j].start)
			i++;
		else if (p[j].start < g[i].start)
			j++;
		else {
			if (g[i].end == p[j].end && g[i].type == p[j].type) {
				total->tp++;
				if (per_type != NULL)
					per_type[g[i].type].tp++;
			}
			i++;
			j++;
		}
	}
	if (g != gbuf) {
		free(g);
		free(p);
	}
}

tg_prf
tg_prf_from_counts(tg_prf_counts c)
{
	tg_prf r;

	r.p = c.n_pred > 0 ? (double)c.tp / (double)c.n_pred : 0.0;
	r.r = c.n_gold > 0 ? (double)c.tp / (double)c.n_gold : 0.0;
	r.f1 = c.n_pred + c.n_gold > 0 ? 2.0 * (double)c.tp / (double)(c.n_pred + c.n_gold) : 0.0;
	return r;
}
