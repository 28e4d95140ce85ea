/* The strict parser behind every numeric option and TAMGA_THREADS (src/util/parse.c): whole string, finite, in
 * range, with messages naming the source, the value and the range; lists without empty items; did-you-mean. */
#include <string.h>
#include "util/util.h"
#include "../tap.h"

static int
int_ok(const char *s, int64_t lo, int64_t hi, int64_t want)
{
	int64_t v = -12345;
	tg_error err = { 0 };
	return tg_parse_int("option '--x'", s, lo, hi, &v, &err) == TG_OK && v == want;
}

static int
int_bad(const char *s, int64_t lo, int64_t hi, const char *msg)
{
	int64_t v = -12345;
	tg_error err = { 0 };
	int rc = tg_parse_int("option '--x'", s, lo, hi, &v, &err);
	if (rc == TG_OK || v != -12345 || strcmp(err.msg, msg) != 0)
		diag("'%s': got '%s'", s, err.msg);
	return rc != TG_OK && v == -12345 && strcmp(err.msg, msg) == 0;
}

static int
dbl_bad(const char *s, double lo, double hi, int flags, const char *msg)
{
	double v = -7;
	tg_error err = { 0 };
	int rc = tg_parse_double("option '--y'", s, lo, hi, flags, &v, &err);
	if (rc == TG_OK || strcmp(err.msg, msg) != 0)
		diag("'%s': got '%s'", s, err.msg);
	return rc != TG_OK && v == -7 && strcmp(err.msg, msg) == 0;
}

int
main(void)
{
	double d = 0;
	const char *items[4];
	char l1[] = "az, kk ,ky", l2[] = ",,,", l3[] = "az,,kk", l4[] = "a,b,c,d,e", l5[] = "";
	const char *cmds[] = { "train", "tokstats", "report", "runs", NULL };
	tg_error err = { 0 };

	ok(int_ok("4096", 1, 4096, 4096) && int_ok("+7", 0, 9, 7) && int_ok("-3", -5, 5, -3), "plain integers");
	ok(int_ok("1e4", 1, 100000, 10000) && int_ok("2.5e3", 1, 100000, 2500), "a whole number with an exponent");
	ok(int_bad("1.5", 1, 65536, "option '--x': '1.5' is not an integer (1..65536)"), "1.5 is not an integer");
	ok(int_bad("2abc", 1, 64, "option '--x': '2abc' is not an integer (1..64)"), "trailing garbage");
	ok(int_bad(" 5", 1, 9, "option '--x': ' 5' is not an integer (1..9)") &&
	    int_bad("5 ", 1, 9, "option '--x': '5 ' is not an integer (1..9)"), "spaces are not part of a number");
	ok(int_bad("0x10", 1, 99, "option '--x': '0x10' is not an integer (1..99)"), "no hex");
	ok(int_bad("", 1, 9, "option '--x': an empty value is not an integer (1..9)"), "empty");
	ok(int_bad("1e9", 0, 1000000, "option '--x': 1e9 is out of range (0..1000000)"), "1e9 out of range, not 1");
	ok(int_bad("100000", 1, 1024, "option '--x': 100000 is out of range (1..1024)"), "above the range");
	ok(int_bad("99999999999999999999", 0, INT64_MAX, "option '--x': 99999999999999999999 is out of range "
	    "(0..9223372036854775807)"), "overflow is out of range");
	ok(int_bad("1e100", 1, 1000, "option '--x': 1e100 is out of range (1..1000)"), "1e100 out of range");
	ok(tg_parse_double("x", "5e-4", 1e-9, 10, 0, &d, NULL) == TG_OK && d == 5e-4, "a double in decimal notation");
	ok(dbl_bad("nan", 0, 1, 0, "option '--y': 'nan' is not a finite number (0..1)") &&
	    dbl_bad("inf", 0, 1, 0, "option '--y': 'inf' is not a finite number (0..1)") &&
	    dbl_bad("0x1p-2", 0, 1, 0, "option '--y': '0x1p-2' is not a finite number (0..1)"), "nan, inf, hex refused");
	ok(dbl_bad("2", 0, 1, TG_PARSE_LO_OPEN | TG_PARSE_HI_OPEN, "option '--y': 2 is out of range (0 < x < 1)") &&
	    dbl_bad("1", 0, 1, TG_PARSE_LO_OPEN | TG_PARSE_HI_OPEN, "option '--y': 1 is out of range (0 < x < 1)") &&
	    dbl_bad("0", 0, 1, TG_PARSE_LO_OPEN | TG_PARSE_HI_OPEN, "option '--y': 0 is out of range (0 < x < 1)"),
	    "open bounds exclude their ends");
	ok(tg_parse_double("x", "0", 0, 1, TG_PARSE_HI_OPEN, &d, NULL) == TG_OK && d == 0, "a closed bound includes it");
	ok(tg_parse_list("l", l1, items, 4, NULL) == 3 && strcmp(items[0], "az") == 0 && strcmp(items[1], "kk") == 0 &&
	    strcmp(items[2], "ky") == 0, "a list, spaces around items dropped");
	ok(tg_parse_list("option '--targets'", l2, items, 4, &err) < 0 && strcmp(err.msg, "option '--targets': empty item "
	    "in ',,,' (give items separated by single commas, e.g. az,kk)") == 0, "',,,' refused: %s", err.msg);
	ok(tg_parse_list("l", l3, items, 4, &err) < 0 && strstr(err.msg, "empty item in 'az,,kk'"), "'az,,kk' refused");
	ok(tg_parse_list("l", l4, items, 4, &err) < 0 && strstr(err.msg, "more than 4 items in 'a,b,c,d,e'"),
	    "too many items refused, not cut");
	ok(tg_parse_list("l", l5, items, 4, &err) < 0 && strstr(err.msg, "the list is empty"), "an empty list refused");
	ok(tg_edit_distance("trian", "train") == 1 && tg_edit_distance("--bach", "--batch") == 1 &&
	    tg_edit_distance("abc", "abc") == 0, "edit distance counts a transposition as one edit");
	ok(tg_suggest("trian", cmds, -1) != NULL && strcmp(tg_suggest("trian", cmds, -1), "train") == 0 &&
	    tg_suggest("rnus", cmds, 4) != NULL && strcmp(tg_suggest("rnus", cmds, 4), "runs") == 0,
	    "suggestions: trian -> train, rnus -> runs");
	ok(tg_suggest("x", cmds, -1) == NULL && tg_suggest("frobnicate", cmds, -1) == NULL, "nothing close: no guess");
	return done_testing();
}
