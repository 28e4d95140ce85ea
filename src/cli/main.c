/* Entry point of the tamga program: global options, --help, --version and subcommand dispatch. */
#include "config.h"
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/cli.h"
#include "tensor/gemm.h"
#include "util/util.h"
#include "tensor/tensor.h"

const tg_command tg_commands[] = {
	{ "demo", tg_cmd_demo,
	  "tamga demo [--preset small|micro|DIR] [--sources tr,en] [--max-train N] [--max-eval N] [--epochs N] "
	  "[--workspace DIR] [--data DIR] [--headless] [--json]",
	  "early-layer LoRA vs Pfeiffer adapters, UDPOS tr -> az kk ky uz ug tt sah: table with CIs, TTC, plots" },
	{ "selfcheck", tg_cmd_selfcheck, "tamga selfcheck",
	  "check the engine end to end: gradients, reproducibility, a tiny model learns" },
	{ "bench", tg_cmd_bench, "tamga bench [linear|attention|encoder|train|data] [--peft SPEC] [--tokenizer PATH] [--tokens N] [--in N] [--out N] [--batch N] [--seq N] [--heads N] [--layers N] [--vocab N] [--repeat N] [--json]",
	  "micro benchmarks: engine ops against raw cblas_sgemm on the same shapes" },
	{ "data", tg_cmd_data,
	  "tamga data list|check|show [--data DIR] [--files] [--json] [-v] [TASK LANG SPLIT [CORPUS] -n N --fused]",
	  "datasets under the data root: coverage table, parse check, examples" },
	{ "pretrain", tg_cmd_pretrain,
	  "tamga pretrain [--preset micro|small|base] [--data DIR] [--out DIR] [--steps N] [--seed N] [--force]",
	  "build the small default model: SentencePiece tokenizer + masked-LM encoder on the data root's text" },
	{ "train", tg_cmd_train,
	  "tamga train [--model DIR|PRESET] --task udpos|ner|nli|copa --source LANG [--targets L1,L2,...] "
	  "[--peft SPEC] [--match SPEC | --budget N] [--epochs N] [--steps N] [--batch N] [--lr X] [--seed N] "
	  "[--max-train N] [--max-eval N] [--source-test CORPUS] [--eval-every N] [--patience N] [--workspace DIR] "
	  "[--name NAME] [--resume RUN] [--source-corpus C] [--target-corpus C] [--label-map FILE|ontonotes] [--json]",
	  "fine-tune with a PEFT method on a source language; evaluate every target with CIs and TTC" },
	{ "sweep", tg_cmd_sweep,
	  "tamga sweep --grid OPTION=V1|V2|... [--grid ...] [--workers N] [--prefix NAME] [--launcher local|slurm] "
	  "[--parallel K] [--slurm-opt OPT] [--requeue] [--resume MANIFEST] [--worker MANIFEST --index I] "
	  "[tamga train options]",
	  "a grid of training runs (methods, layers, sources, data sizes, seeds); finished runs are skipped" },
	{ "gather", tg_cmd_gather, "tamga gather [--workspace DIR] [--quiet]",
	  "merge the run shards of a sweep's Slurm tasks into the workspace store (idempotent)" },
	{ "runs", tg_cmd_runs, "tamga runs [--workspace DIR] [--task T] [--method M] [--status S] [--json]",
	  "list the runs of a workspace" },
	{ "show", tg_cmd_show, "tamga show RUN [--workspace DIR]", "one run: configuration, status, selected scores" },
	{ "rm", tg_cmd_rm, "tamga rm RUN [RUN...] [--workspace DIR]",
	  "remove stored runs with their steps, scores, checkpoint, log and adapter (not while they train)" },
	{ "report", tg_cmd_report,
	  "tamga report [RUN...] [--workspace DIR] [--task T] [--method M] [--split test|dev] [--format md|csv|json]",
	  "per-language scores with CIs, trainable parameters and TTC for finished runs" },
	{ "eval", tg_cmd_eval,
	  "tamga eval RUN --data FILE --format conllu|panx|kaznerd|xnli|kardes-nli|xcopa|kardes-copa --lang L "
	  "[--name NAME] [--split test|dev] [--lenient] [--label-map FILE|ontonotes] [--out FILE] [--workspace DIR] "
	  "[--batch N] [--bootstrap N] [--no-store] [--quiet] [--json]",
	  "score a trained run on any file (any language); stored under the file's name for report and show" },
	{ "predict", tg_cmd_predict,
	  "tamga predict RUN --data FILE --format F --lang L --out FILE|- [eval options]",
	  "write a run's predictions: CoNLL-U with predicted UPOS, word/gold/predicted IOB2, or one label per item" },
	{ "analyze", tg_cmd_analyze, "tamga analyze ttc|compare|features|predict|scaling|probe [options]", "TTC over seeds and items, paired method comparison, language features, predictive TTC, scaling model, alignment probe" },
	{ "study", tg_cmd_study, "tamga study run|report PROTOCOL.lua [--workspace DIR] [--workers N] [--launcher L] [--dry-run] [-o DIR]",
	  "a study protocol: one sweep per arm (resumable), then a report (HTML with SVG plots, Markdown, PDF)" },
	{ "plot", tg_cmd_plot, "tamga plot curves|ttc|probe|scaling [options] -o FILE.png|svg|pdf", "learning curves, TTC heat maps, probe by layer, scaling fit as PNG, SVG or PDF" },
	{ "tokstats", tg_cmd_tokstats, "tamga tokstats [--data DIR] [--tokenizer PATH] [--langs L,...] [--format text|md|csv|json]", "tokenizer statistics per language: fertility, continued words, UNK, script; type overlap" },
	{ "info", tg_cmd_info,
	  "tamga info MODEL_DIR [--peft SPEC] [--budget N | --match SPEC] [--batch N] [--seq N] [--labels N] [--json]",
	  "a model folder: architecture, parameters per component and layer, tokenizer; what a PEFT spec trains" },
	{ "run", tg_cmd_run, "tamga run [--sandbox] [-e CHUNK] FILE.lua [ARGS...]",
	  "run a Lua script headless (the tamga API, see tamga-lua(3)); arg holds ARGS as in lua(1)" },
	{ "repl", tg_cmd_repl, "tamga repl [--sandbox] [-e CHUNK] [FILE.lua [ARGS...]]",
	  "interactive Lua prompt with the tamga API: completion, history, Ctrl-C interrupts training" },
	{ "tui", tg_cmd_tui, "tamga [tui] [--workspace DIR] [--model NAME] [--data DIR] [--max-frames N] [--ascii] [--no-color]",
	  "the workbench: pick layers, launch fine-tunes, live per-language curves (tamga alone opens it)" },
	{ NULL, NULL, NULL, NULL }
};

