/* Internals of the terminal workbench. Only tui-term.c includes curses (tui-main.c runs the loop on it); every
 * other file computes state or draws into a tg_cells grid, so unit tests link them without curses.
 *
 *   tui-state.c    the configuration being edited: model, layers, PEFT method and sizes, budget matching, task
 *   tui-edit.c     a one-line text editor (prompts and the REPL's input) with history
 *   tui-data.c     the run list, worker table and launch queue, polled from the store
 *   tui-series.c   live curves: per-language score series and the loss series from store rows; charts from them
 *   tui-results.c  the results pane and its data: selected scores with CIs, TTC, best-so-far across runs
 *   tui-worker.c   background workers: job -> argv, fork/exec, signals (pause, resume, cancel), worker mode
 *   tui-layout.c   pane rectangles for each view and terminal size
 *   tui-draw.c     drawing helpers on cells: frames, text, numbers, bars
 *   tui-layers.c   pane: one row per layer with what is attached and its trainable parameters
 *   tui-task.c     pane: task, source, targets, data sizes, steps, seeds
 *   tui-runs.c     pane: the queue and the stored runs with status, step, loss, tokens/s, ETA
 *   tui-curves.c   pane: live dev score per language and loss, smoothing, overlay of two runs
 *   tui-repl.c     pane: the Lua REPL (tglua.h) and the `tui` table it shares with the screen
 *   tui-help.c     pane: the help overlay listing every key
 *   tui-app.c      the application: views, focus, key dispatch, ticks (polling), the quit question, rendering
 *   tui-term.c     curses: screen setup, colours, key translation, stderr capture, copying cells to the screen
 *   tui-main.c     tamga tui: options, the main loop, tg_tui_watch
 */
#ifndef TG_TUI_INT_H
#define TG_TUI_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "tui/tui.h"
#include "chart/chart.h"
#include "store/store.h"
#include "peft/peft.h"
#include "train/train.h"
#include "lua/tglua.h"

typedef struct tg_tui tg_tui;

/* ---- keys: tui-term.c translates curses codes to these; printable keys are Unicode code points -------------- */
enum {
	TG_KEY_ESC = 27,
	TG_KEY_BASE = 0x110000,
	TG_KEY_UP, TG_KEY_DOWN, TG_KEY_LEFT, TG_KEY_RIGHT, TG_KEY_HOME, TG_KEY_END, TG_KEY_PPAGE, TG_KEY_NPAGE,
	TG_KEY_BACKSPACE, TG_KEY_DC, TG_KEY_BTAB, TG_KEY_INTERRUPT,
	TG_KEY_F0 = TG_KEY_BASE + 64,    /* TG_KEY_F0 + n is Fn */
};
#define TG_KEY_CTRL(c) ((c) & 0x1f)
#define TG_KEY_F(n) (TG_KEY_F0 + (n))
const char *tg_tui_key_name(int key, char *buf, size_t n);   /* "Up", "C-x", "a" */

/* Results of key handlers (htop's HandlerResult): IGNORED lets the next handler try. */
enum { TG_TUI_IGNORED = 0, TG_TUI_HANDLED = 1, TG_TUI_REDRAW = 2, TG_TUI_RESIZE = 4, TG_TUI_QUIT = 8 };

typedef struct tg_tui_rect { int x, y, w, h; } tg_tui_rect;

/* ---- tui-state.c ------------------------------------------------------------------------------------------------ */
#define TG_TUI_NTASKS 4
extern const char *const tg_tui_tasks[TG_TUI_NTASKS];        /* udpos, ner, nli, copa */

