/* The per-language report: 2 runs x 3 target languages in Markdown, CSV and JSON against expected text; selection
 * on source dev; TTC; missing chance levels and cells. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../tap.h"
#include "store/store.h"
#include "../testutil.h"

static double fix_chance = NAN;     /* the chance level stored with the next rows (NAN: none, as before schema 4) */

static void
ev(tg_store *s, int64_t run, int64_t step, tg_split sp, const char *lang, bool src, double score, double lo,
   double hi, int64_t n, tg_error *err)
{
	tg_eval_row e = tu_eval_row(step, sp, lang, "acc", src, score, NAN);

	e.ci_low = lo;
	e.ci_high = hi;
	e.n_items = n;
	e.chance = fix_chance;
	tg_store_eval_add(s, run, &e, err);
}

static char *
render(const tg_report *r, tg_report_format fmt)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	tg_error err = { 0 };

	if (tg_report_write(f, fmt, r, &err) != TG_OK)
		diag("write: %s", err.msg);
	fclose(f);
	return buf;
}

static int
same(const char *got, const char *want, const char *what)
{
	if (got != NULL && strcmp(got, want) == 0)
		return ok(1, "%s matches", what);
	ok(0, "%s matches", what);
	diag("got:\n%s", got ? got : "(null)");
	diag("want:\n%s", want);
	return 0;
}

static const char want_md[] =
    "Scores (test split; checkpoint selected on source dev; 95% CI in brackets)\n"
    "\n"
    "| run | name | method | layers | task | source | metric | step | source score | az | kk | ky |\n"
    "|---:|---|---|---|---|---|---|---:|---|---|---|---|\n"
    "| 1 | lora-early | lora | 0-3 | xnli | en | acc | 200 | 0.800 [0.780, 0.820] | 0.600 [0.570, 0.630] "
    "| 0.550 [0.520, 0.580] | 0.500 |\n"
    "| 2 | pfeiffer\\|r16 | adapter | 0-11 | xnli | en | acc | 100 | 0.780 [0.760, 0.800] | 0.650 [0.620,"
    " 0.680] | 0.600 [0.570, 0.630] | 0.550 [0.520, 0.580] |\n"
    "\n"
    "TTC = (A_t - c_t) / (A_s - c_s); 1 = no transfer gap; chance c = majority baseline on each evaluatio"
    "n set (tagging: the source's majority tag; classification: the set's majority class; F1, correlation"
    ", retrieval: 0). Each cell: TTC (A_t - c_t); undefined when the source is at or below its chance; * "
    "= target at or below its chance\n"
    "\n"
    "| run | name | c_s | az | kk | ky | mean |\n"
    "|---:|---|---:|---:|---:|---:|---:|\n"
    "| 1 | lora-early | 0.340 | 0.652 (+0.300) | 0.435 (+0.200) | 0.000 (+0.000) * | 0.362 |\n"
    "| 2 | pfeiffer\\|r16 | 0.333 | 0.709 (+0.317) | 0.597 (+0.267) | 0.485 (+0.217) | 0.597 |\n"
    "\n"
    "Chance levels c (majority baseline of each evaluation set)\n"
    "\n"
    "| run | name | source | az | kk | ky |\n"
    "|---:|---|---:|---:|---:|---:|\n"
    "| 1 | lora-early | 0.340 | 0.300 | 0.350 | 0.500 |\n"
    "| 2 | pfeiffer\\|r16 | 0.333 | 0.333 | 0.333 | 0.333 |\n"
    "\n"
    "run 2 was stored before per-set chance levels: it uses the one level stored with the run (older defi"
    "nition)\n";

