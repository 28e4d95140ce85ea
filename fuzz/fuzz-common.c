/* Helpers shared by the fuzz targets: a scratch folder per process and input splitting. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <ftw.h>
#include "fuzz/fuzz.h"

static char scratch[512];

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	return remove(path);
}

static void
remove_scratch(void)
{
	if (scratch[0])
		nftw(scratch, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

const char *
fz_dir(void)
{
	if (!scratch[0]) {
		const char *base = getenv("TMPDIR");
		struct stat st;

		if (base == NULL || !*base)
			base = stat("/dev/shm", &st) == 0 && access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
		snprintf(scratch, sizeof scratch, "%s/tamga-fuzz.XXXXXX", base);
		if (mkdtemp(scratch) == NULL) {
			fprintf(stderr, "fuzz: cannot create %s: %s\n", scratch, strerror(errno));
			abort();
		}
		atexit(remove_scratch);
	}
	return scratch;
}

char *
fz_path(const char *name)
{
	size_t n = strlen(fz_dir()) + strlen(name) + 2;
	char *p = malloc(n);

	if (p == NULL)
		abort();
	snprintf(p, n, "%s/%s", fz_dir(), name);
	return p;
}

char *
fz_write(const char *name, const void *data, size_t n)
{
	char *p = fz_path(name), *slash;
	FILE *f;

	for (slash = strchr(p + strlen(fz_dir()) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(p, 0700);
		*slash = '/';
	}
	if ((f = fopen(p, "wb")) == NULL || (n && fwrite(data, 1, n, f) != n) || fclose(f) != 0) {
		fprintf(stderr, "fuzz: cannot write %s: %s\n", p, strerror(errno));
		abort();
	}
	return p;
}

int
fz_split(const uint8_t *data, size_t size, int max, const uint8_t **part, size_t *len)
{
	size_t k = strlen(FZ_SPLIT);
	int n = 0;

	while (n < max - 1) {
		const uint8_t *m = size >= k ? memmem(data, size, FZ_SPLIT, k) : NULL;
		if (m == NULL)
			break;
		part[n] = data;
		len[n++] = (size_t)(m - data);
		size -= (size_t)(m - data) + k;
		data = m + k;
	}
	part[n] = data;
	len[n++] = size;
	return n;
}

char *
fz_strndup(const void *data, size_t n)
{
	char *s = malloc(n + 1);

	if (s == NULL)
		abort();
	if (n)
		memcpy(s, data, n);
	s[n] = '\0';
	return s;
}
