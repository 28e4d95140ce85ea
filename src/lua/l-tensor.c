/* tamga.Tensor: engine tensors seen from Lua. Each userdata holds one reference; a view keeps its base userdata
 * alive through its user value (torch7's THTensor retain/free). Indexes are 1-based, as everywhere in Lua. */
#include "config.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lua/lua-int.h"
#include "tensor/tensor.h"

typedef struct ltensor {
	tg_tensor *t;
} ltensor;

void
tg_lua_pushtensor(lua_State *L, tg_tensor *t, int base)
{
	ltensor *u;

	if (base != 0)
		base = lua_absindex(L, base);
	u = lua_newuserdatauv(L, sizeof *u, 1);
	u->t = t;
	luaL_setmetatable(L, TG_LUA_TENSOR);
	if (base != 0) {
		lua_pushvalue(L, base);
		lua_setiuservalue(L, -2, 1);
	}
}

tg_tensor *
tg_lua_checktensor(lua_State *L, int idx)
{
	ltensor *u = luaL_checkudata(L, idx, TG_LUA_TENSOR);

	if (u->t == NULL)
		luaL_argerror(L, idx, "tensor is closed");
	return u->t;
}

/* Wrap an engine result: raise on failure (shape errors are misuse; out of memory is reported the same way). */
static void
push_result(lua_State *L, tg_tensor *t, const tg_error *err)
{
	if (t == NULL)
		tg_lua_raise(L, err);
	tg_lua_pushtensor(L, t, 0);
}

/* A new tensor owned by a userdata from the start (so a later error cannot leak it). */
static tg_tensor *
push_new(lua_State *L, int ndim, const int64_t *shape)
{
	tg_error err = { 0 };
	ltensor *u = lua_newuserdatauv(L, sizeof *u, 1);

	u->t = NULL;
	luaL_setmetatable(L, TG_LUA_TENSOR);
	if ((u->t = tg_tensor_zeros(ndim, shape, &err)) == NULL)
		tg_lua_raise(L, &err);
	return u->t;
}

/* ---- shapes from arguments --------------------------------------------------------------------------------------- */

/* Sizes as integers from index `first` on, or one table of them. */
static int
check_shape(lua_State *L, int first, int64_t *shape)
{
	int n = 0, i, top = lua_gettop(L);

	if (lua_type(L, first) == LUA_TTABLE) {
		int len = (int)lua_rawlen(L, first);
		luaL_argcheck(L, len >= 1 && len <= TG_MAX_DIMS, first, "shape must have 1 to 4 sizes");
		for (i = 1; i <= len; i++) {
			lua_rawgeti(L, first, i);
			if (!lua_isinteger(L, -1))
				luaL_argerror(L, first, "sizes must be integers");
			shape[n++] = lua_tointeger(L, -1);
			lua_pop(L, 1);
		}
	} else {
		for (i = first; i <= top && lua_type(L, i) == LUA_TNUMBER; i++) {
			luaL_argcheck(L, n < TG_MAX_DIMS, i, "at most 4 dimensions");
			shape[n++] = luaL_checkinteger(L, i);
		}
		if (n == 0)
			luaL_argerror(L, first, lua_pushfstring(L, "sizes expected, got %s", luaL_typename(L, first)));
	}
	for (i = 0; i < n; i++)
		luaL_argcheck(L, shape[i] >= 1 && shape[i] <= ((int64_t)1 << 40), first, "sizes must be positive");
	return n;
}

/* ---- construction ------------------------------------------------------------------------------------------------ */

/* Shape of a nested table: sizes along the first elements. */
static int
table_shape(lua_State *L, int idx, int64_t *shape)
{
	int n = 0;

	lua_pushvalue(L, idx);
	while (lua_type(L, -1) == LUA_TTABLE) {
		if (n == TG_MAX_DIMS)
			luaL_argerror(L, 1, "at most 4 levels of nesting");
		shape[n] = (int64_t)lua_rawlen(L, -1);
		if (shape[n] == 0)
			luaL_argerror(L, 1, "empty table (a tensor needs at least one element per dimension)");
		n++;
		lua_rawgeti(L, -1, 1);
		lua_remove(L, -2);
	}
	if (lua_type(L, -1) != LUA_TNUMBER)
		luaL_argerror(L, 1, lua_pushfstring(L, "numbers expected, found a %s", luaL_typename(L, -1)));
	lua_pop(L, 1);
	return n;
}

