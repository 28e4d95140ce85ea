/* The whole workbench without a terminal: keys in, screens out (cell grids compared as text), at 80x24 and
 * 120x40, below the minimum, in ASCII without colour, with the Lua REPL pane driving the configuration. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "../tap.h"
#include "tui/tui-int.h"

static char dir[] = "/tmp/t-tui-app-XXXXXX";
static char model[256], ws[256];

static bool
screen_has(tg_tui *t, const char *needle)
{
	char row[4096];
	int y;

	for (y = 0; y < t->h; y++)
		if (strstr(tg_tui_row_text(t, y, row, sizeof row), needle))
			return true;
	return false;
}

static void
dump(tg_tui *t)
{
	char row[4096];
	int y;

	for (y = 0; y < t->h; y++)
		diag("|%s", tg_tui_row_text(t, y, row, sizeof row));
}

static int
keys(tg_tui *t, const char *s)
{
	int fl = 0;

	for (; *s; s++)
		fl |= tg_tui_key(t, *s == '\n' ? '\n' : (unsigned char)*s);
	tg_tui_tick(t, tg_now());
	tg_tui_render(t);
	return fl;
}

static int
key(tg_tui *t, int k)
{
	int fl = tg_tui_key(t, k);

	tg_tui_tick(t, tg_now());
	tg_tui_render(t);
	return fl;
}

static void
add_run(tg_store *s, const char *name, const char *spec, double shift)
{
	static const char *langs[] = { "en", "az", "kk", "tt" };
	tg_run_info ri;
	char cfg[256];
	int64_t id;
	int k, l;

	tg_run_info_init(&ri);
	snprintf(cfg, sizeof cfg, "{\"chance\":0.1,\"peft\":\"%s\",\"task\":\"udpos\",\"source\":\"en\"}", spec);
	ri.name = (char *)name;
	ri.task = "udpos";
	ri.source = "en";
	ri.method = "pfeiffer";
	ri.config = cfg;
	ri.status = TG_RUN_DONE;
	tg_store_run_new(s, &ri, &id, NULL);
	tg_store_run_update_progress(s, id, 30, 30, 999, NAN, NULL);
	for (k = 10; k <= 30; k += 10)
		for (l = 0; l < 4; l++) {
			tg_eval_row e;
			tg_eval_row_init(&e);
			e.step = k;
			e.split = l == 0 ? TG_SPLIT_DEV : TG_SPLIT_TEST;
			snprintf(e.lang, sizeof e.lang, "%s", langs[l]);
			snprintf(e.metric, sizeof e.metric, "accuracy");
			e.score = 0.3 + 0.01 * k - 0.05 * l + (l == 3 ? shift : -shift);
			e.is_source = l == 0;
			e.n_items = 50;
			tg_store_eval_add(s, id, &e, NULL);
		}
}

static void
setup(void)
{
	tg_encoder_config e;
	tg_error err = { 0 };
	tg_store *s;
	tg_run_info ri;
	int64_t id;
	int k;
	char path[300];

	if (mkdtemp(dir) == NULL)
		exit(1);
	snprintf(model, sizeof model, "%s/model", dir);
	snprintf(ws, sizeof ws, "%s/ws", dir);
	snprintf(path, sizeof path, "mkdir -p %s", model);
	if (system(path) != 0)
		exit(1);
	tg_encoder_config_sized(&e, TG_ARCH_BERT, (tg_encoder_sizes){ 500, 64, 4, 2, 256 });
	snprintf(path, sizeof path, "%s/config.json", model);
	if (tg_encoder_config_save(&e, path, false, &err) != TG_OK)
		diag("config: %s", err.msg);
	/* two finished runs with curves: early-layer LoRA (the older) and Pfeiffer */
	s = tg_store_open(ws, TG_STORE_CREATE, &err);
	add_run(s, "pfeiffer 0-1 udpos en->az,kk", "pfeiffer:layers=0-1,reduction=16", 0.05);
	tg_run_info_init(&ri);
	ri.name = "lora 0-1 udpos en->az,kk";
	ri.task = "udpos";
	ri.source = "en";
	ri.method = "lora";
	ri.config = "{\"chance\":0.1,\"peft\":\"lora:layers=0-1,targets=q+v,r=4\",\"task\":\"udpos\",\"source\":\"en\","
	            "\"max_steps\":30}";
	ri.status = TG_RUN_DONE;
	tg_store_run_new(s, &ri, &id, &err);
	tg_store_run_update_progress(s, id, 30, 30, 1234, NAN, NULL);
	for (k = 1; k <= 30; k++) {
		tg_step_row sr;
		tg_step_row_init(&sr);
		sr.step = k;
		sr.loss = 2.0 / (1 + 0.1 * k);
		sr.elapsed_s = k;
		tg_store_step_add(s, id, &sr, NULL);
	}
	for (k = 10; k <= 30; k += 10) {
		static const char *langs[] = { "en", "az", "kk", "tt" };
		int l;
		for (l = 0; l < 4; l++) {
			tg_eval_row e2;
			tg_eval_row_init(&e2);
			e2.step = k;
			e2.split = l == 0 ? TG_SPLIT_DEV : TG_SPLIT_TEST;
			snprintf(e2.lang, sizeof e2.lang, "%s", langs[l]);
			snprintf(e2.metric, sizeof e2.metric, "accuracy");
			e2.score = 0.3 + 0.01 * k - 0.05 * l;
			e2.ci_low = e2.score - 0.03;
			e2.ci_high = e2.score + 0.03;
			e2.is_source = l == 0;
			e2.n_items = 50;
			tg_store_eval_add(s, id, &e2, NULL);
		}
	}
	tg_store_close(s);
}

