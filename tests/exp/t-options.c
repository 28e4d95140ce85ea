/* The options schema (src/exp/options.c): every default reads back, ranges are enforced at both ends, a bad value
 * is one line with the accepted range and the default, argv round-trips, and the trainer's own defaults agree with
 * the table. With TAMGA_TEST_BUILDDIR/SRCDIR: `tamga train --help`, tamga(1) and tamga-lua(3) name every option
 * the table shows there, and nothing else. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "exp/options.h"
#include "../tap.h"

static char *
run(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	char *buf = calloc(1, 1 << 16);
	size_t n = 0, k;

	if (p == NULL)
		return buf;
	while (n + 1 < (1 << 16) && (k = fread(buf + n, 1, (1 << 16) - 1 - n, p)) > 0)
		n += k;
	pclose(p);
	return buf;
}

/* s has word w bounded by a non-name character on both sides */
static bool
has_word(const char *s, const char *w)
{
	size_t n = strlen(w);
	const char *p;

	for (p = s; (p = strstr(p, w)) != NULL; p++) {
		char a = p == s ? ' ' : p[-1], b = p[n];
		if (!(a == '-' || a == '_' || (a >= 'a' && a <= 'z')) && !(b == '-' || b == '_' || (b >= 'a' && b <= 'z')))
			return true;
	}
	return false;
}

static void
test_defaults(void)
{
	tg_experiment x, t;
	tg_train_opts to;
	tg_task_opts ko;
	const tg_option *tab;
	char buf[256];
	int n, i, bad = 0;

	tg_experiment_init(&x);
	tab = tg_options(&n);
	ok(n >= 30, "%d options in the table", n);
	for (i = 0; i < n; i++)
		if (!tg_option_is_default(&x, &tab[i])) {
			diag("%s is not at its default after init (%s)", tab[i].name, tg_option_format(&x, &tab[i], buf,
			    sizeof buf));
			bad++;
		}
	ok(bad == 0, "tg_experiment_init: every option at its table default");
	ok(x.train.lr == 5e-4f && x.train.batch_size == 16 && x.train.epochs == 3 && x.train.seed == 1 &&
	    x.task.seed == 1 && x.task.max_len == 128 && x.task.fused_mwt && x.build_model && x.train.eval_targets &&
	    x.peft.method == TG_PEFT_LORA && x.peft.r == 8 && strcmp(x.task.source, "tr") == 0 && !x.has_match &&
	    x.model == NULL && x.task.n_targets == 0, "the CLI defaults");
	/* programs that call tg_train directly keep the trainer's defaults: the same values */
	tg_train_opts_init(&to);
	tg_task_opts_init(&ko);
	ok(to.lr == x.train.lr && to.weight_decay == x.train.weight_decay && to.warmup_ratio == x.train.warmup_ratio &&
	    to.clip == x.train.clip && to.schedule == x.train.schedule && to.seed == x.train.seed &&
	    to.epochs == x.train.epochs && to.batch_size == x.train.batch_size && to.grad_accum == x.train.grad_accum &&
	    to.boot_resamples == x.train.boot_resamples && to.eval_targets == x.train.eval_targets,
	    "tg_train_opts_init agrees with the table");
	ok(ko.max_len == x.task.max_len && ko.seed == x.task.seed && ko.fused_mwt == x.task.fused_mwt &&
	    strcmp(ko.task, x.task.task) == 0 && strcmp(ko.source, x.task.source) == 0,
	    "tg_task_opts_init agrees with the table");
	tg_experiment_init_for(&t, TG_SURFACE_TUI);
	ok(t.train.max_steps == 200 && t.train.eval_every == 20 && t.task.max_train == 1000 && t.task.max_eval == 200 &&
	    strcmp(t.task.source, "en") == 0 && t.train.lr == x.train.lr, "the workbench's defaults");
	tg_experiment_init_for(&t, TG_SURFACE_LUA);
	ok(t.peft.method == TG_PEFT_HEAD && strcmp(t.task.source, "en") == 0, "Lua's defaults: head, source en");
}

