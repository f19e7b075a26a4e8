#include "source.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"
#include "diag.h"

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

	size_t cap = (size_t)st.st_size, len = 0;
	char *text = arena_alloc(a, cap + 1);
	/* The size can change under us; read what is there, up to the stat size. */
	while (len < cap) {
		ssize_t n = read(fd, text + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			diag_error(d, at, "cannot read '%s': %s", q, strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	text[len] = '\0';
	return source_new(a, path, text, len);
fail:
	close(fd);
	return NULL;
}

const char *source_line(const struct source *s, int line, size_t *len)
{
	const char *p = s->text, *end = s->text + s->len;

	for (int l = 1; l < line && p < end; l++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl) {
			p = end;
			break;
		}
		p = nl + 1;
	}
	const char *e = memchr(p, '\n', (size_t)(end - p));
	if (!e)
		e = end;
	if (e > p && e[-1] == '\r')
		e--;
	*len = (size_t)(e - p);
	return p;
}
