/* The terminal side of the engine's events (util.h: tg_event): the progress line (rewritten in place with
 * \r\033[K on a terminal, a line every few seconds in a log), evaluation progress, the ETA, and notes with their
 * severity (warnings in colour on a terminal, unless NO_COLOR is set). Used by tamga train, pretrain, sweep, demo
 * and eval, by the Lua binding (tamga.train with progress) and by the workbench's workers (their logs). */
#ifndef TG_PROGRESS_H
#define TG_PROGRESS_H

#include <stdbool.h>
#include <stdio.h>
#include "util/util.h"

typedef struct tg_progress {
	FILE   *f;
	bool    tty, color;
	bool    steps;          /* show STEP and EVAL_* events (false: notes only) */
	bool    open;           /* a progress line is on screen without its newline */
	double  last;           /* when the progress line was last written */
	double  every;          /* seconds between progress lines (0.2 on a terminal, 10 in a log) */
	int64_t eval_step;      /* the step of the evaluation in progress */
} tg_progress;

/* f: where to write (stderr); steps: show progress, not only notes. */
void tg_progress_init(tg_progress *p, FILE *f, bool steps);
/* A tg_event_fn: ud is a tg_progress. */
void tg_progress_event(void *ud, const tg_event *ev);
/* Take an open progress line off a terminal (before others print, e.g. a Lua callback); it comes back with the
 * next progress event. */
void tg_progress_clear(tg_progress *p);
/* End the progress line (a newline if one is open). */
void tg_progress_end(tg_progress *p);
/* "1:02:03", "2:03" or "--:--" (unknown). */
const char *tg_progress_fmt_time(char *buf, size_t n, double s);
/* One note as it is printed: "tamga: warning: WHAT: MSG", "WHAT: MSG" or "MSG" (no newline). */
const char *tg_progress_fmt_note(char *buf, size_t n, const tg_event *ev);

#endif
