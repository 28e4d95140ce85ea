/* Hugging Face tokenizer.json: loading the file (hf-norm.c, hf-pre.c, hf-model.c hold its normalizers,
 * pre-tokenizers and models; hf-int.h the map), encoding and decoding. The file is hostile input: every member is
 * checked and errors name the file and the JSON path. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tokenize/hf-int.h"

/* --- loading ------------------------------------------------------------------------------------------------------- */

static int
add_merge(tg_hf *hf, int32_t a, int32_t b, int32_t rank, int32_t id)
{
	uint64_t k = ((uint64_t)(uint32_t)a << 32 | (uint32_t)b) + 1;
	uint32_t m = hf->nmslot - 1, i = tg_tok_mix(k) & m;

	while (hf->merges[i].key != 0) {
		if (hf->merges[i].key == k)
			return TG_OK;           /* a repeated merge keeps its first (best) rank */
		i = (i + 1) & m;
	}
	hf->merges[i] = (merge_slot){k, rank, id};
	return TG_OK;
}

/* vocab given as {"piece": id, ...}: ids may come in any order; an id missing from it is taken from
 * added_tokens, or else becomes an empty unused slot. */
static int
vocab_from_object(jctx *c, json_t *o, json_t *added, const char *where, tg_vocab *v)
{
	const char *key;
	json_t *val;
	int32_t maxid = -1, i;
	const char **by = NULL;
	size_t *blen = NULL, k;
	json_int_t limit;

	if (!json_is_object(o))
		return hf_jfail(c, where, "'vocab' should be an object of \"piece\": id, not %s", hf_jtype(o));
	/* ids index arrays: bound them by the entries the file holds (vocab + added tokens, with room for a few
	 * gaps), so a 60-byte file cannot ask for 10^8 slots */
	limit = (json_int_t)json_object_size(o) + (json_is_array(added) ? (json_int_t)json_array_size(added) : 0) +
	    HF_ID_SLACK;
	json_object_foreach(o, key, val) {
		json_int_t id;
		if (!json_is_integer(val) || (id = json_integer_value(val)) < 0 || id > 100000000)
			return hf_jfail(c, where, "vocab entry '%.60s' should have a non-negative integer id", key);
		if (id >= limit)
			return hf_jfail(c, where, "vocab entry '%.60s' has id %lld, but the file has only %zu vocab entries "
			    "and %zu added tokens", key, (long long)id, json_object_size(o),
			    json_is_array(added) ? json_array_size(added) : (size_t)0);
		if (id > maxid)
			maxid = (int32_t)id;
	}
	by = tg_xcalloc((size_t)maxid + 2, sizeof *by);
	blen = tg_xcalloc((size_t)maxid + 2, sizeof *blen);
	json_object_foreach(o, key, val) {
		json_int_t id = json_integer_value(val);
		if (by[id] != NULL) {
			free(by);
			free(blen);
			return hf_jfail(c, where, "id %lld is given to two pieces", (long long)id);
		}
		by[id] = key;
		blen[id] = strlen(key);
	}
	for (k = 0; json_is_array(added) && k < json_array_size(added); k++) {
		json_t *e = json_array_get(added, k), *id = json_object_get(e, "id"), *ct = json_object_get(e, "content");
		if (json_is_integer(id) && json_is_string(ct) && json_integer_value(id) >= 0 &&
		    json_integer_value(id) <= maxid && by[json_integer_value(id)] == NULL) {
			by[json_integer_value(id)] = json_string_value(ct);
			blen[json_integer_value(id)] = json_string_length(ct);
		}
	}
	for (i = 0; i <= maxid; i++) {
		if (by[i] == NULL) {
			int32_t id = tg_vocab_add(v, "", 0, 0);
			v->flags[id] |= TG_PIECE_UNUSED;
		} else {
			tg_vocab_add(v, by[i], blen[i], 0);
		}
	}
	free(by);
	free(blen);
	return TG_OK;
}

