/* tg_tokenizer: finds the tokenizer files of a model, dispatches to a back end, maps tokens to words. */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tokenize/tok-internal.h"

struct tg_tokenizer {
	tg_tok_kind kind;
	tg_vocab vocab;
	tg_tok_specials sp;
	char describe[512];
	/* SentencePiece */
	tg_sp *spm;
	bool fairseq;
	int32_t *sp_to_id;      /* SentencePiece id -> tamga id (fairseq mapping) */
	int32_t *id_to_sp;      /* tamga id -> SentencePiece id, -1 for the fairseq-only specials */
	/* vocab.txt */
	tg_wp wp;
	bool has_wp;
	/* tokenizer.json */
	tg_hf *hf;
};

static bool
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && strcmp(s + n - k, suffix) == 0;
}

static const char *
base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

static bool
is_file(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static bool
present(const char *p)     /* anything but a folder */
{
	struct stat st;
	return stat(p, &st) == 0 && !S_ISDIR(st.st_mode);
}

/* --- SentencePiece ----------------------------------------------------------------------------------------------- */

static int
load_sp(tg_tokenizer *t, const char *path, bool fairseq, tg_error *err)
{
	static const char *fs_names[4] = {"<s>", "<pad>", "</s>", "<unk>"};
	int n, k;

	if ((t->spm = tg_sp_load(path, err)) == NULL)
		return TG_ERR;
	n = tg_sp_size(t->spm);
	t->kind = TG_TOK_SENTENCEPIECE;
	if (fairseq) {
		for (k = 0; k < 3 && k < n; k++)
			if (tg_sp_piece_type(t->spm, k) != 2 && tg_sp_piece_type(t->spm, k) != 3) {
				tg_error_set(err, TG_E_FORMAT, "%s: piece %d ('%s') is not a special piece, so the fairseq "
				             "(XLM-R) id mapping does not apply", path, k, tg_sp_piece(t->spm, k));
				return tg_error_hint(err, "rename the file (e.g. to spm.model) to use SentencePiece's own ids");
			}
		if (n < 3)
			return tg_error_set(err, TG_E_FORMAT, "%s: only %d pieces", path, n);
		t->fairseq = true;
		t->sp_to_id = tg_xmalloc((size_t)n * sizeof *t->sp_to_id);
		t->id_to_sp = tg_xmalloc((size_t)(n + 2) * sizeof *t->id_to_sp);
		for (k = 0; k < 4; k++) {
			tg_vocab_add(&t->vocab, fs_names[k], strlen(fs_names[k]), 0);
			t->vocab.flags[k] |= TG_PIECE_SPECIAL;
			t->id_to_sp[k] = -1;
		}
		for (k = 0; k < n; k++) {
			const char *p = tg_sp_piece(t->spm, k);
			if (k == tg_sp_special(t->spm, 0))
				t->sp_to_id[k] = 3;
			else if (k == tg_sp_special(t->spm, 1))
				t->sp_to_id[k] = 0;
			else if (k == tg_sp_special(t->spm, 2))
				t->sp_to_id[k] = 2;
			else if (k == tg_sp_special(t->spm, 3))
				t->sp_to_id[k] = 1;
			else
				t->sp_to_id[k] = k + 1;
			if (k >= 3) {
				int32_t id = tg_vocab_add(&t->vocab, p, strlen(p), tg_sp_score(t->spm, k));
				t->id_to_sp[id] = k;
				if (tg_sp_piece_type(t->spm, k) == 3 || tg_sp_piece_type(t->spm, k) == 2)
					t->vocab.flags[id] |= TG_PIECE_SPECIAL;
			}
		}
		tg_vocab_add(&t->vocab, "<mask>", 6, 0);
		t->vocab.flags[n + 1] |= TG_PIECE_SPECIAL;
		t->id_to_sp[n + 1] = -1;
		t->sp = (tg_tok_specials){0, 2, 0, 2, 1, 3, n + 1};
	} else {
		for (k = 0; k < n; k++) {
			const char *p = tg_sp_piece(t->spm, k);
			int type = tg_sp_piece_type(t->spm, k);
			int32_t id = tg_vocab_add(&t->vocab, p, strlen(p), tg_sp_score(t->spm, k));
			if (type == 2 || type == 3)
				t->vocab.flags[id] |= TG_PIECE_SPECIAL;
			if (type == 5)
				t->vocab.flags[id] |= TG_PIECE_UNUSED;
		}
		t->sp.unk = tg_sp_special(t->spm, 0);
		t->sp.bos = t->sp.cls = tg_sp_special(t->spm, 1);
		t->sp.eos = t->sp.sep = tg_sp_special(t->spm, 2);
		t->sp.pad = tg_sp_special(t->spm, 3);
		t->sp.mask = tg_vocab_find(&t->vocab, "<mask>", 6);
		if (t->sp.mask < 0)
			t->sp.mask = tg_vocab_find(&t->vocab, "[MASK]", 6);
	}
	snprintf(t->describe, sizeof t->describe, "sentencepiece %s, %d ids%s, %s", tg_sp_model_type(t->spm),
	         t->vocab.n, fairseq ? " (fairseq/XLM-R mapping)" : "", path);
	return TG_OK;
}

/* --- vocab.txt ----------------------------------------------------------------------------------------------------- */

/* A special token in tokenizer_config.json: "tok" or {"content": "tok", ...}. */
static const char *
config_token(json_t *cfg, const char *key, const char *dflt)
{
	json_t *j = json_object_get(cfg, key);

	if (json_is_string(j))
		return json_string_value(j);
	if (json_is_object(j) && json_is_string(json_object_get(j, "content")))
		return json_string_value(json_object_get(j, "content"));
	return dflt;
}

static int
load_vocab_txt(tg_tokenizer *t, const char *path, tg_error *err)
{
	char cfgpath[4096], *buf;
	const char *slash = strrchr(path, '/');
	json_t *cfg = NULL, *j;
	size_t size;
	size_t i, a;
	bool lower = true, chinese = true;
	int strip = -1;         /* -1 null: follows lower-casing */
	const char *unk;

	if ((buf = tg_read_file(path, &size, err)) == NULL)
		return TG_ERR;
	if (size == 0) {
		free(buf);
		return tg_error_set(err, TG_E_FORMAT, "%s: empty vocabulary", path);
	}
	/* one piece per line; \n, \r\n and \r end lines (Python's universal newlines) */
	for (i = a = 0; i < size; i++) {
		if (buf[i] == '\n' || buf[i] == '\r') {
			tg_vocab_add(&t->vocab, buf + a, i - a, 0);
			if (buf[i] == '\r' && i + 1 < size && buf[i + 1] == '\n')
				i++;
			a = i + 1;
		}
	}
	if (a < size)
		tg_vocab_add(&t->vocab, buf + a, size - a, 0);
	free(buf);

	snprintf(cfgpath, sizeof cfgpath, "%.*stokenizer_config.json", slash ? (int)(slash - path + 1) : 0, path);
	if (present(cfgpath)) {   /* a FIFO is refused, not skipped */
		json_error_t je;
		if ((cfg = tg_json_load_file(cfgpath, 0, &je)) == NULL && je.line < 0)
			return tg_error_set(err, TG_E_IO, "%s: %s", cfgpath, je.text);
		if (cfg == NULL)
			return tg_error_set(err, TG_E_FORMAT, "%s:%d:%d: invalid JSON: %s", cfgpath, je.line, je.column,
			                    je.text);
		if ((j = json_object_get(cfg, "do_lower_case")) && json_is_boolean(j))
			lower = json_is_true(j);
		if ((j = json_object_get(cfg, "strip_accents")) && json_is_boolean(j))
			strip = json_is_true(j);
		if ((j = json_object_get(cfg, "tokenize_chinese_chars")) && json_is_boolean(j))
			chinese = json_is_true(j);
	}
	unk = config_token(cfg, "unk_token", "[UNK]");
	t->sp.unk = tg_vocab_find(&t->vocab, unk, strlen(unk));
	if (t->sp.unk < 0) {
		tg_error_set(err, TG_E_FORMAT, "%s: the unknown token '%s' is not in the vocabulary", path, unk);
		tg_error_hint(err, "set \"unk_token\" in tokenizer_config.json");
		json_decref(cfg);
		return TG_ERR;
	}
#define SPECIAL(field, key, dflt) do { \
		const char *s_ = config_token(cfg, key, dflt); \
		t->sp.field = s_ ? tg_vocab_find(&t->vocab, s_, strlen(s_)) : -1; \
	} while (0)
	SPECIAL(cls, "cls_token", "[CLS]");
	SPECIAL(sep, "sep_token", "[SEP]");
	SPECIAL(pad, "pad_token", "[PAD]");
	SPECIAL(mask, "mask_token", "[MASK]");
	SPECIAL(bos, "bos_token", NULL);
	SPECIAL(eos, "eos_token", NULL);
#undef SPECIAL
	json_decref(cfg);
	{
		int32_t *all[] = {&t->sp.cls, &t->sp.sep, &t->sp.pad, &t->sp.mask, &t->sp.unk, &t->sp.bos, &t->sp.eos};
		for (i = 0; i < sizeof all / sizeof *all; i++)
			if (*all[i] >= 0)
				t->vocab.flags[*all[i]] |= TG_PIECE_SPECIAL;
	}
	tg_wp_build(&t->wp, &t->vocab, "##", 100, t->sp.unk);
	t->has_wp = true;
	t->wp.lower = lower;
	t->wp.strip_accents = strip < 0 ? lower : strip;
	t->wp.chinese = chinese;
	t->kind = TG_TOK_WORDPIECE;
	snprintf(t->describe, sizeof t->describe, "wordpiece %s%s, %d ids, %s", lower ? "uncased" : "cased",
	         t->wp.strip_accents ? " strip-accents" : "", t->vocab.n, path);
	return TG_OK;
}

