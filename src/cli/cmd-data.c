/* tamga data: list the datasets under the data root, check that every file parses, show a few examples. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "cli/cli.h"
#include "data/data.h"

int tg_cmd_data(int argc, char **argv);        /* also in cli/cli.h once the dispatch table lists it */

static const char usage_text[] =
    "usage: tamga data list  [--data DIR] [--files] [--json]\n"
    "       tamga data check [--data DIR] [-v]\n"
    "       tamga data show  [--data DIR] TASK LANG SPLIT [CORPUS] [-n N] [--fused]\n"
    "The data root is --data DIR or $TAMGA_DATA.\n";

static void
usage(FILE *fp)
{
	fputs(usage_text, fp);
}

static void
print_error(const char *what, const tg_error *err)
{
	fprintf(stderr, "tamga data: %s%s%s\n", what ? what : "", what ? ": " : "", err->msg);
	if (err->hint[0])
		fprintf(stderr, "hint: %s\n", err->hint);
}

/* One loaded entry: its count or the error that stopped it. */
typedef struct result {
	int      loaded;        /* 1 ok, -1 error, 0 not present */
	int64_t  n, n_words, n_skipped;
	tg_error err;
	tg_read_log log;        /* warnings: BOM or zero-width characters inside tokens */
} result;

static void
free_results(const tg_registry *r, result *res)
{
	int i;

	for (i = 0; i < r->n; i++)
		tg_read_log_clear(&res[i].log);
	free(res);
}

static result *
load_all(const tg_registry *r, double *seconds)
{
	result *res = tg_xcalloc((size_t)r->n, sizeof(result));
	double t0 = tg_now();
	int i;

	for (i = 0; i < r->n; i++) {
		tg_dataset *ds;

		tg_read_opts ro = { 0 };

		if (!r->item[i].present)
			continue;
		ro.log = &res[i].log;
		ds = tg_registry_load(r, i, &ro, &res[i].err);
		if (ds == NULL) {
			res[i].loaded = -1;
			continue;
		}
		res[i].loaded = 1;
		res[i].n = ds->n;
		res[i].n_words = ds->kind == TG_DS_TAGGING ? ds->n_words : 0;
		res[i].n_skipped = ds->n_skipped;
		tg_dataset_free(ds);
	}
	*seconds = tg_now() - t0;
	return res;
}

/* The row a registry entry is summed into: task x language (parallel: task:corpus x pair). */
static void
row_name(const tg_data_entry *e, char *buf, size_t n)
{
	if (strcmp(e->task, "parallel") == 0)
		snprintf(buf, n, "%s:%s", e->task, e->corpus);
	else
		snprintf(buf, n, "%s", e->task);
}

/* Append word to the space-separated list buf unless it is already there. */
static void
add_word(char *buf, size_t n, const char *word)
{
	size_t wl = strlen(word), bl = strlen(buf);
	const char *p;

	for (p = buf; (p = strstr(p, word)) != NULL; p += wl)
		if ((p == buf || p[-1] == ' ') && (p[wl] == ' ' || p[wl] == '\0'))
			return;
	if (bl + wl + 2 <= n)
		snprintf(buf + bl, n - bl, "%s%s", bl ? " " : "", word);
}

static int
split_col(const char *split)
{
	return strcmp(split, "train") == 0 ? 0 : strcmp(split, "dev") == 0 ? 1 : 2;
}

static int
list_json(const tg_registry *r, const result *res, double secs)
{
	json_t *root = json_object(), *arr = json_array(), *unk = json_array();
	int i;
	char *s;

	json_object_set_new(root, "root", json_string(r->root));
	json_object_set_new(root, "seconds", json_real(secs));
	for (i = 0; i < r->n; i++) {
		const tg_data_entry *e = r->item[i].e;
		json_t *o = json_object(), *files = json_array();

		json_object_set_new(o, "task", json_string(e->task));
		json_object_set_new(o, "lang", json_string(e->lang));
		json_object_set_new(o, "split", json_string(e->split));
		json_object_set_new(o, "corpus", json_string(e->corpus));
		json_object_set_new(o, "format", json_string(tg_format_name(e->format)));
		json_object_set_new(o, "kind", json_string(tg_ds_kind_name(tg_format_kind(e->format))));
		json_array_append_new(files, json_string(e->file[0]));
		if (e->file[1])
			json_array_append_new(files, json_string(e->file[1]));
		json_object_set_new(o, "files", files);
		json_object_set_new(o, "present", json_boolean(r->item[i].present));
		json_object_set_new(o, "bytes", json_integer(r->item[i].bytes));
		json_object_set_new(o, "examples", res[i].loaded > 0 ? json_integer(res[i].n) : json_null());
		if (res[i].loaded > 0 && tg_format_kind(e->format) == TG_DS_TAGGING)
			json_object_set_new(o, "words", json_integer(res[i].n_words));
		json_object_set_new(o, "expected", e->expect >= 0 ? json_integer(e->expect) : json_null());
		json_object_set_new(o, "origin", json_string(r->item[i].origin ? r->item[i].origin : "built-in"));
		if (e->licence != NULL)
			json_object_set_new(o, "licence", json_string(e->licence));
		if (res[i].loaded < 0)
			json_object_set_new(o, "error", json_string(res[i].err.msg));
		json_array_append_new(arr, o);
	}
	for (i = 0; i < r->n_unknown; i++)
		json_array_append_new(unk, json_string(r->unknown[i]));
	json_object_set_new(root, "datasets", arr);
	json_object_set_new(root, "unregistered_files", unk);
	s = json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	puts(s);
	free(s);
	json_decref(root);
	return 0;
}

