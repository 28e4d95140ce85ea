/* CoNLL-U reader: sentences of words with UPOS tags; multiword tokens as UD words or XTREME's fused forms. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "data/data-internal.h"

typedef struct cword {
	char   *form;
	int32_t upos;
	int     head;           /* -1 when HEAD is not a number */
} cword;

typedef struct cmwt {
	int   first, last;      /* word ids covered */
	char *form;
	int64_t line;
} cmwt;

typedef struct csent {
	cword  *w;
	int     n, cap;
	cmwt   *m;
	int     nm, capm;
	int64_t start_line;     /* first line of the sentence (comment or word) */
	int     has_comment;
} csent;

/* XTREME (ud-conversion-tools) POS precedence for choosing the head of a fused span among equally high words. */
static const char *const precedence[] = {
	"VERB", "NOUN", "PROPN", "PRON", "ADJ", "NUM", "ADV", "INTJ", "AUX", "ADP", "DET", "PART", "CCONJ", "SCONJ",
	"X", "PUNCT"
};

static int
pos_rank(const char *upos)
{
	int i;

	for (i = 0; i < (int)(sizeof precedence / sizeof precedence[0]); i++)
		if (strcmp(upos, precedence[i]) == 0)
			return i;
	return (int)(sizeof precedence / sizeof precedence[0]);
}

/* Steps from word i (1-based) to the root along HEAD; INT_MAX when the chain is broken or cycles. */
static int
depth_of(const csent *s, int i)
{
	int d = 0;

	while (i != 0) {
		if (i < 0 || i > s->n || d > s->n)
			return INT_MAX;
		i = s->w[i - 1].head;
		d++;
	}
	return d;
}

/* The word of [first, last] whose UPOS the fused form takes (see tg_read_opts.mwt). */
static int
span_head(const csent *s, const tg_labels *labels, int first, int last)
{
	int i, best = first, best_d = INT_MAX, n_best = 0, best_rank;

	for (i = first; i <= last; i++) {
		int d = depth_of(s, i);

		if (d < best_d) {
			best_d = d;
			best = i;
			n_best = 1;
		} else if (d == best_d)
			n_best++;
	}
	if (n_best == 1)
		return best;
	best_rank = INT_MAX;
	for (i = first; i <= last; i++) {
		int r;

		if (depth_of(s, i) != best_d)
			continue;
		r = pos_rank(tg_labels_name(labels, s->w[i - 1].upos));
		if (r < best_rank) {
			best_rank = r;
			best = i;
		}
	}
	return best;
}

static int
flush(tg_dataset *ds, csent *s, int mwt_mode, const char *path, tg_error *err)
{
	int i, k;

	for (k = 0; k < s->nm; k++)
		if (s->m[k].last > s->n)
			return tg_error_at(err, path, s->m[k].line,
			    "multiword token %d-%d covers words missing from the sentence (it has %d)",
			    s->m[k].first, s->m[k].last, s->n);
	ds->n_mwt += s->nm;
	if (mwt_mode == TG_MWT_FUSED && s->nm > 0) {
		k = 0;
		for (i = 1; i <= s->n; i++) {
			if (k < s->nm && s->m[k].first == i) {
				int h = span_head(s, ds->labels, s->m[k].first, s->m[k].last);

				tg_dataset_push_word(ds, s->m[k].form, s->w[h - 1].upos);
				i = s->m[k].last;
				k++;
			} else
				tg_dataset_push_word(ds, s->w[i - 1].form, s->w[i - 1].upos);
		}
	} else
		for (i = 0; i < s->n; i++)
			tg_dataset_push_word(ds, s->w[i].form, s->w[i].upos);
	tg_dataset_end_sentence(ds, s->start_line);
	s->n = s->nm = 0;
	s->has_comment = 0;
	s->start_line = 0;
	return TG_OK;
}

/* A non-negative decimal integer (at most 9 digits) filling [s, e); -1 otherwise. */
static long
parse_uint(const char *s, const char *e)
{
	return tg_parse_digits(s, e, 9);
}

static void
upos_hint(tg_error *err)
{
	tg_error_hint(err, "UPOS is one of the 17 Universal POS tags: ADJ ADP ADV AUX CCONJ DET INTJ NOUN NUM PART "
	    "PRON PROPN PUNCT SCONJ SYM VERB X");
}

