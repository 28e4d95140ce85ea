/* Datasets: readers for the task files under the data root, the registry of every dataset there, and label
 * alignment for subword tokenizers.
 *
 *   io.c            slurp a file, check UTF-8, iterate lines in place, string pool (private: data-internal.h)
 *   csv.c           RFC 4180 CSV records: quotes, doubled quotes, embedded commas and newlines, BOM, CRLF
 *   dataset.c       tg_dataset (one struct, six kinds), tg_labels label sets, the standard label sets
 *   read-conllu.c   CoNLL-U -> tagging (UPOS); UD syntactic words, or XTREME's fused multiword tokens
 *   read-ner.c      PAN-X (XTREME "token<TAB>TAG") and KazNERD ("token TAG") IOB2 -> tagging
 *   read-pairs.c    XNLI TSV and Kardes-NLU xnli CSV -> pairs; Kardes-NLU sts CSV -> regression
 *   read-copa.c     XCOPA JSONL and Kardes-NLU xcopa CSV -> multiple choice
 *   read-text.c     text lines; line-aligned bitext (Tatoeba, X-WMT, NTREX, UDHR); eBible verses; gettext TSV
 *   registry.c      the table task x language x split -> files + format; data root; scan; load
 *   align.c         word labels -> first-subword labels (ignore index elsewhere); truncation statistics
 *   read-log.c      problems a lenient reader reports (skipped sentences, invisible characters in tokens)
 *   labelmap.c      NER label maps (a TSV file, or the built-in OntoNotes-style map to PER/ORG/LOC)
 *
 * Errors: readers return NULL and fill err with "path:line: what is wrong" (and a hint where one helps). A reader
 * stops at the first malformed line of its file; other datasets are unaffected.
 * Ownership: a tg_dataset owns every string and array it points to; tg_dataset_free() releases all of it.
 */
#ifndef TG_DATA_H
#define TG_DATA_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "util/util.h"

#define TG_IGNORE_INDEX (-100)         /* label of subword positions that take no loss (PyTorch's default) */

/* ---- label sets (dataset.c) -------------------------------------------------------------------------------------- */

/* Names <-> ids; id = position. A frozen set rejects names it does not know. */
typedef struct tg_labels {
	int    n, cap;
	char **name;
	int    frozen;
} tg_labels;

tg_labels  *tg_labels_new(void);
tg_labels  *tg_labels_new_from(const char *const *names, int n, int frozen);
tg_labels  *tg_labels_copy(const tg_labels *v);
void        tg_labels_free(tg_labels *v);
int         tg_labels_find(const tg_labels *v, const char *name);        /* id or -1 */
int         tg_labels_add(tg_labels *v, const char *name);               /* id; -1 if frozen and unknown */
const char *tg_labels_name(const tg_labels *v, int id);                  /* "?" when out of range */

/* Standard label sets, so that ids agree across languages and files (zero-shot transfer needs that). */
extern const char *const tg_upos_tags[17];      /* ADJ ADP ADV AUX CCONJ DET INTJ NOUN NUM PART PRON PROPN PUNCT
                                                   SCONJ SYM VERB X (UD order) */
extern const char *const tg_panx_tags[7];       /* O B-PER I-PER B-ORG I-ORG B-LOC I-LOC */
extern const char *const tg_nli_labels[3];      /* contradiction entailment neutral (XTREME's order) */

/* ---- datasets (dataset.c) ---------------------------------------------------------------------------------------- */

typedef enum tg_ds_kind {
	TG_DS_TAGGING = 1,   /* sentences of words with one tag each (UDPOS, NER) */
	TG_DS_PAIRS,         /* sentence pair + class label (NLI) */
	TG_DS_CHOICE,        /* premise + n_choices alternatives + question type + index of the right one (COPA) */
	TG_DS_REGRESSION,    /* sentence pair + real score (STS) */
	TG_DS_BITEXT,        /* aligned source/target sentences (Tatoeba, X-WMT, NTREX, UDHR, eBible, gettext) */
	TG_DS_LINES          /* text lines (raw text for tokenizers and masked-LM) */
} tg_ds_kind;

enum { TG_Q_CAUSE = 0, TG_Q_EFFECT = 1 };          /* COPA question types */

