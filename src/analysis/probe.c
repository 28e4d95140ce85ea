/* Alignment probe: per layer, mean cosine of mean-pooled parallel sentence pairs minus that of non-parallel pairs,
 * and retrieval accuracy@1 in both directions. The encoder is used as given, hooks included, so the same probe runs
 * before and after a fine-tune with a PEFT module attached. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "tensor/gemm.h"
#include <jansson.h>
#include "analysis/analysis.h"

void
tg_probe_normalise(const float *X, int64_t n, int64_t d, float *Y)
{
	int64_t i, j;

	for (i = 0; i < n; i++) {
		double s = 0;

		for (j = 0; j < d; j++)
			s += (double)X[i * d + j] * X[i * d + j];
		s = s > 0 ? 1.0 / sqrt(s) : 0;
		for (j = 0; j < d; j++)
			Y[i * d + j] = (float)(X[i * d + j] * s);
	}
}

int
tg_probe_layer_scores(const float *A, const float *B, int64_t n, int64_t d, tg_probe_layer *out, tg_error *err)
{
	float *An, *Bn, *sim;
	double par = 0, tot, *sa, *sb;
	int64_t i, j;

	out->cos_par = out->cos_rand = out->margin = out->acc_ab = out->acc_ba = NAN;
	if (n <= 0 || d <= 0)
		return TG_OK;
	An = tg_aligned_alloc((size_t)(n * d) * sizeof *An);
	Bn = tg_aligned_alloc((size_t)(n * d) * sizeof *Bn);
	sim = tg_aligned_alloc((size_t)(n * n) * sizeof *sim);
	if (An == NULL || Bn == NULL || sim == NULL) {
		tg_aligned_free(An);
		tg_aligned_free(Bn);
		tg_aligned_free(sim);
		return tg_error_set(err, TG_E_NOMEM, "probe: out of memory for %lld pairs of dimension %lld", (long long)n,
		    (long long)d);
	}
	tg_probe_normalise(A, n, d, An);
	tg_probe_normalise(B, n, d, Bn);
	sa = tg_xcalloc((size_t)d, sizeof *sa);
	sb = tg_xcalloc((size_t)d, sizeof *sb);
	for (i = 0; i < n; i++) {
		double s = 0;

		for (j = 0; j < d; j++) {
			s += (double)An[i * d + j] * Bn[i * d + j];
			sa[j] += An[i * d + j];
			sb[j] += Bn[i * d + j];
		}
		par += s;
	}
	/* sum over all (i, j) of cos(a_i, b_j) = (sum_i a_i) . (sum_j b_j) for unit vectors */
	for (tot = 0, j = 0; j < d; j++)
		tot += sa[j] * sb[j];
	out->cos_par = par / n;
	out->cos_rand = n > 1 ? (tot - par) / ((double)n * (n - 1)) : NAN;
	out->margin = out->cos_par - out->cos_rand;
	tg_sgemm(CblasNoTrans, CblasTrans, (int)n, (int)n, (int)d, 1.0f, An, (int)d, Bn, (int)d, 0.0f,
	    sim, (int)n);
	out->acc_ab = tg_retrieval_acc1(sim, n, n, NULL, NULL);
	tg_sgemm(CblasNoTrans, CblasTrans, (int)n, (int)n, (int)d, 1.0f, Bn, (int)d, An, (int)d, 0.0f,
	    sim, (int)n);
	out->acc_ba = tg_retrieval_acc1(sim, n, n, NULL, NULL);
	free(sa);
	free(sb);
	tg_aligned_free(An);
	tg_aligned_free(Bn);
	tg_aligned_free(sim);
	return TG_OK;
}

