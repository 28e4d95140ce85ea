/* safetensors: empty and NULL cases, malformed headers, exact F16/BF16/F8 conversion, writer round trip and layout,
 * 0- and 1-element tensors, sharded folders, and a mutation fuzz of the header. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../tap.h"
#include "model/safetensors.h"
#include "../testutil.h"

static char tmpdir[256];

static uint32_t
bits_of(float f)
{
	uint32_t u;

	memcpy(&u, &f, 4);
	return u;
}

/* A file in memory: 8-byte length of hdr, hdr, then dlen bytes of data (a pattern when data is NULL).
 * The buffer is malloc'ed at its exact size so that valgrind sees any read past it. */
static uint8_t *
mk(const char *hdr, const void *data, size_t dlen, size_t *len)
{
	size_t n = strlen(hdr), i;
	uint8_t *b = malloc(8 + n + dlen + 1);

	for (i = 0; i < 8; i++)
		b[i] = (uint8_t)((uint64_t)n >> (8 * i));
	memcpy(b + 8, hdr, n);
	for (i = 0; i < dlen; i++)
		b[8 + n + i] = data ? ((const uint8_t *)data)[i] : (uint8_t)(i * 7);
	*len = 8 + n + dlen;
	return b;
}

static void
put_u64(uint8_t *b, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
}

/* Open hdr+data in memory and expect failure with want in the message. */
static void
expect_bad(const char *what, const char *hdr, size_t dlen, const char *want)
{
	tg_error err = { 0 };
	size_t len;
	uint8_t *b = mk(hdr, NULL, dlen, &len);
	tg_st_file *f = tg_st_open_mem_named(b, len, "bad.safetensors", &err);

	if (!ok(f == NULL && err.code == TG_E_FORMAT && strstr(err.msg, want) != NULL, "malformed: %s", what))
		diag("message: %s (want '%s')", err.msg, want);
	tg_st_close(f);
	free(b);
}

static void
test_empty(void)
{
	tg_error err = { 0 };
	tg_st_file *f;
	size_t len;
	uint8_t *b;

	ok(tg_st_open(NULL, &err) == NULL && err.code == TG_E_ARG, "NULL path is refused");
	ok(tg_st_open("/nonexistent/model.safetensors", &err) == NULL &&
	    strstr(err.msg, "/nonexistent/model.safetensors: No such file") != NULL, "missing file: %s", err.msg);
	ok(tg_st_open(tmpdir, &err) == NULL && strstr(err.msg, "is a directory") != NULL, "a folder: %s", err.msg);
	ok(tg_st_open_mem(NULL, 0, &err) == NULL && strstr(err.msg, "<memory>: file is 0 bytes") != NULL,
	    "NULL buffer: %s", err.msg);
	ok(tg_st_count(NULL) == 0 && tg_st_find(NULL, "x") == NULL && tg_st_metadata(NULL, "x") == NULL &&
	    tg_st_at(NULL, 0) == NULL, "NULL file queries return nothing");
	tg_st_close(NULL);
	tg_st_set_close(NULL);
	tg_st_writer_free(NULL);

	b = mk("{}", NULL, 0, &len);
	f = tg_st_open_mem(b, len, &err);
	ok(f != NULL && tg_st_count(f) == 0 && tg_st_metadata_count(f) == 0 && tg_st_find(f, "") == NULL,
	    "'{}' with no data is an empty, valid file");
	ok(tg_st_at(f, 0) == NULL && tg_st_at(f, -1) == NULL, "tg_st_at out of range is NULL");
	tg_st_close(f);
	free(b);

	b = mk("{\"__metadata__\":{\"format\":\"pt\"}}   ", NULL, 0, &len);
	f = tg_st_open_mem(b, len, &err);
	ok(f != NULL && tg_st_count(f) == 0 && f && strcmp(tg_st_metadata(f, "format"), "pt") == 0 &&
	    tg_st_metadata(f, "nope") == NULL, "metadata only, padded with spaces");
	tg_st_close(f);
	free(b);
}

