/* Monotonic wall clock in seconds. */
#include <time.h>
#include "util.h"

double
tg_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}
