/* Layer selections, PEFT spec strings, parameter counts against the reference numbers, the FLOP model against
 * torch_peft.py's, and parameter matching. Nothing here allocates a model. */
#include <string.h>
#include "../tap.h"
#include "peft/peft.h"

static tg_error err;

static const char *
sel(const char *expr, int n)
{
	static char buf[512];
	bool on[TG_PEFT_MAX_LAYERS];

	memset(&err, 0, sizeof err);
	if (tg_layers_parse(expr, n, on, &err) != TG_OK)
		return "ERR";
	return tg_layers_format(on, n, buf, sizeof buf);
}

static int
sel_err(const char *expr, int n, const char *want)
{
	bool on[TG_PEFT_MAX_LAYERS];

	memset(&err, 0, sizeof err);
	if (tg_layers_parse(expr, n, on, &err) == TG_OK)
		return ok(0, "layers \"%s\" on %d layers is refused", expr, n);
	if (!ok(strstr(err.msg, want) != NULL, "layers \"%s\": %s", expr, err.msg))
		diag("expected the message to contain: %s", want);
	return 1;
}

static void
test_layers(void)
{
	is_num(strcmp(sel("0-3", 12), "0-3"), 0, 0, "0-3");
	is_num(strcmp(sel("0,2,5", 12), "0,2,5"), 0, 0, "0,2,5");
	is_num(strcmp(sel("0+2+5", 12), "0,2,5"), 0, 0, "0+2+5 (plus as separator)");
	is_num(strcmp(sel("all", 12), "all"), 0, 0, "all");
	is_num(strcmp(sel("first:4", 12), "0-3"), 0, 0, "first:4");
	is_num(strcmp(sel("last:2", 12), "10-11"), 0, 0, "last:2");
	is_num(strcmp(sel("all-but-last", 12), "0-10"), 0, 0, "all-but-last");
	is_num(strcmp(sel("all-but-first", 12), "1-11"), 0, 0, "all-but-first");
	is_num(strcmp(sel("even", 12), "0,2,4,6,8,10"), 0, 0, "even");
	is_num(strcmp(sel("odd", 6), "1,3,5"), 0, 0, "odd");
	is_num(strcmp(sel("first:2,last:2", 12), "0-1,10-11"), 0, 0, "first:2,last:2");
	is_num(strcmp(sel("all-except:11", 12), "0-10"), 0, 0, "all-except:11");
	is_num(strcmp(sel("all-except:0-3", 12), "4-11"), 0, 0, "all-except:0-3");
	is_num(strcmp(sel("!0", 4), "1-3"), 0, 0, "!0 alone means all but 0");
	is_num(strcmp(sel("0-5,!2,!even", 12), "1,3,5"), 0, 0, "0-5,!2,!even");
	is_num(strcmp(sel(" 1 , 3 ", 12), "1,3"), 0, 0, "spaces around terms");
	is_num(strcmp(sel("0", 1), "all"), 0, 0, "one-layer model");
	sel_err("0-13", 12, "layers \"0-13\": layer 13 does not exist (the model has 12 layers, 0-11)");
	sel_err("12", 12, "layer 12 does not exist (the model has 12 layers, 0-11)");
	sel_err("1", 1, "layer 1 does not exist (the model has 1 layer, 0)");
	sel_err("first:13", 12, "asks for 13 layers (the model has 12 layers, 0-11)");
	sel_err("last:0", 12, "positive count");
	sel_err("3-1", 12, "range 3-1 is reversed");
	sel_err("x", 12, "cannot read 'x'");
	sel_err("0-", 12, "cannot read '0-'");
	sel_err("", 12, "empty layer selection");
	sel_err("0,,1", 12, "empty term");
	sel_err("all-except:0-11", 12, "selects no layer (the model has 12 layers, 0-11)");
	sel_err("all-but-last", 1, "selects no layer");
	sel_err("-1", 12, "cannot read");
	ok(tg_layers_check("0-3,last:2", &err) == TG_OK, "syntax check without a model");
	ok(tg_layers_check("0-q", &err) != TG_OK && strstr(err.hint, "first:K") != NULL,
	    "syntax errors give the terms in a hint (%s)", err.hint);
}

static int
parse_ok(const char *str, tg_peft_spec *s)
{
	memset(&err, 0, sizeof err);
	if (tg_peft_spec_parse(s, str, &err) != TG_OK) {
		diag("%s: %s", str, err.msg);
		return 0;
	}
	return 1;
}

