/* Subword tokenizers of the encoders tamga studies (XLM-R, mBERT and friends), read from their files.
 *
 *   tokenizer.c   tg_tokenizer: loading a model folder or file, word indices, encode_words, decode
 *   sp.cc         SentencePiece .model files through libsentencepiece (extern "C" shim); training
 *   wordpiece.c   BERT BasicTokenizer + greedy longest-match-first WordPiece (vocab.txt)
 *   hf-json.c     Hugging Face tokenizer.json: loading, encode, decode (hf-int.h maps hf-norm.c, hf-pre.c and
 *                 hf-model.c: its normalizers, pre-tokenizers and Unigram / WordPiece / BPE models)
 *   vocab.c       piece -> id hash table and byte trie
 *   unicode.c     UTF-8, the Unicode properties the tokenizers need (utf8proc), strings with byte origins
 *
 * What is loaded (tg_tokenizer_load), in this order of preference for a folder:
 *   sentencepiece.bpe.model  XLM-R: SentencePiece with the fairseq id mapping of HF XLMRobertaTokenizer:
 *                            <s>=0 <pad>=1 </s>=2 <unk>=3, every other piece gets its SentencePiece id + 1,
 *                            <mask> is the last id; vocab size = pieces + 2 (250002 for XLM-R).
 *   spiece.model, sentencepiece.model, tokenizer.model, any other *.model
 *                            SentencePiece with its native ids (models trained by tg_tokenizer_train_sp).
 *   tokenizer.json           Hugging Face "fast" tokenizer: Unigram, WordPiece or BPE model.
 *   vocab.txt                BERT WordPiece; do_lower_case / strip_accents / tokenize_chinese_chars are read
 *                            from tokenizer_config.json when present (default: lower-case, strip accents).
 * A file path is loaded by its name the same way (a .json file as tokenizer.json, a .txt file as vocab.txt).
 *
 * Text is UTF-8. Encoding adds no special tokens ([CLS], <s>, ...): callers build model inputs from the
 * special ids. Special or added tokens written in the text are not recognised; the text is taken literally.
 * Invalid UTF-8 bytes are kept by SentencePiece (as it does) and become U+FFFD elsewhere.
 *
 * Word indices: tg_tokenizer_encode reports for each token the whitespace-separated word (Unicode White_Space)
 * of the input it came from, 0-based; a token made of a space before a word (SentencePiece's lone "▁") belongs
 * to the word that follows. tg_tokenizer_encode_words encodes each word on its own (as XTREME does with
 * tokenizer.tokenize(word) per UD/NER token, and as HF does with is_split_into_words) and concatenates.
 *
 * Turkish / Azerbaijani dotted and dotless i. No tokenizer here knows the language, so none applies the
 * Turkish casing rules (I -> ı, İ -> i):
 *   - BERT lower-casing (vocab.txt, BertNormalizer, Lowercase) is Unicode default full lower-casing:
 *     'I' -> 'i' (not 'ı'), 'İ' (U+0130) -> 'i' + U+0307 COMBINING DOT ABOVE, 'ı' and 'i' stay themselves.
 *     With accent stripping (the default for uncased BERT) the U+0307 is removed, so "İSTANBUL" and
 *     "ISTANBUL" both become "istanbul" and "IŞIK" becomes "isik" (the dotless reading of I is lost; a
 *     lower-case 'ı' survives). Without stripping, 'İ' leaves "i̇" (two code points).
 *     Python's str.lower() turns a final capital sigma into 'ς'; vocab.txt follows it, BertNormalizer
 *     (Rust, per character) does not, as in Hugging Face.
 *   - SentencePiece (XLM-R) does not lower-case; NFKC keeps İ, I, ı, i distinct.
 *
 * tokenizer.json follows the Hugging Face semantics, with these deliberate choices (all tested against
 * python3-sentencepiece or Python references on 2,000 sentences in each of en tr az kk ky uz ug tt):
 *   - Precompiled uses SentencePiece's longest-match rule on the charsmap; HF applies the same map per
 *     grapheme cluster, which differs only on rare clusters.
 *   - Unigram follows tokenizers' Unigram::encode_optimized exactly: a Viterbi per pre-token with path sums in
 *     double from 0, the scores as tokenizers reads them (serde_json's float parser, not always correctly rounded),
 *     the earliest start wins a tie, runs of unknown characters fuse into one <unk> (or their bytes with
 *     byte_fallback). SentencePiece's lattice over the whole sentence in float breaks exact ties the other way
 *     (1 in about 2,000 sentences); a SentencePiece .model goes through SentencePiece itself. Byte pieces
 *     <0xXX>, special and added tokens never match text. (Checked against tokenizers by tests/interop.)
 *   - A literal U+2581 (▁) in the text acts as a space under Metaspace, as in HF (SentencePiece keeps it).
 *   - NFC/NFD/NFKC/NFKD normalizers run between whitespace characters (identical results).
 *   - Replace with a Regex pattern uses POSIX extended regular expressions over bytes (" {2,}" and the like).
 *   - Not supported (a load error names them): Split, Punctuation, Digits and other pre-tokenizers; Nmt and
 *     ByteLevel normalizers; BPE dropout, continuing_subword_prefix and end_of_word_suffix.
 *
 * Every function is reentrant: one loaded tokenizer may encode from several threads at once.
 */
