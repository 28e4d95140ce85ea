/* Per-item score files ("tamga-items 1"): what the trainer writes for each evaluation so that scores and TTC get
 * confidence intervals over test items. The format is described in analysis.h. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "analysis/analysis.h"

static const char *const stat_names[TG_ITEMS_NSTATS] = { "mean", "ratio", "f1", "pearson", "spearman" };
static const int stat_width[TG_ITEMS_NSTATS] = { 1, 2, 3, 2, 2 };

const char *
tg_items_stat_name(tg_items_stat st)
{
	return (unsigned)st < TG_ITEMS_NSTATS ? stat_names[st] : "?";
}

int
tg_items_stat_parse(const char *name)
{
	int i;

	for (i = 0; name != NULL && i < TG_ITEMS_NSTATS; i++)
		if (strcmp(name, stat_names[i]) == 0)
			return i;
	return -1;
}

int
tg_items_stat_width(tg_items_stat st)
{
	return (unsigned)st < TG_ITEMS_NSTATS ? stat_width[st] : 0;
}

tg_items *
tg_items_new(tg_items_stat st, int64_t n)
{
	tg_items *it = tg_xcalloc(1, sizeof *it);

	it->stat = st;
	it->k = tg_items_stat_width(st);
	it->chance = NAN;
	it->n = n > 0 ? n : 0;
	it->v = tg_xcalloc((size_t)(it->n * it->k > 0 ? it->n * it->k : 1), sizeof *it->v);
	return it;
}

void
tg_items_free(tg_items *it)
{
	if (it == NULL)
		return;
	free(it->v);
	free(it);
}

char *
tg_items_path(const char *workspace, int64_t run_id, int64_t step, tg_split split, const char *lang,
    const char *metric)
{
	char *p, *q;

	tg_xasprintf(&p, "%s/items/run-%lld/%s-%s-%s-%lld.items", workspace, (long long)run_id, tg_split_name(split),
	    lang, metric, (long long)step);
	/* a metric like "acc@1" is fine in a file name; a slash in a name would not be */
	for (q = p + strlen(workspace) + 1; *q; q++)
		if (*q == ' ' || *q == '\\')
			*q = '_';
	return p;
}

int
tg_items_write(const char *path, const tg_items *it, tg_error *err)
{
	char *tmp, *dir, *slash;
	FILE *f;
	int64_t i;
	int j;

	if (it == NULL || (unsigned)it->stat >= TG_ITEMS_NSTATS || it->k != stat_width[it->stat])
		return tg_error_set(err, TG_E_ARG, "%s: items: bad stat or width", path);
	tg_xasprintf(&tmp, "%s.tmp", path);
	/* the folder is made only when the file cannot be created without it (a gather writes thousands of files into
	 * a few folders: making every parent for each cost 5 mkdir calls a file) */
	if ((f = fopen(tmp, "w")) == NULL && errno == ENOENT) {
		dir = tg_xstrdup(path);
		if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
			*slash = '\0';
			tg_mkdirs(dir, 0777);      /* a folder that cannot be made shows as the file's open error below */
		}
		free(dir);
		f = fopen(tmp, "w");
	}
	if (f == NULL) {
		tg_error_set(err, TG_E_IO, "%s: %s", tmp, strerror(errno));
		free(tmp);
		return TG_ERR;
	}
	fprintf(f, "%s %d\nrun %lld\nstep %lld\nsplit %s\nlang %s\nmetric %s\nstat %s\n", TG_ITEMS_MAGIC,
	    TG_ITEMS_VERSION, (long long)it->run_id, (long long)it->step, tg_split_name(it->split), it->lang,
	    it->metric, stat_names[it->stat]);
	if (!isnan(it->chance))
		fprintf(f, "chance %.17g\n", it->chance);
	fprintf(f, "items %lld\n", (long long)it->n);
	for (i = 0; i < it->n; i++) {
		for (j = 0; j < it->k; j++)
			fprintf(f, j ? " %.17g" : "%.17g", it->v[i * it->k + j]);
		fputc('\n', f);
	}
	if (ferror(f) | (fclose(f) != 0) || rename(tmp, path) != 0) {
		tg_error_set(err, TG_E_IO, "%s: write failed: %s", path, strerror(errno));
		remove(tmp);
		free(tmp);
		return TG_ERR;
	}
	free(tmp);
	return TG_OK;
}

