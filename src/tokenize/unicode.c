/* UTF-8 decoding and the Unicode properties, case mappings and normal forms the tokenizers need (utf8proc). */
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "tokenize/tok-internal.h"

int
tg_utf8_len(uint8_t c)
{
	if (c < 0x80)
		return 1;
	if ((c & 0xe0) == 0xc0)
		return 2;
	if ((c & 0xf0) == 0xe0)
		return 3;
	if ((c & 0xf8) == 0xf0)
		return 4;
	return 1;
}

int
tg_utf8_next(const char *s, size_t n, size_t i, int32_t *cp)
{
	utf8proc_int32_t c;
	utf8proc_ssize_t k;

	if ((uint8_t)s[i] < 0x80) {
		*cp = (uint8_t)s[i];
		return 1;
	}
	k = utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(n - i), &c);
	if (k <= 0) {
		*cp = 0xfffd;
		return 1;
	}
	*cp = c;
	return (int)k;
}

int
tg_utf8_put(char *out, int32_t cp)
{
	return (int)utf8proc_encode_char(cp, (utf8proc_uint8_t *)out);
}

bool
tg_uc_is_space(int32_t c)
{
	return (c >= 0x09 && c <= 0x0d) || c == 0x20 || c == 0x85 || c == 0xa0 || c == 0x1680 ||
	       (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f ||
	       c == 0x3000;
}

bool
tg_uc_is_bert_space(int32_t c)
{
	if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
		return true;
	return c >= 0x80 && utf8proc_category(c) == UTF8PROC_CATEGORY_ZS;
}

bool
tg_uc_is_bert_control(int32_t c)
{
	utf8proc_category_t k;

	if (c == '\t' || c == '\n' || c == '\r')
		return false;
	k = utf8proc_category(c);
	return k == UTF8PROC_CATEGORY_CC || k == UTF8PROC_CATEGORY_CF || k == UTF8PROC_CATEGORY_CS ||
	       k == UTF8PROC_CATEGORY_CO || k == UTF8PROC_CATEGORY_CN;
}

bool
tg_uc_is_bert_punct(int32_t c)
{
	utf8proc_category_t k;

	if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126))
		return true;
	if (c < 0x80)
		return false;
	k = utf8proc_category(c);
	return k >= UTF8PROC_CATEGORY_PC && k <= UTF8PROC_CATEGORY_PO;
}

bool
tg_uc_is_cjk(int32_t c)
{
	return (c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3400 && c <= 0x4dbf) || (c >= 0x20000 && c <= 0x2a6df) ||
	       (c >= 0x2a700 && c <= 0x2b73f) || (c >= 0x2b740 && c <= 0x2b81f) || (c >= 0x2b820 && c <= 0x2ceaf) ||
	       (c >= 0xf900 && c <= 0xfaff) || (c >= 0x2f800 && c <= 0x2fa1f);
}

bool
tg_uc_is_mn(int32_t c)
{
	return c >= 0x300 && utf8proc_category(c) == UTF8PROC_CATEGORY_MN;
}

bool
tg_uc_is_letter(int32_t c)
{
	utf8proc_category_t k = utf8proc_category(c);
	return k >= UTF8PROC_CATEGORY_LU && k <= UTF8PROC_CATEGORY_LO;
}

bool
tg_uc_is_number(int32_t c)
{
	utf8proc_category_t k = utf8proc_category(c);
	return k >= UTF8PROC_CATEGORY_ND && k <= UTF8PROC_CATEGORY_NO;
}

/* regex \w: Alphabetic (approximated by L* and Nl), marks, decimal digits, connector punctuation, joiners. */
bool
tg_uc_is_word(int32_t c)
{
	utf8proc_category_t k = utf8proc_category(c);

	return (k >= UTF8PROC_CATEGORY_LU && k <= UTF8PROC_CATEGORY_ME) || k == UTF8PROC_CATEGORY_ND ||
	       k == UTF8PROC_CATEGORY_NL || k == UTF8PROC_CATEGORY_PC || c == 0x200c || c == 0x200d;
}

/* --- case --------------------------------------------------------------------------------------------------------- */

