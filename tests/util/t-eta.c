/* The remaining-time estimate (util/eta.c) on made-up step and evaluation times, so its arithmetic is checked
 * exactly whatever the machine's load (t-train checks it on a real run when the machine is quiet). */
#include <math.h>
#include "../tap.h"
#include "util/util.h"

int
main(void)
{
	tg_eta e;
	int i;

	tg_eta_init(&e);
	ok(isnan(tg_eta_left(&e, 10, 0)), "no step measured yet: no estimate (NaN)");
	ok(tg_eta_left(&e, 0, 0) == 0, "nothing left: 0 s, even before the first step");

	for (i = 0; i < 9; i++)
		tg_eta_step(&e, 0.5);
	tg_eta_step(&e, 30.0);   /* one slow step (a page-in, a neighbour) */
	is_num(tg_eta_left(&e, 100, 0), 50.0, 1e-12, "100 steps left at the median step time 0.5 s: 50 s (one 30 s "
	    "step does not swing it)");

	e.eval_guess_steps = 4;
	is_num(tg_eta_left(&e, 100, 3), 56.0, 1e-12, "before an evaluation is measured, each of the 3 to come counts "
	    "as 4 steps: 50 + 3 x 2 = 56 s");
	tg_eta_eval(&e, 7.0);
	tg_eta_eval(&e, 5.0);
	is_num(tg_eta_left(&e, 100, 3), 68.0, 1e-12, "measured evaluations (7 s, 5 s) replace the guess: 50 + 3 x 6 = "
	    "68 s");
	is_num(tg_eta_left(&e, 0, 2), 12.0, 1e-12, "only evaluations left (the final one after the last step): 12 s");
	is_num(tg_eta_left(&e, -5, 0), 0.0, 0, "a negative count is nothing left");

	tg_eta_step(&e, NAN);
	tg_eta_step(&e, -1.0);
	tg_eta_eval(&e, INFINITY);
	is_num(tg_eta_left(&e, 100, 3), 68.0, 1e-12, "NaN, negative and infinite durations are ignored");

	for (i = 0; i < TG_ETA_WINDOW; i++)
		tg_eta_step(&e, 2.0);
	is_num(tg_eta_left(&e, 10, 0), 20.0, 1e-12, "the window holds the last %d steps: after the run slows to 2 s a "
	    "step, 10 steps take 20 s", TG_ETA_WINDOW);
	tg_eta_step(&e, 1.0);
	tg_eta_step(&e, 1.0);
	is_num(tg_eta_left(&e, 10, 0), 20.0, 1e-12, "two faster steps do not move the median");

	tg_eta_init(&e);
	tg_eta_step(&e, 1.0);
	tg_eta_step(&e, 2.0);
	is_num(tg_eta_left(&e, 4, 0), 6.0, 1e-12, "an even count takes the mean of the middle two: 4 x 1.5 = 6 s");
	return done_testing();
}
