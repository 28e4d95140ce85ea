/* Run shards gathered into the workspace store: each finished run of <workspace>/shards/<point>/ (a small workspace
 * of its own, written by one sweep worker on a cluster node) copied once, with its steps, evaluations, artifacts and
 * per-item score files, into the workspace's tamga.db. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>
#include "exp/exp.h"
#include "analysis/analysis.h"

static bool
isalnum_ascii(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static void
note(const tg_gather_opts *o, const char *shard, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
note(const tg_gather_opts *o, const char *shard, const char *fmt, ...)
{
	char why[1024];
	va_list ap;

	if (o == NULL || o->note == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	o->note(o->ud, shard, why);
}

/* Whether the workspace holds a finished run of exactly this name (the point was gathered, or ran here). */
static int
done_here(tg_store *ws, const char *name, bool *done, tg_error *err)
{
	tg_run_filter f = { 0 };
	tg_run_info *runs = NULL;
	int n = 0;

	*done = false;
	f.name = name;
	f.status_mask = 1u << TG_RUN_DONE;
	f.limit = 1;
	if (tg_store_run_list(ws, &f, &runs, &n, err) != TG_OK)
		return TG_ERR;
	*done = n > 0;
	tg_run_list_free(runs, n);
	return TG_OK;
}

/* The per-item files of the shard's run sid, as the workspace's run wid (the header names the run). Written
 * paths go to made[] so a failed gather can remove them. */
static int
copy_items(tg_store *ws, const char *shard, int64_t sid, int64_t wid, const tg_eval_row *ev, int nev,
    char ***made, int *nmade, tg_error *err)
{
	int i;
	bool dir_made = false;

	for (i = 0; i < nev; i++) {
		char *from = tg_items_path(shard, sid, ev[i].step, ev[i].split, ev[i].lang, ev[i].metric), *to, *slash;
		tg_items *it;
		struct stat sb;
		if (stat(from, &sb) != 0) {
			free(from);
			continue;                  /* this evaluation kept no items */
		}
		if ((it = tg_items_read(from, err)) == NULL) {
			free(from);
			return TG_ERR;
		}
		free(from);
		it->run_id = wid;
		to = tg_items_path(tg_store_dir(ws), wid, ev[i].step, ev[i].split, ev[i].lang, ev[i].metric);
		if (!dir_made && (slash = strrchr(to, '/')) != NULL) {
			*slash = '\0';
			tg_mkdirs(to, 0777);
			*slash = '/';
			dir_made = true;
		}
		if (tg_items_write(to, it, err) != TG_OK) {
			tg_items_free(it);
			free(to);
			return TG_ERR;
		}
		tg_items_free(it);
		*made = tg_xrealloc(*made, (size_t)(*nmade + 1) * sizeof **made);
		(*made)[(*nmade)++] = to;
	}
	return TG_OK;
}

/* Runs are copied in batches of up to BATCH_RUNS, one write transaction each (a transaction per run wrote each
 * index page again per run: 1,000 shards took several times longer). The item files written for the batch are
 * removed again when it is rolled back. */
#define BATCH_RUNS 32
typedef struct batch {
	bool   open;
	int    pending;          /* runs inserted in the open transaction */
	char **made;
	int    nmade;
} batch;

static void
batch_drop(tg_store *ws, batch *b)
{
	int i;

	if (b->open)
		tg_store_rollback(ws);
	for (i = 0; i < b->nmade; i++) {
		unlink(b->made[i]);
		free(b->made[i]);
	}
	b->nmade = 0;
	b->pending = 0;
	b->open = false;
}

/* Commit the open batch; the number of runs it gathered, or -1 (rolled back, err set). */
static int
batch_commit(tg_store *ws, batch *b, tg_error *err)
{
	int i, n = b->pending;

	if (!b->open)
		return 0;
	if (tg_store_commit(ws, err) != TG_OK) {
		batch_drop(ws, b);
		return -1;
	}
	for (i = 0; i < b->nmade; i++)
		free(b->made[i]);
	b->nmade = 0;
	b->pending = 0;
	b->open = false;
	return n;
}

/* One finished shard run into the workspace, inside the batch's transaction: the name is checked inside it, so
 * two gathers at once never both insert a point. *copied tells whether it was new. On TG_ERR the caller drops the
 * batch. */