static void
test_errors(void)
{
	tg_experiment x;
	tg_error err = { 0 };
	const tg_option *o;
	int n, i, bad = 0;

	tg_experiment_init(&x);
	ok(tg_experiment_set(&x, "lr", "abc", TG_SURFACE_CLI, &err) == TG_ERR &&
	    strcmp(err.msg, "option '--lr': 'abc' is not a finite number (1e-09..10); default 0.0005") == 0,
	    "lr abc: %s", err.msg);
	ok(tg_experiment_set(&x, "lr", "11", TG_SURFACE_CLI, &err) == TG_ERR && strstr(err.msg, "out of range"),
	    "lr 11: %s", err.msg);
	ok(tg_experiment_set(&x, "lr", "nan", TG_SURFACE_CLI, &err) == TG_ERR, "lr nan is refused");
	ok(x.train.lr == 5e-4f, "a refused value changes nothing");
	ok(tg_option_set_num(&x, tg_option_find("lr"), 0, TG_SURFACE_LUA, &err) == TG_ERR &&
	    strcmp(err.msg, "option 'lr': 0 is out of range (1e-09..10); default 0.0005") == 0, "Lua lr=0: %s", err.msg);
	ok(tg_option_set_num(&x, tg_option_find("batch"), 1.5, TG_SURFACE_LUA, &err) == TG_ERR &&
	    strcmp(err.msg, "option 'batch': 1.5 is not an integer (1..65536); default 16") == 0, "Lua batch=1.5: %s",
	    err.msg);
	ok(tg_experiment_set(&x, "batch", "1.5", TG_SURFACE_CLI, &err) == TG_ERR &&
	    strcmp(err.msg, "option '--batch': '1.5' is not an integer (1..65536); default 16") == 0, "--batch 1.5: %s",
	    err.msg);
	ok(tg_experiment_set(&x, "max_train", "-1", TG_SURFACE_LUA, &err) == TG_ERR &&
	    strstr(err.msg, "option 'max_train': -1 is out of range"), "Lua spelling in the message: %s", err.msg);
	ok(tg_experiment_set(&x, "schedule", "cos", TG_SURFACE_CLI, &err) == TG_ERR &&
	    strcmp(err.msg, "option '--schedule': 'cos' is not one of linear, cosine or constant; default linear") == 0,
	    "schedule cos: %s", err.msg);
	ok(tg_experiment_set(&x, "schedule", "cosine", TG_SURFACE_CLI, &err) == TG_OK &&
	    x.train.schedule == TG_SCHED_COSINE, "schedule cosine");
	ok(tg_experiment_set(&x, "words", "maybe", TG_SURFACE_CLI, &err) == TG_ERR && strstr(err.msg, "not a boolean"),
	    "words maybe: %s", err.msg);
	ok(tg_experiment_set(&x, "words", "true", TG_SURFACE_CLI, &err) == TG_OK && !x.task.fused_mwt,
	    "words true: syntactic words (fused_mwt off)");
	ok(tg_option_set_bool(&x, tg_option_find("lr"), true, TG_SURFACE_LUA, &err) == TG_ERR &&
	    strstr(err.msg, "option 'lr': takes a value, not a boolean"), "lr=true: %s", err.msg);
	ok(tg_option_set_num(&x, tg_option_find("words"), 1, TG_SURFACE_LUA, &err) == TG_ERR &&
	    strstr(err.msg, "a number is not a boolean"), "words=1: %s", err.msg);
	ok(tg_experiment_set(&x, "targets", "az,,kk", TG_SURFACE_CLI, &err) == TG_ERR &&
	    strstr(err.msg, "option '--targets': empty item in 'az,,kk'"), "targets az,,kk: %s", err.msg);
	ok(tg_experiment_set(&x, "targets", "az, kk", TG_SURFACE_CLI, &err) == TG_OK && x.task.n_targets == 2 &&
	    strcmp(x.task.targets[1], "kk") == 0, "targets 'az, kk'");
	ok(tg_experiment_set(&x, "peft", "lora:r=x", TG_SURFACE_CLI, &err) == TG_ERR &&
	    strncmp(err.msg, "option '--peft': ", 17) == 0, "peft lora:r=x: %s", err.msg);
	ok(tg_experiment_set(&x, "peft", "pfeiffer:reduction=8", TG_SURFACE_CLI, &err) == TG_OK &&
	    x.peft.method == TG_PEFT_PFEIFFER && x.peft.reduction == 8, "peft pfeiffer: a parsed spec");
	ok(tg_experiment_set(&x, "match", "lora:r=4", TG_SURFACE_CLI, &err) == TG_OK && x.has_match &&
	    x.match.r == 4, "match: a parsed spec");
	ok(tg_experiment_set(&x, "seed", "7", TG_SURFACE_CLI, &err) == TG_OK && x.train.seed == 7 && x.task.seed == 7,
	    "seed: the trainer's and the subsampling's");
	ok(tg_experiment_set(&x, "bach", "8", TG_SURFACE_CLI, &err) == TG_ERR &&
	    strcmp(err.msg, "unknown option 'bach'; did you mean '--batch'?") == 0, "unknown: %s", err.msg);
	ok(tg_option_suggest("max_trian", TG_SURFACE_LUA) != NULL &&
	    strcmp(tg_option_suggest("max_trian", TG_SURFACE_LUA), "max_train") == 0, "did you mean, Lua spelling");
	ok((o = tg_option_find("-m")) != NULL && strcmp(o->name, "model") == 0 && tg_option_find("--max-len") != NULL &&
	    tg_option_find("max_len") == tg_option_find("max-len") && tg_option_find("nope") == NULL, "find by name");

	/* every numeric row: both ends accepted, just outside refused */
	{
		const tg_option *tab = tg_options(&n);
		for (i = 0; i < n; i++) {
			const tg_option *r = &tab[i];
			tg_experiment y;
			char lo[64], hi[64], out[64];
			if (r->kind != TG_OPT_INT && r->kind != TG_OPT_NUM)
				continue;
			tg_experiment_init(&y);
			snprintf(lo, sizeof lo, r->kind == TG_OPT_INT ? "%.0f" : "%.17g", r->lo);
			snprintf(hi, sizeof hi, r->kind == TG_OPT_INT ? "%.0f" : "%.17g", r->hi);
			if (tg_option_set(&y, r, lo, TG_SURFACE_CLI, &err) != TG_OK ||
			    tg_option_set(&y, r, hi, TG_SURFACE_CLI, &err) != TG_OK) {
				diag("%s: an end of its range is refused: %s", r->name, err.msg);
				bad++;
			}
			snprintf(out, sizeof out, "%.17g", r->lo > 0 ? r->lo / 2 : r->lo - 1);
			if (tg_option_set(&y, r, out, TG_SURFACE_CLI, &err) == TG_OK || !strstr(err.msg, "; default")) {
				diag("%s: %s below its range is accepted (%s)", r->name, out, err.msg);
				bad++;
			}
			snprintf(out, sizeof out, "%.17g", r->hi * 2);
			if (tg_option_set(&y, r, out, TG_SURFACE_CLI, &err) == TG_OK) {
				diag("%s: %s above its range is accepted", r->name, out);
				bad++;
			}
		}
		ok(bad == 0, "every number option: its range's ends accepted, outside refused with the default named");
	}
}