typedef struct tg_dataset {
	tg_ds_kind kind;
	char      *path;        /* the file read (the first one for two-file formats) */
	int64_t    n;           /* examples: sentences, pairs, items, lines */
	int64_t    n_skipped;   /* input units left out by rule (empty lines, eBible <range> merges, ...) */
	tg_labels  *labels;      /* TAGGING, PAIRS: label names (id = index); NULL otherwise */
	int32_t   *line;        /* [n] 1-based line where example i starts in path */
	int64_t   *id;          /* [n] the source's own id (Kardes-NLU row index, XCOPA idx); NULL if it has none */

	/* TAGGING: words of sentence i are words[off[i]] .. words[off[i+1]-1] */
	int64_t    n_words;
	int64_t   *off;         /* [n+1] */
	char     **words;       /* [n_words] */
	int32_t   *tags;        /* [n_words] ids into labels */
	int64_t    n_mwt;       /* CoNLL-U: multiword tokens seen (fused or split, see tg_read_opts.mwt) */

	/* PAIRS: a premise, b hypothesis. REGRESSION: a, b the two sentences. LINES: a only. CHOICE: a premise.
	 * BITEXT: a and b in the order of the registry's pair name ("en-az": a = en, b = az; gettext: a = English);
	 * Tatoeba: a = xx, b = eng (retrieval goes xx -> en). */
	char     **a, **b;
	char     **a_en, **b_en; /* Kardes-NLU: the English originals of a and b; NULL elsewhere */
	int32_t   *label;       /* PAIRS: label id; CHOICE: index of the right choice (0-based) */
	double    *score;       /* REGRESSION: gold score */

	/* CHOICE: choice k of item i is choice[i * n_choices + k] */
	int        n_choices;
	char     **choice, **choice_en;
	int8_t    *question;    /* TG_Q_CAUSE / TG_Q_EFFECT */

	int64_t    cap, words_cap;
	struct tg_pool *pool;   /* owns the strings */
} tg_dataset;

void        tg_dataset_free(tg_dataset *ds);
const char *tg_ds_kind_name(tg_ds_kind k);                 /* "tagging", "pairs", ... */
/* TAGGING: words and tags of sentence i; returns the word count. */
int64_t     tg_dataset_sentence(const tg_dataset *ds, int64_t i, char ***words, int32_t **tags);
/* Count of each label id (TAGGING: over words; PAIRS/CHOICE: over items) into counts[labels->n or n_choices]. */
void        tg_dataset_label_counts(const tg_dataset *ds, int64_t *counts, int n_counts);

/* ---- readers ----------------------------------------------------------------------------------------------------- */

enum { TG_MWT_WORDS = 0, TG_MWT_FUSED = 1 };

typedef struct tg_read_opts {
	/* CoNLL-U multiword tokens (lines "3-4"):
	 *   TG_MWT_WORDS (default): the UD syntactic words (3 and 4), each with its UPOS; the range line is skipped.
	 *   TG_MWT_FUSED: XTREME's UDPOS convention (ud-conversion-tools conllu_to_conll.py
	 *     --replace_subtokens_with_fused_forms): the fused surface form replaces its words and takes the UPOS of the
	 *     span's head: the word of the span closest to the root (fewest HEAD steps); when several are equally close,
	 *     the first in the order VERB NOUN PROPN PRON ADJ NUM ADV INTJ AUX ADP DET PART CCONJ SCONJ X PUNCT
	 *     (SYM and others last). Words then match the raw text a tokenizer sees: IMST "Milas'lı" = Milas (PROPN, the
	 *     root) + 'lı (ADP, its dependent) becomes one word "Milas'lı" tagged PROPN.
	 * Empty nodes ("5.1") are always skipped: they have no surface form. */
	int             mwt;
	/* Label set to start from (copied into the dataset). NULL: the format's standard set (UPOS, PAN-X, NLI: frozen;
	 * KazNERD: grown as labels appear). With a set given, grow_labels = 1 adds unknown labels, 0 rejects them. */
	const tg_labels *labels;
	int             grow_labels;
	/* PAN-X files as distributed by WikiANN/XTREME's download ("en:Paris<TAB>B-LOC"): strip this "<lang>:" prefix
	 * from tokens. NULL: tokens are taken as they are (the processed train-xx.tsv files have no prefix). */
	const char     *lang_prefix;
	/* LINES and BITEXT: keep empty lines / pairs with an empty side (default: skip them, counted in n_skipped). */
	int             keep_empty;
	/* Tagging formats (CoNLL-U, PAN-X, KazNERD): a malformed sentence is reported to log ("path:line: what"),
	 * left out and counted in log->n_bad instead of failing the whole file. 0 (strict) is the default. */
	int             lenient;
	/* Problems found while reading: skipped sentences (lenient) and warnings that do not stop reading (a BOM or
	 * a zero-width character inside a token, which is kept). NULL: warnings are not collected. */
	struct tg_read_log *log;
} tg_read_opts;

