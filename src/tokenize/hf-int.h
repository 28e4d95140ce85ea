/* Internals of the Hugging Face tokenizer.json reader, shared by its files:
 *
 *   hf-json.c    loading tokenizer.json (every field checked, errors name the file and the JSON path), encode, decode
 *   hf-norm.c    normalizers: BertNormalizer, Lowercase, NFC/NFD/NFKC/NFKD, StripAccents, Strip, Replace, Prepend,
 *                Precompiled (SentencePiece charsmaps), Sequence
 *   hf-pre.c     pre-tokenizers: Metaspace, WhitespaceSplit, Whitespace, BertPreTokenizer, ByteLevel, Sequence
 *   hf-model.c   models: Unigram (Viterbi), WordPiece, BPE (merges by rank)
 *   hf-read.c    reading JSON members: type checks, messages with the file and the JSON path
 *
 * Strings carry the byte offset of the caller's text each byte came from (tg_nstr), so tokens map back to words
 * after any normalizer or pre-tokenizer.
 */
#ifndef TG_HF_INT_H
#define TG_HF_INT_H

#include <jansson.h>
#include <regex.h>
#include "tokenize/tok-internal.h"

/* Ids may leave this many gaps beyond the entries a file holds (vocab + added tokens): ids index arrays, so a tiny
 * file must not be able to ask for 10^8 slots. */
#define HF_ID_SLACK 1024
/* Normalizers may grow a text to this many times its length (+ 64 KB): real ones stay under 4 (NFKD of Hangul,
 * spaces around CJK, U+2581 for a space); a chain of Replace rules can double it at every step. */
#define HF_NORM_GROWTH 16

enum { N_SEQUENCE, N_BERT, N_LOWER, N_NF, N_STRIP_ACCENTS, N_STRIP, N_REPLACE, N_PREPEND, N_PRECOMPILED };
enum { P_SEQUENCE, P_METASPACE, P_WHITESPACE_SPLIT, P_WHITESPACE, P_BERT, P_BYTELEVEL };
enum { M_UNIGRAM, M_WORDPIECE, M_BPE };
enum { PREPEND_NEVER, PREPEND_ALWAYS, PREPEND_FIRST };

typedef struct hf_norm {
	int type;
	bool clean, chinese, lower, strip_accents, left, right;
	int form;
	char *pattern, *content;
	bool is_regex;
	regex_t re;
	uint8_t *blob;                  /* precompiled charsmap: uint32 trie size, darts units, normalized strings */
	const uint32_t *units; size_t nunit;
	const char *normalized; size_t nnormalized;
	struct hf_norm *sub; int nsub;
} hf_norm;

typedef struct hf_pre {
	int type;
	char repl[8]; size_t nrepl;
	int prepend;
	bool split, add_prefix_space, use_regex;
	struct hf_pre *sub; int nsub;
} hf_pre;

typedef struct merge_slot { uint64_t key; int32_t rank, id; } merge_slot;

struct tg_hf {
	hf_norm *norm;
	hf_pre *pre;
	int model;
	int32_t unk;
	bool byte_fallback, fuse_unk, ignore_merges;
	int32_t byte_id[256];
	/* Unigram */
	tg_trie trie;
	double min_score;             /* over the whole vocabulary, as tokenizers' Unigram::from */
	double *uscore;               /* the scores as the file writes them (tokenizers keeps f64) */
	/* WordPiece */
	tg_wp wp;
	/* BPE */
	merge_slot *merges; uint32_t nmslot;
	/* decoding */
	bool bytelevel;
	char repl[8]; size_t nrepl;
};

/* A JSON reading context: the file, for messages "FILE: JSON.PATH: what". */
typedef struct jctx { const char *file; tg_error *err; } jctx;
/* Pieces of a text after pre-tokenization. */
typedef struct nlist { tg_nstr *v; int n, cap; } nlist;

/* hf-read.c: reading JSON members; hf_jfail fills c->err with "FILE: WHERE: message" and returns TG_ERR */
int hf_jfail(jctx *c, const char *where, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
const char *hf_jtype(const json_t *j);
int hf_jbool(jctx *c, json_t *o, const char *where, const char *key, bool *out);
const char *hf_jstr(json_t *o, const char *key);
/* The "type" string of the object j (a normalizer, pre-tokenizer, ...), or NULL with c->err filled. */
const char *hf_jobject_type(jctx *c, json_t *j, const char *where);
/* A Sequence: each element of the array member key of j parsed by parse into items (element i at byte i * size),
 * *n counting the elements begun, so that after a failure the caller's free sees them. items must hold one element
 * per array element; WHERE.key[i] names each in messages. */
typedef int (*hf_jparse_fn)(jctx *c, json_t *j, const char *where, void *item);
int hf_jsequence(jctx *c, json_t *j, const char *where, const char *key, hf_jparse_fn parse, void *items, size_t size,
    int *n);
/* hf-norm.c */
int hf_norm_apply(const hf_norm *n, tg_nstr *cur, size_t limit);
void hf_norm_free(hf_norm *n);
int hf_norm_parse(jctx *c, json_t *j, const char *where, hf_norm *n);
/* hf-pre.c */
extern int32_t hf_char_byte[324];    /* ByteLevel: GPT-2's characters back to bytes, -1 when none */
void hf_pre_apply(const hf_pre *p, nlist *l);
void hf_pre_free(hf_pre *p);
int hf_pre_parse(jctx *c, json_t *j, const char *where, hf_pre *p);
void hf_bytelevel_init(void);
void hf_nlist_free(nlist *l);
void hf_nlist_push_span(nlist *l, const tg_nstr *s, size_t a, size_t b);
/* hf-model.c */
void hf_bpe_word(const tg_hf *hf, const tg_vocab *v, const tg_nstr *w, tg_ivec *ids, tg_ivec *offs);
void hf_unigram_word(const tg_hf *hf, const tg_vocab *v, const tg_nstr *w, tg_ivec *ids, tg_ivec *offs);
bool hf_is_byte_piece(const char *s, size_t n, int *b);
double hf_serde_f64(double d);

#endif
