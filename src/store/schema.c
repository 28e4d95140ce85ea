/* The store's schema as an ordered list of migrations; PRAGMA user_version counts the ones applied.
 *
 * Never edit a released step: add a new one at the end. Each step runs in its own BEGIN IMMEDIATE transaction that
 * re-reads user_version first, so two processes opening an old workspace at once migrate it exactly once.
 */
#include <string.h>
#include "store-internal.h"

static const char *const migrations[] = {
	/* 1: runs, training steps, evaluations, artifacts. */
	"CREATE TABLE runs ("
	"  id               INTEGER PRIMARY KEY,"
	"  created          REAL NOT NULL,"
	"  updated          REAL NOT NULL,"
	"  name             TEXT NOT NULL DEFAULT '',"
	"  status           TEXT NOT NULL DEFAULT 'queued'"
	"                   CHECK (status IN ('queued','running','paused','done','failed','cancelled')),"
	"  config           TEXT NOT NULL DEFAULT '{}',"
	"  model TEXT, method TEXT, layers TEXT, task TEXT, source TEXT, targets TEXT,"
	"  seed             INTEGER NOT NULL DEFAULT 0,"
	"  trainable_params INTEGER, total_params INTEGER, flops_per_step REAL,"
	"  steps_done       INTEGER NOT NULL DEFAULT 0,"
	"  steps_total      INTEGER NOT NULL DEFAULT 0,"
	"  tokens_per_s     REAL, pid INTEGER, host TEXT, error TEXT);"
	"CREATE INDEX runs_created ON runs(created);"
	"CREATE INDEX runs_updated ON runs(updated);"
	"CREATE INDEX runs_status ON runs(status);"
	"CREATE INDEX runs_task_method ON runs(task, method);"
	"CREATE TABLE steps ("
	"  run_id    INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  step      INTEGER NOT NULL,"
	"  loss REAL, lr REAL, grad_norm REAL, tokens_per_s REAL, elapsed_s REAL,"
	"  time      REAL NOT NULL,"
	"  PRIMARY KEY (run_id, step)) WITHOUT ROWID;"
	"CREATE TABLE evals ("
	"  id        INTEGER PRIMARY KEY,"
	"  run_id    INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  step      INTEGER NOT NULL,"
	"  split     TEXT NOT NULL CHECK (split IN ('dev','test')),"
	"  lang      TEXT NOT NULL,"
	"  metric    TEXT NOT NULL,"
	"  score REAL, ci_low REAL, ci_high REAL, n_items INTEGER,"
	"  is_source INTEGER NOT NULL DEFAULT 0,"
	"  selected  INTEGER NOT NULL DEFAULT 0,"
	"  time      REAL NOT NULL,"
	"  UNIQUE (run_id, split, lang, metric, step));"
	"CREATE INDEX evals_selected ON evals(run_id, selected);"
	"CREATE TABLE artifacts ("
	"  id        INTEGER PRIMARY KEY,"
	"  run_id    INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  kind      TEXT NOT NULL,"
	"  path      TEXT NOT NULL,"
	"  created   REAL NOT NULL);"
	"CREATE INDEX artifacts_run ON artifacts(run_id);",

	/* 2: sweeps (a named grid of runs) and the run -> sweep link. */
	"CREATE TABLE sweeps ("
	"  id        INTEGER PRIMARY KEY,"
	"  name      TEXT NOT NULL,"
	"  spec      TEXT NOT NULL DEFAULT '{}',"
	"  created   REAL NOT NULL);"
	"ALTER TABLE runs ADD COLUMN sweep_id INTEGER REFERENCES sweeps(id) ON DELETE SET NULL;"
	"CREATE INDEX runs_sweep ON runs(sweep_id);",

	/* 3: the lease heartbeat of a running run (runs.c: leases), and an index for exact names (sweep points). */
	"ALTER TABLE runs ADD COLUMN heartbeat REAL;"
	"CREATE INDEX runs_name ON runs(name);",

	/* 4: each evaluation's chance level (the majority baseline of its set), for TTC; NULL in older rows. */
	"ALTER TABLE evals ADD COLUMN chance REAL;",

	/* 5: a running run's remaining time as its trainer estimates it (tg_eta), for every front end. */
	"ALTER TABLE runs ADD COLUMN eta_s REAL;",
};

#define NMIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

int
tg_store_schema_latest(void)
{
	return NMIGRATIONS;
}

static int
pragma_int(sqlite3 *db, const char *db_path, const char *what, const char *sql, int *out, tg_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			*out = sqlite3_column_int(st, 0);
			rc = SQLITE_OK;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_OK)
		return tg_sqlite_fail(db, db_path, err, rc, "%s", what);
	return TG_OK;
}

/* The first read of the file: a non-SQLite file fails here with SQLITE_NOTADB. */
int
tg_store_schema_read(sqlite3 *db, const char *db_path, int *version, int *app_id, int *ntables, tg_error *err)
{
	if (pragma_int(db, db_path, "open", "PRAGMA user_version", version, err) != TG_OK ||
	    pragma_int(db, db_path, "open", "PRAGMA application_id", app_id, err) != TG_OK ||
	    pragma_int(db, db_path, "open", "SELECT count(*) FROM sqlite_master", ntables, err) != TG_OK)
		return TG_ERR;
	return TG_OK;
}

/* Apply steps until user_version == target (target <= latest). */
int
tg_store_schema_migrate(sqlite3 *db, const char *db_path, int target, tg_error *err)
{
	int v, rc;
	char *msg = NULL;
	char sql[64];

	if (target < 0 || target > NMIGRATIONS)
		return tg_error_set(err, TG_E_ARG, "%s: migrate: no schema version %d (latest %d)", db_path, target,
		    NMIGRATIONS);
	for (;;) {
		rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		if (rc != SQLITE_OK)
			return tg_sqlite_fail(db, db_path, err, rc, "migrate: begin");
		if (pragma_int(db, db_path, "migrate: read the schema version", "PRAGMA user_version", &v, err) != TG_OK)
			goto fail;
		if (v >= target)
			break;
		rc = sqlite3_exec(db, migrations[v], NULL, NULL, &msg);
		if (rc == SQLITE_OK && v == 0) {
			snprintf(sql, sizeof sql, "PRAGMA application_id = %d", TG_STORE_APP_ID);
			rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
		}
		if (rc == SQLITE_OK) {
			snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v + 1);
			rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
		}
		if (rc != SQLITE_OK) {
			tg_error_set(err, TG_E_IO, "%s: migrate schema %d -> %d: %s", db_path, v, v + 1,
			    msg ? msg : sqlite3_errstr(rc));
			sqlite3_free(msg);
			goto fail;
		}
		rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			tg_sqlite_fail(db, db_path, err, rc, "migrate schema %d -> %d: commit", v, v + 1);
			goto fail;
		}
	}
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	return TG_OK;
fail:
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return TG_ERR;
}
