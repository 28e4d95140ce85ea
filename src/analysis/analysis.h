/* Analysis: the numbers the research questions ask for, computed from the experiment store, the data and a model.
 *
 *   out.c        output formats shared by the analyses (text, Markdown, CSV, JSON) and small table helpers
 *   items.c      per-item score files ("tamga-items 1") that the trainer writes next to each evaluation
 *   compare.c    two methods paired on seeds and items: differences in score, A_t - c_t and TTC, hierarchical
 *                bootstrap (seeds, then items), Holm across targets; one selection's seed means for reports
 *   study.c      a study protocol's sweep commands and its report (Markdown, HTML with inline SVG, PDF via cairo)
 *   ttc.c        Turkic Transfer Coefficient per (task, method, layers, source, target): seeds and item bootstrap;
 *                source benefit dTTC; source x target and method x target matrices
 *   corpus.c     a sample of sentences per language from the data root (text, Tatoeba, UD, parallel sets)
 *   textstats.c  words (whitespace + punctuation), scripts (Latin, Cyrillic, Arabic), character 3-grams, type sets
 *   tokstats.c   tokenizer diagnostics per language (fertility, continued words, UNK rate, characters per token,
 *                script mix) and subword-type / character 3-gram Jaccard between languages on equal-size samples
 *   features.c   language-distance features per (source, target) pair for predictive TTC
 *   regress.c    ordinary least squares / ridge on standardised features; leave-one-language-out validation
 *   scaling.c    err = E + A D^-b P^-g (1 - TTC)^d and its nested forms by nonlinear least squares (GSL)
 *   probe.c      alignment probe: parallel minus random cosine of mean-pooled states, retrieval acc@1, per layer
 *   aplot.c      plots of the above through src/plot: learning curves, TTC heat maps, probe chart, scaling fit
 *
 * Everything is deterministic for a fixed seed. Undefined numbers are NaN. Functions that can fail take a
 * tg_error and return TG_ERR or NULL.
 */
#ifndef TG_ANALYSIS_H
#define TG_ANALYSIS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "data/data.h"
#include "metrics/metrics.h"
#include "model/model.h"
#include "plot/plot.h"
#include "store/store.h"
#include "tokenize/tokenizer.h"
#include "util/util.h"

/* Notes an analysis collects for its reader, each text once (ttc.c): tg_notes_add formats one and drops a repeat;
 * the result takes s and n (its free releases them). */
