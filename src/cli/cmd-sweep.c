/* tamga sweep: a grid of training runs (methods, layer sets, sources, data sizes, seeds...), run by N worker
 * processes, skipping runs that already finished, so a stopped sweep continues where it was when restarted.
 *
 * A point is the run named exactly "<prefix> key=value ...". Each worker takes its point in one store transaction
 * (tg_store_run_claim): a point that is done, or held by a live process (this host or another, store.h: leases),
 * is not run again; an unfinished one (killed, failed, cancelled) continues from its checkpoint under its own run
 * id. Workers die with the sweep (PR_SET_PDEATHSIG), so a killed sweep leaves no orphans to duplicate its points. */
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

typedef enum { POINT_NEW, POINT_CONTINUE, POINT_DONE, POINT_BUSY } point_state;

/* What the store holds for the run named exactly name (the worker decides again, atomically, when it claims). */
static point_state
point_look(const char *ws, const char *name, int64_t *id, char *who, size_t wn)
{
	tg_store *s = tg_store_open(ws, TG_STORE_READONLY, NULL);
	tg_run_filter f = { 0 };
	tg_run_info *runs = NULL;
	int n = 0, i;
	point_state ps = POINT_NEW;

	*id = 0;
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

static int
sweep(int argc, char **argv, axis *ax, int *pnax, char **common)
{
	int nax = 0, workers = 1, i, running = 0, failed = 0, skipped = 0, done = 0, busy = 0;
	long k, total = 1;
	char why[512];
	int nc = 0;
	const char *ws = NULL, *prefix = "sweep";
	pid_t parent = getpid();
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
		} else if (strcmp(a, "--workers") == 0 || strcmp(a, "-j") == 0) {
			int64_t w;
			if (v == NULL)
				return tg_cli_usage_error("sweep", "%s needs a value (1 to 64)", a);
			if (tg_cli_int("sweep", a, v, 1, 64, &w))
				return 2;
			workers = (int)w;
			i++;
		} else if (strcmp(a, "--prefix") == 0) {
			if (v == NULL)
				return tg_cli_usage_error("sweep", "--prefix needs a value");
			prefix = v;
			i++;
		} else {
			if ((strcmp(a, "--workspace") == 0 || strcmp(a, "-w") == 0) && v != NULL)
				ws = v;
			if (strcmp(a, "--name") == 0 || strcmp(a, "--resume") == 0)
				return tg_cli_usage_error("sweep", "%s is set per run by the sweep", a);
			common[nc++] = argv[i];
		}
	}
	if (nax == 0)
		return tg_cli_usage_error("sweep", "no --grid given (e.g. --grid 'peft=lora:layers=0-1|pfeiffer' "
		    "--grid 'seed=1|2|3')");
	if (check_grid(ax, nax, common, nc) != 0)
		return 2;
	if (ws == NULL)
		ws = tg_workspace_default();
	for (k = 0; k < total; k++) {
		char name[MAX_NAME + 2];
		if (point_name(name, sizeof name, prefix, ax, nax, k) != 0)
			return tg_cli_usage_error("sweep", "the run name of point %ld ('%.60s...') is longer than %d bytes; "
			    "use a shorter --prefix or shorter values", k + 1, name, MAX_NAME);
	}
	fprintf(stderr, "sweep: %ld runs (%d axes), %d worker%s, workspace %s\n", total, nax, workers,
	    workers > 1 ? "s" : "", ws);
	for (k = 0; k < total || running > 0; ) {
		if (k < total && running < workers) {
			char name[MAX_NAME + 2], who[400] = "";
			char **av = tg_xcalloc((size_t)(nc + 2 * nax + 8), sizeof *av), **keys;
			int ac = 0, j;
			long r = k;
			int64_t rid;
			point_state ps;
			pid_t pid;
			keys = tg_xcalloc((size_t)nax, sizeof *keys);
			point_name(name, sizeof name, prefix, ax, nax, k);
			av[ac++] = "tamga";
			av[ac++] = "train";
			for (j = 0; j < nc; j++)
				av[ac++] = common[j];
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
					av[ac++] = keys[j];
				} else {
					tg_xasprintf(&keys[j], "--%s", o->name);
					av[ac++] = keys[j];
					av[ac++] = ax[j].val[vi];
				}
			}
			av[ac++] = "--name";
			av[ac++] = name;
			av[ac++] = "--quiet";
			av[ac] = NULL;
			k++;
			ps = point_look(ws, name, &rid, who, sizeof who);
			if (ps == POINT_DONE || ps == POINT_BUSY) {
				if (ps == POINT_DONE) {
					skipped++;
					fprintf(stderr, "sweep: [%ld/%ld] done before: %s\n", k, total, name);
				} else {
					busy++;
					fprintf(stderr, "sweep: [%ld/%ld] running elsewhere (run %lld, %s): %s\n", k, total,
					    (long long)rid, who, name);
				}
			} else {
				if (ps == POINT_CONTINUE)
					fprintf(stderr, "sweep: [%ld/%ld] %s (continuing run %lld)\n", k, total, name,
					    (long long)rid);
				else
					fprintf(stderr, "sweep: [%ld/%ld] %s\n", k, total, name);
				fflush(stderr);
				if ((pid = fork()) == 0) {
					int fd;
					/* the worker dies with the sweep: a killed sweep must not leave workers that a restarted
					 * sweep would duplicate (the parent may be gone already before prctl) */
					if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
						_exit(1);
					/* the worker: the train command in this process image */
					if ((fd = open("/dev/null", 1)) >= 0) {
						dup2(fd, 1);
						close(fd);
					}
					_exit(tg_cmd_train_point(ac - 1, av + 1));
				}
				if (pid < 0) {
					fprintf(stderr, "tamga sweep: fork: %s\n", strerror(errno));
					return 1;
				}
				running++;
			}
			for (j = 0; j < nax; j++)
				free(keys[j]);
			free(keys);
			free(av);
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

int
tg_cmd_sweep(int argc, char **argv)
{
	axis ax[MAX_AXES];
	char **common = tg_xcalloc((size_t)argc + 1, sizeof *common);
	int nax = 0, i, rc;

	rc = sweep(argc, argv, ax, &nax, common);
	for (i = 0; i < nax; i++)
		free(ax[i].val);
	free(common);
	return rc;
}
