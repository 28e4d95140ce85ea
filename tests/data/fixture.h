/* Test fixtures for the data readers: a temporary folder and files written into it. */
#ifndef TG_TEST_FIXTURE_H
#define TG_TEST_FIXTURE_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char fx_dir[256];
static char *fx_paths[256];
static int fx_n;

static inline const char *
fx_init(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(fx_dir, sizeof fx_dir, "%s/tamga-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(fx_dir) == NULL) {
		perror("mkdtemp");
		exit(99);
	}
	return fx_dir;
}

/* Write len bytes (len < 0: strlen) to fx_dir/name; returns the path (valid until fx_cleanup). */
static inline const char *
fx_write(const char *name, const char *content, long len)
{
	char *path;
	FILE *fp;

	if (asprintf(&path, "%s/%s", fx_dir, name) < 0)
		exit(99);
	fp = fopen(path, "wb");
	if (fp == NULL) {
		perror(path);
		exit(99);
	}
	fwrite(content, 1, len < 0 ? strlen(content) : (size_t)len, fp);
	fclose(fp);
	if (fx_n < 256)
		fx_paths[fx_n++] = path;
	return path;
}

/* The message "path:line: what" a reader must produce. */
static inline const char *
fx_msg(const char *path, int line, const char *what)
{
	static char buf[1024];

	if (line > 0)
		snprintf(buf, sizeof buf, "%s:%d: %s", path, line, what);
	else
		snprintf(buf, sizeof buf, "%s: %s", path, what);
	return buf;
}

static inline void
fx_cleanup(void)
{
	int i;

	for (i = 0; i < fx_n; i++) {
		unlink(fx_paths[i]);
		free(fx_paths[i]);
	}
	rmdir(fx_dir);
}
#endif
