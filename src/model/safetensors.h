/* safetensors: read (mmap, untrusted header fully validated), convert to float32, and write Hugging Face checkpoints.
 *
 * Format (https://github.com/huggingface/safetensors): 8-byte little-endian header length N, N bytes of UTF-8 JSON
 * {name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {str: str}} padded with spaces, then the
 * data buffer; offsets are relative to the buffer. Like the reference reader, tensors must tile the buffer exactly:
 * no gaps, no overlaps, no trailing bytes.
 *
 *   tg_st_open / tg_st_open_mem   one file; tg_st_find, tg_st_metadata, tg_st_read_f32
 *   tg_st_set_open                a model folder: model.safetensors or model.safetensors.index.json + shards
 *   tg_st_writer_*                F32 tensors + metadata, written atomically (path.tmp, fsync, rename)
 */
#ifndef TG_SAFETENSORS_H
#define TG_SAFETENSORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "util/util.h"

#define TG_ST_MAX_DIMS 8
#define TG_ST_MAX_HEADER 100000000ull      /* the reference implementation's limit */

typedef enum tg_st_dtype {
	TG_ST_F32, TG_ST_F16, TG_ST_BF16, TG_ST_F64,
	TG_ST_I64, TG_ST_I32, TG_ST_I16, TG_ST_I8,
	TG_ST_U64, TG_ST_U32, TG_ST_U16, TG_ST_U8, TG_ST_BOOL,
	TG_ST_F8_E4M3, TG_ST_F8_E5M2, TG_ST_F8_E8M0,
	/* Known to the format and validated, but not convertible by tg_st_read_f32. */
	TG_ST_F4, TG_ST_F6_E2M3, TG_ST_F6_E3M2, TG_ST_C64,
	TG_ST_NDTYPES
} tg_st_dtype;

typedef struct tg_st_tensor {
	const char *name;
	tg_st_dtype dtype;
	int         ndim;                       /* 0 for a scalar */
	int64_t     shape[TG_ST_MAX_DIMS];
	int64_t     numel;                      /* product of shape (1 for a scalar, 0 if any dimension is 0) */
	uint64_t    begin, end;                 /* byte range in the data buffer */
} tg_st_tensor;

typedef struct tg_st_file tg_st_file;

const char *tg_st_dtype_name(tg_st_dtype d);      /* "F32", ... */
int         tg_st_dtype_bits(tg_st_dtype d);      /* bits per element */

/* One file. The header is untrusted input: every field is checked and a failure names the file, the tensor and the
 * byte. tg_st_open_mem does not copy buf, which must outlive the handle; name is used in messages (NULL: "<memory>"). */
tg_st_file *tg_st_open(const char *path, tg_error *err);
tg_st_file *tg_st_open_mem(const void *buf, size_t len, tg_error *err);
tg_st_file *tg_st_open_mem_named(const void *buf, size_t len, const char *name, tg_error *err);
void        tg_st_close(tg_st_file *f);

const char         *tg_st_path(const tg_st_file *f);
int                 tg_st_count(const tg_st_file *f);
const tg_st_tensor *tg_st_at(const tg_st_file *f, int i);          /* in data-buffer order */
const tg_st_tensor *tg_st_find(const tg_st_file *f, const char *name);
const void         *tg_st_data(const tg_st_file *f, const tg_st_tensor *t);   /* raw little-endian bytes */
const char         *tg_st_metadata(const tg_st_file *f, const char *key);
int                 tg_st_metadata_count(const tg_st_file *f);
const char         *tg_st_metadata_at(const tg_st_file *f, int i, const char **value);   /* key; sorted by key */

/* Convert tensor t (F32/F16/BF16/F64/F8, integers, BOOL) to float32 into dst, which holds numel floats; numel must
 * equal t->numel. F16, BF16 and F8 convert exactly (subnormals, infinities, NaN payloads); F64 and 64-bit integers
 * round to nearest. */
int tg_st_read_f32(const tg_st_file *f, const tg_st_tensor *t, float *dst, int64_t numel, tg_error *err);

/* A model folder: model.safetensors, or model.safetensors.index.json {"weight_map": {name: shard}} and its shards
 * (each shard opened once; every weight_map entry checked against its shard). model_dir may also name one
 * .safetensors file. Names are iterated in sorted order. */
typedef struct tg_st_set tg_st_set;
tg_st_set          *tg_st_set_open(const char *model_dir, tg_error *err);
void                tg_st_set_close(tg_st_set *s);
int                 tg_st_set_count(const tg_st_set *s);
const tg_st_tensor *tg_st_set_at(const tg_st_set *s, int i, const tg_st_file **file);
const tg_st_tensor *tg_st_set_find(const tg_st_set *s, const char *name, const tg_st_file **file);
int                 tg_st_set_file_count(const tg_st_set *s);
const tg_st_file   *tg_st_set_file(const tg_st_set *s, int i);

/* Writer of F32 tensors. The header is laid out as the Python library writes it: "__metadata__" first, then
 * tensors sorted by name in data order, compact JSON padded with spaces to a multiple of 8 bytes. Metadata defaults
 * to {"format": "pt"}; tg_st_writer_meta replaces a key. Bad input (duplicate name, bad shape) is reported by
 * tg_st_writer_write. data must stay valid until then. */
typedef struct tg_st_writer tg_st_writer;
tg_st_writer *tg_st_writer_new(void);
void          tg_st_writer_add(tg_st_writer *w, const char *name, int ndim, const int64_t *shape, const float *data);
void          tg_st_writer_meta(tg_st_writer *w, const char *key, const char *value);
int           tg_st_writer_write(tg_st_writer *w, const char *path, tg_error *err);
void          tg_st_writer_free(tg_st_writer *w);
/* Write every tensor as F16 (round to nearest even) instead of F32. */
void          tg_st_writer_f16(tg_st_writer *w, bool on);
uint16_t      tg_f32_to_f16(float f);

#endif
