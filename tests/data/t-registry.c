/* The registry: data root selection, a small fake root (one bad file does not stop the others), and the real data
 * root checked against the counts in MANIFEST.md (skipped when TAMGA_DATA is unset or missing). */
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include "../tap.h"
#include "fixture.h"
#include "data/data.h"
#include "metrics/metrics.h"

/* Sum of examples over present entries task/lang/split (optionally one corpus); -1 if any fails. */
static int64_t
count(const tg_registry *r, const char *task, const char *lang, const char *split, const char *corpus)
{
	int idx[64], n = tg_registry_find(r, task, lang, split, 1, idx, 64), k;
	int64_t sum = 0;
	tg_error err = { 0 };

	for (k = 0; k < n && k < 64; k++) {
		tg_dataset *ds;

		if (corpus != NULL && strcmp(r->item[idx[k]].e->corpus, corpus) != 0)
			continue;
		ds = tg_registry_load(r, idx[k], NULL, &err);
		if (ds == NULL) {
			diag("%s", err.msg);
			return -1;
		}
		sum += ds->n;
		tg_dataset_free(ds);
	}
	return n > 0 ? sum : -1;
}

static void
fake_root(void)
{
	tg_error err = { 0 };
	char dir[512], buf[512];
	tg_registry *r;
	tg_dataset *ds;
	int i, n_present = 0, bad = -1, good = -1, idx[4];

	snprintf(dir, sizeof dir, "%s/udpos", fx_dir);
	mkdir(dir, 0700);
	snprintf(dir, sizeof dir, "%s/udpos/kk", fx_dir);
	mkdir(dir, 0700);
	snprintf(dir, sizeof dir, "%s/nli", fx_dir);
	mkdir(dir, 0700);
	snprintf(dir, sizeof dir, "%s/nli/en", fx_dir);
	mkdir(dir, 0700);
	fx_write("udpos/kk/kk_ktb-ud-test.conllu", "1\tA\ta\tNOUN\t_\t_\t0\troot\t_\t_\n2\tB\tb\tNOUN\n", -1);
	fx_write("udpos/kk/README.UD_Kazakh-KTB.md", "docs\n", -1);
	fx_write("udpos/kk/kk_extra.conllu", "\n", -1);
	fx_write("nli/en/xnli.dev-en.tsv", "p\th\tneutral\np2\th2\tentailment\n", -1);

	r = tg_registry_scan(fx_dir, &err);
	ok(r != NULL && r->n == tg_data_table_len, "fake root: scanned, %d registered datasets", r ? r->n : 0);
	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++)
		n_present += r->item[i].present;
	ok(n_present == 2, "2 of them present");
	ok(r->n_unknown == 1 && strcmp(r->unknown[0], "udpos/kk/kk_extra.conllu") == 0,
	    "an unregistered data file is reported, documentation is not");
	ok(tg_registry_find(r, "udpos", "kk", "test", 1, idx, 4) == 1, "find udpos/kk/test");
	bad = idx[0];
	ok(tg_registry_find(r, "nli", "en", NULL, 1, idx, 4) == 1, "find nli/en/*");
	good = idx[0];
	ds = tg_registry_load(r, bad, NULL, &err);
	snprintf(buf, sizeof buf, "%s/udpos/kk/kk_ktb-ud-test.conllu:2: expected 10 tab-separated fields, found 4", fx_dir);
	ok(ds == NULL && strcmp(err.msg, buf) == 0, "the malformed file stops its dataset: %s", err.msg);
	ds = tg_registry_load(r, good, NULL, &err);
	ok(ds != NULL && ds->n == 2 && ds->kind == TG_DS_PAIRS, "... and the others still load");
	tg_dataset_free(ds);
	tg_registry_find(r, "ner", "kk", "dev", 0, idx, 4);
	ds = tg_registry_load(r, idx[0], NULL, &err);
	ok(ds == NULL && strstr(err.msg, "ner/kk/dev (panx): ner/kk/dev-kk.tsv not found under") && err.hint[0],
	    "loading a missing dataset: %s", err.msg);
	tg_registry_free(r);
	for (i = 0; i < fx_n; i++)
		unlink(fx_paths[i]);
	snprintf(dir, sizeof dir, "%s/udpos/kk", fx_dir);
	rmdir(dir);
	snprintf(dir, sizeof dir, "%s/udpos", fx_dir);
	rmdir(dir);
	snprintf(dir, sizeof dir, "%s/nli/en", fx_dir);
	rmdir(dir);
	snprintf(dir, sizeof dir, "%s/nli", fx_dir);
	rmdir(dir);
}

