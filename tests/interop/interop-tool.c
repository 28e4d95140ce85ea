/* The tamga side of the interop tests (tests/interop/interop.py drives it; the Python side runs transformers, PEFT
 * and tokenizers):
 *
 *   interop-tool forward MODEL_DIR INPUTS OUT [--adapter DIR] [--train SPEC --steps N --save DIR]
 *                [--head tagging|pair|choice --classes N --choices N] [--head-file FILE ...]
 *     Load a Hugging Face model folder (save_pretrained) as tamga does, attach a PEFT adapter read by
 *     tg_peft_load, or train a new one from SPEC (N AdamW steps on the inputs' labels, with the head) and save
 *     it with tg_peft_save plus head.safetensors in tamga's names. Run the inputs and write OUT (safetensors):
 *     hidden.0 .. hidden.L ((B*T, d), hidden.0 = embeddings) and, with a head, logits.
 *     INPUTS: input.ids, input.mask, input.types (B, T) and the labels used for training: input.tok_labels (B, T)
 *     for tagging, input.label (items) for pair/choice (choice: the B rows are items x choices).
 *     --head-file: head weights from a head.safetensors, a PEFT adapter_model.safetensors (modules_to_save) or a
 *     transformers model.safetensors; Hugging Face names are mapped to tamga's: the pooler of *ForSequence-
 *     Classification (BERT) and *ForMultipleChoice is tamga's classifier.dense, their classifier its
 *     classifier.out_proj (the same function: dense + tanh on the first token, then a linear layer).
 *
 *   interop-tool tokenize TOKENIZER TEXTFILE OUT
 *     Encode every line of TEXTFILE (without the newline) and write OUT: per line int32 n, n ids, n word indices.
 *
 * Exit status 0, or 1 with one line on stderr. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "exp/exp.h"
#include "peft/peft.h"
#include "train/train.h"
#include "model/safetensors.h"
#include "tokenize/tokenizer.h"
#include "../testutil.h"

static int
die(const char *what, const tg_error *err)
{
	fprintf(stderr, "interop-tool: %s%s%s\n", what, err ? ": " : "", err ? err->msg : "");
	return 1;
}

static float *
read_f32(tg_st_file *f, const char *name, int64_t *numel, int64_t *shape)
{
	float *buf = tu_st_f32(f, name, numel);
	const tg_st_tensor *t = tg_st_find(f, name);
	int d;

	for (d = 0; buf != NULL && shape && d < t->ndim && d < 2; d++)
		shape[d] = t->shape[d];
	return buf;
}

static int32_t *
to_i32(const float *a, int64_t n)
{
	int32_t *r = tg_xmalloc((size_t)(n ? n : 1) * sizeof(int32_t));
	int64_t i;

	for (i = 0; i < n; i++)
		r[i] = (int32_t)a[i];
	return r;
}

/* A file tensor name in tamga's head names, or NULL when it is not a head tensor. */
static const char *
head_name(const char *name, const tg_head *h, char *buf, size_t len)
{
	static const char *drop[] = { "base_model.model.", "roberta.", "bert.", "xlm_roberta." };
	char *p;
	size_t i;

	for (i = 0; i < sizeof drop / sizeof drop[0]; i++)
		if (strncmp(name, drop[i], strlen(drop[i])) == 0)
			name += strlen(drop[i]);
	snprintf(buf, len, "%s", name);
	while ((p = strstr(buf, ".modules_to_save")) != NULL)
		memmove(p, p + 16, strlen(p + 16) + 1);
	while ((p = strstr(buf, ".default.")) != NULL)
		memmove(p, p + 8, strlen(p + 8) + 1);
	if (h->kind == TG_TASK_TAGGING)
		return strncmp(buf, "classifier.", 11) == 0 ? buf : NULL;
	if (strncmp(buf, "pooler.dense.", 13) == 0) {
		char tail[512];
		snprintf(tail, sizeof tail, "%s", buf + 13);
		snprintf(buf, len, "classifier.dense.%s", tail);
	} else if (strcmp(buf, "classifier.weight") == 0 || strcmp(buf, "classifier.bias") == 0) {
		char tail[512];
		snprintf(tail, sizeof tail, "%s", buf + 11);
		snprintf(buf, len, "classifier.out_proj.%s", tail);
	}
	return strncmp(buf, "classifier.", 11) == 0 ? buf : NULL;
}

