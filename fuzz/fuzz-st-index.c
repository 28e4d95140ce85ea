/* Fuzz a sharded model folder's model.safetensors.index.json over two fixed, valid shards (tg_st_set_open). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz/fuzz.h"
#include "model/safetensors.h"

static char *dir;

/* A shard holding one F32 tensor of 2 elements. */
static void
write_shard(const char *name, const char *tensor)
{
	char head[256], buf[512];
	int n = snprintf(head, sizeof head, "{\"%s\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", tensor);
	uint64_t len = (uint64_t)n;
	float v[2] = {1.0f, -2.0f};

	memcpy(buf, &len, 8);                    /* little-endian hosts only, as the fuzz build is */
	memcpy(buf + 8, head, (size_t)n);
	memcpy(buf + 8 + n, v, sizeof v);
	free(fz_write(name, buf, 8 + (size_t)n + sizeof v));
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc; (void)argv;
	write_shard("set/model-00001-of-00002.safetensors", "a.weight");
	write_shard("set/model-00002-of-00002.safetensors", "b.weight");
	dir = fz_path("set");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tg_error err = {0};
	tg_st_set *s;
	int i, n;

	free(fz_write("set/model.safetensors.index.json", data, size));
	if ((s = tg_st_set_open(dir, &err)) == NULL)
		return 0;
	n = tg_st_set_count(s);
	for (i = 0; i < n; i++) {
		const tg_st_file *f = NULL;
		const tg_st_tensor *t = tg_st_set_at(s, i, &f);
		if (t == NULL || f == NULL || tg_st_set_find(s, t->name, &f) == NULL)
			abort();
	}
	for (i = 0; i < tg_st_set_file_count(s); i++)
		(void)tg_st_path(tg_st_set_file(s, i));
	tg_st_set_close(s);
	return 0;
}
