/* Completion candidates for a word at the REPL prompt (globals, fields of tables, methods, keywords): shared by
 * the terminal REPL, the TUI's REPL pane and tamga.core.complete. */
#include "config.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lua/lua-int.h"

/* A Lua identifier: a letter or _, then letters, digits and _. */
int
tg_lua_is_ident(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return 0;
	for (i = 1; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_'))
			return 0;
	return 1;
}

static const char *const keywords[] = {
	"and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if", "in", "local", "nil",
	"not", "or", "repeat", "return", "then", "true", "until", "while", NULL
};

typedef struct cands {
	char **v;
	int    n, cap;
} cands;

static void
cand_add(cands *c, const char *prefix, const char *key, const char *suffix)
{
	int i;
	char *s;

	tg_xasprintf(&s, "%s%s%s", prefix, key, suffix);
	for (i = 0; i < c->n; i++)
		if (strcmp(c->v[i], s) == 0) {
			free(s);
			return;
		}
	if (c->n + 2 > c->cap) {
		c->cap = c->cap ? c->cap * 2 : 32;
		c->v = tg_xrealloc(c->v, (size_t)c->cap * sizeof *c->v);
	}
	c->v[c->n++] = s;
	c->v[c->n] = NULL;
}

/* Candidates from the string keys of the table at idx that start with part. */
static void
from_table(lua_State *L, int idx, const char *prefix, const char *part, int methods_only, cands *c)
{
	size_t pl = strlen(part);

	idx = lua_absindex(L, idx);
	lua_pushnil(L);
	while (lua_next(L, idx) != 0) {
		size_t kl;
		const char *k;
		if (lua_type(L, -2) == LUA_TSTRING && (k = lua_tolstring(L, -2, &kl)) != NULL && tg_lua_is_ident(k, kl) &&
		    strncmp(k, part, pl) == 0 && !(k[0] == '_' && k[1] == '_' && part[0] != '_')) {
			int t = lua_type(L, -1);
			if (!methods_only || t == LUA_TFUNCTION)
				cand_add(c, prefix, k, t == LUA_TFUNCTION ? "(" : t == LUA_TTABLE ? "." : "");
		}
		lua_pop(L, 1);
	}
}

/* Candidates for the value at the top of the stack (popped). */
static void
from_value(lua_State *L, const char *prefix, const char *part, int methods_only, cands *c)
{
	int depth;

	for (depth = 0; depth < 6; depth++) {
		int t = lua_type(L, -1);
		if (t == LUA_TTABLE && !methods_only)
			from_table(L, -1, prefix, part, 0, c);
		if (t != LUA_TTABLE && t != LUA_TUSERDATA && t != LUA_TSTRING)
			break;
		if (!lua_getmetatable(L, -1))
			break;
		lua_remove(L, -2);
		if (lua_getfield(L, -1, "__methods") == LUA_TTABLE)
			from_table(L, -1, prefix, part, 1, c);
		lua_pop(L, 1);
		if (!methods_only) {
			if (lua_getfield(L, -1, "__fields") == LUA_TTABLE) {
				lua_Integer i, n = (lua_Integer)lua_rawlen(L, -1);
				for (i = 1; i <= n; i++) {
					const char *f;
					lua_rawgeti(L, -1, i);
					f = lua_tostring(L, -1);
					if (f != NULL && strncmp(f, part, strlen(part)) == 0)
						cand_add(c, prefix, f, "");
					lua_pop(L, 1);
				}
			}
			lua_pop(L, 1);
		}
		lua_getfield(L, -1, "__index");
		lua_remove(L, -2);
		if (lua_type(L, -1) == LUA_TTABLE && methods_only)
			from_table(L, -1, prefix, part, 1, c);
	}
	lua_pop(L, 1);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Walk the dotted path word[0..n) from the globals with raw gets and table __index chains (no code runs). */
static int
resolve(lua_State *L, const char *word, size_t n)
{
	size_t i = 0;

	lua_pushglobaltable(L);
	while (i < n) {
		size_t j = i;
		int depth;
		while (j < n && word[j] != '.' && word[j] != ':')
			j++;
		if (!tg_lua_is_ident(word + i, j - i)) {
			lua_pop(L, 1);
			return 0;
		}
		lua_pushlstring(L, word + i, j - i);
		for (depth = 0;; depth++) {
			/* stack: obj key */
			if (lua_type(L, -2) == LUA_TTABLE) {
				lua_pushvalue(L, -1);
				if (lua_rawget(L, -3) != LUA_TNIL) {
					lua_remove(L, -2);
					lua_remove(L, -2);
					break;
				}
				lua_pop(L, 1);
			}
			if (depth > 5 || !lua_getmetatable(L, -2)) {
				lua_pop(L, 2);
				return 0;
			}
			/* obj key mt */
			if (lua_getfield(L, -1, "__methods") == LUA_TTABLE) {
				lua_pushvalue(L, -3);
				if (lua_rawget(L, -2) != LUA_TNIL) {
					lua_replace(L, -5);
					lua_pop(L, 3);
					break;
				}
				lua_pop(L, 1);
			}
			lua_pop(L, 1);
			lua_getfield(L, -1, "__index");
			lua_remove(L, -2);
			/* obj key index */
			if (lua_type(L, -1) != LUA_TTABLE) {
				lua_pop(L, 3);
				return 0;
			}
			lua_replace(L, -3);
		}
		i = j + 1;
	}
	return 1;
}

/* The body of tg_lua_complete, run in protected mode: word at index 1, the cands at index 2 (light userdata). */
static int
complete_protected(lua_State *L)
{
	const char *word = lua_tostring(L, 1);
	cands *c = lua_touserdata(L, 2);
	size_t n = strlen(word), cut;
	int sep = 0;

	for (cut = n; cut > 0; cut--)
		if (word[cut - 1] == '.' || word[cut - 1] == ':') {
			sep = word[cut - 1];
			break;
		}
	if (cut == 0) {
		const char *const *k;
		lua_pushglobaltable(L);
		from_table(L, -1, "", word, 0, c);
		lua_pop(L, 1);
		for (k = keywords; *k != NULL; k++)
			if (strncmp(*k, word, n) == 0)
				cand_add(c, "", *k, "");
	} else {
		lua_pushlstring(L, word, cut);     /* the prefix, kept on the stack */
		if (resolve(L, word, cut - 1))
			from_value(L, lua_tostring(L, 3), word + cut, sep == ':', c);
	}
	return 0;
}

char **
tg_lua_complete(lua_State *L, const char *word)
{
	cands c = { 0 };
	int top = lua_gettop(L);

	if (!lua_checkstack(L, 40))
		return NULL;
	lua_pushcfunction(L, complete_protected);
	lua_pushstring(L, word);
	lua_pushlightuserdata(L, &c);
	lua_pcall(L, 2, 0, 0);      /* an error just ends the search: what was found so far is offered */
	lua_settop(L, top);
	if (c.n == 0)
		return NULL;
	qsort(c.v, (size_t)c.n, sizeof *c.v, cmp_str);
	return c.v;
}
