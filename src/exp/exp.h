/* Experiments: one configuration becomes one stored run. Shared by the CLI, the Lua API, the TUI's workers,
 * sweeps and the demo.
 *
 *   experiment.c  load model + tokenizer, build the task and the PEFT module, match budgets, open the store,
 *                 record the run (config, parameter counts, FLOPs), train, save the adapter, set the status
 *   models.c      model names: a folder, or a preset (micro, small, base) built on first use and cached
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
	const char   *peft;           /* spec string, e.g. "lora:layers=0-3,targets=q+v,r=8" */
	const char   *match;          /* spec whose trainable parameter count this run's spec is sized to, or NULL */
	int64_t       budget;         /* trainable parameters to size the spec to (0: none) */
	tg_train_opts train;
	const char   *save_adapter;   /* folder for the trained PEFT module, or NULL (the workspace keeps one) */
	int64_t       resume_run;     /* > 0: continue this run from its checkpoint */
	const char   *argv_json;      /* the command line as a JSON array, kept for resume (may be NULL) */
	int64_t       sweep_id;
	const char   *lang_adapter_dir;    /* MAD-X: language adapters live here as <dir>/<lang> (optional) */
} tg_experiment;

void tg_experiment_init(tg_experiment *x);
/* Run it; *run_id is set as soon as the run is stored (also on failure after that point). */
int  tg_experiment_run(tg_experiment *x, int64_t *run_id, tg_train_result *res, tg_error *err);
/* The default workspace: $TAMGA_WORKSPACE, else ./tamga-workspace. */
const char *tg_workspace_default(void);
/* Print the per-language table of a result: score [CI] and TTC against the source. */
void tg_result_print(FILE *f, const tg_task *t, const tg_train_result *res);

/* models.c */
/* Resolve a model name to a folder: an existing folder is itself; a preset name is its cached folder, built by
 * pretraining when missing and build is true. */
const char *tg_model_resolve(const char *name, bool build, const char *data_root, char *buf, size_t n,
    tg_error *err);
/* The default model: $TAMGA_MODEL, else the "small" preset. */
const char *tg_model_default(void);

#endif
