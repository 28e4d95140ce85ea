/* Training steps and evaluation rows; choosing the checkpoint on the source dev set. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "store-internal.h"

static const char *const split_names[] = { "dev", "test" };

const char *
tg_split_name(tg_split sp)
{
	return (unsigned)sp < 2 ? split_names[sp] : "?";
}

void
tg_step_row_init(tg_step_row *r)
{
	memset(r, 0, sizeof *r);
	r->loss = r->lr = r->grad_norm = r->tokens_per_s = r->elapsed_s = NAN;
}

void
tg_eval_row_init(tg_eval_row *r)
{
	memset(r, 0, sizeof *r);
	r->score = r->ci_low = r->ci_high = r->chance = NAN;
}

/* ---- steps ------------------------------------------------------------------------------------------------------- */

int
tg_store_step_add(tg_store *s, int64_t run_id, const tg_step_row *row, tg_error *err)
{
	static const char sql[] =
	    "INSERT OR REPLACE INTO steps (run_id, step, loss, lr, grad_norm, tokens_per_s, elapsed_s, time)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
	sqlite3_stmt *st;
	int rc;

	if (tg_store_writable(s, err, "insert step") != TG_OK)
		return TG_ERR;
	if (row == NULL)
		return tg_error_set(err, TG_E_ARG, "%s: insert step of run %lld: no row (NULL)", s->db_path,
		    (long long)run_id);
	if ((st = tg_store_stmt(s, STMT_STEP_INSERT, sql, err)) == NULL)
		return TG_ERR;
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_int64(st, 2, row->step);
	tg_bind_double(st, 3, row->loss);
	tg_bind_double(st, 4, row->lr);
	tg_bind_double(st, 5, row->grad_norm);
	tg_bind_double(st, 6, row->tokens_per_s);
	tg_bind_double(st, 7, row->elapsed_s);
	sqlite3_bind_double(st, 8, row->time > 0 ? row->time : tg_store_wallclock());
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return tg_store_fail(s, err, rc, "insert step %lld of run %lld", (long long)row->step, (long long)run_id);
	return TG_OK;
}

int
tg_store_steps_since(tg_store *s, int64_t run_id, int64_t after_step, int max_rows, tg_step_row **rows, int *n,
                     tg_error *err)
{
	static const char sql[] =
	    "SELECT step, loss, lr, grad_norm, tokens_per_s, elapsed_s, time FROM steps"
	    " WHERE run_id = ?1 AND step > ?2 ORDER BY step LIMIT ?3";
	sqlite3_stmt *st;
	tg_step_row *out = NULL;
	int rc, len = 0, cap = 0;

	if (rows != NULL)
		*rows = NULL;
	if (n != NULL)
		*n = 0;
	if (s == NULL || rows == NULL || n == NULL)
		return tg_error_set(err, TG_E_ARG, "store: read steps: NULL argument");
	if ((st = tg_store_stmt(s, STMT_STEPS_SINCE, sql, err)) == NULL)
		return TG_ERR;
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_int64(st, 2, after_step);
	sqlite3_bind_int64(st, 3, max_rows > 0 ? max_rows : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		tg_step_row *r;

		if (len == cap)
			out = tg_xrealloc(out, (cap = cap ? 2 * cap : 256) * sizeof *out);
		r = &out[len++];
		r->step = sqlite3_column_int64(st, 0);
		r->loss = tg_col_double(st, 1);
		r->lr = tg_col_double(st, 2);
		r->grad_norm = tg_col_double(st, 3);
		r->tokens_per_s = tg_col_double(st, 4);
		r->elapsed_s = tg_col_double(st, 5);
		r->time = tg_col_double(st, 6);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(out);
		return tg_store_fail(s, err, rc, "read steps of run %lld after step %lld", (long long)run_id,
		    (long long)after_step);
	}
	*rows = out;
	*n = len;
	return TG_OK;
}

/* ---- evaluations ------------------------------------------------------------------------------------------------- */

