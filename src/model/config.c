/* Encoder configuration: read and write Hugging Face config.json for BERT, RoBERTa and XLM-R. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include "model/model.h"

const char *
tg_arch_name(tg_arch a)
{
	switch (a) {
	case TG_ARCH_BERT: return "bert";
	case TG_ARCH_ROBERTA: return "roberta";
	default: return "xlm-roberta";
	}
}

void
tg_encoder_config_default(tg_encoder_config *c, tg_arch arch)
{
	memset(c, 0, sizeof *c);
	c->arch = arch;
	snprintf(c->model_type, sizeof c->model_type, "%s", tg_arch_name(arch));
	c->vocab_size = arch == TG_ARCH_BERT ? 30522 : arch == TG_ARCH_ROBERTA ? 50265 : 250002;
	c->hidden_size = 768;
	c->num_layers = 12;
	c->num_heads = 12;
	c->intermediate_size = 3072;
	c->max_positions = arch == TG_ARCH_BERT ? 512 : 514;
	c->type_vocab_size = arch == TG_ARCH_BERT ? 2 : 1;
	c->pad_token_id = arch == TG_ARCH_BERT ? 0 : 1;
	c->layer_norm_eps = arch == TG_ARCH_BERT ? 1e-12f : 1e-5f;
	c->hidden_dropout = 0.1f;
	c->attention_dropout = 0.1f;
	c->hidden_act = TG_ACT_GELU;
}

void
tg_encoder_config_sized(tg_encoder_config *c, tg_arch arch, tg_encoder_sizes s)
{
	int64_t *dst[] = { &c->vocab_size, &c->hidden_size, &c->num_layers, &c->num_heads, &c->intermediate_size,
	                   &c->max_positions };
	const int64_t v[] = { s.vocab, s.hidden, s.layers, s.heads, s.ffn, s.max_positions };
	size_t i;

	tg_encoder_config_default(c, arch);
	for (i = 0; i < sizeof v / sizeof v[0]; i++)
		if (v[i] > 0)
			*dst[i] = v[i];
}

static int
get_int(json_t *root, const char *key, int64_t *dst, int64_t lo, int64_t hi, bool required, const char *path,
    tg_error *err)
{
	json_t *v = json_object_get(root, key);

	if (v == NULL) {
		if (required)
			return tg_error_set(err, TG_E_FORMAT, "%s: missing \"%s\"", path, key);
		return TG_OK;
	}
	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
		return tg_error_set(err, TG_E_FORMAT, "%s: \"%s\" must be an integer from %lld to %lld", path, key,
		    (long long)lo, (long long)hi);
	*dst = json_integer_value(v);
	return TG_OK;
}

static int
get_float(json_t *root, const char *key, float *dst, double lo, double hi, const char *path, tg_error *err)
{
	json_t *v = json_object_get(root, key);

	if (v == NULL)
		return TG_OK;
	if (!json_is_number(v) || json_number_value(v) < lo || json_number_value(v) > hi)
		return tg_error_set(err, TG_E_FORMAT, "%s: \"%s\" must be a number from %g to %g", path, key, lo, hi);
	*dst = (float)json_number_value(v);
	return TG_OK;
}

static const char *const act_names[] = { "gelu", "relu", "tanh", "silu" };     /* by tg_act: config.json's hidden_act */

