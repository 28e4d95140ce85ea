/* Alignment probe: the margin and retrieval math on hand-made vectors against a plain double computation; on a tiny
 * random encoder with token ids (no tokenizer): pooling ignores padding and matches a single-sentence forward,
 * identical pairs align perfectly, hooks (a PEFT) are honoured, progress is reported, CSV round trip. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../tap.h"
#include "analysis/analysis.h"

/* The reference: plain double loops over all pairs. */
static void
reference(const float *A, const float *B, int n, int d, tg_probe_layer *out)
{
	double par = 0, off = 0;
	int i, j, k, right_ab = 0, right_ba = 0;
	double *sim = calloc((size_t)n * n, sizeof *sim);

	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++) {
			double dot = 0, na = 0, nb = 0;

			for (k = 0; k < d; k++) {
				dot += (double)A[i * d + k] * B[j * d + k];
				na += (double)A[i * d + k] * A[i * d + k];
				nb += (double)B[j * d + k] * B[j * d + k];
			}
			sim[i * n + j] = dot / sqrt(na * nb);
			if (i == j)
				par += sim[i * n + j];
			else
				off += sim[i * n + j];
		}
	for (i = 0; i < n; i++) {
		int ba = 0, bb = 0;

		for (j = 1; j < n; j++) {
			if (sim[i * n + j] > sim[i * n + ba])
				ba = j;
			if (sim[j * n + i] > sim[bb * n + i])
				bb = j;
		}
		right_ab += ba == i;
		right_ba += bb == i;
	}
	out->cos_par = par / n;
	out->cos_rand = off / ((double)n * (n - 1));
	out->margin = out->cos_par - out->cos_rand;
	out->acc_ab = (double)right_ab / n;
	out->acc_ba = (double)right_ba / n;
	free(sim);
}

static tg_tensor *
double_embed(void *ud, tg_graph *g, tg_tensor *h, tg_error *err)
{
	(void)ud;
	return tg_scale(g, h, 2.0f, err);
}

static int64_t progress_done, progress_total;
static int progress_calls;

static void
progress(void *ud, int64_t done, int64_t total)
{
	(void)ud;
	progress_done = done;
	progress_total = total;
	progress_calls++;
}

