/* Models: Hugging Face BERT / RoBERTa / XLM-R encoders, their configs and checkpoints.
 *
 *   safetensors.c  safetensors files: bounds-checked, memory-mapped reading; atomic writing; sharded indexes
 *   config.c       config.json <-> tg_encoder_config
 *   encoder.c      the encoder: embeddings, N post-LN layers, masked-LM head; forward in eval or training mode
 *   checkpoint.c   load a Hugging Face model folder into an encoder; save one back (lossless round trip)
 */
#ifndef TG_MODEL_H
#define TG_MODEL_H

#include "nn/nn.h"

typedef enum { TG_ARCH_BERT, TG_ARCH_ROBERTA, TG_ARCH_XLMR } tg_arch;
typedef enum { TG_ACT_GELU, TG_ACT_RELU, TG_ACT_TANH, TG_ACT_SWISH } tg_act;

typedef struct tg_encoder_config {
	tg_arch  arch;
	char     model_type[32];      /* "bert", "roberta", "xlm-roberta" as in config.json */
	int64_t  vocab_size, hidden_size, num_layers, num_heads, intermediate_size;
	int64_t  max_positions, type_vocab_size;
	int32_t  pad_token_id;
	float    layer_norm_eps;
	float    hidden_dropout, attention_dropout;
	tg_act   hidden_act;
	char     languages[256];      /* pretraining languages, comma-separated ("tamga_languages"), may be empty */
} tg_encoder_config;

/* config.c */
void tg_encoder_config_default(tg_encoder_config *c, tg_arch arch);
/* The sizes that tell one encoder from another (tests, benchmarks, small models); 0 keeps the default. */
typedef struct tg_encoder_sizes { int64_t vocab, hidden, layers, heads, ffn, max_positions; } tg_encoder_sizes;
/* tg_encoder_config_default, then the sizes given. */
void tg_encoder_config_sized(tg_encoder_config *c, tg_arch arch, tg_encoder_sizes s);
int  tg_encoder_config_load(tg_encoder_config *c, const char *path, tg_error *err);   /* config.json */
int  tg_encoder_config_save(const tg_encoder_config *c, const char *path, bool with_mlm, tg_error *err);
const char *tg_arch_name(tg_arch a);

/* ---- encoder.c --------------------------------------------------------------------------------------------------- */
/* Where a PEFT module can act inside a layer. */
typedef enum { TG_SITE_Q, TG_SITE_K, TG_SITE_V, TG_SITE_ATTN_OUT, TG_SITE_FFN_IN, TG_SITE_FFN_OUT, TG_NSITES }
	tg_site;
typedef enum { TG_ADAPT_AFTER_ATTN, TG_ADAPT_AFTER_FFN } tg_adapt_point;

/* Hooks the encoder calls during forward; all optional. Each returns a new reference: its input, retained, when it
 * changes nothing; NULL always means an error (err set, when err is not NULL). */
typedef struct tg_encoder_hooks {
	void *ud;
	/* A linear layer's output y = x W^T + b at `site` of `layer`; LoRA returns y + s * (x A^T) B^T. */
	bool (*wants_linear)(void *ud, int layer, tg_site site);
	tg_tensor *(*linear)(void *ud, tg_graph *g, int layer, tg_site site, tg_tensor *x, tg_tensor *y, tg_error *err);
	/* A sub-layer's output h (after dropout, before the residual add and layer norm); adapters return h'. */
	tg_tensor *(*adapter)(void *ud, tg_graph *g, int layer, tg_adapt_point where, tg_tensor *h, tg_tensor *residual,
	    tg_error *err);
	/* Embedding output (after the embedding layer norm); MAD-X invertible adapters act here. */
	tg_tensor *(*embed)(void *ud, tg_graph *g, tg_tensor *h, tg_error *err);
	/* Input of the masked-LM decoder (after the head's layer norm, before the product with the word embeddings);
	 * MAD-X runs its invertible adapter in reverse here (AdapterHub: a pre-hook on the output embeddings). */
	tg_tensor *(*mlm_decoder)(void *ud, tg_graph *g, tg_tensor *h, tg_error *err);
} tg_encoder_hooks;

typedef struct tg_encoder {
	tg_encoder_config cfg;
	tg_params *params;            /* every base weight, Hugging Face names without the bert./roberta. prefix */
	bool       has_mlm, has_pooler;
	/* cached views, by layer */
	tg_tensor *word, *pos, *type, *emb_ln_w, *emb_ln_b;
	struct tg_layer_w {
		tg_tensor *w[TG_NSITES], *b[TG_NSITES];
		tg_tensor *ln1_w, *ln1_b, *ln2_w, *ln2_b;
	} *layers;
	tg_tensor *mlm_dense_w, *mlm_dense_b, *mlm_ln_w, *mlm_ln_b, *mlm_bias;
	tg_tensor *pool_w, *pool_b;
	const tg_encoder_hooks *hooks;
	/* Frozen prefix in evaluation mode: the embeddings and layers below this one run without dropout (their hooks'
	 * too) even in a training graph; 0: none (tg_train sets it for --frozen-prefix eval|cached). */
	int        eval_below;
} tg_encoder;

