/* Parameter-efficient fine-tuning: which parameters train, and the modules that add them.
 *
 *   layers.c     layer selections: "0-3", "0,2,5", "all", "first:4", "last:2", "all-but-last", "even", "odd",
 *                "all-except:11", "!3"; one syntax for the CLI, Lua and the TUI
 *   spec.c       tg_peft_spec: a method and its options, parsed from and formatted to one compact string
 *   plan.c       what a spec adds to a given model: per-layer modules, parameter counts, the FLOP model,
 *                parameter matching
 *   peft.c       tg_peft: parameters owned in one tg_params, encoder hooks, attach/detach, stacking, merging
 *   lora.c       the LoRA op y + s (x A^T) B^T with token rows split over threads (see tg_lora_kernel)
 *   adapter.c    bottleneck adapters (sequential and parallel) and the NICE invertible adapter of MAD-X
 *   io.c         files: LoRA in the Hugging Face PEFT layout; everything else in tamga's layout (below)
 *
 * Methods (tg_peft_spec.method; the string form is "METHOD[:KEY=VALUE,FLAG,...]"):
 *   head       nothing in the encoder trains (the task head, owned by the trainer, is all that learns)
 *   bitfit     every bias of the selected layers (q, k, v, attention output, FFN in/out, both layer norms)
 *              and the embedding layer-norm bias (embeddings=1)
 *   lnonly     the layer-norm weights and biases of the selected layers (+ the embedding layer norm)
 *   full       every weight and bias of the selected layers (+ all embeddings; mlm=1 adds the masked-LM head;
 *              the pooler never trains)
 *   lora       y = x W^T + b + s * dropout(x) A^T B^T on the targets (q, k, v, o, ffn_in, ffn_out) of the
 *              selected layers; s = alpha / r, or alpha / sqrt(r) with rslora. A is Kaiming-uniform
 *              (a = sqrt(5), as PEFT) or Gaussian N(0, 1/r); B is zero
 *   pfeiffer   h' = h + up(act(down(h))) on the FFN output h (after its dropout, before the residual add and
 *              layer norm), one per selected layer (AdapterHub seq_bn / torch_peft.py "pfeiffer"; torch_peft.py
 *              runs the adapter before that dropout, which is the same with dropout 0 and at evaluation)
 *   houlsby    the same adapter after the attention output and after the FFN output (two per layer)
 *   parallel   h' = h + scaling * up(act(down(x))), x the sub-layer's input (AdapterHub par_bn), on the FFN
 *   madx-lang  a MAD-X language adapter: a Pfeiffer adapter per layer (reduction 2) plus the NICE invertible
 *              adapter on the embeddings (AdapterHub "nice"), run in reverse before the masked-LM decoder;
 *              madx2 leaves out the last layer (MAD-X 2.0)
 * Bottleneck size: m = floor(hidden / reduction) (AdapterHub), or dim=M; the up-projection starts at zero so a
 * new adapter is the identity (init=bert draws both projections from N(0, 0.02) instead).
 *
 * Ownership. A tg_peft owns its parameters in one tg_params allocated with gradients, and never writes base
 * weights except in tg_peft_merge. For head/bitfit/lnonly/full the base tensors that train are COPIED into the
 * peft's parameters (same names as the base tensors); while attached, the encoder's cached views (e->layers[l].b[s],
 * e->emb_ln_b, ...) point at the copies, and detach points them back. So base weights stay bit-identical for every
 * method, full included, until tg_peft_merge copies the trained values in (tg_peft_unmerge restores them). The
 * trainer optimises tg_peft_params(p) (plus its own head) and nothing else.
 * Detach or free a peft before freeing the encoder it is attached to.
 *
 * Stacking (MAD-X): tg_peft_stack(task, lang) runs lang's modules below task's at every hook: adapters as
 * task(lang(h)), LoRA deltas summed, lang's invertible adapter on the embeddings. Attach the task peft; freeze the
 * language peft (tg_peft_set_frozen) while the task trains, and swap in another language with tg_peft_stack.
 * Several pefts (e.g. named LoRAs) may exist for one encoder; attaching one detaches whichever peft was attached.
 *
 * ---- tamga's adapter file layout (bottleneck, madx-lang, bitfit, lnonly, full), version 1 ----------------------
 * A folder with two files, like Hugging Face PEFT's:
 *   adapter_config.json   {"peft_type": "TAMGA", "tamga_format": "tamga-peft", "tamga_format_version": 1,
 *                          "method": "pfeiffer", "spec": "<the tg_peft_spec string>",
 *                          "hidden_size": 768, "num_hidden_layers": 12, "layers": [0, 1, ...],
 *                          "bottleneck": {"0": 48, ...} (adapters, per layer), "non_linearity": "relu",
 *                          "base_model_name_or_path": "...", "task_type": null}
 *   adapter_model.safetensors   F32 tensors; metadata {"format": "pt", "tamga_format": "tamga-peft",
 *                          "tamga_format_version": "1", "tamga_spec": "<spec>"}. Names (N = layer, M = bottleneck,
 *                          d = hidden size, d1 = d/2, d2 = d - d1, h = floor(d2 / inv_reduction), g = floor(d1 / ...)):
 *     encoder.layer.N.attention.output.adapter.{down.weight (M,d), down.bias (M), up.weight (d,M), up.bias (d)}
 *     encoder.layer.N.output.adapter.{down.weight, down.bias, up.weight, up.bias}         (the FFN adapter)
 *     invertible_adapter.F.0.weight (h,d2) .F.0.bias (h) .F.2.weight (d1,h) .F.2.bias (d1)
 *     invertible_adapter.G.0.weight (g,d1) .G.0.bias (g) .G.2.weight (d2,g) .G.2.bias (d2)
 *     base tensors (bitfit, lnonly, full) under their Hugging Face names without the bert./roberta. prefix
 *   NICE coupling on h = [x1 | x2]: y1 = x1 + F(x2), y2 = x2 + G(y1); reverse: x2 = y2 - G(y1), x1 = y1 - F(x2);
 *   F, G = Linear, activation, Linear. Loading checks the format and version, the model's hidden size and layer
 *   count, every tensor's shape, and names missing and unexpected tensors.
 * LoRA uses the Hugging Face PEFT layout: adapter_config.json (peft_type "LORA", r, lora_alpha, target_modules,
 * layers_to_transform, rank_pattern, alpha_pattern, ...) and adapter_model.safetensors with keys
 * base_model.model.roberta.encoder.layer.N.attention.self.query.lora_A.weight (r, in) and .lora_B.weight (out, r)
 * (bert. for BERT): the names PEFT gives a LoRA on a transformers *For* class (token/sequence classification,
 * multiple choice, masked LM), which PeftModel.from_pretrained loads by exact name. On loading, keys with or without
 * the roberta./bert. infix and with .default adapter names are accepted.
 */
