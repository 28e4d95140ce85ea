/* tamga tui: options, the main loop (non-blocking keys, one draw per tick at a bounded rate), tg_tui_watch. */
#include "config.h"
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tui/tui-int.h"
#include "cli/cli.h"

#define FRAME_S 0.033      /* at most ~30 frames a second */
#define IDLE_END_S 2.0    /* --max-frames: an idle screen ends after this long */
#define IDLE_MS 40         /* key polling while nothing changes: keys are answered within this */

static volatile sig_atomic_t got_int, got_term;
static tg_tui *volatile sig_tui;

static void
on_sigint(int sig)
{
	(void)sig;
	/* a Lua chunk is running: interrupt it at a safe point; otherwise the loop sees C-c as a key */
	if (sig_tui != NULL && sig_tui->lua_busy && sig_tui->L != NULL)
		tg_lua_interrupt(sig_tui->L);
	else
		got_int = 1;
}

static void
on_sigterm(int sig)
{
	(void)sig;
	got_term = 1;
}

int
tg_tui_run(const tg_tui_opts *o)
{
	tg_term *tm;
	tg_tui *t;
	tg_tui_style st;
	tg_error err = { 0 };
	struct sigaction sa, old_int, old_term, old_hup;
	double last_draw = -1, last_active = tg_now();
	bool full = true;
	int w, h, rc = 0;
	char cap[512];

	if (!isatty(0) || !isatty(1)) {
		fprintf(stderr, "tamga tui: needs a terminal (stdin and stdout)\nhint: run it in a terminal or in tmux; "
		    "'tamga --help' lists the other commands\n");
		return 2;
	}
	if ((tm = tg_term_open(o->no_color, &err)) == NULL)
		return tg_cli_error("tui", NULL, &err);
	st.color = tg_term_color(tm);
	st.ascii = o->ascii || !tg_term_utf8(tm);
	tg_term_size(tm, &w, &h);
	if ((t = tg_tui_new(o, w, h, &st, &err)) == NULL) {
		tg_term_close(tm);
		return tg_cli_error("tui", NULL, &err);
	}
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_sigint;
	sig_tui = t;
	sigaction(SIGINT, &sa, &old_int);
	sa.sa_handler = on_sigterm;
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGHUP, &sa, &old_hup);

	for (;;) {
		int key = tg_term_getkey(tm, t->dirty ? 0 : IDLE_MS), n = 0, fl;
		double now;
		if (key != -1)
			last_active = tg_now();
		while (key != -1) {
			if (key == TG_KEY_RESIZE) {
				tg_term_size(tm, &w, &h);
				tg_tui_resize(t, w, h);
				full = true;
			} else {
				fl = tg_tui_key(t, key);
				if (fl & TG_TUI_QUIT)
					goto done;
				if (fl & TG_TUI_RESIZE)
					full = true;
			}
			if (++n >= 256)        /* draw now and then under a flood of keys (a paste) */
				break;
			key = tg_term_getkey(tm, 0);
		}
		if (got_int) {
			got_int = 0;
			if (tg_tui_key(t, TG_KEY_INTERRUPT) & TG_TUI_QUIT)
				goto done;
		}
		if (got_term)
			goto done;       /* workers live in their own sessions: they go on */
		now = tg_now();
		tg_tui_tick(t, now);
		if (tg_term_captured(tm, cap, sizeof cap))
			tg_tui_message(t, TG_MSG_ERROR, "stderr: %s", cap);
		if (t->quit_now)
			goto done;
		if (t->dirty && (last_draw < 0 || now - last_draw >= FRAME_S)) {
			tg_tui_render(t);
			tg_term_draw(tm, t->screen, full || t->full_redraw);
			full = t->full_redraw = false;
			last_draw = now;
			if (o->max_frames > 0 && t->frames >= o->max_frames)
				goto done;
		}
		/* --max-frames also ends an idle screen, one that will not change by itself: nothing training or queued
		 * and no key for IDLE_END_S (the load average on the status line does not count) */
		if (tg_tui_runs_live(&t->runs) > 0 || t->runs.nq > 0 || t->dialog != TG_DLG_NONE)
			last_active = now;
		if (o->max_frames > 0 && t->frames > 0 && now - last_active >= IDLE_END_S)
			goto done;
	}
done:
	sig_tui = NULL;
	tg_tui_free(t);
	tg_term_close(tm);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGHUP, &old_hup, NULL);
	return rc;
}

int
tg_tui_watch(const char *workspace, const int64_t *run_ids, int n_runs, const pid_t *pids, int n_pids)
{
	tg_tui_opts o;

	tg_tui_opts_init(&o);
	o.workspace = workspace;
	o.watch = run_ids;
	o.n_watch = n_runs;
	o.pids = pids;
	o.n_pids = n_pids;
	return tg_tui_run(&o);
}

static const char *const options[] = { "--workspace", "-w", "--model", "-m", "--data", "--max-frames", "--ascii",
	"--no-color", NULL };

int
tg_tui_is_option(const char *arg)
{
	int i;

	for (i = 0; options[i]; i++)
		if (strcmp(arg, options[i]) == 0)
			return 1;
	return 0;
}

int
tg_cmd_tui(int argc, char **argv)
{
	tg_tui_opts o;
	int i;

	if (argc > 1 && strcmp(argv[1], "--worker") == 0)
		return tg_tui_worker_main(argc, argv);
	tg_tui_opts_init(&o);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--ascii") == 0)
			o.ascii = true;
		else if (strcmp(a, "--no-color") == 0)
			o.no_color = true;
		else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			printf("usage: tamga [tui] [--workspace DIR] [--model NAME] [--data DIR] [--max-frames N] [--ascii] "
			    "[--no-color]\n\nThe workbench: pick layers and a PEFT method, launch fine-tunes in the background, "
			    "watch per-language curves.\nPress ? inside for every key. See tamga(1).\n");
			return 0;
		} else if (v == NULL)
			return tg_cli_usage_error("tui", "unknown option '%s' or missing value", a);
		else if (strcmp(a, "--workspace") == 0 || strcmp(a, "-w") == 0)
			o.workspace = argv[++i];
		else if (strcmp(a, "--model") == 0 || strcmp(a, "-m") == 0)
			o.model = argv[++i];
		else if (strcmp(a, "--data") == 0)
			o.data_root = argv[++i];
		else if (strcmp(a, "--max-frames") == 0) {
			int64_t n;
			if (tg_cli_int("tui", a, argv[++i], 1, 1000000000000LL, &n))
				return 2;
			o.max_frames = n;
		} else
			return tg_cli_usage_error("tui", "unknown option '%s'", a);
	}
	return tg_tui_run(&o);
}
