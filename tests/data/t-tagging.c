/* Tagging readers: CoNLL-U (multiword tokens both ways, empty nodes, CRLF, BOM) and NER (PAN-X, KazNERD), with the
 * exact file:line messages for malformed input. */
#include <string.h>
#include "../tap.h"
#include "fixture.h"
#include "data/data.h"

static const char *conllu =
	"# sent_id = 1\n"
	"# text = Milas'lı geldi.\n"
	"1-2\tMilas'lı\t_\t_\t_\t_\t_\t_\t_\tSpaceAfter=No\n"
	"1\tMilas\tMilas\tPROPN\t_\t_\t3\tnsubj\t_\t_\n"
	"2\t'lı\tli\tADP\t_\t_\t1\tcase\t_\t_\n"
	"3\tgeldi\tgel\tVERB\t_\t_\t0\troot\t_\tSpaceAfter=No\n"
	"3.1\tgitti\tgit\tVERB\t_\t_\t_\t_\t3:conj\t_\n"
	"4\t.\t.\tPUNCT\t_\t_\t3\tpunct\t_\t_\n"
	"\n"
	"# sent_id = 2 (a tie in depth: the POS precedence picks NOUN over ADP)\n"
	"1\tGeldi\tgel\tVERB\t_\t_\t0\troot\t_\t_\n"
	"2-3\tevile\t_\t_\t_\t_\t_\t_\t_\t_\n"
	"2\tile\tile\tADP\t_\t_\t1\tobl\t_\t_\n"
	"3\tev\tev\tNOUN\t_\t_\t1\tobl\t_\t_\n"
	"\n"
	"# sent_id = 3 (the second word of the span is the head)\n"
	"1\tÇok\tçok\tADV\t_\t_\t3\tadvmod\t_\t_\n"
	"2-3\tgüzelev\t_\t_\t_\t_\t_\t_\t_\t_\n"
	"2\tgüzel\tgüzel\tADJ\t_\t_\t3\tamod\t_\t_\n"
	"3\tev\tev\tNOUN\t_\t_\t0\troot\t_\t_\n"
	"\n";

/* "w/TAG w/TAG ..." of sentence i */
static const char *
sent_str(const tg_dataset *ds, int64_t i)
{
	static char buf[1024];
	char **w;
	int32_t *t;
	int64_t n = tg_dataset_sentence(ds, i, &w, &t), j;
	size_t used = 0;

	buf[0] = '\0';
	for (j = 0; j < n && used < sizeof buf; j++)
		used += snprintf(buf + used, sizeof buf - used, "%s%s/%s", j ? " " : "", w[j],
		    tg_labels_name(ds->labels, t[j]));
	return buf;
}

static char *
to_crlf(const char *s)
{
	char *r = malloc(2 * strlen(s) + 1), *w = r;

	for (; *s; s++) {
		if (*s == '\n')
			*w++ = '\r';
		*w++ = *s;
	}
	*w = '\0';
	return r;
}

/* Read content with reader f and expect failure with exactly "path:line: what". */
typedef tg_dataset *(*reader_fn)(const char *, const tg_read_opts *, tg_error *);

static void
expect_error(reader_fn f, const char *name, const char *content, const tg_read_opts *o, int line, const char *what,
    const char *hint_part)
{
	tg_error err = { 0 };
	const char *path = fx_write(name, content, -1);
	tg_dataset *ds = f(path, o, &err);
	const char *want = fx_msg(path, line, what);

	ok(ds == NULL && strcmp(err.msg, want) == 0 && (hint_part == NULL || strstr(err.hint, hint_part) != NULL),
	    "%s: %s", name, err.msg);
	if (ds != NULL || strcmp(err.msg, want) != 0)
		diag("want: %s", want);
	if (hint_part != NULL && strstr(err.hint, hint_part) == NULL)
		diag("hint '%s' lacks '%s'", err.hint, hint_part);
	tg_dataset_free(ds);
}

