/* The tape: frozen weights get no gradient and no dW product; gradients accumulate; only what needs a gradient
 * gets one; backward without a trainable input says how to fix it. */
#include <string.h>
#include "../tap.h"
#include "tensor/tensor.h"

int
main(void)
{
	tg_error err = { 0 };
	int64_t sx[2] = { 8, 6 }, sw[2] = { 4, 6 }, sw2[2] = { 3, 4 }, sb[1] = { 4 };
	tg_tensor *x = tg_tensor_new(2, sx, &err), *w1 = tg_tensor_new(2, sw, &err), *b1 = tg_tensor_new(1, sb, &err);
	tg_tensor *w2 = tg_tensor_new(2, sw2, &err), *h, *a, *o, *l;
	int32_t labels[8] = { 0, 1, 2, 0, 1, 2, 0, -100 };
	tg_graph *g;
	tg_flops before;
	float g1;

	tg_threads_init();
	tg_tensor_rand_uniform(x, 1, -1, 1);
	tg_tensor_rand_uniform(w1, 2, -1, 1);
	tg_tensor_rand_uniform(b1, 3, -1, 1);
	tg_tensor_rand_uniform(w2, 4, -1, 1);

	/* Frozen first layer, trainable second: no dW for w1, no dX below the second layer. */
	w2->requires_grad = true;
	g = tg_graph_new();
	h = tg_linear(g, x, w1, b1, &err);
	a = tg_gelu(g, h, &err);
	ok(!tg_tensor_needs_grad(h) && h->node == NULL, "a frozen layer records no node");
	o = tg_linear(g, a, w2, NULL, &err);
	l = tg_cross_entropy(g, o, labels, -100, 0, &err);
	ok(tg_graph_size(g) == 2, "only the trainable part is on the tape (%d nodes)", tg_graph_size(g));
	before = tg_flop_count;
	ok(tg_graph_backward(g, l, &err) == TG_OK, "backward runs");
	ok(w2->grad != NULL && w1->grad == NULL && b1->grad == NULL && x->grad == NULL,
	    "only the trainable weight receives a gradient");
	ok(tg_flop_count.dw - before.dw == 2.0 * 8 * 4 * 3, "exactly one dW product (%.0f FLOPs)",
	    tg_flop_count.dw - before.dw);
	ok(tg_flop_count.dx - before.dx == 0, "no dX product below the lowest trainable weight (%.0f FLOPs)",
	    tg_flop_count.dx - before.dx);
	g1 = w2->grad->data[5];
	tg_tensor_release(h); tg_tensor_release(a); tg_tensor_release(o); tg_tensor_release(l);
	tg_graph_free(g);

	/* Gradients accumulate over two backward passes. */
	g = tg_graph_new();
	h = tg_linear(g, x, w1, b1, &err);
	a = tg_gelu(g, h, &err);
	o = tg_linear(g, a, w2, NULL, &err);
	l = tg_cross_entropy(g, o, labels, -100, 0, &err);
	tg_graph_backward(g, l, &err);
	is_num(w2->grad->data[5], 2 * g1, 1e-6, "gradients accumulate across backward passes");
	tg_tensor_release(h); tg_tensor_release(a); tg_tensor_release(o); tg_tensor_release(l);
	tg_graph_free(g);

	/* A frozen weight ABOVE a trainable one still passes dX down but computes no dW. */
	tg_tensor_release(w2->grad);
	w2->grad = NULL;
	w2->requires_grad = false;
	w1->requires_grad = true;
	g = tg_graph_new();
	h = tg_linear(g, x, w1, b1, &err);
	a = tg_gelu(g, h, &err);
	o = tg_linear(g, a, w2, NULL, &err);
	l = tg_cross_entropy(g, o, labels, -100, 0, &err);
	before = tg_flop_count;
	tg_graph_backward(g, l, &err);
	ok(w1->grad != NULL && w2->grad == NULL, "the frozen upper weight gets no gradient");
	ok(tg_flop_count.dw - before.dw == 2.0 * 8 * 6 * 4, "dW only for the trainable lower weight");
	ok(tg_flop_count.dx - before.dx == 2.0 * 8 * 4 * 3, "dX through the frozen upper layer, none for the input");
	tg_tensor_release(h); tg_tensor_release(a); tg_tensor_release(o); tg_tensor_release(l);
	tg_graph_free(g);

	/* Backward from a loss that depends on nothing trainable. */
	w1->requires_grad = false;
	g = tg_graph_new();
	h = tg_linear(g, x, w1, b1, &err);
	l = tg_cross_entropy(g, h, labels, -100, 0, &err);
	ok(tg_graph_backward(g, l, &err) == TG_ERR && strstr(err.msg, "requires grad") && strstr(err.hint, "requires_grad"),
	    "backward with nothing trainable explains the fix: %s / %s", err.msg, err.hint);
	tg_tensor_release(h); tg_tensor_release(l);
	tg_graph_free(g);

	/* A tensor outliving its graph is a constant in the next one. */
	w1->requires_grad = true;
	g = tg_graph_new();
	h = tg_linear(g, x, w1, b1, &err);
	tg_graph_free(g);
	ok(!tg_tensor_needs_grad(h), "a tensor whose graph is gone needs no gradient");
	tg_tensor_release(h);

	/* More than 64 graphs alive at once: the first one's tensors keep their node and their gradients. */
	{
		tg_graph *many[200];
		float ref;
		int i;

		if (w1->grad != NULL) {
			tg_tensor_release(w1->grad);
			w1->grad = NULL;
		}
		g = tg_graph_new();
		h = tg_linear(g, x, w1, b1, &err);
		l = tg_cross_entropy(g, h, labels, -100, 0, &err);
		tg_graph_backward(g, l, &err);
		ref = w1->grad->data[3];
		tg_tensor_release(w1->grad);
		w1->grad = NULL;
		tg_tensor_release(h); tg_tensor_release(l);
		tg_graph_reset(g);

		h = tg_linear(g, x, w1, b1, &err);
		for (i = 0; i < 200; i++)
			many[i] = tg_graph_new();
		ok(tg_tensor_needs_grad(h), "a live graph's tensor keeps its node while 200 more graphs are alive");
		l = tg_cross_entropy(g, h, labels, -100, 0, &err);
		ok(tg_graph_backward(g, l, &err) == TG_OK && w1->grad != NULL, "backward still reaches the weight: %s",
		    err.msg);
		is_num(w1->grad != NULL ? w1->grad->data[3] : 0.0f, ref, 1e-6,
		    "and the gradient equals the one computed with a single graph alive");
		for (i = 0; i < 200; i++)
			tg_graph_free(many[i]);
		tg_tensor_release(h); tg_tensor_release(l);
		tg_graph_free(g);
	}

	tg_tensor_release(x); tg_tensor_release(w1); tg_tensor_release(b1); tg_tensor_release(w2);
	ok(tg_mem_get_stats().live == 0, "nothing leaks: %zu bytes live", tg_mem_get_stats().live);
	return done_testing();
}
