/* Tensors and reverse-mode autodiff: the engine's core.
 *
 *   tensor.c      tg_tensor: float32, up to 4 dims, refcounted storage, views, 64-byte aligned memory
 *   alloc.c       caching allocator for tensor storage (size classes, so a training step does not page-fault)
 *   graph.c       tg_graph: the tape; nodes record what backward needs; backward runs nodes in reverse
 *   gradcheck.c   central-difference gradient checks (library code: tests and Lua both call it)
 *   op-linear.c   matmul, linear (x W^T + b) and batched matmul through cblas_sgemm
 *   op-eltwise.c  add, sub, mul, scale, bias add, GELU (erf), ReLU, tanh, swish
 *   op-softmax.c  softmax over the last dimension with an optional additive mask
 *   op-norm.c     layer norm
 *   op-embed.c    embedding lookup (backward is scatter-add)
 *   op-dropout.c  dropout with a counter-based mask replayed in backward
 *   op-loss.c     cross-entropy with ignore index and label smoothing, mean squared error
 *   op-pool.c     mean pooling with a mask
 *   op-shape.c    concat and slice along a dimension, reshape copy
 *   op-attn.c     fused multi-head self-attention with padding mask
 *
 * Ownership: every op returns a new reference that the caller releases with tg_tensor_release(). A graph keeps
 * its own references to what backward needs, so callers may release intermediates right away.
 * Gradients: a tensor needs a gradient when it is a leaf with requires_grad set, or when it was produced by an op
 * recorded in a live graph from an input that needs one. Ops compute input gradients only for inputs that need
 * them: a frozen weight never gets a dW product, and nothing below the lowest trainable tensor gets a dX product.
 */
#ifndef TG_TENSOR_H
#define TG_TENSOR_H

#include <stdbool.h>
#include <stdint.h>
#include "util/util.h"

#define TG_MAX_DIMS 4

typedef struct tg_storage {
	int     refcount;
	int     kind;               /* TG_STORAGE_OWNED, _BORROWED (mmap or caller memory) */
	size_t  nbytes;
	float  *data;
} tg_storage;
enum { TG_STORAGE_OWNED = 0, TG_STORAGE_BORROWED = 1, TG_STORAGE_MAPPED = 2 };   /* MAPPED: tg_mem_map_zeroed */

typedef struct tg_node tg_node;
typedef struct tg_graph tg_graph;

/* Element types. Everything computes in FP32; a frozen weight may be held in BF16 instead, and then its data is
 * NULL and lp holds the values (see lowp.c and tg_params_lowp). */
typedef enum { TG_F32 = 0, TG_BF16 = 1 } tg_dtype;

typedef struct tg_tensor {
	int        refcount;
	int        dtype;               /* tg_dtype; TG_F32 unless made low-precision by tg_params_lowp */
	uint16_t  *lp;                  /* dtype TG_BF16: the values, borrowed (owned by whoever converted it) */
	int        ndim;
	int64_t    shape[TG_MAX_DIMS];
	int64_t    stride[TG_MAX_DIMS];  /* in elements; contiguous row-major unless made by tg_tensor_transpose */
	int64_t    numel;
	tg_storage *storage;
	float     *data;                /* storage->data + offset */
	struct tg_tensor *grad;         /* leaf gradient (accumulated), or NULL */
	bool       requires_grad;       /* leaf flag: this tensor is trainable */
	tg_node   *node;                /* producing op in a graph, or NULL */
	uint64_t   node_gen;            /* graph generation the node belongs to */
	char      *name;                /* optional, for messages */
} tg_tensor;

