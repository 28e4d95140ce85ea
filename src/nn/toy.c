/* A toy problem for self-checks and tutorials: a 2-layer MLP learns to separate two interleaved spirals. */
#include <math.h>
#include <stdlib.h>
#include "nn.h"

int
tg_toy_spirals_train(uint64_t seed, int steps, int hidden, float lr, float *first_loss, float *final_loss,
    float *accuracy, tg_error *err)
{
	enum { N = 256 };
	int64_t xs[2] = { N, 2 }, s1[2], s2[1], s3[2], s4[1];
	tg_tensor *x = tg_tensor_new(2, xs, err);
	int32_t labels[N];
	tg_params *p = tg_params_new();
	tg_adamw opt;
	tg_rng rng;
	int i, step, rc = TG_ERR, correct = 0;

	if (x == NULL)
		goto out;
	tg_rng_seed(&rng, seed);
	for (i = 0; i < N; i++) {
		int c = i % 2;
		double r = (double)(i / 2) / (N / 2) * 3.0 + 0.3, a = r * 2.2 + c * M_PI;
		x->data[2 * i] = (float)(r * cos(a) / 3.3 + 0.03 * tg_rng_normal(&rng));
		x->data[2 * i + 1] = (float)(r * sin(a) / 3.3 + 0.03 * tg_rng_normal(&rng));
		labels[i] = c;
	}
	s1[0] = hidden; s1[1] = 2; s2[0] = hidden; s3[0] = 2; s3[1] = hidden; s4[0] = 2;
	if (tg_params_add(p, "fc1.weight", 2, s1, err) < 0 || tg_params_add(p, "fc1.bias", 1, s2, err) < 0 ||
	    tg_params_add(p, "fc2.weight", 2, s3, err) < 0 || tg_params_add(p, "fc2.bias", 1, s4, err) < 0 ||
	    tg_params_alloc(p, true, err) != TG_OK)
		goto out;
	tg_tensor_rand_uniform(tg_params_get(p, "fc1.weight"), seed + 1, -1.2f, 1.2f);
	tg_tensor_rand_uniform(tg_params_get(p, "fc1.bias"), seed + 2, -1.0f, 1.0f);
	tg_tensor_rand_uniform(tg_params_get(p, "fc2.weight"), seed + 3, -0.3f, 0.3f);
	tg_adamw_defaults(&opt);
	opt.weight_decay = 0.0f;
	for (step = 0; step < steps; step++) {
		tg_graph *g = tg_graph_new();
		tg_tensor *h = tg_linear(g, x, tg_params_get(p, "fc1.weight"), tg_params_get(p, "fc1.bias"), err);
		tg_tensor *a = h ? tg_tanh(g, h, err) : NULL;
		tg_tensor *o = a ? tg_linear(g, a, tg_params_get(p, "fc2.weight"), tg_params_get(p, "fc2.bias"), err) : NULL;
		tg_tensor *l = o ? tg_cross_entropy(g, o, labels, -100, 0.0f, err) : NULL;
		int ok = l != NULL;

		if (ok) {
			if (step == 0 && first_loss)
				*first_loss = l->data[0];
			if (final_loss)
				*final_loss = l->data[0];
			tg_params_zero_grad(p);
			ok = tg_graph_backward(g, l, err) == TG_OK &&
			    tg_adamw_step(p, &opt, lr, err) == TG_OK;
		}
		if (ok && step == steps - 1)
			for (i = 0; i < N; i++)
				correct += (o->data[2 * i + 1] > o->data[2 * i]) == labels[i];
		tg_tensor_release(h);
		tg_tensor_release(a);
		tg_tensor_release(o);
		tg_tensor_release(l);
		tg_graph_free(g);
		if (!ok)
			goto out;
	}
	if (accuracy)
		*accuracy = (float)correct / N;
	rc = TG_OK;
out:
	tg_tensor_release(x);
	tg_params_free(p);
	return rc;
}
