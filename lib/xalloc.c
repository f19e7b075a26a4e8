/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "lib/xalloc.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void xalloc_die(void)
{
	fputs("egressc: out of memory\n", stderr);
	abort();
}

/* A request for 0 bytes asks for 1, so NULL always means failure. */
void *xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (!p)
		xalloc_die();
	return p;
}

void *xrealloc(void *p, size_t size)
{
	p = realloc(p, size ? size : 1);
	if (!p)
		xalloc_die();
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		xalloc_die();
	return p;
}

void *xreallocarray(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		xalloc_die();
	return xrealloc(p, n * size);
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);

	if (!p)
		xalloc_die();
	return p;
}

FILE *xopen_memstream(char **buf, size_t *len)
{
	FILE *fp = open_memstream(buf, len);

	if (!fp)
		xalloc_die();
	return fp;
}

/* A write that could not grow the buffer leaves only the error flag: the
 * final flush may still succeed on what is left. */
void xmemstream_close(FILE *fp)
{
	bool failed = ferror(fp);

	if (fclose(fp) != 0 || failed)
		xalloc_die();
}