static void
test_malformed(void)
{
	tg_error err = { 0 };
	uint8_t *b, small[7] = { 0 };
	size_t len;
	tg_st_file *f;

	/* Length field problems, built by hand. */
	f = tg_st_open_mem_named(small, sizeof small, "tiny.safetensors", &err);
	ok(f == NULL && strstr(err.msg, "tiny.safetensors: file is 7 bytes, shorter than the 8-byte header length"),
	    "malformed: 7-byte file: %s", err.msg);
	b = calloc(1, 1234);
	put_u64(b, 9999999);
	f = tg_st_open_mem_named(b, 1234, "model.safetensors", &err);
	ok(f == NULL && strcmp(err.msg, "model.safetensors: header length 9999999 at byte 0 exceeds the file size "
	    "(1234)") == 0 && err.hint[0], "malformed: header longer than the file: %s", err.msg);
	put_u64(b, 100000001);
	f = tg_st_open_mem_named(b, 1234, "model.safetensors", &err);
	ok(f == NULL && strstr(err.msg, "header length 100000001 at byte 0 exceeds the 100000000-byte limit"),
	    "malformed: header over 100 MB: %s", err.msg);
	put_u64(b, UINT64_MAX);
	f = tg_st_open_mem_named(b, 1234, "model.safetensors", &err);
	ok(f == NULL && strstr(err.msg, "header length 18446744073709551615 at byte 0 exceeds the"),
	    "malformed: header length 2^64-1: %s", err.msg);
	put_u64(b, 1226);
	f = tg_st_open_mem_named(b, 1234, "model.safetensors", &err);
	ok(f == NULL && strstr(err.msg, "header at byte 8 does not start with '{'"), "malformed: NUL header: %s",
	    err.msg);
	put_u64(b, 0);
	f = tg_st_open_mem_named(b, 1234, "model.safetensors", &err);
	ok(f == NULL && strstr(err.msg, "does not start with '{'"), "malformed: empty header: %s", err.msg);
	free(b);

	expect_bad("a JSON array", "[1, 2]", 0, "header at byte 8 does not start with '{'");
	expect_bad("truncated JSON", "{\"a\": {\"dtype\": ", 0, "bad.safetensors: header is not valid JSON near byte");
	expect_bad("invalid UTF-8", "{\"\xff\xfe\": 1}", 0, "header is not valid JSON");
	b = mk("{}    ", NULL, 0, &len);
	b[8 + 3] = '\0';
	f = tg_st_open_mem(b, len, &err);
	ok(f == NULL && strstr(err.msg, "header is not valid JSON near byte 11"), "malformed: NUL in padding: %s",
	    err.msg);
	free(b);
	expect_bad("trailing garbage", "{} x", 0, "not valid JSON");
	expect_bad("duplicate names",
	    "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},"
	    "\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}", 2, "header names a tensor twice");
	expect_bad("entry not an object", "{\"w\": 3}", 0, "tensor 'w': entry is an integer, not an object");
	expect_bad("missing dtype", "{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "tensor 'w': missing \"dtype\"");
	expect_bad("missing shape", "{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4, "missing \"shape\"");
	expect_bad("missing data_offsets", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4, "missing \"data_offsets\"");
	expect_bad("dtype not a string", "{\"w\":{\"dtype\":32,\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
	    "\"dtype\" is an integer, not a string");
	expect_bad("unknown dtype", "{\"w\":{\"dtype\":\"F17\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
	    "tensor 'w': unknown dtype 'F17'");
	expect_bad("lowercase dtype", "{\"w\":{\"dtype\":\"float32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
	    "unknown dtype 'float32'");
	expect_bad("shape not an array", "{\"w\":{\"dtype\":\"F32\",\"shape\":4,\"data_offsets\":[0,4]}}", 4,
	    "\"shape\" is an integer, not an array");
	expect_bad("negative shape", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,-1],\"data_offsets\":[0,4]}}", 4,
	    "tensor 'w': shape[1] is -1, not a non-negative integer");
	expect_bad("real shape", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,4]}}", 4,
	    "shape[0] is a real number, not a non-negative integer");
	expect_bad("string shape", "{\"w\":{\"dtype\":\"F32\",\"shape\":[\"2\"],\"data_offsets\":[0,4]}}", 4,
	    "shape[0] is a string");
	expect_bad("huge integer", "{\"w\":{\"dtype\":\"F32\",\"shape\":[99999999999999999999],\"data_offsets\":[0,4]}}",
	    4, "not valid JSON");
	expect_bad("shape product overflow",
	    "{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,4]}}", 4,
	    "shape (4294967296, 4294967296) has more elements than 64 bits count (overflow)");
	expect_bad("byte size overflow",
	    "{\"w\":{\"dtype\":\"F64\",\"shape\":[4611686018427387904],\"data_offsets\":[0,4]}}", 4,
	    "overflows 64 bits of bytes");
	expect_bad("9 dimensions",
	    "{\"w\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,4]}}", 4,
	    "shape has 9 dimensions, at most 8");
	expect_bad("one offset", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4]}}", 4,
	    "tensor 'w': data_offsets must be two non-negative integers");
	expect_bad("negative offset", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}", 4,
	    "data_offsets must be two non-negative integers");
	expect_bad("offsets as object", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":{\"a\":1}}}", 4,
	    "data_offsets must be two");
	expect_bad("begin after end", "{\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,4]}}", 8,
	    "data_offsets [8, 4] end before they begin");
	expect_bad("end past the buffer", "{\"w\":{\"dtype\":\"F32\",\"shape\":[100],\"data_offsets\":[0,400]}}", 16,
	    "tensor 'w': data_offsets [0, 400] reach past the end of the data buffer (16 bytes from byte 66)");
	expect_bad("offset near 2^63", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],"
	    "\"data_offsets\":[9223372036854775800,9223372036854775804]}}", 4, "reach past the end");
	expect_bad("size mismatch", "{\"w\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[0,4]}}", 4,
	    "tensor 'w': data_offsets [0, 4] hold 4 bytes, shape (3) F16 needs 6");
	expect_bad("F4 half byte", "{\"w\":{\"dtype\":\"F4\",\"shape\":[3],\"data_offsets\":[0,2]}}", 2,
	    "shape (3) F4 is not a whole number of bytes (12 bits)");
	expect_bad("overlap",
	    "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
	    "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12,
	    "tensor 'b': data_offsets [4, 12] overlap tensor 'a' [0, 8]");
	expect_bad("empty tensor inside another",
	    "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
	    "\"z\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,4]}}", 8, "tensor 'z': data_offsets [4, 4] overlap");
	expect_bad("gap",
	    "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
	    "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", 12,
	    "tensor 'b': data_offsets [8, 12] leave a gap of 4 bytes after tensor 'a'");
	expect_bad("gap at the start", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8,
	    "leave a gap of 4 bytes after the start");
	expect_bad("trailing bytes", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 9,
	    "tensors cover 4 bytes of the 9-byte data buffer; the last 5 bytes of the file (from byte 66) belong to no "
	    "tensor");
	expect_bad("data with no tensors", "{}", 3, "tensors cover 0 bytes of the 3-byte data buffer");
	expect_bad("metadata not an object", "{\"__metadata__\":[1]}", 0, "\"__metadata__\" is an array, not an object");
	expect_bad("metadata value not a string", "{\"__metadata__\":{\"epoch\":3}}", 0,
	    "\"__metadata__\" value of 'epoch' is an integer, not a string");

	/* The message from the brief, character for character. */
	b = mk("{\"encoder.layer.0.attention.self.query.weight\":{\"dtype\":\"F32\",\"shape\":[768,768],"
	    "\"data_offsets\":[0,100]}}", NULL, 100, &len);
	f = tg_st_open_mem_named(b, len, "model.safetensors", &err);
	ok(f == NULL && strcmp(err.msg, "model.safetensors: tensor 'encoder.layer.0.attention.self.query.weight': "
	    "data_offsets [0, 100] hold 100 bytes, shape (768, 768) F32 needs 2359296") == 0,
	    "size mismatch message: %s", err.msg);
	free(b);
}

