/* The embedded Lua 5.4 interpreter as the REPL, `tamga run` and the TUI's REPL pane see it.
 *
 * (This header is the contract between src/lua, which implements it, and src/tui and src/cli, which use it.)
 */
#ifndef TG_LUA_H
#define TG_LUA_H

#include <stdbool.h>
#include <stddef.h>
#include "util/util.h"

typedef struct lua_State lua_State;

/* A new state with the standard libraries, `tamga` preloaded (require "tamga" works without any path set up),
 * package.path/cpath extended with the build tree's and the installed lua/ folders, and `arg` empty. */
lua_State *tg_lua_open(tg_error *err);
void       tg_lua_close(lua_State *L);

/* sandbox.c: sandbox mode for scripts you did not write (tamga run --sandbox): no os.execute, io.popen,
 * package.loadlib or C modules, text chunks only in load/loadfile/dofile/require and the script itself, no debug
 * library, io.open for reading only, no io.output(FILE), os.remove, os.rename. Each raises "X is disabled in
 * sandbox mode". Apply after tg_lua_open; it cannot be undone in that state. tg_lua_load_mode is "t" in a
 * sandboxed state and NULL otherwise (the mode for luaL_loadbufferx/luaL_loadfilex). */
int        tg_lua_sandbox(lua_State *L, tg_error *err);
const char *tg_lua_load_mode(lua_State *L);

/* Run a script file with arguments (arg table as in lua(1)); returns 0, or 1 after printing the error with a
 * traceback to stderr. */
int tg_lua_run_file(lua_State *L, const char *path, int argc, char **argv);

/* The REPL's evaluation of one chunk, as lua.c does it: try "return <chunk>" first; an incomplete chunk
 * (<eof> error) returns TG_LUA_INCOMPLETE so the caller asks for a continuation line; otherwise results are
 * formatted with tostring into *out (malloc'd, may be empty), errors (with traceback) too. */
enum { TG_LUA_OK = 0, TG_LUA_ERROR = 1, TG_LUA_INCOMPLETE = 2 };
int tg_lua_eval(lua_State *L, const char *chunk, char **out);

/* Send what `print` writes to write(ud, text, len) instead of stdout (the TUI's REPL pane); NULL restores stdout.
 * io.write and the engine's own messages are not redirected. */
void tg_lua_set_output(lua_State *L, void (*write)(void *ud, const char *s, size_t n), void *ud);

/* Interrupt a running evaluation at a safe point (sets a hook that raises "interrupted!"; long training loops
 * poll a cancel flag between steps). Safe to call from a signal handler. */
void tg_lua_interrupt(lua_State *L);

/* Completion candidates for the word ending at the cursor (tamga.model.lo -> tamga.model.load), for readline
 * and for the TUI's REPL pane; returns a NULL-terminated malloc'd array of malloc'd strings, or NULL. */
char **tg_lua_complete(lua_State *L, const char *word);

/* study-proto.c: read a study protocol (a Lua file returning a table; tamga(1), STUDY PROTOCOLS) in a sandboxed
 * state. When its `arms` is a function it is called with layers(model) (the model's layer count, or -1 with err
 * set). NULL with "file:line: ..." or "file: field 'x': ..." in err. */
struct tg_study;
struct tg_study *tg_lua_study_load(const char *path, int (*layers)(const char *model, void *ud, tg_error *err),
                                   void *ud, tg_error *err);

/* The REPL on a terminal: readline line editing, history in ~/.local/state/tamga/history, completion,
 * continuation prompts, Ctrl-C interrupts a computation, Ctrl-D exits. Returns the exit status. */
int tg_lua_repl(lua_State *L);

#endif