/* Next line of buf at *pos (newline replaced by NUL); NULL at the end. */
static char *
next_line(char *buf, size_t len, size_t *pos)
{
	char *s, *e;

	if (*pos >= len)
		return NULL;
	s = buf + *pos;
	e = memchr(s, '\n', len - *pos);
	if (e == NULL)
		e = buf + len;
	*e = '\0';
	*pos = (size_t)(e - buf) + 1;
	if (e > s && e[-1] == '\r')
		e[-1] = '\0';
	return s;
}

tg_items *
tg_items_read(const char *path, tg_error *err)
{
	size_t len, pos = 0;
	char *buf = tg_read_file(path, &len, err), *line, *end;
	tg_items *it = NULL;
	int lineno = 0, stat = -1, version, have_run = 0, have_step = 0, have_magic = 0;
	int64_t run = 0, step = 0, n = -1, i = 0;
	char lang[16] = "", metric[32] = "";
	tg_split split = TG_SPLIT_TEST;
	double chance = NAN;

	if (buf == NULL)
		return NULL;
	while ((line = next_line(buf, len, &pos)) != NULL) {
		char key[32], val[64];

		lineno++;
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (!have_magic || it == NULL) {
			if (sscanf(line, "%31s %63s", key, val) != 2 && !have_magic)
				key[0] = '\0';                 /* reported as a missing magic below */
			else if (sscanf(line, "%31s %63s", key, val) != 2) {
				tg_error_set(err, TG_E_FORMAT, "%s:%d: expected 'key value'", path, lineno);
				goto fail;
			}
			if (!have_magic) {
				if (strcmp(key, TG_ITEMS_MAGIC) != 0) {
					tg_error_set(err, TG_E_FORMAT, "%s:%d: not a per-item score file (no '%s' line)", path,
					    lineno, TG_ITEMS_MAGIC);
					tg_error_hint(err, "the first line must be '%s %d'", TG_ITEMS_MAGIC, TG_ITEMS_VERSION);
					goto fail;
				}
				have_magic = 1;
				version = atoi(val);
				if (version != TG_ITEMS_VERSION) {
					tg_error_set(err, TG_E_FORMAT, "%s:%d: items format version %d, this tamga reads %d",
					    path, lineno, version, TG_ITEMS_VERSION);
					tg_error_hint(err, "rewrite the file with this tamga's trainer, or update tamga");
					goto fail;
				}
			} else if (strcmp(key, "run") == 0) {
				run = strtoll(val, NULL, 10), have_run = 1;
			} else if (strcmp(key, "step") == 0) {
				step = strtoll(val, NULL, 10), have_step = 1;
			} else if (strcmp(key, "split") == 0) {
				if (strcmp(val, "dev") == 0)
					split = TG_SPLIT_DEV;
				else if (strcmp(val, "test") == 0)
					split = TG_SPLIT_TEST;
				else {
					tg_error_set(err, TG_E_FORMAT, "%s:%d: split '%s' (dev or test)", path, lineno, val);
					goto fail;
				}
			} else if (strcmp(key, "lang") == 0) {
				snprintf(lang, sizeof lang, "%.15s", val);
			} else if (strcmp(key, "metric") == 0) {
				snprintf(metric, sizeof metric, "%.31s", val);
			} else if (strcmp(key, "stat") == 0) {
				if ((stat = tg_items_stat_parse(val)) < 0) {
					tg_error_set(err, TG_E_FORMAT, "%s:%d: unknown stat '%s'", path, lineno, val);
					tg_error_hint(err, "one of mean, ratio, f1, pearson, spearman");
					goto fail;
				}
			} else if (strcmp(key, "chance") == 0) {
				chance = strtod(val, NULL);
			} else if (strcmp(key, "items") == 0) {
				n = strtoll(val, &end, 10);
				if (*end != '\0' || n < 0) {
					tg_error_set(err, TG_E_FORMAT, "%s:%d: bad item count '%s'", path, lineno, val);
					goto fail;
				}
				if (stat < 0 || !have_run || !have_step || !lang[0] || !metric[0]) {
					tg_error_set(err, TG_E_FORMAT, "%s:%d: header incomplete before 'items'", path, lineno);
					tg_error_hint(err, "the header needs run, step, split, lang, metric and stat");
					goto fail;
				}
				it = tg_items_new((tg_items_stat)stat, n);
				it->run_id = run;
				it->step = step;
				it->split = split;
				snprintf(it->lang, sizeof it->lang, "%s", lang);
				snprintf(it->metric, sizeof it->metric, "%s", metric);
				it->chance = chance;
			}
			/* unknown keys are ignored: later versions may add optional ones */
			continue;
		}
		if (i >= it->n) {
			tg_error_set(err, TG_E_FORMAT, "%s:%d: more item lines than the %lld announced", path, lineno,
			    (long long)it->n);
			goto fail;
		}
		{
			char *p = line;
			int j;

			for (j = 0; j < it->k; j++) {
				double v = strtod(p, &end);

				if (end == p) {
					tg_error_set(err, TG_E_FORMAT, "%s:%d: expected %d number%s per item, found %d", path,
					    lineno, it->k, it->k == 1 ? "" : "s", j);
					goto fail;
				}
				it->v[i * it->k + j] = v;
				p = end;
			}
			while (*p == ' ' || *p == '\t')
				p++;
			if (*p != '\0') {
				tg_error_set(err, TG_E_FORMAT, "%s:%d: expected %d number%s per item, found more", path,
				    lineno, it->k, it->k == 1 ? "" : "s");
				goto fail;
			}
		}
		i++;
	}
	if (it == NULL) {
		tg_error_set(err, TG_E_FORMAT, "%s: no 'items N' line", path);
		goto fail;
	}
	if (i != it->n) {
		tg_error_set(err, TG_E_FORMAT, "%s:%d: %lld item lines, the header announced %lld (truncated file?)", path,
		    lineno, (long long)i, (long long)it->n);
		goto fail;
	}
	free(buf);
	return it;
fail:
	free(buf);
	tg_items_free(it);
	return NULL;
}

