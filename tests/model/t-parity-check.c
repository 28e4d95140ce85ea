/* Parity checker: load a reference model folder written by parity_ref.py and compare tamga's hidden states,
 * masked-LM logits, loss and gradients (input embeddings and every weight) with PyTorch's.
 * usage: t-parity-check DIR [TOLERANCE]   (prints TAP without the plan line) */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "../tap.h"
#include "model/model.h"
#include "model/safetensors.h"
#include "../testutil.h"

static float *
read_all(tg_st_file *f, const char *name, int64_t *numel)
{
	float *buf = tu_st_f32(f, name, numel);

	if (buf == NULL && tg_st_find(f, name) == NULL)
		diag("expected.safetensors has no '%s'", name);
	return buf;
}

/* tu_rel_err's floor: gradients that are zero in exact arithmetic (the key bias: softmax ignores a shift shared by
 * a row's scores). */
static double rel_floor = 0;

static double
rel_err(const float *a, const float *b, int64_t n)
{
	return tu_rel_err(a, b, n, rel_floor);
}

static int
compare(tg_st_file *f, const char *name, const tg_tensor *t, double tol, double *worst)
{
	int64_t n = 0;
	float *ref = read_all(f, name, &n);
	double e;
	int good;
	char key[512];
	const tg_st_tensor *te;

	/* Gradients: the tolerance is the larger of tol and 3x PyTorch's own float32 error for that tensor. */
	if (strncmp(name, "grad.", 5) == 0) {
		snprintf(key, sizeof key, "torch_f32_err.%s", name + 5);
		if ((te = tg_st_find(f, key)) != NULL) {
			float v;
			if (tg_st_read_f32(f, te, &v, 1, NULL) == TG_OK && 3.0 * v > tol)
				tol = 3.0 * v;
		}
	}

	if (ref == NULL || t == NULL || n != t->numel) {
		free(ref);
		return ok(0, "%s: present with %lld elements (tamga has %lld)", name, (long long)n,
		    (long long)(t ? t->numel : -1));
	}
	e = rel_err(t->data, ref, n);
	if (e > *worst)
		*worst = e;
	good = e <= tol;
	if (getenv("TAMGA_PARITY_VERBOSE"))
		diag("%-60s relative error %.3g (tolerance %.3g)", name, e, tol);
	free(ref);
	if (!good)
		ok(0, "%s agrees within %.3g (relative error %.3g)", name, tol, e);
	return good;
}

int
main(int argc, char **argv)
{
	tg_error err = { 0 };
	const char *dir = argc > 1 ? argv[1] : ".";
	double tol = argc > 2 ? atof(argv[2]) : 1e-4, worst_h = 0, worst_g = 0, worst_l = 0;
	char path[4096];
	tg_encoder *e;
	tg_st_file *f;
	float *emb_ref;
	int64_t n, d;
	int32_t *labels;
	tg_batch b = { 0 };
	tg_encoder_out out;
	tg_graph *g;
	tg_tensor *emb, *logits, *loss;
	int bad = 0, k;

	tg_threads_init();
	if ((e = tg_encoder_load(dir, &err)) == NULL) {
		ok(0, "load %s: %s", dir, err.msg);
		return 1;
	}
	snprintf(path, sizeof path, "%s/expected.safetensors", dir);
	if ((f = tg_st_open(path, &err)) == NULL) {
		ok(0, "open %s: %s", path, err.msg);
		return 1;
	}
	d = e->cfg.hidden_size;
	if (!tu_ref_batch(f, &b, &labels)) {
		ok(0, "%s: the inputs (input.ids, .mask, .types, .labels) are missing or differ in size", path);
		return 1;
	}
	n = b.B * b.T;
	/* the input embeddings as a leaf, so their gradient can be compared (PyTorch: inputs_embeds.grad) */
	emb = tg_embedding(NULL, e->word, b.ids, n, &err);
	emb->requires_grad = true;
	for (k = 0; k < e->params->n; k++)
		e->params->views[k]->requires_grad = true;
	b.inputs_embeds = emb;
	g = tg_graph_new();
	if (tg_encoder_forward(e, g, &b, true, -1, &out, &err) != TG_OK) {
		ok(0, "forward: %s", err.msg);
		return 1;
	}
	for (k = 0; k < out.n_hidden; k++) {
		snprintf(path, sizeof path, "hidden.%d", k);
		bad += !compare(f, path, out.hidden[k], tol, &worst_h);
	}
	ok(bad == 0, "hidden states of the embeddings and all %d layers agree with PyTorch (max relative error %.2g)",
	    out.n_hidden - 1, worst_h);
	logits = tg_encoder_mlm_logits(e, g, out.last, NULL, 0, &err);
	loss = logits ? tg_cross_entropy(g, logits, labels, -100, 0.0f, &err) : NULL;
	if (loss == NULL) {
		ok(0, "MLM head: %s", err.msg);
		return 1;
	}
	ok(compare(f, "logits", logits, tol, &worst_l), "masked-LM logits agree (relative error %.2g)", worst_l);
	worst_l = 0;
	ok(compare(f, "loss", loss, tol, &worst_l), "loss agrees (%.6f, relative error %.2g)", loss->data[0], worst_l);
	if (tg_graph_backward(g, loss, &err) != TG_OK) {
		ok(0, "backward: %s", err.msg);
		return 1;
	}
	bad = 0;
	{
		int64_t ne = 0, j;
		float *ge = read_all(f, "grad.inputs_embeds", &ne);
		for (j = 0; ge != NULL && j < ne; j++)
			if (fabs(ge[j]) * 1e-3 > rel_floor)
				rel_floor = fabs(ge[j]) * 1e-3;
		free(ge);
	}
	bad += !compare(f, "grad.inputs_embeds", emb->grad, tol, &worst_g);
	for (k = 0; k < e->params->n; k++) {
		snprintf(path, sizeof path, "grad.%s", e->params->names[k]);
		bad += !compare(f, path, e->params->views[k]->grad, tol, &worst_g);
	}
	ok(bad == 0, "gradients w.r.t. the input embeddings and all %d weights agree (max relative error %.2g)",
	    e->params->n, worst_g);
	(void)emb_ref;
	tg_tensor_release(logits);
	tg_tensor_release(loss);
	tg_encoder_out_free(&out);
	tg_graph_free(g);
	tg_tensor_release(emb);
	tg_st_close(f);
	tg_encoder_free(e);
	tu_ref_batch_free(&b, labels);
	(void)d;
	printf("# parity %s: hidden %.2g, logits/loss checked, gradients %.2g\n", dir, worst_h, worst_g);
	return done_testing();
}
