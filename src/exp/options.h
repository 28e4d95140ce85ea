/* The options of an experiment, defined once (options.c): one row per option with its name, kind, where it lives
 * in tg_experiment, the accepted range or values, the default, the help text and the surfaces that show it. Every
 * producer of an experiment fills it through the one setter here: `tamga train` (argv), sweep grids, the
 * workbench's jobs (argv across the fork, and its defaults), Lua `tamga.train{}`. tg_experiment_init takes every
 * default from the table; `tamga train --help`, tamga(1) and tamga-lua(3) are checked against it (tests/cli).
 *
 * Names: the CLI spelling without the dashes ("max-train": `--max-train N`, the sweep key `--grid max-train=...`);
 * the Lua key has '_' for '-' ("max_train"). A bad value is one line naming the option as the surface spells it,
 * the value, what is accepted and the default:
 *   option '--lr': 'abc' is not a finite number (1e-09..10); default 0.0005
 *   option 'schedule': 'cos' is not one of constant, linear, cosine; default linear
 */
#ifndef TG_EXP_OPTIONS_H
#define TG_EXP_OPTIONS_H

#include "exp/exp.h"

typedef enum {
	TG_OPT_INT,        /* a whole number in [lo, hi] */
	TG_OPT_NUM,        /* a finite number in [lo, hi] */
	TG_OPT_STR,        /* text (a path, a name, a language code) */
	TG_OPT_BOOL,       /* true/false; on the command line a flag --NAME, and --no-NAME */
	TG_OPT_ENUM,       /* one of values */
	TG_OPT_LIST,       /* comma-separated items (Lua: a list of strings) */
	TG_OPT_PEFT        /* a PEFT spec (peft.h), parsed when set (Lua: also a tamga.PeftSpec) */
} tg_opt_kind;

/* Who fills the experiment; a surface may have its own default for an option (the workbench's short runs). */
typedef enum { TG_SURFACE_CLI, TG_SURFACE_LUA, TG_SURFACE_TUI, TG_SURFACE_SWEEP, TG_NSURFACES } tg_surface;
#define TG_SHOW_CLI   (1u << TG_SURFACE_CLI)     /* tamga train --help, tamga(1) */
#define TG_SHOW_LUA   (1u << TG_SURFACE_LUA)     /* tamga.train{} keys, tamga-lua(3) */
#define TG_SHOW_TUI   (1u << TG_SURFACE_TUI)     /* the workbench edits it */
#define TG_SHOW_SWEEP (1u << TG_SURFACE_SWEEP)   /* a --grid axis */
#define TG_SHOW_ALL   (TG_SHOW_CLI | TG_SHOW_LUA | TG_SHOW_SWEEP)

typedef struct tg_option {
	const char *name;         /* "max-train" */
	char        short_name;   /* 'm' for -m, or 0 */
	tg_opt_kind kind;
	size_t      off;          /* where it lives: offsetof(tg_experiment, ...) */
	int         ctype;        /* and as what (options.c: int, int64_t, float, const char *, a spec ...) */
	double      lo, hi;       /* INT, NUM */
	const char *values;       /* ENUM: "constant|linear|cosine" */
	const char *def;          /* the default as text; NULL: unset (help says what that means) */
	const char *def_lua;      /* Lua's own default (NULL: def) */
	const char *def_tui;      /* the workbench's own default (NULL: def) */
	const char *arg;          /* the value's name in help: N, X, DIR, SPEC */
	const char *help;
	unsigned    shows;        /* TG_SHOW_* */
} tg_option;

/* The table: n rows. */
const tg_option *tg_options(int *n);
/* A row by name: "max-train", "max_train", "--max-train", "-m"; NULL when there is none. */
const tg_option *tg_option_find(const char *name);
/* The closest option name a surface shows, for "did you mean" (NULL: none close). */
const char *tg_option_suggest(const char *word, tg_surface s);
/* The option as a surface spells it: "--max-train", "max_train". */
const char *tg_option_spell(const tg_option *o, tg_surface s, char *buf, size_t n);
/* The default a surface uses (NULL: unset). */
const char *tg_option_default(const tg_option *o, tg_surface s);

/* Every option at the surface's default (tg_experiment_init is the CLI's). */
void tg_experiment_init_for(tg_experiment *x, tg_surface s);

/* The setter: text for any kind (numbers parsed strictly, a spec parsed, a list split into the experiment's own
 * buffer). Text is borrowed for STR options: keep it alive while x is used. Errors: TG_E_ARG, one line. */
int  tg_option_set(tg_experiment *x, const tg_option *o, const char *text, tg_surface s, tg_error *err);
/* Typed setters (Lua numbers and booleans); a number for an INT must be whole. */
int  tg_option_set_num(tg_experiment *x, const tg_option *o, double v, tg_surface s, tg_error *err);
int  tg_option_set_bool(tg_experiment *x, const tg_option *o, bool v, tg_surface s, tg_error *err);
int  tg_option_set_spec(tg_experiment *x, const tg_option *o, const tg_peft_spec *spec, tg_error *err);
/* By name, with "did you mean" for an unknown one. */
int  tg_experiment_set(tg_experiment *x, const char *name, const char *text, tg_surface s, tg_error *err);

/* Command-line options at argv[*i]: returns 1 after setting one (and *i at its last word), 0 when argv[*i] is not
 * an option of the table (nothing changed: the caller's own flags), TG_ERR for a bad or missing value. --NAME for
 * BOOL sets it true, --no-NAME false. */
int  tg_option_argv(tg_experiment *x, int argc, char **argv, int *i, tg_error *err);

/* The current value as text, in the form the setter reads back to the same value. */
char *tg_option_format(const tg_experiment *x, const tg_option *o, char *buf, size_t n);
bool  tg_option_is_default(const tg_experiment *x, const tg_option *o);
/* The options that differ from the CLI defaults, and those a surface in the mask shows (unless unset), as
 * `tamga train` words ("--lr", "0.001", "--words", ...) in table order, NULL-terminated, malloc'd (free each and
 * the vector); *argc gets the count. Read back by tg_option_argv, they give the same experiment. */
char **tg_experiment_argv(const tg_experiment *x, unsigned always, int *argc);

/* The option list of `tamga train --help` (CLI) or of tamga.train (Lua): one line each, from the table. */
void tg_options_help(FILE *f, tg_surface s);

#endif