int
tg_probe_embed(tg_encoder *e, int32_t *const *ids, const int *len, int64_t n, const tg_probe_opts *o, float *out,
    int64_t done0, int64_t total, tg_error *err)
{
	const int64_t d = e->cfg.hidden_size, L = e->cfg.num_layers;
	int bs = o && o->batch > 0 ? o->batch : 32;
	int64_t *ord, s, i;
	int rc = TG_OK;

	for (i = 0; i < n; i++)
		if (len[i] <= 0)
			return tg_error_set(err, TG_E_ARG, "probe: sentence %lld has no tokens", (long long)i);
	ord = tg_length_order(len, n);   /* longest first: each batch pads to about its own length */
	for (s = 0; s < n && rc == TG_OK; s += bs) {
		int64_t B = n - s < bs ? n - s : bs, T = len[ord[s]], b, t, l;
		tg_batch batch = { 0 };
		tg_encoder_out eo = { 0 };

		batch.B = B;
		batch.T = T;
		batch.ids = tg_xmalloc((size_t)(B * T) * sizeof *batch.ids);
		batch.mask = tg_xmalloc((size_t)(B * T) * sizeof *batch.mask);
		for (b = 0; b < B; b++) {
			const int32_t *src = ids[ord[s + b]];
			int ln = len[ord[s + b]];

			for (t = 0; t < T; t++) {
				batch.ids[b * T + t] = t < ln ? src[t] : e->cfg.pad_token_id;
				batch.mask[b * T + t] = t < ln ? 1.0f : 0.0f;
			}
		}
		if (tg_encoder_forward(e, NULL, &batch, true, -1, &eo, err) != TG_OK) {
			rc = TG_ERR;
		} else if (eo.n_hidden != L + 1) {
			rc = tg_error_set(err, TG_E_STATE, "probe: the encoder returned %d hidden states, expected %lld",
			    eo.n_hidden, (long long)(L + 1));
		} else {
			for (l = 0; l <= L; l++) {
				const float *h = eo.hidden[l]->data;

				for (b = 0; b < B; b++) {
					float *dst = out + ((size_t)l * n + ord[s + b]) * d;
					int ln = len[ord[s + b]];
					int64_t j;

					memset(dst, 0, (size_t)d * sizeof *dst);
					for (t = 0; t < ln; t++)
						for (j = 0; j < d; j++)
							dst[j] += h[(b * T + t) * d + j];
					for (j = 0; j < d; j++)
						dst[j] /= (float)ln;
				}
			}
		}
		tg_encoder_out_free(&eo);
		free(batch.ids);
		free(batch.mask);
		if (rc == TG_OK && o && o->progress)
			o->progress(o->progress_ud, done0 + s + B, total);
	}
	free(ord);
	return rc;
}

void
tg_probe_result_clear(tg_probe_result *r)
{
	if (r == NULL)
		return;
	free(r->layer);
	memset(r, 0, sizeof *r);
}

int
tg_probe_run(tg_encoder *e, const tg_probe_pairs *p, const tg_probe_opts *o, tg_probe_result *res, tg_error *err)
{
	const int64_t d = e->cfg.hidden_size, L = e->cfg.num_layers, n = p->n;
	float *A, *B;
	int64_t l;
	int rc = TG_OK;

	res->n = n;
	res->n_layers = (int)(L + 1);
	res->layer = tg_xcalloc((size_t)(L + 1), sizeof *res->layer);
	if (n <= 0)
		return tg_error_set(err, TG_E_ARG, "probe %s-%s: no sentence pairs", res->a, res->b);
	A = tg_aligned_alloc((size_t)((L + 1) * n * d) * sizeof *A);
	B = tg_aligned_alloc((size_t)((L + 1) * n * d) * sizeof *B);
	if (A == NULL || B == NULL) {
		tg_aligned_free(A);
		tg_aligned_free(B);
		return tg_error_set(err, TG_E_NOMEM, "probe: out of memory for %lld pairs x %lld layers x %lld", (long long)n,
		    (long long)(L + 1), (long long)d);
	}
	if (tg_probe_embed(e, p->ids_a, p->len_a, n, o, A, 0, 2 * n, err) != TG_OK ||
	    tg_probe_embed(e, p->ids_b, p->len_b, n, o, B, n, 2 * n, err) != TG_OK)
		rc = TG_ERR;
	for (l = 0; rc == TG_OK && l <= L; l++)
		rc = tg_probe_layer_scores(A + (size_t)(l * n * d), B + (size_t)(l * n * d), n, d, &res->layer[l], err);
	tg_aligned_free(A);
	tg_aligned_free(B);
	return rc;
}

void
tg_probe_pairs_clear(tg_probe_pairs *p)
{
	int64_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n; i++) {
		free(p->ids_a ? p->ids_a[i] : NULL);
		free(p->ids_b ? p->ids_b[i] : NULL);
	}
	free(p->ids_a);
	free(p->ids_b);
	free(p->len_a);
	free(p->len_b);
	memset(p, 0, sizeof *p);
}

