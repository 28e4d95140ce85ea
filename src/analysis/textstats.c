/* Text statistics without a tokenizer: words (white space + punctuation), scripts of letters, character 3-grams and
 * sets of type keys with their Jaccard overlap. */
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>
#include "analysis/analysis.h"

static const char *const script_names[TG_NSCRIPTS] = { "Latin", "Cyrillic", "Arabic", "other" };

const char *
tg_script_name(tg_script s)
{
	return (unsigned)s < TG_NSCRIPTS ? script_names[s] : "none";
}

static bool
is_letter(int32_t cp)
{
	switch (utf8proc_category(cp)) {
	case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
	case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO:
		return true;
	default:
		return false;
	}
}

tg_script
tg_script_of(int32_t cp)
{
	if (!is_letter(cp))
		return TG_SCRIPT_OTHER;
	if ((cp >= 0x41 && cp <= 0x2AF) || (cp >= 0x1E00 && cp <= 0x1EFF) || (cp >= 0x2C60 && cp <= 0x2C7F) ||
	    (cp >= 0xA720 && cp <= 0xA7FF) || (cp >= 0xFF21 && cp <= 0xFF5A))
		return TG_SCRIPT_LATIN;
	if ((cp >= 0x400 && cp <= 0x52F) || (cp >= 0x1C80 && cp <= 0x1C8F) || (cp >= 0x2DE0 && cp <= 0x2DFF) ||
	    (cp >= 0xA640 && cp <= 0xA69F))
		return TG_SCRIPT_CYRILLIC;
	if ((cp >= 0x600 && cp <= 0x6FF) || (cp >= 0x750 && cp <= 0x77F) || (cp >= 0x8A0 && cp <= 0x8FF) ||
	    (cp >= 0xFB50 && cp <= 0xFDFF) || (cp >= 0xFE70 && cp <= 0xFEFF))
		return TG_SCRIPT_ARABIC;
	return TG_SCRIPT_OTHER;
}

/* Next code point of s (at most n bytes); an invalid byte is returned as -1 and consumes one byte. */
static int
next_cp(const char *s, size_t n, int32_t *cp)
{
	utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, cp);

	if (k <= 0) {
		*cp = -1;
		return 1;
	}
	return (int)k;
}

int64_t
tg_script_count(const char *s, int64_t counts[TG_NSCRIPTS])
{
	size_t n = strlen(s), i = 0;
	int64_t letters = 0;
	int32_t cp;

	while (i < n) {
		i += (size_t)next_cp(s + i, n - i, &cp);
		/* spacing modifier letters (Uzbek o‘ with U+02BB) belong to no script */
		if (cp >= 0 && is_letter(cp) && !(cp >= 0x2B0 && cp <= 0x2FF)) {
			counts[tg_script_of(cp)]++;
			letters++;
		}
	}
	return letters;
}

int
tg_script_dominant(const int64_t counts[TG_NSCRIPTS])
{
	int i, best = -1;

	for (i = 0; i < TG_NSCRIPTS; i++)
		if (counts[i] > 0 && (best < 0 || counts[i] > counts[best]))
			best = i;
	return best;
}

static bool
is_space(int32_t cp)
{
	if (cp == '\t' || cp == '\n' || cp == '\r' || cp == '\v' || cp == '\f' || cp == 0x85 || cp == 0x2028 ||
	    cp == 0x2029)
		return true;
	return cp >= 0 && utf8proc_category(cp) == UTF8PROC_CATEGORY_ZS;
}

static bool
is_punct(int32_t cp)
{
	if (cp < 0)
		return false;
	/* ASCII symbols count as punctuation, as in BERT's basic tokenizer */
	if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126))
		return true;
	switch (utf8proc_category(cp)) {
	case UTF8PROC_CATEGORY_PC: case UTF8PROC_CATEGORY_PD: case UTF8PROC_CATEGORY_PS: case UTF8PROC_CATEGORY_PE:
	case UTF8PROC_CATEGORY_PI: case UTF8PROC_CATEGORY_PF: case UTF8PROC_CATEGORY_PO:
		return true;
	default:
		return false;
	}
}

