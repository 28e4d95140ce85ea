/* safetensors: map a checkpoint read-only, validate its untrusted header like the reference reader, convert tensors
 * to float32, open sharded folders, and write F32 checkpoints atomically. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>
#include "safetensors.h"

struct tg_st_file {
	char          *path;          /* as given, for messages */
	const uint8_t *base;          /* the whole file */
	size_t         len;
	int            mapped;        /* base is our mmap */
	uint64_t       header_len;
	const uint8_t *data;          /* the data buffer: base + 8 + header_len */
	uint64_t       data_len;
	int            n;
	tg_st_tensor  *t;             /* sorted by (begin, end) */
	int           *by_name;       /* indices into t, sorted by name */
	int            nmeta;
	char         **meta_key;      /* sorted by key */
	char         **meta_val;
};

/* --- dtypes -------------------------------------------------------------------------------------------------- */

static const struct { const char *name; int bits; } st_dtypes[TG_ST_NDTYPES] = {
	[TG_ST_F32] = { "F32", 32 },      [TG_ST_F16] = { "F16", 16 },      [TG_ST_BF16] = { "BF16", 16 },
	[TG_ST_F64] = { "F64", 64 },      [TG_ST_I64] = { "I64", 64 },      [TG_ST_I32] = { "I32", 32 },
	[TG_ST_I16] = { "I16", 16 },      [TG_ST_I8] = { "I8", 8 },         [TG_ST_U64] = { "U64", 64 },
	[TG_ST_U32] = { "U32", 32 },      [TG_ST_U16] = { "U16", 16 },      [TG_ST_U8] = { "U8", 8 },
	[TG_ST_BOOL] = { "BOOL", 8 },     [TG_ST_F8_E4M3] = { "F8_E4M3", 8 }, [TG_ST_F8_E5M2] = { "F8_E5M2", 8 },
	[TG_ST_F8_E8M0] = { "F8_E8M0", 8 }, [TG_ST_F4] = { "F4", 4 },     [TG_ST_F6_E2M3] = { "F6_E2M3", 6 },
	[TG_ST_F6_E3M2] = { "F6_E3M2", 6 }, [TG_ST_C64] = { "C64", 64 },
};

const char *
tg_st_dtype_name(tg_st_dtype d)
{
	return (unsigned)d < TG_ST_NDTYPES ? st_dtypes[d].name : "?";
}

int
tg_st_dtype_bits(tg_st_dtype d)
{
	return (unsigned)d < TG_ST_NDTYPES ? st_dtypes[d].bits : 0;
}

static int
st_dtype_parse(const char *s)
{
	int i;

	for (i = 0; i < TG_ST_NDTYPES; i++)
		if (strcmp(s, st_dtypes[i].name) == 0)
			return i;
	return -1;
}

/* --- little-endian loads (compilers turn these into plain loads) ----------------------------------------------- */

static inline uint16_t
ld16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t
ld32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t
ld64(const uint8_t *p)
{
	return (uint64_t)ld32(p) | (uint64_t)ld32(p + 4) << 32;
}

static inline float
f32_bits(uint32_t u)
{
	float f;

	memcpy(&f, &u, sizeof f);
	return f;
}

/* IEEE half: exact, subnormals scaled exactly, NaN payload kept (as numpy's npy_half_to_float). */
static inline float
f16_to_f32(uint16_t h)
{
	uint32_t sign = (uint32_t)(h & 0x8000u) << 16, exp = (h >> 10) & 0x1fu, mant = h & 0x3ffu;
	float v;

	if (exp == 0x1f)
		return f32_bits(sign | 0x7f800000u | mant << 13);
	if (exp != 0)
		return f32_bits(sign | (exp + 112) << 23 | mant << 13);
	v = (float)mant * 0x1p-24f;        /* 0 or subnormal: exact in float32 */
	return sign ? -v : v;
}

/* OCP float8 E4M3 ("fn": no infinities, S.1111.111 is NaN), bias 7. */
static inline float
f8e4m3_to_f32(uint8_t b)
{
	uint32_t sign = (uint32_t)(b & 0x80u) << 24, exp = (b >> 3) & 0xfu, mant = b & 7u;
	float v;

	if (exp == 0xf && mant == 7)
		return f32_bits(sign | 0x7fc00000u);
	if (exp != 0)
		return f32_bits(sign | (exp + 120) << 23 | mant << 20);
	v = (float)mant * 0x1p-9f;
	return sign ? -v : v;
}

/* OCP float8 E8M0: an unsigned power of two 2^(e-127); 0xff is NaN. */
static inline float
f8e8m0_to_f32(uint8_t b)
{
	if (b == 0xff)
		return f32_bits(0x7fc00000u);
	return b ? f32_bits((uint32_t)b << 23) : f32_bits(0x00400000u);
}

/* --- open and validate --------------------------------------------------------------------------------------- */

static int
st_cmp_offsets(const void *a, const void *b)
{
	const tg_st_tensor *x = a, *y = b;

	if (x->begin != y->begin)
		return x->begin < y->begin ? -1 : 1;
	if (x->end != y->end)
		return x->end < y->end ? -1 : 1;
	return 0;
}

static int
st_cmp_names(const void *a, const void *b, void *base)
{
	const tg_st_tensor *t = base;

	return strcmp(t[*(const int *)a].name, t[*(const int *)b].name);
}

static int
st_cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *
st_json_kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:  return "an object";
	case JSON_ARRAY:   return "an array";
	case JSON_STRING:  return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL:    return "a real number";
	case JSON_TRUE:
	case JSON_FALSE:   return "a boolean";
	default:           return "null";
	}
}