static int
wrap_ids(const tg_tokenizer *t, const char *text, int max_len, int32_t **out, int *len, tg_error *err)
{
	const tg_tok_specials *sp = tg_tokenizer_specials(t);
	int32_t first = sp->cls >= 0 ? sp->cls : sp->bos, last = sp->sep >= 0 ? sp->sep : sp->eos, *ids = NULL;
	int n = tg_tokenizer_encode(t, text, strlen(text), &ids, NULL, err), k = 0, i, room;

	if (n < 0)
		return TG_ERR;
	room = max_len - (first >= 0) - (last >= 0);
	if (room < 1)
		room = 1;
	if (n > room)
		n = room;
	*out = tg_xmalloc((size_t)(n + 2) * sizeof **out);
	if (first >= 0)
		(*out)[k++] = first;
	for (i = 0; i < n; i++)
		(*out)[k++] = ids[i];
	if (last >= 0)
		(*out)[k++] = last;
	free(ids);
	*len = k;
	return TG_OK;
}

int
tg_probe_pairs_from_text(const tg_tokenizer *t, char *const *a, char *const *b, int64_t n, int max_len,
    tg_probe_pairs *out, tg_error *err)
{
	int64_t i;

	memset(out, 0, sizeof *out);
	out->ids_a = tg_xcalloc((size_t)(n ? n : 1), sizeof *out->ids_a);
	out->ids_b = tg_xcalloc((size_t)(n ? n : 1), sizeof *out->ids_b);
	out->len_a = tg_xcalloc((size_t)(n ? n : 1), sizeof *out->len_a);
	out->len_b = tg_xcalloc((size_t)(n ? n : 1), sizeof *out->len_b);
	out->n = n;
	for (i = 0; i < n; i++)
		if (wrap_ids(t, a[i], max_len, &out->ids_a[i], &out->len_a[i], err) != TG_OK ||
		    wrap_ids(t, b[i], max_len, &out->ids_b[i], &out->len_b[i], err) != TG_OK) {
			tg_probe_pairs_clear(out);
			return TG_ERR;
		}
	return TG_OK;
}

int
tg_probe_write(FILE *f, tg_out_format fmt, const tg_probe_result *r, int n, tg_error *err)
{
	char b[5][32];
	int i, l;

	switch (fmt) {
	case TG_OUT_TEXT:
	case TG_OUT_MD: {
		bool md = fmt == TG_OUT_MD;

		fprintf(f, md ? "## Alignment probe\n\nmargin = mean cosine of parallel pairs minus mean cosine of all "
		    "non-parallel pairs (mean-pooled states); acc@1 = retrieval accuracy, both directions.\n\n"
		    "| pair | n | layer | cos parallel | cos random | margin | acc@1 a->b | acc@1 b->a |\n"
		    "|---|---:|---:|---:|---:|---:|---:|---:|\n" :
		    "margin = mean cosine of parallel pairs - mean cosine of all non-parallel pairs (mean-pooled states)\n"
		    "%-12s %5s %5s %9s %9s %8s %8s %8s\n", "pair", "n", "layer", "cos par", "cos rand", "margin",
		    "acc a>b", "acc b>a");
		for (i = 0; i < n; i++)
			for (l = 0; l < r[i].n_layers; l++) {
				const tg_probe_layer *y = &r[i].layer[l];
				char pair[40];

				snprintf(pair, sizeof pair, "%s-%s", r[i].a, r[i].b);
				fprintf(f, md ? "| %s | %lld | %d | %s | %s | %s | %s | %s |\n" :
				    "%-12s %5lld %5d %9s %9s %8s %8s %8s\n", pair, (long long)r[i].n, l,
				    tg_out_fmt(b[0], 32, y->cos_par, 4), tg_out_fmt(b[1], 32, y->cos_rand, 4),
				    tg_out_fmt(b[2], 32, y->margin, 4), tg_out_fmt(b[3], 32, y->acc_ab, 3),
				    tg_out_fmt(b[4], 32, y->acc_ba, 3));
			}
		break;
	}
	case TG_OUT_CSV:
		fprintf(f, "a,b,n,layer,cos_par,cos_rand,margin,acc_ab,acc_ba\n");
		for (i = 0; i < n; i++)
			for (l = 0; l < r[i].n_layers; l++) {
				const tg_probe_layer *y = &r[i].layer[l];
				double v[] = { y->cos_par, y->cos_rand, y->margin, y->acc_ab, y->acc_ba };
				size_t k;

				fprintf(f, "%s,%s,%lld,%d", r[i].a, r[i].b, (long long)r[i].n, l);
				for (k = 0; k < 5; k++) {
					fputc(',', f);
					tg_out_num(f, v[k], -1);
				}
				fputc('\n', f);
			}
		break;
	case TG_OUT_JSON: {
		json_t *arr = json_array();

		for (i = 0; i < n; i++) {
			json_t *o = json_object(), *ls = json_array();

			json_object_set_new(o, "a", json_string(r[i].a));
			json_object_set_new(o, "b", json_string(r[i].b));
			json_object_set_new(o, "n", json_integer(r[i].n));
			for (l = 0; l < r[i].n_layers; l++) {
				const tg_probe_layer *y = &r[i].layer[l];
				json_array_append_new(ls, json_pack("{sisososososo}", "layer", l, "cos_par", tg_json_num(y->cos_par),
				    "cos_rand", tg_json_num(y->cos_rand), "margin", tg_json_num(y->margin), "acc_ab", tg_json_num(y->acc_ab), "acc_ba",
				    tg_json_num(y->acc_ba)));
			}
			json_object_set_new(o, "layers", ls);
			json_array_append_new(arr, o);
		}
		tg_json_print(f, arr, 10);
		break;
	}
	default:
		return tg_error_set(err, TG_E_ARG, "probe: unknown output format %d", (int)fmt);
	}
	return tg_out_status(f, "probe", err);
}