static int
cmd_list(const tg_registry *r, int files, int json)
{
	double secs;
	result *res = load_all(r, &secs);
	int i, j, n_present = 0, n_err = 0, rc = 0;

	for (i = 0; i < r->n; i++) {
		n_present += r->item[i].present;
		n_err += res[i].loaded < 0;
	}
	if (json) {
		rc = list_json(r, res, secs);
		free_results(r, res);
		return n_err ? 1 : rc;
	}
	printf("data root %s: %d of %d registered datasets found, read in %.2f s\n\n", r->root, n_present, r->n, secs);
	if (files) {
		printf("%-9s %-12s %-5s %-15s %-15s %9s %9s  %s\n", "task", "lang", "split", "corpus", "format",
		    "examples", "expected", "files");
		for (i = 0; i < r->n; i++) {
			const tg_data_entry *e = r->item[i].e;
			char n[32], x[32];

			if (res[i].loaded > 0)
				snprintf(n, sizeof n, "%lld", (long long)res[i].n);
			else
				snprintf(n, sizeof n, "%s", res[i].loaded < 0 ? "ERROR" : "missing");
			if (e->expect >= 0)
				snprintf(x, sizeof x, "%lld", (long long)e->expect);
			else
				snprintf(x, sizeof x, "-");
			printf("%-9s %-12s %-5s %-15s %-15s %9s %9s  %s%s%s", e->task, e->lang, e->split, e->corpus,
			    tg_format_name(e->format), n, x, e->file[0], e->file[1] ? " " : "", e->file[1] ? e->file[1] : "");
			if (r->item[i].origin != NULL)     /* where an entry the data root adds comes from */
				printf("  [%s; licence: %s]", r->item[i].origin, e->licence);
			putchar('\n');
		}
	} else {
		/* rows task x language in table order, columns train/dev/test, counts summed over corpora */
		char *done = tg_xcalloc((size_t)r->n, 1);

		printf("%-24s %-12s %8s %8s %8s  %s\n", "task", "lang", "train", "dev", "test", "corpora");
		for (i = 0; i < r->n; i++) {
			char row[64], other[64], cell[3][24], corpora[160] = "";
			int64_t sum[3] = { 0, 0, 0 };
			int have[3] = { 0, 0, 0 }, bad[3] = { 0, 0, 0 }, c;

			if (done[i])
				continue;
			row_name(r->item[i].e, row, sizeof row);
			for (j = i; j < r->n; j++) {
				const tg_data_entry *e = r->item[j].e;

				row_name(e, other, sizeof other);
				if (done[j] || strcmp(row, other) != 0 || strcmp(e->lang, r->item[i].e->lang) != 0)
					continue;
				done[j] = 1;
				c = split_col(e->split);
				if (res[j].loaded > 0) {
					sum[c] += res[j].n;
					have[c] = 1;
				} else if (res[j].loaded < 0)
					bad[c] = 1;
				if (res[j].loaded > 0) {
					char mark[80];
					snprintf(mark, sizeof mark, "%s%s", e->corpus, r->item[j].origin ? "*" : "");
					add_word(corpora, sizeof corpora, mark);
				}
			}
			for (c = 0; c < 3; c++) {
				if (bad[c])
					snprintf(cell[c], sizeof cell[c], "ERROR");
				else if (have[c])
					snprintf(cell[c], sizeof cell[c], "%lld", (long long)sum[c]);
				else
					snprintf(cell[c], sizeof cell[c], "-");
			}
			if (have[0] || have[1] || have[2] || bad[0] || bad[1] || bad[2])
				printf("%-24s %-12s %8s %8s %8s  %s\n", row, r->item[i].e->lang, cell[0], cell[1], cell[2],
				    corpora);
		}
		free(done);
	}
	for (i = 0; i < r->n; i++)
		if (res[i].loaded < 0) {
			printf("\nerror: %s\n", res[i].err.msg);
			if (res[i].err.hint[0])
				printf("hint: %s\n", res[i].err.hint);
		}
	if (r->n_user > 0)
		printf("\n* from %s/%s (%d entr%s; --files shows each line)\n", r->root, TG_REGISTRY_FILE, r->n_user,
		    r->n_user == 1 ? "y" : "ies");
	if (n_present < r->n)
		printf("\n%d registered datasets not found under the root (tamga data list --files shows them)\n",
		    r->n - n_present);
	free_results(r, res);
	return n_err ? 1 : 0;
}

