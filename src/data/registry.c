/* The dataset registry: every task x language x split under the data root, with its files, format and the
 * example count MANIFEST.md states; the data root; scanning which files exist; loading an entry. */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "data/data-internal.h"

#define UD(l, tb, sp, n) \
	{ "udpos", l, sp, tb, TG_FMT_CONLLU, { "udpos/" l "/" l "_" tb "-ud-" sp ".conllu", NULL }, n, NULL }
#define PANX(l, sp, n) \
	{ "ner", l, sp, "panx", TG_FMT_PANX, { "ner/" l "/" sp "-" l ".tsv", NULL }, n, NULL }
#define KNLI(l) \
	{ "nli", l, "dev", "kardes", TG_FMT_KARDES_NLI, { "nli/" l "/kardes-nlu.xnli.dev." l ".csv", NULL }, 1000, NULL }
#define KCOPA(l) \
	{ "copa", l, "dev", "kardes", TG_FMT_KARDES_COPA, { "copa/" l "/kardes-nlu.xcopa.dev." l ".csv", NULL }, 100, NULL }
#define KSTS(l) \
	{ "sts", l, "dev", "kardes", TG_FMT_KARDES_STS, { "sts/" l "/kardes-nlu.sts.dev." l ".csv", NULL }, 200, NULL }
#define TATO(l, l3, n) \
	{ "tatoeba", l, "test", "tatoeba", TG_FMT_TATOEBA, \
	  { "tatoeba/" l "/tatoeba." l3 "-eng." l3, "tatoeba/" l "/tatoeba." l3 "-eng.eng" }, n, NULL }
#define XWMT(a, b, n) \
	{ "parallel", a "-" b, "test", "xwmt", TG_FMT_BITEXT, \
	  { "parallel/" a "-" b "/" a "-" b "." a, "parallel/" a "-" b "/" a "-" b "." b }, n, NULL }
#define NTREX(l) \
	{ "parallel", "en-" l, "test", "ntrex", TG_FMT_BITEXT, \
	  { "parallel/ntrex/ntrex128.en.txt", "parallel/ntrex/ntrex128." l ".txt" }, 1997, NULL }
#define EBIBLE(l, bible) \
	{ "parallel", "en-" l, "train", "ebible-" bible, TG_FMT_EBIBLE, \
	  { "parallel/ebible/en-engwebp.txt", "parallel/ebible/" l "-" bible ".txt" }, -1, NULL }
#define UDHR(l) \
	{ "parallel", "en-" l, "train", "udhr", TG_FMT_BITEXT, \
	  { "parallel/udhr/udhr.en.txt", "parallel/udhr/udhr." l ".txt" }, 31, NULL }
#define GETTEXT(l, n) \
	{ "parallel", "en-" l, "train", "gettext", TG_FMT_GETTEXT, { "parallel/gettext/" l ".tsv", NULL }, n, NULL }
#define TEXT(l, file, corpus, n) \
	{ "text", l, "train", corpus, TG_FMT_TEXT, { "text/" l "/" file, NULL }, n, NULL }