#ifndef TG_PEFT_H
#define TG_PEFT_H

#include "model/model.h"

#define TG_PEFT_MAX_LAYERS  128
#define TG_PEFT_MAX_PATTERN 32

/* ---- layers.c ---------------------------------------------------------------------------------------------------
 * A selection is terms separated by ',' or '+': N, A-B, all, first:K, last:K, even, odd, all-but-last,
 * all-but-first, all-except:T (all minus term T) and !T (minus T). The result is the union of the plain terms
 * (all layers when there are none) minus the union of the excluded ones. Selecting a layer that does not exist
 * and an empty selection are errors naming the model's layer count. */
int   tg_layers_parse(const char *expr, int n_layers, bool *on, tg_error *err);
/* Syntax only, for a model not yet known. */
int   tg_layers_check(const char *expr, tg_error *err);
/* Compact form of a set: "all", or ranges "0-3,5,7-11"; "" when empty. */
char *tg_layers_format(const bool *on, int n_layers, char *buf, size_t len);
int   tg_layers_count(const bool *on, int n_layers);

/* ---- spec.c ------------------------------------------------------------------------------------------------------ */
typedef enum {
	TG_PEFT_HEAD, TG_PEFT_BITFIT, TG_PEFT_LNONLY, TG_PEFT_FULL, TG_PEFT_LORA, TG_PEFT_PFEIFFER, TG_PEFT_HOULSBY,
	TG_PEFT_PARALLEL, TG_PEFT_MADX_LANG, TG_PEFT_NMETHODS
} tg_peft_method;

