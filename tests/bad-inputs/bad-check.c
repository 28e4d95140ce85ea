/* Load one file with the loader tamga uses for it and print one line: "ok: <what loaded>" (exit 0) or the
 * loader's error message (exit 1), then its hint on a second line if it has one. Used by t-bad-inputs.sh for the
 * formats no tamga command reads on its own yet.
 *
 *   bad-check st FILE            a .safetensors file (tg_st_open, every tensor converted to float32)
 *   bad-check st-set DIR         a model folder's safetensors, sharded or not (tg_st_set_open)
 *   bad-check config FILE        config.json (tg_encoder_config_load)
 *   bad-check model DIR          a model folder: config.json + safetensors (tg_encoder_load)
 *   bad-check tok PATH [TEXT]    a tokenizer file or folder (tg_tokenizer_load), then a sentence (or TEXT) encoded
 *                                as text and as one word
 *   bad-check data FORMAT FILE [FILE2]   a dataset by its registry format name (tg_dataset_read)
 *   bad-check spec FILE          a PEFT spec string, the file's first line (tg_peft_spec_parse, format, parse back)
 *   bad-check layers FILE N      a layer selection, the file's first line, for an N-layer model (tg_layers_parse)
 *   bad-check adapter DIR        an adapter folder for a tiny 2-layer BERT, d = 8 (tg_peft_load)
 *   bad-check resume FILE        a fine-tuning checkpoint: a tiny 4-step run resumes from it through tg_train
 *                                (fuzz/resume-exercise.h), as `tamga train --resume` does
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "data/data.h"
#include "model/model.h"
#include "model/safetensors.h"
#include "peft/peft.h"
#include "tokenize/tokenizer.h"
#include "fuzz/resume-exercise.h"

static int
fail(const tg_error *err)
{
	printf("%s\n", err->msg[0] ? err->msg : "(failed with no message)");
	if (err->hint[0])
		printf("hint: %s\n", err->hint);
	return 1;
}

static int
check_st(const char *path, tg_error *err)
{
	tg_st_file *f = tg_st_open(path, err);
	int i, n;

	if (f == NULL)
		return fail(err);
	n = tg_st_count(f);
	for (i = 0; i < n; i++) {
		const tg_st_tensor *t = tg_st_at(f, i);
		float *dst = malloc((size_t)(t->numel ? t->numel : 1) * sizeof *dst);
		int rc = tg_st_read_f32(f, t, dst, t->numel, err);
		free(dst);
		if (rc != TG_OK) {
			tg_st_close(f);
			return fail(err);
		}
	}
	printf("ok: %d tensors\n", n);
	tg_st_close(f);
	return 0;
}

/* The first line of a file (malloc'd), or NULL. */
static char *
first_line(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (f == NULL)
		return NULL;
	n = getline(&line, &cap, f);
	fclose(f);
	if (n < 0) {
		free(line);
		return strdup("");
	}
	line[strcspn(line, "\n")] = '\0';
	return line;
}

static int
check_spec(const char *path, tg_error *err)
{
	char *str = first_line(path), buf[4096];
	tg_peft_spec s, back;

	if (str == NULL || tg_peft_spec_parse(&s, str, err) != TG_OK) {
		free(str);
		return fail(err);
	}
	free(str);
	tg_peft_spec_format(&s, buf, sizeof buf);
	if (tg_peft_spec_parse(&back, buf, err) != TG_OK)
		return fail(err);
	printf("ok: %s (%s)\n", buf, tg_peft_spec_equal(&s, &back) ? "round trip" : "ROUND TRIP DIFFERS");
	return tg_peft_spec_equal(&s, &back) ? 0 : 1;
}

static int
check_layers(const char *path, int n, tg_error *err)
{
	char *expr = first_line(path), buf[1024];
	bool on[TG_PEFT_MAX_LAYERS];

	if (n < 1 || n > TG_PEFT_MAX_LAYERS || expr == NULL) {
		free(expr);
		fprintf(stderr, "bad-check: layers needs a file and a count from 1 to %d\n", TG_PEFT_MAX_LAYERS);
		return 2;
	}
	if (tg_layers_parse(expr, n, on, err) != TG_OK) {
		free(expr);
		return fail(err);
	}
	free(expr);
	printf("ok: %s\n", tg_layers_format(on, n, buf, sizeof buf));
	return 0;
}

