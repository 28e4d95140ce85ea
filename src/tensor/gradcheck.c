/* Gradient checks: compare the analytic gradient of sum(out * R) with central differences, accumulated in double.
 * Library code, so unit tests and the Lua API use the same checker. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tensor.h"

static double
objective(tg_gradcheck_fn fn, void *ud, tg_tensor **in, const tg_tensor *R, tg_error *err, int *ok)
{
	tg_tensor *out = fn(NULL, in, ud, err);
	double s = 0;
	int64_t i;

	*ok = out != NULL;
	if (out == NULL)
		return 0;
	for (i = 0; i < out->numel; i++)
		s += (double)out->data[i] * R->data[i];
	tg_tensor_release(out);
	return s;
}

int
tg_gradcheck(tg_gradcheck_fn fn, void *ud, tg_tensor **in, int n_in, const tg_gradcheck_opts *o,
    tg_gradcheck_report *rep, tg_error *err)
{
	tg_gradcheck_opts opts = { 1e-2, 2e-2, 2e-3, 64, 1 };
	tg_gradcheck_report local;
	tg_graph *g;
	tg_tensor *out, *R, **grads;
	int i, ok;

	if (o != NULL) {
		opts = *o;
		if (opts.eps <= 0)
			opts.eps = 1e-2;
		if (opts.rtol <= 0)
			opts.rtol = 2e-2;
		if (opts.atol <= 0)
			opts.atol = 2e-3;
		if (opts.max_checks <= 0)
			opts.max_checks = 64;
	}
	if (rep == NULL)
		rep = &local;
	memset(rep, 0, sizeof *rep);
	rep->worst_input = -1;

	/* Analytic: one recorded forward, backward from R. */
	for (i = 0; i < n_in; i++)
		if (in[i] != NULL && in[i]->requires_grad) {
			tg_tensor_release(in[i]->grad);
			in[i]->grad = NULL;
		}
	g = tg_graph_new();
	if ((out = fn(g, in, ud, err)) == NULL) {
		tg_graph_free(g);
		return TG_ERR;
	}
	R = tg_tensor_new(out->ndim, out->shape, err);
	if (R == NULL) {
		tg_tensor_release(out);
		tg_graph_free(g);
		return TG_ERR;
	}
	tg_tensor_rand_uniform(R, opts.seed * 7919 + 17, -1.0f, 1.0f);
	if (tg_graph_backward_from(g, out, R, err) != TG_OK) {
		tg_tensor_release(out);
		tg_tensor_release(R);
		tg_graph_free(g);
		return TG_ERR;
	}
	tg_tensor_release(out);
	tg_graph_free(g);
	grads = tg_xcalloc((size_t)n_in, sizeof *grads);
	for (i = 0; i < n_in; i++)
		if (in[i] != NULL && in[i]->requires_grad) {
			grads[i] = in[i]->grad;      /* take ownership */
			in[i]->grad = NULL;
		}

	/* Numeric: perturb up to max_checks elements per input, spread over the tensor. */
	for (i = 0; i < n_in; i++) {
		tg_tensor *t = in[i];
		int64_t c, nchk, step;
		if (t == NULL || !t->requires_grad)
			continue;
		nchk = t->numel < opts.max_checks ? t->numel : opts.max_checks;
		step = nchk ? t->numel / nchk : 1;
		for (c = 0; c < nchk; c++) {
			int64_t idx = c * step + (int64_t)(tg_hash64(opts.seed + (uint64_t)c) % (uint64_t)(step ? step : 1));
			float keep = t->data[idx];
			double fp, fm, num, ana, ae, tol;

			t->data[idx] = (float)(keep + opts.eps);
			fp = objective(fn, ud, in, R, err, &ok);
			if (ok) {
				t->data[idx] = (float)(keep - opts.eps);
				fm = objective(fn, ud, in, R, err, &ok);
			}
			t->data[idx] = keep;
			if (!ok)
				goto fail;
			num = (fp - fm) / (2 * opts.eps);
			ana = grads[i] != NULL ? grads[i]->data[idx] : 0.0;
			ae = fabs(num - ana);
			tol = opts.atol + opts.rtol * fmax(fabs(num), fabs(ana));
			rep->checked++;
			if (ae > rep->max_abs_err)
				rep->max_abs_err = ae;
			if (ae / fmax(1e-12, fmax(fabs(num), fabs(ana))) > rep->max_rel_err && ae > opts.atol)
				rep->max_rel_err = ae / fmax(1e-12, fmax(fabs(num), fabs(ana)));
			if (!(ae <= tol)) {
				if (rep->failed == 0 || ae > fabs(rep->worst_num - rep->worst_ana)) {
					rep->worst_input = i;
					rep->worst_index = idx;
					rep->worst_num = num;
					rep->worst_ana = ana;
				}
				rep->failed++;
			}
		}
	}
	for (i = 0; i < n_in; i++)
		tg_tensor_release(grads[i]);
	free(grads);
	tg_tensor_release(R);
	if (rep->failed > 0) {
		char buf[128];
		return tg_error_set(err, TG_E_NUMERIC, "gradcheck: %d of %d elements differ; worst: input %d (%s) element "
		    "%lld: numeric %.6g, analytic %.6g", rep->failed, rep->checked, rep->worst_input,
		    tg_tensor_describe(in[rep->worst_input], buf, sizeof buf), (long long)rep->worst_index,
		    rep->worst_num, rep->worst_ana);
	}
	return TG_OK;
fail:
	for (i = 0; i < n_in; i++)
		tg_tensor_release(grads[i]);
	free(grads);
	tg_tensor_release(R);
	return TG_ERR;
}
