/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "lib/output.h"

#include <errno.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/xalloc.h"

#define OUTPUT_BUFFER (64 * 1024)

int output_open(struct output *o, const char *path)
{
	memset(o, 0, sizeof(*o));
	struct stat st;

	if (strcmp(path, "-") == 0) {
		o->fp = stdout;
		return 0;
	}
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
		o->fp = fopen(path, "w");
		o->owned = true;
		return o->fp ? 0 : -1;
	}
	/* The temporary is hidden and in the same directory, so rename() is
	 * atomic (same file system) and a reader never sees it as the target. */
	const char *slash = strrchr(path, '/');
	int dirlen = slash ? (int)(slash - path + 1) : 0;
	size_t size = strlen(path) + 16;
	o->tmp = xmalloc(size);
	snprintf(o->tmp, size, "%.*s.%s.XXXXXX", dirlen, path, path + dirlen);

	int fd = mkstemp(o->tmp);
	if (fd < 0) {
		int err = errno;
		free(o->tmp);
		o->tmp = NULL;
		errno = err;
		return -1;
	}
	/* mkstemp makes 0600; outputs are ordinary files, honour the umask. */
	mode_t mask = umask(0);
	umask(mask);
	fchmod(fd, 0666 & ~mask);
	o->fp = fdopen(fd, "w");
	if (!o->fp) {
		int err = errno;
		close(fd);
		unlink(o->tmp);
		free(o->tmp);
		o->tmp = NULL;
		errno = err;
		return -1;
	}
	/* Its one writer needs no lock around each of its many writes, and
	 * a big output (6 MB for a million-prefix list) is written in 64 kB
	 * system calls, not in stdio's 4 kB (glibc sizes a buffer it
	 * allocates itself by the file system's block). */
	__fsetlocking(o->fp, FSETLOCKING_BYCALLER);
	o->buf = xmalloc(OUTPUT_BUFFER);
	setvbuf(o->fp, o->buf, _IOFBF, OUTPUT_BUFFER);
	o->path = xstrdup(path);
	return 0;
}

static void output_free(struct output *o)
{
	free(o->path);
	free(o->tmp);
	free(o->buf);
	memset(o, 0, sizeof(*o));
}

int output_commit(struct output *o)
{
	int err = 0;

	if (!o->path) {
		if (fflush(o->fp) != 0 || ferror(o->fp))
			err = errno ? errno : EIO;
		if (o->owned && fclose(o->fp) != 0 && !err)
			err = errno;
		output_free(o);
		errno = err;
		return err ? -1 : 0;
	}
	if (fflush(o->fp) != 0 || ferror(o->fp) || fsync(fileno(o->fp)) != 0)
		err = errno ? errno : EIO;
	if (fclose(o->fp) != 0 && !err)
		err = errno;
	o->fp = NULL;
	if (!err && rename(o->tmp, o->path) != 0)
		err = errno;
	if (err)
		unlink(o->tmp);
	output_free(o);
	errno = err;
	return err ? -1 : 0;
}

void output_abort(struct output *o)
{
	if (o->owned)
		fclose(o->fp);
	if (o->path) {
		if (o->fp)
			fclose(o->fp);
		unlink(o->tmp);
	}
	output_free(o);
}
