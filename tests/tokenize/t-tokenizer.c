/* Tokenizer unit tests: empty and bad input first, the Turkish dotted/dotless i, word indices, decoding,
 * SentencePiece training through the library, and throughput. (Token-for-token agreement with reference
 * implementations on real text is t-tokenize-ref.py.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../tap.h"
#include "../testutil.h"
#include "tokenize/tokenizer.h"

static char tmpdir[256];

static const char *
path_of(const char *name)
{
	static char buf[8][512];
	static int k;

	k = (k + 1) % 8;
	snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
	return buf[k];
}

static void
write_file(const char *name, const char *data, size_t n)
{
	FILE *f = fopen(path_of(name), "wb");

	if (f == NULL) {
		perror(name);
		exit(1);
	}
	fwrite(data, 1, n, f);
	fclose(f);
}

static void
write_str(const char *name, const char *s)
{
	write_file(name, s, strlen(s));
}

/* Encode and return the pieces joined by spaces (static buffer). */
static const char *
pieces(tg_tokenizer *t, const char *text)
{
	static char out[4096];
	static tg_error err;
	int32_t *ids = NULL;
	int n = tg_tokenizer_encode(t, text, strlen(text), &ids, NULL, &err), i;
	size_t o = 0;

	out[0] = '\0';
	if (n < 0)
		return err.msg;
	for (i = 0; i < n && o < sizeof out - 64; i++)
		o += snprintf(out + o, sizeof out - o, "%s%s", i ? " " : "", tg_tokenizer_piece(t, ids[i]));
	free(ids);
	return out;
}

static void
expect_fail(const char *path, const char *needle, const char *what)
{
	tg_error err = {0};
	tg_tokenizer *t = tg_tokenizer_load(path, &err);

	ok(t == NULL && err.code != 0 && strstr(err.msg, needle) != NULL && strchr(err.msg, '\n') == NULL,
	   "%s: one-line error naming '%s'", what, needle);
	diag("  %s%s%s", err.msg, err.hint[0] ? " | hint: " : "", err.hint);
	tg_tokenizer_free(t);
}

static void
test_bad_input(void)
{
	char big[4096];

	expect_fail(path_of("missing/vocab.txt"), "missing/vocab.txt", "missing vocab.txt");
	expect_fail(path_of("nothing-here"), "nothing-here", "missing folder");
	mkdir(path_of("emptydir"), 0755);
	expect_fail(path_of("emptydir"), "no tokenizer files", "folder without tokenizer files");
	write_str("garbage.model", "this is not a sentencepiece model at all\n");
	expect_fail(path_of("garbage.model"), "garbage.model", "garbage .model");
	write_str("empty.model", "");
	expect_fail(path_of("empty.model"), "empty.model", "empty .model");
	mkdir(path_of("novocab"), 0755);
	write_str("novocab/vocab.txt", "[PAD]\nhello\n");
	expect_fail(path_of("novocab"), "[UNK]", "vocab.txt without [UNK]");
	mkdir(path_of("badcfg"), 0755);
	write_str("badcfg/vocab.txt", "[UNK]\na\n");
	write_str("badcfg/tokenizer_config.json", "{\"do_lower_case\": tru }");
	expect_fail(path_of("badcfg"), "tokenizer_config.json:1:", "malformed tokenizer_config.json");
	write_str("bad1.json", "{\"model\": {\"type\": \"Unigram\", \"vocab\": [[\"a\", -1.0], ");
	expect_fail(path_of("bad1.json"), "bad1.json:1:", "truncated tokenizer.json (line:column)");
	write_str("bad2.json", "{\"model\": {\"type\": \"Unigram\", \"vocab\": {\"a\": 0}}}");
	expect_fail(path_of("bad2.json"), "model.vocab", "Unigram vocab of the wrong type");
	write_str("bad3.json", "{\"normalizer\": {\"type\": \"Nmt\"}, \"model\": {\"type\": \"WordPiece\", "
	          "\"vocab\": {\"[UNK]\": 0, \"a\": 1}}}");
	expect_fail(path_of("bad3.json"), "unsupported normalizer 'Nmt'", "unsupported normalizer");
	write_str("bad4.json", "{\"pre_tokenizer\": {\"type\": \"Sequence\", \"pretokenizers\": [{\"type\": "
	          "\"WhitespaceSplit\"}, {\"type\": \"Split\"}]}, \"model\": {\"type\": \"WordPiece\", "
	          "\"vocab\": {\"[UNK]\": 0, \"a\": 1}}}");
	expect_fail(path_of("bad4.json"), "pre_tokenizer.pretokenizers[1]", "unsupported pre-tokenizer (its key path)");
	write_str("bad5.json", "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1}, "
	          "\"merges\": [\"a b\"]}}");
	expect_fail(path_of("bad5.json"), "model.merges[0]", "merge with a piece missing from the vocab");
	write_str("bad6.json", "{\"version\": \"1.0\"}");
	expect_fail(path_of("bad6.json"), "model", "tokenizer.json without a model");
	write_str("bad7.json", "{\"model\": {\"type\": \"Unigram\", \"unk_id\": 9, \"vocab\": [[\"a\", -1.0]]}}");
	expect_fail(path_of("bad7.json"), "model.unk_id", "unk_id out of range");
	write_str("bad8.json", "{\"normalizer\": {\"type\": \"Replace\", \"pattern\": {\"Regex\": \"(\"}, "
	          "\"content\": \" \"}, \"model\": {\"type\": \"Unigram\", \"vocab\": [[\"a\", -1.0]]}}");
	expect_fail(path_of("bad8.json"), "normalizer", "Replace with a bad regex");
	memset(big, 'x', sizeof big);
	write_file("weird.bin", big, sizeof big);
	expect_fail(path_of("weird.bin"), "unknown tokenizer file type", "unknown file type");
}

