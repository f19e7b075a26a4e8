/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Arrays that grow as elements are appended. The owner keeps three
 * fields side by side - a pointer, a count and a capacity (size_t), all
 * zero for an empty array - and asks VEC_GROW() for room before it stores
 * past the count. Capacity doubles, so appending N elements copies O(N)
 * of them, and running out of memory aborts (xalloc.h).
 *
 * The array is malloc'd and belongs to whoever holds the pointer: free()
 * it once, and zero the count and capacity with it if the owner lives on.
 * A pointer not from malloc (a one-element array on the stack, say) must
 * come with a capacity no larger than what it points to and is never
 * grown. VEC_GROW_ARENA() is the exception: its arrays are the arena's. */
#ifndef EGRESSC_VEC_H
#define EGRESSC_VEC_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/xalloc.h"

/* The capacity of an array's first allocation, in elements. */
#define VEC_MIN_CAP 8

/* Makes room for at least NEED elements in V, whose capacity the lvalue
 * CAP holds and is updated. V and CAP are evaluated more than once. */
#define VEC_GROW(v, need, cap)            \
	((void)((size_t)(need) > (cap) && \
		((v) = vec_grow((v), (size_t)(need), &(cap), sizeof(*(v))), 1)))

/* Appends the value X to V, which holds N elements (an lvalue, incremented).
 * X may be a compound literal; it must not read N. */
#define VEC_PUSH(v, n, cap, ...) (VEC_GROW(v, (n) + 1, cap), (v)[(n)++] = (__VA_ARGS__))

/* The capacity that holds NEED elements, doubling from CAP. */
static inline size_t vec_capacity(size_t cap, size_t need)
{
	size_t c = cap ? cap : VEC_MIN_CAP;

	while (c < need)
		c = c > SIZE_MAX / 2 ? need : c * 2;
	return c;
}

/* VEC_GROW()'s work, for arrays of SIZE-byte elements. */
static inline void *vec_grow(void *v, size_t need, size_t *cap, size_t size)
{
	*cap = vec_capacity(*cap, need);
	return xreallocarray(v, *cap, size);
}

/* The same for an array that lives in arena A as long as the arena does:
 * the first N elements move to a larger block, and the old one stays in
 * the arena, unused, until arena_release(). Never free() such an array. */
#define VEC_GROW_ARENA(a, v, n, need, cap) \
	((void)((size_t)(need) > (cap) &&  \
		((v) = vec_grow_arena((a), (v), (n), (size_t)(need), &(cap), sizeof(*(v))), 1)))

static inline void *vec_grow_arena(struct arena *a, const void *v, size_t n, size_t need,
				   size_t *cap, size_t size)
{
	size_t c = vec_capacity(*cap, need);

	if (size && c > SIZE_MAX / size)
		xalloc_die();
	void *grown = arena_alloc(a, c * size);
	if (n)
		memcpy(grown, v, n * size);
	*cap = c;
	return grown;
}

#endif