const tg_data_entry tg_data_table[] = {
	/* udpos: UD treebanks (MANIFEST.md "udpos" rows) */
	UD("en", "ewt", "train", 12544), UD("en", "ewt", "dev", 2001), UD("en", "ewt", "test", 2077),
	UD("en", "atis", "train", 4274), UD("en", "atis", "dev", 572), UD("en", "atis", "test", 586),
	UD("en", "pud", "test", 1000),
	UD("tr", "imst", "train", 3435), UD("tr", "imst", "dev", 1100), UD("tr", "imst", "test", 1100),
	UD("tr", "boun", "dev", 979),
	UD("tr", "atis", "train", 4274), UD("tr", "atis", "dev", 572), UD("tr", "atis", "test", 586),
	UD("tr", "framenet", "train", 2288), UD("tr", "framenet", "dev", 205), UD("tr", "framenet", "test", 205),
	UD("tr", "gb", "test", 2880),
	UD("tr", "kenet", "dev", 1646), UD("tr", "kenet", "test", 1643),
	UD("tr", "penn", "dev", 622), UD("tr", "penn", "test", 924),
	UD("tr", "tourism", "dev", 2166), UD("tr", "tourism", "test", 2191),
	UD("tr", "pud", "test", 1000),
	UD("tr", "tuecl", "test", 148),
	UD("kk", "ktb", "train", 31), UD("kk", "ktb", "test", 1047),
	UD("ug", "udt", "train", 1656), UD("ug", "udt", "dev", 900), UD("ug", "udt", "test", 900),
	UD("ky", "ktmu", "train", 1258), UD("ky", "ktmu", "test", 1222), UD("ky", "tuecl", "test", 173),
	UD("tt", "nmctt", "test", 148),
	UD("az", "tuecl", "test", 148),
	UD("uz", "ut", "test", 500), UD("uz", "tuecl", "test", 148),
	UD("sah", "yktdt", "test", 299),
	UD("otk", "tonqq", "test", 18), UD("otk", "clausal", "test", 20),
	UD("ota", "boun", "train", 114), UD("ota", "boun", "test", 400),
	UD("ota", "dudu", "train", 20), UD("ota", "dudu", "test", 1762),

	/* ner: PAN-X as processed by XTREME; KazNERD */
	PANX("en", "train", 20000), PANX("en", "dev", 10000), PANX("en", "test", 10000),
	PANX("tr", "train", 20000), PANX("tr", "dev", 10000), PANX("tr", "test", 10000),
	PANX("az", "train", 10000), PANX("az", "dev", 1000),
	PANX("kk", "train", 1000), PANX("kk", "dev", 1000),
	{ "ner", "kk", "dev", "kaznerd", TG_FMT_KAZNERD, { "ner/kk/KazNERD_IOB2_valid.txt", NULL }, 11167, NULL },

	/* nli: XNLI dev (XTREME TSV); Kardes-NLU dev (rows of XNLI dev, translated) */
	{ "nli", "en", "dev", "xnli", TG_FMT_XNLI, { "nli/en/xnli.dev-en.tsv", NULL }, 2490, NULL },
	{ "nli", "tr", "dev", "xnli", TG_FMT_XNLI, { "nli/tr/xnli.dev-tr.tsv", NULL }, 2490, NULL },
	KNLI("az"), KNLI("kk"), KNLI("ky"), KNLI("uz"), KNLI("ug"),

	/* copa: XCOPA tr (val = dev); Kardes-NLU dev (= COPA ids 401-500) */
	{ "copa", "tr", "dev", "xcopa", TG_FMT_XCOPA, { "copa/tr/val.tr.jsonl", NULL }, 100, NULL },
	{ "copa", "tr", "test", "xcopa", TG_FMT_XCOPA, { "copa/tr/test.tr.jsonl", NULL }, 500, NULL },
	KCOPA("az"), KCOPA("kk"), KCOPA("ky"), KCOPA("uz"), KCOPA("ug"),

	/* sts: Kardes-NLU dev */
	KSTS("az"), KSTS("kk"), KSTS("ky"), KSTS("uz"), KSTS("ug"),

	/* tatoeba: LASER v1 xx-eng pairs (a = xx, b = eng) */
	TATO("tr", "tur", 1000), TATO("az", "aze", 1000), TATO("kk", "kaz", 575), TATO("tt", "tat", 1000),
	TATO("ug", "uig", 1000), TATO("uz", "uzb", 428), TATO("tk", "tuk", 203),

	/* parallel: X-WMT test sets (a = first language of the pair) */
	XWMT("az", "ba", 600), XWMT("az", "kk", 500), XWMT("az", "ky", 500), XWMT("az", "sah", 300),
	XWMT("az", "uz", 600), XWMT("ba", "kk", 700), XWMT("ba", "ky", 500), XWMT("ba", "sah", 300),
	XWMT("ba", "uz", 900), XWMT("en", "az", 600), XWMT("en", "ba", 1000), XWMT("en", "kk", 700),
	XWMT("en", "ky", 500), XWMT("en", "sah", 300), XWMT("en", "tr", 700), XWMT("en", "uz", 900),
	XWMT("kk", "ky", 500), XWMT("kk", "sah", 300), XWMT("kk", "uz", 700), XWMT("ky", "sah", 300),
	XWMT("ky", "uz", 500), XWMT("sah", "uz", 300), XWMT("tr", "az", 500), XWMT("tr", "ba", 700),
	XWMT("tr", "kk", 500), XWMT("tr", "ky", 400), XWMT("tr", "sah", 300), XWMT("tr", "uz", 600),
	/* parallel: NTREX-128 (newstest2019), English with each language */
	NTREX("az"), NTREX("ba"), NTREX("kk"), NTREX("ky"), NTREX("tt"), NTREX("tk"), NTREX("tr"), NTREX("ug"),
	NTREX("uz"),
	/* parallel: eBible verses (empty = verse absent, <range> = merged into the previous verse) */
	EBIBLE("tr", "turytc"), EBIBLE("tr", "turobt"), EBIBLE("az", "azb"),
	/* parallel: UDHR articles (article 1 is blank in en: 31 pairs) */
	UDHR("tr"), UDHR("az-Latn"), UDHR("az-Cyrl"), UDHR("azb"), UDHR("ky"), UDHR("uz-Latn"), UDHR("uz-Cyrl"),
	UDHR("ug-Arab"), UDHR("ug-Latn"), UDHR("tt"), UDHR("tk"), UDHR("sah"), UDHR("alt"), UDHR("tyv"),
	UDHR("kjh"), UDHR("cjs"), UDHR("slr"), UDHR("gag"),
	/* parallel: gettext UI strings (a = English, b = translation) */
	GETTEXT("tr", 100618), GETTEXT("kk", 36921), GETTEXT("ug", 25454), GETTEXT("az", 11269),
	GETTEXT("uz", 7560), GETTEXT("ky", 3795), GETTEXT("tt", 2627), GETTEXT("uz-Cyrl", 2498),
	GETTEXT("tk", 2057), GETTEXT("tt-Latn", 395), GETTEXT("cv", 363),

	/* text: one sentence per line */
	TEXT("en", "en.train-dev-derived.txt", "derived", 38092),
	TEXT("tr", "tr.train-dev-derived.txt", "derived", 35407),
	TEXT("kk", "kk.train-dev-derived.txt", "derived", 12072),
	TEXT("az", "az.train-dev-derived.txt", "derived", 8620),
	TEXT("ug", "ug.train-dev-derived.txt", "derived", 2555),
	TEXT("ky", "ky.train-dev-derived.txt", "derived", 1250),
	TEXT("ota", "ota.train-dev-derived.txt", "derived", 134),
	TEXT("ba", "ba.bashkir-corpus.txt", "bashkir-corpus", 30186),
	TEXT("cv", "cv.udhr-package-chv.txt", "udhr-package", 28),
};
const int tg_data_table_len = (int)(sizeof tg_data_table / sizeof tg_data_table[0]);

