/* Script bridging: a deterministic transliteration of Turkic Cyrillic (Kazakh, Kyrgyz, Tatar, Bashkir, Sakha,
 * Uyghur, Uzbek, Azerbaijani) and of Arabic-script Uyghur into one Latin Turkic orthography close to Turkish and
 * Azerbaijani spelling (ç ş ğ ı ö ü, ə for ә, q for қ/ق, x for х/خ, ñ for ң/ڭ, c for /dʒ/, j for /ʒ/), so that
 * cognates written in different scripts share subwords. The tables are documented in tamga-script(7); letters that
 * two native letters share (е/э -> e, и/і -> i, ...) or that are dropped (ъ, ь, the Uyghur hamza) make the mapping
 * lossy: tg_translit_ambiguous lists them, and the reverse direction picks the first letter of each table. */
#include <stdlib.h>
#include <string.h>
#include "data/data.h"

typedef struct tl_row {
	uint32_t    lo, up;      /* native letter (lower, upper; up 0 = caseless) */
	const char *lat, *LAT;   /* Latin (lower, upper) */
	int         amb;         /* 1: not reversible (shared with another letter, several letters, or dropped) */
} tl_row;

#define END { 0, 0, NULL, NULL, 0 }

/* The Cyrillic letters every Turkic Cyrillic orthography shares (and Russian loan letters). */
static const tl_row cyr_base[] = {
	{ 0x430, 0x410, "a", "A", 0 }, { 0x431, 0x411, "b", "B", 0 }, { 0x432, 0x412, "v", "V", 0 },
	{ 0x433, 0x413, "g", "G", 0 }, { 0x434, 0x414, "d", "D", 0 }, { 0x435, 0x415, "e", "E", 0 },
	{ 0x451, 0x401, "yo", "Yo", 1 }, { 0x436, 0x416, "j", "J", 0 }, { 0x437, 0x417, "z", "Z", 0 },
	{ 0x438, 0x418, "i", "İ", 0 }, { 0x439, 0x419, "y", "Y", 0 }, { 0x43a, 0x41a, "k", "K", 0 },
	{ 0x43b, 0x41b, "l", "L", 0 }, { 0x43c, 0x41c, "m", "M", 0 }, { 0x43d, 0x41d, "n", "N", 0 },
	{ 0x43e, 0x41e, "o", "O", 0 }, { 0x43f, 0x41f, "p", "P", 0 }, { 0x440, 0x420, "r", "R", 0 },
	{ 0x441, 0x421, "s", "S", 0 }, { 0x442, 0x422, "t", "T", 0 }, { 0x443, 0x423, "u", "U", 0 },
	{ 0x444, 0x424, "f", "F", 0 }, { 0x445, 0x425, "x", "X", 0 }, { 0x446, 0x426, "ts", "Ts", 1 },
	{ 0x447, 0x427, "ç", "Ç", 0 }, { 0x448, 0x428, "ş", "Ş", 0 }, { 0x449, 0x429, "şç", "Şç", 1 },
	{ 0x44a, 0x42a, "", "", 1 }, { 0x44b, 0x42b, "ı", "I", 0 }, { 0x44c, 0x42c, "", "", 1 },
	{ 0x44d, 0x42d, "e", "E", 1 }, { 0x44e, 0x42e, "yu", "Yu", 1 }, { 0x44f, 0x42f, "ya", "Ya", 1 },
	/* Turkic letters */
	{ 0x4d9, 0x4d8, "ə", "Ə", 0 }, { 0x493, 0x492, "ğ", "Ğ", 0 }, { 0x49b, 0x49a, "q", "Q", 0 },
	{ 0x4a3, 0x4a2, "ñ", "Ñ", 0 }, { 0x4e9, 0x4e8, "ö", "Ö", 0 }, { 0x4af, 0x4ae, "ü", "Ü", 0 },
	{ 0x4bb, 0x4ba, "h", "H", 0 }, { 0x456, 0x406, "i", "İ", 1 }, { 0x4b1, 0x4b0, "u", "U", 1 },
	{ 0x497, 0x496, "c", "C", 0 }, { 0x4a1, 0x4a0, "q", "Q", 1 }, { 0x499, 0x498, "z", "Z", 1 },
	{ 0x4ab, 0x4aa, "s", "S", 1 }, { 0x495, 0x494, "ğ", "Ğ", 1 }, { 0x4a5, 0x4a4, "ñ", "Ñ", 1 },
	{ 0x45e, 0x40e, "o", "O", 1 }, { 0x4b3, 0x4b2, "h", "H", 1 }, { 0x4e3, 0x4e2, "i", "İ", 1 },
	{ 0x4ef, 0x4ee, "u", "U", 1 },
	END
};