static int
cmd_check(const tg_registry *r, int verbose)
{
	double secs;
	result *res = load_all(r, &secs);
	int i, problems = 0, n_checked = 0, n_missing = 0;
	int64_t bytes = 0, n_warn = 0;

	for (i = 0; i < r->n; i++) {
		const tg_registry_item *it = &r->item[i];
		const tg_data_entry *e = it->e;

		if (res[i].loaded == 0) {
			n_missing++;
			if (verbose)
				printf("missing  %s/%s/%s (%s): %s\n", e->task, e->lang, e->split, e->corpus, e->file[0]);
			continue;
		}
		n_checked++;
		bytes += it->bytes;
		if (res[i].loaded < 0) {
			problems++;
			printf("%s%s%s%s\n", res[i].err.msg, it->origin ? " (entry " : "", it->origin ? it->origin : "",
			    it->origin ? ")" : "");
			if (res[i].err.hint[0])
				printf("  hint: %s\n", res[i].err.hint);
			continue;
		}
		if (e->expect >= 0 && res[i].n != e->expect) {
			problems++;
			printf("%s: %lld examples, MANIFEST.md states %lld\n", it->path[0], (long long)res[i].n,
			    (long long)e->expect);
			continue;
		}
		if (res[i].log.n_warnings > 0) {
			int k, shown = 0;
			for (k = 0; k < res[i].log.n && shown < (verbose ? res[i].log.n : 3); k++)
				if (res[i].log.is_warning[k]) {
					printf("%s\n", res[i].log.msg[k]);
					shown++;
				}
			if (res[i].log.n_warnings > shown)
				printf("%s: %lld more such warnings (-v lists them)\n", it->path[0],
				    (long long)(res[i].log.n_warnings - shown));
			n_warn += res[i].log.n_warnings;
		}
		if (verbose)
			printf("ok       %s/%s/%s (%s): %lld examples%s%s%s\n", e->task, e->lang, e->split, e->corpus,
			    (long long)res[i].n, it->origin ? " [" : "", it->origin ? it->origin : "", it->origin ? "]" : "");
	}
	for (i = 0; i < r->n_unknown; i++)
		printf("note: %s/%s is not in the registry (not read)\n", r->root, r->unknown[i]);
	if (n_missing > 0)
		printf("note: %d registered datasets not found under %s%s\n", n_missing, r->root,
		    verbose ? "" : " (-v lists them)");
	if (n_warn > 0)
		printf("note: %lld tokens hold an invisible format character (BOM, zero-width, soft hyphen, direction mark; kept, see above)\n", (long long)n_warn);
	printf("checked %d datasets (%.1f MiB) in %.2f s: %s", n_checked, bytes / 1048576.0, secs,
	    problems ? "" : "no problems\n");
	if (problems)
		printf("%d problem%s\n", problems, problems == 1 ? "" : "s");
	free_results(r, res);
	return problems ? 1 : 0;
}