static void
test_wordpiece_casing(void)
{
	static const char vocab[] =
		"[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nistanbul\nisik\nılık\ni\u0307stanbul\nİstanbul\nIŞIK\n"
		"ı\n##ş\n##ı\n##k\n##i\ni\n##l\nı\u0307\nσοφος\nσοφοσ\n,\n.\n##s\nhello\nworld\n##a\na\n";
	tg_error err = {0};
	tg_tokenizer *t;
	int32_t *ids = NULL, *wo = NULL;
	int n;

	mkdir(path_of("bert-uncased"), 0755);
	write_str("bert-uncased/vocab.txt", vocab);
	t = tg_tokenizer_load(path_of("bert-uncased"), &err);
	if (!ok(t != NULL, "vocab.txt folder loads (%s)", t ? tg_tokenizer_describe(t) : err.msg))
		return;
	ok(tg_tokenizer_kind(t) == TG_TOK_WORDPIECE, "kind is WordPiece");
	ok(tg_tokenizer_specials(t)->cls == 2 && tg_tokenizer_specials(t)->sep == 3 &&
	   tg_tokenizer_specials(t)->pad == 0 && tg_tokenizer_specials(t)->unk == 1 &&
	   tg_tokenizer_specials(t)->mask == 4 && tg_tokenizer_specials(t)->bos == -1, "BERT special ids");
	n = tg_tokenizer_encode(t, "", 0, &ids, &wo, &err);
	ok(n == 0 && ids == NULL && wo == NULL, "empty text: no tokens");
	n = tg_tokenizer_encode(t, " \t\n\u3000 ", strlen(" \t\n\u3000 "), &ids, &wo, &err);
	ok(n == 0, "blank text: no tokens");
	n = tg_tokenizer_encode(t, NULL, 3, &ids, &wo, &err);
	ok(n == TG_ERR && strstr(err.msg, "NULL"), "NULL text with a length is an error");
	/* the casing trap: Unicode default lower-casing, then accent stripping */
	ok(strcmp(pieces(t, "İSTANBUL"), "istanbul") == 0, "uncased: İSTANBUL -> istanbul (İ -> i + U+0307 -> i)");
	ok(strcmp(pieces(t, "ISTANBUL"), "istanbul") == 0, "uncased: ISTANBUL -> istanbul (I -> i, not ı)");
	ok(strcmp(pieces(t, "IŞIK"), "isik") == 0, "uncased: IŞIK -> isik (Ş loses its cedilla, I -> i)");
	ok(strcmp(pieces(t, "ılık"), "ılık") == 0, "uncased: ılık keeps its dotless ı");
	ok(strcmp(pieces(t, "İstanbul, ISTANBUL."), "istanbul , istanbul .") == 0, "punctuation split");
	ok(strcmp(pieces(t, "ΣΟΦΟΣ"), "σοφος") == 0, "uncased: a final capital sigma becomes ς, as Python's "
	   "str.lower() ('%s')", pieces(t, "ΣΟΦΟΣ"));
	ok(strcmp(pieces(t, "hello\xff\xfe world"), "hello world") == 0, "invalid UTF-8 bytes are dropped ('%s')",
	   pieces(t, "hello\xff\xfe world"));
	ok(strcmp(pieces(t, "hello\x01 world\x7f"), "hello world") == 0, "control characters are dropped");
	ok(strcmp(pieces(t, "helloworld"), "[UNK]") == 0, "a word WordPiece cannot cover is one [UNK]");
	{
		static const char text[] = "a\0a";
		n = tg_tokenizer_encode(t, text, 3, &ids, &wo, &err);
		ok(n == 2 && ids[0] == tg_tokenizer_id(t, "a") && ids[1] == tg_tokenizer_id(t, "##a"),
		   "NUL is dropped: a\\0a -> a ##a");
		free(ids);
		free(wo);
	}
	{
		char longw[256];
		memset(longw, 'a', 100);
		longw[100] = '\0';
		ok(strcmp(pieces(t, longw), "[UNK]") != 0, "a 100-character word is tokenized");
		memset(longw, 'a', 101);
		longw[101] = '\0';
		ok(strcmp(pieces(t, longw), "[UNK]") == 0, "a 101-character word is [UNK] (max_input_chars_per_word)");
	}
	n = tg_tokenizer_encode(t, "hello  İstanbul,world", strlen("hello  İstanbul,world"), &ids, &wo, &err);
	ok(n == 4 && wo[0] == 0 && wo[1] == 1 && wo[2] == 1 && wo[3] == 1, "word indices follow whitespace words");
	free(ids);
	free(wo);
	{
		const char *words[] = {"hello", "", "İstanbul", "a,a"};
		n = tg_tokenizer_encode_words(t, words, 4, &ids, &wo, &err);
		ok(n == 5 && wo[0] == 0 && wo[1] == 2 && wo[2] == 3 && wo[4] == 3, "encode_words: indices, empty word");
		if (n > 0) {
			char *s = tg_tokenizer_decode(t, ids, n, &err);
			ok(s && strcmp(s, "hello istanbul a , a") == 0, "decode joins ## pieces ('%s')", s ? s : err.msg);
			free(s);
		}
		free(ids);
		free(wo);
	}
	{
		int32_t bad[] = {5, 99999};
		char *s = tg_tokenizer_decode(t, bad, 2, &err);
		ok(s == NULL && strstr(err.msg, "99999"), "decode of a bad id fails: %s", err.msg);
	}
	ok(tg_tokenizer_id(t, "istanbul") == 5 && tg_tokenizer_id(t, "nope") == -1 &&
	   strcmp(tg_tokenizer_piece(t, 5), "istanbul") == 0 && tg_tokenizer_piece(t, -1) == NULL &&
	   tg_tokenizer_piece(t, 1000) == NULL, "piece <-> id");
	tg_tokenizer_free(t);

	/* lower-case without stripping accents: İ leaves i + U+0307 */
	mkdir(path_of("bert-nostrip"), 0755);
	write_str("bert-nostrip/vocab.txt", vocab);
	write_str("bert-nostrip/tokenizer_config.json", "{\"do_lower_case\": true, \"strip_accents\": false}");
	t = tg_tokenizer_load(path_of("bert-nostrip"), &err);
	ok(t && strcmp(pieces(t, "İSTANBUL"), "i\u0307stanbul") == 0,
	   "lower-case, no accent stripping: İSTANBUL -> i + U+0307 + stanbul");
	ok(t && strcmp(pieces(t, "IŞIK"), "i ##ş ##i ##k") == 0, "lower-case, no stripping: IŞIK -> i ##ş ##i ##k");
	tg_tokenizer_free(t);

	/* cased */
	mkdir(path_of("bert-cased"), 0755);
	write_str("bert-cased/vocab.txt", vocab);
	write_str("bert-cased/tokenizer_config.json", "{\"do_lower_case\": false}");
	t = tg_tokenizer_load(path_of("bert-cased"), &err);
	ok(t && strcmp(pieces(t, "İstanbul IŞIK"), "İstanbul IŞIK") == 0, "cased: İstanbul and IŞIK untouched");
	tg_tokenizer_free(t);

	/* the same through tokenizer.json's BertNormalizer (strip accents, then lower-case, per character) */
	write_str("bert.json",
	          "{\"normalizer\": {\"type\": \"BertNormalizer\", \"clean_text\": true, \"handle_chinese_chars\": true,"
	          " \"strip_accents\": null, \"lowercase\": true}, \"pre_tokenizer\": {\"type\": \"BertPreTokenizer\"},"
	          " \"model\": {\"type\": \"WordPiece\", \"unk_token\": \"[UNK]\", \"continuing_subword_prefix\": \"##\","
	          " \"max_input_chars_per_word\": 100, \"vocab\": {\"[UNK]\": 0, \"istanbul\": 1, \"isik\": 2,"
	          " \"ılık\": 3, \"σοφοσ\": 4, \",\": 5, \"[CLS]\": 6, \"[SEP]\": 7}}}");
	t = tg_tokenizer_load(path_of("bert.json"), &err);
	if (ok(t != NULL, "tokenizer.json WordPiece loads (%s)", t ? tg_tokenizer_describe(t) : err.msg)) {
		ok(strcmp(pieces(t, "İSTANBUL, IŞIK ılık"), "istanbul , isik ılık") == 0,
		   "BertNormalizer: İSTANBUL -> istanbul, IŞIK -> isik, ılık kept");
		ok(strcmp(pieces(t, "ΣΟΦΟΣ"), "σοφοσ") == 0, "BertNormalizer: no final sigma (per-character, as HF)");
		ok(tg_tokenizer_specials(t)->cls == 6 && tg_tokenizer_specials(t)->sep == 7, "specials by name");
	}
	tg_tokenizer_free(t);
}

