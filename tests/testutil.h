/* Helpers the C tests share, prefix tu_ (tests/data has its own fixture.h, prefix fx_): paths and files in a test
 * folder, the data root or a skip, evaluation rows to store, the training tests' tokenizer and tiny encoder, float32
 * tensors of safetensors files, their relative error and a parity reference's inputs, text in a cell grid. */
#ifndef TG_TESTUTIL_H
#define TG_TESTUTIL_H
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "chart/chart.h"
#include "model/model.h"
#include "model/safetensors.h"
#include "store/store.h"
#include "tokenize/tokenizer.h"

/* DIR/NAME, in one of eight buffers used in turn (valid until the eighth call after). */
static inline char *
tu_path(const char *dir, const char *name)
{
	static char buf[8][512];
	static int k;
	char *p = buf[k++ % 8];

	snprintf(p, 512, "%s/%s", dir, name);
	return p;
}

/* A new folder $TMPDIR/NAME-XXXXXX (/tmp without TMPDIR) in buf (n bytes), returned; the test bails out (TAP
 * "Bail out!", exit 1) when it cannot be made. */
static inline char *
tu_mkdtemp(char *buf, size_t n, const char *name)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(buf, n, "%s/%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", name);
	if (mkdtemp(buf) == NULL) {
		printf("Bail out! cannot create a temporary folder %s: %s\n", buf, strerror(errno));
		exit(1);
	}
	return buf;
}