static int
st_parse_metadata(tg_st_file *f, json_t *meta, tg_error *err)
{
	const char *key;
	json_t *v;
	char **pairs;
	int i;

	if (json_is_null(meta))
		return TG_OK;
	if (!json_is_object(meta))
		return tg_error_set(err, TG_E_FORMAT, "%s: \"__metadata__\" is %s, not an object of strings",
		    f->path, st_json_kind(meta));
	json_object_foreach(meta, key, v)
		if (!json_is_string(v))
			return tg_error_set(err, TG_E_FORMAT, "%s: \"__metadata__\" value of '%s' is %s, not a string",
			    f->path, key, st_json_kind(v));
	/* Sort keys once; values follow through a pair array. */
	f->nmeta = (int)json_object_size(meta);
	pairs = tg_xcalloc((size_t)f->nmeta + 1, sizeof *pairs);
	i = 0;
	json_object_foreach(meta, key, v)
		pairs[i++] = (char *)key;
	qsort(pairs, (size_t)f->nmeta, sizeof *pairs, st_cmp_strp);
	f->meta_key = tg_xcalloc((size_t)f->nmeta + 1, sizeof *f->meta_key);
	f->meta_val = tg_xcalloc((size_t)f->nmeta + 1, sizeof *f->meta_val);
	for (i = 0; i < f->nmeta; i++) {
		f->meta_key[i] = tg_xstrdup(pairs[i]);
		f->meta_val[i] = tg_xstrdup(json_string_value(json_object_get(meta, pairs[i])));
	}
	free(pairs);
	return TG_OK;
}

/* Check one header entry and fill t (whose name is already set). */
static int
st_parse_entry(tg_st_file *f, tg_st_tensor *t, json_t *e, tg_error *err)
{
	const char *P = f->path, *N = t->name;
	json_t *dt, *sh, *off, *b, *en;
	uint64_t numel = 1, nbits, nbytes;
	char shp[256];
	int d, i;

	if (!json_is_object(e))
		return tg_error_set(err, TG_E_FORMAT, "%s: tensor '%s': entry is %s, not an object", P, N,
		    st_json_kind(e));
	dt = json_object_get(e, "dtype");
	sh = json_object_get(e, "shape");
	off = json_object_get(e, "data_offsets");
	if (dt == NULL || sh == NULL || off == NULL)
		return tg_error_set(err, TG_E_FORMAT, "%s: tensor '%s': missing \"%s\"", P, N,
		    dt == NULL ? "dtype" : sh == NULL ? "shape" : "data_offsets");
	if (!json_is_string(dt))
		return tg_error_set(err, TG_E_FORMAT, "%s: tensor '%s': \"dtype\" is %s, not a string", P, N,
		    st_json_kind(dt));
	if ((d = st_dtype_parse(json_string_value(dt))) < 0) {
		tg_error_set(err, TG_E_FORMAT, "%s: tensor '%s': unknown dtype '%.40s'", P, N, json_string_value(dt));
		return tg_error_hint(err, "known dtypes: F64 F32 F16 BF16 F8_E4M3 F8_E5M2 F8_E8M0 F6_E2M3 F6_E3M2 F4 "
		    "C64 I64 I32 I16 I8 U64 U32 U16 U8 BOOL");
	}
	t->dtype = (tg_st_dtype)d;

	if (!json_is_array(sh))
		return tg_error_set(err, TG_E_FORMAT, "%s: tensor '%s': \"shape\" is %s, not an array", P, N,
		    st_json_kind(sh));
	if (json_array_size(sh) > TG_ST_MAX_DIMS)
		return tg_error_set(err, TG_E_FORMAT, "%s: tensor '%s': shape has %zu dimensions, at most %d are "
		    "supported", P, N, json_array_size(sh), TG_ST_MAX_DIMS);
	t->ndim = (int)json_array_size(sh);
	for (i = 0; i < t->ndim; i++) {
		json_t *x = json_array_get(sh, (size_t)i);

		if (!json_is_integer(x))
			return tg_error_set(err, TG_E_FORMAT, "%s: tensor '%s': shape[%d] is %s, not a non-negative "
			    "integer", P, N, i, st_json_kind(x));
		if (json_integer_value(x) < 0)
			return tg_error_set(err, TG_E_FORMAT, "%s: tensor '%s': shape[%d] is %lld, not a non-negative "
			    "integer", P, N, i, (long long)json_integer_value(x));
		t->shape[i] = json_integer_value(x);
	}
	tg_shape_str(shp, sizeof shp, t->ndim, t->shape);
	for (i = 0; i < t->ndim; i++)
		if (__builtin_mul_overflow(numel, (uint64_t)t->shape[i], &numel) || numel > (uint64_t)INT64_MAX)
			break;
	if (i < t->ndim)
		return tg_error_set(err, TG_E_FORMAT, "%s: tensor '%s': shape %s has more elements than 64 bits count "
		    "(overflow)", P, N, shp);
	t->numel = (int64_t)numel;
	if (__builtin_mul_overflow(numel, (uint64_t)st_dtypes[d].bits, &nbits))
		return tg_error_set(err, TG_E_FORMAT, "%s: tensor '%s': shape %s %s overflows 64 bits of bytes", P, N,
		    shp, st_dtypes[d].name);
	if (nbits % 8 != 0)
		return tg_error_set(err, TG_E_FORMAT, "%s: tensor '%s': shape %s %s is not a whole number of bytes "
		    "(%llu bits)", P, N, shp, st_dtypes[d].name, (unsigned long long)nbits);
	nbytes = nbits / 8;

	if (!json_is_array(off) || json_array_size(off) != 2 || !json_is_integer(b = json_array_get(off, 0)) ||
	    !json_is_integer(en = json_array_get(off, 1)) || json_integer_value(b) < 0 || json_integer_value(en) < 0)
		return tg_error_set(err, TG_E_FORMAT, "%s: tensor '%s': data_offsets must be two non-negative "
		    "integers [begin, end]", P, N);
	t->begin = (uint64_t)json_integer_value(b);
	t->end = (uint64_t)json_integer_value(en);
	if (t->begin > t->end)
		return tg_error_set(err, TG_E_FORMAT, "%s: tensor '%s': data_offsets [%llu, %llu] end before they "
		    "begin", P, N, (unsigned long long)t->begin, (unsigned long long)t->end);
	if (t->end > f->data_len) {
		tg_error_set(err, TG_E_FORMAT, "%s: tensor '%s': data_offsets [%llu, %llu] reach past the end of the "
		    "data buffer (%llu bytes from byte %llu)", P, N, (unsigned long long)t->begin,
		    (unsigned long long)t->end, (unsigned long long)f->data_len,
		    (unsigned long long)(8 + f->header_len));
		return tg_error_hint(err, "the file is truncated (interrupted download?)");
	}
	if (t->end - t->begin != nbytes)
		return tg_error_set(err, TG_E_FORMAT, "%s: tensor '%s': data_offsets [%llu, %llu] hold %llu bytes, "
		    "shape %s %s needs %llu", P, N, (unsigned long long)t->begin, (unsigned long long)t->end,
		    (unsigned long long)(t->end - t->begin), shp, st_dtypes[d].name, (unsigned long long)nbytes);
	return TG_OK;
}

