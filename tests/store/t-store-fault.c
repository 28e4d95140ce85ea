/* Fault injection into the store, in the style of SQLite's own I/O-error tests: a VFS that wraps the default one
 * fails the N-th write (xWrite, xTruncate or xSync) for N = 1, 2, ... until a sequence of store operations runs
 * without reaching it; once as a single transient I/O error and once persistently (a full disk: every write from
 * the N-th on). After each sequence, with the faults off: the store opens, passes its integrity check, every
 * operation that reported success is stored, and the run's status is the last one reported stored.
 * Then a training run (the micro model, when available) whose disk fills up mid-way: it must fail, and say
 * truthfully that its failure could not be stored either. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../tap.h"
#include "store/store-internal.h"
#include "exp/exp.h"

/* ---- the failing VFS ------------------------------------------------------------------------------------------- */
static sqlite3_vfs *base_vfs, fault_vfs;
static int  fault_at;            /* the write that fails (1-based); 0: none */
static bool fault_persist;       /* and every write after it */
static int  nwrites;             /* writes seen since armed */
static bool armed;

typedef struct ffile {
	sqlite3_file  base;
	sqlite3_file *real;          /* the wrapped file, right after this struct */
} ffile;

#define REAL(f) (((ffile *)(f))->real)

static int
fault_now(void)
{
	if (!armed)
		return SQLITE_OK;
	nwrites++;
	if (fault_at > 0 && (nwrites == fault_at || (fault_persist && nwrites > fault_at)))
		return fault_persist ? SQLITE_FULL : SQLITE_IOERR_WRITE;
	return SQLITE_OK;
}

static int
f_close(sqlite3_file *f)
{
	return REAL(f)->pMethods->xClose(REAL(f));
}

static int
f_read(sqlite3_file *f, void *buf, int n, sqlite3_int64 off)
{
	return REAL(f)->pMethods->xRead(REAL(f), buf, n, off);
}

static int
f_write(sqlite3_file *f, const void *buf, int n, sqlite3_int64 off)
{
	int rc = fault_now();

	return rc != SQLITE_OK ? rc : REAL(f)->pMethods->xWrite(REAL(f), buf, n, off);
}

static int
f_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	int rc = fault_now();

	return rc != SQLITE_OK ? (rc == SQLITE_FULL ? rc : SQLITE_IOERR_TRUNCATE) :
	    REAL(f)->pMethods->xTruncate(REAL(f), size);
}

static int
f_sync(sqlite3_file *f, int flags)
{
	int rc = fault_now();

	return rc != SQLITE_OK ? (rc == SQLITE_FULL ? rc : SQLITE_IOERR_FSYNC) :
	    REAL(f)->pMethods->xSync(REAL(f), flags);
}

static int f_size(sqlite3_file *f, sqlite3_int64 *s) { return REAL(f)->pMethods->xFileSize(REAL(f), s); }
static int f_lock(sqlite3_file *f, int l) { return REAL(f)->pMethods->xLock(REAL(f), l); }
static int f_unlock(sqlite3_file *f, int l) { return REAL(f)->pMethods->xUnlock(REAL(f), l); }
static int f_reserved(sqlite3_file *f, int *r) { return REAL(f)->pMethods->xCheckReservedLock(REAL(f), r); }
static int f_fcntl(sqlite3_file *f, int op, void *a) { return REAL(f)->pMethods->xFileControl(REAL(f), op, a); }
static int f_sector(sqlite3_file *f) { return REAL(f)->pMethods->xSectorSize(REAL(f)); }
static int f_devchar(sqlite3_file *f) { return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f)); }
static int f_shmmap(sqlite3_file *f, int pg, int sz, int ext, void volatile **p)
{ return REAL(f)->pMethods->xShmMap(REAL(f), pg, sz, ext, p); }
static int f_shmlock(sqlite3_file *f, int off, int n, int fl)
{ return REAL(f)->pMethods->xShmLock(REAL(f), off, n, fl); }
static void f_shmbarrier(sqlite3_file *f) { REAL(f)->pMethods->xShmBarrier(REAL(f)); }
static int f_shmunmap(sqlite3_file *f, int del) { return REAL(f)->pMethods->xShmUnmap(REAL(f), del); }
static int f_fetch(sqlite3_file *f, sqlite3_int64 off, int n, void **p)
{ return REAL(f)->pMethods->xFetch(REAL(f), off, n, p); }
static int f_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{ return REAL(f)->pMethods->xUnfetch(REAL(f), off, p); }

static const sqlite3_io_methods fault_io = {
	3, f_close, f_read, f_write, f_truncate, f_sync, f_size, f_lock, f_unlock, f_reserved, f_fcntl, f_sector,
	f_devchar, f_shmmap, f_shmlock, f_shmbarrier, f_shmunmap, f_fetch, f_unfetch
};