static void
fill_from_table(lua_State *L, int idx, int d, int ndim, const int64_t *shape, float *dst, int64_t *pos)
{
	int64_t i;

	if ((int64_t)lua_rawlen(L, idx) != shape[d])
		luaL_argerror(L, 1, lua_pushfstring(L, "ragged table: a row at depth %d has %d elements, expected %d",
		    d + 1, (int)lua_rawlen(L, idx), (int)shape[d]));
	for (i = 1; i <= shape[d]; i++) {
		lua_rawgeti(L, idx, i);
		if (d + 1 < ndim) {
			if (lua_type(L, -1) != LUA_TTABLE)
				luaL_argerror(L, 1, lua_pushfstring(L, "ragged table: a table expected at depth %d, found a %s",
				    d + 2, luaL_typename(L, -1)));
			fill_from_table(L, lua_gettop(L), d + 1, ndim, shape, dst, pos);
		} else {
			if (lua_type(L, -1) != LUA_TNUMBER)
				luaL_argerror(L, 1, lua_pushfstring(L, "numbers expected, found a %s", luaL_typename(L, -1)));
			dst[(*pos)++] = (float)lua_tonumber(L, -1);
		}
		lua_pop(L, 1);
	}
}

static int
l_new(lua_State *L)
{
	int64_t shape[TG_MAX_DIMS], pos = 0;
	int ndim;
	tg_tensor *t;

	luaL_checktype(L, 1, LUA_TTABLE);
	ndim = table_shape(L, 1, shape);
	t = push_new(L, ndim, shape);
	fill_from_table(L, 1, 0, ndim, shape, t->data, &pos);
	return 1;
}

static int
l_zeros(lua_State *L)
{
	int64_t shape[TG_MAX_DIMS];
	int n = check_shape(L, 1, shape);

	push_new(L, n, shape);
	return 1;
}

static int
l_full(lua_State *L)
{
	int64_t shape[TG_MAX_DIMS];
	float v = (float)luaL_checknumber(L, 1);
	int n = check_shape(L, 2, shape);

	tg_tensor_fill(push_new(L, n, shape), v);
	return 1;
}

static int
l_ones(lua_State *L)
{
	int64_t shape[TG_MAX_DIMS];
	int n = check_shape(L, 1, shape);

	tg_tensor_fill(push_new(L, n, shape), 1.0f);
	return 1;
}

/* rand(shape..., {seed=, lo=, hi=}) and randn(shape..., {seed=, mean=, sd=}) */
static int
rand_common(lua_State *L, int normal)
{
	int64_t shape[TG_MAX_DIMS];
	int n = check_shape(L, 1, shape), top = lua_gettop(L), oi = 0;
	uint64_t seed = 1;
	double a = normal ? 0 : 0, b = 1;
	tg_tensor *t;

	if (top >= 2 && lua_type(L, top) == LUA_TTABLE && lua_type(L, 1) != LUA_TTABLE)
		oi = top;
	else if (top >= 2 && lua_type(L, 1) == LUA_TTABLE)
		oi = lua_type(L, 2) == LUA_TTABLE ? 2 : 0;
	if (oi) {
		static const char *const un[] = { "seed", "lo", "hi", NULL }, *const nn[] = { "seed", "mean", "sd", NULL };
		tg_lua_checkopts(L, oi, oi, normal ? nn : un);
		seed = (uint64_t)tg_lua_optfield_int(L, oi, oi, "seed", 1);
		a = tg_lua_optfield_num(L, oi, oi, normal ? "mean" : "lo", 0);
		b = tg_lua_optfield_num(L, oi, oi, normal ? "sd" : "hi", 1);
		if (normal)
			luaL_argcheck(L, b >= 0, oi, "sd must not be negative");
		else
			luaL_argcheck(L, a <= b, oi, "lo must not exceed hi");
	}
	t = push_new(L, n, shape);
	if (normal)
		tg_tensor_rand_normal(t, seed, (float)a, (float)b);
	else
		tg_tensor_rand_uniform(t, seed, (float)a, (float)b);
	return 1;
}

