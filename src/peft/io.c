/* PEFT files: LoRA in the Hugging Face PEFT layout (adapter_config.json + adapter_model.safetensors), every other
 * method in tamga's own layout (described in peft.h). */
#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <jansson.h>
#include "peft/peft-internal.h"
#include "model/safetensors.h"

#define TAMGA_FORMAT "tamga-peft"
#define TAMGA_FORMAT_VERSION 1

static const char *act_name[] = { "gelu", "relu", "tanh", "swish" };

static int
make_dir(const char *dir, tg_error *err)
{
	if (mkdir(dir, 0777) != 0 && errno != EEXIST)
		return tg_error_set(err, TG_E_IO, "%s: cannot create the folder: %s", dir, strerror(errno));
	return TG_OK;
}

static int
write_json(json_t *root, const char *dir, tg_error *err)
{
	char path[4200], tmp[4300];

	snprintf(path, sizeof path, "%s/adapter_config.json", dir);
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	if (json_dump_file(root, tmp, JSON_INDENT(2) | JSON_SORT_KEYS) != 0) {
		json_decref(root);
		return tg_error_set(err, TG_E_IO, "%s: cannot write", tmp);
	}
	json_decref(root);
	if (rename(tmp, path) != 0)
		return tg_error_set(err, TG_E_IO, "%s: cannot rename into place: %s", path, strerror(errno));
	return TG_OK;
}

static json_t *
json_number_of(double v)
{
	return v == floor(v) && fabs(v) < 1e15 ? json_integer((json_int_t)v) : json_real(v);
}

