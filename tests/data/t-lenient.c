/* Lenient reading (every malformed sentence reported as file:line, left out and counted; strict stays the default),
 * invisible characters inside tokens reported, NER label maps and language codes. */
#include <math.h>
#include <string.h>
#include "../tap.h"
#include "fixture.h"
#include "data/data.h"

static const char *
word(const tg_dataset *ds, int64_t s, int64_t j)
{
	return ds->words[ds->off[s] + j];
}

int
main(void)
{
	tg_error err = { 0 };
	tg_read_log log = { 0 };
	tg_read_opts ro = { 0 };
	tg_dataset *ds;
	const char *p;
	char buf[64];
	tg_label_map *m;

	fx_init();
	/* empty and NULL first */
	ok(tg_invisible_find("", NULL) == -1, "no invisible character in an empty string");
	ok(!tg_lang_code_valid(NULL) && !tg_lang_code_valid("") && !tg_lang_code_valid("k"), "empty and 1-letter codes refused");
	ok(tg_lang_code_valid("kk") && tg_lang_code_valid("xyz") && tg_lang_code_valid("ug-Arab") &&
	    tg_lang_code_valid("az-Cyrl") && tg_lang_code_valid("uz-Latn"), "plausible codes accepted");
	ok(!tg_lang_code_valid("KK") && !tg_lang_code_valid("kkkk") && !tg_lang_code_valid("kk-") &&
	    !tg_lang_code_valid("kk_KZ") && !tg_lang_code_valid("../x") && !tg_lang_code_valid("xyz1"),
	    "implausible codes refused");

	/* CoNLL-U: sentence 2 has 9 fields, sentence 4 an unknown UPOS, the last ends the file without a blank line */
	p = fx_write("a.conllu",
	    "# s1\n1\tA\ta\tNOUN\t_\t_\t0\troot\t_\t_\n\n"
	    "# s2\n1\tB\tb\tNOUN\t_\t_\t0\troot\t_\n2\tC\tc\tNOUN\t_\t_\t1\tx\t_\t_\n\n"
	    "1\tD\td\tVERB\t_\t_\t0\troot\t_\t_\n\n"
	    "1\tE\te\tNOUNN\t_\t_\t0\troot\t_\t_\n\n"
	    "1\tF\xe2\x80\x8bG\tf\tADJ\t_\t_\t0\troot\t_\t_\n", -1);
	ds = tg_conllu_read(p, NULL, &err);
	ok(ds == NULL && strcmp(err.msg, fx_msg(p, 5, "expected 10 tab-separated fields, found 9")) == 0,
	    "strict (default): the first malformed line ends the read");
	diag("%s", err.msg);
	ro.lenient = 1;
	ro.log = &log;
	ds = tg_conllu_read(p, &ro, &err);
	ok(ds != NULL && ds->n == 3, "lenient: 3 of 5 sentences read");
	ok(ds && strcmp(word(ds, 0, 0), "A") == 0 && strcmp(word(ds, 1, 0), "D") == 0, "the good sentences, in order");
	ok(ds && ds->n_skipped == 2 && log.n_bad == 2, "2 sentences counted as skipped");
	ok(log.n == 3 && strncmp(log.msg[0], fx_msg(p, 5, "expected 10 tab-separated fields, found 9 (sentence skipped)"),
	    strlen(fx_msg(p, 5, "x")) - 1) == 0, "the first is reported as file:line");
	ok(log.n == 3 && strstr(log.msg[1], ":10: unknown UPOS 'NOUNN'") != NULL, "the second too");
	ok(log.n == 3 && log.is_warning[2] && log.n_warnings == 1 && strstr(log.msg[2], ":12: warning: token") != NULL &&
	    strstr(log.msg[2], "U+200B ZERO WIDTH SPACE at byte 2") != NULL, "a zero-width space inside a token is a warning");
	ok(ds && ds->n == 3 && strcmp(word(ds, 2, 0), "F\xe2\x80\x8bG") == 0, "... and the token is kept as it is");
	tg_dataset_free(ds);
	tg_read_log_clear(&log);

	/* PAN-X: a bad IOB2 continuation in the middle of sentence 1 drops that sentence's earlier words too */
	p = fx_write("a.tsv", "x\tB-PER\ny\tI-LOC\nz\tO\n\nu\tB-ORG\nv\tI-ORG\n\nw\tNOTAG\n\nq\tO\n", -1);
	ds = tg_panx_read(p, &ro, &err);
	ok(ds != NULL && ds->n == 2 && ds->n_words == 3, "lenient PAN-X: 2 sentences, 3 words");
	ok(ds && strcmp(word(ds, 0, 0), "u") == 0 && strcmp(word(ds, 1, 0), "q") == 0,
	    "the words of a skipped sentence do not leak into the next");
	ok(log.n_bad == 2 && strstr(log.msg[0], ":2: I-LOC continues no LOC entity") != NULL &&
	    strstr(log.msg[1], ":8: tag 'NOTAG' is not IOB2") != NULL, "both problems reported with their lines");
	tg_dataset_free(ds);
	tg_read_log_clear(&log);
	ds = tg_panx_read(p, NULL, &err);
	ok(ds == NULL && strstr(err.msg, ":2: I-LOC continues no LOC entity") != NULL, "strict PAN-X still fails");

	/* label maps */
	m = tg_label_map_load("ontonotes", &err);
	ok(m != NULL, "the built-in ontonotes map");
	ok(m && strcmp(tg_label_map_apply(m, "B-PERSON", buf, sizeof buf), "B-PER") == 0 &&
	    strcmp(tg_label_map_apply(m, "I-GPE", buf, sizeof buf), "I-LOC") == 0 &&
	    strcmp(tg_label_map_apply(m, "B-ORGANISATION", buf, sizeof buf), "B-ORG") == 0 &&
	    strcmp(tg_label_map_apply(m, "I-DATE", buf, sizeof buf), "O") == 0 &&
	    strcmp(tg_label_map_apply(m, "O", buf, sizeof buf), "O") == 0, "PERSON, GPE, ORGANISATION mapped; DATE -> O");
	tg_label_map_free(m);
	p = fx_write("map.tsv", "# comment\nPERSON\tPER\nB-DATE\tB-MISC\n", -1);
	m = tg_label_map_load(p, &err);
	ok(m && m->n == 2 && strcmp(tg_label_map_apply(m, "I-PERSON", buf, sizeof buf), "I-PER") == 0 &&
	    strcmp(tg_label_map_apply(m, "B-DATE", buf, sizeof buf), "B-MISC") == 0 &&
	    strcmp(tg_label_map_apply(m, "B-GPE", buf, sizeof buf), "B-GPE") == 0, "a map file: types, whole tags, others kept");
	tg_label_map_free(m);
	p = fx_write("bad.tsv", "PERSON PER\n", -1);
	ok(tg_label_map_load(p, &err) == NULL && strcmp(err.msg, fx_msg(p, 1,
	    "expected from<TAB>to (two non-empty tab-separated fields)")) == 0, "a malformed map names its line");
	ok(tg_label_map_load(NULL, &err) == NULL && tg_label_map_load("/nonexistent/map.tsv", &err) == NULL,
	    "no map, a missing map: errors");
	ok(tg_format_parse("conllu") == TG_FMT_CONLLU && tg_format_parse("copa") == TG_FMT_XCOPA &&
	    tg_format_parse("xnli-tsv") == TG_FMT_XNLI && tg_format_parse("nope") == -1 && tg_format_parse(NULL) == -1,
	    "format names");
	fx_cleanup();
	return done_testing();
}