/* "# tamga per-item scores: run R step S lang L split SPLIT n N" then "index<TAB>value" lines: one value per item,
 * read as stat mean (for token accuracy and F1 the mean of per-sentence values is not the corpus metric). */
tg_items *
tg_items_read_legacy(const char *path, tg_error *err)
{
	size_t len, pos = 0;
	char *buf = tg_read_file(path, &len, err), *line, lang[16], split[8];
	long long run, step, n, i = 0, idx;
	double v;
	tg_items *it = NULL;
	int lineno = 1;

	if (buf == NULL)
		return NULL;
	line = next_line(buf, len, &pos);
	if (line == NULL || sscanf(line, "# tamga per-item scores: run %lld step %lld lang %15s split %7s n %lld", &run,
	    &step, lang, split, &n) != 5 || n < 0) {
		tg_error_set(err, TG_E_FORMAT, "%s:1: not a per-item score file", path);
		free(buf);
		return NULL;
	}
	it = tg_items_new(TG_ITEMS_MEAN, n);
	it->run_id = run;
	it->step = step;
	it->split = strcmp(split, "dev") == 0 ? TG_SPLIT_DEV : TG_SPLIT_TEST;
	snprintf(it->lang, sizeof it->lang, "%s", lang);
	it->legacy = true;
	while ((line = next_line(buf, len, &pos)) != NULL) {
		lineno++;
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (i >= n || sscanf(line, "%lld %lf", &idx, &v) != 2) {
			tg_error_set(err, TG_E_FORMAT, "%s:%d: expected 'index<TAB>value' (%lld items announced)", path, lineno, n);
			tg_items_free(it);
			free(buf);
			return NULL;
		}
		it->v[i++] = v;
	}
	free(buf);
	if (i != n) {
		tg_error_set(err, TG_E_FORMAT, "%s: %lld item lines, the header announced %lld", path, i, n);
		tg_items_free(it);
		return NULL;
	}
	return it;
}

static bool
items_match(const tg_items *it, int64_t run_id, int64_t step, tg_split split, const char *lang, const char *metric)
{
	return it->run_id == run_id && it->step == step && it->split == split && strcmp(it->lang, lang) == 0 &&
	    strcmp(it->metric, metric) == 0;
}

