/* tamga run FILE.lua [ARGS...] (headless scripts) and tamga repl (the interactive Lua prompt). */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lua/lua-int.h"
#include "cli/cli.h"

/* Run the -e chunks in order; 0 or 1. */
static int
run_chunks(lua_State *L, char **chunks, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		int base = lua_gettop(L), st;
		lua_pushcfunction(L, tg_lua_msghandler);
		st = luaL_loadbufferx(L, chunks[i], strlen(chunks[i]), "=(command line)", tg_lua_load_mode(L));
		if (st == LUA_OK)
			st = lua_pcall(L, 0, 0, base + 1);
		if (st != LUA_OK) {
			fflush(stdout);
			fprintf(stderr, "tamga: %s\n", lua_tostring(L, -1));
			lua_settop(L, base);
			return 1;
		}
		lua_settop(L, base);
	}
	return 0;
}

static const char more_help[] =
    "options:\n"
    "  -e CHUNK    run a Lua chunk first (repeatable)\n"
    "  --sandbox   for scripts you did not write: no os.execute, io.popen, package.loadlib or C modules, text\n"
    "              chunks only (no binary load/loadfile/dofile/require), no debug library, io.open for reading\n"
    "              only, no io.output(FILE), os.remove or os.rename; the tamga API works as usual (tamga-lua(3))\n"
    "  --          end of options: the next argument is the script\n";

/* Options shared by run and repl: -e CHUNK (repeatable), --sandbox, then FILE and its arguments. Returns the index
 * of FILE (argc when none), -1 after a usage error, -2 after --help. */
static int
parse(const char *cmd, int argc, char **argv, char **chunks, int *nchunks, bool *sandbox)
{
	int i;

	*nchunks = 0;
	*sandbox = false;
	for (i = 1; i < argc; i++) {
		if (tg_cli_is_help(argv[i])) {
			tg_cli_help(cmd, more_help);
			return -2;
		} else if (strcmp(argv[i], "--sandbox") == 0)
			*sandbox = true;
		else if (strcmp(argv[i], "-e") == 0) {
			if (i + 1 >= argc) {
				tg_cli_usage_error(cmd, "-e needs a Lua chunk");
				return -1;
			}
			chunks[(*nchunks)++] = argv[++i];
		} else if (strcmp(argv[i], "--") == 0)
			return i + 1;
		else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			tg_cli_unknown_option(cmd, argv[i], more_help);
			return -1;
		} else
			return i;
	}
	return argc;
}

/* `tamga run` and `tamga repl` (cmd names which): the chunks, then the script, then (repl) the interactive loop. */
static int
run_or_repl(const char *cmd, int argc, char **argv)
{
	bool repl = strcmp(cmd, "repl") == 0;
	char **chunks = tg_xcalloc((size_t)argc + 1, sizeof *chunks);
	int nchunks, fi, rc = 0;
	bool sandbox;
	tg_error err = { 0 };
	lua_State *L;

	if ((fi = parse(cmd, argc, argv, chunks, &nchunks, &sandbox)) < 0) {
		free(chunks);
		return fi == -2 ? 0 : 2;
	}
	if (!repl && fi >= argc && nchunks == 0) {
		free(chunks);
		return tg_cli_usage_error("run", "expected a Lua script (tamga run FILE.lua [ARGS...]) or -e CHUNK");
	}
	if ((L = tg_lua_open(&err)) == NULL || (sandbox && tg_lua_sandbox(L, &err) != TG_OK)) {
		fprintf(stderr, "tamga %s: %s\n", cmd, err.msg);
		tg_lua_close(L);
		free(chunks);
		return 1;
	}
	tg_lua_sigint_begin(L);
	if (nchunks > 0)
		rc = run_chunks(L, chunks, nchunks);
	if (rc == 0 && fi < argc)
		rc = tg_lua_run_file(L, argv[fi], argc - fi - 1, argv + fi + 1);
	tg_lua_sigint_end();
	if (!repl)
		fflush(stdout);
	else if (rc == 0)
		rc = tg_lua_repl(L);
	tg_lua_close(L);
	free(chunks);
	return rc;
}

int
tg_cmd_run(int argc, char **argv)
{
	return run_or_repl("run", argc, argv);
}

int
tg_cmd_repl(int argc, char **argv)
{
	return run_or_repl("repl", argc, argv);
}
