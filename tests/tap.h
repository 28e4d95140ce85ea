/* A tiny TAP producer for C tests: ok(), is_num(), diag(), done_testing(). */
#ifndef TG_TAP_H
#define TG_TAP_H
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int tap_n = 0, tap_failed = 0;

static inline int
tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	if (!cond)
		tap_failed++;
	printf("%s %d - ", cond ? "ok" : "not ok", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	return cond;
}
#define ok(cond, ...) tap_ok(!!(cond), __VA_ARGS__)

static inline void
diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* a skipped test point: "ok N # SKIP reason" */
static inline void
skip(const char *reason)
{
	printf("ok %d # SKIP %s\n", ++tap_n, reason);
}

#define is_num(got, want, tol, ...) do { \
	double g_ = (got), w_ = (want); \
	if (!tap_ok(fabs(g_ - w_) <= (tol), __VA_ARGS__)) \
		diag("got %.9g, want %.9g (tolerance %g)", g_, w_, (double)(tol)); \
} while (0)

static inline int
done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

/* Data root for tests that read ../shared/data; NULL (and the test skips) when absent. */
static inline const char *
tap_data_root(void)
{
	const char *d = getenv("TAMGA_DATA");
	return d && *d ? d : NULL;
}
#endif
