/* tamga.Plot (publication plots through cairo: PNG, SVG, PDF) and text charts, heat tables and bars as strings for
 * the terminal (src/chart). */
#include "config.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lua/lua-int.h"
#include "plot/plot.h"
#include "chart/chart.h"

typedef struct lplot {
	tg_plot *p;
	int      kind;
} lplot;

static lplot *
check(lua_State *L, int idx)
{
	lplot *u = luaL_checkudata(L, idx, TG_LUA_PLOT);

	if (u->p == NULL)
		luaL_argerror(L, idx, "plot is closed");
	return u;
}

static const char *const kinds[] = { "line", "layers", "scatter", "heatmap", NULL };
static const char *const colors[] = {
	"auto", "blue", "vermillion", "green", "orange", "purple", "sky", "yellow", "black", "gray", NULL
};
static const char *const styles[] = { "solid", "dotted", "dashed", NULL };

/* new(kind, [title]) -> Plot */
static int
l_new(lua_State *L)
{
	int kind = luaL_checkoption(L, 1, NULL, kinds);
	const char *title = luaL_optstring(L, 2, NULL);
	lplot *u = lua_newuserdatauv(L, sizeof *u, 0);

	u->p = NULL;
	u->kind = kind;
	luaL_setmetatable(L, TG_LUA_PLOT);
	u->p = tg_plot_new((tg_plot_kind)kind, title);
	return 1;
}

/* p:axis(x_label, y_label [, log_x, log_y]) */
static int
m_axis(lua_State *L)
{
	lplot *u = check(L, 1);

	tg_plot_axis(u->p, luaL_optstring(L, 2, NULL), luaL_optstring(L, 3, NULL), lua_toboolean(L, 4),
	    lua_toboolean(L, 5));
	lua_settop(L, 1);
	return 1;
}

static double
optnan(lua_State *L, int i)
{
	return lua_isnoneornil(L, i) ? NAN : luaL_checknumber(L, i);
}

static int
m_xrange(lua_State *L)
{
	lplot *u = check(L, 1);

	tg_plot_xrange(u->p, optnan(L, 2), optnan(L, 3));
	lua_settop(L, 1);
	return 1;
}

static int
m_yrange(lua_State *L)
{
	lplot *u = check(L, 1);

	tg_plot_yrange(u->p, optnan(L, 2), optnan(L, 3));
	lua_settop(L, 1);
	return 1;
}

/* Numbers of a Lua array (nil entries and non-numbers are NaN) into a userdata pushed on the stack. */
static double *
nums(lua_State *L, int idx, int arg, size_t n, const char *what)
{
	double *v;
	size_t i;

	if (lua_type(L, idx) != LUA_TTABLE)
		luaL_argerror(L, arg, lua_pushfstring(L, "%s: table of numbers expected, got %s", what,
		    luaL_typename(L, idx)));
	if (lua_rawlen(L, idx) != n)
		luaL_argerror(L, arg, lua_pushfstring(L, "%s has %d values, x has %d", what, (int)lua_rawlen(L, idx),
		    (int)n));
	v = lua_newuserdatauv(L, (n ? n : 1) * sizeof *v, 0);
	for (i = 0; i < n; i++) {
		lua_rawgeti(L, idx, (lua_Integer)i + 1);
		v[i] = lua_type(L, -1) == LUA_TNUMBER ? lua_tonumber(L, -1) : NAN;
		lua_pop(L, 1);
	}
	return v;
}

/* p:series(name, x, y [, lo, hi]) -> index (1-based) */
static int
m_series(lua_State *L)
{
	lplot *u = check(L, 1);
	const char *name = luaL_checkstring(L, 2);
	size_t n;
	double *x, *y, *lo = NULL, *hi = NULL;
	int r;

	lua_settop(L, 6);       /* the helpers push their arrays above the arguments */
	luaL_checktype(L, 3, LUA_TTABLE);
	n = lua_rawlen(L, 3);
	x = nums(L, 3, 3, n, "x");
	y = nums(L, 4, 4, n, "y");
	if (!lua_isnoneornil(L, 5) || !lua_isnoneornil(L, 6)) {
		lo = nums(L, 5, 5, n, "lo");
		hi = nums(L, 6, 6, n, "hi");
	}
	r = tg_plot_series_add(u->p, name, n, x, y, lo, hi);
	luaL_argcheck(L, r >= 0, 3, "no data");
	lua_pushinteger(L, r + 1);
	return 1;
}

