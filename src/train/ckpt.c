/* Fine-tuning checkpoints (tamga(5) "Checkpoints"): a safetensors file with each trainable set's parameters, AdamW
 * moments and best-step copy, the loop's bookkeeping in the metadata, and (version 2) an XXH64 checksum of the data
 * buffer. A checkpoint is untrusted input like a model file: every field is parsed whole and range-checked, and the
 * tensors are checked against each other and against the run before anything is copied into it. */
#include "config.h"
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "train/train.h"
#include "model/safetensors.h"

#define CKPT_FORMAT "tamga-checkpoint"
#define CKPT_MAX_SETS 16


/* ---- writing -------------------------------------------------------------------------------------------------------- */
typedef struct wt {
	char         name[32];
	const float *data;
	int64_t      n;
} wt;

static int
wt_cmp(const void *a, const void *b)
{
	return strcmp(((const wt *)a)->name, ((const wt *)b)->name);
}

int
tg_ckpt_write(const char *path, tg_params *const *sets, float *const *best, int n_sets, const tg_ckpt_state *cs,
    tg_error *err)
{
	tg_st_writer *w;
	wt *t;
	tg_xxh64_state h;
	char name[64], val[64];
	int i, k, nt = 0, rc;

	if (n_sets < 1 || n_sets > CKPT_MAX_SETS)
		return tg_error_set(err, TG_E_ARG, "%s: a checkpoint holds 1 to %d parameter sets, not %d", path,
		    CKPT_MAX_SETS, n_sets);
	t = tg_xcalloc((size_t)n_sets * 4, sizeof *t);
	w = tg_st_writer_new();
	for (i = 0; i < n_sets; i++) {
		const float *what[4] = { sets[i]->data, sets[i]->m, sets[i]->v, best != NULL ? best[i] : NULL };
		const char *suffix[4] = { "data", "m", "v", "best" };
		for (k = 0; k < 4; k++)
			if (what[k] != NULL) {
				snprintf(t[nt].name, sizeof t[nt].name, "set%d.%s", i, suffix[k]);
				t[nt].data = what[k];
				t[nt].n = sets[i]->total;
				tg_st_writer_add(w, t[nt].name, 1, &t[nt].n, t[nt].data);
				nt++;
			}
		snprintf(name, sizeof name, "set%d.adam_step", i);
		snprintf(val, sizeof val, "%lld", (long long)sets[i]->step);
		tg_st_writer_meta(w, name, val);
	}
	/* the writer lays tensors out by name (strcmp), with no padding: hash them in that order */
	qsort(t, (size_t)nt, sizeof *t, wt_cmp);
	tg_xxh64_init(&h);
	for (i = 0; i < nt; i++)
		tg_xxh64_update(&h, t[i].data, (size_t)t[i].n * sizeof(float));
	snprintf(val, sizeof val, "xxh64:%016llx", (unsigned long long)tg_xxh64_final(&h));
	tg_st_writer_meta(w, "checksum", val);
	tg_st_writer_meta(w, "format", CKPT_FORMAT);
	snprintf(val, sizeof val, "%d", TG_CKPT_VERSION);
	tg_st_writer_meta(w, "tamga_checkpoint_version", val);
	snprintf(val, sizeof val, "%d", n_sets);
	tg_st_writer_meta(w, "sets", val);
	snprintf(val, sizeof val, "%lld", (long long)cs->step);
	tg_st_writer_meta(w, "step", val);
	snprintf(val, sizeof val, "%lld", (long long)cs->best_step);
	tg_st_writer_meta(w, "best_step", val);
	snprintf(val, sizeof val, "%lld", (long long)cs->bad_evals);
	tg_st_writer_meta(w, "bad_evals", val);
	snprintf(val, sizeof val, "%lld", (long long)cs->skipped);
	tg_st_writer_meta(w, "skipped", val);
	snprintf(val, sizeof val, "%a", cs->best);
	tg_st_writer_meta(w, "best", val);
	snprintf(val, sizeof val, "%a", cs->lr_scale);
	tg_st_writer_meta(w, "lr_scale", val);
	if (cs->eval_pending)
		tg_st_writer_meta(w, "eval_pending", "1");
	rc = tg_st_writer_write(w, path, err);
	tg_st_writer_free(w);
	free(t);
	return rc;
}

/* ---- reading -------------------------------------------------------------------------------------------------------- */
#define HINT_DAMAGED "the checkpoint is damaged or was not written by tamga; delete %s to train the run from its start"