typedef struct tg_tui_config {
	/* model */
	char              model[1024];      /* as given: folder or preset */
	char              model_dir[1024];  /* resolved folder; "" when a preset is not built yet */
	bool              model_built;
	tg_encoder_config enc;              /* from config.json, or the preset's sizes */
	int               n_layers;
	/* PEFT */
	tg_peft_method    method;
	tg_peft_spec      spec[TG_PEFT_NMETHODS];   /* options per method, kept while switching; layers from on[] */
	bool              on[TG_PEFT_MAX_LAYERS];
	int               cursor, anchor;           /* layer rows; anchor >= 0 while a range is being selected */
	tg_peft_method    partner;                  /* the other method of "match budget" */
	int64_t           pair_budget;              /* the budget of the last match (0: none): the other side's count */
	char              pair_desc[192];           /* the other side: "LoRA r=8 on q+v, layers 0-1" */
	tg_peft_count     count;                    /* of the current spec */
	bool              count_ok;
	char              count_err[256];
	/* task */
	char              data_root[1024];          /* "" = default */
	char              task[16], source[16];
	int               n_langs;                  /* languages with evaluation data, the source left out */
	char              langs[TG_MAX_LANGS][16];
	bool              target_on[TG_MAX_LANGS];
	char              langs_err[256];
	int64_t           max_train, max_eval, steps, eval_every;
	int               batch;
	double            lr;
	char              seeds[64];                /* "1", "1,2,3", "1-3" */
} tg_tui_config;

void tg_tui_config_init(tg_tui_config *c);
/* Resolve the model (never builds it): a folder's config.json, or a preset's sizes when not built yet. Resets the
 * layer selection to all layers. */
int  tg_tui_config_set_model(tg_tui_config *c, const char *model, tg_error *err);
/* Use a given configuration (tests, and models without config.json). */
void tg_tui_config_set_encoder(tg_tui_config *c, const tg_encoder_config *enc);
/* The spec of the current method with the selected layers; its canonical string. */
void tg_tui_config_spec(const tg_tui_config *c, tg_peft_spec *out);
char *tg_tui_config_spec_string(const tg_tui_config *c, char *buf, size_t n);
/* Parse a spec string and make it current (method, options, layers). */
int  tg_tui_config_set_spec(tg_tui_config *c, const char *str, tg_error *err);
/* Recount the trainable parameters of the current spec (count, count_ok, count_err). */
void tg_tui_config_recount(tg_tui_config *c);
/* Layers: toggle one, toggle a range (all on -> all off, else all on), all/none/invert, a selection expression. */
void tg_tui_config_toggle(tg_tui_config *c, int layer);
void tg_tui_config_toggle_range(tg_tui_config *c, int a, int b);
void tg_tui_config_set_all(tg_tui_config *c, bool on);
void tg_tui_config_invert(tg_tui_config *c);
int  tg_tui_config_set_layers(tg_tui_config *c, const char *expr, tg_error *err);
int  tg_tui_config_n_on(const tg_tui_config *c);
/* The method list the TUI cycles through (madx-lang is trained by masked LM, not from here). */
void tg_tui_config_next_method(tg_tui_config *c, int dir);
void tg_tui_config_set_method(tg_tui_config *c, tg_peft_method m);
/* Size: LoRA rank 1..256 (x2 steps); adapters' reduction (x2 steps); TG_ERR with a message for others. */
int  tg_tui_config_size(tg_tui_config *c, int dir, tg_error *err);
/* LoRA targets: cycle q+v, q+k+v, q+k+v+o, all six, q, v, ffn_in+ffn_out. */
int  tg_tui_config_next_targets(tg_tui_config *c, int dir, tg_error *err);
/* Match budget, the README's comparison in one key: from LoRA, the partner adapter method (the last one used,
 * Pfeiffer by default) on all layers; from an adapter, LoRA on the early layers (the first half); sized to the
 * current spec's trainable parameters (within 5%), and made current. msg gets a one-line summary. */
int  tg_tui_config_match(tg_tui_config *c, char *msg, size_t n, tg_error *err);
/* Whether the current spec still trains the matched budget (within 5%); false when nothing was matched. */
bool tg_tui_config_pair_matched(const tg_tui_config *c);
/* What a layer row says is attached ("LoRA q,v r=8", "Pfeiffer m=4", "frozen"). */
char *tg_tui_config_layer_desc(const tg_tui_config *c, int layer, char *buf, size_t n);
/* A short description of the method and sizes ("LoRA r=8 on q+v", "Pfeiffer reduction 16 (m=4)"). */
char *tg_tui_config_method_desc(const tg_tui_config *c, char *buf, size_t n);