static int
m_curve(lua_State *L)
{
	lplot *u = check(L, 1);
	const char *name = luaL_checkstring(L, 2);
	size_t n;
	double *x, *y;

	lua_settop(L, 4);       /* the helpers push their arrays above the arguments */
	luaL_checktype(L, 3, LUA_TTABLE);
	n = lua_rawlen(L, 3);
	x = nums(L, 3, 3, n, "x");
	y = nums(L, 4, 4, n, "y");
	lua_pushinteger(L, tg_plot_curve_add(u->p, name, n, x, y) + 1);
	return 1;
}

/* p:style(i, color [, style]) */
static int
m_style(lua_State *L)
{
	lplot *u = check(L, 1);
	lua_Integer i = luaL_checkinteger(L, 2);
	int c = luaL_checkoption(L, 3, "auto", colors), s = luaL_checkoption(L, 4, "solid", styles);

	luaL_argcheck(L, i >= 1, 2, "series indices start at 1");
	tg_plot_series_style(u->p, (int)i - 1, c, (tg_line_style)s);
	lua_settop(L, 1);
	return 1;
}

static int
m_hline(lua_State *L)
{
	lplot *u = check(L, 1);

	tg_plot_hline(u->p, luaL_checknumber(L, 2), luaL_optstring(L, 3, NULL));
	lua_settop(L, 1);
	return 1;
}

/* Names of a Lua array of strings, as pointers into a userdata (strings kept alive by the table). */
static const char **
names(lua_State *L, int idx, int arg, int n)
{
	const char **v;
	int i;

	if (lua_isnoneornil(L, idx))
		return NULL;
	luaL_checktype(L, idx, LUA_TTABLE);
	if ((int)lua_rawlen(L, idx) != n)
		luaL_argerror(L, arg, lua_pushfstring(L, "%d names expected, got %d", n, (int)lua_rawlen(L, idx)));
	v = lua_newuserdatauv(L, (size_t)(n ? n : 1) * sizeof *v, 0);
	for (i = 0; i < n; i++) {
		lua_rawgeti(L, idx, i + 1);
		v[i] = lua_tostring(L, -1);
		if (v[i] == NULL)
			luaL_argerror(L, arg, "names must be strings");
		lua_pop(L, 1);
	}
	return v;
}

/* Nested rows of numbers (nil = missing) -> rows * cols doubles in a userdata. The column count is *cols when
 * positive (from the column names: rows with missing values at the end have a shorter length), else the longest row. */
static double *
matrix(lua_State *L, int idx, int arg, int *rows, int *cols)
{
	double *v;
	int r, c, given = *cols > 0;

	luaL_checktype(L, idx, LUA_TTABLE);
	*rows = (int)lua_rawlen(L, idx);
	luaL_argcheck(L, *rows >= 1, arg, "no rows");
	if (!given)
		*cols = 0;
	for (r = 1; r <= *rows; r++) {
		int len;
		if (lua_rawgeti(L, idx, r) != LUA_TTABLE)
			luaL_argerror(L, arg, lua_pushfstring(L, "row %d is not a table", r));
		len = (int)lua_rawlen(L, -1);
		if (!given && len > *cols)
			*cols = len;
		else if (given && len > *cols)
			luaL_argerror(L, arg, lua_pushfstring(L, "row %d has %d values for %d column names", r, len, *cols));
		lua_pop(L, 1);
	}
	luaL_argcheck(L, *cols >= 1, arg, "no columns");
	v = lua_newuserdatauv(L, (size_t)*rows * (size_t)*cols * sizeof *v, 0);
	for (r = 0; r < *rows; r++) {
		lua_rawgeti(L, idx, r + 1);
		for (c = 0; c < *cols; c++) {
			lua_rawgeti(L, -1, c + 1);
			v[r * *cols + c] = lua_type(L, -1) == LUA_TNUMBER ? lua_tonumber(L, -1) : NAN;
			lua_pop(L, 1);
		}
		lua_pop(L, 1);
	}
	return v;
}

/* p:heatmap(values, row_names, col_names) */
static int
m_heatmap(lua_State *L)
{
	lplot *u = check(L, 1);
	int rows, cols;
	double *v;
	const char **rn, **cn;

	luaL_argcheck(L, u->kind == TG_PLOT_HEATMAP, 1, "not a heat map");
	lua_settop(L, 4);       /* the helpers push their arrays above the arguments */
	cols = lua_istable(L, 4) ? (int)lua_rawlen(L, 4) : 0;
	v = matrix(L, 2, 2, &rows, &cols);
	rn = names(L, 3, 3, rows);
	cn = names(L, 4, 4, cols);
	if (tg_plot_heatmap_set(u->p, rows, cols, rn, cn, v) != TG_OK)
		return luaL_error(L, "heatmap: cannot set the table");
	lua_settop(L, 1);
	return 1;
}

