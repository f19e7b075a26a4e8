/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Allocation that does not fail: out-of-memory is not a condition egressc
 * recovers from, so every allocation outside an arena goes through these,
 * which print one line and abort. The caller owns what they return and
 * free()s it. */
#ifndef EGRESSC_XALLOC_H
#define EGRESSC_XALLOC_H

#include <stddef.h>
#include <stdio.h>

void *xmalloc(size_t size);
void *xrealloc(void *p, size_t size);
void *xcalloc(size_t n, size_t size);
/* N elements of SIZE bytes each; the multiplication cannot wrap. */
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* open_memstream(), and a stream whose buffer cannot grow is out of
 * memory too: xmemstream_close() aborts on that. */
FILE *xopen_memstream(char **buf, size_t *len);
void xmemstream_close(FILE *fp);

/* Never returns: for the allocation failures the functions above do not
 * see (a library's own allocation, an overflowing size). */
void xalloc_die(void) __attribute__((noreturn));

#endif