static void
parse_err(const char *str, const char *want)
{
	tg_peft_spec s;

	memset(&err, 0, sizeof err);
	if (tg_peft_spec_parse(&s, str, &err) == TG_OK) {
		ok(0, "spec \"%s\" is refused", str);
		return;
	}
	if (!ok(strstr(err.msg, want) != NULL, "\"%s\": %s", str, err.msg))
		diag("expected the message to contain: %s", want);
}

static void
roundtrip(const char *str, const char *canonical)
{
	tg_peft_spec s, t;
	char buf[1024], buf2[1024];

	if (!parse_ok(str, &s)) {
		ok(0, "parse %s", str);
		return;
	}
	tg_peft_spec_format(&s, buf, sizeof buf);
	if (!ok(strcmp(buf, canonical) == 0, "\"%s\" formats as \"%s\"", str, canonical))
		diag("got \"%s\"", buf);
	ok(parse_ok(buf, &t) && tg_peft_spec_equal(&s, &t) && strcmp(tg_peft_spec_format(&t, buf2, sizeof buf2), buf) == 0,
	    "\"%s\" parses back to the same spec", buf);
}

static void
test_spec(void)
{
	tg_peft_spec s;

	ok(parse_ok("lora:layers=0-3,targets=q+v,r=8,alpha=16,dropout=0.1,rslora,init=gaussian", &s) &&
	    s.method == TG_PEFT_LORA && strcmp(s.layers, "0-3") == 0 && s.targets == (1u << TG_SITE_Q | 1u << TG_SITE_V) &&
	    s.r == 8 && s.alpha == 16.0f && s.dropout == 0.1f && s.rslora && s.lora_init == TG_LORA_INIT_GAUSSIAN,
	    "the LoRA example of the issue parses");
	roundtrip("lora:layers=0-3,targets=q+v,r=8,alpha=16,dropout=0.1,rslora,init=gaussian",
	    "lora:layers=0-3,targets=q+v,r=8,alpha=16,dropout=0.1,rslora,init=gaussian");
	roundtrip("lora", "lora:layers=all,targets=q+v,r=8,alpha=16,dropout=0");
	roundtrip("lora:layers=0,2,5,r=4", "lora:layers=0,2,5,targets=q+v,r=4,alpha=16,dropout=0");
	roundtrip("lora:targets=q,v,o,layers=last:2", "lora:layers=last:2,targets=q+v+o,r=8,alpha=16,dropout=0");
	roundtrip("lora:targets=all,rank_pattern=0:16+1:8,alpha_pattern=0-3.q:32",
	    "lora:layers=all,targets=q+k+v+o+ffn_in+ffn_out,r=8,alpha=16,dropout=0,rank_pattern=0:16+1:8,"
	    "alpha_pattern=0-3.q:32");
	roundtrip("lora:rank=4,lora_alpha=8,use_rslora=1,name=tr", "lora:name=tr,layers=all,targets=q+v,r=4,alpha=8,"
	    "dropout=0,rslora");
	roundtrip("pfeiffer:layers=all,reduction=16,act=relu", "pfeiffer:layers=all,reduction=16,act=relu");
	roundtrip("houlsby:reduction=16", "houlsby:layers=all,reduction=16,act=relu");
	roundtrip("parallel:reduction=16,scaling=4", "parallel:layers=all,reduction=16,act=relu,scaling=4");
	roundtrip("pfeiffer:dim=64,act=gelu,leave_out=11,init=bert", "pfeiffer:layers=all,leave_out=11,dim=64,act=gelu,"
	    "init=bert");
	roundtrip("pfeiffer:reduction_pattern=0:8+11:32,where=both,residual=0",
	    "pfeiffer:layers=all,reduction=16,reduction_pattern=0:8+11:32,act=relu,residual=0,where=both");
	roundtrip("madx-lang", "madx-lang:layers=all,reduction=2,act=relu,inv_reduction=2");
	roundtrip("madx-lang:madx2,inv_reduction=4", "madx-lang:layers=all,reduction=2,act=relu,inv_reduction=4,madx2");
	roundtrip("madx", "madx-lang:layers=all,reduction=2,act=relu,inv_reduction=2");
	roundtrip("bitfit", "bitfit:layers=all");
	roundtrip("lnonly:embeddings=0", "lnonly:layers=all,embeddings=0");
	roundtrip("full:layers=8-11,mlm", "full:layers=8-11,mlm");
	roundtrip("head", "head");
	roundtrip("lora:alpha=0.3", "lora:layers=all,targets=q+v,r=8,alpha=0.3,dropout=0");
	roundtrip("lora:alpha=0.30000001", "lora:layers=all,targets=q+v,r=8,alpha=0.3,dropout=0");
	parse_err("lorax", "unknown PEFT method 'lorax' (methods: head, bitfit, lnonly, full, lora, pfeiffer, houlsby, "
	    "parallel, madx-lang)");
	parse_err("", "unknown PEFT method ''");
	parse_err("lora:rnk=8", "lora: unknown option 'rnk' (lora takes: name, layers, leave_out, targets, r, alpha");
	parse_err("lora:r=0", "lora: r=0: expected a positive integer rank");
	parse_err("lora:r=eight", "lora: r=eight: expected a positive integer rank");
	parse_err("lora:init=xavier", "lora: init=xavier: expected kaiming or gaussian");
	parse_err("lora:targets=q+z",
	    "lora: targets=q+z: expected targets joined by '+' among q, k, v, o, ffn_in, ffn_out");
	parse_err("lora:dropout=1.5", "lora: dropout=1.5: expected a probability in [0, 1)");
	parse_err("lora:layers=0-x", "lora: layers \"0-x\": cannot read '0-x' as a layer selection");
	parse_err("lora:layers", "lora: option 'layers' needs a value");
	parse_err("lora:rank_pattern=0-16", "lora: rank_pattern=0-16: expected LAYER:VALUE entries");
	parse_err("lora:reduction=4", "lora: unknown option 'reduction'");
	parse_err("pfeiffer:r=8", "pfeiffer: unknown option 'r' (pfeiffer takes: name, layers, leave_out, init, reduction");
	parse_err("pfeiffer:act=softmax", "pfeiffer: act=softmax: expected relu, gelu, swish or tanh");
	parse_err("pfeiffer:reduction=0", "pfeiffer: reduction=0: expected a positive number");
	parse_err("pfeiffer:where=middle", "pfeiffer: where=middle: expected attn, ffn or both");
	parse_err("pfeiffer:residual=maybe", "pfeiffer: residual=maybe: expected 1 or 0");
	parse_err("head:layers=0", "head: unknown option 'layers' (head takes: name)");
	parse_err("bitfit:mlm", "bitfit: unknown option 'mlm'");
	parse_err("lora:name=a/b", "lora: name=a/b: expected");
	parse_err("lora:r=", "lora: option 'r' has an empty value");
}