/* --- loading ------------------------------------------------------------------------------------------------------- */

static int
load_file(tg_tokenizer *t, const char *path, tg_error *err)
{
	const char *b = base_name(path);
	struct stat st;

	/* regular files only: open() of a FIFO blocks (the SentencePiece library opens its file itself) */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		tg_error_set(err, TG_E_IO, "%s: cannot open: not a regular file (a FIFO, device or folder)", path);
		return tg_error_hint(err, "tamga reads regular files only");
	}

	if (ends_with(b, ".model"))
		return load_sp(t, path, strcmp(b, "sentencepiece.bpe.model") == 0, err);
	if (ends_with(b, ".json")) {
		t->hf = tg_hf_load(path, &t->vocab, &t->sp, &t->kind, t->describe, sizeof t->describe, err);
		return t->hf ? TG_OK : TG_ERR;
	}
	if (ends_with(b, ".txt"))
		return load_vocab_txt(t, path, err);
	tg_error_set(err, TG_E_ARG, "%s: unknown tokenizer file type", path);
	return tg_error_hint(err, "expected a SentencePiece *.model, tokenizer.json or vocab.txt");
}

static int
dir_find_model(const char *dir, char *out, size_t n)
{
	struct dirent **list = NULL;
	int k, m = scandir(dir, &list, NULL, alphasort), found = 0;

	for (k = 0; k < m; k++) {
		if (!found && ends_with(list[k]->d_name, ".model")) {
			snprintf(out, n, "%s/%s", dir, list[k]->d_name);
			found = is_file(out);
		}
		free(list[k]);
	}
	free(list);
	return found;
}