/* Task */
int  tg_tui_config_set_task(tg_tui_config *c, const char *task, tg_error *err);   /* reloads the languages */
int  tg_tui_config_set_source(tg_tui_config *c, const char *src, tg_error *err);
void tg_tui_config_toggle_target(tg_tui_config *c, int i);
void tg_tui_config_set_targets_all(tg_tui_config *c, bool on);
int  tg_tui_config_set_targets(tg_tui_config *c, const char *list, tg_error *err);   /* "az,kk" or "all" */
char *tg_tui_config_targets_string(const tg_tui_config *c, char *buf, size_t n);   /* "" = all */
int  tg_tui_config_n_targets(const tg_tui_config *c);
/* Seeds "1", "1,2,3", "1-3" (at most max); the count, or TG_ERR. */
int  tg_tui_config_seeds(const char *s, uint64_t *out, int max, tg_error *err);
/* The job for one seed. */
void tg_tui_config_job(const tg_tui_config *c, uint64_t seed, tg_tui_job *j);
/* Duplicate a stored run: load its configuration JSON (peft, task, source, targets, sizes, seed). */
int  tg_tui_config_from_run(tg_tui_config *c, const char *config_json, tg_error *err);
/* The Setup between sessions: $XDG_STATE_HOME/tamga/setup.json, else ~/.local/state/tamga/setup.json (NULL when
 * neither is set); saved on leaving the workbench, loaded when it opens (a missing file is the first session). */
char *tg_tui_setup_path(char *buf, size_t n);
int  tg_tui_config_save(const tg_tui_config *c, const char *path, tg_error *err);
int  tg_tui_config_load(tg_tui_config *c, const char *path, tg_error *err);

/* ---- tui-edit.c: a line editor ------------------------------------------------------------------------------- */
#define TG_EDIT_MAX 1024
typedef struct tg_tui_edit {
	char   buf[TG_EDIT_MAX];   /* UTF-8 */
	int    len, cur;           /* bytes; cur at a character boundary */
	char **hist;               /* history, oldest first */
	int    nhist, hpos;        /* hpos == nhist: the line being edited */
	char   saved[TG_EDIT_MAX]; /* the line being edited while browsing history */
} tg_tui_edit;
void tg_tui_edit_init(tg_tui_edit *e);
void tg_tui_edit_free(tg_tui_edit *e);
void tg_tui_edit_set(tg_tui_edit *e, const char *s);
/* Apply a key: insert printable characters, Left/Right/Home/End, C-a/C-e/C-k/C-u/C-w, Backspace/Delete, Up/Down
 * through history. Returns true when the key was used. */
bool tg_tui_edit_key(tg_tui_edit *e, int key);
void tg_tui_edit_insert(tg_tui_edit *e, const char *s);
void tg_tui_edit_push_history(tg_tui_edit *e, const char *line);
int  tg_tui_edit_cursor_col(const tg_tui_edit *e);   /* characters before the cursor */

/* ---- tui-worker.c ----------------------------------------------------------------------------------------------- */
bool tg_tui_pid_alive(pid_t pid);                /* exists and is not a zombie */
bool tg_tui_pid_is_worker(pid_t pid);            /* a tamga process (its command line), so signals are safe */
int  tg_tui_worker_pause(pid_t pid);             /* SIGTSTP: the worker stops at the next step boundary */
int  tg_tui_worker_resume(pid_t pid);            /* SIGCONT */
int  tg_tui_worker_cancel(pid_t pid);            /* SIGINT (+ SIGCONT when stopped) */
char tg_tui_pid_state(pid_t pid);                /* the state letter of /proc/PID/stat ('R', 'S', 'T', ...), 0 */

/* ---- tui-data.c: runs, workers and the launch queue ------------------------------------------------------------- */
typedef enum { TG_W_STARTING, TG_W_RUNNING, TG_W_PAUSING, TG_W_PAUSED, TG_W_CANCELLING, TG_W_EXITED } tg_tui_wstate;

