/* What the store's files share: the handle, the statement cache and the SQLite-error helpers. */
#ifndef TG_STORE_INTERNAL_H
#define TG_STORE_INTERNAL_H

#include <sqlite3.h>
#include "store/store.h"

/* Cached statements, prepared on first use (SQLITE_PREPARE_PERSISTENT) and finalized on close. */
enum {
	STMT_DATA_VERSION,
	STMT_RUN_INSERT, STMT_RUN_STATUS, STMT_RUN_PROGRESS, STMT_RUN_PARAMS, STMT_RUN_DELETE, STMT_RUN_GET,
	STMT_RUN_LIST0,                                      /* + tg_run_order */
	STMT_SWEEP_INSERT = STMT_RUN_LIST0 + TG_ORDER_N, STMT_SWEEP_LINK,
	STMT_ARTIFACT_INSERT, STMT_ARTIFACT_LIST,
	STMT_STEP_INSERT, STMT_STEPS_SINCE,
	STMT_EVAL_INSERT, STMT_EVALS_ALL, STMT_EVALS_LATEST, STMT_EVALS_SELECTED,
	STMT_EVAL_BEST, STMT_EVAL_FIRST_METRIC, STMT_EVAL_UNSELECT, STMT_EVAL_SELECT,
	STMT_RUN_TAKE, STMT_RUN_HEARTBEAT, STMT_RUN_RELEASE, STMT_RUN_BY_NAME, STMT_RUN_REAP,
	STMT_N
};

struct tg_store {
	sqlite3      *db;
	char         *dir, *db_path, *ckpt_dir;
	int           flags;
	int           version;                 /* schema version of the open database */
	bool          in_tx;
	int64_t       gen, last_dv, last_tc;   /* tg_store_data_version */
	sqlite3_stmt *stmt[STMT_N];
};

/* store.c */
/* A cached statement, reset and with bindings cleared; NULL with err filled ("<db>: prepare <what>: <why>"). */
sqlite3_stmt *tg_store_stmt(tg_store *s, int id, const char *sql, tg_error *err);
/* errors.c: fill err with "<db>: <what>: <sqlite message>" and a hint for the known causes; returns TG_ERR. */
int  tg_store_fail(tg_store *s, tg_error *err, int rc, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int  tg_sqlite_fail(sqlite3 *db, const char *db_path, tg_error *err, int rc, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
int  tg_store_writable(tg_store *s, tg_error *err, const char *what);
int  tg_store_exec(tg_store *s, const char *sql, const char *what, tg_error *err);
double tg_store_wallclock(void);
/* Bind helpers: NULL text and NAN doubles become SQL NULL. */
int  tg_bind_text(sqlite3_stmt *st, int i, const char *v);
int  tg_bind_double(sqlite3_stmt *st, int i, double v);
char  *tg_col_strdup(sqlite3_stmt *st, int i);         /* NULL for SQL NULL */
double tg_col_double(sqlite3_stmt *st, int i);         /* NAN for SQL NULL */
void   tg_col_copy(sqlite3_stmt *st, int i, char *buf, size_t n);

/* metrics.c */
/* The best source-dev step on metric (NULL: the first source dev row's metric, copied to metric_out[32]);
 * *step = -1 when there are no source dev scores. */
int  tg_store_eval_best_step(tg_store *s, int64_t run_id, const char *metric, char *metric_out, int64_t *step,
                             tg_error *err);

/* schema.c */
int  tg_store_schema_migrate(sqlite3 *db, const char *db_path, int target, tg_error *err);
int  tg_store_schema_read(sqlite3 *db, const char *db_path, int *version, int *app_id, int *ntables, tg_error *err);

#endif
