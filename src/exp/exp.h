/* Experiments: one configuration becomes one stored run. Shared by the CLI, the Lua API, the TUI's workers,
 * sweeps and the demo.
 *
 *   experiment.c  load model + tokenizer, build the task and the PEFT module, match budgets, open the store,
 *                 record the run (config, parameter counts, FLOPs), train, save the adapter, set the status
 *   models.c      model names: a folder, or a preset (micro, small, base) built on first use and cached
 *   gather.c      run shards (one sweep point's own small workspace) merged into the workspace store
 *   evalonly.c    a stored run scored on any file (tamga eval / predict, run:evaluate), stored under its name
 */
#ifndef TG_EXP_H
#define TG_EXP_H

#include "train/train.h"
#include "peft/peft.h"
#include "store/store.h"

typedef struct tg_experiment {
	const char   *model;          /* a Hugging Face folder, or a preset name (micro, small, base) */
	bool          build_model;    /* pretrain a missing preset model first */
	const char   *workspace;      /* NULL: tg_workspace_default() */
	const char   *name;           /* run name; NULL: "<method> <layers> <task> <source>" */
	tg_task_opts  task;
	tg_peft_spec  peft;           /* what trains, e.g. lora:layers=0-3,targets=q+v,r=8 (its string form only in
	                                 argv across a fork and in the store) */
	tg_peft_spec  match;          /* with has_match: the spec whose trainable parameter count peft is sized to */
	bool          has_match;
	int64_t       budget;         /* trainable parameters to size the spec to (0: none) */
	tg_train_opts train;
	const char   *save_adapter;   /* folder for the trained PEFT module, or NULL (the workspace keeps one) */
	int64_t       resume_run;     /* > 0: continue this run from its checkpoint */
	const char   *argv_json;      /* the command line as a JSON array, kept for resume (may be NULL) */
	int64_t       sweep_id;
	const char   *lang_adapter_dir;    /* MAD-X: language adapters live here as <dir>/<lang> (optional) */
	char          targets_buf[512];    /* the targets option's text, split in place (task.targets point into it) */
	/* Called with the run id as soon as the run is stored (before training starts), e.g. to name a log after it */
	void         *run_ud;
	void        (*on_run)(void *run_ud, int64_t run_id);
	bool          claim;          /* a sweep point: continue the unfinished run named exactly name, if any (from
	                                 its checkpoint); do not run a point that is done or held by a live process */
	/* set by tg_experiment_run */
	tg_claim      claimed;        /* with claim: what tg_store_run_claim found (DONE and BUSY: nothing was run) */
	bool          held;           /* this process took the run (set it RUNNING) */
	bool          marked_failed;  /* on failure after that: whether its FAILED status was stored */
} tg_experiment;

/* Every option at its default (options.c: the options table; options.h sets them by name, from text or typed). */
void tg_experiment_init(tg_experiment *x);
/* Run it; *run_id is set as soon as the run is stored (also on failure after that point). The run is held by this
 * process while it trains (store.h: leases; a thread renews the heartbeat): resuming a run that a live process
 * holds fails (TG_E_STATE), and a lost lease cancels the training. The run ends DONE or CANCELLED only when every
 * result (adapter, head, artifact rows) was written. */
int  tg_experiment_run(tg_experiment *x, int64_t *run_id, tg_train_result *res, tg_error *err);
/* A task head's weights as dir/head.safetensors (format "tamga-head"): what a run saves with its adapter and
 * tg_eval_run reads back. */
int  tg_head_save(const tg_head *h, const char *dir, tg_error *err);
/* The default workspace: $TAMGA_WORKSPACE, else ./tamga-workspace. */
const char *tg_workspace_default(void);
/* Print the per-language table of a result: score [CI] and TTC against the source. */
void tg_result_print(FILE *f, const tg_task *t, const tg_train_result *res);
/* The "A - c" and TTC cells of score i as the tables print them: "+0.123", "-0.010*" (at or below chance), "-" (no
 * chance level); "0.512" (narrow: "0.51"), "source" ("src"), "undefined" ("undef"). */
