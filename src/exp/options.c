/* The options of an experiment: the one table (defaults, ranges, help) and the one setter (options.h). */
#include <ctype.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "exp/options.h"

/* How a value is kept in tg_experiment. */
enum {
	C_INT,        /* int */
	C_I64,        /* int64_t */
	C_SEED,       /* uint64_t train.seed, copied to task.seed (subsampling) */
	C_FLOAT,      /* float */
	C_STR,        /* const char * (borrowed) */
	C_BOOL,       /* bool */
	C_NBOOL,      /* bool holding the opposite (words: task.fused_mwt) */
	C_SCHED,      /* tg_sched_kind */
	C_SCRIPT,     /* tg_script_choice */
	C_PREC,       /* tg_precision */
	C_ENUM,       /* int: the index of the value in .values */
	C_TARGETS,    /* task.targets / n_targets, split in targets_buf */
	C_SPEC,       /* tg_peft_spec */
	C_MATCH       /* tg_peft_spec match + has_match */
};

#define OFF(m) offsetof(tg_experiment, m)
#define ALL    TG_SHOW_ALL
#define TUI    TG_SHOW_TUI
#define I64MAX 1e12

/* THE option table. Defaults and ranges of an experiment are written here and nowhere else (the trainer's own
 * tg_train_opts_init keeps equal values for programs that call tg_train directly; t-options checks they agree). */