static tg_encoder_config
config(int layers, int d, int ffn)
{
	tg_encoder_config c;

	tg_encoder_config_default(&c, TG_ARCH_XLMR);
	c.num_layers = layers;
	c.hidden_size = d;
	c.num_heads = d / 64 > 0 ? d / 64 : 1;
	c.intermediate_size = ffn;
	c.vocab_size = 250002;
	return c;
}

static int64_t
count(const char *str, const tg_encoder_config *c)
{
	tg_peft_spec s;
	tg_peft_count n;

	if (!parse_ok(str, &s))
		return -1;
	memset(&err, 0, sizeof err);
	if (tg_peft_spec_count(&s, c, &n, &err) != TG_OK) {
		diag("%s: %s", str, err.msg);
		return -1;
	}
	return n.total;
}

static void
test_counts(void)
{
	tg_encoder_config c = config(12, 768, 3072);
	tg_peft_spec s;
	tg_peft_count n;

	is_num(count("lora:layers=all,targets=q+v,r=8", &c), 294912, 0, "LoRA r=8 on q,v of all 12 layers: 294,912");
	is_num(count("lora:layers=0-3,targets=q+v,r=8", &c), 98304, 0, "LoRA r=8 on q,v of layers 0-3: 98,304");
	is_num(count("pfeiffer:reduction=16", &c), 894528, 0, "Pfeiffer reduction 16: 894,528");
	is_num(count("houlsby:reduction=16", &c), 2 * 894528, 0, "Houlsby reduction 16: twice Pfeiffer's");
	is_num(count("parallel:reduction=16", &c), 894528, 0, "parallel reduction 16: as Pfeiffer");
	is_num(count("madx-lang", &c) - 296064, 7091712, 0, "MAD-X language adapter: 7.09M in the layers (7.1M)");
	is_num(count("madx-lang:inv=0", &c), 7091712, 0, "madx-lang without the invertible adapter");
	is_num(count("madx-lang:madx2", &c), 7091712 - 590976 + 296064, 0, "madx2 leaves out the last layer");
	is_num(count("bitfit", &c), 12 * (7 * 768 + 3072) + 768, 0, "BitFit: 102,144 biases");
	is_num(count("lnonly", &c), 12 * 4 * 768 + 2 * 768, 0, "LayerNorm-only: 38,400");
	is_num(count("full", &c), 277453056, 0, "full: every encoder weight (XLM-R base without the pooler)");
	is_num(count("head", &c), 0, 0, "head: nothing in the encoder");
	is_num(count("lora:targets=q+v,rank_pattern=0:16+1.v:0", &c), 294912 + 2 * 12288 - 12288, 0,
	    "rank_pattern: layer 0 at r=16, no LoRA on layer 1's v");
	is_num(count("pfeiffer:reduction_pattern=0:8+11:32", &c), 894528 - 2 * 74544 + (2 * 768 * 96 + 96 + 768) +
	    (2 * 768 * 24 + 24 + 768), 0, "reduction_pattern per layer");
	parse_ok("lora:layers=0-3", &s);
	tg_peft_spec_count(&s, &c, &n, &err);
	ok(n.layer[0] == 24576 && n.layer[4] == 0 && n.slot[0][TG_SITE_Q] == 12288 && n.lowest_layer == 0,
	    "per layer and per module counts (layer 0: %lld, q: %lld), lowest layer %d", (long long)n.layer[0],
	    (long long)n.slot[0][TG_SITE_Q], n.lowest_layer);
	parse_ok("lora:layers=last:2", &s);
	tg_peft_spec_count(&s, &c, &n, &err);
	ok(n.lowest_layer == 10, "LoRA on the last 2 layers: lowest trainable layer 10");
	parse_ok("madx-lang", &s);
	tg_peft_spec_count(&s, &c, &n, &err);
	ok(n.lowest_layer == -1 && n.embed == 296064, "MAD-X: the invertible adapter (296,064) sits on the embeddings");
	parse_ok("lora:layers=0-13", &s);
	memset(&err, 0, sizeof err);
	ok(tg_peft_spec_count(&s, &c, &n, &err) != TG_OK &&
	    strstr(err.msg, "layers \"0-13\": layer 13 does not exist (the model has 12 layers, 0-11)") != NULL,
	    "a layer the model lacks: %s", err.msg);
	parse_ok("lora:layers=0-3,leave_out=0-3", &s);
	memset(&err, 0, sizeof err);
	ok(tg_peft_spec_count(&s, &c, &n, &err) != TG_OK && strstr(err.msg, "select no layer") != NULL,
	    "leave_out removing every layer: %s", err.msg);
	parse_ok("lora:layers=0-3,rank_pattern=11:4", &s);
	memset(&err, 0, sizeof err);
	ok(tg_peft_spec_count(&s, &c, &n, &err) != TG_OK && strstr(err.msg, "matches no selected layer") != NULL,
	    "a rank pattern matching nothing: %s", err.msg);
	parse_ok("pfeiffer:reduction=1000", &s);
	memset(&err, 0, sizeof err);
	ok(tg_peft_spec_count(&s, &c, &n, &err) != TG_OK && strstr(err.msg, "leaves no bottleneck") != NULL,
	    "a reduction larger than the hidden size: %s", err.msg);
}