/* Unicode Cased, approximated by Lu, Ll and Lt. */
static bool
is_cased(int32_t c)
{
	utf8proc_category_t k = utf8proc_category(c);
	return k == UTF8PROC_CATEGORY_LU || k == UTF8PROC_CATEGORY_LL || k == UTF8PROC_CATEGORY_LT;
}

/* Unicode Case_Ignorable: Mn, Me, Cf, Lm, Sk and the word-internal punctuation of Word_Break. */
static bool
is_case_ignorable(int32_t c)
{
	utf8proc_category_t k;

	switch (c) {
	case '\'': case '.': case ':': case '^': case '`': case 0xb7: case 0x387: case 0x5f4: case 0x2018:
	case 0x2019: case 0x2024: case 0x2027: case 0xfe13: case 0xfe52: case 0xfe55: case 0xff07: case 0xff0e:
	case 0xff1a:
		return true;
	}
	k = utf8proc_category(c);
	return k == UTF8PROC_CATEGORY_MN || k == UTF8PROC_CATEGORY_ME || k == UTF8PROC_CATEGORY_CF ||
	       k == UTF8PROC_CATEGORY_LM || k == UTF8PROC_CATEGORY_SK;
}

/* Python's handle_capital_sigma: \p{cased}\p{case-ignorable}* SIGMA !(\p{case-ignorable}*\p{cased}). */
static bool
final_sigma_at(const int32_t *cp, int n, int i)
{
	int j;

	for (j = i - 1; j >= 0 && is_case_ignorable(cp[j]); j--)
		;
	if (j < 0 || !is_cased(cp[j]))
		return false;
	for (j = i + 1; j < n && is_case_ignorable(cp[j]); j++)
		;
	return j == n || !is_cased(cp[j]);
}

void
tg_uc_lower(const tg_nstr *in, tg_nstr *out, bool final_sigma)
{
	int32_t *cps = NULL, *org = NULL, c;
	int n = 0, i;
	size_t p;
	bool ascii = true;

	for (p = 0; p < in->n; p++)
		if ((uint8_t)in->s[p] >= 0x80) {
			ascii = false;
			break;
		}
	if (ascii) {
		for (p = 0; p < in->n; p++) {
			char ch = in->s[p];
			if (ch >= 'A' && ch <= 'Z')
				ch = (char)(ch + 32);
			tg_nstr_put(out, &ch, 1, in->orig[p]);
		}
		return;
	}
	cps = tg_xmalloc((in->n + 1) * sizeof *cps);
	org = tg_xmalloc((in->n + 1) * sizeof *org);
	for (p = 0; p < in->n; p += tg_utf8_next(in->s, in->n, p, &c)) {
		tg_utf8_next(in->s, in->n, p, &cps[n]);
		org[n++] = in->orig[p];
	}
	for (i = 0; i < n; i++) {
		c = cps[i];
		if (c == 0x130) {                       /* SpecialCasing: İ -> i + COMBINING DOT ABOVE */
			tg_nstr_putc(out, 'i', org[i]);
			tg_nstr_putc(out, 0x307, org[i]);
		} else if (c == 0x3a3 && final_sigma) {
			/* the context is the whitespace-free run around it */
			int a = i, b = i;
			while (a > 0 && !tg_uc_is_space(cps[a - 1]))
				a--;
			while (b < n && !tg_uc_is_space(cps[b]))
				b++;
			tg_nstr_putc(out, final_sigma_at(cps + a, b - a, i - a) ? 0x3c2 : 0x3c3, org[i]);
		} else {
			tg_nstr_putc(out, utf8proc_tolower(c), org[i]);
		}
	}
	free(cps);
	free(org);
}

/* --- normal forms ------------------------------------------------------------------------------------------------- */