void tg_result_cells(const tg_train_result *res, int i, bool narrow, char gain[16], char ttc[16]);

/* ---- gather.c -------------------------------------------------------------------------------------------------
 * Run shards. A sweep worker on a cluster node never writes the workspace's tamga.db (SQLite's WAL needs every
 * process on one host): it runs its point in a shard, <workspace>/shards/<point>/, a small workspace of its own
 * (tamga.db, checkpoints/, adapters/, items/) written by that one worker. tg_gather copies every finished run of
 * every shard that the workspace does not hold yet (same exact name, status done) into the workspace's store,
 * with its steps, evaluations, artifacts (paths now under shards/<point>/) and per-item score files, one
 * transaction per run: gathering twice changes nothing, and two gathers at once never both copy a run. A shard
 * that is unfinished (no store yet, a run still running, failed or cancelled) or unreadable is reported through
 * note and skipped; its files are never changed. */
#define TG_SHARD_DIR "shards"
typedef struct tg_gather_opts {
	void (*note)(void *ud, const char *shard, const char *why);    /* a shard skipped, and why (may be NULL) */
	void *ud;
} tg_gather_opts;
typedef struct tg_gather_stats {
	int    shards;          /* folders looked at */
	int    gathered;        /* runs copied now */
	int    already;         /* finished runs the workspace held already */
	int    unfinished;      /* not started, running, failed or cancelled: left for a later gather */
	int    broken;          /* could not be read or copied: reported and skipped */
	double seconds;
} tg_gather_stats;
/* o may be NULL. TG_ERR only when the workspace store itself cannot be opened; shard problems are counted. */
int   tg_gather(const char *workspace, const tg_gather_opts *o, tg_gather_stats *stats, tg_error *err);
/* The shard folder of the point named run_name: <workspace>/shards/<name, made file-safe, cut>-<64-bit hash>
 * (malloc'd). */
char *tg_shard_path(const char *workspace, const char *run_name);

/* ---- remove.c: a stored run away: its rows and its files (checkpoint, log, adapter folder, item scores). A run
 * that trains (a live lease) is refused with TG_E_STATE. Used by `tamga rm` and the workbench's D. */
int  tg_run_remove(tg_store *s, int64_t run_id, tg_error *err);

/* ---- evalonly.c ----------------------------------------------------------------------------------------------
 * A stored run's model + PEFT module + head (its adapter folder) scored on any file by the training-time
 * evaluation code; the score (with its bootstrap CI) is stored with the run at its selected checkpoint under the
 * dataset's own name, so `tamga report` and `tamga show` list it; a record (<workspace>/evals/run-N/NAME.json:
 * file, format, language, skipped sentences and every problem reported) is kept as the run's "eval" artifact. */
typedef struct tg_eval_opts {
	const char *workspace;         /* NULL: tg_workspace_default() */
	int64_t     run_id;
	const char *path;              /* the file, read in format (a tg_format) ... */
	int         format;            /* -1: none */
	const tg_dataset *ds;          /* ... or a dataset already read (Lua); its tags are label names */
	const char *lang;              /* language code of the data (any plausible code: tg_lang_code_valid) */
	const char *name;              /* stored name (1-15 of [A-Za-z0-9._:+-]); NULL: the file name less extension */
	const char *split;             /* "test" (default) or "dev": where report --split finds it */
	bool        lenient;           /* malformed sentences reported and skipped (counted in the record) */
	const char *label_map;         /* NER: "ontonotes" or a from<TAB>to file; NULL: tags as they are */
	const char *pred_out;          /* write predictions to this file (named so in errors); NULL: none */
	FILE       *pred_fp;           /* ... or to this stream, open (the CLI's standard output for "-") */
	bool        store;             /* store the score and the record (default true) */
	int         batch;             /* default 64 */
	int         boot_resamples;    /* default 1000 (seed 1) */
	int         precision;         /* a tg_precision, or -1 (default): the run's own (its config's "precision") */
} tg_eval_opts;

