/* Seeds for the model-file fuzz targets, written with tamga's own writers: a tiny BERT checkpoint (as
 * fuzz-checkpoint's config.json describes) with and without its heads, adapter folders of every PEFT method for
 * fuzz-adapter's tiny BERT (adapter_config.json, the split mark, adapter_model.safetensors), and fuzz-resume's
 * fine-tuning checkpoints (its tiny run stopped after steps 1 and 3, and finished).
 * Usage: seed-models OUTDIR   (writes into OUTDIR/fuzz-checkpoint, OUTDIR/fuzz-safetensors, OUTDIR/fuzz-adapter
 *                              and OUTDIR/fuzz-resume) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "model/model.h"
#include "model/safetensors.h"
#include "peft/peft.h"
#include "fuzz/fuzz.h"
#include "fuzz/resume-exercise.h"

static void __attribute__((noreturn))
die(const char *what, const tg_error *err)
{
	fprintf(stderr, "seed-models: %s: %s\n", what, err ? err->msg : strerror(errno));
	exit(1);
}

static void
append(FILE *out, const char *from)
{
	FILE *a = fopen(from, "rb");
	char buf[1 << 16];
	size_t n;

	if (a == NULL)
		die(from, NULL);
	while ((n = fread(buf, 1, sizeof buf, a)) > 0)
		fwrite(buf, 1, n, out);
	fclose(a);
}

/* Adapter folders for fuzz-adapter: the same tiny BERT, 2 layers. */
static void
adapters(const char *out)
{
	static const char *specs[] = {
		"lora:r=2,alpha=4,targets=q+v", "lora:r=1,targets=q+k+v+o+ffn_in+ffn_out,layers=1,rslora",
		"pfeiffer:dim=2", "houlsby:dim=2,layers=0", "parallel:dim=2,scaling=2", "madx-lang:dim=2",
		"madx-lang:dim=2,madx2", "bitfit", "lnonly:layers=1", "full:embeddings=0",
	};
	tg_encoder_config c;
	tg_error err = {0};
	tg_encoder *e;
	char dir[4096], path[4096];
	size_t k;

	tg_encoder_config_sized(&c, TG_ARCH_BERT, (tg_encoder_sizes){ 16, 8, 2, 2, 16, 16 });
	if ((e = tg_encoder_new(&c, true, false, &err)) == NULL)
		die("tiny encoder", &err);
	tg_encoder_init_random(e, 7);
	snprintf(dir, sizeof dir, "%s/fuzz-adapter", out);
	mkdir(dir, 0777);
	for (k = 0; k < sizeof specs / sizeof specs[0]; k++) {
		tg_peft_spec s;
		tg_peft *p;
		FILE *f;

		if (tg_peft_spec_parse(&s, specs[k], &err) != TG_OK || (p = tg_peft_new(e, &s, 11, &err)) == NULL)
			die(specs[k], &err);
		snprintf(path, sizeof path, "%s/tmp-adapter", out);
		if (tg_peft_save(p, path, "tiny-bert", NULL, &err) != TG_OK)
			die(path, &err);
		snprintf(path, sizeof path, "%s/%zu-%.*s", dir, k, (int)strcspn(specs[k], ":,="), specs[k]);
		if ((f = fopen(path, "wb")) == NULL)
			die(path, NULL);
		snprintf(path, sizeof path, "%s/tmp-adapter/adapter_config.json", out);
		append(f, path);
		remove(path);
		fputs(FZ_SPLIT, f);
		snprintf(path, sizeof path, "%s/tmp-adapter/adapter_model.safetensors", out);
		append(f, path);
		remove(path);
		if (fclose(f) != 0)
			die("adapter seed", NULL);
		snprintf(path, sizeof path, "%s/tmp-adapter", out);
		rmdir(path);
		tg_peft_free(p);
	}
	tg_encoder_free(e);
}

static void
copy(const char *from, const char *to)
{
	FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
	char buf[1 << 16];
	size_t n;

	if (a == NULL || b == NULL)
		die(a ? to : from, NULL);
	while ((n = fread(buf, 1, sizeof buf, a)) > 0)
		fwrite(buf, 1, n, b);
	fclose(a);
	if (fclose(b) != 0)
		die(to, NULL);
}

/* fuzz-resume: the tiny run's checkpoint after steps 1 (before any evaluation) and 3, and at its end (4). */
static void
resume_seeds(const char *out)
{
	static const int64_t stop[3] = { 1, 3, 0 };
	char dir[4096], path[4096];
	int i;

	snprintf(dir, sizeof dir, "%s/fuzz-resume", out);
	mkdir(dir, 0777);
	for (i = 0; i < 3; i++) {
		tg_train_result res;
		tg_error err = {0};
		snprintf(path, sizeof path, "%s/step%lld.ckpt", dir, (long long)(stop[i] ? stop[i] : RX_STEPS));
		remove(path);
		if (rx_run(path, false, stop[i], &res, &err) != TG_OK)
			die(path, &err);
		tg_train_result_clear(&res);
	}
}

int
main(int argc, char **argv)
{
	tg_encoder_config c;
	tg_error err = {0};
	char dir[4096], path[4096], tmp[4096];
	int heads;

	if (argc != 2) {
		fprintf(stderr, "usage: seed-models OUTDIR\n");
		return 2;
	}
	snprintf(dir, sizeof dir, "%s/fuzz-checkpoint", argv[1]);
	mkdir(argv[1], 0777);
	mkdir(dir, 0777);
	snprintf(path, sizeof path, "%s/fuzz-safetensors", argv[1]);
	mkdir(path, 0777);
	tg_encoder_config_sized(&c, TG_ARCH_BERT, (tg_encoder_sizes){ 16, 8, 1, 2, 16, 16 });
	for (heads = 0; heads < 4; heads++) {
		tg_encoder *e = tg_encoder_new(&c, heads & 1, heads & 2, &err);

		if (e == NULL)
			die("tiny encoder", &err);
		tg_encoder_init_random(e, 1234 + (uint64_t)heads);
		snprintf(tmp, sizeof tmp, "%s/tmp-%d", argv[1], heads);
		if (tg_encoder_save(e, tmp, &err) != TG_OK)
			die(tmp, &err);
		snprintf(tmp, sizeof tmp, "%s/tmp-%d/model.safetensors", argv[1], heads);
		snprintf(path, sizeof path, "%s/ckpt-%s%s.safetensors", dir, heads & 1 ? "mlm" : "base",
		    heads & 2 ? "-pooler" : "");
		copy(tmp, path);
		snprintf(path, sizeof path, "%s/fuzz-safetensors/ckpt-%d.safetensors", argv[1], heads);
		copy(tmp, path);
		remove(tmp);
		snprintf(tmp, sizeof tmp, "%s/tmp-%d/config.json", argv[1], heads);
		remove(tmp);
		snprintf(tmp, sizeof tmp, "%s/tmp-%d", argv[1], heads);
		rmdir(tmp);
		tg_encoder_free(e);
	}
	adapters(argv[1]);
	resume_seeds(argv[1]);
	return 0;
}