static const tg_option table[] = {
	/* what is trained, on what */
	{ .name = "model", .short_name = 'm', .kind = TG_OPT_STR, .off = OFF(model), .ctype = C_STR, .arg = "DIR|PRESET",
	  .help = "a Hugging Face model folder or a preset (micro, small, base); unset: $TAMGA_MODEL, else small",
	  .shows = ALL | TUI },
	{ .name = "build", .kind = TG_OPT_BOOL, .off = OFF(build_model), .ctype = C_BOOL, .def = "true",
	  .help = "pretrain a preset model that is not built yet", .shows = ALL },
	{ .name = "task", .kind = TG_OPT_STR, .off = OFF(task.task), .ctype = C_STR, .def = "udpos",
	  .arg = "udpos|ner|nli|copa", .help = "the task", .shows = ALL | TUI },
	{ .name = "source", .kind = TG_OPT_STR, .off = OFF(task.source), .ctype = C_STR, .def = "tr", .def_lua = "en",
	  .def_tui = "en", .arg = "LANG", .help = "the language trained on (needs a train and a dev split)",
	  .shows = ALL | TUI },
	{ .name = "targets", .kind = TG_OPT_LIST, .off = OFF(task.targets), .ctype = C_TARGETS, .arg = "L1,L2,...",
	  .help = "the languages evaluated; unset: every language with evaluation data", .shows = ALL | TUI },
	{ .name = "data", .kind = TG_OPT_STR, .off = OFF(task.data_root), .ctype = C_STR, .arg = "DIR",
	  .help = "data root; unset: $TAMGA_DATA", .shows = ALL | TUI },
	{ .name = "max-train", .kind = TG_OPT_INT, .off = OFF(task.max_train), .ctype = C_I64, .lo = 0, .hi = I64MAX,
	  .def = "0", .def_tui = "1000", .arg = "N", .help = "source training examples (0: all)", .shows = ALL | TUI },
	{ .name = "max-eval", .kind = TG_OPT_INT, .off = OFF(task.max_eval), .ctype = C_I64, .lo = 0, .hi = I64MAX,
	  .def = "0", .def_tui = "200", .arg = "N", .help = "evaluation examples per language (0: all)",
	  .shows = ALL | TUI },
	{ .name = "max-len", .kind = TG_OPT_INT, .off = OFF(task.max_len), .ctype = C_INT, .lo = 8, .hi = 8192,
	  .def = "128", .arg = "N", .help = "tokens per sentence, specials included", .shows = ALL },
	{ .name = "words", .kind = TG_OPT_BOOL, .off = OFF(task.fused_mwt), .ctype = C_NBOOL, .def = "false",
	  .help = "UDPOS: syntactic words instead of XTREME's fused multiword tokens", .shows = ALL },
	{ .name = "source-corpus", .kind = TG_OPT_STR, .off = OFF(task.ner_source_corpus), .ctype = C_STR, .arg = "C",
	  .help = "NER: the corpus of the source's splits; unset: panx", .shows = ALL },
	{ .name = "target-corpus", .kind = TG_OPT_STR, .off = OFF(task.ner_target_corpus), .ctype = C_STR, .arg = "C",
	  .help = "NER: the corpus of the targets; unset: panx", .shows = ALL },
	{ .name = "label-map", .kind = TG_OPT_STR, .off = OFF(task.label_map), .ctype = C_STR,
	  .arg = "FILE|ontonotes", .help = "NER: a label map bringing the corpora's tags to PER/ORG/LOC", .shows = ALL },
	{ .name = "source-test", .kind = TG_OPT_STR, .off = OFF(task.source_test), .ctype = C_STR, .arg = "CORPUS",
	  .help = "the corpus of the source test set TTC divides by; unset: every test file of the source",
	  .shows = ALL },
	{ .name = "script", .kind = TG_OPT_ENUM, .off = OFF(task.script), .ctype = C_SCRIPT, .values = "native|latin",
	  .def = "native", .arg = "S", .help = "latin: Turkic Cyrillic and Arabic-script inputs transliterated (training "
	  "and evaluation alike), tamga-script(7)", .shows = ALL | TUI },
	/* the PEFT method */
	{ .name = "peft", .kind = TG_OPT_PEFT, .off = OFF(peft), .ctype = C_SPEC,
	  .def = "lora:layers=0-1,targets=q+v,r=8,alpha=16", .def_lua = "head", .arg = "SPEC",
	  .help = "what trains: METHOD[:KEY=VALUE,...]", .shows = ALL | TUI },
	{ .name = "match", .kind = TG_OPT_PEFT, .off = OFF(match), .ctype = C_MATCH, .arg = "SPEC",
	  .help = "size the rank or bottleneck to this spec's trainable parameters (within 5%)", .shows = ALL },
	{ .name = "budget", .kind = TG_OPT_INT, .off = OFF(budget), .ctype = C_I64, .lo = 0, .hi = I64MAX, .def = "0",
	  .arg = "N", .help = "size the rank or bottleneck to N trainable parameters (0: as the spec says)",
	  .shows = ALL },
	/* the optimisation */
	{ .name = "epochs", .kind = TG_OPT_INT, .off = OFF(train.epochs), .ctype = C_INT, .lo = 1, .hi = 1e6,
	  .def = "3", .arg = "N", .help = "passes over the training data", .shows = ALL },
	{ .name = "steps", .kind = TG_OPT_INT, .off = OFF(train.max_steps), .ctype = C_I64, .lo = 0, .hi = I64MAX,
	  .def = "0", .def_tui = "200", .arg = "N", .help = "optimizer steps (0: the epochs')", .shows = ALL | TUI },
	{ .name = "batch", .kind = TG_OPT_INT, .off = OFF(train.batch_size), .ctype = C_INT, .lo = 1, .hi = 65536,
	  .def = "16", .arg = "N", .help = "sentences (COPA: items) per micro-batch", .shows = ALL | TUI },
	{ .name = "batch-tokens", .kind = TG_OPT_INT, .off = OFF(train.batch_tokens), .ctype = C_I64, .lo = 0,
	  .hi = 1e9, .def = "0", .arg = "N", .help = "batch by tokens instead of sentences (0: by sentences)",
	  .shows = ALL },
	{ .name = "accum", .kind = TG_OPT_INT, .off = OFF(train.grad_accum), .ctype = C_INT, .lo = 1, .hi = 4096,
	  .def = "1", .arg = "N", .help = "micro-batches per optimizer step (gradient accumulation)", .shows = ALL },
	{ .name = "lr", .kind = TG_OPT_NUM, .off = OFF(train.lr), .ctype = C_FLOAT, .lo = 1e-9, .hi = 10,
	  .def = "0.0005", .arg = "X", .help = "peak learning rate", .shows = ALL | TUI },
	{ .name = "weight-decay", .kind = TG_OPT_NUM, .off = OFF(train.weight_decay), .ctype = C_FLOAT, .lo = 0,
	  .hi = 10, .def = "0.01", .arg = "X", .help = "AdamW weight decay", .shows = ALL },
	{ .name = "warmup", .kind = TG_OPT_NUM, .off = OFF(train.warmup_ratio), .ctype = C_FLOAT, .lo = 0, .hi = 1,
	  .def = "0.1", .arg = "RATIO", .help = "share of the steps the learning rate warms up", .shows = ALL },
	{ .name = "clip", .kind = TG_OPT_NUM, .off = OFF(train.clip), .ctype = C_FLOAT, .lo = 0, .hi = 1e6,
	  .def = "1", .arg = "X", .help = "gradient norm clip (0: none)", .shows = ALL },
	{ .name = "schedule", .kind = TG_OPT_ENUM, .off = OFF(train.schedule), .ctype = C_SCHED,
	  .values = "linear|cosine|constant", .def = "linear", .arg = "S", .help = "learning-rate schedule",
	  .shows = ALL },
	{ .name = "seed", .kind = TG_OPT_INT, .off = OFF(train.seed), .ctype = C_SEED, .lo = 0, .hi = 1e18,
	  .def = "1", .arg = "N", .help = "data order, subsampling, dropout and initialisation", .shows = ALL | TUI },
	{ .name = "precision", .kind = TG_OPT_ENUM, .off = OFF(train.precision), .ctype = C_PREC,
	  .values = "fp32|bf16", .def = "fp32", .arg = "P",
	  .help = "bf16: frozen weights held in BF16, matrix products in BF16 with FP32 accumulation", .shows = ALL },
	{ .name = "frozen-prefix", .kind = TG_OPT_ENUM, .off = OFF(train.frozen_prefix), .ctype = C_ENUM,
	  .values = "train|eval|cached", .def = "train", .arg = "M",
	  .help = "the frozen layers below the lowest trained one: train (dropout, batches drawn each epoch), eval (no "
	  "dropout there, fixed batches), cached (eval's numbers, their states computed once and kept)", .shows = ALL },
	{ .name = "lr-backoff", .kind = TG_OPT_BOOL, .off = OFF(train.lr_backoff), .ctype = C_BOOL, .def = "false",
	  .help = "halve the learning rate after a NaN/Inf step", .shows = ALL },
	/* evaluation and checkpoint selection */
	{ .name = "eval-every", .kind = TG_OPT_INT, .off = OFF(train.eval_every), .ctype = C_I64, .lo = 0,
	  .hi = I64MAX, .def = "0", .def_tui = "20", .arg = "N", .help = "evaluate every N steps (0: once per epoch)",
	  .shows = ALL | TUI },
	{ .name = "patience", .kind = TG_OPT_INT, .off = OFF(train.patience), .ctype = C_INT, .lo = 0, .hi = 1e6,
	  .def = "0", .arg = "N", .help = "stop after N evaluations without a better source dev score (0: never)",
	  .shows = ALL },
	{ .name = "select-on-target", .kind = TG_OPT_BOOL, .off = OFF(train.select_on_target), .ctype = C_BOOL,
	  .def = "false", .help = "select the checkpoint on the targets' mean dev score (stored as such)",
	  .shows = ALL },
	{ .name = "eval-targets", .kind = TG_OPT_BOOL, .off = OFF(train.eval_targets), .ctype = C_BOOL, .def = "true",
	  .help = "evaluate the targets at every evaluation, not only at the end", .shows = ALL },
	{ .name = "bootstrap", .kind = TG_OPT_INT, .off = OFF(train.boot_resamples), .ctype = C_INT, .lo = 10,
	  .hi = 1e6, .def = "1000", .arg = "N", .help = "bootstrap resamples of the confidence intervals",
	  .shows = ALL },
	/* where it is kept */
	{ .name = "workspace", .short_name = 'w', .kind = TG_OPT_STR, .off = OFF(workspace), .ctype = C_STR,
	  .arg = "DIR", .help = "the workspace; unset: $TAMGA_WORKSPACE, else ./tamga-workspace",
	  .shows = TG_SHOW_CLI | TG_SHOW_LUA },
	{ .name = "name", .kind = TG_OPT_STR, .off = OFF(name), .ctype = C_STR, .arg = "NAME",
	  .help = "the run's name; unset: \"METHOD LAYERS TASK SOURCE->TARGETS\"", .shows = TG_SHOW_CLI | TG_SHOW_LUA },
	{ .name = "save-adapter", .kind = TG_OPT_STR, .off = OFF(save_adapter), .ctype = C_STR, .arg = "DIR",
	  .help = "also write the trained PEFT module and head here (the workspace keeps one)", .shows = ALL },
	{ .name = "resume", .kind = TG_OPT_INT, .off = OFF(resume_run), .ctype = C_I64, .lo = 0, .hi = 1e15,
	  .def = "0", .arg = "RUN", .help = "continue this run from its checkpoint (0: a new run)",
	  .shows = TG_SHOW_CLI | TG_SHOW_LUA },
};
#define NOPT ((int)(sizeof table / sizeof *table))