static tg_tui *
open_app(int w, int h, bool ascii, bool color)
{
	tg_tui_opts o;
	tg_tui_style st = { ascii, color };
	tg_error err = { 0 };
	tg_tui *t;

	tg_tui_opts_init(&o);
	o.workspace = ws;
	o.model = model;
	o.data_root = tap_data_root();
	t = tg_tui_new(&o, w, h, &st, &err);
	if (t == NULL)
		diag("tg_tui_new: %s", err.msg);
	else {
		tg_tui_tick(t, tg_now());
		tg_tui_render(t);
	}
	return t;
}

static bool
all_ascii(const tg_tui *t)
{
	int i;

	for (i = 0; i < t->screen->w * t->screen->h; i++)
		if ((unsigned char)t->screen->c[i].ch[0] >= 0x80)
			return false;
	return true;
}

static void
test_setup_view(void)
{
	tg_tui *t = open_app(80, 24, false, true);
	char row[256];

	ok(t != NULL, "the workbench opens on %s", ws);
	if (t == NULL)
		return;
	ok(t->view == TG_VIEW_SETUP && strstr(tg_tui_row_text(t, 0, row, sizeof row), "1 Setup") != NULL,
	    "it opens on Setup with the view tabs on top");
	ok(screen_has(t, "Model & layers") && screen_has(t, "model model: 4 layers, hidden 64"),
	    "the layers pane names the model (a folder by its last component)");
	ok(screen_has(t, "0   [x] LoRA q,v r=8") && screen_has(t, "3   [x] LoRA q,v r=8"), "one row per layer");
	ok(screen_has(t, "total 8,192 trainable"), "the total trainable parameters (4 x 2,048)");
	ok(strstr(tg_tui_row_text(t, 23, row, sizeof row), "load ") != NULL && strstr(row, "4L d64"),
	    "the status line: workspace, model, load");
	keys(t, "j ");
	ok(screen_has(t, "1   [ ] frozen") && screen_has(t, "total 6,144"), "space toggles layer 1 off");
	keys(t, "vjj ");
	ok(screen_has(t, "1   [x]") && screen_has(t, "3   [x]") && t->cfg.anchor < 0, "v, move, space: a range on");
	keys(t, "m");
	ok(screen_has(t, "Pfeiffer") && t->cfg.method == TG_PEFT_PFEIFFER, "m switches to Pfeiffer");
	keys(t, "++b");
	ok(t->cfg.method == TG_PEFT_LORA && t->cfg.spec[TG_PEFT_LORA].r == 17 && screen_has(t, "budget matched") &&
	    tg_tui_config_n_on(&t->cfg) == 2 && t->cfg.on[0] && t->cfg.on[1],
	    "b on Pfeiffer (all layers, m=16) gives early-layer LoRA sized to its budget (layers 0-1, r=17; r=%d, %d on)",
	    t->cfg.spec[TG_PEFT_LORA].r, tg_tui_config_n_on(&t->cfg));
	ok(screen_has(t, "total 8,704+head, budget 8,512: matched"), "the total line says the budget is matched");
	if (!screen_has(t, "total 8,704+head, budget 8,512: matched"))
		dump(t);
	keys(t, "a");
	ok(!screen_has(t, "budget matched") && screen_has(t, "budget no longer matched") &&
	    screen_has(t, "NOT the budget 8,512"), "a (all layers) doubles the count: the status says it is no longer "
	    "matched");
	if (!screen_has(t, "budget no longer matched"))
		dump(t);
	keys(t, "=");
	ok(t->dialog == TG_DLG_PROMPT && screen_has(t, "layers ("), "= asks for a layer selection");
	key(t, TG_KEY_CTRL('u'));
	keys(t, "0,2\n");
	ok(t->dialog == TG_DLG_NONE && t->cfg.on[0] && !t->cfg.on[1] && t->cfg.on[2] && !t->cfg.on[3],
	    "typing 0,2 selects layers 0 and 2");
	keys(t, "=");
	keys(t, "9\n");
	ok(screen_has(t, "layers:") && tg_tui_config_n_on(&t->cfg) == 2, "a bad selection is an error on the message "
	    "line and changes nothing");
	keys(t, "?");
	ok(t->help && screen_has(t, "Keys") && screen_has(t, "launch the configuration"), "? shows the keys");
	key(t, TG_KEY_DOWN);
	ok(t->help, "Down scrolls the help");
	keys(t, "z");
	ok(!t->help && !screen_has(t, "Keys ("), "any other key closes it");
	keys(t, "\t");
	ok(tg_tui_focused(t) == TG_PANE_TASK, "Tab focuses the task pane");
	keys(t, "jjjjj");
	keys(t, "+");
	ok(t->cfg.steps == 500 && screen_has(t, "500"), "+ on steps: 200 -> 500");
	if (tap_data_root()) {
		keys(t, "ggjj");
		keys(t, "a");
		ok(tg_tui_config_n_targets(&t->cfg) == 0 || tg_tui_config_n_targets(&t->cfg) == t->cfg.n_langs,
		    "a toggles all targets");
		if (tg_tui_config_n_targets(&t->cfg) == 0)
			keys(t, "a");
		keys(t, " ");
		ok(!t->cfg.target_on[0], "space toggles the target under the cursor (%s)", t->cfg.langs[0]);
	}
	tg_tui_resize(t, 60, 20);
	tg_tui_render(t);
	ok(screen_has(t, "needs at least 80x24") && screen_has(t, "60x20"), "below 80x24: a message, no panes");
	tg_tui_resize(t, 120, 40);
	tg_tui_render(t);
	ok(screen_has(t, "Model & layers") && screen_has(t, "Runs: 0 training, 0 queued, 2 stored"),
	    "120x40: Setup also shows the runs");
	ok((keys(t, "q") & TG_TUI_QUIT) && t->quit_now, "q quits at once when nothing trains");
	tg_tui_free(t);
}