typedef enum { TG_LORA_INIT_KAIMING, TG_LORA_INIT_GAUSSIAN } tg_lora_init;
typedef enum { TG_ADAPTER_INIT_IDENTITY, TG_ADAPTER_INIT_BERT } tg_adapter_init;
enum { TG_WHERE_ATTN = 1, TG_WHERE_FFN = 2 };

/* One entry of a per-layer pattern: layers lo..hi (and one LoRA target, or all with site -1) get value. */
typedef struct tg_peft_pattern {
	int   lo, hi, site;
	float value;
} tg_peft_pattern;

typedef struct tg_peft_spec {
	tg_peft_method method;
	char     name[32];          /* "default"; names several pefts on one model */
	char     layers[128];       /* layer selection, resolved against the model ("all") */
	char     leave_out[128];    /* layers removed from the selection ("" = none) */
	bool     embeddings;        /* bitfit/lnonly/full: embedding tensors train too (default on) */
	bool     mlm;               /* full: the masked-LM head trains too (default off) */
	/* lora */
	unsigned targets;           /* bit (1 << tg_site); default q+v */
	int      r;                 /* 8 */
	float    alpha;             /* 16 */
	float    dropout;           /* 0 */
	bool     rslora;
	tg_lora_init lora_init;
	int      n_rank, n_alpha;   /* rank_pattern=0:16+1.v:4 (rank 0 = no LoRA there), alpha_pattern=0:32 */
	tg_peft_pattern rank_pattern[TG_PEFT_MAX_PATTERN], alpha_pattern[TG_PEFT_MAX_PATTERN];
	/* bottleneck adapters: pfeiffer, houlsby, parallel, madx-lang */
	float    reduction;         /* m = floor(hidden / reduction): 16 (madx-lang: 2) */
	int      dim;               /* explicit m (0 = from reduction) */
	int      n_reduction;       /* reduction_pattern=0:8+11:32 (per layer) */
	tg_peft_pattern reduction_pattern[TG_PEFT_MAX_PATTERN];
	tg_act   act;               /* relu */
	bool     residual;          /* sequential adapters add their input back (default on) */
	float    scaling;           /* parallel: 4 (others 1) */
	unsigned where;             /* TG_WHERE_ATTN | TG_WHERE_FFN: pfeiffer/parallel/madx-lang ffn, houlsby both */
	tg_adapter_init adapter_init;
	/* madx-lang */
	bool     inv;               /* the invertible adapter (default on) */
	float    inv_reduction;     /* 2 */
	bool     madx2;             /* leave out the last layer */
} tg_peft_spec;

const char *tg_peft_method_name(tg_peft_method m);           /* "lora", "madx-lang", ... */
int         tg_peft_method_parse(const char *name, tg_peft_method *m, tg_error *err);
void        tg_peft_spec_default(tg_peft_spec *s, tg_peft_method m);
/* "lora:layers=0-3,targets=q+v,r=8,alpha=16,dropout=0.1,rslora,init=gaussian". A bare value after a
 * layers=/leave_out= option continues the layer list ("layers=0,2,5,r=8"). Errors name the key and what it allows. */
