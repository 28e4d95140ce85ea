/* What a reader reports besides its dataset: malformed sentences a lenient read left out, and tokens holding
 * invisible format characters (a BOM or a zero-width space inside a word), which are kept but named. */
#include <stdlib.h>
#include <string.h>
#include "data/data-internal.h"

void
tg_read_log_add(tg_read_log *l, int warning, const char *msg)
{
	if (l == NULL)
		return;
	if (warning)
		l->n_warnings++;
	else
		l->n_bad++;
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		l->msg = tg_xrealloc(l->msg, (size_t)l->cap * sizeof *l->msg);
		l->is_warning = tg_xrealloc(l->is_warning, (size_t)l->cap);
	}
	l->msg[l->n] = tg_xstrdup(msg);
	l->is_warning[l->n] = (char)(warning != 0);
	l->n++;
}

void
tg_read_log_clear(tg_read_log *l)
{
	if (l == NULL)
		return;
	tg_strv_free(l->msg, l->n);
	free(l->is_warning);
	memset(l, 0, sizeof *l);
}

int64_t
tg_invisible_find(const char *s, uint32_t *cp)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p; p++) {
		uint32_t c = 0;

		if (p[0] == 0xC2 && p[1] == 0xAD)
			c = 0xAD;
		else if (p[0] == 0xE2 && p[1] == 0x80 && p[2] >= 0x8B && p[2] <= 0x8F)
			c = 0x2000 + (p[2] - 0x80);
		else if (p[0] == 0xE2 && p[1] == 0x81 && p[2] == 0xA0)
			c = 0x2060;
		else if (p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
			c = 0xFEFF;
		if (c != 0) {
			if (cp != NULL)
				*cp = c;
			return (int64_t)(p - (const unsigned char *)s);
		}
	}
	return -1;
}

const char *
tg_invisible_name(uint32_t cp)
{
	switch (cp) {
	case 0xAD:   return "SOFT HYPHEN";
	case 0x200B: return "ZERO WIDTH SPACE";
	case 0x200C: return "ZERO WIDTH NON-JOINER";
	case 0x200D: return "ZERO WIDTH JOINER";
	case 0x200E: return "LEFT-TO-RIGHT MARK";
	case 0x200F: return "RIGHT-TO-LEFT MARK";
	case 0x2060: return "WORD JOINER";
	case 0xFEFF: return "BYTE ORDER MARK";
	}
	return "invisible character";
}

/* Reader helper (data-internal.h): warn about an invisible character in a token; nothing without a log. */
void
tg_read_check_token(const tg_read_opts *opts, const char *path, int64_t line, const char *tok)
{
	uint32_t cp;
	int64_t at;
	char msg[700];

	if (opts == NULL || opts->log == NULL || (at = tg_invisible_find(tok, &cp)) < 0)
		return;
	snprintf(msg, sizeof msg, "%s:%lld: warning: token '%.80s' holds U+%04X %s at byte %lld (kept; remove it "
	    "if it is not part of the word)", path, (long long)line, tok, (unsigned)cp, tg_invisible_name(cp),
	    (long long)at + 1);
	tg_read_log_add(opts->log, 1, msg);
}

/* Reader helper: a malformed sentence under lenient reading: the message (and its hint) go to the log. */
void
tg_read_skip(const tg_read_opts *opts, tg_dataset *ds, const tg_error *e)
{
	char msg[900];

	ds->n_skipped++;
	if (opts == NULL || opts->log == NULL)
		return;
	snprintf(msg, sizeof msg, "%s (sentence skipped)%s%s", e->msg, e->hint[0] ? "; hint: " : "", e->hint);
	tg_read_log_add(opts->log, 0, msg);
}
