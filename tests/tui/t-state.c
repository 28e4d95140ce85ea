/* The workbench's configuration without a terminal: layer toggles and ranges, methods and sizes, budget matching,
 * spec strings, task fields, seeds, jobs, duplicating a run, the line editor. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../tap.h"
#include "tui/tui-int.h"

/* BERT-base sizes: the reference budgets of RESEARCH.md. */
static void
base_config(tg_tui_config *c)
{
	tg_encoder_config e;

	tg_tui_config_init(c);
	tg_encoder_config_sized(&e, TG_ARCH_BERT, (tg_encoder_sizes){ 1000, 768, 12, 12, 3072 });
	tg_tui_config_set_encoder(c, &e);
}

static void
test_empty(void)
{
	tg_tui_config c;
	char buf[256];
	tg_error err = { 0 };

	tg_tui_config_init(&c);
	ok(c.n_layers == 0 && !c.count_ok, "a fresh configuration has no model and no count");
	tg_tui_config_recount(&c);
	ok(strstr(c.count_err, "no model") != NULL, "counting without a model says so: %s", c.count_err);
	ok(tg_tui_config_set_layers(&c, "0-3", &err) == TG_ERR && strstr(err.msg, "no model"),
	    "a layer selection without a model is refused");
	tg_tui_config_toggle(&c, 0);
	tg_tui_config_toggle(&c, -1);
	ok(tg_tui_config_n_on(&c) == 0, "toggling outside the model does nothing");
	ok(strcmp(tg_tui_config_method_desc(&c, buf, sizeof buf), "LoRA r=8 alpha=16 on q+v") == 0,
	    "the default method is LoRA r=8 on q+v (%s)", buf);
}

static void
test_layers(void)
{
	tg_tui_config c;
	char buf[512];
	tg_error err = { 0 };

	base_config(&c);
	ok(c.n_layers == 12 && tg_tui_config_n_on(&c) == 12, "all 12 layers start selected");
	ok(c.count_ok && c.count.total == 294912, "LoRA r=8 q,v on all layers of d=768: 294,912 (got %lld)",
	    (long long)c.count.total);
	ok(c.count.layer[0] == 24576 && c.count.layer[11] == 24576, "24,576 per layer");
	ok(strcmp(tg_tui_config_layer_desc(&c, 3, buf, sizeof buf), "LoRA q,v r=8") == 0, "layer row says LoRA q,v r=8");
	ok(tg_tui_config_set_layers(&c, "first:4", &err) == TG_OK && tg_tui_config_n_on(&c) == 4, "first:4 selects 4");
	ok(c.count.total == 98304, "early-layer LoRA (0-3): 98,304 trainable (got %lld)", (long long)c.count.total);
	ok(strcmp(tg_tui_config_layer_desc(&c, 5, buf, sizeof buf), "frozen") == 0, "an unselected layer is frozen");
	tg_tui_config_spec_string(&c, buf, sizeof buf);
	ok(strncmp(buf, "lora:layers=0-3,targets=q+v,r=8", 31) == 0, "spec string: %s", buf);
	tg_tui_config_toggle(&c, 0);
	ok(!c.on[0] && c.count.total == 3 * 24576, "toggling layer 0 off leaves 3 layers");
	tg_tui_config_toggle_range(&c, 0, 3);
	ok(tg_tui_config_n_on(&c) == 4, "toggling a partly selected range selects all of it");
	tg_tui_config_toggle_range(&c, 3, 0);
	ok(tg_tui_config_n_on(&c) == 0, "toggling a fully selected range (given backwards) clears it");
	ok(!c.count_ok && strstr(c.count_err, "no layers"), "no layers: the count says so (%s)", c.count_err);
	tg_tui_config_spec_string(&c, buf, sizeof buf);
	ok(strstr(buf, "(none)") != NULL, "the spec of an empty selection says none: %s", buf);
	tg_tui_config_toggle_range(&c, 10, 99);
	ok(c.on[10] && c.on[11] && tg_tui_config_n_on(&c) == 2, "a range past the last layer is clipped");
	tg_tui_config_invert(&c);
	ok(tg_tui_config_n_on(&c) == 10 && !c.on[11], "invert");
	tg_tui_config_set_all(&c, true);
	ok(tg_tui_config_n_on(&c) == 12, "all");
	ok(tg_tui_config_set_layers(&c, "0-40", &err) == TG_ERR && strstr(err.msg, "12"),
	    "a layer past the model is refused naming the layer count: %s", err.msg);
	ok(tg_tui_config_set_layers(&c, "even", &err) == TG_OK && c.on[0] && !c.on[1] && c.on[10],
	    "the layer syntax of the CLI works (even)");
}