/* A metadata value for a message: at most 40 characters, control characters as '?'. */
static const char *
shown(const char *s, char *buf, size_t n)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i + 4 < n && i < 40; i++)
		buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	if (s[i] != '\0' && i + 4 <= n) {
		memcpy(buf + i, "...", 3);
		i += 3;
	}
	buf[i] = '\0';
	return buf;
}

static int
bad_field(const char *path, const char *key, const char *s, const char *expected, tg_error *err)
{
	char b[64];

	if (s == NULL)
		tg_error_set(err, TG_E_FORMAT, "%s: checkpoint metadata has no '%s', expected %s", path, key, expected);
	else
		tg_error_set(err, TG_E_FORMAT, "%s: checkpoint field '%s' is \"%s\", expected %s", path, key,
		    shown(s, b, sizeof b), expected);
	return tg_error_hint(err, HINT_DAMAGED, path);
}

/* A decimal integer: the whole string, an optional '-', digits, no spaces; within [lo, hi]. */
static bool
parse_i64(const char *s, int64_t lo, int64_t hi, int64_t *v)
{
	char *end;
	long long x;

	if (s == NULL || !(s[0] == '-' || (s[0] >= '0' && s[0] <= '9')))
		return false;
	errno = 0;
	x = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || x < lo || x > hi)
		return false;
	*v = x;
	return true;
}

static int
field_i64(tg_st_file *f, const char *path, const char *key, int64_t lo, int64_t hi, const char *expected,
    int64_t *v, tg_error *err)
{
	const char *s = tg_st_metadata(f, key);

	if (!parse_i64(s, lo, hi, v))
		return bad_field(path, key, s, expected, err);
	return TG_OK;
}

/* A C99 float (as printf %a writes it, or decimal): the whole string, no spaces. */
static bool
parse_double(const char *s, double *v)
{
	char *end;

	if (s == NULL || s[0] == '\0' || s[0] == ' ' || s[0] == '\t' || s[0] == '\n')
		return false;
	*v = strtod(s, &end);
	return end != s && *end == '\0';
}

static bool
all_finite(const uint8_t *p, int64_t n, bool nonneg, int64_t *at)
{
	int64_t i;
	float x;

	for (i = 0; i < n; i++) {
		memcpy(&x, p + 4 * i, 4);
		if (!isfinite(x) || (nonneg && x < 0)) {
			*at = i;
			return false;
		}
	}
	return true;
}

/* Validate everything in an open checkpoint but the sizes of the run's parameter sets: total is the run's step
 * count, want_sets its number of sets. */
