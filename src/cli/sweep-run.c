/* Launching a sweep's points: the manifest, local worker processes, one Slurm job array, and the worker that runs
 * one point of a manifest (tamga sweep --worker MANIFEST --index I).
 *
 * The manifest (<workspace>/sweeps/<tag>.manifest, format tamga-sweep-manifest version 1) is JSON lines: a header
 * object (workspace, host, launcher, parallel, requeue, slurm_opts, points), then one object per point {"index",
 * "name", "argv"} with the point's full tamga train options. Its file name carries a hash of the points, so a job
 * array always finds the points it was submitted with. Local workers write the workspace store; a Slurm task, or a
 * worker on another host than the manifest's, writes its point's shard (exp.h: gather.c), gathered later. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cli/cli.h"
#include "exp/exp.h"

#define MANIFEST_FORMAT  "tamga-sweep-manifest"
#define MANIFEST_VERSION 1

typedef enum { POINT_NEW, POINT_CONTINUE, POINT_DONE, POINT_BUSY } point_state;

/* What the store in dir holds for the run named exactly name (the worker decides again, atomically, when it
 * claims). A missing store is NEW. */
static point_state
point_look(const char *dir, const char *name, int64_t *id, char *who, size_t wn)
{
	tg_store *s;
	tg_run_filter f = { 0 };
	tg_run_info *runs = NULL;
	int n = 0, i;
	point_state ps = POINT_NEW;
	char *db;
	struct stat sb;

	*id = 0;
	tg_xasprintf(&db, "%s/%s", dir, TG_STORE_DB_NAME);
	s = stat(db, &sb) == 0 ? tg_store_open(dir, TG_STORE_READONLY, NULL) : NULL;
	free(db);
	if (s == NULL)
		return POINT_NEW;
	f.name = name;
	f.order = TG_ORDER_OLDEST;
	if (tg_store_run_list(s, &f, &runs, &n, NULL) == TG_OK) {
		for (i = 0; i < n; i++)
			if (runs[i].status == TG_RUN_DONE)
				ps = POINT_DONE, *id = runs[i].id;
		for (i = 0; ps == POINT_NEW && i < n; i++)
			if (tg_run_lease_held(&runs[i])) {
				ps = POINT_BUSY;
				*id = runs[i].id;
				tg_run_lease_holder(&runs[i], who, wn);
			}
		if (ps == POINT_NEW && n > 0)
			ps = POINT_CONTINUE, *id = runs[n - 1].id;
	}
	tg_run_list_free(runs, n);
	tg_store_close(s);
	return ps;
}

/* ---- the manifest ----------------------------------------------------------------------------------------------- */

typedef struct manifest {
	json_t *head;
	json_t *pts;          /* array of point objects, index order */
} manifest;

static void
manifest_clear(manifest *m)
{
	json_decref(m->head);
	json_decref(m->pts);
	m->head = m->pts = NULL;
}

static const char *
head_str(const manifest *m, const char *key)
{
	const char *v = json_string_value(json_object_get(m->head, key));
	return v ? v : "";
}

static const char *
point_name_of(const manifest *m, long k)
{
	return json_string_value(json_object_get(json_array_get(m->pts, (size_t)k), "name"));
}

