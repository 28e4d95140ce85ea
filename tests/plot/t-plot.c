/* Cairo plots: every kind in every format is written, read back and checked; errors name the file and the fix.
 * Set TAMGA_PLOT_KEEP=1 to keep the files (their folder is printed). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cairo.h>
#include "../tap.h"
#include "plot/plot.h"
#include "../testutil.h"

static char dir[256];

/* Under --enable-asan: fontconfig keeps its caches until exit, which LeakSanitizer would report as ours. */
const char *__lsan_default_suppressions(void);
const char *
__lsan_default_suppressions(void)
{
	return "leak:libfontconfig.so\n";
}

/* Pixels that are not white, and pixels close to an rgb colour (when given). */
static long
png_count(const char *path, int w, int h, const uint8_t *rgb, long *near)
{
	cairo_surface_t *s = cairo_image_surface_create_from_png(path);
	long count = -1;
	int x, y, stride;
	unsigned char *d;

	*near = 0;
	if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
		diag("%s: %s", path, cairo_status_to_string(cairo_surface_status(s)));
		cairo_surface_destroy(s);
		return -1;
	}
	if (cairo_image_surface_get_width(s) != w || cairo_image_surface_get_height(s) != h) {
		diag("%s is %dx%d, want %dx%d", path, cairo_image_surface_get_width(s), cairo_image_surface_get_height(s), w, h);
		cairo_surface_destroy(s);
		return -2;
	}
	cairo_surface_flush(s);
	d = cairo_image_surface_get_data(s);
	stride = cairo_image_surface_get_stride(s);
	count = 0;
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			uint32_t px = *(uint32_t *)(d + (size_t)y * stride + 4 * x);
			int r = (px >> 16) & 255, g = (px >> 8) & 255, b = px & 255;
			if (r < 250 || g < 250 || b < 250)
				count++;
			if (rgb && abs(r - rgb[0]) < 12 && abs(g - rgb[1]) < 12 && abs(b - rgb[2]) < 12)
				(*near)++;
		}
	cairo_surface_destroy(s);
	return count;
}

/* Save p as name.{png,svg,pdf} and check each file; `color` must appear in the PNG when nonzero. */
static void
check_all(const tg_plot *p, const char *name, int color, long min_ink)
{
	static const char *ext[3] = { "png", "svg", "pdf" };
	char path[512];
	tg_error err = { 0 };
	uint8_t rgb[3];
	int i;

	for (i = 0; i < 3; i++) {
		size_t len;
		char *text;
		int rc;

		snprintf(path, sizeof path, "%s/%s.%s", dir, name, ext[i]);
		rc = tg_plot_save(p, path, 640, 400, &err);
		if (!ok(rc == TG_OK, "%s.%s saved", name, ext[i])) {
			diag("%s", err.msg);
			continue;
		}
		if (i == 0) {
			long near, ink = png_count(path, 640, 400, color && tg_palette_rgb(color, rgb) ? rgb : NULL, &near);
			ok(ink >= min_ink, "%s.png is 640x400 and not blank (%ld non-white pixels)", name, ink);
			if (color)
				ok(near > 50, "%s.png uses %s (%ld pixels)", name, tg_palette_name(color), near);
			continue;
		}
		len = 0;
		text = tg_read_file(path, &len, NULL);
		if (i == 1)
			ok(text && strncmp(text, "<?xml", 5) == 0 && strstr(text, "<svg") && strstr(text, "</svg>"),
			   "%s.svg is an SVG document (%zu bytes)", name, len);
		else {
			size_t e = len;
			while (e > 0 && (text[e - 1] == '\n' || text[e - 1] == '\r'))
				e--;
			ok(text && strncmp(text, "%PDF-", 5) == 0 && e >= 5 && strncmp(text + e - 5, "%%EOF", 5) == 0,
			   "%s.pdf starts with %%PDF- and ends with %%%%EOF (%zu bytes)", name, len);
		}
		free(text);
	}
}

