/* Text readers: lines, line-aligned bitext (Tatoeba, X-WMT, NTREX, UDHR), eBible verses, gettext TSV pairs. */
#include <stdlib.h>
#include <string.h>
#include "data/data-internal.h"

tg_dataset *
tg_lines_read(const char *path, const tg_read_opts *opts, tg_error *err)
{
	tg_dataset *ds;
	tg_lineit it;
	char *line;
	size_t linelen;
	int keep = opts != NULL && opts->keep_empty;

	if ((ds = tg_dataset_from_file(path, TG_DS_LINES, TG_DSF_A, 0, &it, err)) == NULL)
		return NULL;
	while ((line = tg_lineit_next(&it, &linelen)) != NULL) {
		if (linelen == 0 && !keep) {
			ds->n_skipped++;
			continue;
		}
		int64_t k = tg_dataset_push(ds, it.line);

		ds->a[k] = line;
	}
	return ds;
}

/* All lines of a file, adopted by pool; *n lines, array malloc'd. */
static char **
all_lines(const char *path, tg_pool *pool, int64_t *n, tg_error *err)
{
	tg_lineit it;
	char *buf, *start, *line, **v = NULL;
	size_t len;
	int64_t cap = 0;

	if (tg_file_slurp(path, &buf, &len, &start, err) != TG_OK)
		return NULL;
	tg_pool_adopt(pool, buf, len + 1);
	*n = 0;
	tg_lineit_init(&it, start, buf + len);
	while ((line = tg_lineit_next(&it, NULL)) != NULL) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 1024;
			v = tg_xrealloc(v, (size_t)cap * sizeof(char *));
		}
		v[(*n)++] = line;
	}
	if (v == NULL)
		v = tg_xmalloc(sizeof(char *));
	return v;
}

enum { TWO_TATOEBA, TWO_BITEXT, TWO_EBIBLE };

static char *
join(tg_pool *pool, const char *x, const char *y)
{
	size_t nx = strlen(x), ny = strlen(y);
	char *r = tg_pool_alloc(pool, nx + ny + 2);

	memcpy(r, x, nx);
	r[nx] = ' ';
	memcpy(r + nx + 1, y, ny + 1);
	return r;
}

static tg_dataset *
two_files(const char *pa, const char *pb, int mode, int keep_empty, tg_error *err)
{
	tg_dataset *ds = tg_dataset_new(TG_DS_BITEXT, pa, TG_DSF_A | TG_DSF_B, 0);
	char **la = NULL, **lb = NULL;
	int64_t na, nb, i, last = -2;

	if ((la = all_lines(pa, ds->pool, &na, err)) == NULL || (lb = all_lines(pb, ds->pool, &nb, err)) == NULL)
		goto fail;
	if (na != nb) {
		tg_error_set(err, TG_E_FORMAT, "%s: has %lld lines but %s has %lld", pb, (long long)nb, pa,
		    (long long)na);
		tg_error_hint(err, "the two files must be line-aligned (line i of one translates line i of the other)");
		goto fail;
	}
	for (i = 0; i < na; i++) {
		char *a = la[i], *b = lb[i];
		int64_t k;

		if (mode == TWO_EBIBLE) {
			int ra = strcmp(a, "<range>") == 0, rb = strcmp(b, "<range>") == 0;

			if (ra || rb) {
				/* verse i is merged into verse i-1 on one side: merge the other side too */
				if (last == i - 1 && ds->n > 0) {
					k = ds->n - 1;
					if (!ra && a[0] != '\0')
						ds->a[k] = join(ds->pool, ds->a[k], a);
					if (!rb && b[0] != '\0')
						ds->b[k] = join(ds->pool, ds->b[k], b);
					last = i;
				}
				ds->n_skipped++;
				continue;
			}
		}
		if (mode != TWO_TATOEBA && !keep_empty && (a[0] == '\0' || b[0] == '\0')) {
			ds->n_skipped++;
			continue;
		}
		k = tg_dataset_push(ds, i + 1);
		ds->a[k] = a;
		ds->b[k] = b;
		last = i;
	}
	free(la);
	free(lb);
	return ds;
fail:
	free(la);
	free(lb);
	tg_dataset_free(ds);
	return NULL;
}

tg_dataset *
tg_tatoeba_read(const char *path_xx, const char *path_en, tg_error *err)
{
	return two_files(path_xx, path_en, TWO_TATOEBA, 1, err);
}

tg_dataset *
tg_bitext_read(const char *path_a, const char *path_b, const tg_read_opts *opts, tg_error *err)
{
	return two_files(path_a, path_b, TWO_BITEXT, opts != NULL && opts->keep_empty, err);
}

tg_dataset *
tg_ebible_read(const char *path_a, const char *path_b, tg_error *err)
{
	return two_files(path_a, path_b, TWO_EBIBLE, 0, err);
}

tg_dataset *
tg_gettext_read(const char *path, tg_error *err)
{
	tg_dataset *ds;
	tg_lineit it;
	char *line;
	size_t linelen;

	if ((ds = tg_dataset_from_file(path, TG_DS_BITEXT, TG_DSF_A | TG_DSF_B, 0, &it, err)) == NULL)
		return NULL;
	while ((line = tg_lineit_next(&it, &linelen)) != NULL) {
		char *tab;
		int64_t k;

		if (linelen == 0) {
			ds->n_skipped++;
			continue;
		}
		tab = strchr(line, '\t');
		if (tab == NULL || strchr(tab + 1, '\t') != NULL) {
			tg_error_at(err, path, it.line, "expected English<TAB>translation (2 tab-separated fields)");
			tg_dataset_free(ds);
			return NULL;
		}
		*tab = '\0';
		if (line[0] == '\0' || tab[1] == '\0') {
			tg_error_at(err, path, it.line, "empty %s side", line[0] == '\0' ? "English" : "translation");
			tg_dataset_free(ds);
			return NULL;
		}
		k = tg_dataset_push(ds, it.line);
		ds->a[k] = line;
		ds->b[k] = tab + 1;
	}
	return ds;
}