static int
check_adapter(const char *dir, tg_error *err)
{
	tg_encoder_config c;
	tg_encoder *e;
	tg_peft *p;

	tg_encoder_config_sized(&c, TG_ARCH_BERT, (tg_encoder_sizes){ 16, 8, 2, 2, 16, 16 });
	if ((e = tg_encoder_new(&c, true, false, err)) == NULL)
		return fail(err);
	if ((p = tg_peft_load(e, dir, err)) == NULL) {
		tg_encoder_free(e);
		return fail(err);
	}
	printf("ok: %s, %lld parameters\n", tg_peft_method_name(tg_peft_get_spec(p)->method), (long long)tg_peft_trainable(p));
	tg_peft_free(p);
	tg_encoder_free(e);
	return 0;
}

static tg_format
format_named(const char *name)
{
	int f;

	for (f = TG_FMT_CONLLU; f <= TG_FMT_TEXT; f++)
		if (strcmp(tg_format_name((tg_format)f), name) == 0)
			return (tg_format)f;
	return (tg_format)0;
}

int
main(int argc, char **argv)
{
	tg_error err = {0};
	const char *kind = argc > 1 ? argv[1] : "";

	if (argc == 3 && strcmp(kind, "st") == 0)
		return check_st(argv[2], &err);
	if (argc == 3 && strcmp(kind, "st-set") == 0) {
		tg_st_set *s = tg_st_set_open(argv[2], &err);
		if (s == NULL)
			return fail(&err);
		printf("ok: %d tensors in %d files\n", tg_st_set_count(s), tg_st_set_file_count(s));
		tg_st_set_close(s);
		return 0;
	}
	if (argc == 3 && strcmp(kind, "config") == 0) {
		tg_encoder_config c;
		if (tg_encoder_config_load(&c, argv[2], &err) != TG_OK)
			return fail(&err);
		printf("ok: %s, %lld layers, d = %lld\n", c.model_type, (long long)c.num_layers, (long long)c.hidden_size);
		return 0;
	}
	if (argc == 3 && strcmp(kind, "model") == 0) {
		tg_encoder *e = tg_encoder_load(argv[2], &err);
		if (e == NULL)
			return fail(&err);
		printf("ok: %lld parameters\n", (long long)tg_encoder_param_count(e));
		tg_encoder_free(e);
		return 0;
	}
	if ((argc == 3 || argc == 4) && strcmp(kind, "tok") == 0) {
		const char *text = argc == 4 ? argv[3] : "Merhaba dünya, İstanbul ılık.";
		tg_tokenizer *t = tg_tokenizer_load(argv[2], &err);
		int32_t *ids = NULL;
		int n;
		if (t == NULL)
			return fail(&err);
		n = tg_tokenizer_encode(t, text, strlen(text), &ids, NULL, &err);
		free(ids);
		ids = NULL;
		if (n >= 0) {           /* and as one pre-split word, as the tagging tasks encode UD/NER tokens */
			int32_t *wo = NULL;
			n = tg_tokenizer_encode_words(t, &text, 1, &ids, &wo, &err);
			free(ids);
			free(wo);
		}
		if (n < 0) {
			tg_tokenizer_free(t);
			return fail(&err);
		}
		printf("ok: %s; %d tokens\n", tg_tokenizer_describe(t), n);
		tg_tokenizer_free(t);
		return 0;
	}
	if (argc == 3 && strcmp(kind, "spec") == 0)
		return check_spec(argv[2], &err);
	if (argc == 4 && strcmp(kind, "layers") == 0)
		return check_layers(argv[2], atoi(argv[3]), &err);
	if (argc == 3 && strcmp(kind, "adapter") == 0)
		return check_adapter(argv[2], &err);
	if (argc == 3 && strcmp(kind, "resume") == 0) {
		tg_train_result res;
		if (rx_run(argv[2], true, 0, &res, &err) != TG_OK)
			return fail(&err);
		printf("ok: %s at step %lld of %d, best step %lld\n", res.resumed ? "resumed" : "started",
		    (long long)res.steps, RX_STEPS, (long long)res.best_step);
		tg_train_result_clear(&res);
		return 0;
	}
	if ((argc == 4 || argc == 5) && strcmp(kind, "data") == 0) {
		tg_format f = format_named(argv[2]);
		tg_dataset *ds;
		if (f == 0) {
			fprintf(stderr, "bad-check: unknown format '%s'\n", argv[2]);
			return 2;
		}
		if ((ds = tg_dataset_read(f, argv[3], argc == 5 ? argv[4] : NULL, NULL, &err)) == NULL)
			return fail(&err);
		printf("ok: %lld examples, %lld skipped\n", (long long)ds->n, (long long)ds->n_skipped);
		tg_dataset_free(ds);
		return 0;
	}
	fprintf(stderr, "usage: bad-check st|st-set|config|model|tok|spec|adapter|resume PATH, bad-check layers FILE N,\n"
	    "       bad-check data FORMAT FILE [FILE2]\n");
	return 2;
}
