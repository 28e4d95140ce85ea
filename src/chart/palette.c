/* Colour indexes shared by text charts and cairo plots: Okabe-Ito, viridis buckets and terminal approximations. */
#include <math.h>
#include "chart.h"

/* Okabe & Ito (2008), "Color Universal Design", reordered so that neighbours differ most for common colour
 * vision deficiencies and the hard-to-see yellow and black come last. */
static const uint8_t fixed_rgb[TG_COLOR_SEQ][3] = {
	{ 0, 0, 0 },            /* default (unused) */
	{ 0x00, 0x72, 0xB2 },   /* blue */
	{ 0xD5, 0x5E, 0x00 },   /* vermillion */
	{ 0x00, 0x9E, 0x73 },   /* bluish green */
	{ 0xE6, 0x9F, 0x00 },   /* orange */
	{ 0xCC, 0x79, 0xA7 },   /* reddish purple */
	{ 0x56, 0xB4, 0xE9 },   /* sky blue */
	{ 0xF0, 0xE4, 0x42 },   /* yellow */
	{ 0x00, 0x00, 0x00 },   /* black */
	{ 0x80, 0x80, 0x80 },   /* gray */
	{ 0xFF, 0xFF, 0xFF },   /* white */
	{ 0x88, 0x22, 0x55 },   /* wine (Tol muted) */
	{ 0x44, 0xAA, 0x99 },   /* teal */
	{ 0x99, 0x99, 0x33 },   /* olive */
	{ 0x33, 0x22, 0x88 },   /* indigo */
};

static const char *const fixed_names[TG_COLOR_SEQ] = {
	"default", "blue", "vermillion", "green", "orange", "purple", "sky", "yellow", "black", "gray", "white",
	"wine", "teal", "olive", "indigo",
};

/* matplotlib's viridis sampled at 0, 1/8, ..., 1. */
static const double viridis[9][3] = {
	{ 0x44, 0x01, 0x54 }, { 0x47, 0x2c, 0x7a }, { 0x3b, 0x51, 0x8b }, { 0x2c, 0x71, 0x8e }, { 0x21, 0x90, 0x8d },
	{ 0x27, 0xad, 0x81 }, { 0x5c, 0xc8, 0x63 }, { 0xaa, 0xdc, 0x32 }, { 0xfd, 0xe7, 0x25 },
};

/* Blue - near white - vermillion, from the Okabe-Ito ends (safe for deuteranopia and protanopia). */
static const double diverging[5][3] = {
	{ 0x00, 0x5a, 0x9a }, { 0x86, 0xbb, 0xde }, { 0xf7, 0xf7, 0xf7 }, { 0xf0, 0xb2, 0x85 }, { 0xc0, 0x4f, 0x00 },
};

static void
ramp(const double (*stops)[3], int n, double t, double rgb[3])
{
	double u;
	int i, k;

	if (isnan(t)) {
		rgb[0] = rgb[1] = rgb[2] = 0.6;
		return;
	}
	t = t < 0 ? 0 : t > 1 ? 1 : t;
	u = t * (n - 1);
	i = (int)floor(u);
	if (i >= n - 1)
		i = n - 2;
	u -= i;
	for (k = 0; k < 3; k++)
		rgb[k] = ((1 - u) * stops[i][k] + u * stops[i + 1][k]) / 255.0;
}

void
tg_palette_cmap(tg_cmap cmap, double t, double rgb[3])
{
	if (cmap == TG_CMAP_DIVERGING)
		ramp(diverging, 5, t, rgb);
	else
		ramp(viridis, 9, t, rgb);
}

bool
tg_palette_rgb(int color, uint8_t rgb[3])
{
	double f[3];
	int k;

	if (color <= TG_COLOR_DEFAULT || color >= TG_COLOR_COUNT)
		return false;
	if (color < TG_COLOR_SEQ) {
		for (k = 0; k < 3; k++)
			rgb[k] = fixed_rgb[color][k];
		return true;
	}
	tg_palette_cmap(TG_CMAP_VIRIDIS, (color - TG_COLOR_SEQ + 0.5) / TG_SEQ_BUCKETS, f);
	for (k = 0; k < 3; k++)
		rgb[k] = (uint8_t)lrint(f[k] * 255.0);
	return true;
}

