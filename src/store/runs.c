/* Runs (status, progress, config JSON), sweeps and artifacts. */
#include <errno.h>
#include <stdio.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/types.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>
#include "store-internal.h"

static const char *const status_names[TG_RUN_NSTATUS] = {
	"queued", "running", "paused", "done", "failed", "cancelled"
};

const char *
tg_run_status_name(tg_run_status st)
{
	return (unsigned)st < TG_RUN_NSTATUS ? status_names[st] : "?";
}

int
tg_run_status_parse(const char *name)
{
	int i;

	for (i = 0; name != NULL && i < TG_RUN_NSTATUS; i++)
		if (strcmp(name, status_names[i]) == 0)
			return i;
	return -1;
}

void
tg_run_info_init(tg_run_info *r)
{
	memset(r, 0, sizeof *r);
	r->created = r->updated = NAN;
	r->flops_per_step = NAN;
	r->tokens_per_s = NAN;
	r->eta_s = NAN;
	r->heartbeat = NAN;
}

void
tg_run_info_clear(tg_run_info *r)
{
	if (r == NULL)
		return;
	free(r->name);
	free(r->config);
	free(r->model);
	free(r->method);
	free(r->layers);
	free(r->task);
	free(r->source);
	free(r->targets);
	free(r->host);
	free(r->error);
	tg_run_info_init(r);
}

void
tg_run_list_free(tg_run_info *runs, int n)
{
	int i;

	for (i = 0; runs != NULL && i < n; i++)
		tg_run_info_clear(&runs[i]);
	free(runs);
}

/* ---- config JSON ------------------------------------------------------------------------------------------------- */

/* A string field from the config: a string as is, an array of strings or integers joined with commas. */
static char *
config_text(json_t *cfg, const char *key)
{
	json_t *v = cfg ? json_object_get(cfg, key) : NULL, *e;
	size_t i, len = 0, cap = 64;
	char *out, buf[32];

	if (json_is_string(v))
		return tg_xstrdup(json_string_value(v));
	if (!json_is_array(v) || json_array_size(v) == 0)
		return NULL;
	out = tg_xmalloc(cap);
	out[0] = '\0';
	json_array_foreach(v, i, e) {
		const char *t;

		if (json_is_string(e))
			t = json_string_value(e);
		else if (json_is_integer(e))
			snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(e)), t = buf;
		else
			continue;
		while (len + strlen(t) + 2 > cap)
			out = tg_xrealloc(out, cap *= 2);
		len += sprintf(out + len, "%s%s", len ? "," : "", t);
	}
	return out;
}

/* JSON text with every real number written as the shortest decimal that reads back as the same double (%.15g,
 * %.16g or %.17g): jansson writes %.17g, so 0.0005 became 0.00050000000000000001. Strings are copied as they are. */
static char *
json_shortest_reals(const char *in)
{
	size_t n = strlen(in), o = 0;
	char *out = tg_xmalloc(n + 1);
	const char *p = in;

	while (*p) {
		if (*p == '"') {                       /* a string, with its escapes */
			out[o++] = *p++;
			while (*p && *p != '"') {
				if (*p == '\\' && p[1])
					out[o++] = *p++;
				out[o++] = *p++;
			}
			if (*p)
				out[o++] = *p++;
		} else if (*p == '-' || (*p >= '0' && *p <= '9')) {
			const char *q = p;
			char num[64], best[64];
			bool real = false;
			while (*q && strchr("0123456789+-.eE", *q)) {
				real = real || *q == '.' || *q == 'e' || *q == 'E';
				q++;
			}
			if (real && (size_t)(q - p) < sizeof num) {
				double v;
				memcpy(num, p, (size_t)(q - p));
				num[q - p] = '\0';
				v = strtod(num, NULL);
				snprintf(best, sizeof best, "%s", num);
				for (int prec = 15; prec <= 17; prec++) {
					snprintf(num, sizeof num, "%.*g", prec, v);
					if (strtod(num, NULL) == v) {
						if (!strpbrk(num, ".eE") && strlen(num) + 2 < sizeof num)
							strcat(num, ".0");          /* still a real */
						if (strlen(num) <= strlen(best))
							snprintf(best, sizeof best, "%s", num);
						break;
					}
				}
				memcpy(out + o, best, strlen(best));
				o += strlen(best);
			} else {
				memcpy(out + o, p, (size_t)(q - p));
				o += (size_t)(q - p);
			}
			p = q;
		} else
			out[o++] = *p++;
	}
	out[o] = '\0';
	return out;
}

/* Parse, check it is an object, and re-serialize compact with sorted keys (equal configs compare equal), reals in
 * their shortest form. */
