/* What every command's option parsing shares: usage errors with a hint, --help, numbers and lists from options,
 * unknown options with "did you mean", and the command table's usage lines (set by main.c). */
#include "config.h"
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "util/util.h"

const tg_command *tg_cli_commands;
tg_progress tg_cli_progress;

int
tg_cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "tamga %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nhint: run 'tamga %s --help' or 'man tamga'\n", cmd);
	return 2;
}

int
tg_cli_error(const char *cmd, const char *sub, const tg_error *err)
{
	fprintf(stderr, "tamga %s%s%s: %s\n", cmd, sub ? " " : "", sub ? sub : "", err->msg);
	if (err->hint[0])
		fprintf(stderr, "hint: %s\n", err->hint);
	return 1;
}

bool
tg_cli_is_help(const char *arg)
{
	return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

const tg_command *
tg_command_find(const char *name)
{
	const tg_command *c;

	for (c = tg_cli_commands; c != NULL && c->name != NULL; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

int
tg_cli_help(const char *cmd, const char *more)
{
	const tg_command *c = tg_command_find(cmd);

	if (c != NULL)
		printf("usage: %s\n\n%s.\n", c->usage, c->summary);
	if (more != NULL)
		printf("\n%s", more);
	printf("\nSee tamga(1).\n");
	return 0;
}

int
tg_cli_int(const char *cmd, const char *opt, const char *v, int64_t lo, int64_t hi, int64_t *out)
{
	char what[96];
	tg_error err = { 0 };

	snprintf(what, sizeof what, opt[0] == '-' ? "option '%s'" : "%s", opt);
	if (tg_parse_int(what, v, lo, hi, out, &err) != TG_OK)
		return tg_cli_usage_error(cmd, "%s", err.msg);
	return 0;
}

int
tg_cli_double(const char *cmd, const char *opt, const char *v, double lo, double hi, int flags, double *out)
{
	char what[96];
	tg_error err = { 0 };

	snprintf(what, sizeof what, "option '%s'", opt);
	if (tg_parse_double(what, v, lo, hi, flags, out, &err) != TG_OK)
		return tg_cli_usage_error(cmd, "%s", err.msg);
	return 0;
}

int
tg_cli_list(const char *cmd, const char *opt, char *v, const char **items, int max)
{
	char what[96];
	tg_error err = { 0 };
	int n;

	snprintf(what, sizeof what, "option '%s'", opt);
	if ((n = tg_parse_list(what, v, items, max, &err)) < 0)
		tg_cli_usage_error(cmd, "%s", err.msg);
	return n;
}

/* The options named in the command's usage line and in extra: "[--batch N]" gives "--batch". */
static int
named_options(const char *cmd, const char *extra, char words[][32], const char **cand, int max)
{
	const tg_command *c = tg_command_find(cmd);
	const char *texts[2] = { c != NULL ? c->usage : NULL, extra }, *p;
	int n = 0, t;

	for (t = 0; t < 2; t++)
		for (p = texts[t]; p != NULL && (p = strchr(p, '-')) != NULL && n < max; ) {
			size_t k = strspn(p, "-abcdefghijklmnopqrstuvwxyz0123456789");
			if (k > 1 && k < 32 && (p == texts[t] || strchr(" [|(\n", p[-1]) != NULL)) {
				memcpy(words[n], p, k);
				words[n][k] = '\0';
				cand[n] = words[n];
				n++;
			}
			p += k ? k : 1;
		}
	return n;
}

int
tg_cli_unknown_option(const char *cmd, const char *opt, const char *extra)
{
	char words[160][32];
	const char *cand[160], *best;
	int n = named_options(cmd, extra, words, cand, 160), i;

	for (i = 0; i < n; i++)
		if (strcmp(cand[i], opt) == 0)          /* a known option at the end of the line */
			return tg_cli_usage_error(cmd, "%s needs a value", opt);
	if ((best = tg_suggest(opt, cand, n)) != NULL)
		return tg_cli_usage_error(cmd, "unknown option '%s'; did you mean '%s'?", opt, best);
	return tg_cli_usage_error(cmd, "unknown option '%s'", opt);
}

int
tg_cli_long(const char *cmd, const char *opt, const char *v, long lo, long hi, long *out)
{
	int64_t x;

	if (tg_cli_int(cmd, opt, v, lo, hi, &x))
		return 2;
	*out = (long)x;
	return 0;
}

int
tg_cli_sub_help(int argc, char **argv, void (*usage)(FILE *))
{
	if (argc >= 2 && !tg_cli_is_help(argv[1]) && strcmp(argv[1], "help") != 0)
		return -1;
	usage(argc < 2 ? stderr : stdout);
	return argc < 2 ? 2 : 0;
}

static volatile int cancel_flag;

static void
on_sigint(int sig)
{
	(void)sig;
	cancel_flag = 1;
}

/* Ctrl-C, and SIGTERM (Slurm's warning before a kill or requeue): checkpoint and stop after the current step */
volatile int *
tg_cli_cancel_on_sigint(void)
{
	signal(SIGINT, on_sigint);
	signal(SIGTERM, on_sigint);
	return &cancel_flag;
}
