/* tamga sweep: a grid of training runs (methods, layer sets, sources, data sizes, seeds...), run by N worker
 * processes, skipping runs that already finished, so a stopped sweep continues where it was when restarted.
 *
 * A point is the run named exactly "<prefix> key=value ...". Each worker takes its point in one store transaction
 * (tg_store_run_claim): a point that is done, or held by a live process (this host or another, store.h: leases),
 * is not run again; an unfinished one (killed, failed, cancelled) continues from its checkpoint under its own run
 * id. Workers die with the sweep (PR_SET_PDEATHSIG), so a killed sweep leaves no orphans to duplicate its points.
 * The grid becomes a list of points launched by sweep-run.c (a manifest; local workers or a Slurm job array).
 * tamga gather merges the run shards that Slurm tasks wrote into the workspace store. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cli/cli.h"
#include "exp/options.h"

#define MAX_AXES 8
#define MAX_POINTS 1000000
#define MAX_NAME 255                   /* tg_experiment_run keeps run names of up to 255 bytes */

typedef struct axis {
	char   key[32];                /* a tamga train option without the dashes: peft, source, seed, max-train ... */
	char **val;                    /* into the argument, n of them (no limit) */
	int    n;
} axis;

/* 0, or -1 with a message in why[] */
static int
parse_axis(axis *a, char *spec, char *why, size_t wn)
{
	char *eq = strchr(spec, '='), *p, *save = NULL;
	int i;

	a->val = NULL;
	a->n = 0;
	if (eq == NULL || eq == spec)
		return snprintf(why, wn, "--grid expects OPTION=V1|V2|..., e.g. --grid 'seed=1|2|3'"), -1;
	*eq = '\0';
	if (strlen(spec) - strspn(spec, "-") >= sizeof a->key)
		return snprintf(why, wn, "--grid: option name '%s' is too long", spec), -1;
	snprintf(a->key, sizeof a->key, "%s", spec + strspn(spec, "-"));
	a->val = tg_xcalloc(strlen(eq + 1) / 2 + 2, sizeof *a->val);
	for (p = strtok_r(eq + 1, "|", &save); p != NULL; p = strtok_r(NULL, "|", &save)) {
		for (i = 0; i < a->n; i++)
			if (strcmp(a->val[i], p) == 0) {
				snprintf(why, wn, "--grid %s: the value '%s' is given twice (one run per point)", a->key, p);
				free(a->val);
				return -1;
			}
		a->val[a->n++] = p;
	}
	if (a->n == 0) {
		snprintf(why, wn, "--grid %s= has no values (e.g. --grid '%s=1|2|3')", a->key, a->key);
		free(a->val);
		return -1;
	}
	return 0;
}

/* The run name of point k: the prefix, then key=value in axis order. -1 when longer than MAX_NAME. */
static int
point_name(char *name, size_t n, const char *prefix, const axis *ax, int nax, long k)
{
	size_t len;
	long rem;
	int j, q;

	len = (size_t)snprintf(name, n, "%s", prefix);
	for (j = 0; j < nax && len < n; j++) {
		for (rem = k, q = nax - 1; q > j; q--)
			rem /= ax[q].n;
		len += (size_t)snprintf(name + len, n - len, " %s=%s", ax[j].key, ax[j].val[rem % ax[j].n]);
	}
	return len <= MAX_NAME && len < n ? 0 : -1;
}

/* Every point through the options setter before anything runs (exp/options.c): the common options as `tamga train`
 * reads them, each axis an option a grid may vary, each value valid for it. 0, or 2 after the message. */