static json_t *
json_str_or_null(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

/* "encoder.layer.3.attention.self.query" */
static void
module_path(char *buf, size_t n, int l, int s)
{
	snprintf(buf, n, "encoder.layer.%d.%s", l, tg_site_hf_name(s));
}

/* ---- saving ------------------------------------------------------------------------------------------------------ */
static int
write_tensors(const tg_peft *p, const char *dir, const char *prefix, tg_error *err)
{
	tg_st_writer *w = tg_st_writer_new();
	char path[4200], spec[1024], ver[16];
	char **names = tg_xcalloc((size_t)(p->params->n ? p->params->n : 1), sizeof *names);
	int i, rc;

	for (i = 0; i < p->params->n; i++) {
		tg_tensor *v = p->params->views[i];
		tg_xasprintf(&names[i], "%s%s", prefix, p->params->names[i]);
		tg_st_writer_add(w, names[i], v->ndim, v->shape, v->data);
	}
	tg_st_writer_meta(w, "tamga_spec", tg_peft_spec_format(&p->spec, spec, sizeof spec));
	if (p->spec.method != TG_PEFT_LORA) {
		snprintf(ver, sizeof ver, "%d", TAMGA_FORMAT_VERSION);
		tg_st_writer_meta(w, "tamga_format", TAMGA_FORMAT);
		tg_st_writer_meta(w, "tamga_format_version", ver);
	}
	snprintf(path, sizeof path, "%s/adapter_model.safetensors", dir);
	rc = tg_st_writer_write(w, path, err);
	tg_st_writer_free(w);
	tg_strv_free(names, p->params->n);
	return rc;
}

/* Are the LoRA modules a product layers x targets, with target names that PEFT's suffix matching cannot confuse
 * (output.dense alone would also catch attention.output.dense)? Then target_modules is a list, else a regex. */
static bool
lora_is_product(const tg_peft_plan *pl, unsigned *targets)
{
	int l, s;

	*targets = 0;
	for (l = 0; l < pl->nl; l++)
		for (s = 0; s < TG_NSITES; s++)
			if (pl->r[l][s])
				*targets |= 1u << s;
	for (l = 0; l < pl->nl; l++) {
		bool any = false, all = true;
		for (s = 0; s < TG_NSITES; s++)
			if (*targets & (1u << s)) {
				any |= pl->r[l][s] > 0;
				all &= pl->r[l][s] > 0;
			}
		if (any && !all)
			return false;
	}
	return !((*targets & (1u << TG_SITE_FFN_OUT)) && !(*targets & (1u << TG_SITE_ATTN_OUT)));
}

static const char *peft_target_name[TG_NSITES] = {
	"query", "key", "value", "attention.output.dense", "intermediate.dense", "output.dense"
};

static int
save_lora(const tg_peft *p, const char *dir, const char *base_model, const char *task_type, tg_error *err)
{
	const tg_peft_plan *pl = p->plan;
	json_t *root = json_object(), *tm, *ltt, *rp = json_object(), *ap = json_object();
	unsigned targets;
	bool all_layers = true, any[TG_NLAYERS] = { false };
	char path[256];
	int l, s;

	for (l = 0; l < pl->nl; l++) {
		for (s = 0; s < TG_NSITES; s++)
			any[l] |= pl->r[l][s] > 0;
		all_layers &= any[l];
	}
	if (lora_is_product(pl, &targets)) {
		tm = json_array();
		for (s = 0; s < TG_NSITES; s++)
			if (targets & (1u << s))
				json_array_append_new(tm, json_string(peft_target_name[s]));
		if (all_layers)
			ltt = json_null();
		else {
			ltt = json_array();
			for (l = 0; l < pl->nl; l++)
				if (any[l])
					json_array_append_new(ltt, json_integer(l));
		}
	} else {      /* (.*\.)?encoder\.layer\.(0\.attention\.self\.query|...) for re.fullmatch */
		size_t cap = 64, used;
		char *re = tg_xmalloc(cap);
		used = (size_t)snprintf(re, cap, "(.*\\.)?encoder\\.layer\\.(");
		for (l = 0; l < pl->nl; l++)
			for (s = 0; s < TG_NSITES; s++)
				if (pl->r[l][s]) {
					char one[128], *d;
					const char *c;
					snprintf(one, sizeof one, "%d.%s", l, tg_site_hf_name(s));
					for (c = one, d = path; *c && d < path + sizeof path - 3; c++) {
						if (*c == '.')
							*d++ = '\\';
						*d++ = *c;
					}
					*d = '\0';
					while (used + strlen(path) + 4 > cap)
						re = tg_xrealloc(re, cap *= 2);
					used += (size_t)snprintf(re + used, cap - used, "%s%s", re[used - 1] == '(' ? "" : "|", path);
				}
		while (used + 2 > cap)
			re = tg_xrealloc(re, cap *= 2);
		snprintf(re + used, cap - used, ")");
		tm = json_string(re);
		free(re);
		ltt = json_null();
	}
	for (l = 0; l < pl->nl; l++)
		for (s = 0; s < TG_NSITES; s++)
			if (pl->r[l][s]) {
				module_path(path, sizeof path, l, s);
				if (pl->r[l][s] != p->spec.r)
					json_object_set_new(rp, path, json_integer(pl->r[l][s]));
				if (pl->alpha[l][s] != p->spec.alpha)
					json_object_set_new(ap, path, json_number_of(pl->alpha[l][s]));
			}
	json_object_set_new(root, "alpha_pattern", ap);
	json_object_set_new(root, "auto_mapping", json_null());
	json_object_set_new(root, "base_model_name_or_path", json_str_or_null(base_model));
	json_object_set_new(root, "bias", json_string("none"));
	json_object_set_new(root, "fan_in_fan_out", json_false());
	json_object_set_new(root, "inference_mode", json_true());
	json_object_set_new(root, "init_lora_weights",
	    p->spec.lora_init == TG_LORA_INIT_GAUSSIAN ? json_string("gaussian") : json_true());
	json_object_set_new(root, "layer_replication", json_null());
	json_object_set_new(root, "layers_pattern", json_null());
	json_object_set_new(root, "layers_to_transform", ltt);
	json_object_set_new(root, "lora_alpha", json_number_of(p->spec.alpha));
	json_object_set_new(root, "lora_dropout", json_real(p->spec.dropout));
	json_object_set_new(root, "modules_to_save", json_null());
	json_object_set_new(root, "peft_type", json_string("LORA"));
	json_object_set_new(root, "r", json_integer(p->spec.r));
	json_object_set_new(root, "rank_pattern", rp);
	json_object_set_new(root, "revision", json_null());
	json_object_set_new(root, "target_modules", tm);
	json_object_set_new(root, "task_type", json_str_or_null(task_type));
	json_object_set_new(root, "use_dora", json_false());
	json_object_set_new(root, "use_rslora", json_boolean(p->spec.rslora));
	/* the keys of a PEFT model around a transformers *For* class (task heads, masked LM): PEFT loads by exact name,
	 * and without the bert./roberta. infix it silently left every LoRA weight of such a model at its zero start */
	if (write_tensors(p, dir, p->cfg.arch == TG_ARCH_BERT ? "base_model.model.bert." : "base_model.model.roberta.",
	    err) != TG_OK) {
		json_decref(root);
		return TG_ERR;
	}
	return write_json(root, dir, err);
}

static int
save_tamga(const tg_peft *p, const char *dir, const char *base_model, const char *task_type, tg_error *err)
{
	const tg_peft_plan *pl = p->plan;
	json_t *root = json_object(), *layers = json_array(), *bn = json_object();
	char spec[1024], key[16];
	int l;

	for (l = 0; l < pl->nl; l++)
		if (pl->on[l]) {
			json_array_append_new(layers, json_integer(l));
			if (pl->m[l][0] || pl->m[l][1]) {
				snprintf(key, sizeof key, "%d", l);
				json_object_set_new(bn, key, json_integer(pl->m[l][1] ? pl->m[l][1] : pl->m[l][0]));
			}
		}
	json_object_set_new(root, "peft_type", json_string("TAMGA"));
	json_object_set_new(root, "tamga_format", json_string(TAMGA_FORMAT));
	json_object_set_new(root, "tamga_format_version", json_integer(TAMGA_FORMAT_VERSION));
	json_object_set_new(root, "method", json_string(tg_peft_method_name(p->spec.method)));
	json_object_set_new(root, "spec", json_string(tg_peft_spec_format(&p->spec, spec, sizeof spec)));
	json_object_set_new(root, "hidden_size", json_integer(p->cfg.hidden_size));
	json_object_set_new(root, "num_hidden_layers", json_integer(p->cfg.num_layers));
	json_object_set_new(root, "layers", layers);
	if (tg_peft_method_is_adapter(p->spec.method)) {
		json_object_set_new(root, "bottleneck", bn);
		json_object_set_new(root, "non_linearity", json_string(act_name[p->spec.act]));
	} else
		json_decref(bn);
	json_object_set_new(root, "base_model_name_or_path", json_str_or_null(base_model));
	json_object_set_new(root, "task_type", json_str_or_null(task_type));
	if (write_tensors(p, dir, "", err) != TG_OK) {
		json_decref(root);
		return TG_ERR;
	}
	return write_json(root, dir, err);
}

int
tg_peft_save(const tg_peft *p, const char *dir, const char *base_model, const char *task_type, tg_error *err)
{
	if (make_dir(dir, err) != TG_OK)
		return TG_ERR;
	if (p->spec.method == TG_PEFT_LORA)
		return save_lora(p, dir, base_model, task_type, err);
	return save_tamga(p, dir, base_model, task_type, err);
}

/* ---- loading ----------------------------------------------------------------------------------------------------- */
/* A file tensor under its normalised name. */
typedef struct ftensor {
	char *norm;
	const tg_st_tensor *t;
	bool used;
} ftensor;

/* Strip base_model.model. and a roberta./bert./xlm-roberta. infix; "lora_A.<adapter>.weight" -> "lora_A.weight". */
static char *
normalise_peft_key(const char *key)
{
	static const char *infix[] = { "roberta.", "bert.", "xlm_roberta.", "model." };
	char *s, *a;
	size_t i;

	if (strncmp(key, "base_model.model.", 17) == 0)
		key += 17;
	for (i = 0; i < sizeof infix / sizeof infix[0]; i++)
		if (strncmp(key, infix[i], strlen(infix[i])) == 0 && strncmp(key + strlen(infix[i]), "encoder.", 8) == 0) {
			key += strlen(infix[i]);
			break;
		}
	s = tg_xstrdup(key);
	if ((a = strstr(s, ".lora_A.")) != NULL || (a = strstr(s, ".lora_B.")) != NULL) {
		char *x = a + 8, *dot = strchr(x, '.');
		if (dot != NULL && strcmp(dot, ".weight") == 0 && dot != x && strcmp(x, "weight") != 0)
			memmove(x, dot + 1, strlen(dot + 1) + 1);
	}
	return s;
}

static ftensor *
index_file(const tg_st_file *f, bool peft_keys, int *n)
{
	ftensor *ft;
	int i;

	*n = tg_st_count(f);
	ft = tg_xcalloc((size_t)(*n ? *n : 1), sizeof *ft);
	for (i = 0; i < *n; i++) {
		ft[i].t = tg_st_at(f, i);
		ft[i].norm = peft_keys ? normalise_peft_key(ft[i].t->name) : tg_xstrdup(ft[i].t->name);
	}
	return ft;
}

static void
free_index(ftensor *ft, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(ft[i].norm);
	free(ft);
}

/* A task head tensor saved beside a LoRA (PEFT's modules_to_save for the classifier, and the pooler of the
 * *ForMultipleChoice and BERT *ForSequenceClassification heads): skipped by the LoRA loader, read by the head's
 * owner. Any other module_to_save would change the model in a way the LoRA alone does not reproduce. */
static bool
is_head_tensor(const char *norm)
{
	static const char *head[] = { "classifier.", "score.", "qa_outputs.", "pooler.", "roberta.pooler.",
	                              "bert.pooler.", "xlm_roberta.pooler." };
	size_t i;

	for (i = 0; i < sizeof head / sizeof head[0]; i++)
		if (strncmp(norm, head[i], strlen(head[i])) == 0)
			return true;
	return false;
}

/* Fill every parameter of p from the file; names missing, duplicate and unexpected tensors. */
static int
fill_params(tg_peft *p, const tg_st_file *f, ftensor *ft, int nft, const char *path, const char *why, tg_error *err)
{
	char s1[96], s2[96];
	int i, j, skipped = 0;
	const char *first_skipped = NULL;

	for (i = 0; i < p->params->n; i++) {
		tg_tensor *v = p->params->views[i];
		const char *name = p->params->names[i];
		int found = -1, d;
		bool same;
		for (j = 0; j < nft; j++)
			if (strcmp(ft[j].norm, name) == 0) {
				if (found >= 0)
					return tg_error_set(err, TG_E_FORMAT, "%s: '%s' and '%s' are the same tensor", path,
					    ft[found].t->name, ft[j].t->name);
				found = j;
			}
		if (found < 0) {
			tg_error_set(err, TG_E_FORMAT, "%s: tensor '%s' is missing", path, name);
			return tg_error_hint(err, "%s", why);
		}
		same = ft[found].t->ndim == v->ndim;
		for (d = 0; same && d < v->ndim; d++)
			same = ft[found].t->shape[d] == v->shape[d];
		if (!same) {
			tg_error_set(err, TG_E_SHAPE, "%s: '%s' has shape %s, the model needs %s", path, ft[found].t->name,
			    tg_shape_str(s1, sizeof s1, ft[found].t->ndim, ft[found].t->shape),
			    tg_shape_str(s2, sizeof s2, v->ndim, v->shape));
			return tg_error_hint(err, "%s", why);
		}
		if (tg_st_read_f32(f, ft[found].t, v->data, v->numel, err) != TG_OK)
			return TG_ERR;
		ft[found].used = true;
	}
	for (j = 0; j < nft; j++) {
		if (ft[j].used)
			continue;
		if (p->spec.method != TG_PEFT_LORA) {
			tg_error_set(err, TG_E_FORMAT, "%s: unexpected tensor '%s'", path, ft[j].t->name);
			return tg_error_hint(err, "%s", why);
		}
		if (strstr(ft[j].t->name, "lora_") != NULL) {
			tg_error_set(err, TG_E_FORMAT, "%s: unexpected tensor '%s'%s", path, ft[j].t->name,
			    strstr(ft[j].norm, "encoder.layer.") == ft[j].norm ? "" : ": a LoRA outside the encoder layers, "
			    "which tamga cannot represent (adapter_config.json's target_modules matches that module)");
			return tg_error_hint(err, "%s", why);
		}
		if (!is_head_tensor(ft[j].norm)) {    /* a trained copy of a base module (PEFT's modules_to_save) */
			tg_error_set(err, TG_E_FORMAT, "%s: '%s' is a trained copy of a base module (adapter_config.json's "
			    "modules_to_save), which tamga cannot represent", path, ft[j].t->name);
			return tg_error_hint(err, "tamga applies the LoRA weights and reads a task head (classifier, pooler) "
			    "beside them; train without modules_to_save for that module");
		}
		if (skipped++ == 0)
			first_skipped = ft[j].t->name;
	}
	if (skipped > 0)
		snprintf(p->note, sizeof p->note, "skipped %d tensor%s that %s not LoRA weights (%s%s)", skipped,
		    skipped == 1 ? "" : "s", skipped == 1 ? "is" : "are", first_skipped, skipped > 1 ? ", ..." : "");
	return TG_OK;
}

/* Fill p from the adapter file f at path (peft_keys: PEFT's tensor names) and close f; why says what the file should
 * hold. p, or NULL with p freed. */
static tg_peft *
load_params(tg_peft *p, tg_st_file *f, bool peft_keys, const char *path, const char *why, tg_error *err)
{
	int nft;
	ftensor *ft = index_file(f, peft_keys, &nft);
	int rc = fill_params(p, f, ft, nft, path, why, err);

	free_index(ft, nft);
	tg_st_close(f);
	if (rc != TG_OK) {
		tg_peft_free(p);
		return NULL;
	}
	return p;
}

/* PEFT's key matching: re.match(rf"(.*\.)?({key})$", module) for patterns; re.fullmatch for a target string.
 * Python's \d is rewritten for POSIX extended regular expressions. */
static int
regex_match(const char *pattern, const char *text, bool anchored_suffix, bool *hit, tg_error *err)
{
	size_t n = strlen(pattern), i;
	char *re = tg_xmalloc(4 * n + 32), *d = re;
	regex_t rx;
	int rc;

	d += sprintf(d, anchored_suffix ? "^(.*\\.)?(" : "^(");
	for (i = 0; i < n; i++) {
		if (pattern[i] == '\\' && pattern[i + 1] == 'd') {
			d += sprintf(d, "[0-9]");
			i++;
		} else if (pattern[i] == '(' && pattern[i + 1] == '?' && pattern[i + 2] == ':') {
			*d++ = '(';
			i += 2;
		} else
			*d++ = pattern[i];
	}
	sprintf(d, ")$");
	rc = regcomp(&rx, re, REG_EXTENDED | REG_NOSUB);
	free(re);
	if (rc != 0)
		return tg_error_set(err, TG_E_FORMAT, "adapter_config.json: cannot use the regular expression '%s'", pattern);
	*hit = regexec(&rx, text, 0, NULL, 0) == 0;
	regfree(&rx);
	return TG_OK;
}

/* Value of the first pattern key matching the module path (PEFT's get_pattern_key), or dflt. */
static int
pattern_lookup(json_t *pat, const char *path, double dflt, double *out, tg_error *err)
{
	const char *key;
	json_t *v;

	*out = dflt;
	if (!json_is_object(pat))
		return TG_OK;
	json_object_foreach(pat, key, v) {
		bool hit;
		if (regex_match(key, path, true, &hit, err) != TG_OK)
			return TG_ERR;
		if (hit) {
			if (!json_is_number(v))
				return tg_error_set(err, TG_E_FORMAT, "adapter_config.json: pattern '%s' has a non-numeric value",
				    key);
			*out = json_number_value(v);
			return TG_OK;
		}
	}
	return TG_OK;
}

static int
target_match(json_t *tm, int l, int s, bool *hit, tg_error *err)
{
	static const char *prefix[] = { "", "roberta.", "bert." };
	char path[160], full[200];
	size_t i, k;
	json_t *v;

	module_path(path, sizeof path, l, s);
	*hit = false;
	if (json_is_string(tm)) {
		for (k = 0; k < 3 && !*hit; k++) {
			snprintf(full, sizeof full, "%s%s", prefix[k], path);
			if (regex_match(json_string_value(tm), full, false, hit, err) != TG_OK)
				return TG_ERR;
		}
		return TG_OK;
	}
	json_array_foreach(tm, i, v) {
		const char *t = json_string_value(v);
		size_t n = t ? strlen(t) : 0, pn = strlen(path);
		if (t == NULL)
			return tg_error_set(err, TG_E_FORMAT, "adapter_config.json: target_modules holds a non-string");
		if (strcmp(path, t) == 0 || (pn > n && strcmp(path + pn - n, t) == 0 && path[pn - n - 1] == '.'))
			*hit = true;
	}
	return TG_OK;
}

/* Rank/alpha patterns from per-module values: one entry per layer where its targets agree, ranges of layers merged. */
static int
make_patterns(const tg_peft_plan *want, int nl, unsigned targets, const bool *on, float dflt, bool rank,
    tg_peft_pattern *pat, int *n, tg_error *err)
{
	int l, s;

	*n = 0;
	for (l = 0; l < nl; l++) {
		float first = NAN;
		bool uniform = true;
		if (!on[l])
			continue;
		for (s = 0; s < TG_NSITES; s++)
			if (targets & (1u << s)) {
				float v = rank ? (float)want->r[l][s] : want->alpha[l][s];
				if (!rank && want->r[l][s] == 0)
					v = dflt;
				if (isnan(first))
					first = v;
				else if (v != first)
					uniform = false;
			}
		for (s = 0; s < TG_NSITES; s++) {
			float v;
			if (!(targets & (1u << s)))
				continue;
			v = rank ? (float)want->r[l][s] : (want->r[l][s] == 0 ? dflt : want->alpha[l][s]);
			if (v == dflt)
				continue;
			if (*n > 0 && pat[*n - 1].hi == l - 1 && pat[*n - 1].site == (uniform ? -1 : s) &&
			    pat[*n - 1].value == v) {
				pat[*n - 1].hi = l;
			} else {
				if (*n >= TG_PEFT_MAX_PATTERN)
					return tg_error_set(err, TG_E_FORMAT, "adapter_config.json: the %s pattern needs more than %d "
					    "entries", rank ? "rank" : "alpha", TG_PEFT_MAX_PATTERN);
				pat[*n].lo = pat[*n].hi = l;
				pat[*n].site = uniform ? -1 : s;
				pat[*n].value = v;
				(*n)++;
			}
			if (uniform)
				break;
		}
	}
	return TG_OK;
}

static tg_peft *
load_lora(const tg_encoder *e, const char *dir, json_t *root, tg_error *err)
{
	int nl = (int)e->cfg.num_layers, l, s;
	json_t *tm = json_object_get(root, "target_modules"), *ltt = json_object_get(root, "layers_to_transform"), *v;
	json_t *rp = json_object_get(root, "rank_pattern"), *ap = json_object_get(root, "alpha_pattern");
	tg_peft_plan *want = tg_xcalloc(1, sizeof *want);
	bool layer_ok[TG_NLAYERS], on[TG_NLAYERS] = { false };
	unsigned targets = 0;
	tg_peft_spec spec;
	tg_peft *p = NULL;
	tg_st_file *f = NULL;
	char path[4200], why[512], lay[512];
	double r, alpha;
	size_t i;

	tg_peft_spec_default(&spec, TG_PEFT_LORA);
	v = json_object_get(root, "r");
	/* out-of-range ranks become -1 (refused below) rather than wrapping around in the int (found by
	 * tests/bad-inputs: r = 10^12 read as -727379968; 4294967298 would have read as 2) */
	spec.r = !json_is_integer(v) ? 8 : json_integer_value(v) < 0 || json_integer_value(v) > 65536 ? -1 :
	    (int)json_integer_value(v);
	v = json_object_get(root, "lora_alpha");
	spec.alpha = json_is_number(v) ? (float)json_number_value(v) : 8.0f;
	v = json_object_get(root, "lora_dropout");
	spec.dropout = json_is_number(v) ? (float)json_number_value(v) : 0.0f;
	spec.rslora = json_is_true(json_object_get(root, "use_rslora"));
	v = json_object_get(root, "init_lora_weights");
	if (json_is_string(v) && strcmp(json_string_value(v), "gaussian") == 0)
		spec.lora_init = TG_LORA_INIT_GAUSSIAN;
	if (spec.r < 1 || !(spec.alpha > 0) || !(spec.dropout >= 0 && spec.dropout < 1)) {
		tg_error_set(err, TG_E_FORMAT, "%s/adapter_config.json: r=%d, lora_alpha=%g, lora_dropout=%g are not valid",
		    dir, spec.r, spec.alpha, spec.dropout);
		goto fail;
	}
	{       /* name the field: PEFT configs carry them all, and "plain LoRA only" alone did not say which one */
		json_t *bias = json_object_get(root, "bias"), *rep = json_object_get(root, "layer_replication");
		char what[96] = "";
		if (json_is_true(json_object_get(root, "fan_in_fan_out")))
			snprintf(what, sizeof what, "\"fan_in_fan_out\": true");
		else if (json_is_true(json_object_get(root, "use_dora")))
			snprintf(what, sizeof what, "\"use_dora\": true");
		else if (bias != NULL && !json_is_null(bias) && (!json_is_string(bias) ||
		    strcmp(json_string_value(bias), "none") != 0))
			snprintf(what, sizeof what, "\"bias\": %.40s%s%s", json_is_string(bias) ? "\"" : "",
			    json_is_string(bias) ? json_string_value(bias) : "(not a string)", json_is_string(bias) ? "\"" : "");
		else if (rep != NULL && !json_is_null(rep))
			snprintf(what, sizeof what, "\"layer_replication\"");
		if (what[0]) {
			tg_error_set(err, TG_E_FORMAT, "%s/adapter_config.json: %s: tamga reads plain LoRA only (bias \"none\", "
			    "no fan_in_fan_out, DoRA or layer_replication)", dir, what);
			goto fail;
		}
	}
	if (tm == NULL || json_is_null(tm)) {       /* PEFT's default for BERT and (XLM-)RoBERTa */
		tm = json_pack("[ss]", "query", "value");
		json_object_set_new(root, "target_modules", tm);
	}
	if (!json_is_string(tm) && !json_is_array(tm)) {
		tg_error_set(err, TG_E_FORMAT, "%s/adapter_config.json: target_modules must be a list or a regular expression",
		    dir);
		goto fail;
	}
	for (l = 0; l < nl; l++)
		layer_ok[l] = ltt == NULL || json_is_null(ltt);
	if (json_is_integer(ltt) && json_integer_value(ltt) >= 0 && json_integer_value(ltt) < nl)
		layer_ok[json_integer_value(ltt)] = true;
	else if (json_is_array(ltt))
		json_array_foreach(ltt, i, v) {
			if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) >= nl) {
				tg_error_set(err, TG_E_FORMAT, "%s/adapter_config.json: layers_to_transform names a layer the model "
				    "lacks (it has %d layers, 0-%d)", dir, nl, nl - 1);
				goto fail;
			}
			layer_ok[json_integer_value(v)] = true;
		}
	for (l = 0; l < nl; l++)
		for (s = 0; s < TG_NSITES; s++) {
			bool hit;
			if (!layer_ok[l])
				continue;
			if (target_match(tm, l, s, &hit, err) != TG_OK)
				goto fail;
			if (!hit)
				continue;
			module_path(path, sizeof path, l, s);
			if (pattern_lookup(rp, path, spec.r, &r, err) != TG_OK || pattern_lookup(ap, path, spec.alpha, &alpha, err))
				goto fail;
			if (r < 1 || r > 65536 || r != floor(r) || !(alpha > 0)) {      /* a huge rank allocated ~r*d floats */
				tg_error_set(err, TG_E_FORMAT, "%s/adapter_config.json: %s gets rank %g and alpha %g", dir, path, r,
				    alpha);
				goto fail;
			}
			want->r[l][s] = (int)r;
			want->alpha[l][s] = (float)alpha;
			targets |= 1u << s;
			on[l] = true;
		}
	if (targets == 0) {
		tg_error_set(err, TG_E_FORMAT, "%s/adapter_config.json: target_modules matches no query/key/value/dense layer "
		    "of the encoder", dir);
		goto fail;
	}
	spec.targets = targets;
	if (strlen(tg_layers_format(on, nl, lay, sizeof lay)) >= sizeof spec.layers) {
		tg_error_set(err, TG_E_FORMAT, "%s/adapter_config.json: the layer set %s is too fragmented for a tamga spec",
		    dir, lay);
		goto fail;
	}
	memcpy(spec.layers, lay, strlen(lay) + 1);
	if (make_patterns(want, nl, targets, on, (float)spec.r, true, spec.rank_pattern, &spec.n_rank, err) ||
	    make_patterns(want, nl, targets, on, spec.alpha, false, spec.alpha_pattern, &spec.n_alpha, err))
		goto fail;
	if ((p = tg_peft_new(e, &spec, 0, err)) == NULL)
		goto fail;
	for (l = 0; l < nl; l++)         /* the spec must reproduce the file's modules exactly */
		for (s = 0; s < TG_NSITES; s++)
			if (p->plan->r[l][s] != want->r[l][s] || (want->r[l][s] && p->plan->alpha[l][s] != want->alpha[l][s])) {
				tg_error_set(err, TG_E_FORMAT, "%s/adapter_config.json: cannot express layer %d %s (rank %d) as a "
				    "tamga spec", dir, l, tg_site_short_name(s), want->r[l][s]);
				goto fail;
			}
	snprintf(path, sizeof path, "%s/adapter_model.safetensors", dir);
	if ((f = tg_st_open(path, err)) == NULL)
		goto fail;
	{
		char ts[128] = "";
		for (s = 0; s < TG_NSITES; s++)
			if (targets & (1u << s))
				snprintf(ts + strlen(ts), sizeof ts - strlen(ts), "%s%s", ts[0] ? "+" : "", tg_site_short_name(s));
		snprintf(why, sizeof why, "adapter_config.json asks for LoRA on %s in layers %s with r=%d%s", ts,
		    tg_layers_format(on, nl, lay, sizeof lay), spec.r, spec.n_rank ? " and a rank_pattern" : "");
	}
	free(want);
	return load_params(p, f, true, path, why, err);