/* What a reader reported (read-log.c); one message per problem, "path:line: what", in file order. */
typedef struct tg_read_log {
	int64_t n_bad;          /* malformed sentences left out (lenient reading) */
	int64_t n_warnings;     /* tokens with a BOM or zero-width character (kept) */
	int     n, cap;
	char  **msg;
	char   *is_warning;     /* [n] 1 for warnings, 0 for skipped sentences */
} tg_read_log;

void tg_read_log_add(tg_read_log *l, int warning, const char *msg);
void tg_read_log_clear(tg_read_log *l);                 /* frees the messages, zeroes the counts */
/* The first invisible format character in s (U+200B..U+200F, U+2060, U+FEFF BOM, U+00AD soft hyphen): its
 * offset in bytes, or -1; its code point goes to *cp. */
int64_t tg_invisible_find(const char *s, uint32_t *cp);
const char *tg_invisible_name(uint32_t cp);             /* "ZERO WIDTH SPACE", ... */

tg_dataset *tg_conllu_read(const char *path, const tg_read_opts *opts, tg_error *err);
tg_dataset *tg_panx_read(const char *path, const tg_read_opts *opts, tg_error *err);
tg_dataset *tg_kaznerd_read(const char *path, const tg_read_opts *opts, tg_error *err);
tg_dataset *tg_xnli_read(const char *path, const tg_read_opts *opts, tg_error *err);        /* prem<TAB>hyp<TAB>label */
tg_dataset *tg_kardes_nli_read(const char *path, const tg_read_opts *opts, tg_error *err);  /* CSV, a/b = translation */
tg_dataset *tg_kardes_sts_read(const char *path, tg_error *err);                            /* CSV, score 0..5 */
tg_dataset *tg_xcopa_read(const char *path, tg_error *err);                                 /* JSONL */
tg_dataset *tg_kardes_copa_read(const char *path, tg_error *err);                           /* CSV */
/* Two line-aligned files: Tatoeba keeps every line (a = xx, b = eng); bitext skips pairs with an empty side
 * unless opts->keep_empty; eBible merges "<range>" verses into the previous pair and skips absent verses. */
tg_dataset *tg_tatoeba_read(const char *path_xx, const char *path_en, tg_error *err);
tg_dataset *tg_bitext_read(const char *path_a, const char *path_b, const tg_read_opts *opts, tg_error *err);
tg_dataset *tg_ebible_read(const char *path_a, const char *path_b, tg_error *err);
tg_dataset *tg_gettext_read(const char *path, tg_error *err);      /* English<TAB>translation; a = translation */
tg_dataset *tg_lines_read(const char *path, const tg_read_opts *opts, tg_error *err);

/* ---- NER label maps (labelmap.c) -------------------------------------------------------------------------------- */

/* from -> to pairs. from is an entity type (PERSON: B-PERSON -> B-PER, I-PERSON -> I-PER), a whole tag (B-DATE),
 * or '*' for every type not listed; to is a type, or O (the entity's words become O). */
typedef struct tg_label_map {
	char  *name;            /* "ontonotes" or the file */
	int    n;
	char **from, **to;
} tg_label_map;

/* "ontonotes": the built-in map PERSON/PER -> PER, ORG/ORGANISATION/ORGANIZATION -> ORG, GPE/LOC/LOCATION ->
 * LOC, everything else -> O. Otherwise a TSV file of from<TAB>to lines ('#' comments, blank lines skipped). */
