/* Training: tasks (tokenized datasets for a source and its targets), task heads, evaluation with confidence
 * intervals, the fine-tuning loop with checkpoints and resume, and masked-LM pretraining of the small model.
 *
 *   task.c      tg_task: a task name + source + targets -> tokenized train / source-dev / target-eval examples
 *   batch.c     padded batches from examples (sentences or a token budget)
 *   head.c      task heads: token classification, sequence classification, multiple choice, regression
 *   eval.c      scores per language with bootstrap CIs, per-item score files for the analysis module
 *   prefix.c    the frozen-prefix cache: hidden states entering the lowest trained layer, computed once per batch
 *   trainer.c   the fine-tuning loop: AdamW + schedule + clipping, evaluation, early stopping, store, resume
 *   pretrain.c  tokenizer + masked-LM pretraining of a small encoder on the data root's raw text
 */
#ifndef TG_TRAIN_H
#define TG_TRAIN_H

#include "model/model.h"
#include "tokenize/tokenizer.h"
#include "data/data.h"
#include "metrics/metrics.h"

#define TG_MAX_LANGS 24

/* ---- task.c ------------------------------------------------------------------------------------------------------ */
typedef enum { TG_TASK_TAGGING, TG_TASK_PAIR, TG_TASK_CHOICE, TG_TASK_REGRESSION } tg_task_kind;

/* Tokenized examples of one language and split. Sequence i is ids[off[i] .. off[i+1]) with special tokens. */
typedef struct tg_examples {
	char     lang[16], split[8];
	int64_t  n;                 /* sequences (CHOICE: items * n_choices, the choices of an item consecutive) */
	int64_t  n_items;           /* evaluation items (= n, or n / n_choices) */
	int64_t *off;
	int32_t *ids, *types;       /* types: token type ids (NULL = all 0) */
	int32_t *tok_labels;        /* TAGGING: per token, TG_IGNORE_INDEX except on first subwords */
	int32_t *label;             /* PAIR, CHOICE: per item */
	float   *score;             /* REGRESSION: per item */
	int      n_choices;
	/* TAGGING evaluation on words: sentence i has words wo[i] .. wo[i+1]) with gold tags; word_pos[w] is the
	 * position in its sequence of the word's first subword, which carries its prediction, or -1 when the word has
	 * none: its first subword fell beyond max_len, or the tokenizer gave it no piece at all (a word of only
	 * zero-width characters, say). Such a word is scored wrong (accuracy) or as O (span F1); the others keep their
	 * own predictions. */
	int64_t *wo;
	int32_t *word_tags;
	int32_t *word_pos;
	int64_t  n_words_unpieced;  /* words the tokenizer gave no piece (they are in trunc.n_words_lost too) */
	tg_trunc_stats trunc;
} tg_examples;

typedef struct tg_task_opts {
	const char *task;              /* udpos, ner, nli, copa */
	const char *source;            /* en, tr */
	const char *targets[TG_MAX_LANGS];
	int         n_targets;         /* 0: every language with evaluation data */
	const char *data_root;         /* NULL: tg_data_root(NULL) */
	int         max_len;           /* tokens per sequence, specials included (default 128) */
	int64_t     max_train;         /* source training examples (0: all) */
	int64_t     max_eval;          /* evaluation examples per language (0: all) */
	uint64_t    seed;              /* for subsampling */
	bool        fused_mwt;         /* UDPOS: XTREME's fused multiword tokens (default true via tg_task_opts_init) */
	/* NER: the corpus the source's splits and the targets are read from (NULL: "panx"; e.g. "kaznerd", or a
	 * corpus of the data root's registry file), and a label map (tg_label_map_load: "ontonotes" or a file) that
	 * brings their tags to PAN-X's PER/ORG/LOC. */
	const char *ner_source_corpus, *ner_target_corpus, *label_map;
	tg_script_choice script;       /* latin: every input transliterated (training and evaluation alike),
	                                * tamga-script(7); default native */
	const char *source_test;       /* corpus of the source test set TTC divides by (e.g. "tuecl", the Turkish side
	                                * of the parallel TueCL treebanks, same domain as az/ky/tt tuecl); NULL: every
	                                * test file of the source */
} tg_task_opts;

