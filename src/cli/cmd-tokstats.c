/* tamga tokstats: tokenizer diagnostics per language over the data root, and type overlap between languages. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analysis/analysis.h"
#include "cli/cli.h"

int tg_cmd_tokstats(int argc, char **argv);

static const char usage_text[] =
    "usage: tamga tokstats [--data DIR] [--tokenizer PATH] [--langs L1,L2,...] [--sources LIST]\n"
    "                      [--max-words N] [--sample-words N] [--seed N] [--format text|md|csv|json] [-o FILE]\n"
    "Per language: fertility (tokens per word), continued words, UNK rate, characters per token, script mix;\n"
    "subword-type and character 3-gram Jaccard between languages on equal-size samples.\n"
    "  --tokenizer PATH  a model folder or tokenizer file (SentencePiece .model, tokenizer.json, vocab.txt);\n"
    "                    without it, white space + punctuation words are the tokens\n"
    "  --sources LIST    text,tatoeba,udpos,ntrex,xwmt,udhr,ebible (default), also gettext\n"
    "  --max-words N     words read per language (default 100000)\n"
    "  --sample-words N  words per language in the Jaccard samples (default 5000)\n";

static void
usage(FILE *fp)
{
	fputs(usage_text, fp);
}

int
tg_cmd_tokstats(int argc, char **argv)
{
	const char *data_opt = NULL, *tok_path = NULL, *sources = NULL, *out_path = NULL, *root, *langs[128];
	char *langs_arg = NULL;
	int i, fmt = TG_OUT_TEXT, nlangs = 0, rc = 1;
	int64_t n;
	tg_corpus_opts co = { 0 };
	tg_tokstats_opts to = { 0 };
	tg_error err = { 0 };
	tg_registry *r = NULL;
	tg_corpus *c = NULL;
	tg_tokenizer *tok = NULL;
	tg_tokstats_report *rep = NULL;
	FILE *f = stdout;
	double t0 = tg_now();

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(a, "--data") == 0 && v)
			data_opt = v, i++;
		else if ((strcmp(a, "--tokenizer") == 0 || strcmp(a, "--model") == 0) && v)
			tok_path = v, i++;
		else if (strcmp(a, "--langs") == 0 && v) {
			free(langs_arg);
			langs_arg = tg_xstrdup(v), i++;
		}
		else if (strcmp(a, "--sources") == 0 && v)
			sources = v, i++;
		else if (strcmp(a, "--max-words") == 0 && v) {
			if (tg_cli_int("tokstats", a, v, 1, 1000000000000LL, &n))
				goto usage_fail;
			co.max_words = n, i++;
		} else if (strcmp(a, "--sample-words") == 0 && v) {
			if (tg_cli_int("tokstats", a, v, 1, 1000000000000LL, &n))
				goto usage_fail;
			to.sample_words = n, i++;
		} else if (strcmp(a, "--seed") == 0 && v) {
			if (tg_cli_int("tokstats", a, v, 0, INT64_MAX, &n))
				goto usage_fail;
			to.seed = (uint64_t)n, i++;
		}
		else if (strcmp(a, "--format") == 0 && v) {
			if ((fmt = tg_out_format_parse(v)) < 0)
			{
				free(langs_arg);
				return tg_cli_usage_error("tokstats", "unknown format '%s' (text, md, csv or json)", v);
			}
			i++;
		} else if (strcmp(a, "--json") == 0)
			fmt = TG_OUT_JSON;
		else if (strcmp(a, "--csv") == 0)
			fmt = TG_OUT_CSV;
		else if (strcmp(a, "-o") == 0 && v)
			out_path = v, i++;
		else {
			tg_cli_unknown_option("tokstats", a, usage_text);
			goto usage_fail;
		}
	}
	if (langs_arg && (nlangs = tg_cli_list("tokstats", "--langs", langs_arg, langs, 128)) < 0)
		goto usage_fail;
	co.langs = nlangs ? langs : NULL;
	co.nlangs = nlangs;
	co.sources = sources;
	if ((root = tg_data_root(data_opt, &err)) == NULL || (r = tg_registry_scan(root, &err)) == NULL)
		goto fail;
	if (tok_path != NULL && (tok = tg_tokenizer_load(tok_path, &err)) == NULL)
		goto fail;
	if (tok == NULL)
		fprintf(stderr, "tamga tokstats: no tokenizer given (--tokenizer PATH): white space + punctuation words are "
		    "the tokens, so fertility is 1 and overlap is word-type overlap\n");
	if ((c = tg_corpus_collect(r, &co, &err)) == NULL)
		goto fail;
	if (c->n == 0) {
		tg_error_set(&err, TG_E_ARG, "no text for the languages asked for under %s", root);
		tg_error_hint(&err, "tamga data list shows what the data root holds");
		goto fail;
	}
	if ((rep = tg_tokstats_compute(c, tok, &to, &err)) == NULL)
		goto fail;
	rep->seconds = tg_now() - t0;          /* report the whole command: reading the data included */
	if (out_path && (f = fopen(out_path, "w")) == NULL) {
		tg_error_set(&err, TG_E_IO, "%s: cannot write", out_path);
		goto fail;
	}
	if (tg_tokstats_write(f, (tg_out_format)fmt, rep, &err) != TG_OK)
		goto fail;
	rc = 0;
fail:
	if (rc)
		tg_cli_error("tokstats", NULL, &err);
	if (f != stdout && f != NULL)
		fclose(f);
	tg_tokstats_report_free(rep);
	tg_corpus_free(c);
	tg_tokenizer_free(tok);
	tg_registry_free(r);
	free(langs_arg);
	return rc;
usage_fail:
	free(langs_arg);
	return 2;
}