/* A batch: B sequences of T tokens (padded), mask 1 = token, 0 = padding. */
typedef struct tg_batch {
	int64_t  B, T;
	int32_t *ids;                 /* B*T */
	int32_t *type_ids;            /* B*T or NULL (all 0) */
	float   *mask;                /* B*T or NULL (no padding) */
	tg_tensor *inputs_embeds;     /* optional (B*T, d): used instead of the word-embedding lookup of ids */
} tg_batch;

typedef struct tg_encoder_out {
	tg_tensor  *last;             /* (B*T, d) */
	tg_tensor **hidden;           /* num_layers + 1 tensors when requested (embeddings first), else NULL */
	int         n_hidden;
} tg_encoder_out;

tg_encoder *tg_encoder_new(const tg_encoder_config *cfg, bool with_mlm, bool with_pooler, tg_error *err);
/* The names and shapes of the base weights tg_encoder_new would allocate, declared but not allocated (checks a
 * weights file against a config before any large allocation); free with tg_params_free. */
tg_params  *tg_encoder_layout(const tg_encoder_config *cfg, bool with_mlm, bool with_pooler, tg_error *err);
void        tg_encoder_free(tg_encoder *e);
/* Random initialisation as Hugging Face does it: normal(0, 0.02) weights, zero biases, unit layer norms. */
void        tg_encoder_init_random(tg_encoder *e, uint64_t seed);
/* Forward. g == NULL: inference, no tape. Dropout is active when g is in training mode.
 * keep_hidden: also return every layer's hidden states. stop_layer: run layers [0, stop_layer) only (-1 = all). */
int  tg_encoder_forward(tg_encoder *e, tg_graph *g, const tg_batch *b, bool keep_hidden, int stop_layer,
    tg_encoder_out *out, tg_error *err);
/* The layers from `from` on (up to stop_layer, as tg_encoder_forward) on h, the hidden states entering layer `from`
 * (B*T x d, as tg_encoder_forward's hidden[from]); b gives the attention mask. keep_hidden is not offered. */
int  tg_encoder_forward_from(tg_encoder *e, tg_graph *g, const tg_batch *b, int from, tg_tensor *h, int stop_layer,
    tg_encoder_out *out, tg_error *err);
void tg_encoder_out_free(tg_encoder_out *o);
/* Masked-LM logits (n, vocab) for the given rows of h (row indices into B*T), or for all rows when rows == NULL. */
tg_tensor *tg_encoder_mlm_logits(tg_encoder *e, tg_graph *g, tg_tensor *h, const int64_t *rows, int64_t n,
    tg_error *err);
/* Position ids as the architecture defines them (BERT: 0..T-1; RoBERTa/XLM-R: pad + 1 + cumulative count). */
void tg_encoder_positions(const tg_encoder *e, const tg_batch *b, int32_t *pos);
int64_t tg_encoder_param_count(const tg_encoder *e);
/* Precision bf16: hold the frozen base weights (every weight matrix and embedding table) in BF16, half the memory
 * (tg_params_lowp); the products with them then run in BF16 with FP32 accumulation. fp32: nothing changes. A
 * model held in BF16 cannot be saved, merged into or pretrained. *saved (may be NULL): bytes freed. */
int  tg_encoder_set_precision(tg_encoder *e, tg_precision prec, int64_t *saved, tg_error *err);
/* Matmul FLOPs per token of one forward pass at sequence length T (the bench FLOP model). */
double tg_encoder_flops_per_token(const tg_encoder *e, int64_t T);

/* ---- checkpoint.c ------------------------------------------------------------------------------------------------ */
/* Load a Hugging Face folder: config.json + model.safetensors (or a sharded index). Names with or without the
 * bert./roberta. prefix; F32/F16/BF16 converted to float32. Missing tensors, wrong shapes: errors naming them. */
tg_encoder *tg_encoder_load(const char *dir, tg_error *err);
/* Write config.json + model.safetensors (with the prefix of the *ForMaskedLM classes when the MLM head exists). */
/* Check a model folder's weights against cfg from the file headers alone, allocating nothing: every tensor the config
 * implies must be there with its shape ("config.json has 1024 layers, the weights hold 2"). */
int tg_encoder_check_weights(const char *dir, const tg_encoder_config *cfg, tg_error *err);
int tg_encoder_save(const tg_encoder *e, const char *dir, tg_error *err);
/* The same, the weights as F16 (half the size; what the shipped default model uses) when f16. */
int tg_encoder_save_as(const tg_encoder *e, const char *dir, bool f16, tg_error *err);

#endif