static void
test_argv(void)
{
	tg_experiment x, y;
	tg_error err = { 0 };
	const tg_option *tab;
	char **av, a[1024], b[1024];
	int ac, i, n, diff = 0, r = 0;
	static const char *const set[][2] = {
		{ "model", "micro" }, { "build", "false" }, { "task", "ner" }, { "source", "kk" }, { "targets", "az,tt" },
		{ "max-train", "300" }, { "peft", "houlsby:reduction=4,layers=0-1" }, { "match", "lora:r=2" },
		{ "lr", "0.00033333" }, { "warmup", "0.25" }, { "schedule", "constant" }, { "seed", "42" },
		{ "words", "true" }, { "eval-targets", "false" }, { "select-on-target", "true" }, { "name", "a b" },
	};

	tg_experiment_init(&x);
	for (i = 0; i < (int)(sizeof set / sizeof *set); i++)
		r |= tg_experiment_set(&x, set[i][0], set[i][1], TG_SURFACE_CLI, &err);
	ok(r == TG_OK, "set 16 options (%s)", err.msg);
	av = tg_experiment_argv(&x, 0, &ac);
	tg_experiment_init(&y);
	for (i = 0; i < ac; i++)
		if (tg_option_argv(&y, ac, av, &i, &err) != 1) {
			diag("argv word %d '%s' not read back: %s", i, av[i], err.msg);
			diff++;
		}
	tab = tg_options(&n);
	for (i = 0; i < n; i++)
		if (strcmp(tg_option_format(&x, &tab[i], a, sizeof a), tg_option_format(&y, &tab[i], b, sizeof b)) != 0) {
			diag("%s: %s became %s", tab[i].name, a, b);
			diff++;
		}
	ok(diff == 0 && ac == 2 * 12 + 4, "argv (%d words) reads back to the same experiment", ac);
	ok(y.train.lr == x.train.lr && !y.build_model && !y.task.fused_mwt && !y.train.eval_targets,
	    "floats exact; --no-build, --words, --no-eval-targets");
	for (i = 0; i < ac; i++)
		free(av[i]);
	free(av);
	tg_experiment_init(&x);
	av = tg_experiment_argv(&x, 0, &ac);
	ok(ac == 0 && av[0] == NULL, "the defaults: no words");
	free(av);
	av = tg_experiment_argv(&x, TG_SHOW_TUI, &ac);
	for (i = 0, r = 0; i < ac; i++)
		r += strcmp(av[i], "--peft") == 0 || strcmp(av[i], "--seed") == 0;
	ok(r == 2, "what the workbench shows is always written (--peft, --seed)");
	for (i = 0; i < ac; i++)
		free(av[i]);
	free(av);
}