static void
test_runs_views(void)
{
	tg_tui *t = open_app(80, 24, false, true);

	if (t == NULL)
		return;
	keys(t, "2");
	ok(t->view == TG_VIEW_RUNS && screen_has(t, "#2") && screen_has(t, "#1") && screen_has(t, "done") &&
	    screen_has(t, "30/30"), "2: the run list with status and steps");
	ok(t->ncurves == 1 && t->curves[0].run_id == 2, "the curves follow the selected (newest) run");
	keys(t, " j ");
	ok(t->ncurves == 2 && t->curves[0].run_id == 2 && t->curves[1].run_id == 1 && screen_has(t, "── #2") &&
	    screen_has(t, "┈┈ #1"), "space on two runs overlays them, solid and dotted");
	keys(t, "u");
	ok(t->ncurves == 1 && t->curves[0].run_id == 1, "u clears the overlay: the curves follow the selection again");
	keys(t, "k");
	ok(t->ncurves == 1 && tg_tui_curves_langs_with_points(&t->curves[0]) == 4, "the selected run's curves: 4 "
	    "languages");
	ok(screen_has(t, "accuracy per language (dev, else test)") && screen_has(t, "en") && screen_has(t, "kk") &&
	    screen_has(t, "training loss"), "score and loss charts with titles and legends");
	keys(t, "s");
	ok(t->chart.smooth == TG_SMOOTH_NONE, "s belongs to the curves pane, not the runs pane");
	keys(t, "\ts");
	ok(t->chart.smooth == TG_SMOOTH_EMA && screen_has(t, "EMA 0.6"), "in the curves pane s smooths (EMA 0.6)");
	keys(t, "3");
	ok(t->view == TG_VIEW_RESULTS && screen_has(t, "accuracy at step 30") && screen_has(t, "az") &&
	    screen_has(t, "[0.") && screen_has(t, "★ best") && screen_has(t, "(#1)"),
	    "3: results with CIs, TTC, best-so-far marks and the other run's better score");
	if (!screen_has(t, "★ best") || !screen_has(t, "(#1)"))
		dump(t);
	keys(t, "d");
	ok(t->view == TG_VIEW_SETUP && tg_tui_config_n_on(&t->cfg) == 2 && t->cfg.spec[TG_PEFT_LORA].r == 4 &&
	    t->cfg.steps == 30, "d duplicates the run into Setup (layers 0-1, r=4, 30 steps)");
	tg_tui_free(t);
}