/* Kyrgyz ж is /dʒ/ (Turkish c); Kyrgyz has no җ. */
static const tl_row cyr_ky[] = { { 0x436, 0x416, "c", "C", 0 }, { 0x497, 0x496, "c", "C", 1 }, END };
/* Bashkir: ҡ is the q letter, ҙ /ð/ and ҫ /θ/ stand where Turkish has z/d and s. */
static const tl_row cyr_ba[] = { { 0x4a1, 0x4a0, "q", "Q", 0 }, { 0x49b, 0x49a, "q", "Q", 1 },
	{ 0x499, 0x498, "z", "Z", 1 }, { 0x4ab, 0x4aa, "s", "S", 1 }, END };
/* Sakha: ҕ and ҥ are its ğ and ñ. */
static const tl_row cyr_sah[] = { { 0x495, 0x494, "ğ", "Ğ", 0 }, { 0x4a5, 0x4a4, "ñ", "Ñ", 0 },
	{ 0x493, 0x492, "ğ", "Ğ", 1 }, { 0x4a3, 0x4a2, "ñ", "Ñ", 1 }, END };
/* Kazakh: і and и both -> i, ұ and у both -> u (listed as ambiguous in the base table). */

/* Arabic-script Uyghur (UEY) -> the same orthography (ULY-like; ج c, ژ j, ې é). Caseless. */
static const tl_row arab_ug[] = {
	{ 0x627, 0, "a", NULL, 0 }, { 0x6d5, 0, "e", NULL, 0 }, { 0x628, 0, "b", NULL, 0 },
	{ 0x67e, 0, "p", NULL, 0 }, { 0x62a, 0, "t", NULL, 0 }, { 0x62c, 0, "c", NULL, 0 },
	{ 0x686, 0, "ç", NULL, 0 }, { 0x62e, 0, "x", NULL, 0 }, { 0x62f, 0, "d", NULL, 0 },
	{ 0x631, 0, "r", NULL, 0 }, { 0x632, 0, "z", NULL, 0 }, { 0x698, 0, "j", NULL, 0 },
	{ 0x633, 0, "s", NULL, 0 }, { 0x634, 0, "ş", NULL, 0 }, { 0x63a, 0, "ğ", NULL, 0 },
	{ 0x641, 0, "f", NULL, 0 }, { 0x642, 0, "q", NULL, 0 }, { 0x643, 0, "k", NULL, 0 },
	{ 0x6af, 0, "g", NULL, 0 }, { 0x6ad, 0, "ñ", NULL, 0 }, { 0x644, 0, "l", NULL, 0 },
	{ 0x645, 0, "m", NULL, 0 }, { 0x646, 0, "n", NULL, 0 }, { 0x6be, 0, "h", NULL, 0 },
	{ 0x648, 0, "o", NULL, 0 }, { 0x6c7, 0, "u", NULL, 0 }, { 0x6c6, 0, "ö", NULL, 0 },
	{ 0x6c8, 0, "ü", NULL, 0 }, { 0x6cb, 0, "v", NULL, 0 }, { 0x6d0, 0, "é", NULL, 0 },
	{ 0x649, 0, "i", NULL, 0 }, { 0x64a, 0, "y", NULL, 0 },
	{ 0x626, 0, "", NULL, 1 },            /* hamza carrier before a vowel: dropped */
	{ 0x6cc, 0, "y", NULL, 1 }, { 0x6a9, 0, "k", NULL, 1 }, { 0x647, 0, "e", NULL, 1 },
	{ 0x640, 0, "", NULL, 1 },            /* tatweel */
	{ 0x60c, 0, ",", NULL, 1 }, { 0x61b, 0, ";", NULL, 1 }, { 0x61f, 0, "?", NULL, 1 },
	END
};