typedef struct tg_tui_worker {
	pid_t         pid;
	int64_t       run_id;        /* 0 until the run is stored */
	bool          ours;          /* our child: reaped with waitpid */
	tg_tui_wstate state;
	int           wstatus;       /* exit status when EXITED */
	char          log[1024];
	char          label[160];
	double        started;
	bool          announced;     /* the app has seen its run id */
	char          note[160];     /* while starting: the last line of its log ("building the 'small' model") */
	bool          failed;        /* exited before storing its run: kept as a "failed" row, note = its error */
} tg_tui_worker;

typedef struct tg_tui_row_cache {   /* last loss and timing of a run, refreshed when steps_done changes */
	int64_t id, steps;
	double  loss, elapsed;
} tg_tui_row_cache;

typedef struct tg_tui_runs {
	tg_run_info  *list;          /* stored runs, newest first */
	int           n;
	tg_tui_worker *w;            /* workers started here or adopted */
	int           nw, capw;
	tg_tui_job   *queue;         /* launches waiting for a free slot */
	int           nq, capq;
	int           max_jobs;      /* workers training at once */
	int           sel, top;      /* selected row, first visible row (rows: queue, starting workers, runs) */
	int64_t       sel_id;        /* keeps the selection on a run across reloads */
	int64_t       marked[2];     /* overlay: up to two runs */
	int           n_marked;
	tg_tui_row_cache *cache;
	int           ncache;
	char          exe[1024];     /* the program workers exec ("" = /proc/self/exe) */
} tg_tui_runs;

/* A row of the runs pane. */
typedef struct tg_tui_row {
	int            kind;          /* 0 queued job, 1 starting worker (or a failed launch), 2 stored run */
	int            index;         /* into queue, w or list */
	tg_run_info   *run;           /* kind 2 */
	tg_tui_worker *worker;        /* the worker of the row, if any */
} tg_tui_row;

void tg_tui_runs_init(tg_tui_runs *r);
void tg_tui_runs_free(tg_tui_runs *r);
/* Reload the stored runs (no config text) and match workers to runs by pid. */
int  tg_tui_runs_reload(tg_tui_runs *r, tg_store *s, tg_error *err);
int  tg_tui_runs_nrows(const tg_tui_runs *r);
bool tg_tui_runs_row(tg_tui_runs *r, int i, tg_tui_row *row);
int  tg_tui_runs_find(const tg_tui_runs *r, int64_t id);             /* row of a run id, or -1 */
tg_run_info *tg_tui_runs_get(tg_tui_runs *r, int64_t id);
tg_run_info *tg_tui_runs_selected(tg_tui_runs *r);
void tg_tui_runs_select(tg_tui_runs *r, int row);
/* Overlay marks: toggle a run (the oldest mark gives way to a third). */
void tg_tui_runs_mark(tg_tui_runs *r, int64_t id);
bool tg_tui_runs_is_marked(const tg_tui_runs *r, int64_t id);
/* Queue jobs; start queued jobs while fewer than max_jobs workers train. Returns workers started, or TG_ERR
 * (a fork failure) with err set. */
void tg_tui_runs_enqueue(tg_tui_runs *r, const tg_tui_job *j);
int  tg_tui_runs_start_queued(tg_tui_runs *r, const char *workspace, tg_error *err);
/* Adopt a worker pid (started elsewhere, or a RUNNING/PAUSED run of this host found at start). */
tg_tui_worker *tg_tui_runs_adopt(tg_tui_runs *r, pid_t pid, int64_t run_id, bool ours);
tg_tui_worker *tg_tui_runs_worker_of(tg_tui_runs *r, int64_t run_id);
/* Reap exited children, notice adopted workers that died; a run left RUNNING/PAUSED by a dead worker is marked
 * failed; a worker that exited before storing its run stays as a failed row with its error (tg_tui_runs_dismiss
 * removes it). Returns how many workers changed; msg gets a line about the last one, with its severity (a failure
 * is an error, not read from the text). */
