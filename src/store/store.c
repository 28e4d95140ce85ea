/* Opening a workspace: the directory, tamga.db in WAL mode, schema checks and migration, the statement cache. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "store-internal.h"

int
tg_store_writable(tg_store *s, tg_error *err, const char *what)
{
	if (s == NULL)
		return tg_error_set(err, TG_E_ARG, "store: %s: no store (NULL)", what);
	if (s->flags & TG_STORE_READONLY) {
		tg_error_set(err, TG_E_STATE, "%s: %s: the store was opened read-only", s->db_path, what);
		return tg_error_hint(err, "open it without TG_STORE_READONLY to write");
	}
	return TG_OK;
}

/* ---- small helpers ----------------------------------------------------------------------------------------------- */

double
tg_store_wallclock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int
tg_bind_text(sqlite3_stmt *st, int i, const char *v)
{
	return v ? sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, i);
}

int
tg_bind_double(sqlite3_stmt *st, int i, double v)
{
	return isnan(v) ? sqlite3_bind_null(st, i) : sqlite3_bind_double(st, i, v);
}

char *
tg_col_strdup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? tg_xstrdup((const char *)t) : NULL;
}

double
tg_col_double(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? NAN : sqlite3_column_double(st, i);
}

void
tg_col_copy(sqlite3_stmt *st, int i, char *buf, size_t n)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	snprintf(buf, n, "%s", t ? (const char *)t : "");
}

sqlite3_stmt *
tg_store_stmt(tg_store *s, int id, const char *sql, tg_error *err)
{
	int rc;

	if (s->stmt[id] == NULL) {
		rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->stmt[id], NULL);
		if (rc != SQLITE_OK) {
			tg_store_fail(s, err, rc, "prepare statement %d", id);
			sqlite3_finalize(s->stmt[id]);
			s->stmt[id] = NULL;
			return NULL;
		}
	} else {
		sqlite3_reset(s->stmt[id]);
		sqlite3_clear_bindings(s->stmt[id]);
	}
	return s->stmt[id];
}

int
tg_store_exec(tg_store *s, const char *sql, const char *what, tg_error *err)
{
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? TG_OK : tg_store_fail(s, err, rc, "%s", what);
}

/* ---- open/close -------------------------------------------------------------------------------------------------- */

/* How long a connection waits for another's lock: SQLite's busy handler, and open's own retries (busy_wait). */
#define BUSY_TIMEOUT_MS 5000

static bool
is_busy(int rc)
{
	return (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED;
}

/* For the few steps that SQLite answers SQLITE_BUSY without calling the busy handler: sleep before retry number
 * 'tries' (1, 2, 4 ... 32 ms), or return false once BUSY_TIMEOUT_MS have passed since t0 (tg_now). */
static bool
busy_wait(double t0, int tries)
{
	if (1e3 * (tg_now() - t0) >= BUSY_TIMEOUT_MS)
		return false;
	sqlite3_sleep(1 << (tries < 5 ? tries : 5));
	return true;
}

static int
check_schema(tg_store *s, tg_error *err)
{
	int version, app_id, ntables, latest = tg_store_schema_latest();
	bool ro = s->flags & TG_STORE_READONLY;

	/* One read transaction, so that the three numbers come from one snapshot: read one by one, they could straddle
	 * another process's creation of the store (version 0 and application_id 0 read before its commit, its tables
	 * after) and a fresh store would look like another program's database. */
	if (tg_store_exec(s, "BEGIN", "open: begin", err) != TG_OK)
		return TG_ERR;
	if (tg_store_schema_read(s->db, s->db_path, &version, &app_id, &ntables, err) != TG_OK) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return TG_ERR;
	}
	if (tg_store_exec(s, "COMMIT", "open: end the schema read", err) != TG_OK)
		return TG_ERR;
	if (app_id != TG_STORE_APP_ID && (app_id != 0 || version != 0 || ntables != 0)) {
		tg_error_set(err, TG_E_FORMAT, "%s: open: an SQLite database, but not a tamga store (application_id %#x)",
		    s->db_path, (unsigned)app_id);
		return tg_error_hint(err, "another program's file is in the workspace; move it aside or pick another "
		    "workspace directory");
	}
	if (version > latest) {
		tg_error_set(err, TG_E_FORMAT, "%s: open: schema version %d is newer than this tamga knows (%d)",
		    s->db_path, version, latest);
		return tg_error_hint(err, "the workspace was written by a newer tamga; upgrade tamga to use it");
	}
	if (version < latest) {
		if (ro && version == 0) {
			tg_error_set(err, TG_E_STATE, "%s: open read-only: the store is empty (no schema yet)", s->db_path);
			return tg_error_hint(err, "nothing has been recorded in this workspace yet; start a run first");
		}
		if (ro) {
			tg_error_set(err, TG_E_STATE, "%s: open read-only: schema version %d needs an upgrade to %d",
			    s->db_path, version, latest);
			return tg_error_hint(err, "open the workspace once for writing (start or resume a run) to "
			    "upgrade it");
		}
	}
	s->version = version;
	return TG_OK;
}