typedef struct tg_task {
	char          name[16], metric[16];
	tg_task_kind  kind;
	tg_labels    *labels;          /* TAGGING, PAIR */
	int           n_classes;       /* head outputs per token / sequence (CHOICE: 1 per choice) */
	char          source[16];
	tg_examples  *train, *dev;     /* source train, source dev (checkpoint selection) */
	tg_examples  *test;            /* source test, when the task has one (the A_s of TTC), else NULL */
	int           n_eval;
	tg_examples  *eval[TG_MAX_LANGS];   /* targets (test split where one exists, else dev) */
	int32_t       majority_tag;    /* TAGGING: the tag most frequent in the source's whole train split, -1 else */
	double        chance;          /* c_s: the chance level of the source's TTC set (test, else dev), see
	                                * tg_examples_chance; each evaluated set has its own (tg_score.chance) */
	char          note[512];       /* what was used, e.g. leakage-safe splits */
} tg_task;

void     tg_task_opts_init(tg_task_opts *o);
tg_task *tg_task_build(const tg_task_opts *o, const tg_tokenizer *tok, const tg_encoder_config *cfg, tg_error *err);
void     tg_task_free(tg_task *t);
void     tg_examples_free(tg_examples *ex);
/* Evaluation examples of one dataset read from any file (tamga eval): every sentence or item, in file order,
 * tokenized as training does. tags: TAGGING word tags as ids of the task's label set (NULL: ds->tags). */
tg_examples *tg_examples_from_dataset(const tg_dataset *ds, const int32_t *tags, tg_task_kind kind, const char *lang,
    const char *split, const tg_tokenizer *tok, const tg_encoder_config *cfg, int max_len, tg_error *err);
/* The chance level of an evaluation set of task t: the majority baseline (metrics.h, tg_chance_set): for tagging
 * accuracy the share of its words tagged t->majority_tag, for classification its majority-class rate, 0 for F1 and
 * regression. The one place where tamga computes chance; tg_evaluate stores it in tg_score.chance. */
double   tg_examples_chance(const tg_task *t, const tg_examples *ex);
/* The seed of the evaluation sample of a dataset (task or dataset name), language and split: evaluation samples
 * (max_eval) are fixed per dataset and language, never drawn from the run's seed or the order of --targets. */
uint64_t tg_eval_sample_seed(const char *dataset, const char *lang, const char *split);
/* The languages that have evaluation data for a task (for "all targets"). */
int      tg_task_languages(const char *task, const char *data_root, const char **out, int max, tg_error *err);
/* The languages a task can train on under the data root (udpos, ner: a train and a dev split; copa: XCOPA test;
 * nli: a train split), in the canonical order; the count, or -1 with err set (no data root). */
int      tg_task_sources(const char *task, const char *data_root, const char **out, int max, tg_error *err);

/* ---- batch.c ----------------------------------------------------------------------------------------------------- */
typedef struct tg_task_batch {
	tg_batch  b;                   /* ids, types, mask: B x T padded */
	int32_t  *tok_labels;          /* TAGGING: B*T */
	int32_t  *label;               /* PAIR: B; CHOICE: B / n_choices */
	float    *score;               /* REGRESSION: B */
	int64_t   tokens;              /* real tokens */
	int64_t   cap;
} tg_task_batch;
/* Fill a batch with sequences (CHOICE: items) idx[0..n). pad = the tokenizer's pad id. */
void tg_task_batch_fill(tg_task_batch *tb, const tg_examples *ex, const tg_task *t, const int64_t *idx, int64_t n,
    int32_t pad);
void tg_task_batch_free(tg_task_batch *tb);