const tg_option *
tg_options(int *n)
{
	*n = NOPT;
	return table;
}

const tg_option *
tg_option_find(const char *name)
{
	char b[64];
	size_t k;
	int i;

	if (name == NULL)
		return NULL;
	if (name[0] == '-' && name[1] != '-' && name[1] != '\0' && name[2] == '\0') {
		for (i = 0; i < NOPT; i++)
			if (table[i].short_name == name[1])
				return &table[i];
		return NULL;
	}
	if (name[0] == '-' && name[1] == '-')
		name += 2;
	snprintf(b, sizeof b, "%s", name);
	for (k = 0; b[k]; k++)
		if (b[k] == '_')
			b[k] = '-';
	for (i = 0; i < NOPT; i++)
		if (strcmp(table[i].name, b) == 0)
			return &table[i];
	return NULL;
}

const char *
tg_option_spell(const tg_option *o, tg_surface s, char *buf, size_t n)
{
	size_t k;

	if (s == TG_SURFACE_CLI) {
		snprintf(buf, n, "--%s", o->name);
		return buf;
	}
	snprintf(buf, n, "%s", o->name);
	if (s == TG_SURFACE_LUA)
		for (k = 0; buf[k]; k++)
			if (buf[k] == '-')
				buf[k] = '_';
	return buf;
}

