/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "host/wholefile.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compiler/diag.h"
#include "lib/output.h"
#include "lib/vec.h"
#include "lib/xalloc.h"

/* Reads PATH whole into *TEXT (NUL-terminated, malloc'd). */
int wholefile_read(const char *path, char **text, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0, got;

	if (!fp)
		return -1;
	do {
		/* Room for a read worth a system call, and the NUL. */
		VEC_GROW(buf, n + 4096 + 1, cap);
		got = fread(buf + n, 1, cap - n - 1, fp);
		n += got;
	} while (got > 0);
	int failed = ferror(fp);
	fclose(fp);
	if (failed) {
		free(buf);
		errno = EIO;
		return -1;
	}
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return 0;
}

/* Links followed before ELOOP, as the kernel's own limit. */
enum { MAX_LINKS = 40 };

/* The target of the symbolic link PATH (malloc'd), or NULL with errno. */
static char *read_link(const char *path)
{
	for (size_t size = 256;; size *= 2) {
		char *buf = xmalloc(size);
		ssize_t n = readlink(path, buf, size);
		if (n < 0) {
			int err = errno;
			free(buf);
			errno = err;
			return NULL;
		}
		if ((size_t)n < size) {
			buf[n] = '\0';
			return buf;
		}
		free(buf);
	}
}

/* The file PATH names once the symbolic links in its last component are
 * followed (malloc'd): the path to create when the last link dangles.
 * Directories on the way are the kernel's to resolve. NULL with errno
 * (ELOOP for a loop). */
static char *follow_links(const char *path)
{
	char *cur = xstrdup(path);
	struct stat st;

	for (int hops = 0; lstat(cur, &st) == 0 && S_ISLNK(st.st_mode); hops++) {
		char *target = hops < MAX_LINKS ? read_link(cur) : NULL;
		if (!target) {
			int err = hops < MAX_LINKS ? errno : ELOOP;
			free(cur);
			errno = err;
			return NULL;
		}
		const char *slash = strrchr(cur, '/');
		if (target[0] != '/' && slash) {
			/* Relative to the directory holding the link. */
			size_t dirlen = (size_t)(slash - cur) + 1;
			char *joined = xmalloc(dirlen + strlen(target) + 1);
			memcpy(joined, cur, dirlen);
			strcpy(joined + dirlen, target);
			free(target);
			target = joined;
		}
		free(cur);
		cur = target;
	}
	return cur;
}

/* Writes PATH whole, through symbolic links, keeping the mode and owner
 * of the file it replaces. A file that cannot be renamed over (a
 * container's bind-mounted /etc/hosts) is rewritten in place instead. */
int wholefile_write(const char *path, const char *text, size_t len, struct diags *d)
{
	struct output out;
	struct stat st;
	char *target = follow_links(path);

	if (!target)
		goto fail;
	bool had = stat(target, &st) == 0;
	if (output_open(&out, target) < 0)
		goto fail;
	/* A temporary (not a device written directly) takes the old file's
	 * owner, then its mode: chown may clear set-id bits. */
	if (out.path && had &&
	    (fchown(fileno(out.fp), st.st_uid, st.st_gid) < 0 ||
	     fchmod(fileno(out.fp), st.st_mode & 07777) < 0)) {
		int err = errno;
		output_abort(&out);
		errno = err;
		goto fail;
	}
	if (fwrite(text, 1, len, out.fp) != len) {
		int err = errno;
		output_abort(&out);
		errno = err ? err : EIO;
		goto fail;
	}
	if (output_commit(&out) < 0) {
		if (errno != EBUSY)
			goto fail;
		FILE *fp = fopen(target, "r+b");
		if (!fp)
			goto fail;
		if (fwrite(text, 1, len, fp) != len || fflush(fp) != 0 ||
		    ftruncate(fileno(fp), (off_t)len) != 0) {
			int err = errno;
			fclose(fp);
			errno = err;
			goto fail;
		}
		if (fclose(fp) != 0)
			goto fail;
	}
	free(target);
	return 0;
fail:
	if (target && strcmp(target, path) != 0)
		diag_error(d, NULL, "cannot write '%s' (a link to '%s'): %s", path, target,
			   strerror(errno));
	else
		diag_error(d, NULL, "cannot write '%s': %s", path, strerror(errno));
	free(target);
	return -1;
}
