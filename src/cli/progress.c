/* The progress line and the notes of the engine's events, on a terminal or in a log. */
#include "config.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/progress.h"

void
tg_progress_init(tg_progress *p, FILE *f, bool steps)
{
	const char *nc = getenv("NO_COLOR");

	memset(p, 0, sizeof *p);
	p->f = f;
	p->tty = isatty(fileno(f)) != 0;
	p->color = p->tty && (nc == NULL || *nc == '\0');
	p->steps = steps;
	p->every = p->tty ? 0.2 : 10.0;
	p->last = -1e9;
	p->eval_step = -1;
}

const char *
tg_progress_fmt_time(char *buf, size_t n, double s)
{
	if (!(s >= 0) || s > 1e7)
		snprintf(buf, n, "--:--");
	else if (s >= 3600)
		snprintf(buf, n, "%d:%02d:%02d", (int)s / 3600, ((int)s / 60) % 60, (int)s % 60);
	else
		snprintf(buf, n, "%d:%02d", (int)s / 60, (int)s % 60);
	return buf;
}

const char *
tg_progress_fmt_note(char *buf, size_t n, const tg_event *ev)
{
	const char *msg = ev->msg ? ev->msg : "";

	if (ev->severity != TG_SEV_INFO)
		snprintf(buf, n, "tamga: %s: %s%s%s", tg_severity_name(ev->severity), ev->what ? ev->what : "",
		    ev->what ? ": " : "", msg);
	else
		snprintf(buf, n, "%s%s%s", ev->what ? ev->what : "", ev->what ? ": " : "", msg);
	return buf;
}

/* Start a line: on a terminal the open progress line is rewritten (\r\033[K); in a log it ended with its line. */
static void
begin(tg_progress *p)
{
	if (p->open)
		fputs("\r\033[K", p->f);
	p->open = false;
}

/* A progress line: in place on a terminal, a whole line in a log. */
static void
status(tg_progress *p, const char *line)
{
	begin(p);
	if (p->tty) {
		fputs(line, p->f);
		p->open = true;
	} else
		fprintf(p->f, "%s\n", line);
	fflush(p->f);
	p->last = tg_now();
}

void
tg_progress_clear(tg_progress *p)
{
	begin(p);
	fflush(p->f);
}

void
tg_progress_end(tg_progress *p)
{
	if (p->open)
		fputc('\n', p->f);
	p->open = false;
	fflush(p->f);
}

void
tg_progress_event(void *ud, const tg_event *ev)
{
	tg_progress *p = ud;
	char line[1400], eta[32], el[32];
	bool due;

	if (ev->kind == TG_EV_NOTE) {
		tg_progress_fmt_note(line, sizeof line, ev);
		begin(p);
		if (p->color && ev->severity != TG_SEV_INFO)
			fprintf(p->f, "\033[%sm%s\033[0m\n", ev->severity == TG_SEV_ERROR ? "31" : "33", line);
		else
			fprintf(p->f, "%s\n", line);
		fflush(p->f);
		return;
	}
	if (!p->steps)
		return;
	due = tg_now() - p->last >= p->every;
	switch (ev->kind) {
	case TG_EV_STEP:
		if (!due && ev->step != ev->total)
			return;
		tg_progress_fmt_time(eta, sizeof eta, ev->eta_s);
		tg_progress_fmt_time(el, sizeof el, ev->elapsed_s);
		if (ev->what != NULL && strcmp(ev->what, "train") != 0)
			snprintf(line, sizeof line, "%s: step %lld/%lld  %sloss %.3f  %.0f tok/s  %s elapsed  ETA %s",
			    ev->what, (long long)ev->step, (long long)ev->total, strncmp(ev->what, "pretrain", 8) == 0 ?
			    "MLM " : "", ev->loss, ev->tokens_per_s, el, eta);
		else
			snprintf(line, sizeof line, "step %lld/%lld  epoch %d  loss %.4f  lr %.2e  %.0f tok/s  %s elapsed  "
			    "ETA %s", (long long)ev->step, (long long)ev->total, ev->epoch + 1, ev->loss, ev->lr,
			    ev->tokens_per_s, el, eta);
		status(p, line);
		break;
	case TG_EV_EVAL_BEGIN:
		p->eval_step = ev->step;
		break;
	case TG_EV_EVAL_PROGRESS:
		/* each set once as it starts (on a terminal, its items as they go), at most every `every` seconds */
		if (!due && !(p->tty && ev->done == 0))
			return;
		snprintf(line, sizeof line, "step %lld: evaluating %s %s (set %d/%d)  %lld/%lld", (long long)ev->step,
		    ev->lang ? ev->lang : "?", ev->split ? ev->split : "", ev->set + 1, ev->n_sets, (long long)ev->done,
		    (long long)ev->items);
		status(p, line);
		break;
	case TG_EV_EVAL_END:
		begin(p);
		fprintf(p->f, "step %lld: %s %s %.4f [%.4f, %.4f]%s\n", (long long)ev->step, ev->lang ? ev->lang : "",
		    ev->metric ? ev->metric : "", ev->score, ev->ci_lo, ev->ci_hi, ev->best ? "  (best so far)" : "");
		fflush(p->f);
		p->eval_step = -1;
		break;
	default:
		break;
	}
}