static int l_rand(lua_State *L) { return rand_common(L, 0); }
static int l_randn(lua_State *L) { return rand_common(L, 1); }

static int
l_is(lua_State *L)
{
	lua_pushboolean(L, luaL_testudata(L, 1, TG_LUA_TENSOR) != NULL);
	return 1;
}

/* ---- element access ---------------------------------------------------------------------------------------------- */

static int64_t
check_index(lua_State *L, int arg, const tg_tensor *t, int d)
{
	lua_Integer i = luaL_checkinteger(L, arg);

	if (i < 1 || i > t->shape[d])
		luaL_argerror(L, arg, lua_pushfstring(L, "index %d out of range (dimension %d has size %d)", (int)i, d + 1,
		    (int)t->shape[d]));
	return i - 1;
}

static float *
element(lua_State *L, tg_tensor *t, int first, int nidx)
{
	int64_t off = 0;
	int d;

	if (nidx != t->ndim)
		luaL_error(L, "bad index: %d indices for a %d-D tensor", nidx, t->ndim);
	for (d = 0; d < t->ndim; d++)
		off += check_index(L, first + d, t, d) * t->stride[d];
	return t->data + off;
}

static int
m_get(lua_State *L)
{
	tg_tensor *t = tg_lua_checktensor(L, 1);

	lua_pushnumber(L, *element(L, t, 2, lua_gettop(L) - 1));
	return 1;
}

static int
m_set(lua_State *L)
{
	tg_tensor *t = tg_lua_checktensor(L, 1);
	int top = lua_gettop(L);
	float v = (float)luaL_checknumber(L, top);

	*element(L, t, 2, top - 2) = v;
	lua_settop(L, 1);
	return 1;
}

/* Row i (1-based) of dimension 1 as a view with one dimension less. */
static void
push_row(lua_State *L, int idx, tg_tensor *t, int64_t i)
{
	tg_error err = { 0 };
	tg_tensor *v = tg_tensor_select(t, 0, i, &err);

	if (v == NULL)
		tg_lua_raise(L, &err);
	tg_lua_pushtensor(L, v, idx);
}

static int
mm_index(lua_State *L)
{
	tg_tensor *t = tg_lua_checktensor(L, 1);

	if (lua_type(L, 2) == LUA_TNUMBER) {
		int64_t i = check_index(L, 2, t, 0);
		if (t->ndim == 1)
			lua_pushnumber(L, t->data[i * t->stride[0]]);
		else
			push_row(L, 1, t, i);
		return 1;
	}
	return tg_lua_method(L);
}

static int
mm_newindex(lua_State *L)
{
	tg_tensor *t = tg_lua_checktensor(L, 1);
	int64_t i;

	if (lua_type(L, 2) != LUA_TNUMBER)
		luaL_argerror(L, 2, "tensors take integer indices");
	i = check_index(L, 2, t, 0);
	if (t->ndim != 1)
		return luaL_error(L, "bad assignment: t[i] = v needs a 1-D tensor (use t:set(i, j, ..., v))");
	t->data[i * t->stride[0]] = (float)luaL_checknumber(L, 3);
	return 0;
}

static int
mm_len(lua_State *L)
{
	lua_pushinteger(L, tg_lua_checktensor(L, 1)->shape[0]);
	return 1;
}

/* ---- reading out ------------------------------------------------------------------------------------------------- */

static int
m_shape(lua_State *L)
{
	tg_tensor *t = tg_lua_checktensor(L, 1);

	tg_lua_pushints(L, t->shape, t->ndim);
	return 1;
}

static int
m_size(lua_State *L)
{
	tg_tensor *t = tg_lua_checktensor(L, 1);
	lua_Integer d = luaL_checkinteger(L, 2);

	luaL_argcheck(L, d >= 1 && d <= t->ndim, 2, "dimension out of range");
	lua_pushinteger(L, t->shape[d - 1]);
	return 1;
}