static int
model_parse(jctx *c, json_t *m, json_t *added, tg_hf *hf, tg_vocab *v)
{
	const char *type;
	json_t *vocab;
	int32_t i;

	if (!json_is_object(m))
		return hf_jfail(c, "model", "expected an object, found %s", m ? hf_jtype(m) : "nothing");
	type = hf_jstr(m, "type");
	vocab = json_object_get(m, "vocab");
	if (type == NULL && json_object_get(m, "type") != NULL && !json_is_null(json_object_get(m, "type")))
		return hf_jfail(c, "model.type", "should be a string (Unigram, WordPiece or BPE), not %s",
		    hf_jtype(json_object_get(m, "type")));
	if (type == NULL) {
		/* old files leave the type out; tell the models apart by their members */
		if (json_object_get(m, "merges"))
			type = "BPE";
		else if (json_is_array(vocab))
			type = "Unigram";
		else if (json_object_get(m, "continuing_subword_prefix") || json_object_get(m, "max_input_chars_per_word"))
			type = "WordPiece";
		else
			return hf_jfail(c, "model", "missing 'type' (Unigram, WordPiece or BPE)");
	}
	if (vocab == NULL)
		return hf_jfail(c, "model", "missing 'vocab'");
	for (i = 0; i < 256; i++)
		hf->byte_id[i] = -1;
	hf->unk = -1;
	if (strcmp(type, "Unigram") == 0) {
		json_t *u = json_object_get(m, "unk_id");
		size_t k;
		hf->model = M_UNIGRAM;
		if (!json_is_array(vocab))
			return hf_jfail(c, "model.vocab", "Unigram vocab should be an array of [piece, score], not %s",
			              hf_jtype(vocab));
		for (k = 0; k < json_array_size(vocab); k++) {
			json_t *e = json_array_get(vocab, k), *p = json_array_get(e, 0), *s = json_array_get(e, 1);
			if (!json_is_array(e) || !json_is_string(p) || !json_is_number(s)) {
				char where[64];
				snprintf(where, sizeof where, "model.vocab[%zu]", k);
				return hf_jfail(c, where, "should be [\"piece\", score]");
			}
			if ((k & (k - 1)) == 0)
				hf->uscore = tg_xrealloc(hf->uscore, (k ? 2 * k : 1) * sizeof *hf->uscore);
			hf->uscore[tg_vocab_add(v, json_string_value(p), json_string_length(p), (float)json_number_value(s))] =
			    hf_serde_f64(json_number_value(s));
		}
		if (u != NULL && !json_is_null(u)) {
			if (!json_is_integer(u) || json_integer_value(u) < 0 || json_integer_value(u) >= v->n)
				return hf_jfail(c, "model.unk_id", "should be an id below %d", v->n);
			hf->unk = (int32_t)json_integer_value(u);
		}
		if (hf_jbool(c, m, "model", "byte_fallback", &hf->byte_fallback))
			return TG_ERR;
	} else if (strcmp(type, "WordPiece") == 0) {
		const char *unk = hf_jstr(m, "unk_token"), *prefix = hf_jstr(m, "continuing_subword_prefix");
		json_t *mx = json_object_get(m, "max_input_chars_per_word");
		hf->model = M_WORDPIECE;
		if (vocab_from_object(c, vocab, added, "model.vocab", v))
			return TG_ERR;
		if (unk == NULL)
			unk = "[UNK]";
		if ((hf->unk = tg_vocab_find(v, unk, strlen(unk))) < 0)
			return hf_jfail(c, "model.unk_token", "'%s' is not in the vocab", unk);
		if (mx != NULL && !json_is_null(mx) && !json_is_integer(mx))
			return hf_jfail(c, "model.max_input_chars_per_word", "should be an integer");
		tg_wp_build(&hf->wp, v, NULL, mx && json_is_integer(mx) ? (int)json_integer_value(mx) : 100, hf->unk);
		hf->wp.prefix = tg_xstrdup(prefix ? prefix : "##");
	} else if (strcmp(type, "BPE") == 0) {
		json_t *merges = json_object_get(m, "merges"), *d = json_object_get(m, "dropout");
		const char *unk = hf_jstr(m, "unk_token");
		size_t k;
		hf->model = M_BPE;
		if (vocab_from_object(c, vocab, added, "model.vocab", v))
			return TG_ERR;
		if (hf_jstr(m, "continuing_subword_prefix") && hf_jstr(m, "continuing_subword_prefix")[0])
			return hf_jfail(c, "model.continuing_subword_prefix", "BPE with a continuing subword prefix is not "
			             "supported");
		if (hf_jstr(m, "end_of_word_suffix") && hf_jstr(m, "end_of_word_suffix")[0])
			return hf_jfail(c, "model.end_of_word_suffix", "BPE with an end-of-word suffix is not supported");
		if (d != NULL && !json_is_null(d) && json_number_value(d) > 0)
			return hf_jfail(c, "model.dropout", "BPE dropout is for training; set it to null");
		if (unk != NULL && (hf->unk = tg_vocab_find(v, unk, strlen(unk))) < 0)
			return hf_jfail(c, "model.unk_token", "'%s' is not in the vocab", unk);
		if (hf_jbool(c, m, "model", "fuse_unk", &hf->fuse_unk) ||
		    hf_jbool(c, m, "model", "byte_fallback", &hf->byte_fallback) ||
		    hf_jbool(c, m, "model", "ignore_merges", &hf->ignore_merges))
			return TG_ERR;
		if (!json_is_array(merges))
			return hf_jfail(c, "model.merges", "should be an array");
		for (hf->nmslot = 64; hf->nmslot < 2 * json_array_size(merges) + 2; hf->nmslot *= 2)
			;
		hf->merges = tg_xcalloc(hf->nmslot, sizeof *hf->merges);
		for (k = 0; k < json_array_size(merges); k++) {
			json_t *e = json_array_get(merges, k);
			const char *a, *b;
			size_t la, lb;
			char where[64], *cat;
			int32_t ia, ib, in;
			snprintf(where, sizeof where, "model.merges[%zu]", k);
			if (json_is_string(e)) {
				const char *s = json_string_value(e), *sp = strchr(s, ' ');
				if (sp == NULL || strchr(sp + 1, ' '))
					return hf_jfail(c, where, "'%.60s' should be two pieces separated by one space", s);
				a = s;
				la = (size_t)(sp - s);
				b = sp + 1;
				lb = strlen(b);
			} else if (json_is_array(e) && json_array_size(e) == 2 && json_is_string(json_array_get(e, 0)) &&
			           json_is_string(json_array_get(e, 1))) {
				a = json_string_value(json_array_get(e, 0));
				la = json_string_length(json_array_get(e, 0));
				b = json_string_value(json_array_get(e, 1));
				lb = json_string_length(json_array_get(e, 1));
			} else {
				return hf_jfail(c, where, "should be \"a b\" or [\"a\", \"b\"]");
			}
			cat = tg_xmalloc(la + lb + 1);
			memcpy(cat, a, la);
			memcpy(cat + la, b, lb);
			ia = tg_vocab_find(v, a, la);
			ib = tg_vocab_find(v, b, lb);
			in = tg_vocab_find(v, cat, la + lb);
			free(cat);
			if (ia < 0 || ib < 0 || in < 0)
				return hf_jfail(c, where, "merge of '%.*s' and '%.*s' uses a piece missing from the vocab",
				             (int)(la > 40 ? 40 : la), a, (int)(lb > 40 ? 40 : lb), b);
			add_merge(hf, ia, ib, (int32_t)k, in);
		}
	} else {
		hf_jfail(c, "model.type", "unsupported model '%s'", type);
		return tg_error_hint(c->err, "supported: Unigram, WordPiece, BPE");
	}
	for (i = 0; i < v->n; i++) {
		int b;
		if (hf_is_byte_piece(tg_vocab_piece(v, i), v->len[i], &b))
			hf->byte_id[b] = i;
	}
	if (hf->byte_fallback)
		for (i = 0; i < 256; i++)
			if (hf->byte_id[i] < 0 && hf->model == M_UNIGRAM)
				return hf_jfail(c, "model.byte_fallback", "byte fallback is on but piece <0x%02X> is missing", i);
	return TG_OK;
}

