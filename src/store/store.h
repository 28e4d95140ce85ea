/* The experiment store: one workspace directory holds tamga.db (SQLite) and checkpoints/.
 *
 *   store.c    open/close, WAL pragmas, the prepared-statement cache, SQLite errors -> tg_error, polling, checks
 *   schema.c   the schema as an ordered list of migrations; PRAGMA user_version is the version
 *   runs.c     runs (status, progress, config JSON), sweeps and artifacts
 *   metrics.c  training steps and evaluation rows; checkpoint selection on the source dev set
 *   report.c   per-language report (selected score with CI, TTC) as Markdown, CSV or JSON
 *
 * Durability: every write call commits on its own (SQLite autocommit). With WAL and synchronous=NORMAL a commit
 * is in the WAL file when the call returns, so it survives the writing process being killed (not a power cut).
 * A call that returned TG_OK therefore never loses its row; there is no flush to forget. Bulk imports may wrap
 * many writes in tg_store_begin/tg_store_commit; rows inside are durable only after the commit.
 *
 * Concurrency: one writer (a training run) and any number of readers (the TUI, a report) in other processes.
 * Readers poll tg_store_changed_since() and fetch new steps with tg_store_steps_since(). A handle belongs to one
 * thread and must not cross fork(): open a new one in the child.
 *
 * Numbers that were not measured are NAN in the structs and NULL in the database.
 */
#ifndef TG_STORE_H
#define TG_STORE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "util/util.h"

#define TG_STORE_DB_NAME     "tamga.db"
#define TG_STORE_CKPT_DIR    "checkpoints"
#define TG_STORE_APP_ID      0x74616d67      /* "tamg" in PRAGMA application_id */

typedef struct tg_store tg_store;

/* ---- store.c ----------------------------------------------------------------------------------------------------- */
enum {
	TG_STORE_CREATE   = 1 << 0,   /* create the directory, checkpoints/ and tamga.db when missing */
	TG_STORE_READONLY = 1 << 1,   /* viewers: never writes, never migrates */
};

tg_store   *tg_store_open(const char *workspace_dir, int flags, tg_error *err);
void        tg_store_close(tg_store *s);                    /* NULL is fine */
const char *tg_store_dir(const tg_store *s);                /* the workspace directory as given */
const char *tg_store_db_path(const tg_store *s);            /* <dir>/tamga.db */
const char *tg_store_checkpoint_dir(const tg_store *s);     /* <dir>/checkpoints */
int         tg_store_schema_version(const tg_store *s);     /* of the open database */
int         tg_store_schema_latest(void);                   /* the version this program writes */
bool        tg_store_readonly(const tg_store *s);

/* Bulk writes: BEGIN IMMEDIATE ... COMMIT. Calls do not nest. Rollback discards everything since begin. */
int  tg_store_begin(tg_store *s, tg_error *err);
int  tg_store_commit(tg_store *s, tg_error *err);
void tg_store_rollback(tg_store *s);

/* Cheap change polling: a token that differs whenever this or any other connection committed since the last call.
 * Typical loop: v = tg_store_data_version(s); ... if (tg_store_changed_since(s, v)) { v = ...; reload; } */
int64_t tg_store_data_version(tg_store *s);
bool    tg_store_changed_since(tg_store *s, int64_t data_version);

/* PRAGMA quick_check (or integrity_check when full); the first problem goes into err. */
int tg_store_check(tg_store *s, bool full, tg_error *err);

/* ---- runs.c ------------------------------------------------------------------------------------------------------ */
typedef enum {
	TG_RUN_QUEUED, TG_RUN_RUNNING, TG_RUN_PAUSED, TG_RUN_DONE, TG_RUN_FAILED, TG_RUN_CANCELLED, TG_RUN_NSTATUS
} tg_run_status;

const char *tg_run_status_name(tg_run_status st);             /* "queued" ... ; "?" when out of range */
int         tg_run_status_parse(const char *name);            /* -1 when unknown */

/* A run. Strings read from the store are owned by the struct (tg_run_info_clear frees them); when writing, the
 * caller's strings are only read. targets is a comma-separated list ("az,kk,ky"); layers is free text ("0-3"). */