static int
config_normalize(tg_store *s, const char *text, const char *what, json_t **cfg, char **norm, tg_error *err)
{
	json_error_t je;

	*cfg = NULL;
	*norm = NULL;
	if (text == NULL || text[0] == '\0')
		text = "{}";
	*cfg = json_loads(text, JSON_REJECT_DUPLICATES, &je);
	if (*cfg == NULL) {
		tg_error_set(err, TG_E_FORMAT, "%s: %s: config JSON line %d column %d: %s", s->db_path, what, je.line,
		    je.column, je.text);
		return tg_error_hint(err, "the config must be one JSON object, e.g. {\"method\": \"lora\", \"rank\": 8}");
	}
	if (!json_is_object(*cfg)) {
		json_decref(*cfg);
		*cfg = NULL;
		tg_error_set(err, TG_E_FORMAT, "%s: %s: config JSON is not an object", s->db_path, what);
		return tg_error_hint(err, "wrap the settings in {...}");
	}
	*norm = json_dumps(*cfg, JSON_COMPACT | JSON_SORT_KEYS);
	if (*norm != NULL) {
		char *sh = json_shortest_reals(*norm);
		free(*norm);
		*norm = sh;
	}
	if (*norm == NULL) {
		json_decref(*cfg);
		*cfg = NULL;
		return tg_error_set(err, TG_E_NOMEM, "%s: %s: cannot serialize the config", s->db_path, what);
	}
	return TG_OK;
}

/* ---- writes ------------------------------------------------------------------------------------------------------ */

static void
bind_count(sqlite3_stmt *st, int i, int64_t v)
{
	if (v > 0)
		sqlite3_bind_int64(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

int
tg_store_run_new(tg_store *s, const tg_run_info *info, int64_t *id, tg_error *err)
{
	static const char sql[] =
	    "INSERT INTO runs (created, updated, name, status, config, model, method, layers, task, source, targets,"
	    " seed, trainable_params, total_params, flops_per_step, steps_done, steps_total, tokens_per_s, pid, host,"
	    " error, sweep_id)"
	    " VALUES (?1, ?1, coalesce(?2, 'run-' || (SELECT coalesce(max(id), 0) + 1 FROM runs)), ?3, ?4, ?5, ?6, ?7,"
	    " ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)";
	static const char *const keys[] = { "name", "model", "method", "layers", "task", "source", "targets" };
	const char *given[7];
	char *from_cfg[7] = { NULL };
	char what[160];
	json_t *cfg = NULL, *jseed;
	char *norm = NULL;
	sqlite3_stmt *st;
	int64_t seed;
	int i, rc, ret = TG_ERR;

	if (tg_store_writable(s, err, "insert run") != TG_OK)
		return TG_ERR;
	if (info == NULL)
		return tg_error_set(err, TG_E_ARG, "%s: insert run: no run info (NULL)", s->db_path);
	snprintf(what, sizeof what, "insert run '%s'", info->name ? info->name : "(unnamed)");
	if ((unsigned)info->status >= TG_RUN_NSTATUS)
		return tg_error_set(err, TG_E_ARG, "%s: %s: status %d out of range", s->db_path, what, (int)info->status);
	if (config_normalize(s, info->config, what, &cfg, &norm, err) != TG_OK)
		return TG_ERR;
	given[0] = info->name;
	given[1] = info->model;
	given[2] = info->method;
	given[3] = info->layers;
	given[4] = info->task;
	given[5] = info->source;
	given[6] = info->targets;
	for (i = 0; i < 7; i++)
		if (given[i] == NULL)
			given[i] = from_cfg[i] = config_text(cfg, keys[i]);
	seed = info->seed;
	if (seed == 0 && json_is_integer(jseed = json_object_get(cfg, "seed")))
		seed = json_integer_value(jseed);

	if ((st = tg_store_stmt(s, STMT_RUN_INSERT, sql, err)) == NULL)
		goto out;
	sqlite3_bind_double(st, 1, tg_store_wallclock());
	tg_bind_text(st, 2, given[0]);
	sqlite3_bind_text(st, 3, status_names[info->status], -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, norm, -1, SQLITE_STATIC);
	for (i = 1; i < 7; i++)
		tg_bind_text(st, 4 + i, given[i]);
	sqlite3_bind_int64(st, 11, seed);
	bind_count(st, 12, info->trainable_params);
	bind_count(st, 13, info->total_params);
	tg_bind_double(st, 14, info->flops_per_step > 0 ? info->flops_per_step : NAN);
	sqlite3_bind_int64(st, 15, info->steps_done);
	sqlite3_bind_int64(st, 16, info->steps_total);
	tg_bind_double(st, 17, info->tokens_per_s);
	bind_count(st, 18, info->pid);
	tg_bind_text(st, 19, info->host);
	tg_bind_text(st, 20, info->error);
	bind_count(st, 21, info->sweep_id);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		tg_store_fail(s, err, rc, "%s", what);
		goto out;
	}
	if (id != NULL)
		*id = sqlite3_last_insert_rowid(s->db);
	ret = TG_OK;
out:
	for (i = 0; i < 7; i++)
		free(from_cfg[i]);
	free(norm);
	json_decref(cfg);
	return ret;
}

/* Step an UPDATE/DELETE of one run; no changed row means no such run. */
static int
step_one_run(tg_store *s, sqlite3_stmt *st, int64_t run_id, const char *what, tg_error *err)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return tg_store_fail(s, err, rc, "%s of run %lld", what, (long long)run_id);
	if (sqlite3_changes(s->db) == 0)
		return tg_error_set(err, TG_E_ARG, "%s: %s of run %lld: no such run", s->db_path, what,
		    (long long)run_id);
	return TG_OK;
}