/* Validate f->base[0..len) and fill f. */
static int
st_parse(tg_st_file *f, tg_error *err)
{
	json_error_t je;
	json_t *root, *v;
	const char *key;
	uint64_t n, at;
	int i;

	if (f->len < 8) {
		tg_error_set(err, TG_E_FORMAT, "%s: file is %zu bytes, shorter than the 8-byte header length", f->path,
		    f->len);
		return tg_error_hint(err, "the file is empty or truncated, or not a safetensors file");
	}
	n = ld64(f->base);
	if (n > TG_ST_MAX_HEADER) {
		tg_error_set(err, TG_E_FORMAT, "%s: header length %llu at byte 0 exceeds the %llu-byte limit", f->path,
		    (unsigned long long)n, TG_ST_MAX_HEADER);
		return tg_error_hint(err, "not a safetensors file (a PyTorch .bin is a zip and starts with 'PK')");
	}
	if (n > f->len - 8) {
		tg_error_set(err, TG_E_FORMAT, "%s: header length %llu at byte 0 exceeds the file size (%zu)", f->path,
		    (unsigned long long)n, f->len);
		return tg_error_hint(err, "the file is truncated (interrupted download?)");
	}
	f->header_len = n;
	f->data = f->base + 8 + n;
	f->data_len = f->len - 8 - n;
	if (n == 0 || f->base[8] != '{')
		return tg_error_set(err, TG_E_FORMAT, "%s: header at byte 8 does not start with '{'", f->path);

	root = json_loadb((const char *)f->base + 8, (size_t)n, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL) {
		at = 8 + (uint64_t)(je.position > 0 ? je.position - 1 : 0);     /* jansson counts the byte read */
		if (json_error_code(&je) == json_error_duplicate_key)
			return tg_error_set(err, TG_E_FORMAT, "%s: header names a tensor twice near byte %llu (%s)",
			    f->path, (unsigned long long)at, je.text);
		return tg_error_set(err, TG_E_FORMAT, "%s: header is not valid JSON near byte %llu: %s", f->path,
		    (unsigned long long)at, je.text);
	}
	if (!json_is_object(root)) {     /* unreachable after the '{' check, kept for safety */
		json_decref(root);
		return tg_error_set(err, TG_E_FORMAT, "%s: header is not a JSON object", f->path);
	}

	f->t = tg_xcalloc(json_object_size(root) + 1, sizeof *f->t);
	json_object_foreach(root, key, v) {
		tg_st_tensor *t;

		if (strcmp(key, "__metadata__") == 0) {
			if (st_parse_metadata(f, v, err) != TG_OK)
				goto fail;
			continue;
		}
		t = &f->t[f->n++];
		t->name = tg_xstrdup(key);
		if (st_parse_entry(f, t, v, err) != TG_OK)
			goto fail;
	}
	json_decref(root);
	root = NULL;

	/* The reference reader sorts by offsets and demands that tensors tile the buffer from 0 to its end. */
	qsort(f->t, (size_t)f->n, sizeof *f->t, st_cmp_offsets);
	at = 0;
	for (i = 0; i < f->n; i++) {
		const tg_st_tensor *t = &f->t[i];

		if (t->begin < at)
			return tg_error_set(err, TG_E_FORMAT, "%s: tensor '%s': data_offsets [%llu, %llu] overlap "
			    "tensor '%s' [%llu, %llu]", f->path, t->name, (unsigned long long)t->begin,
			    (unsigned long long)t->end, f->t[i - 1].name, (unsigned long long)f->t[i - 1].begin,
			    (unsigned long long)f->t[i - 1].end);
		if (t->begin > at) {
			tg_error_set(err, TG_E_FORMAT, "%s: tensor '%s': data_offsets [%llu, %llu] leave a gap of %llu "
			    "bytes after %s%s%s (byte %llu of the buffer)", f->path, t->name,
			    (unsigned long long)t->begin, (unsigned long long)t->end,
			    (unsigned long long)(t->begin - at), i ? "tensor '" : "the start", i ? f->t[i - 1].name : "",
			    i ? "'" : "", (unsigned long long)at);
			return tg_error_hint(err, "the format requires tensors to cover the data buffer without holes");
		}
		at = t->end;
	}
	if (at != f->data_len) {
		tg_error_set(err, TG_E_FORMAT, "%s: tensors cover %llu bytes of the %llu-byte data buffer; the last "
		    "%llu bytes of the file (from byte %llu) belong to no tensor", f->path, (unsigned long long)at,
		    (unsigned long long)f->data_len, (unsigned long long)(f->data_len - at),
		    (unsigned long long)(8 + f->header_len + at));
		return tg_error_hint(err, "the format requires tensors to cover the data buffer exactly");
	}

	f->by_name = tg_xcalloc((size_t)f->n + 1, sizeof *f->by_name);
	for (i = 0; i < f->n; i++)
		f->by_name[i] = i;
	qsort_r(f->by_name, (size_t)f->n, sizeof *f->by_name, st_cmp_names, f->t);
	return TG_OK;

fail:
	json_decref(root);
	return TG_ERR;
}

