/* Fuzz encoding: arbitrary bytes (invalid UTF-8, NUL, controls, huge words) through fixed tokenizers of every
 * kind. The first byte chooses the tokenizer; the rest is the text. The tokenizers are built at start-up:
 * hand-written tokenizer.json files (Unigram with byte fallback, Metaspace BPE, byte-level BPE, BERT WordPiece),
 * a vocab.txt, and SentencePiece unigram and BPE models trained on a generated text. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz/fuzz.h"
#include "fuzz/tok-exercise.h"

#define NTOK 8
static tg_tokenizer *tok[NTOK];
static int ntok;

static const char *const words[] = {
	"ev", "evler", "evlerimiz", "kitap", "kitaplar", "güzel", "çok", "İstanbul", "ılık", "şehir", "dünya",
	"merhaba", "okul", "öğrenci", "yazı", "gün", "қазақ", "тілі", "кітап", "ئۇيغۇر", "тіл", "Ağrı",
	"IŞIK"
};
#define NWORDS (int)(sizeof words / sizeof words[0])

/* A growable string. */
typedef struct { char *s; size_t n, cap; } sbuf;

static void
sb_add(sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (b->s == NULL && (b->s = malloc(b->cap = 4096)) == NULL)
		abort();
	for (;;) {
		va_start(ap, fmt);
		k = vsnprintf(b->s + b->n, b->cap - b->n, fmt, ap);
		va_end(ap);
		if ((size_t)k < b->cap - b->n)
			break;
		b->cap = 2 * b->cap + (size_t)k + 64;
		b->s = realloc(b->s, b->cap);
		if (b->s == NULL)
			abort();
	}
	b->n += (size_t)k;
}

static void
load(const char *path)
{
	tg_error err = {0};
	char *p = fz_path(path);

	if ((tok[ntok] = tg_tokenizer_load(p, &err)) == NULL) {
		fprintf(stderr, "fuzz-tok-encode: %s does not load: %s\n", path, err.msg);
		abort();
	}
	ntok++;
	free(p);
}

/* Unigram vocab entries: each word after the Metaspace mark, and every character of the words. */
static void
unigram_pieces(sbuf *b)
{
	int i, j, k;

	for (i = 0; i < NWORDS; i++)
		sb_add(b, ",[\"\xe2\x96\x81%s\",%d.5]", words[i], -3 - i % 5);
	for (i = 0; i < NWORDS; i++)
		for (j = 0; words[i][j]; j += k) {
			for (k = 1; (words[i][j + k] & 0xc0) == 0x80; k++)
				;
			sb_add(b, ",[\"%.*s\",-9.0]", k, words[i] + j);
		}
}

/* BPE vocab entries: every distinct character of the words, from id *id on. */
static void
bpe_chars(sbuf *b, int *id)
{
	char seen[256][8];
	int nseen = 0, i, j, k, s;

	for (i = 0; i < NWORDS; i++)
		for (j = 0; words[i][j]; j += k) {
			for (k = 1; (words[i][j + k] & 0xc0) == 0x80; k++)
				;
			for (s = 0; s < nseen && !(strlen(seen[s]) == (size_t)k && memcmp(seen[s], words[i] + j, k) == 0); s++)
				;
			if (s < nseen || nseen == 256)
				continue;
			snprintf(seen[nseen++], sizeof seen[0], "%.*s", k, words[i] + j);
			sb_add(b, ",\"%.*s\":%d", k, words[i] + j, (*id)++);
		}
}