static void
test_ascii_mono(void)
{
	tg_tui *t = open_app(80, 24, true, false);
	bool ascii = true;
	int v;

	if (t == NULL)
		return;
	for (v = 0; v < 3; v++) {
		tg_tui_set_view(t, (tg_tui_view)v);
		tg_tui_tick(t, tg_now());
		tg_tui_render(t);
		ascii = ascii && all_ascii(t);
		if (!all_ascii(t))
			dump(t);
	}
	ok(ascii, "ASCII mode: every view draws ASCII only");
	ok(screen_has(t, "* best") && screen_has(t, "+=") && screen_has(t, "|"), "marks and frames in ASCII");
	for (v = 0; v < t->screen->w * t->screen->h; v++)
		if (t->screen->c[v].bg >= TG_COLOR_SEQ)
			break;
	ok(t->chart.ascii && t->chart.mono, "without colour the charts use ASCII markers");
	tg_tui_free(t);
}

static void
test_lua(void)
{
	tg_tui *t = open_app(80, 24, false, true);

	if (t == NULL)
		return;
	keys(t, ":");
	ok(t->view == TG_VIEW_LUA && tg_tui_focused(t) == TG_PANE_REPL, ": opens the Lua pane");
	if (t->L == NULL) {
		ok(screen_has(t, "Lua"), "without Lua the pane says why: %s", t->lua_err);
		tg_tui_free(t);
		return;
	}
	keys(t, "1 + 1\n");
	ok(screen_has(t, "lua> 1 + 1") && screen_has(t, "2"), "an expression evaluates");
	keys(t, "tui.layers = '0-1'\n");
	ok(tg_tui_config_n_on(&t->cfg) == 2 && screen_has(t, "lora:layers=0-1"), "assigning tui.layers changes the "
	    "configuration the screen shows");
	keys(t, "tui.method = 'pfeiffer'; tui.reduction = 8\n");
	ok(t->cfg.method == TG_PEFT_PFEIFFER && t->cfg.spec[TG_PEFT_PFEIFFER].reduction == 8, "tui.method, tui.reduction");
	keys(t, "print(tui.trainable, #tui.runs())\n");
	ok(screen_has(t, "1"), "print goes to the pane");
	keys(t, "tui.rank = 'x'\n");
	ok(screen_has(t, "number expected") || screen_has(t, "integer expected"), "a type error shows in the pane");
	keys(t, "for i = 1, 2 do\n");
	ok(screen_has(t, ">> "), "an incomplete chunk asks for more");
	keys(t, "print(i) end\n");
	ok(!screen_has(t, ">> ") || screen_has(t, "lua> "), "and runs when complete");
	keys(t, "tui.ma");
	key(t, '\t');
	ok(strstr(t->screen->c ? "" : "", "") != NULL, "Tab completes without crashing");
	key(t, TG_KEY_CTRL('u'));
	keys(t, "q");
	ok(t->view == TG_VIEW_LUA && !t->quit_now, "q is text in the REPL");
	key(t, TG_KEY_ESC);
	ok(t->view == TG_VIEW_SETUP, "Esc leaves the REPL");
	tg_tui_free(t);
}