static void
test_methods(void)
{
	tg_tui_config c;
	tg_error err = { 0 };
	char buf[512];
	int i;

	base_config(&c);
	tg_tui_config_next_method(&c, 1);
	ok(c.method == TG_PEFT_PFEIFFER, "m: LoRA -> Pfeiffer");
	ok(c.count.total == 894528, "Pfeiffer reduction 16 on 12 layers: 894,528 (got %lld)", (long long)c.count.total);
	ok(strcmp(tg_tui_config_layer_desc(&c, 0, buf, sizeof buf), "Pfeiffer m=48 after FFN") == 0, "row: %s", buf);
	ok(tg_tui_config_size(&c, 1, &err) == TG_OK && c.spec[TG_PEFT_PFEIFFER].reduction == 8, "+: reduction 16 -> 8");
	ok(strstr(tg_tui_config_layer_desc(&c, 0, buf, sizeof buf), "m=96") != NULL, "bottleneck 96: %s", buf);
	ok(tg_tui_config_next_targets(&c, 1, &err) == TG_ERR, "targets apply to LoRA only");
	tg_tui_config_next_method(&c, 1);
	ok(c.method == TG_PEFT_HOULSBY && strstr(tg_tui_config_layer_desc(&c, 0, buf, sizeof buf), "attn+FFN"),
	    "Houlsby puts two adapters per layer: %s", buf);
	for (i = 0; i < 5; i++)
		tg_tui_config_next_method(&c, 1);
	ok(c.method == TG_PEFT_HEAD, "the cycle ends with head");
	ok(tg_tui_config_size(&c, 1, &err) == TG_ERR && strstr(err.msg, "no size"), "head has no size");
	tg_tui_config_next_method(&c, 1);
	ok(c.method == TG_PEFT_LORA, "and wraps to LoRA");
	tg_tui_config_next_method(&c, -1);
	ok(c.method == TG_PEFT_HEAD, "backwards too");
	tg_tui_config_set_method(&c, TG_PEFT_LORA);
	ok(tg_tui_config_size(&c, 1, &err) == TG_OK && c.spec[TG_PEFT_LORA].r == 16 && c.count.total == 2 * 294912,
	    "+: rank 8 -> 16 doubles the count");
	ok(tg_tui_config_size(&c, -1, &err) == TG_OK && tg_tui_config_size(&c, -1, &err) == TG_OK &&
	    c.spec[TG_PEFT_LORA].r == 4, "-: rank down to 4");
	c.spec[TG_PEFT_LORA].r = 1;
	ok(tg_tui_config_size(&c, -1, &err) == TG_ERR && c.spec[TG_PEFT_LORA].r == 1, "rank stops at 1");
	c.spec[TG_PEFT_LORA].r = 8;
	tg_tui_config_next_targets(&c, 1, &err);
	tg_tui_config_recount(&c);
	ok(c.spec[TG_PEFT_LORA].targets == (1u << TG_SITE_Q | 1u << TG_SITE_K | 1u << TG_SITE_V) &&
	    c.count.total == 3 * 12 * 8 * 1536, "t: q+v -> q+k+v");
	ok(strcmp(tg_tui_config_layer_desc(&c, 0, buf, sizeof buf), "LoRA q,k,v r=8") == 0, "row: %s", buf);
	tg_tui_config_next_targets(&c, -1, &err);
	ok(c.spec[TG_PEFT_LORA].targets == (1u << TG_SITE_Q | 1u << TG_SITE_V), "T: back to q+v");
	ok(tg_tui_config_set_spec(&c, "pfeiffer:layers=0,2,reduction=8", &err) == TG_OK && c.method == TG_PEFT_PFEIFFER &&
	    c.on[0] && !c.on[1] && c.on[2] && tg_tui_config_n_on(&c) == 2, "a typed spec sets method, options and layers");
	ok(c.partner == TG_PEFT_LORA, "the method left becomes the partner of match budget");
	ok(tg_tui_config_set_spec(&c, "lora:layers=all,leave_out=11", &err) == TG_OK && tg_tui_config_n_on(&c) == 11 &&
	    !c.on[11], "leave_out is applied to the selection");
	ok(tg_tui_config_set_spec(&c, "lora:r=oops", &err) == TG_ERR && c.method == TG_PEFT_LORA,
	    "a bad spec is refused and changes nothing: %s", err.msg);
}

