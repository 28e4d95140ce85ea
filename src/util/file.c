/* Opening the files tamga reads (model weights, configs, tokenizers, adapters, checkpoints, data): regular files
 * only. open() of a FIFO blocks until a writer appears, so a FIFO named model.safetensors or config.json would hang
 * tamga for ever; a character device (/dev/zero) never ends. The file is opened with O_NONBLOCK (which makes open
 * of a FIFO return at once), checked with fstat, then set back to blocking reads. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "util.h"

static const char *
kind_of(mode_t m)
{
	return S_ISDIR(m) ? "a folder" : S_ISFIFO(m) ? "a FIFO (named pipe)" : S_ISCHR(m) ? "a character device" :
	    S_ISBLK(m) ? "a block device" : S_ISSOCK(m) ? "a socket" : "not a regular file";
}

/* The descriptor, or -1 with errno set and *why naming the problem. */
static int
open_regular(const char *path, const char **why)
{
	struct stat st;
	int fd, fl;

	*why = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0) {
		*why = strerror(errno);
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		*why = strerror(errno);
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		*why = kind_of(st.st_mode);
		close(fd);
		errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		return -1;
	}
	if ((fl = fcntl(fd, F_GETFL)) != -1)
		fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	return fd;
}

int
tg_open_regular(const char *path, tg_error *err)
{
	const char *why;
	int fd = open_regular(path, &why);

	if (fd < 0) {
		int e = errno;
		tg_error_set(err, TG_E_IO, "%s: cannot open: %s", path, why);
		if (e != ENOENT && e != EACCES && e != EISDIR && why != NULL && strncmp(why, "a ", 2) == 0)
			tg_error_hint(err, "tamga reads regular files only");
		errno = e;
	}
	return fd;
}

FILE *
tg_fopen_regular(const char *path, tg_error *err)
{
	int fd = tg_open_regular(path, err);
	FILE *fp;

	if (fd < 0)
		return NULL;
	if ((fp = fdopen(fd, "rb")) == NULL) {
		int e = errno;
		tg_error_set(err, TG_E_IO, "%s: cannot open: %s", path, strerror(e));
		close(fd);
		errno = e;
	}
	return fp;
}

char *
tg_read_file(const char *path, size_t *len, tg_error *err)
{
	FILE *f = tg_fopen_regular(path, err);   /* "PATH: cannot open: REASON" */
	char *buf;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	if (n < 0)
		n = 0;
	buf = tg_xmalloc((size_t)n + 1);
	if (n > 0 && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		tg_error_set(err, TG_E_IO, "%s: read error", path);
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

json_t *
tg_json_load_file(const char *path, size_t flags, json_error_t *je)
{
	const char *why;
	int fd = open_regular(path, &why);
	json_t *j;
	FILE *fp;

	if (fd < 0 || (fp = fdopen(fd, "rb")) == NULL) {
		int e = errno;
		if (fd >= 0) {
			why = strerror(e);
			close(fd);
		}
		memset(je, 0, sizeof *je);
		je->line = je->column = je->position = -1;
		snprintf(je->source, sizeof je->source, "%s", path);
		snprintf(je->text, sizeof je->text, "unable to open: %s", why);
		errno = e;
		return NULL;
	}
	j = json_loadf(fp, flags, je);
	fclose(fp);
	if (j == NULL)
		snprintf(je->source, sizeof je->source, "%s", path);
	return j;
}

int
tg_mkdirs(const char *path, int mode)
{
	char buf[4096], *p;

	if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			if (mkdir(buf, (mode_t)mode) != 0 && errno != EEXIST)
				return -1;
			*p = '/';
		}
	return mkdir(buf, (mode_t)mode) == 0 || errno == EEXIST ? 0 : -1;
}
