/* tamga selfcheck: a quick end-to-end check that the engine computes correct gradients, repeats itself exactly
 * and learns, on this machine with this BLAS. */
#include <stdio.h>
#include <string.h>
#include "cli/cli.h"
#include "tensor/gemm.h"
#include "nn/nn.h"

static tg_tensor *
block_fn(tg_graph *g, tg_tensor **in, void *ud, tg_error *err)
{
	/* linear -> GELU -> layer norm -> attention -> cross-entropy, the ops of an encoder layer */
	tg_tensor *h = tg_linear(g, in[0], in[1], in[2], err), *a, *n, *at, *l = NULL;
	int32_t labels[6] = { 0, 3, 1, -100, 2, 5 };

	if (h == NULL)
		return NULL;
	a = tg_gelu(g, h, err);
	n = a ? tg_layernorm(g, a, in[3], NULL, 1e-5f, err) : NULL;
	at = n ? tg_attention(g, n, n, n, 2, 2, NULL, 0.0f, err) : NULL;
	if (at != NULL)
		l = tg_cross_entropy(g, at, labels, -100, 0.1f, err);
	tg_tensor_release(h);
	tg_tensor_release(a);
	tg_tensor_release(n);
	tg_tensor_release(at);
	return l;
}

int
tg_cmd_selfcheck(int argc, char **argv)
{
	tg_error err = { 0 };
	int64_t sx[2] = { 6, 5 }, sw[2] = { 6, 5 }, sb[1] = { 6 };
	tg_tensor *in[4];
	tg_gradcheck_report rep;
	float l0, l1, acc, l1b, accb;
	int passed = 0, failed = 0, i;
	double t0 = tg_now();

	for (i = 1; i < argc; i++)
		if (tg_cli_is_help(argv[i]))
			return tg_cli_help("selfcheck", NULL);
		else
			return tg_cli_unknown_option("selfcheck", argv[i], NULL);
	printf("tamga selfcheck: %s\n", tg_blas_info());
	in[0] = tg_tensor_new(2, sx, &err);
	in[1] = tg_tensor_new(2, sw, &err);
	in[2] = tg_tensor_new(1, sb, &err);
	in[3] = tg_tensor_new(1, sb, &err);
	for (i = 0; i < 4; i++) {
		tg_tensor_rand_uniform(in[i], 11 + i, -1, 1);
		in[i]->requires_grad = true;
	}
	if (tg_gradcheck(block_fn, NULL, in, 4, NULL, &rep, &err) == TG_OK) {
		printf("ok   gradients of linear, GELU, layer norm, attention, cross-entropy (%d elements, max error %.2g)\n",
		    rep.checked, rep.max_abs_err);
		passed++;
	} else {
		printf("FAIL gradients: %s\n", err.msg);
		failed++;
	}
	for (i = 0; i < 4; i++)
		tg_tensor_release(in[i]);
	if (tg_toy_spirals_train(7, 300, 32, 0.03f, &l0, &l1, &acc, &err) != TG_OK) {
		printf("FAIL toy training: %s\n", err.msg);
		failed++;
	} else {
		int learned = l1 < 0.35f * l0 && acc > 0.9f;
		printf("%s a 2-layer MLP learns two spirals: loss %.3f -> %.3f, accuracy %.1f%%\n",
		    learned ? "ok  " : "FAIL", l0, l1, 100 * acc);
		learned ? passed++ : failed++;
		if (tg_toy_spirals_train(7, 300, 32, 0.03f, NULL, &l1b, &accb, &err) == TG_OK &&
		    memcmp(&l1, &l1b, sizeof l1) == 0 && acc == accb) {
			printf("ok   a second run with the same seed gives bit-identical loss (%.9g)\n", l1b);
			passed++;
		} else {
			printf("FAIL a second run with the same seed differs (%.9g vs %.9g)\n", l1, l1b);
			failed++;
		}
	}
	printf("selfcheck: %d passed, %d failed (%.1f s)\n", passed, failed, tg_now() - t0);
	return failed ? 1 : 0;
}