static int
f_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags, int *out_flags)
{
	ffile *p = (ffile *)file;
	int rc;

	(void)vfs;
	p->real = (sqlite3_file *)&p[1];
	rc = base_vfs->xOpen(base_vfs, name, p->real, flags, out_flags);
	p->base.pMethods = p->real->pMethods != NULL ? &fault_io : NULL;
	return rc;
}

static void
fault_vfs_install(void)
{
	base_vfs = sqlite3_vfs_find(NULL);
	fault_vfs = *base_vfs;
	fault_vfs.szOsFile = (int)sizeof(ffile) + base_vfs->szOsFile;
	fault_vfs.zName = "tamga-fault";
	fault_vfs.xOpen = f_open;
	sqlite3_vfs_register(&fault_vfs, 1);              /* the default: tg_store_open uses it */
}

/* ---- one sequence of store operations under a fault ------------------------------------------------------------ */
#define NSTEPS 4

typedef struct outcome {
	bool opened, created, acquired, step_ok[NSTEPS], eval_ok, progress_ok, done_ok, failed_ok;
	int64_t id;
} outcome;

static void
sequence(const char *ws, outcome *o)
{
	tg_error err = { 0 };
	tg_store *s;
	tg_run_info ri;
	tg_step_row row;
	tg_eval_row ev;
	bool lost;
	int k;

	memset(o, 0, sizeof *o);
	if ((s = tg_store_open(ws, TG_STORE_CREATE, &err)) == NULL)
		return;
	o->opened = true;
	tg_run_info_init(&ri);
	ri.name = "fault run";
	ri.config = "{\"task\":\"udpos\",\"seed\":3}";
	o->created = tg_store_run_new(s, &ri, &o->id, &err) == TG_OK;
	if (o->created) {
		o->acquired = tg_store_run_acquire(s, o->id, &err) == TG_OK;
		for (k = 0; k < NSTEPS; k++) {
			tg_step_row_init(&row);
			row.step = k + 1;
			row.loss = 2.0 - 0.1 * k;
			o->step_ok[k] = tg_store_step_add(s, o->id, &row, &err) == TG_OK;
		}
		tg_store_run_heartbeat(s, o->id, &lost, &err);
		tg_eval_row_init(&ev);
		ev.step = NSTEPS;
		snprintf(ev.lang, sizeof ev.lang, "kk");
		snprintf(ev.metric, sizeof ev.metric, "acc");
		ev.score = 0.5;
		o->eval_ok = tg_store_eval_add(s, o->id, &ev, &err) == TG_OK;
		o->progress_ok = tg_store_run_update_progress(s, o->id, NSTEPS, NSTEPS, 100, NAN, &err) == TG_OK;
		if (o->acquired)
			o->done_ok = tg_store_run_release(s, o->id, TG_RUN_DONE, NULL, &err) == TG_OK;
		if (o->acquired && !o->done_ok)    /* as tg_experiment_run does */
			o->failed_ok = tg_store_run_release(s, o->id, TG_RUN_FAILED, "a write failed", &err) == TG_OK;
	}
	tg_store_close(s);
}

/* Check the store after a sequence; returns the number of problems (each printed as a diagnostic). */
static int
verify(const char *ws, const outcome *o, const char *label)
{
	tg_error err = { 0 };
	tg_store *s = tg_store_open(ws, TG_STORE_CREATE, &err);
	tg_run_info ri;
	tg_step_row *rows = NULL;
	tg_eval_row *ev = NULL;
	int bad = 0, n = 0, k, j;
	tg_run_status want;

	if (s == NULL) {
		diag("%s: the store does not open afterwards: %s", label, err.msg);
		return 1;
	}
	if (tg_store_check(s, true, &err) != TG_OK) {
		diag("%s: integrity: %s", label, err.msg);
		bad++;
	}
	if (!o->created)
		goto out;
	if (tg_store_run_get(s, o->id, &ri, &err) != TG_OK) {
		diag("%s: run %lld was reported stored but is missing", label, (long long)o->id);
		bad++;
		goto out;
	}
	want = o->done_ok ? TG_RUN_DONE : o->failed_ok ? TG_RUN_FAILED : o->acquired ? TG_RUN_RUNNING : TG_RUN_QUEUED;
	if (ri.status != want) {
		diag("%s: run status %s, but the last status reported stored is %s", label,
		    tg_run_status_name(ri.status), tg_run_status_name(want));
		bad++;
	}
	if (o->progress_ok && ri.steps_done != NSTEPS) {
		diag("%s: progress reported stored, steps_done %lld", label, (long long)ri.steps_done);
		bad++;
	}
	tg_run_info_clear(&ri);
	if (tg_store_steps_since(s, o->id, -1, 0, &rows, &n, &err) != TG_OK) {
		diag("%s: read steps: %s", label, err.msg);
		bad++;
	}
	for (k = 0; k < NSTEPS; k++) {
		bool found = false;
		for (j = 0; j < n; j++)
			found |= rows[j].step == k + 1 && fabs(rows[j].loss - (2.0 - 0.1 * k)) < 1e-12;
		if (o->step_ok[k] && !found) {
			diag("%s: step %d was reported stored but is missing", label, k + 1);
			bad++;
		}
	}
	free(rows);
	if (tg_store_evals(s, o->id, TG_EVALS_ALL, &ev, &n, &err) == TG_OK && o->eval_ok && n != 1) {
		diag("%s: the evaluation was reported stored, %d rows", label, n);
		bad++;
	}
	free(ev);
out:
	tg_store_close(s);
	return bad;
}

