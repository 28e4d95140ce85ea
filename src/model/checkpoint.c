/* Checkpoints: load a Hugging Face model folder (config.json + safetensors) into an encoder, and save one back. */
#include "config.h"
#include <errno.h>
#include <math.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "model/model.h"
#include "model/safetensors.h"

static bool
is_head(const char *name)
{
	return strncmp(name, "cls.", 4) == 0 || strncmp(name, "lm_head.", 8) == 0;
}

/* Find a base tensor under its name with the given prefix, also accepting the old LayerNorm.gamma/beta names. */
static const tg_st_tensor *
find(tg_st_set *s, const char *prefix, const char *name, const tg_st_file **file)
{
	char buf[320];
	const tg_st_tensor *t;
	size_t n;

	snprintf(buf, sizeof buf, "%s%s", is_head(name) ? "" : prefix, name);
	if ((t = tg_st_set_find(s, buf, file)) != NULL)
		return t;
	n = strlen(buf);
	if (n > 16 && strcmp(buf + n - 16, "LayerNorm.weight") == 0) {
		strcpy(buf + n - 6, "gamma");
		return tg_st_set_find(s, buf, file);
	}
	if (n > 14 && strcmp(buf + n - 14, "LayerNorm.bias") == 0) {
		strcpy(buf + n - 4, "beta");
		return tg_st_set_find(s, buf, file);
	}
	return NULL;
}

/* The number of encoder layers the weights hold: one more than the largest N of "encoder.layer.N." names. */
static int64_t
weight_layers(tg_st_set *s)
{
	int64_t n = 0;
	int i;

	for (i = 0; i < tg_st_set_count(s); i++) {
		const char *name = tg_st_set_at(s, i, NULL)->name, *p = strstr(name, "encoder.layer.");
		char *end;
		long long l;
		if (p == NULL)
			continue;
		l = strtoll(p + 14, &end, 10);
		if (end != p + 14 && *end == '.' && l >= n)
			n = l < LLONG_MAX ? l + 1 : LLONG_MAX;    /* "encoder.layer.9223372036854775807." must not overflow */
	}
	return n;
}

/* Every tensor the config implies, present in the weights with its shape: checked from the headers alone, so a
 * config that over-states a size (hidden_size 65536 over a small model) fails here, before tg_encoder_new
 * allocates anything. */
static int
check_shapes(const tg_encoder_config *cfg, tg_st_set *set, const char *prefix, bool mlm, bool pooler,
    const char *dir, tg_error *err)
{
	tg_params *p = tg_encoder_layout(cfg, mlm, pooler, err);
	const tg_st_file *file;
	char s1[96], s2[96];
	int64_t have = -1;
	int i, d, rc = TG_OK;

	if (p == NULL)
		return TG_ERR;
	for (i = 0; i < p->n && rc == TG_OK; i++) {
		const char *name = p->names[i];
		const tg_st_tensor *t = find(set, prefix, name, &file);
		bool same = true;

		if (t == NULL) {
			if (strncmp(name, "encoder.layer.", 14) == 0 && (have = weight_layers(set)) < cfg->num_layers &&
			    have > 0 && strtoll(name + 14, NULL, 10) >= have) {
				rc = tg_error_set(err, TG_E_FORMAT, "%s/config.json has %lld layers (num_hidden_layers), but the "
				    "weights hold %lld", dir, (long long)cfg->num_layers, (long long)have);
				tg_error_hint(err, "config.json and model.safetensors must come from the same model");
				break;
			}
			rc = tg_error_set(err, TG_E_FORMAT, "%s: tensor '%s%s' is missing", dir, is_head(name) ? "" : prefix,
			    name);
			tg_error_hint(err, "is this a %s checkpoint? tamga reads BertModel, BertForMaskedLM, "
			    "(XLM)RobertaModel and (XLM)RobertaForMaskedLM", cfg->model_type);
			break;
		}
		if (t->ndim != p->ndim[i])
			same = false;
		for (d = 0; same && d < p->ndim[i]; d++)
			same = t->shape[d] == p->shape[i][d];
		if (!same) {
			rc = tg_error_set(err, TG_E_FORMAT, "%s: tensor '%s' has shape %s, config.json implies %s",
			    tg_st_path(file), t->name, tg_shape_str(s1, sizeof s1, t->ndim, t->shape),
			    tg_shape_str(s2, sizeof s2, p->ndim[i], p->shape[i]));
			tg_error_hint(err, "config.json and the weights disagree: fix config.json or use the weights it "
			    "came with");
		}
	}
	tg_params_free(p);
	return rc;
}

/* The model-type prefix of a folder's tensor names, and whether it has the masked-LM head and the pooler. */
static const char *
detect(tg_st_set *set, const tg_encoder_config *cfg, bool *mlm, bool *pooler)
{
	const tg_st_file *file;
	const char *prefix = "";

	if (tg_st_set_find(set, "bert.embeddings.word_embeddings.weight", &file) != NULL)
		prefix = "bert.";
	else if (tg_st_set_find(set, "roberta.embeddings.word_embeddings.weight", &file) != NULL)
		prefix = "roberta.";
	*mlm = tg_st_set_find(set, cfg->arch == TG_ARCH_BERT ? "cls.predictions.bias" : "lm_head.bias", &file) != NULL;
	*pooler = find(set, prefix, "pooler.dense.weight", &file) != NULL;
	return prefix;
}