int
tg_probe_read_csv(const char *path, tg_probe_result **out, int *nout, tg_error *err)
{
	size_t len;
	char *buf = tg_read_file(path, &len, err);   /* "PATH: cannot open: REASON" */
	tg_csv csv;
	int nf, n = 0, i;
	tg_probe_result *r = NULL;

	*out = NULL;
	*nout = 0;
	if (buf == NULL)
		return TG_ERR;
	tg_csv_init(&csv, path, buf, len, ',');
	nf = tg_csv_next(&csv, err);
	if (nf != 9 || strcmp(csv.field[0], "a") != 0 || strcmp(csv.field[3], "layer") != 0) {
		tg_csv_free(&csv);
		free(buf);
		if (nf < 0)
			return TG_ERR;
		tg_error_set(err, TG_E_FORMAT, "%s:1: not a probe table (expected the header a,b,n,layer,cos_par,...)", path);
		tg_error_hint(err, "write one with tamga analyze probe --format csv");
		return TG_ERR;
	}
	while ((nf = tg_csv_next(&csv, err)) > 0) {
		tg_probe_result *p = NULL;
		tg_probe_layer *y;
		int l;

		if (nf != 9) {
			tg_error_set(err, TG_E_FORMAT, "%s:%lld: expected 9 fields, found %d", path, (long long)csv.rec_line, nf);
			nf = -1;
			break;
		}
		for (i = 0; i < n; i++)
			if (strcmp(r[i].a, csv.field[0]) == 0 && strcmp(r[i].b, csv.field[1]) == 0)
				p = &r[i];
		if (p == NULL) {
			r = tg_xrealloc(r, (size_t)(n + 1) * sizeof *r);
			p = &r[n++];
			memset(p, 0, sizeof *p);
			snprintf(p->a, sizeof p->a, "%s", csv.field[0]);
			snprintf(p->b, sizeof p->b, "%s", csv.field[1]);
			p->n = strtoll(csv.field[2], NULL, 10);
		}
		l = atoi(csv.field[3]);
		if (l < 0 || l > 1000) {
			tg_error_set(err, TG_E_FORMAT, "%s:%lld: layer %d out of range", path, (long long)csv.rec_line, l);
			nf = -1;
			break;
		}
		if (l >= p->n_layers) {
			int k;
			p->layer = tg_xrealloc(p->layer, (size_t)(l + 1) * sizeof *p->layer);
			for (k = p->n_layers; k <= l; k++)
				p->layer[k].cos_par = p->layer[k].cos_rand = p->layer[k].margin = p->layer[k].acc_ab =
				    p->layer[k].acc_ba = NAN;
			p->n_layers = l + 1;
		}
		y = &p->layer[l];
		y->cos_par = csv.field[4][0] ? strtod(csv.field[4], NULL) : NAN;
		y->cos_rand = csv.field[5][0] ? strtod(csv.field[5], NULL) : NAN;
		y->margin = csv.field[6][0] ? strtod(csv.field[6], NULL) : NAN;
		y->acc_ab = csv.field[7][0] ? strtod(csv.field[7], NULL) : NAN;
		y->acc_ba = csv.field[8][0] ? strtod(csv.field[8], NULL) : NAN;
	}
	tg_csv_free(&csv);
	free(buf);
	if (nf < 0) {
		for (i = 0; i < n; i++)
			tg_probe_result_clear(&r[i]);
		free(r);
		return TG_ERR;
	}
	*out = r;
	*nout = n;
	return TG_OK;
}
