/* This machine's name, as runs record it (store) and sweeps compare it (a run started here can be followed here). */
#include <stdio.h>
#include <unistd.h>
#include "util.h"

const char *
tg_host_name(char *buf, size_t n)
{
	if (gethostname(buf, n) != 0)
		snprintf(buf, n, "?");
	buf[n - 1] = '\0';
	return buf;
}