static int
m_dim(lua_State *L)
{
	lua_pushinteger(L, tg_lua_checktensor(L, 1)->ndim);
	return 1;
}

static int
m_numel(lua_State *L)
{
	lua_pushinteger(L, tg_lua_checktensor(L, 1)->numel);
	return 1;
}

static void
to_table(lua_State *L, const tg_tensor *t, int d, const float *p)
{
	int64_t i;

	if (d >= TG_MAX_DIMS)
		return;
	luaL_checkstack(L, 4, "tensor too deep");
	lua_createtable(L, (int)t->shape[d], 0);
	for (i = 0; i < t->shape[d]; i++) {
		if (d + 1 == t->ndim)
			lua_pushnumber(L, p[i * t->stride[d]]);
		else
			to_table(L, t, d + 1, p + i * t->stride[d]);
		lua_rawseti(L, -2, i + 1);
	}
}

static int
m_totable(lua_State *L)
{
	tg_tensor *t = tg_lua_checktensor(L, 1);

	to_table(L, t, 0, t->data);
	return 1;
}

static void
fmt_rows(luaL_Buffer *b, const tg_tensor *t, int d, const float *p, int indent)
{
	int64_t i, n, edge = 3;
	char num[32];

	if (d >= TG_MAX_DIMS)
		return;
	n = t->shape[d];
	luaL_addchar(b, '[');
	for (i = 0; i < n; i++) {
		if (n > 2 * edge + 1 && i == edge) {
			luaL_addstring(b, d + 1 == t->ndim ? "..., " : "...,\n");
			if (d + 1 < t->ndim) {
				int k;
				for (k = 0; k < indent + 1; k++)
					luaL_addchar(b, ' ');
			}
			i = n - edge - 1;
			continue;
		}
		if (d + 1 == t->ndim) {
			snprintf(num, sizeof num, "%.4g", (double)p[i * t->stride[d]]);
			luaL_addstring(b, num);
		} else
			fmt_rows(b, t, d + 1, p + i * t->stride[d], indent + 1);
		if (i + 1 < n) {
			luaL_addchar(b, ',');
			if (d + 1 == t->ndim)
				luaL_addchar(b, ' ');
			else {
				int k;
				luaL_addchar(b, '\n');
				for (k = 0; k < indent + 1; k++)
					luaL_addchar(b, ' ');
			}
		}
	}
	luaL_addchar(b, ']');
}

static int
mm_tostring(lua_State *L)
{
	ltensor *u = luaL_checkudata(L, 1, TG_LUA_TENSOR);
	char shape[96];
	luaL_Buffer b;

	if (u->t == NULL) {
		lua_pushliteral(L, "tamga.Tensor (closed)");
		return 1;
	}
	luaL_buffinit(L, &b);
	luaL_addstring(&b, "tamga.Tensor ");
	luaL_addstring(&b, tg_shape_str(shape, sizeof shape, u->t->ndim, u->t->shape));
	luaL_addchar(&b, '\n');
	fmt_rows(&b, u->t, 0, u->t->data, 0);
	luaL_pushresult(&b);
	return 1;
}

static int
mm_gc(lua_State *L)
{
	ltensor *u = luaL_checkudata(L, 1, TG_LUA_TENSOR);

	tg_tensor_release(u->t);
	u->t = NULL;
	return 0;
}

/* ---- operations -------------------------------------------------------------------------------------------------- */

/* A contiguous reference of t (retained; the caller releases it). */
static tg_tensor *
contig(lua_State *L, tg_tensor *t)
{
	tg_error err = { 0 };
	tg_tensor *c = tg_tensor_contiguous(t, &err);

	if (c == NULL)
		tg_lua_raise(L, &err);
	return c;
}

typedef tg_tensor *(*binop)(tg_graph *, tg_tensor *, tg_tensor *, tg_error *);

