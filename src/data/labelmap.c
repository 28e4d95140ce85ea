/* NER label maps: entity types (or whole tags) renamed so that a corpus with its own tag set (KazNERD's 25
 * OntoNotes-style classes) can be scored by a model trained on another (PAN-X's PER/ORG/LOC). */
#include <stdlib.h>
#include <string.h>
#include "data/data-internal.h"

/* The built-in OntoNotes-style map ("ontonotes"): people, organisations and places to PAN-X's three types,
 * everything else (DATE, CARDINAL, MONEY, NORP, FACILITY, ...) to O. */
static const char *const ontonotes[][2] = {
	{ "PERSON", "PER" }, { "PER", "PER" },
	{ "ORG", "ORG" }, { "ORGANISATION", "ORG" }, { "ORGANIZATION", "ORG" },
	{ "GPE", "LOC" }, { "LOC", "LOC" }, { "LOCATION", "LOC" },
	{ "*", "O" },
};

void
tg_label_map_free(tg_label_map *m)
{
	if (m == NULL)
		return;
	tg_strv_free(m->from, m->n);
	tg_strv_free(m->to, m->n);
	free(m->name);
	free(m);
}

static void
map_add(tg_label_map *m, const char *from, const char *to)
{
	m->from = tg_xrealloc(m->from, (size_t)(m->n + 1) * sizeof *m->from);
	m->to = tg_xrealloc(m->to, (size_t)(m->n + 1) * sizeof *m->to);
	m->from[m->n] = tg_xstrdup(from);
	m->to[m->n] = tg_xstrdup(to);
	m->n++;
}

tg_label_map *
tg_label_map_load(const char *name, tg_error *err)
{
	tg_label_map *m;
	tg_lineit it;
	char *buf, *start, *line;
	size_t len, linelen;
	int i;

	if (name == NULL || *name == '\0') {
		tg_error_set(err, TG_E_ARG, "label map: no name or file given");
		tg_error_hint(err, "give 'ontonotes' or a file of from<TAB>to lines");
		return NULL;
	}
	m = tg_xcalloc(1, sizeof *m);
	m->name = tg_xstrdup(name);
	if (strcmp(name, "ontonotes") == 0) {
		for (i = 0; i < (int)(sizeof ontonotes / sizeof ontonotes[0]); i++)
			map_add(m, ontonotes[i][0], ontonotes[i][1]);
		return m;
	}
	if (tg_file_slurp(name, &buf, &len, &start, err) != TG_OK) {
		tg_error_hint(err, "--label-map takes 'ontonotes' (built in) or a TSV file of from<TAB>to lines");
		tg_label_map_free(m);
		return NULL;
	}
	tg_lineit_init(&it, start, buf + len);
	while ((line = tg_lineit_next(&it, &linelen)) != NULL) {
		char *tab;

		if (linelen == 0 || line[0] == '#')
			continue;
		tab = strchr(line, '\t');
		if (tab == NULL || tab == line || tab[1] == '\0' || strchr(tab + 1, '\t') != NULL) {
			tg_error_at(err, name, it.line, "expected from<TAB>to (two non-empty tab-separated fields)");
			tg_error_hint(err, "e.g. 'PERSON<TAB>PER', 'DATE<TAB>O', or '*<TAB>O' for every type not listed");
			free(buf);
			tg_label_map_free(m);
			return NULL;
		}
		*tab = '\0';
		map_add(m, line, tab + 1);
	}
	free(buf);
	if (m->n == 0) {
		tg_error_set(err, TG_E_FORMAT, "%s: the label map is empty", name);
		tg_label_map_free(m);
		return NULL;
	}
	return m;
}

static const char *
lookup(const tg_label_map *m, const char *key)
{
	int i;

	for (i = 0; i < m->n; i++)
		if (strcmp(m->from[i], key) == 0)
			return m->to[i];
	return NULL;
}

const char *
tg_label_map_apply(const tg_label_map *m, const char *tag, char *buf, size_t n)
{
	const char *to;

	if (m == NULL || strcmp(tag, "O") == 0)
		return tag;
	if ((to = lookup(m, tag)) != NULL)             /* a whole tag: B-DATE -> O */
		return to;
	if ((tag[0] == 'B' || tag[0] == 'I') && tag[1] == '-') {
		if ((to = lookup(m, tag + 2)) == NULL)
			to = lookup(m, "*");
		if (to == NULL)
			return tag;
		if (strcmp(to, "O") == 0)
			return "O";
		snprintf(buf, n, "%c-%s", tag[0], to);
		return buf;
	}
	return (to = lookup(m, "*")) != NULL ? to : tag;
}

/* Word tags of ds as ids of the task's labels, through the label map; unknown tags are an error naming each of
 * them (with the line of its first use) and the tags the model knows. */
int32_t *
tg_labels_convert(const tg_dataset *ds, const tg_labels *want, const tg_label_map *map, tg_error *err)
{
	int nl = ds->labels->n, i, n_unknown = 0;
	int32_t *to = tg_xmalloc((size_t)(nl ? nl : 1) * sizeof *to), *tags;
	int64_t *first = tg_xmalloc((size_t)(nl ? nl : 1) * sizeof *first), w, s, first_line = 0;
	char buf[96], list[300] = "", known[300] = "";

	for (i = 0; i < nl; i++) {
		to[i] = tg_labels_find(want, tg_label_map_apply(map, ds->labels->name[i], buf, sizeof buf));
		first[i] = 0;
	}
	tags = tg_xmalloc((size_t)(ds->n_words ? ds->n_words : 1) * sizeof *tags);
	for (s = 0; s < ds->n; s++)
		for (w = ds->off[s]; w < ds->off[s + 1]; w++) {
			tags[w] = to[ds->tags[w]];
			if (tags[w] < 0 && first[ds->tags[w]] == 0)
				first[ds->tags[w]] = ds->line[s] + (w - ds->off[s]);   /* one word per line (NER formats) */
		}
	for (i = 0; i < nl; i++)
		if (first[i] > 0) {
			if (n_unknown < 10)
				snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", n_unknown ? ", " : "",
				    tg_label_map_apply(map, ds->labels->name[i], buf, sizeof buf));
			if (first_line == 0 || first[i] < first_line)
				first_line = first[i];
			n_unknown++;
		}
	free(to);
	free(first);
	if (n_unknown == 0)
		return tags;
	free(tags);
	for (i = 0; i < want->n; i++)
		snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s", i ? " " : "", want->name[i]);
	tg_error_set(err, TG_E_FORMAT, "%s:%lld: %d tag%s the model does not know: %s%s; it knows %s", ds->path,
	    (long long)first_line, n_unknown, n_unknown > 1 ? "s" : "", list, n_unknown > 10 ? ", ..." : "", known);
	tg_error_hint(err, "map them with --label-map FILE (from<TAB>to lines) or --label-map ontonotes (PERSON -> PER, "
	    "ORGANISATION -> ORG, GPE/LOCATION -> LOC, others -> O)");
	return NULL;
}