int  tg_tui_runs_reap(tg_tui_runs *r, tg_store *s, char *msg, size_t n, tg_severity *sev);
int  tg_tui_runs_live(const tg_tui_runs *r);          /* workers not exited */
void tg_tui_runs_dismiss(tg_tui_runs *r, tg_tui_worker *w);   /* drop a failed launch's row */
void tg_tui_runs_notes(tg_tui_runs *r);               /* refresh the notes of starting workers from their logs */
int  tg_tui_runs_training(const tg_tui_runs *r);      /* of them, not paused */
/* The cached last loss and elapsed time of a run (fetched when steps_done changed). */
const tg_tui_row_cache *tg_tui_runs_last_step(tg_tui_runs *r, tg_store *s, const tg_run_info *run);
/* Signals on the worker of a run: pause/resume toggles. Returns TG_ERR with a message when there is none. */
int  tg_tui_runs_pause(tg_tui_runs *r, tg_store *s, int64_t run_id, char *msg, size_t n, tg_error *err);
int  tg_tui_runs_cancel_run(tg_tui_runs *r, int64_t run_id, tg_error *err);
int  tg_tui_runs_cancel_all(tg_tui_runs *r);          /* every live worker; returns how many */
/* Status text of a run row: "running", "paused", "pausing", "stale", "starting", "queued". */
const char *tg_tui_run_status_text(const tg_run_info *run, const tg_tui_worker *w);
/* "1:05", "2h03", "-" */
char *tg_tui_fmt_duration(double s, char *buf, size_t n);
char *tg_tui_fmt_count(double v, char *buf, size_t n);   /* 12.3k, 1.2M, 950 */
char *tg_tui_fmt_int(int64_t v, char *buf, size_t n);    /* 1,234,567 */

/* ---- tui-series.c: live curves ------------------------------------------------------------------------------- */
typedef struct tg_tui_series {
	char    lang[16];
	bool    source;
	int     n, cap;
	double *x, *y, *lo, *hi;
} tg_tui_series;

typedef struct tg_tui_curves {
	int64_t       run_id;
	char          label[96];       /* "#12 lora 0-1" */
	char          metric[32];
	int           nlang;
	tg_tui_series lang[TG_MAX_LANGS + 2];
	int           nloss, caploss;
	double       *lx, *ly;
	int64_t       last_step;       /* the last step row held (-1: none) */
	int64_t       steps_total;
} tg_tui_curves;

void tg_tui_curves_init(tg_tui_curves *c, int64_t run_id);
void tg_tui_curves_clear(tg_tui_curves *c);
/* Rebuild the score series from evaluation rows (TG_EVALS_ALL order): one series per language, on the metric of
 * the first source dev row; the source's dev split, a target's dev split where it has one, else test. */
void tg_tui_curves_set_evals(tg_tui_curves *c, const tg_eval_row *rows, int n);
/* Append step rows (the loss series); rows at or before last_step are ignored. */
void tg_tui_curves_add_steps(tg_tui_curves *c, const tg_step_row *rows, int n);
/* Poll the store: new steps since last_step, all evaluations again. */
int  tg_tui_curves_poll(tg_tui_curves *c, tg_store *s, tg_error *err);
/* Number of languages with at least one point. */
int  tg_tui_curves_langs_with_points(const tg_tui_curves *c);

typedef struct tg_tui_chart_opts {
	tg_smooth smooth;
	double    smooth_param;
	bool      show_raw;
	bool      ascii;
	bool      mono;           /* no colour: ASCII markers tell the series apart */
	bool      bands;          /* 95% CI bands (the intervals stored with each evaluation) */
	int       multiples;      /* small multiples, a panel per language: 0 auto (many series), 1 on, 2 off */
	char      langs[128];     /* the languages shown, "az,kk" ("" = all) */
} tg_tui_chart_opts;
/* One panel of the small multiples: the runs' series of one language (first run solid, second dotted). */
void tg_tui_chart_lang(tg_chart *ch, const tg_tui_curves *const *runs, int nruns, const char *lang,
    const tg_tui_chart_opts *o);
/* The languages the score chart shows (in chart order), at most max; the count. */
int  tg_tui_chart_langs(const tg_tui_curves *const *runs, int nruns, const tg_tui_chart_opts *o, const char **out,
    int max);
/* Whether the chart shows a language (o->langs). */
bool tg_tui_chart_shows(const tg_tui_chart_opts *o, const char *lang);
/* The score chart of one or two runs as a figure (PNG, SVG or PDF by the extension): the languages, overlay and
 * bands on screen, the same colours and line styles. */
