/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One arena per compilation: the AST, its strings and the diagnostics live
 * here and are freed together by arena_release(). Nothing allocated from an
 * arena is freed on its own. */
#ifndef EGRESSC_ARENA_H
#define EGRESSC_ARENA_H

#include <stddef.h>

/* Callers that allocate from both an arena and the heap have long found
 * xmalloc() here; cmd/ and emit/ still do. */
#include "lib/xalloc.h"

struct arena_block;

struct arena {
	struct arena_block *head;
};

#define ARENA_INIT { NULL }

void arena_init(struct arena *a);
/* Zeroed, aligned for any object; aborts on out-of-memory. */
void *arena_alloc(struct arena *a, size_t size);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
char *arena_printf(struct arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void arena_release(struct arena *a);

#endif