static void
map_segment(const tg_nstr *in, size_t a, size_t b, tg_nstr *out, int opts, bool drop_mn)
{
	utf8proc_uint8_t *dst = NULL;
	utf8proc_ssize_t k, p;
	size_t i;
	int32_t c;
	bool ascii = true;

	for (i = a; i < b; i++)
		if ((uint8_t)in->s[i] >= 0x80) {
			ascii = false;
			break;
		}
	if (ascii) {
		for (i = a; i < b; i++)
			tg_nstr_put(out, in->s + i, 1, in->orig[i]);
		return;
	}
	k = utf8proc_map((const utf8proc_uint8_t *)in->s + a, (utf8proc_ssize_t)(b - a), &dst,
	                 (utf8proc_option_t)opts);
	if (k < 0) {            /* cannot happen on valid UTF-8; keep the text */
		tg_nstr_put(out, in->s + a, b - a, in->orig[a]);
		return;
	}
	for (p = 0; p < k; ) {
		int m = tg_utf8_next((const char *)dst, (size_t)k, (size_t)p, &c);
		if (!(drop_mn && tg_uc_is_mn(c)))
			tg_nstr_put(out, (const char *)dst + p, (size_t)m, in->orig[a]);
		p += m;
	}
	free(dst);
}

static void
map_words(const tg_nstr *in, tg_nstr *out, int opts, bool drop_mn)
{
	size_t i = 0, start = 0;
	int32_t c;

	while (i < in->n) {
		int m = tg_utf8_next(in->s, in->n, i, &c);
		if (tg_uc_is_space(c)) {
			if (start < i)
				map_segment(in, start, i, out, opts, drop_mn);
			map_segment(in, i, i + m, out, opts, drop_mn);
			start = i + m;
		}
		i += m;
	}
	if (start < in->n)
		map_segment(in, start, in->n, out, opts, drop_mn);
}

void
tg_uc_normalize(const tg_nstr *in, tg_nstr *out, int form)
{
	int opts = UTF8PROC_STABLE;

	switch (form) {
	case TG_NF_NFC:  opts |= UTF8PROC_COMPOSE; break;
	case TG_NF_NFD:  opts |= UTF8PROC_DECOMPOSE; break;
	case TG_NF_NFKC: opts |= UTF8PROC_COMPOSE | UTF8PROC_COMPAT; break;
	default:         opts |= UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT; break;
	}
	map_words(in, out, opts, false);
}

void
tg_uc_strip_accents(const tg_nstr *in, tg_nstr *out)
{
	map_words(in, out, UTF8PROC_STABLE | UTF8PROC_DECOMPOSE, true);
}

void
tg_nstr_from_text(tg_nstr *out, const char *text, size_t len)
{
	size_t i = 0;
	int32_t c;

	while (i < len) {
		int m = tg_utf8_next(text, len, i, &c);
		if (c == 0xfffd && m == 1)
			tg_nstr_putc(out, 0xfffd, (int32_t)i);
		else
			tg_nstr_put(out, text + i, (size_t)m, (int32_t)i);
		i += m;
	}
}

/* --- strings with origins ----------------------------------------------------------------------------------------- */

static void
nstr_reserve(tg_nstr *a, size_t extra)
{
	/* s == NULL: nothing allocated yet, even for an empty put (a replacement that deletes a character put
	 * first wrote its NUL through a NULL pointer; found by fuzz/fuzz-tokenizer-json) */
	if (a->s != NULL && a->n + extra <= a->cap)
		return;
	a->cap = a->cap ? 2 * a->cap : 64;
	while (a->n + extra > a->cap)
		a->cap *= 2;
	a->s = tg_xrealloc(a->s, a->cap + 1);
	a->orig = tg_xrealloc(a->orig, a->cap * sizeof *a->orig);
}

void
tg_nstr_free(tg_nstr *a)
{
	free(a->s);
	free(a->orig);
	memset(a, 0, sizeof *a);
}

void
tg_nstr_put(tg_nstr *a, const char *s, size_t n, int32_t orig)
{
	size_t i;

	nstr_reserve(a, n);
	memcpy(a->s + a->n, s, n);
	for (i = 0; i < n; i++)
		a->orig[a->n + i] = orig;
	a->n += n;
	a->s[a->n] = '\0';
}

void
tg_nstr_putc(tg_nstr *a, int32_t cp, int32_t orig)
{
	char buf[4];
	tg_nstr_put(a, buf, tg_utf8_put(buf, cp), orig);
}
