/* Test helper: read every tensor of a safetensors file (or model folder) as float32 and write them to a new file,
 * so t-safetensors-torch.py can compare the conversions with torch's. Usage: st-convert IN OUT [key=value...] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model/safetensors.h"

int
main(int argc, char **argv)
{
	tg_error err = { 0 };
	tg_st_set *s;
	tg_st_writer *w;
	float **bufs;
	int i, n, rc = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: st-convert IN OUT [key=value...]\n");
		return 2;
	}
	if ((s = tg_st_set_open(argv[1], &err)) == NULL) {
		fprintf(stderr, "st-convert: %s\n", err.msg);
		return 1;
	}
	n = tg_st_set_count(s);
	bufs = calloc((size_t)n + 1, sizeof *bufs);
	w = tg_st_writer_new();
	for (i = 3; i < argc; i++) {
		char *eq = strchr(argv[i], '=');

		if (eq) {
			*eq = '\0';
			tg_st_writer_meta(w, argv[i], eq + 1);
		}
	}
	for (i = 0; i < n && rc == 0; i++) {
		const tg_st_file *f;
		const tg_st_tensor *t = tg_st_set_at(s, i, &f);

		bufs[i] = malloc((size_t)t->numel * sizeof(float) + 1);
		if (tg_st_read_f32(f, t, bufs[i], t->numel, &err) != TG_OK) {
			fprintf(stderr, "st-convert: %s\n", err.msg);
			rc = 1;
		} else
			tg_st_writer_add(w, t->name, t->ndim, t->shape, bufs[i]);
	}
	if (rc == 0 && tg_st_writer_write(w, argv[2], &err) != TG_OK) {
		fprintf(stderr, "st-convert: %s\n", err.msg);
		rc = 1;
	}
	tg_st_writer_free(w);
	for (i = 0; i < n; i++)
		free(bufs[i]);
	free(bufs);
	tg_st_set_close(s);
	return rc;
}