static int
do_binop(lua_State *L, binop f, const char *name)
{
	tg_error err = { 0 };
	tg_tensor *a, *b, *r;

	(void)name;
	a = contig(L, tg_lua_checktensor(L, 1));
	if (luaL_testudata(L, 2, TG_LUA_TENSOR) == NULL) {
		tg_tensor_release(a);
		return luaL_argerror(L, 2, lua_pushfstring(L, "tamga.Tensor expected, got %s", luaL_typename(L, 2)));
	}
	b = contig(L, tg_lua_checktensor(L, 2));
	r = f(NULL, a, b, &err);
	tg_tensor_release(a);
	tg_tensor_release(b);
	push_result(L, r, &err);
	return 1;
}

static int
scale(lua_State *L, int ti, double s)
{
	tg_error err = { 0 };
	tg_tensor *a = contig(L, tg_lua_checktensor(L, ti)), *r = tg_scale(NULL, a, (float)s, &err);

	tg_tensor_release(a);
	push_result(L, r, &err);
	return 1;
}

static int
add_scalar(lua_State *L, int ti, double s, double sign)
{
	tg_tensor *t = tg_lua_checktensor(L, ti), *r;
	int64_t i;

	r = push_new(L, t->ndim, t->shape);
	{
		tg_tensor *c = contig(L, t);
		for (i = 0; i < r->numel; i++)
			r->data[i] = (float)(sign * c->data[i] + s);
		tg_tensor_release(c);
	}
	return 1;
}

static int
mm_add(lua_State *L)
{
	if (lua_type(L, 1) == LUA_TNUMBER)
		return add_scalar(L, 2, lua_tonumber(L, 1), 1);
	if (lua_type(L, 2) == LUA_TNUMBER)
		return add_scalar(L, 1, lua_tonumber(L, 2), 1);
	return do_binop(L, tg_add, "add");
}

static int
mm_sub(lua_State *L)
{
	if (lua_type(L, 1) == LUA_TNUMBER)
		return add_scalar(L, 2, lua_tonumber(L, 1), -1);
	if (lua_type(L, 2) == LUA_TNUMBER)
		return add_scalar(L, 1, -lua_tonumber(L, 2), 1);
	return do_binop(L, tg_sub, "sub");
}

static int
mm_mul(lua_State *L)
{
	if (lua_type(L, 1) == LUA_TNUMBER)
		return scale(L, 2, lua_tonumber(L, 1));
	if (lua_type(L, 2) == LUA_TNUMBER)
		return scale(L, 1, lua_tonumber(L, 2));
	return do_binop(L, tg_mul, "mul");
}

static int
mm_div(lua_State *L)
{
	double s = luaL_checknumber(L, 2);

	luaL_argcheck(L, s != 0, 2, "division by zero");
	return scale(L, 1, 1.0 / s);
}

static int
mm_unm(lua_State *L)
{
	return scale(L, 1, -1.0);
}

static int m_add(lua_State *L) { return mm_add(L); }
static int m_sub(lua_State *L) { return mm_sub(L); }
static int m_mul(lua_State *L) { return mm_mul(L); }

static int
m_scale(lua_State *L)
{
	tg_lua_checktensor(L, 1);
	return scale(L, 1, luaL_checknumber(L, 2));
}

/* a:matmul(b [, trans_b]): (m,k) x (k,n), or (m,k) x (n,k)^T */
static int
m_matmul(lua_State *L)
{
	tg_error err = { 0 };
	tg_tensor *a = tg_lua_checktensor(L, 1), *b = tg_lua_checktensor(L, 2), *ca, *cb, *r;
	int tb = lua_toboolean(L, 3);

	luaL_argcheck(L, a->ndim == 2, 1, "matmul needs a 2-D tensor");
	luaL_argcheck(L, b->ndim == 2, 2, "matmul needs a 2-D tensor");
	ca = contig(L, a);
	cb = contig(L, b);
	r = tg_matmul(NULL, ca, cb, tb, &err);
	tg_tensor_release(ca);
	tg_tensor_release(cb);
	push_result(L, r, &err);
	return 1;
}

typedef tg_tensor *(*unop)(tg_graph *, tg_tensor *, tg_error *);

