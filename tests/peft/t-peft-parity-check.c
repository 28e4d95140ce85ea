/* PEFT parity checker: load a reference folder written by peft_ref.py (model, adapter/ and maybe lang/), run the
 * masked-LM loss with the PEFT modules attached, and compare loss, logits and the gradient of every trainable PEFT
 * weight with PyTorch's. usage: t-peft-parity-check DIR [TOLERANCE]   (prints TAP without the plan line) */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "../tap.h"
#include "peft/peft.h"
#include "model/safetensors.h"
#include "../testutil.h"

int
main(int argc, char **argv)
{
	tg_error err = { 0 };
	const char *dir = argc > 1 ? argv[1] : ".";
	double tol = argc > 2 ? atof(argv[2]) : 1e-4, worst = 0, floor_ = 0, e;
	char path[4200];
	tg_encoder *enc;
	tg_peft *top, *lang = NULL;
	tg_st_file *f;
	float *ref;
	int64_t i, nr;
	int32_t *labels;
	tg_batch b = { 0 };
	tg_encoder_out out;
	tg_graph *g;
	tg_tensor *logits, *loss;
	tg_params *ps;
	struct stat st;
	int bad = 0, k, checked = 0;

	tg_threads_init();
	if ((enc = tg_encoder_load(dir, &err)) == NULL)
		return ok(0, "load %s: %s", dir, err.msg), 1;
	snprintf(path, sizeof path, "%s/adapter", dir);
	if ((top = tg_peft_load(enc, path, &err)) == NULL)
		return ok(0, "load %s: %s", path, err.msg), 1;
	snprintf(path, sizeof path, "%s/lang", dir);
	if (stat(path, &st) == 0) {
		if ((lang = tg_peft_load(enc, path, &err)) == NULL)
			return ok(0, "load %s: %s", path, err.msg), 1;
		tg_peft_set_frozen(lang, true);
		if (tg_peft_stack(top, lang, &err) != TG_OK)
			return ok(0, "stack: %s", err.msg), 1;
	}
	if (tg_peft_attach(top, enc, &err) != TG_OK)
		return ok(0, "attach: %s", err.msg), 1;
	snprintf(path, sizeof path, "%s/expected.safetensors", dir);
	if ((f = tg_st_open(path, &err)) == NULL)
		return ok(0, "open %s: %s", path, err.msg), 1;
	if (!tu_ref_batch(f, &b, &labels))
		return ok(0, "%s: the inputs (input.ids, .mask, .types, .labels) are missing or differ in size", path), 1;
	g = tg_graph_new();
	if (tg_encoder_forward(enc, g, &b, false, -1, &out, &err) != TG_OK ||
	    (logits = tg_encoder_mlm_logits(enc, g, out.last, NULL, 0, &err)) == NULL ||
	    (loss = tg_cross_entropy(g, logits, labels, -100, 0.0f, &err)) == NULL)
		return ok(0, "forward: %s", err.msg), 1;
	ref = tu_st_f32(f, "logits", &nr);
	e = ref && nr == logits->numel ? tu_rel_err(logits->data, ref, nr, 0) : INFINITY;
	ok(e <= tol, "%s: masked-LM logits agree with PyTorch (relative error %.2g)", dir, e);
	free(ref);
	ref = tu_st_f32(f, "loss", &nr);
	e = ref ? fabs(loss->data[0] - ref[0]) / fabs(ref[0]) : INFINITY;
	ok(e <= tol, "%s: loss agrees (%.6f vs %.6f, relative error %.2g)", dir, loss->data[0], ref ? ref[0] : NAN, e);
	free(ref);
	if (tg_graph_backward(g, loss, &err) != TG_OK)
		return ok(0, "backward: %s", err.msg), 1;
	ps = tg_peft_params(top);
	for (k = 0; k < ps->n; k++) {     /* a floor for gradients that vanish in exact arithmetic */
		snprintf(path, sizeof path, "grad.%s", ps->names[k]);
		if ((ref = tu_st_f32(f, path, &nr)) != NULL) {
			for (i = 0; i < nr; i++)
				if (fabs(ref[i]) * 1e-3 > floor_)
					floor_ = fabs(ref[i]) * 1e-3;
			free(ref);
		}
	}
	for (k = 0; k < ps->n; k++) {
		const tg_tensor *gt = ps->views[k]->grad;
		double t = tol;
		const tg_st_tensor *te;
		float v;
		snprintf(path, sizeof path, "torch_f32_err.%s", ps->names[k]);
		if ((te = tg_st_find(f, path)) != NULL && tg_st_read_f32(f, te, &v, 1, NULL) == TG_OK && 3.0 * v > t)
			t = 3.0 * v;
		snprintf(path, sizeof path, "grad.%s", ps->names[k]);
		ref = tu_st_f32(f, path, &nr);
		if (ref == NULL || gt == NULL || nr != gt->numel) {
			ok(0, "%s: %s present in both (tamga %lld, PyTorch %lld elements)", dir, path,
			    (long long)(gt ? gt->numel : -1), (long long)(ref ? nr : -1));
			bad++;
			free(ref);
			continue;
		}
		e = tu_rel_err(gt->data, ref, nr, floor_);
		if (getenv("TAMGA_PARITY_VERBOSE"))
			diag("%-60s relative error %.3g (tolerance %.3g)", path, e, t);
		if (e > t) {
			ok(0, "%s: %s agrees within %.3g (relative error %.3g)", dir, path, t, e);
			bad++;
		}
		if (e > worst)
			worst = e;
		checked++;
		free(ref);
	}
	ok(bad == 0 && checked > 0 && checked == ps->n, "%s: gradients of all %d trainable PEFT tensors agree with PyTorch "
	    "(max relative error %.2g)", dir, checked, worst);
	if (lang != NULL) {
		bool clean = true;
		for (k = 0; k < tg_peft_params(lang)->n; k++)
			clean &= tg_peft_params(lang)->views[k]->grad == NULL ||
			    tg_tensor_sum(tg_peft_params(lang)->views[k]->grad) == 0.0;
		ok(clean, "%s: the frozen language adapter gets no gradient", dir);
	}
	tg_tensor_release(logits);
	tg_tensor_release(loss);
	tg_encoder_out_free(&out);
	tg_graph_free(g);
	tg_st_close(f);
	tg_peft_free(top);
	tg_peft_free(lang);
	tg_encoder_free(enc);
	tu_ref_batch_free(&b, labels);
	return done_testing() ? 1 : 0;
}