const char *
tg_option_suggest(const char *word, tg_surface s)
{
	static char names[NOPT * 2][40], out[48];
	const char *cand[NOPT * 2], *best;
	char w[64];
	size_t k;
	int i, n = 0;

	if (word == NULL)
		return NULL;
	/* compared without dashes, in the surface's spelling ("max_train", "max-train"); answered as it spells it */
	while (*word == '-')
		word++;
	for (i = 0; i < NOPT; i++) {
		tg_option_spell(&table[i], s == TG_SURFACE_LUA ? s : TG_SURFACE_SWEEP, names[n], sizeof names[n]);
		cand[n] = names[n];
		n++;
		if (table[i].kind == TG_OPT_BOOL && s == TG_SURFACE_CLI) {
			snprintf(names[n], sizeof names[n], "no-%s", table[i].name);
			cand[n] = names[n];
			n++;
		}
	}
	snprintf(w, sizeof w, "%s", word);
	if (s != TG_SURFACE_LUA)
		for (k = 0; w[k]; k++)
			if (w[k] == '_')
				w[k] = '-';
	if ((best = tg_suggest(w, cand, n)) == NULL)
		return NULL;
	snprintf(out, sizeof out, "%s%s", s == TG_SURFACE_CLI ? "--" : "", best);
	return out;
}

const char *
tg_option_default(const tg_option *o, tg_surface s)
{
	if (s == TG_SURFACE_LUA && o->def_lua != NULL)
		return o->def_lua;
	if (s == TG_SURFACE_TUI && o->def_tui != NULL)
		return o->def_tui;
	return o->def;
}

static void *
at(tg_experiment *x, const tg_option *o)
{
	return (char *)x + o->off;
}

static const void *
at_c(const tg_experiment *x, const tg_option *o)
{
	return (const char *)x + o->off;
}

/* "option '--lr'" */
static const char *
what(const tg_option *o, tg_surface s, char *buf, size_t n)
{
	char sp[48];

	snprintf(buf, n, "option '%s'", tg_option_spell(o, s, sp, sizeof sp));
	return buf;
}

/* The accepted values and the default after a message: "...; default 16". */
static int
bad(tg_error *err, const tg_option *o, tg_surface s)
{
	const char *d = tg_option_default(o, s);
	size_t k;

	if (err == NULL)
		return TG_ERR;
	k = strlen(err->msg);
	if (d != NULL && k + 12 < sizeof err->msg)
		snprintf(err->msg + k, sizeof err->msg - k, "; default %s", d);
	else if (d == NULL && k + 12 < sizeof err->msg)
		snprintf(err->msg + k, sizeof err->msg - k, "; leave it out for the default");
	return TG_ERR;
}

static int
store_int(tg_experiment *x, const tg_option *o, int64_t v)
{
	switch (o->ctype) {
	case C_INT: *(int *)at(x, o) = (int)v; break;
	case C_I64: *(int64_t *)at(x, o) = v; break;
	case C_SEED: x->train.seed = (uint64_t)v; x->task.seed = (uint64_t)v; break;
	default: return TG_ERR;
	}
	return TG_OK;
}