/* Training text: real sentences when the data is there, else a synthetic Turkish-like text. */
static const char *
training_file(void)
{
	const char *root = tap_data_root();
	const char *files[] = {"text/tr/tr.train-dev-derived.txt", "text/kk/kk.train-dev-derived.txt",
	                       "parallel/ntrex/ntrex128.ug.txt"};
	FILE *out = fopen(path_of("train.txt"), "w");
	char line[8192], p[1024];
	int k, n, written = 0;

	for (k = 0; root && k < 3; k++) {
		FILE *f;
		snprintf(p, sizeof p, "%s/%s", root, files[k]);
		if ((f = fopen(p, "r")) == NULL)
			continue;
		for (n = 0; n < 1500 && fgets(line, sizeof line, f); n++, written++)
			fputs(line, out);
		fclose(f);
	}
	if (written < 100) {
		static const char *w[] = {"ev", "evler", "evlerimiz", "kitap", "kitaplar", "güzel", "çok", "İstanbul",
		                          "ılık", "şehir", "dünya", "merhaba", "okul", "öğrenci", "yazı", "gün"};
		for (n = 0; n < 3000; n++) {
			for (k = 0; k < 8; k++)
				fprintf(out, "%s%s", k ? " " : "", w[(n * 7 + k * 13 + n / 3) % 16]);
			fputs(".\n", out);
		}
	}
	fclose(out);
	return path_of("train.txt");
}

