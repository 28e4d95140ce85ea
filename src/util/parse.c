/* Strict parsing of the numbers and lists that users type: command-line options, environment variables, config
 * fields. The whole string must be the number (no "2abc", no "1.5" where an integer is meant, no "nan"), it must
 * lie in the documented range, and the error names the option, the value and the range:
 *
 *   option '--batch': '1.5' is not an integer (1..65536)
 *   TAMGA_THREADS: 100000 is out of range (1..1024)
 *   option '--level': 2 is out of range (0 < x < 1)
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util.h"

/* Integers may be written as digits ("4096", "+7", "-1") or, when the value is a whole number, with an exponent
 * ("1e4"); anything else is refused. */
int
tg_parse_int(const char *what, const char *s, int64_t lo, int64_t hi, int64_t *out, tg_error *err)
{
	const char *p = s;
	char *end;
	long long v;

	if (s == NULL || *s == '\0')
		return tg_error_set(err, TG_E_ARG, "%s: an empty value is not an integer (%lld..%lld)", what, (long long)lo,
		    (long long)hi);
	if (*p == '+' || *p == '-')
		p++;
	if (!isdigit((unsigned char)*p))
		goto not_int;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end == 'e' || *end == 'E' || *end == '.') {
		/* 1e4, 2.5e3, 1.0: an exact whole number up to 2^53 (1.5 is not one) */
		double d = strtod(s, &end);
		if (*end != '\0' || !isfinite(d) || d != floor(d))
			goto not_int;
		if (d < (double)lo || d > (double)hi || fabs(d) > 9007199254740992.0)
			return tg_error_set(err, TG_E_ARG, "%s: %s is out of range (%lld..%lld)", what, s, (long long)lo,
			    (long long)hi);
		*out = (int64_t)d;
		return TG_OK;
	}
	if (*end != '\0')
		goto not_int;
	if (errno == ERANGE || v < lo || v > hi)
		return tg_error_set(err, TG_E_ARG, "%s: %s is out of range (%lld..%lld)", what, s, (long long)lo,
		    (long long)hi);
	*out = (int64_t)v;
	return TG_OK;
not_int:
	return tg_error_set(err, TG_E_ARG, "%s: '%s' is not an integer (%lld..%lld)", what, s, (long long)lo,
	    (long long)hi);
}

static void
range_str(char *buf, size_t n, double lo, double hi, int flags)
{
	if (flags & (TG_PARSE_LO_OPEN | TG_PARSE_HI_OPEN))
		snprintf(buf, n, "%g %s x %s %g", lo, flags & TG_PARSE_LO_OPEN ? "<" : "<=", flags & TG_PARSE_HI_OPEN ?
		    "<" : "<=", hi);
	else
		snprintf(buf, n, "%g..%g", lo, hi);
}

int
tg_parse_double(const char *what, const char *s, double lo, double hi, int flags, double *out, tg_error *err)
{
	char *end, range[96];
	double d;

	range_str(range, sizeof range, lo, hi, flags);
	if (s == NULL || *s == '\0')
		return tg_error_set(err, TG_E_ARG, "%s: an empty value is not a number (%s)", what, range);
	errno = 0;
	d = strtod(s, &end);
	/* strtod takes leading spaces, "inf", "nan" and hex floats: only plain decimal notation is a number here */
	if (*end != '\0' || isspace((unsigned char)*s) || strpbrk(s, "xXnNiI") != NULL)
		return tg_error_set(err, TG_E_ARG, "%s: '%s' is not a finite number (%s)", what, s, range);
	if (!isfinite(d) || d < lo || d > hi || ((flags & TG_PARSE_LO_OPEN) && d == lo) ||
	    ((flags & TG_PARSE_HI_OPEN) && d == hi))
		return tg_error_set(err, TG_E_ARG, "%s: %s is out of range (%s)", what, s, range);
	*out = d;
	return TG_OK;
}

int
tg_parse_list(const char *what, char *s, const char **items, int max, tg_error *err)
{
	int n = 0;
	char *p = s, *comma, orig[256];

	snprintf(orig, sizeof orig, "%s", s ? s : "");        /* for the message: s is split in place */
	if (s == NULL || *s == '\0')
		return tg_error_set(err, TG_E_ARG, "%s: the list is empty (give items separated by commas, e.g. az,kk)",
		    what);
	for (;;) {
		char *e;
		comma = strchr(p, ',');
		if (comma != NULL)
			*comma = '\0';
		while (*p == ' ')                       /* "az, kk" */
			p++;
		for (e = p + strlen(p); e > p && e[-1] == ' '; )
			*--e = '\0';
		if (*p == '\0')
			return tg_error_set(err, TG_E_ARG, "%s: empty item in '%s' (give items separated by single commas, "
			    "e.g. az,kk)", what, orig);
		if (n == max)
			return tg_error_set(err, TG_E_ARG, "%s: more than %d items in '%s'", what, max, orig);
		items[n++] = p;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	return n;
}

/* Edit distance with adjacent transpositions (optimal string alignment); 99 for words over 32 bytes. */
int
tg_edit_distance(const char *a, const char *b)
{
	int la = (int)strlen(a), lb = (int)strlen(b), i, j, d[33][33];

	if (la > 32 || lb > 32)
		return 99;
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++)
		for (j = 1; j <= lb; j++) {
			int c = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1 < c)
				c = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < c)
				c = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < c)
				c = d[i - 2][j - 2] + 1;       /* a transposition is one edit: "trian" -> "train" */
			d[i][j] = c;
		}
	return d[la][lb];
}

const char *
tg_suggest(const char *word, const char *const *cand, int n)
{
	const char *best = NULL;
	int i, bd, len = (int)strlen(word);

	/* at most 2 edits, and fewer than half the word: "--bach" -> "--batch", but "x" suggests nothing */
	bd = len < 6 ? 2 : 3;
	for (i = 0; (n < 0 ? cand[i] != NULL : i < n); i++) {
		int d = tg_edit_distance(word, cand[i]);
		if (d < bd && d * 2 < len) {
			bd = d;
			best = cand[i];
		}
	}
	return best;
}

long
tg_parse_digits(const char *s, const char *e, int max_digits)
{
	long v = 0;

	if (s == e || e - s > max_digits)
		return -1;
	for (; s < e; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

int
tg_name_index(const char *const *v, int n, const char *s)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return i;
	return -1;
}

int
tg_str_index(char *const *v, int n, const char *s)
{
	return tg_name_index((const char *const *)v, n, s);
}