/* Files under the root that are documentation or metadata, not datasets. */
static const char *const not_data[] = {
	"*.md", "LICENSE*", "README*", "*SOURCE*", "DOCUMENT_IDS*", "vref.txt", "udhr.keys.txt",
	"public_domain_metatable*", TG_REGISTRY_FILE
};

const char *
tg_format_name(tg_format f)
{
	switch (f) {
	case TG_FMT_CONLLU:      return "conllu";
	case TG_FMT_PANX:        return "panx";
	case TG_FMT_KAZNERD:     return "kaznerd";
	case TG_FMT_XNLI:        return "xnli-tsv";
	case TG_FMT_KARDES_NLI:  return "kardes-nli-csv";
	case TG_FMT_XCOPA:       return "xcopa-jsonl";
	case TG_FMT_KARDES_COPA: return "kardes-copa-csv";
	case TG_FMT_KARDES_STS:  return "kardes-sts-csv";
	case TG_FMT_TATOEBA:     return "tatoeba";
	case TG_FMT_BITEXT:      return "bitext";
	case TG_FMT_EBIBLE:      return "ebible";
	case TG_FMT_GETTEXT:     return "gettext-tsv";
	case TG_FMT_TEXT:        return "text";
	}
	return "?";
}

int
tg_lang_code_valid(const char *code)
{
	const char *p = code;
	int n = 0;

	if (code == NULL)
		return 0;
	while (*p >= 'a' && *p <= 'z')
		p++, n++;
	if (n < 2 || n > 3)
		return 0;
	while (*p == '-') {
		p++;
		for (n = 0; (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9'); p++)
			n++;
		if (n < 2 || n > 8)
			return 0;
	}
	return *p == '\0' && strlen(code) < 16;
}

int
tg_format_parse(const char *name)
{
	static const struct { const char *name; tg_format f; } alias[] = {
		{ "conllu", TG_FMT_CONLLU }, { "panx", TG_FMT_PANX }, { "kaznerd", TG_FMT_KAZNERD },
		{ "xnli", TG_FMT_XNLI }, { "kardes-nli", TG_FMT_KARDES_NLI }, { "xcopa", TG_FMT_XCOPA },
		{ "copa", TG_FMT_XCOPA }, { "kardes-copa", TG_FMT_KARDES_COPA }, { "kardes-sts", TG_FMT_KARDES_STS },
		{ "gettext", TG_FMT_GETTEXT },
	};
	int f;
	size_t i;

	if (name == NULL)
		return -1;
	for (i = 0; i < sizeof alias / sizeof alias[0]; i++)
		if (strcmp(alias[i].name, name) == 0)
			return (int)alias[i].f;
	for (f = TG_FMT_CONLLU; f <= TG_FMT_TEXT; f++)
		if (strcmp(tg_format_name((tg_format)f), name) == 0)
			return f;
	return -1;
}

tg_ds_kind
tg_format_kind(tg_format f)
{
	switch (f) {
	case TG_FMT_CONLLU: case TG_FMT_PANX: case TG_FMT_KAZNERD:
		return TG_DS_TAGGING;
	case TG_FMT_XNLI: case TG_FMT_KARDES_NLI:
		return TG_DS_PAIRS;
	case TG_FMT_XCOPA: case TG_FMT_KARDES_COPA:
		return TG_DS_CHOICE;
	case TG_FMT_KARDES_STS:
		return TG_DS_REGRESSION;
	case TG_FMT_TATOEBA: case TG_FMT_BITEXT: case TG_FMT_EBIBLE: case TG_FMT_GETTEXT:
		return TG_DS_BITEXT;
	case TG_FMT_TEXT:
		return TG_DS_LINES;
	}
	return 0;
}

const char *
tg_data_root(const char *opt, tg_error *err)
{
	const char *root = opt != NULL && *opt ? opt : getenv("TAMGA_DATA");
	static char found[4096];
	struct stat st;

	/* Without --data or TAMGA_DATA: the folder 'tamga data fetch' fills, then a ../shared/data beside the
	 * checkout (the layout of the development and CI machines); each only when it holds MANIFEST.md. */
	if (root == NULL || *root == '\0') {
		const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
		const char *cands[3] = { NULL, "../shared/data", NULL };
		int i;
		if (xdg != NULL && *xdg)
			snprintf(found, sizeof found, "%s/tamga", xdg);
		else if (home != NULL && *home)
			snprintf(found, sizeof found, "%s/.local/share/tamga", home);
		else
			found[0] = '\0';
		for (i = 0; i < 2; i++) {
			char probe[4200];
			const char *c = i == 0 ? (found[0] ? found : NULL) : cands[1];
			if (c == NULL)
				continue;
			snprintf(probe, sizeof probe, "%s/MANIFEST.md", c);
			if (stat(probe, &st) == 0) {
				if (c != found)
					snprintf(found, sizeof found, "%s", c);
				return found;
			}
		}
		(void)cands;
	}
	if (root == NULL || *root == '\0') {
		tg_error_set(err, TG_E_ARG, "no data root given");
		tg_error_hint(err, "pass --data DIR or set TAMGA_DATA to the folder holding MANIFEST.md "
		    "(e.g. export TAMGA_DATA=../shared/data)");
		return NULL;
	}
	if (stat(root, &st) != 0 || !S_ISDIR(st.st_mode)) {
		tg_error_set(err, TG_E_IO, "data root %s: %s", root, stat(root, &st) != 0 ? strerror(errno) :
		    "not a directory");
		tg_error_hint(err, "%s", opt != NULL && *opt ? "check the --data argument" : "check $TAMGA_DATA");
		return NULL;
	}
	return root;
}

static char *
join_path(const char *root, const char *rel)
{
	char *p;
	size_t n = strlen(root);

	while (n > 1 && root[n - 1] == '/')
		n--;
	tg_xasprintf(&p, "%.*s/%s", (int)n, root, rel);
	return p;
}

static int
is_known(const tg_registry *r, const char *rel)
{
	int i, k;

	for (i = 0; i < r->n; i++)
		for (k = 0; k < 2; k++)
			if (r->item[i].e->file[k] != NULL && strcmp(r->item[i].e->file[k], rel) == 0)
				return 1;
	return 0;
}

static int
is_not_data(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof not_data / sizeof not_data[0]; i++)
		if (fnmatch(not_data[i], name, 0) == 0)
			return 1;
	return 0;
}

static void
walk(tg_registry *r, const char *root, const char *rel, int depth, int *cap)
{
	char *dir = rel[0] ? join_path(root, rel) : tg_xstrdup(root);
	DIR *d = opendir(dir);
	struct dirent *de;

	if (d == NULL || depth > 8) {
		if (d)
			closedir(d);
		free(dir);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		char *sub, *full;
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		if (rel[0])
			tg_xasprintf(&sub, "%s/%s", rel, de->d_name);
		else
			sub = tg_xstrdup(de->d_name);
		full = join_path(root, sub);
		if (stat(full, &st) == 0 && S_ISDIR(st.st_mode))
			walk(r, root, sub, depth + 1, cap);
		else if (!is_known(r, sub) && !is_not_data(de->d_name) && strchr(sub, '/') != NULL) {
			if (r->n_unknown == *cap) {
				*cap = *cap ? 2 * *cap : 16;
				r->unknown = tg_xrealloc(r->unknown, (size_t)*cap * sizeof(char *));
			}
			r->unknown[r->n_unknown++] = sub;
			sub = NULL;
		}
		free(sub);
		free(full);
	}
	closedir(d);
	free(dir);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---- the registry file (<root>/registry.tsv) -------------------------------------------------------------- */

static const char *const known_tasks[] = { "udpos", "ner", "nli", "copa", "sts", "tatoeba", "parallel", "text" };

/* One line of the registry file into e (strings duplicated); TG_ERR with "file:line: what" and a hint. */
static int
user_entry(tg_data_entry *e, char *line, const char *path, int64_t lineno, tg_error *err)
{
	char *f[8], *p = line, *tab;
	int nf = 0, fmt;
	size_t i;

	for (;;) {
		if (nf < 8)
			f[nf] = p;
		nf++;
		if ((tab = strchr(p, '\t')) == NULL)
			break;
		*tab = '\0';
		p = tab + 1;
	}
	if (nf < 6 || nf > 7) {
		tg_error_at(err, path, lineno, "expected 6 or 7 tab-separated fields (task lang split format path licence "
		    "[corpus]), found %d", nf);
		return tg_error_hint(err, "e.g. udpos<TAB>xyz<TAB>test<TAB>conllu<TAB>xyz/xyz-ud-test.conllu<TAB>CC BY-SA 4.0");
	}
	for (i = 0; i < sizeof known_tasks / sizeof *known_tasks; i++)
		if (strcmp(f[0], known_tasks[i]) == 0)
			break;
	if (i == sizeof known_tasks / sizeof *known_tasks) {
		tg_error_at(err, path, lineno, "unknown task '%s'", f[0]);
		return tg_error_hint(err, "tasks: udpos ner nli copa sts tatoeba parallel text");
	}
	if (!tg_lang_code_valid(f[1])) {
		tg_error_at(err, path, lineno, "'%s' is not a plausible language code", f[1]);
		return tg_error_hint(err, "2-3 lowercase letters (ISO 639), optionally with subtags: xyz, kk, ug-Arab");
	}
	if (strcmp(f[2], "train") != 0 && strcmp(f[2], "dev") != 0 && strcmp(f[2], "test") != 0)
		return tg_error_at(err, path, lineno, "split '%s': use train, dev or test", f[2]);
	if ((fmt = tg_format_parse(f[3])) < 0) {
		tg_error_at(err, path, lineno, "unknown format '%s'", f[3]);
		return tg_error_hint(err, "formats: conllu panx kaznerd xnli kardes-nli xcopa kardes-copa kardes-sts gettext "
		    "text");
	}
	if (fmt == TG_FMT_TATOEBA || fmt == TG_FMT_BITEXT || fmt == TG_FMT_EBIBLE)
		return tg_error_at(err, path, lineno, "format %s reads two files; the registry file takes one-file formats",
		    f[3]);
	if (f[4][0] == '\0' || f[5][0] == '\0')
		return tg_error_at(err, path, lineno, "empty %s", f[4][0] == '\0' ? "path" : "licence (write 'unknown' if "
		    "it is not stated)");
	if (nf == 7 && f[6][0] == '\0')
		return tg_error_at(err, path, lineno, "empty corpus name (leave the field out for 'user')");
	e->task = tg_xstrdup(f[0]);
	e->lang = tg_xstrdup(f[1]);
	e->split = tg_xstrdup(f[2]);
	e->format = (tg_format)fmt;
	e->file[0] = tg_xstrdup(f[4]);
	e->file[1] = NULL;
	e->licence = tg_xstrdup(f[5]);
	e->corpus = tg_xstrdup(nf == 7 ? f[6] : "user");
	e->expect = -1;
	return TG_OK;
}

static void
user_entries_free(tg_data_entry *u, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		free((char *)u[i].task);
		free((char *)u[i].lang);
		free((char *)u[i].split);
		free((char *)u[i].corpus);
		free((char *)u[i].file[0]);
		free((char *)u[i].licence);
	}
	free(u);
}

/* Entries of <root>/registry.tsv (none when there is no such file); their lines go to *lines. */
static int
read_user_registry(const char *root, tg_data_entry **out, int64_t **lines, int *n_out, tg_error *err)
{
	char *path = join_path(root, TG_REGISTRY_FILE), *buf, *start, *line;
	size_t len, linelen;
	tg_lineit it;
	struct stat st;
	int n = 0, cap = 0, header = 0;

	*out = NULL;
	*lines = NULL;
	*n_out = 0;
	if (stat(path, &st) != 0) {
		free(path);
		return TG_OK;
	}
	if (tg_file_slurp(path, &buf, &len, &start, err) != TG_OK) {
		free(path);
		return TG_ERR;
	}
	tg_lineit_init(&it, start, buf + len);
	while ((line = tg_lineit_next(&it, &linelen)) != NULL) {
		if (!header) {
			if (strncmp(line, "# tamga-registry ", 17) != 0 || strcmp(line + 17, "1") != 0) {
				tg_error_at(err, path, it.line, "%s", strncmp(line, "# tamga-registry ", 17) == 0 ?
				    "registry version not supported (this tamga reads version 1)" :
				    "not a tamga registry file (the first line must be '# tamga-registry 1')");
				tg_error_hint(err, "see tamga(5), REGISTRY FILE");
				goto fail;
			}
			header = 1;
			continue;
		}
		if (linelen == 0 || line[0] == '#')
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			*out = tg_xrealloc(*out, (size_t)cap * sizeof **out);
			*lines = tg_xrealloc(*lines, (size_t)cap * sizeof **lines);
		}
		if (user_entry(&(*out)[n], line, path, it.line, err) != TG_OK)
			goto fail;
		(*lines)[n++] = it.line;
	}
	free(buf);
	free(path);
	*n_out = n;
	return TG_OK;
fail:
	free(buf);
	free(path);
	user_entries_free(*out, n);
	free(*lines);
	*out = NULL;
	*lines = NULL;
	return TG_ERR;
}