/* Read and check a manifest; 0, or -1 with one line in why ("FILE:LINE: what"). */
static int
manifest_read(const char *path, manifest *m, char *why, size_t wn)
{
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	long lno = 0, npts = -1;
	tg_error err = { 0 };

	m->head = m->pts = NULL;
	if ((f = tg_fopen_regular(path, &err)) == NULL)
		return snprintf(why, wn, "%s (hint: give the manifest 'tamga sweep' printed, under WORKSPACE/sweeps/)",
		    err.msg), -1;
	m->pts = json_array();
	while ((len = getline(&line, &cap, f)) >= 0) {
		json_error_t je;
		json_t *o;
		lno++;
		if (len <= 1)
			continue;
		if ((o = json_loads(line, JSON_REJECT_DUPLICATES, &je)) == NULL || !json_is_object(o)) {
			snprintf(why, wn, "%s:%ld: not a JSON object (%s)", path, lno, o ? "another JSON value" : je.text);
			json_decref(o);
			goto bad;
		}
		if (m->head == NULL) {
			if (strcmp(json_string_value(json_object_get(o, "format")) ? json_string_value(json_object_get(o,
			    "format")) : "", MANIFEST_FORMAT) != 0) {
				snprintf(why, wn, "%s:1: not a tamga sweep manifest (no \"format\": \"%s\")", path,
				    MANIFEST_FORMAT);
				json_decref(o);
				goto bad;
			}
			if (json_integer_value(json_object_get(o, "version")) != MANIFEST_VERSION) {
				snprintf(why, wn, "%s:1: manifest version %lld; this tamga reads version %d (hint: run the "
				    "sweep again with this tamga to write a new manifest)", path,
				    (long long)json_integer_value(json_object_get(o, "version")), MANIFEST_VERSION);
				json_decref(o);
				goto bad;
			}
			m->head = o;
			npts = (long)json_integer_value(json_object_get(o, "points"));
			if (!json_is_string(json_object_get(o, "workspace"))) {
				snprintf(why, wn, "%s:1: the header has no \"workspace\"", path);
				goto bad;
			}
			continue;
		}
		{
			json_t *av = json_object_get(o, "argv");
			size_t i;
			if (!json_is_string(json_object_get(o, "name")) || !json_is_array(av) ||
			    json_integer_value(json_object_get(o, "index")) != (json_int_t)json_array_size(m->pts)) {
				snprintf(why, wn, "%s:%ld: expected {\"index\": %zu, \"name\": \"...\", \"argv\": [...]}",
				    path, lno, json_array_size(m->pts));
				json_decref(o);
				goto bad;
			}
			for (i = 0; i < json_array_size(av); i++)
				if (!json_is_string(json_array_get(av, i))) {
					snprintf(why, wn, "%s:%ld: argv item %zu is not a string", path, lno, i + 1);
					json_decref(o);
					goto bad;
				}
		}
		json_array_append_new(m->pts, o);
	}
	free(line);
	fclose(f);
	if (m->head == NULL)
		return snprintf(why, wn, "%s: empty (not a tamga sweep manifest)", path), manifest_clear(m), -1;
	if (npts != (long)json_array_size(m->pts))
		return snprintf(why, wn, "%s: the header says %ld points but the file has %zu (cut short? run the sweep "
		    "again to rewrite it)", path, npts, json_array_size(m->pts)), manifest_clear(m), -1;
	return 0;
bad:
	free(line);
	fclose(f);
	manifest_clear(m);
	return -1;
}