static int
check_grid(const axis *ax, int nax, char **common, int nc)
{
	tg_experiment x;
	tg_error err = { 0 };
	char **cv = tg_xcalloc((size_t)nc + 2, sizeof *cv);
	const char *best;
	int i, j, r;

	tg_experiment_init(&x);
	cv[0] = "train";
	for (i = 0; i < nc; i++)
		cv[i + 1] = common[i];
	for (i = 1; i <= nc; i++) {
		if (strcmp(cv[i], "--json") == 0 || strcmp(cv[i], "--quiet") == 0)
			continue;
		if ((r = tg_option_argv(&x, nc + 1, cv, &i, &err)) == 1)
			continue;
		free(cv);
		if (r != 0)
			return tg_cli_usage_error("sweep", "%s", err.msg);
		if ((best = tg_option_suggest(common[i - 1], TG_SURFACE_CLI)) != NULL)
			return tg_cli_usage_error("sweep", "unknown option '%s'; did you mean '%s'?", common[i - 1], best);
		return tg_cli_unknown_option("sweep", common[i - 1], NULL);
	}
	free(cv);
	for (j = 0; j < nax; j++) {
		const tg_option *o = tg_option_find(ax[j].key);
		if (o == NULL && (best = tg_option_suggest(ax[j].key, TG_SURFACE_SWEEP)) != NULL)
			return tg_cli_usage_error("sweep", "--grid %s: not an option of tamga train; did you mean '%s'?",
			    ax[j].key, best);
		if (o == NULL)
			return tg_cli_usage_error("sweep", "--grid %s: not an option of tamga train (see 'tamga train "
			    "--help')", ax[j].key);
		if (!(o->shows & TG_SHOW_SWEEP))
			return tg_cli_usage_error("sweep", "--grid %s: not an option a grid varies (the sweep names each "
			    "run and resumes it; the workspace is one for the sweep)", ax[j].key);
		for (i = 0; i < ax[j].n; i++) {
			tg_experiment y = x;
			if (tg_option_set(&y, o, ax[j].val[i], TG_SURFACE_SWEEP, &err) != TG_OK)
				return tg_cli_usage_error("sweep", "--grid %s: %s", ax[j].key, err.msg);
		}
	}
	return 0;
}