int
tg_store_eval_add(tg_store *s, int64_t run_id, const tg_eval_row *row, tg_error *err)
{
	/* An upsert keeps the row's id (first-reported order) and its selected flag. */
	static const char sql[] =
	    "INSERT INTO evals (run_id, step, split, lang, metric, score, ci_low, ci_high, n_items, is_source, time,"
	    " chance) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
	    " ON CONFLICT (run_id, split, lang, metric, step) DO UPDATE SET score = excluded.score,"
	    " ci_low = excluded.ci_low, ci_high = excluded.ci_high, n_items = excluded.n_items,"
	    " is_source = excluded.is_source, time = excluded.time, chance = excluded.chance";
	sqlite3_stmt *st;
	int rc;

	if (tg_store_writable(s, err, "insert evaluation") != TG_OK)
		return TG_ERR;
	if (row == NULL)
		return tg_error_set(err, TG_E_ARG, "%s: insert evaluation of run %lld: no row (NULL)", s->db_path,
		    (long long)run_id);
	if ((unsigned)row->split > TG_SPLIT_TEST || row->lang[0] == '\0' || row->metric[0] == '\0' ||
	    memchr(row->lang, '\0', sizeof row->lang) == NULL || memchr(row->metric, '\0', sizeof row->metric) == NULL)
		return tg_error_set(err, TG_E_ARG, "%s: insert evaluation at step %lld of run %lld: split, lang and "
		    "metric are required", s->db_path, (long long)row->step, (long long)run_id);
	if ((st = tg_store_stmt(s, STMT_EVAL_INSERT, sql, err)) == NULL)
		return TG_ERR;
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_int64(st, 2, row->step);
	sqlite3_bind_text(st, 3, split_names[row->split], -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, row->lang, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, row->metric, -1, SQLITE_TRANSIENT);
	tg_bind_double(st, 6, row->score);
	tg_bind_double(st, 7, row->ci_low);
	tg_bind_double(st, 8, row->ci_high);
	if (row->n_items > 0)
		sqlite3_bind_int64(st, 9, row->n_items);
	sqlite3_bind_int(st, 10, row->is_source);
	sqlite3_bind_double(st, 11, row->time > 0 ? row->time : tg_store_wallclock());
	tg_bind_double(st, 12, row->chance);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return tg_store_fail(s, err, rc, "insert %s %s %s at step %lld of run %lld", row->lang,
		    split_names[row->split], row->metric, (long long)row->step, (long long)run_id);
	return TG_OK;
}

#define EVAL_COLS "step, split, lang, metric, score, ci_low, ci_high, n_items, is_source, selected, time, chance"

int
tg_store_evals(tg_store *s, int64_t run_id, tg_evals_which which, tg_eval_row **rows, int *n, tg_error *err)
{
	static const char *const sql[] = {
		"SELECT " EVAL_COLS " FROM evals WHERE run_id = ?1 ORDER BY step, split, is_source DESC, lang, metric",
		"SELECT " EVAL_COLS " FROM evals e WHERE run_id = ?1 AND step = (SELECT max(step) FROM evals f"
		" WHERE f.run_id = e.run_id AND f.split = e.split AND f.lang = e.lang AND f.metric = e.metric)"
		" ORDER BY split, is_source DESC, lang, metric",
		"SELECT " EVAL_COLS " FROM evals WHERE run_id = ?1 AND selected"
		" ORDER BY split, is_source DESC, lang, metric",
	};
	static const int ids[] = { STMT_EVALS_ALL, STMT_EVALS_LATEST, STMT_EVALS_SELECTED };
	sqlite3_stmt *st;
	tg_eval_row *out = NULL;
	int rc, len = 0, cap = 0;

	if (rows != NULL)
		*rows = NULL;
	if (n != NULL)
		*n = 0;
	if (s == NULL || rows == NULL || n == NULL)
		return tg_error_set(err, TG_E_ARG, "store: read evaluations: NULL argument");
	if ((unsigned)which > TG_EVALS_SELECTED)
		return tg_error_set(err, TG_E_ARG, "%s: read evaluations: selection %d out of range", s->db_path,
		    (int)which);
	if ((st = tg_store_stmt(s, ids[which], sql[which], err)) == NULL)
		return TG_ERR;
	sqlite3_bind_int64(st, 1, run_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		tg_eval_row *r;
		const char *sp = (const char *)sqlite3_column_text(st, 1);

		if (len == cap)
			out = tg_xrealloc(out, (cap = cap ? 2 * cap : 64) * sizeof *out);
		r = &out[len++];
		tg_eval_row_init(r);
		r->step = sqlite3_column_int64(st, 0);
		r->split = sp && strcmp(sp, "test") == 0 ? TG_SPLIT_TEST : TG_SPLIT_DEV;
		tg_col_copy(st, 2, r->lang, sizeof r->lang);
		tg_col_copy(st, 3, r->metric, sizeof r->metric);
		r->score = tg_col_double(st, 4);
		r->ci_low = tg_col_double(st, 5);
		r->ci_high = tg_col_double(st, 6);
		r->n_items = sqlite3_column_int64(st, 7);
		r->is_source = sqlite3_column_int(st, 8) != 0;
		r->selected = sqlite3_column_int(st, 9) != 0;
		r->time = tg_col_double(st, 10);
		r->chance = tg_col_double(st, 11);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(out);
		return tg_store_fail(s, err, rc, "read evaluations of run %lld", (long long)run_id);
	}
	*rows = out;
	*n = len;
	return TG_OK;
}