int
tg_encoder_config_load(tg_encoder_config *c, const char *path, tg_error *err)
{
	json_error_t je;
	json_t *root = tg_json_load_file(path, 0, &je), *v;
	const char *mt, *act;
	int64_t pad = 0;
	int rc = TG_ERR, k;

	if (root == NULL && je.line < 0) {   /* not opened: jansson has no position to give */
		struct stat st;
		tg_error_set(err, TG_E_IO, "%s: cannot read: %s", path, stat(path, &st) != 0 ? strerror(errno) :
		    S_ISDIR(st.st_mode) ? "a folder, not a file" : !S_ISREG(st.st_mode) ? "not a regular file (a FIFO or "
		    "device)" : je.text);
		return tg_error_hint(err, "a model folder holds config.json, model.safetensors and the tokenizer files, "
		    "as Hugging Face saves them");
	}
	if (root == NULL)
		return tg_error_set(err, TG_E_FORMAT, "%s:%d:%d: %s", path, je.line, je.column, je.text);
	if (!json_is_object(root)) {
		tg_error_set(err, TG_E_FORMAT, "%s: expected a JSON object", path);
		goto out;
	}
	v = json_object_get(root, "model_type");
	mt = json_is_string(v) ? json_string_value(v) : NULL;
	if (mt == NULL) {
		tg_error_set(err, TG_E_FORMAT, "%s: missing \"model_type\"", path);
		tg_error_hint(err, "tamga reads bert, roberta and xlm-roberta configs");
		goto out;
	}
	if (strcmp(mt, "bert") == 0)
		tg_encoder_config_default(c, TG_ARCH_BERT);
	else if (strcmp(mt, "roberta") == 0)
		tg_encoder_config_default(c, TG_ARCH_ROBERTA);
	else if (strcmp(mt, "xlm-roberta") == 0)
		tg_encoder_config_default(c, TG_ARCH_XLMR);
	else {
		tg_error_set(err, TG_E_FORMAT, "%s: unsupported model_type \"%s\"", path, mt);
		tg_error_hint(err, "tamga reads bert, roberta and xlm-roberta encoders");
		goto out;
	}
	if (get_int(root, "vocab_size", &c->vocab_size, 1, 1 << 24, true, path, err) ||
	    get_int(root, "hidden_size", &c->hidden_size, 1, 1 << 16, true, path, err) ||
	    get_int(root, "num_hidden_layers", &c->num_layers, 1, 1024, true, path, err) ||
	    get_int(root, "num_attention_heads", &c->num_heads, 1, 1024, true, path, err) ||
	    get_int(root, "intermediate_size", &c->intermediate_size, 1, 1 << 18, true, path, err) ||
	    get_int(root, "max_position_embeddings", &c->max_positions, 1, 1 << 20, false, path, err) ||
	    get_int(root, "type_vocab_size", &c->type_vocab_size, 0, 1 << 16, false, path, err) ||
	    get_float(root, "layer_norm_eps", &c->layer_norm_eps, 1e-30, 1, path, err) ||
	    get_float(root, "hidden_dropout_prob", &c->hidden_dropout, 0, 0.99, path, err) ||
	    get_float(root, "attention_probs_dropout_prob", &c->attention_dropout, 0, 0.99, path, err))
		goto out;
	pad = c->pad_token_id;
	if (get_int(root, "pad_token_id", &pad, 0, c->vocab_size - 1, false, path, err))
		goto out;
	c->pad_token_id = (int32_t)pad;
	if (c->pad_token_id >= c->vocab_size) {   /* the architecture's default padding id, with a tiny vocabulary */
		tg_error_set(err, TG_E_FORMAT, "%s: vocab_size %lld has no room for the padding id %d (the %s default)",
		    path, (long long)c->vocab_size, c->pad_token_id, c->arch == TG_ARCH_BERT ? "BERT" : "RoBERTa/XLM-R");
		tg_error_hint(err, "set \"pad_token_id\" below vocab_size, or give a larger vocab_size");
		goto out;
	}
	if (c->hidden_size % c->num_heads != 0) {
		tg_error_set(err, TG_E_FORMAT, "%s: hidden_size %lld is not divisible by num_attention_heads %lld", path,
		    (long long)c->hidden_size, (long long)c->num_heads);
		goto out;
	}
	if (c->arch != TG_ARCH_BERT && c->max_positions <= c->pad_token_id + 1) {
		tg_error_set(err, TG_E_FORMAT, "%s: max_position_embeddings %lld leaves no positions after padding_idx %d",
		    path, (long long)c->max_positions, c->pad_token_id);
		goto out;
	}
	v = json_object_get(root, "hidden_act");
	if (v != NULL && !json_is_string(v)) {   /* a number or an object was read as gelu */
		tg_error_set(err, TG_E_FORMAT, "%s: \"hidden_act\" must be a string (gelu, relu, tanh or silu), not %s",
		    path, json_is_integer(v) || json_is_real(v) ? "a number" : json_is_null(v) ? "null" :
		    json_is_boolean(v) ? "a boolean" : json_is_array(v) ? "an array" : "an object");
		goto out;
	}
	act = v != NULL ? json_string_value(v) : "gelu";
	k = strcmp(act, "swish") == 0 ? TG_ACT_SWISH : tg_name_index(act_names, 4, act);    /* swish: silu's other name */
	if (k < 0) {
		tg_error_set(err, TG_E_FORMAT, "%s: unsupported hidden_act \"%s\"", path, act);
		tg_error_hint(err, "use gelu, relu, tanh or silu");
		goto out;
	}
	c->hidden_act = (tg_act)k;
	v = json_object_get(root, "tamga_languages");
	if (json_is_string(v))
		snprintf(c->languages, sizeof c->languages, "%s", json_string_value(v));
	rc = TG_OK;
out:
	json_decref(root);
	return rc;
}

int
tg_encoder_config_save(const tg_encoder_config *c, const char *path, bool with_mlm, tg_error *err)
{
	const char *arch = c->arch == TG_ARCH_BERT ? (with_mlm ? "BertForMaskedLM" : "BertModel") :
	    c->arch == TG_ARCH_ROBERTA ? (with_mlm ? "RobertaForMaskedLM" : "RobertaModel") :
	    (with_mlm ? "XLMRobertaForMaskedLM" : "XLMRobertaModel");
	json_t *root = json_pack("{s:[s], s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:i, s:f, s:f, s:f, s:s, s:f, s:s}",
	    "architectures", arch, "model_type", c->model_type, "vocab_size", (json_int_t)c->vocab_size,
	    "hidden_size", (json_int_t)c->hidden_size, "num_hidden_layers", (json_int_t)c->num_layers,
	    "num_attention_heads", (json_int_t)c->num_heads, "intermediate_size", (json_int_t)c->intermediate_size,
	    "max_position_embeddings", (json_int_t)c->max_positions, "type_vocab_size", (json_int_t)c->type_vocab_size,
	    "pad_token_id", c->pad_token_id, "layer_norm_eps", (double)c->layer_norm_eps,
	    "hidden_dropout_prob", (double)c->hidden_dropout, "attention_probs_dropout_prob",
	    (double)c->attention_dropout, "hidden_act", act_names[c->hidden_act], "initializer_range", 0.02,
	    "position_embedding_type", "absolute");
	int rc;

	if (root == NULL)
		return tg_error_set(err, TG_E_STATE, "%s: cannot build config JSON", path);
	if (c->languages[0])
		json_object_set_new(root, "tamga_languages", json_string(c->languages));
	if (c->arch != TG_ARCH_BERT) {
		json_object_set_new(root, "bos_token_id", json_integer(0));
		json_object_set_new(root, "eos_token_id", json_integer(2));
	}
	rc = json_dump_file(root, path, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(root);
	if (rc != 0)
		return tg_error_set(err, TG_E_IO, "%s: cannot write", path);
	return TG_OK;
}