static void
test_new_workspace(void)
{
	tg_tui_opts o;
	tg_tui_style st = { false, true };
	tg_error err = { 0 };
	char nws[300];
	tg_tui *t;

	snprintf(nws, sizeof nws, "%s/not-yet", dir);
	tg_tui_opts_init(&o);
	o.workspace = nws;
	o.model = model;
	t = tg_tui_new(&o, 80, 24, &st, &err);
	ok(t != NULL, "a workspace that does not exist opens");
	if (t == NULL)
		return;
	tg_tui_tick(t, tg_now());
	tg_tui_render(t);
	keys(t, "2");
	ok(access(nws, F_OK) != 0 && screen_has(t, "no runs yet"), "looking does not create it");
	tg_tui_free(t);
}

/* tg_tui_watch's options: runs overlaid from the start, a worker pid adopted (here a child that exits without
 * storing a run: the TUI reaps it and says so). */
static void
test_watch(void)
{
	int64_t ids[2] = { 1, 2 };
	tg_tui_opts o;
	tg_tui_style st = { false, true };
	tg_error err = { 0 };
	tg_tui *t;
	pid_t child;
	int i;

	fflush(NULL);
	if ((child = fork()) == 0) {
		usleep(300000);
		_exit(3);
	}
	tg_tui_opts_init(&o);
	o.workspace = ws;
	o.model = model;
	o.watch = ids;
	o.n_watch = 2;
	o.pids = &child;
	o.n_pids = 1;
	t = tg_tui_new(&o, 120, 40, &st, &err);
	ok(t != NULL && t->view == TG_VIEW_RUNS && t->runs.n_marked == 2 && t->ncurves == 2,
	    "watching two runs opens the Runs view with them overlaid");
	if (t == NULL)
		return;
	tg_tui_tick(t, tg_now());
	tg_tui_render(t);
	ok(t->runs.nw == 1 && t->runs.w[0].ours && screen_has(t, "starting"), "the given pid is adopted as a starting "
	    "worker");
	for (i = 0; i < 40 && t->runs.nw > 0; i++) {
		usleep(50000);
		tg_tui_tick(t, tg_now());
	}
	tg_tui_render(t);
	ok(t->runs.nw == 1 && t->runs.w[0].failed && strstr(t->msg, "launch failed:") == t->msg &&
	    strstr(t->msg, "exited with status 3 before storing its run"), "its exit is reaped and reported, the cause "
	    "first: %s", t->msg);
	/* issue 18, bug 9: a launch that failed had no row; it stays as a failed row until dismissed */
	ok(screen_has(t, "pid") && screen_has(t, "failed"), "the failed launch is a row with status failed");
	if (!screen_has(t, "failed"))
		dump(t);
	tg_tui_focus_pane(t, TG_PANE_RUNS);
	keys(t, "g");
	keys(t, "c");
	ok(t->runs.nw == 0 && screen_has(t, "removed the failed launch"), "c on it removes the row");
	if (t->runs.nw != 0)
		dump(t);
	tg_tui_free(t);
}