static int
sweep(int argc, char **argv, axis *ax, int *pnax, char **common, const char **sopts)
{
	int nax = 0, i, ns = 0, rc;
	long k, total = 1, index = -1;
	char why[512];
	int nc = 0;
	const char *ws = NULL, *prefix = "sweep", *worker = NULL, *resume = NULL;
	tg_sweep_launch l = { 0 };
	tg_sweep_point *pts;
	char **names;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (tg_cli_is_help(a))
			return tg_cli_help("sweep", NULL);
		if (strcmp(a, "--grid") == 0 || strcmp(a, "-g") == 0) {
			if (v == NULL || nax == MAX_AXES)
				return tg_cli_usage_error("sweep", "--grid expects OPTION=V1|V2|..., e.g. --grid 'seed=1|2|3' "
				    "(at most %d axes)", MAX_AXES);
			if (parse_axis(&ax[nax], argv[i + 1], why, sizeof why) != 0)
				return tg_cli_usage_error("sweep", "%s", why);
			*pnax = nax + 1;               /* the caller frees its values */
			if (total * ax[nax].n > MAX_POINTS)
				return tg_cli_usage_error("sweep", "the grid has over %d points; split it into several "
				    "sweeps", MAX_POINTS);
			total *= ax[nax].n;
			nax++;
			i++;
		} else if (strcmp(a, "--workers") == 0 || strcmp(a, "-j") == 0 || strcmp(a, "--parallel") == 0) {
			int64_t w;
			if (v == NULL)
				return tg_cli_usage_error("sweep", "%s needs a value (1 to 1000)", a);
			if (tg_cli_int("sweep", a, v, 1, strcmp(a, "--parallel") == 0 ? 1000 : 64, &w))
				return 2;
			l.parallel = (int)w;
			i++;
		} else if (strcmp(a, "--launcher") == 0) {
			if (v != NULL && strcmp(v, "local") == 0)
				l.launcher = TG_LAUNCH_LOCAL;
			else if (v != NULL && strcmp(v, "slurm") == 0)
				l.launcher = TG_LAUNCH_SLURM;
			else
				return tg_cli_usage_error("sweep", "--launcher expects local or slurm%s%s%s", v ? " (not '" : "",
				    v ? v : "", v ? "')" : "");
			i++;
		} else if (strcmp(a, "--slurm-opt") == 0) {
			if (v == NULL)
				return tg_cli_usage_error("sweep", "--slurm-opt needs one sbatch option, e.g. "
				    "--slurm-opt --partition=gpu --slurm-opt --time=4:00:00");
			sopts[ns++] = v;
			i++;
		} else if (strcmp(a, "--requeue") == 0) {
			l.requeue = true;
		} else if (strcmp(a, "--worker") == 0 || strcmp(a, "--resume") == 0) {
			if (v == NULL)
				return tg_cli_usage_error("sweep", "%s needs the manifest the sweep wrote "
				    "(WORKSPACE/sweeps/NAME.manifest)", a);
			*(a[2] == 'w' ? &worker : &resume) = v;
			i++;
		} else if (strcmp(a, "--index") == 0) {
			int64_t x;
			if (v == NULL)
				return tg_cli_usage_error("sweep", "--index needs a point number (from 0)");
			if (tg_cli_int("sweep", a, v, 0, MAX_POINTS, &x))
				return 2;
			index = (long)x;
			i++;
		} else if (strcmp(a, "--prefix") == 0) {
			if (v == NULL)
				return tg_cli_usage_error("sweep", "--prefix needs a value");
			prefix = v;
			i++;
		} else {
			if ((strcmp(a, "--workspace") == 0 || strcmp(a, "-w") == 0) && v != NULL)
				ws = v;
			if (strcmp(a, "--name") == 0)
				return tg_cli_usage_error("sweep", "%s is set per run by the sweep", a);
			common[nc++] = argv[i];
		}
	}
	l.workspace = ws;
	l.slurm_opts = sopts;
	l.n_slurm_opts = ns;
	l.tag = prefix;
	if (worker != NULL) {
		if (index < 0)
			return tg_cli_usage_error("sweep", "--worker needs --index I (Slurm: $SLURM_ARRAY_TASK_ID)");
		if (nax > 0 || resume != NULL)
			return tg_cli_usage_error("sweep", "--worker runs one point of a manifest; give no --grid or "
			    "--resume with it");
		return tg_sweep_worker(worker, index);
	}
	if (index >= 0)
		return tg_cli_usage_error("sweep", "--index goes with --worker MANIFEST");
	if (resume != NULL) {
		if (nax > 0 || nc > 0)
			return tg_cli_usage_error("sweep", "--resume MANIFEST takes the points from the manifest; give no "
			    "--grid or train options with it");
		return tg_sweep_resume(resume, &l);
	}
	if (nax == 0)
		return tg_cli_usage_error("sweep", "no --grid given (e.g. --grid 'peft=lora:layers=0-1|pfeiffer' "
		    "--grid 'seed=1|2|3')");
	if (l.launcher != TG_LAUNCH_SLURM && (ns > 0 || l.requeue))
		return tg_cli_usage_error("sweep", "%s goes with --launcher slurm", ns > 0 ? "--slurm-opt" : "--requeue");
	for (k = 0; k < total; k++) {
		char name[MAX_NAME + 2];
		if (point_name(name, sizeof name, prefix, ax, nax, k) != 0)
			return tg_cli_usage_error("sweep", "the run name of point %ld ('%.60s...') is longer than %d bytes; "
			    "use a shorter --prefix or shorter values", k + 1, name, MAX_NAME);
	}
	if (check_grid(ax, nax, common, nc) != 0)
		return 2;
	/* the points: the common options, then one option per axis (the last given wins), read into an experiment
	 * through the options schema (exp/options.h), so a bad value stops the sweep before anything is launched, and
	 * written back by its serializer as the point's full train options (every option a sweep shows) */
	pts = tg_xcalloc((size_t)total, sizeof *pts);
	names = tg_xcalloc((size_t)total, sizeof *names);
	rc = 0;
	for (k = 0; k < total && rc == 0; k++) {
		char name[MAX_NAME + 2], **av = tg_xcalloc((size_t)(nc + 2 * nax + 1), sizeof *av), *keys[MAX_AXES];
		long r = k;
		int ac = 0, j, q, nw = 0;
		tg_experiment x;
		tg_error e = { 0 };
		point_name(name, sizeof name, prefix, ax, nax, k);
		for (j = 0; j < nc; j++)
			av[ac++] = common[j];
		ac += 2 * nax;
		for (j = nax - 1; j >= 0; j--) {
			int vi = (int)(r % ax[j].n);
			r /= ax[j].n;
			const tg_option *o = tg_option_find(ax[j].key);     /* check_grid: one of the table */
			if (o->kind == TG_OPT_BOOL) {
				/* a flag: --words or --no-words (true/false, 1/0, yes/no, on/off: check_grid read it) */
				tg_experiment y;
				char b[8];
				tg_experiment_init(&y);
				tg_option_set(&y, o, ax[j].val[vi], TG_SURFACE_SWEEP, NULL);
				tg_xasprintf(&keys[j], "--%s%s", strcmp(tg_option_format(&y, o, b, sizeof b), "true") == 0 ?
				    "" : "no-", o->name);
				av[nc + 2 * j] = keys[j];
				av[nc + 2 * j + 1] = "--quiet";    /* a flag takes no value: this slot is skipped below */
			} else {
				tg_xasprintf(&keys[j], "--%s", o->name);
				av[nc + 2 * j] = keys[j];
				av[nc + 2 * j + 1] = ax[j].val[vi];
			}
		}
		tg_experiment_init(&x);
		for (q = 0; q < ac && rc == 0; q++) {
			int got;
			if (strcmp(av[q], "--quiet") == 0 || strcmp(av[q], "--json") == 0)
				continue;
			if ((got = tg_option_argv(&x, ac, av, &q, &e)) == 1)
				continue;
			if (got == 0)
				rc = tg_cli_unknown_option("sweep", av[q], NULL);
			else
				rc = tg_cli_usage_error("sweep", "point '%s': %s", name, e.msg);
		}
		if (rc == 0) {
			names[k] = tg_xstrdup(name);
			pts[k].name = names[k];
			pts[k].argv = tg_experiment_argv(&x, TG_SHOW_SWEEP, &nw);
			pts[k].argc = nw;
		}
		for (j = 0; j < nax; j++)
			free(keys[j]);
		free(av);
	}
	if (rc == 0)
		rc = tg_sweep_run_points(&l, pts, total);
	for (k = 0; k < total; k++) {
		int j;
		for (j = 0; j < pts[k].argc; j++)
			free(pts[k].argv[j]);
		free((void *)pts[k].argv);
		free(names[k]);
	}
	free(names);
	free(pts);
	return rc;
}

