/* tamga info: a model folder's architecture, sizes and parameters, its tokenizer, and what a PEFT spec would train. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <jansson.h>
#include "cli/cli.h"
#include "model/model.h"
#include "model/safetensors.h"
#include "peft/peft.h"
#include "tokenize/tokenizer.h"

int tg_cmd_info(int argc, char **argv);        /* also in cli/cli.h once the dispatch table lists it */

static void
usage(FILE *fp)
{
	fputs("usage: tamga info MODEL_DIR [--peft SPEC] [--budget N | --match SPEC] [--batch N] [--seq N] [--labels N]\n"
	    "                  [--json]\n"
	    "Architecture, sizes and parameters of a model folder (config.json + safetensors), its tokenizer, and with\n"
	    "--peft the trainable parameters per layer, the lowest trainable layer and the FLOPs of a training step\n"
	    "(default batch 16 x 128). --budget/--match first size the spec's rank or bottleneck to a parameter budget.\n"
	    "SPEC is METHOD[:KEY=VALUE,...], e.g. lora:layers=0-3,targets=q+v,r=8 or pfeiffer:reduction=16.\n", fp);
}

/* "1,234,567" */
static const char *
num(int64_t v, char *buf, size_t n)
{
	char tmp[32];
	int len, i, j = 0;

	len = snprintf(tmp, sizeof tmp, "%lld", (long long)(v < 0 ? -v : v));
	if (v < 0 && (size_t)j + 1 < n)
		buf[j++] = '-';
	for (i = 0; i < len && (size_t)j + 2 < n; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			buf[j++] = ',';
		buf[j++] = tmp[i];
	}
	buf[j] = '\0';
	return buf;
}

static const char *
flops(double f, char *buf, size_t n)
{
	if (f >= 1e12)
		snprintf(buf, n, "%.2f TFLOP", f / 1e12);
	else if (f >= 1e9)
		snprintf(buf, n, "%.2f GFLOP", f / 1e9);
	else
		snprintf(buf, n, "%.2f MFLOP", f / 1e6);
	return buf;
}

enum { C_WORD, C_POS, C_TYPE, C_EMB_LN, C_ATTN, C_FFN, C_NORM, C_POOLER, C_MLM, C_OTHER, C_N };

typedef struct counts {
	int64_t comp[C_N];
	int64_t layer[TG_PEFT_MAX_LAYERS][3];      /* attention, FFN, norms */
	int64_t total, tied;
	int     tensors, nl;
	char    dtype[16];
	bool    have;
} counts;

static void
count_weights(const char *dir, const tg_encoder_config *cfg, counts *c, tg_error *err)
{
	tg_st_set *s = tg_st_set_open(dir, err);
	int64_t word_numel = cfg->vocab_size * cfg->hidden_size;
	int i;

	memset(c, 0, sizeof *c);
	c->nl = (int)cfg->num_layers;
	if (s == NULL)
		return;
	c->have = true;
	for (i = 0; i < tg_st_set_count(s); i++) {
		const tg_st_file *f;
		const tg_st_tensor *t = tg_st_set_at(s, i, &f);
		const char *n = t->name;
		size_t len;
		int k = C_OTHER;
		if (!strncmp(n, "bert.", 5))
			n += 5;
		else if (!strncmp(n, "roberta.", 8))
			n += 8;
		len = strlen(n);
		if (len > 14 && !strcmp(n + len - 14, "decoder.weight") && t->numel == word_numel) {
			c->tied += t->numel;          /* the decoder tied to the word embeddings: stored twice, one tensor */
			continue;
		}
		c->tensors++;
		c->total += t->numel;
		snprintf(c->dtype, sizeof c->dtype, "%s", tg_st_dtype_name(t->dtype));
		if (!strncmp(n, "embeddings.word_embeddings", 26))
			k = C_WORD;
		else if (!strncmp(n, "embeddings.position_embeddings", 30))
			k = C_POS;
		else if (!strncmp(n, "embeddings.token_type_embeddings", 32))
			k = C_TYPE;
		else if (!strncmp(n, "embeddings.", 11))
			k = C_EMB_LN;
		else if (!strncmp(n, "encoder.layer.", 14)) {
			long l = strtol(n + 14, NULL, 10);
			const char *rest = strchr(n + 14, '.');
			int part = rest && strstr(rest, "LayerNorm") ? 2 : rest && !strncmp(rest, ".attention.", 11) ? 0 : 1;
			k = part == 0 ? C_ATTN : part == 1 ? C_FFN : C_NORM;
			if (l >= 0 && l < TG_PEFT_MAX_LAYERS)
				c->layer[l][part] += t->numel;
		} else if (!strncmp(n, "pooler.", 7))
			k = C_POOLER;
		else if (!strncmp(n, "cls.", 4) || !strncmp(n, "lm_head.", 8))
			k = C_MLM;
		c->comp[k] += t->numel;
	}
	tg_st_set_close(s);
}

