#include "wholefile.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "output.h"

/* Reads PATH whole into *TEXT (NUL-terminated, malloc'd). */
int wholefile_read(const char *path, char **text, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0, got;

	if (!fp)
		return -1;
	do {
		if (cap - n < 4096) {
			cap = cap ? 2 * cap : 8192;
			char *grown = realloc(buf, cap + 1);
			if (!grown) {
				free(buf);
				fclose(fp);
				errno = ENOMEM;
				return -1;
			}
			buf = grown;
		}
		got = fread(buf + n, 1, cap - n, fp);
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

/* Writes PATH whole, keeping the mode and owner of the file it replaces.
 * A file that cannot be renamed over (a container's bind-mounted
 * /etc/hosts) is rewritten in place instead. */
int wholefile_write(const char *path, const char *text, size_t len, struct diags *d)
{
	struct output out;
	struct stat st;
	bool had = stat(path, &st) == 0;

	if (output_open(&out, path) < 0)
		goto fail;
	if (fwrite(text, 1, len, out.fp) != len) {
		output_abort(&out);
		goto fail;
	}
	if (output_commit(&out) < 0) {
		if (errno != EBUSY)
			goto fail;
		FILE *fp = fopen(path, "r+b");
		if (!fp || fwrite(text, 1, len, fp) != len || fflush(fp) != 0 ||
		    ftruncate(fileno(fp), (off_t)len) != 0 || fclose(fp) != 0)
			goto fail;
		return 0;
	}
	if (had && (chmod(path, st.st_mode & 07777) < 0 || chown(path, st.st_uid, st.st_gid) < 0))
		goto fail;
	return 0;
fail:
	diag_error(d, NULL, "cannot write '%s': %s", path, strerror(errno));
	return -1;
}