/* "linear, cosine or constant" */
static char *
values_list(const tg_option *o, char *buf, size_t n)
{
	const char *v = o->values;
	size_t k;

	buf[0] = '\0';
	while (v && *v) {
		k = strcspn(v, "|");
		snprintf(buf + strlen(buf), n - strlen(buf), "%s%.*s", buf[0] == '\0' ? "" : v[k] ? ", " : " or ",
		    (int)k, v);
		v += k + (v[k] == '|');
	}
	return buf;
}

static int
set_enum(tg_experiment *x, const tg_option *o, const char *text, tg_surface s, tg_error *err)
{
	char w[64], list[256];
	const char *v = o->values;
	size_t k;

	for (int idx = 0; v && *v; idx++) {
		k = strcspn(v, "|");
		if (strlen(text) == k && strncmp(v, text, k) == 0) {
			if (o->ctype == C_ENUM)
				*(int *)at(x, o) = idx;
			if (o->ctype == C_SCHED) {
				tg_schedule sc;
				if (tg_schedule_parse(&sc, text, err) != TG_OK)
					return TG_ERR;
				*(tg_sched_kind *)at(x, o) = sc.kind;
			} else if (o->ctype == C_PREC) {
				tg_precision pr;
				if (!tg_precision_parse(text, &pr))
					return tg_error_set(err, TG_E_ARG, "%s: '%s' is not a precision", what(o, s, w, sizeof w),
					    text), bad(err, o, s);
				*(tg_precision *)at(x, o) = pr;
			}
			if (o->ctype == C_SCRIPT && tg_script_choice_parse(text, (tg_script_choice *)at(x, o), err) != TG_OK)
				return TG_ERR;
			return TG_OK;
		}
		v += k + (v[k] == '|');
	}
	tg_error_set(err, TG_E_ARG, "%s: '%s' is not one of %s", what(o, s, w, sizeof w), text,
	    values_list(o, list, sizeof list));
	return bad(err, o, s);
}

int
tg_option_set(tg_experiment *x, const tg_option *o, const char *text, tg_surface s, tg_error *err)
{
	char w[64];

	if (text == NULL)
		return tg_error_set(err, TG_E_ARG, "%s: no value", what(o, s, w, sizeof w)), bad(err, o, s);
	switch (o->kind) {
	case TG_OPT_INT: {
		int64_t v;
		if (tg_parse_int(what(o, s, w, sizeof w), text, (int64_t)o->lo, (int64_t)o->hi, &v, err) != TG_OK)
			return bad(err, o, s);
		return store_int(x, o, v);
	}
	case TG_OPT_NUM: {
		double d;
		if (tg_parse_double(what(o, s, w, sizeof w), text, o->lo, o->hi, 0, &d, err) != TG_OK)
			return bad(err, o, s);
		*(float *)at(x, o) = (float)d;
		return TG_OK;
	}
	case TG_OPT_STR:
		*(const char **)at(x, o) = text;
		return TG_OK;
	case TG_OPT_BOOL: {
		bool b;
		if (strcmp(text, "true") == 0 || strcmp(text, "1") == 0 || strcmp(text, "yes") == 0 ||
		    strcmp(text, "on") == 0)
			b = true;
		else if (strcmp(text, "false") == 0 || strcmp(text, "0") == 0 || strcmp(text, "no") == 0 ||
		    strcmp(text, "off") == 0)
			b = false;
		else {
			tg_error_set(err, TG_E_ARG, "%s: '%s' is not a boolean (true or false)", what(o, s, w, sizeof w),
			    text);
			return bad(err, o, s);
		}
		return tg_option_set_bool(x, o, b, s, err);
	}
	case TG_OPT_ENUM:
		return set_enum(x, o, text, s, err);
	case TG_OPT_LIST: {
		int k;
		if (strlen(text) >= sizeof x->targets_buf) {
			tg_error_set(err, TG_E_ARG, "%s: %zu bytes, at most %zu", what(o, s, w, sizeof w), strlen(text),
			    sizeof x->targets_buf - 1);
			return bad(err, o, s);
		}
		snprintf(x->targets_buf, sizeof x->targets_buf, "%s", text);
		if ((k = tg_parse_list(what(o, s, w, sizeof w), x->targets_buf, x->task.targets, TG_MAX_LANGS, err)) < 0) {
			x->task.n_targets = 0;
			return bad(err, o, s);
		}
		x->task.n_targets = k;
		return TG_OK;
	}
	case TG_OPT_PEFT: {
		tg_peft_spec spec;
		tg_error e2 = { 0 };
		if (tg_peft_spec_parse(&spec, text, &e2) != TG_OK) {
			tg_error_set(err, e2.code ? e2.code : TG_E_ARG, "%s: %s", what(o, s, w, sizeof w), e2.msg);
			if (err != NULL && e2.hint[0])
				snprintf(err->hint, sizeof err->hint, "%s", e2.hint);
			return TG_ERR;
		}
		return tg_option_set_spec(x, o, &spec, err);
	}
	}
	return tg_error_set(err, TG_E_ARG, "%s: cannot be set", what(o, s, w, sizeof w));
}