static void
flops_is(const char *str, int64_t labels, double fwd, double train, const char *what)
{
	tg_encoder_config c = config(12, 768, 3072);
	tg_peft_spec s;
	tg_peft_flops f;

	c.vocab_size = 250002;
	if (!parse_ok(str, &s) || tg_peft_spec_flops(&s, &c, 16, 128, labels, &f, &err) != TG_OK) {
		ok(0, "%s: %s", what, err.msg);
		return;
	}
	if (!ok(f.per_token_fwd == fwd && f.per_token_train == train && f.train == train * 16 * 128,
	    "FLOP model, %s: %.0f / %.0f per token as torch_peft.py", what, fwd, train))
		diag("got fwd %.0f train %.0f", f.per_token_fwd, f.per_token_train);
}

static void
test_flops(void)
{
	tg_encoder_config c = config(12, 768, 3072);
	tg_peft_spec s;
	tg_peft_flops f;

	/* reference values: torch_peft.py's flop_model at d=768, 12 layers, ffn 3072, seq 128, 9 labels */
	flops_is("lora:layers=0-3,targets=q+v,r=8", 9, 174798336.0, 350765568.0, "LoRA r8 q,v layers 0-3");
	flops_is("lora:layers=all,targets=q+v,r=8", 9, 175191552.0, 351945216.0, "LoRA r8 q,v all layers");
	flops_is("lora:layers=10-11,targets=all,r=8", 9, 175044096.0, 202265088.0, "LoRA r8 on every target, layers 10-11");
	flops_is("pfeiffer:dim=64", 9, 176961024.0, 345973248.0, "Pfeiffer m=64");
	flops_is("houlsby:dim=64", 9, 179320320.0, 362488320.0, "Houlsby m=64");
	flops_is("houlsby:dim=64,layers=8-11", 9, 176174592.0, 233513472.0, "Houlsby m=64 on layers 8-11");
	flops_is("full", 9, 174601728.0, 523805184.0, "full fine-tuning");
	flops_is("head", 9, 174601728.0, 174615552.0, "head only");
	parse_ok("lora:layers=0-3", &s);
	tg_peft_spec_flops(&s, &c, 16, 128, 0, &f, &err);
	ok(f.lowest_layer == 0 && f.train < f.full_ft * 0.7 && f.full_ft == (6.0 * 12 * (4.0 * 768 * 768 + 2.0 * 768 * 3072)
	    + 12.0 * 12 * 128 * 768) * 2048, "full_ft is 6N + attention; a frozen base costs about 2/3 of it");
}

