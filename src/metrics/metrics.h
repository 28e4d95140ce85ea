/* Evaluation metrics, chance levels and uncertainty: everything a score in a tamga table is computed with.
 *
 *   classify.c   accuracy, majority-class rate, the chance level of an evaluation set, TTC
 *   spanf1.c     entity spans from IOB2 tags (strict = seqeval mode='strict', lenient = conlleval) and micro P/R/F1
 *   corr.c       Pearson, Spearman (ties get average ranks), average ranks
 *   retrieval.c  accuracy@1 from a query x candidate similarity matrix (Tatoeba xx->en)
 *   bootstrap.c  seeded percentile bootstrap over items, generic over the statistic; aggregation over seeds with a
 *                t interval (GSL)
 *
 * Conventions: undefined values are NaN (accuracy of nothing, correlation of a constant); P/R/F1 are 0 when their
 * denominator is 0 (conlleval and seqeval's zero_division default agree on that). Everything is deterministic for
 * a fixed seed.
 */
#ifndef TG_METRICS_H
#define TG_METRICS_H

#include <stdint.h>
#include "util/util.h"

/* ---- classification (classify.c) --------------------------------------------------------------------------------- */

/* Share of items with pred == gold among items with gold >= 0 (gold < 0, e.g. the ignore index -100, is skipped);
 * NaN when no item counts. */
double tg_accuracy(const int32_t *gold, const int32_t *pred, int64_t n);
/* Share of the most frequent label among gold >= 0 (labels 0..n_classes-1); NaN when empty. */
double tg_majority_rate(const int32_t *gold, int64_t n, int n_classes);

/* The label most frequent among gold >= 0 (labels 0..n_classes-1), the lowest id on ties; -1 when empty. */
int32_t tg_majority_label(const int32_t *gold, int64_t n, int n_classes);

/* Chance level c of ONE evaluation set, for the transfer ratio TTC(s->t) = (A_t - c_t) / (A_s - c_s) (RESEARCH.md,
 * "Protocol decisions"). Its name in tables is TG_CHANCE_NAME: the score of the majority baseline on that set.
 *
 *   task     metric                 chance of an evaluation set          kind
 *   udpos    token accuracy         share of its words whose gold tag is TG_CHANCE_SOURCE_MAJORITY
 *                                   the SOURCE's majority tag (the tag
 *                                   most frequent in the source's train
 *                                   split): always answering that tag
 *   nli      accuracy               the set's majority-class rate        TG_CHANCE_MAJORITY
 *   copa     accuracy               the set's majority-class rate        TG_CHANCE_MAJORITY
 *   ner      entity span F1         0: no entity is found by chance      TG_CHANCE_ZERO
 *   sts      Pearson / Spearman     0: no correlation                    TG_CHANCE_ZERO
 *   tatoeba  accuracy@1             0 (1/N candidates, ~0.001)           TG_CHANCE_ZERO
 *
 * The chance of a set is computed once, when the set is evaluated (tg_evaluate), and stored beside its score; every
 * table, plot and API reads the stored value. A uniform 1/n_classes is not used: always answering NOUN scores
 * 0.2-0.3 in UDPOS, far above 1/17. */
#define TG_CHANCE_NAME "majority baseline"
#define TG_CHANCE_ABOUT "chance c = majority baseline on each evaluation set (tagging: the source's majority tag; " \
	"classification: the set's majority class; F1, correlation, retrieval: 0)"

typedef enum tg_chance_kind { TG_CHANCE_ZERO, TG_CHANCE_MAJORITY, TG_CHANCE_SOURCE_MAJORITY } tg_chance_kind;

typedef struct tg_chance_rule {
	const char    *task;
	const char    *metric;
	tg_chance_kind kind;
	const char    *why;
} tg_chance_rule;

extern const tg_chance_rule tg_chance_table[];
extern const int tg_chance_table_len;

const tg_chance_rule *tg_chance_rule_find(const char *task);
/* The chance of one evaluation set with gold labels gold[0..n) (gold < 0 skipped) by kind: ZERO 0; MAJORITY the
 * majority-class rate over n_classes classes; SOURCE_MAJORITY the share of gold == source_label. NaN when the set
 * has no labelled item, or source_label < 0 for SOURCE_MAJORITY. */
double tg_chance_set(tg_chance_kind kind, const int32_t *gold, int64_t n, int n_classes, int32_t source_label);
/* The same by task name (tg_chance_table); NaN (err set) for an unknown task. */
double tg_chance(const char *task, const int32_t *gold, int64_t n, int n_classes, int32_t source_label,
    tg_error *err);
/* TTC(s->t) = (a_t - c_t) / (a_s - c_s); NaN (undefined, never a number) when a_s <= c_s or an input is NaN. */
double tg_ttc(double a_t, double c_t, double a_s, double c_s);

/* ---- entity spans (spanf1.c) ------------------------------------------------------------------------------------- */

/* How a malformed start (I-X after O, or after a different type) is read:
 *   TG_IOB_STRICT  (default) seqeval mode='strict', scheme=IOB2: an entity starts only at B-X and continues over I-X
 *                  of the same type; an I-X that continues nothing belongs to no entity (it is neither counted as
 *                  a prediction nor can it match gold). "B-PER I-LOC" is PER[0,1) and nothing else.
 *   TG_IOB_LENIENT conlleval and seqeval's default mode: such an I-X starts a new entity. "O I-PER I-PER" is
 *                  PER[1,3); "B-PER I-LOC" is PER[0,1) and LOC[1,2).
 * Both: B-X after B-X or I-X starts a new entity (adjacent same-type entities stay separate); an entity ends at O,
 * B-*, an I- of another type, or the sentence end; a match needs equal start, end and type. */
