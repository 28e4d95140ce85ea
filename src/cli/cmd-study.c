/* tamga study: a protocol (Lua) expanded into one sweep per arm (resumable: finished points are skipped), and its
 * report as HTML, Markdown and PDF. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "config.h"
#include "cli/cli.h"
#include "exp/exp.h"
#include "lua/tglua.h"
#include "analysis/analysis.h"

static const char more[] =
    "run: one tamga sweep per arm of the protocol (tasks x sources x seeds), finished points skipped, so a stopped\n"
    "study continues when run again; --dry-run prints the sweep commands. report: report.html (plots inline as\n"
    "SVG), report.md and report.pdf in -o DIR (default WORKSPACE/study/NAME). Options: --workspace/-w DIR,\n"
    "--workers N (overrides the protocol's), --launcher L (passed to tamga sweep), --dry-run, -o DIR.\n"
    "The protocol format is in tamga(1), STUDY PROTOCOLS; examples/studies/ has the default and a quick one.\n";

typedef struct sopts {
	const char *sub, *protocol, *ws, *out, *launcher;
	int         workers;
	bool        dry;
} sopts;

static int
layers_of(const char *model, void *ud, tg_error *err)
{
	char buf[4096], path[4200];
	const char *dir;
	tg_encoder_config cfg;
	bool build = *(bool *)ud;
	const char *name = model && model[0] ? model : tg_model_default();

	if ((dir = tg_model_resolve(name, false, NULL, buf, sizeof buf, NULL)) == NULL && build)
		fprintf(stderr, "tamga study: the protocol's arms depend on the layer count of model '%s', which is not "
		    "built yet: building it first (tamga pretrain)\n", name);
	if (dir == NULL && (dir = tg_model_resolve(name, build, NULL, buf, sizeof buf, err)) == NULL)
		return -1;
	snprintf(path, sizeof path, "%s/config.json", dir);
	if (tg_encoder_config_load(&cfg, path, err) != TG_OK)
		return -1;
	return (int)cfg.num_layers;
}

static void
study_dir(const sopts *o, const tg_study *st, char *buf, size_t n)
{
	snprintf(buf, n, "%s/study/%s", o->ws, st->name);
}

/* Peak memory per arm, kept in WORKSPACE/study/NAME/peak.tsv ("arm<TAB>MiB"). */
static void
peak_read(const char *dir, const tg_study *st, double *mib)
{
	char path[4200], line[256], name[128];
	double v;
	FILE *f;
	int i;

	for (i = 0; i < st->narms; i++)
		mib[i] = NAN;
	snprintf(path, sizeof path, "%s/peak.tsv", dir);
	if ((f = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "%127[^\t]\t%lf", name, &v) == 2)
			for (i = 0; i < st->narms; i++)
				if (strcmp(st->arm[i].name, name) == 0)
					mib[i] = v;
	fclose(f);
}

static void
peak_write(const char *dir, const tg_study *st, const double *mib)
{
	char path[4200], tmp[4300];
	FILE *f;
	int i;

	snprintf(path, sizeof path, "%s/peak.tsv", dir);
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	if ((f = fopen(tmp, "w")) == NULL)
		return;
	for (i = 0; i < st->narms; i++)
		if (!isnan(mib[i]))
			fprintf(f, "%s\t%.1f\n", st->arm[i].name, mib[i]);
	if (fclose(f) == 0)
		rename(tmp, path);
}