int
tg_words_split(const char *s, char **bufp, char ***wordsp)
{
	size_t n = strlen(s), i = 0, o = 0;
	char *buf = tg_xmalloc(2 * n + 2);
	char **words;
	int nw = 0, cap = 16;
	bool in_word = false;
	int32_t cp;

	words = tg_xmalloc((size_t)cap * sizeof *words);
	while (i < n) {
		int k = next_cp(s + i, n - i, &cp);

		if (is_space(cp)) {
			if (in_word)
				buf[o++] = '\0';
			in_word = false;
		} else if (is_punct(cp)) {
			if (in_word)
				buf[o++] = '\0';
			if (nw == cap)
				words = tg_xrealloc(words, (size_t)(cap *= 2) * sizeof *words);
			words[nw++] = buf + o;
			memcpy(buf + o, s + i, (size_t)k);
			o += (size_t)k;
			buf[o++] = '\0';
			in_word = false;
		} else {
			if (!in_word) {
				if (nw == cap)
					words = tg_xrealloc(words, (size_t)(cap *= 2) * sizeof *words);
				words[nw++] = buf + o;
				in_word = true;
			}
			memcpy(buf + o, s + i, (size_t)k);
			o += (size_t)k;
		}
		i += (size_t)k;
	}
	if (in_word)
		buf[o++] = '\0';
	buf[o] = '\0';
	*bufp = buf;
	*wordsp = words;
	return nw;
}

char *
tg_words_join(char *const *words, int64_t n, const char *sep)
{
	size_t len = 1, o = 0, ls = strlen(sep);
	int64_t i;
	char *s;

	for (i = 0; i < n; i++)
		len += strlen(words[i]) + ls;
	s = tg_xmalloc(len);
	for (i = 0; i < n; i++) {
		size_t l = strlen(words[i]);

		if (i) {
			memcpy(s + o, sep, ls);
			o += ls;
		}
		memcpy(s + o, words[i], l);
		o += l;
	}
	s[o] = '\0';
	return s;
}

int64_t
tg_utf8_chars(const char *s)
{
	size_t n = strlen(s), i = 0;
	int64_t c = 0;
	int32_t cp;

	while (i < n) {
		i += (size_t)next_cp(s + i, n - i, &cp);
		c++;
	}
	return c;
}

/* ---- type sets --------------------------------------------------------------------------------------------------- */

void
tg_typeset_add(tg_typeset *s, uint64_t key)
{
	if (s->n == s->cap) {
		/* sort + unique in place before growing, so a large sample with few types stays small */
		if (s->n >= 4096 && !s->sorted) {
			tg_typeset_finish(s);
			s->sorted = false;
			if (s->n < s->cap / 2)
				goto add;
		}
		s->cap = s->cap ? 2 * s->cap : 256;
		s->k = tg_xrealloc(s->k, (size_t)s->cap * sizeof *s->k);
	}
add:
	s->k[s->n++] = key;
	s->sorted = false;
}

static int
u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

void
tg_typeset_finish(tg_typeset *s)
{
	int64_t i, m = 0;

	if (s->sorted)
		return;
	if (s->n > 1)
		qsort(s->k, (size_t)s->n, sizeof *s->k, u64_cmp);
	for (i = 0; i < s->n; i++)
		if (m == 0 || s->k[i] != s->k[m - 1])
			s->k[m++] = s->k[i];
	s->n = m;
	s->sorted = true;
}

void
tg_typeset_clear(tg_typeset *s)
{
	free(s->k);
	memset(s, 0, sizeof *s);
}

double
tg_typeset_jaccard(const tg_typeset *a, const tg_typeset *b)
{
	int64_t i = 0, j = 0, inter = 0;

	if (a->n + b->n == 0)
		return NAN;
	while (i < a->n && j < b->n) {
		if (a->k[i] == b->k[j])
			inter++, i++, j++;
		else if (a->k[i] < b->k[j])
			i++;
		else
			j++;
	}
	return (double)inter / (double)(a->n + b->n - inter);
}

uint64_t
tg_hash_str(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

#define CP_BEGIN 0x1FFFFE
#define CP_END   0x1FFFFF

void
tg_char3_add(tg_typeset *set, const char *word)
{
	size_t n = strlen(word), i = 0;
	int32_t buf[66], cp;
	int m = 0, k;
	bool any = false;

	buf[m++] = CP_BEGIN;
	while (i < n && m < 64) {
		i += (size_t)next_cp(word + i, n - i, &cp);
		if (cp < 0)
			cp = 0xFFFD;
		if (is_letter(cp) || utf8proc_category(cp) == UTF8PROC_CATEGORY_ND)
			any = true;
		buf[m++] = utf8proc_tolower(cp);
	}
	if (!any)
		return;                       /* punctuation and symbols carry no 3-grams */
	buf[m++] = CP_END;
	for (k = 0; k + 2 < m; k++)
		tg_typeset_add(set, ((uint64_t)(uint32_t)buf[k] << 42) | ((uint64_t)(uint32_t)buf[k + 1] << 21) |
		    (uint64_t)(uint32_t)buf[k + 2]);
}