static char *
fmt_num(double v, char *buf, size_t n)
{
	/* the shortest of %.6g .. %.9g that reads back to the same float */
	int p;

	for (p = 6; p <= 9; p++) {
		snprintf(buf, n, "%.*g", p, v);
		if ((float)strtod(buf, NULL) == (float)v)
			break;
	}
	return buf;
}

int
tg_option_set_num(tg_experiment *x, const tg_option *o, double v, tg_surface s, tg_error *err)
{
	char w[64], vb[40];

	if (o->kind == TG_OPT_INT) {
		if (!isfinite(v) || v != floor(v)) {
			tg_error_set(err, TG_E_ARG, "%s: %s is not an integer (%.0f..%.0f)", what(o, s, w, sizeof w),
			    fmt_num(v, vb, sizeof vb), o->lo, o->hi);
			return bad(err, o, s);
		}
		if (v < o->lo || v > o->hi) {
			tg_error_set(err, TG_E_ARG, "%s: %.0f is out of range (%.0f..%.0f)", what(o, s, w, sizeof w), v,
			    o->lo, o->hi);
			return bad(err, o, s);
		}
		return store_int(x, o, (int64_t)v);
	}
	if (o->kind == TG_OPT_NUM) {
		if (!isfinite(v) || v < o->lo || v > o->hi) {
			tg_error_set(err, TG_E_ARG, "%s: %s is %s (%g..%g)", what(o, s, w, sizeof w), fmt_num(v, vb,
			    sizeof vb), isfinite(v) ? "out of range" : "not a finite number", o->lo, o->hi);
			return bad(err, o, s);
		}
		*(float *)at(x, o) = (float)v;
		return TG_OK;
	}
	tg_error_set(err, TG_E_ARG, "%s: a number is not %s", what(o, s, w, sizeof w), o->kind == TG_OPT_BOOL ?
	    "a boolean" : o->kind == TG_OPT_PEFT ? "a PEFT spec" : o->kind == TG_OPT_LIST ? "a list" : "a string");
	return bad(err, o, s);
}

int
tg_option_set_bool(tg_experiment *x, const tg_option *o, bool v, tg_surface s, tg_error *err)
{
	char w[64];

	if (o->kind != TG_OPT_BOOL) {
		tg_error_set(err, TG_E_ARG, "%s: takes a value, not a boolean", what(o, s, w, sizeof w));
		return bad(err, o, s);
	}
	*(bool *)at(x, o) = o->ctype == C_NBOOL ? !v : v;
	return TG_OK;
}

int
tg_option_set_spec(tg_experiment *x, const tg_option *o, const tg_peft_spec *spec, tg_error *err)
{
	if (o->kind != TG_OPT_PEFT)
		return tg_error_set(err, TG_E_ARG, "option '%s': not a PEFT spec option", o->name);
	*(tg_peft_spec *)at(x, o) = *spec;
	if (o->ctype == C_MATCH)
		x->has_match = true;
	return TG_OK;
}

int
tg_experiment_set(tg_experiment *x, const char *name, const char *text, tg_surface s, tg_error *err)
{
	const tg_option *o = tg_option_find(name);
	const char *best;

	if (o != NULL)
		return tg_option_set(x, o, text, s, err);
	if ((best = tg_option_suggest(name, s)) != NULL)
		return tg_error_set(err, TG_E_ARG, "unknown option '%s'; did you mean '%s'?", name, best);
	return tg_error_set(err, TG_E_ARG, "unknown option '%s'", name);
}

