/* CSV (RFC 4180) records and the pair / choice / regression readers built on it, XNLI TSV and XCOPA JSONL, with the
 * exact file:line messages for malformed input. */
#include <string.h>
#include "../tap.h"
#include "fixture.h"
#include "data/data.h"

static int
fields_are(const tg_csv *c, int n, const char *const *want)
{
	int i;

	if (c->nfield != n)
		return 0;
	for (i = 0; i < n; i++)
		if (strcmp(c->field[i], want[i]) != 0)
			return 0;
	return 1;
}

static void
csv_error(const char *buf, int line, const char *what)
{
	tg_error err = { 0 };
	char *copy = strdup(buf);
	tg_csv c;
	int r;

	tg_csv_init(&c, "mem.csv", copy, strlen(copy), ',');
	while ((r = tg_csv_next(&c, &err)) > 0)
		;
	ok(r < 0 && strcmp(err.msg, fx_msg("mem.csv", line, what)) == 0, "CSV error: %s", err.msg);
	tg_csv_free(&c);
	free(copy);
}

typedef tg_dataset *(*reader2_fn)(const char *, tg_error *);
typedef tg_dataset *(*reader3_fn)(const char *, const tg_read_opts *, tg_error *);

static void
check_msg(tg_dataset *ds, const tg_error *err, const char *path, int line, const char *what)
{
	const char *want = fx_msg(path, line, what);

	ok(ds == NULL && strcmp(err->msg, want) == 0, "%s", err->msg);
	if (ds != NULL || strcmp(err->msg, want) != 0)
		diag("want: %s", want);
	tg_dataset_free(ds);
}

static void
err2(reader2_fn f, const char *name, const char *content, int line, const char *what)
{
	tg_error err = { 0 };
	const char *p = fx_write(name, content, -1);

	check_msg(f(p, &err), &err, p, line, what);
}

static void
err3(reader3_fn f, const char *name, const char *content, int line, const char *what)
{
	tg_error err = { 0 };
	const char *p = fx_write(name, content, -1);

	check_msg(f(p, NULL, &err), &err, p, line, what);
}

#define NLI_HEAD "Unnamed: 0,gold_label,sentence1,sentence2,s1_translation,s2_translation\n"
#define STS_HEAD "Unnamed: 0,sentence1,sentence2,score,s1_translation,s2_translation\n"
#define COPA_HEAD "id,asks-for,most-plausible-alternative,p,a1,a2,p_translation,a1_translation,a2_translation\n"