tg_tokenizer *
tg_tokenizer_load(const char *path, tg_error *err)
{
	static const char *order[] = {"sentencepiece.bpe.model", "spiece.model", "sentencepiece.model",
	                              "tokenizer.model", NULL};
	tg_tokenizer *t;
	struct stat st;
	char p[4096];
	int rc = TG_ERR, k;

	if (path == NULL || *path == '\0') {
		tg_error_set(err, TG_E_ARG, "tokenizer: no path given");
		return NULL;
	}
	if (stat(path, &st) != 0) {
		tg_error_set(err, TG_E_IO, "%s: cannot open (%s)", path, strerror(errno));
		return NULL;
	}
	t = tg_xcalloc(1, sizeof *t);
	tg_vocab_init(&t->vocab);
	t->sp = (tg_tok_specials){-1, -1, -1, -1, -1, -1, -1};
	if (!S_ISDIR(st.st_mode)) {
		rc = load_file(t, path, err);
	} else {
		/* present, not is_file: a FIFO named tokenizer.json is refused by load_file, not skipped in silence */
		for (k = 0; order[k]; k++) {
			snprintf(p, sizeof p, "%s/%s", path, order[k]);
			if (present(p))
				break;
		}
		if (order[k] || dir_find_model(path, p, sizeof p)) {
			rc = load_file(t, p, err);
		} else if (snprintf(p, sizeof p, "%s/tokenizer.json", path), present(p)) {
			rc = load_file(t, p, err);
		} else if (snprintf(p, sizeof p, "%s/vocab.txt", path), present(p)) {
			rc = load_file(t, p, err);
		} else {
			tg_error_set(err, TG_E_IO, "%s: no tokenizer files in this folder", path);
			tg_error_hint(err, "expected sentencepiece.bpe.model, spiece.model, *.model, tokenizer.json or "
			              "vocab.txt (+ tokenizer_config.json)");
		}
	}
	if (rc != TG_OK) {
		tg_tokenizer_free(t);
		return NULL;
	}
	return t;
}