static int
find_piece(const tg_vocab *v, const char *const *names)
{
	int32_t id;

	for (; *names; names++)
		if ((id = tg_vocab_find(v, *names, strlen(*names))) >= 0)
			return id;
	return -1;
}

/* Added tokens: check those inside the model vocab, append those beyond it; flag them (TG_PIECE_USER keeps
 * them out of the Unigram lattice: HF matches added tokens before the model, tamga not at all). */
static int
added_tokens(jctx *c, json_t *a, tg_vocab *v)
{
	size_t k;

	if (a == NULL || json_is_null(a))
		return TG_OK;
	if (!json_is_array(a))
		return hf_jfail(c, "added_tokens", "should be an array");
	for (k = 0; k < json_array_size(a); k++) {
		json_t *e = json_array_get(a, k), *id = json_object_get(e, "id"), *content = json_object_get(e, "content");
		char where[48];
		json_int_t i;
		snprintf(where, sizeof where, "added_tokens[%zu]", k);
		if (!json_is_integer(id) || !json_is_string(content) || (i = json_integer_value(id)) < 0 || i > 100000000)
			return hf_jfail(c, where, "needs an integer 'id' and a string 'content'");
		if (i >= (json_int_t)v->n + (json_int_t)(json_array_size(a) - k) + HF_ID_SLACK)
			return hf_jfail(c, where, "id %lld is far past the %d ids of the vocabulary and the %zu added tokens "
			    "left", (long long)i, v->n, json_array_size(a) - k);
		while (v->n < i) {
			int32_t g = tg_vocab_add(v, "", 0, 0);
			v->flags[g] |= TG_PIECE_UNUSED;
		}
		if (v->n == i) {
			tg_vocab_add(v, json_string_value(content), json_string_length(content), 0);
		} else if (v->len[i] != json_string_length(content) ||
		           memcmp(tg_vocab_piece(v, (int32_t)i), json_string_value(content), v->len[i]) != 0) {
			return hf_jfail(c, where, "id %lld is '%s' in the model vocab but '%.60s' here", (long long)i,
			             tg_vocab_piece(v, (int32_t)i), json_string_value(content));
		}
		v->flags[i] |= TG_PIECE_USER;
		if (json_is_true(json_object_get(e, "special")))
			v->flags[i] |= TG_PIECE_SPECIAL;
	}
	return TG_OK;
}