static void
sweep_faults(const char *root, bool persist)
{
	char ws[512], label[64], cmd[600];
	outcome o;
	int n, bad = 0, tried = 0, reached, nfailed_reports = 0;

	for (n = 1; n < 2000; n++) {
		snprintf(ws, sizeof ws, "%s/%s-%d", root, persist ? "full" : "ioerr", n);
		snprintf(label, sizeof label, "%s at write %d", persist ? "disk full" : "I/O error", n);
		fault_at = n;
		fault_persist = persist;
		nwrites = 0;
		armed = true;
		sequence(ws, &o);
		armed = false;
		reached = nwrites >= n;
		tried++;
		if (reached && !(o.opened && o.done_ok))
			nfailed_reports++;
		bad += verify(ws, &o, label);
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", ws);
		if (system(cmd) != 0)
			diag("could not remove %s", ws);
		if (!reached)
			break;                 /* the whole sequence ran below the fault: every write was tried */
	}
	ok(bad == 0 && n < 2000, "%s: a fault at each of the %d writes of the sequence: the store opens, is intact, "
	    "holds what was reported stored, and the run's status is the last one stored (%d sequences reported a "
	    "failure; %d problems)", persist ? "disk full" : "transient I/O error", tried - 1, nfailed_reports, bad);
}

/* ---- a training run whose disk fills up ------------------------------------------------------------------------ */
static void
on_step(void *ud, const tg_step_info *si)
{
	(void)ud;
	if (si->step == 2 && !armed) {            /* from the next write on, the disk is full */
		nwrites = 0;
		fault_at = 1;
		fault_persist = true;
		armed = true;
	}
}

static void
train_disk_full(const char *root)
{
	const char *micro = getenv("TAMGA_TEST_MICRO");
	char ws[512], mpath[600];
	tg_experiment x;
	tg_train_result res;
	tg_error err = { 0 };
	int64_t id = 0;
	int rc;
	tg_store *s;
	tg_run_info ri;

	snprintf(mpath, sizeof mpath, "%s/config.json", micro ? micro : "");
	if (micro == NULL || access(mpath, R_OK) != 0) {
		skip("the micro model is not available (TAMGA_TEST_MICRO)");
		return;
	}
	snprintf(ws, sizeof ws, "%s/train-full", root);
	tg_experiment_init(&x);
	x.model = micro;
	x.build_model = false;
	x.workspace = ws;
	x.task.task = "udpos";
	x.task.source = "tr";
	x.task.targets[0] = "kk";
	x.task.n_targets = 1;
	x.task.max_train = 64;
	x.task.max_eval = 16;
	x.train.epochs = 1;
	x.train.batch_size = 16;
	x.train.boot_resamples = 10;
	x.train.progress = false;
	x.train.on_step = on_step;
	rc = tg_experiment_run(&x, &id, &res, &err);
	armed = false;
	ok(rc == TG_ERR && id > 0, "a run whose disk fills up fails: %s", err.msg);
	ok(x.held && !x.marked_failed, "and knows that its FAILED status was not stored either (so tamga train does "
	    "not say 'marked failed')");
	tg_train_result_clear(&res);
	s = tg_store_open(ws, 0, &err);
	ok(s != NULL && tg_store_run_get(s, id, &ri, &err) == TG_OK && ri.status == TG_RUN_RUNNING,
	    "the store, readable again, shows the run as it was last stored (running), not done");
	if (s != NULL)
		tg_run_info_clear(&ri);
	tg_store_close(s);
}

int
main(void)
{
	const char *tmp = getenv("TMPDIR");
	char root[256], cmd[300];

	snprintf(root, sizeof root, "%s/t-store-fault-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(root) == NULL) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	fault_vfs_install();
	ok(sqlite3_vfs_find(NULL) == &fault_vfs, "the failing VFS is the default");
	sweep_faults(root, false);
	sweep_faults(root, true);
	train_disk_full(root);
	if (tap_failed == 0) {
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
		if (system(cmd) != 0)
			diag("could not remove %s", root);
	}
	return done_testing();
}
