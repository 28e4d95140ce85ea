/* Nice tick values (1-2-5 steps, decades on log axes) and short tick labels, for text charts and cairo plots. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "chart.h"

int
tg_ticks_nice(double *lo, double *hi, int target, bool loose, double *ticks, int max, double *step)
{
	double a = *lo, b = *hi, raw, mag, f, s, t, d;
	int n = 0, i, first;

	if (step)
		*step = 0;
	if (!isfinite(a) || !isfinite(b) || max < 1)
		return 0;
	if (b < a) {
		t = a;
		a = b;
		b = t;
	}
	if (b == a) {
		d = a == 0 ? 1 : fabs(a) * 0.1;
		a -= d;
		b += d;
	}
	if (target < 1)
		target = 1;
	raw = (b - a) / target;
	mag = pow(10, floor(log10(raw)));
	f = raw / mag;
	s = (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
	if (loose) {
		a = floor(a / s + 1e-9) * s;
		b = ceil(b / s - 1e-9) * s;
	}
	first = (int)ceil(a / s - 1e-9);
	for (i = first; n < max; i++) {
		t = i * s;
		if (t > b + s * 1e-9)
			break;
		if (fabs(t) < s * 1e-9)
			t = 0;
		ticks[n++] = t;
	}
	*lo = a;
	*hi = b;
	if (step)
		*step = s;
	return n;
}

int
tg_ticks_log(double lo, double hi, double *ticks, int max)
{
	static const double mult[3] = { 1, 2, 5 };
	int e0, e1, e, k, n = 0, every;
	double t;

	if (!(lo > 0) || !isfinite(lo) || !isfinite(hi) || max < 1)
		return 0;
	if (hi < lo) {
		t = lo;
		lo = hi;
		hi = t;
	}
	e0 = (int)floor(log10(lo) + 1e-9);
	e1 = (int)ceil(log10(hi) - 1e-9);
	if (e1 - e0 < 2) {
		for (e = e0; e <= e1 && n < max; e++)
			for (k = 0; k < 3 && n < max; k++) {
				t = mult[k] * pow(10, e);
				if (t >= lo * (1 - 1e-9) && t <= hi * (1 + 1e-9))
					ticks[n++] = t;
			}
		return n;
	}
	every = (e1 - e0) / 8 + 1;
	for (e = e0; e <= e1 && n < max; e++) {
		if ((e - e0) % every)
			continue;
		t = pow(10, e);
		if (t >= lo * (1 - 1e-9) && t <= hi * (1 + 1e-9))
			ticks[n++] = t;
	}
	return n;
}

void
tg_tick_label(char *buf, size_t n, double v, double step, double absmax)
{
	double scale = 1;
	const char *suffix = "";
	int d;

	if (n == 0)
		return;
	if (isnan(v)) {
		snprintf(buf, n, "nan");
		return;
	}
	if (fabs(v) < 1e-300 || (step > 0 && fabs(v) < step * 1e-6))
		v = 0;
	absmax = fabs(absmax);
	if (absmax < fabs(v))
		absmax = fabs(v);
	if (absmax >= 1e4 && absmax < 1e15) {
		if (absmax >= 1e9) {
			scale = 1e9;
			suffix = "G";
		} else if (absmax >= 1e6) {
			scale = 1e6;
			suffix = "M";
		} else {
			scale = 1e3;
			suffix = "k";
		}
	}
	if (v == 0 && (!(step > 0) || scale != 1)) {
		snprintf(buf, n, "0");
		return;
	}
	if (!(step > 0) || absmax >= 1e15 || absmax < 1e-4) {
		snprintf(buf, n, "%.3g", v);
		return;
	}
	d = (int)ceil(-log10(step / scale) - 1e-9);
	if (d < 0)
		d = 0;
	if (d > 6) {
		snprintf(buf, n, "%.3g", v);
		return;
	}
	snprintf(buf, n, "%.*f%s", d, v / scale, suffix);
	if (strncmp(buf, "-0", 2) == 0 && strspn(buf + 1, "0.") == strlen(buf + 1) - strlen(suffix))
		memmove(buf, buf + 1, strlen(buf));
}