static void
test_sentencepiece(void)
{
	tg_error err = {0};
	tg_tokenizer *t, *x;
	int32_t *ids = NULL, *wo = NULL, *ids2 = NULL;
	int n, n2, i, rc;
	char prefix[512];
	double t0;

	snprintf(prefix, sizeof prefix, "%s/spm", tmpdir);
	rc = tg_tokenizer_train_sp(path_of("nope.txt"), prefix, 500, "unigram", NULL, &err);
	ok(rc == TG_ERR && strstr(err.msg, "nope.txt"), "train_sp: missing input file (%s)", err.msg);
	rc = tg_tokenizer_train_sp(training_file(), prefix, 500, "wordpiece", NULL, &err);
	ok(rc == TG_ERR && strstr(err.msg, "wordpiece"), "train_sp: unknown model type (%s)", err.msg);
	rc = tg_tokenizer_train_sp(training_file(), prefix, 500, "unigram", "character_coverage", &err);
	ok(rc == TG_ERR && strstr(err.msg, "key=value"), "train_sp: malformed option (%s)", err.msg);
	t0 = tg_now();
	rc = tg_tokenizer_train_sp(training_file(), prefix, 500, "unigram",
	                           "character_coverage=0.9995 input_sentence_size=3000 num_threads=2", &err);
	if (!ok(rc == TG_OK, "train_sp: unigram, 500 pieces (%.1f s) %s", tg_now() - t0, rc ? err.msg : ""))
		return;
	snprintf(prefix, sizeof prefix, "%s/spm-bpe", tmpdir);
	t0 = tg_now();
	rc = tg_tokenizer_train_sp(training_file(), prefix, 500, "bpe", "byte_fallback=true", &err);
	ok(rc == TG_OK, "train_sp: bpe with byte fallback (%.1f s) %s", tg_now() - t0, rc ? err.msg : "");

	t = tg_tokenizer_load(path_of("spm.model"), &err);
	if (!ok(t != NULL, "trained model loads: %s", t ? tg_tokenizer_describe(t) : err.msg))
		return;
	ok(tg_tokenizer_vocab_size(t) == 500 && tg_tokenizer_specials(t)->unk == 0 &&
	   tg_tokenizer_specials(t)->bos == 1 && tg_tokenizer_specials(t)->eos == 2, "native ids: <unk>=0 <s>=1 </s>=2");
	n = tg_tokenizer_encode(t, "", 0, &ids, &wo, &err);
	ok(n == 0 && ids == NULL, "empty text: no tokens");
	n = tg_tokenizer_encode(t, "   ", 3, &ids, &wo, &err);
	ok(n == 0, "blank text: no tokens");
	{
		const char *s = "İstanbul  ılık\tISPARTA";
		n = tg_tokenizer_encode(t, s, strlen(s), &ids, &wo, &err);
		ok(n > 3 && wo[0] == 0 && wo[n - 1] == 2, "word indices span words 0..2 (%d tokens)", n);
		for (i = 1; i < n; i++)
			if (wo[i] < wo[i - 1])
				break;
		ok(i == n, "word indices never decrease");
		free(ids);
		free(wo);
		char a[64], b[64], c[64], d[64];
		snprintf(a, sizeof a, "%s", pieces(t, "İ"));
		snprintf(b, sizeof b, "%s", pieces(t, "i"));
		snprintf(c, sizeof c, "%s", pieces(t, "I"));
		snprintf(d, sizeof d, "%s", pieces(t, "ı"));
		ok(strcmp(a, b) != 0 && strcmp(c, d) != 0 && strcmp(a, c) != 0,
		   "SentencePiece keeps İ, i, I and ı apart ('%s' '%s' '%s' '%s')", a, b, c, d);
	}
	{
		static const char s[] = "nul\0byte \xff\xfe bad utf-8 中文 😀";
		n = tg_tokenizer_encode(t, s, sizeof s - 1, &ids, &wo, &err);
		ok(n > 0, "NUL, invalid UTF-8, unknown characters: %d tokens, no crash", n);
		free(ids);
		free(wo);
	}
	{
		size_t len = 200000, k;
		char *big = malloc(len + 1);
		for (k = 0; k < len; k++)
			big[k] = "evlerimizdeki"[k % 13];
		big[len] = '\0';
		t0 = tg_now();
		n = tg_tokenizer_encode(t, big, len, &ids, &wo, &err);
		ok(n > 0 && tg_now() - t0 < 2.0, "a 200,000-byte word: %d tokens in %.3f s", n, tg_now() - t0);
		free(ids);
		free(wo);
		free(big);
	}
	/* the XLM-R id mapping */
	mkdir(path_of("xlmr"), 0755);
	{
		FILE *a = fopen(path_of("spm.model"), "rb"), *b = fopen(path_of("xlmr/sentencepiece.bpe.model"), "wb");
		char buf[65536];
		size_t k;
		while ((k = fread(buf, 1, sizeof buf, a)) > 0)
			fwrite(buf, 1, k, b);
		fclose(a);
		fclose(b);
	}
	x = tg_tokenizer_load(path_of("xlmr"), &err);
	if (ok(x != NULL, "XLM-R style folder loads: %s", x ? tg_tokenizer_describe(x) : err.msg)) {
		const tg_tok_specials *s = tg_tokenizer_specials(x);
		const char *text = "Merhaba dünya, 中文 nasılsın?";
		ok(tg_tokenizer_vocab_size(x) == 502 && s->cls == 0 && s->bos == 0 && s->pad == 1 && s->sep == 2 &&
		   s->eos == 2 && s->unk == 3 && s->mask == 501, "fairseq ids: <s>=0 <pad>=1 </s>=2 <unk>=3 <mask>=501");
		ok(strcmp(tg_tokenizer_piece(x, 0), "<s>") == 0 && strcmp(tg_tokenizer_piece(x, 501), "<mask>") == 0 &&
		   tg_tokenizer_id(x, "<pad>") == 1 && strcmp(tg_tokenizer_piece(x, 4), tg_tokenizer_piece(t, 3)) == 0,
		   "fairseq pieces: piece k of the model is id k + 1");
		n = tg_tokenizer_encode(t, text, strlen(text), &ids, NULL, &err);
		n2 = tg_tokenizer_encode(x, text, strlen(text), &ids2, NULL, &err);
		for (i = 0; i < n && i < n2; i++)
			if (ids2[i] != (ids[i] == 0 ? 3 : ids[i] + 1))
				break;
		ok(n == n2 && i == n, "fairseq encoding = native + 1, <unk> -> 3");
		{
			char *d = tg_tokenizer_decode(x, ids2, n2, &err), *e = tg_tokenizer_decode(t, ids, n, &err);
			ok(d && e && strcmp(d, e) == 0, "decode agrees between the mappings ('%s')", d ? d : err.msg);
			free(d);
			free(e);
		}
		free(ids);
		free(ids2);
	}
	tg_tokenizer_free(x);
	/* truncated model */
	{
		FILE *a = fopen(path_of("spm.model"), "rb");
		char *buf = malloc(1 << 20);
		size_t k = fread(buf, 1, 1 << 20, a);
		fclose(a);
		write_file("trunc.model", buf, k / 2);
		free(buf);
		expect_fail(path_of("trunc.model"), "trunc.model", "truncated .model");
	}
	/* throughput */
	{
		FILE *f = fopen(training_file(), "r");
		char line[8192];
		long nbytes = 0, ntok = 0, nlines = 0;
		t0 = tg_now();
		while (fgets(line, sizeof line, f)) {
			n = tg_tokenizer_encode(t, line, strlen(line), &ids, &wo, &err);
			ntok += n;
			nbytes += (long)strlen(line);
			nlines++;
			free(ids);
			free(wo);
		}
		fclose(f);
		diag("sentencepiece: %ld lines, %ld tokens, %.1f MB/s", nlines, ntok, nbytes / 1e6 / (tg_now() - t0));
	}
	tg_tokenizer_free(t);
}

int
main(void)
{
	char cmd[600];

	tu_mkdtemp(tmpdir, sizeof tmpdir, "tamga-tok");
	test_bad_input();
	test_wordpiece_casing();
	test_sentencepiece();
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		diag("could not remove %s", tmpdir);
	return done_testing();
}