int
tg_cmd_sweep(int argc, char **argv)
{
	axis ax[MAX_AXES];
	char **common = tg_xcalloc((size_t)argc + 1, sizeof *common);
	const char **sopts = tg_xcalloc((size_t)argc + 1, sizeof *sopts);
	int nax = 0, i, rc;

	rc = sweep(argc, argv, ax, &nax, common, sopts);
	free(sopts);
	for (i = 0; i < nax; i++)
		free(ax[i].val);
	free(common);
	return rc;
}

int
tg_cmd_gather(int argc, char **argv)
{
	const char *ws = NULL;
	tg_gather_stats st;
	int i, quiet = 0;

	for (i = 1; i < argc; i++) {
		if (tg_cli_is_help(argv[i]))
			return tg_cli_help("gather", NULL);
		if ((strcmp(argv[i], "--workspace") == 0 || strcmp(argv[i], "-w") == 0) && i + 1 < argc)
			ws = argv[++i];
		else if (strcmp(argv[i], "--quiet") == 0)
			quiet = 1;
		else
			return tg_cli_unknown_option("gather", argv[i], NULL);
	}
	if (ws == NULL)
		ws = tg_workspace_default();
	if (tg_cli_gather(ws, !quiet, &st) != 0)
		return 1;
	if (!quiet)
		printf("gather: %d runs gathered, %d gathered before, %d unfinished, %d unreadable, from %d shards in "
		    "%.2f s\n", st.gathered, st.already, st.unfinished, st.broken, st.shards, st.seconds);
	return 0;
}