void
tg_st_close(tg_st_file *f)
{
	int i;

	if (f == NULL)
		return;
	for (i = 0; i < f->n; i++)
		free((char *)f->t[i].name);
	tg_strv_free(f->meta_key, f->nmeta);
	tg_strv_free(f->meta_val, f->nmeta);
	free(f->t);
	free(f->by_name);
	if (f->mapped && f->len > 0)
		munmap((void *)f->base, f->len);
	free(f->path);
	free(f);
}

tg_st_file *
tg_st_open_mem_named(const void *buf, size_t len, const char *name, tg_error *err)
{
	tg_st_file *f = tg_xcalloc(1, sizeof *f);

	f->path = tg_xstrdup(name ? name : "<memory>");
	f->base = buf;
	f->len = buf ? len : 0;
	if (st_parse(f, err) != TG_OK) {
		tg_st_close(f);
		return NULL;
	}
	return f;
}

tg_st_file *
tg_st_open_mem(const void *buf, size_t len, tg_error *err)
{
	return tg_st_open_mem_named(buf, len, NULL, err);
}

tg_st_file *
tg_st_open(const char *path, tg_error *err)
{
	struct stat st;
	tg_st_file *f;
	void *map = NULL;
	int fd;

	if (path == NULL) {
		tg_error_set(err, TG_E_ARG, "safetensors: no path given");
		return NULL;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0) {   /* a FIFO must not block: fstat refuses it */
		tg_error_set(err, TG_E_IO, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0) {
		tg_error_set(err, TG_E_IO, "%s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		tg_error_set(err, TG_E_IO, "%s: %s", path, S_ISDIR(st.st_mode) ? "is a directory, not a safetensors "
		    "file" : "not a regular file");
		close(fd);
		return NULL;
	}
	if ((uint64_t)st.st_size > SIZE_MAX) {
		tg_error_set(err, TG_E_IO, "%s: file too large to map", path);
		close(fd);
		return NULL;
	}
	if (st.st_size >= 8) {
		map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (map == MAP_FAILED) {
			tg_error_set(err, TG_E_IO, "%s: cannot map %lld bytes: %s", path, (long long)st.st_size,
			    strerror(errno));
			close(fd);
			return NULL;
		}
	}
	close(fd);
	f = tg_xcalloc(1, sizeof *f);
	f->path = tg_xstrdup(path);
	f->base = map ? map : (const uint8_t *)"";
	f->len = (size_t)st.st_size;          /* under 8 bytes: st_parse reports it without reading any */
	f->mapped = map != NULL;
	if (st_parse(f, err) != TG_OK) {
		tg_st_close(f);
		return NULL;
	}
	return f;
}

/* --- lookups ------------------------------------------------------------------------------------------------- */

const char *
tg_st_path(const tg_st_file *f)
{
	return f->path;
}

int
tg_st_count(const tg_st_file *f)
{
	return f ? f->n : 0;
}

const tg_st_tensor *
tg_st_at(const tg_st_file *f, int i)
{
	return f && i >= 0 && i < f->n ? &f->t[i] : NULL;
}

/* Binary search of n names sorted by strcmp, the i-th being name_at(v, i): the index of name, or -1. */
static int
st_sorted_find(const void *v, int n, const char *(*name_at)(const void *v, int i), const char *name)
{
	int lo = 0, hi = n - 1, mid, c;

	while (lo <= hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(name, name_at(v, mid));
		if (c == 0)
			return mid;
		if (c < 0)
			hi = mid - 1;
		else
			lo = mid + 1;
	}
	return -1;
}

static const char *
st_tensor_name_at(const void *v, int i)
{
	const tg_st_file *f = v;

	return f->t[f->by_name[i]].name;
}

const tg_st_tensor *
tg_st_find(const tg_st_file *f, const char *name)
{
	int i;

	if (f == NULL || name == NULL || (i = st_sorted_find(f, f->n, st_tensor_name_at, name)) < 0)
		return NULL;
	return &f->t[f->by_name[i]];
}

const void *
tg_st_data(const tg_st_file *f, const tg_st_tensor *t)
{
	return f->data + t->begin;
}

int
tg_st_metadata_count(const tg_st_file *f)
{
	return f ? f->nmeta : 0;
}

const char *
tg_st_metadata_at(const tg_st_file *f, int i, const char **value)
{
	if (f == NULL || i < 0 || i >= f->nmeta)
		return NULL;
	if (value)
		*value = f->meta_val[i];
	return f->meta_key[i];
}

static const char *
st_meta_key_at(const void *v, int i)
{
	return ((const tg_st_file *)v)->meta_key[i];
}

const char *
tg_st_metadata(const tg_st_file *f, const char *key)
{
	int i;

	if (f == NULL || key == NULL || (i = st_sorted_find(f, f->nmeta, st_meta_key_at, key)) < 0)
		return NULL;
	return f->meta_val[i];
}

/* --- conversion ---------------------------------------------------------------------------------------------- */

int
tg_st_read_f32(const tg_st_file *f, const tg_st_tensor *t, float *dst, int64_t numel, tg_error *err)
{
	const uint8_t *p;
	int64_t i, n;

	if (f == NULL || t == NULL)
		return tg_error_set(err, TG_E_ARG, "safetensors: read_f32 needs a file and a tensor");
	if (t < f->t || t >= f->t + f->n)
		return tg_error_set(err, TG_E_ARG, "%s: tensor '%s' belongs to another file", f->path, t->name);
	if (numel != t->numel)
		return tg_error_set(err, TG_E_SHAPE, "%s: tensor '%s' has %lld elements, the destination %lld",
		    f->path, t->name, (long long)t->numel, (long long)numel);
	if (numel > 0 && dst == NULL)
		return tg_error_set(err, TG_E_ARG, "%s: tensor '%s': no destination buffer", f->path, t->name);
	p = f->data + t->begin;
	n = t->numel;
	switch (t->dtype) {
	case TG_ST_F32:
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		if (n > 0)
			memcpy(dst, p, (size_t)n * 4);
#else
		for (i = 0; i < n; i++)
			dst[i] = f32_bits(ld32(p + 4 * i));
#endif
		break;
	case TG_ST_F16:
		for (i = 0; i < n; i++)
			dst[i] = f16_to_f32(ld16(p + 2 * i));
		break;
	case TG_ST_BF16:
		for (i = 0; i < n; i++)
			dst[i] = f32_bits((uint32_t)ld16(p + 2 * i) << 16);
		break;
	case TG_ST_F64:
		for (i = 0; i < n; i++) {
			uint64_t u = ld64(p + 8 * i);
			double d;

			memcpy(&d, &u, sizeof d);
			dst[i] = (float)d;
		}
		break;
	case TG_ST_F8_E4M3:
		for (i = 0; i < n; i++)
			dst[i] = f8e4m3_to_f32(p[i]);
		break;
	case TG_ST_F8_E5M2:
		for (i = 0; i < n; i++)
			dst[i] = f16_to_f32((uint16_t)(p[i] << 8));
		break;
	case TG_ST_F8_E8M0:
		for (i = 0; i < n; i++)
			dst[i] = f8e8m0_to_f32(p[i]);
		break;
	case TG_ST_I64:
		for (i = 0; i < n; i++)
			dst[i] = (float)(int64_t)ld64(p + 8 * i);
		break;
	case TG_ST_I32:
		for (i = 0; i < n; i++)
			dst[i] = (float)(int32_t)ld32(p + 4 * i);
		break;
	case TG_ST_I16:
		for (i = 0; i < n; i++)
			dst[i] = (float)(int16_t)ld16(p + 2 * i);
		break;
	case TG_ST_I8:
		for (i = 0; i < n; i++)
			dst[i] = (float)(int8_t)p[i];
		break;
	case TG_ST_U64:
		for (i = 0; i < n; i++)
			dst[i] = (float)ld64(p + 8 * i);
		break;
	case TG_ST_U32:
		for (i = 0; i < n; i++)
			dst[i] = (float)ld32(p + 4 * i);
		break;
	case TG_ST_U16:
		for (i = 0; i < n; i++)
			dst[i] = (float)ld16(p + 2 * i);
		break;
	case TG_ST_U8:
		for (i = 0; i < n; i++)
			dst[i] = (float)p[i];
		break;
	case TG_ST_BOOL:
		for (i = 0; i < n; i++)
			dst[i] = p[i] ? 1.0f : 0.0f;
		break;
	default:
		return tg_error_set(err, TG_E_FORMAT, "%s: tensor '%s': converting %s to F32 is not supported", f->path,
		    t->name, tg_st_dtype_name(t->dtype));
	}
	return TG_OK;
}

/* --- sets of files ------------------------------------------------------------------------------------------- */

struct st_entry {
	const tg_st_tensor *t;
	int                 file;
};

struct tg_st_set {
	int              nfiles;
	tg_st_file     **files;
	int              n;
	struct st_entry *e;        /* sorted by name */
};

static int
st_cmp_entries(const void *a, const void *b)
{
	return strcmp(((const struct st_entry *)a)->t->name, ((const struct st_entry *)b)->t->name);
}

void
tg_st_set_close(tg_st_set *s)
{
	int i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nfiles; i++)
		tg_st_close(s->files[i]);
	free(s->files);
	free(s->e);
	free(s);
}