/* The post-processor tamga reads its special tokens from: an object with a known string 'type' (a Sequence's
 * members too); anything else is refused rather than ignored. */
static int
post_check(jctx *c, json_t *pp, const char *where)
{
	static const char *known[] = { "TemplateProcessing", "BertProcessing", "RobertaProcessing", "ByteLevel",
		"Sequence", NULL };
	const char *type;
	json_t *a;
	size_t k;
	char sub[160];
	int i;

	if (!json_is_object(pp))
		return hf_jfail(c, where, "expected an object or null, found %s", hf_jtype(pp));
	if ((type = hf_jobject_type(c, pp, where)) == NULL)
		return TG_ERR;
	for (i = 0; known[i] && strcmp(known[i], type) != 0; i++)
		;
	if (known[i] == NULL) {
		hf_jfail(c, where, "unsupported post-processor '%.60s'", type);
		return tg_error_hint(c->err, "supported: TemplateProcessing, BertProcessing, RobertaProcessing, ByteLevel, "
		    "Sequence");
	}
	if (strcmp(type, "Sequence") == 0) {
		if (!json_is_array(a = json_object_get(pp, "processors")))
			return hf_jfail(c, where, "'processors' should be an array");
		for (k = 0; k < json_array_size(a); k++) {
			snprintf(sub, sizeof sub, "%s.processors[%zu]", where, k);
			if (post_check(c, json_array_get(a, k), sub) != TG_OK)
				return TG_ERR;
		}
	}
	return TG_OK;
}

