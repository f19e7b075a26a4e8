/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compiler/source.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/arena.h"
#include "compiler/diag.h"
#include "lib/utf8.h"
#include "lib/xalloc.h"

static struct source *source_new(struct arena *a, const char *path, char *text, size_t len)
{
	struct source *s = arena_alloc(a, sizeof(*s));

	s->path = arena_strdup(a, path);
	s->text = text;
	s->len = len;
	return s;
}

struct source *source_from_buffer(struct arena *a, const char *name, const char *text,
				  size_t len)
{
	return source_new(a, name, arena_strndup(a, text, len), len);
}

struct source *source_load(struct arena *a, struct diags *d, const char *path,
			   const struct loc *at)
{
	const char *q = diag_quote(d, path, strlen(path));
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		diag_error(d, at, "cannot open '%s': %s", q, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0) {
		diag_error(d, at, "cannot stat '%s': %s", q, strerror(errno));
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		diag_error(d, at, "'%s' is a directory, not a file", q);
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		diag_error(d, at, "'%s' is not a regular file", q);
		goto fail;
	}
	if ((unsigned long long)st.st_size > SOURCE_MAX_BYTES) {
		diag_error(d, at, "'%s' is larger than the limit of %u bytes", q,
			   SOURCE_MAX_BYTES);
		goto fail;
	}

	/* The size is a hint: a file in /proc says 0, and a file may grow
	 * while it is read. Read to the end, into the arena while the hint
	 * holds, then into a growing buffer, within the limit either way. */
	size_t cap = (size_t)st.st_size + 1, len = 0;
	char *text = arena_alloc(a, cap + 1), *grown = NULL;
	for (;;) {
		if (len == cap) {
			if (len > SOURCE_MAX_BYTES) {
				diag_error(d, at, "'%s' is larger than the limit of %u bytes", q,
					   SOURCE_MAX_BYTES);
				free(grown);
				goto fail;
			}
			cap = cap * 2 > SOURCE_MAX_BYTES + 1 ? SOURCE_MAX_BYTES + 1 : cap * 2;
			if (!grown) {
				grown = xmalloc(cap + 1);
				memcpy(grown, text, len);
			} else {
				grown = xrealloc(grown, cap + 1);
			}
			text = grown;
		}
		ssize_t n = read(fd, text + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			diag_error(d, at, "cannot read '%s': %s", q, strerror(errno));
			free(grown);
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (grown) {
		text = arena_strndup(a, grown, len);
		free(grown);
	}
	close(fd);
	text[len] = '\0';
	struct source *src = source_new(a, path, text, len);
	src->file = src->path;
	return src;
fail:
	close(fd);
	return NULL;
}

int source_validate(struct diags *d, const struct source *s)
{
	const unsigned char *text = (const unsigned char *)s->text;
	struct loc at = { .src = s, .first_line = 1, .last_line = 1 };
	bool reported = false;	/* one error a line is enough */
	size_t line_start = 0, n;
	int bad = 0;

	for (size_t i = 0; i < s->len; i += n) {
		size_t col = i - line_start;

		n = 1;
		at.first_column = at.last_column = (int)col + 1;
		if (text[i] == '\n') {
			at.first_line = ++at.last_line;
			line_start = i + 1;
			reported = false;
			continue;
		}
		if (text[i] == '\0') {
			if (!reported)
				diag_error(d, &at, "NUL byte in text");
		} else if ((n = utf8_sequence(text + i, s->len - i)) == 0) {
			n = 1;
			if (!reported)
				diag_error(d, &at, "invalid UTF-8 (byte 0x%02x)", text[i]);
		} else if (col >= SOURCE_MAX_LINE) {
			if (!reported)
				diag_error(d, &at, "line is longer than the limit of %d bytes",
					   SOURCE_MAX_LINE);
		} else {
			continue;
		}
		reported = true;
		bad = 1;
	}
	return bad ? -1 : 0;
}

const char *source_relative_path(struct arena *a, const struct source *from, const char *path)
{
	const char *slash = strrchr(from->path, '/');

	if (path[0] == '/' || !slash)
		return path;
	return arena_printf(a, "%.*s/%s", (int)(slash - from->path), from->path, path);
}
