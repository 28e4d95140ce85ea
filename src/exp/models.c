/* Model names: a folder on disk, or a preset (micro, small, base) that is pretrained once and cached. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "exp/exp.h"

const char *
tg_model_default(void)
{
	const char *m = getenv("TAMGA_MODEL");
	return m != NULL && *m ? m : "small";
}

const char *
tg_model_shipped(const char *preset, char *buf, size_t n)
{
	const char *dirs[3];
	const char *env = getenv("TAMGA_SHIPPED_MODELS");
	struct stat st;
	char cfg[4300];
	int i;

	dirs[0] = env != NULL && *env ? env : NULL;
#ifdef TAMGA_SHIPPED_MODELS
	dirs[1] = TAMGA_SHIPPED_MODELS;
#else
	dirs[1] = NULL;
#endif
#ifdef TAMGA_INSTALLED_MODELS
	dirs[2] = TAMGA_INSTALLED_MODELS;
#else
	dirs[2] = NULL;
#endif
	for (i = 0; i < 3; i++) {
		if (dirs[i] == NULL)
			continue;
		snprintf(cfg, sizeof cfg, "%s/%s/config.json", dirs[i], preset);
		if (stat(cfg, &st) == 0) {
			snprintf(buf, n, "%s/%s", dirs[i], preset);
			return buf;
		}
		if (i == 0)           /* an explicit TAMGA_SHIPPED_MODELS is the only place looked at */
			break;
	}
	return NULL;
}

const char *
tg_model_resolve(const char *name, bool build, const char *data_root, char *buf, size_t n, tg_error *err)
{
	struct stat st;
	char cfg[4200];

	if (name == NULL || *name == '\0')
		name = tg_model_default();
	if (stat(name, &st) == 0 && S_ISDIR(st.st_mode)) {
		/* A folder wins, unless it is a stray folder named like a preset (no config.json, no '/' in the
		 * name): then the preset is meant, and the loader's "cannot read config.json" would only confuse. */
		snprintf(cfg, sizeof cfg, "%s/config.json", name);
		if (stat(cfg, &st) == 0 || strchr(name, '/') != NULL || tg_pretrain_preset_find(name) == NULL) {
			snprintf(buf, n, "%s", name);
			return buf;
		}
		tg_notef(NULL, TG_SEV_WARNING, NULL, "the folder ./%s has no config.json; using the preset '%s' (write "
		    "./%s for the folder)", name, name, name);
	}
	if (tg_pretrain_preset_find(name) == NULL) {
		tg_error_set(err, TG_E_ARG, "model '%s': no such folder, and not a preset", name);
		tg_error_hint(err, "give a Hugging Face model folder (config.json + model.safetensors + tokenizer) or a "
		    "preset: micro, small, base");
		return NULL;
	}
	tg_pretrain_default_dir(name, buf, n);
	snprintf(cfg, sizeof cfg, "%s/config.json", buf);
	if (stat(cfg, &st) == 0)
		return buf;
	/* not built here: the copy shipped in the repository (models/<preset>), or the installed one */
	if (tg_model_shipped(name, buf, n) != NULL)
		return buf;
	tg_pretrain_default_dir(name, buf, n);
	if (!build) {
		tg_error_set(err, TG_E_ARG, "model preset '%s' is not built yet (%s)", name, buf);
		tg_error_hint(err, "run 'tamga pretrain --preset %s' once", name);
		return NULL;
	}
	{
		tg_pretrain_opts o;
		const tg_pretrain_preset *p = tg_pretrain_preset_find(name);
		tg_pretrain_opts_init(&o);
		o.preset = name;
		o.data_root = data_root;
		o.out_dir = buf;
		o.progress = true;
		tg_notef(NULL, TG_SEV_INFO, NULL, "building the '%s' model (%s) in %s; later runs reuse it", name, p->about,
		    buf);
		if (tg_pretrain(&o, err) != TG_OK)
			return NULL;
	}
	return buf;
}