static int
load_head(tg_head *h, const char *path, tg_error *err)
{
	tg_st_file *f = tg_st_open(path, err);
	char buf[512];
	int i, k, n = 0;

	if (f == NULL)
		return TG_ERR;
	for (i = 0; i < tg_st_count(f); i++) {
		const tg_st_tensor *t = tg_st_at(f, i);
		const char *name = head_name(t->name, h, buf, sizeof buf);
		if (name == NULL || strstr(name, "lora_") != NULL)
			continue;
		for (k = 0; k < h->params->n; k++)
			if (strcmp(h->params->names[k], name) == 0)
				break;
		if (k == h->params->n) {
			tg_st_close(f);
			return tg_error_set(err, TG_E_FORMAT, "%s: head tensor '%s' (as %s) is not in the %s head", path, t->name,
			    name, h->kind == TG_TASK_TAGGING ? "tagging" : "sequence");
		}
		if (t->numel != h->params->views[k]->numel) {
			tg_st_close(f);
			return tg_error_set(err, TG_E_SHAPE, "%s: '%s' has %lld elements, the head needs %lld", path, t->name,
			    (long long)t->numel, (long long)h->params->views[k]->numel);
		}
		if (tg_st_read_f32(f, t, h->params->views[k]->data, t->numel, err) != TG_OK) {
			tg_st_close(f);
			return TG_ERR;
		}
		n++;
	}
	tg_st_close(f);
	fprintf(stderr, "interop-tool: %d head tensors from %s\n", n, path);
	return TG_OK;
}

static int
cmd_forward(int argc, char **argv)
{
	tg_error err = { 0 };
	const char *model = argv[0], *inputs = argv[1], *outp = argv[2];
	const char *adapter = NULL, *train = NULL, *save = NULL, *headk = NULL, *head_files[8];
	int n_head_files = 0, steps = 5, classes = 2, choices = 1, i, k;
	tg_encoder *enc;
	tg_peft *peft = NULL;
	tg_head *head = NULL;
	tg_task_kind kind = TG_TASK_TAGGING;
	tg_st_file *f;
	tg_task_batch tb = { 0 };
	float *ids_f, *types_f, *lab_f = NULL;
	int64_t n, nm, nl = 0, shape[2] = { 0, 0 };
	tg_encoder_out out;
	tg_st_writer *w;
	tg_tensor *logits = NULL;
	char name[64];

	for (i = 3; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (v == NULL)
			return die("an option lacks its value", NULL);
		if (!strcmp(argv[i], "--adapter"))
			adapter = v;
		else if (!strcmp(argv[i], "--train"))
			train = v;
		else if (!strcmp(argv[i], "--save"))
			save = v;
		else if (!strcmp(argv[i], "--steps"))
			steps = atoi(v);
		else if (!strcmp(argv[i], "--head"))
			headk = v;
		else if (!strcmp(argv[i], "--classes"))
			classes = atoi(v);
		else if (!strcmp(argv[i], "--choices"))
			choices = atoi(v);
		else if (!strcmp(argv[i], "--head-file") && n_head_files < 8)
			head_files[n_head_files++] = v;
		else
			return die(argv[i], NULL);
		i++;
	}
	tg_threads_init();
	if ((enc = tg_encoder_load(model, &err)) == NULL)
		return die(model, &err);
	if (headk != NULL) {
		kind = !strcmp(headk, "tagging") ? TG_TASK_TAGGING : !strcmp(headk, "pair") ? TG_TASK_PAIR :
		    !strcmp(headk, "choice") ? TG_TASK_CHOICE : TG_TASK_REGRESSION;
		if (kind == TG_TASK_REGRESSION)
			return die("--head: tagging, pair or choice", NULL);
		if ((head = tg_head_new(kind, enc->cfg.hidden_size, kind == TG_TASK_CHOICE ? 1 : classes, 0.0f, 11, &err)) ==
		    NULL)
			return die("head", &err);
		for (k = 0; k < n_head_files; k++)
			if (load_head(head, head_files[k], &err) != TG_OK)
				return die("head", &err);
	}
	if (adapter != NULL) {
		if ((peft = tg_peft_load(enc, adapter, &err)) == NULL)
			return die("load adapter", &err);
		if (tg_peft_note(peft) && *tg_peft_note(peft))
			fprintf(stderr, "interop-tool: %s: %s\n", adapter, tg_peft_note(peft));
	} else if (train != NULL) {
		tg_peft_spec spec;
		if (tg_peft_spec_parse(&spec, train, &err) != TG_OK || (peft = tg_peft_new(enc, &spec, 7, &err)) == NULL)
			return die(train, &err);
	}
	if (peft != NULL && tg_peft_attach(peft, enc, &err) != TG_OK)
		return die("attach", &err);
	if ((f = tg_st_open(inputs, &err)) == NULL)
		return die(inputs, &err);
	if ((ids_f = read_f32(f, "input.ids", &n, shape)) == NULL)
		return die("input.ids missing", NULL);
	tb.b.B = shape[0];
	tb.b.T = shape[1];
	tb.b.ids = to_i32(ids_f, n);
	if ((tb.b.mask = read_f32(f, "input.mask", &nm, NULL)) == NULL ||
	    (types_f = read_f32(f, "input.types", &nm, NULL)) == NULL)
		return die("input.mask or input.types missing", NULL);
	tb.b.type_ids = to_i32(types_f, nm);
	if ((lab_f = read_f32(f, kind == TG_TASK_TAGGING ? "input.tok_labels" : "input.label", &nl, NULL)) != NULL) {
		if (kind == TG_TASK_TAGGING)
			tb.tok_labels = to_i32(lab_f, nl);
		else
			tb.label = to_i32(lab_f, nl);
	}
	for (i = 0; i < n; i++)
		tb.tokens += tb.b.mask[i] > 0;
	if (train != NULL) {
		tg_graph *g = tg_graph_new();
		tg_adamw adam;
		tg_params *sets[2] = { tg_peft_params(peft), head ? head->params : NULL };
		if (head == NULL || lab_f == NULL || save == NULL)
			return die("--train needs --head, labels in the inputs and --save", NULL);
		tg_adamw_defaults(&adam);
		for (k = 0; k < steps; k++) {
			tg_encoder_out eo;
			tg_tensor *lg, *loss;
			tg_params_zero_grad(sets[0]);
			tg_params_zero_grad(sets[1]);
			tg_graph_reset(g);
			tg_graph_set_training(g, true);
			if (tg_encoder_forward(enc, g, &tb.b, false, -1, &eo, &err) != TG_OK ||
			    (lg = tg_head_forward(head, g, eo.last, &tb, choices, &err)) == NULL ||
			    (loss = tg_head_loss(head, g, lg, &tb, &err)) == NULL || tg_graph_backward(g, loss, &err) != TG_OK)
				return die("training step", &err);
			fprintf(stderr, "interop-tool: step %d loss %.5f\n", k + 1, loss->data[0]);
			tg_tensor_release(lg);
			tg_tensor_release(loss);
			tg_encoder_out_free(&eo);
			tg_graph_reset(g);
			if (tg_adamw_step(sets[0], &adam, 2e-2f, &err) != TG_OK || tg_adamw_step(sets[1], &adam, 2e-2f, &err))
				return die("optimizer step", &err);
		}
		tg_graph_free(g);
		if (tg_peft_save(peft, save, model, NULL, &err) != TG_OK || tg_head_save(head, save, &err) != TG_OK)
			return die(save, &err);
	}
	if (tg_encoder_forward(enc, NULL, &tb.b, true, -1, &out, &err) != TG_OK)
		return die("forward", &err);
	if (head != NULL && (logits = tg_head_forward(head, NULL, out.last, &tb, choices, &err)) == NULL)
		return die("head forward", &err);
	w = tg_st_writer_new();
	{
		static char names[TG_PEFT_MAX_LAYERS + 1][32];
		for (k = 0; k < out.n_hidden && k <= TG_PEFT_MAX_LAYERS; k++) {
			snprintf(names[k], sizeof names[k], "hidden.%d", k);
			tg_st_writer_add(w, names[k], out.hidden[k]->ndim, out.hidden[k]->shape, out.hidden[k]->data);
		}
	}
	if (logits != NULL) {
		snprintf(name, sizeof name, "logits");
		tg_st_writer_add(w, name, logits->ndim, logits->shape, logits->data);
	}
	if (tg_st_writer_write(w, outp, &err) != TG_OK)
		return die(outp, &err);
	tg_st_writer_free(w);
	tg_tensor_release(logits);
	tg_encoder_out_free(&out);
	tg_st_close(f);
	tg_peft_free(peft);
	tg_head_free(head);
	tg_encoder_free(enc);
	free(ids_f); free(types_f); free(lab_f); free(tb.b.ids); free(tb.b.type_ids); free(tb.b.mask);
	free(tb.tok_labels); free(tb.label);
	return 0;
}