/* ---- tensor.c ---------------------------------------------------------------------------------------------------- */
tg_tensor *tg_tensor_new(int ndim, const int64_t *shape, tg_error *err);            /* uninitialised */
tg_tensor *tg_tensor_zeros(int ndim, const int64_t *shape, tg_error *err);
/* Zeros whose pages take memory only once written (parameter buffers; see tg_mem_map_zeroed). */
tg_tensor *tg_tensor_zeros_mapped(int ndim, const int64_t *shape, tg_error *err);
tg_tensor *tg_tensor_new2(int64_t d0, int64_t d1, tg_error *err);                   /* shorthand, 2-D */
tg_tensor *tg_tensor_from(int ndim, const int64_t *shape, const float *src, tg_error *err); /* copies src */
tg_tensor *tg_tensor_wrap(int ndim, const int64_t *shape, float *data);            /* borrows data, no copy */
tg_tensor *tg_tensor_retain(tg_tensor *t);
void       tg_tensor_release(tg_tensor *t);                                        /* NULL is fine */
tg_tensor *tg_tensor_view(tg_tensor *t, int ndim, const int64_t *shape, tg_error *err);  /* reshape, shares */
tg_tensor *tg_tensor_narrow(tg_tensor *t, int64_t start, int64_t len, tg_error *err);    /* rows of dim 0 */
/* Sub-tensor index of dimension dim, as a view with that dimension removed (t[i] of a 2-D t is its row i). */
tg_tensor *tg_tensor_select(tg_tensor *t, int dim, int64_t index, tg_error *err);
tg_tensor *tg_tensor_transpose(tg_tensor *t, int d0, int d1, tg_error *err);            /* strided view */
tg_tensor *tg_tensor_contiguous(tg_tensor *t, tg_error *err);      /* retains t if already contiguous */
tg_tensor *tg_tensor_clone(tg_tensor *t, tg_error *err);           /* a deep copy, no grad, no node */
bool       tg_tensor_is_contiguous(const tg_tensor *t);
/* A BF16 copy of contiguous FP32 t that owns its values (dtype TG_BF16, data NULL); NULL when t cannot be. */
tg_tensor *tg_tensor_to_bf16(const tg_tensor *t, tg_error *err);
void       tg_tensor_fill(tg_tensor *t, float v);
void       tg_tensor_copy(tg_tensor *dst, const tg_tensor *src);   /* same numel, both contiguous */
int64_t    tg_tensor_rows(const tg_tensor *t);                     /* numel / last dim */
int64_t    tg_tensor_cols(const tg_tensor *t);                     /* last dim */
bool       tg_tensor_same_shape(const tg_tensor *a, const tg_tensor *b);
void       tg_tensor_set_name(tg_tensor *t, const char *name);
const char *tg_tensor_describe(const tg_tensor *t, char *buf, size_t n);   /* "name (2, 3)" */
void       tg_tensor_rand_uniform(tg_tensor *t, uint64_t seed, float lo, float hi);
void       tg_tensor_rand_normal(tg_tensor *t, uint64_t seed, float mean, float sd);
tg_tensor *tg_tensor_grad(tg_tensor *t, tg_error *err);            /* leaf grad, allocated zeroed if absent */
void       tg_tensor_zero_grad(tg_tensor *t);
bool       tg_tensor_needs_grad(const tg_tensor *t);               /* leaf requires_grad or live node */
double     tg_tensor_sum(const tg_tensor *t);                      /* in double */
float      tg_tensor_max_abs_diff(const tg_tensor *a, const tg_tensor *b);

/* ---- lowp.c: precision of the matrix products --------------------------------------------------------------------
 * fp32: everything in FP32. bf16: the products of linear layers large enough to profit (and of weights held in
 * BF16) take BF16 operands with FP32 accumulation; norms, softmax, losses, attention, trainable parameters and
 * optimizer state stay FP32. The setting is process-wide, like the thread count. */
typedef enum { TG_PREC_FP32 = 0, TG_PREC_BF16 = 1 } tg_precision;
bool         tg_precision_parse(const char *s, tg_precision *out);   /* "fp32", "bf16" */
const char  *tg_precision_name(tg_precision p);
tg_precision tg_precision_get(void);
void         tg_precision_set(tg_precision p);
/* What the CPU supports (AVX512_BF16, AVX512_VNNI), from cpuid at run time; TAMGA_NO_BF16=1 / TAMGA_NO_VNNI=1
 * pretend they are missing. "bf16 yes, vnni yes" for --version. */
bool         tg_cpu_has_bf16(void);
bool         tg_cpu_has_vnni(void);
const char  *tg_cpu_info(void);
/* The precision a run asking for `want` gets on this CPU: the same, or fp32 with a one-line note in note
 * (empty when nothing changed). */
tg_precision tg_precision_available(tg_precision want, char *note, size_t n);
/* Conversions (round to nearest even; NaN stays NaN). _t writes the transpose: dst (cols x rows). */
void tg_f32_to_bf16(uint16_t *dst, const float *src, int64_t n);
void tg_f32_to_bf16_t(uint16_t *dst, const float *src, int64_t rows, int64_t cols);
void tg_bf16_to_f32(float *dst, const uint16_t *src, int64_t n);
/* Row r of a 2-D tensor of any dtype as FP32 (cols floats). */
void tg_tensor_row_f32(const tg_tensor *t, int64_t r, float *dst);

/* ---- alloc.c ----------------------------------------------------------------------------------------------------- */
float *tg_mem_alloc(size_t nbytes, size_t *cap);    /* from the cache or the system; NULL on failure */
void   tg_mem_free(float *p, size_t cap);
float *tg_mem_map_zeroed(size_t nbytes, size_t *cap);   /* zero pages that cost memory only once written */
void   tg_mem_unmap(float *p, size_t cap);
void   tg_mem_trim(void);                           /* release cached blocks to the system */
typedef struct tg_mem_stats { size_t live, peak, cached, system_allocs; } tg_mem_stats;
tg_mem_stats tg_mem_get_stats(void);
void   tg_mem_reset_peak(void);

