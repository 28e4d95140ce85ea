/* Neural-network building blocks on top of the tensor engine.
 *
 *   params.c   tg_params: one flat buffer carved into named views; gradients and AdamW moments share the layout
 *   optim.c    AdamW (decoupled weight decay, bias correction), SGD with momentum, LR schedules, gradient clipping
 *   toy.c      a toy problem (two spirals, 2-layer MLP) for self-checks and tutorials
 */
#ifndef TG_NN_H
#define TG_NN_H

#include "tensor/tensor.h"

/* ---- params.c ---------------------------------------------------------------------------------------------------- */
typedef struct tg_params {
	int        n, cap;
	char     **names;
	int       *ndim;
	int64_t  (*shape)[TG_MAX_DIMS];
	int64_t   *offset;           /* in floats, 16-float (64-byte) aligned */
	bool      *trainable;        /* gets gradients and optimizer updates */
	bool      *decay;            /* weight decay applies (default: tensors of 2+ dims) */
	tg_tensor **views;           /* after alloc: views into data, with ->grad views into grad when trainable */
	int64_t    total;            /* floats in the buffer */
	float     *data, *grad, *m, *v;
	tg_tensor *data_t, *grad_t;  /* the whole buffers as 1-D tensors */
	int64_t    step;             /* optimizer steps taken */
	uint16_t  *lp;               /* after tg_params_lowp: the BF16 views' values (their offsets count BF16 values) */
	int64_t    lp_total;
} tg_params;

tg_params *tg_params_new(void);
void       tg_params_free(tg_params *p);
/* Declare a view before allocation; returns its index, or TG_ERR for a duplicate name or a bad shape. */
int        tg_params_add(tg_params *p, const char *name, int ndim, const int64_t *shape, tg_error *err);
/* Allocate the buffer (zeroed) and the views; with_grad also allocates the gradient buffer. */
int        tg_params_alloc(tg_params *p, bool with_grad, tg_error *err);
/* Add a gradient buffer to parameters allocated without one; every view becomes trainable. */
int        tg_params_alloc_grad(tg_params *p, tg_error *err);
int        tg_params_find(const tg_params *p, const char *name);
tg_tensor *tg_params_get(const tg_params *p, const char *name);      /* borrowed, NULL if absent */
void       tg_params_set_trainable(tg_params *p, int idx, bool on);   /* needs a gradient buffer to turn on */
void       tg_params_set_all_trainable(tg_params *p, bool on);
void       tg_params_zero_grad(tg_params *p);
int64_t    tg_params_count(const tg_params *p, bool trainable_only);
/* Hold every frozen matrix (2-D view that is not trainable) in BF16: the values are rounded into one BF16 buffer,
 * the views become TG_BF16 (data NULL), the FP32 buffer shrinks to the remaining views and the old one is freed
 * (its pages are returned as the conversion goes, so memory never holds both copies in full). Needs parameters
 * without a gradient buffer. Returns the bytes saved in *saved (may be NULL). Calling it again does nothing. */
int        tg_params_lowp(tg_params *p, int64_t *saved, tg_error *err);
bool       tg_params_has_lowp(const tg_params *p);
/* Feed the names and values (FP32 and BF16 buffers) into an XXH64 stream: the frozen-prefix cache keys. */
void       tg_params_hash(const tg_params *p, tg_xxh64_state *s);
double     tg_params_grad_sqnorm(const tg_params *p);
bool       tg_params_grads_finite(const tg_params *p);

/* ---- optim.c ----------------------------------------------------------------------------------------------------- */
typedef struct tg_adamw {
	float beta1, beta2, eps, weight_decay;  /* defaults 0.9, 0.999, 1e-8, 0.01 */
} tg_adamw;
void tg_adamw_defaults(tg_adamw *o);
/* One AdamW step over the trainable views: m, v are allocated on first use; bias-corrected; decoupled decay. */
int  tg_adamw_step(tg_params *p, const tg_adamw *o, float lr, tg_error *err);
/* Plain SGD with optional momentum (the momentum buffer is the 'm' moment). */
int  tg_sgd_step(tg_params *p, float lr, float momentum, float weight_decay, tg_error *err);

typedef enum { TG_SCHED_CONSTANT, TG_SCHED_LINEAR, TG_SCHED_COSINE } tg_sched_kind;
typedef struct tg_schedule {
	tg_sched_kind kind;
	float   lr;              /* peak learning rate */
	int64_t warmup;          /* linear warm-up steps from 0 */
	int64_t total;           /* total steps (decay reaches min_ratio * lr at total) */
	float   min_ratio;
} tg_schedule;
float tg_schedule_lr(const tg_schedule *s, int64_t step);            /* step counts from 0 */
int   tg_schedule_parse(tg_schedule *s, const char *name, tg_error *err);   /* "constant", "linear", "cosine" */

/* Global gradient-norm clipping over several parameter sets; returns the norm before clipping. */
double tg_clip_grad_norm(tg_params **ps, int n, double max_norm);

/* ---- toy.c ------------------------------------------------------------------------------------------------------- */
/* Train a 2-layer tanh MLP on 256 points of two spirals with AdamW for `steps` full-batch steps. */
int tg_toy_spirals_train(uint64_t seed, int steps, int hidden, float lr, float *first_loss, float *final_loss,
    float *accuracy, tg_error *err);

#endif