tg_dataset *
tg_conllu_read(const char *path, const tg_read_opts *opts, tg_error *err)
{
	tg_dataset *ds;
	csent s = { 0 };
	tg_lineit it;
	char *line;
	size_t linelen;
	int grow, mwt_mode = opts ? opts->mwt : TG_MWT_WORDS, lenient = opts != NULL && opts->lenient, skipping = 0;
	tg_error local = { 0 }, *E = lenient ? &local : err;   /* lenient: sentence errors are reported, not returned */

	if ((ds = tg_dataset_from_file(path, TG_DS_TAGGING, 0, 0, &it, err)) == NULL)
		return NULL;
	ds->labels = tg_labels_for(opts, tg_upos_tags, 17, &grow);
	while ((line = tg_lineit_next(&it, &linelen)) != NULL) {
		char *f[10], *p, *tab, *dash, *dot, *idend;
		int nf, id;
		int32_t upos;

		if (skipping) {                 /* lenient: the rest of a malformed sentence */
			skipping = linelen != 0;
			continue;
		}
		if (linelen == 0) {
			if (s.n > 0 || s.nm > 0) {
				if (flush(ds, &s, mwt_mode, path, E) != TG_OK)
					goto bad;
			} else if (s.has_comment) {
				tg_error_at(E, path, s.start_line, "sentence has comment lines but no words");
				goto bad;
			}
			continue;
		}
		if (s.start_line == 0)
			s.start_line = it.line;
		if (line[0] == '#') {
			if (s.n > 0 || s.nm > 0) {
				tg_error_at(E, path, it.line, "comment line inside a sentence (after word %d)", s.n);
				tg_error_hint(E, "comments go before the first word; a blank line ends a sentence");
				goto bad;
			}
			s.has_comment = 1;
			continue;
		}
		/* split into exactly 10 tab-separated fields */
		nf = 0;
		p = line;
		for (;;) {
			tab = strchr(p, '\t');
			if (nf < 10)
				f[nf] = p;
			nf++;
			if (tab == NULL)
				break;
			*tab = '\0';
			p = tab + 1;
		}
		if (nf != 10) {
			tg_error_at(E, path, it.line, "expected 10 tab-separated fields, found %d", nf);
			if (nf == 1 && strchr(line, ' ') != NULL)
				tg_error_hint(E, "CoNLL-U fields are separated by tabs, not spaces");
			goto bad;
		}
		idend = f[0] + strlen(f[0]);
		dash = strchr(f[0], '-');
		dot = strchr(f[0], '.');
		if (dash != NULL) {
			long a = parse_uint(f[0], dash), b = parse_uint(dash + 1, idend);

			if (a < 1 || b < 0 || b <= a) {
				tg_error_at(E, path, it.line, "bad multiword token range '%s'", f[0]);
				goto bad;
			}
			if (a != s.n + 1 || (s.nm > 0 && a <= s.m[s.nm - 1].last)) {
				tg_error_at(E, path, it.line, "multiword token %ld-%ld out of sequence (next word is %d)",
				    a, b, s.n + 1);
				goto bad;
			}
			if (s.nm == s.capm) {
				s.capm = s.capm ? 2 * s.capm : 8;
				s.m = tg_xrealloc(s.m, (size_t)s.capm * sizeof(cmwt));
			}
			s.m[s.nm].first = (int)a;
			s.m[s.nm].last = (int)b;
			s.m[s.nm].form = f[1];
			s.m[s.nm].line = it.line;
			tg_read_check_token(opts, path, it.line, f[1]);
			s.nm++;
			continue;
		}
		if (dot != NULL) {
			if (parse_uint(f[0], dot) < 0 || parse_uint(dot + 1, idend) < 1) {
				tg_error_at(E, path, it.line, "bad empty node id '%s'", f[0]);
				goto bad;
			}
			continue;       /* empty nodes have no surface form */
		}
		id = (int)parse_uint(f[0], idend);
		if (id < 1) {
			tg_error_at(E, path, it.line, "bad word id '%s'", f[0]);
			tg_error_hint(E, "ids are 1, 2, ... per sentence; ranges 3-4 mark multiword tokens, 5.1 empty nodes");
			goto bad;
		}
		if (id != s.n + 1) {
			tg_error_at(E, path, it.line, "word id %d out of sequence (expected %d)", id, s.n + 1);
			if (id == 1)
				tg_error_hint(E, "is a blank line missing before this sentence?");
			goto bad;
		}
		if (f[1][0] == '\0') {
			tg_error_at(E, path, it.line, "empty FORM (field 2)");
			goto bad;
		}
		upos = tg_labels_find(ds->labels, f[3]);
		if (upos < 0) {
			if (!grow || strcmp(f[3], "_") == 0) {
				tg_error_at(E, path, it.line, "unknown UPOS '%s' (field 4)", f[3]);
				upos_hint(E);
				goto bad;
			}
			upos = tg_labels_add(ds->labels, f[3]);
		}
		if (s.n == s.cap) {
			s.cap = s.cap ? 2 * s.cap : 64;
			s.w = tg_xrealloc(s.w, (size_t)s.cap * sizeof(cword));
		}
		s.w[s.n].form = f[1];
		tg_read_check_token(opts, path, it.line, f[1]);
		s.w[s.n].upos = upos;
		s.w[s.n].head = (int)parse_uint(f[6], f[6] + strlen(f[6]));
		s.n++;
		continue;
bad:
		/* strict: the first error ends the read; lenient: report it, leave the sentence out, go on */
		if (!lenient)
			goto fail;
		tg_read_skip(opts, ds, E);
		s.n = s.nm = 0;
		s.has_comment = 0;
		s.start_line = 0;
		skipping = linelen != 0;
	}
	if ((s.n > 0 || s.nm > 0) && flush(ds, &s, mwt_mode, path, E) != TG_OK) {
		if (!lenient)
			goto fail;
		tg_read_skip(opts, ds, E);
	} else if (s.n == 0 && s.has_comment) {
		tg_error_at(E, path, s.start_line, "sentence has comment lines but no words");
		if (!lenient)
			goto fail;
		tg_read_skip(opts, ds, E);
	}
	free(s.w);
	free(s.m);
	ds->labels->frozen = !grow;
	return ds;
fail:
	free(s.w);
	free(s.m);
	tg_dataset_free(ds);
	return NULL;
}