static tg_st_set *
st_set_single(const char *path, tg_error *err)
{
	tg_st_file *f = tg_st_open(path, err);
	tg_st_set *s;
	int i;

	if (f == NULL)
		return NULL;
	s = tg_xcalloc(1, sizeof *s);
	s->nfiles = 1;
	s->files = tg_xcalloc(1, sizeof *s->files);
	s->files[0] = f;
	s->n = f->n;
	s->e = tg_xcalloc((size_t)f->n + 1, sizeof *s->e);
	for (i = 0; i < f->n; i++)
		s->e[i] = (struct st_entry){ &f->t[f->by_name[i]], 0 };
	return s;
}

/* Read a small text file whole (the index), NUL-terminated. */
static char *
st_slurp(const char *path, size_t *len, tg_error *err)
{
	FILE *fp = tg_fopen_regular(path, err);
	char *buf = NULL;
	size_t cap = 0, n = 0, r;

	if (fp == NULL)
		return NULL;
	do {
		if (n + 65536 + 1 > cap)
			buf = tg_xrealloc(buf, cap = 2 * cap + 65536 + 1);
		r = fread(buf + n, 1, cap - n - 1, fp);
		n += r;
	} while (r > 0 && n <= TG_ST_MAX_HEADER);
	if (ferror(fp) || n > TG_ST_MAX_HEADER) {
		tg_error_set(err, TG_E_IO, "%s: %s", path, n > TG_ST_MAX_HEADER ? "index larger than 100 MB" :
		    "read error");
		fclose(fp);
		free(buf);
		return NULL;
	}
	fclose(fp);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static tg_st_set *
st_set_index(const char *dir, const char *ipath, tg_error *err)
{
	json_error_t je;
	json_t *root = NULL, *wm, *v;
	const char *key;
	tg_st_set *s = tg_xcalloc(1, sizeof *s);
	const char **shards = NULL;          /* the name of each file in s->files; valid while root lives */
	char *text, *fpath = NULL;
	size_t len;
	int k;

	if ((text = st_slurp(ipath, &len, err)) == NULL)
		goto fail;
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	free(text);
	if (root == NULL) {
		tg_error_set(err, TG_E_FORMAT, "%s:%d: %s%s", ipath, je.line,
		    json_error_code(&je) == json_error_duplicate_key ? "a tensor is listed twice: " : "not valid JSON: ",
		    je.text);
		goto fail;
	}
	wm = json_object_get(root, "weight_map");
	if (!json_is_object(wm)) {
		tg_error_set(err, TG_E_FORMAT, "%s: no \"weight_map\" object", ipath);
		goto fail;
	}
	/* Open each shard once, refusing names that leave the folder. */
	s->files = tg_xcalloc(json_object_size(wm) + 1, sizeof *s->files);
	shards = tg_xcalloc(json_object_size(wm) + 1, sizeof *shards);
	s->e = tg_xcalloc(json_object_size(wm) + 1, sizeof *s->e);
	json_object_foreach(wm, key, v) {
		const char *shard = json_string_value(v);

		if (shard == NULL) {
			tg_error_set(err, TG_E_FORMAT, "%s: weight_map entry '%s' is %s, not a file name", ipath, key,
			    st_json_kind(v));
			goto fail;
		}
		if (shard[0] == '\0' || strchr(shard, '/') != NULL || strcmp(shard, ".") == 0 ||
		    strcmp(shard, "..") == 0) {
			tg_error_set(err, TG_E_FORMAT, "%s: weight_map entry '%s' names '%s', not a file in the model "
			    "folder", ipath, key, shard);
			goto fail;
		}
		for (k = 0; k < s->nfiles; k++)
			if (strcmp(shard, shards[k]) == 0)
				break;
		if (k == s->nfiles) {
			tg_xasprintf(&fpath, "%s/%s", dir, shard);
			if ((s->files[k] = tg_st_open(fpath, err)) == NULL) {
				tg_error_hint(err, "%s lists this shard; is the download complete?", ipath);
				goto fail;
			}
			shards[s->nfiles++] = shard;
			free(fpath);
			fpath = NULL;
		}
		s->e[s->n].t = tg_st_find(s->files[k], key);
		s->e[s->n].file = k;
		if (s->e[s->n].t == NULL) {
			tg_error_set(err, TG_E_FORMAT, "%s: weight_map puts '%s' in %s, which has no such tensor", ipath,
			    key, shard);
			goto fail;
		}
		s->n++;
	}
	json_decref(root);
	free(shards);
	qsort(s->e, (size_t)s->n, sizeof *s->e, st_cmp_entries);
	return s;

fail:
	free(shards);
	free(fpath);
	json_decref(root);
	tg_st_set_close(s);
	return NULL;
}

tg_st_set *
tg_st_set_open(const char *model_dir, tg_error *err)
{
	struct stat st;
	char *p = NULL;
	tg_st_set *s = NULL;

	if (model_dir == NULL) {
		tg_error_set(err, TG_E_ARG, "safetensors: no model folder given");
		return NULL;
	}
	if (stat(model_dir, &st) != 0) {
		tg_error_set(err, TG_E_IO, "%s: %s", model_dir, strerror(errno));
		return NULL;
	}
	if (!S_ISDIR(st.st_mode))
		return st_set_single(model_dir, err);
	/* transformers' order: the single file first, then the index. */
	tg_xasprintf(&p, "%s/model.safetensors", model_dir);
	if (access(p, F_OK) == 0) {
		s = st_set_single(p, err);
		free(p);
		return s;
	}
	free(p);
	tg_xasprintf(&p, "%s/model.safetensors.index.json", model_dir);
	if (access(p, F_OK) == 0) {
		s = st_set_index(model_dir, p, err);
		free(p);
		return s;
	}
	free(p);
	tg_error_set(err, TG_E_IO, "%s: no model.safetensors or model.safetensors.index.json in this folder",
	    model_dir);
	tg_error_hint(err, "download the checkpoint's safetensors weights (pytorch_model.bin is not read)");
	return NULL;
}

int
tg_st_set_count(const tg_st_set *s)
{
	return s ? s->n : 0;
}

const tg_st_tensor *
tg_st_set_at(const tg_st_set *s, int i, const tg_st_file **file)
{
	if (s == NULL || i < 0 || i >= s->n)
		return NULL;
	if (file)
		*file = s->files[s->e[i].file];
	return s->e[i].t;
}

static const char *
st_entry_name_at(const void *v, int i)
{
	return ((const tg_st_set *)v)->e[i].t->name;
}

const tg_st_tensor *
tg_st_set_find(const tg_st_set *s, const char *name, const tg_st_file **file)
{
	if (s == NULL || name == NULL)
		return NULL;
	return tg_st_set_at(s, st_sorted_find(s, s->n, st_entry_name_at, name), file);
}

int
tg_st_set_file_count(const tg_st_set *s)
{
	return s ? s->nfiles : 0;
}

const tg_st_file *
tg_st_set_file(const tg_st_set *s, int i)
{
	return s && i >= 0 && i < s->nfiles ? s->files[i] : NULL;
}

/* --- writer -------------------------------------------------------------------------------------------------- */

struct st_wtensor {
	char        *name;
	int          ndim;
	int64_t      shape[TG_ST_MAX_DIMS];
	uint64_t     nbytes;
	const float *data;
};

struct tg_st_writer {
	int                n, cap;
	struct st_wtensor *t;
	int                nmeta;
	char             **mkey, **mval;
	char               bad[320];         /* the first misuse, reported by tg_st_writer_write */
	bool               f16;              /* write F16 (round to nearest even) instead of F32 */
};

void
tg_st_writer_f16(tg_st_writer *w, bool on)
{
	w->f16 = on;
}

/* float32 -> IEEE binary16, round to nearest even; overflow -> infinity, NaN stays NaN. */
uint16_t
tg_f32_to_f16(float f)
{
	uint32_t x, sign, mant;
	int32_t exp;
	uint16_t h;

	memcpy(&x, &f, 4);
	sign = (x >> 16) & 0x8000u;
	exp = (int32_t)((x >> 23) & 0xff);
	mant = x & 0x7fffffu;
	if (exp == 0xff)
		return (uint16_t)(sign | 0x7c00u | (mant ? 0x200u | (mant >> 13) : 0));
	exp = exp - 127 + 15;
	if (exp >= 0x1f)
		return (uint16_t)(sign | 0x7c00u);
	if (exp <= 0) {                 /* subnormal or zero */
		uint32_t m, shift, half, rest;
		if (exp < -10)
			return (uint16_t)sign;
		m = mant | 0x800000u;
		shift = (uint32_t)(14 - exp);
		h = (uint16_t)(m >> shift);
		half = 1u << (shift - 1);
		rest = m & ((1u << shift) - 1);
		if (rest > half || (rest == half && (h & 1)))
			h++;
		return (uint16_t)(sign | h);
	}
	h = (uint16_t)(sign | ((uint32_t)exp << 10) | (mant >> 13));
	if ((mant & 0x1fffu) > 0x1000u || ((mant & 0x1fffu) == 0x1000u && (h & 1)))
		h++;                    /* a carry into the exponent is the right rounding, up to infinity */
	return h;
}

typedef struct { char *s; size_t len, cap; } st_buf;

static void
sb_add(st_buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = 2 * (b->len + n + 1) + 256;
		b->s = tg_xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void
sb_puts(st_buf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

/* A JSON string as serde_json writes it: ", \ and control characters escaped, the rest raw UTF-8. */
static void
sb_json_str(st_buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	char esc[7];

	sb_add(b, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '"':  sb_add(b, "\\\"", 2); break;
		case '\\': sb_add(b, "\\\\", 2); break;
		case '\b': sb_add(b, "\\b", 2); break;
		case '\f': sb_add(b, "\\f", 2); break;
		case '\n': sb_add(b, "\\n", 2); break;
		case '\r': sb_add(b, "\\r", 2); break;
		case '\t': sb_add(b, "\\t", 2); break;
		default:
			if (c < 0x20) {
				memcpy(esc, "\\u00", 4);
				esc[4] = hex[c >> 4];
				esc[5] = hex[c & 15];
				sb_add(b, esc, 6);
			} else
				sb_add(b, (const char *)&c, 1);
		}
	}
	sb_add(b, "\"", 1);
}

/* Strict UTF-8 (no overlongs, surrogates or code points past U+10FFFF), as JSON parsers demand. */
static int
st_utf8_ok(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	uint32_t cp;
	int n, i;

	while (*s) {
		if (*s < 0x80) {
			s++;
			continue;
		}
		if ((*s & 0xe0) == 0xc0) { n = 1; cp = *s & 0x1f; }
		else if ((*s & 0xf0) == 0xe0) { n = 2; cp = *s & 0x0f; }
		else if ((*s & 0xf8) == 0xf0) { n = 3; cp = *s & 0x07; }
		else return 0;
		for (i = 1; i <= n; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i] & 0x3f);
		}
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		s += n + 1;
	}
	return 1;
}