int         tg_peft_spec_parse(tg_peft_spec *s, const char *str, tg_error *err);
/* The canonical string: the method and every option that applies to it; parses back to the same spec. */
char       *tg_peft_spec_format(const tg_peft_spec *s, char *buf, size_t len);
bool        tg_peft_spec_equal(const tg_peft_spec *a, const tg_peft_spec *b);
bool        tg_peft_method_is_adapter(tg_peft_method m);   /* pfeiffer, houlsby, parallel, madx-lang */
bool        tg_peft_method_uses_base(tg_peft_method m);    /* bitfit, lnonly, full */
const char *tg_site_short_name(tg_site s);                 /* "q", "k", "v", "o", "ffn_in", "ffn_out" */
const char *tg_site_hf_name(tg_site s);                    /* "attention.self.query", ... */

/* ---- plan.c: accounting --------------------------------------------------------------------------------------------
 * Parameter counts by place. Slots per layer: the six linear sites (LoRA, or the base weight/bias), the two layer
 * norms, and the two adapter points. */
enum { TG_SLOT_LN1 = TG_NSITES, TG_SLOT_LN2, TG_SLOT_ADAPTER_ATTN, TG_SLOT_ADAPTER_FFN, TG_NSLOTS };
typedef struct tg_peft_count {
	int     n_layers;
	int64_t total;
	int64_t embed;                          /* embeddings: invertible adapter, or trained embedding tensors */
	int64_t head;                           /* masked-LM head (full with mlm=1) */
	int64_t layer[TG_PEFT_MAX_LAYERS];
	int64_t slot[TG_PEFT_MAX_LAYERS][TG_NSLOTS];
	int     lowest_layer;                   /* -1 embeddings, n_layers when nothing in the encoder trains */
} tg_peft_count;
const char *tg_slot_name(int slot);         /* "q" ... "ffn_out", "ln1", "ln2", "adapter_attn", "adapter_ffn" */
/* Counts from the model's configuration alone (nothing allocated), as tg_peft_new would create them. */
int tg_peft_spec_count(const tg_peft_spec *s, const tg_encoder_config *cfg, tg_peft_count *c, tg_error *err);

/* Matmul FLOPs of one training step (forward + backward as the engine runs it: input gradients only above the
 * lowest trainable layer, weight gradients only for trainable weights), the BASELINES.md model: embeddings and
 * element-wise work are free, attention is 4 s d per token and layer, a task head of `labels` outputs (0 = none)
 * trains. full_ft is the same step with everything trainable (6N + attention). */
typedef struct tg_peft_flops {
	double fwd, bwd, train;     /* per step */
	double full_ft;             /* per step */
	double per_token_fwd, per_token_train;
	int    lowest_layer;
} tg_peft_flops;
int tg_peft_spec_flops(const tg_peft_spec *s, const tg_encoder_config *cfg, int64_t batch, int64_t seq,
    int64_t labels, tg_peft_flops *f, tg_error *err);

/* Parameter matching: set the rank (lora) or the bottleneck (adapters: dim=, and reduction when it divides)
 * so that trainable parameters come within tol (0.05) of budget; *ratio = achieved / budget. An error when no
 * value gets there (the message names the nearest counts), or the method has no size to tune. */
int tg_peft_match(tg_peft_spec *s, const tg_encoder_config *cfg, int64_t budget, double tol, double *ratio,
    tg_error *err);
int tg_peft_match_spec(tg_peft_spec *s, const tg_peft_spec *ref, const tg_encoder_config *cfg, double tol,
    double *ratio, tg_error *err);

/* ---- peft.c ------------------------------------------------------------------------------------------------------ */
typedef struct tg_peft tg_peft;