static const tl_row *
lang_extra(const char *lang)
{
	if (strncmp(lang, "ky", 2) == 0 && (lang[2] == '\0' || lang[2] == '-'))
		return cyr_ky;
	if (strncmp(lang, "ba", 2) == 0 && (lang[2] == '\0' || lang[2] == '-'))
		return cyr_ba;
	if (strncmp(lang, "sah", 3) == 0 && (lang[3] == '\0' || lang[3] == '-'))
		return cyr_sah;
	return NULL;
}

/* The row for code point c in language lang: the language's own rows first, then the shared table. *upper is set
 * when c is the upper-case letter. */
static const tl_row *
find_row(const tl_row *extra, uint32_t c, int *upper)
{
	const tl_row *tabs[3] = { extra, cyr_base, arab_ug };
	int t;

	for (t = 0; t < 3; t++) {
		const tl_row *r;
		if (tabs[t] == NULL)
			continue;
		for (r = tabs[t]; r->lat != NULL; r++) {
			if (r->lo == c) {
				*upper = 0;
				return r;
			}
			if (r->up != 0 && r->up == c) {
				*upper = 1;
				return r;
			}
		}
	}
	return NULL;
}

/* One UTF-8 sequence at s (n bytes left): the code point and its length; invalid bytes decode as themselves
 * (length 1, code point 0xFFFD) and are copied unchanged. */