/* A run launched from here is stored while the user looks at another run: the selection stays on the user's run,
 * and c asks before cancelling, naming that run (issue 18, bug 5: c cancelled the newly started run). */
static void
test_selection_kept(void)
{
	tg_tui *t;
	pid_t child;
	tg_run_info *sel;
	int i, status;

	t = open_app(120, 40, false, true);
	if (t == NULL)
		return;
	keys(t, "2j");
	sel = tg_tui_runs_selected(&t->runs);
	ok(sel != NULL && sel->id == 1, "2, j: run #1 is selected");
	fflush(NULL);
	if ((child = fork()) == 0) {
		/* a worker: stores its run (RUNNING, with its pid) and trains a while; Ctrl-C ends it, as it ends a real
		 * worker (a test run in the background by make -j inherits SIGINT ignored) */
		tg_store *s;
		signal(SIGINT, SIG_DFL);
		s = tg_store_open(ws, 0, NULL);
		tg_run_info ri;
		int64_t id;
		tg_run_info_init(&ri);
		ri.name = "lora 0-1 udpos en->kk";
		ri.task = "udpos";
		ri.source = "en";
		ri.method = "lora";
		ri.config = "{\"chance\":0.1}";
		ri.status = TG_RUN_QUEUED;
		if (s == NULL || tg_store_run_new(s, &ri, &id, NULL) != TG_OK ||
		    tg_store_run_set_status(s, id, TG_RUN_RUNNING, NULL, NULL) != TG_OK)
			_exit(2);
		tg_store_close(s);
		sleep(20);
		_exit(0);
	}
	tg_tui_runs_adopt(&t->runs, child, 0, true);
	t->follow_new = true;            /* as tg_tui_launch leaves it */
	for (i = 0; i < 60 && t->runs.n < 3; i++) {
		usleep(50000);
		t->force_poll = true;
		tg_tui_tick(t, tg_now() + i);
	}
	tg_tui_render(t);
	ok(t->runs.n == 3 && t->runs.w[0].run_id == 3, "the worker's run #3 is stored and matched to the worker");
	sel = tg_tui_runs_selected(&t->runs);
	ok(sel != NULL && sel->id == 1, "the selection stays on run #1 (selected: #%lld)", sel ? (long long)sel->id : 0LL);
	keys(t, "g");
	sel = tg_tui_runs_selected(&t->runs);
	ok(sel != NULL && sel->id == 3, "g selects the running run #3 (the newest)");
	keys(t, "c");
	ok(t->dialog == TG_DLG_CONFIRM && screen_has(t, "Cancel run #3 (lora 0-1 udpos en->kk)? y cancels"),
	    "c asks before cancelling, naming the run");
	keys(t, "j");
	ok(t->dialog == TG_DLG_NONE && tg_tui_pid_alive(child) && screen_has(t, "nothing changed"),
	    "another key keeps the run");
	keys(t, "c");
	keys(t, "y");
	for (i = 0; i < 40 && waitpid(child, &status, WNOHANG) == 0; i++)
		usleep(50000);
	ok(i < 40, "y cancels it (the worker got its signal)");
	kill(child, SIGKILL);
	waitpid(child, NULL, WNOHANG);
	tg_tui_free(t);
}

/* The curves pane: languages shown, CI bands, export of the chart on screen; the runs pane: the log pane and
 * deleting a run after a question (issue 18: what TensorBoard, W&B and htop users expect). */