/* New modules for e's shape, initialised from seed; base tensors that train are copied from e. */
tg_peft    *tg_peft_new(const tg_encoder *e, const tg_peft_spec *spec, uint64_t seed, tg_error *err);
void        tg_peft_free(tg_peft *p);                   /* detaches (and unmerges) first */
int         tg_peft_attach(tg_peft *p, tg_encoder *e, tg_error *err);
void        tg_peft_detach(tg_peft *p);
tg_encoder *tg_peft_attached(const tg_peft *p);
tg_peft    *tg_peft_of(const tg_encoder *e);            /* the attached peft, or NULL */
tg_params  *tg_peft_params(tg_peft *p);                 /* what the trainer optimises (trainable views only) */
const tg_peft_spec *tg_peft_get_spec(const tg_peft *p);
const char *tg_peft_name(const tg_peft *p);
/* Frozen: no gradients, no updates (a language adapter under a task adapter). */
void        tg_peft_set_frozen(tg_peft *p, bool frozen);
bool        tg_peft_frozen(const tg_peft *p);
/* Run `lower` below `p` (NULL removes it). Takes effect at once when p is attached. */
int         tg_peft_stack(tg_peft *p, tg_peft *lower, tg_error *err);
tg_peft    *tg_peft_lower(const tg_peft *p);
/* Lowest layer holding a trainable parameter of p or of what is stacked under it: -1 = embeddings,
 * n_layers = none (the backward pass then stops at the head). */
int         tg_peft_lowest_layer(const tg_peft *p);
/* XXH64 of the frozen modules in p's stack (their spec and values): what besides the base weights shapes the layers
 * below the lowest trained one (the frozen-prefix cache's salt). */
uint64_t    tg_peft_frozen_hash(const tg_peft *p);
/* Counts of the trainable parameters as created (frozen pefts count zero); equal to tg_peft_spec_count. */
void        tg_peft_get_count(const tg_peft *p, tg_peft_count *c);
int64_t     tg_peft_trainable(const tg_peft *p);
/* The FLOP model for p with what is stacked under it. */
int         tg_peft_get_flops(const tg_peft *p, int64_t batch, int64_t seq, int64_t labels, tg_peft_flops *f,
    tg_error *err);
/* Modules: groups of parameters (a LoRA pair, an adapter, a base tensor), for per-module accounting. */
int         tg_peft_module_count(const tg_peft *p);
const char *tg_peft_module(const tg_peft *p, int i, int *layer, int64_t *params);
/* Merge into e's base weights: LoRA adds s B A to W; bitfit/lnonly/full copy the trained tensors in. Adapters
 * cannot be merged (they are not linear). Unmerge restores the weights (LoRA: subtracts the same delta). */
int         tg_peft_merge(tg_peft *p, tg_encoder *e, tg_error *err);
int         tg_peft_unmerge(tg_peft *p, tg_error *err);
bool        tg_peft_merged(const tg_peft *p);
/* A note left by loading (skipped tensors), or "". */
const char *tg_peft_note(const tg_peft *p);

/* ---- lora.c ------------------------------------------------------------------------------------------------------ */
/* out = y + s * (x A^T) B^T for x (N, in), y (N, out), A (r, in), B (out, r), recorded on g. */
tg_tensor *tg_lora_forward(tg_graph *g, tg_tensor *x, tg_tensor *y, tg_tensor *a, tg_tensor *b, float s,
    tg_error *err);
/* Kernel: 1 (default) splits token rows over OpenMP threads with one single-threaded sgemm per block (and
 * per-thread partial sums for dA, dB); 0 calls multithreaded cblas_sgemm on the whole matrices. */
extern int tg_lora_kernel;

/* ---- io.c -------------------------------------------------------------------------------------------------------- */
/* Write dir/adapter_config.json and dir/adapter_model.safetensors (LoRA: Hugging Face PEFT layout; other methods:
 * tamga's layout above). base_model and task_type may be NULL. */
int      tg_peft_save(const tg_peft *p, const char *dir, const char *base_model, const char *task_type,
    tg_error *err);
/* Read a folder written by tg_peft_save or by Hugging Face PEFT (LoRA) into a new peft for e. */
tg_peft *tg_peft_load(const tg_encoder *e, const char *dir, tg_error *err);

#endif