tg_label_map *tg_label_map_load(const char *name, tg_error *err);
void          tg_label_map_free(tg_label_map *m);
/* The mapped tag (tag itself when no entry applies); buf holds a built B-/I- tag. */
const char   *tg_label_map_apply(const tg_label_map *m, const char *tag, char *buf, size_t n);
/* The word tags of a TAGGING dataset as ids of want (through map, which may be NULL): a new array [n_words]; NULL
 * with an error naming every unknown tag (first line) and the tags want holds, with a --label-map hint. */
int32_t      *tg_labels_convert(const tg_dataset *ds, const tg_labels *want, const tg_label_map *map, tg_error *err);

/* ---- CSV (csv.c) ------------------------------------------------------------------------------------------------- */

/* RFC 4180 records from a buffer owned by the caller, parsed in place (fields point into it). A leading UTF-8 BOM is
 * skipped; records end at LF or CRLF; quoted fields may hold the delimiter, doubled quotes and newlines (CRLF inside
 * a field becomes LF). Completely empty lines are skipped. */
typedef struct tg_csv {
	const char *path;
	char       *p, *end;
	int64_t     line;       /* line of the next unread character */
	int64_t     rec_line;   /* line where the last record started */
	char        delim;
	int         nfield, cap;
	char      **field;
} tg_csv;

void tg_csv_init(tg_csv *c, const char *path, char *buf, size_t len, char delim);
int  tg_csv_next(tg_csv *c, tg_error *err);     /* fields in c->field; returns their count, 0 at the end, -1 error */
void tg_csv_free(tg_csv *c);

/* ---- registry (registry.c) --------------------------------------------------------------------------------------- */

typedef enum tg_format {
	TG_FMT_CONLLU = 1, TG_FMT_PANX, TG_FMT_KAZNERD, TG_FMT_XNLI, TG_FMT_KARDES_NLI, TG_FMT_XCOPA,
	TG_FMT_KARDES_COPA, TG_FMT_KARDES_STS, TG_FMT_TATOEBA, TG_FMT_BITEXT, TG_FMT_EBIBLE, TG_FMT_GETTEXT, TG_FMT_TEXT
} tg_format;

typedef struct tg_data_entry {
	const char *task;       /* udpos ner nli copa sts tatoeba parallel text */
	const char *lang;       /* "kk"; for parallel the pair "en-kk" (a = first, b = second language) */
	const char *split;      /* train dev test */
	const char *corpus;     /* treebank or corpus: "imst", "panx", "kaznerd", "xnli", "kardes", "xwmt", "ntrex", ... */
	tg_format   format;
	const char *file[2];    /* relative to the data root; file[1] only for two-file formats */
	int64_t     expect;     /* example count stated in MANIFEST.md; -1 where it states none */
	const char *licence;    /* registry-file entries: as the file states it; NULL for the built-in table */
} tg_data_entry;

extern const tg_data_entry tg_data_table[];
extern const int tg_data_table_len;

typedef struct tg_registry_item {
	const tg_data_entry *e;
	char   *path[2];        /* absolute (root-joined) paths; path[1] NULL for one-file formats */
	int     present;        /* every file of the entry exists */
	int64_t bytes;
	char   *origin;         /* NULL: the built-in table; "registry.tsv:LINE" for an entry the data root adds */
} tg_registry_item;

/* The registry file: datasets a data root adds without recompiling, read by tg_registry_scan from
 * <root>/registry.tsv (format in tamga(5)): a first line "# tamga-registry 1", then one dataset per line,
 * task<TAB>lang<TAB>split<TAB>format<TAB>path<TAB>licence[<TAB>corpus], '#' comments and blank lines skipped; path
 * relative to the root or absolute; lang any plausible code (tg_lang_code_valid). */
#define TG_REGISTRY_FILE "registry.tsv"

typedef struct tg_registry {
	char             *root;
	int               n;          /* built-in entries first, then the registry file's */
	tg_registry_item *item;
	int               n_user;
	tg_data_entry    *user;       /* the registry file's entries (their strings are owned here) */
	int               n_unknown;
	char            **unknown;  /* data files under root that no entry names (docs and metadata left out) */
} tg_registry;

const char  *tg_format_name(tg_format f);
/* A plausible language code: 2-3 lowercase letters (ISO 639), then optional BCP 47 subtags of 2-8 letters or
 * digits ("ug-Arab", "az-Cyrl", "uz-Latn"); 1 when plausible. */