static void
usage(FILE *f)
{
	const tg_command *c;

	fprintf(f, "usage: tamga [--threads N] [--workspace DIR] [--data DIR] COMMAND [ARGS...]\n"
	    "       tamga --help | --version\n\n"
	    "tamga is a workbench for parameter-efficient cross-lingual transfer on Turkic languages.\n\n"
	    "commands:\n");
	for (c = tg_commands; c->name != NULL; c++)
		fprintf(f, "  %-11s %s\n", c->name, c->summary);
	fprintf(f, "\nenvironment:\n"
	    "  TAMGA_THREADS  threads for tamga and OpenBLAS together, 1 to 1024 (default: all cores)\n"
	    "  TAMGA_WORKSPACE  the workspace (default: ./tamga-workspace)\n"
	    "  TAMGA_DATA     data root (datasets)\n\n"
	    "See tamga(1).\n");
}

/* Global options before a command that belong to the workbench too: --workspace and --data given before another
 * command set TAMGA_WORKSPACE and TAMGA_DATA for it (`tamga -w DIR runs`). Returns how many arguments they took, 0
 * when argv[i] is not one of them or no command follows (then the workbench opens), -1 after a usage error. */
static int
global_option(int argc, char **argv, int i)
{
	const char *a = argv[i];
	int j = i;

	if (!(strcmp(a, "--workspace") == 0 || strcmp(a, "-w") == 0 || strcmp(a, "--data") == 0))
		return 0;
	/* skip this and any further global or workbench options to see what follows */
	while (j < argc && (tg_tui_is_option(argv[j]) || strcmp(argv[j], "--threads") == 0))
		j += strcmp(argv[j], "--ascii") == 0 || strcmp(argv[j], "--no-color") == 0 ? 1 : 2;
	if (j >= argc || argv[j][0] == '-' || tg_command_find(argv[j]) == NULL || strcmp(argv[j], "tui") == 0)
		return 0;
	if (i + 1 >= argc) {
		fprintf(stderr, "tamga: %s needs a value\nhint: run 'tamga --help'\n", a);
		return -1;
	}
	setenv(strcmp(a, "--data") == 0 ? "TAMGA_DATA" : "TAMGA_WORKSPACE", argv[i + 1], 1);
	return 2;
}