/* Open a one-tensor file of the given dtype and raw bytes, convert, compare bit patterns. */
static void
check_conv(const char *dtype, int size, const void *raw, int n, const uint32_t *want, const char *what)
{
	char hdr[256];
	tg_error err = { 0 };
	tg_st_file *f;
	size_t len;
	uint8_t *b;
	float *got = calloc((size_t)n, sizeof *got);
	int i, bad = -1;

	snprintf(hdr, sizeof hdr, "{\"t\":{\"dtype\":\"%s\",\"shape\":[%d],\"data_offsets\":[0,%d]}}", dtype, n,
	    n * size);
	b = mk(hdr, raw, (size_t)(n * size), &len);
	f = tg_st_open_mem(b, len, &err);
	if (f == NULL || tg_st_read_f32(f, tg_st_find(f, "t"), got, n, &err) != TG_OK) {
		ok(0, "%s: %s", what, err.msg);
	} else {
		for (i = 0; i < n && bad < 0; i++)
			if (bits_of(got[i]) != want[i])
				bad = i;
		if (!ok(bad < 0, "%s (%d values)", what, n))
			diag("element %d: got 0x%08x (%g), want 0x%08x", bad, bits_of(got[bad]), got[bad], want[bad]);
	}
	tg_st_close(f);
	free(b);
	free(got);
}

