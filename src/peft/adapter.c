/* Bottleneck adapters (down-projection, activation, up-projection) and MAD-X's NICE invertible adapter, composed
 * from engine ops so that their gradients come from the ops' own rules. */
#include "peft/peft-internal.h"

tg_tensor *
tg_peft_activation(tg_graph *g, tg_act a, tg_tensor *x, tg_error *err)
{
	switch (a) {
	case TG_ACT_RELU: return tg_relu(g, x, err);
	case TG_ACT_TANH: return tg_tanh(g, x, err);
	case TG_ACT_SWISH: return tg_swish(g, x, err);
	default: return tg_gelu(g, x, err);
	}
}

/* up(act(down(x))) */
tg_tensor *
tg_bn_forward(tg_graph *g, const tg_bn_mod *m, tg_act act, tg_tensor *x, tg_error *err)
{
	tg_tensor *a, *b;

	if ((a = tg_linear(g, x, m->dw, m->db, err)) == NULL)
		return NULL;
	b = tg_peft_activation(g, act, a, err);
	tg_tensor_release(a);
	if (b == NULL)
		return NULL;
	a = tg_linear(g, b, m->uw, m->ub, err);
	tg_tensor_release(b);
	return a;
}

/* Linear, activation, Linear with weights w[0..3] = {W0, b0, W2, b2} (AdapterHub's nn.Sequential indices). */
static tg_tensor *
subnet(tg_graph *g, tg_tensor *const *w, tg_act act, tg_tensor *x, tg_error *err)
{
	tg_bn_mod m = { w[0], w[1], w[2], w[3], 0 };

	return tg_bn_forward(g, &m, act, x, err);
}

/* NICE coupling of h = [x1 | x2] (x1: d1 features, x2: d2):
 *   forward  y1 = x1 + F(x2), y2 = x2 + G(y1)
 *   reverse  x2 = y2 - G(y1), x1 = y1 - F(x2)    (h holds [y1 | y2]) */
tg_tensor *
tg_nice_forward(tg_graph *g, tg_tensor *const *w, int64_t d1, int64_t d2, tg_act act, tg_tensor *h, bool rev,
    tg_error *err)
{
	tg_tensor *x1 = NULL, *x2 = NULL, *t = NULL, *u = NULL, *v = NULL, *out = NULL;

	if ((x1 = tg_slice(g, h, -1, 0, d1, err)) == NULL || (x2 = tg_slice(g, h, -1, d1, d2, err)) == NULL)
		goto done;
	if (!rev) {
		if ((t = subnet(g, w, act, x2, err)) == NULL || (u = tg_add(g, x1, t, err)) == NULL)   /* y1 */
			goto done;
		tg_tensor_release(t);
		if ((t = subnet(g, w + 4, act, u, err)) == NULL || (v = tg_add(g, x2, t, err)) == NULL)   /* y2 */
			goto done;
		out = tg_concat(g, u, v, -1, err);
	} else {
		if ((t = subnet(g, w + 4, act, x1, err)) == NULL || (v = tg_sub(g, x2, t, err)) == NULL)   /* x2 */
			goto done;
		tg_tensor_release(t);
		if ((t = subnet(g, w, act, v, err)) == NULL || (u = tg_sub(g, x1, t, err)) == NULL)        /* x1 */
			goto done;
		out = tg_concat(g, u, v, -1, err);
	}
done:
	tg_tensor_release(x1);
	tg_tensor_release(x2);
	tg_tensor_release(t);
	tg_tensor_release(u);
	tg_tensor_release(v);
	return out;
}