int  tg_tui_chart_export(const tg_tui_curves *const *runs, int nruns, const tg_tui_chart_opts *o, const char *path,
    tg_error *err);
/* Fill chart with the score series of one or two runs (the second dotted, same colour per language). */
void tg_tui_chart_scores(tg_chart *ch, const tg_tui_curves *const *runs, int nruns, const tg_tui_chart_opts *o);
void tg_tui_chart_loss(tg_chart *ch, const tg_tui_curves *const *runs, int nruns, const tg_tui_chart_opts *o);
/* The colour, line style and ASCII marker of the series at position pos (among the chart's languages) of run 0 or
 * 1: distinct colours up to TG_SERIES_COLORS, distinct markers up to 16, the second run dotted with letters. */
void tg_tui_series_look(int pos, int run, const tg_tui_chart_opts *o, int *color, tg_line_style *style, char *marker);
/* Colour of a language in every chart of the session (stable across runs). */
int  tg_tui_lang_color(const char *lang);

/* ---- tui-results.c: data ---------------------------------------------------------------------------------------- */
typedef struct tg_tui_result_row {
	char    lang[16], split[8];
	bool    source;
	double  score, lo, hi, ttc;
	double  chance;           /* of this evaluation set (stored with the score; older runs: the run's level) */
	int64_t n;
	double  best;             /* best selected score for this language among the compared runs (NaN: none) */
	int64_t best_run;
} tg_tui_result_row;

typedef struct tg_tui_best_cache {   /* selected scores of finished runs (they do not change) */
	int64_t id;
	int     n;
	char    (*lang)[16];
	double  *score;
} tg_tui_best_cache;

typedef struct tg_tui_results {
	int64_t           run_id;
	char              metric[32], task[16], name[256];
	int64_t           step;            /* selected (best source dev) step; -1 none */
	double            chance, mean_ttc;   /* chance: c_s, of the source score TTC divides by */
	int               n;
	tg_tui_result_row row[TG_MAX_LANGS + 2];
	int               compared;        /* runs of the same task compared for best-so-far */
	tg_tui_best_cache *cache;
	int               ncache;
} tg_tui_results;

void tg_tui_results_init(tg_tui_results *r);
void tg_tui_results_free(tg_tui_results *r);
/* Selected scores of a run from its evaluation rows: the step with the best source dev score (earliest on ties).
 * chance: the run's single level, used only for rows stored without their own (runs older than per-set chance). */
int  tg_tui_results_from_evals(tg_tui_results *r, const tg_eval_row *rows, int n, double chance);
/* Load run_id from the store, with best-so-far over up to max_compare runs of the same task. */
int  tg_tui_results_load(tg_tui_results *r, tg_store *s, int64_t run_id, int max_compare, tg_error *err);

/* ---- tui-layout.c ----------------------------------------------------------------------------------------------- */
typedef enum { TG_VIEW_SETUP, TG_VIEW_RUNS, TG_VIEW_RESULTS, TG_VIEW_LUA, TG_NVIEWS } tg_tui_view;
typedef enum { TG_PANE_LAYERS, TG_PANE_TASK, TG_PANE_RUNS, TG_PANE_CURVES, TG_PANE_RESULTS, TG_PANE_REPL,
               TG_PANE_HELP, TG_NPANES } tg_tui_pane_id;
extern const char *const tg_tui_view_names[TG_NVIEWS];

#define TG_TUI_MIN_W 80
#define TG_TUI_MIN_H 24
typedef struct tg_tui_slot { tg_tui_pane_id pane; tg_tui_rect r; } tg_tui_slot;
/* Rectangles of the panes of a view on a w x h screen (row 0: tabs; the last two rows: messages and status).
 * Returns the count (0 when the screen is below the minimum). */
int  tg_tui_layout(tg_tui_view view, int w, int h, tg_tui_slot *slots, int max);