int          tg_lang_code_valid(const char *code);
/* A format by name: tg_format_name's names and the short ones (conllu, panx, kaznerd, xnli, kardes-nli, xcopa,
 * copa = xcopa, kardes-copa, kardes-sts, ...); -1 when unknown. */
int          tg_format_parse(const char *name);
tg_ds_kind   tg_format_kind(tg_format f);
/* The data root: opt (from --data) if given, else $TAMGA_DATA; an error with a hint when neither is set or the
 * folder does not exist. The returned string is opt or getenv's (not allocated). */
const char  *tg_data_root(const char *opt, tg_error *err);
tg_registry *tg_registry_scan(const char *root, tg_error *err);
void         tg_registry_free(tg_registry *r);
/* Indices of items matching task/lang/split (NULL = any), present ones only if present_only; returns the count
 * (at most max written to idx). */
int          tg_registry_find(const tg_registry *r, const char *task, const char *lang, const char *split,
                              int present_only, int *idx, int max);
tg_dataset  *tg_registry_load(const tg_registry *r, int i, const tg_read_opts *opts, tg_error *err);
/* Read any format by name (the registry's dispatcher; path2 for two-file formats). */
tg_dataset  *tg_dataset_read(tg_format f, const char *path, const char *path2, const tg_read_opts *opts,
                             tg_error *err);

/* ---- label alignment (align.c) ----------------------------------------------------------------------------------- */

typedef struct tg_trunc_stats {
	int64_t n_sents, n_sents_truncated;
	int64_t n_words, n_words_lost;        /* lost = the word's first subword fell beyond max_len */
	int64_t n_tokens, n_tokens_cut;
} tg_trunc_stats;

/* word_of[t] = index of the word subword t belongs to, or -1 for special tokens ([CLS], </s>, padding).
 * out[t] = word_labels[word_of[t]] at the first subword of each word, TG_IGNORE_INDEX elsewhere.
 * Keeps the first min(n_tokens, max_len) tokens (max_len <= 0: no limit), fills out for those, updates st (may be
 * NULL) and returns the kept length, or -1 (err set) when word_of is not non-decreasing or names a word >= n_words. */
int64_t tg_align_first_subword(const int32_t *word_labels, int64_t n_words, const int32_t *word_of,
                               int64_t n_tokens, int64_t max_len, int32_t *out, tg_trunc_stats *st, tg_error *err);
void    tg_trunc_stats_print(const tg_trunc_stats *st, FILE *fp);


/* ---- script bridging (translit.c; tables in tamga-script(7)) ------------------------------------------------------ */

/* The script a task's text is read in: as written, or Cyrillic and Arabic-script Turkic transliterated into one
 * Latin Turkic orthography (a research variable: --script). */
typedef enum tg_script_choice { TG_SCRIPT_AS_WRITTEN = 0, TG_SCRIPT_TO_LATIN = 1 } tg_script_choice;
int         tg_script_choice_parse(const char *s, tg_script_choice *out, tg_error *err);
const char *tg_script_choice_name(tg_script_choice s);   /* "native", "latin" */

/* s[0..len) of language lang (kk ky tt ba sah ug uz-Cyrl ...; the language picks its letter table) -> a malloc'd,
 * NUL-terminated Latin string (*outlen its length when not NULL). Only Cyrillic and Arabic letters change; other
 * text (Latin, digits, punctuation, invalid UTF-8) is copied. Deterministic, never fails. */
char *tg_translit_latin(const char *lang, const char *s, size_t len, size_t *outlen);
/* The reverse (Latin -> Cyrillic, or Arabic for ug): exact for words whose letters are not ambiguous. */
char *tg_translit_native(const char *lang, const char *s, size_t len, size_t *outlen);
/* true when s has a Cyrillic or Arabic character (something tg_translit_latin would change or copy as is). */
bool  tg_translit_applies(const char *s, size_t len);
typedef struct tg_translit_letter {
	uint32_t    native, native_upper;   /* code points (native_upper 0: caseless) */
	const char *latin, *latin_upper;
	bool        ambiguous;              /* shared with another letter, several Latin letters, or dropped */
} tg_translit_letter;
/* The letter table of lang (at most max rows written); returns the number of rows. */
int   tg_translit_table(const char *lang, tg_translit_letter *out, int max);

#endif