/* Write n bytes (a text) to PATH; a file that cannot be written ends the test (exit 1). */
static inline void
tu_write(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL || fwrite(data, 1, n, f) != n || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

static inline void
tu_write_text(const char *path, const char *text)
{
	tu_write(path, text, strlen(text));
}

/* Whether a row of the cell grid holds needle. */
static inline bool
tu_cells_has(const tg_cells *g, const char *needle)
{
	char row[4096];
	int y;

	for (y = 0; y < g->h; y++)
		if (strstr(tg_cells_row_text(g, y, row, sizeof row), needle))
			return true;
	return false;
}

/* rm -rf DIR (a "# could not remove" line when that fails). */
static inline void
tu_rm_rf(const char *dir)
{
	char cmd[4200];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
}

/* An evaluation row: the score with the interval score ± half (NaN: no interval); n_items and chance unset. */
static inline tg_eval_row
tu_eval_row(int64_t step, tg_split sp, const char *lang, const char *metric, bool src, double score, double half)
{
	tg_eval_row e;

	tg_eval_row_init(&e);
	e.step = step;
	e.split = sp;
	snprintf(e.lang, sizeof e.lang, "%s", lang);
	snprintf(e.metric, sizeof e.metric, "%s", metric);
	e.is_source = src;
	e.score = score;
	if (!isnan(half)) {
		e.ci_low = score - half;
		e.ci_high = score + half;
	}
	return e;
}

/* The data root ($TAMGA_DATA); without a readable one the test is skipped here ("1..0 # SKIP", exit 0). */
static inline const char *
tu_data_root(void)
{
	const char *root = getenv("TAMGA_DATA");

	if (root == NULL || *root == '\0' || access(root, R_OK) != 0) {
		printf("1..0 # SKIP no data root (set TAMGA_DATA)\n");
		exit(0);
	}
	return root;
}

/* A SentencePiece unigram model (vocabulary `vocab`) trained in a new folder made from the mkdtemp template tmpl,
 * on the first `lines` lines of the data root's Turkish, Azerbaijani and Kazakh text, and loaded; NULL with err
 * set when it fails. */
static inline tg_tokenizer *
tu_turkic_sp(const char *root, char *tmpl, int lines, int vocab, tg_error *err)
{
	char path[1400], cmd[4096];

	if (mkdtemp(tmpl) == NULL) {
		tg_error_set(err, TG_E_IO, "%s: cannot make a temporary folder", tmpl);
		return NULL;
	}
	snprintf(path, sizeof path, "%s/sample.txt", tmpl);
	snprintf(cmd, sizeof cmd, "cat '%s'/text/tr/*.txt '%s'/text/az/*.txt '%s'/text/kk/*.txt 2>/dev/null | "
	    "head -n %d > '%s'", root, root, root, lines, path);
	if (system(cmd) != 0) {
		tg_error_set(err, TG_E_IO, "%s: could not write the sample text", path);
		return NULL;
	}
	snprintf(cmd, sizeof cmd, "%s/spm", tmpl);
	if (tg_tokenizer_train_sp(path, cmd, vocab, "unigram", "pad_id=1 bos_id=0 eos_id=2 unk_id=3 "
	    "user_defined_symbols=<mask> minloglevel=2", err) != TG_OK)
		return NULL;
	snprintf(path, sizeof path, "%s/spm.model", tmpl);
	return tg_tokenizer_load(path, err);
}

/* The training tests' encoder: XLM-R shaped, hidden 32, 2 layers, 2 heads, FFN 64, 130 positions, seed 5. */
static inline tg_encoder *
tu_tiny_model(int vocab, tg_error *err)
{
	tg_encoder_config c;
	tg_encoder *e;

	tg_encoder_config_sized(&c, TG_ARCH_XLMR, (tg_encoder_sizes){ vocab, 32, 2, 2, 64, 130 });
	e = tg_encoder_new(&c, false, false, err);
	if (e != NULL)
		tg_encoder_init_random(e, 5);
	return e;
}

/* A tensor of a safetensors file as float32 in a new buffer (*numel values), or NULL when it is missing or does not
 * convert. */
static inline float *
tu_st_f32(tg_st_file *f, const char *name, int64_t *numel)
{
	const tg_st_tensor *t = tg_st_find(f, name);
	float *buf;

	if (t == NULL)
		return NULL;
	buf = tg_xmalloc((size_t)(t->numel ? t->numel : 1) * sizeof(float));
	if (tg_st_read_f32(f, t, buf, t->numel, NULL) != TG_OK) {
		free(buf);
		return NULL;
	}
	*numel = t->numel;
	return buf;
}

/* max |a - b| / max(max |b|, floor): the floor keeps values that are zero in exact arithmetic from turning rounding
 * noise into a huge relative error. */
static inline double
tu_rel_err(const float *a, const float *b, int64_t n, double floor_)
{
	double m = 0, r = floor_;
	int64_t i;

	for (i = 0; i < n; i++) {
		double d = fabs((double)a[i] - b[i]);
		if (!(d <= m))
			m = d;
		if (fabs(b[i]) > r)
			r = fabs(b[i]);
	}
	return m / (r > 0 ? r : 1);
}

/* The inputs a parity reference stores as float32 B x T tensors (input.ids, input.mask, input.types,
 * input.labels): into the batch (ids, type_ids, mask; B, T) and the masked-LM labels. false when one is missing.
 * tu_ref_batch_free releases them. */
static inline bool
tu_ref_batch(tg_st_file *f, tg_batch *b, int32_t **labels)
{
	static const char *const names[3] = { "input.ids", "input.types", "input.labels" };
	int32_t **dst[3] = { &b->ids, &b->type_ids, labels };
	int64_t n = 0, nm = 0, i;
	int k;

	memset(b, 0, sizeof *b);
	*labels = NULL;
	if (tg_st_find(f, "input.ids") == NULL || (b->mask = tu_st_f32(f, "input.mask", &nm)) == NULL)
		return false;
	b->B = tg_st_find(f, "input.ids")->shape[0];
	b->T = tg_st_find(f, "input.ids")->shape[1];
	for (k = 0; k < 3; k++) {
		float *v = tu_st_f32(f, names[k], &n);

		if (v == NULL || n != nm) {
			free(v);
			return false;
		}
		*dst[k] = tg_xmalloc((size_t)n * sizeof(int32_t));
		for (i = 0; i < n; i++)
			(*dst[k])[i] = (int32_t)v[i];
		free(v);
	}
	return true;
}

static inline void
tu_ref_batch_free(tg_batch *b, int32_t *labels)
{
	free(b->ids);
	free(b->type_ids);
	free(b->mask);
	free(labels);
}

#endif