/* ---- head.c ------------------------------------------------------------------------------------------------------ */
typedef struct tg_head {
	tg_task_kind kind;
	int          n_classes;
	tg_params   *params;           /* always trainable ("modules_to_save") */
	float        dropout;
} tg_head;
tg_head   *tg_head_new(tg_task_kind kind, int64_t hidden, int n_classes, float dropout, uint64_t seed, tg_error *err);
void       tg_head_free(tg_head *h);
/* Logits: TAGGING (B*T, C); PAIR (B, C); CHOICE (items, n_choices); REGRESSION (B, 1). */
tg_tensor *tg_head_forward(tg_head *h, tg_graph *g, tg_tensor *hidden, const tg_task_batch *tb, int n_choices,
    tg_error *err);
tg_tensor *tg_head_loss(tg_head *h, tg_graph *g, tg_tensor *logits, const tg_task_batch *tb, tg_error *err);

/* ---- eval.c ------------------------------------------------------------------------------------------------------ */
typedef struct tg_score {
	char    lang[16], split[8];
	double  score;                 /* accuracy, span F1, ... */
	double  chance;                /* the set's chance level (tg_examples_chance), NaN when unknown */
	tg_ci   ci;
	int64_t n_items;
	double *item;                  /* per item: its own score (accuracy of the sentence, F1, 0/1), or NULL */
	/* Per-item statistics that recombine into the score: item_k values per item (item_stat "mean": k = 1,
	 * "ratio": correct and total, "f1": tp, predicted and gold entities), for confidence intervals downstream. */
	const char *item_stat;
	int     item_k;
	double *item_vals;
} tg_score;
/* Evaluate encoder + head on examples (inference, no tape). */
int  tg_evaluate(tg_encoder *e, tg_head *h, const tg_task *t, const tg_examples *ex, int batch_size,
    const tg_boot_opts *bo, tg_score *out, tg_error *err);
/* ---- prefix.c ---------------------------------------------------------------------------------------------------- */
/* What the layers below the lowest trained one (the frozen prefix) do in training. TRAIN: what every layer does
 * (dropout), batches drawn afresh each epoch. EVAL: the prefix runs in evaluation mode (no dropout, in frozen PEFT
 * modules either), the batches are fixed for the run (sequences sorted by length, cut into batches once; their
 * order shuffled each epoch), and the hidden states entering the lowest trained layer are computed on their own,
 * without a graph. CACHED: the numbers of EVAL, with those hidden states computed once per batch and kept (in
 * memory, and in the workspace for later runs). */
typedef enum { TG_PREFIX_TRAIN = 0, TG_PREFIX_EVAL, TG_PREFIX_CACHED } tg_prefix_mode;
const char *tg_prefix_mode_name(int mode);

typedef struct tg_prefix_cache tg_prefix_cache;
typedef struct tg_prefix_stats {
	int64_t computed, from_memory, from_disk;   /* batches */
	double  compute_s;                          /* spent computing */
	int64_t disk_bytes;                         /* written */
} tg_prefix_stats;
/* The states entering layer k (1..layers) of e. salt: a hash of what else shapes the prefix (frozen PEFT modules
 * below k, tg_peft_hash_frozen); dir: a folder entries are kept in across runs (NULL: memory only); keep = false
 * computes every batch afresh (EVAL). */
tg_prefix_cache *tg_prefix_cache_new(tg_encoder *e, int k, uint64_t salt, const char *dir, bool keep,
    const tg_observer *obs, tg_error *err);
void        tg_prefix_cache_free(tg_prefix_cache *c);
/* The states for batch b: a new (B*T, d) tensor, no gradient. */
tg_tensor  *tg_prefix_get(tg_prefix_cache *c, const tg_batch *b, const tg_observer *obs, tg_error *err);
/* The encoder's forward pass over b (as tg_encoder_forward, without hidden states): with a cache c, the prefix's
 * states from it and the layers from its layer on in g; with c NULL, the whole encoder. */
int         tg_prefix_forward(tg_prefix_cache *c, tg_encoder *e, tg_graph *g, const tg_batch *b, tg_encoder_out *out,
    const tg_observer *obs, tg_error *err);
int         tg_prefix_cache_layer(const tg_prefix_cache *c);
uint64_t    tg_prefix_cache_fingerprint(const tg_prefix_cache *c);
const char *tg_prefix_cache_dir(const tg_prefix_cache *c);      /* <dir>/<fingerprint>, or NULL */
void        tg_prefix_cache_stats(const tg_prefix_cache *c, tg_prefix_stats *s);