/* ---- tui-draw.c ------------------------------------------------------------------------------------------------- */
typedef struct tg_tui_style {
	bool ascii;      /* no box-drawing or braille */
	bool color;
} tg_tui_style;
/* A frame with a title; focused frames are bold with a reversed title. Returns the inner rectangle. */
tg_tui_rect tg_tui_box(tg_cells *g, tg_tui_rect r, const char *title, bool focused, const tg_tui_style *st);
/* Text clipped to maxw cells; returns cells written. fg/bg colour indexes, attr TG_ATTR_*. */
int  tg_tui_text(tg_cells *g, int x, int y, int maxw, const char *s, int fg, int bg, int attr);
int  tg_tui_textf(tg_cells *g, int x, int y, int maxw, int fg, int attr, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));
void tg_tui_fill(tg_cells *g, tg_tui_rect r, int bg, int attr);
/* Set attributes on a span of cells (highlight a row). */
void tg_tui_attr_span(tg_cells *g, int x, int y, int w, int add_attr, int bg);
/* A horizontal bar of `frac` of w cells (eighth blocks, or '#' in ASCII). */
void tg_tui_bar(tg_cells *g, int x, int y, int w, double frac, int fg, bool ascii);
/* Copy a grid into another at (x, y), clipped. */
void tg_tui_blit(tg_cells *dst, const tg_cells *src, int x, int y);
/* Pad or cut a UTF-8 string to exactly w cells into buf (left aligned; right aligned when right). */
char *tg_tui_pad(char *buf, size_t n, const char *s, int w, bool right);

/* ---- panes: a small vtable (tmux's window_mode) ------------------------------------------------------------------ */
typedef struct tg_tui_pane_type {
	const char *name;
	void *(*init)(tg_tui *t);
	void  (*free)(void *p);
	void  (*resize)(void *p, tg_tui *t, tg_tui_rect r);
	int   (*key)(void *p, tg_tui *t, int key);                       /* TG_TUI_* flags */
	void  (*draw)(void *p, tg_tui *t, tg_cells *g, tg_tui_rect r, bool focused);
	const char *hints;                                               /* key hints for the message line */
} tg_tui_pane_type;

extern const tg_tui_pane_type tg_tui_pane_layers, tg_tui_pane_task, tg_tui_pane_runs, tg_tui_pane_curves,
	tg_tui_pane_results, tg_tui_pane_repl, tg_tui_pane_help;

/* One entry of the help overlay; a NULL key starts a section named by what. */
typedef struct tg_tui_keyhelp { const char *key, *what; } tg_tui_keyhelp;
extern const tg_tui_keyhelp tg_tui_keys[];

/* ---- tui-app.c ---------------------------------------------------------------------------------------------- */
enum { TG_MSG_INFO, TG_MSG_ERROR };
typedef enum { TG_DLG_NONE, TG_DLG_QUIT, TG_DLG_STOPPING, TG_DLG_PROMPT, TG_DLG_CONFIRM } tg_tui_dialog;
typedef void (*tg_tui_prompt_fn)(tg_tui *t, const char *text);
/* A destructive action on one run, asked first (y confirms); it acts on the id captured when the key was pressed. */
typedef void (*tg_tui_confirm_fn)(tg_tui *t, int64_t run_id);

struct tg_tui {
	tg_tui_opts     opts;
	const tg_tui_pane_type *const *types;   /* the pane table (tui-app.c's), indexed by tg_tui_pane_id */
	char            workspace[1024];
	tg_store       *store;
	bool            store_rw;
	int64_t         data_version;
	double          last_poll, last_reload, last_load, last_curves, started;
	tg_tui_config   cfg;
	tg_tui_runs     runs;
	tg_tui_curves   curves[2];          /* the runs shown in the curves pane */
	int             ncurves;
	tg_tui_results  results;
	bool            results_stale;
	int64_t         watch_pending_pid[8];
	int             n_watch_pids;
	/* screen */
	tg_cells       *screen;
	int             w, h;
	tg_tui_style    style;
	tg_tui_view     view, prev_view;
	int             focus[TG_NVIEWS];   /* index into the view's slots */
	tg_tui_slot     slots[8];
	int             nslots;
	void           *pane[TG_NPANES];
	bool            help;
	bool            dirty;
	int64_t         frames;
	/* message line */
	char            msg[512];
	int             msg_kind;
	double          msg_time;
	char            loadavg[64];
	/* dialogs */
	tg_tui_dialog   dialog;
	double          dialog_since;
	tg_tui_edit     prompt;
	char            prompt_label[64];
	tg_tui_prompt_fn prompt_fn;
	char            confirm_text[256];  /* "Cancel run #3 (lora ...)? y/n" */
	char            log_path[1100];     /* the log shown over the screen ("": none); any key closes it */
	int             log_scroll;         /* lines up from the end */
	tg_tui_confirm_fn confirm_fn;
	int64_t         confirm_id;
	/* curves options */
	tg_tui_chart_opts chart;
	/* Lua */
	lua_State      *L;                  /* NULL when Lua is not available or failed to start */
	char            lua_err[256];
	volatile bool   lua_busy;           /* an evaluation is running (Ctrl-C interrupts it) */
	/* flags */
	bool            follow_new;         /* select a launched run once it is stored */
	bool            quit_now;           /* the stopping dialog is done */
	bool            force_poll;
	bool            full_redraw;        /* the terminal layer repaints everything (C-l) */
	double          now;
};