static void
test_chart_tools(void)
{
	tg_tui *t = open_app(120, 40, false, true);
	char path[400], logdir[300];
	FILE *f;

	if (t == NULL)
		return;
	keys(t, "2");
	tg_tui_focus_pane(t, TG_PANE_RUNS);
	keys(t, "gj");                   /* run #2 (#3 is test_selection_kept's, without points) */
	tg_tui_focus_pane(t, TG_PANE_CURVES);
	keys(t, "l");
	ok(t->dialog == TG_DLG_PROMPT && screen_has(t, "languages shown"), "l asks for the languages shown");
	key(t, TG_KEY_CTRL('u'));
	keys(t, "az,kk\n");
	ok(strcmp(t->chart.langs, "az,kk") == 0 && screen_has(t, "languages az,kk") && screen_has(t, "── az") &&
	    !screen_has(t, "── tt"), "az,kk: the chart shows az and kk only");
	if (!screen_has(t, "── az"))
		dump(t);
	keys(t, "b");
	ok(t->chart.bands && screen_has(t, "95% CI bands"), "b turns the CI bands on");
	keys(t, "e");
	ok(t->dialog == TG_DLG_PROMPT && screen_has(t, "export the chart"), "e asks where to export");
	key(t, TG_KEY_CTRL('u'));
	snprintf(path, sizeof path, "%s/out/chart.svg\n", dir);
	keys(t, path);
	path[strlen(path) - 1] = '\0';
	ok(access(path, F_OK) == 0 && screen_has(t, "wrote "), "the chart is written as SVG (%s)", path);
	tg_tui_focus_pane(t, TG_PANE_RUNS);
	snprintf(logdir, sizeof logdir, "%s/logs", ws);
	mkdir(logdir, 0755);
	snprintf(path, sizeof path, "%s/run-2.log", logdir);
	if ((f = fopen(path, "w")) != NULL) {
		fprintf(f, "run 2: the first line\nstep 1/30\rstep 2/30\nthe last line of run 2\n");
		fclose(f);
	}
	keys(t, "gjo");
	ok(t->log_path[0] && screen_has(t, "Log: ") && screen_has(t, "the last line of run 2") &&
	    screen_has(t, "step 2/30") && !screen_has(t, "step 1/30"), "o shows the run's log over the screen (progress "
	    "lines at their last update)");
	keys(t, "x");
	ok(!t->log_path[0] && !screen_has(t, "Log: "), "any other key closes it");
	keys(t, "D");
	ok(t->dialog == TG_DLG_CONFIRM && screen_has(t, "Delete run #2"), "D asks before deleting, naming the run");
	keys(t, "y");
	t->force_poll = true;
	tg_tui_tick(t, tg_now() + 5);
	tg_tui_render(t);
	ok(tg_tui_runs_get(&t->runs, 2) == NULL && access(path, F_OK) != 0 && screen_has(t, "deleted run #2"),
	    "y deletes it: gone from the list, its log removed");
	tg_tui_free(t);
}