static bool
has_tokenizer(const char *dir)
{
	static const char *files[] = { "tokenizer.json", "vocab.txt" };
	char path[4200];
	struct stat st;
	DIR *d;
	struct dirent *de;
	size_t i;
	bool found = false;

	for (i = 0; i < sizeof files / sizeof files[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, files[i]);
		if (stat(path, &st) == 0)
			return true;
	}
	if ((d = opendir(dir)) == NULL)
		return false;
	while (!found && (de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);
		found = n > 6 && strcmp(de->d_name + n - 6, ".model") == 0;
	}
	closedir(d);
	return found;
}

static const char *
act_name(tg_act a)
{
	return a == TG_ACT_RELU ? "relu" : a == TG_ACT_TANH ? "tanh" : a == TG_ACT_SWISH ? "swish" : "gelu";
}

/* {"model": DIR, "error": MSG} when not even config.json reads */
static void
print_json_error(const char *dir, const char *msg)
{
	json_t *o = json_object();
	char *text;

	json_object_set_new(o, "model", json_string(dir));
	json_object_set_new(o, "error", json_string(msg));
	text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	printf("%s\n", text);
	free(text);
	json_decref(o);
}

/* The exit status: 1 with one line on stderr when the folder has a problem, else 0. */
static int
report_problem(const char *problem, const char *hint, tg_tokenizer *tok)
{
	tg_tokenizer_free(tok);
	if (!problem[0])
		return 0;
	fflush(stdout);
	fprintf(stderr, "tamga info: %s\n", problem);
	if (hint[0])
		fprintf(stderr, "hint: %s\n", hint);
	return 1;
}