int
main(void)
{
	tg_error err = { 0 };
	char buf[512];
	tg_csv c;
	tg_dataset *ds;
	const char *p;
	static const char *const r1[] = { "a", "b", "c" }, *const r2[] = { "x, y", "say \"hi\"", "line1\nline2" },
	    *const r3[] = { "1", "", "3" }, *const r4[] = { "a", "b", "" }, *const r5[] = { "a", "b" };

	fx_init();

	/* CSV records */
	snprintf(buf, sizeof buf, "\xEF\xBB\xBF" "a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"line1\r\nline2\"\r\n\r\n1,,3\n");
	tg_csv_init(&c, "mem.csv", buf, strlen(buf), ',');
	ok(tg_csv_next(&c, &err) == 3 && fields_are(&c, 3, r1) && c.rec_line == 1, "BOM skipped, CRLF record");
	ok(tg_csv_next(&c, &err) == 3 && fields_are(&c, 3, r2) && c.rec_line == 2,
	    "quoted comma, doubled quotes, embedded CRLF (as LF)");
	ok(tg_csv_next(&c, &err) == 3 && fields_are(&c, 3, r3) && c.rec_line == 5,
	    "blank line skipped; empty field; line numbers count embedded newlines (record on line %lld)",
	    (long long)c.rec_line);
	ok(tg_csv_next(&c, &err) == 0, "end");
	tg_csv_free(&c);
	snprintf(buf, sizeof buf, "a,b,\na,b");
	tg_csv_init(&c, "mem.csv", buf, strlen(buf), ',');
	ok(tg_csv_next(&c, &err) == 3 && fields_are(&c, 3, r4), "trailing comma: a last empty field");
	ok(tg_csv_next(&c, &err) == 2 && fields_are(&c, 2, r5) && tg_csv_next(&c, &err) == 0, "no final newline");
	tg_csv_free(&c);
	snprintf(buf, sizeof buf, "\"\"");
	tg_csv_init(&c, "mem.csv", buf, strlen(buf), ',');
	ok(tg_csv_next(&c, &err) == 1 && c.field[0][0] == '\0', "\"\" is one empty field");
	tg_csv_free(&c);
	csv_error("a,b\nc,\"d\ne,f\n", 2, "unterminated quoted field (field 2)");
	csv_error("a,\"b\"c\n", 1, "unexpected 'c' after the closing quote of field 2");
	csv_error("a,b\"c\n", 1, "quote inside unquoted field 2");

	/* Kardes-NLU xnli CSV: BOM, CRLF, quotes, an embedded newline */
	p = fx_write("nli.csv", "\xEF\xBB\xBF" "Unnamed: 0,gold_label,sentence1,sentence2,s1_translation,s2_translation\r\n"
	    "9,entailment,\"And I was like OK, and that was it!\",\"After I said yes, it ended.\","
	    "Mən olar dedim və bitdi!,Mən hə deyəndən sonra bitdi.\r\n"
	    "10,contradictory,\"He said \"\"no\"\"\",I said no.,\"Line one\r\nline two\",Yox dedim.\r\n"
	    "12,neutral,a,b,c,d\r\n", -1);
	ds = tg_kardes_nli_read(p, NULL, &err);
	ok(ds && ds->n == 3 && ds->id[0] == 9 && ds->id[2] == 12, "3 rows; ids are the XNLI row index");
	if (ds == NULL)
		diag("%s", err.msg);
	ok(ds && ds->label[0] == 1 && ds->label[1] == 0 && ds->label[2] == 2,
	    "labels in XTREME order (contradiction 0, entailment 1, neutral 2); 'contradictory' maps");
	ok(ds && strcmp(ds->a_en[0], "And I was like OK, and that was it!") == 0 &&
	    strcmp(ds->a[0], "Mən olar dedim və bitdi!") == 0 && strcmp(ds->a_en[1], "He said \"no\"") == 0 &&
	    strcmp(ds->a[1], "Line one\nline two") == 0, "a = translation, a_en = English; quotes and newline kept");
	ok(ds && ds->line[0] == 2 && ds->line[1] == 3 && ds->line[2] == 5, "row lines 2 3 5");
	tg_dataset_free(ds);
	err3(tg_kardes_nli_read, "nli-empty.csv", "", 0, "empty file: expected a CSV header line");
	err3(tg_kardes_nli_read, "nli-cols.csv", "Unnamed: 0,label,sentence1\n", 1,
	    "missing column 'gold_label' in the header (found: Unnamed: 0, label, sentence1)");
	err3(tg_kardes_nli_read, "nli-nf.csv", NLI_HEAD "1,neutral,a,b,c,d\n2,neutral,a,b,c\n", 3,
	    "expected 6 comma-separated fields (as in the header), found 5");
	err3(tg_kardes_nli_read, "nli-lab.csv", NLI_HEAD "1,maybe,a,b,c,d\n", 2, "unknown gold_label 'maybe'");
	err3(tg_kardes_nli_read, "nli-idx.csv", NLI_HEAD "x,neutral,a,b,c,d\n", 2,
	    "row index 'x' (field 1) is not a non-negative integer");
	err3(tg_kardes_nli_read, "nli-quote.csv", NLI_HEAD "1,neutral,a,b,c,d\n2,neutral,\"a,b,c,d\n3,neutral,a,b,c,d\n",
	    3, "unterminated quoted field (field 3)");
	err3(tg_kardes_nli_read, "nli-tr.csv", NLI_HEAD "1,neutral,a,b,,d\n", 2, "empty s1_translation");

	/* XNLI TSV */
	p = fx_write("xnli.tsv", "P one.\tH one.\tneutral\n\nP \"two\".\tH two.\tcontradictory\n", -1);
	ds = tg_xnli_read(p, NULL, &err);
	ok(ds && ds->n == 2 && ds->label[1] == 0 && strcmp(ds->a[1], "P \"two\".") == 0 && ds->line[1] == 3,
	    "XNLI TSV: quotes are literal, blank lines skipped");
	tg_dataset_free(ds);
	err3(tg_xnli_read, "xnli-nf.tsv", "p\th\n", 1,
	    "expected 3 tab-separated fields (premise, hypothesis, label), found 2");
	err3(tg_xnli_read, "xnli-lab.tsv", "p\th\tneutral\np\th\tmaybe\n", 2, "unknown label 'maybe'");

	/* STS */
	p = fx_write("sts.csv", STS_HEAD "10,People play.,Men play.,3.2,İnsanlar oynayır.,Kişilər oynayır.\n"
	    "32,a,b,5,c,d\n", -1);
	ds = tg_kardes_sts_read(p, &err);
	ok(ds && ds->kind == TG_DS_REGRESSION && ds->n == 2 && ds->score[0] == 3.2 && ds->score[1] == 5.0 &&
	    ds->id[1] == 32 && strcmp(ds->b[0], "Kişilər oynayır.") == 0, "STS: scores and translations");
	tg_dataset_free(ds);
	err2(tg_kardes_sts_read, "sts-nan.csv", STS_HEAD "1,a,b,abc,c,d\n", 2, "score 'abc' is not a number");
	err2(tg_kardes_sts_read, "sts-range.csv", STS_HEAD "1,a,b,5.5,c,d\n", 2, "score 5.5 outside the STS range 0..5");

	/* Kardes-NLU xcopa CSV */
	p = fx_write("copa.csv", COPA_HEAD "401,effect,2,The man turned on the faucet.,The toilet filled with water.,"
	    "Water flowed from the spout.,Kişi kranı açdı.,Tualet su ilə doldu.,Krandan su axdı.\n"
	    "402,cause,1,p,a,b,pt,\"O, südü qaba tökdü.\",bt\n", -1);
	ds = tg_kardes_copa_read(p, &err);
	ok(ds && ds->kind == TG_DS_CHOICE && ds->n == 2 && ds->n_choices == 2 && ds->label[0] == 1 &&
	    ds->label[1] == 0 && ds->question[0] == TG_Q_EFFECT && ds->question[1] == TG_Q_CAUSE && ds->id[0] == 401,
	    "Kardes COPA: 1/2 become 0/1, cause/effect");
	ok(ds && strcmp(ds->a[0], "Kişi kranı açdı.") == 0 && strcmp(ds->choice[3], "bt") == 0 &&
	    strcmp(ds->choice[2], "O, südü qaba tökdü.") == 0 &&
	    strcmp(ds->choice_en[1], "Water flowed from the spout.") == 0,
	    "Kardes COPA: premise and choices in the target language, English kept");
	tg_dataset_free(ds);
	err2(tg_kardes_copa_read, "copa-mpa.csv", COPA_HEAD "1,cause,3,p,a,b,pt,at,bt\n", 2,
	    "most-plausible-alternative '3' is neither 1 nor 2");
	err2(tg_kardes_copa_read, "copa-q.csv", COPA_HEAD "1,why,1,p,a,b,pt,at,bt\n", 2,
	    "asks-for 'why' is neither 'cause' nor 'effect'");

	/* XCOPA JSONL */
	p = fx_write("x.jsonl", "{\"premise\": \"Adam musluğu açtı.\", \"choice1\": \"Tuvalet su ile dolu.\", "
	    "\"choice2\": \"Musluktan su aktı.\", \"question\": \"effect\", \"label\": 1, \"idx\": 0, \"changed\": false}\n"
	    "\n{\"premise\": \"p\", \"choice1\": \"a\", \"choice2\": \"b\", \"question\": \"cause\", "
	    "\"label\": 0, \"idx\": 7}\n",
	    -1);
	ds = tg_xcopa_read(p, &err);
	ok(ds && ds->n == 2 && ds->label[0] == 1 && ds->id[1] == 7 && ds->question[1] == TG_Q_CAUSE &&
	    strcmp(ds->choice[1], "Musluktan su aktı.") == 0 && ds->line[1] == 3, "XCOPA JSONL");
	tg_dataset_free(ds);
	p = fx_write("x-bad.jsonl", "{\"premise\": \"p\", \"choice1\": \"a\", \"choice2\": \"b\", \"question\": \"cause\", "
	    "\"label\": 0}\n{\"premise\": \"p\",\n", -1);
	ds = tg_xcopa_read(p, &err);
	snprintf(buf, sizeof buf, "%s:2: invalid JSON: ", p);
	ok(ds == NULL && strncmp(err.msg, buf, strlen(buf)) == 0, "%s", err.msg);
	err2(tg_xcopa_read, "x-lab.jsonl", "{\"premise\": \"p\", \"choice1\": \"a\", \"choice2\": \"b\", "
	    "\"question\": \"cause\", \"label\": 2}\n", 1, "label must be 0 (choice1) or 1 (choice2)");
	err2(tg_xcopa_read, "x-miss.jsonl", "{\"premise\": \"p\", \"choice1\": \"a\", \"question\": \"cause\", "
	    "\"label\": 0}\n", 1, "missing field \"choice2\"");
	err2(tg_xcopa_read, "x-q.jsonl", "{\"premise\": \"p\", \"choice1\": \"a\", \"choice2\": \"b\", "
	    "\"question\": \"why\", \"label\": 0}\n", 1, "question \"why\" is neither \"cause\" nor \"effect\"");
	err2(tg_xcopa_read, "x-arr.jsonl", "[1, 2]\n", 1, "expected a JSON object per line");

	fx_cleanup();
	return done_testing();
}