int
main(int argc, char **argv)
{
	const tg_command *c;
	const char *cand[64];
	tg_error err = { 0 };
	int i = 1, k, nc = 0;

	tg_cli_commands = tg_commands;      /* options.c finds usage lines here (tg_command_find) */

	if (tg_threads_env(&k, &err) != TG_OK) {
		fprintf(stderr, "tamga: %s\nhint: %s\n", err.msg, err.hint);
		return 2;
	}
	tg_threads_init();
	while (i < argc && argv[i][0] == '-') {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--version") == 0 || strcmp(argv[i], "-V") == 0) {
			printf("tamga %s\n%s\n%s\n", PACKAGE_VERSION, tg_blas_info(), tg_cpu_info());
			return 0;
		} else if (strcmp(argv[i], "--threads") == 0) {
			int64_t n;
			if (i + 1 >= argc || tg_parse_int("option '--threads'", argv[i + 1], 1, TG_THREADS_MAX, &n, &err) != TG_OK) {
				fprintf(stderr, "tamga: %s\nhint: --threads takes a thread count from 1 to %d\n", i + 1 < argc ?
				    err.msg : "option '--threads' needs a value", TG_THREADS_MAX);
				return 2;
			}
			tg_threads_set((int)n);
			i += 2;
		} else if ((k = global_option(argc, argv, i)) != 0) {
			if (k < 0)
				return 2;
			i += k;
		} else if (tg_tui_is_option(argv[i])) {
			argv[i - 1] = (char *)"tui";           /* `tamga --workspace W` = `tamga tui --workspace W` */
			return tg_cmd_tui(argc - i + 1, argv + i - 1);
		} else {
			fprintf(stderr, "tamga: unknown option '%s'\nhint: run 'tamga --help'\n", argv[i]);
			return 2;
		}
	}
	if (i >= argc) {
		/* no command: the workbench on a terminal, the usage otherwise */
		if (isatty(0) && isatty(1)) {
			char *tv[] = { (char *)"tui", NULL };
			return tg_cmd_tui(1, tv);
		}
		usage(stderr);
		return 2;
	}
	if ((c = tg_command_find(argv[i])) != NULL) {
		int rc;
		/* the engine's events: notes always, progress unless a command says --quiet (tg_cli_progress.steps) */
		tg_progress_init(&tg_cli_progress, stderr, true);
		tg_observer_set_default(tg_progress_event, &tg_cli_progress);
		rc = c->run(argc - i, argv + i);
		tg_progress_end(&tg_cli_progress);
		return rc;
	}
	for (c = tg_commands; c->name != NULL && nc < 64; c++)
		cand[nc++] = c->name;
	if (tg_suggest(argv[i], cand, nc) != NULL)
		fprintf(stderr, "tamga: unknown command '%s'; did you mean '%s'?\nhint: run 'tamga --help' for the list of "
		    "commands\n", argv[i], tg_suggest(argv[i], cand, nc));
	else
		fprintf(stderr, "tamga: unknown command '%s'\nhint: run 'tamga --help' for the list of commands\n",
		    argv[i]);
	return 2;
}
