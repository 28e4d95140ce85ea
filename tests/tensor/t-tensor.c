/* Tensors: creation, views sharing storage, alignment, and errors that name both shapes. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../tap.h"
#include "tensor/tensor.h"
#include "tensor/kernels.h"

/* Dropout masks: the kept fraction is 1 - p within 5 standard deviations, kept values are scaled by 1/(1-p), the
 * same seed replays the same mask, another seed gives an independent one, and a run that crosses a 2^32 index
 * boundary equals the same run split at the boundary. */
static void
dropout_masks(void)
{
	enum { N = 1000000 };
	tg_error err = { 0 };
	int64_t shape[1] = { N };
	tg_tensor *x = tg_tensor_zeros(1, shape, &err), *y1, *y2, *y3;
	tg_graph *g = tg_graph_new();
	float p = 0.1f, *a = calloc(64, sizeof(float)), *b = calloc(64, sizeof(float)), one[64];
	int64_t i, kept = 0, both = 0, scaled = 1;
	double f, sd = sqrt(p * (1 - p) / N);

	tg_tensor_fill(x, 1.0f);
	tg_graph_set_training(g, true);
	tg_graph_set_seed(g, 42);
	y1 = tg_dropout(g, x, p, &err);
	y2 = tg_dropout(g, x, p, &err);   /* the next seed of the stream */
	tg_graph_set_seed(g, 42);
	y3 = tg_dropout(g, x, p, &err);   /* replays y1 */
	for (i = 0; i < N; i++) {
		kept += y1->data[i] != 0.0f;
		both += y1->data[i] != 0.0f && y2->data[i] != 0.0f;
		if (y1->data[i] != 0.0f && fabsf(y1->data[i] - 1.0f / (1.0f - p)) > 1e-6f)
			scaled = 0;
	}
	f = (double)kept / N;
	ok(fabs(f - (1 - p)) < 5 * sd, "dropout p=0.1 keeps %.5f of 10^6 elements (expected 0.9 +- %.5f)", f, 5 * sd);
	ok(scaled, "kept elements are scaled by 1/(1-p)");
	f = (double)both / N;
	ok(fabs(f - (1 - p) * (1 - p)) < 5 * sqrt(0.81 * 0.19 / N), "two seeds' masks are independent (both kept: %.5f, "
	    "expected 0.81)", f);
	ok(memcmp(y1->data, y3->data, N * sizeof(float)) == 0, "the same seed replays the same mask");
	for (i = 0; i < 64; i++)
		one[i] = 1.0f;
	tg_k_dropout(one, a, 64, 7, ((uint64_t)1 << 32) - 20, tg_k_drop_threshold(0.5f), 2.0f, 0);
	tg_k_dropout(one, b, 20, 7, ((uint64_t)1 << 32) - 20, tg_k_drop_threshold(0.5f), 2.0f, 0);
	tg_k_dropout(one + 20, b + 20, 44, 7, (uint64_t)1 << 32, tg_k_drop_threshold(0.5f), 2.0f, 0);
	ok(memcmp(a, b, 64 * sizeof(float)) == 0, "a mask run across the 2^32 index boundary equals the split run");
	tg_k_dropout(one, b, 64, 7, ((uint64_t)1 << 32) - 20, tg_k_drop_threshold(0.5f), 2.0f, 1);
	for (i = 0, scaled = 1; i < 64; i++)
		scaled &= b[i] == 2.0f * a[i];
	ok(scaled, "accumulating dropout adds the masked values");
	free(a);
	free(b);
	tg_tensor_release(y1);
	tg_tensor_release(y2);
	tg_tensor_release(y3);
	tg_tensor_release(x);
	tg_graph_free(g);
}

/* The element kernels' exp and GELU against libm in double: exp within 4 ulp over its range (by the largest
 * float's spacing near the result), GELU within 2e-6 of max(1, |gelu|) and its derivative within 4e-6, on a grid
 * from -12 to 12 that covers the clamps; softmax pieces (max over a row with -inf, the exp sum) on small rows. */