static void
st_writer_bad(tg_st_writer *w, const char *fmt, const char *name)
{
	if (w->bad[0] == '\0')
		snprintf(w->bad, sizeof w->bad, fmt, name ? name : "(null)");
}

tg_st_writer *
tg_st_writer_new(void)
{
	tg_st_writer *w = tg_xcalloc(1, sizeof *w);

	tg_st_writer_meta(w, "format", "pt");
	return w;
}

void
tg_st_writer_free(tg_st_writer *w)
{
	int i;

	if (w == NULL)
		return;
	for (i = 0; i < w->n; i++)
		free(w->t[i].name);
	tg_strv_free(w->mkey, w->nmeta);
	tg_strv_free(w->mval, w->nmeta);
	free(w->t);
	free(w);
}

void
tg_st_writer_add(tg_st_writer *w, const char *name, int ndim, const int64_t *shape, const float *data)
{
	struct st_wtensor *t;
	uint64_t numel = 1;
	int i;

	if (name == NULL || !st_utf8_ok(name)) {
		st_writer_bad(w, "tensor name '%.200s' is not valid UTF-8", name);
		return;
	}
	if (ndim < 0 || ndim > TG_ST_MAX_DIMS || (ndim > 0 && shape == NULL)) {
		st_writer_bad(w, "tensor '%.200s': rank must be 0 to 8 with a shape", name);
		return;
	}
	for (i = 0; i < ndim; i++)
		if (shape[i] < 0 || __builtin_mul_overflow(numel, (uint64_t)shape[i], &numel) ||
		    numel > (uint64_t)INT64_MAX / 4) {
			st_writer_bad(w, "tensor '%.200s': a dimension is negative or the size overflows", name);
			return;
		}
	if (numel > 0 && data == NULL) {
		st_writer_bad(w, "tensor '%.200s': no data", name);
		return;
	}
	if (w->n == w->cap) {
		w->cap = w->cap ? 2 * w->cap : 16;
		w->t = tg_xrealloc(w->t, (size_t)w->cap * sizeof *w->t);
	}
	t = &w->t[w->n++];
	memset(t, 0, sizeof *t);
	t->name = tg_xstrdup(name);
	t->ndim = ndim;
	if (ndim > 0)
		memcpy(t->shape, shape, (size_t)ndim * sizeof *shape);
	t->nbytes = numel * 4;
	t->data = data;
}

