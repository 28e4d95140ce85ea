/* Plots of the analyses, saved and read back: learning curves from a synthetic store (one run with stored CIs, three
 * seeds with a t band), TTC heat maps, the probe by layer and the scaling fit, as PNG, SVG and PDF. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../tap.h"
#include "../testutil.h"
#include "analysis/analysis.h"

static char root[256];

/* Under --enable-asan: fontconfig keeps its caches until exit, which LeakSanitizer would report as ours. */
const char *__lsan_default_suppressions(void);
const char *
__lsan_default_suppressions(void)
{
	return "leak:libfontconfig.so\n";
}

static char *
path_in(const char *name)
{
	return tu_path(root, name);
}

/* The file starts with sig and has at least min bytes. */
static bool
file_is(const char *path, const char *sig, long min)
{
	FILE *f = fopen(path, "rb");
	char head[256] = "";
	long n;
	size_t k;

	if (f == NULL)
		return false;
	k = fread(head, 1, sizeof head - 1, f);
	head[k] = '\0';
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fclose(f);
	if (n < min)
		return false;
	if (sig[0] == '\x89')
		return memcmp(head, sig, 8) == 0;
	return strstr(head, sig) != NULL;
}

static bool
save(tg_plot *p, const char *name, const char *sig)
{
	tg_error err = { 0 };
	bool r;

	if (p == NULL)
		return false;
	r = tg_plot_save(p, path_in(name), 480, 300, &err) == TG_OK && file_is(path_in(name), sig, 1000);
	if (!r)
		diag("%s: %s", name, err.msg);
	tg_plot_free(p);
	return r;
}

static void
add_eval(tg_store *s, int64_t run, int64_t step, tg_split sp, const char *lang, bool src, double score)
{
	tg_eval_row e = tu_eval_row(step, sp, lang, "acc", src, score, 0.03);

	tg_store_eval_add(s, run, &e, NULL);
}

#define PNG "\x89PNG\r\n\x1a\n"