/* WAL: readers in other processes never block the writer; NORMAL: a commit is in the WAL on return, which survives
 * a killed process (only a power cut can lose the last commits).
 *
 * Entering WAL rewrites the file header, so it needs the write lock, and SQLite asks for that lock without calling
 * the busy handler: the pragma has read the header first, and a reader that then wants the write lock is answered
 * SQLITE_BUSY at once (two such readers waiting for each other would deadlock). Several processes creating the same
 * store at once (tamga sweep's workers) all read the empty file and all want to convert it; all but one fail so.
 * Once the winner has committed, the others find the file in WAL mode and have nothing to write; so retry here, as
 * long as the busy handler would have waited. */
static int
set_wal(tg_store *s, tg_error *err)
{
	sqlite3_stmt *st = NULL;
	const char *mode;
	double t0 = tg_now();
	int rc, tries;

	rc = sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1, &st, NULL);
	for (tries = 0; rc == SQLITE_OK; tries++) {
		rc = sqlite3_step(st);
		if (!is_busy(rc) || !busy_wait(t0, tries))
			break;
		sqlite3_reset(st);
		rc = SQLITE_OK;
	}
	if (rc == SQLITE_ROW) {
		mode = (const char *)sqlite3_column_text(st, 0);
		if (mode == NULL || strcmp(mode, "wal") != 0) {
			tg_error_set(err, TG_E_IO, "%s: open: cannot switch to WAL mode (journal mode stays %s)",
			    s->db_path, mode ? mode : "?");
			tg_error_hint(err, "WAL needs shared memory; network file systems often lack it; put the "
			    "workspace on a local disk");
			sqlite3_finalize(st);
			return TG_ERR;
		}
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_OK ? TG_OK : tg_store_fail(s, err, rc, "open: set WAL mode");
}

/* A reader that cannot use the WAL: a WAL-mode database needs its -shm index, and a reader must create it when it
 * is missing, which fails in a directory it may not write (an archived or shared read-only workspace): SQLite
 * answers "disk I/O error" or "unable to open". With no WAL content to merge (no -wal file, or an empty one),
 * the database file alone is the whole store, and it can be read as immutable, without any lock or index. A
 * non-empty -wal holds commits that only the index can find, so that case stays an error, with a hint. */
static int
open_immutable(tg_store *s, tg_error *err)
{
	char wal[4200], *uri, *p;
	const char *c;
	struct stat sb;
	int rc;

	if (err != NULL && err->code != TG_E_IO)
		return TG_ERR;                 /* not an I/O failure (not a store, damaged...): keep that error */
	snprintf(wal, sizeof wal, "%s-wal", s->db_path);
	if (stat(wal, &sb) == 0 && sb.st_size > 0) {
		tg_error_hint(err, "the store's WAL (%s, %lld bytes) cannot be read without its index, which cannot be "
		    "created here; copy the workspace to a directory you may write, or let its owner open it once",
		    wal, (long long)sb.st_size);
		return TG_ERR;
	}
	/* file: URI, with the characters that URIs reserve percent-encoded */
	uri = tg_xmalloc(3 * strlen(s->db_path) + 32);
	p = uri + sprintf(uri, "file:");
	for (c = s->db_path; *c; c++)
		p += strchr("?#%", *c) ? sprintf(p, "%%%02X", (unsigned char)*c) : sprintf(p, "%c", *c);
	sprintf(p, "?immutable=1");
	sqlite3_close_v2(s->db);
	s->db = NULL;
	rc = sqlite3_open_v2(uri, &s->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, NULL);
	free(uri);
	if (rc != SQLITE_OK)
		return tg_store_fail(s, err, rc, "open read-only without the WAL index");
	sqlite3_extended_result_codes(s->db, 1);
	tg_error_clear(err);
	return TG_OK;
}