void
tg_tokenizer_free(tg_tokenizer *t)
{
	if (t == NULL)
		return;
	if (t->spm)
		tg_sp_free(t->spm);
	free(t->sp_to_id);
	free(t->id_to_sp);
	if (t->has_wp)
		tg_wp_free(&t->wp);
	tg_hf_free(t->hf);
	tg_vocab_free(&t->vocab);
	free(t);
}

/* --- encoding ------------------------------------------------------------------------------------------------------- */

static int
encode_raw(const tg_tokenizer *t, const char *text, size_t len, tg_ivec *ids, tg_ivec *offs, tg_error *err)
{
	int k, mark = ids->n;

	if (t->spm) {
		if (tg_sp_encode(t->spm, text, len, ids, offs, err) != TG_OK)
			return TG_ERR;
		if (t->fairseq)
			for (k = mark; k < ids->n; k++)
				ids->v[k] = t->sp_to_id[ids->v[k]];
		return TG_OK;
	}
	if (t->hf)
		return tg_hf_encode(t->hf, &t->vocab, text, len, ids, offs, err);
	return tg_wp_encode_bert(&t->wp, &t->vocab, text, len, ids, offs);
}

/* Word index of each token origin: the whitespace-separated word containing the byte, or for a byte in
 * whitespace the word after it (the last word at the end). */
static void
word_indices(const char *text, size_t len, const int32_t *offs, int n, int32_t *word_of)
{
	tg_ivec starts = {0};
	size_t i = 0;
	bool in_space = true;
	int32_t c;
	int k;

	while (i < len) {
		int m = tg_utf8_next(text, len, i, &c);
		bool sp = tg_uc_is_space(c);
		if (!sp && in_space)
			tg_ivec_push(&starts, (int32_t)i);
		in_space = sp;
		i += m;
	}
	for (k = 0; k < n; k++) {
		int32_t o = offs[k], lo = 0, hi = starts.n, w;
		while (lo < hi) {               /* number of word starts <= o */
			int32_t mid = (lo + hi) / 2;
			if (starts.v[mid] <= o)
				lo = mid + 1;
			else
				hi = mid;
		}
		w = lo - 1;
		if (o >= 0 && (size_t)o < len) {
			tg_utf8_next(text, len, (size_t)o, &c);
			if (tg_uc_is_space(c) || w < 0)
				w++;
		} else if (w < 0) {
			w = 0;
		}
		if (w >= starts.n)
			w = starts.n - 1;
		word_of[k] = w < 0 ? 0 : w;
	}
	free(starts.v);
}

int
tg_tokenizer_encode(const tg_tokenizer *t, const char *text, size_t len, int32_t **ids, int32_t **word_of,
                    tg_error *err)
{
	tg_ivec v = {0}, o = {0};

	*ids = NULL;
	if (word_of)
		*word_of = NULL;
	if (text == NULL && len > 0)
		return tg_error_set(err, TG_E_ARG, "tokenizer: text is NULL but its length is %zu", len);
	if (len > INT32_MAX)
		return tg_error_set(err, TG_E_ARG, "tokenizer: text of %zu bytes is too long (2 GiB at most)", len);
	if (len == 0)
		return 0;
	if (encode_raw(t, text, len, &v, &o, err) != TG_OK) {
		free(v.v);
		free(o.v);
		return TG_ERR;
	}
	if (word_of && v.n > 0) {
		*word_of = tg_xmalloc((size_t)v.n * sizeof **word_of);
		word_indices(text, len, o.v, v.n, *word_of);
	}
	free(o.v);
	*ids = v.v;
	return v.n;
}