fail:
	tg_st_close(f);
	tg_peft_free(p);
	free(want);
	return NULL;
}

static tg_peft *
load_tamga(const tg_encoder *e, const char *dir, json_t *root, tg_error *err)
{
	json_t *fmt = json_object_get(root, "tamga_format"), *ver = json_object_get(root, "tamga_format_version");
	json_t *spec_s = json_object_get(root, "spec"), *hs = json_object_get(root, "hidden_size");
	json_t *nl = json_object_get(root, "num_hidden_layers");
	tg_peft_spec spec;
	tg_peft *p = NULL;
	tg_st_file *f = NULL;
	char path[4200], why[1200];
	const char *meta;

	if (!json_is_string(fmt) || strcmp(json_string_value(fmt), TAMGA_FORMAT) != 0) {
		tg_error_set(err, TG_E_FORMAT, "%s/adapter_config.json: not a tamga adapter (tamga_format is not \"%s\")", dir,
		    TAMGA_FORMAT);
		return NULL;
	}
	if (!json_is_integer(ver) || json_integer_value(ver) != TAMGA_FORMAT_VERSION) {
		tg_error_set(err, TG_E_FORMAT, "%s/adapter_config.json: tamga adapter format version %lld; this tamga reads "
		    "version %d", dir, json_is_integer(ver) ? (long long)json_integer_value(ver) : -1LL, TAMGA_FORMAT_VERSION);
		tg_error_hint(err, "it was written by another version of tamga; use that version, or retrain");
		return NULL;
	}
	if (!json_is_string(spec_s)) {
		tg_error_set(err, TG_E_FORMAT, "%s/adapter_config.json: \"spec\" is missing", dir);
		return NULL;
	}
	if (tg_peft_spec_parse(&spec, json_string_value(spec_s), err) != TG_OK)
		return NULL;
	if (!json_is_integer(hs) || !json_is_integer(nl) || json_integer_value(hs) != e->cfg.hidden_size ||
	    json_integer_value(nl) != e->cfg.num_layers) {
		tg_error_set(err, TG_E_SHAPE, "%s: the adapter is for a model with hidden size %lld and %lld layers; this one "
		    "has %lld and %lld", dir, json_is_integer(hs) ? (long long)json_integer_value(hs) : -1LL,
		    json_is_integer(nl) ? (long long)json_integer_value(nl) : -1LL, (long long)e->cfg.hidden_size,
		    (long long)e->cfg.num_layers);
		return NULL;
	}
	if ((p = tg_peft_new(e, &spec, 0, err)) == NULL)
		return NULL;
	snprintf(path, sizeof path, "%s/adapter_model.safetensors", dir);
	if ((f = tg_st_open(path, err)) == NULL)
		goto fail;
	if ((meta = tg_st_metadata(f, "tamga_format")) == NULL || strcmp(meta, TAMGA_FORMAT) != 0 ||
	    (meta = tg_st_metadata(f, "tamga_format_version")) == NULL || atoi(meta) != TAMGA_FORMAT_VERSION) {
		tg_error_set(err, TG_E_FORMAT, "%s: the metadata does not say tamga_format \"%s\" version %d", path,
		    TAMGA_FORMAT, TAMGA_FORMAT_VERSION);
		goto fail;
	}
	snprintf(why, sizeof why, "adapter_config.json's spec is %s", json_string_value(spec_s));
	return load_params(p, f, false, path, why, err);
fail:
	tg_st_close(f);
	tg_peft_free(p);
	return NULL;
}