static int
do_unop(lua_State *L, unop f)
{
	tg_error err = { 0 };
	tg_tensor *a = contig(L, tg_lua_checktensor(L, 1)), *r = f(NULL, a, &err);

	tg_tensor_release(a);
	push_result(L, r, &err);
	return 1;
}

static int m_gelu(lua_State *L) { return do_unop(L, tg_gelu); }
static int m_relu(lua_State *L) { return do_unop(L, tg_relu); }
static int m_tanh(lua_State *L) { return do_unop(L, tg_tanh); }

static int
m_softmax(lua_State *L)
{
	tg_error err = { 0 };
	tg_tensor *a = contig(L, tg_lua_checktensor(L, 1)), *r = tg_softmax(NULL, a, NULL, &err);

	tg_tensor_release(a);
	push_result(L, r, &err);
	return 1;
}

static int
m_clone(lua_State *L)
{
	tg_error err = { 0 };

	push_result(L, tg_tensor_clone(tg_lua_checktensor(L, 1), &err), &err);
	return 1;
}

static int
m_contiguous(lua_State *L)
{
	tg_lua_pushtensor(L, contig(L, tg_lua_checktensor(L, 1)), 1);
	return 1;
}

static int
m_reshape(lua_State *L)
{
	tg_tensor *t = tg_lua_checktensor(L, 1), *c, *v;
	tg_error err = { 0 };
	int64_t shape[TG_MAX_DIMS];
	int n = check_shape(L, 2, shape);

	c = contig(L, t);
	v = tg_tensor_view(c, n, shape, &err);
	tg_tensor_release(c);
	if (v == NULL)
		return tg_lua_raise(L, &err);
	tg_lua_pushtensor(L, v, 1);
	return 1;
}

/* t:t(): the transpose of a 2-D tensor (a contiguous copy). */
static int
m_t(lua_State *L)
{
	tg_tensor *t = tg_lua_checktensor(L, 1), *v, *c;
	tg_error err = { 0 };

	luaL_argcheck(L, t->ndim == 2, 1, "t() needs a 2-D tensor");
	if ((v = tg_tensor_transpose(t, 0, 1, &err)) == NULL)
		return tg_lua_raise(L, &err);
	c = tg_tensor_contiguous(v, &err);
	tg_tensor_release(v);
	push_result(L, c, &err);
	return 1;
}

/* t:narrow(start, len): rows start .. start+len-1 of dimension 1 (a view). */
static int
m_narrow(lua_State *L)
{
	tg_tensor *t = tg_lua_checktensor(L, 1), *v;
	lua_Integer s = luaL_checkinteger(L, 2), n = luaL_checkinteger(L, 3);
	tg_error err = { 0 };

	luaL_argcheck(L, s >= 1 && s <= t->shape[0], 2, "start out of range");
	luaL_argcheck(L, n >= 1 && s - 1 + n <= t->shape[0], 3, "length out of range");
	if ((v = tg_tensor_narrow(t, s - 1, n, &err)) == NULL)
		return tg_lua_raise(L, &err);
	tg_lua_pushtensor(L, v, 1);
	return 1;
}

static int
m_fill(lua_State *L)
{
	tg_tensor *t = tg_lua_checktensor(L, 1);
	float v = (float)luaL_checknumber(L, 2);

	luaL_argcheck(L, tg_tensor_is_contiguous(t), 1, "fill needs a contiguous tensor");
	tg_tensor_fill(t, v);
	lua_settop(L, 1);
	return 1;
}

/* Reductions over every element, in double. */
typedef struct stats { double sum, sumsq, min, max; int64_t argmax, argmin; } stats;

static stats
reduce(tg_tensor *t)
{
	stats s = { 0, 0, INFINITY, -INFINITY, 0, 0 };
	int64_t i;

	for (i = 0; i < t->numel; i++) {
		double v = t->data[i];
		s.sum += v;
		s.sumsq += v * v;
		if (v > s.max) { s.max = v; s.argmax = i; }
		if (v < s.min) { s.min = v; s.argmin = i; }
	}
	return s;
}