typedef struct tg_notes {
	int    n, cap;
	char **s;
} tg_notes;
void tg_notes_add(tg_notes *nt, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Intervals shared by TTC, compare and study (ttc.c): the percentile interval (numpy's linear interpolation) and
 * standard error of resamples v[0..nb), NaNs dropped and v reordered; or none (NaN bounds) around est. */
void tg_ci_percentile(double est, double *v, int nb, double level, tg_ci *ci);
void tg_ci_none(tg_ci *ci, double est, double level);
#include "util/table.h"

/* ---- out.c ------------------------------------------------------------------------------------------------------- */
/* The output formats (tg_out_format, tg_out_*) are util/table.h's. */

/* A labelled matrix (heat maps, source x target tables). */
typedef struct tg_matrix {
	char   title[192];
	char   row_label[32], col_label[32];   /* "source", "target" */
	int    rows, cols;
	char **row_names, **col_names;
	double *v;                             /* rows * cols, NaN = missing */
} tg_matrix;

tg_matrix *tg_matrix_new(int rows, int cols);
void       tg_matrix_free(tg_matrix *m);
void       tg_matrix_list_free(tg_matrix **m, int n);
int        tg_matrix_write(FILE *f, tg_out_format fmt, const tg_matrix *m, int decimals, tg_error *err);
/* The matrix as a JSON object: title, row_label and col_label (with labels), rows, cols, values (NaN null). */
struct json_t *tg_matrix_json(const tg_matrix *m, bool labels);

/* ---- items.c: per-item scores ------------------------------------------------------------------------------------
 * The trainer writes one file per (run, step, split, language, metric) evaluation, so that TTC and other scores get
 * confidence intervals over test items. Format (UTF-8 text, '#' lines are comments):
 *
 *   tamga-items 1                  magic and version (first line)
 *   run 7                          run id in tamga.db
 *   step 1200                      the evaluated checkpoint
 *   split test                     dev | test
 *   lang kk                        the evaluated language as in the evals table
 *   metric acc                     the metric name as in the evals table
 *   stat ratio                     how items combine into the metric (below)
 *   chance 0.2137                  optional: the chance level of this evaluation set (udpos: majority-tag rate)
 *   items 1047                     item count; exactly that many lines follow
 *   12 14                          one item per line, in the order of the evaluated file, k numbers each
 *
 * stat   k  item values                 metric
 *   mean     1  score of the item (0/1)      mean over items (sentence-level accuracy, NLI, COPA, acc@1)
 *   ratio    2  numerator denominator        sum num / sum den (token accuracy with sentences as items)
 *   f1       3  tp n_pred n_gold             micro F1 of the summed counts (NER, sentences as items)
 *   pearson  2  prediction gold              Pearson correlation (STS)
 *   spearman 2  prediction gold              Spearman correlation
 *
 * Where: <workspace>/items/run-<id>/<split>-<lang>-<metric>-<step>.items (tg_items_path), or any path the run lists
 * as an artifact of kind "items". The metric computed from the items must equal the score in the evals table. */
typedef enum { TG_ITEMS_MEAN = 0, TG_ITEMS_RATIO, TG_ITEMS_F1, TG_ITEMS_PEARSON, TG_ITEMS_SPEARMAN, TG_ITEMS_NSTATS }
	tg_items_stat;

#define TG_ITEMS_MAGIC   "tamga-items"
#define TG_ITEMS_VERSION 1

typedef struct tg_items {
	int64_t       run_id, step;
	tg_split      split;
	char          lang[16], metric[32];
	tg_items_stat stat;
	int           k;                 /* values per item */
	double        chance;            /* NaN unless the file states one */
	int64_t       n;
	double       *v;                 /* n * k */
	bool          legacy;            /* read from the first trainer's one-value-per-item file */
} tg_items;

const char *tg_items_stat_name(tg_items_stat st);
int         tg_items_stat_parse(const char *name);              /* -1 when unknown */
int         tg_items_stat_width(tg_items_stat st);              /* k */
tg_items   *tg_items_new(tg_items_stat st, int64_t n);          /* zeroed values, chance NaN */
void        tg_items_free(tg_items *it);
/* Written to path.tmp then renamed, so a reader never sees half a file. */
int         tg_items_write(const char *path, const tg_items *it, tg_error *err);
tg_items   *tg_items_read(const char *path, tg_error *err);     /* "path:line: what" on a format error */
/* The first trainer's files "items/run-<id>/step-<step>.<lang>.tsv" (a comment header, then "index<TAB>value"):
 * read as stat mean. tg_items_find falls back to them. */
tg_items   *tg_items_read_legacy(const char *path, tg_error *err);
char       *tg_items_path(const char *workspace, int64_t run_id, int64_t step, tg_split split, const char *lang,
                          const char *metric);                  /* malloc'd */
/* The items of one evaluation: the conventional path first, then the run's "items" artifacts. NULL with err->code
 * 0 when there are none (not an error); NULL with err set when a file exists but cannot be read. */
tg_items   *tg_items_find(tg_store *s, int64_t run_id, int64_t step, tg_split split, const char *lang,
                          const char *metric, tg_error *err);
/* The metric over the items idx[0..n) (drawn with replacement; idx NULL = all items in order, n ignored). */
double      tg_items_score(const tg_items *it, const int64_t *idx, int64_t n);

/* ---- ttc.c ------------------------------------------------------------------------------------------------------- */
typedef struct tg_ttc_opts {
	const char *task, *method, *source, *layers;   /* filters (exact); NULL = any */
	bool        dev;             /* scores on the dev split instead of test (selection is always source dev) */
	unsigned    status_mask;     /* runs with these statuses (bit 1u << tg_run_status); 0 = all but failed and
	                                cancelled runs */
	int         n_boot;          /* bootstrap resamples over test items: 0 = 1000, < 0 = none */
	double      level;           /* 0 = 0.95 */
	uint64_t    seed;            /* bootstrap seed */
	bool        have_chance;     /* use `chance` for every task and language instead of the stored levels */
	double      chance;
	const char *src_a, *src_b;   /* dTTC = TTC(src_a -> t) - TTC(src_b -> t); NULL = "tr" and "en" */
} tg_ttc_opts;

typedef struct tg_ttc_cell {
	char     task[32], method[64], layers[64], source[16], target[16], metric[32];
	int      n_seeds;
	int64_t *run_ids;            /* [n_seeds] */
	int64_t *seed;               /* [n_seeds] training seeds */
	double  *ttc, *a_s, *a_t;    /* [n_seeds] per seed: TTC, source score, target score */
	double   chance_s, chance_t; /* chance levels of the source and target sets (seed means of the stored levels) */
	double   mean_a_s, mean_a_t;
	tg_seed_stats seeds;         /* over the per-seed TTC: mean, sd, t interval (NaN with one seed) */
	tg_ci    items;              /* bootstrap over test items of the seed-mean TTC (NaN without item files) */
	int      n_item_seeds;       /* seeds with item files on both sides (the bootstrap uses these) */
	int64_t  n_items_s, n_items_t;
} tg_ttc_cell;

typedef struct tg_dttc_cell {
	char     task[32], method[64], layers[64], target[16], metric[32];
	char     src_a[16], src_b[16];
	double   ttc_a, ttc_b, diff;  /* seed means and their difference */
	double   lo, hi;              /* Welch t interval over seeds (NaN with fewer than 2 seeds on a side) */
	tg_ci    items;               /* bootstrap over items, paired on the shared target test set */
} tg_dttc_cell;

typedef struct tg_ttc_table {
	int           n, n_d, n_notes;
	tg_ttc_cell  *cell;
	tg_dttc_cell *d;
	char        **notes;          /* runs left out and why, item files missing, score mismatches */
	double        level;
	int           n_boot;
	bool          dev;
} tg_ttc_table;

typedef enum { TG_TTC_BY_SOURCE = 0, TG_TTC_BY_METHOD } tg_ttc_by;

tg_ttc_table *tg_ttc_compute(tg_store *s, const tg_ttc_opts *o, tg_error *err);
void          tg_ttc_table_free(tg_ttc_table *t);
/* One matrix of seed-mean TTC per (task, method, layers) with rows = sources (BY_SOURCE), or per (task, source)
 * with rows = "method layers" (BY_METHOD); columns = targets, sorted. *out is malloc'd (tg_matrix_list_free). */
int           tg_ttc_matrices(const tg_ttc_table *t, tg_ttc_by by, tg_matrix ***out, int *n);
/* The matrices of tg_ttc_matrices as one (one heat map, one file): rows "KEY | row" when there are several. */
tg_matrix    *tg_ttc_matrix_join(tg_matrix **m, int n);
int           tg_ttc_write(FILE *f, tg_out_format fmt, const tg_ttc_table *t, tg_error *err);

/* ---- compare.c --------------------------------------------------------------------------------------------------
 * A selection of runs: finished runs whose name matches a pattern (SQL LIKE, '*' = '%'), of a method, on a layer set
 * (empty = any). Spec strings: "method=lora,layers=0-1[,name=PATTERN]" (name= last: it takes the rest), or anything
 * else: a name pattern when it holds '*', '%', '=' or a space ("study:q arm=lora-w0 *"), else a method. */
typedef struct tg_compare_sel {
	char label[256];              /* how the output names it (the spec as given) */
	char name[256], method[64], layers[64];
} tg_compare_sel;

int tg_compare_sel_parse(const char *spec, tg_compare_sel *sel, tg_error *err);

typedef struct tg_compare_opts {
	tg_compare_sel a, b;
	const char    *task, *source; /* filters (exact); NULL = any */
	bool           dev;           /* scores on dev instead of test (selection is always on source dev) */
	int            n_boot;        /* resamples: 0 = 1000, < 0 = none */
	double         level;         /* 0 = 0.95 */
	uint64_t       seed;          /* resample b draws from tg_rng seeded with tg_compare_boot_seed(seed, b) */
} tg_compare_opts;

/* Per (task, source, target, metric): runs of A and B paired by training seed (the latest run of a repeated seed).
 * Resample b: m seed indexes drawn with replacement (pairs stay together), then n_t target item indexes shared by
 * both methods and every drawn seed, then n_s source item indexes (for TTC), in that order from one tg_rng. The
 * statistic is the seed mean of A - B. p: two-sided, 2 min(#{d <= 0} + 1, #{d >= 0} + 1) / (B + 1), at most 1;
 * p_holm: Holm's step-down over the targets of one (task, source, metric). */
typedef struct tg_compare_cell {
	char     task[32], source[16], target[16], metric[32];
	int      n_seeds;             /* matched seeds */
	int64_t *seed, *run_a, *run_b;
	int64_t  n_items;             /* target test items (0 without item files) */
	double   chance;              /* c_t (seed mean over A's runs) */
	double   score_a, score_b, diff;
	double   gain_a, gain_b, dgain;   /* A_t - c_t */
	double   ttc_a, ttc_b, dttc;      /* NaN when some seed's TTC is undefined */
	tg_ci    ci_diff, ci_dgain, ci_dttc;
	double   p, p_holm;           /* of diff; NaN without a bootstrap */
	int      family;              /* targets in the Holm family */
} tg_compare_cell;

typedef struct tg_compare {
	char             label_a[256], label_b[256];
	int              n, n_notes, n_boot, n_runs_a, n_runs_b;
	tg_compare_cell *cell;
	char           **notes;
	double           level;
	bool             dev;
} tg_compare;

uint64_t    tg_compare_boot_seed(uint64_t seed, int b);
tg_compare *tg_compare_compute(tg_store *s, const tg_compare_opts *o, tg_error *err);
void        tg_compare_free(tg_compare *c);
int         tg_compare_write(FILE *f, tg_out_format fmt, const tg_compare *c, tg_error *err);

/* One selection's seed means per (task, source, target, metric), with costs (seed means of the runs' numbers). */
typedef struct tg_arm_cell {
	char          task[32], source[16], target[16], metric[32];
	int           n_seeds;
	tg_seed_stats score;          /* target score over seeds: mean, sd, t interval */
	double        score_source, chance_s, chance_t, gain, ttc;
	double        params, flops, wall;   /* trainable parameters, FLOPs per step, seconds from start to end */
} tg_arm_cell;

typedef struct tg_arm_scores {
	int          n;
	tg_arm_cell *cell;
} tg_arm_scores;

tg_arm_scores *tg_arm_scores_compute(tg_store *s, const tg_compare_sel *sel, const char *task, bool dev, double level,
                                     tg_error *err);
void           tg_arm_scores_free(tg_arm_scores *a);

/* ---- study.c: a study protocol and its report -------------------------------------------------------------------
 * An arm is one PEFT configuration (method, layer set, budget); its runs are the sweep points named
 * "study:<name> arm=<arm> task=T source=S seed=N". The protocol file (Lua) is read by the command (src/lua). */
typedef struct tg_study_arm {
	char    name[64], peft[256], match[256];
	int64_t budget;                /* --budget N (0: none) */
	int     window_lo, window_hi;  /* the layers of a LoRA window arm; -1 for other arms */
} tg_study_arm;

typedef struct tg_study {
	char          name[64], question[512], path[4096], model[1024], reference[64];
	char        **tasks, **sources, **targets, **train;   /* train: extra `tamga train` words ("--epochs", "1") */
	int           ntasks, nsources, ntargets, ntrain;
	char       ***task_sources;    /* [ntasks]: the sources of that task when the protocol sets them, else NULL */
	int          *ntask_sources;
	int64_t      *seeds;
	int           nseeds, narms, workers, n_boot;
	int           probe_pairs;     /* alignment probe before/after on this many Tatoeba pairs per target; 0 = off */
	tg_study_arm *arm;
	uint64_t      checksum;        /* of the protocol file (FNV-1a 64) */
} tg_study;

/* What the report records beside the store: where and with what it ran. */
typedef struct tg_study_env {
	const char   *version, *workspace, *model, *model_sum, *data_root, *data_sum, *launcher, *tmpdir;
	const char   *protocol_text;   /* the protocol file, shown in full */
	const double *peak_mib;        /* [narms] peak resident memory of each arm's sweep; NaN unknown (may be NULL) */
} tg_study_env;

void tg_study_free(tg_study *st);
void tg_study_prefix(const tg_study *st, int arm, char *buf, size_t n);
/* The sources of task ti (its own list, else the study's). */
char *const *tg_study_sources(const tg_study *st, int ti, int *n);
/* argv of `tamga sweep` (argv[0] "sweep") for one arm and task, NULL-terminated; returns argc. Free with
 * tg_study_argv_free. */
int  tg_study_sweep_argv(const tg_study *st, int arm, int task, const char *ws, const char *launcher, char ***argv);
void tg_study_argv_free(char **argv);
/* FNV-1a 64 of a file's bytes; -1 when it cannot be read. */
int  tg_file_checksum(const char *path, uint64_t *h, int64_t *bytes);
/* report.md, report.html (self-contained: plots inline as SVG) and report.pdf in outdir (which must exist). */
int  tg_study_report(tg_store *s, const tg_study *st, const tg_study_env *env, const char *outdir, tg_error *err);

/* ---- corpus.c ---------------------------------------------------------------------------------------------------- */
typedef struct tg_lang_text {
	char     lang[16];
	int64_t  n, cap;
	char   **sent;                /* owned */
	int64_t  n_words;             /* whitespace words, counted as sentences are added */
	char     sources[160];        /* where the sentences came from: "text tatoeba ntrex" */
} tg_lang_text;

typedef struct tg_corpus {
	int           n, cap;
	tg_lang_text *lang;
} tg_corpus;

typedef struct tg_corpus_opts {
	const char *const *langs;     /* only these (NULL = every language found) */
	int         nlangs;
	const char *sources;          /* comma-separated, in order of preference; NULL = the default list
	                                 "text,tatoeba,udpos,ntrex,xwmt,udhr,ebible" (also: gettext) */
	int64_t     max_words;        /* per language; 0 = 100000. Sources are read in order until it is reached */
} tg_corpus_opts;

tg_corpus    *tg_corpus_new(void);
void          tg_corpus_free(tg_corpus *c);
tg_lang_text *tg_corpus_lang(tg_corpus *c, const char *lang, bool create);
void          tg_corpus_add(tg_corpus *c, const char *lang, const char *sentence, const char *source);
/* Sentences per language from the data root: text/ lines, Tatoeba (both sides: eng goes to en), UD sentences
 * (words joined by spaces), parallel sets (both sides, each to its language). */
tg_corpus    *tg_corpus_collect(const tg_registry *r, const tg_corpus_opts *o, tg_error *err);

/* ---- textstats.c ------------------------------------------------------------------------------------------------- */
typedef enum { TG_SCRIPT_LATIN = 0, TG_SCRIPT_CYRILLIC, TG_SCRIPT_ARABIC, TG_SCRIPT_OTHER, TG_NSCRIPTS } tg_script;

const char *tg_script_name(tg_script s);                   /* "Latin", "Cyrillic", "Arabic", "other" */
tg_script   tg_script_of(int32_t cp);                      /* the script of a letter (non-letters: OTHER) */
/* Letters of each script in s (counts[TG_NSCRIPTS] are added to); returns the letter count. */
int64_t     tg_script_count(const char *s, int64_t counts[TG_NSCRIPTS]);
/* The script with the most letters, or -1 when there are none. */
int         tg_script_dominant(const int64_t counts[TG_NSCRIPTS]);

/* Words of a sentence: split at Unicode white space, and every punctuation character (Unicode P*) is a word of its
 * own ("İstanbul'da," -> "İstanbul" "'" "da" ","). Writes the words, NUL-separated, into a malloc'd buffer *buf and
 * their starts into a malloc'd *words; returns the count. */
int         tg_words_split(const char *s, char **buf, char ***words);
char       *tg_words_join(char *const *words, int64_t n, const char *sep);   /* malloc'd; n = 0 gives "" */
int64_t     tg_utf8_chars(const char *s);                  /* code points (invalid bytes count one each) */

/* Sorted sets of 64-bit type keys (hashed strings, token ids). */
typedef struct tg_typeset {
	int64_t   n, cap;
	uint64_t *k;
	bool      sorted;
} tg_typeset;

void     tg_typeset_add(tg_typeset *s, uint64_t key);
void     tg_typeset_finish(tg_typeset *s);                  /* sort + unique */
void     tg_typeset_clear(tg_typeset *s);
double   tg_typeset_jaccard(const tg_typeset *a, const tg_typeset *b);   /* |a & b| / |a | b|; NaN when both empty */
uint64_t tg_hash_str(const char *s, size_t n);              /* FNV-1a 64 */
/* Case-folded character 3-grams of one word with boundary marks ("^ab", "abc", ..., "yz$"; a one-letter word gives
 * "^a$"), added to s. */
void     tg_char3_add(tg_typeset *s, const char *word);

/* ---- tokstats.c -------------------------------------------------------------------------------------------------- */
typedef struct tg_tokstats {
	char       lang[16];
	int64_t    n_sents, n_words, n_tokens, n_continued, n_unk, n_chars;
	double     fertility;        /* tokens per word */
	double     continued;        /* share of words split into two or more tokens */
	double     unk_rate;         /* share of tokens that are the unknown token */
	double     chars_per_token;  /* non-space characters per token */
	int64_t    letters[TG_NSCRIPTS];
	double     script[TG_NSCRIPTS];   /* share of letters in each script */
	int        dominant;         /* tg_script, -1 with no letters */
	int64_t    sample_words;     /* words in the equal-size sample; 0 when the language has too few */
	tg_typeset types, grams;     /* subword types and character 3-grams of the sample */
	char       sources[160];
} tg_tokstats;

typedef struct tg_tokstats_report {
	int          n;
	tg_tokstats *lang;
	double      *jaccard;         /* n * n subword-type Jaccard on the equal-size samples; NaN outside them */
	double      *gram_jaccard;    /* n * n character 3-gram Jaccard on the same samples */
	int64_t      sample_words;
	bool         have_tokenizer;
	char         tokenizer[320];  /* tg_tokenizer_describe, or the word splitter's description */
	double       seconds;
} tg_tokstats_report;

typedef struct tg_tokstats_opts {
	int64_t  sample_words;        /* equal-size sample for Jaccard; 0 = 5000 */
	uint64_t seed;                /* sentence order of the samples */
	int      threads;             /* 0 = tg_threads_get() */
} tg_tokstats_opts;

/* tok NULL: words are the tokens (fertility 1, no continued words, no UNK). */
tg_tokstats_report *tg_tokstats_compute(const tg_corpus *c, const tg_tokenizer *tok, const tg_tokstats_opts *o,
                                        tg_error *err);
void tg_tokstats_report_free(tg_tokstats_report *r);
int  tg_tokstats_index(const tg_tokstats_report *r, const char *lang);   /* -1 when absent */
int  tg_tokstats_write(FILE *f, tg_out_format fmt, const tg_tokstats_report *r, tg_error *err);

/* ---- probe.c ----------------------------------------------------------------------------------------------------- */
typedef struct tg_probe_layer {
	double cos_par;               /* mean cosine of the parallel pairs (a_i, b_i) */
	double cos_rand;              /* mean cosine of the non-parallel pairs (a_i, b_j), i != j: the expectation over
	                                 random shufflings, computed exactly */
	double margin;                /* cos_par - cos_rand */
	double acc_ab, acc_ba;        /* retrieval accuracy@1, a -> b and b -> a (cosine) */
} tg_probe_layer;

typedef struct tg_probe_result {
	char            a[16], b[16]; /* languages of the two sides */
	int64_t         n;            /* pairs */
	int             n_layers;     /* num_layers + 1: index 0 = embedding output */
	tg_probe_layer *layer;
} tg_probe_result;

/* Tokenised pairs: ids_a[i][0..len_a[i]) with the special tokens already in place. */
typedef struct tg_probe_pairs {
	int64_t   n;
	int32_t **ids_a, **ids_b;
	int      *len_a, *len_b;
} tg_probe_pairs;

typedef void (*tg_progress_fn)(void *ud, int64_t done, int64_t total);

typedef struct tg_probe_opts {
	int            batch;         /* sentences per forward; 0 = 32 */
	tg_progress_fn progress;      /* called after each batch (done, total sentences of both sides) */
	void          *progress_ud;
} tg_probe_opts;

/* Rows of X (n x d) scaled to unit length into Y, which may be X (zero rows stay zero). */
void tg_probe_normalise(const float *X, int64_t n, int64_t d, float *Y);
/* The scores of one layer from pooled vectors A and B (n x d, row-major, not necessarily normalised). */
int  tg_probe_layer_scores(const float *A, const float *B, int64_t n, int64_t d, tg_probe_layer *out, tg_error *err);
/* Mean-pooled (mask) hidden states of every layer for sentences ids[0..n): out is (num_layers + 1) x n x d, row-major
 * by layer. Sentences are batched by length; the encoder's hooks (a PEFT) act as set. */
int  tg_probe_embed(tg_encoder *e, int32_t *const *ids, const int *len, int64_t n, const tg_probe_opts *o,
                    float *out, int64_t done0, int64_t total, tg_error *err);
int  tg_probe_run(tg_encoder *e, const tg_probe_pairs *p, const tg_probe_opts *o, tg_probe_result *res,
                  tg_error *err);
void tg_probe_result_clear(tg_probe_result *r);
/* Tokenise line pairs with cls/bos ... sep/eos around the text (as the encoder was trained), at most max_len ids. */
int  tg_probe_pairs_from_text(const tg_tokenizer *t, char *const *a, char *const *b, int64_t n, int max_len,
                              tg_probe_pairs *out, tg_error *err);
void tg_probe_pairs_clear(tg_probe_pairs *p);
/* Long form: one row per (pair, layer). */
int  tg_probe_write(FILE *f, tg_out_format fmt, const tg_probe_result *r, int n, tg_error *err);
/* Read back what tg_probe_write wrote as CSV. *out malloc'd (free each with tg_probe_result_clear, then free). */
int  tg_probe_read_csv(const char *path, tg_probe_result **out, int *n, tg_error *err);

/* ---- features.c -------------------------------------------------------------------------------------------------- */
typedef enum {
	TG_FEAT_SUBWORD_JACCARD = 0,  /* subword-type Jaccard, equal-size samples */
	TG_FEAT_CHAR3_JACCARD,        /* character 3-gram Jaccard, same samples */
	TG_FEAT_SCRIPT_MATCH,         /* 1 when the dominant scripts agree */
	TG_FEAT_FERTILITY_RATIO,      /* target fertility / source fertility */
	TG_FEAT_CONTINUED_RATIO,      /* target continued-word share / source continued-word share */
	TG_FEAT_IN_PRETRAINING,       /* 1 when the target is among the model's pretraining languages */
	TG_FEAT_ALIGN_MARGIN,         /* alignment margin of (source, target) at the chosen layer; NaN without a probe */
	TG_NFEATS
} tg_feat;

extern const char *const tg_feat_names[TG_NFEATS];

typedef struct tg_pair_features {
	char   source[16], target[16];
	double f[TG_NFEATS];
} tg_pair_features;

/* Features of every (source, target) pair present in ts. pretrain_langs: comma-separated (cfg.languages), NULL =
 * unknown (NaN). probe (may be NULL): results for pairs in either orientation, read at probe_layer (-1 = last). */
int tg_features_compute(const tg_tokstats_report *ts, const char *const *sources, int ns,
                        const char *const *targets, int nt, const char *pretrain_langs,
                        const tg_probe_result *probe, int nprobe, int probe_layer,
                        tg_pair_features **out, int *n, tg_error *err);
int tg_features_write(FILE *f, tg_out_format fmt, const tg_pair_features *pf, int n, tg_error *err);
/* "az,kk" contains "kk" (exact, comma-separated; "uz-Cyrl" matches "uz"). */
bool tg_lang_in_list(const char *list, const char *lang);

/* ---- regress.c --------------------------------------------------------------------------------------------------- */
typedef struct tg_regress_fit {
	int     n, p, rank;
	double  ridge;
	double  intercept;            /* on the standardised scale = mean of y */
	double *coef, *se;            /* [p] per standardised feature; NaN for a feature constant in the data;
	                                 se NaN under ridge */
	double *mean, *sd;            /* [p] of the features in the fitting data */
	double  r2, rmse, sigma;      /* in-sample; sigma = residual standard deviation (n - rank - 1 dof) */
} tg_regress_fit;

/* y ~ intercept + sum_j coef_j * (x_j - mean_j) / sd_j; X row-major n x p. ridge > 0 adds ridge * |coef|^2. */
int    tg_regress_fit_ols(const double *X, const double *y, int n, int p, double ridge, tg_regress_fit *fit,
                          tg_error *err);
double tg_regress_predict(const tg_regress_fit *fit, const double *x);
void   tg_regress_fit_clear(tg_regress_fit *fit);
/* Leave one group out (group[i] = language of row i): pred[i] predicted by a fit without row i's group. Returns
 * the Spearman rho of pred against y (and RMSE in *rmse). */
int    tg_regress_lolo(const double *X, const double *y, int n, int p, const char *const *group, double ridge,
                       double *pred, double *rho, double *rmse, tg_error *err);

/* Predictive TTC: measured seed-mean TTC of table cells ~ features of their (source, target) pair. Features defined
 * on fewer than two thirds of the rows are left out, then rows lacking a remaining feature (n_dropped), then
 * features constant over the rows. */
typedef struct tg_ttc_prediction {
	int            n, p, n_dropped;
	int            feat[TG_NFEATS];   /* the features used, by tg_feat */
	tg_regress_fit fit;
	double        *y, *pred;          /* [n] measured and held-out predictions */
	char         **label;             /* [n] "task method layers source->target" */
	char         **group;             /* [n] target language */
	double         rho, rmse;
} tg_ttc_prediction;

int  tg_ttc_predict(const tg_ttc_table *t, const tg_pair_features *pf, int npf, double ridge,
                    tg_ttc_prediction *out, tg_error *err);
void tg_ttc_prediction_clear(tg_ttc_prediction *p);
int  tg_ttc_prediction_write(FILE *f, tg_out_format fmt, const tg_ttc_prediction *p, tg_error *err);

/* ---- scaling.c --------------------------------------------------------------------------------------------------- */
typedef enum {
	TG_SCALE_D = 1,               /* err = E + A D^-b */
	TG_SCALE_DP = 2,              /* err = E + A D^-b P^-g */
	TG_SCALE_DPT = 3              /* err = E + A D^-b P^-g (1 - TTC)^d */
} tg_scale_form;

enum { TG_SP_E = 0, TG_SP_A, TG_SP_B, TG_SP_G, TG_SP_D, TG_SP_N };   /* parameter indexes */

typedef struct tg_scale_point {
	double  D, P, ttc, err;       /* source examples, trainable parameters, TTC, error (1 - score) */
	char    lang[16];
	int64_t run_id;
} tg_scale_point;

/* 1 - TTC is floored at this value: the model is undefined at and above TTC = 1. */
#define TG_SCALE_GAP_FLOOR 1e-3

typedef struct tg_scale_fit {
	tg_scale_form form;
	int     n, k;                 /* points, free parameters */
	double  par[TG_SP_N], se[TG_SP_N];   /* E A b g d; NaN for parameters the form lacks */
	double  ssr, rmse, aic, aicc, bic;
	double  heldout_rmse;         /* fit without the largest D, error at the largest D; NaN when not possible */
	double  heldout_D;
	int     n_heldout;
	int     iters;
	bool    converged;
} tg_scale_fit;

const char *tg_scale_form_name(tg_scale_form f);          /* "E + A D^-b", ... */
double      tg_scale_predict(const tg_scale_fit *f, double D, double P, double ttc);
/* Fit by trust-region nonlinear least squares (several starts, the best kept); with heldout, also the held-out
 * error at the largest D. */
int         tg_scale_fit_points(const tg_scale_point *pts, int n, tg_scale_form form, bool heldout,
                                tg_scale_fit *fit, tg_error *err);
/* Points from a TTC table and the store: one per (run, target): D = run config "train_examples", P =
 * trainable_params, TTC of that run, err = 1 - target score. Runs without D or P are left out (noted). */
int         tg_scale_points_from_ttc(tg_store *s, const tg_ttc_table *t, tg_scale_point **pts, int *n,
                                     tg_error *err);
/* CSV with a header naming D, P, ttc and err columns (any order; lang and run optional). */
int         tg_scale_points_read_csv(const char *path, tg_scale_point **pts, int *n, tg_error *err);
int         tg_scale_write(FILE *f, tg_out_format fmt, const tg_scale_fit *fits, int nfits, tg_error *err);

/* ---- aplot.c ----------------------------------------------------------------------------------------------------- */
/* Per-language learning curves of runs (several runs = seeds: mean and t interval across them; one run: the
 * stored CI of each eval row). metric NULL = the metric of the first row. */
tg_plot *tg_analysis_plot_curves(tg_store *s, const int64_t *run_ids, int nruns, tg_split split, const char *metric,
                                 tg_error *err);
tg_plot *tg_analysis_plot_matrix(const tg_matrix *m, double center);   /* heat map; center NaN = sequential */
/* Probe by layer: one line per pair; what = "margin", "acc" (mean of both directions), "cos". */
tg_plot *tg_analysis_plot_probe(const tg_probe_result *r, int n, const char *what, tg_error *err);
/* Points (err against D, log axes) and the fitted curve per P and TTC group (at the points' P and TTC). */
tg_plot *tg_analysis_plot_scaling(const tg_scale_point *pts, int n, const tg_scale_fit *fit, tg_error *err);

#endif