typedef struct tg_run_info {
	int64_t       id;
	double        created, updated;          /* Unix time, seconds */
	char         *name;
	tg_run_status status;
	char         *config;                    /* JSON object text; stored compact with sorted keys */
	char         *model, *method, *layers, *task, *source, *targets;
	int64_t       seed;
	int64_t       trainable_params, total_params;
	double        flops_per_step;
	int64_t       steps_done, steps_total;
	double        tokens_per_s;
	double        eta_s;                     /* remaining seconds as the trainer estimates them (tg_eta); NAN none */
	int64_t       pid;                       /* of the process that last set RUNNING; 0 none */
	char         *host;
	double        heartbeat;                 /* Unix time the holder last renewed its lease; NAN none */
	char         *error;                     /* why it failed; NULL otherwise */
	int64_t       sweep_id;                  /* 0: not part of a sweep; or tg_store_sweep_add_run later */
} tg_run_info;

void tg_run_info_init(tg_run_info *r);        /* zeroes, NAN for unmeasured numbers */
void tg_run_info_clear(tg_run_info *r);       /* frees the strings, then init */
void tg_run_list_free(tg_run_info *runs, int n);

/* Insert a run. NULL string fields (and seed 0) are taken from config keys of the same name when present; created
 * and updated are set to now. The new id goes to *id. */
int tg_store_run_new(tg_store *s, const tg_run_info *info, int64_t *id, tg_error *err);
/* RUNNING also records this process's pid and host name; error_msg is kept for any status (NULL clears it). */
int tg_store_run_set_status(tg_store *s, int64_t run_id, tg_run_status st, const char *error_msg, tg_error *err);
/* steps_total < 0 or tokens_per_s NAN leave those unchanged; eta_s is stored as given (NAN: unknown). */
int tg_store_run_update_progress(tg_store *s, int64_t run_id, int64_t steps_done, int64_t steps_total,
                                 double tokens_per_s, double eta_s, tg_error *err);
int tg_store_run_set_params(tg_store *s, int64_t run_id, int64_t trainable_params, int64_t total_params,
                            double flops_per_step, tg_error *err);
int tg_store_run_delete(tg_store *s, int64_t run_id, tg_error *err);   /* with its steps, evals, artifacts */
/* Remove steps and evaluations after after_step (for a resumed run). */
int tg_store_run_truncate(tg_store *s, int64_t run_id, int64_t after_step, tg_error *err);
/* TG_OK and the run in *out (clear it afterwards); TG_ERR with code TG_E_ARG when there is no such run. */
int tg_store_run_get(tg_store *s, int64_t run_id, tg_run_info *out, tg_error *err);
/* A RUNNING run whose holder is gone (see leases below): killed without a chance to mark itself failed. */
bool tg_run_is_stale(const tg_run_info *r);

/* Leases. A RUNNING (or PAUSED) run is held by the process that set it running: its pid, host and a heartbeat
 * time that the holder renews (tg_store_run_heartbeat, every few seconds). The holder is gone when, on this host,
 * its pid no longer exists, or, on any host, its heartbeat is older than tg_lease_timeout() (a PAUSED run is a
 * stopped process and does not beat). Only then may another process take the run over; taking it is one write
 * transaction (BEGIN IMMEDIATE), so two processes never both hold a run, on one host or across the hosts of a
 * cluster sharing the workspace. */
double tg_lease_timeout(void);                 /* $TAMGA_LEASE_TIMEOUT seconds (1 to 86400), else 300 */
double tg_lease_interval(void);                /* how often a holder beats: timeout / 6, at most 30 s */
/* Whether the run is RUNNING or PAUSED and its holder looks alive (this process included). */
bool tg_run_lease_held(const tg_run_info *r);
/* "process 123 on host h, last heartbeat 4 s ago" into buf. */
const char *tg_run_lease_holder(const tg_run_info *r, char *buf, size_t n);
/* Take run_id for this process: status RUNNING, pid, host and heartbeat set, error cleared. TG_ERR with code
 * TG_E_STATE ("run 7 is running in process 123 on host h ...") when another live process holds it. */
int tg_store_run_acquire(tg_store *s, int64_t run_id, tg_error *err);
/* Renew this process's lease. *lost (may be NULL) is set when the run is no longer held by this process (taken
 * over after the heartbeat expired); that is not an error. */
int tg_store_run_heartbeat(tg_store *s, int64_t run_id, bool *lost, tg_error *err);
/* End this process's hold with a final status (DONE, FAILED, CANCELLED...). TG_ERR, nothing written, when the run
 * is held by another process now (it was taken over) or the write fails; the status is stored only on TG_OK. */
int tg_store_run_release(tg_store *s, int64_t run_id, tg_run_status st, const char *error_msg, tg_error *err);

