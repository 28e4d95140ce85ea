/* The remaining-time estimate shared by every front end: a moving window of step times (their median, so one slow
 * step does not swing it) times the steps left, plus the measured cost of the evaluations still to come. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "util.h"

void
tg_eta_init(tg_eta *e)
{
	memset(e, 0, sizeof *e);
}

void
tg_eta_step(tg_eta *e, double seconds)
{
	if (!(seconds >= 0) || !isfinite(seconds))
		return;
	e->win[e->head] = seconds;
	e->head = (e->head + 1) % TG_ETA_WINDOW;
	if (e->n_win < TG_ETA_WINDOW)
		e->n_win++;
}

void
tg_eta_eval(tg_eta *e, double seconds)
{
	if (!(seconds >= 0) || !isfinite(seconds))
		return;
	e->n_evals++;
	e->eval_s += seconds;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double
tg_eta_left(const tg_eta *e, int64_t steps_left, int64_t evals_left)
{
	double w[TG_ETA_WINDOW], step, eval;
	int n = e->n_win;

	if (steps_left <= 0 && evals_left <= 0)
		return 0;
	if (n == 0)
		return NAN;
	memcpy(w, e->win, (size_t)n * sizeof *w);
	qsort(w, (size_t)n, sizeof *w, cmp_double);
	step = n % 2 ? w[n / 2] : 0.5 * (w[n / 2 - 1] + w[n / 2]);
	eval = e->n_evals > 0 ? e->eval_s / (double)e->n_evals : e->eval_guess_steps * step;
	return (double)(steps_left > 0 ? steps_left : 0) * step + (double)(evals_left > 0 ? evals_left : 0) * eval;
}