static void
test_conversions(void)
{
	/* Known IEEE half patterns: zeros, one, max, min normal, min/max subnormal, infinities, NaN with payload. */
	static const uint16_t h[] = { 0x0000, 0x8000, 0x3c00, 0xc000, 0x7bff, 0xfbff, 0x0400, 0x0001, 0x8001, 0x03ff,
		0x7c00, 0xfc00, 0x7e00, 0x7c01, 0xfe00, 0x3555, 0x3bff, 0x0200 };
	static const uint32_t hw[] = { 0x00000000, 0x80000000, 0x3f800000, 0xc0000000, 0x477fe000, 0xc77fe000,
		0x38800000, 0x33800000, 0xb3800000, 0x387fc000, 0x7f800000, 0xff800000, 0x7fc00000, 0x7f802000,
		0xffc00000, 0x3eaaa000, 0x3f7fe000, 0x38000000 };
	/* bfloat16 is the top half of a float32, including subnormals and NaN payloads. */
	static const uint16_t bf[] = { 0x0000, 0x8000, 0x3f80, 0xc049, 0x0001, 0x807f, 0x7f7f, 0x7f80, 0xff80,
		0x7fc1, 0x7f81 };
	/* E4M3 subnormals are m * 2^-9: 0x01 -> 2^-9, 0x07 -> 7 * 2^-9. */
	static const uint8_t e4[] = { 0x00, 0x80, 0x38, 0x7e, 0xfe, 0x01, 0x07, 0x08, 0x7f, 0xff, 0x40 };
	static const uint32_t e4w[] = { 0x00000000, 0x80000000, 0x3f800000, 0x43e00000, 0xc3e00000, 0x3b000000,
		0x3c600000, 0x3c800000, 0x7fc00000, 0xffc00000, 0x40000000 };
	static const uint8_t e5[] = { 0x00, 0x3c, 0x7b, 0x01, 0x03, 0x7c, 0xfc, 0x7e, 0x80 };
	static const uint32_t e5w[] = { 0x00000000, 0x3f800000, 0x47600000, 0x37800000, 0x38400000, 0x7f800000,
		0xff800000, 0x7fc00000, 0x80000000 };
	static const uint8_t e8[] = { 127, 128, 0, 1, 254, 255 };
	static const uint32_t e8w[] = { 0x3f800000, 0x40000000, 0x00400000, 0x00800000, 0x7f000000, 0x7fc00000 };
	static const int8_t i8[] = { -128, 127, 0, -1 };
	static const uint32_t i8w[] = { 0xc3000000, 0x42fe0000, 0x00000000, 0xbf800000 };
	static const uint8_t bl[] = { 0, 1, 2 };
	static const uint32_t blw[] = { 0, 0x3f800000, 0x3f800000 };
	static const int64_t i64[] = { 16777217, -9223372036854775807LL - 1, 3 };
	static const uint32_t i64w[] = { 0x4b800000, 0xdf000000, 0x40400000 };
	static const double f64[] = { 0.1, 1e-46, 1e39, -0.0 };
	static const uint32_t f64w[] = { 0x3dcccccd, 0x00000000, 0x7f800000, 0x80000000 };
	uint8_t raw[64];
	uint32_t want[65536];
	int i;

	for (i = 0; i < (int)(sizeof h / sizeof h[0]); i++) {
		raw[2 * i] = (uint8_t)h[i];
		raw[2 * i + 1] = (uint8_t)(h[i] >> 8);
	}
	check_conv("F16", 2, raw, (int)(sizeof h / sizeof h[0]), hw, "F16 known bit patterns (subnormal, inf, NaN)");
	for (i = 0; i < (int)(sizeof bf / sizeof bf[0]); i++) {
		raw[2 * i] = (uint8_t)bf[i];
		raw[2 * i + 1] = (uint8_t)(bf[i] >> 8);
		want[i] = (uint32_t)bf[i] << 16;
	}
	check_conv("BF16", 2, raw, (int)(sizeof bf / sizeof bf[0]), want, "BF16 known bit patterns");
	check_conv("F8_E4M3", 1, e4, (int)sizeof e4, e4w, "F8_E4M3 (448, 2^-9, NaN)");
	check_conv("F8_E5M2", 1, e5, (int)sizeof e5, e5w, "F8_E5M2 (57344, 2^-16, inf)");
	check_conv("F8_E8M0", 1, e8, (int)sizeof e8, e8w, "F8_E8M0 (2^-127, NaN)");
	check_conv("I8", 1, i8, (int)sizeof i8, i8w, "I8");
	check_conv("BOOL", 1, bl, (int)sizeof bl, blw, "BOOL");
	check_conv("I64", 8, i64, 3, i64w, "I64 rounds to nearest even");
	check_conv("F64", 8, f64, 4, f64w, "F64 rounds (0.1, underflow, overflow, -0)");

#ifdef __FLT16_MAX__
	{
		/* Every half against the compiler's _Float16 (an independent conversion); NaNs: same sign and payload. */
		uint16_t *all = malloc(65536 * 2);
		char hdr[128];
		tg_error err = { 0 };
		float *got = malloc(65536 * sizeof *got);
		tg_st_file *f;
		size_t len;
		uint8_t *b;
		int bad = 0;

		for (i = 0; i < 65536; i++)
			all[i] = (uint16_t)i;
		snprintf(hdr, sizeof hdr, "{\"h\":{\"dtype\":\"F16\",\"shape\":[256,256],\"data_offsets\":[0,131072]}}");
		b = mk(hdr, all, 131072, &len);
		f = tg_st_open_mem(b, len, &err);
		ok(f && tg_st_read_f32(f, tg_st_find(f, "h"), got, 65536, &err) == TG_OK, "read all 65536 halves");
		for (i = 0; f && i < 65536; i++) {
			_Float16 x;
			float r;

			memcpy(&x, &all[i], 2);
			r = (float)x;
			if (isnan(r) ? !isnan(got[i]) || ((bits_of(r) ^ bits_of(got[i])) & 0xffbfffffu) :
			    bits_of(r) != bits_of(got[i])) {
				if (bad++ == 0)
					diag("0x%04x: got 0x%08x want 0x%08x", i, bits_of(got[i]), bits_of(r));
			}
		}
		ok(f && bad == 0, "all 65536 F16 values match the compiler's _Float16 (%d differ)", bad);
		tg_st_close(f);
		free(b);
		free(got);
		free(all);
	}
#else
	ok(1, "# SKIP no _Float16 in this compiler (t-safetensors-torch.py checks every half)");
#endif
}