static int
study_run(const sopts *o, tg_study *st)
{
	char dir[4200];
	double *mib = tg_xcalloc((size_t)st->narms, sizeof *mib);
	int i, t, failed = 0;
	tg_error err = { 0 };

	if (st->workers < 1)
		st->workers = 1;
	if (o->workers > 0)
		st->workers = o->workers;
	study_dir(o, st, dir, sizeof dir);
	if (!o->dry && tg_mkdirs(dir, 0777) != 0) {
		tg_error_set(&err, TG_E_IO, "%s: cannot create the folder: %s", dir, strerror(errno));
		free(mib);
		return tg_cli_error("study", "run", &err);
	}
	peak_read(dir, st, mib);
	for (t = 0, i = 0; t < st->ntasks; t++) {
		int ns;

		tg_study_sources(st, t, &ns);
		i += ns;
	}
	fprintf(stderr, "study %s: %d arms x %d (task, source) pairs x %d seeds = %d runs, workspace %s\n", st->name,
	    st->narms, i, st->nseeds, st->narms * i * st->nseeds, o->ws);
	for (i = 0; i < st->narms; i++)
		for (t = 0; t < st->ntasks; t++) {
			char **av;
			int ac = tg_study_sweep_argv(st, i, t, o->ws, o->launcher, &av), stt;
			struct rusage ru;
			pid_t pid;

			fprintf(stderr, "study %s: arm %d/%d %s, %s\n", st->name, i + 1, st->narms, st->arm[i].name,
			    st->tasks[t]);
			if (o->dry) {
				int k;

				fputs("tamga", stdout);
				for (k = 0; k < ac; k++)
					printf(" '%s'", av[k]);
				putchar('\n');
				tg_study_argv_free(av);
				continue;
			}
			fflush(stdout);
			fflush(stderr);
			/* the sweep in a child process, so that its peak memory (the largest of its workers) is its own */
			if ((pid = fork()) == 0)
				_exit(tg_cmd_sweep(ac, av));
			tg_study_argv_free(av);
			if (pid < 0) {
				fprintf(stderr, "tamga study run: fork: %s\n", strerror(errno));
				free(mib);
				return 1;
			}
			if (wait4(pid, &stt, 0, &ru) != pid || !WIFEXITED(stt) || WEXITSTATUS(stt) != 0) {
				failed++;
				fprintf(stderr, "study %s: arm %s, %s: the sweep did not finish every point (run the study again "
				    "to continue)\n", st->name, st->arm[i].name, st->tasks[t]);
			}
			if (isnan(mib[i]) || ru.ru_maxrss / 1024.0 > mib[i])
				mib[i] = ru.ru_maxrss / 1024.0;
			peak_write(dir, st, mib);
		}
	free(mib);
	if (!o->dry)
		printf("study %s: %d of %d sweeps complete; 'tamga study report %s -w %s' writes the report\n", st->name,
		    st->narms * st->ntasks - failed, st->narms * st->ntasks, o->protocol, o->ws);
	return failed ? 1 : 0;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* FNV-1a over the regular files of a folder (sorted by name): "a1b2... (4 files, 12.3 MB)". */
static void
folder_sum(const char *dir, char *out, size_t n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL, path[4400];
	int nn = 0, i;
	uint64_t h = 1469598103934665603ull;
	int64_t total = 0;

	if (d == NULL) {
		snprintf(out, n, "unreadable");
		return;
	}
	while ((e = readdir(d)) != NULL) {
		struct stat sb;

		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (e->d_name[0] == '.' || stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
			continue;
		names = tg_xrealloc(names, (size_t)(nn + 1) * sizeof *names);
		names[nn++] = tg_xstrdup(e->d_name);
	}
	closedir(d);
	qsort(names, (size_t)nn, sizeof *names, name_cmp);
	for (i = 0; i < nn; i++) {
		uint64_t x;
		int64_t b;

		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		if (tg_file_checksum(path, &x, &b) == 0) {
			h = (h ^ x) * 1099511628211ull;
			total += b;
		}
		free(names[i]);
	}
	free(names);
	snprintf(out, n, "checksum %016llx over %d files, %.1f MB", (unsigned long long)h, nn, total / 1e6);
}

/* FNV-1a over the data files of the protocol's tasks in its languages. */
static void
data_sum(const tg_study *st, const char *root, char *out, size_t n)
{
	tg_error err = { 0 };
	tg_registry *r = tg_registry_scan(root, &err);
	uint64_t h = 1469598103934665603ull;
	int64_t total = 0;
	int nf = 0, t, l, k, q, idx[256];

	if (r == NULL) {
		snprintf(out, n, "registry unreadable: %.120s", err.msg);
		return;
	}
	for (t = 0; t < st->ntasks; t++)
		for (l = 0; l < (st->ntargets ? st->nsources + st->ntargets : 1); l++) {
			/* without targets the runs evaluate every language with data: every file of the task */
			const char *lang = !st->ntargets ? NULL : l < st->nsources ? st->sources[l] : st->targets[l - st->nsources];
			int m = tg_registry_find(r, st->tasks[t], lang, NULL, 1, idx, 256);

			for (k = 0; k < m; k++)
				for (q = 0; q < 2; q++) {
					uint64_t x;
					int64_t b;

					if (r->item[idx[k]].path[q] != NULL && tg_file_checksum(r->item[idx[k]].path[q], &x, &b) == 0) {
						h = (h ^ x) * 1099511628211ull;
						total += b;
						nf++;
					}
				}
		}
	tg_registry_free(r);
	snprintf(out, n, "checksum %016llx over the %d files of the tasks' languages, %.1f MB", (unsigned long long)h, nf,
	    total / 1e6);
}

static int
study_report(const sopts *o, tg_study *st)
{
	tg_error err = { 0 };
	char dir[4200], mdir[4096], msum[200], dsum[200], tmpl[] = "/tmp/tamga-study.XXXXXX";
	const char *model, *root;
	double *mib = tg_xcalloc((size_t)st->narms, sizeof *mib);
	tg_study_env env = { 0 };
	tg_store *s;
	char *text = NULL;
	int rc = 1;
	FILE *f;

	if (o->out != NULL)
		snprintf(dir, sizeof dir, "%s", o->out);
	else
		study_dir(o, st, dir, sizeof dir);
	if (tg_mkdirs(dir, 0777) != 0) {
		tg_error_set(&err, TG_E_IO, "%s: cannot create the folder: %s", dir, strerror(errno));
		free(mib);
		return tg_cli_error("study", "report", &err);
	}
	if ((s = tg_store_open(o->ws, TG_STORE_READONLY, &err)) == NULL) {
		free(mib);
		return tg_cli_error("study", "report", &err);
	}
	{
		char sd[4200];

		study_dir(o, st, sd, sizeof sd);
		peak_read(sd, st, mib);
	}
	model = tg_model_resolve(st->model[0] ? st->model : tg_model_default(), false, NULL, mdir, sizeof mdir, NULL);
	if (model != NULL)
		folder_sum(model, msum, sizeof msum);
	else
		snprintf(msum, sizeof msum, "not built here");
	root = tg_data_root(NULL, NULL);
	if (root != NULL)
		data_sum(st, root, dsum, sizeof dsum);
	else
		snprintf(dsum, sizeof dsum, "no data root");
	if ((f = fopen(st->path, "r")) != NULL) {
		size_t len = 0;
		FILE *m = open_memstream(&text, &len);
		int ch;

		while ((ch = fgetc(f)) != EOF)
			fputc(ch, m);
		fclose(m);
		fclose(f);
	}
	if (mkdtemp(tmpl) == NULL) {
		tg_error_set(&err, TG_E_IO, "%s: cannot make a temporary folder: %s", tmpl, strerror(errno));
		goto out;
	}
	env.version = PACKAGE_VERSION;
	env.workspace = o->ws;
	env.model = model ? model : (st->model[0] ? st->model : tg_model_default());
	env.model_sum = msum;
	env.data_root = root ? root : "-";
	env.data_sum = dsum;
	env.launcher = o->launcher;
	env.tmpdir = tmpl;
	env.protocol_text = text;
	env.peak_mib = mib;
	if (tg_study_report(s, st, &env, dir, &err) == TG_OK) {
		printf("study %s: %s/report.html, %s/report.md, %s/report.pdf\n", st->name, dir, dir, dir);
		rc = 0;
	}
	rmdir(tmpl);
out:
	if (rc)
		tg_cli_error("study", "report", &err);
	free(text);
	free(mib);
	tg_store_close(s);
	return rc;
}

int
tg_cmd_study(int argc, char **argv)
{
	sopts o = { 0 };
	tg_error err = { 0 };
	tg_study *st;
	bool build;
	int i, rc;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (tg_cli_is_help(a))
			return tg_cli_help("study", more);
		if (a[0] != '-') {
			if (o.sub == NULL)
				o.sub = a;
			else if (o.protocol == NULL)
				o.protocol = a;
			else
				return tg_cli_usage_error("study", "unexpected argument '%s'", a);
			continue;
		}
		if (strcmp(a, "--dry-run") == 0) {
			o.dry = true;
			continue;
		}
		if (v == NULL)
			return tg_cli_unknown_option("study", a, more);
		i++;
		if (strcmp(a, "--workspace") == 0 || strcmp(a, "-w") == 0)
			o.ws = v;
		else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0)
			o.out = v;
		else if (strcmp(a, "--launcher") == 0)
			o.launcher = v;
		else if (strcmp(a, "--workers") == 0) {
			int64_t n;

			if (tg_cli_int("study", a, v, 1, 64, &n))
				return 2;
			o.workers = (int)n;
		} else
			return tg_cli_unknown_option("study", a, more);
	}
	if (o.sub == NULL || (strcmp(o.sub, "run") != 0 && strcmp(o.sub, "report") != 0))
		return tg_cli_usage_error("study", "expected 'run' or 'report' and a protocol file (tamga study run "
		    "examples/studies/quick.lua)");
	if (o.protocol == NULL)
		return tg_cli_usage_error("study", "%s needs a protocol file (a Lua file returning a table)", o.sub);
	if (o.ws == NULL)
		o.ws = tg_workspace_default();
	build = strcmp(o.sub, "run") == 0 && !o.dry;
	if ((st = tg_lua_study_load(o.protocol, layers_of, &build, &err)) == NULL)
		return tg_cli_error("study", o.sub, &err);
	rc = strcmp(o.sub, "run") == 0 ? study_run(&o, st) : study_report(&o, st);
	tg_study_free(st);
	return rc;
}