/* Written to PATH.tmp, then renamed: a worker never reads half a manifest. */
static int
manifest_write(const char *path, const manifest *m, char *why, size_t wn)
{
	char *tmp;
	FILE *f;
	size_t i;
	int bad;

	tg_xasprintf(&tmp, "%s.tmp", path);
	if ((f = fopen(tmp, "w")) == NULL) {
		snprintf(why, wn, "%s: cannot write: %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	bad = json_dumpf(m->head, f, JSON_COMPACT | JSON_PRESERVE_ORDER) != 0 || fputc('\n', f) == EOF;
	for (i = 0; !bad && i < json_array_size(m->pts); i++)
		bad = json_dumpf(json_array_get(m->pts, i), f, JSON_COMPACT | JSON_PRESERVE_ORDER) != 0 ||
		    fputc('\n', f) == EOF;
	if (fclose(f) != 0 || bad || rename(tmp, path) != 0) {
		snprintf(why, wn, "%s: cannot write: %s", path, strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}

/* ---- the worker ------------------------------------------------------------------------------------------------- */

int
tg_sweep_worker(const char *path, long index)
{
	manifest m;
	char why[1024], host[256], *shard = NULL;
	const char *ws, *name, *target;
	json_t *pt, *av;
	char **argv;
	int ac = 0, rc;
	size_t i;

	if (manifest_read(path, &m, why, sizeof why) != 0) {
		fprintf(stderr, "tamga sweep: %s\n", why);
		return 2;
	}
	if (index < 0 || index >= (long)json_array_size(m.pts)) {
		fprintf(stderr, "tamga sweep: --index %ld: %s has points 0 to %zu\n", index, path,
		    json_array_size(m.pts) - 1);
		manifest_clear(&m);
		return 2;
	}
	ws = head_str(&m, "workspace");
	pt = json_array_get(m.pts, (size_t)index);
	name = json_string_value(json_object_get(pt, "name"));
	av = json_object_get(pt, "argv");
	/* a Slurm task, or any worker away from the workspace's host, writes only its own shard */
	target = ws;
	if (strcmp(head_str(&m, "launcher"), "slurm") == 0 || strcmp(head_str(&m, "host"), tg_host_name(host,
	    sizeof host)) != 0) {
		target = shard = tg_shard_path(ws, name);
		if (tg_mkdirs(shard, 0777) != 0) {
			fprintf(stderr, "tamga sweep: point %ld: cannot create its shard %s: %s\n", index, shard,
			    strerror(errno));
			free(shard);
			manifest_clear(&m);
			return 1;
		}
	}
	{
		/* the sweep's TAMGA_DATA and TAMGA_MODEL where this task's environment has none; as many threads as
		 * Slurm gave the task CPUs (--slurm-opt --cpus-per-task=N), unless TAMGA_THREADS says otherwise */
		const char *key;
		json_t *val;
		int64_t nt;
		json_object_foreach(json_object_get(m.head, "env"), key, val)
			if (json_is_string(val) && (getenv(key) == NULL || !*getenv(key)))
				setenv(key, json_string_value(val), 1);
		if ((key = getenv("SLURM_CPUS_PER_TASK")) != NULL && getenv("TAMGA_THREADS") == NULL &&
		    tg_parse_int("SLURM_CPUS_PER_TASK", key, 1, TG_THREADS_MAX, &nt, NULL) == TG_OK)
			tg_threads_set((int)nt);
	}
	argv = tg_xcalloc(json_array_size(av) + 8, sizeof *argv);
	argv[ac++] = "train";
	for (i = 0; i < json_array_size(av); i++)
		argv[ac++] = (char *)json_string_value(json_array_get(av, i));
	argv[ac++] = "--workspace";
	argv[ac++] = (char *)target;
	argv[ac++] = "--name";
	argv[ac++] = (char *)name;
	argv[ac++] = "--quiet";
	argv[ac] = NULL;
	if (getenv("SLURM_JOB_ID") != NULL)
		fprintf(stderr, "tamga sweep: point %ld of %s: %s -> %s\n", index, path, name, target);
	rc = tg_cmd_train_point(ac, argv);
	free(argv);
	free(shard);
	manifest_clear(&m);
	return rc;
}

/* ---- launching -------------------------------------------------------------------------------------------------- */

static void
gather_note(void *ud, const char *shard, const char *why)
{
	if (ud != NULL)
		fprintf(stderr, "gather: %s: %s\n", shard, why);
}

int
tg_cli_gather(const char *ws, bool verbose, tg_gather_stats *out)
{
	tg_gather_opts go = { gather_note, verbose ? (void *)1 : NULL };
	tg_gather_stats st;
	tg_error err = { 0 };
	char *dir;
	struct stat sb;

	if (out != NULL)
		memset(out, 0, sizeof *out);
	tg_xasprintf(&dir, "%s/%s", ws, TG_SHARD_DIR);
	if (stat(dir, &sb) != 0) {
		free(dir);
		return 0;                      /* no shards: nothing to do, and nothing is created */
	}
	free(dir);
	if (tg_gather(ws, &go, &st, &err) != TG_OK) {
		fprintf(stderr, "tamga: gathering the run shards of %s: %s\n", ws, err.msg);
		if (err.hint[0])
			fprintf(stderr, "hint: %s\n", err.hint);
		return 1;
	}
	if (!verbose && (st.gathered > 0 || st.broken > 0))
		fprintf(stderr, "gather: %d runs gathered from the shards of %s%s\n", st.gathered, ws, st.broken ?
		    " (some shards could not be read: 'tamga gather' names them)" : "");
	if (out != NULL)
		*out = st;
	return 0;
}

/* Single-quoted for /bin/sh. */
static void
sh_quote(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++)
		if (*s == '\'')
			fputs("'\\''", f);
		else
			fputc(*s, f);
	fputc('\'', f);
}

/* Run argv (sbatch ...), its stdout into out[]; the exit status, or -1 when it could not start. */
static int
run_capture(char *const *argv, char *out, size_t on)
{
	int fd[2], st;
	pid_t pid;
	size_t len = 0;
	ssize_t r;

	out[0] = '\0';
	if (pipe(fd) != 0)
		return -1;
	if ((pid = fork()) == 0) {
		close(fd[0]);
		dup2(fd[1], 1);
		close(fd[1]);
		execvp(argv[0], argv);
		fprintf(stderr, "tamga sweep: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(fd[1]);
	if (pid < 0) {
		close(fd[0]);
		return -1;
	}
	while (len + 1 < on && (r = read(fd[0], out + len, on - len - 1)) > 0)
		len += (size_t)r;
	out[len] = '\0';
	close(fd[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	while (len > 0 && (out[len - 1] == '\n' || out[len - 1] == ' '))
		out[--len] = '\0';
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static const char *
self_exe(char *buf, size_t n)
{
	ssize_t r = readlink("/proc/self/exe", buf, n - 1);
	if (r <= 0)
		return "tamga";
	buf[r] = '\0';
	return buf;
}

/* The indices as Slurm's --array list: "0-3,5,7-9". */
static char *
array_spec(const long *idx, long n)
{
	char *s = tg_xmalloc((size_t)n * 24 + 1);
	size_t len = 0;
	long i = 0, j;

	s[0] = '\0';
	while (i < n) {
		for (j = i; j + 1 < n && idx[j + 1] == idx[j] + 1; j++)
			;
		len += (size_t)(j > i ? sprintf(s + len, "%s%ld-%ld", len ? "," : "", idx[i], idx[j]) :
		    sprintf(s + len, "%s%ld", len ? "," : "", idx[i]));
		i = j + 1;
	}
	return s;
}

/* Submit a batch script with sbatch; the job id into id[]. 0, or -1 after a message. */
static int
sbatch(const manifest *m, const char *script, const char *array, const char *depend, const char *jobname,
    const char *log, char *id, size_t idn)
{
	json_t *opts = json_object_get(m->head, "slurm_opts");
	const char *sb = getenv("TAMGA_SBATCH");
	char **av = tg_xcalloc(json_array_size(opts) + 16, sizeof *av), *a_arr = NULL, *a_dep = NULL, *a_name, *a_out,
	    cwd[PATH_MAX];
	int ac = 0, rc;
	size_t i;

	av[ac++] = (char *)(sb != NULL && *sb ? sb : "sbatch");
	av[ac++] = "--parsable";
	tg_xasprintf(&a_name, "--job-name=%s", jobname);
	av[ac++] = a_name;
	tg_xasprintf(&a_out, "--output=%s", log);
	av[ac++] = a_out;
	if (getcwd(cwd, sizeof cwd) != NULL) {
		static char chd[PATH_MAX + 16];
		snprintf(chd, sizeof chd, "--chdir=%s", cwd);
		av[ac++] = chd;
	}
	if (array != NULL) {
		tg_xasprintf(&a_arr, "--array=%s%%%lld", array, (long long)json_integer_value(json_object_get(m->head,
		    "parallel")));
		av[ac++] = a_arr;
		if (json_is_true(json_object_get(m->head, "requeue")))
			av[ac++] = "--requeue";
	}
	if (depend != NULL) {
		tg_xasprintf(&a_dep, "--dependency=afterany:%s", depend);
		av[ac++] = a_dep;
	}
	for (i = 0; i < json_array_size(opts); i++)
		av[ac++] = (char *)json_string_value(json_array_get(opts, i));
	av[ac++] = (char *)script;
	av[ac] = NULL;
	rc = run_capture(av, id, idn);
	if (rc != 0 || id[0] == '\0' || strspn(id, "0123456789;_") != strlen(id)) {
		fprintf(stderr, "tamga sweep: %s %s failed (exit %d)%s%s\n", av[0], script, rc, id[0] ? "; it printed: " :
		    "", id);
		fprintf(stderr, "hint: %s\n", rc == 127 ? "is Slurm's sbatch on PATH? (or set TAMGA_SBATCH)" :
		    "check the --slurm-opt values (partition, time, memory) with the cluster's sinfo");
		rc = -1;
	} else {
		char *semi = strchr(id, ';');           /* "id;cluster" on a federation */
		if (semi != NULL)
			*semi = '\0';
		rc = 0;
	}
	free(a_arr);
	free(a_dep);
	free(a_name);
	free(a_out);
	free(av);
	return rc;
}

static int
write_script(const char *path, const char *exe, const char *sub, const char *arg, char *why, size_t wn)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return snprintf(why, wn, "%s: cannot write: %s", path, strerror(errno)), -1;
	fprintf(f, "#!/bin/sh\n# written by tamga sweep; submitted with sbatch (see the manifest next to it)\nexec ");
	sh_quote(f, exe);
	fprintf(f, " %s ", sub);
	sh_quote(f, arg);
	if (strcmp(sub, "sweep --worker") == 0)
		fprintf(f, " --index \"$SLURM_ARRAY_TASK_ID\"");
	fprintf(f, "\n");
	if (fclose(f) != 0)
		return snprintf(why, wn, "%s: cannot write: %s", path, strerror(errno)), -1;
	chmod(path, 0755);
	return 0;
}

/* The points of the manifest that are not finished and not held by a live process, into idx[]. */
static long
pending(const manifest *m, long *idx, bool shards, bool verbose)
{
	const char *ws = head_str(m, "workspace");
	long k, n = 0, total = (long)json_array_size(m->pts);

	for (k = 0; k < total; k++) {
		const char *name = point_name_of(m, k);
		char who[400] = "";
		int64_t rid;
		point_state ps = point_look(ws, name, &rid, who, sizeof who);
		if (ps == POINT_NEW && shards) {
			char *sh = tg_shard_path(ws, name);
			ps = point_look(sh, name, &rid, who, sizeof who);
			free(sh);
			if (ps == POINT_DONE) {
				if (verbose)
					fprintf(stderr, "sweep: [%ld/%ld] finished in its shard but not gathered (see 'tamga "
					    "gather'): %s\n", k + 1, total, name);
				continue;
			}
		}
		if (ps == POINT_DONE) {
			if (verbose)
				fprintf(stderr, "sweep: [%ld/%ld] done before: %s\n", k + 1, total, name);
		} else if (ps == POINT_BUSY) {
			if (verbose)
				fprintf(stderr, "sweep: [%ld/%ld] running elsewhere (run %lld, %s): %s\n", k + 1, total,
				    (long long)rid, who, name);
		} else
			idx[n++] = k;
	}
	return n;
}

static int
launch_slurm(const char *mpath, const manifest *m)
{
	const char *ws = head_str(m, "workspace");
	long total = (long)json_array_size(m->pts), n, *idx = tg_xcalloc((size_t)total + 1, sizeof *idx);
	char exe[PATH_MAX], why[1024], job[128], gjob[128], *base, *script, *gscript, *log, *glog, *spec, *jobs,
	    *jname, *dot;
	const char *slash = strrchr(mpath, '/');
	FILE *jf;
	int rc = 1;

	n = pending(m, idx, true, true);
	if (n == 0) {
		printf("sweep: every point of %s is done or running; nothing to submit\n", mpath);
		free(idx);
		return 0;
	}
	base = tg_xstrdup(mpath);
	if ((dot = strrchr(base, '.')) != NULL && dot > base + (slash ? slash - mpath : 0))
		*dot = '\0';
	tg_xasprintf(&script, "%s.sbatch", base);
	tg_xasprintf(&gscript, "%s.gather.sbatch", base);
	tg_xasprintf(&log, "%s-%%A_%%a.log", base);
	tg_xasprintf(&glog, "%s-gather-%%j.log", base);
	tg_xasprintf(&jobs, "%s.jobs", base);
	tg_xasprintf(&jname, "tamga-%s", slash ? slash + 1 : mpath);
	if ((dot = strrchr(jname, '.')) != NULL)
		*dot = '\0';
	self_exe(exe, sizeof exe);
	spec = array_spec(idx, n);
	if (write_script(script, exe, "sweep --worker", mpath, why, sizeof why) != 0 ||
	    write_script(gscript, exe, "gather --workspace", ws, why, sizeof why) != 0) {
		fprintf(stderr, "tamga sweep: %s\n", why);
		goto out;
	}
	if (sbatch(m, script, spec, NULL, jname, log, job, sizeof job) != 0)
		goto out;
	if ((jf = fopen(jobs, "a")) != NULL) {
		fprintf(jf, "array %s %s\n", job, spec);
		fclose(jf);
	}
	printf("sweep: submitted job array %s: %ld of %ld points (%s), at most %lld at a time\n", job, n, total, spec,
	    (long long)json_integer_value(json_object_get(m->head, "parallel")));
	{
		char *gname;
		tg_xasprintf(&gname, "%s-gather", jname);
		rc = sbatch(m, gscript, NULL, job, gname, glog, gjob, sizeof gjob);
		free(gname);
	}
	if (rc != 0) {
		fprintf(stderr, "tamga sweep: the array runs, but no gather job follows it; run 'tamga gather -w %s' "
		    "after it ends\n", ws);
		rc = 1;
		goto out;
	}
	if ((jf = fopen(jobs, "a")) != NULL) {
		fprintf(jf, "gather %s %s\n", gjob, job);
		fclose(jf);
	}
	printf("sweep: gather job %s runs after it; 'tamga runs -w %s' shows the points, 'tamga sweep --resume %s' "
	    "resubmits the unfinished ones\n", gjob, ws, mpath);
	rc = 0;
out:
	free(spec);
	free(base);
	free(script);
	free(gscript);
	free(log);
	free(glog);
	free(jobs);
	free(jname);
	free(idx);
	return rc;
}

static int
launch_local(const char *mpath, const manifest *m)
{
	const char *ws = head_str(m, "workspace");
	long total = (long)json_array_size(m->pts), k;
	int workers = (int)json_integer_value(json_object_get(m->head, "parallel"));
	int running = 0, failed = 0, skipped = 0, done = 0, busy = 0;
	pid_t parent = getpid();

	if (workers < 1)
		workers = 1;
	fprintf(stderr, "sweep: %ld runs, %d worker%s, workspace %s\n", total, workers, workers > 1 ? "s" : "", ws);
	for (k = 0; k < total || running > 0; ) {
		if (k < total && running < workers) {
			const char *name = point_name_of(m, k);
			char who[400] = "";
			int64_t rid;
			point_state ps;
			pid_t pid;
			k++;
			ps = point_look(ws, name, &rid, who, sizeof who);
			if (ps == POINT_DONE) {
				skipped++;
				fprintf(stderr, "sweep: [%ld/%ld] done before: %s\n", k, total, name);
				continue;
			}
			if (ps == POINT_BUSY) {
				busy++;
				fprintf(stderr, "sweep: [%ld/%ld] running elsewhere (run %lld, %s): %s\n", k, total,
				    (long long)rid, who, name);
				continue;
			}
			if (ps == POINT_CONTINUE)
				fprintf(stderr, "sweep: [%ld/%ld] %s (continuing run %lld)\n", k, total, name, (long long)rid);
			else
				fprintf(stderr, "sweep: [%ld/%ld] %s\n", k, total, name);
			fflush(stderr);
			if ((pid = fork()) == 0) {
				int fd;
				/* the worker dies with the sweep: a killed sweep must not leave workers that a restarted
				 * sweep would duplicate (the parent may be gone already before prctl) */
				if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
					_exit(1);
				if ((fd = open("/dev/null", O_WRONLY)) >= 0) {
					dup2(fd, 1);
					close(fd);
				}
				_exit(tg_sweep_worker(mpath, k - 1));
			}
			if (pid < 0) {
				fprintf(stderr, "tamga sweep: fork: %s\n", strerror(errno));
				return 1;
			}
			running++;
		} else {
			int st;
			if (wait(&st) > 0) {
				running--;
				if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
					done++;
				else if (WIFEXITED(st) && WEXITSTATUS(st) == TG_EXIT_POINT_DONE)
					skipped++;
				else if (WIFEXITED(st) && WEXITSTATUS(st) == TG_EXIT_POINT_BUSY)
					busy++;
				else
					failed++;
			}
		}
	}
	printf("sweep: %d runs finished, %d done before, %d failed; 'tamga report -w %s' shows them\n", done, skipped,
	    failed, ws);
	if (busy > 0)
		printf("sweep: %d runs are held by other live processes and were not run here; run the sweep again "
		    "after they end\n", busy);
	return failed || busy ? 1 : 0;
}

/* Launch the manifest at mpath with the settings of its header. */
static int
launch(const char *mpath, const manifest *m)
{
	if (tg_cli_gather(head_str(m, "workspace"), false, NULL) != 0)
		return 1;
	if (strcmp(head_str(m, "launcher"), "slurm") == 0)
		return launch_slurm(mpath, m);
	return launch_local(mpath, m);
}

static void
settings_into(json_t *head, const tg_sweep_launch *l)
{
	json_t *so = json_array();
	int i;

	json_object_set_new(head, "launcher", json_string(l->launcher == TG_LAUNCH_SLURM ? "slurm" : "local"));
	json_object_set_new(head, "parallel", json_integer(l->parallel > 0 ? l->parallel : 1));
	json_object_set_new(head, "requeue", json_boolean(l->requeue));
	for (i = 0; i < l->n_slurm_opts; i++)
		json_array_append_new(so, json_string(l->slurm_opts[i]));
	json_object_set_new(head, "slurm_opts", so);
}

int
tg_sweep_run_points(const tg_sweep_launch *l, const tg_sweep_point *pts, long n)
{
	manifest m;
	char absws[PATH_MAX], host[256], why[1024], *dir, *mpath, *text, tag[48];
	const char *ws = l->workspace ? l->workspace : tg_workspace_default();
	uint64_t h = 0xcbf29ce484222325ull;
	size_t k = 0;
	long i;
	int j, rc;

	if (tg_mkdirs(ws, 0777) != 0 || realpath(ws, absws) == NULL) {
		fprintf(stderr, "tamga sweep: workspace %s: %s\n", ws, strerror(errno));
		return 1;
	}
	m.head = json_object();
	m.pts = json_array();
	json_object_set_new(m.head, "format", json_string(MANIFEST_FORMAT));
	json_object_set_new(m.head, "version", json_integer(MANIFEST_VERSION));
	json_object_set_new(m.head, "workspace", json_string(absws));
	json_object_set_new(m.head, "host", json_string(tg_host_name(host, sizeof host)));
	json_object_set_new(m.head, "points", json_integer(n));
	{
		/* what the points read from the environment, for tasks started without it (a later --resume) */
		static const char *const keep[] = { "TAMGA_DATA", "TAMGA_MODEL" };
		json_t *env = json_object();
		for (j = 0; j < 2; j++)
			if (getenv(keep[j]) != NULL && *getenv(keep[j]))
				json_object_set_new(env, keep[j], json_string(getenv(keep[j])));
		json_object_set_new(m.head, "env", env);
	}
	settings_into(m.head, l);
	for (i = 0; i < n; i++) {
		json_t *o = json_object(), *av = json_array();
		json_object_set_new(o, "index", json_integer(i));
		json_object_set_new(o, "name", json_string(pts[i].name));
		for (j = 0; j < pts[i].argc; j++)
			json_array_append_new(av, json_string(pts[i].argv[j]));
		json_object_set_new(o, "argv", av);
		json_array_append_new(m.pts, o);
	}
	/* the file name: the tag made file-safe, and a hash of the points (not of the launch settings) */
	text = json_dumps(m.pts, JSON_COMPACT | JSON_PRESERVE_ORDER);
	for (j = 0; text[j]; j++)
		h = (h ^ (unsigned char)text[j]) * 0x100000001b3ull;
	free(text);
	for (j = 0; l->tag != NULL && l->tag[j] && k < 32; j++) {
		char c = l->tag[j];
		tag[k++] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
		    c == '_' ? c : '_';
	}
	tag[k] = '\0';
	tg_xasprintf(&dir, "%s/sweeps", absws);
	tg_xasprintf(&mpath, "%s/%s-%08llx.manifest", dir, k ? tag : "sweep", (unsigned long long)(h & 0xffffffffu));
	if (tg_mkdirs(dir, 0777) != 0) {
		fprintf(stderr, "tamga sweep: cannot create %s: %s\n", dir, strerror(errno));
		rc = 1;
	} else if (manifest_write(mpath, &m, why, sizeof why) != 0) {
		fprintf(stderr, "tamga sweep: %s\n", why);
		rc = 1;
	} else {
		fprintf(stderr, "sweep: manifest %s\n", mpath);
		rc = launch(mpath, &m);
	}
	free(dir);
	free(mpath);
	manifest_clear(&m);
	return rc;
}

int
tg_sweep_resume(const char *mpath, const tg_sweep_launch *l)
{
	manifest m;
	char why[1024];
	int rc;

	if (manifest_read(mpath, &m, why, sizeof why) != 0) {
		fprintf(stderr, "tamga sweep: --resume: %s\n", why);
		return 1;
	}
	if (l != NULL) {
		if (l->launcher != TG_LAUNCH_DEFAULT)
			json_object_set_new(m.head, "launcher", json_string(l->launcher == TG_LAUNCH_SLURM ? "slurm" :
			    "local"));
		if (l->parallel > 0)
			json_object_set_new(m.head, "parallel", json_integer(l->parallel));
		if (l->requeue)
			json_object_set_new(m.head, "requeue", json_true());
		if (l->n_slurm_opts > 0) {
			json_t *so = json_array();
			int i;
			for (i = 0; i < l->n_slurm_opts; i++)
				json_array_append_new(so, json_string(l->slurm_opts[i]));
			json_object_set_new(m.head, "slurm_opts", so);
		}
		/* the header keeps the settings of the latest launch */
		if (manifest_write(mpath, &m, why, sizeof why) != 0) {
			fprintf(stderr, "tamga sweep: %s\n", why);
			manifest_clear(&m);
			return 1;
		}
	}
	rc = launch(mpath, &m);
	manifest_clear(&m);
	return rc;
}

/* ---- seeing the points ------------------------------------------------------------------------------------------ */

/* Whether index k is in an --array list ("0-3,5", any %K cut off before). */
static bool
spec_has(const char *spec, long k)
{
	const char *p = spec;

	while (*p && *p != '%') {
		char *end;
		long a = strtol(p, &end, 10), b = a;
		if (end == p)
			return false;
		if (*end == '-')
			b = strtol(end + 1, &end, 10);
		if (k >= a && k <= b)
			return true;
		p = *end == ',' ? end + 1 : end;
		if (*p != '\0' && *p != '%' && !(*p >= '0' && *p <= '9'))
			return false;
	}
	return false;
}

/* The state of "JOB_INDEX" in text lines "JOB_INDEX STATE" (squeue -o '%i %T' / sacct -P -o JobID,State). */
static bool
state_of(const char *text, const char *key, char sep, char *state, size_t sn)
{
	size_t kl = strlen(key);
	const char *p = text;

	while (p != NULL && *p) {
		if (strncmp(p, key, kl) == 0 && p[kl] == sep) {
			size_t l = strcspn(p + kl + 1, "\n");
			snprintf(state, sn, "%.*s", (int)(l < sn ? l : sn - 1), p + kl + 1);
			return true;
		}
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return false;
}

void
tg_sweep_points_print(const char *ws, FILE *out)
{
	char *dir;
	DIR *d;
	struct dirent *de;

	tg_xasprintf(&dir, "%s/sweeps", ws);
	if ((d = opendir(dir)) == NULL) {
		free(dir);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);
		char *jobs, *mpath, line[512], ids[4096] = "", *sq, *sa;
		char **jspec = NULL, **jid = NULL;
		int nj = 0, j, shown = 0;
		manifest m;
		FILE *f;
		long k;
		tg_store *s;
		char why[1024];

		if (l < 6 || strcmp(de->d_name + l - 5, ".jobs") != 0)
			continue;
		tg_xasprintf(&jobs, "%s/%s", dir, de->d_name);
		tg_xasprintf(&mpath, "%s/%.*s.manifest", dir, (int)(l - 5), de->d_name);
		if ((f = fopen(jobs, "r")) != NULL) {
			while (fgets(line, sizeof line, f) != NULL) {
				char kind[16], id[64], spec[400];
				if (sscanf(line, "%15s %63s %399s", kind, id, spec) != 3 || strcmp(kind, "array") != 0)
					continue;
				jid = tg_xrealloc(jid, (size_t)(nj + 1) * sizeof *jid);
				jspec = tg_xrealloc(jspec, (size_t)(nj + 1) * sizeof *jspec);
				jid[nj] = tg_xstrdup(id);
				jspec[nj++] = tg_xstrdup(spec);
				if (strlen(ids) + strlen(id) + 2 < sizeof ids)
					snprintf(ids + strlen(ids), sizeof ids - strlen(ids), "%s%s", ids[0] ? "," : "", id);
			}
			fclose(f);
		}
		if (nj == 0 || manifest_read(mpath, &m, why, sizeof why) != 0) {
			for (j = 0; j < nj; j++)
				free(jid[j]), free(jspec[j]);
			free(jid), free(jspec), free(jobs), free(mpath);
			continue;
		}
		/* the Slurm states, when its tools are here (sacct only with accounting) */
		sq = tg_xmalloc(1 << 20);
		sa = tg_xmalloc(1 << 20);
		{
			char *qa[] = { "squeue", "-h", "-r", "-j", ids, "-o", "%i %T", NULL };
			char *aa[] = { "sacct", "-n", "-X", "-P", "-j", ids, "-o", "JobID,State", NULL };
			int fd = open("/dev/null", O_WRONLY), saved = dup(2);
			if (fd >= 0) {
				dup2(fd, 2);            /* "squeue: command not found", "accounting disabled" */
				close(fd);
			}
			if (run_capture(qa, sq, 1 << 20) != 0)
				sq[0] = '\0';
			if (run_capture(aa, sa, 1 << 20) != 0)
				sa[0] = '\0';
			if (saved >= 0) {
				dup2(saved, 2);
				close(saved);
			}
		}
		s = tg_store_open(head_str(&m, "workspace"), TG_STORE_READONLY, NULL);
		for (k = 0; k < (long)json_array_size(m.pts); k++) {
			const char *name = point_name_of(&m, k);
			char key[96] = "-", state[64] = "-", shst[32] = "-", steps[48] = "-", *sh;
			tg_run_filter fl = { 0 };
			tg_run_info *runs = NULL;
			int n = 0;
			bool done = false;
			fl.name = name;
			if (s != NULL && tg_store_run_list(s, &fl, &runs, &n, NULL) == TG_OK)
				for (j = 0; j < n; j++)
					done = done || runs[j].status == TG_RUN_DONE;
			tg_run_list_free(runs, n);
			if (done)
				continue;
			for (j = nj - 1; j >= 0; j--)
				if (spec_has(jspec[j], k)) {
					snprintf(key, sizeof key, "%s_%ld", jid[j], k);
					if (!state_of(sq, key, ' ', state, sizeof state))
						state_of(sa, key, '|', state, sizeof state);
					break;
				}
			sh = tg_shard_path(head_str(&m, "workspace"), name);
			{
				tg_store *ss;
				char *db;
				struct stat sb;
				tg_xasprintf(&db, "%s/%s", sh, TG_STORE_DB_NAME);
				if (stat(db, &sb) == 0 && (ss = tg_store_open(sh, TG_STORE_READONLY, NULL)) != NULL) {
					runs = NULL;
					n = 0;
					if (tg_store_run_list(ss, &fl, &runs, &n, NULL) == TG_OK && n > 0) {
						snprintf(shst, sizeof shst, "%s%s", tg_run_status_name(runs[0].status),
						    tg_run_is_stale(&runs[0]) ? "?" : "");
						snprintf(steps, sizeof steps, "%lld/%lld", (long long)runs[0].steps_done,
						    (long long)runs[0].steps_total);
					}
					tg_run_list_free(runs, n);
					tg_store_close(ss);
				}
				free(db);
			}
			free(sh);
			if (shown++ == 0)
				fprintf(out, "\nsweep points not finished (%s):\n%-14s %-12s %-10s %10s  %s\n", mpath,
				    "slurm job", "slurm state", "shard", "steps", "name");
			fprintf(out, "%-14s %-12s %-10s %10s  %s\n", key, state, shst, steps, name);
		}
		tg_store_close(s);
		free(sq);
		free(sa);
		manifest_clear(&m);
		for (j = 0; j < nj; j++)
			free(jid[j]), free(jspec[j]);
		free(jid), free(jspec), free(jobs), free(mpath);
	}
	closedir(d);
	free(dir);
}