/* p:scale{vmin=, vmax=, cmap="viridis"|"diverging", center=, decimals=} */
static int
m_scale(lua_State *L)
{
	static const char *const opts[] = { "vmin", "vmax", "cmap", "center", "decimals", NULL };
	lplot *u = check(L, 1);
	const char *cmap;

	tg_lua_checkopts(L, 2, 2, opts);
	cmap = tg_lua_optfield_str(L, 2, 2, "cmap", "viridis");
	luaL_argcheck(L, strcmp(cmap, "viridis") == 0 || strcmp(cmap, "diverging") == 0, 2,
	    "field 'cmap': viridis or diverging");
	tg_plot_heatmap_scale(u->p, tg_lua_optfield_num(L, 2, 2, "vmin", NAN), tg_lua_optfield_num(L, 2, 2, "vmax", NAN),
	    strcmp(cmap, "diverging") == 0 ? TG_CMAP_DIVERGING : TG_CMAP_VIRIDIS, tg_lua_optfield_num(L, 2, 2, "center", 0),
	    (int)tg_lua_optfield_int(L, 2, 2, "decimals", -1));
	lua_settop(L, 1);
	return 1;
}

/* p:save(path [, width, height]) -> true | nil, message */
static int
m_save(lua_State *L)
{
	lplot *u = check(L, 1);
	const char *path = luaL_checkstring(L, 2);
	lua_Integer w = luaL_optinteger(L, 3, 800), h = luaL_optinteger(L, 4, 500);
	tg_error err = { 0 };

	luaL_argcheck(L, w >= 16 && w <= 20000, 3, "width must be from 16 to 20000");
	luaL_argcheck(L, h >= 16 && h <= 20000, 4, "height must be from 16 to 20000");
	if (tg_plot_format_of(path, &err) < 0)
		return luaL_argerror(L, 2, err.msg);
	if (tg_plot_save(u->p, path, (int)w, (int)h, &err) != TG_OK)
		return tg_lua_fail(L, &err);
	lua_pushboolean(L, 1);
	return 1;
}

static int
pm_tostring(lua_State *L)
{
	lplot *u = luaL_checkudata(L, 1, TG_LUA_PLOT);

	lua_pushfstring(L, "tamga.Plot (%s%s)", kinds[u->kind], u->p == NULL ? ", closed" : "");
	return 1;
}

static int
pm_gc(lua_State *L)
{
	lplot *u = luaL_checkudata(L, 1, TG_LUA_PLOT);

	tg_plot_free(u->p);
	u->p = NULL;
	return 0;
}

/* ---- text output ------------------------------------------------------------------------------------------------- */

static int
push_cells(lua_State *L, tg_cells *c, int color)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	tg_cells_to_text(f, c, color);
	fclose(f);
	/* trailing blanks of each line are noise in a terminal and in tests */
	{
		size_t i, o = 0, line_end = 0;
		for (i = 0; i < len; i++) {
			if (buf[i] == '\n') {
				o = line_end;
				buf[o++] = '\n';
				line_end = o;
			} else {
				buf[o++] = buf[i];
				if (buf[i] != ' ')
					line_end = o;
			}
		}
		len = o;
		while (len >= 2 && buf[len - 1] == '\n' && buf[len - 2] == '\n')
			len--;          /* and blank lines at the bottom */
	}
	lua_pushlstring(L, buf, len);
	free(buf);
	tg_cells_free(c);
	return 1;
}

/* chart(series, {title=, width=72, height=16, ascii=false, color=false, ymin=, ymax=, legend=true})
 * series: list of {name=, x={...}, y={...}, lo=, hi=}. Returns the chart as text. */