static void
specials_from_post(json_t *pp, const tg_vocab *v, tg_tok_specials *sp)
{
	const char *type = hf_jstr(pp, "type");
	json_t *a;

	if (type == NULL)
		return;
	if (strcmp(type, "RobertaProcessing") == 0 || strcmp(type, "BertProcessing") == 0) {
		json_t *cls = json_object_get(pp, "cls"), *sep = json_object_get(pp, "sep");
		if (json_is_integer(json_array_get(cls, 1)))
			sp->cls = (int32_t)json_integer_value(json_array_get(cls, 1));
		if (json_is_integer(json_array_get(sep, 1)))
			sp->sep = (int32_t)json_integer_value(json_array_get(sep, 1));
	} else if (strcmp(type, "TemplateProcessing") == 0 && json_is_array(a = json_object_get(pp, "single"))) {
		size_t k, n = json_array_size(a);
		for (k = 0; k < n; k++) {
			json_t *st = json_object_get(json_array_get(a, k), "SpecialToken");
			const char *name = hf_jstr(st, "id");
			int32_t id;
			if (name == NULL || (id = tg_vocab_find(v, name, strlen(name))) < 0)
				continue;
			if (k == 0)
				sp->cls = id;
			else if (k == n - 1)
				sp->sep = id;
		}
	} else if (strcmp(type, "Sequence") == 0 && json_is_array(a = json_object_get(pp, "processors"))) {
		size_t k;
		for (k = 0; k < json_array_size(a); k++)
			specials_from_post(json_array_get(a, k), v, sp);
	}
}

void
tg_hf_free(tg_hf *hf)
{
	if (hf == NULL)
		return;
	hf_norm_free(hf->norm);
	free(hf->norm);
	hf_pre_free(hf->pre);
	free(hf->pre);
	if (hf->model == M_UNIGRAM)
		tg_trie_free(&hf->trie);
	free(hf->uscore);
	if (hf->model == M_WORDPIECE && hf->wp.trie.value) {
		free((char *)hf->wp.prefix);
		tg_wp_free(&hf->wp);
	}
	free(hf->merges);
	free(hf);
}