/* t:sum() / t:mean() over everything, or t:sum(d) / t:mean(d) along dimension d of a 2-D tensor. */
static int
sum_mean(lua_State *L, int mean)
{
	tg_tensor *t = tg_lua_checktensor(L, 1), *c;

	if (lua_isnoneornil(L, 2)) {
		c = contig(L, t);
		stats s = reduce(c);
		tg_tensor_release(c);
		lua_pushnumber(L, mean ? s.sum / (double)t->numel : s.sum);
		return 1;
	} else {
		lua_Integer d = luaL_checkinteger(L, 2);
		int64_t rows, cols, i, j, n;
		tg_tensor *r;
		luaL_argcheck(L, t->ndim == 2, 1, "a sum or mean along a dimension needs a 2-D tensor");
		luaL_argcheck(L, d == 1 || d == 2, 2, "dimension must be 1 or 2");
		rows = t->shape[0];
		cols = t->shape[1];
		n = d == 1 ? cols : rows;
		r = push_new(L, 1, &n);
		for (i = 0; i < rows; i++)
			for (j = 0; j < cols; j++)
				r->data[d == 1 ? j : i] += t->data[i * t->stride[0] + j * t->stride[1]];
		if (mean)
			for (i = 0; i < n; i++)
				r->data[i] /= (float)(d == 1 ? rows : cols);
		return 1;
	}
}

static int m_sum(lua_State *L) { return sum_mean(L, 0); }
static int m_mean(lua_State *L) { return sum_mean(L, 1); }

/* The statistics of argument 1 (a strided view is copied first). */
static stats
stats_of(lua_State *L)
{
	tg_tensor *c = contig(L, tg_lua_checktensor(L, 1));
	stats s = reduce(c);

	tg_tensor_release(c);
	return s;
}

/* t:max() / t:min() -> the value and its 1-based flat index */
static int
extreme(lua_State *L, int max)
{
	stats s = stats_of(L);

	lua_pushnumber(L, max ? s.max : s.min);
	lua_pushinteger(L, (max ? s.argmax : s.argmin) + 1);
	return 2;
}

static int m_max(lua_State *L) { return extreme(L, 1); }
static int m_min(lua_State *L) { return extreme(L, 0); }

static int
m_norm(lua_State *L)
{
	lua_pushnumber(L, sqrt(stats_of(L).sumsq));
	return 1;
}

/* Rows scaled to unit length (a 1-D tensor is one row). */
static int
m_normalize(lua_State *L)
{
	tg_tensor *t = tg_lua_checktensor(L, 1), *c, *r;
	int64_t rows, cols, i, j;

	c = contig(L, t);
	r = push_new(L, c->ndim, c->shape);
	cols = tg_tensor_cols(c);
	rows = tg_tensor_rows(c);
	for (i = 0; i < rows; i++) {
		double s = 0;
		for (j = 0; j < cols; j++)
			s += (double)c->data[i * cols + j] * c->data[i * cols + j];
		s = s > 0 ? 1.0 / sqrt(s) : 0;
		for (j = 0; j < cols; j++)
			r->data[i * cols + j] = (float)(c->data[i * cols + j] * s);
	}
	tg_tensor_release(c);
	return 1;
}

static int
m_dot(lua_State *L)
{
	tg_tensor *a = tg_lua_checktensor(L, 1), *b = tg_lua_checktensor(L, 2), *ca, *cb;
	double s = 0;
	int64_t i;

	luaL_argcheck(L, a->numel == b->numel, 2, "dot needs tensors with the same number of elements");
	ca = contig(L, a);
	cb = contig(L, b);
	for (i = 0; i < ca->numel; i++)
		s += (double)ca->data[i] * cb->data[i];
	tg_tensor_release(ca);
	tg_tensor_release(cb);
	lua_pushnumber(L, s);
	return 1;
}