/* Who watches an evaluation: a cancel flag checked between batches (a cancelled evaluation fails with
 * TG_E_CANCELLED), and EVAL_PROGRESS events (set of n_sets at step) to an observer, at most every 0.2 s. */
typedef struct tg_eval_watch {
	volatile int      *cancel;
	const tg_observer *obs;
	int64_t            step;
	int                set, n_sets;
	tg_prefix_cache   *prefix;      /* the frozen prefix's states from here (NULL: the whole encoder runs) */
} tg_eval_watch;
int  tg_evaluate_watch(tg_encoder *e, tg_head *h, const tg_task *t, const tg_examples *ex, int batch_size,
    const tg_boot_opts *bo, tg_score *out, int32_t *pred, const tg_eval_watch *w, tg_error *err);
/* The same, also writing what was predicted: TAGGING one tag id per word (pred[ex->wo[i] + j]; -1 for a word
 * cut by truncation, which counts as wrong, or as O for F1), otherwise one class (or choice) per item. */
int  tg_evaluate_predict(tg_encoder *e, tg_head *h, const tg_task *t, const tg_examples *ex, int batch_size,
    const tg_boot_opts *bo, tg_score *out, int32_t *pred, tg_error *err);
void tg_score_clear(tg_score *s);

/* ---- trainer.c --------------------------------------------------------------------------------------------------- */
struct tg_store;

typedef struct tg_step_info {
	int64_t step, total;
	int     epoch;
	double  loss, lr, grad_norm, tokens_per_s, elapsed_s, eta_s;
	bool    skipped;               /* NaN/Inf: the update was not applied */
} tg_step_info;
/* A training step as the STEP event the observer gets (what: "train", "pretrain small", ...). */
void tg_step_emit(const tg_observer *obs, const char *what, const tg_step_info *si);

typedef struct tg_train_opts {
	int      epochs;               /* default 3 */
	int64_t  max_steps;            /* 0: epochs * steps per epoch */
	int      batch_size;           /* sequences (CHOICE: items) per micro-batch, default 16 */
	int64_t  batch_tokens;         /* > 0: fill micro-batches up to this many tokens instead */
	int      grad_accum;           /* micro-batches per optimizer step, default 1 */
	float    lr, weight_decay, warmup_ratio, clip;   /* defaults 5e-4, 0.01, 0.1, 1.0 */
	tg_sched_kind schedule;        /* default linear */
	uint64_t seed;                 /* data order, dropout, head init */
	int64_t  eval_every;           /* steps; 0: once per epoch */
	int      patience;             /* evaluations without source-dev improvement before stopping; 0: never */
	bool     select_on_target;     /* select the checkpoint on the mean target score (labelled as such) */
	bool     eval_targets;         /* evaluate targets at every evaluation (default true) */
	int      eval_batch;           /* default 64 */
	int      boot_resamples;       /* default 1000 */
	const char *checkpoint_path;   /* NULL: no checkpoints */
	int64_t  checkpoint_every;     /* steps; 0: at evaluations and at the end */
	bool     resume;               /* continue from checkpoint_path if it exists */
	bool     lr_backoff;           /* halve the learning rate after a NaN/Inf step */
	bool     progress;             /* for front ends: show a progress line (the engine reports through obs) */
	tg_precision precision;        /* fp32 (default) or bf16: frozen weights in BF16, BF16 products (tensor.h) */
	int      frozen_prefix;        /* tg_prefix_mode (default TRAIN) */
	int      prefix_layer;         /* the lowest trained layer (tg_peft_lowest_layer; -1: the embeddings train) */
	tg_prefix_cache *prefix;       /* EVAL/CACHED with prefix_layer >= 1: the caller's cache (e.g. in the
	                                * workspace); NULL: tg_train makes one in memory for the run */
	/* Per-item scores of every evaluation (split 0 = dev, 1 = test), e.g. to write the analysis module's item
	 * files; NULL: none. */
	void    *items_ud;
	void   (*write_items)(void *items_ud, int64_t run_id, int64_t step, int split, const char *metric,
	    const tg_score *s);
	struct tg_store *store;        /* NULL: nothing stored */
	int64_t  run_id;
	volatile int *cancel;          /* set non-zero (e.g. by SIGINT) to stop after the current step */
	/* Events (util.h): STEP, EVAL_BEGIN/PROGRESS/END, CHECKPOINT, and notes (resume, skipped steps); NULL: the
	 * default observer. A cancel during an evaluation stops it between batches; the checkpoint then records the
	 * evaluation as pending and a resume runs it first, so the run selects as an uninterrupted one would. */
	const tg_observer *obs;
	void    *ud;
	void   (*on_step)(void *ud, const tg_step_info *s);
	/* Called for every language evaluated; return non-zero to stop training. */
	int    (*on_eval)(void *ud, int64_t step, const tg_score *s, bool is_source);
} tg_train_opts;