static void
test_errors(void)
{
	tg_plot *p = tg_plot_new(TG_PLOT_LINE, "x");
	tg_error err = { 0 };
	char path[512];

	ok(tg_plot_save(p, "/tmp/plot.jpg", 100, 100, &err) == TG_ERR && strstr(err.msg, "'.jpg'")
	   && strstr(err.hint, ".png, .svg or .pdf"), "unknown extension: %s (hint: %s)", err.msg, err.hint);
	ok(tg_plot_save(p, "/tmp/noext", 100, 100, &err) == TG_ERR && strstr(err.msg, "extension 'none'"),
	   "no extension: %s", err.msg);
	ok(tg_plot_format_of("a/B.PDF", NULL) == TG_PLOT_PDF && tg_plot_format_of("x.svg", NULL) == TG_PLOT_SVG
	   && tg_plot_format_of("x.png/y", NULL) == -1, "format from the extension, any case");
	ok(tg_plot_save(p, "/tmp/plot.png", 5, 100, &err) == TG_ERR && strstr(err.msg, "5x100"), "tiny size: %s", err.msg);
	snprintf(path, sizeof path, "%s/no/such/dir/p.png", dir);
	ok(tg_plot_save(p, path, 100, 100, &err) == TG_ERR && err.code == TG_E_IO && strstr(err.msg, "p.png"),
	   "unwritable png: %s", err.msg);
	snprintf(path, sizeof path, "%s/no/such/dir/p.pdf", dir);
	ok(tg_plot_save(p, path, 100, 100, &err) == TG_ERR && err.code == TG_E_IO, "unwritable pdf: %s", err.msg);
	ok(tg_plot_series_add(p, "bad", 3, NULL, NULL, NULL, NULL) == -1, "series without points is refused");
	ok(tg_plot_heatmap_set(p, 2, 2, NULL, NULL, NULL) == TG_ERR, "heat map without values is refused");
	tg_plot_free(p);
	tg_plot_free(NULL);
}