tg_peft *
tg_peft_load(const tg_encoder *e, const char *dir, tg_error *err)
{
	char path[4200];
	json_error_t je;
	json_t *root, *pt;
	tg_peft *p;
	struct stat st;

	snprintf(path, sizeof path, "%s/adapter_config.json", dir);
	if ((root = tg_json_load_file(path, 0, &je)) == NULL) {
		if (stat(path, &st) != 0) {
			tg_error_set(err, TG_E_IO, "%s: no adapter_config.json here", dir);
			return tg_error_hint(err, "give the folder that tg_peft_save or PEFT's save_pretrained wrote"), NULL;
		}
		if (!S_ISREG(st.st_mode))
			return tg_error_set(err, TG_E_IO, "%s: cannot open: not a regular file (a FIFO, device or folder)",
			    path), NULL;
		return tg_error_set(err, TG_E_FORMAT, "%s:%d: %s", path, je.line, je.text), NULL;
	}
	snprintf(path, sizeof path, "%s/adapter_model.safetensors", dir);
	if (stat(path, &st) != 0) {
		snprintf(path, sizeof path, "%s/adapter_model.bin", dir);
		tg_error_set(err, TG_E_IO, "%s: no adapter_model.safetensors%s", dir,
		    stat(path, &st) == 0 ? " (only a pickled adapter_model.bin, which tamga does not read)" : "");
		if (stat(path, &st) == 0)
			tg_error_hint(err, "convert it: python3 -c \"import torch, safetensors.torch as s; "
			    "s.save_file(torch.load('adapter_model.bin'), 'adapter_model.safetensors')\"");
		json_decref(root);
		return NULL;
	}
	pt = json_object_get(root, "peft_type");
	if (json_is_string(pt) && strcmp(json_string_value(pt), "LORA") == 0)
		p = load_lora(e, dir, root, err);
	else if (json_object_get(root, "tamga_format") != NULL)
		p = load_tamga(e, dir, root, err);
	else {
		tg_error_set(err, TG_E_FORMAT, "%s/adapter_config.json: peft_type %s is not one tamga reads (LORA, or a tamga "
		    "adapter)", dir, json_is_string(pt) ? json_string_value(pt) : "(missing)");
		p = NULL;
	}
	json_decref(root);
	return p;
}