/* Apply one row's default (surface s) to x. */
static void
set_default(tg_experiment *x, const tg_option *o, tg_surface s)
{
	const char *d = tg_option_default(o, s);
	tg_error err = { 0 };

	if (d == NULL) {
		if (o->ctype == C_MATCH)
			x->has_match = false;
		else if (o->ctype == C_TARGETS)
			x->task.n_targets = 0;
		else if (o->ctype == C_STR)
			*(const char **)at(x, o) = NULL;
		return;
	}
	if (tg_option_set(x, o, d, s, &err) != TG_OK)      /* a table row that does not read: t-options fails */
		abort();
}

void
tg_experiment_init_for(tg_experiment *x, tg_surface s)
{
	int i;

	memset(x, 0, sizeof *x);
	/* the engine's fields that are not options (eval batch, checkpoints, callbacks) */
	tg_task_opts_init(&x->task);
	tg_train_opts_init(&x->train);
	x->train.progress = true;
	for (i = 0; i < NOPT; i++)
		set_default(x, &table[i], s);
}

void
tg_experiment_init(tg_experiment *x)
{
	tg_experiment_init_for(x, TG_SURFACE_CLI);
}

int
tg_option_argv(tg_experiment *x, int argc, char **argv, int *i, tg_error *err)
{
	const char *a = argv[*i];
	const tg_option *o;

	if (a == NULL || a[0] != '-')
		return 0;
	if (strncmp(a, "--no-", 5) == 0 && (o = tg_option_find(a + 5)) != NULL && o->kind == TG_OPT_BOOL)
		return tg_option_set_bool(x, o, false, TG_SURFACE_CLI, err) == TG_OK ? 1 : TG_ERR;
	if ((o = tg_option_find(a)) == NULL || (a[1] != '-' && o->short_name == 0))
		return 0;
	if (o->kind == TG_OPT_BOOL)
		return tg_option_set_bool(x, o, true, TG_SURFACE_CLI, err) == TG_OK ? 1 : TG_ERR;
	if (*i + 1 >= argc)
		return tg_error_set(err, TG_E_ARG, "option '%s' needs a value (%s)", a, o->arg ? o->arg : "X");
	if (tg_option_set(x, o, argv[*i + 1], TG_SURFACE_CLI, err) != TG_OK)
		return TG_ERR;
	(*i)++;
	return 1;
}

char *
tg_option_format(const tg_experiment *x, const tg_option *o, char *buf, size_t n)
{
	const void *p = at_c(x, o);
	int i;

	buf[0] = '\0';
	switch (o->ctype) {
	case C_INT: snprintf(buf, n, "%d", *(const int *)p); break;
	case C_I64: snprintf(buf, n, "%lld", (long long)*(const int64_t *)p); break;
	case C_SEED: snprintf(buf, n, "%llu", (unsigned long long)x->train.seed); break;
	case C_FLOAT: fmt_num(*(const float *)p, buf, n); break;
	case C_STR: snprintf(buf, n, "%s", *(const char *const *)p ? *(const char *const *)p : ""); break;
	case C_BOOL: snprintf(buf, n, "%s", *(const bool *)p ? "true" : "false"); break;
	case C_NBOOL: snprintf(buf, n, "%s", *(const bool *)p ? "false" : "true"); break;
	case C_SCHED: {
		const char *v = o->values;
		while (v && *v) {
			size_t k = strcspn(v, "|");
			char name[32];
			tg_schedule sc;
			snprintf(name, sizeof name, "%.*s", (int)k, v);
			if (tg_schedule_parse(&sc, name, NULL) == TG_OK && sc.kind == *(const tg_sched_kind *)p) {
				snprintf(buf, n, "%s", name);
				break;
			}
			v += k + (v[k] == '|');
		}
		break;
	}
	case C_SCRIPT: snprintf(buf, n, "%s", tg_script_choice_name(*(const tg_script_choice *)p)); break;
	case C_PREC: snprintf(buf, n, "%s", tg_precision_name(*(const tg_precision *)p)); break;
	case C_ENUM: {
		const char *v = o->values;
		int idx = *(const int *)p;
		while (v && *v && idx-- > 0)
			v += strcspn(v, "|") + (v[strcspn(v, "|")] == '|');
		snprintf(buf, n, "%.*s", (int)strcspn(v ? v : "", "|"), v ? v : "");
		break;
	}
	case C_TARGETS:
		for (i = 0; i < x->task.n_targets; i++)
			snprintf(buf + strlen(buf), n - strlen(buf), "%s%s", i ? "," : "", x->task.targets[i]);
		break;
	case C_SPEC: tg_peft_spec_format(&x->peft, buf, n); break;
	case C_MATCH:
		if (x->has_match)
			tg_peft_spec_format(&x->match, buf, n);
		break;
	}
	return buf;
}