void
tg_st_writer_meta(tg_st_writer *w, const char *key, const char *value)
{
	int i;

	if (key == NULL || value == NULL || !st_utf8_ok(key) || !st_utf8_ok(value)) {
		st_writer_bad(w, "metadata key '%.200s' or its value is missing or not valid UTF-8", key);
		return;
	}
	for (i = 0; i < w->nmeta; i++)
		if (strcmp(w->mkey[i], key) == 0) {
			free(w->mval[i]);
			w->mval[i] = tg_xstrdup(value);
			return;
		}
	w->mkey = tg_xrealloc(w->mkey, (size_t)(w->nmeta + 1) * sizeof *w->mkey);
	w->mval = tg_xrealloc(w->mval, (size_t)(w->nmeta + 1) * sizeof *w->mval);
	w->mkey[w->nmeta] = tg_xstrdup(key);
	w->mval[w->nmeta] = tg_xstrdup(value);
	w->nmeta++;
}

static int
st_cmp_wtensor(const void *a, const void *b)
{
	return strcmp(((const struct st_wtensor *)a)->name, ((const struct st_wtensor *)b)->name);
}

static int
st_write_all(int fd, const void *buf, uint64_t n)
{
	const char *p = buf;
	ssize_t r;

	while (n > 0) {
		r = write(fd, p, n > (1u << 30) ? (1u << 30) : (size_t)n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = EIO;
			return -1;
		}
		p += r;
		n -= (uint64_t)r;
	}
	return 0;
}