static void
test_roundtrip(void)
{
	char path[512], tmp[600];
	tg_error err = { 0 };
	tg_st_writer *w = tg_st_writer_new();
	float big[6 * 5], one[1] = { -1.5f }, scalar[1] = { 3.25f }, got[30];
	int64_t sb[2] = { 6, 5 }, s1[1] = { 1 }, s0[2] = { 0, 4 };
	const tg_st_tensor *t;
	tg_st_file *f;
	const char *v;
	uint32_t u;
	int i;

	for (i = 0; i < 30; i++) {
		u = (uint32_t)tg_hash64((uint64_t)i);     /* arbitrary bit patterns: NaNs, subnormals, inf */
		memcpy(&big[i], &u, 4);
	}
	u = 0x7fa00001u;                              /* a signalling NaN must survive bit for bit */
	memcpy(&big[0], &u, 4);
	big[1] = -0.0f;
	big[2] = INFINITY;
	big[3] = 1e-45f;
	snprintf(path, sizeof path, "%s/rt.safetensors", tmpdir);
	tg_st_writer_add(w, "encoder.w", 2, sb, big);
	tg_st_writer_add(w, "bias", 1, s1, one);
	tg_st_writer_add(w, "scale", 0, NULL, scalar);
	tg_st_writer_add(w, "empty", 2, s0, NULL);
	tg_st_writer_meta(w, "note", "line\nbreak \"q\" \x01 \xc3\xa7");
	ok(tg_st_writer_write(w, path, &err) == TG_OK, "writer: write %s %s", path, err.msg);
	tg_st_writer_free(w);
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	ok(access(tmp, F_OK) != 0, "no .tmp file left behind");

	f = tg_st_open(path, &err);
	if (!ok(f != NULL, "reopen: %s", err.msg))
		return;
	ok(tg_st_count(f) == 4, "4 tensors");
	ok(strcmp(tg_st_at(f, 0)->name, "bias") == 0 && strcmp(tg_st_at(f, 1)->name, "empty") == 0 &&
	    strcmp(tg_st_at(f, 2)->name, "encoder.w") == 0 && strcmp(tg_st_at(f, 3)->name, "scale") == 0,
	    "data laid out in name order");
	t = tg_st_find(f, "encoder.w");
	ok(t && t->dtype == TG_ST_F32 && t->ndim == 2 && t->shape[0] == 6 && t->shape[1] == 5 && t->numel == 30,
	    "shape (6, 5) F32");
	ok(t && tg_st_read_f32(f, t, got, 30, &err) == TG_OK && memcmp(got, big, sizeof big) == 0,
	    "round trip is bit-exact (NaN payloads, -0, inf, subnormals)");
	t = tg_st_find(f, "bias");
	ok(t && t->numel == 1 && t->ndim == 1 && tg_st_read_f32(f, t, got, 1, &err) == TG_OK && got[0] == -1.5f,
	    "1-element tensor");
	t = tg_st_find(f, "scale");
	ok(t && t->ndim == 0 && t->numel == 1 && tg_st_read_f32(f, t, got, 1, &err) == TG_OK && got[0] == 3.25f,
	    "scalar (shape [])");
	t = tg_st_find(f, "empty");
	ok(t && t->numel == 0 && t->begin == t->end && tg_st_read_f32(f, t, NULL, 0, &err) == TG_OK,
	    "0-element tensor (0, 4)");
	ok(tg_st_read_f32(f, tg_st_find(f, "bias"), got, 2, &err) == TG_ERR &&
	    strstr(err.msg, "tensor 'bias' has 1 elements, the destination 2"), "wrong numel: %s", err.msg);
	ok(tg_st_find(f, "encoder") == NULL && tg_st_find(f, "zzz") == NULL && tg_st_find(f, "") == NULL,
	    "missing names are not found");
	v = tg_st_metadata(f, "note");
	ok(v && strcmp(v, "line\nbreak \"q\" \x01 \xc3\xa7") == 0 && strcmp(tg_st_metadata(f, "format"), "pt") == 0,
	    "metadata round trip (escapes, UTF-8, default format=pt)");
	tg_st_close(f);

	/* The header as the Python library writes it, byte for byte. */
	{
		static const char want[] = "{\"__metadata__\":{\"a\":\"1\",\"format\":\"pt\"},"
		    "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
		    "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
		float d2[2] = { 1, 2 };
		char buf[512];
		FILE *fp;
		size_t n, hl;

		w = tg_st_writer_new();
		tg_st_writer_add(w, "b", 1, (int64_t[]){ 2 }, d2);
		tg_st_writer_add(w, "a", 1, (int64_t[]){ 1 }, d2);
		tg_st_writer_meta(w, "a", "0");
		tg_st_writer_meta(w, "a", "1");
		ok(tg_st_writer_write(w, path, &err) == TG_OK, "overwrite an existing file");
		tg_st_writer_free(w);
		fp = fopen(path, "rb");
		n = fp ? fread(buf, 1, sizeof buf, fp) : 0;
		if (fp)
			fclose(fp);
		hl = (size_t)(unsigned char)buf[0] | (size_t)(unsigned char)buf[1] << 8;
		ok(n == 8 + hl + 12 && hl % 8 == 0 && hl >= strlen(want) && memcmp(buf + 8, want, strlen(want)) == 0 &&
		    strspn(buf + 8 + strlen(want), " ") == hl - strlen(want),
		    "header: __metadata__ first (keys sorted), tensors by name, compact, space-padded to 8");
	}

	/* Misuse is reported at write time and leaves nothing on disk. */
	w = tg_st_writer_new();
	tg_st_writer_add(w, "x", 1, s1, one);
	tg_st_writer_add(w, "x", 1, s1, one);
	snprintf(path, sizeof path, "%s/dup.safetensors", tmpdir);
	ok(tg_st_writer_write(w, path, &err) == TG_ERR && strstr(err.msg, "tensor 'x' is added twice") &&
	    access(path, F_OK) != 0, "duplicate names: %s", err.msg);
	tg_st_writer_free(w);
	w = tg_st_writer_new();
	tg_st_writer_add(w, "neg", 1, (int64_t[]){ -1 }, one);
	tg_st_writer_add(w, "bad\xff", 1, s1, one);
	ok(tg_st_writer_write(w, path, &err) == TG_ERR && strstr(err.msg, "tensor 'neg': a dimension is negative"),
	    "negative dimension: %s", err.msg);
	tg_st_writer_free(w);
	w = tg_st_writer_new();
	tg_st_writer_add(w, "bad\xff", 1, s1, one);
	ok(tg_st_writer_write(w, path, &err) == TG_ERR && strstr(err.msg, "is not valid UTF-8"),
	    "invalid UTF-8 name: %s", err.msg);
	tg_st_writer_free(w);
	w = tg_st_writer_new();
	tg_st_writer_add(w, "__metadata__", 1, s1, one);
	ok(tg_st_writer_write(w, path, &err) == TG_ERR && strstr(err.msg, "reserved"), "'__metadata__' as a name");
	tg_st_writer_free(w);
	w = tg_st_writer_new();
	tg_st_writer_add(w, "x", 1, s1, one);
	ok(tg_st_writer_write(w, "/nonexistent/dir/x.safetensors", &err) == TG_ERR &&
	    strstr(err.msg, "/nonexistent/dir/x.safetensors: cannot write: No such file"), "unwritable: %s", err.msg);
	tg_st_writer_free(w);

	/* A writer with no tensors and no metadata writes "{}" padded: readable. */
	w = tg_st_writer_new();
	snprintf(path, sizeof path, "%s/none.safetensors", tmpdir);
	ok(tg_st_writer_write(w, path, &err) == TG_OK && (f = tg_st_open(path, &err)) != NULL &&
	    tg_st_count(f) == 0 && strcmp(tg_st_metadata(f, "format"), "pt") == 0, "no tensors: still a valid file");
	tg_st_close(f);
	tg_st_writer_free(w);
}