static void
show_example(const tg_dataset *ds, int64_t i)
{
	int64_t j, n;
	char **w;
	int32_t *t;

	switch (ds->kind) {
	case TG_DS_TAGGING:
		n = tg_dataset_sentence(ds, i, &w, &t);
		for (j = 0; j < n; j++)
			printf("%s%s/%s", j ? " " : "", w[j], tg_labels_name(ds->labels, t[j]));
		printf("\n");
		break;
	case TG_DS_PAIRS:
		printf("%s\t%s\t%s\n", tg_labels_name(ds->labels, ds->label[i]), ds->a[i], ds->b[i]);
		break;
	case TG_DS_REGRESSION:
		printf("%.2f\t%s\t%s\n", ds->score[i], ds->a[i], ds->b[i]);
		break;
	case TG_DS_CHOICE:
		printf("%s (%s)\t1: %s\t2: %s\t-> %d\n", ds->a[i], ds->question[i] == TG_Q_CAUSE ? "cause" : "effect",
		    ds->choice[2 * i], ds->choice[2 * i + 1], ds->label[i] + 1);
		break;
	case TG_DS_BITEXT:
		printf("%s\t%s\n", ds->a[i], ds->b[i]);
		break;
	case TG_DS_LINES:
		printf("%s\n", ds->a[i]);
		break;
	}
}

static int
cmd_show(const tg_registry *r, char **pos, int npos, int64_t count, int fused)
{
	tg_read_opts opts = { 0 };
	tg_error err = { 0 };
	int idx[64], n, k, shown = 0;
	int64_t i;

	if (npos < 3)
		return tg_cli_usage_error("data", "show needs TASK LANG SPLIT, e.g. tamga data show ner kk dev");
	opts.mwt = fused ? TG_MWT_FUSED : TG_MWT_WORDS;
	n = tg_registry_find(r, pos[0], pos[1], pos[2], 0, idx, 64);
	for (k = 0; k < n && k < 64; k++) {
		const tg_registry_item *it = &r->item[idx[k]];
		tg_dataset *ds;

		if (npos > 3 && strcmp(pos[3], it->e->corpus) != 0)
			continue;
		shown++;
		ds = tg_registry_load(r, idx[k], &opts, &err);
		if (ds == NULL) {
			print_error(NULL, &err);
			return 1;
		}
		printf("# %s/%s/%s (%s, %s): %lld examples\n", it->e->task, it->e->lang, it->e->split, it->e->corpus,
		    tg_format_name(it->e->format), (long long)ds->n);
		for (i = 0; i < ds->n && i < count; i++)
			show_example(ds, i);
		tg_dataset_free(ds);
	}
	if (shown == 0) {
		fprintf(stderr, "tamga data: no dataset %s/%s/%s%s%s in the registry\n", pos[0], pos[1], pos[2],
		    npos > 3 ? " " : "", npos > 3 ? pos[3] : "");
		fprintf(stderr, "hint: tamga data list --files shows the registry\n");
		return 1;
	}
	return 0;
}

int
tg_cmd_data(int argc, char **argv)
{
	const char *sub, *data_opt = NULL, *root;
	char *pos[8];
	int i, npos = 0, files = 0, json = 0, verbose = 0, fused = 0, rc, help_rc;
	int64_t count = 5;
	tg_error err = { 0 };
	tg_registry *r;

	if ((help_rc = tg_cli_sub_help(argc, argv, usage)) >= 0)
		return help_rc;
	sub = argv[1];
	for (i = 2; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--data") == 0 && i + 1 < argc)
			data_opt = argv[++i];
		else if (strncmp(a, "--data=", 7) == 0)
			data_opt = a + 7;
		else if (strcmp(a, "--files") == 0)
			files = 1;
		else if (strcmp(a, "--json") == 0)
			json = 1;
		else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0)
			verbose = 1;
		else if (strcmp(a, "--fused") == 0)
			fused = 1;
		else if (strcmp(a, "-n") == 0 && i + 1 < argc) {
			if (tg_cli_int("data", a, argv[++i], 1, 1000000000000LL, &count))
				return 2;
		} else if (tg_cli_is_help(a)) {
			usage(stdout);
			return 0;
		} else if (a[0] == '-')
			return tg_cli_unknown_option("data", a, NULL);
		else if (npos < 8)
			pos[npos++] = argv[i];
	}
	if (strcmp(sub, "list") != 0 && strcmp(sub, "check") != 0 && strcmp(sub, "show") != 0)
		return tg_cli_usage_error("data", "unknown subcommand '%s' (list, check or show)", sub);
	if ((root = tg_data_root(data_opt, &err)) == NULL || (r = tg_registry_scan(root, &err)) == NULL) {
		print_error(NULL, &err);
		return 2;
	}
	if (strcmp(sub, "list") == 0)
		rc = cmd_list(r, files, json);
	else if (strcmp(sub, "check") == 0)
		rc = cmd_check(r, verbose);
	else
		rc = cmd_show(r, pos, npos, count, fused);
	tg_registry_free(r);
	return rc;
}