#ifndef TG_TOKENIZER_H
#define TG_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tg_tokenizer tg_tokenizer;

typedef enum {
	TG_TOK_SENTENCEPIECE,   /* a SentencePiece .model through libsentencepiece */
	TG_TOK_WORDPIECE,       /* BERT vocab.txt */
	TG_TOK_HF_UNIGRAM,      /* tokenizer.json, model.type "Unigram" */
	TG_TOK_HF_WORDPIECE,    /* tokenizer.json, model.type "WordPiece" */
	TG_TOK_HF_BPE           /* tokenizer.json, model.type "BPE" */
} tg_tok_kind;

/* Ids of the special tokens, -1 where the tokenizer has none. For XLM-R: cls = bos = 0, pad = 1,
 * sep = eos = 2, unk = 3, mask = vocab_size - 1. For BERT: [CLS] [SEP] [PAD] [UNK] [MASK], bos/eos = -1. */
typedef struct tg_tok_specials {
	int32_t cls, sep, bos, eos, pad, unk, mask;
} tg_tok_specials;

/* Load a model folder or file (see above). NULL on failure with a one-line message naming the file. */
tg_tokenizer *tg_tokenizer_load(const char *path, tg_error *err);
void          tg_tokenizer_free(tg_tokenizer *t);

/* Encode len bytes of UTF-8 text without special tokens. Returns the number of tokens (0 for empty or
 * blank text) or TG_ERR. *ids receives a malloc'd array (NULL when there are no tokens); word_of, when not NULL,
 * receives a malloc'd array of the same length: the word index of each token (see above). */
int tg_tokenizer_encode(const tg_tokenizer *t, const char *text, size_t len, int32_t **ids, int32_t **word_of,
                        tg_error *err);

/* Encode pre-split words (UD or NER tokens, NUL-terminated UTF-8) one at a time; word_of[i] is the index of
 * the word token i came from. A word that yields no token (blank) simply has none. */
int tg_tokenizer_encode_words(const tg_tokenizer *t, const char *const *words, int nwords, int32_t **ids,
                              int32_t **word_of, tg_error *err);

/* Text of a token sequence; special tokens are skipped. malloc'd, NULL (with err) on a bad id. */
char *tg_tokenizer_decode(const tg_tokenizer *t, const int32_t *ids, int n, tg_error *err);

const char *tg_tokenizer_piece(const tg_tokenizer *t, int32_t id);   /* NULL when out of range */
int32_t     tg_tokenizer_id(const tg_tokenizer *t, const char *piece);  /* -1 when absent */
int         tg_tokenizer_vocab_size(const tg_tokenizer *t);
const tg_tok_specials *tg_tokenizer_specials(const tg_tokenizer *t);
tg_tok_kind tg_tokenizer_kind(const tg_tokenizer *t);
/* One line: kind, model type, vocabulary size, options and the file, e.g.
 * "sentencepiece unigram, 250002 ids (fairseq/XLM-R mapping), x/sentencepiece.bpe.model". */
const char *tg_tokenizer_describe(const tg_tokenizer *t);

/* Train a new SentencePiece model from a text file (one sentence per line; language balancing is the caller's
 * job: pass a sampled file). model_type is "unigram" or "bpe" (also "char", "word"). options, which may be NULL,
 * are extra SentencePieceTrainer flags as "key=value" words separated by spaces, e.g.
 * "character_coverage=0.9995 input_sentence_size=200000 byte_fallback=true". Writes prefix.model and
 * prefix.vocab. TG_OK or TG_ERR. */
int tg_tokenizer_train_sp(const char *input_file, const char *model_prefix, int vocab_size, const char *model_type,
                          const char *options, tg_error *err);

#ifdef __cplusplus
}
#endif
#endif