tg_registry *
tg_registry_scan(const char *root, tg_error *err)
{
	tg_registry *r;
	struct stat st;
	int i, k, cap = 0;
	int64_t *user_lines = NULL;

	if (root == NULL || stat(root, &st) != 0 || !S_ISDIR(st.st_mode)) {
		tg_error_set(err, TG_E_IO, "data root %s: %s", root ? root : "(none)",
		    root == NULL ? "not given" : stat(root, &st) != 0 ? strerror(errno) : "not a directory");
		tg_error_hint(err, "pass --data DIR or set TAMGA_DATA");
		return NULL;
	}
	r = tg_xcalloc(1, sizeof(tg_registry));
	r->root = tg_xstrdup(root);
	if (read_user_registry(root, &r->user, &user_lines, &r->n_user, err) != TG_OK) {
		free(r->root);
		free(r);
		return NULL;
	}
	r->n = tg_data_table_len + r->n_user;
	r->item = tg_xcalloc((size_t)r->n, sizeof(tg_registry_item));
	for (i = 0; i < r->n; i++) {
		tg_registry_item *it = &r->item[i];

		it->e = i < tg_data_table_len ? &tg_data_table[i] : &r->user[i - tg_data_table_len];
		if (i >= tg_data_table_len)
			tg_xasprintf(&it->origin, "%s:%lld", TG_REGISTRY_FILE, (long long)user_lines[i - tg_data_table_len]);
		it->present = 1;
		for (k = 0; k < 2; k++) {
			if (it->e->file[k] == NULL)
				continue;
			it->path[k] = it->e->file[k][0] == '/' ? tg_xstrdup(it->e->file[k]) : join_path(root, it->e->file[k]);
			if (stat(it->path[k], &st) == 0 && S_ISREG(st.st_mode))
				it->bytes += st.st_size;
			else
				it->present = 0;
		}
	}
	free(user_lines);
	walk(r, root, "", 0, &cap);
	if (r->n_unknown > 1)
		qsort(r->unknown, (size_t)r->n_unknown, sizeof(char *), cmp_str);
	return r;
}