/* ---- graph.c ----------------------------------------------------------------------------------------------------- */
#define TG_NODE_MAX_IN   6
#define TG_NODE_MAX_SAVE 8
typedef void (*tg_backward_fn)(tg_node *n, tg_error *err);

struct tg_node {
	const char     *op;                      /* op name, for messages and profiles */
	tg_backward_fn  backward;
	tg_graph       *graph;
	int             n_in;
	tg_node        *in_node[TG_NODE_MAX_IN]; /* producing node of input i (gradient goes to its output grad) */
	tg_tensor      *in_leaf[TG_NODE_MAX_IN]; /* or leaf tensor that requires grad (retained); both NULL = none */
	tg_tensor      *saved[TG_NODE_MAX_SAVE]; /* retained tensors backward reads */
	int             out_ndim;
	int64_t         out_shape[TG_MAX_DIMS];
	tg_tensor      *grad;                    /* gradient of this node's output; allocated when one arrives */
	float           f[4];
	int64_t         i[8];
	void           *aux;
	void          (*aux_free)(void *);
	int             index;
};

tg_graph *tg_graph_new(void);
void      tg_graph_free(tg_graph *g);
void      tg_graph_reset(tg_graph *g);        /* drop all nodes; tensors made before lose their node */
void      tg_graph_set_training(tg_graph *g, bool training);   /* dropout active when true */
bool      tg_graph_training(const tg_graph *g);
void      tg_graph_set_seed(tg_graph *g, uint64_t seed);       /* dropout stream seed */
uint64_t  tg_graph_next_seed(tg_graph *g);
int       tg_graph_size(const tg_graph *g);
/* Backward from a scalar loss (gradient 1), or from any tensor with a given upstream gradient. */
int       tg_graph_backward(tg_graph *g, tg_tensor *loss, tg_error *err);
int       tg_graph_backward_from(tg_graph *g, tg_tensor *out, const tg_tensor *grad_out, tg_error *err);

/* For op implementations. */
bool       tg_graph_recording(const tg_graph *g);
tg_node   *tg_node_new(tg_graph *g, const char *op, tg_backward_fn fn, tg_tensor *out, int n_in, tg_tensor **in);
void       tg_node_save(tg_node *n, int slot, tg_tensor *t);                 /* retains t */
/* An activation the backward pass reads: in precision bf16 kept as a BF16 copy (half the memory; PyTorch's bf16
 * autocast keeps a linear layer's output in bf16 the same way), else as tg_node_save. Read it back with
 * tg_saved_f32. */
void       tg_node_save_act(tg_node *n, int slot, tg_tensor *t);
/* A saved tensor as FP32: itself (retained) or, if held in BF16, a fresh FP32 copy. Release it after use. */
tg_tensor *tg_saved_f32(tg_tensor *s, tg_error *err);
bool       tg_node_in_needs_grad(const tg_node *n, int i);
/* The buffer to accumulate input i's gradient into, or NULL when input i needs none. *beta is 0 when the buffer
 * is fresh (uninitialised: write, do not add) and 1 when it must be added to. */
tg_tensor *tg_node_in_grad(tg_node *n, int i, float *beta, tg_error *err);
/* Helper for ops with element-wise gradient: adds (beta=1) or stores (beta=0) src * alpha into dst. */
void       tg_grad_axpy(float *dst, const float *src, int64_t n, float alpha, float beta);

/* Work counters (FLOPs of matrix products by kind), for tests and benchmarks. */
typedef struct tg_flops { double fwd, dx, dw; } tg_flops;
extern tg_flops tg_flop_count;

/* ---- ops ---------------------------------------------------------------------------------------------------------
 * Every op takes the graph first (NULL = do not record) and an error last; returns NULL on error. */
