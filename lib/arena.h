/* One arena per compilation: the AST, its strings and the diagnostics live
 * here and are freed together by arena_release(). Nothing allocated from an
 * arena is freed on its own. */
#ifndef EGRESSC_ARENA_H
#define EGRESSC_ARENA_H

#include <stddef.h>

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

/* Out-of-memory is not a condition egressc recovers from. */
void *xmalloc(size_t size);
void *xrealloc(void *p, size_t size);
void *xcalloc(size_t n, size_t size);
char *xstrdup(const char *s);

#endif
