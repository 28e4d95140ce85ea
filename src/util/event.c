/* Events: the engine reports progress and notes through an observer and never writes to stdout or stderr. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "util.h"

static tg_observer default_obs;

tg_observer
tg_observer_set_default(tg_event_fn fn, void *ud)
{
	tg_observer old = default_obs;

	default_obs.fn = fn;
	default_obs.ud = ud;
	return old;
}

void
tg_emit(const tg_observer *o, const tg_event *ev)
{
	if (o == NULL || o->fn == NULL)
		o = &default_obs;
	if (o->fn != NULL)
		o->fn(o->ud, ev);
}

void
tg_notef(const tg_observer *o, tg_severity sev, const char *what, const char *fmt, ...)
{
	char msg[1024];
	tg_event ev;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	memset(&ev, 0, sizeof ev);
	ev.kind = TG_EV_NOTE;
	ev.severity = sev;
	ev.what = what;
	ev.msg = msg;
	tg_emit(o, &ev);
}

const char *
tg_severity_name(tg_severity s)
{
	return s == TG_SEV_ERROR ? "error" : s == TG_SEV_WARNING ? "warning" : "info";
}