/* A status update's statement (sql: ?1 run, ?2 status, ?3 error, ?4 now, ?5 this pid, ?6 this host), checked and
 * bound; NULL on error. */
static sqlite3_stmt *
status_stmt(tg_store *s, int which, const char *sql, int64_t run_id, tg_run_status status, const char *error_msg,
    tg_error *err)
{
	sqlite3_stmt *st;
	char host[256];

	if (tg_store_writable(s, err, "set status") != TG_OK)
		return NULL;
	if ((unsigned)status >= TG_RUN_NSTATUS) {
		tg_error_set(err, TG_E_ARG, "%s: set status of run %lld: status %d out of range", s->db_path,
		    (long long)run_id, (int)status);
		return NULL;
	}
	if ((st = tg_store_stmt(s, which, sql, err)) == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_text(st, 2, status_names[status], -1, SQLITE_STATIC);
	tg_bind_text(st, 3, error_msg);
	sqlite3_bind_double(st, 4, tg_store_wallclock());
	sqlite3_bind_int64(st, 5, (int64_t)getpid());
	sqlite3_bind_text(st, 6, tg_host_name(host, sizeof host), -1, SQLITE_TRANSIENT);
	return st;
}

int
tg_store_run_set_status(tg_store *s, int64_t run_id, tg_run_status status, const char *error_msg, tg_error *err)
{
	static const char sql[] =
	    "UPDATE runs SET status = ?2, error = ?3, updated = ?4,"
	    " pid = CASE WHEN ?2 = 'running' THEN ?5 ELSE pid END,"
	    " host = CASE WHEN ?2 = 'running' THEN ?6 ELSE host END,"
	    " heartbeat = CASE WHEN ?2 = 'running' THEN ?4 ELSE heartbeat END WHERE id = ?1";
	sqlite3_stmt *st;

	if ((st = status_stmt(s, STMT_RUN_STATUS, sql, run_id, status, error_msg, err)) == NULL)
		return TG_ERR;
	return step_one_run(s, st, run_id, "set status", err);
}

int
tg_store_run_update_progress(tg_store *s, int64_t run_id, int64_t steps_done, int64_t steps_total,
                             double tokens_per_s, double eta_s, tg_error *err)
{
	static const char sql[] =
	    "UPDATE runs SET steps_done = ?2, steps_total = coalesce(?3, steps_total),"
	    " tokens_per_s = coalesce(?4, tokens_per_s), updated = ?5, eta_s = ?6 WHERE id = ?1";
	sqlite3_stmt *st;

	if (tg_store_writable(s, err, "update progress") != TG_OK)
		return TG_ERR;
	if ((st = tg_store_stmt(s, STMT_RUN_PROGRESS, sql, err)) == NULL)
		return TG_ERR;
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_int64(st, 2, steps_done);
	if (steps_total >= 0)
		sqlite3_bind_int64(st, 3, steps_total);
	tg_bind_double(st, 4, tokens_per_s);
	sqlite3_bind_double(st, 5, tg_store_wallclock());
	tg_bind_double(st, 6, eta_s);
	return step_one_run(s, st, run_id, "update progress", err);
}

int
tg_store_run_set_params(tg_store *s, int64_t run_id, int64_t trainable_params, int64_t total_params,
                        double flops_per_step, tg_error *err)
{
	static const char sql[] =
	    "UPDATE runs SET trainable_params = ?2, total_params = ?3, flops_per_step = ?4, updated = ?5 WHERE id = ?1";
	sqlite3_stmt *st;

	if (tg_store_writable(s, err, "set parameter counts") != TG_OK)
		return TG_ERR;
	if ((st = tg_store_stmt(s, STMT_RUN_PARAMS, sql, err)) == NULL)
		return TG_ERR;
	sqlite3_bind_int64(st, 1, run_id);
	bind_count(st, 2, trainable_params);
	bind_count(st, 3, total_params);
	tg_bind_double(st, 4, flops_per_step > 0 ? flops_per_step : NAN);
	sqlite3_bind_double(st, 5, tg_store_wallclock());
	return step_one_run(s, st, run_id, "set parameter counts", err);
}

int
tg_store_run_delete(tg_store *s, int64_t run_id, tg_error *err)
{
	sqlite3_stmt *st;

	if (tg_store_writable(s, err, "delete run") != TG_OK)
		return TG_ERR;
	if ((st = tg_store_stmt(s, STMT_RUN_DELETE, "DELETE FROM runs WHERE id = ?1", err)) == NULL)
		return TG_ERR;
	sqlite3_bind_int64(st, 1, run_id);
	return step_one_run(s, st, run_id, "delete", err);
}

/* Drop a run's steps and evaluations after a step (a resumed run recomputes them from its checkpoint). */
int
tg_store_run_truncate(tg_store *s, int64_t run_id, int64_t after_step, tg_error *err)
{
	char sql[256];

	if (tg_store_writable(s, err, "truncate run") != TG_OK)
		return TG_ERR;
	snprintf(sql, sizeof sql, "DELETE FROM steps WHERE run_id = %lld AND step > %lld; "
	    "DELETE FROM evals WHERE run_id = %lld AND step > %lld", (long long)run_id, (long long)after_step,
	    (long long)run_id, (long long)after_step);
	return tg_store_exec(s, sql, "truncate run", err);
}

/* ---- reads ------------------------------------------------------------------------------------------------------- */

/* Column 5 is the config (or NULL). */
#define RUN_COLS(config) \
	"id, created, updated, name, status, " config ", model, method, layers, task, source, targets, seed," \
	" trainable_params, total_params, flops_per_step, steps_done, steps_total, tokens_per_s, pid, host, error," \
	" sweep_id, heartbeat, eta_s"

static void
read_run(sqlite3_stmt *st, tg_run_info *r)
{
	int stv;

	tg_run_info_init(r);
	r->id = sqlite3_column_int64(st, 0);
	r->created = tg_col_double(st, 1);
	r->updated = tg_col_double(st, 2);
	r->name = tg_col_strdup(st, 3);
	stv = tg_run_status_parse((const char *)sqlite3_column_text(st, 4));
	r->status = stv < 0 ? TG_RUN_QUEUED : (tg_run_status)stv;
	r->config = tg_col_strdup(st, 5);
	r->model = tg_col_strdup(st, 6);
	r->method = tg_col_strdup(st, 7);
	r->layers = tg_col_strdup(st, 8);
	r->task = tg_col_strdup(st, 9);
	r->source = tg_col_strdup(st, 10);
	r->targets = tg_col_strdup(st, 11);
	r->seed = sqlite3_column_int64(st, 12);
	r->trainable_params = sqlite3_column_int64(st, 13);
	r->total_params = sqlite3_column_int64(st, 14);
	r->flops_per_step = tg_col_double(st, 15);
	r->steps_done = sqlite3_column_int64(st, 16);
	r->steps_total = sqlite3_column_int64(st, 17);
	r->tokens_per_s = tg_col_double(st, 18);
	r->pid = sqlite3_column_int64(st, 19);
	r->host = tg_col_strdup(st, 20);
	r->error = tg_col_strdup(st, 21);
	r->sweep_id = sqlite3_column_int64(st, 22);
	r->heartbeat = tg_col_double(st, 23);
	r->eta_s = tg_col_double(st, 24);
}

int
tg_store_run_get(tg_store *s, int64_t run_id, tg_run_info *out, tg_error *err)
{
	sqlite3_stmt *st;
	int rc;

	if (s == NULL || out == NULL)
		return tg_error_set(err, TG_E_ARG, "store: get run %lld: NULL argument", (long long)run_id);
	tg_run_info_init(out);
	if ((st = tg_store_stmt(s, STMT_RUN_GET, "SELECT " RUN_COLS("config") " FROM runs WHERE id = ?1", err)) == NULL)
		return TG_ERR;
	sqlite3_bind_int64(st, 1, run_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		read_run(st, out);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return tg_error_set(err, TG_E_ARG, "%s: get run %lld: no such run", s->db_path, (long long)run_id);
	if (rc != SQLITE_ROW)
		return tg_store_fail(s, err, rc, "get run %lld", (long long)run_id);
	return TG_OK;
}

int
tg_store_run_list(tg_store *s, const tg_run_filter *f, tg_run_info **runs, int *n, tg_error *err)
{
	static const char *const order_sql[TG_ORDER_N] = {
		"created DESC, id DESC", "created, id", "name COLLATE NOCASE, id", "updated DESC, id DESC"
	};
	static const tg_run_filter all = { 0 };
	char sql[1024], mask[128];
	sqlite3_stmt *st;
	int rc, cap = 0, i, len = 0;
	tg_run_info *out = NULL;

	if (runs != NULL)
		*runs = NULL;
	if (n != NULL)
		*n = 0;
	if (s == NULL || runs == NULL || n == NULL)
		return tg_error_set(err, TG_E_ARG, "store: list runs: NULL argument");
	if (f == NULL)
		f = &all;
	if ((unsigned)f->order >= TG_ORDER_N)
		return tg_error_set(err, TG_E_ARG, "%s: list runs: order %d out of range", s->db_path, (int)f->order);
	snprintf(sql, sizeof sql,
	    "SELECT " RUN_COLS("CASE WHEN ?9 THEN config END") " FROM runs WHERE"
	    " (?1 IS NULL OR instr(?1, ',' || status || ',') > 0)"
	    " AND (?2 IS NULL OR task = ?2) AND (?3 IS NULL OR method = ?3) AND (?4 IS NULL OR source = ?4)"
	    " AND (?5 IS NULL OR name LIKE ?5 ESCAPE '\\') AND (?6 IS NULL OR sweep_id = ?6)"
	    " AND (?10 IS NULL OR name = ?10)"
	    " ORDER BY %s LIMIT ?7 OFFSET ?8", order_sql[f->order]);
	if ((st = tg_store_stmt(s, STMT_RUN_LIST0 + f->order, sql, err)) == NULL)
		return TG_ERR;
	if (f->status_mask != 0) {
		len = snprintf(mask, sizeof mask, ",");
		for (i = 0; i < TG_RUN_NSTATUS; i++)
			if (f->status_mask & (1u << i))
				len += snprintf(mask + len, sizeof mask - len, "%s,", status_names[i]);
		sqlite3_bind_text(st, 1, mask, -1, SQLITE_TRANSIENT);
	}
	tg_bind_text(st, 2, f->task);
	tg_bind_text(st, 3, f->method);
	tg_bind_text(st, 4, f->source);
	tg_bind_text(st, 5, f->name_like);
	if (f->sweep_id > 0)
		sqlite3_bind_int64(st, 6, f->sweep_id);
	sqlite3_bind_int64(st, 7, f->limit > 0 ? f->limit : -1);
	sqlite3_bind_int64(st, 8, f->offset > 0 ? f->offset : 0);
	sqlite3_bind_int(st, 9, f->with_config);
	tg_bind_text(st, 10, f->name);
	len = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (len == cap)
			out = tg_xrealloc(out, (cap = cap ? 2 * cap : 64) * sizeof *out);
		read_run(st, &out[len++]);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		tg_run_list_free(out, len);
		return tg_store_fail(s, err, rc, "list runs");
	}
	*runs = out;
	*n = len;
	return TG_OK;
}

/* ---- leases ------------------------------------------------------------------------------------------------------ */

double
tg_lease_timeout(void)
{
	const char *e = getenv("TAMGA_LEASE_TIMEOUT");
	char *end;
	double v;

	if (e != NULL && *e != '\0') {
		v = strtod(e, &end);
		if (*end == '\0' && v >= 1 && v <= 86400)
			return v;
	}
	return 300;
}

double
tg_lease_interval(void)
{
	double t = tg_lease_timeout() / 6;

	return t < 30 ? t : 30;
}

/* Whether process pid exists on this machine and is not a zombie (killed, not yet reaped by its parent: with the
 * parent killed too, that may take until init gets to it). */
static bool
pid_alive(int64_t pid)
{
	char path[64], buf[256], *rp;
	FILE *f;
	size_t n;

	if (pid <= 0 || (pid_t)pid != pid || (kill((pid_t)pid, 0) != 0 && errno == ESRCH))
		return false;
	snprintf(path, sizeof path, "/proc/%lld/stat", (long long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return true;                   /* no /proc: kill's answer stands */
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* "pid (comm) S ...": the state follows the last ')' */
	return (rp = strrchr(buf, ')')) == NULL || rp[1] != ' ' || (rp[2] != 'Z' && rp[2] != 'X');
}

/* The holder of a RUNNING or PAUSED run is alive as far as this process can tell. */
static bool
holder_alive(const tg_run_info *r, double now)
{
	char host[256];
	double hb;

	if (r->host != NULL && r->pid > 0 && strcmp(r->host, tg_host_name(host, sizeof host)) == 0 && !pid_alive(r->pid))
		return false;                          /* this machine, and the process is gone */
	if (r->status == TG_RUN_PAUSED)
		return true;                           /* a stopped process does not beat */
	hb = isnan(r->heartbeat) ? r->updated : r->heartbeat;
	return isnan(hb) || now - hb <= tg_lease_timeout();
}

static bool
is_self(const tg_run_info *r)
{
	char host[256];

	return r->pid == (int64_t)getpid() && r->host != NULL && strcmp(r->host, tg_host_name(host, sizeof host)) == 0;
}

bool
tg_run_lease_held(const tg_run_info *r)
{
	return r != NULL && (r->status == TG_RUN_RUNNING || r->status == TG_RUN_PAUSED) &&
	    holder_alive(r, tg_store_wallclock());
}

bool
tg_run_is_stale(const tg_run_info *r)
{
	return r != NULL && r->status == TG_RUN_RUNNING && (r->pid > 0 || r->host != NULL) &&
	    !holder_alive(r, tg_store_wallclock());
}

const char *
tg_run_lease_holder(const tg_run_info *r, char *buf, size_t n)
{
	double hb = isnan(r->heartbeat) ? r->updated : r->heartbeat;

	if (isnan(hb))
		snprintf(buf, n, "process %lld on host %s", (long long)r->pid, r->host ? r->host : "?");
	else
		snprintf(buf, n, "process %lld on host %s, last heartbeat %.0f s ago", (long long)r->pid,
		    r->host ? r->host : "?", tg_store_wallclock() - hb);
	return buf;
}

/* Set run_id RUNNING and held by this process (inside the caller's transaction). */
static int
take(tg_store *s, int64_t run_id, tg_error *err)
{
	static const char sql[] =
	    "UPDATE runs SET status = 'running', error = NULL, updated = ?2, heartbeat = ?2, pid = ?3, host = ?4"
	    " WHERE id = ?1";
	sqlite3_stmt *st;
	char host[256];

	if ((st = tg_store_stmt(s, STMT_RUN_TAKE, sql, err)) == NULL)
		return TG_ERR;
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_double(st, 2, tg_store_wallclock());
	sqlite3_bind_int64(st, 3, (int64_t)getpid());
	sqlite3_bind_text(st, 4, tg_host_name(host, sizeof host), -1, SQLITE_TRANSIENT);
	return step_one_run(s, st, run_id, "take the lease", err);
}

static int
busy_error(tg_store *s, const tg_run_info *r, tg_error *err)
{
	char who[400];

	tg_error_set(err, TG_E_STATE, "%s: run %lld ('%s') is %s in %s", s->db_path, (long long)r->id,
	    r->name ? r->name : "", tg_run_status_name(r->status), tg_run_lease_holder(r, who, sizeof who));
	return tg_error_hint(err, "two processes must not write one run; wait for it to end or stop that process (a "
	    "run whose process is gone can be taken over: on its host at once, elsewhere %.0f s after its last "
	    "heartbeat)", tg_lease_timeout());
}

int
tg_store_run_acquire(tg_store *s, int64_t run_id, tg_error *err)
{
	tg_run_info r;
	int rc;

	if (tg_store_writable(s, err, "take the lease") != TG_OK || tg_store_begin(s, err) != TG_OK)
		return TG_ERR;
	rc = tg_store_run_get(s, run_id, &r, err);
	if (rc == TG_OK && tg_run_lease_held(&r) && !is_self(&r))
		rc = busy_error(s, &r, err);
	if (rc == TG_OK)
		rc = take(s, run_id, err);
	if (rc == TG_OK)
		rc = tg_store_commit(s, err);
	tg_store_rollback(s);
	tg_run_info_clear(&r);
	return rc;
}

int
tg_store_run_heartbeat(tg_store *s, int64_t run_id, bool *lost, tg_error *err)
{
	static const char sql[] =
	    "UPDATE runs SET heartbeat = ?2 WHERE id = ?1 AND pid = ?3 AND host = ?4 AND status IN ('running','paused')";
	sqlite3_stmt *st;
	char host[256];
	int rc;

	if (lost != NULL)
		*lost = false;
	if (tg_store_writable(s, err, "heartbeat") != TG_OK)
		return TG_ERR;
	if ((st = tg_store_stmt(s, STMT_RUN_HEARTBEAT, sql, err)) == NULL)
		return TG_ERR;
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_double(st, 2, tg_store_wallclock());
	sqlite3_bind_int64(st, 3, (int64_t)getpid());
	sqlite3_bind_text(st, 4, tg_host_name(host, sizeof host), -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return tg_store_fail(s, err, rc, "heartbeat of run %lld", (long long)run_id);
	if (lost != NULL)
		*lost = sqlite3_changes(s->db) == 0;
	return TG_OK;
}

int
tg_store_run_release(tg_store *s, int64_t run_id, tg_run_status status, const char *error_msg, tg_error *err)
{
	static const char sql[] =
	    "UPDATE runs SET status = ?2, error = ?3, updated = ?4 WHERE id = ?1 AND pid = ?5 AND host = ?6";
	sqlite3_stmt *st;
	char host[256];
	tg_run_info r;
	int rc;

	if ((st = status_stmt(s, STMT_RUN_RELEASE, sql, run_id, status, error_msg, err)) == NULL)
		return TG_ERR;
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return tg_store_fail(s, err, rc, "mark run %lld %s", (long long)run_id, status_names[status]);
	if (sqlite3_changes(s->db) > 0)
		return TG_OK;
	if (tg_store_run_get(s, run_id, &r, err) != TG_OK)
		return TG_ERR;
	tg_error_set(err, TG_E_STATE, "%s: mark run %lld %s: the run was taken over by %s (this process's lease "
	    "expired)", s->db_path, (long long)run_id, status_names[status], tg_run_lease_holder(&r, host, sizeof host));
	tg_error_hint(err, "a process that does not renew its lease for %.0f s (stopped, or a hung file system) is "
	    "taken for dead; set TAMGA_LEASE_TIMEOUT higher on such machines", tg_lease_timeout());
	tg_run_info_clear(&r);
	return TG_ERR;
}

int
tg_store_run_claim(tg_store *s, const tg_run_info *info, int64_t *id, tg_claim *outcome, tg_run_info *holder,
                   tg_error *err)
{
	sqlite3_stmt *st;
	tg_run_info r, *found = NULL, *last = NULL;
	int rc, n = 0, cap = 0, i;

	*id = 0;
	*outcome = TG_CLAIM_NEW;
	if (holder != NULL)
		tg_run_info_init(holder);
	if (tg_store_writable(s, err, "claim run") != TG_OK)
		return TG_ERR;
	if (info == NULL || info->name == NULL || info->name[0] == '\0')
		return tg_error_set(err, TG_E_ARG, "%s: claim run: a name is required", s->db_path);
	if (tg_store_begin(s, err) != TG_OK)
		return TG_ERR;
	st = tg_store_stmt(s, STMT_RUN_BY_NAME, "SELECT " RUN_COLS("NULL") " FROM runs WHERE name = ?1 ORDER BY id",
	    err);
	if (st == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, info->name, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap)
			found = tg_xrealloc(found, (cap = cap ? 2 * cap : 4) * sizeof *found);
		read_run(st, &found[n++]);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		tg_store_fail(s, err, rc, "claim run '%s'", info->name);
		goto fail;
	}
	for (i = 0; i < n; i++)
		if (found[i].status == TG_RUN_DONE)
			*outcome = TG_CLAIM_DONE, last = &found[i];
	for (i = 0; *outcome == TG_CLAIM_NEW && i < n; i++)
		if (tg_run_lease_held(&found[i]) && !is_self(&found[i]))
			*outcome = TG_CLAIM_BUSY, last = &found[i];
	if (*outcome == TG_CLAIM_NEW && n > 0) {
		*outcome = TG_CLAIM_TAKEN;
		last = &found[n - 1];
		if (take(s, last->id, err) != TG_OK)
			goto fail;
	}
	if (*outcome == TG_CLAIM_NEW) {
		tg_run_info_init(&r);
		r = *info;
		r.status = TG_RUN_QUEUED;
		if (tg_store_run_new(s, &r, id, err) != TG_OK || take(s, *id, err) != TG_OK)
			goto fail;
	} else {
		*id = last->id;
		if (holder != NULL && *outcome != TG_CLAIM_TAKEN) {
			*holder = *last;
			tg_run_info_init(last);
		}
	}
	if (tg_store_commit(s, err) != TG_OK)
		goto fail;
	tg_run_list_free(found, n);
	return TG_OK;
fail:
	tg_store_rollback(s);
	tg_run_list_free(found, n);
	*id = 0;
	return TG_ERR;
}

int
tg_store_runs_reap(tg_store *s, int *nreaped, tg_error *err)
{
	static const char sql[] =
	    "UPDATE runs SET status = 'failed', updated = ?2, error = ?3 WHERE id = ?1 AND status = 'running'";
	tg_run_filter f = { 0 };
	tg_run_info *runs = NULL;
	sqlite3_stmt *st;
	char who[400], why[600];
	int n = 0, i, rc, reaped = 0, ret = TG_OK;

	if (nreaped != NULL)
		*nreaped = 0;
	if (tg_store_writable(s, err, "mark stale runs") != TG_OK || tg_store_begin(s, err) != TG_OK)
		return TG_ERR;
	f.status_mask = 1u << TG_RUN_RUNNING;
	if (tg_store_run_list(s, &f, &runs, &n, err) != TG_OK)
		goto fail;
	for (i = 0; i < n; i++) {
		if (!tg_run_is_stale(&runs[i]))
			continue;
		snprintf(why, sizeof why, "ended without recording an end (killed?): %s; continue it with "
		    "tamga train --resume %lld", tg_run_lease_holder(&runs[i], who, sizeof who), (long long)runs[i].id);
		if ((st = tg_store_stmt(s, STMT_RUN_REAP, sql, err)) == NULL)
			goto fail;
		sqlite3_bind_int64(st, 1, runs[i].id);
		sqlite3_bind_double(st, 2, tg_store_wallclock());
		sqlite3_bind_text(st, 3, why, -1, SQLITE_TRANSIENT);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE) {
			tg_store_fail(s, err, rc, "mark stale run %lld failed", (long long)runs[i].id);
			goto fail;
		}
		reaped++;
	}
	if (tg_store_commit(s, err) != TG_OK)
		goto fail;
	if (nreaped != NULL)
		*nreaped = reaped;
	tg_run_list_free(runs, n);
	return ret;
fail:
	tg_store_rollback(s);
	tg_run_list_free(runs, n);
	return TG_ERR;
}

/* ---- sweeps ------------------------------------------------------------------------------------------------------ */

int
tg_store_sweep_new(tg_store *s, const char *name, const char *spec_json, int64_t *id, tg_error *err)
{
	sqlite3_stmt *st;
	json_t *cfg;
	char *norm, what[160];
	int rc;

	if (tg_store_writable(s, err, "insert sweep") != TG_OK)
		return TG_ERR;
	if (name == NULL || name[0] == '\0')
		return tg_error_set(err, TG_E_ARG, "%s: insert sweep: no name", s->db_path);
	snprintf(what, sizeof what, "insert sweep '%s'", name);
	if (config_normalize(s, spec_json, what, &cfg, &norm, err) != TG_OK)
		return TG_ERR;
	json_decref(cfg);
	st = tg_store_stmt(s, STMT_SWEEP_INSERT, "INSERT INTO sweeps (name, spec, created) VALUES (?1, ?2, ?3)", err);
	if (st == NULL) {
		free(norm);
		return TG_ERR;
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, norm, -1, SQLITE_TRANSIENT);
	sqlite3_bind_double(st, 3, tg_store_wallclock());
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	free(norm);
	if (rc != SQLITE_DONE)
		return tg_store_fail(s, err, rc, "%s", what);
	if (id != NULL)
		*id = sqlite3_last_insert_rowid(s->db);
	return TG_OK;
}

int
tg_store_sweep_add_run(tg_store *s, int64_t sweep_id, int64_t run_id, tg_error *err)
{
	sqlite3_stmt *st;

	if (tg_store_writable(s, err, "add run to sweep") != TG_OK)
		return TG_ERR;
	if ((st = tg_store_stmt(s, STMT_SWEEP_LINK, "UPDATE runs SET sweep_id = ?2 WHERE id = ?1", err)) == NULL)
		return TG_ERR;
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_int64(st, 2, sweep_id);
	return step_one_run(s, st, run_id, "add to sweep", err);
}

/* ---- artifacts --------------------------------------------------------------------------------------------------- */

int
tg_store_artifact_add(tg_store *s, int64_t run_id, const char *kind, const char *path, tg_error *err)
{
	sqlite3_stmt *st;
	size_t dl;
	int rc;

	if (tg_store_writable(s, err, "insert artifact") != TG_OK)
		return TG_ERR;
	if (kind == NULL || path == NULL || kind[0] == '\0' || path[0] == '\0')
		return tg_error_set(err, TG_E_ARG, "%s: insert artifact of run %lld: kind and path are required",
		    s->db_path, (long long)run_id);
	dl = strlen(s->dir);
	if (strncmp(path, s->dir, dl) == 0 && path[dl] == '/')
		path += dl + 1;               /* inside the workspace: store it relative, so the workspace can move */
	st = tg_store_stmt(s, STMT_ARTIFACT_INSERT,
	    "INSERT INTO artifacts (run_id, kind, path, created) VALUES (?1, ?2, ?3, ?4)", err);
	if (st == NULL)
		return TG_ERR;
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, path, -1, SQLITE_TRANSIENT);
	sqlite3_bind_double(st, 4, tg_store_wallclock());
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return tg_store_fail(s, err, rc, "insert %s artifact of run %lld", kind, (long long)run_id);
	return TG_OK;
}

int
tg_store_artifact_list(tg_store *s, int64_t run_id, tg_artifact **out, int *n, tg_error *err)
{
	sqlite3_stmt *st;
	tg_artifact *a = NULL;
	int rc, len = 0, cap = 0;

	if (out != NULL)
		*out = NULL;
	if (n != NULL)
		*n = 0;
	if (s == NULL || out == NULL || n == NULL)
		return tg_error_set(err, TG_E_ARG, "store: list artifacts: NULL argument");
	st = tg_store_stmt(s, STMT_ARTIFACT_LIST,
	    "SELECT id, run_id, kind, path, created FROM artifacts WHERE run_id = ?1 ORDER BY id", err);
	if (st == NULL)
		return TG_ERR;
	sqlite3_bind_int64(st, 1, run_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (len == cap)
			a = tg_xrealloc(a, (cap = cap ? 2 * cap : 8) * sizeof *a);
		a[len].id = sqlite3_column_int64(st, 0);
		a[len].run_id = sqlite3_column_int64(st, 1);
		tg_col_copy(st, 2, a[len].kind, sizeof a[len].kind);
		a[len].path = tg_col_strdup(st, 3);
		a[len].created = tg_col_double(st, 4);
		len++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		tg_artifact_list_free(a, len);
		return tg_store_fail(s, err, rc, "list artifacts of run %lld", (long long)run_id);
	}
	*out = a;
	*n = len;
	return TG_OK;
}

void
tg_artifact_list_free(tg_artifact *a, int n)
{
	int i;

	for (i = 0; a != NULL && i < n; i++)
		free(a[i].path);
	free(a);
}