tg_store *
tg_store_open(const char *workspace_dir, int flags, tg_error *err)
{
	tg_store *s;
	struct stat sb;
	bool ro = flags & TG_STORE_READONLY;
	int rc, oflags;

	if (workspace_dir == NULL || workspace_dir[0] == '\0') {
		tg_error_set(err, TG_E_ARG, "store: open: no workspace directory given");
		return NULL;
	}
	if ((flags & TG_STORE_CREATE) && ro) {
		tg_error_set(err, TG_E_ARG, "%s: open: TG_STORE_CREATE and TG_STORE_READONLY exclude each other",
		    workspace_dir);
		return NULL;
	}
	s = tg_xcalloc(1, sizeof *s);
	s->flags = flags;
	s->dir = tg_xstrdup(workspace_dir);
	tg_xasprintf(&s->db_path, "%s/%s", workspace_dir, TG_STORE_DB_NAME);
	tg_xasprintf(&s->ckpt_dir, "%s/%s", workspace_dir, TG_STORE_CKPT_DIR);

	if (stat(workspace_dir, &sb) != 0) {
		if (errno != ENOENT || !(flags & TG_STORE_CREATE)) {
			tg_error_set(err, TG_E_IO, "%s: open workspace: %s", workspace_dir, strerror(errno));
			if (errno == ENOENT)
				tg_error_hint(err, "no workspace at this path; check it, or create one by starting a run "
				    "there");
			goto fail;
		}
		if (tg_mkdirs(workspace_dir, 0777) != 0) {
			tg_error_set(err, TG_E_IO, "%s: create workspace directory: %s", workspace_dir, strerror(errno));
			goto fail;
		}
	} else if (!S_ISDIR(sb.st_mode)) {
		tg_error_set(err, TG_E_ARG, "%s: open workspace: not a directory", workspace_dir);
		tg_error_hint(err, "a workspace is a directory holding %s and %s/", TG_STORE_DB_NAME, TG_STORE_CKPT_DIR);
		goto fail;
	}
	if (stat(s->db_path, &sb) != 0) {
		if (errno != ENOENT || !(flags & TG_STORE_CREATE)) {
			tg_error_set(err, TG_E_IO, "%s: open: %s", s->db_path, strerror(errno));
			if (errno == ENOENT)
				tg_error_hint(err, "%s is not a tamga workspace (no %s); check the path, or create it by "
				    "starting a run there", workspace_dir, TG_STORE_DB_NAME);
			goto fail;
		}
	} else if (!S_ISREG(sb.st_mode)) {
		tg_error_set(err, TG_E_FORMAT, "%s: open: not a regular file", s->db_path);
		tg_error_hint(err, "move it aside so that tamga can create its store there");
		goto fail;
	}
	if (!ro && mkdir(s->ckpt_dir, 0777) != 0 && errno != EEXIST) {
		tg_error_set(err, TG_E_IO, "%s: create checkpoint directory: %s", s->ckpt_dir, strerror(errno));
		goto fail;
	}

	oflags = (ro ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | (flags & TG_STORE_CREATE ? SQLITE_OPEN_CREATE : 0))
	    | SQLITE_OPEN_NOMUTEX;
	rc = sqlite3_open_v2(s->db_path, &s->db, oflags, NULL);
	if (rc != SQLITE_OK) {
		tg_store_fail(s, err, rc, "open");
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
	if (check_schema(s, err) != TG_OK) {
		if (!ro || open_immutable(s, err) != TG_OK || check_schema(s, err) != TG_OK)
			goto fail;
	}
	if (!ro) {
		if (set_wal(s, err) != TG_OK)
			goto fail;
		if (tg_store_exec(s, "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON", "open: pragmas", err)
		    != TG_OK)
			goto fail;
		if (s->version < tg_store_schema_latest()) {
			if (tg_store_schema_migrate(s->db, s->db_path, tg_store_schema_latest(), err) != TG_OK)
				goto fail;
			s->version = tg_store_schema_latest();
		}
	} else if (tg_store_exec(s, "PRAGMA query_only = ON", "open: pragmas", err) != TG_OK) {
		goto fail;
	}
	s->gen = 1;
	s->last_dv = -1;
	s->last_tc = -1;
	tg_store_data_version(s);
	return s;
fail:
	tg_store_close(s);
	return NULL;
}

void
tg_store_close(tg_store *s)
{
	int i;

	if (s == NULL)
		return;
	for (i = 0; i < STMT_N; i++)
		sqlite3_finalize(s->stmt[i]);
	if (s->in_tx)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close_v2(s->db);
	free(s->dir);
	free(s->db_path);
	free(s->ckpt_dir);
	free(s);
}

const char *tg_store_dir(const tg_store *s) { return s ? s->dir : NULL; }
const char *tg_store_db_path(const tg_store *s) { return s ? s->db_path : NULL; }
const char *tg_store_checkpoint_dir(const tg_store *s) { return s ? s->ckpt_dir : NULL; }
int tg_store_schema_version(const tg_store *s) { return s ? s->version : 0; }
bool tg_store_readonly(const tg_store *s) { return s && (s->flags & TG_STORE_READONLY); }

/* ---- transactions ------------------------------------------------------------------------------------------------ */

int
tg_store_begin(tg_store *s, tg_error *err)
{
	if (tg_store_writable(s, err, "begin") != TG_OK)
		return TG_ERR;
	if (s->in_tx)
		return tg_error_set(err, TG_E_STATE, "%s: begin: a transaction is already open", s->db_path);
	/* IMMEDIATE takes the write lock now (waiting up to the busy timeout) instead of failing at the first write. */
	if (tg_store_exec(s, "BEGIN IMMEDIATE", "begin", err) != TG_OK)
		return TG_ERR;
	s->in_tx = true;
	return TG_OK;
}

int
tg_store_commit(tg_store *s, tg_error *err)
{
	if (s == NULL)
		return tg_error_set(err, TG_E_ARG, "store: commit: no store (NULL)");
	if (!s->in_tx)
		return tg_error_set(err, TG_E_STATE, "%s: commit: no transaction is open", s->db_path);
	if (tg_store_exec(s, "COMMIT", "commit", err) != TG_OK)
		return TG_ERR;               /* still open: retry the commit or roll back */
	s->in_tx = false;
	return TG_OK;
}

void
tg_store_rollback(tg_store *s)
{
	if (s != NULL && s->in_tx) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		s->in_tx = false;
	}
}