static void
test_match(void)
{
	tg_tui_config c;
	tg_error err = { 0 };
	char msg[512];
	int64_t lora;

	base_config(&c);
	tg_tui_config_set_layers(&c, "0-5", &err);
	c.spec[TG_PEFT_LORA].r = 16;       /* 294,912: a budget both sides reach within 5% */
	tg_tui_config_recount(&c);
	lora = c.count.total;
	ok(tg_tui_config_match(&c, msg, sizeof msg, &err) == TG_OK, "match budget: %s", msg);
	ok(c.method == TG_PEFT_PFEIFFER && fabs((double)c.count.total / (double)lora - 1) <= 0.05,
	    "Pfeiffer on all layers sized within 5%% of LoRA's %lld (got %lld)", (long long)lora, (long long)c.count.total);
	ok(tg_tui_config_n_on(&c) == 12, "the adapter goes on all layers (the README's pair; %d on)",
	    tg_tui_config_n_on(&c));
	ok(strstr(msg, "0-5") && strstr(msg, "all") && strstr(msg, "Pfeiffer"), "the message names layers and method");
	ok(tg_tui_config_pair_matched(&c), "the pair is matched");
	ok(tg_tui_config_match(&c, msg, sizeof msg, &err) == TG_OK && c.method == TG_PEFT_LORA &&
	    fabs((double)c.count.total / (double)lora - 1) <= 0.05, "matching again sizes LoRA back (%s)", msg);
	ok(tg_tui_config_n_on(&c) == 6 && c.on[0] && c.on[5] && !c.on[6], "LoRA on the early layers (the first half)");
	/* issue 18, bug 8: from Pfeiffer on all layers, b gave LoRA on all layers; after b then a, the count doubled
	 * while the status still said "budget matched" */
	tg_tui_config_set_method(&c, TG_PEFT_PFEIFFER);
	tg_tui_config_set_all(&c, true);
	ok(tg_tui_config_match(&c, msg, sizeof msg, &err) == TG_OK && c.method == TG_PEFT_LORA &&
	    tg_tui_config_n_on(&c) == 6 && !c.on[11], "Pfeiffer on all layers, b: LoRA on layers 0-5, not all (%d on)",
	    tg_tui_config_n_on(&c));
	ok(tg_tui_config_pair_matched(&c), "matched (%lld vs %lld)", (long long)c.count.total, (long long)c.pair_budget);
	tg_tui_config_set_all(&c, true);
	ok(!tg_tui_config_pair_matched(&c), "a (all layers) doubles the count: no longer matched (%lld vs %lld)",
	    (long long)c.count.total, (long long)c.pair_budget);
	tg_tui_config_set_method(&c, TG_PEFT_HOULSBY);
	tg_tui_config_set_method(&c, TG_PEFT_LORA);
	c.spec[TG_PEFT_LORA].r = 16;       /* a budget Houlsby's bottleneck steps can reach within 5% */
	tg_tui_config_recount(&c);
	ok(tg_tui_config_match(&c, msg, sizeof msg, &err) == TG_OK && c.method == TG_PEFT_HOULSBY,
	    "LoRA's partner is the last adapter method used (Houlsby): %s", c.method == TG_PEFT_HOULSBY ? msg : err.msg);
	tg_tui_config_set_all(&c, false);
	ok(tg_tui_config_match(&c, msg, sizeof msg, &err) == TG_ERR && strstr(err.msg, "no layers"),
	    "nothing selected: nothing to match (%s)", err.msg);
	tg_tui_config_set_all(&c, true);
	tg_tui_config_set_method(&c, TG_PEFT_BITFIT);
	ok(tg_tui_config_match(&c, msg, sizeof msg, &err) == TG_ERR || c.method == TG_PEFT_LORA,
	    "BitFit's budget is matched by LoRA, or the error says why (%s)", err.msg[0] ? err.msg : msg);
}