typedef struct tg_train_result {
	int64_t steps, best_step, skipped_steps;
	double  best_dev, seconds, tokens_per_s;
	bool    cancelled, early_stopped, resumed;
	int     n_scores;
	tg_score scores[TG_MAX_LANGS + 1];  /* at the best step: source dev first, then the targets */
	char    metric[16];
	double  chance;                /* c_s, of the source score TTC divides by; every score has its own chance:
	                                * TTC = tg_ttc(A_t, scores[t].chance, A_s, chance) */
	int     n_source;              /* scores[0] = source dev, scores[1] = source test when n_source == 2 */
	char    warnings[512];         /* the task's warnings ("warning: ..." parts of tg_task.note), one per line;
	                                * filled by the experiment (exp.h), printed under the result table */
} tg_train_result;

/* TTC of score i (a target) of a result: tg_ttc(A_t, c_t, A_s, c_s) with A_s the source test score when there is
 * one, else source dev; NaN when undefined (source at or below its chance) or i is a source score. */
double tg_result_ttc(const tg_train_result *r, int i);

void tg_train_opts_init(tg_train_opts *o);
/* Fine-tune: the encoder's hooks (PEFT) must already be attached; sets are the parameter sets that train besides
 * the head (PEFT parameters, or the encoder's own for full fine-tuning). At the end the trainable parameters hold
 * the best checkpoint (by source dev score). */
int  tg_train(tg_encoder *e, tg_head *h, const tg_task *t, tg_params **sets, int n_sets, const tg_train_opts *o,
    tg_train_result *res, tg_error *err);
void tg_train_result_clear(tg_train_result *r);

/* ---- ckpt.c ------------------------------------------------------------------------------------------------------ */
/* Fine-tuning checkpoints (tamga(5)): per parameter set its data, AdamW moments and best-step copy, the loop's
 * bookkeeping as metadata, and (version 2) an XXH64 checksum of the data buffer. Reading treats the file as
 * untrusted: every field parsed whole and range-checked, errors name the file and the field. */
#define TG_CKPT_VERSION 2
typedef struct tg_ckpt_state {
	int64_t step, best_step, bad_evals, skipped;   /* best_step -1: no evaluation yet */
	double  best, lr_scale;                        /* best -inf until the first evaluation */
	bool    eval_pending;                          /* the evaluation at step was cancelled: run it on resume */
	int64_t adam_step[16];                         /* read only: per set */
	int     version;                               /* read only */
	bool    checksum;                              /* read only: the data was verified (version 1 has none) */
} tg_ckpt_state;
/* sets[0..n_sets) and, when best is not NULL, best[i] (NULL: no copy yet), at most 16 sets. */
int tg_ckpt_write(const char *path, tg_params *const *sets, float *const *best, int n_sets, const tg_ckpt_state *cs,
    tg_error *err);
/* Validate, then restore the sets (data, moments, optimizer step) and best[i] (allocated when NULL); nothing is
 * copied unless the whole checkpoint fits the run. */
int tg_ckpt_read(const char *path, tg_params **sets, float **best, int n_sets, int64_t total_steps, tg_ckpt_state *cs,
    tg_error *err);