static int
l_chart(lua_State *L)
{
	static const char *const opts[] = { "title", "width", "height", "ascii", "color", "ymin", "ymax", "legend", NULL };
	lua_Integer w, h;
	int n, i, color;
	tg_chart *ch;
	tg_cells *c;
	tg_error err = { 0 };

	luaL_checktype(L, 1, LUA_TTABLE);
	tg_lua_checkopts(L, 2, 2, opts);
	w = tg_lua_optfield_int(L, 2, 2, "width", 72);
	h = tg_lua_optfield_int(L, 2, 2, "height", 16);
	luaL_argcheck(L, w >= 10 && w <= 1000 && h >= 4 && h <= 500, 2, "width 10..1000 and height 4..500");
	color = tg_lua_optfield_bool(L, 2, 2, "color", 0);
	n = (int)lua_rawlen(L, 1);
	/* check everything before the chart exists */
	for (i = 1; i <= n; i++) {
		size_t len;
		if (lua_rawgeti(L, 1, i) != LUA_TTABLE)
			luaL_argerror(L, 1, lua_pushfstring(L, "series %d is not a table", i));
		if (lua_getfield(L, -1, "x") != LUA_TTABLE)
			luaL_argerror(L, 1, lua_pushfstring(L, "series %d: field 'x' must be a table", i));
		len = lua_rawlen(L, -1);
		lua_pop(L, 1);
		lua_getfield(L, -1, "y");
		if (lua_type(L, -1) != LUA_TTABLE || lua_rawlen(L, -1) != len)
			luaL_argerror(L, 1, lua_pushfstring(L, "series %d: 'y' must be a table as long as 'x'", i));
		lua_pop(L, 2);
	}
	ch = tg_chart_new(tg_lua_optfield_str(L, 2, 2, "title", NULL));
	tg_chart_glyphs(ch, tg_lua_optfield_bool(L, 2, 2, "ascii", 0) ? TG_GLYPHS_ASCII : TG_GLYPHS_BRAILLE);
	tg_chart_yrange(ch, tg_lua_optfield_num(L, 2, 2, "ymin", NAN), tg_lua_optfield_num(L, 2, 2, "ymax", NAN));
	tg_chart_options(ch, tg_lua_optfield_bool(L, 2, 2, "legend", 1), true);
	for (i = 1; i <= n; i++) {
		size_t len, k;
		double *x, *y, *lo = NULL, *hi = NULL;
		const char *name;
		int top = lua_gettop(L);
		lua_rawgeti(L, 1, i);
		lua_getfield(L, -1, "name");
		name = lua_tostring(L, -1);
		lua_getfield(L, top + 1, "x");
		len = lua_rawlen(L, -1);
		x = tg_xmalloc((len ? len : 1) * sizeof *x);
		y = tg_xmalloc((len ? len : 1) * sizeof *y);
		for (k = 0; k < len; k++) {
			lua_rawgeti(L, -1, (lua_Integer)k + 1);
			x[k] = lua_type(L, -1) == LUA_TNUMBER ? lua_tonumber(L, -1) : NAN;
			lua_pop(L, 1);
		}
		lua_getfield(L, top + 1, "y");
		for (k = 0; k < len; k++) {
			lua_rawgeti(L, -1, (lua_Integer)k + 1);
			y[k] = lua_type(L, -1) == LUA_TNUMBER ? lua_tonumber(L, -1) : NAN;
			lua_pop(L, 1);
		}
		lua_getfield(L, top + 1, "lo");
		lua_getfield(L, top + 1, "hi");
		if (lua_type(L, -1) == LUA_TTABLE && lua_type(L, -2) == LUA_TTABLE && lua_rawlen(L, -1) == len &&
		    lua_rawlen(L, -2) == len) {
			lo = tg_xmalloc((len ? len : 1) * sizeof *lo);
			hi = tg_xmalloc((len ? len : 1) * sizeof *hi);
			for (k = 0; k < len; k++) {
				lua_rawgeti(L, -2, (lua_Integer)k + 1);
				lo[k] = lua_type(L, -1) == LUA_TNUMBER ? lua_tonumber(L, -1) : NAN;
				lua_pop(L, 1);
				lua_rawgeti(L, -1, (lua_Integer)k + 1);
				hi[k] = lua_type(L, -1) == LUA_TNUMBER ? lua_tonumber(L, -1) : NAN;
				lua_pop(L, 1);
			}
		}
		tg_chart_series_add(ch, name ? name : "", len, x, y, lo, hi, NULL);
		free(x);
		free(y);
		free(lo);
		free(hi);
		lua_settop(L, top);
	}
	c = tg_cells_new((int)w, (int)h);
	if (tg_chart_render(ch, c, &err) != TG_OK) {
		tg_chart_free(ch);
		tg_cells_free(c);
		return tg_lua_raise(L, &err);
	}
	tg_chart_free(ch);
	return push_cells(L, c, color);
}