static void
test_task(void)
{
	tg_tui_config c;
	tg_error err = { 0 };
	tg_tui_job j;
	uint64_t s[64];
	char buf[512], **argv;
	int i, found = 0;

	base_config(&c);
	ok(tg_tui_config_seeds("1", s, 64, &err) == 1 && s[0] == 1, "seeds: 1");
	ok(tg_tui_config_seeds("1-3", s, 64, &err) == 3 && s[2] == 3, "seeds: 1-3");
	ok(tg_tui_config_seeds("7, 9,11", s, 64, &err) == 3 && s[1] == 9, "seeds: 7, 9,11");
	ok(tg_tui_config_seeds("", s, 64, &err) == TG_ERR, "seeds: empty is refused");
	ok(tg_tui_config_seeds("x", s, 64, &err) == TG_ERR && strstr(err.msg, "seeds"), "seeds: x is refused");
	ok(tg_tui_config_seeds("3-1", s, 64, &err) == TG_ERR, "seeds: a backwards range is refused");
	ok(tg_tui_config_seeds("1-100", s, 64, &err) == TG_ERR, "seeds: more than fit are refused");
	ok(tg_tui_config_set_task(&c, "pos", &err) == TG_ERR && strstr(err.msg, "udpos"), "an unknown task is refused");
	if (tap_data_root() == NULL) {
		diag("TAMGA_DATA not set: task languages skipped");
	} else {
		snprintf(c.data_root, sizeof c.data_root, "%s", tap_data_root());
		ok(tg_tui_config_set_task(&c, "udpos", &err) == TG_OK && c.n_langs >= 5, "udpos has %d target languages",
		    c.n_langs);
		for (i = 0; i < c.n_langs; i++)
			found += strcmp(c.langs[i], "en") == 0;
		ok(found == 0, "the source is not among the targets");
		ok(tg_tui_config_set_targets(&c, "az,kk", &err) == TG_OK && tg_tui_config_n_targets(&c) == 2 &&
		    strcmp(tg_tui_config_targets_string(&c, buf, sizeof buf), "az,kk") == 0, "targets az,kk");
		ok(tg_tui_config_set_targets(&c, "az,xx", &err) == TG_ERR && strstr(err.msg, "xx"),
		    "an unknown target is refused: %s", err.msg);
		tg_tui_config_toggle_target(&c, 0);
		tg_tui_config_set_targets_all(&c, false);
		ok(tg_tui_config_n_targets(&c) == 0, "none");
		tg_tui_config_set_targets(&c, "kk", &err);
		/* issue 18, bug 9: Setup accepted source az (no training data) and the launch failed out of sight */
		ok(tg_tui_config_set_source(&c, "az", &err) == TG_ERR && strstr(err.msg, "source 'az'") &&
		    strstr(err.hint, "tr") && strcmp(c.source, "en") == 0, "source az (no train split) is refused: %s (%s)",
		    err.msg, err.hint);
		ok(tg_tui_config_set_source(&c, "tr", &err) == TG_OK, "source tr");
		ok(tg_tui_config_n_targets(&c) == 1 && strcmp(tg_tui_config_targets_string(&c, buf, sizeof buf), "kk") == 0,
		    "changing the source keeps the chosen targets");
		c.max_train = 200;
		c.steps = 40;
		tg_tui_config_job(&c, 3, &j);
		ok(strcmp(j.task, "udpos") == 0 && strcmp(j.source, "tr") == 0 && strcmp(j.targets, "kk") == 0 &&
		    j.max_train == 200 && j.steps == 40 && j.seed == 3 && strncmp(j.peft, "lora:", 5) == 0,
		    "the job carries the configuration");
		argv = tg_tui_job_argv(&j, "tamga", "/tmp/ws");
		for (i = 0; argv[i]; i++)
			if (strcmp(argv[i], "--peft") == 0 && argv[i + 1] && strcmp(argv[i + 1], j.peft) == 0)
				found = 1;
		ok(strcmp(argv[1], "tui") == 0 && strcmp(argv[2], "--worker") == 0 && found, "worker argv: tamga tui "
		    "--worker ... --peft SPEC");
		tg_tui_argv_free(argv);
		ok(tg_tui_config_from_run(&c, "{\"peft\":\"pfeiffer:layers=0-1,reduction=8\",\"task\":\"udpos\","
		    "\"source\":\"en\",\"targets\":[\"az\",\"tt\"],\"max_train\":300,\"max_steps\":77,\"seed\":5,"
		    "\"argv\":[\"--eval-every\",\"7\"]}", &err) == TG_OK, "duplicate: a run's configuration loads");
		ok(c.method == TG_PEFT_PFEIFFER && tg_tui_config_n_on(&c) == 2 && c.max_train == 300 && c.steps == 77 &&
		    strcmp(c.seeds, "5") == 0 && c.eval_every == 7 && strcmp(c.source, "en") == 0 &&
		    strcmp(tg_tui_config_targets_string(&c, buf, sizeof buf), "az,tt") == 0, "with every field (%s)", buf);
	}
	ok(tg_tui_config_from_run(&c, "[1]", &err) == TG_ERR, "a configuration that is not an object is refused");
	ok(tg_tui_config_from_run(&c, NULL, &err) == TG_ERR, "and a missing one");
}