/* The options of tab shown on surface show (TG_SHOW_*) that text lacks, each spelled cli_fmt % ("no-" for a
 * default-true flag, name), or as Lua spells it when cli_fmt is NULL; each named in a diag line under what. */
static int
missing_options(const tg_option *tab, int n, unsigned show, const char *text, const char *cli_fmt, const char *what)
{
	int i, miss = 0;

	for (i = 0; text != NULL && i < n; i++) {
		char w[64];
		bool neg = tab[i].kind == TG_OPT_BOOL && tab[i].def != NULL && strcmp(tab[i].def, "true") == 0;
		if (!(tab[i].shows & show))
			continue;
		if (cli_fmt == NULL)
			tg_option_spell(&tab[i], TG_SURFACE_LUA, w, sizeof w);
		else
			snprintf(w, sizeof w, cli_fmt, neg ? "no-" : "", tab[i].name);
		if (!has_word(text, w)) {
			diag("%s lacks %s", what, w);
			miss++;
		}
	}
	return miss;
}

/* The file SD/NAME in *doc (free it; NULL, with a failed ok line, when it cannot be read) and in it the section
 * from the first `from` up to the next `to` (cut there); NULL when the section is missing. */
static char *
doc_section(const char *sd, const char *name, const char *from, const char *to, char **doc)
{
	char path[4200], *sec, *end;
	size_t len;

	snprintf(path, sizeof path, "%s/%s", sd, name);
	*doc = tg_read_file(path, &len, NULL);
	ok(*doc != NULL, "read %s", path);
	if (*doc == NULL)
		return NULL;
	sec = strstr(*doc, from);
	end = sec ? strstr(sec + 1, to) : NULL;
	if (sec && end)
		*end = '\0';
	return sec;
}

/* The documentation against the table. */
static void
test_docs(void)
{
	const char *bd = getenv("TAMGA_TEST_BUILDDIR"), *sd = getenv("TAMGA_TEST_SRCDIR");
	const tg_option *tab;
	char cmd[4200], *help, *man, *lua, *sec, *p;
	int n, miss, extra = 0;

	if (bd == NULL || sd == NULL) {
		diag("TAMGA_TEST_BUILDDIR/SRCDIR not set: the documentation checks skip");
		return;
	}
	tab = tg_options(&n);
	snprintf(cmd, sizeof cmd, "'%s/tamga' train --help", bd);
	help = run(cmd);
	miss = missing_options(tab, n, TG_SHOW_CLI, help, "--%s%s", "tamga train --help");
	ok(miss == 0 && strstr(help, "usage: tamga train"), "tamga train --help names every option of the table");

	/* tamga(1): the train entry's synopsis and text */
	sec = doc_section(sd, "man/tamga.1", ".It Cm train ", "\n.It Cm ", &man);
	if (man == NULL)
		return;
	miss = missing_options(tab, n, TG_SHOW_CLI, sec, "Fl -%s%s", "tamga(1) train");
	ok(sec != NULL && miss == 0, "tamga(1) documents every option of tamga train");
	/* and names no option the table does not have */
	for (p = sec; p && (p = strstr(p, "Fl -")) != NULL; p += 4) {
		char w[64];
		size_t k = strspn(p + 4, "-abcdefghijklmnopqrstuvwxyz");
		snprintf(w, sizeof w, "%.*s", (int)k, p + 4);
		if (w[0] == '-')
			memmove(w, w + 1, strlen(w));
		if (strcmp(w, "json") == 0 || strcmp(w, "quiet") == 0 || strcmp(w, "help") == 0 || w[0] == '\0' ||
		    w[strlen(w) - 1] == '-')        /* "Fl -no- Ns Ar name" */
			continue;
		if (tg_option_find(w) == NULL && !(strncmp(w, "no-", 3) == 0 && tg_option_find(w + 3) != NULL)) {
			diag("tamga(1) train names --%s, which is not an option", w);
			extra++;
		}
	}
	ok(extra == 0, "tamga(1) train names no option the table lacks");
	free(man);

	/* tamga-lua(3): the keys of tamga.train and of the task it is given (TASKS, TRAINING) */
	sec = doc_section(sd, "man/tamga-lua.3", ".Sh TASKS", "\n.Sh STORE", &lua);
	if (lua == NULL)
		return;
	miss = missing_options(tab, n, TG_SHOW_LUA, sec, NULL, "tamga-lua(3) TASKS and TRAINING");
	ok(sec != NULL && miss == 0, "tamga-lua(3) documents every key of tamga.train the table has");
	free(lua);
	free(help);
}

int
main(void)
{
	test_defaults();
	test_errors();
	test_argv();
	test_docs();
	return done_testing();
}