static void
test_sets(void)
{
	char dir[512], path[600];
	tg_error err = { 0 };
	tg_st_writer *w;
	tg_st_set *s;
	const tg_st_file *f;
	const tg_st_tensor *t;
	float a[3] = { 1, 2, 3 }, b[2] = { 4, 5 }, c[1] = { 6 }, got[3];

	snprintf(dir, sizeof dir, "%s/sharded", tmpdir);
	mkdir(dir, 0777);
	ok((s = tg_st_set_open(dir, &err)) == NULL && strstr(err.msg, "no model.safetensors or "
	    "model.safetensors.index.json in this folder") && err.hint[0], "empty folder: %s", err.msg);
	w = tg_st_writer_new();
	tg_st_writer_add(w, "layer.0.w", 1, (int64_t[]){ 3 }, a);
	tg_st_writer_add(w, "layer.0.b", 1, (int64_t[]){ 2 }, b);
	snprintf(path, sizeof path, "%s/model-00001-of-00002.safetensors", dir);
	tg_st_writer_write(w, path, &err);
	tg_st_writer_free(w);
	w = tg_st_writer_new();
	tg_st_writer_add(w, "head.w", 1, (int64_t[]){ 1 }, c);
	snprintf(path, sizeof path, "%s/model-00002-of-00002.safetensors", dir);
	tg_st_writer_write(w, path, &err);
	tg_st_writer_free(w);

	snprintf(path, sizeof path, "%s/model.safetensors.index.json", dir);
	tu_write_text(path, "{\"metadata\": {\"total_size\": 24}, \"weight_map\": {\n"
	    "  \"layer.0.w\": \"model-00001-of-00002.safetensors\",\n"
	    "  \"head.w\": \"model-00002-of-00002.safetensors\",\n"
	    "  \"layer.0.b\": \"model-00001-of-00002.safetensors\"}}\n");
	s = tg_st_set_open(dir, &err);
	if (ok(s != NULL, "sharded index opens: %s", s ? "" : err.msg)) {
		ok(tg_st_set_count(s) == 3 && tg_st_set_file_count(s) == 2, "3 tensors in 2 files, each opened once");
		ok(strcmp(tg_st_set_at(s, 0, NULL)->name, "head.w") == 0 &&
		    strcmp(tg_st_set_at(s, 2, NULL)->name, "layer.0.w") == 0 && tg_st_set_at(s, 3, NULL) == NULL,
		    "names iterate in sorted order");
		t = tg_st_set_find(s, "head.w", &f);
		ok(t && strstr(tg_st_path(f), "model-00002-of-00002") && tg_st_read_f32(f, t, got, 1, &err) == TG_OK &&
		    got[0] == 6, "head.w comes from the second shard");
		t = tg_st_set_find(s, "layer.0.w", &f);
		ok(t && strstr(tg_st_path(f), "model-00001-of-00002") && tg_st_read_f32(f, t, got, 3, &err) == TG_OK &&
		    got[2] == 3, "layer.0.w comes from the first shard");
		t = tg_st_set_find(s, "head.w", &f);
		ok(tg_st_read_f32(tg_st_set_file(s, 0), t, got, 1, &err) == TG_ERR &&
		    strstr(err.msg, "belongs to another file"), "a tensor read through the wrong file is refused");
		ok(tg_st_set_find(s, "nope", &f) == NULL, "missing name");
		tg_st_set_close(s);
	}

	tu_write_text(path, "{\"weight_map\": {\"head.w\": \"model-00003-of-00002.safetensors\"}}");
	ok(tg_st_set_open(dir, &err) == NULL && strstr(err.msg, "model-00003-of-00002.safetensors: No such file") &&
	    strstr(err.hint, "index.json lists this shard"), "missing shard: %s", err.msg);
	tu_write_text(path, "{\"weight_map\": {\"head.x\": \"model-00002-of-00002.safetensors\"}}");
	ok(tg_st_set_open(dir, &err) == NULL && strstr(err.msg, "weight_map puts 'head.x' in "
	    "model-00002-of-00002.safetensors, which has no such tensor"), "index and shard disagree: %s", err.msg);
	tu_write_text(path, "{\"weight_map\": {\"head.w\": \"../../etc/passwd\"}}");
	ok(tg_st_set_open(dir, &err) == NULL && strstr(err.msg, "names '../../etc/passwd', not a file in the model "
	    "folder"), "path traversal refused: %s", err.msg);
	tu_write_text(path, "{\"weight_map\": {\"a\": \"x\", \"a\": \"y\"}}");
	ok(tg_st_set_open(dir, &err) == NULL && strstr(err.msg, "a tensor is listed twice"), "duplicate entry: %s",
	    err.msg);
	tu_write_text(path, "{\"weight_map\": [1]}");
	ok(tg_st_set_open(dir, &err) == NULL && strstr(err.msg, "no \"weight_map\" object"), "no weight_map: %s",
	    err.msg);
	tu_write_text(path, "{\"weight_map\": {\"head.w\": 3}}");
	ok(tg_st_set_open(dir, &err) == NULL && strstr(err.msg, "weight_map entry 'head.w' is an integer"),
	    "shard name not a string: %s", err.msg);
	tu_write_text(path, "{\"weight_map\": {");
	ok(tg_st_set_open(dir, &err) == NULL && strstr(err.msg, "index.json:1: not valid JSON"), "bad JSON: %s",
	    err.msg);

	/* A single file, by folder and by path. */
	snprintf(path, sizeof path, "%s/model-00001-of-00002.safetensors", dir);
	s = tg_st_set_open(path, &err);
	ok(s && tg_st_set_count(s) == 2 && tg_st_set_find(s, "layer.0.b", &f) && f == tg_st_set_file(s, 0),
	    "a .safetensors path opens as a one-file set");
	tg_st_set_close(s);
	snprintf(dir, sizeof dir, "%s/single", tmpdir);
	mkdir(dir, 0777);
	snprintf(path, sizeof path, "%s/model.safetensors", dir);
	w = tg_st_writer_new();
	tg_st_writer_add(w, "w", 1, (int64_t[]){ 3 }, a);
	tg_st_writer_write(w, path, &err);
	tg_st_writer_free(w);
	s = tg_st_set_open(dir, &err);
	ok(s && tg_st_set_count(s) == 1 && (t = tg_st_set_find(s, "w", &f)) && t->numel == 3,
	    "a folder with model.safetensors");
	tg_st_set_close(s);
	ok(tg_st_set_open("/nonexistent-dir", &err) == NULL && strstr(err.msg, "/nonexistent-dir: No such file"),
	    "missing folder: %s", err.msg);
}