static int
cmd_tokenize(int argc, char **argv)
{
	tg_error err = { 0 };
	tg_tokenizer *tok;
	FILE *in, *out;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;

	(void)argc;
	if ((tok = tg_tokenizer_load(argv[0], &err)) == NULL)
		return die(argv[0], &err);
	if ((in = fopen(argv[1], "r")) == NULL || (out = fopen(argv[2], "wb")) == NULL)
		return die("cannot open the text or the output file", NULL);
	while ((len = getline(&line, &cap, in)) >= 0) {
		int32_t *ids = NULL, *wo = NULL;
		int32_t nt;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if ((nt = tg_tokenizer_encode(tok, line, (size_t)len, &ids, &wo, &err)) < 0)
			return die("encode", &err);
		fwrite(&nt, sizeof nt, 1, out);
		if (nt > 0) {
			fwrite(ids, sizeof *ids, (size_t)nt, out);
			fwrite(wo, sizeof *wo, (size_t)nt, out);
		}
		free(ids);
		free(wo);
	}
	free(line);
	fclose(in);
	if (fclose(out) != 0)
		return die("cannot write the output file", NULL);
	tg_tokenizer_free(tok);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc >= 5 && strcmp(argv[1], "forward") == 0)
		return cmd_forward(argc - 2, argv + 2);
	if (argc == 5 && strcmp(argv[1], "tokenize") == 0)
		return cmd_tokenize(argc - 2, argv + 2);
	fprintf(stderr, "usage: interop-tool forward MODEL_DIR INPUTS OUT [options] | tokenize TOKENIZER TEXT OUT\n");
	return 2;
}