/* Cosine similarity of two tensors seen as vectors. */
static int
m_cosine(lua_State *L)
{
	tg_tensor *a = tg_lua_checktensor(L, 1), *b = tg_lua_checktensor(L, 2), *ca, *cb;
	double s = 0, na = 0, nb = 0;
	int64_t i;

	luaL_argcheck(L, a->numel == b->numel, 2, "cosine needs tensors with the same number of elements");
	ca = contig(L, a);
	cb = contig(L, b);
	for (i = 0; i < ca->numel; i++) {
		s += (double)ca->data[i] * cb->data[i];
		na += (double)ca->data[i] * ca->data[i];
		nb += (double)cb->data[i] * cb->data[i];
	}
	tg_tensor_release(ca);
	tg_tensor_release(cb);
	lua_pushnumber(L, na > 0 && nb > 0 ? s / sqrt(na * nb) : NAN);
	return 1;
}

/* The diagonal of a square 2-D tensor. */
static int
m_diag(lua_State *L)
{
	tg_tensor *t = tg_lua_checktensor(L, 1), *r;
	int64_t i, n;

	luaL_argcheck(L, t->ndim == 2 && t->shape[0] == t->shape[1], 1, "diag needs a square 2-D tensor");
	n = t->shape[0];
	r = push_new(L, 1, &n);
	for (i = 0; i < n; i++)
		r->data[i] = t->data[i * t->stride[0] + i * t->stride[1]];
	return 1;
}

/* Row-wise argmax of a 2-D tensor as a Lua table of 1-based indices. */
static int
m_argmax(lua_State *L)
{
	tg_tensor *t = tg_lua_checktensor(L, 1);
	int64_t i, j;

	if (t->ndim == 1) {
		tg_tensor *c = contig(L, t);
		stats s = reduce(c);
		tg_tensor_release(c);
		lua_pushinteger(L, s.argmax + 1);
		return 1;
	}
	luaL_argcheck(L, t->ndim == 2, 1, "argmax needs a 1-D or 2-D tensor");
	lua_createtable(L, (int)t->shape[0], 0);
	for (i = 0; i < t->shape[0]; i++) {
		int64_t best = 0;
		for (j = 1; j < t->shape[1]; j++)
			if (t->data[i * t->stride[0] + j * t->stride[1]] > t->data[i * t->stride[0] + best * t->stride[1]])
				best = j;
		lua_pushinteger(L, best + 1);
		lua_rawseti(L, -2, i + 1);
	}
	return 1;
}

static const luaL_Reg funcs[] = {
	{ "new", l_new }, { "zeros", l_zeros }, { "ones", l_ones }, { "full", l_full }, { "rand", l_rand },
	{ "randn", l_randn }, { "is", l_is }, { NULL, NULL }
};

static const luaL_Reg methods[] = {
	{ "get", m_get }, { "set", m_set }, { "shape", m_shape }, { "size", m_size }, { "dim", m_dim },
	{ "numel", m_numel }, { "totable", m_totable }, { "add", m_add }, { "sub", m_sub }, { "mul", m_mul },
	{ "scale", m_scale }, { "matmul", m_matmul }, { "gelu", m_gelu }, { "relu", m_relu }, { "tanh", m_tanh },
	{ "softmax", m_softmax }, { "clone", m_clone }, { "contiguous", m_contiguous }, { "reshape", m_reshape },
	{ "t", m_t }, { "narrow", m_narrow }, { "fill", m_fill }, { "sum", m_sum }, { "mean", m_mean },
	{ "max", m_max }, { "min", m_min }, { "norm", m_norm }, { "normalize", m_normalize }, { "dot", m_dot },
	{ "cosine", m_cosine }, { "diag", m_diag }, { "argmax", m_argmax }, { "close", mm_gc }, { NULL, NULL }
};

static const luaL_Reg meta[] = {
	{ "__index", mm_index }, { "__newindex", mm_newindex }, { "__len", mm_len }, { "__tostring", mm_tostring },
	{ "__gc", mm_gc }, { "__close", mm_gc }, { "__add", mm_add }, { "__sub", mm_sub }, { "__mul", mm_mul },
	{ "__div", mm_div }, { "__unm", mm_unm }, { NULL, NULL }
};

int
tg_lua_open_tensor(lua_State *L)
{
	tg_lua_newtype(L, TG_LUA_TENSOR, methods, meta, NULL);
	luaL_newlib(L, funcs);
	return 1;
}