int
main(void)
{
	const char *tmp = getenv("TMPDIR"), *keep = getenv("TAMGA_PLOT_KEEP");
	double x[40], y[3][40], lo[40], hi[40], nan3[3] = { NAN, NAN, NAN };
	tg_plot *p;
	int i, l;

	snprintf(dir, sizeof dir, "%s/tamga-plot-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		ok(0, "cannot make a temporary folder %s", dir);
		return done_testing();
	}
	test_errors();

	/* learning curves with CI bands and a gap */
	for (i = 0; i < 40; i++) {
		x[i] = i * 100;
		for (l = 0; l < 3; l++)
			y[l][i] = 0.9 - 0.1 * l - 0.6 * exp(-i / 6.0);
		lo[i] = y[0][i] - 0.04;
		hi[i] = y[0][i] + 0.04;
	}
	y[1][10] = NAN;
	p = tg_plot_new(TG_PLOT_LINE, "UDPOS accuracy, en -> kk/ky");
	tg_plot_axis(p, "step", "accuracy", false, false);
	ok(tg_plot_series_add(p, "en", 40, x, y[0], lo, hi) == 0, "series 0");
	tg_plot_series_add(p, "kk", 40, x, y[1], NULL, NULL);
	i = tg_plot_series_add(p, "ky (run 2)", 40, x, y[2], NULL, NULL);
	tg_plot_series_style(p, i, TG_COLOR_GREEN, TG_LINE_DOTTED);
	tg_plot_hline(p, 0.5, "chance");
	check_all(p, "line", TG_COLOR_BLUE, 5000);
	tg_plot_free(p);

	/* score by layer: 11 languages (colours repeat, line styles differ) */
	p = tg_plot_new(TG_PLOT_LAYERS, "alignment margin by layer");
	tg_plot_axis(p, "layer", "parallel - random cosine", false, false);
	for (l = 0; l < 11; l++) {
		double lx[13], ly[13];
		char name[16];
		for (i = 0; i < 13; i++) {
			lx[i] = i;
			ly[i] = (0.3 - 0.02 * l) * sin(M_PI * (i + 1) / 15.0);
		}
		snprintf(name, sizeof name, "L%d", l);
		tg_plot_series_add(p, name, 13, lx, ly, NULL, NULL);
	}
	check_all(p, "layers", TG_COLOR_VERMILLION, 5000);
	tg_plot_free(p);

	/* scatter with a fitted curve on log axes; a non-positive point is a gap there */
	p = tg_plot_new(TG_PLOT_SCATTER, "scaling fit");
	tg_plot_axis(p, "examples", "error", true, true);
	{
		double sx[8], sy[8], fx[30], fy[30];
		for (i = 0; i < 8; i++) {
			sx[i] = 100 * pow(3, i);
			sy[i] = 0.1 + 2 * pow(sx[i], -0.35);
		}
		sx[3] = -5;
		for (i = 0; i < 30; i++) {
			fx[i] = 100 * pow(3, i * 7.0 / 29);
			fy[i] = 0.1 + 2 * pow(fx[i], -0.35);
		}
		tg_plot_series_add(p, "measured", 8, sx, sy, NULL, NULL);
		tg_plot_curve_add(p, "fit", 30, fx, fy);
	}
	check_all(p, "scatter", TG_COLOR_VERMILLION, 3000);
	tg_plot_free(p);

	/* heat maps: sequential with a missing cell, and diverging around 0 with long names */
	p = tg_plot_new(TG_PLOT_HEATMAP, "TTC");
	tg_plot_axis(p, "target", "source", false, false);
	{
		const char *rn[] = { "en", "tr" }, *cn[] = { "az", "kk", "ky", "uz", "ug", "tt" };
		double v[12] = { 0.7, 0.6, 0.6, 0.55, 0.3, 0.58, 0.92, 0.8, 0.77, 0.74, 0.45, NAN };
		ok(tg_plot_heatmap_set(p, 2, 6, rn, cn, v) == TG_OK, "heat map set");
	}
	check_all(p, "heat", 0, 20000);
	tg_plot_free(p);
	p = tg_plot_new(TG_PLOT_HEATMAP, "dTTC by method");
	{
		const char *rn[] = { "LoRA early", "Houlsby adapter" }, *cn[] = { "Azerbaijani", "Kazakh", "Uyghur" };
		double v[6] = { -0.2, 0.1, 0.3, 0.05, -0.1, 0 };
		tg_plot_heatmap_set(p, 2, 3, rn, cn, v);
		tg_plot_heatmap_scale(p, NAN, NAN, TG_CMAP_DIVERGING, 0, 2);
	}
	check_all(p, "heat-diverging", 0, 20000);
	tg_plot_free(p);

	/* nothing to draw: a "no data" page, not a failure */
	p = tg_plot_new(TG_PLOT_LINE, "empty");
	check_all(p, "empty", 0, 50);
	tg_plot_series_add(p, "all NaN", 3, nan3, nan3, nan3, nan3);
	check_all(p, "all-nan", 0, 50);
	tg_plot_free(p);
	p = tg_plot_new(TG_PLOT_HEATMAP, NULL);
	check_all(p, "empty-heat", 0, 20);
	tg_plot_free(p);
	p = tg_plot_new(TG_PLOT_SCATTER, NULL);
	tg_plot_axis(p, NULL, NULL, true, true);
	{
		double zx[2] = { 0, -1 }, zy[2] = { 1, 2 };
		tg_plot_series_add(p, "non-positive", 2, zx, zy, NULL, NULL);
	}
	check_all(p, "log-nonpositive", 0, 20);
	tg_plot_free(p);

	/* a single point and a fixed range that cuts the data */
	p = tg_plot_new(TG_PLOT_LINE, NULL);
	{
		double one = 5, v = 0.5;
		tg_plot_series_add(p, "one point", 1, &one, &v, NULL, NULL);
		tg_plot_yrange(p, 0.6, 0.9);
		tg_plot_xrange(p, 0, 10);
	}
	check_all(p, "single", 0, 500);
	tg_plot_free(p);

	if (keep && *keep)
		diag("plots kept in %s", dir);
	else
		tu_rm_rf(dir);
	cairo_debug_reset_static_data();
	return done_testing();
}