/* tui-app.c */
tg_tui *tg_tui_new(const tg_tui_opts *o, int w, int h, const tg_tui_style *st, tg_error *err);
void    tg_tui_free(tg_tui *t);
void    tg_tui_resize(tg_tui *t, int w, int h);
int     tg_tui_key(tg_tui *t, int key);               /* TG_TUI_* flags; QUIT: leave now */
bool    tg_tui_tick(tg_tui *t, double now);           /* poll workers and the store; true when something changed */
void    tg_tui_render(tg_tui *t);                     /* draw the whole screen into t->screen */
void    tg_tui_message(tg_tui *t, int kind, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void    tg_tui_error(tg_tui *t, const char *what, const tg_error *e);
void    tg_tui_set_view(tg_tui *t, tg_tui_view v);
void    tg_tui_relayout(tg_tui *t);                   /* the slots of the view, and each pane told its rectangle */
void    tg_tui_focus_pane(tg_tui *t, tg_tui_pane_id p);   /* in the current view, when it is shown */
tg_tui_pane_id tg_tui_focused(const tg_tui *t);
int     tg_tui_launch(tg_tui *t);                    /* queue the current configuration (one job per seed) */
int     tg_tui_launch_pair(tg_tui *t);               /* match the budget (b) and queue both sides */
void    tg_tui_prompt(tg_tui *t, const char *label, const char *init, tg_tui_prompt_fn fn);
void    tg_tui_confirm(tg_tui *t, int64_t run_id, tg_tui_confirm_fn fn, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
void    tg_tui_request_quit(tg_tui *t);
void    tg_tui_duplicate(tg_tui *t, int64_t run_id);  /* load a run's configuration into the setup */
void    tg_tui_sync_curves(tg_tui *t);                /* the curves pane follows marks, else the selection */
void    tg_tui_config_changed(tg_tui *t);
/* ---- tui-term.c: the only curses user (with tui-main.c's loop) ---------------------------------------------- */
typedef struct tg_term tg_term;
#define TG_KEY_RESIZE (TG_KEY_BASE + 200)
/* Take over the terminal: locale, curses on a dup of stdin/stdout, stdout and stderr captured in a file. */
tg_term *tg_term_open(bool no_color, tg_error *err);
/* Leave curses, restore stdout/stderr, print what was captured to stderr. */
void     tg_term_close(tg_term *tm);
bool     tg_term_color(const tg_term *tm);
bool     tg_term_utf8(const tg_term *tm);
void     tg_term_size(tg_term *tm, int *w, int *h);
/* A key (TG_KEY_* or a code point; TG_KEY_RESIZE), or -1 after timeout_ms. */
int      tg_term_getkey(tg_term *tm, int timeout_ms);
/* Copy cells to the screen (only what changed unless full) and update the terminal. */
void     tg_term_draw(tg_term *tm, const tg_cells *g, bool full);
/* The last line written to stdout/stderr since the previous call, or "" (library messages for the message line). */
bool     tg_term_captured(tg_term *tm, char *buf, size_t n);

/* Text of the screen's row y (tests). */
char   *tg_tui_row_text(const tg_tui *t, int y, char *buf, size_t n);

#endif
