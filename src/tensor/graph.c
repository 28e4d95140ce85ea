/* The tape: ops append nodes while a graph records; backward walks them in reverse, sending each output's
 * gradient to the inputs that need one, and frees what a node saved as soon as the node has run. */
#include <stdlib.h>
#include <string.h>
#include "tensor.h"

tg_flops tg_flop_count;

struct tg_graph {
	tg_node **nodes;
	int       n, cap;
	uint64_t  gen;
	bool      training;
	uint64_t  seed, seed_ctr;
};

/* Generations are global and unique, so a tensor can tell whether its node still belongs to a live graph
 * without touching a graph that may have been freed. The set of live generations grows as needed: a fixed table
 * that reused a slot would cut a live graph's tensors off from their nodes, and they would silently stop
 * receiving gradients. */
static uint64_t next_gen = 1;
static uint64_t *live_gens;
static int n_live, cap_live;

static void
gen_add(uint64_t gen)
{
	if (n_live == cap_live) {
		cap_live = cap_live ? 2 * cap_live : 64;
		live_gens = tg_xrealloc(live_gens, (size_t)cap_live * sizeof *live_gens);
	}
	live_gens[n_live++] = gen;
}

static void
gen_remove(uint64_t gen)
{
	int i;

	for (i = 0; i < n_live; i++)
		if (live_gens[i] == gen) {
			live_gens[i] = live_gens[--n_live];
			return;
		}
}

static bool
gen_live(uint64_t gen)
{
	int i;

	if (gen == 0)
		return false;
	for (i = 0; i < n_live; i++)
		if (live_gens[i] == gen)
			return true;
	return false;
}

tg_graph *
tg_graph_new(void)
{
	tg_graph *g = tg_xcalloc(1, sizeof *g);

	g->gen = next_gen++;
	gen_add(g->gen);
	g->seed = 0x7a6d6761;
	return g;
}

static void
node_free(tg_node *n)
{
	int i;

	for (i = 0; i < TG_NODE_MAX_IN; i++)
		tg_tensor_release(n->in_leaf[i]);
	for (i = 0; i < TG_NODE_MAX_SAVE; i++)
		tg_tensor_release(n->saved[i]);
	tg_tensor_release(n->grad);
	if (n->aux_free != NULL)
		n->aux_free(n->aux);
	free(n);
}

void
tg_graph_reset(tg_graph *g)
{
	int i;

	for (i = 0; i < g->n; i++)
		node_free(g->nodes[i]);
	g->n = 0;
	gen_remove(g->gen);
	g->gen = next_gen++;
	gen_add(g->gen);
}

void
tg_graph_free(tg_graph *g)
{
	if (g == NULL)
		return;
	tg_graph_reset(g);
	gen_remove(g->gen);
	free(g->nodes);
	free(g);
}

void
tg_graph_set_training(tg_graph *g, bool training)
{
	g->training = training;
}

bool
tg_graph_training(const tg_graph *g)
{
	return g != NULL && g->training;
}

void
tg_graph_set_seed(tg_graph *g, uint64_t seed)
{
	g->seed = seed;
	g->seed_ctr = 0;
}

uint64_t
tg_graph_next_seed(tg_graph *g)
{
	return tg_hash64(g->seed * 0x100000001b3ull + ++g->seed_ctr);
}

int
tg_graph_size(const tg_graph *g)
{
	return g->n;
}

bool
tg_graph_recording(const tg_graph *g)
{
	return g != NULL;
}

bool
tg_tensor_needs_grad(const tg_tensor *t)
{
	return t != NULL && (t->requires_grad || (t->node != NULL && gen_live(t->node_gen)));
}

tg_node *
tg_node_new(tg_graph *g, const char *op, tg_backward_fn fn, tg_tensor *out, int n_in, tg_tensor **in)
{
	tg_node *n;
	int i, any = 0;

	if (g == NULL || out == NULL)
		return NULL;
	for (i = 0; i < n_in; i++)
		if (tg_tensor_needs_grad(in[i]))
			any = 1;
	if (!any)
		return NULL;
	n = tg_xcalloc(1, sizeof *n);
	n->op = op;
	n->backward = fn;
	n->graph = g;
	n->n_in = n_in;
	for (i = 0; i < n_in; i++) {
		tg_tensor *t = in[i];
		if (t == NULL)
			continue;
		if (t->node != NULL && t->node_gen == g->gen)
			n->in_node[i] = t->node;
		else if (t->requires_grad)
			n->in_leaf[i] = tg_tensor_retain(t);
	}
	n->out_ndim = out->ndim;
	memcpy(n->out_shape, out->shape, sizeof n->out_shape);
	if (g->n == g->cap) {
		g->cap = g->cap ? 2 * g->cap : 256;
		g->nodes = tg_xrealloc(g->nodes, (size_t)g->cap * sizeof *g->nodes);
	}
	n->index = g->n;
	g->nodes[g->n++] = n;
	out->node = n;
	out->node_gen = g->gen;
	return n;
}

