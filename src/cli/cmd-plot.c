/* tamga plot: learning curves, TTC heat maps, the alignment probe by layer and the scaling fit, as PNG, SVG or PDF. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analysis/analysis.h"
#include "cli/cli.h"

int tg_cmd_plot(int argc, char **argv);

static const char usage_text[] =
    "usage: tamga plot curves  RUN [RUN...] [--workspace DIR] [--split dev|test] [--metric M] -o FILE\n"
    "       tamga plot ttc     [--workspace DIR] [--task T] [--method M] [--source S] [--layers L]\n"
    "                          [--by source|method] [--split test|dev] [--csv-out VALUES.csv] -o FILE\n"
    "       tamga plot probe   --csv PROBE.csv [--what margin|acc|cos] -o FILE\n"
    "       tamga plot scaling [--workspace DIR [FILTERS] | --csv POINTS.csv] [--form 1|2|3] -o FILE\n"
    "FILE ends in .png, .svg or .pdf; --width W --height H (pixels for PNG, points otherwise).\n"
    "Several runs in 'curves' are taken as seeds: their mean with a 95% t interval per step.\n"
    "'ttc' writes ONE heat map to FILE: rows are sources (or methods), each prefixed by its (task, method,\n"
    "layers) or (task, source) when there are several; TTC = (A_t - c_t) / (A_s - c_s) with c the majority\n"
    "baseline of each evaluation set, the levels stored with the scores (as in report and analyze ttc);\n"
    "undefined cells (source at or below its chance) are left blank.\n";

static void
usage(FILE *fp)
{
	fputs(usage_text, fp);
}

static int
save(tg_plot *p, const char *path, int w, int h, const char *what)
{
	tg_error err = { 0 };
	int rc = 0;

	if (p == NULL)
		return 1;
	if (tg_plot_save(p, path, w, h, &err) != TG_OK)
		rc = tg_cli_error("plot", what, &err);
	else
		printf("%s\n", path);
	tg_plot_free(p);
	return rc;
}

int
tg_cmd_plot(int argc, char **argv)
{
	const char *sub, *ws = NULL, *out = NULL, *csv = NULL, *what = "margin", *metric = NULL, *by = "source";
	const char *csv_out = NULL;
	int64_t runs[256];
	int nruns = 0, i, w = 0, h = 0, form = TG_SCALE_DPT, rc = 1, help_rc;
	tg_ttc_opts to = { 0 };
	tg_error err = { 0 };
	tg_store *s = NULL;
	bool dev_set = false, h_default;

	if ((help_rc = tg_cli_sub_help(argc, argv, usage)) >= 0)
		return help_rc;
	sub = argv[1];
	for (i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int64_t n;
		int r;

		if (tg_cli_is_help(a)) {
			usage(stdout);
			return 0;
		}
		if (a[0] != '-') {
			if (tg_cli_int("plot", "run id", a, 1, 1000000000000000LL, &n))
				return 2;
			if (nruns >= 256)
				return tg_cli_usage_error("plot", "at most 256 runs in one plot");
			runs[nruns++] = n;
			continue;
		}
		if (v == NULL)
			return tg_cli_unknown_option("plot", a, usage_text);
		i++;
		if (strcmp(a, "--workspace") == 0 || strcmp(a, "-w") == 0)
			ws = v;
		else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0)
			out = v;
		else if (strcmp(a, "--csv") == 0)
			csv = v;
		else if (strcmp(a, "--csv-out") == 0)
			csv_out = v;
		else if (strcmp(a, "--what") == 0)
			what = v;
		else if (strcmp(a, "--metric") == 0)
			metric = v;
		else if (strcmp(a, "--by") == 0)
			by = v;
		else if ((r = tg_cli_run_filter("plot", a, v, &to, &dev_set)) != 0) {
			if (r < 0)
				return 2;
		} else if (strcmp(a, "--form") == 0) {
			if (tg_cli_int("plot", a, v, 1, 3, &n))
				return 2;
			form = (int)n;
		} else if (strcmp(a, "--width") == 0 || strcmp(a, "--height") == 0) {
			if (tg_cli_int("plot", a, v, 16, 20000, &n))
				return 2;
			*(a[2] == 'w' ? &w : &h) = (int)n;
		} else
			return tg_cli_unknown_option("plot", a, usage_text);
	}
	if (out == NULL)
		return tg_cli_usage_error("plot", "give the output file with -o FILE.png|.svg|.pdf");
	if (tg_plot_format_of(out, &err) < 0)
		return tg_cli_error("plot", sub, &err);
	if (w <= 0)
		w = strstr(out, ".png") || strstr(out, ".PNG") ? 1200 : 640;
	h_default = h <= 0;
	if (h <= 0)
		h = w * 5 / 8;
	if (ws == NULL)
		ws = getenv("TAMGA_WORKSPACE") && *getenv("TAMGA_WORKSPACE") ? getenv("TAMGA_WORKSPACE") :
		    "./tamga-workspace";
	if (strcmp(sub, "probe") != 0)
		tg_cli_gather(ws, false, NULL);        /* a sweep's run shards first (exp.h: gather.c) */

	if (strcmp(sub, "curves") == 0) {
		if (nruns == 0)
			return tg_cli_usage_error("plot", "curves needs run ids (tamga runs lists them)");
		if ((s = tg_store_open(ws, TG_STORE_READONLY, &err)) == NULL)
			return tg_cli_error("plot", sub, &err);
		rc = save(tg_analysis_plot_curves(s, runs, nruns, dev_set && !to.dev ? TG_SPLIT_TEST : TG_SPLIT_DEV, metric,
		    &err), out, w, h, sub);
		if (err.code)
			rc = tg_cli_error("plot", sub, &err);
	} else if (strcmp(sub, "ttc") == 0) {
		tg_ttc_table *t;
		tg_matrix **m;
		int n;

		to.n_boot = -1;
		if (strcmp(by, "source") != 0 && strcmp(by, "method") != 0)
			return tg_cli_usage_error("plot", "--by is source or method");
		if ((s = tg_store_open(ws, TG_STORE_READONLY, &err)) == NULL)
			return tg_cli_error("plot", sub, &err);
		if ((t = tg_ttc_compute(s, &to, &err)) == NULL) {
			rc = tg_cli_error("plot", sub, &err);
		} else {
			tg_ttc_matrices(t, strcmp(by, "method") == 0 ? TG_TTC_BY_METHOD : TG_TTC_BY_SOURCE, &m, &n);
			if (n == 0) {
				tg_error_set(&err, TG_E_ARG, "no runs with source and target scores in %s", ws);
				rc = tg_cli_error("plot", sub, &err);
			} else {
				tg_matrix *one = tg_ttc_matrix_join(m, n);
				tg_plot *pl = tg_analysis_plot_matrix(one, NAN);
				double lo = 0, hi = 1;
				int q;

				/* TTC: 0 = no transfer, 1 = none lost; the scale covers both */
				for (q = 0; q < one->rows * one->cols; q++)
					if (!isnan(one->v[q])) {
						lo = fmin(lo, one->v[q]);
						hi = fmax(hi, one->v[q]);
					}
				tg_plot_heatmap_scale(pl, lo, hi, TG_CMAP_VIRIDIS, 0, 2);
				if (h_default && h < 160 + 40 * one->rows)     /* the default height: room for every row */
					h = 160 + 40 * one->rows;
				rc = save(pl, out, w, h, sub);
				if (csv_out != NULL) {                   /* the plotted values, for checks and other tools */
					FILE *cf = fopen(csv_out, "w");
					if (cf == NULL || tg_matrix_write(cf, TG_OUT_CSV, one, 6, &err) != TG_OK ||
					    fclose(cf) != 0) {
						if (!err.code)
							tg_error_set(&err, TG_E_IO, "%s: cannot write", csv_out);
						rc = tg_cli_error("plot", sub, &err);
					}
				}
				tg_matrix_free(one);
			}
			tg_matrix_list_free(m, n);
			tg_ttc_table_free(t);
		}
	} else if (strcmp(sub, "probe") == 0) {
		tg_probe_result *r = NULL;
		int n = 0;

		if (csv == NULL)
			return tg_cli_usage_error("plot", "probe needs --csv FILE (from tamga analyze probe --format csv)");
		if (tg_probe_read_csv(csv, &r, &n, &err) != TG_OK)
			return tg_cli_error("plot", sub, &err);
		rc = save(tg_analysis_plot_probe(r, n, what, &err), out, w, h, sub);
		if (err.code)
			rc = tg_cli_error("plot", sub, &err);
		for (i = 0; i < n; i++)
			tg_probe_result_clear(&r[i]);
		free(r);
	} else if (strcmp(sub, "scaling") == 0) {
		tg_scale_point *pts = NULL;
		tg_scale_fit fit;
		int n = 0;

		if (csv != NULL) {
			if (tg_scale_points_read_csv(csv, &pts, &n, &err) != TG_OK)
				return tg_cli_error("plot", sub, &err);
		} else {
			tg_ttc_table *t;

				to.n_boot = -1;
			if ((s = tg_store_open(ws, TG_STORE_READONLY, &err)) == NULL || (t = tg_ttc_compute(s, &to, &err)) == NULL)
				goto done;
			if (tg_scale_points_from_ttc(s, t, &pts, &n, &err) != TG_OK) {
				tg_ttc_table_free(t);
				goto done;
			}
			tg_ttc_table_free(t);
		}
		if (tg_scale_fit_points(pts, n, (tg_scale_form)form, false, &fit, &err) != TG_OK) {
			fprintf(stderr, "tamga plot scaling: %s; plotting the points only\n", err.msg);
			tg_error_clear(&err);
			rc = save(tg_analysis_plot_scaling(pts, n, NULL, &err), out, w, h, sub);
		} else {
			rc = save(tg_analysis_plot_scaling(pts, n, &fit, &err), out, w, h, sub);
		}
		free(pts);
	} else {
		return tg_cli_usage_error("plot", "unknown subcommand '%s' (curves, ttc, probe or scaling)", sub);
	}
done:
	if (rc && err.code && s == NULL)
		tg_cli_error("plot", sub, &err);
	else if (rc && err.code && strcmp(sub, "scaling") == 0)
		tg_cli_error("plot", sub, &err);
	tg_store_close(s);
	return rc;
}