/* heat(values, row_names, col_names, {title=, corner=, decimals=, vmin=, vmax=, width=, ascii=, color=}) -> text */
static int
l_heat(lua_State *L)
{
	static const char *const opts[] = { "title", "corner", "decimals", "vmin", "vmax", "width", "ascii", "color",
		NULL };
	int rows, cols, color;
	double *v;
	const char **rn, **cn;
	tg_heat_opts ho = TG_HEAT_OPTS_DEFAULT;
	lua_Integer w;
	tg_cells *c;
	tg_error err = { 0 };

	lua_settop(L, 4);       /* the helpers push their arrays above the arguments */
	cols = lua_istable(L, 3) ? (int)lua_rawlen(L, 3) : 0;
	v = matrix(L, 1, 1, &rows, &cols);
	rn = names(L, 2, 2, rows);
	cn = names(L, 3, 3, cols);

	tg_lua_checkopts(L, 4, 4, opts);
	ho.title = tg_lua_optfield_str(L, 4, 4, "title", NULL);
	ho.corner = tg_lua_optfield_str(L, 4, 4, "corner", NULL);
	ho.decimals = (int)tg_lua_optfield_int(L, 4, 4, "decimals", 2);
	ho.vmin = tg_lua_optfield_num(L, 4, 4, "vmin", NAN);
	ho.vmax = tg_lua_optfield_num(L, 4, 4, "vmax", NAN);
	ho.ascii = tg_lua_optfield_bool(L, 4, 4, "ascii", 0);
	color = tg_lua_optfield_bool(L, 4, 4, "color", 0);
	ho.marks = !color;
	w = tg_lua_optfield_int(L, 4, 4, "width", 100);
	luaL_argcheck(L, w >= 10 && w <= 1000, 4, "width must be from 10 to 1000");
	c = tg_cells_new((int)w, rows + 6 + (ho.title != NULL));
	if (tg_heat_render(c, rows, cols, rn, cn, v, &ho, &err) != TG_OK) {
		tg_cells_free(c);
		return tg_lua_raise(L, &err);
	}
	return push_cells(L, c, color);
}

/* bars(names, values, {title=, decimals=, width=60, ascii=, color=}) -> text */
static int
l_bars(lua_State *L)
{
	static const char *const opts[] = { "title", "decimals", "width", "ascii", "color", "vmin", "vmax", NULL };
	int n, color;
	size_t nv;
	const char **nm;
	double *v;
	tg_bars_opts bo = TG_BARS_OPTS_DEFAULT;
	lua_Integer w;
	tg_cells *c;
	tg_error err = { 0 };

	lua_settop(L, 3);       /* the helpers push their arrays above the arguments */
	luaL_checktype(L, 1, LUA_TTABLE);
	n = (int)lua_rawlen(L, 1);
	nm = names(L, 1, 1, n);
	nv = (size_t)n;
	v = nums(L, 2, 2, nv, "values");
	tg_lua_checkopts(L, 3, 3, opts);
	bo.title = tg_lua_optfield_str(L, 3, 3, "title", NULL);
	bo.decimals = (int)tg_lua_optfield_int(L, 3, 3, "decimals", -1);
	bo.ascii = tg_lua_optfield_bool(L, 3, 3, "ascii", 0);
	bo.vmin = tg_lua_optfield_num(L, 3, 3, "vmin", NAN);
	bo.vmax = tg_lua_optfield_num(L, 3, 3, "vmax", NAN);
	color = tg_lua_optfield_bool(L, 3, 3, "color", 0);
	w = tg_lua_optfield_int(L, 3, 3, "width", 60);
	luaL_argcheck(L, w >= 10 && w <= 1000, 3, "width must be from 10 to 1000");
	c = tg_cells_new((int)w, n + (bo.title != NULL) + 1);
	if (tg_bars_render(c, n, nm, v, &bo, &err) != TG_OK) {
		tg_cells_free(c);
		return tg_lua_raise(L, &err);
	}
	return push_cells(L, c, color);
}

static const luaL_Reg methods[] = {
	{ "axis", m_axis }, { "xrange", m_xrange }, { "yrange", m_yrange }, { "series", m_series }, { "curve", m_curve },
	{ "style", m_style }, { "hline", m_hline }, { "heatmap", m_heatmap }, { "scale", m_scale }, { "save", m_save },
	{ "close", pm_gc }, { NULL, NULL }
};
static const luaL_Reg meta[] = {
	{ "__tostring", pm_tostring }, { "__gc", pm_gc }, { "__close", pm_gc }, { NULL, NULL }
};
static const luaL_Reg funcs[] = {
	{ "new", l_new }, { "chart", l_chart }, { "heat", l_heat }, { "bars", l_bars }, { NULL, NULL }
};

int
tg_lua_open_plot(lua_State *L)
{
	tg_lua_newtype(L, TG_LUA_PLOT, methods, meta, NULL);
	luaL_newlib(L, funcs);
	return 1;
}