int
main(void)
{
	tg_error err = { 0 };
	tg_store *s;
	int64_t ids[3];
	int i, k;
	char ws[300];

	snprintf(root, sizeof root, "/tmp/t-aplot-XXXXXX");
	if (mkdtemp(root) == NULL)
		return 1;
	snprintf(ws, sizeof ws, "%s/ws", root);
	s = tg_store_open(ws, TG_STORE_CREATE, &err);
	for (i = 0; i < 3; i++) {
		tg_run_info ri;
		char name[16];

		tg_run_info_init(&ri);
		snprintf(name, sizeof name, "lora-s%d", i + 1);
		ri.name = name, ri.task = "nli", ri.method = "lora", ri.source = i < 2 ? "en" : "tr", ri.seed = i + 1;
		tg_store_run_new(s, &ri, &ids[i], &err);
		for (k = 1; k <= 8; k++) {
			double x = k / 8.0;

			add_eval(s, ids[i], 100 * k, TG_SPLIT_DEV, i < 2 ? "en" : "tr", true, 0.5 + 0.3 * x + 0.01 * i);
			add_eval(s, ids[i], 100 * k, TG_SPLIT_DEV, "az", false, 0.4 + 0.2 * x - 0.01 * i);
			add_eval(s, ids[i], 100 * k, TG_SPLIT_DEV, "kk", false, 0.38 + 0.15 * x);
			add_eval(s, ids[i], 100 * k, TG_SPLIT_TEST, i < 2 ? "en" : "tr", true, 0.5 + 0.3 * x);
			add_eval(s, ids[i], 100 * k, TG_SPLIT_TEST, "az", false, 0.4 + 0.2 * x);
			add_eval(s, ids[i], 100 * k, TG_SPLIT_TEST, "kk", false, 0.38 + 0.15 * x);
		}
	}

	ok(save(tg_analysis_plot_curves(s, ids, 1, TG_SPLIT_DEV, NULL, &err), "curves1.png", PNG),
	   "learning curves of one run with stored CIs: PNG");
	ok(save(tg_analysis_plot_curves(s, ids, 2, TG_SPLIT_DEV, "acc", &err), "curves2.svg", "<svg"),
	   "two seeds, mean and t band: SVG");
	ok(save(tg_analysis_plot_curves(s, ids, 1, TG_SPLIT_TEST, "f1", &err), "nodata.pdf", "%PDF-"),
	   "a metric without rows: a 'no data' PDF, not a failure");
	{
		tg_ttc_opts o = { 0 };
		tg_ttc_table *t;
		tg_matrix **m;
		int n;

		o.n_boot = -1;
		t = tg_ttc_compute(s, &o, &err);
		tg_ttc_matrices(t, TG_TTC_BY_SOURCE, &m, &n);
		ok(n == 1 && m[0]->rows == 2 && m[0]->cols == 2, "one TTC matrix: sources en tr x targets az kk");
		ok(save(tg_analysis_plot_matrix(m[0], NAN), "ttc.png", PNG), "TTC heat map: PNG");
		ok(save(tg_analysis_plot_matrix(m[0], 1.0), "ttc.pdf", "%PDF-"), "diverging around 1: PDF");
		tg_matrix_list_free(m, n);
		tg_ttc_table_free(t);
	}
	{
		tg_probe_result r[2];
		tg_probe_layer la[13], lb[13];

		for (k = 0; k < 13; k++) {
			la[k].margin = 0.1 + 0.02 * k - 0.001 * k * k, la[k].acc_ab = 0.2 + 0.05 * k, la[k].acc_ba = 0.25;
			la[k].cos_par = 0.9;
			lb[k] = la[k], lb[k].margin *= 0.7;
		}
		memset(r, 0, sizeof r);
		snprintf(r[0].a, 16, "en"), snprintf(r[0].b, 16, "kk"), r[0].n_layers = 13, r[0].layer = la;
		snprintf(r[1].a, 16, "tr"), snprintf(r[1].b, 16, "kk"), r[1].n_layers = 13, r[1].layer = lb;
		ok(save(tg_analysis_plot_probe(r, 2, "margin", &err), "probe.svg", "<svg"), "probe margin by layer: SVG");
		ok(save(tg_analysis_plot_probe(r, 2, "acc", &err), "probe.png", PNG), "probe acc by layer: PNG");
		ok(tg_analysis_plot_probe(r, 2, "loss", &err) == NULL && err.hint[0], "unknown quantity: %s", err.msg);
	}
	{
		tg_scale_point pts[40];
		tg_scale_fit fit;
		const double D[5] = { 100, 300, 1000, 3000, 10000 };

		for (i = 0; i < 40; i++) {
			pts[i].D = D[i % 5];
			pts[i].P = i < 20 ? 1e5 : 1e6;
			pts[i].ttc = (i / 5) % 2 ? 0.5 : 0.8;
			pts[i].err = 0.1 + 2 * pow(pts[i].D, -0.4) * pow(pts[i].P, -0.15) * pow(1 - pts[i].ttc, 0.8);
			snprintf(pts[i].lang, sizeof pts[i].lang, "%s", (i / 5) % 2 ? "kk" : "az");
		}
		ok(tg_scale_fit_points(pts, 40, TG_SCALE_DPT, false, &fit, &err) == TG_OK, "fit the points");
		ok(save(tg_analysis_plot_scaling(pts, 40, &fit, &err), "scaling.pdf", "%PDF-"), "scaling fit: PDF");
		ok(save(tg_analysis_plot_scaling(pts, 40, NULL, &err), "points.png", PNG), "points only: PNG");
	}
	tg_store_close(s);
	{
		char cmd[300];
		snprintf(cmd, sizeof cmd, "rm -rf %s", root);
		if (getenv("TAMGA_TEST_KEEP"))
			diag("kept %s", root);
		else if (system(cmd) != 0)
			diag("could not remove %s", root);
	}
	return done_testing();
}