/* A sweep point: the run named exactly info->name, taken in one transaction. */
typedef enum {
	TG_CLAIM_NEW,        /* no run of that name: inserted from info, RUNNING and held by this process */
	TG_CLAIM_TAKEN,      /* an unfinished run of that name (failed, cancelled, queued, holder gone) is now held
	                        by this process: continue it from its checkpoint */
	TG_CLAIM_DONE,       /* a run of that name is done: nothing changed */
	TG_CLAIM_BUSY,       /* a live process holds a run of that name: nothing changed */
} tg_claim;
/* *id is the run concerned in every outcome; *holder (may be NULL) gets a copy of that run for DONE and BUSY
 * (clear it afterwards). */
int tg_store_run_claim(tg_store *s, const tg_run_info *info, int64_t *id, tg_claim *outcome, tg_run_info *holder,
                       tg_error *err);
/* Mark every RUNNING run whose holder is gone as FAILED, with an error saying so; *n (may be NULL) counts them. */
int tg_store_runs_reap(tg_store *s, int *n, tg_error *err);

typedef enum { TG_ORDER_NEWEST, TG_ORDER_OLDEST, TG_ORDER_NAME, TG_ORDER_UPDATED, TG_ORDER_N } tg_run_order;

/* All-zero = every run, newest first, without config text. */
typedef struct tg_run_filter {
	unsigned     status_mask;                 /* bit (1u << status); 0 = any */
	const char  *task, *method, *source;      /* exact; NULL = any */
	const char  *name_like;                   /* SQL LIKE pattern ("lora-%"), ASCII case-insensitive; NULL = any */
	const char  *name;                        /* exactly this name (case and every character); NULL = any */
	int64_t      sweep_id;                    /* 0 = any */
	tg_run_order order;
	int          limit, offset;               /* limit 0 = all */
	bool         with_config;                 /* also fetch config JSON */
} tg_run_filter;

/* *runs is malloc'd (free with tg_run_list_free); *n may be 0. */
int tg_store_run_list(tg_store *s, const tg_run_filter *f, tg_run_info **runs, int *n, tg_error *err);

/* Sweeps: a named family of runs with its spec (JSON text, e.g. the grid). A run belongs to at most one sweep. */
int tg_store_sweep_new(tg_store *s, const char *name, const char *spec_json, int64_t *id, tg_error *err);
int tg_store_sweep_add_run(tg_store *s, int64_t sweep_id, int64_t run_id, tg_error *err);

/* Artifacts: files a run produced (checkpoint, predictions, plot); path relative to the workspace if inside it. */
typedef struct tg_artifact {
	int64_t id, run_id;
	char    kind[32];
	char   *path;
	double  created;
} tg_artifact;
int  tg_store_artifact_add(tg_store *s, int64_t run_id, const char *kind, const char *path, tg_error *err);
int  tg_store_artifact_list(tg_store *s, int64_t run_id, tg_artifact **out, int *n, tg_error *err);
void tg_artifact_list_free(tg_artifact *a, int n);

/* ---- metrics.c --------------------------------------------------------------------------------------------------- */
typedef struct tg_step_row {
	int64_t step;
	double  loss, lr, grad_norm, tokens_per_s, elapsed_s;
	double  time;                             /* Unix time; 0 when writing = now */
} tg_step_row;

typedef enum { TG_SPLIT_DEV, TG_SPLIT_TEST } tg_split;
const char *tg_split_name(tg_split sp);

typedef struct tg_eval_row {
	int64_t  step;
	tg_split split;
	char     lang[16];                        /* "kk", "ug-Arab" */
	char     metric[32];                      /* "acc", "f1", "acc@1", "spearman" (higher is better) */
	double   score, ci_low, ci_high;          /* CI NAN when not computed */
	double   chance;                          /* the set's chance level for TTC (metrics.h); NAN unknown (runs
	                                           * stored before schema 4) */
	int64_t  n_items;
	bool     is_source;                       /* evaluated on the training (source) language */
	bool     selected;                        /* read only: the step chosen as the best checkpoint */
	double   time;                            /* Unix time; 0 when writing = now */
} tg_eval_row;

void tg_step_row_init(tg_step_row *r);        /* all NAN, step 0, time 0 */
void tg_eval_row_init(tg_eval_row *r);

/* Each add commits. A repeated (run, step) or (run, step, split, lang, metric) replaces the earlier row, so a run
 * resumed from a checkpoint overwrites what it redoes. Errors read "<db>: insert step 120 of run 7: <why>". */
int tg_store_step_add(tg_store *s, int64_t run_id, const tg_step_row *row, tg_error *err);
int tg_store_eval_add(tg_store *s, int64_t run_id, const tg_eval_row *row, tg_error *err);