typedef struct tg_eval_result {
	char        name[16], metric[16];
	int64_t     step;              /* the checkpoint it is stored at (-1 when not stored) */
	tg_score    score;             /* score.lang = the name */
	int64_t     n_skipped;         /* malformed sentences left out (lenient) */
	tg_read_log log;               /* every problem: skipped sentences, warnings */
	char        record[4400];      /* the record file written, or "" */
} tg_eval_result;

void tg_eval_opts_init(tg_eval_opts *o);
int  tg_eval_run(const tg_eval_opts *o, tg_eval_result *r, tg_error *err);
/* experiment.c: a score's per-item values written to the workspace's item file of (run, step, split, lang, metric),
 * the file analyze ttc and the paired bootstrap read; nothing when the score has none. */
void tg_items_store(const char *workspace, int64_t run_id, int64_t step, tg_split split, const char *lang,
    const char *metric, const tg_score *s);
void tg_eval_result_clear(tg_eval_result *r);

/* models.c */
/* Resolve a model name to a folder: an existing folder is itself; a preset name is its cached folder (built by
 * tamga pretrain), else the copy shipped with tamga (tg_model_shipped), else it is pretrained when build is true. */
const char *tg_model_resolve(const char *name, bool build, const char *data_root, char *buf, size_t n,
    tg_error *err);
/* The shipped folder of a preset: $TAMGA_SHIPPED_MODELS/<preset> when that variable is set (and only there), else
 * the source tree's models/<preset>, else the installed $(pkgdatadir)/models/<preset>; NULL when none has a
 * config.json. */
const char *tg_model_shipped(const char *preset, char *buf, size_t n);
/* The default model: $TAMGA_MODEL, else the "small" preset. */
const char *tg_model_default(void);

/* ---- demo.c ------------------------------------------------------------------------------------------------------
 * The compact comparison behind `tamga demo`: UDPOS from a source (tr, optionally en) to the Turkic targets,
 * early-layer LoRA against Pfeiffer adapters sized to the same trainable-parameter budget. */
typedef struct tg_demo_opts {
	const char *preset;            /* model preset or folder (default: small) */
	const char *data_root;
	const char *workspace;         /* default: tamga-workspace */
	const char *sources[2];        /* default: tr */
	int         n_sources;
	const char *targets[TG_MAX_LANGS];
	int         n_targets;         /* default: az kk ky uz ug tt sah */
	int64_t     max_train, max_eval;
	int         epochs;
	float       lr;                /* fine-tuning learning rate of both methods */
	int         evals;             /* evaluations per run (the learning curves' points) */
	tg_script_choice script;       /* native, or every input transliterated to Latin (tamga-script(7)) */
	tg_precision precision;        /* fp32 (default) or bf16, for both runs */
	uint64_t    seed;
	bool        progress;          /* for front ends: show progress (the engine reports through obs) */
	volatile int *cancel;
	const tg_observer *obs;        /* notes and the runs' events; NULL: the default observer */
	/* Launch hook: when set, runs are handed to it (e.g. the TUI's workers) instead of running in-process. */
	void       *ud;
} tg_demo_opts;

typedef struct tg_demo_result {
	int             n_runs;
	int64_t         run_id[4];
	char            label[4][64];       /* "LoRA r8 q,v layers 0-1 (tr)" */
	char            spec[4][256];
	int64_t         trainable[4];
	tg_train_result res[4];
	char            plots[4][4200];     /* files written */
	int             n_plots;
	double          seconds;
} tg_demo_result;

void tg_demo_opts_init(tg_demo_opts *o);
int  tg_demo_run(const tg_demo_opts *o, tg_demo_result *r, tg_error *err);
void tg_demo_print(FILE *f, const tg_demo_result *r, bool json);
void tg_demo_result_clear(tg_demo_result *r);

#endif
