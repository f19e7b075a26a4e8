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
#include "compiler/gitblob.h"
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

/* Reads FD to its end into *TEXT (in A, NUL-terminated), within
 * SOURCE_MAX_BYTES; Q names it in errors. The size is a hint: a file in
 * /proc says 0, a pipe says nothing, and a file may grow while it is
 * read. Read into the arena while the hint holds, then into a growing
 * buffer. */
static int read_all(struct arena *a, struct diags *d, int fd, size_t hint, const char *q,
		    const struct loc *at, char **text_out, size_t *len_out)
{
	size_t cap = hint + 1, len = 0;
	char *text = arena_alloc(a, cap + 1), *grown = NULL;

	for (;;) {
		if (len == cap) {
			if (len > SOURCE_MAX_BYTES) {
				diag_error(d, at, "'%s' is larger than the limit of %u bytes", q,
					   SOURCE_MAX_BYTES);
				free(grown);
				return -1;
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
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (grown) {
		text = arena_strndup(a, grown, len);
		free(grown);
	}
	text[len] = '\0';
	*text_out = text;
	*len_out = len;
	return 0;
}

/* What may be read, besides regular files. */
enum accept {
	ACCEPT_FILES,		/* regular files only */
	ACCEPT_STREAMS,		/* and pipes, sockets */
	ACCEPT_STDIN,		/* and devices: what standard input was made */
};

/* Whether what FD is may be read: a regular file, or as ACCEPT says a pipe
 * or socket (what a shell hands over: '<(...)', '/dev/fd/N'). Never a
 * directory, nor a device unless standard input is one: a device named
 * by a path could block forever or never end. */
static int check_kind(struct diags *d, int fd, const char *q, const struct loc *at,
		      enum accept accept, struct stat *st)
{
	bool streams = accept != ACCEPT_FILES;

	if (fstat(fd, st) < 0) {
		diag_error(d, at, "cannot stat '%s': %s", q, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st->st_mode)) {
		diag_error(d, at, "'%s' is a directory, not a file", q);
		return -1;
	}
	if (streams && (S_ISFIFO(st->st_mode) || S_ISSOCK(st->st_mode)))
		return 0;
	/* Standard input is what the user made it, /dev/null or a terminal. */
	if (accept == ACCEPT_STDIN && !S_ISREG(st->st_mode))
		return 0;
	if (!S_ISREG(st->st_mode)) {
		diag_error(d, at, streams ? "'%s' is not a regular file, a pipe or a socket"
					  : "'%s' is not a regular file", q);
		return -1;
	}
	if ((unsigned long long)st->st_size > SOURCE_MAX_BYTES) {
		diag_error(d, at, "'%s' is larger than the limit of %u bytes", q, SOURCE_MAX_BYTES);
		return -1;
	}
	return 0;
}

static struct source *load_fd(struct arena *a, struct diags *d, int fd, const char *path,
			      const struct loc *at, enum accept accept)
{
	const char *q = diag_quote(d, path, strlen(path));
	struct stat st;
	char *text;
	size_t len;

	if (check_kind(d, fd, q, at, accept, &st) < 0 ||
	    read_all(a, d, fd, S_ISREG(st.st_mode) ? (size_t)st.st_size : 0, q, at, &text, &len) < 0)
		return NULL;
	struct source *src = source_new(a, path, text, len);
	src->file = src->path;
	src->stream = !S_ISREG(st.st_mode);
	return src;
}

struct source *source_load(struct arena *a, struct diags *d, const char *path,
			   const struct loc *at)
{
	/* Not blocking in open(): a FIFO with no writer would hang it before
	 * load_fd() could refuse it. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0) {
		diag_error(d, at, "cannot open '%s': %s", diag_quote(d, path, strlen(path)),
			   strerror(errno));
		return NULL;
	}
	/* Reading a regular file never blocks anyway: no need to clear it. */
	struct source *src = load_fd(a, d, fd, path, at, ACCEPT_FILES);
	close(fd);
	return src;
}

struct source *source_load_arg(struct arena *a, struct diags *d, const char *path)
{
	if (strcmp(path, "-") == 0) {
		struct source *src = load_fd(a, d, 0, SOURCE_STDIN_NAME, NULL, ACCEPT_STDIN);
		if (src)
			src->stream = true;
		return src;
	}
	/* Not blocking in open(): a FIFO with no writer yet is a mistake to
	 * report, not to wait for; reading then waits as a pipe does. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		diag_error(d, NULL, "cannot open '%s': %s", diag_quote(d, path, strlen(path)),
			   strerror(errno));
		return NULL;
	}
	int flags = fcntl(fd, F_GETFL);
	if (flags >= 0)
		fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
	struct source *src = load_fd(a, d, fd, path, NULL, ACCEPT_STREAMS);
	close(fd);
	return src;
}

struct source *source_load_git(struct arena *a, struct diags *d, const char *rev,
			       const char *path, const struct loc *at)
{
	const char *shown = arena_printf(a, "%s:%s", rev, path);
	const char *q = diag_quote(d, shown, strlen(shown));
	struct gitblob b;
	char *text, *msg;
	size_t len;

	if (path[0] == '/') {
		diag_error(d, at, "'%s': an absolute path cannot be read from git revision '%s'",
			   q, diag_quote(d, rev, strlen(rev)));
		return NULL;
	}
	if (gitblob_open(&b, rev, path) < 0) {
		diag_error(d, at, "cannot run git to read '%s': %s", q, strerror(errno));
		return NULL;
	}
	int rc = read_all(a, d, b.fd, 0, q, at, &text, &len);
	if (gitblob_close(&b, &msg) < 0) {
		if (rc == 0)
			diag_error(d, at, "cannot read '%s' from git: %s", q, msg);
		free(msg);
		return NULL;
	}
	if (rc < 0)
		return NULL;
	struct source *src = source_new(a, shown, text, len);
	src->file = arena_strdup(a, path);
	src->git_rev = arena_strdup(a, rev);
	return src;
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
	/* A file of a git revision: the path in the tree, not as shown. */
	const char *base = from->git_rev ? from->file : from->path;
	const char *slash = strrchr(base, '/');

	if (path[0] == '/' || !slash || from->stream)
		return path;
	return arena_printf(a, "%.*s/%s", (int)(slash - base), base, path);
}