static void
real_root(const char *root)
{
	tg_error err = { 0 };
	tg_registry *r = tg_registry_scan(root, &err);
	tg_read_opts fused = { 0 };
	tg_dataset *ds, *dw;
	tg_iob iob;
	double t0, secs;
	int i, n_present = 0, n_bad = 0, n_mismatch = 0, idx[4];

	ok(r != NULL, "scan %s", root);
	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++)
		n_present += r->item[i].present;
	ok(n_present == r->n, "every registered dataset is present (%d of %d)", n_present, r->n);
	ok(r->n_unknown == 0, "every data file under the root is registered (%d unregistered)", r->n_unknown);
	for (i = 0; i < r->n_unknown && i < 5; i++)
		diag("unregistered: %s", r->unknown[i]);

	/* read everything: no errors, counts as the table states, well under 30 s */
	t0 = tg_now();
	for (i = 0; i < r->n; i++) {
		if (!r->item[i].present)
			continue;
		ds = tg_registry_load(r, i, NULL, &err);
		if (ds == NULL) {
			n_bad++;
			diag("%s", err.msg);
			continue;
		}
		if (r->item[i].e->expect >= 0 && ds->n != r->item[i].e->expect) {
			n_mismatch++;
			diag("%s: %lld examples, expected %lld", r->item[i].path[0], (long long)ds->n,
			    (long long)r->item[i].e->expect);
		}
		tg_dataset_free(ds);
	}
	secs = tg_now() - t0;
	ok(n_bad == 0, "every dataset parses");
	ok(n_mismatch == 0, "every count matches the registry table");
	ok(secs < 30.0, "reading all of the data root took %.2f s (limit 30 s)", secs);

	/* numbers copied from MANIFEST.md's coverage table (independent of the registry table) */
	ok(count(r, "udpos", "en", "train", NULL) == 16818 && count(r, "udpos", "en", "dev", NULL) == 2573 &&
	    count(r, "udpos", "en", "test", NULL) == 3663, "udpos en 16818/2573/3663");
	ok(count(r, "udpos", "tr", "train", NULL) == 9997 && count(r, "udpos", "tr", "dev", NULL) == 7290 &&
	    count(r, "udpos", "tr", "test", NULL) == 10677, "udpos tr 9997/7290/10677");
	ok(count(r, "udpos", "ky", "test", NULL) == 1395 && count(r, "udpos", "kk", "test", NULL) == 1047 &&
	    count(r, "udpos", "ota", "test", NULL) == 2162, "udpos ky test 1395, kk test 1047, ota test 2162");
	ok(count(r, "ner", "en", "train", NULL) == 20000 && count(r, "ner", "kk", "dev", NULL) == 12167 &&
	    count(r, "ner", "kk", "dev", "kaznerd") == 11167 && count(r, "ner", "az", "train", NULL) == 10000,
	    "ner en train 20000, kk dev 12167 (KazNERD 11167), az train 10000");
	ok(count(r, "nli", "en", "dev", NULL) == 2490 && count(r, "nli", "ug", "dev", NULL) == 1000,
	    "nli en dev 2490, ug dev 1000");
	ok(count(r, "copa", "tr", "test", NULL) == 500 && count(r, "copa", "tr", "dev", NULL) == 100 &&
	    count(r, "copa", "kk", "dev", NULL) == 100, "copa tr 100/500, kk 100");
	ok(count(r, "sts", "az", "dev", NULL) == 200, "sts az dev 200");
	ok(count(r, "tatoeba", "kk", "test", NULL) == 575 && count(r, "tatoeba", "tk", "test", NULL) == 203 &&
	    count(r, "tatoeba", "uz", "test", NULL) == 428, "tatoeba kk 575, tk 203, uz 428");
	ok(count(r, "parallel", "en-ba", "test", "xwmt") == 1000 && count(r, "parallel", "tr-ky", "test", "xwmt") == 400,
	    "X-WMT en-ba 1000, tr-ky 400");
	ok(count(r, "parallel", "en-tr", "train", "gettext") == 100618 &&
	    count(r, "parallel", "en-tr", "train", "ebible-turytc") == 31051,
	    "gettext tr 100618 pairs; eBible en-tr (turytc) 31051 verse pairs (tr non-empty verses)");
	ok(count(r, "text", "en", "train", NULL) == 38092 && count(r, "text", "ba", "train", NULL) == 30186,
	    "text en 38092, ba 30186");

	/* KazNERD has 25 entity classes (MANIFEST.md) */
	tg_registry_find(r, "ner", "kk", "dev", 1, idx, 4);
	for (i = 0; i < 2; i++)
		if (strcmp(r->item[idx[i]].e->corpus, "kaznerd") == 0)
			break;
	ds = tg_registry_load(r, idx[i], NULL, &err);
	ok(ds && tg_iob_init(&iob, (const char *const *)ds->labels->name, ds->labels->n, &err) == TG_OK &&
	    iob.n_types == 25, "KazNERD: 25 entity types");
	if (ds)
		tg_iob_free(&iob);
	tg_dataset_free(ds);

	/* XTREME fused forms: same sentences, fewer words; IMST train has 1082 multiword tokens */
	fused.mwt = TG_MWT_FUSED;
	tg_registry_find(r, "udpos", "tr", "train", 1, idx, 4);
	for (i = 0; i < 3; i++)
		if (strcmp(r->item[idx[i]].e->corpus, "imst") == 0)
			break;
	dw = tg_registry_load(r, idx[i], NULL, &err);
	ds = tg_registry_load(r, idx[i], &fused, &err);
	ok(dw && ds && dw->n == ds->n && ds->n_mwt == 1082 && dw->n_words - ds->n_words >= 1082,
	    "IMST train fused: %lld sentences both ways, %lld -> %lld words", dw ? (long long)dw->n : 0,
	    dw ? (long long)dw->n_words : 0, ds ? (long long)ds->n_words : 0);
	tg_dataset_free(dw);
	tg_dataset_free(ds);

	/* Kardes-NLU rows point into XNLI dev (MANIFEST.md: index = row number) */
	{
		int ie, ik;
		tg_dataset *en, *az;

		tg_registry_find(r, "nli", "en", "dev", 1, &ie, 1);
		tg_registry_find(r, "nli", "az", "dev", 1, &ik, 1);
		en = tg_registry_load(r, ie, NULL, &err);
		az = tg_registry_load(r, ik, NULL, &err);
		ok(en && az && az->id[0] >= 0 && az->id[0] < en->n && strcmp(az->a_en[0], en->a[az->id[0]]) == 0 &&
		    az->label[0] == en->label[az->id[0]], "Kardes az row 0 = XNLI en dev row %lld",
		    az ? (long long)az->id[0] : -1);
		tg_dataset_free(en);
		tg_dataset_free(az);
	}
	tg_registry_free(r);
}