static void
kernel_accuracy(void)
{
	enum { N = 24001 };
	float *x = malloc(N * sizeof(float)), *y = malloc(N * sizeof(float)), *g = malloc(N * sizeof(float));
	float *one = malloc(N * sizeof(float)), row[5] = { -INFINITY, 2.0f, -1.0f, -INFINITY, 0.5f };
	double ge = 0, de = 0, ee = 0, sum = 0;
	int64_t i;

	for (i = 0; i < N; i++) {
		x[i] = (float)(i - N / 2) * 1e-3f;
		one[i] = 1.0f;
	}
	tg_k_gelu_fwd(x, y, N);
	tg_k_gelu_bwd(x, one, g, 0.0f, N);
	for (i = 0; i < N; i++) {
		double xd = x[i], ref = 0.5 * xd * (1.0 + erf(xd / sqrt(2.0)));
		double dref = 0.5 * (1.0 + erf(xd / sqrt(2.0))) + xd * exp(-0.5 * xd * xd) / sqrt(2.0 * M_PI);
		ge = fmax(ge, fabs(y[i] - ref) / fmax(1.0, fabs(ref)));
		de = fmax(de, fabs(g[i] - dref) / fmax(1.0, fabs(dref)));
	}
	ok(ge <= 2e-6, "GELU kernel matches 0.5 x (1 + erf(x / sqrt 2)) within %.2g on [-12, 12]", ge);
	ok(de <= 4e-6, "GELU derivative kernel matches within %.2g", de);
	for (i = 0; i < N; i++)
		x[i] = -87.0f + (float)i * (175.0f / N);
	tg_k_exp_shift(x, y, 0.0f, N);
	for (i = 0; i < N; i++) {
		double ref = exp((double)x[i]);
		ee = fmax(ee, fabs(y[i] - ref) / (ref * 1.1920929e-7));
	}
	ok(ee <= 4.0, "exp kernel within %.2g ulp on [-87, 88]", ee);
	{
		double ysum = 0;
		for (i = 0; i < 1000; i++)
			ysum += y[i];
		sum = tg_k_exp_shift(x, y, 0.0f, 1000);
		ok(fabs(sum - ysum) <= 1e-5 * ysum, "exp kernel returns the sum of its outputs (%.7g vs %.7g)", sum, ysum);
	}
	{
		int bad[4];
		float nanrow[37], infrow[37];
		size_t j;
		for (j = 0; j < 37; j++)
			nanrow[j] = infrow[j] = -INFINITY;
		nanrow[29] = NAN;            /* past the first vector: the lanes and the tail both count */
		infrow[36] = INFINITY;
		ok(tg_k_max(row, 5, &bad[0]) == 2.0f && tg_k_max(row, 1, &bad[1]) <= -FLT_MAX && !bad[0] && !bad[1],
		    "row max skips -inf and is <= -FLT_MAX for a masked row, which is not flagged");
		tg_k_max(nanrow, 37, &bad[2]);
		tg_k_max(infrow, 37, &bad[3]);
		ok(bad[2] && bad[3], "row max flags a NaN (a NaN row is not a masked row) and +inf");
	}
	free(x);
	free(y);
	free(g);
	free(one);
}