int
main(void)
{
	tg_error err = { 0 };
	tg_read_opts fused = { 0 }, pre = { 0 }, grow = { 0 };
	tg_dataset *ds, *d2;
	const char *p;
	char *crlf, *bom;
	tg_labels *panx;

	fx_init();
	fused.mwt = TG_MWT_FUSED;

	/* empty and missing files first */
	ds = tg_conllu_read(fx_write("empty.conllu", "", 0), NULL, &err);
	ok(ds != NULL && ds->n == 0 && ds->n_words == 0, "an empty CoNLL-U file has no sentences");
	tg_dataset_free(ds);
	ds = tg_conllu_read("/nonexistent/x.conllu", NULL, &err);
	ok(ds == NULL && strcmp(err.msg, "/nonexistent/x.conllu: cannot open: No such file or directory") == 0 &&
	    err.code == TG_E_IO, "missing file: %s", err.msg);
	ds = tg_panx_read(fx_write("empty.tsv", "\n\n", -1), NULL, &err);
	ok(ds != NULL && ds->n == 0, "a PAN-X file of blank lines has no sentences");
	tg_dataset_free(ds);

	/* CoNLL-U, UD words */
	p = fx_write("good.conllu", conllu, -1);
	ds = tg_conllu_read(p, NULL, &err);
	ok(ds != NULL && ds->n == 3 && ds->n_words == 10 && ds->n_mwt == 3, "3 sentences, 10 UD words, 3 multiword tokens");
	if (ds == NULL)
		diag("%s", err.msg);
	ok(ds && strcmp(sent_str(ds, 0), "Milas/PROPN 'lı/ADP geldi/VERB ./PUNCT") == 0,
	    "words mode: subwords with their UPOS; empty node 3.1 skipped: %s", ds ? sent_str(ds, 0) : "");
	ok(ds && ds->line[0] == 1 && ds->line[1] == 10 && ds->line[2] == 16, "sentence start lines 1 10 16");
	ok(ds && ds->labels->n == 17 && ds->tags[0] == tg_labels_find(ds->labels, "PROPN") && ds->tags[0] == 11,
	    "UPOS ids follow the standard 17-tag order (PROPN = 11)");
	tg_dataset_free(ds);

	/* CoNLL-U, XTREME fused forms */
	ds = tg_conllu_read(p, &fused, &err);
	ok(ds != NULL && ds->n == 3 && ds->n_words == 7, "fused: 3 sentences, 7 words");
	ok(ds && strcmp(sent_str(ds, 0), "Milas'lı/PROPN geldi/VERB ./PUNCT") == 0,
	    "fused: Milas'lı takes the UPOS of the span's head Milas: %s", ds ? sent_str(ds, 0) : "");
	ok(ds && strcmp(sent_str(ds, 1), "Geldi/VERB evile/NOUN") == 0,
	    "fused: equal depth, NOUN outranks ADP: %s", ds ? sent_str(ds, 1) : "");
	ok(ds && strcmp(sent_str(ds, 2), "Çok/ADV güzelev/NOUN") == 0,
	    "fused: the head may be the last word of the span: %s", ds ? sent_str(ds, 2) : "");
	tg_dataset_free(ds);

	/* CRLF, BOM, no final blank line: same content */
	crlf = to_crlf(conllu);
	ds = tg_conllu_read(fx_write("crlf.conllu", crlf, -1), &fused, &err);
	ok(ds && ds->n == 3 && ds->n_words == 7 && strcmp(ds->words[0], "Milas'lı") == 0,
	    "CRLF line ends read the same (no \\r left in words)");
	tg_dataset_free(ds);
	free(crlf);
	if (asprintf(&bom, "\xEF\xBB\xBF%.*s", (int)strlen(conllu) - 2, conllu) < 0)
		return 99;
	ds = tg_conllu_read(fx_write("bom.conllu", bom, -1), NULL, &err);
	ok(ds && ds->n == 3 && ds->n_words == 10 && ds->line[0] == 1, "a BOM and a missing final blank line are fine");
	tg_dataset_free(ds);
	free(bom);

	/* CoNLL-U errors: exact messages */
	expect_error(tg_conllu_read, "f9.conllu", "# c\n1\tA\ta\tNOUN\t_\t_\t0\troot\t_\n", NULL, 2,
	    "expected 10 tab-separated fields, found 9", NULL);
	expect_error(tg_conllu_read, "spaces.conllu", "1 A a NOUN _ _ 0 root _ _\n", NULL, 1,
	    "expected 10 tab-separated fields, found 1", "tabs, not spaces");
	expect_error(tg_conllu_read, "upos.conllu", "1\tA\ta\tNOUNX\t_\t_\t0\troot\t_\t_\n", NULL, 1,
	    "unknown UPOS 'NOUNX' (field 4)", "17 Universal POS tags");
	expect_error(tg_conllu_read, "seq.conllu",
	    "1\tA\ta\tNOUN\t_\t_\t0\troot\t_\t_\n3\tB\tb\tNOUN\t_\t_\t1\tnmod\t_\t_\n", NULL, 2,
	    "word id 3 out of sequence (expected 2)", NULL);
	expect_error(tg_conllu_read, "noblank.conllu",
	    "1\tA\ta\tNOUN\t_\t_\t0\troot\t_\t_\n2\tB\tb\tNOUN\t_\t_\t1\tnmod\t_\t_\n1\tC\tc\tNOUN\t_\t_\t0\troot\t_\t_\n",
	    NULL, 3, "word id 1 out of sequence (expected 3)", "blank line missing");
	expect_error(tg_conllu_read, "midcomment.conllu",
	    "1\tA\ta\tNOUN\t_\t_\t0\troot\t_\t_\n# oops\n2\tB\tb\tNOUN\t_\t_\t1\tnmod\t_\t_\n", NULL, 2,
	    "comment line inside a sentence (after word 1)", NULL);
	expect_error(tg_conllu_read, "mwt.conllu", "1-2\tAB\t_\t_\t_\t_\t_\t_\t_\t_\n1\tA\ta\tNOUN\t_\t_\t0\troot\t_\t_\n\n",
	    NULL, 1, "multiword token 1-2 covers words missing from the sentence (it has 1)", NULL);
	expect_error(tg_conllu_read, "badid.conllu", "x\tA\ta\tNOUN\t_\t_\t0\troot\t_\t_\n", NULL, 1, "bad word id 'x'",
	    NULL);
	expect_error(tg_conllu_read, "onlycomment.conllu", "# sent_id = 1\n\n", NULL, 1,
	    "sentence has comment lines but no words", NULL);
	/* a malformed file stops only that dataset */
	ds = tg_conllu_read(p, NULL, &err);
	ok(ds != NULL && ds->n == 3, "a good file still reads after a bad one");
	tg_dataset_free(ds);

	/* PAN-X */
	p = fx_write("panx.tsv", "Paris\tB-LOC\nis\tO\nnice\tO\n\n\nJohn\tB-PER\nSmith\tI-PER", -1);
	ds = tg_panx_read(p, NULL, &err);
	ok(ds && ds->n == 2 && ds->n_words == 5 && ds->line[1] == 6, "PAN-X: 2 sentences, blank lines collapse");
	ok(ds && strcmp(sent_str(ds, 1), "John/B-PER Smith/I-PER") == 0 && ds->labels->n == 7 &&
	    ds->tags[0] == 5, "PAN-X: standard label ids (B-LOC = 5), last sentence without blank line");
	tg_dataset_free(ds);
	p = fx_write("panx-raw.tsv", "en:Paris\tB-LOC\nen:en:x\tO\n", -1);
	pre.lang_prefix = "en";
	ds = tg_panx_read(p, &pre, &err);
	d2 = tg_panx_read(p, NULL, &err);
	ok(ds && d2 && strcmp(ds->words[0], "Paris") == 0 && strcmp(ds->words[1], "en:x") == 0 &&
	    strcmp(d2->words[0], "en:Paris") == 0, "lang prefix stripped once only when asked");
	tg_dataset_free(ds);
	tg_dataset_free(d2);
	expect_error(tg_panx_read, "panx-space.tsv", "Paris B-LOC\n", NULL, 1, "expected token<TAB>tag, found no tab",
	    "KazNERD");
	expect_error(tg_panx_read, "panx-3.tsv", "a\tO\nb\tO\tx\n", NULL, 2, "expected 2 tab-separated fields, found 3",
	    NULL);
	expect_error(tg_panx_read, "panx-tag.tsv", "x\tB_LOC\n", NULL, 1, "tag 'B_LOC' is not IOB2 (O, B-TYPE or I-TYPE)",
	    NULL);
	expect_error(tg_panx_read, "panx-iob.tsv", "x\tO\ny\tI-PER\n", NULL, 2,
	    "I-PER continues no PER entity (previous tag: O)", "start with B-");
	expect_error(tg_panx_read, "panx-iob2.tsv", "x\tB-LOC\ny\tI-PER\n", NULL, 2,
	    "I-PER continues no PER entity (previous tag: B-LOC)", NULL);
	expect_error(tg_panx_read, "panx-misc.tsv", "x\tB-MISC\n", NULL, 1, "unknown tag 'B-MISC'", "B-PER");
	expect_error(tg_panx_read, "panx-empty.tsv", "\tO\n", NULL, 1, "empty token", NULL);
	panx = tg_labels_new_from(tg_panx_tags, 7, 1);
	grow.labels = panx;
	grow.grow_labels = 1;
	ds = tg_panx_read(fx_write("panx-misc2.tsv", "x\tB-MISC\ny\tB-PER\n", -1), &grow, &err);
	ok(ds && ds->labels->n == 8 && ds->tags[0] == 7 && ds->tags[1] == 1 && panx->n == 7,
	    "a given label set grows on request (B-MISC = 7), the caller's set is untouched");
	tg_dataset_free(ds);
	tg_labels_free(panx);

	/* KazNERD */
	p = fx_write("kaznerd.txt", "Әрі O\n« O\nҚара B-ART\nсөздерінің I-ART\n\nNew York B-GPE\n", -1);
	ds = tg_kaznerd_read(p, NULL, &err);
	ok(ds && ds->n == 2 && ds->labels->n == 4 && strcmp(ds->labels->name[3], "B-GPE") == 0 &&
	    strcmp(ds->words[4], "New York") == 0, "KazNERD: labels grow in order of appearance; tag after the last space");
	tg_dataset_free(ds);
	expect_error(tg_kaznerd_read, "kaz-tab.txt", "Астана\tB-GPE\n", NULL, 1, "expected 'token TAG', found no space",
	    "PAN-X");

	fx_cleanup();
	return done_testing();
}