void
tg_node_save(tg_node *n, int slot, tg_tensor *t)
{
	tg_tensor_release(n->saved[slot]);
	n->saved[slot] = tg_tensor_retain(t);
}

void
tg_node_save_act(tg_node *n, int slot, tg_tensor *t)
{
	tg_tensor *c;

	if (tg_precision_get() != TG_PREC_BF16 || t->dtype != TG_F32 || !tg_tensor_is_contiguous(t) ||
	    (c = tg_tensor_to_bf16(t, NULL)) == NULL) {
		tg_node_save(n, slot, t);
		return;
	}
	tg_tensor_release(n->saved[slot]);
	n->saved[slot] = c;
}

tg_tensor *
tg_saved_f32(tg_tensor *s, tg_error *err)
{
	tg_tensor *f;

	if (s == NULL || s->dtype != TG_BF16)
		return tg_tensor_retain(s);
	if ((f = tg_tensor_new(s->ndim, s->shape, err)) != NULL)
		tg_bf16_to_f32(f->data, s->lp, s->numel);
	return f;
}

bool
tg_node_in_needs_grad(const tg_node *n, int i)
{
	return n->in_node[i] != NULL || n->in_leaf[i] != NULL;
}

tg_tensor *
tg_node_in_grad(tg_node *n, int i, float *beta, tg_error *err)
{
	tg_node *src = n->in_node[i];
	tg_tensor *leaf = n->in_leaf[i];

	if (src != NULL) {
		if (src->grad == NULL) {
			src->grad = tg_tensor_new(src->out_ndim, src->out_shape, err);
			*beta = 0.0f;
		} else
			*beta = 1.0f;
		return src->grad;
	}
	if (leaf != NULL) {
		if (leaf->grad == NULL) {
			leaf->grad = tg_tensor_new(leaf->ndim, leaf->shape, err);
			*beta = 0.0f;
		} else
			*beta = 1.0f;
		return leaf->grad;
	}
	return NULL;
}

void
tg_grad_axpy(float *dst, const float *src, int64_t n, float alpha, float beta)
{
	int64_t i;

	if (beta == 0.0f) {
#pragma omp parallel for schedule(static) if (n > 65536)
		for (i = 0; i < n; i++)
			dst[i] = alpha * src[i];
	} else {
#pragma omp parallel for schedule(static) if (n > 65536)
		for (i = 0; i < n; i++)
			dst[i] += alpha * src[i];
	}
}

int
tg_graph_backward_from(tg_graph *g, tg_tensor *out, const tg_tensor *grad_out, tg_error *err)
{
	tg_node *top;
	int i, j;
	char a[96], b[96];
	tg_error local;

	if (err == NULL)
		err = &local;
	tg_error_clear(err);

	if (out->node == NULL || out->node_gen != g->gen) {
		tg_error_set(err, TG_E_STATE, "backward: the output was not computed from any tensor that requires grad "
		    "in this graph");
		return tg_error_hint(err, "mark the trainable parameters with requires_grad before the forward pass");
	}
	if (grad_out->numel != out->numel)
		return tg_error_set(err, TG_E_SHAPE, "backward: gradient %s does not match output %s",
		    tg_shape_str(a, sizeof a, grad_out->ndim, grad_out->shape),
		    tg_shape_str(b, sizeof b, out->ndim, out->shape));
	top = out->node;
	tg_tensor_release(top->grad);
	if ((top->grad = tg_tensor_new(out->ndim, out->shape, err)) == NULL)
		return TG_ERR;
	tg_tensor_copy(top->grad, grad_out);
	for (i = top->index; i >= 0; i--) {
		tg_node *n = g->nodes[i];
		if (n->grad == NULL)
			continue;
		n->backward(n, err);
		if (err->code != 0)
			return TG_ERR;
		/* Free what this node held as soon as it has run. */
		tg_tensor_release(n->grad);
		n->grad = NULL;
		for (j = 0; j < TG_NODE_MAX_SAVE; j++) {
			tg_tensor_release(n->saved[j]);
			n->saved[j] = NULL;
		}
	}
	return TG_OK;
}

int
tg_graph_backward(tg_graph *g, tg_tensor *loss, tg_error *err)
{
	tg_tensor *one;
	int64_t shape[1] = { 1 };
	int rc;

	if (loss->numel != 1)
		return tg_error_set(err, TG_E_SHAPE, "backward: the loss has %lld elements, expected 1",
		    (long long)loss->numel), tg_error_hint(err, "reduce it to a scalar, or use tg_graph_backward_from");
	one = tg_tensor_new(1, shape, err);
	if (one == NULL)
		return TG_ERR;
	one->data[0] = 1.0f;
	rc = tg_graph_backward_from(g, loss, one, err);
	tg_tensor_release(one);
	return rc;
}