int
tg_encoder_check_weights(const char *dir, const tg_encoder_config *cfg, tg_error *err)
{
	tg_st_set *set = tg_st_set_open(dir, err);
	const char *prefix;
	bool mlm, pooler;
	int rc;

	if (set == NULL)
		return TG_ERR;
	prefix = detect(set, cfg, &mlm, &pooler);
	rc = check_shapes(cfg, set, prefix, mlm, pooler, dir, err);
	tg_st_set_close(set);
	return rc;
}

/* Count the NaN and infinite values of a loaded tensor; a warning to the default observer (one per tensor, a few
 * tensors). */
static void
warn_nonfinite(const char *path, const char *name, const float *x, int64_t n, int *warned)
{
	int64_t i, bad = 0;

	for (i = 0; i < n; i++)
		bad += !isfinite(x[i]);
	if (bad == 0)
		return;
	if (*warned < 8)
		tg_notef(NULL, TG_SEV_WARNING, path, "tensor '%s' has %lld non-finite values (NaN or inf) of %lld", name,
		    (long long)bad, (long long)n);
	else if (*warned == 8)
		tg_notef(NULL, TG_SEV_WARNING, path, "more tensors with non-finite values");
	(*warned)++;
}

tg_encoder *
tg_encoder_load(const char *dir, tg_error *err)
{
	tg_encoder_config cfg;
	tg_encoder *e = NULL;
	tg_st_set *set;
	const tg_st_file *file;
	const char *prefix = "";
	char path[4096], s1[96], s2[96];
	bool mlm, pooler;
	int i, warned = 0;

	snprintf(path, sizeof path, "%s/config.json", dir);
	if (tg_encoder_config_load(&cfg, path, err) != TG_OK)
		return NULL;
	if ((set = tg_st_set_open(dir, err)) == NULL)
		return NULL;
	prefix = detect(set, &cfg, &mlm, &pooler);
	if (check_shapes(&cfg, set, prefix, mlm, pooler, dir, err) != TG_OK ||
	    (e = tg_encoder_new(&cfg, mlm, pooler, err)) == NULL)
		goto fail;
	for (i = 0; i < e->params->n; i++) {
		const char *name = e->params->names[i];
		tg_tensor *v = e->params->views[i];
		const tg_st_tensor *t = find(set, prefix, name, &file);
		int d;
		bool same = true;

		if (t == NULL) {
			tg_error_set(err, TG_E_FORMAT, "%s: tensor '%s%s' is missing", dir, is_head(name) ? "" : prefix, name);
			tg_error_hint(err, "is this a %s checkpoint? tamga reads BertModel, BertForMaskedLM, "
			    "(XLM)RobertaModel and (XLM)RobertaForMaskedLM", cfg.model_type);
			goto fail;
		}
		if (t->ndim != v->ndim)
			same = false;
		for (d = 0; same && d < v->ndim; d++)
			same = t->shape[d] == v->shape[d];
		if (!same) {
			tg_error_set(err, TG_E_FORMAT, "%s: tensor '%s' has shape %s, config.json implies %s",
			    tg_st_path(file), t->name, tg_shape_str(s1, sizeof s1, t->ndim, t->shape),
			    tg_shape_str(s2, sizeof s2, v->ndim, v->shape));
			goto fail;
		}
		if (tg_st_read_f32(file, t, v->data, v->numel, err) != TG_OK)
			goto fail;
		warn_nonfinite(tg_st_path(file), t->name, v->data, v->numel, &warned);
	}
	tg_st_set_close(set);
	return e;
fail:
	tg_st_set_close(set);
	tg_encoder_free(e);
	return NULL;
}

int
tg_encoder_save(const tg_encoder *e, const char *dir, tg_error *err)
{
	return tg_encoder_save_as(e, dir, false, err);
}

int
tg_encoder_save_as(const tg_encoder *e, const char *dir, bool f16, tg_error *err)
{
	tg_st_writer *w;
	const char *prefix = "";
	char path[4096], **names;
	int i, rc;

	if (tg_params_has_lowp(e->params))
		return tg_error_set(err, TG_E_STATE, "%s: this model's weights are held in BF16 (precision bf16) and are "
		    "not saved rounded", dir), tg_error_hint(err, "load the model again with precision fp32 to save it");
	if (mkdir(dir, 0777) != 0 && errno != EEXIST)
		return tg_error_set(err, TG_E_IO, "%s: cannot create directory: %s", dir, strerror(errno));
	if (e->has_mlm)
		prefix = e->cfg.arch == TG_ARCH_BERT ? "bert." : "roberta.";
	w = tg_st_writer_new();
	tg_st_writer_f16(w, f16);
	names = tg_xcalloc((size_t)e->params->n, sizeof *names);
	for (i = 0; i < e->params->n; i++) {
		tg_tensor *v = e->params->views[i];
		const char *name = e->params->names[i];
		tg_xasprintf(&names[i], "%s%s", is_head(name) ? "" : prefix, name);
		tg_st_writer_add(w, names[i], v->ndim, v->shape, v->data);
	}
	tg_st_writer_meta(w, "format", "pt");
	tg_st_writer_meta(w, "producer", "tamga " PACKAGE_VERSION);
	snprintf(path, sizeof path, "%s/model.safetensors", dir);
	rc = tg_st_writer_write(w, path, err);
	tg_st_writer_free(w);
	tg_strv_free(names, e->params->n);
	if (rc != TG_OK)
		return TG_ERR;
	snprintf(path, sizeof path, "%s/config.json", dir);
	return tg_encoder_config_save(&e->cfg, path, e->has_mlm, err);
}
