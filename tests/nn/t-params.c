/* Parameters: one flat buffer with named views; gradients share the layout. */
#include <string.h>
#include "../tap.h"
#include "nn/nn.h"

int
main(void)
{
	tg_error err = { 0 };
	tg_params *p = tg_params_new();
	int64_t s1[2] = { 3, 5 }, s2[1] = { 7 };
	tg_tensor *a, *b;

	ok(tg_params_get(p, "missing") == NULL, "empty set has no views");
	ok(tg_params_add(p, "a.weight", 2, s1, &err) == 0, "add a.weight");
	ok(tg_params_add(p, "a.bias", 1, s2, &err) == 1, "add a.bias");
	ok(tg_params_add(p, "a.bias", 1, s2, &err) == TG_ERR && strstr(err.msg, "duplicate name 'a.bias'"),
	    "duplicate names are refused: %s", err.msg);
	ok(tg_params_alloc(p, true, &err) == TG_OK, "allocate with gradients");
	a = tg_params_get(p, "a.weight");
	b = tg_params_get(p, "a.bias");
	ok(a && b && a->data == p->data && b->data == p->data + 16, "views are carved from one buffer, 64-byte aligned");
	ok(a->grad && a->grad->data == p->grad && b->grad->data == p->grad + 16, "gradients share the layout");
	ok(tg_params_count(p, false) == 22 && tg_params_count(p, true) == 22, "22 parameters, all trainable");
	tg_params_set_trainable(p, 0, false);
	ok(tg_params_count(p, true) == 7 && !a->requires_grad, "freezing a view removes it from the trainable count");
	ok(p->decay[0] && !p->decay[1], "weight decay applies to matrices, not biases");
	ok(tg_params_add(p, "late", 1, s2, &err) == TG_ERR, "no views can be added after allocation");
	b->grad->data[3] = 2.0f;
	ok(tg_params_grad_sqnorm(p) == 4.0, "gradient norm over trainable views");
	tg_params_zero_grad(p);
	ok(tg_params_grad_sqnorm(p) == 0.0, "zero_grad is one memset over the layout");
	tg_params_free(p);
	return done_testing();
}