tg_hf *
tg_hf_load(const char *path, tg_vocab *v, tg_tok_specials *sp, tg_tok_kind *kind, char *describe, size_t ndescribe,
           tg_error *err)
{
	static const char *cls[] = {"[CLS]", "<s>", "<cls>", NULL}, *sep[] = {"[SEP]", "</s>", "<sep>", NULL};
	static const char *bos[] = {"<s>", "<bos>", "[BOS]", NULL}, *eos[] = {"</s>", "<eos>", "[EOS]", NULL};
	static const char *pad[] = {"[PAD]", "<pad>", NULL}, *mask[] = {"[MASK]", "<mask>", NULL};
	jctx c = {path, err};
	json_error_t je;
	json_t *root, *j;
	tg_hf *hf;
	int32_t i;

	root = tg_json_load_file(path, 0, &je);   /* regular files only: a FIFO would block */
	if (root == NULL) {
		if (je.line <= 0 && strstr(je.text, "unable to open"))
			tg_error_set(err, TG_E_IO, "%s: cannot open (%s)", path, strerror(errno));
		else
			tg_error_set(err, TG_E_FORMAT, "%s:%d:%d: invalid JSON: %s", path, je.line, je.column, je.text);
		return NULL;
	}
	hf_bytelevel_init();
	hf = tg_xcalloc(1, sizeof *hf);
	if (!json_is_object(root)) {
		hf_jfail(&c, "top level", "expected an object, found %s", hf_jtype(root));
		goto fail;
	}
	if (model_parse(&c, json_object_get(root, "model"), json_object_get(root, "added_tokens"), hf, v) != TG_OK)
		goto fail;
	if (added_tokens(&c, json_object_get(root, "added_tokens"), v) != TG_OK)
		goto fail;
	if (v->n == 0) {
		hf_jfail(&c, "model.vocab", "the vocabulary is empty (and there are no added tokens)");
		goto fail;
	}
	if ((j = json_object_get(root, "normalizer")) != NULL && !json_is_null(j)) {
		hf->norm = tg_xcalloc(1, sizeof *hf->norm);
		if (hf_norm_parse(&c, j, "normalizer", hf->norm) != TG_OK)
			goto fail;
	}
	if ((j = json_object_get(root, "pre_tokenizer")) != NULL && !json_is_null(j)) {
		hf->pre = tg_xcalloc(1, sizeof *hf->pre);
		if (hf_pre_parse(&c, j, "pre_tokenizer", hf->pre) != TG_OK)
			goto fail;
		/* remember what decoding has to undo */
		{
			const hf_pre *stack[32];
			int ns = 0;
			stack[ns++] = hf->pre;
			while (ns > 0) {
				const hf_pre *p = stack[--ns];
				if (p->type == P_BYTELEVEL)
					hf->bytelevel = true;
				if (p->type == P_METASPACE) {
					memcpy(hf->repl, p->repl, p->nrepl);
					hf->nrepl = p->nrepl;
				}
				for (i = 0; i < p->nsub && ns < 32; i++)
					stack[ns++] = &p->sub[i];
			}
		}
	}
	if (hf->model == M_UNIGRAM) {
		tg_trie_init(&hf->trie);
		hf->min_score = INFINITY;
		for (i = 0; i < v->n; i++) {
			int b;
			if (hf->uscore[i] < hf->min_score)
				hf->min_score = hf->uscore[i];
			if ((v->flags[i] & (TG_PIECE_SPECIAL | TG_PIECE_UNUSED | TG_PIECE_USER)) || i == hf->unk || v->len[i] == 0)
				continue;
			if (hf->byte_fallback && hf_is_byte_piece(tg_vocab_piece(v, i), v->len[i], &b))
				continue;
			tg_trie_insert(&hf->trie, tg_vocab_piece(v, i), v->len[i], i);
		}
	}
	sp->cls = find_piece(v, cls);
	sp->sep = find_piece(v, sep);
	sp->bos = find_piece(v, bos);
	sp->eos = find_piece(v, eos);
	sp->pad = find_piece(v, pad);
	sp->mask = find_piece(v, mask);
	sp->unk = hf->unk;
	if ((j = json_object_get(root, "post_processor")) != NULL && !json_is_null(j)) {
		if (post_check(&c, j, "post_processor") != TG_OK)
			goto fail;
		specials_from_post(j, v, sp);
	}
	for (i = 0; i < v->n; i++) {
		int32_t *all[] = {&sp->cls, &sp->sep, &sp->bos, &sp->eos, &sp->pad, &sp->unk, &sp->mask};
		size_t k;
		for (k = 0; k < sizeof all / sizeof *all; k++)
			if (*all[k] == i)
				v->flags[i] |= TG_PIECE_SPECIAL;
	}
	*kind = hf->model == M_UNIGRAM ? TG_TOK_HF_UNIGRAM : hf->model == M_WORDPIECE ? TG_TOK_HF_WORDPIECE :
	        TG_TOK_HF_BPE;
	snprintf(describe, ndescribe, "tokenizer.json %s%s%s, %d ids, %s",
	         hf->model == M_UNIGRAM ? "Unigram" : hf->model == M_WORDPIECE ? "WordPiece" : "BPE",
	         hf->bytelevel ? " (byte-level)" : hf->nrepl ? " (metaspace)" : "",
	         hf->byte_fallback ? " byte-fallback" : "", v->n, path);
	json_decref(root);
	return hf;
fail:
	json_decref(root);
	tg_hf_free(hf);
	return NULL;
}

/* --- encode / decode ------------------------------------------------------------------------------------------------ */

