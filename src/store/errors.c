/* SQLite failures as tg_error: "<db>: <what>: <sqlite message>" and a hint for the known causes (busy, full disk,
 * damaged file, ...). Used by the store's files and by the schema migration. */
#include <stdarg.h>
#include <stdio.h>
#include "store-internal.h"

static void
hint_for(tg_error *err, int rc, const char *db_path)
{
	if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) {
		tg_error_hint(err, "the run or sweep id is not in this store (deleted, or from another workspace)");
		return;
	}
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		tg_error_hint(err, "another process held the store's write lock for over 5 s; retry, "
		    "or look for a stuck tamga process writing to this workspace");
		break;
	case SQLITE_NOTADB:
		tg_error_hint(err, "%s is not an SQLite database (overwritten or not a tamga workspace); "
		    "move it aside and open the workspace again to start a new store", db_path);
		break;
	case SQLITE_CORRUPT:
		tg_error_hint(err, "the database is damaged; try `sqlite3 %s .recover`, or move it aside", db_path);
		break;
	case SQLITE_READONLY:
		tg_error_hint(err, "the store is read-only here (opened for viewing, or no write permission on "
		    "the file or its directory)");
		break;
	case SQLITE_FULL:
		tg_error_hint(err, "the disk is full; free some space and retry");
		break;
	case SQLITE_CANTOPEN:
	case SQLITE_PERM:
		tg_error_hint(err, "check that the workspace directory exists and that you may read and write it");
		break;
	case SQLITE_IOERR:
		tg_error_hint(err, "an I/O error from the file system; check the disk (dmesg) and free space");
		break;
	default:
		break;
	}
}

static int
vfail(sqlite3 *db, const char *db_path, tg_error *err, int rc, const char *fmt, va_list ap)
{
	char what[256];
	const char *why;

	if (err == NULL)
		return TG_ERR;
	vsnprintf(what, sizeof what, fmt, ap);
	/* The connection's message is more precise ("no such table: runs") when it belongs to this failure. */
	why = db != NULL && sqlite3_extended_errcode(db) == rc ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
	tg_error_set(err, (rc & 0xff) == SQLITE_NOMEM ? TG_E_NOMEM :
	    (rc & 0xff) == SQLITE_NOTADB || (rc & 0xff) == SQLITE_CORRUPT ? TG_E_FORMAT :
	    (rc & 0xff) == SQLITE_CONSTRAINT || (rc & 0xff) == SQLITE_MISUSE ? TG_E_ARG : TG_E_IO,
	    "%s: %s: %s", db_path, what, why);
	hint_for(err, rc, db_path);
	return TG_ERR;
}

int
tg_sqlite_fail(sqlite3 *db, const char *db_path, tg_error *err, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(db, db_path, err, rc, fmt, ap);
	va_end(ap);
	return TG_ERR;
}

int
tg_store_fail(tg_store *s, tg_error *err, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(s->db, s->db_path, err, rc, fmt, ap);
	va_end(ap);
	return TG_ERR;
}