static void
copy_file(const char *from, const char *to)
{
	char *p = fz_path(from), *buf = NULL;
	FILE *f = fopen(p, "rb");
	size_t n = 0, cap = 0, k;

	if (f == NULL) {
		fprintf(stderr, "fuzz-tok-encode: cannot read %s\n", p);
		abort();
	}
	do {
		if (n == cap && (buf = realloc(buf, cap = 2 * cap + 65536)) == NULL)
			abort();
		k = fread(buf + n, 1, cap - n, f);
		n += k;
	} while (k > 0);
	fclose(f);
	free(fz_write(to, buf, n));
	free(buf);
	free(p);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	sbuf b = {0};
	tg_error err = {0};
	char *train, *prefix;
	int i, j, id;

	(void)argc; (void)argv;
	/* 1. Unigram with NFKC + Replace + Metaspace and byte fallback */
	sb_add(&b, "{\"normalizer\":{\"type\":\"Sequence\",\"normalizers\":[{\"type\":\"NFKC\"},"
	           "{\"type\":\"Replace\",\"pattern\":{\"Regex\":\" {2,}\"},\"content\":\" \"}]},"
	           "\"pre_tokenizer\":{\"type\":\"Metaspace\",\"replacement\":\"\xe2\x96\x81\",\"prepend_scheme\":\"always\","
	           "\"split\":true},\"model\":{\"type\":\"Unigram\",\"unk_id\":0,\"byte_fallback\":true,\"vocab\":"
	           "[[\"<unk>\",0.0],[\"\xe2\x96\x81\",-2.0]");
	for (i = 0; i < 256; i++)
		sb_add(&b, ",[\"<0x%02X>\",0.0]", i);
	unigram_pieces(&b);
	sb_add(&b, "]}}");
	free(fz_write("tok/unigram.json", b.s, b.n));
	load("tok/unigram.json");

	/* 2. BPE with Metaspace: characters, then merges of the first two characters of each word */
	b.n = 0;
	sb_add(&b, "{\"pre_tokenizer\":{\"type\":\"Metaspace\",\"replacement\":\"\xe2\x96\x81\",\"add_prefix_space\":true},"
	           "\"model\":{\"type\":\"BPE\",\"unk_token\":\"<unk>\",\"fuse_unk\":true,\"vocab\":{\"<unk>\":0,"
	           "\"\xe2\x96\x81\":1");
	id = 2;
	bpe_chars(&b, &id);
	sb_add(&b, ",\"\xe2\x96\x81""e\":%d,\"\xe2\x96\x81k\":%d,\"ev\":%d", id, id + 1, id + 2);
	sb_add(&b, "},\"merges\":[\"\xe2\x96\x81 e\",\"\xe2\x96\x81 k\",\"e v\"]}}");
	free(fz_write("tok/bpe.json", b.s, b.n));
	load("tok/bpe.json");

	/* 3. byte-level BPE (GPT-2 byte alphabet) */
	b.n = 0;
	sb_add(&b, "{\"pre_tokenizer\":{\"type\":\"ByteLevel\",\"add_prefix_space\":true,\"trim_offsets\":true,"
	           "\"use_regex\":true},\"model\":{\"type\":\"BPE\",\"vocab\":{");
	{
		int n = 0;
		for (i = 0; i < 256; i++) {
			int cp = (i >= 33 && i <= 126) || (i >= 161 && i <= 172) || (i >= 174) ? i : 256 + n++;
			char u[8];
			if (cp < 0x80)
				snprintf(u, sizeof u, "%c", cp);
			else
				snprintf(u, sizeof u, "%c%c", 0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
			if (cp == '"' || cp == '\\')
				sb_add(&b, "%s\"\\%s\":%d", i ? "," : "", u, i);
			else
				sb_add(&b, "%s\"%s\":%d", i ? "," : "", u, i);
		}
		sb_add(&b, ",\"\xc4\xa0""e\":256,\"\xc4\xa0""ev\":257},\"merges\":[\"\xc4\xa0 e\",\"\xc4\xa0""e v\"]}}");
	}
	free(fz_write("tok/bytelevel.json", b.s, b.n));
	load("tok/bytelevel.json");

	/* 4. BERT WordPiece through tokenizer.json, and 5. through vocab.txt */
	b.n = 0;
	sb_add(&b, "{\"normalizer\":{\"type\":\"BertNormalizer\",\"clean_text\":true,\"handle_chinese_chars\":true,"
	           "\"strip_accents\":null,\"lowercase\":true},\"pre_tokenizer\":{\"type\":\"BertPreTokenizer\"},"
	           "\"model\":{\"type\":\"WordPiece\",\"unk_token\":\"[UNK]\",\"continuing_subword_prefix\":\"##\","
	           "\"max_input_chars_per_word\":20,\"vocab\":{\"[UNK]\":0,\"[CLS]\":1,\"[SEP]\":2,\"[PAD]\":3,"
	           "\"[MASK]\":4,\"e\":5,\"##v\":6,\"##ler\":7,\"k\":8,\"##i\":9,\"##tap\":10,\"##e\":11,\",\":12}}}");
	free(fz_write("tok/wordpiece.json", b.s, b.n));
	load("tok/wordpiece.json");
	b.n = 0;
	sb_add(&b, "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n.\n,\n!\n");
	for (i = 0; i < NWORDS; i++)
		sb_add(&b, "%s\n##%s\n", words[i], words[(i + 3) % NWORDS]);
	sb_add(&b, "a\n##a\nı\n##ı\ni\n##i\n##s\n");
	free(fz_write("bert/vocab.txt", b.s, b.n));
	load("bert");

	/* 6, 7. SentencePiece unigram and BPE (byte fallback) trained on generated sentences */
	b.n = 0;
	for (i = 0; i < 400; i++) {
		for (j = 0; j < 7; j++)
			sb_add(&b, "%s%s", j ? " " : "", words[(i * 7 + j * 13 + i / 3) % NWORDS]);
		sb_add(&b, ".\n");
	}
	train = fz_write("sp/train.txt", b.s, b.n);
	prefix = fz_path("sp/uni");
	if (tg_tokenizer_train_sp(train, prefix, 80, "unigram", "hard_vocab_limit=false minloglevel=2", &err) != TG_OK) {
		fprintf(stderr, "fuzz-tok-encode: %s\n", err.msg);
		abort();
	}
	free(prefix);
	load("sp/uni.model");
	prefix = fz_path("sp/bpe");
	if (tg_tokenizer_train_sp(train, prefix, 400, "bpe", "byte_fallback=true hard_vocab_limit=false minloglevel=2",
	    &err) != TG_OK) {
		fprintf(stderr, "fuzz-tok-encode: %s\n", err.msg);
		abort();
	}
	free(prefix);
	free(train);
	load("sp/bpe.model");
	/* the same model as an XLM-R folder: fairseq id mapping */
	copy_file("sp/uni.model", "sp/xlmr/sentencepiece.bpe.model");
	load("sp/xlmr");
	free(b.s);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	fz_tok_exercise(tok[data[0] % ntok], (const char *)data + 1, size - 1);
	return 0;
}