/* Build the header in the Python library's layout: __metadata__ first, then tensors in data order. */
static void
st_header(tg_st_writer *w, st_buf *h)
{
	char num[64];
	uint64_t off = 0;
	char **keys;
	int i, j, k;

	sb_puts(h, "{");
	if (w->nmeta > 0) {
		keys = tg_xcalloc((size_t)w->nmeta, sizeof *keys);
		memcpy(keys, w->mkey, (size_t)w->nmeta * sizeof *keys);
		qsort(keys, (size_t)w->nmeta, sizeof *keys, st_cmp_strp);
		sb_puts(h, "\"__metadata__\":{");
		for (i = 0; i < w->nmeta; i++) {
			for (k = 0; strcmp(w->mkey[k], keys[i]) != 0; k++)
				;
			if (i)
				sb_puts(h, ",");
			sb_json_str(h, keys[i]);
			sb_puts(h, ":");
			sb_json_str(h, w->mval[k]);
		}
		sb_puts(h, "}");
		free(keys);
	}
	for (i = 0; i < w->n; i++) {
		const struct st_wtensor *t = &w->t[i];

		if (i || w->nmeta > 0)
			sb_puts(h, ",");
		sb_json_str(h, t->name);
		sb_puts(h, w->f16 ? ":{\"dtype\":\"F16\",\"shape\":[" : ":{\"dtype\":\"F32\",\"shape\":[");
		for (j = 0; j < t->ndim; j++) {
			snprintf(num, sizeof num, "%s%lld", j ? "," : "", (long long)t->shape[j]);
			sb_puts(h, num);
		}
		snprintf(num, sizeof num, "],\"data_offsets\":[%llu,%llu]}", (unsigned long long)off,
		    (unsigned long long)(off + (w->f16 ? t->nbytes / 2 : t->nbytes)));
		sb_puts(h, num);
		off += w->f16 ? t->nbytes / 2 : t->nbytes;
	}
	sb_puts(h, "}");
	while (h->len % 8 != 0)
		sb_puts(h, " ");
}

static void
st_fsync_dir(const char *path)
{
	char *dir = tg_xstrdup(path), *slash = strrchr(dir, '/');
	int fd;

	if (slash == dir)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		strcpy(dir, ".");
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		fsync(fd);
		close(fd);
	}
	free(dir);
}

int
tg_st_writer_write(tg_st_writer *w, const char *path, tg_error *err)
{
	st_buf h = { 0 };
	uint8_t len8[8];
	char *tmp = NULL;
	uint64_t total = 0;
	int fd = -1, i, saved;

	if (w == NULL || path == NULL)
		return tg_error_set(err, TG_E_ARG, "safetensors: write needs a writer and a path");
	if (w->bad[0])
		return tg_error_set(err, TG_E_ARG, "%s: %s", path, w->bad);
	if (w->n > 1)
		qsort(w->t, (size_t)w->n, sizeof *w->t, st_cmp_wtensor);
	for (i = 0; i < w->n; i++) {
		if (i > 0 && strcmp(w->t[i - 1].name, w->t[i].name) == 0)
			return tg_error_set(err, TG_E_ARG, "%s: tensor '%s' is added twice", path, w->t[i].name);
		if (strcmp(w->t[i].name, "__metadata__") == 0)
			return tg_error_set(err, TG_E_ARG, "%s: '__metadata__' is reserved, not a tensor name", path);
		if (__builtin_add_overflow(total, w->t[i].nbytes, &total))
			return tg_error_set(err, TG_E_ARG, "%s: tensors exceed 64 bits of bytes", path);
	}
	st_header(w, &h);
	for (i = 0; i < 8; i++)
		len8[i] = (uint8_t)((uint64_t)h.len >> (8 * i));

	tg_xasprintf(&tmp, "%s.tmp", path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666)) < 0)
		goto fail;
	if (st_write_all(fd, len8, 8) != 0 || st_write_all(fd, h.s, h.len) != 0)
		goto fail;
	for (i = 0; i < w->n; i++) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		if (w->f16) {
			uint16_t chunk[4096];
			uint64_t k, n = w->t[i].nbytes / 4;
			for (k = 0; k < n; k += 4096) {
				uint64_t m = n - k < 4096 ? n - k : 4096, j;
				for (j = 0; j < m; j++)
					chunk[j] = tg_f32_to_f16(w->t[i].data[k + j]);
				if (st_write_all(fd, chunk, m * 2) != 0)
					goto fail;
			}
			continue;
		}
		if (st_write_all(fd, w->t[i].data, w->t[i].nbytes) != 0)
			goto fail;
#else
#error "tg_st_writer_write: big-endian hosts need a byte swap here"
#endif
	}
	if (fsync(fd) != 0)
		goto fail;
	i = close(fd);
	fd = -1;
	if (i != 0 || rename(tmp, path) != 0)
		goto fail;
	st_fsync_dir(path);
	free(tmp);
	free(h.s);
	return TG_OK;

fail:
	saved = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	tg_error_set(err, TG_E_IO, "%s: cannot write: %s", path, strerror(saved));
	if (saved == ENOSPC)
		tg_error_hint(err, "the disk is full; the previous file, if any, is untouched");
	free(tmp);
	free(h.s);
	return TG_ERR;
}