/* ---- polling and checks ------------------------------------------------------------------------------------------ */

/* PRAGMA data_version changes when another connection commits; total_changes when this one writes. */
int64_t
tg_store_data_version(tg_store *s)
{
	sqlite3_stmt *st;
	int64_t dv, tc;

	if (s == NULL || (st = tg_store_stmt(s, STMT_DATA_VERSION, "PRAGMA data_version", NULL)) == NULL)
		return -1;
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return -1;
	}
	dv = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	tc = sqlite3_total_changes64(s->db);
	if (dv != s->last_dv || tc != s->last_tc) {
		s->gen++;
		s->last_dv = dv;
		s->last_tc = tc;
	}
	return s->gen;
}

bool
tg_store_changed_since(tg_store *s, int64_t data_version)
{
	int64_t now = tg_store_data_version(s);

	return now < 0 || now != data_version;
}

int
tg_store_check(tg_store *s, bool full, tg_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc;
	const char *what = full ? "integrity check" : "quick check";

	if (s == NULL)
		return tg_error_set(err, TG_E_ARG, "store: check: no store (NULL)");
	rc = sqlite3_prepare_v2(s->db, full ? "PRAGMA integrity_check(1)" : "PRAGMA quick_check(1)", -1, &st, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *res = (const char *)sqlite3_column_text(st, 0);

		if (res == NULL || strcmp(res, "ok") != 0) {
			tg_error_set(err, TG_E_FORMAT, "%s: %s: %s", s->db_path, what, res ? res : "no answer");
			tg_error_hint(err, "the database is damaged; try `sqlite3 %s .recover`, or move it aside",
			    s->db_path);
			sqlite3_finalize(st);
			return TG_ERR;
		}
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_OK ? TG_OK : tg_store_fail(s, err, rc, "%s", what);
}
