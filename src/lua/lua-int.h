/* Private interface of the Lua binding: the per-state context and the helpers every l-*.c file shares.
 *
 *   state.c     tg_lua_open/close, package.path, the context, evaluation as lua.c does it, interrupts
 *   complete.c  completion candidates for the REPLs and tamga.core.complete
 *   repl.c      the terminal REPL: readline, history, completion, continuation prompts, Ctrl-C, Ctrl-D
 *   cmd-lua.c   `tamga run FILE.lua [ARGS...]` and `tamga repl`
 *   l-core.c    the helpers every l-*.c file shares: types, engine errors as Lua values, options tables
 *   l-module.c  luaopen_tamga_core: assembles the submodules below; version, threads, default model, data root
 *   l-tensor.c  tamga.Tensor: refcounted engine tensors, views keep their base alive, element access, ops
 *   l-model.c   tamga.Model (encoder + tokenizer from a folder or preset) and tamga.Tokenizer
 *   l-peft.c    tamga.PeftSpec: a parsed PEFT spec string; counts, FLOPs and budget matching for a model
 *   l-train.c   train: one experiment (tg_experiment_run) with Lua on_step/on_eval callbacks and Ctrl-C
 *   l-store.c   tamga.Store: runs, evaluation rows and steps of a workspace; JSON config -> Lua tables
 *   l-data.c    the dataset registry and tamga.Dataset (examples as Lua tables)
 *   l-plot.c    tamga.Plot (cairo files) and text charts / heat tables as strings
 *   l-analysis.c the analysis module: TTC tables, tokenizer statistics, alignment probe, scaling fits
 *
 * Conventions (Lua 5.4 liolib.c): module functions are l_*, methods m_*; each type has three luaL_Reg tables
 * (functions, methods, metamethods) and a metatable named "tamga.<Type>"; an engine object is owned by its userdata
 * before anything can raise; misuse raises (luaL_argerror), expected failures return nil, message.
 */
#ifndef TG_LUA_INT_H
#define TG_LUA_INT_H

#include <signal.h>
#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>
#include "util/util.h"
#include "lua/tglua.h"

struct tg_tensor;
struct tg_encoder;
struct tg_tokenizer;
struct tg_peft_spec;
struct tg_store;

/* One per lua_State, in the registry (owned by a userdata with __gc) and mirrored in the state's extra space so
 * that a signal handler can reach it without calling Lua. */
typedef struct tg_lua_ctx {
	volatile sig_atomic_t interrupted;   /* Ctrl-C seen since the evaluation began */
	volatile int          cancel;        /* the trainer's cancel flag (tg_train_opts.cancel) */
	int                   training;      /* a train call is running (no nesting from callbacks) */
	void                (*out)(void *ud, const char *s, size_t n);   /* print redirection, or NULL */
	void                 *out_ud;
} tg_lua_ctx;

tg_lua_ctx *tg_lua_ctx_get(lua_State *L);

/* Metatable names. */
#define TG_LUA_TENSOR    "tamga.Tensor"
#define TG_LUA_MODEL     "tamga.Model"
#define TG_LUA_TOKENIZER "tamga.Tokenizer"
#define TG_LUA_PEFTSPEC  "tamga.PeftSpec"
#define TG_LUA_STORE     "tamga.Store"
#define TG_LUA_DATASET   "tamga.Dataset"
#define TG_LUA_PLOT      "tamga.Plot"

/* l-core.c: a metatable from the three tables (liolib.c createmeta); methods also listed in __methods, and the
 * names of readable fields (for completion) in __fields. */
void tg_lua_newtype(lua_State *L, const char *name, const luaL_Reg *methods, const luaL_Reg *meta,
                    const char *const *fields);
/* nil, message (and the hint on a second line), error for an engine error: returns 3. The error is a table
 * {code = "io" | "format" | "arg" | ..., message = ..., hint = ... or nil}: callers branch on code and show
 * message and hint, never parse the text. */
int  tg_lua_fail(lua_State *L, const tg_error *err);
void tg_lua_push_error(lua_State *L, const tg_error *err);   /* the error table alone */
const char *tg_lua_error_code(int code);                      /* TG_E_IO -> "io", ... */
/* Raise a Lua error from an engine error (misuse detected by the engine). */
int  tg_lua_raise(lua_State *L, const tg_error *err);
/* Optional fields of an options table at index idx (absent table = defaults). Type mismatches raise
 * "bad argument #arg to 'fname' (field 'key': number expected, got string)". */