int
tg_tokenizer_encode_words(const tg_tokenizer *t, const char *const *words, int nwords, int32_t **ids,
                          int32_t **word_of, tg_error *err)
{
	tg_ivec v = {0}, o = {0}, w = {0};
	int i, k;

	*ids = NULL;
	if (word_of)
		*word_of = NULL;
	if (nwords < 0 || (nwords > 0 && words == NULL))
		return tg_error_set(err, TG_E_ARG, "tokenizer: bad word list (%d words)", nwords);
	for (i = 0; i < nwords; i++) {
		int mark = v.n;
		if (words[i] == NULL) {
			free(v.v);
			free(o.v);
			free(w.v);
			return tg_error_set(err, TG_E_ARG, "tokenizer: word %d is NULL", i);
		}
		if (words[i][0] == '\0')
			continue;
		if (encode_raw(t, words[i], strlen(words[i]), &v, &o, err) != TG_OK) {
			free(v.v);
			free(o.v);
			free(w.v);
			return TG_ERR;
		}
		for (k = mark; k < v.n; k++)
			tg_ivec_push(&w, i);
	}
	free(o.v);
	*ids = v.v;
	if (word_of)
		*word_of = w.v;
	else
		free(w.v);
	return v.n;
}

char *
tg_tokenizer_decode(const tg_tokenizer *t, const int32_t *ids, int n, tg_error *err)
{
	tg_ivec keep = {0};
	char *out = NULL;
	int i;

	for (i = 0; i < n; i++)
		if (ids[i] < 0 || ids[i] >= t->vocab.n) {
			tg_error_set(err, TG_E_ARG, "decode: id %d at position %d is out of range (vocabulary of %d)",
			             ids[i], i, t->vocab.n);
			return NULL;
		}
	if (t->spm) {
		/* control pieces vanish; <unk> decodes as SentencePiece writes it (" ⁇ ") */
		for (i = 0; i < n; i++) {
			if (ids[i] == t->sp.unk)
				tg_ivec_push(&keep, tg_sp_special(t->spm, 0));
			else if (!(t->vocab.flags[ids[i]] & TG_PIECE_SPECIAL))
				tg_ivec_push(&keep, t->fairseq ? t->id_to_sp[ids[i]] : ids[i]);
		}
		out = tg_sp_decode(t->spm, keep.v, keep.n, err);
	} else if (t->hf) {
		out = tg_hf_decode(t->hf, &t->vocab, ids, n);
	} else {
		tg_nstr s = {0};
		for (i = 0; i < n; i++) {
			const char *p = tg_vocab_piece(&t->vocab, ids[i]);
			if (t->vocab.flags[ids[i]] & TG_PIECE_SPECIAL)
				continue;
			if (strncmp(p, "##", 2) == 0)
				p += 2;
			else if (s.n > 0)
				tg_nstr_put(&s, " ", 1, 0);
			tg_nstr_put(&s, p, strlen(p), 0);
		}
		out = tg_xstrdup(s.n ? s.s : "");
		tg_nstr_free(&s);
	}
	free(keep.v);
	return out;
}

/* --- vocabulary ------------------------------------------------------------------------------------------------------- */

const char *
tg_tokenizer_piece(const tg_tokenizer *t, int32_t id)
{
	return id >= 0 && id < t->vocab.n ? tg_vocab_piece(&t->vocab, id) : NULL;
}

int32_t
tg_tokenizer_id(const tg_tokenizer *t, const char *piece)
{
	return piece ? tg_vocab_find(&t->vocab, piece, strlen(piece)) : -1;
}

int
tg_tokenizer_vocab_size(const tg_tokenizer *t)
{
	return t->vocab.n;
}

const tg_tok_specials *
tg_tokenizer_specials(const tg_tokenizer *t)
{
	return &t->sp;
}

tg_tok_kind
tg_tokenizer_kind(const tg_tokenizer *t)
{
	return t->kind;
}

const char *
tg_tokenizer_describe(const tg_tokenizer *t)
{
	return t->describe;
}