static const char want_csv[] =
    "run_id,name,method,layers,task,source,metric,step,split,lang,is_source,score,ci_low,ci_high,n_items,"
    "chance,ttc,above_chance,below_chance\n"
    "1,lora-early,lora,0-3,xnli,en,acc,200,test,en,1,0.8,0.78,0.82,5010,0.34,,0.46,0\n"
    "1,lora-early,lora,0-3,xnli,en,acc,200,test,az,0,0.6,0.57,0.63,2490,0.3,0.652174,0.3,0\n"
    "1,lora-early,lora,0-3,xnli,en,acc,200,test,kk,0,0.55,0.52,0.58,2490,0.35,0.434783,0.2,0\n"
    "1,lora-early,lora,0-3,xnli,en,acc,200,test,ky,0,0.5,,,,0.5,0,0,1\n"
    "2,pfeiffer|r16,adapter,0-11,xnli,en,acc,100,test,en,1,0.78,0.76,0.8,5010,0.333333,,0.446667,0\n"
    "2,pfeiffer|r16,adapter,0-11,xnli,en,acc,100,test,az,0,0.65,0.62,0.68,2490,0.333333,0.708955,0.316667"
    ",0\n"
    "2,pfeiffer|r16,adapter,0-11,xnli,en,acc,100,test,kk,0,0.6,0.57,0.63,2490,0.333333,0.597015,0.266667,"
    "0\n"
    "2,pfeiffer|r16,adapter,0-11,xnli,en,acc,100,test,ky,0,0.55,0.52,0.58,2490,0.333333,0.485075,0.216667"
    ",0\n";

static const char want_json[] =
    "{\n"
    "  \"split\": \"test\",\n"
    "  \"selection\": \"source dev\",\n"
    "  \"chance\": \"chance c = majority baseline on each evaluation set (tagging: the source's majority "
    "tag; classification: the set's majority class; F1, correlation, retrieval: 0)\",\n"
    "  \"langs\": [\n"
    "    \"az\",\n"
    "    \"kk\",\n"
    "    \"ky\"\n"
    "  ],\n"
    "  \"runs\": [\n"
    "    {\n"
    "      \"id\": 1,\n"
    "      \"name\": \"lora-early\",\n"
    "      \"method\": \"lora\",\n"
    "      \"layers\": \"0-3\",\n"
    "      \"task\": \"xnli\",\n"
    "      \"source\": \"en\",\n"
    "      \"metric\": \"acc\",\n"
    "      \"step\": 200,\n"
    "      \"chance\": 0.34,\n"
    "      \"chance_legacy\": false,\n"
    "      \"source_score\": {\n"
    "        \"score\": 0.8,\n"
    "        \"ci_low\": 0.78,\n"
    "        \"ci_high\": 0.82,\n"
    "        \"n_items\": 5010,\n"
    "        \"chance\": 0.34,\n"
    "        \"above_chance\": 0.46,\n"
    "        \"below_chance\": false\n"
    "      },\n"
    "      \"targets\": {\n"
    "        \"az\": {\n"
    "          \"score\": 0.6,\n"
    "          \"ci_low\": 0.57,\n"
    "          \"ci_high\": 0.63,\n"
    "          \"n_items\": 2490,\n"
    "          \"chance\": 0.3,\n"
    "          \"above_chance\": 0.3,\n"
    "          \"below_chance\": false,\n"
    "          \"ttc\": 0.652174\n"
    "        },\n"
    "        \"kk\": {\n"
    "          \"score\": 0.55,\n"
    "          \"ci_low\": 0.52,\n"
    "          \"ci_high\": 0.58,\n"
    "          \"n_items\": 2490,\n"
    "          \"chance\": 0.35,\n"
    "          \"above_chance\": 0.2,\n"
    "          \"below_chance\": false,\n"
    "          \"ttc\": 0.434783\n"
    "        },\n"
    "        \"ky\": {\n"
    "          \"score\": 0.5,\n"
    "          \"ci_low\": null,\n"
    "          \"ci_high\": null,\n"
    "          \"n_items\": null,\n"
    "          \"chance\": 0.5,\n"
    "          \"above_chance\": 0.0,\n"
    "          \"below_chance\": true,\n"
    "          \"ttc\": 0.0\n"
    "        }\n"
    "      },\n"
    "      \"mean_ttc\": 0.362319\n"
    "    },\n"
    "    {\n"
    "      \"id\": 2,\n"
    "      \"name\": \"pfeiffer|r16\",\n"
    "      \"method\": \"adapter\",\n"
    "      \"layers\": \"0-11\",\n"
    "      \"task\": \"xnli\",\n"
    "      \"source\": \"en\",\n"
    "      \"metric\": \"acc\",\n"
    "      \"step\": 100,\n"
    "      \"chance\": 0.333333,\n"
    "      \"chance_legacy\": true,\n"
    "      \"source_score\": {\n"
    "        \"score\": 0.78,\n"
    "        \"ci_low\": 0.76,\n"
    "        \"ci_high\": 0.8,\n"
    "        \"n_items\": 5010,\n"
    "        \"chance\": 0.333333,\n"
    "        \"above_chance\": 0.446667,\n"
    "        \"below_chance\": false\n"
    "      },\n"
    "      \"targets\": {\n"
    "        \"az\": {\n"
    "          \"score\": 0.65,\n"
    "          \"ci_low\": 0.62,\n"
    "          \"ci_high\": 0.68,\n"
    "          \"n_items\": 2490,\n"
    "          \"chance\": 0.333333,\n"
    "          \"above_chance\": 0.316667,\n"
    "          \"below_chance\": false,\n"
    "          \"ttc\": 0.708955\n"
    "        },\n"
    "        \"kk\": {\n"
    "          \"score\": 0.6,\n"
    "          \"ci_low\": 0.57,\n"
    "          \"ci_high\": 0.63,\n"
    "          \"n_items\": 2490,\n"
    "          \"chance\": 0.333333,\n"
    "          \"above_chance\": 0.266667,\n"
    "          \"below_chance\": false,\n"
    "          \"ttc\": 0.597015\n"
    "        },\n"
    "        \"ky\": {\n"
    "          \"score\": 0.55,\n"
    "          \"ci_low\": 0.52,\n"
    "          \"ci_high\": 0.58,\n"
    "          \"n_items\": 2490,\n"
    "          \"chance\": 0.333333,\n"
    "          \"above_chance\": 0.216667,\n"
    "          \"below_chance\": false,\n"
    "          \"ttc\": 0.485075\n"
    "        }\n"
    "      },\n"
    "      \"mean_ttc\": 0.597015\n"
    "    }\n"
    "  ]\n"
    "}\n";