int
tg_cmd_info(int argc, char **argv)
{
	const char *dir = NULL, *spec_s = NULL, *match = NULL;
	long batch = 16, seq = 128, labels = 0, budget = 0;
	bool json = false;
	tg_encoder_config cfg;
	tg_error err = { 0 };
	char path[4200], a[32], b[32], c2[32], d[32], e5[32];
	tg_peft_spec spec;
	tg_peft_count pc;
	tg_peft_flops fl;
	double ratio = 0;
	int64_t total;
	counts c;
	int i, l;
	char problem[600] = "", problem_hint[256] = "";
	tg_tokenizer *tok = NULL;
	tg_error tok_err = { 0 };

	for (i = 1; i < argc; i++) {
		const char *o = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(o, "--help") || !strcmp(o, "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(o, "--json"))
			json = true;
		else if (!strcmp(o, "--peft") || !strcmp(o, "--match") || !strcmp(o, "--budget") || !strcmp(o, "--batch") ||
		    !strcmp(o, "--seq") || !strcmp(o, "--labels")) {
			if (v == NULL)
				return tg_cli_usage_error("info", "%s needs a value", o);
			i++;
			if (!strcmp(o, "--peft"))
				spec_s = v;
			else if (!strcmp(o, "--match"))
				match = v;
			else if ((!strcmp(o, "--budget") && tg_cli_long("info", o, v, 1, 1L << 40, &budget)) ||
			    (!strcmp(o, "--batch") && tg_cli_long("info", o, v, 1, 1 << 20, &batch)) ||
			    (!strcmp(o, "--seq") && tg_cli_long("info", o, v, 1, 1 << 20, &seq)) ||
			    (!strcmp(o, "--labels") && tg_cli_long("info", o, v, 0, 1 << 24, &labels)))
				return 2;
		} else if (o[0] == '-')
			return tg_cli_usage_error("info", "unknown option '%s'", o);
		else if (dir == NULL)
			dir = o;
		else
			return tg_cli_usage_error("info", "one model folder at a time ('%s' and '%s')", dir, o);
	}
	if (dir == NULL) {
		usage(stderr);
		return 2;
	}
	if ((match || budget) && !spec_s)
		return tg_cli_usage_error("info", "--budget and --match size the spec given with --peft");
	snprintf(path, sizeof path, "%s/config.json", dir);
	if (tg_encoder_config_load(&cfg, path, &err) != TG_OK) {
		if (json)
			print_json_error(dir, err.msg);
		return tg_cli_error("info", NULL, &err);
	}
	count_weights(dir, &cfg, &c, &err);
	/* what makes the folder unusable: weights missing or unreadable, weights that disagree with config.json, a
	 * tokenizer that does not load. The report still prints (counts from config.json when there are no weights),
	 * then one line says what is wrong and the exit status is 1; --json carries it as "error". */
	if (!c.have)
		snprintf(problem, sizeof problem, "%s", err.msg);
	else if (tg_encoder_check_weights(dir, &cfg, &err) != TG_OK) {
		snprintf(problem, sizeof problem, "%s", err.msg);
		snprintf(problem_hint, sizeof problem_hint, "%s", err.hint);
	}
	tg_error_clear(&err);
	if (has_tokenizer(dir)) {
		tok = tg_tokenizer_load(dir, &tok_err);
		if (tok == NULL && !problem[0])
			snprintf(problem, sizeof problem, "tokenizer: %s", tok_err.msg);
	}

	/* the PEFT spec first, so that a bad one fails before anything is printed */
	if (spec_s != NULL) {
		if (tg_peft_spec_parse(&spec, spec_s, &err) != TG_OK)
			goto spec_error;
		if (match != NULL) {
			tg_peft_spec ref;
			if (tg_peft_spec_parse(&ref, match, &err) != TG_OK ||
			    tg_peft_match_spec(&spec, &ref, &cfg, 0.05, &ratio, &err) != TG_OK)
				goto spec_error;
		} else if (budget > 0 && tg_peft_match(&spec, &cfg, budget, 0.05, &ratio, &err) != TG_OK)
			goto spec_error;
		if (tg_peft_spec_count(&spec, &cfg, &pc, &err) != TG_OK ||
		    tg_peft_spec_flops(&spec, &cfg, batch, seq, labels, &fl, &err) != TG_OK)
			goto spec_error;
	}
	total = c.have ? c.total : 0;
	if (!c.have) {    /* from config.json alone */
		int64_t dd = cfg.hidden_size, ff = cfg.intermediate_size;
		c.comp[C_WORD] = cfg.vocab_size * dd;
		c.comp[C_POS] = cfg.max_positions * dd;
		c.comp[C_TYPE] = cfg.type_vocab_size * dd;
		c.comp[C_EMB_LN] = 2 * dd;
		for (l = 0; l < cfg.num_layers && l < TG_PEFT_MAX_LAYERS; l++) {
			c.layer[l][0] = 4 * dd * dd + 4 * dd;
			c.layer[l][1] = 2 * dd * ff + ff + dd;
			c.layer[l][2] = 4 * dd;
			c.comp[C_ATTN] += c.layer[l][0];
			c.comp[C_FFN] += c.layer[l][1];
			c.comp[C_NORM] += c.layer[l][2];
		}
		for (i = 0; i < C_N; i++)
			total += c.comp[i];
	}

	if (json) {
		json_t *o = json_object(), *pj, *pl;
		char *text, sb[1024];
		json_object_set_new(o, "model", json_string(dir));
		json_object_set_new(o, "model_type", json_string(cfg.model_type));
		json_object_set_new(o, "arch", json_string(tg_arch_name(cfg.arch)));
		json_object_set_new(o, "layers", json_integer(cfg.num_layers));
		json_object_set_new(o, "hidden", json_integer(cfg.hidden_size));
		json_object_set_new(o, "heads", json_integer(cfg.num_heads));
		json_object_set_new(o, "ffn", json_integer(cfg.intermediate_size));
		json_object_set_new(o, "vocab", json_integer(cfg.vocab_size));
		json_object_set_new(o, "positions", json_integer(cfg.max_positions));
		json_object_set_new(o, "parameters", json_integer(total));
		json_object_set_new(o, "embeddings", json_integer(c.comp[C_WORD] + c.comp[C_POS] + c.comp[C_TYPE] +
		    c.comp[C_EMB_LN]));
		json_object_set_new(o, "encoder_layers", json_integer(c.comp[C_ATTN] + c.comp[C_FFN] + c.comp[C_NORM]));
		json_object_set_new(o, "pooler", json_integer(c.comp[C_POOLER]));
		json_object_set_new(o, "mlm_head", json_integer(c.comp[C_MLM]));
		pl = json_array();
		for (l = 0; l < cfg.num_layers && l < TG_PEFT_MAX_LAYERS; l++)
			json_array_append_new(pl, json_integer(c.layer[l][0] + c.layer[l][1] + c.layer[l][2]));
		json_object_set_new(o, "per_layer", pl);
		if (spec_s != NULL) {
			pj = json_object();
			json_object_set_new(pj, "spec", json_string(tg_peft_spec_format(&spec, sb, sizeof sb)));
			json_object_set_new(pj, "trainable", json_integer(pc.total));
			pl = json_array();
			for (l = 0; l < cfg.num_layers; l++)
				json_array_append_new(pl, json_integer(pc.layer[l]));
			json_object_set_new(pj, "per_layer", pl);
			json_object_set_new(pj, "embeddings", json_integer(pc.embed));
			json_object_set_new(pj, "head", json_integer(pc.head));
			json_object_set_new(pj, "lowest_layer", json_integer(pc.lowest_layer));
			json_object_set_new(pj, "batch", json_integer(batch));
			json_object_set_new(pj, "seq", json_integer(seq));
			json_object_set_new(pj, "fwd_flops", json_real(fl.fwd));
			json_object_set_new(pj, "train_flops", json_real(fl.train));
			json_object_set_new(pj, "full_ft_flops", json_real(fl.full_ft));
			if (match || budget)
				json_object_set_new(pj, "match_ratio", json_real(ratio));
			json_object_set_new(o, "peft", pj);
		}
		json_object_set_new(o, "error", problem[0] ? json_string(problem) : json_null());
		text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
		printf("%s\n", text);
		free(text);
		json_decref(o);
		return report_problem(problem, problem_hint, tok);
	}

	if (strcmp(cfg.model_type, tg_arch_name(cfg.arch)) == 0)
		printf("model      %s (%s)\n", dir, cfg.model_type);
	else
		printf("model      %s (%s, read as %s)\n", dir, cfg.model_type, tg_arch_name(cfg.arch));
	printf("config     %lld layers, hidden %lld, %lld heads, FFN %lld (%s), vocab %s, %lld positions, %lld token "
	    "types, layer-norm eps %g\n", (long long)cfg.num_layers, (long long)cfg.hidden_size, (long long)cfg.num_heads,
	    (long long)cfg.intermediate_size, act_name(cfg.hidden_act), num(cfg.vocab_size, a, sizeof a),
	    (long long)cfg.max_positions, (long long)cfg.type_vocab_size, cfg.layer_norm_eps);
	if (cfg.languages[0])
		printf("languages  %s\n", cfg.languages);
	if (c.have)
		printf("weights    %s parameters in %d tensors (%s)%s%s%s\n", num(c.total, a, sizeof a), c.tensors, c.dtype,
		    c.comp[C_MLM] ? ", masked-LM head" : ", no masked-LM head", c.comp[C_POOLER] ? ", pooler" : "",
		    c.tied ? " (decoder tied to the word embeddings)" : "");
	else
		printf("weights    none found (%s); counts below are from config.json\n", problem);
	if (has_tokenizer(dir)) {
		if (tok != NULL) {
			printf("tokenizer  %s\n", tg_tokenizer_describe(tok));
			if (tg_tokenizer_vocab_size(tok) > cfg.vocab_size)
				printf("           warning: %d ids but only %lld embeddings\n", tg_tokenizer_vocab_size(tok),
				    (long long)cfg.vocab_size);
		} else
			printf("tokenizer  cannot load: %s\n", tok_err.msg);
	} else
		printf("tokenizer  none in the folder\n");

	printf("\nparameters by component\n");
	{
		int64_t emb = c.comp[C_WORD] + c.comp[C_POS] + c.comp[C_TYPE] + c.comp[C_EMB_LN];
		int64_t lay = c.comp[C_ATTN] + c.comp[C_FFN] + c.comp[C_NORM];
		double t = total > 0 ? (double)total : 1;
		printf("  %-16s %14s %6.1f%%   word %s, position %s, type %s, layer norm %s\n", "embeddings",
		    num(emb, a, sizeof a), 100.0 * emb / t, num(c.comp[C_WORD], b, sizeof b), num(c.comp[C_POS], c2, sizeof c2),
		    num(c.comp[C_TYPE], d, sizeof d), num(c.comp[C_EMB_LN], e5, sizeof e5));
		printf("  %-16s %14s %6.1f%%   attention %s, FFN %s, layer norms %s\n", "encoder layers", num(lay, a, sizeof a),
		    100.0 * lay / t, num(c.comp[C_ATTN], b, sizeof b), num(c.comp[C_FFN], c2, sizeof c2),
		    num(c.comp[C_NORM], d, sizeof d));
		if (c.comp[C_POOLER])
			printf("  %-16s %14s %6.1f%%\n", "pooler", num(c.comp[C_POOLER], a, sizeof a),
			    100.0 * c.comp[C_POOLER] / t);
		if (c.comp[C_MLM])
			printf("  %-16s %14s %6.1f%%\n", "masked-LM head", num(c.comp[C_MLM], a, sizeof a),
			    100.0 * c.comp[C_MLM] / t);
		if (c.comp[C_OTHER])
			printf("  %-16s %14s %6.1f%%\n", "other", num(c.comp[C_OTHER], a, sizeof a), 100.0 * c.comp[C_OTHER] / t);
		printf("  %-16s %14s\n", "total", num(total, a, sizeof a));
	}
	printf("\nper layer     attention          FFN   norms        total\n");
	for (l = 0; l < cfg.num_layers && l < TG_PEFT_MAX_LAYERS; l++)
		printf("  %-5d %13s %12s %7s %12s\n", l, num(c.layer[l][0], a, sizeof a), num(c.layer[l][1], b, sizeof b),
		    num(c.layer[l][2], c2, sizeof c2), num(c.layer[l][0] + c.layer[l][1] + c.layer[l][2], d, sizeof d));

	if (spec_s != NULL) {
		bool used[TG_NSLOTS] = { false };
		char sb[1024];
		int s;
		printf("\nPEFT       %s\n", tg_peft_spec_format(&spec, sb, sizeof sb));
		if (match || budget)
			printf("matched    %s parameters = %.3f x the budget of %s%s%s\n", num(pc.total, a, sizeof a), ratio,
			    match ? "" : num(budget, b, sizeof b), match ? "the spec " : "", match ? match : "");
		printf("trainable  %s parameters (%.4f%% of %s)\n", num(pc.total, a, sizeof a),
		    total > 0 ? 100.0 * (double)pc.total / (double)total : 0.0, num(total, b, sizeof b));
		for (l = 0; l < cfg.num_layers; l++)
			for (s = 0; s < TG_NSLOTS; s++)
				used[s] |= pc.slot[l][s] != 0;
		printf("  layer");
		for (s = 0; s < TG_NSLOTS; s++)
			if (used[s])
				printf(" %12s", tg_slot_name(s));
		printf(" %12s\n", "total");
		for (l = 0; l < cfg.num_layers; l++) {
			printf("  %-5d", l);
			for (s = 0; s < TG_NSLOTS; s++)
				if (used[s])
					printf(" %12s", pc.slot[l][s] ? num(pc.slot[l][s], a, sizeof a) : ".");
			printf(" %12s\n", pc.layer[l] ? num(pc.layer[l], a, sizeof a) : ".");
		}
		if (pc.embed)
			printf("  embeddings %s\n", num(pc.embed, a, sizeof a));
		if (pc.head)
			printf("  masked-LM head %s\n", num(pc.head, a, sizeof a));
		if (pc.lowest_layer < 0)
			printf("lowest     the embeddings: backward runs through every layer\n");
		else if (pc.lowest_layer >= cfg.num_layers)
			printf("lowest     none in the encoder: backward stops at the task head\n");
		else
			printf("lowest     layer %d: backward runs through layers %lld..%d and stops there\n", pc.lowest_layer,
			    (long long)cfg.num_layers - 1, pc.lowest_layer);
		printf("FLOPs      per step at batch %ld x %ld%s: forward %s, training %s (%.0f%% of full fine-tuning's %s)\n",
		    batch, seq, labels ? "" : " (no task head)", flops(fl.fwd, a, sizeof a), flops(fl.train, b, sizeof b),
		    100.0 * fl.train / fl.full_ft, flops(fl.full_ft, c2, sizeof c2));
	}
	return report_problem(problem, problem_hint, tok);
spec_error:
	tg_tokenizer_free(tok);
	tg_cli_error("info", NULL, &err);
	return 2;
}