void
tg_registry_free(tg_registry *r)
{
	int i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++) {
		free(r->item[i].path[0]);
		free(r->item[i].path[1]);
		free(r->item[i].origin);
	}
	user_entries_free(r->user, r->n_user);
	tg_strv_free(r->unknown, r->n_unknown);
	free(r->item);
	free(r->root);
	free(r);
}

int
tg_registry_find(const tg_registry *r, const char *task, const char *lang, const char *split, int present_only,
    int *idx, int max)
{
	int i, n = 0;

	for (i = 0; i < r->n; i++) {
		const tg_data_entry *e = r->item[i].e;

		if ((task && strcmp(task, e->task)) || (lang && strcmp(lang, e->lang)) ||
		    (split && strcmp(split, e->split)) || (present_only && !r->item[i].present))
			continue;
		if (n < max && idx != NULL)
			idx[n] = i;
		n++;
	}
	return n;
}

tg_dataset *
tg_dataset_read(tg_format f, const char *path, const char *path2, const tg_read_opts *opts, tg_error *err)
{
	if (tg_format_kind(f) == TG_DS_BITEXT && f != TG_FMT_GETTEXT && path2 == NULL) {
		tg_error_set(err, TG_E_ARG, "%s: format %s needs two files", path, tg_format_name(f));
		return NULL;
	}
	switch (f) {
	case TG_FMT_CONLLU:      return tg_conllu_read(path, opts, err);
	case TG_FMT_PANX:        return tg_panx_read(path, opts, err);
	case TG_FMT_KAZNERD:     return tg_kaznerd_read(path, opts, err);
	case TG_FMT_XNLI:        return tg_xnli_read(path, opts, err);
	case TG_FMT_KARDES_NLI:  return tg_kardes_nli_read(path, opts, err);
	case TG_FMT_XCOPA:       return tg_xcopa_read(path, err);
	case TG_FMT_KARDES_COPA: return tg_kardes_copa_read(path, err);
	case TG_FMT_KARDES_STS:  return tg_kardes_sts_read(path, err);
	case TG_FMT_TATOEBA:     return tg_tatoeba_read(path, path2, err);
	case TG_FMT_BITEXT:      return tg_bitext_read(path, path2, opts, err);
	case TG_FMT_EBIBLE:      return tg_ebible_read(path, path2, err);
	case TG_FMT_GETTEXT:     return tg_gettext_read(path, err);
	case TG_FMT_TEXT:        return tg_lines_read(path, opts, err);
	}
	tg_error_set(err, TG_E_ARG, "%s: unknown format %d", path, (int)f);
	return NULL;
}

tg_dataset *
tg_registry_load(const tg_registry *r, int i, const tg_read_opts *opts, tg_error *err)
{
	const tg_registry_item *it;

	if (i < 0 || i >= r->n) {
		tg_error_set(err, TG_E_ARG, "registry: no entry %d (have %d)", i, r->n);
		return NULL;
	}
	it = &r->item[i];
	if (!it->present) {
		tg_error_set(err, TG_E_IO, "%s/%s/%s (%s): %s%s%s not found under %s", it->e->task, it->e->lang,
		    it->e->split, it->e->corpus, it->e->file[0], it->e->file[1] ? " or " : "",
		    it->e->file[1] ? it->e->file[1] : "", r->root);
		tg_error_hint(err, "`tamga data list` shows what the data root holds");
		return NULL;
	}
	return tg_dataset_read(it->e->format, it->path[0], it->path[1], opts, err);
}
