/* Text readers: lines, Tatoeba and bitext line pairs, eBible verse merging, gettext TSV; UTF-8 checking. */
#include <string.h>
#include "../tap.h"
#include "fixture.h"
#include "data/data.h"

int
main(void)
{
	tg_error err = { 0 };
	tg_read_opts keep = { 0 };
	tg_dataset *ds;
	const char *p, *q, *want;
	char buf[512];

	fx_init();
	keep.keep_empty = 1;

	/* empty first */
	ds = tg_lines_read(fx_write("empty.txt", "", 0), NULL, &err);
	ok(ds && ds->n == 0 && ds->kind == TG_DS_LINES, "an empty text file has no lines");
	tg_dataset_free(ds);
	p = fx_write("e1", "", 0);
	ds = tg_tatoeba_read(p, p, &err);
	ok(ds && ds->n == 0, "two empty Tatoeba files: no pairs");
	tg_dataset_free(ds);

	/* lines */
	p = fx_write("lines.txt", "a\n\nb\r\nc", -1);
	ds = tg_lines_read(p, NULL, &err);
	ok(ds && ds->n == 3 && ds->n_skipped == 1 && strcmp(ds->a[1], "b") == 0 && ds->line[2] == 4,
	    "lines: empty skipped (counted), CRLF stripped, last line without newline");
	tg_dataset_free(ds);
	ds = tg_lines_read(p, &keep, &err);
	ok(ds && ds->n == 4 && ds->a[1][0] == '\0', "keep_empty keeps them");
	tg_dataset_free(ds);

	/* Tatoeba: every line kept, counts must match */
	p = fx_write("t.xx", "Salam.\nNecəsən?\n", -1);
	q = fx_write("t.eng", "Hello.\nHow are you?\n", -1);
	ds = tg_tatoeba_read(p, q, &err);
	ok(ds && ds->kind == TG_DS_BITEXT && ds->n == 2 && strcmp(ds->a[1], "Necəsən?") == 0 &&
	    strcmp(ds->b[1], "How are you?") == 0, "Tatoeba: a = xx, b = eng, line i with line i");
	tg_dataset_free(ds);
	q = fx_write("t3.eng", "Hello.\nHow are you?\nBye.\n", -1);
	ds = tg_tatoeba_read(p, q, &err);
	snprintf(buf, sizeof buf, "%s: has 3 lines but %s has 2", q, p);
	ok(ds == NULL && strcmp(err.msg, buf) == 0 && strstr(err.hint, "line-aligned"), "%s", err.msg);

	/* bitext: pairs with an empty side skipped */
	p = fx_write("b.a", "a1\n\na3\n", -1);
	q = fx_write("b.b", "b1\nb2\nb3\n", -1);
	ds = tg_bitext_read(p, q, NULL, &err);
	ok(ds && ds->n == 2 && ds->n_skipped == 1 && strcmp(ds->b[1], "b3") == 0 && ds->line[1] == 3,
	    "bitext: the pair with an empty side is skipped");
	tg_dataset_free(ds);
	ds = tg_bitext_read(p, q, &keep, &err);
	ok(ds && ds->n == 3, "bitext keep_empty: 3 pairs");
	tg_dataset_free(ds);

	/* eBible: <range> merges into the previous verse on the other side; empty = verse absent */
	p = fx_write("en-x.txt", "v1\nv2\nv3\nv4\n\nv6\n", -1);
	q = fx_write("tr-x.txt", "t1\nt2-3\n<range>\nt4\nt5\n\n", -1);
	ds = tg_ebible_read(p, q, &err);
	ok(ds && ds->n == 3 && ds->n_skipped == 3, "eBible: 3 pairs, 3 lines merged or skipped");
	ok(ds && strcmp(ds->a[1], "v2 v3") == 0 && strcmp(ds->b[1], "t2-3") == 0 && strcmp(ds->a[2], "v4") == 0,
	    "eBible: verse 3 joins verse 2 on the side without <range>: '%s' / '%s'", ds ? ds->a[1] : "",
	    ds ? ds->b[1] : "");
	tg_dataset_free(ds);
	p = fx_write("en-y.txt", "\nx\n", -1);
	q = fx_write("tr-y.txt", "y\n<range>\n", -1);
	ds = tg_ebible_read(p, q, &err);
	ok(ds && ds->n == 0 && ds->n_skipped == 2, "eBible: a <range> after an absent verse is dropped");
	tg_dataset_free(ds);

	/* gettext */
	p = fx_write("g.tsv", "Open\tAç\nSave as…\tFarklı kaydet…\n", -1);
	ds = tg_gettext_read(p, &err);
	ok(ds && ds->n == 2 && strcmp(ds->a[1], "Save as…") == 0 && strcmp(ds->b[0], "Aç") == 0,
	    "gettext: a = English, b = translation");
	tg_dataset_free(ds);
	p = fx_write("g-bad.tsv", "Open\tAç\nSave Kaydet\n", -1);
	ds = tg_gettext_read(p, &err);
	want = fx_msg(p, 2, "expected English<TAB>translation (2 tab-separated fields)");
	ok(ds == NULL && strcmp(err.msg, want) == 0, "%s", err.msg);

	/* UTF-8 */
	p = fx_write("utf8-ok.txt", "Қазақ тілі 😀 ئۇيغۇرچە\n", -1);
	ds = tg_lines_read(p, NULL, &err);
	ok(ds && ds->n == 1, "Cyrillic, Arabic script and a 4-byte emoji are valid UTF-8");
	tg_dataset_free(ds);
	p = fx_write("bad1.txt", "ok\nab\xff\n", -1);
	ds = tg_lines_read(p, NULL, &err);
	want = fx_msg(p, 2, "invalid UTF-8 (byte 0xFF at column 3)");
	ok(ds == NULL && strcmp(err.msg, want) == 0 && strstr(err.hint, "iconv"), "%s", err.msg);
	p = fx_write("bad2.txt", "\xC0\xAF\n", -1);
	ds = tg_lines_read(p, NULL, &err);
	ok(ds == NULL && strcmp(err.msg, fx_msg(p, 1, "invalid UTF-8 (byte 0xC0 at column 1)")) == 0,
	    "overlong encoding refused: %s", err.msg);
	p = fx_write("bad3.txt", "x\xED\xA0\x80y\n", -1);
	ds = tg_lines_read(p, NULL, &err);
	ok(ds == NULL && strcmp(err.msg, fx_msg(p, 1, "invalid UTF-8 (byte 0xED at column 2)")) == 0,
	    "UTF-16 surrogate refused: %s", err.msg);
	p = fx_write("bad4.txt", "abc\xD0", -1);
	ds = tg_lines_read(p, NULL, &err);
	ok(ds == NULL && strstr(err.msg, "byte 0xD0 at column 4"), "truncated sequence at the end: %s", err.msg);
	p = fx_write("nul.txt", "a\0b\n", 4);
	ds = tg_lines_read(p, NULL, &err);
	ok(ds == NULL && strcmp(err.msg, fx_msg(p, 1, "NUL byte at column 2")) == 0, "%s", err.msg);
	p = fx_write("bom.txt", "\xEF\xBB\xBFilk\n", -1);
	ds = tg_lines_read(p, NULL, &err);
	ok(ds && ds->n == 1 && strcmp(ds->a[0], "ilk") == 0, "a BOM is not part of the first line");
	tg_dataset_free(ds);

	fx_cleanup();
	return done_testing();
}