static void
match_is(const char *str, int64_t budget, const char *want, double lo, double hi)
{
	tg_encoder_config c = config(12, 768, 3072);
	tg_peft_spec s;
	char buf[512];
	double ratio = 0;

	if (!parse_ok(str, &s))
		return;
	memset(&err, 0, sizeof err);
	if (tg_peft_match(&s, &c, budget, 0.05, &ratio, &err) != TG_OK) {
		ok(0, "match %s to %lld: %s", str, (long long)budget, err.msg);
		return;
	}
	tg_peft_spec_format(&s, buf, sizeof buf);
	if (!ok(strcmp(buf, want) == 0 && ratio >= lo && ratio <= hi && ratio >= 0.95 && ratio <= 1.05,
	    "match %s to %lld parameters: %s (ratio %.4f)", str, (long long)budget, buf, ratio))
		diag("want %s with a ratio in [%g, %g]", want, lo, hi);
}

static void
test_match(void)
{
	tg_encoder_config c = config(12, 768, 3072);
	tg_peft_spec s, ref;
	double ratio;
	int rc;

	match_is("lora:layers=all,targets=q+v", 894528, "lora:layers=all,targets=q+v,r=24,alpha=16,dropout=0", 0.98, 0.99);
	match_is("pfeiffer", 294912, "pfeiffer:layers=all,dim=15,act=relu", 0.96, 0.97);
	match_is("pfeiffer", 304320, "pfeiffer:layers=all,reduction=48,act=relu", 1.0, 1.0);
	match_is("lora:layers=0-3", 294912, "lora:layers=0-3,targets=q+v,r=24,alpha=16,dropout=0", 1.0, 1.0);
	match_is("houlsby", 894528, "houlsby:layers=all,reduction=32,act=relu", 1.0, 1.02);
	match_is("pfeiffer", 1000000, "pfeiffer:layers=all,dim=54,act=relu", 0.99, 1.01);
	parse_ok("pfeiffer", &s);
	parse_ok("lora:layers=all,targets=q+v,r=8", &ref);
	ok(tg_peft_match_spec(&s, &ref, &c, 0.05, &ratio, &err) == TG_OK && fabs(ratio - 1.0) <= 0.05,
	    "match a Pfeiffer adapter to LoRA r=8 on q,v (ratio %.3f)", ratio);
	parse_ok("lora:layers=all,targets=q+v", &s);
	memset(&err, 0, sizeof err);
	ok(tg_peft_match(&s, &c, 1000, 0.05, &ratio, &err) != TG_OK && strstr(err.msg, "no r brings") != NULL &&
	    strstr(err.msg, "36864") != NULL, "an impossible budget is an error naming the nearest count: %s", err.msg);
	parse_ok("bitfit", &s);
	memset(&err, 0, sizeof err);
	ok(tg_peft_match(&s, &c, 294912, 0.05, &ratio, &err) != TG_OK && strstr(err.msg, "no size to tune") != NULL,
	    "BitFit has nothing to tune: %s", err.msg);
	rc = tg_peft_match(&s, &c, 100000, 0.05, &ratio, &err);
	ok(rc == TG_OK && ratio > 1.0, "but passes when it already fits (ratio %.3f)", ratio);
}

int
main(void)
{
	test_layers();
	test_spec();
	test_counts();
	test_flops();
	test_match();
	return done_testing();
}