static uint32_t
utf8_at(const unsigned char *s, size_t n, int *len)
{
	if (s[0] < 0x80) {
		*len = 1;
		return s[0];
	}
	if ((s[0] & 0xE0) == 0xC0 && n >= 2 && (s[1] & 0xC0) == 0x80) {
		*len = 2;
		return ((uint32_t)(s[0] & 0x1F) << 6) | (s[1] & 0x3F);
	}
	if ((s[0] & 0xF0) == 0xE0 && n >= 3 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80) {
		*len = 3;
		return ((uint32_t)(s[0] & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
	}
	*len = 1;
	return 0xFFFD;
}

typedef struct sbuf {
	char  *p;
	size_t n, cap;
} sbuf;

static void
sb_put(sbuf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		b->cap = (b->n + n + 1) * 2;
		b->p = tg_xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

char *
tg_translit_latin(const char *lang, const char *s, size_t len, size_t *outlen)
{
	const tl_row *extra = lang_extra(lang ? lang : "");
	sbuf b = { NULL, 0, 0 };
	size_t i = 0;

	sb_put(&b, "", 0);
	while (i < len) {
		int l, up;
		uint32_t c = utf8_at((const unsigned char *)s + i, len - i, &l);
		const tl_row *r = c >= 0x400 && c < 0x700 ? find_row(extra, c, &up) : NULL;
		if (r == NULL) {
			sb_put(&b, s + i, (size_t)l);
		} else {
			const char *o = up ? r->LAT : r->lat;
			/* a capital that maps to two letters is written in full capitals inside an all-capital word */
			if (up && strlen(r->lat) > 1 && *r->lat) {
				int l2 = 0, up2 = 0;
				uint32_t c2 = i + (size_t)l < len ? utf8_at((const unsigned char *)s + i + l, len - i - l, &l2) : 0;
				const tl_row *r2 = c2 >= 0x400 && c2 < 0x700 ? find_row(extra, c2, &up2) : NULL;
				if (r2 != NULL && up2) {
					char big[16];
					size_t k;
					snprintf(big, sizeof big, "%s", r->LAT);
					for (k = 1; big[k]; k++)
						if (big[k] >= 'a' && big[k] <= 'z')
							big[k] = (char)(big[k] - 32);
						else if ((unsigned char)big[k] == 0xC3 && (unsigned char)big[k + 1] == 0xA7)
							big[k + 1] = (char)0x87;     /* ç -> Ç */
					sb_put(&b, big, strlen(big));
					i += (size_t)l;
					continue;
				}
			}
			sb_put(&b, o, strlen(o));
		}
		i += (size_t)l;
	}
	if (outlen)
		*outlen = b.n;
	return b.p;
}

bool
tg_translit_applies(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		int l;
		uint32_t c = utf8_at((const unsigned char *)s + i, len - i, &l);
		if (c >= 0x400 && c < 0x700)
			return true;
		i += (size_t)l;
	}
	return false;
}

/* The reverse: Latin -> the language's native script, by the first reversible letter of its tables that spells the
 * longest match. Latin letters that no native letter spells are copied. */
char *
tg_translit_native(const char *lang, const char *s, size_t len, size_t *outlen)
{
	const tl_row *extra = lang_extra(lang ? lang : ""), *tabs[2];
	sbuf b = { NULL, 0, 0 };
	size_t i = 0;
	bool arab = lang != NULL && strncmp(lang, "ug", 2) == 0 && strcmp(lang, "ug-Cyrl") != 0;

	tabs[0] = arab ? arab_ug : extra;
	tabs[1] = arab ? NULL : cyr_base;
	sb_put(&b, "", 0);
	while (i < len) {
		const tl_row *best = NULL;
		size_t bl = 0;
		int bu = 0, t, l;
		for (t = 0; t < 2; t++) {
			const tl_row *r;
			if (tabs[t] == NULL)
				continue;
			for (r = tabs[t]; r->lat != NULL; r++) {
				int u;
				if (r->amb)
					continue;
				for (u = 0; u < 2; u++) {
					const char *o = u ? r->LAT : r->lat;
					size_t ol = o ? strlen(o) : 0;
					if (ol > bl && ol <= len - i && memcmp(s + i, o, ol) == 0) {
						best = r;
						bl = ol;
						bu = u;
					}
				}
			}
		}
		if (best != NULL) {
			char u8[4];
			uint32_t c = bu && best->up ? best->up : best->lo;
			int n = c < 0x800 ? 2 : 3;
			if (n == 2) {
				u8[0] = (char)(0xC0 | (c >> 6));
				u8[1] = (char)(0x80 | (c & 0x3F));
			} else {
				u8[0] = (char)(0xE0 | (c >> 12));
				u8[1] = (char)(0x80 | ((c >> 6) & 0x3F));
				u8[2] = (char)(0x80 | (c & 0x3F));
			}
			sb_put(&b, u8, (size_t)n);
			i += bl;
			continue;
		}
		utf8_at((const unsigned char *)s + i, len - i, &l);
		sb_put(&b, s + i, (size_t)l);
		i += (size_t)l;
	}
	if (outlen)
		*outlen = b.n;
	return b.p;
}

int
tg_translit_table(const char *lang, tg_translit_letter *out, int max)
{
	const tl_row *extra = lang_extra(lang ? lang : ""), *tabs[2];
	bool arab = lang != NULL && strncmp(lang, "ug", 2) == 0 && strcmp(lang, "ug-Cyrl") != 0;
	int n = 0, t;

	tabs[0] = arab ? arab_ug : extra;
	tabs[1] = arab ? NULL : cyr_base;
	for (t = 0; t < 2; t++) {
		const tl_row *r;
		if (tabs[t] == NULL)
			continue;
		for (r = tabs[t]; r->lat != NULL; r++) {
			int up, k;
			bool dup = false;
			/* a row the language's own table overrides is not its letter */
			if (t == 1 && find_row(extra, r->lo, &up) != r)
				continue;
			for (k = 0; k < n && k < max; k++)
				dup |= out[k].native == r->lo;
			if (dup)
				continue;
			if (n < max) {
				out[n].native = r->lo;
				out[n].native_upper = r->up;
				out[n].latin = r->lat;
				out[n].latin_upper = r->LAT ? r->LAT : r->lat;
				out[n].ambiguous = r->amb != 0;
			}
			n++;
		}
	}
	return n;
}

int
tg_script_choice_parse(const char *s, tg_script_choice *out, tg_error *err)
{
	if (s != NULL && strcmp(s, "native") == 0)
		*out = TG_SCRIPT_AS_WRITTEN;
	else if (s != NULL && strcmp(s, "latin") == 0)
		*out = TG_SCRIPT_TO_LATIN;
	else
		return tg_error_set(err, TG_E_ARG, "script '%s': not a script choice", s ? s : ""),
		    tg_error_hint(err, "use native (the text as written) or latin (Cyrillic and Arabic-script Turkic "
		    "transliterated; see tamga-script(7))");
	return TG_OK;
}

const char *
tg_script_choice_name(tg_script_choice s)
{
	return s == TG_SCRIPT_TO_LATIN ? "latin" : "native";
}