lua_Integer tg_lua_optfield_int(lua_State *L, int idx, int arg, const char *key, lua_Integer def);
lua_Number  tg_lua_optfield_num(lua_State *L, int idx, int arg, const char *key, lua_Number def);
const char *tg_lua_optfield_str(lua_State *L, int idx, int arg, const char *key, const char *def);
int         tg_lua_optfield_bool(lua_State *L, int idx, int arg, const char *key, int def);
/* An __index fallback for a key that names no field: the method of that name (nil if none), from the metatable's
 * __methods; returns 1. */
int  tg_lua_method(lua_State *L);
/* A new list of the n strings v[0..n-1] (v may be NULL when n is 0). */
void tg_lua_pushstrings(lua_State *L, char *const *v, int n);
/* A new list of the n integers v[0..n-1]. */
void tg_lua_pushints(lua_State *L, const int64_t *v, int n);
/* Fields of the table on top of the stack, t[k] = v. The one rule for results: a NaN number and a NULL string are
 * left out (nil), so that Lua code tests `if t.x then`. */
void tg_lua_setnum(lua_State *L, const char *k, lua_Number v);
void tg_lua_setint(lua_State *L, const char *k, lua_Integer v);
void tg_lua_setstr(lua_State *L, const char *k, const char *v);
void tg_lua_setbool(lua_State *L, const char *k, int v);
/* Raise for unknown keys in an options table: "bad argument #1 to 'train' (unknown option 'epoch'; did you mean
 * 'epochs'?)". allowed is NULL-terminated. */
void tg_lua_checkopts(lua_State *L, int idx, int arg, const char *const *allowed);

/* l-tensor.c */
struct tg_tensor *tg_lua_checktensor(lua_State *L, int idx);
/* Push a userdata that takes over the reference t (t may not be NULL); base (stack index or 0) is kept alive. */
void tg_lua_pushtensor(lua_State *L, struct tg_tensor *t, int base);

/* l-model.c */
typedef struct tg_lua_model {
	struct tg_encoder   *enc;
	char                *name;      /* as given: a preset name or a folder */
	char                *dir;       /* the resolved folder */
	int                  preset;    /* name is a preset */
} tg_lua_model;
tg_lua_model *tg_lua_checkmodel(lua_State *L, int idx);
struct tg_tokenizer *tg_lua_checktokenizer(lua_State *L, int idx);
/* A tokenizer from a Model or a Tokenizer argument. */
struct tg_tokenizer *tg_lua_totokenizer(lua_State *L, int idx);

/* l-peft.c */
struct tg_peft_spec *tg_lua_checkpeftspec(lua_State *L, int idx);
int64_t tg_lua_peftspec_budget(lua_State *L, int idx);    /* 0: none */

/* l-store.c */
struct tg_store *tg_lua_checkstore(lua_State *L, int idx);
/* Push a JSON text as Lua values (objects -> tables, arrays -> sequences, null -> nil); an invalid text -> nil. */
void tg_lua_pushjson(lua_State *L, const char *text);

/* Submodules: each pushes a table of functions (and registers its types). */
struct tg_dataset;
const struct tg_dataset *tg_lua_todataset(lua_State *L, int idx, int arg);   /* l-data.c */
int tg_lua_open_tensor(lua_State *L);
int tg_lua_open_model(lua_State *L);
int tg_lua_open_peft(lua_State *L);
int tg_lua_open_train(lua_State *L);
int tg_lua_open_store(lua_State *L);
int tg_lua_open_data(lua_State *L);
int tg_lua_open_plot(lua_State *L);
int tg_lua_open_analysis(lua_State *L);

int luaopen_tamga_core(lua_State *L);      /* l-module.c */

/* complete.c: a Lua identifier (a letter or _, then letters, digits and _) */
int tg_lua_is_ident(const char *s, size_t n);

/* state.c: the message handler used for every protected call (adds a traceback). */
int tg_lua_msghandler(lua_State *L);
/* Install / restore the SIGINT handler that interrupts L (lua.c's laction). */
void tg_lua_sigint_begin(lua_State *L);
void tg_lua_sigint_end(void);

#endif