tg_items *
tg_items_find(tg_store *s, int64_t run_id, int64_t step, tg_split split, const char *lang, const char *metric,
    tg_error *err)
{
	char *p = tg_items_path(tg_store_dir(s), run_id, step, split, lang, metric);
	struct stat sb;
	tg_items *it = NULL;
	tg_artifact *a = NULL;
	int na = 0, i;

	tg_error_clear(err);
	if (stat(p, &sb) == 0) {
		it = tg_items_read(p, err);
		free(p);
		if (it != NULL && !items_match(it, run_id, step, split, lang, metric)) {
			tg_error_set(err, TG_E_FORMAT, "items file of run %lld step %lld %s %s %s: header names another "
			    "evaluation (run %lld step %lld %s %s %s)", (long long)run_id, (long long)step, tg_split_name(split),
			    lang, metric, (long long)it->run_id, (long long)it->step, tg_split_name(it->split), it->lang,
			    it->metric);
			tg_items_free(it);
			return NULL;
		}
		return it;
	}
	free(p);
	/* the first trainer's files: items/run-<id>/step-<step>.<lang>.tsv */
	tg_xasprintf(&p, "%s/items/run-%lld/step-%lld.%s.tsv", tg_store_dir(s), (long long)run_id, (long long)step, lang);
	if (stat(p, &sb) == 0) {
		it = tg_items_read_legacy(p, err);
		free(p);
		if (it != NULL && (it->split != split || it->run_id != run_id || it->step != step)) {
			tg_items_free(it);          /* another split overwrote it: no items for this one */
			return NULL;
		}
		if (it != NULL)
			snprintf(it->metric, sizeof it->metric, "%s", metric);
		return it;
	}
	free(p);
	if (tg_store_artifact_list(s, run_id, &a, &na, err) != TG_OK)
		return NULL;
	for (i = 0; i < na && it == NULL; i++) {
		char *path;
		tg_items *c;

		if (strcmp(a[i].kind, "items") != 0)
			continue;
		if (a[i].path[0] == '/')
			path = tg_xstrdup(a[i].path);
		else
			tg_xasprintf(&path, "%s/%s", tg_store_dir(s), a[i].path);
		c = tg_items_read(path, err);
		free(path);
		if (c == NULL) {
			tg_artifact_list_free(a, na);
			return NULL;
		}
		if (items_match(c, run_id, step, split, lang, metric))
			it = c;
		else
			tg_items_free(c);
	}
	tg_artifact_list_free(a, na);
	return it;
}

static double
pearson_of(const double *x, const double *y, int64_t n)
{
	return tg_pearson(x, y, n);
}

double
tg_items_score(const tg_items *it, const int64_t *idx, int64_t n)
{
	const int k = it->k;
	double s[3] = { 0, 0, 0 }, r;
	int64_t i, j;

	if (idx == NULL)
		n = it->n;
	switch (it->stat) {
	case TG_ITEMS_MEAN:
	case TG_ITEMS_RATIO:
	case TG_ITEMS_F1:
		for (i = 0; i < n; i++) {
			const double *v = it->v + (idx ? idx[i] : i) * k;
			for (j = 0; j < k; j++)
				s[j] += v[j];
		}
		if (it->stat == TG_ITEMS_MEAN)
			return n > 0 ? s[0] / (double)n : NAN;
		if (it->stat == TG_ITEMS_RATIO)
			return s[1] != 0 ? s[0] / s[1] : NAN;
		/* F1 = 2 tp / (n_pred + n_gold); 0 when both are 0 (the conlleval / seqeval convention) */
		return s[1] + s[2] > 0 ? 2 * s[0] / (s[1] + s[2]) : 0;
	case TG_ITEMS_PEARSON:
	case TG_ITEMS_SPEARMAN: {
		double *x = tg_xmalloc((size_t)(n > 0 ? n : 1) * sizeof *x), *y = tg_xmalloc((size_t)(n > 0 ? n : 1) * sizeof *y);

		for (i = 0; i < n; i++) {
			const double *v = it->v + (idx ? idx[i] : i) * 2;
			x[i] = v[0];
			y[i] = v[1];
		}
		r = it->stat == TG_ITEMS_PEARSON ? pearson_of(x, y, n) : tg_spearman(x, y, n);
		free(x);
		free(y);
		return r;
	}
	default:
		return NAN;
	}
}