static int
gather_run(tg_store *ws, batch *b, tg_store *sh, const char *shard, const char *rel, const tg_run_info *r,
    bool *copied, tg_error *err)
{
	tg_step_row *steps = NULL;
	tg_eval_row *ev = NULL;
	tg_artifact *art = NULL;
	tg_run_info info = *r;
	int nsteps = 0, nev = 0, nart = 0, i, rc = TG_ERR;
	int64_t wid = 0, sel = -1;
	bool done;

	*copied = false;
	if (tg_store_steps_since(sh, r->id, -1, 0, &steps, &nsteps, err) != TG_OK ||
	    tg_store_evals(sh, r->id, TG_EVALS_ALL, &ev, &nev, err) != TG_OK ||
	    tg_store_artifact_list(sh, r->id, &art, &nart, err) != TG_OK)
		goto out;
	if (!b->open) {
		if (tg_store_begin(ws, err) != TG_OK)
			goto out;
		b->open = true;
	}
	if (done_here(ws, r->name, &done, err) != TG_OK)
		goto out;
	if (done) {
		rc = TG_OK;
		goto out;
	}
	info.sweep_id = 0;
	{
		/* the config remembers the shard, so a later gather skips its folder without opening it */
		json_t *cfg = json_loads(r->config ? r->config : "{}", 0, NULL);
		char *text;
		if (!json_is_object(cfg)) {
			json_decref(cfg);
			cfg = json_object();
		}
		json_object_set_new(cfg, "shard", json_string(rel));
		text = json_dumps(cfg, JSON_COMPACT | JSON_SORT_KEYS);
		json_decref(cfg);
		info.config = text;
		rc = tg_store_run_new(ws, &info, &wid, err);
		free(text);
		if (rc != TG_OK) {
			rc = TG_ERR;
			goto out;
		}
		rc = TG_ERR;
	}
	for (i = 0; i < nsteps; i++)
		if (tg_store_step_add(ws, wid, &steps[i], err) != TG_OK)
			goto out;
	for (i = 0; i < nev; i++) {
		if (tg_store_eval_add(ws, wid, &ev[i], err) != TG_OK)
			goto out;
		if (ev[i].selected)
			sel = ev[i].step;
	}
	if (sel >= 0 && tg_store_eval_select(ws, wid, sel, err) != TG_OK)
		goto out;
	for (i = 0; i < nart; i++) {
		char *p;
		/* a path inside the shard is relative to it; the workspace sees it under shards/<point>/ */
		if (art[i].path[0] == '/')
			p = tg_xstrdup(art[i].path);
		else
			tg_xasprintf(&p, "%s/%s", rel, art[i].path);
		rc = tg_store_artifact_add(ws, wid, art[i].kind, p, err);
		free(p);
		if (rc != TG_OK)
			goto out;
		rc = TG_ERR;
	}
	if (copy_items(ws, shard, r->id, wid, ev, nev, &b->made, &b->nmade, err) != TG_OK)
		goto out;
	b->pending++;
	*copied = true;
	rc = TG_OK;
out:
	free(steps);
	free(ev);
	tg_artifact_list_free(art, nart);
	return rc;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
tg_gather(const char *workspace, const tg_gather_opts *o, tg_gather_stats *stats, tg_error *err)
{
	char *dir, **names = NULL, **done = NULL;
	tg_store *ws = NULL;
	DIR *d;
	struct dirent *de;
	int n = 0, i, rc = TG_OK, ndone = 0;
	batch b = { 0 };
	double t0 = tg_now();

	memset(stats, 0, sizeof *stats);
	tg_xasprintf(&dir, "%s/%s", workspace, TG_SHARD_DIR);
	if ((d = opendir(dir)) == NULL) {
		free(dir);
		return TG_OK;                       /* no shards: nothing to gather */
	}
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.') {
			names = tg_xrealloc(names, (size_t)(n + 1) * sizeof *names);
			names[n++] = tg_xstrdup(de->d_name);
		}
	closedir(d);
	qsort(names, (size_t)n, sizeof *names, name_cmp);
	if (n > 0 && (ws = tg_store_open(workspace, TG_STORE_CREATE, err)) == NULL)
		rc = TG_ERR;
	if (rc == TG_OK && n > 0) {
		/* the shards gathered before (their runs' config "shard"), so their folders are not opened again */
		tg_run_filter f = { 0 };
		tg_run_info *runs = NULL;
		int nr = 0, j;
		f.status_mask = 1u << TG_RUN_DONE;
		f.with_config = true;
		if (tg_store_run_list(ws, &f, &runs, &nr, err) != TG_OK)
			rc = TG_ERR;
		for (j = 0; j < nr; j++) {
			json_t *cfg = json_loads(runs[j].config ? runs[j].config : "{}", 0, NULL);
			const char *sh = json_string_value(json_object_get(cfg, "shard")), *slash;
			if (sh != NULL && (slash = strrchr(sh, '/')) != NULL) {
				done = tg_xrealloc(done, (size_t)(ndone + 1) * sizeof *done);
				done[ndone++] = tg_xstrdup(slash + 1);
			}
			json_decref(cfg);
		}
		tg_run_list_free(runs, nr);
		qsort(done, (size_t)ndone, sizeof *done, name_cmp);
	}
	for (i = 0; rc == TG_OK && i < n; i++) {
		char *shard, *rel, *db;
		tg_store *sh;
		tg_run_filter f = { 0 };
		tg_run_info *runs = NULL;
		tg_error e2 = { 0 };
		struct stat sb;
		int nr = 0, j, got = 0;

		if (ndone > 0 && bsearch(&names[i], done, (size_t)ndone, sizeof *done, name_cmp) != NULL) {
			stats->shards++;
			stats->already++;
			continue;
		}
		tg_xasprintf(&shard, "%s/%s", dir, names[i]);
		tg_xasprintf(&rel, "%s/%s", TG_SHARD_DIR, names[i]);
		tg_xasprintf(&db, "%s/%s", shard, TG_STORE_DB_NAME);
		stats->shards++;
		if (stat(db, &sb) != 0) {
			stats->unfinished++;
			note(o, shard, "no store yet (the point has not started)");
		} else if ((sh = tg_store_open(shard, TG_STORE_READONLY, &e2)) == NULL) {
			stats->broken++;
			note(o, shard, "cannot be read (%s); skipped", e2.msg);
		} else {
			f.order = TG_ORDER_OLDEST;
			f.with_config = true;
			if (tg_store_run_list(sh, &f, &runs, &nr, &e2) != TG_OK) {
				stats->broken++;
				note(o, shard, "cannot be read (%s); skipped", e2.msg);
			} else if (nr == 0) {
				stats->unfinished++;
				note(o, shard, "holds no run yet");
			}
			for (j = 0; j < nr; j++) {
				bool copied;
				if (runs[j].status != TG_RUN_DONE) {
					stats->unfinished++;
					note(o, shard, "run '%s' is %s, not finished; left for later", runs[j].name ?
					    runs[j].name : "", tg_run_status_name(runs[j].status));
					continue;
				}
				if (runs[j].name == NULL)
					continue;
				if (gather_run(ws, &b, sh, shard, rel, &runs[j], &copied, &e2) != TG_OK) {
					stats->broken++;
					note(o, shard, "run '%s' could not be gathered (%s); skipped%s", runs[j].name, e2.msg,
					    b.pending ? " with the runs of the shards before it in its batch (left for the next "
					    "gather)" : "");
					stats->unfinished += b.pending;
					batch_drop(ws, &b);
					tg_error_clear(&e2);
				} else if (!copied)
					stats->already++;
				else if (b.pending >= BATCH_RUNS && (got = batch_commit(ws, &b, &e2)) < 0) {
					note(o, shard, "the batch of runs up to this one could not be committed (%s); left for "
					    "the next gather", e2.msg);
					tg_error_clear(&e2);
				} else if (got > 0)
					stats->gathered += got;
			}
			tg_run_list_free(runs, nr);
			tg_store_close(sh);
		}
		free(db);
		free(rel);
		free(shard);
	}
	if (ws != NULL) {
		tg_error e3 = { 0 };
		int got = b.pending;
		if (batch_commit(ws, &b, &e3) < 0)
			note(o, dir, "the last batch of %d runs could not be committed (%s); left for the next gather", got,
			    e3.msg);
		else
			stats->gathered += got;
		free(b.made);
	}
	tg_strv_free(names, n);
	tg_strv_free(done, ndone);
	free(dir);
	tg_store_close(ws);
	stats->seconds = tg_now() - t0;
	return rc;
}

/* ---- shard names ------------------------------------------------------------------------------------------------ */

char *
tg_shard_path(const char *workspace, const char *run_name)
{
	uint64_t h = 0xcbf29ce484222325ull;
	char key[64], *p;
	const unsigned char *c;
	size_t k = 0;

	for (c = (const unsigned char *)run_name; *c; c++)
		h = (h ^ *c) * 0x100000001b3ull;
	for (c = (const unsigned char *)run_name; *c && k < 40; c++, k++)
		key[k] = (isalnum_ascii(*c) || (*c == '.' && k > 0) || *c == '-' || *c == '=' || *c == '+') ? (char)*c : '_';
	key[k] = '\0';
	tg_xasprintf(&p, "%s/%s/%s-%016llx", workspace, TG_SHARD_DIR, key, (unsigned long long)h);
	return p;
}
