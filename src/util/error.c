/* Error reporting: fill a tg_error with one line that names what failed and why. */
#include <stdio.h>
#include <string.h>
#include "util.h"

int
tg_error_set(tg_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return TG_ERR;
	err->code = code ? code : TG_E_ARG;
	err->hint[0] = '\0';
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	return TG_ERR;
}

int
tg_error_hint(tg_error *err, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return TG_ERR;
	va_start(ap, fmt);
	vsnprintf(err->hint, sizeof err->hint, fmt, ap);
	va_end(ap);
	return TG_ERR;
}

void
tg_error_clear(tg_error *err)
{
	if (err != NULL) {
		err->code = 0;
		err->msg[0] = '\0';
		err->hint[0] = '\0';
	}
}

/* Format a shape as "(2, 3, 4)". */
const char *
tg_shape_str(char *buf, size_t n, int ndim, const int64_t *shape)
{
	size_t used = 0;
	int i;

	used += snprintf(buf + used, n - used, "(");
	for (i = 0; i < ndim && used < n; i++)
		used += snprintf(buf + used, n - used, "%s%lld", i ? ", " : "", (long long)shape[i]);
	if (used < n)
		snprintf(buf + used, n - used, ")");
	return buf;
}