int
main(void)
{
	tg_probe_layer y, ref;
	tg_error err = { 0 };
	int i, k;

	/* hand-made vectors: unit vectors with an exact answer */
	{
		const float I3[9] = { 1, 0, 0, 0, 1, 0, 0, 0, 1 };
		const float P3[9] = { 0, 1, 0, 0, 0, 1, 1, 0, 0 };   /* rows rotated: nothing is parallel */

		tg_probe_layer_scores(I3, I3, 3, 3, &y, &err);
		ok(y.cos_par == 1 && y.cos_rand == 0 && y.margin == 1 && y.acc_ab == 1 && y.acc_ba == 1,
		   "identity vs identity: cos 1, random 0, margin 1, acc 1");
		tg_probe_layer_scores(I3, P3, 3, 3, &y, &err);
		ok(y.cos_par == 0 && fabs(y.cos_rand - 0.5) < 1e-12 && fabs(y.margin + 0.5) < 1e-12 && y.acc_ab == 0 &&
		   y.acc_ba == 0, "rotated rows: cos 0, random 3/6, margin -1/2, acc 0");
	}
	{
		/* scaled, non-unit, a near miss: compare with the double reference */
		const float A[8] = { 1, 0, 0, 1, 1, 0.9f, 3, -1 }, B[8] = { 2, 0, 0, 3, -1, 1, 0.5f, -0.1f };

		tg_probe_layer_scores(A, B, 4, 2, &y, &err);
		reference(A, B, 4, 2, &ref);
		is_num(y.cos_par, ref.cos_par, 1e-6, "hand-made: mean parallel cosine %.4f", ref.cos_par);
		is_num(y.cos_rand, ref.cos_rand, 1e-6, "mean non-parallel cosine %.4f (exact expectation over shuffles)",
		    ref.cos_rand);
		is_num(y.margin, ref.margin, 1e-6, "margin %.4f", ref.margin);
		ok(y.acc_ab == ref.acc_ab && y.acc_ba == ref.acc_ba, "acc@1 a->b %.2f, b->a %.2f", ref.acc_ab, ref.acc_ba);
	}
	{
		/* random vectors: agreement on a larger case */
		enum { N = 50, D = 24 };
		static float A[N * D], B[N * D];
		tg_rng r;

		tg_rng_seed(&r, 3);
		for (i = 0; i < N * D; i++) {
			A[i] = (float)tg_rng_normal(&r) + 1.0f;               /* a common offset: anisotropic */
			B[i] = A[i] + 1.2f * (float)tg_rng_normal(&r);        /* a noisy copy */
		}
		tg_probe_layer_scores(A, B, N, D, &y, &err);
		reference(A, B, N, D, &ref);
		ok(fabs(y.cos_par - ref.cos_par) < 1e-5 && fabs(y.cos_rand - ref.cos_rand) < 1e-5 &&
		   y.acc_ab == ref.acc_ab && y.acc_ba == ref.acc_ba, "50 random pairs: margin %.4f, acc %.2f / %.2f agree",
		   ref.margin, ref.acc_ab, ref.acc_ba);
		ok(ref.cos_rand > 0.1, "the shift makes raw cosines anisotropic (random pairs %.3f): why the margin",
		   ref.cos_rand);
	}
	{
		const float one[2] = { 1, 0 };
		tg_probe_layer_scores(one, one, 1, 2, &y, &err);
		ok(y.cos_par == 1 && isnan(y.cos_rand) && isnan(y.margin), "one pair: no random pairs, margin NaN");
		tg_probe_layer_scores(one, one, 0, 2, &y, &err);
		ok(isnan(y.cos_par), "no pairs: NaN");
	}

	/* a tiny random encoder */
	{
		tg_encoder_config c;
		tg_encoder *e;
		enum { NS = 7 };
		int32_t *ids[NS], *ids2[NS];
		int len[NS], L, d;
		float *out1, *out3;
		tg_probe_opts po = { 0 };
		tg_rng r;
		int64_t j;

		tg_encoder_config_default(&c, TG_ARCH_BERT);
		c.vocab_size = 50, c.hidden_size = 16, c.num_layers = 2, c.num_heads = 2, c.intermediate_size = 32;
		c.max_positions = 64, c.type_vocab_size = 2, c.pad_token_id = 0;
		e = tg_encoder_new(&c, false, false, &err);
		if (!ok(e != NULL, "tiny encoder: %s", e ? "" : err.msg))
			return done_testing();
		tg_encoder_init_random(e, 1);
		L = 2, d = 16;
		tg_rng_seed(&r, 9);
		for (i = 0; i < NS; i++) {
			len[i] = 3 + (int)tg_rng_below(&r, 10);
			ids[i] = malloc((size_t)len[i] * sizeof **ids);
			ids2[i] = malloc((size_t)len[i] * sizeof **ids2);
			for (k = 0; k < len[i]; k++)
				ids[i][k] = ids2[i][k] = 1 + (int32_t)tg_rng_below(&r, 49);
		}
		out1 = malloc((size_t)(L + 1) * NS * d * sizeof *out1);
		out3 = malloc((size_t)(L + 1) * NS * d * sizeof *out3);
		po.batch = 1;
		ok(tg_probe_embed(e, ids, len, NS, &po, out1, 0, NS, &err) == TG_OK, "embed one sentence at a time");
		po.batch = 3;
		po.progress = progress;
		ok(tg_probe_embed(e, ids, len, NS, &po, out3, 0, NS, &err) == TG_OK, "embed in padded batches of 3");
		ok(progress_calls == 3 && progress_done == NS && progress_total == NS, "progress after each batch (%d calls)",
		   progress_calls);
		{
			float m = 0;
			for (j = 0; j < (L + 1) * NS * d; j++)
				m = fmaxf(m, fabsf(out1[j] - out3[j]));
			ok(m < 1e-5, "padding does not change the pooled states (max difference %.2g)", m);
		}
		/* against a direct forward of sentence 4 */
		{
			tg_batch b = { 0 };
			tg_encoder_out eo = { 0 };
			float m = 0;
			int l;

			b.B = 1, b.T = len[4], b.ids = ids[4];
			tg_encoder_forward(e, NULL, &b, true, -1, &eo, &err);
			for (l = 0; l <= L; l++)
				for (k = 0; k < d; k++) {
					double s = 0;
					int t;
					for (t = 0; t < len[4]; t++)
						s += eo.hidden[l]->data[t * d + k];
					m = fmaxf(m, fabsf((float)(s / len[4]) - out3[((size_t)l * NS + 4) * d + k]));
				}
			ok(eo.n_hidden == L + 1 && m < 1e-5, "pooled state = mean of the hidden states of a direct forward (%.2g)",
			   m);
			tg_encoder_out_free(&eo);
		}
		/* identical pairs */
		{
			tg_probe_pairs pp = { NS, ids, ids2, len, len };
			tg_probe_result res;
			bool all = true;

			memset(&res, 0, sizeof res);
			snprintf(res.a, sizeof res.a, "xx");
			snprintf(res.b, sizeof res.b, "yy");
			k = tg_probe_run(e, &pp, &po, &res, &err);
			ok(k == TG_OK && res.n_layers == L + 1 && res.n == NS, "probe over %d layers", res.n_layers);
			for (k = 0; k < res.n_layers; k++) {
				if (getenv("SHOW"))
					diag("layer %d: par %.6f rand %.6f acc %.3f %.3f", k, res.layer[k].cos_par, res.layer[k].cos_rand,
					    res.layer[k].acc_ab, res.layer[k].acc_ba);
				all &= fabs(res.layer[k].cos_par - 1) < 1e-5 && res.layer[k].acc_ab == 1 && res.layer[k].acc_ba == 1 &&
				    fabs(res.layer[k].margin - (1 - res.layer[k].cos_rand)) < 1e-5;
			}
			ok(all, "identical sentences: parallel cosine 1, acc@1 1, margin 1 - random cosine at every layer");
			/* CSV round trip */
			{
				char path[64] = "/tmp/t-probe-XXXXXX";
				int fd = mkstemp(path);
				FILE *f = fdopen(fd, "w");
				tg_probe_result *back;
				int nb;

				tg_probe_write(f, TG_OUT_CSV, &res, 1, &err);
				fclose(f);
				ok(tg_probe_read_csv(path, &back, &nb, &err) == TG_OK && nb == 1 && back[0].n_layers == L + 1 &&
				   !strcmp(back[0].a, "xx") && fabs(back[0].layer[1].margin - res.layer[1].margin) < 1e-8,
				   "CSV written by tg_probe_write reads back");
				if (nb == 1)
					tg_probe_result_clear(&back[0]);
				free(back);
				f = fopen(path, "w");
				fputs("pair,layer\nx,1\n", f);
				fclose(f);
				ok(tg_probe_read_csv(path, &back, &nb, &err) == TG_ERR && err.hint[0], "another CSV is rejected: %s",
				   err.msg);
				unlink(path);
			}
			tg_probe_result_clear(&res);
		}
		/* hooks are honoured: an embedding hook that doubles its input doubles layer 0 */
		{
			tg_encoder_hooks hk = { 0 };
			float m = 0;

			hk.embed = double_embed;
			e->hooks = &hk;
			po.progress = NULL;
			tg_probe_embed(e, ids, len, NS, &po, out3, 0, NS, &err);
			e->hooks = NULL;
			for (j = 0; j < NS * d; j++)
				m = fmaxf(m, fabsf(out3[j] - 2 * out1[j]));
			ok(m < 1e-5, "a hook set on the encoder acts in the probe (layer 0 doubled)");
		}
		len[2] = 0;
		ok(tg_probe_embed(e, ids, len, NS, &po, out3, 0, NS, &err) == TG_ERR && strstr(err.msg, "sentence 2"),
		   "an empty sentence is an error: %s", err.msg);
		for (i = 0; i < NS; i++)
			free(ids[i]), free(ids2[i]);
		free(out1);
		free(out3);
		tg_encoder_free(e);
	}
	return done_testing();
}
