/* Private pieces shared by the tokenizer back ends: vocabularies, byte tries, Unicode helpers, the
 * SentencePiece shim and the Hugging Face pipeline. Nothing here is part of the public API. */
#ifndef TG_TOK_INTERNAL_H
#define TG_TOK_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tokenize/tokenizer.h"
#include "util/util.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Growable int32 vector. */
typedef struct tg_ivec { int32_t *v; int n, cap; } tg_ivec;
void tg_ivec_push(tg_ivec *a, int32_t x);

/* A piece -> id table: strings in one arena, open addressing on FNV-1a hashes. A repeated piece keeps its
 * first id in the arena but the hash maps it to the LAST id, as Python's dict built from vocab.txt does. */
typedef struct tg_vocab {
	int n, cap;
	uint32_t *off;          /* piece i starts at arena + off[i] (NUL-terminated) */
	uint32_t *len;
	float *score;
	uint8_t *flags;         /* TG_PIECE_* */
	char *arena; size_t arena_n, arena_cap;
	int32_t *slot; uint32_t nslot;   /* -1 empty */
	int maxlen;             /* longest piece in bytes */
} tg_vocab;

enum { TG_PIECE_SPECIAL = 1, TG_PIECE_UNUSED = 2, TG_PIECE_USER = 4 };

void    tg_vocab_init(tg_vocab *v);
void    tg_vocab_free(tg_vocab *v);
int32_t tg_vocab_add(tg_vocab *v, const char *s, size_t len, float score);
int32_t tg_vocab_find(const tg_vocab *v, const char *s, size_t len);
static inline const char *tg_vocab_piece(const tg_vocab *v, int32_t id) { return v->arena + v->off[id]; }

/* Fast 64 -> 32 bit mix for the hash tables. */
static inline uint32_t
tg_tok_mix(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	return (uint32_t)k;
}

/* A byte trie of pieces; node 0 is the root, value -1 means "no piece ends here". Edges live in one hash table
 * keyed by (node, byte), so a step costs one probe whatever the fan-out. */
typedef struct tg_trie {
	int32_t *value; uint32_t nnode, capnode;
	uint64_t *key; uint32_t *child; uint32_t nslot, nedge;
} tg_trie;

void tg_trie_init(tg_trie *t);
void tg_trie_free(tg_trie *t);
void tg_trie_insert(tg_trie *t, const char *s, size_t len, int32_t value);
static inline uint32_t
tg_trie_step(const tg_trie *t, uint32_t node, uint8_t byte)
{
	uint64_t k = (((uint64_t)node << 8) | byte) + 1;
	uint32_t m = t->nslot - 1, i = tg_tok_mix(k) & m;

	for (;;) {
		if (t->key[i] == k)
			return t->child[i];
		if (t->key[i] == 0)
			return 0;
		i = (i + 1) & m;
	}
}

/* unicode.c: a string under normalization: every byte remembers the byte offset in the caller's text it came from, so
 * tokens can be mapped back to whitespace-separated words after any normalizer or pre-tokenizer. */
typedef struct tg_nstr { char *s; int32_t *orig; size_t n, cap; } tg_nstr;
void tg_nstr_free(tg_nstr *a);
void tg_nstr_put(tg_nstr *a, const char *s, size_t n, int32_t orig);
void tg_nstr_putc(tg_nstr *a, int32_t cp, int32_t orig);

/* unicode.c */
int  tg_utf8_next(const char *s, size_t n, size_t i, int32_t *cp);   /* bytes consumed (>=1); invalid -> U+FFFD, 1 */
int  tg_utf8_len(uint8_t lead);                                       /* 1..4 from a lead byte, 1 if invalid */
int  tg_utf8_put(char *out, int32_t cp);                              /* writes 1..4 bytes */
bool tg_uc_is_space(int32_t cp);          /* Unicode White_Space (Rust char::is_whitespace) */
bool tg_uc_is_bert_space(int32_t cp);     /* BERT _is_whitespace: \t \n \r ' ' and Zs */
bool tg_uc_is_bert_control(int32_t cp);   /* BERT _is_control: category C* except \t \n \r */
bool tg_uc_is_bert_punct(int32_t cp);     /* BERT _is_punctuation: ASCII symbols and category P* */
bool tg_uc_is_cjk(int32_t cp);            /* BERT _is_chinese_char */
bool tg_uc_is_mn(int32_t cp);
bool tg_uc_is_letter(int32_t cp);
bool tg_uc_is_number(int32_t cp);
bool tg_uc_is_word(int32_t cp);           /* regex \w */
/* Full lower-casing of one whitespace-free token like Python's str.lower(): U+0130 -> "i" U+0307, final sigma
 * when final_sigma is set (Rust's per-char to_lowercase has none). Appends to out. */