static void
test_edit(void)
{
	tg_tui_edit e;

	tg_tui_edit_init(&e);
	ok(tg_tui_edit_key(&e, 'a') && tg_tui_edit_key(&e, 0x0131) && tg_tui_edit_key(&e, 'b'),
	    "typing ASCII and a dotless i");
	ok(strcmp(e.buf, "a\xc4\xb1" "b") == 0 && tg_tui_edit_cursor_col(&e) == 3, "UTF-8 in the buffer, cursor at 3");
	tg_tui_edit_key(&e, TG_KEY_LEFT);
	tg_tui_edit_key(&e, TG_KEY_BACKSPACE);
	ok(strcmp(e.buf, "ab") == 0 && tg_tui_edit_cursor_col(&e) == 1, "backspace removes a whole character");
	tg_tui_edit_key(&e, TG_KEY_CTRL('e'));
	tg_tui_edit_key(&e, TG_KEY_CTRL('u'));
	ok(e.len == 0, "C-u clears to the start");
	ok(!tg_tui_edit_key(&e, TG_KEY_F(3)), "function keys are not text");
	tg_tui_edit_push_history(&e, "first");
	tg_tui_edit_push_history(&e, "second");
	tg_tui_edit_push_history(&e, "second");
	tg_tui_edit_set(&e, "draft");
	tg_tui_edit_key(&e, TG_KEY_UP);
	ok(strcmp(e.buf, "second") == 0, "Up recalls the last line (duplicates kept once)");
	tg_tui_edit_key(&e, TG_KEY_UP);
	tg_tui_edit_key(&e, TG_KEY_UP);
	ok(strcmp(e.buf, "first") == 0, "and stops at the oldest");
	tg_tui_edit_key(&e, TG_KEY_DOWN);
	tg_tui_edit_key(&e, TG_KEY_DOWN);
	ok(strcmp(e.buf, "draft") == 0, "Down returns to the line being edited");
	tg_tui_edit_set(&e, "tui.spec = x");
	tg_tui_edit_key(&e, TG_KEY_CTRL('w'));
	ok(strcmp(e.buf, "tui.spec = ") == 0, "C-w deletes a word");
	tg_tui_edit_free(&e);
}

int
main(void)
{
	test_empty();
	test_layers();
	test_methods();
	test_match();
	test_task();
	test_edit();
	return done_testing();
}