enum { TG_IOB_STRICT = 0, TG_IOB_LENIENT = 1 };

typedef struct tg_iob {
	int      n_labels, n_types;
	char    *prefix;        /* [n_labels] 'O', 'B' or 'I' */
	int32_t *type;          /* [n_labels] entity type id, -1 for O */
	char   **type_name;     /* [n_types] "PER", ... */
} tg_iob;

/* From label names ("O", "B-PER", "I-PER", ...); anything else is an error. */
int  tg_iob_init(tg_iob *s, const char *const *labels, int n_labels, tg_error *err);
void tg_iob_free(tg_iob *s);

typedef struct tg_span {
	int64_t start, end;     /* words [start, end) */
	int32_t type;
} tg_span;

/* Spans of one sentence in order; out (may be NULL to count) needs room for n spans. Tag ids outside
 * 0..n_labels-1 read as O. */
int64_t tg_iob_spans(const tg_iob *s, const int32_t *tags, int64_t n, int mode, tg_span *out);

typedef struct tg_prf_counts {
	int64_t tp, n_pred, n_gold;
} tg_prf_counts;

typedef struct tg_prf {
	double p, r, f1;
} tg_prf;

/* Adds one sentence's counts to total (and to per_type[n_types] when not NULL). Counts from several sentences add
 * up to micro-averaged P/R/F1 over the corpus; sentence boundaries end entities. */
void   tg_spanf1_count(const tg_iob *s, const int32_t *gold, const int32_t *pred, int64_t n, int mode,
                       tg_prf_counts *total, tg_prf_counts *per_type);
tg_prf tg_prf_from_counts(tg_prf_counts c);

/* ---- correlation (corr.c) ---------------------------------------------------------------------------------------- */

double tg_pearson(const double *x, const double *y, int64_t n);     /* NaN when n < 2 or a side is constant */
double tg_spearman(const double *x, const double *y, int64_t n);    /* Pearson of average ranks */
void   tg_rank_average(const double *x, int64_t n, double *ranks);  /* 1-based ranks; ties share their mean rank */

/* ---- retrieval (retrieval.c) ------------------------------------------------------------------------------------- */

/* sim[q * n_c + c] = similarity of query q and candidate c. The prediction for q is the candidate of highest
 * similarity (ties: the lowest index; NaN never wins); it is right when it equals gold[q] (gold NULL: q, as in
 * Tatoeba where line q of xx translates line q of eng). correct (may be NULL) gets 1/0 per query. Returns the
 * share right (NaN for n_q = 0). */
double tg_retrieval_acc1(const float *sim, int64_t n_q, int64_t n_c, const int64_t *gold, uint8_t *correct);

/* ---- bootstrap and seeds (bootstrap.c) --------------------------------------------------------------------------- */

typedef struct tg_boot_opts {
	int      n_resamples;   /* 0: 1000 */
	double   level;         /* 0: 0.95 */
	uint64_t seed;
} tg_boot_opts;

/* est: the statistic on the full sample; lo/hi: percentile interval (order statistics interpolated linearly, as
 * numpy.percentile's default); mean, se: mean and standard deviation of the resampled statistics. Resamples whose
 * statistic is NaN (e.g. a constant resample for a correlation) are left out; n_valid says how many remained. */
typedef struct tg_ci {
	double est, lo, hi, mean, se, level;
	int    n_resamples, n_valid;
} tg_ci;

/* Generic: stat(idx, n, ctx) computes the statistic of the resample idx[0..n-1] (item indices drawn with
 * replacement). Resample b draws from its own stream seeded by (seed, b), so results do not depend on threads. */
typedef double (*tg_stat_fn)(const int64_t *idx, int64_t n, void *ctx);
int tg_bootstrap(int64_t n_items, tg_stat_fn stat, void *ctx, const tg_boot_opts *o, tg_ci *out, tg_error *err);

/* Items carrying k additive statistics (stats[i * k + j]); the metric is fn(sums, k, ctx) of their sums over the
 * resample. Accuracy over sentences = (correct, total); F1 = (tp, n_pred, n_gold). */
typedef double (*tg_sums_fn)(const double *sums, int k, void *ctx);
int tg_bootstrap_sums(const double *stats, int64_t n_items, int k, tg_sums_fn fn, void *ctx,
                      const tg_boot_opts *o, tg_ci *out, tg_error *err);

/* Ready-made ones. */
int tg_bootstrap_ratio(const double *num, const double *den, int64_t n, const tg_boot_opts *o, tg_ci *out,
                       tg_error *err);                     /* sum num / sum den (accuracy: den = 1 or tokens) */
int tg_bootstrap_spanf1(const tg_prf_counts *per_sentence, int64_t n_sents, const tg_boot_opts *o, tg_ci *out,
                        tg_error *err);                    /* F1 from summed counts of resampled sentences */
int tg_bootstrap_pearson(const double *x, const double *y, int64_t n, const tg_boot_opts *o, tg_ci *out,
                         tg_error *err);
int tg_bootstrap_spearman(const double *x, const double *y, int64_t n, const tg_boot_opts *o, tg_ci *out,
                          tg_error *err);

/* Several training seeds: mean, sample sd (n-1) and mean +- t(1-(1-level)/2, n-1) * sd / sqrt(n). With one seed
 * sd, lo and hi are NaN. NaN inputs are an error. */
typedef struct tg_seed_stats {
	int    n;
	double mean, sd, lo, hi, level, t;
} tg_seed_stats;

int tg_seeds_aggregate(const double *v, int n, double level, tg_seed_stats *out, tg_error *err);

#endif