/* Rows of the runs pane: a paused run shows no ETA, a queued launch shows the name its run will get (issue 18). */
static void
test_run_rows(void)
{
	tg_tui *t;
	tg_store *s;
	tg_run_info ri;
	tg_tui_job j;
	int64_t id;
	int k;
	char row[512];
	bool found = false;

	if ((s = tg_store_open(ws, 0, NULL)) == NULL)
		return;
	tg_run_info_init(&ri);
	ri.name = "paused lora run";
	ri.task = "udpos";
	ri.source = "en";
	ri.method = "lora";
	ri.config = "{\"chance\":0.1}";
	ri.status = TG_RUN_PAUSED;
	tg_store_run_new(s, &ri, &id, NULL);
	tg_store_run_update_progress(s, id, 10, 100, 500, 90.0, NULL);    /* a stored ETA of 1:30 */
	for (k = 1; k <= 10; k++) {
		tg_step_row sr;
		tg_step_row_init(&sr);
		sr.step = k;
		sr.loss = 1.0;
		sr.elapsed_s = k;
		tg_store_step_add(s, id, &sr, NULL);
	}
	tg_store_close(s);
	if ((t = open_app(120, 40, false, true)) == NULL)
		return;
	tg_tui_job_init(&j);
	snprintf(j.peft, sizeof j.peft, "lora:layers=0-1,targets=q+v,r=8,alpha=16");
	snprintf(j.task, sizeof j.task, "udpos");
	snprintf(j.source, sizeof j.source, "en");
	snprintf(j.targets, sizeof j.targets, "kk");
	j.seed = 3;
	keys(t, "2");
	tg_tui_runs_enqueue(&t->runs, &j);
	tg_tui_render(t);                /* no tick: the queued launch is not started here */
	for (k = 0; k < t->h; k++) {
		tg_tui_row_text(t, k, row, sizeof row);
		if (strstr(row, "#4    paused lora run")) {
			found = true;
			ok(strstr(row, "paused") && strstr(row, "10/100") && strstr(row, " - │"), "a paused run shows no ETA: %s",
			    row);
		}
	}
	ok(found, "the paused run is listed");
	ok(screen_has(t, "lora 0-1 udpos en->kk seed 3") && screen_has(t, "queued"), "a queued launch shows the name its "
	    "run will get");
	if (!screen_has(t, "seed 3"))
		dump(t);
	t->runs.nq = 0;
	tg_tui_free(t);
}

/* The Setup is remembered between sessions (issue 18): change layers, method and steps, leave, open again. */
static void
test_setup_remembered(void)
{
	tg_tui *t = open_app(80, 24, false, true);
	char path[400];

	if (t == NULL)
		return;
	keys(t, "=");
	key(t, TG_KEY_CTRL('u'));
	keys(t, "1,3\n");
	tg_tui_config_set_method(&t->cfg, TG_PEFT_PFEIFFER);
	t->cfg.steps = 1234;
	snprintf(t->cfg.seeds, sizeof t->cfg.seeds, "2-4");
	tg_tui_free(t);
	snprintf(path, sizeof path, "%s/state/tamga/setup.json", dir);
	ok(access(path, F_OK) == 0, "leaving saves the Setup (%s)", path);
	t = open_app(80, 24, false, true);
	if (t == NULL)
		return;
	ok(t->cfg.method == TG_PEFT_PFEIFFER && !t->cfg.on[0] && t->cfg.on[1] && !t->cfg.on[2] && t->cfg.on[3] &&
	    t->cfg.steps == 1234 && strcmp(t->cfg.seeds, "2-4") == 0, "the next session opens with it: Pfeiffer on "
	    "layers 1 and 3, 1234 steps, seeds 2-4");
	if (t->cfg.steps != 1234 || t->cfg.method != TG_PEFT_PFEIFFER) {
		char sp[512];
		diag("method %d steps %lld seeds %s on %d%d%d%d msg %s", (int)t->cfg.method, (long long)t->cfg.steps,
		    t->cfg.seeds, t->cfg.on[0], t->cfg.on[1], t->cfg.on[2], t->cfg.on[3], t->msg);
		diag("spec %s", tg_tui_config_spec_string(&t->cfg, sp, sizeof sp));
		system("cat $XDG_STATE_HOME/tamga/setup.json");
	}
	tg_tui_free(t);
	unlink(path);
}

int
main(void)
{
	char cmd[300];

	setup();
	snprintf(cmd, sizeof cmd, "%s/state", dir);
	setenv("XDG_STATE_HOME", cmd, 1);      /* the saved Setup lives here, not in the real home */
	test_setup_view();
	test_runs_views();
	test_ascii_mono();
	test_lua();
	test_new_workspace();
	test_watch();
	test_selection_kept();
	test_chart_tools();
	test_run_rows();
	test_setup_remembered();
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
	return done_testing();
}