int
main(void)
{
	tg_error err = { 0 };
	char root[256];
	tg_store *s, *ro;
	tg_run_info ri;
	int64_t r1, r2, r3, ids[2], best;
	tg_report *rep;
	tg_report_opts o = { 0 };
	static const tg_task_chance chance[] = { { "udpos", 0.0 }, { "xnli", 1.0 / 3.0 } };
	static const char *const two[] = { "ky", "tt" };
	char *out;

	tu_mkdtemp(root, sizeof root, "t-report");
	s = tg_store_open(root, TG_STORE_CREATE, &err);
	if (s == NULL) {
		printf("Bail out! %s\n", err.msg);
		return 1;
	}
	ok(tg_report_format_parse("md") == TG_REPORT_MARKDOWN && tg_report_format_parse("json") == TG_REPORT_JSON &&
	    tg_report_format_parse("csv") == TG_REPORT_CSV && tg_report_format_parse("xls") == -1 &&
	    tg_report_format_parse(NULL) == -1, "format names");
	ok(tg_report_build(NULL, NULL, 0, NULL, &err) == NULL && err.code == TG_E_ARG, "NULL store refused");
	rep = tg_report_build(s, NULL, 0, NULL, &err);
	ok(rep != NULL && rep->nruns == 0 && rep->nlangs == 0, "no runs: an empty report");
	out = render(rep, TG_REPORT_CSV);
	ok(out && strchr(out, '\n') == out + strlen(out) - 1, "empty CSV is the header only");
	free(out);
	ok(tg_report_write(stdout, (tg_report_format)7, rep, &err) == TG_ERR && err.hint[0], "unknown format refused");
	tg_report_free(rep);
	tg_report_free(NULL);
	tg_error_clear(&err);

	tg_run_info_init(&ri);
	ri.name = "lora-early";
	ri.method = "lora";
	ri.layers = "0-3";
	ri.task = "xnli";
	ri.source = "en";
	tg_store_run_new(s, &ri, &r1, &err);
	ri.name = "pfeiffer|r16";
	ri.method = "adapter";
	ri.layers = "0-11";
	tg_store_run_new(s, &ri, &r2, &err);

	/* run 1: source dev is best at 200; targets on test at 100 and 200; each row with its own chance level */
	fix_chance = 0.34;
	ev(s, r1, 100, TG_SPLIT_DEV, "en", true, 0.70, 0.68, 0.72, 2490, &err);
	ev(s, r1, 200, TG_SPLIT_DEV, "en", true, 0.80, 0.78, 0.82, 2490, &err);
	ev(s, r1, 200, TG_SPLIT_DEV, "az", false, 0.40, NAN, NAN, 0, &err);   /* target dev: never used to select */
	ev(s, r1, 100, TG_SPLIT_DEV, "az", false, 0.90, NAN, NAN, 0, &err);
	ev(s, r1, 100, TG_SPLIT_TEST, "en", true, 0.71, 0.69, 0.73, 5010, &err);
	ev(s, r1, 100, TG_SPLIT_TEST, "az", false, 0.66, 0.63, 0.69, 2490, &err);
	ev(s, r1, 200, TG_SPLIT_TEST, "en", true, 0.80, 0.78, 0.82, 5010, &err);
	fix_chance = 0.35;
	ev(s, r1, 200, TG_SPLIT_TEST, "kk", false, 0.55, 0.52, 0.58, 2490, &err);
	fix_chance = 0.30;
	ev(s, r1, 200, TG_SPLIT_TEST, "az", false, 0.60, 0.57, 0.63, 2490, &err);
	fix_chance = 0.50;                               /* at its chance: flagged */
	ev(s, r1, 200, TG_SPLIT_TEST, "ky", false, 0.50, NAN, NAN, 0, &err);
	/* run 2: source dev best at 100 (not flagged: chosen on the fly); rows without chance (an older store) */
	fix_chance = NAN;
	ev(s, r2, 100, TG_SPLIT_DEV, "en", true, 0.78, 0.76, 0.80, 2490, &err);
	ev(s, r2, 200, TG_SPLIT_DEV, "en", true, 0.75, 0.73, 0.77, 2490, &err);
	ev(s, r2, 100, TG_SPLIT_TEST, "en", true, 0.78, 0.76, 0.80, 5010, &err);
	ev(s, r2, 100, TG_SPLIT_TEST, "ky", false, 0.55, 0.52, 0.58, 2490, &err);
	ev(s, r2, 100, TG_SPLIT_TEST, "kk", false, 0.60, 0.57, 0.63, 2490, &err);
	ev(s, r2, 100, TG_SPLIT_TEST, "az", false, 0.65, 0.62, 0.68, 2490, &err);
	ev(s, r2, 200, TG_SPLIT_TEST, "az", false, 0.70, 0.67, 0.73, 2490, &err);
	ok(err.code == 0, "eval rows written%s%s", err.code ? ": " : "", err.msg);
	ok(tg_store_eval_select_best(s, r1, "acc", &best, &err) == TG_OK && best == 200, "run 1 flagged at step 200");
	tg_store_close(s);

	/* a viewer builds the report */
	ro = tg_store_open(root, TG_STORE_READONLY, &err);
	ids[0] = r1;
	ids[1] = r2;
	o.split = TG_SPLIT_TEST;
	rep = tg_report_build(ro, ids, 2, &o, &err);
	ok(rep != NULL && !rep->runs[0].chance_legacy && isfinite(rep->runs[0].cells[0].ttc) &&
	    rep->runs[1].chance_legacy && isnan(rep->runs[1].cells[0].ttc) && isnan(rep->runs[1].cells[0].chance),
	    "rows carry their own chance; an older run without any chance level: TTC undefined, not an error");
	tg_report_free(rep);
	o.chance = chance;
	o.nchance = 2;
	rep = tg_report_build(ro, ids, 2, &o, &err);
	ok(rep != NULL, "report built on a read-only store%s%s", rep ? "" : ": ", rep ? "" : err.msg);
	if (rep != NULL) {
		ok(rep->nruns == 2 && rep->nlangs == 3 && strcmp(rep->langs[0], "az") == 0 && strcmp(rep->langs[2], "ky") ==
		    0, "3 target languages, sorted");
		ok(rep->runs[0].step == 200 && rep->runs[1].step == 100, "steps: flagged 200, chosen-on-the-fly 100");
		is_num(rep->runs[0].cells[0].ttc, (0.6 - 0.30) / (0.8 - 0.34), 1e-12,
		    "TTC(en->az), run 1: (A_t - c_t) / (A_s - c_s) with each set's stored chance");
		is_num(rep->runs[0].cells[1].ttc, (0.55 - 0.35) / (0.8 - 0.34), 1e-12, "TTC(en->kk), run 1");
		is_num(rep->runs[0].cells[0].chance, 0.30, 0, "per-cell chance");
		is_num(rep->runs[1].cells[0].ttc, (0.65 - 1.0 / 3) / (0.78 - 1.0 / 3), 1e-12,
		    "run 2 (no stored chance): the legacy level for every cell");
		is_num(rep->runs[1].mean_ttc, ((0.65 + 0.6 + 0.55) / 3 - 1.0 / 3) / (0.78 - 1.0 / 3), 1e-12,
		    "mean TTC, run 2");
		out = render(rep, TG_REPORT_MARKDOWN);
		same(out, want_md, "Markdown");
		free(out);
		out = render(rep, TG_REPORT_CSV);
		same(out, want_csv, "CSV");
		free(out);
		out = render(rep, TG_REPORT_JSON);
		same(out, want_json, "JSON");
		free(out);
		tg_report_free(rep);
	}

	/* chosen columns, a missing cell, a missing source score, a run with no evaluations */
	o.langs = two;
	o.nlangs = 2;
	rep = tg_report_build(ro, ids, 2, &o, &err);
	ok(rep && rep->nlangs == 2 && isnan(rep->runs[0].cells[1].score) && isnan(rep->runs[0].cells[1].ttc) &&
	    !isnan(rep->runs[0].cells[0].ttc), "columns as asked; tt missing is NAN");
	out = rep ? render(rep, TG_REPORT_MARKDOWN) : NULL;
	ok(out && strstr(out, "| 1 | lora-early | 0.340 | 0.000 (+0.000) * | - | 0.000 |"), "missing cells print as '-', "
	    "a target at its chance is flagged");
	free(out);
	tg_report_free(rep);
	o.langs = NULL;
	o.nlangs = 0;
	tg_store_close(ro);

	s = tg_store_open(root, 0, &err);
	ri.name = "empty";
	ri.task = "udpos";
	tg_store_run_new(s, &ri, &r3, &err);
	ids[0] = r3;
	o.split = TG_SPLIT_DEV;
	rep = tg_report_build(s, ids, 1, &o, &err);
	ok(rep && rep->runs[0].step == -1 && isnan(rep->runs[0].mean_ttc), "a run without evaluations: no step, "
	    "no TTC");
	out = rep ? render(rep, TG_REPORT_JSON) : NULL;
	ok(out && strstr(out, "\"step\": null") && strstr(out, "\"mean_ttc\": null"), "JSON says null");
	free(out);
	tg_report_free(rep);
	ids[0] = 999;
	ok(tg_report_build(s, ids, 1, &o, &err) == NULL && strstr(err.msg, "run 999"), "a missing run: %s", err.msg);
	tg_store_close(s);

	if (tap_failed == 0)
		tu_rm_rf(root);
	return done_testing();
}
