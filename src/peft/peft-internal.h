/* Shared between the files of src/peft (not part of the public API). */
#ifndef TG_PEFT_INTERNAL_H
#define TG_PEFT_INTERNAL_H

#include "peft/peft.h"

#define TG_NLAYERS TG_PEFT_MAX_LAYERS

/* What a spec adds to one model: resolved per layer and site. */
typedef struct tg_peft_plan {
	tg_peft_method method;
	int      nl;
	int64_t  d, f, vocab, positions, types;
	bool     on[TG_NLAYERS];                      /* selected layers (after leave_out and madx2) */
	/* LoRA */
	int      r[TG_NLAYERS][TG_NSITES];           /* 0 = none */
	float    alpha[TG_NLAYERS][TG_NSITES];
	float    scale[TG_NLAYERS][TG_NSITES];
	/* bottleneck adapters at TG_ADAPT_AFTER_ATTN (0) and TG_ADAPT_AFTER_FFN (1); 0 = none */
	int      m[TG_NLAYERS][2];
	bool     parallel;
	/* base tensors that train */
	bool     w[TG_NLAYERS][TG_NSITES], b[TG_NLAYERS][TG_NSITES];
	bool     lnw[TG_NLAYERS][2], lnb[TG_NLAYERS][2];
	bool     emb_word, emb_pos, emb_type, emb_lnw, emb_lnb, mlm;
	/* NICE invertible adapter: x1 = first d1 features, x2 = the other d2; F: d2 -> hf -> d1, G: d1 -> hg -> d2 */
	bool     inv;
	int64_t  d1, d2, inv_hf, inv_hg;
} tg_peft_plan;

/* plan.c */
int  tg_peft_plan_make(const tg_peft_spec *s, const tg_encoder_config *cfg, tg_peft_plan *p, tg_error *err);
void tg_peft_plan_count(const tg_peft_plan *p, tg_peft_count *c);
int  tg_peft_plan_lowest(const tg_peft_plan *p);
/* FLOPs of plans stacked bottom first; trainable[i] false for frozen ones. */
void tg_peft_plans_flops(const tg_peft_plan *const *plans, const bool *trainable, int n, int64_t batch, int64_t seq,
    int64_t labels, tg_peft_flops *f);
int64_t tg_peft_site_in(const tg_peft_plan *p, int site);
int64_t tg_peft_site_out(const tg_peft_plan *p, int site);

/* spec.c: prefix err's message with "what: "; returns TG_ERR. */
int  tg_peft_error_prefix(tg_error *err, const char *what);

/* layers.c: label names the option in messages ("layers", "leave_out"); n < 0 checks syntax only. */
int  tg_layers_select(const char *label, const char *expr, int n, bool *on, tg_error *err);

/* Base tensors a peft may train (bitfit, lnonly, full), by place. */
enum {
	TG_BASE_W = 0,                    /* + site */
	TG_BASE_B = TG_NSITES,            /* + site */
	TG_BASE_LN1W = 2 * TG_NSITES, TG_BASE_LN1B, TG_BASE_LN2W, TG_BASE_LN2B,
	TG_BASE_EMB_WORD, TG_BASE_EMB_POS, TG_BASE_EMB_TYPE, TG_BASE_EMB_LNW, TG_BASE_EMB_LNB,
	TG_BASE_MLM_DW, TG_BASE_MLM_DB, TG_BASE_MLM_LNW, TG_BASE_MLM_LNB, TG_BASE_MLM_BIAS
};

typedef struct tg_lora_mod {
	tg_tensor *a, *b;                 /* (r, in), (out, r); borrowed views of the peft's params */
	int   r;
	float scale;
} tg_lora_mod;

typedef struct tg_bn_mod {
	tg_tensor *dw, *db, *uw, *ub;     /* down (m, d) + (m), up (d, m) + (d) */
	int m;
} tg_bn_mod;

typedef struct tg_base_mod {
	int        which, layer;
	tg_tensor *view;                  /* the peft's copy */
	tg_tensor *saved;                 /* the encoder's pointer while attached */
} tg_base_mod;

typedef struct tg_peft_module_rec {
	char   *name;
	int     layer;                    /* -1 embeddings, -2 head */
	int64_t n;
} tg_peft_module_rec;

struct tg_peft {
	tg_peft_spec      spec;
	tg_encoder_config cfg;
	tg_peft_plan     *plan;
	tg_params        *params;
	tg_encoder_hooks  hooks;
	tg_encoder       *attached;
	tg_peft          *lower;
	tg_peft          *upper;          /* the peft this one is stacked under, if any */
	bool              frozen;
	tg_lora_mod      *lora;           /* nl * TG_NSITES */
	tg_bn_mod        *bn;             /* nl * 2 */
	tg_tensor        *inv[8];         /* F.0.w F.0.b F.2.w F.2.b G.0.w G.0.b G.2.w G.2.b */
	int               nbase;
	tg_base_mod      *base;
	int               nmod;
	tg_peft_module_rec *mod;
	tg_encoder       *merged_into;
	float            *merge_backup;   /* LoRA: the params as merged; base methods: the base values replaced */
	char              note[512];
};

/* peft.c */
tg_tensor **tg_peft_base_slot(tg_encoder *e, int which, int layer);
int  tg_peft_layer_slot(const char *name, int *layer, int *slot);   /* parse a parameter name */

/* adapter.c */
tg_tensor *tg_bn_forward(tg_graph *g, const tg_bn_mod *m, tg_act act, tg_tensor *x, tg_error *err);
tg_tensor *tg_nice_forward(tg_graph *g, tg_tensor *const *w, int64_t d1, int64_t d2, tg_act act, tg_tensor *h,
    bool rev, tg_error *err);
tg_tensor *tg_peft_activation(tg_graph *g, tg_act a, tg_tensor *x, tg_error *err);

#endif