/* Truncate a valid file at every length and flip bytes at random: never crash, never read out of bounds
 * (the buffers are exact-size mallocs, so valgrind and ASan see any overrun). */
static void
test_fuzz(void)
{
	static const char hdr[] = "{\"__metadata__\":{\"format\":\"pt\"},"
	    "\"a\":{\"dtype\":\"F16\",\"shape\":[2,2],\"data_offsets\":[0,8]},"
	    "\"b\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[8,14]},"
	    "\"c\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[14,22]},"
	    "\"d\":{\"dtype\":\"F8_E4M3\",\"shape\":[],\"data_offsets\":[22,23]}}";
	tg_error err = { 0 };
	tg_rng rng;
	tg_st_file *f;
	size_t len, cut;
	uint8_t *base = mk(hdr, NULL, 23, &len), *b;
	float out[8];
	int it, i, opened = 0, failed_silently = 0, good_only_full = 1;

	f = tg_st_open_mem(base, len, &err);
	ok(f != NULL && tg_st_count(f) == 4, "fuzz seed file is valid: %s", f ? "" : err.msg);
	tg_st_close(f);
	for (cut = 0; cut < len; cut++) {
		b = malloc(cut ? cut : 1);
		memcpy(b, base, cut);
		err.msg[0] = '\0';
		f = tg_st_open_mem(b, cut, &err);
		if (f != NULL)
			good_only_full = 0;
		if (f == NULL && err.msg[0] == '\0')
			failed_silently++;
		tg_st_close(f);
		free(b);
	}
	ok(good_only_full && failed_silently == 0, "every truncation (%zu lengths) is refused with a message", len);
	tg_rng_seed(&rng, 42);
	for (it = 0; it < 3000; it++) {
		int flips = 1 + (int)tg_rng_below(&rng, 4);

		b = malloc(len);
		memcpy(b, base, len);
		for (i = 0; i < flips; i++) {
			size_t at = tg_rng_below(&rng, len);
			static const char alphabet[] = "{}[],:\"0123456789-e. \\x";

			b[at] = tg_rng_below(&rng, 2) ? (uint8_t)tg_rng_below(&rng, 256) :
			    (uint8_t)alphabet[tg_rng_below(&rng, sizeof alphabet - 1)];
		}
		err.msg[0] = '\0';
		f = tg_st_open_mem(b, len, &err);
		if (f != NULL) {
			opened++;
			for (i = 0; i < tg_st_count(f); i++) {
				const tg_st_tensor *t = tg_st_at(f, i);

				if (t->numel <= 8)
					tg_st_read_f32(f, t, out, t->numel, &err);
			}
		} else if (err.msg[0] == '\0')
			failed_silently++;
		tg_st_close(f);
		free(b);
	}
	ok(failed_silently == 0, "3000 mutated headers: %d still valid, every other one refused with a message", opened);
	free(base);
}

static void
cleanup(const char *dir)
{
	static const char *files[] = { "rt.safetensors", "none.safetensors", "sharded/model-00001-of-00002.safetensors",
		"sharded/model-00002-of-00002.safetensors", "sharded/model.safetensors.index.json",
		"single/model.safetensors", "sharded", "single" };
	char p[600];
	size_t i;

	for (i = 0; i < sizeof files / sizeof files[0]; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, files[i]);
		if (remove(p) != 0 && errno != ENOENT)
			diag("cannot remove %s: %s", p, strerror(errno));
	}
	rmdir(dir);
}

int
main(void)
{
	tu_mkdtemp(tmpdir, sizeof tmpdir, "tamga-st");
	test_empty();
	test_malformed();
	test_conversions();
	test_roundtrip();
	test_sets();
	test_fuzz();
	cleanup(tmpdir);
	return done_testing();
}