static int
validate(tg_st_file *f, const char *path, int64_t total, int want_sets, tg_ckpt_state *cs, int *n_sets, tg_error *err)
{
	const char *fmt = tg_st_metadata(f, "format"), *ver = tg_st_metadata(f, "tamga_checkpoint_version"), *s;
	char b[64], name[64], exp[160];
	int64_t version, nsets, i, smax = total >= 0 ? total : INT64_MAX / 2;
	int k;

	if (fmt == NULL || strcmp(fmt, CKPT_FORMAT) != 0) {
		tg_error_set(err, TG_E_FORMAT, "%s: not a tamga checkpoint (metadata 'format' is \"%s\", expected \"%s\")",
		    path, fmt ? shown(fmt, b, sizeof b) : "none", CKPT_FORMAT);
		return tg_error_hint(err, HINT_DAMAGED, path);
	}
	if (ver == NULL) {
		tg_error_set(err, TG_E_FORMAT, "%s: checkpoint metadata has no 'tamga_checkpoint_version'", path);
		return tg_error_hint(err, HINT_DAMAGED, path);
	}
	if (!parse_i64(ver, 1, TG_CKPT_VERSION, &version)) {
		tg_error_set(err, TG_E_FORMAT, "%s: checkpoint field 'tamga_checkpoint_version' is \"%s\"; this tamga "
		    "reads versions 1 to %d", path, shown(ver, b, sizeof b), TG_CKPT_VERSION);
		if (parse_i64(ver, TG_CKPT_VERSION + 1, INT64_MAX, &version))
			return tg_error_hint(err, "a newer tamga wrote it: resume with that version, or delete %s to train "
			    "the run from its start", path);
		return tg_error_hint(err, HINT_DAMAGED, path);
	}
	cs->version = (int)version;
	cs->checksum = false;
	if ((s = tg_st_metadata(f, "checksum")) != NULL || version >= 2) {
		uint64_t want, got;
		char *end;
		if (s == NULL || strncmp(s, "xxh64:", 6) != 0 || strlen(s) != 22 || strspn(s + 6, "0123456789abcdef") != 16)
			return bad_field(path, "checksum", s, "\"xxh64:\" and 16 lowercase hexadecimal digits", err);
		want = strtoull(s + 6, &end, 16);
		got = 0;
		if (tg_st_count(f) > 0) {
			const tg_st_tensor *last = tg_st_at(f, tg_st_count(f) - 1);
			got = tg_xxh64(tg_st_data(f, tg_st_at(f, 0)), (size_t)last->end);
		} else
			got = tg_xxh64("", 0);
		if (got != want) {
			tg_error_set(err, TG_E_FORMAT, "%s: the data does not match the checkpoint's checksum (xxh64 of the data "
			    "is %016llx, the metadata says %016llx)", path, (unsigned long long)got, (unsigned long long)want);
			return tg_error_hint(err, "the file was damaged after it was written; delete %s to train the run from "
			    "its start", path);
		}
		cs->checksum = true;
	}
	if (field_i64(f, path, "sets", 1, CKPT_MAX_SETS, "an integer from 1 to 16", &nsets, err) != TG_OK)
		return TG_ERR;
	if (want_sets >= 0 && nsets != want_sets) {
		tg_error_set(err, TG_E_FORMAT, "%s: checkpoint holds %d parameter sets, this run has %d", path, (int)nsets,
		    want_sets);
		return tg_error_hint(err, "resume with the same method and task, or delete the checkpoint to start over");
	}
	if (total >= 0)
		snprintf(exp, sizeof exp, "an integer from 0 to %lld (the run's steps)", (long long)total);
	else
		snprintf(exp, sizeof exp, "a non-negative integer");
	if (field_i64(f, path, "step", 0, INT64_MAX / 2, exp, &cs->step, err) != TG_OK)
		return TG_ERR;
	if (cs->step > smax) {
		tg_error_set(err, TG_E_FORMAT, "%s: checkpoint field 'step' is \"%lld\", expected %s", path,
		    (long long)cs->step, exp);
		return tg_error_hint(err, "the checkpoint belongs to a different configuration (a longer run): resume with "
		    "the same --epochs, --steps, --batch and --max-train, or delete %s to train the run from its start", path);
	}
	snprintf(exp, sizeof exp, "-1 (no evaluation yet) or a step from 1 to %lld (the checkpoint's step)",
	    (long long)cs->step);
	if (field_i64(f, path, "best_step", -1, cs->step, exp, &cs->best_step, err) != TG_OK)
		return TG_ERR;
	if (cs->best_step == 0)
		return bad_field(path, "best_step", tg_st_metadata(f, "best_step"), exp, err);
	snprintf(exp, sizeof exp, "an integer from 0 to %lld (the checkpoint's step)", (long long)cs->step);
	if (field_i64(f, path, "bad_evals", 0, cs->step, exp, &cs->bad_evals, err) != TG_OK ||
	    field_i64(f, path, "skipped", 0, cs->step, exp, &cs->skipped, err) != TG_OK)
		return TG_ERR;
	s = tg_st_metadata(f, "best");
	if (!parse_double(s, &cs->best) || isnan(cs->best) || cs->best == INFINITY ||
	    (cs->best_step < 0) != (cs->best == -INFINITY))
		return bad_field(path, "best", s, cs->best_step < 0 ? "-inf (best_step is -1: no evaluation yet)" :
		    "a finite score (the source dev score at best_step)", err);
	s = tg_st_metadata(f, "lr_scale");
	if (!parse_double(s, &cs->lr_scale) || !(cs->lr_scale >= 0 && cs->lr_scale <= 1))
		return bad_field(path, "lr_scale", s, "a number from 0 to 1 (the learning-rate backoff factor)", err);
	s = tg_st_metadata(f, "eval_pending");
	if (s != NULL && strcmp(s, "1") != 0 && strcmp(s, "0") != 0)
		return bad_field(path, "eval_pending", s, "1 or 0 (whether the evaluation at the checkpoint's step is still "
		    "to run)", err);
	cs->eval_pending = s != NULL && strcmp(s, "1") == 0;
	snprintf(exp, sizeof exp, "%lld (the checkpoint's step %lld less its %lld skipped steps)",
	    (long long)(cs->step - cs->skipped), (long long)cs->step, (long long)cs->skipped);
	for (i = 0; i < nsets; i++) {
		const tg_st_tensor *t[4];
		const char *suffix[4] = { "data", "m", "v", "best" };
		snprintf(name, sizeof name, "set%d.adam_step", (int)i);
		if (field_i64(f, path, name, cs->step - cs->skipped, cs->step - cs->skipped, exp, &cs->adam_step[i], err) !=
		    TG_OK)
			return TG_ERR;
		for (k = 0; k < 4; k++) {
			int64_t at;
			snprintf(name, sizeof name, "set%d.%s", (int)i, suffix[k]);
			t[k] = tg_st_find(f, name);
			if (t[k] == NULL) {
				if (k == 0 || (k < 3 && cs->adam_step[i] > 0) || (k == 3 && cs->best_step > 0)) {
					tg_error_set(err, TG_E_FORMAT, "%s: checkpoint has no tensor '%s'%s", path, name,
					    k == 0 ? "" : k < 3 ? " (AdamW moments), though its optimizer took steps" :
					    " (the parameters at best_step)");
					return tg_error_hint(err, HINT_DAMAGED, path);
				}
				continue;
			}
			if (t[k]->dtype != TG_ST_F32 || t[k]->ndim != 1 || (k > 0 && t[k]->numel != t[0]->numel)) {
				char s1[96];
				tg_error_set(err, TG_E_FORMAT, "%s: checkpoint tensor '%s' is %s of shape %s, expected F32 of shape "
				    "(%lld)", path, name, tg_st_dtype_name(t[k]->dtype),
				    tg_shape_str(s1, sizeof s1, t[k]->ndim, t[k]->shape), (long long)t[0]->numel);
				return tg_error_hint(err, HINT_DAMAGED, path);
			}
			if (!all_finite(tg_st_data(f, t[k]), t[k]->numel, k == 2, &at)) {
				float x;
				memcpy(&x, (const uint8_t *)tg_st_data(f, t[k]) + 4 * at, 4);
				tg_error_set(err, TG_E_FORMAT, "%s: checkpoint tensor '%s' holds %g at index %lld%s", path, name,
				    (double)x, (long long)at, k == 2 ? " (a second moment must be finite and non-negative)" :
				    " (parameters and moments must be finite)");
				return tg_error_hint(err, HINT_DAMAGED, path);
			}
		}
		if ((t[1] == NULL) != (t[2] == NULL)) {
			tg_error_set(err, TG_E_FORMAT, "%s: checkpoint has one of 'set%d.m' and 'set%d.v' without the other",
			    path, (int)i, (int)i);
			return tg_error_hint(err, HINT_DAMAGED, path);
		}
	}
	*n_sets = (int)nsets;
	return TG_OK;
}