/* ---- checkpoint selection ---------------------------------------------------------------------------------------- */

int
tg_store_eval_best_step(tg_store *s, int64_t run_id, const char *metric, char *metric_out, int64_t *step,
                        tg_error *err)
{
	sqlite3_stmt *st;
	char m[32];
	int rc;

	*step = -1;
	if (metric == NULL) {
		st = tg_store_stmt(s, STMT_EVAL_FIRST_METRIC, "SELECT metric FROM evals WHERE run_id = ?1 AND is_source"
		    " AND split = 'dev' AND score IS NOT NULL ORDER BY id LIMIT 1", err);
		if (st == NULL)
			return TG_ERR;
		sqlite3_bind_int64(st, 1, run_id);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			tg_col_copy(st, 0, m, sizeof m);
		sqlite3_reset(st);
		if (rc == SQLITE_DONE)
			return TG_OK;
		if (rc != SQLITE_ROW)
			return tg_store_fail(s, err, rc, "choose the checkpoint of run %lld", (long long)run_id);
		metric = m;
	}
	if (metric_out != NULL)
		snprintf(metric_out, 32, "%s", metric);
	/* Higher is better for every metric tamga reports; ties go to the earliest step. */
	st = tg_store_stmt(s, STMT_EVAL_BEST, "SELECT step FROM evals WHERE run_id = ?1 AND is_source AND split = 'dev'"
	    " AND metric = ?2 AND score IS NOT NULL ORDER BY score DESC, step LIMIT 1", err);
	if (st == NULL)
		return TG_ERR;
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_text(st, 2, metric, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*step = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return tg_store_fail(s, err, rc, "choose the checkpoint of run %lld", (long long)run_id);
	return TG_OK;
}

int
tg_store_eval_select(tg_store *s, int64_t run_id, int64_t step, tg_error *err)
{
	sqlite3_stmt *st;
	int rc, changed;

	if (tg_store_writable(s, err, "select checkpoint") != TG_OK)
		return TG_ERR;
	/* A savepoint makes the flag move atomically, inside or outside a tg_store_begin transaction. */
	if (tg_store_exec(s, "SAVEPOINT tg_select", "select checkpoint: begin", err) != TG_OK)
		return TG_ERR;
	if ((st = tg_store_stmt(s, STMT_EVAL_UNSELECT, "UPDATE evals SET selected = 0 WHERE run_id = ?1 AND selected",
	    err)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, run_id);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		tg_store_fail(s, err, rc, "select step %lld of run %lld", (long long)step, (long long)run_id);
		goto fail;
	}
	if ((st = tg_store_stmt(s, STMT_EVAL_SELECT, "UPDATE evals SET selected = 1 WHERE run_id = ?1 AND step = ?2",
	    err)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_int64(st, 2, step);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	changed = sqlite3_changes(s->db);
	if (rc != SQLITE_DONE) {
		tg_store_fail(s, err, rc, "select step %lld of run %lld", (long long)step, (long long)run_id);
		goto fail;
	}
	if (changed == 0) {
		tg_error_set(err, TG_E_ARG, "%s: select step %lld of run %lld: no evaluations at that step", s->db_path,
		    (long long)step, (long long)run_id);
		goto fail;
	}
	return tg_store_exec(s, "RELEASE tg_select", "select checkpoint: commit", err);
fail:
	sqlite3_exec(s->db, "ROLLBACK TO tg_select; RELEASE tg_select", NULL, NULL, NULL);
	return TG_ERR;
}

int
tg_store_eval_select_best(tg_store *s, int64_t run_id, const char *metric, int64_t *step, tg_error *err)
{
	int64_t best;

	if (tg_store_writable(s, err, "select checkpoint") != TG_OK)
		return TG_ERR;
	if (tg_store_eval_best_step(s, run_id, metric, NULL, &best, err) != TG_OK)
		return TG_ERR;
	if (best < 0) {
		tg_error_set(err, TG_E_STATE, "%s: select checkpoint of run %lld: no source dev scores%s%s", s->db_path,
		    (long long)run_id, metric ? " for " : "", metric ? metric : "");
		return tg_error_hint(err, "evaluate the source language's dev split (is_source, split dev) during "
		    "training; zero-shot selection must not look at the targets");
	}
	if (tg_store_eval_select(s, run_id, best, err) != TG_OK)
		return TG_ERR;
	if (step != NULL)
		*step = best;
	return TG_OK;
}