const char *
tg_palette_name(int color)
{
	static const char *const seq[TG_SEQ_BUCKETS] = { "seq0", "seq1", "seq2", "seq3", "seq4", "seq5", "seq6", "seq7" };

	if (color >= 0 && color < TG_COLOR_SEQ)
		return fixed_names[color];
	if (color >= TG_COLOR_SEQ && color < TG_COLOR_COUNT)
		return seq[color - TG_COLOR_SEQ];
	return "unknown";
}

int
tg_palette_series(int i, int ncolors)
{
	if (ncolors < 1 || ncolors > TG_OKABE_ITO)
		ncolors = TG_OKABE_ITO;
	if (i < 0)
		i = 0;
	return TG_COLOR_BLUE + i % ncolors;
}

int
tg_palette_series_many(int i)
{
	static const int more[TG_SERIES_COLORS - 7] = { TG_COLOR_WINE, TG_COLOR_TEAL, TG_COLOR_OLIVE, TG_COLOR_INDIGO };

	if (i < 0)
		i = 0;
	i %= TG_SERIES_COLORS;
	return i < 7 ? TG_COLOR_BLUE + i : more[i - 7];
}

static long
dist2(const uint8_t a[3], int r, int g, int b)
{
	long dr = a[0] - r, dg = a[1] - g, db = a[2] - b;

	return 2 * dr * dr + 4 * dg * dg + 3 * db * db;
}

int
tg_palette_xterm256(int color)
{
	static const int level[6] = { 0, 95, 135, 175, 215, 255 };
	uint8_t rgb[3];
	long best_d = -1, d;
	int best = -1, r, g, b, i;

	if (!tg_palette_rgb(color, rgb))
		return -1;
	for (r = 0; r < 6; r++)
		for (g = 0; g < 6; g++)
			for (b = 0; b < 6; b++) {
				d = dist2(rgb, level[r], level[g], level[b]);
				if (best_d < 0 || d < best_d) {
					best_d = d;
					best = 16 + 36 * r + 6 * g + b;
				}
			}
	for (i = 0; i < 24; i++) {
		d = dist2(rgb, 8 + 10 * i, 8 + 10 * i, 8 + 10 * i);
		if (d < best_d) {
			best_d = d;
			best = 232 + i;
		}
	}
	return best;
}

int
tg_palette_ansi8(int color)
{
	/* black red green yellow blue magenta cyan white, as xterm draws them */
	static const int basic[8][3] = {
		{ 0, 0, 0 }, { 205, 0, 0 }, { 0, 205, 0 }, { 205, 205, 0 },
		{ 0, 0, 238 }, { 205, 0, 205 }, { 0, 205, 205 }, { 229, 229, 229 },
	};
	static const int fixed[TG_COLOR_SEQ] = { -1, 4, 1, 2, 3, 5, 6, 3, 0, 7, 7, 5, 6, 3, 4 };
	uint8_t rgb[3];
	long best_d = -1, d;
	int best = -1, i;

	if (color >= 0 && color < TG_COLOR_SEQ)
		return fixed[color];
	if (!tg_palette_rgb(color, rgb))
		return -1;
	for (i = 0; i < 8; i++) {
		d = dist2(rgb, basic[i][0], basic[i][1], basic[i][2]);
		if (best_d < 0 || d < best_d) {
			best_d = d;
			best = i;
		}
	}
	return best;
}

int
tg_palette_bucket(double v, double vmin, double vmax, int n)
{
	int b;

	if (isnan(v) || !(vmax >= vmin) || n < 1)
		return -1;
	if (vmax == vmin)
		return n / 2;
	b = (int)floor((v - vmin) / (vmax - vmin) * n);
	return b < 0 ? 0 : b >= n ? n - 1 : b;
}

static double
lin(double c)
{
	return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4);
}

double
tg_palette_luminance(const double rgb[3])
{
	return 0.2126 * lin(rgb[0]) + 0.7152 * lin(rgb[1]) + 0.0722 * lin(rgb[2]);
}