/* op-linear.c */
tg_tensor *tg_matmul(tg_graph *g, tg_tensor *a, tg_tensor *b, bool trans_b, tg_error *err);  /* (m,k)x(k,n) or B^T */
tg_tensor *tg_linear(tg_graph *g, tg_tensor *x, tg_tensor *w, tg_tensor *b, tg_error *err);   /* x W^T + b */
tg_tensor *tg_linear_gelu(tg_graph *g, tg_tensor *x, tg_tensor *w, tg_tensor *b, tg_error *err); /* gelu(x W^T + b) */
tg_tensor *tg_bmm(tg_graph *g, tg_tensor *a, tg_tensor *b, bool trans_b, tg_error *err);     /* batched, 3-D */
/* op-eltwise.c */
tg_tensor *tg_add(tg_graph *g, tg_tensor *a, tg_tensor *b, tg_error *err);       /* same shape (residual add) */
tg_tensor *tg_sub(tg_graph *g, tg_tensor *a, tg_tensor *b, tg_error *err);
tg_tensor *tg_mul(tg_graph *g, tg_tensor *a, tg_tensor *b, tg_error *err);       /* element-wise */
tg_tensor *tg_scale(tg_graph *g, tg_tensor *a, float s, tg_error *err);
tg_tensor *tg_add_scaled(tg_graph *g, tg_tensor *a, tg_tensor *b, float s, tg_error *err);   /* a + s*b */
tg_tensor *tg_bias_add(tg_graph *g, tg_tensor *x, tg_tensor *b, tg_error *err);  /* b broadcast over rows */
tg_tensor *tg_gelu(tg_graph *g, tg_tensor *x, tg_error *err);
tg_tensor *tg_relu(tg_graph *g, tg_tensor *x, tg_error *err);
tg_tensor *tg_tanh(tg_graph *g, tg_tensor *x, tg_error *err);
tg_tensor *tg_swish(tg_graph *g, tg_tensor *x, tg_error *err);
/* op-softmax.c: softmax over the last dim; mask (optional) is additive and broadcast over leading rows. */
tg_tensor *tg_softmax(tg_graph *g, tg_tensor *x, const tg_tensor *mask, tg_error *err);
/* op-norm.c */
tg_tensor *tg_layernorm(tg_graph *g, tg_tensor *x, tg_tensor *w, tg_tensor *b, float eps, tg_error *err);
/* layernorm(a + r) (the post-LN residual step); without gradients the sum is never stored. */
tg_tensor *tg_add_layernorm(tg_graph *g, tg_tensor *a, tg_tensor *r, tg_tensor *w, tg_tensor *b, float eps,
    tg_error *err);
/* op-embed.c: out[i] = table[ids[i]]; out shape (n, dim) */
tg_tensor *tg_embedding(tg_graph *g, tg_tensor *table, const int32_t *ids, int64_t n, tg_error *err);
/* op-dropout.c */
tg_tensor *tg_dropout(tg_graph *g, tg_tensor *x, float p, tg_error *err);
/* op-loss.c: mean cross-entropy over rows whose label != ignore_index; returns a 1-element tensor. */
tg_tensor *tg_cross_entropy(tg_graph *g, tg_tensor *logits, const int32_t *labels, int32_t ignore_index,
    float label_smoothing, tg_error *err);
tg_tensor *tg_mse(tg_graph *g, tg_tensor *pred, const float *target, tg_error *err);
/* op-pool.c: x (B, T, D) -> (B, D), mean over positions whose mask[b*T+t] != 0 */
tg_tensor *tg_mean_pool(tg_graph *g, tg_tensor *x, const float *mask, tg_error *err);
/* op-shape.c */
tg_tensor *tg_concat(tg_graph *g, tg_tensor *a, tg_tensor *b, int dim, tg_error *err);
tg_tensor *tg_slice(tg_graph *g, tg_tensor *x, int dim, int64_t start, int64_t len, tg_error *err);
tg_tensor *tg_reshape(tg_graph *g, tg_tensor *x, int ndim, const int64_t *shape, tg_error *err);
/* op-attn.c: q, k, v are (B*T, H*Dh) rows (as linear layers produce them); mask (B, T) with 1 = token, 0 = pad
 * (NULL = no padding). Returns (B*T, H*Dh). Scores are scaled by 1/sqrt(Dh). */
tg_tensor *tg_attention(tg_graph *g, tg_tensor *q, tg_tensor *k, tg_tensor *v, int64_t batch, int heads,
    const float *mask, float dropout_p, tg_error *err);

/* ---- gradcheck.c ------------------------------------------------------------------------------------------------- */
typedef tg_tensor *(*tg_gradcheck_fn)(tg_graph *g, tg_tensor **inputs, void *ud, tg_error *err);
typedef struct tg_gradcheck_opts {
	double eps;            /* finite-difference step (default 1e-2) */
	double rtol, atol;     /* pass when |num - ana| <= atol + rtol * max(|num|, |ana|) (defaults 2e-2, 2e-3) */
	int    max_checks;     /* elements checked per input (default 64, spread over the tensor) */
	uint64_t seed;
} tg_gradcheck_opts;
typedef struct tg_gradcheck_report {
	int    checked, failed;
	double max_abs_err, max_rel_err;
	int    worst_input;
	int64_t worst_index;
	double worst_num, worst_ana;
} tg_gradcheck_report;
/* Checks d(sum(out * R))/d(inputs[i]) for every input with requires_grad, R a fixed random tensor.
 * Returns TG_OK when all checked elements pass, TG_ERR (with a message naming the input and index) otherwise. */
int tg_gradcheck(tg_gradcheck_fn fn, void *ud, tg_tensor **inputs, int n_inputs, const tg_gradcheck_opts *opts,
    tg_gradcheck_report *rep, tg_error *err);

#endif