/* ---- pretrain.c -------------------------------------------------------------------------------------------------- */
typedef struct tg_pretrain_preset {
	const char *name;
	int     vocab, hidden, layers, heads, ffn, max_len, batch;
	int64_t steps, sp_lines;
	float   lr;
	const char *about;
} tg_pretrain_preset;
extern const tg_pretrain_preset tg_pretrain_presets[];

/* The pretraining recipe (tamga pretrain --recipe key=value,...); zero shape/schedule fields take the preset's. */
typedef struct tg_pretrain_recipe {
	double tlm;          /* share of sequences that are English<->language pairs (translation LM); 0: MLM only */
	double bridge;       /* share of those that pair a Cyrillic/Arabic-script line with its Latin transliteration */
	int    translit;     /* 1: such lines are also seen in Latin (half the time), tamga-script(7) */
	int    pack;         /* 1: sequences packed with lines up to seq_len (0: one line per sequence) */
	int    wwm;          /* 1: whole-word masking (0: token masking) */
	double lr;           /* peak learning rate (0: the preset's); schedule: warm-up, constant, linear decay over the
	                      * last tenth of the steps */
	int    warmup_steps;  /* steps of linear warm-up */
	int    batch, seq_len, layers, hidden, heads, ffn, vocab;   /* 0: the preset's */
} tg_pretrain_recipe;
void tg_pretrain_recipe_default(tg_pretrain_recipe *r);
int  tg_pretrain_recipe_parse(tg_pretrain_recipe *r, const char *s, tg_error *err);   /* on top of r */
void tg_pretrain_recipe_format(const tg_pretrain_recipe *r, char *buf, size_t n);

typedef struct tg_pretrain_opts {
	const char *preset;            /* micro, small, base */
	const char *data_root;         /* NULL: the default data root */
	const char *out_dir;           /* NULL: tg_pretrain_default_dir(preset) */
	uint64_t    seed;
	int64_t     steps;             /* 0: the preset's */
	double      temperature;       /* language sampling exponent (XLM-R: 0.3) */
	tg_pretrain_recipe recipe;     /* tg_pretrain_recipe_default */
	int64_t     checkpoint_every;  /* steps between checkpoints (pretrain.ckpt + pretrain.state); 0: 100 */
	bool        f16;               /* model.safetensors in F16 (default true) */
	bool        progress;          /* for front ends: show a progress line (the engine reports through obs) */
	volatile int *cancel;
	const tg_observer *obs;        /* notes and STEP events; NULL: the default observer */
	void       *ud;
	void      (*on_step)(void *ud, const tg_step_info *s);
} tg_pretrain_opts;

void        tg_pretrain_opts_init(tg_pretrain_opts *o);
const tg_pretrain_preset *tg_pretrain_preset_find(const char *name);
/* $TAMGA_MODELS/<preset>, else $XDG_CACHE_HOME/tamga/models/<preset>, else ~/.cache/tamga/models/<preset>. */
const char *tg_pretrain_default_dir(const char *preset, char *buf, size_t n);
/* Train a SentencePiece tokenizer on a temperature-balanced sample of the data root's raw and parallel (train)
 * text, then a BERT-style encoder with masked-LM; writes a Hugging Face folder (config.json, model.safetensors,
 * spm.model). */
int tg_pretrain(const tg_pretrain_opts *o, tg_error *err);

/* The pretraining text of a data root (for tests and reports): lines per language (scripts of one language share
 * a pool; one line in 100 is held out for the per-language MLM loss) and English<->language pairs. */
typedef struct tg_pretrain_corpus tg_pretrain_corpus;
tg_pretrain_corpus *tg_pretrain_corpus_new(void);
int         tg_pretrain_corpus_load(tg_pretrain_corpus *c, const char *root, tg_error *err);
/* 0 when lang has neither lines nor pairs. */
int         tg_pretrain_corpus_count(const tg_pretrain_corpus *c, const char *lang, int64_t *lines, int64_t *held,
                                     int64_t *pairs);
const char *tg_pretrain_corpus_line(const tg_pretrain_corpus *c, const char *lang, int64_t k);
void        tg_pretrain_corpus_free(tg_pretrain_corpus *c);

#endif