int
main(void)
{
	tg_error err = { 0 };
	const char *root = tap_data_root(), *got;
	char *saved = root ? strdup(root) : NULL;
	struct stat st;

	fx_init();
	/* the data root: --data wins, then TAMGA_DATA, else an error with a hint. The fallbacks (~/.local/share/tamga,
	 * ../shared/data) must not find a data root around the caller: run this from an empty folder two levels
	 * into a fresh temporary one, with HOME there too. */
	{
		char tmp[] = "/tmp/tamga-noroot.XXXXXX", sub[64], cwd[4096];
		const char *home = getenv("HOME"), *xdg = getenv("XDG_DATA_HOME");
		char *sh = home ? strdup(home) : NULL, *sx = xdg ? strdup(xdg) : NULL;
		bool moved = mkdtemp(tmp) != NULL && getcwd(cwd, sizeof cwd) != NULL;
		snprintf(sub, sizeof sub, "%s/cwd", tmp);
		moved = moved && mkdir(sub, 0700) == 0 && chdir(sub) == 0;
		setenv("HOME", tmp, 1);
		unsetenv("XDG_DATA_HOME");
		unsetenv("TAMGA_DATA");
		ok(moved && tg_data_root(NULL, &err) == NULL && strcmp(err.msg, "no data root given") == 0 &&
		    strstr(err.hint, "--data DIR") && strstr(err.hint, "TAMGA_DATA"), "no root: %s (hint: %s)", err.msg,
		    err.hint);
		if (moved && chdir(cwd) != 0)
			diag("cannot go back to %s", cwd);
		rmdir(sub);
		rmdir(tmp);
		sh ? setenv("HOME", sh, 1) : unsetenv("HOME");
		if (sx)
			setenv("XDG_DATA_HOME", sx, 1);
		free(sh);
		free(sx);
	}
	ok(tg_data_root("/nonexistent/data", &err) == NULL &&
	    strcmp(err.msg, "data root /nonexistent/data: No such file or directory") == 0, "%s", err.msg);
	setenv("TAMGA_DATA", fx_dir, 1);
	ok((got = tg_data_root(NULL, &err)) != NULL && strcmp(got, fx_dir) == 0, "TAMGA_DATA is used");
	ok((got = tg_data_root("/tmp", &err)) != NULL && strcmp(got, "/tmp") == 0, "--data wins over TAMGA_DATA");
	ok(tg_registry_scan("/nonexistent/data", &err) == NULL && strstr(err.msg, "/nonexistent/data"),
	    "scan of a missing root: %s", err.msg);

	fake_root();
	fx_cleanup();

	if (saved == NULL || stat(saved, &st) != 0 || !S_ISDIR(st.st_mode))
		ok(1, "# SKIP real data root: TAMGA_DATA %s", saved ? "does not exist" : "is not set");
	else
		real_root(saved);
	free(saved);
	return done_testing();
}