void tg_uc_lower(const tg_nstr *in, tg_nstr *out, bool final_sigma);
/* Unicode normal forms (TG_NF_*), applied between whitespace characters so offsets stay word-exact. */
enum { TG_NF_NFC, TG_NF_NFD, TG_NF_NFKC, TG_NF_NFKD };
void tg_uc_normalize(const tg_nstr *in, tg_nstr *out, int form);
/* NFD then drop Mn (BERT _run_strip_accents). */
void tg_uc_strip_accents(const tg_nstr *in, tg_nstr *out);
/* Copy of text with invalid UTF-8 bytes replaced by U+FFFD; orig offsets filled. */
void tg_nstr_from_text(tg_nstr *out, const char *text, size_t len);

/* sp.cc: the libsentencepiece shim */
typedef struct tg_sp tg_sp;
tg_sp      *tg_sp_load(const char *path, tg_error *err);
void        tg_sp_free(tg_sp *sp);
int         tg_sp_size(const tg_sp *sp);
const char *tg_sp_piece(const tg_sp *sp, int id);
float       tg_sp_score(const tg_sp *sp, int id);
int         tg_sp_piece_type(const tg_sp *sp, int id);    /* 1 normal 2 unknown 3 control 5 unused 6 byte */
int         tg_sp_special(const tg_sp *sp, int which);    /* 0 unk 1 bos 2 eos 3 pad */
const char *tg_sp_model_type(const tg_sp *sp);            /* "unigram", "bpe", "word", "char" */
int         tg_sp_encode(const tg_sp *sp, const char *text, size_t len, tg_ivec *ids, tg_ivec *begin, tg_error *err);
char       *tg_sp_decode(const tg_sp *sp, const int32_t *ids, int n, tg_error *err);

/* wordpiece.c: BERT BasicTokenizer + WordPiece */
typedef struct tg_wp {
	tg_trie trie;           /* word-initial pieces and, under the prefix, continuation pieces */
	const char *prefix;     /* "##" */
	int max_chars;          /* max_input_chars_per_word (100) */
	int32_t unk;
	/* BasicTokenizer (vocab.txt) switches */
	bool lower, strip_accents, chinese;
} tg_wp;
int  tg_wp_build(tg_wp *wp, const tg_vocab *v, const char *prefix, int max_chars, int32_t unk);
void tg_wp_free(tg_wp *wp);
/* Greedy longest-match-first on one pre-token; appends ids (or unk) and origins. */
void tg_wp_word(const tg_wp *wp, const tg_vocab *v, const char *s, size_t n, int32_t orig, tg_ivec *ids, tg_ivec *offs);
/* The whole BERT pipeline for vocab.txt tokenizers. */
int  tg_wp_encode_bert(const tg_wp *wp, const tg_vocab *v, const char *text, size_t len, tg_ivec *ids, tg_ivec *offs);

/* hf-json.c: tokenizer.json */
typedef struct tg_hf tg_hf;
tg_hf *tg_hf_load(const char *path, tg_vocab *vocab, tg_tok_specials *sp, tg_tok_kind *kind, char *describe,
                  size_t ndescribe, tg_error *err);
void   tg_hf_free(tg_hf *hf);
int    tg_hf_encode(const tg_hf *hf, const tg_vocab *v, const char *text, size_t len, tg_ivec *ids, tg_ivec *offs,
                    tg_error *err);
char  *tg_hf_decode(const tg_hf *hf, const tg_vocab *v, const int32_t *ids, int n);

#ifdef __cplusplus
}
#endif
#endif
