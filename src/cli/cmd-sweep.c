/* tamga sweep: a grid of training runs (methods, layer sets, sources, data sizes, seeds...), run by N worker
 * processes, skipping runs that already finished, so a stopped sweep continues where it was when restarted. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cli/cli.h"
#include "exp/exp.h"

#define MAX_AXES 8
#define MAX_VALUES 16

typedef struct axis {
	char  key[32];                 /* a tamga train option without the dashes: peft, source, seed, max-train ... */
	char *val[MAX_VALUES];
	int   n;
} axis;

static int
parse_axis(axis *a, char *spec)
{
	char *eq = strchr(spec, '='), *p, *save = NULL;

	if (eq == NULL || eq == spec)
		return -1;
	*eq = '\0';
	snprintf(a->key, sizeof a->key, "%s", spec[0] == '-' ? spec + strspn(spec, "-") : spec);
	a->n = 0;
	for (p = strtok_r(eq + 1, "|", &save); p != NULL && a->n < MAX_VALUES; p = strtok_r(NULL, "|", &save))
		a->val[a->n++] = p;
	return a->n > 0 ? 0 : -1;
}

/* Whether a run of this name finished in the workspace. */
static bool
finished(const char *ws, const char *name)
{
	tg_store *s = tg_store_open(ws, TG_STORE_READONLY, NULL);
	tg_run_filter f = { 0 };
	tg_run_info *runs = NULL;
	int n = 0;
	bool done;

	if (s == NULL)
		return false;
	f.name_like = name;
	f.status_mask = 1u << TG_RUN_DONE;
	done = tg_store_run_list(s, &f, &runs, &n, NULL) == TG_OK && n > 0;
	tg_run_list_free(runs, n);
	tg_store_close(s);
	return done;
}

int
tg_cmd_sweep(int argc, char **argv)
{
	axis ax[MAX_AXES];
	int nax = 0, workers = 1, i, k, total = 1, running = 0, failed = 0, skipped = 0, done = 0;
	char *common[256];
	int nc = 0;
	const char *ws = NULL, *prefix = "sweep";
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (tg_cli_is_help(a))
			return tg_cli_help("sweep", NULL);
		if (strcmp(a, "--grid") == 0 || strcmp(a, "-g") == 0) {
			if (v == NULL || nax == MAX_AXES || parse_axis(&ax[nax], argv[i + 1]) != 0)
				return tg_cli_usage_error("sweep", "--grid expects OPTION=V1|V2|..., e.g. --grid 'seed=1|2|3' "
				    "(at most %d axes of %d values)", MAX_AXES, MAX_VALUES);
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
			if (nc < 250)
				common[nc++] = argv[i];
		}
	}
	if (nax == 0)
		return tg_cli_usage_error("sweep", "no --grid given (e.g. --grid 'peft=lora:layers=0-1|pfeiffer' "
		    "--grid 'seed=1|2|3')");
	if (ws == NULL)
		ws = tg_workspace_default();
	fprintf(stderr, "sweep: %d runs (%d axes), %d worker%s, workspace %s\n", total, nax, workers,
	    workers > 1 ? "s" : "", ws);
	for (k = 0; k < total || running > 0; ) {
		if (k < total && running < workers) {
			char name[1024], *av[300], num[32 * MAX_AXES];
			int rem = k, ac = 0, j;
			pid_t pid;
			snprintf(name, sizeof name, "%s", prefix);
			av[ac++] = "tamga";
			av[ac++] = "train";
			for (j = 0; j < nc; j++)
				av[ac++] = common[j];
			for (j = nax - 1; j >= 0; j--) {
				int vi = rem % ax[j].n;
				rem /= ax[j].n;
				snprintf(num, sizeof num, "--%s", ax[j].key);
				av[ac++] = strdup(num);
				av[ac++] = ax[j].val[vi];
			}
			for (j = 0; j < nax; j++) {
				/* the name lists the axis values in axis order */
				int vi, r2 = k, q;
				for (q = nax - 1; q > j; q--)
					r2 /= ax[q].n;
				vi = r2 % ax[j].n;
				snprintf(name + strlen(name), sizeof name - strlen(name), " %s=%s", ax[j].key, ax[j].val[vi]);
			}
			av[ac++] = "--name";
			av[ac++] = name;
			av[ac++] = "--quiet";
			av[ac] = NULL;
			k++;
			if (finished(ws, name)) {
				skipped++;
				fprintf(stderr, "sweep: [%d/%d] done before: %s\n", k, total, name);
				continue;
			}
			fprintf(stderr, "sweep: [%d/%d] %s\n", k, total, name);
			fflush(stderr);
			if ((pid = fork()) == 0) {
				int fd;
				/* the worker: the train command in this process image */
				if ((fd = open("/dev/null", 1)) >= 0) {
					dup2(fd, 1);
					close(fd);
				}
				_exit(tg_cmd_train(ac - 1, av + 1) == 0 ? 0 : 1);
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
				else
					failed++;
			}
		}
	}
	printf("sweep: %d runs finished, %d done before, %d failed; 'tamga report -w %s' shows them\n", done, skipped,
	    failed, ws);
	return failed ? 1 : 0;
}