int
main(void)
{
	tg_error err = { 0 };
	int64_t s23[2] = { 2, 3 }, s6[1] = { 6 }, s32[2] = { 3, 2 }, bad[2] = { 4, 2 }, neg[2] = { -1, 2 };
	int64_t zero[2] = { 0, 5 }, huge[2] = { (int64_t)1 << 40, (int64_t)1 << 20 };
	float src[6] = { 1, 2, 3, 4, 5, 6 };
	tg_tensor *a, *v, *n, *t, *c, *z, *w, *y;

	/* empty and NULL cases first */
	tg_tensor_release(NULL);
	ok(tg_tensor_new(0, s23, &err) == NULL && strstr(err.msg, "dimensions"), "0-D tensor is refused: %s", err.msg);
	ok(tg_tensor_new(2, neg, &err) == NULL && strstr(err.msg, "negative"), "negative size is refused: %s", err.msg);
	z = tg_tensor_zeros(2, zero, &err);
	ok(z != NULL && z->numel == 0, "a (0, 5) tensor exists and has no elements");
	tg_tensor_release(z);
	t = tg_tensor_new(2, huge, &err);
	ok(t == NULL && err.code == TG_E_NOMEM, "a 4 PiB allocation returns an error instead of aborting: %s", err.msg);

	a = tg_tensor_from(2, s23, src, &err);
	ok(a != NULL && a->numel == 6 && a->shape[0] == 2 && a->shape[1] == 3, "from: shape (2, 3)");
	ok(((uintptr_t)a->data & 63) == 0, "storage is 64-byte aligned");
	v = tg_tensor_view(a, 1, s6, &err);
	ok(v != NULL && v->data == a->data && a->storage->refcount == 2, "view shares storage");
	v->data[4] = 50;
	ok(a->data[4] == 50, "a write through the view is seen by the base");
	tg_tensor_release(a);
	ok(v->data[4] == 50 && v->storage->refcount == 1, "the view keeps the storage alive after the base is released");
	ok(tg_tensor_view(v, 2, bad, &err) == NULL && strstr(err.msg, "(6)") && strstr(err.msg, "(4, 2)"),
	    "reshape to a different size names both shapes: %s", err.msg);
	n = tg_tensor_view(v, 2, s32, &err);
	w = tg_tensor_narrow(n, 1, 2, &err);
	ok(w != NULL && w->shape[0] == 2 && w->data[0] == 3, "narrow selects rows 1..2");
	ok(tg_tensor_narrow(n, 2, 2, &err) == NULL && strstr(err.msg, "out of range"), "narrow past the end: %s", err.msg);
	{   /* select: a sub-tensor as a view with one dimension less (the Lua binding's t[i]) */
		tg_tensor *r = tg_tensor_select(n, 0, 1, &err), *col = tg_tensor_select(n, 1, 1, &err);
		ok(r != NULL && r->ndim == 1 && r->shape[0] == 2 && r->numel == 2 && r->data[0] == 3 && r->data[1] == 4 &&
		    tg_tensor_is_contiguous(r), "select(0, 1) is row 1: (3, 4)");
		ok(col != NULL && col->ndim == 1 && col->shape[0] == 3 && col->stride[0] == 2 && col->data[0] == 2 &&
		    col->data[2 * col->stride[0]] == 6 && !tg_tensor_is_contiguous(col), "select(1, 1) is column 1, strided");
		ok(tg_tensor_select(n, 0, 3, &err) == NULL && strstr(err.msg, "out of range"), "select past the end: %s",
		    err.msg);
		ok(tg_tensor_select(r, 0, 0, &err) == NULL && strstr(err.msg, "1-D"), "a 1-D tensor has none: %s", err.msg);
		tg_tensor_release(r);
		tg_tensor_release(col);
	}
	t = tg_tensor_transpose(n, 0, 1, &err);
	ok(t != NULL && !tg_tensor_is_contiguous(t) && t->shape[0] == 2 && t->shape[1] == 3, "transpose is a strided view");
	c = tg_tensor_contiguous(t, &err);
	ok(c != NULL && tg_tensor_is_contiguous(c) && c->data[0] == 1 && c->data[1] == 3 && c->data[2] == 50 &&
	    c->data[3] == 2, "contiguous copy of a transpose reorders elements");
	ok(tg_matmul(NULL, t, n, false, &err) == NULL && strstr(err.msg, "strided"), "ops refuse strided views: %s",
	    err.msg);
	y = tg_matmul(NULL, n, n, false, &err);
	ok(y == NULL && strstr(err.msg, "inner dimensions differ (2 vs 3)") && strstr(err.msg, "(3, 2)"),
	    "matmul shape mismatch names both shapes: %s", err.msg);
	ok(tg_linear(NULL, c, n, NULL, &err) == NULL && strstr(err.msg, "(2, 3)") && strstr(err.msg, "(3, 2)"),
	    "linear shape mismatch names both shapes: %s", err.msg);
	ok(tg_add(NULL, n, c, &err) == NULL && strstr(err.msg, "add: shapes differ (3, 2) vs (2, 3)"),
	    "add shape mismatch: %s", err.msg);
	{
		int32_t ids[2] = { 0, 7 };
		ok(tg_embedding(NULL, n, ids, 2, &err) == NULL && strstr(err.msg, "id 7") && err.hint[0],
		    "embedding id out of range names the id, with a hint: %s", err.msg);
		int32_t lab[3] = { 0, 9, 1 };
		ok(tg_cross_entropy(NULL, n, lab, -100, 0, &err) == NULL && strstr(err.msg, "label 9"),
		    "cross-entropy label out of range: %s", err.msg);
	}
	ok(tg_attention(NULL, n, n, n, 2, 1, NULL, 0, &err) == NULL && strstr(err.msg, "do not split"),
	    "attention with rows not divisible by batch: %s", err.msg);
	ok(tg_dropout(NULL, n, 1.0f, &err) == NULL && strstr(err.msg, "[0, 1)"), "dropout p = 1 is refused");
	tg_tensor_release(t);
	tg_tensor_release(c);
	tg_tensor_release(w);
	tg_tensor_release(n);
	tg_tensor_release(v);
	{
		tg_mem_stats st = tg_mem_get_stats();
		ok(st.live == 0, "every tensor released: %zu bytes live", st.live);
	}
	dropout_masks();
	kernel_accuracy();
	return done_testing();
}