int
tg_ckpt_read(const char *path, tg_params **sets, float **best, int n_sets, int64_t total_steps, tg_ckpt_state *cs,
    tg_error *err)
{
	tg_st_file *f = tg_st_open(path, err);
	tg_ckpt_state st;
	char name[64];
	int i, k, n = 0, rc = TG_ERR;

	if (f == NULL)
		return TG_ERR;
	memset(&st, 0, sizeof st);
	if (validate(f, path, total_steps, n_sets, &st, &n, err) != TG_OK)
		goto out;
	/* every size first, so that a refused checkpoint leaves the run's parameters untouched */
	for (i = 0; i < n_sets; i++) {
		const tg_st_tensor *t;
		snprintf(name, sizeof name, "set%d.data", i);
		t = tg_st_find(f, name);
		if (t->numel != sets[i]->total) {
			tg_error_set(err, TG_E_FORMAT, "%s: '%s' has %lld values, this run's set has %lld", path, name,
			    (long long)t->numel, (long long)sets[i]->total);
			tg_error_hint(err, "the checkpoint belongs to a different configuration; resume with the same method "
			    "and task, or delete the checkpoint to start over");
			goto out;
		}
	}
	for (i = 0; i < n_sets; i++) {
		tg_params *p = sets[i];
		float **dst[4] = { &p->data, &p->m, &p->v, &best[i] };
		const char *suffix[4] = { "data", "m", "v", "best" };
		for (k = 0; k < 4; k++) {
			const tg_st_tensor *t;
			snprintf(name, sizeof name, "set%d.%s", i, suffix[k]);
			if ((t = tg_st_find(f, name)) == NULL || (k == 3 && st.best_step < 0))
				continue;
			if (*dst[k] == NULL && (*dst[k] = tg_aligned_alloc((size_t)p->total * sizeof(float))) == NULL) {
				tg_error_set(err, TG_E_NOMEM, "%s: out of memory for '%s' (%lld values)", path, name,
				    (long long)p->total);
				goto out;
			}
			if (tg_st_read_f32(f, t, *dst[k], p->total, err) != TG_OK)
				goto out;
		}
		p->step = st.adam_step[i];
	}
	*cs = st;
	rc = TG_OK;
out:
	tg_st_close(f);
	return rc;
}
