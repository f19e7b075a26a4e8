/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "lib/xalloc.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

void xalloc_die(void)
{
	fputs("egressc: out of memory\n", stderr);
	abort();
}

/* The huge pages of this machine's kernel, as it hands them to a range
 * that asks for them (Debian's transparent huge pages are "madvise"). */
#define HUGE_PAGE_SIZE ((uintptr_t)2 << 20)

/* Asks for huge pages under the huge-page-aligned part of a large block:
 * a compile of a large policy first touches a few hundred MB, and
 * faulting that in 4 KB at a time took a quarter of its time. Only
 * advice: where the kernel declines, nothing changes but the speed. */
static void *advise_huge_pages(void *p, size_t size)
{
	uintptr_t lo = ((uintptr_t)p + HUGE_PAGE_SIZE - 1) & ~(HUGE_PAGE_SIZE - 1);
	uintptr_t hi = ((uintptr_t)p + size) & ~(HUGE_PAGE_SIZE - 1);

	if (size >= 2 * HUGE_PAGE_SIZE && hi > lo)
		(void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
	return p;
}

/* A request for 0 bytes asks for 1, so NULL always means failure. */
void *xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (!p)
		xalloc_die();
	return advise_huge_pages(p, size);
}

void *xrealloc(void *p, size_t size)
{
	p = realloc(p, size ? size : 1);
	if (!p)
		xalloc_die();
	return advise_huge_pages(p, size);
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		xalloc_die();
	/* calloc() checked that N * SIZE does not wrap. */
	return advise_huge_pages(p, n * size);
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
	/* One owner, one thread: the emitters' millions of small writes
	 * need not take the stream's lock each. */
	__fsetlocking(fp, FSETLOCKING_BYCALLER);
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