/* unset: a string option NULL, no targets, no match */
static bool
is_unset(const tg_experiment *x, const tg_option *o)
{
	switch (o->ctype) {
	case C_STR: return *(const char *const *)at_c(x, o) == NULL;
	case C_TARGETS: return x->task.n_targets == 0;
	case C_MATCH: return !x->has_match;
	default: return false;
	}
}

bool
tg_option_is_default(const tg_experiment *x, const tg_option *o)
{
	tg_experiment d;
	char a[1024], b[1024];

	if (o->def == NULL)
		return is_unset(x, o);
	tg_experiment_init(&d);
	return strcmp(tg_option_format(x, o, a, sizeof a), tg_option_format(&d, o, b, sizeof b)) == 0;
}

static void
push(char ***v, int *n, const char *s)
{
	*v = tg_xrealloc(*v, sizeof **v * (size_t)(*n + 2));
	(*v)[(*n)++] = tg_xstrdup(s);
	(*v)[*n] = NULL;
}

char **
tg_experiment_argv(const tg_experiment *x, unsigned always, int *argc)
{
	char **v = tg_xcalloc(1, sizeof *v), val[1024], sp[64];
	int n = 0, i;

	for (i = 0; i < NOPT; i++) {
		const tg_option *o = &table[i];
		if ((o->shows & always) ? is_unset(x, o) : tg_option_is_default(x, o))
			continue;
		tg_option_format(x, o, val, sizeof val);
		if (o->kind == TG_OPT_BOOL) {
			snprintf(sp, sizeof sp, "--%s%s", strcmp(val, "true") == 0 ? "" : "no-", o->name);
			push(&v, &n, sp);
			continue;
		}
		push(&v, &n, tg_option_spell(o, TG_SURFACE_CLI, sp, sizeof sp));
		push(&v, &n, val);
	}
	if (argc != NULL)
		*argc = n;
	return v;
}

void
tg_options_help(FILE *f, tg_surface s)
{
	int i;

	for (i = 0; i < NOPT; i++) {
		const tg_option *o = &table[i];
		const char *d = tg_option_default(o, s);
		char left[64], sp[48], range[96] = "";
		if (!(o->shows & (1u << s)))
			continue;
		if (s == TG_SURFACE_CLI && o->kind == TG_OPT_BOOL)    /* the flag that changes the default */
			snprintf(left, sizeof left, "--%s%s", d != NULL && strcmp(d, "true") == 0 ? "no-" : "", o->name);
		else if (s == TG_SURFACE_CLI && o->short_name)
			snprintf(left, sizeof left, "-%c, --%s %s", o->short_name, o->name, o->arg ? o->arg : "X");
		else if (s == TG_SURFACE_CLI)
			snprintf(left, sizeof left, "--%s %s", o->name, o->arg ? o->arg : "X");
		else
			snprintf(left, sizeof left, "%s", tg_option_spell(o, s, sp, sizeof sp));
		if (o->kind == TG_OPT_INT)
			snprintf(range, sizeof range, ", %.0f..%.0f", o->lo, o->hi);
		else if (o->kind == TG_OPT_NUM)
			snprintf(range, sizeof range, ", %g..%g", o->lo, o->hi);
		if (o->kind == TG_OPT_ENUM) {
			char vl[80];
			snprintf(range, sizeof range, ": %s", values_list(o, vl, sizeof vl));
		}
		if (s == TG_SURFACE_CLI && o->kind == TG_OPT_BOOL)
			fprintf(f, "  %-24s %s%s\n", left, d != NULL && strcmp(d, "true") == 0 ? "turn off: " : "", o->help);
		else if (d != NULL && o->kind != TG_OPT_BOOL)
			fprintf(f, "  %-24s %s%s (default %s)\n", left, o->help, range, d);
		else if (d != NULL)
			fprintf(f, "  %-24s %s (default %s)\n", left, o->help, d);
		else
			fprintf(f, "  %-24s %s%s\n", left, o->help, range);
	}
}