/* Steps with step > after_step in step order (after_step -1 = all), at most max_rows (0 = no cap): live curves
 * poll with the last step they hold. *rows is malloc'd (free()). */
int tg_store_steps_since(tg_store *s, int64_t run_id, int64_t after_step, int max_rows,
                         tg_step_row **rows, int *n, tg_error *err);

typedef enum {
	TG_EVALS_ALL,        /* every row, by step */
	TG_EVALS_LATEST,     /* per (split, lang, metric): the latest step */
	TG_EVALS_SELECTED,   /* per (split, lang, metric): the selected checkpoint */
} tg_evals_which;
/* Ordered by split, source first, lang, metric (ALL: step first). *rows is malloc'd (free()). */
int tg_store_evals(tg_store *s, int64_t run_id, tg_evals_which which, tg_eval_row **rows, int *n, tg_error *err);

/* Zero-shot protocol: choose the checkpoint with the best SOURCE dev score on metric (NULL = the metric of the
 * first source dev row), earliest on ties, and flag every eval row at that step as selected. The step goes to
 * *step. TG_ERR (TG_E_STATE) when the run has no source dev rows. */
int tg_store_eval_select_best(tg_store *s, int64_t run_id, const char *metric, int64_t *step, tg_error *err);
/* Flag a given step instead (e.g. target-dev selection, reported separately). */
int tg_store_eval_select(tg_store *s, int64_t run_id, int64_t step, tg_error *err);

/* ---- report.c ---------------------------------------------------------------------------------------------------- */
typedef enum { TG_REPORT_MARKDOWN, TG_REPORT_CSV, TG_REPORT_JSON } tg_report_format;

/* Chance levels come from the evaluation rows (tg_eval_row.chance, the majority baseline of each evaluated set).
 * Rows stored before schema 4 have none: for those the run's config "chance" (the single level older tamga stored)
 * is used, then this per-task table; the run is marked chance_legacy. */
typedef struct tg_task_chance {
	const char *task;
	double      chance;
} tg_task_chance;

typedef struct tg_report_opts {
	const char *const    *langs;              /* target columns in this order; NULL = every target seen, sorted */
	int                   nlangs;
	const char           *metric;             /* NULL = per run, the metric of its first source dev row */
	tg_split              split;              /* split of the scores reported (selection is always source dev) */
	const tg_task_chance *chance;             /* legacy fallback per task (may be NULL) */
	int                   nchance;
} tg_report_opts;

typedef struct tg_report_cell {
	double  score, ci_low, ci_high;           /* NAN when missing */
	int64_t n_items;
	double  chance;                           /* c of this evaluation set; NAN when unknown */
	double  ttc;                              /* tg_ttc(score, chance, source score, source chance); NAN when
	                                           * undefined (source at or below its chance, or a chance unknown) */
} tg_report_cell;

typedef struct tg_report_run {
	int64_t        id;
	char          *name, *method, *layers, *task, *source;
	char           metric[32];
	int64_t        step;                      /* selected checkpoint; -1 when none */
	double         chance;                    /* c_s = src.chance */
	bool           chance_legacy;             /* some chance came from the run's config, not its rows */
	tg_report_cell src;                       /* the source language, same split; ttc = NAN */
	tg_report_cell *cells;                    /* [nlangs] */
	double         mean_ttc;                  /* over the targets with a TTC; NAN when none */
} tg_report_run;

typedef struct tg_report {
	tg_split       split;
	int            nlangs, nruns;
	char         **langs;
	tg_report_run *runs;
} tg_report;

/* Collect the selected (best on source dev) scores of the runs; a run with no flagged step is selected on the fly
 * (nothing is written, so this works on a read-only store). */
tg_report *tg_report_build(tg_store *s, const int64_t *run_ids, int nruns, const tg_report_opts *opts,
                           tg_error *err);
void       tg_report_free(tg_report *r);
/* Markdown: a score table (95% CI in brackets), a TTC table (each cell "TTC (A_t - c_t)", "undefined" when the
 * source is at or below its chance, "*" when the target is at or below its own) and the chance levels. CSV: one row
 * per run and language (long form), chance, ttc (empty when undefined), above_chance (A - c), below_chance.
 * JSON: one object. Returns TG_ERR on a write error. */
int        tg_report_write(FILE *f, tg_report_format fmt, const tg_report *r, tg_error *err);
int        tg_report_format_parse(const char *name);   /* "md"/"markdown", "csv", "json"; -1 when unknown */

#endif