int
tg_hf_encode(const tg_hf *hf, const tg_vocab *v, const char *text, size_t len, tg_ivec *ids, tg_ivec *offs,
             tg_error *err)
{
	tg_nstr s = {0};
	nlist l = {0};
	int i;

	tg_nstr_from_text(&s, text, len);
	if (hf->norm && hf_norm_apply(hf->norm, &s, HF_NORM_GROWTH * len + 65536) != TG_OK) {
		tg_nstr_free(&s);
		tg_error_set(err, TG_E_FORMAT, "tokenizer.json: normalizer: the normalized text grows past %d times the "
		    "%zu input bytes", HF_NORM_GROWTH, len);
		return tg_error_hint(err, "a Replace or Precompiled rule that grows the text at every step (\"a\" -> "
		    "\"aa\" in a Sequence)? check the file's \"normalizer\"");
	}
	hf_nlist_push_span(&l, &s, 0, s.n);
	tg_nstr_free(&s);
	if (hf->pre)
		hf_pre_apply(hf->pre, &l);
	for (i = 0; i < l.n; i++) {
		const tg_nstr *w = &l.v[i];
		int mark = ids->n, k;
		if (hf->model == M_UNIGRAM)
			hf_unigram_word(hf, v, w, ids, offs);
		else if (hf->model == M_WORDPIECE)
			tg_wp_word(&hf->wp, v, w->s, w->n, w->orig[0], ids, offs);
		else
			hf_bpe_word(hf, v, w, ids, offs);
		for (k = mark; k < ids->n; k++)
			if (ids->v[k] < 0) {
				hf_nlist_free(&l);
				return tg_error_set(err, TG_E_FORMAT, "tokenizer.json: the model has no unk_id and the text "
				                    "has a character outside its vocabulary (byte %d)", offs->v[k]);
			}
	}
	hf_nlist_free(&l);
	return TG_OK;
}

char *
tg_hf_decode(const tg_hf *hf, const tg_vocab *v, const int32_t *ids, int n)
{
	tg_nstr out = {0};
	char *r;
	int i, b;

	for (i = 0; i < n; i++) {
		const char *p = tg_vocab_piece(v, ids[i]);
		size_t len = v->len[ids[i]];
		if (v->flags[ids[i]] & TG_PIECE_SPECIAL)
			continue;
		if (hf->model == M_WORDPIECE) {
			size_t pl = strlen(hf->wp.prefix);
			if (len >= pl && pl > 0 && memcmp(p, hf->wp.prefix, pl) == 0) {
				p += pl;
				len -= pl;
			} else if (out.n > 0) {
				tg_nstr_put(&out, " ", 1, 0);
			}
			tg_nstr_put(&out, p, len, 0);
		} else if (hf->bytelevel) {
			size_t k = 0;
			int32_t c;
			while (k < len) {
				int m = tg_utf8_next(p, len, k, &c);
				if (c < 324 && hf_char_byte[c] >= 0) {
					char ch = (char)hf_char_byte[c];
					tg_nstr_put(&out, &ch, 1, 0);
				} else {
					tg_nstr_put(&out, p + k, (size_t)m, 0);
				}
				k += m;
			}
		} else if (hf_is_byte_piece(p, len, &b)) {
			char ch = (char)b;
			tg_nstr_put(&out, &ch, 1, 0);
		} else {
			size_t k = 0;
			while (k < len) {
				if (hf->nrepl && k + hf->nrepl <= len && memcmp(p + k, hf->repl, hf->nrepl) == 0) {
					tg_nstr_put(&out, " ", 1, 0);
					k += hf->nrepl;
				} else {
					tg_nstr_put(&out, p + k, 1, 0);
					k++;
				}
			}
		}
	}
	if (out.n == 0)
		return tg_xstrdup("");
	r = tg_xstrdup(out.s + (hf->nrepl && out.s[0] == ' ' ? 1 : 0));
	tg_nstr_free(&out);
	return r;
}
