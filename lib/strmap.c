/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "lib/strmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"

/* FNV-1a: short keys, no adversary that profits from collisions here. */
static size_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return (size_t)h;
}

void strmap_init(struct strmap *m)
{
	memset(m, 0, sizeof(*m));
}

/* The slot of KEY, whose hash is H, or the free slot where it goes. A
 * slot of another key is passed by its hash alone, mostly: a map of
 * 65,535 class names spent its time fetching keys for strcmp(). */
static struct strmap_slot *find(const struct strmap *m, const char *key, size_t h)
{
	size_t i = h & (m->cap - 1);

	while (m->slots[i].key && (m->slots[i].hash != h || strcmp(m->slots[i].key, key) != 0))
		i = (i + 1) & (m->cap - 1);
	return &m->slots[i];
}

void *strmap_get(const struct strmap *m, const char *key)
{
	return m->cap ? find(m, key, hash(key))->value : NULL;
}

/* To CAP slots (a power of two, room for every key at load 1/2). */
static void grow_to(struct strmap *m, size_t cap)
{
	struct strmap old = *m;

	m->cap = cap;
	m->slots = xcalloc(m->cap, sizeof(*m->slots));
	/* The keys are distinct: each goes to the first free slot. */
	for (size_t i = 0; i < old.cap; i++) {
		if (!old.slots[i].key)
			continue;
		size_t j = old.slots[i].hash & (m->cap - 1);
		while (m->slots[j].key)
			j = (j + 1) & (m->cap - 1);
		m->slots[j] = old.slots[i];
	}
	free(old.slots);
}

void *strmap_put(struct strmap *m, const char *key, void *value)
{
	/* Keep the load factor under 1/2 so probes stay short. */
	if ((m->count + 1) * 2 > m->cap)
		grow_to(m, m->cap ? m->cap * 2 : 16);
	size_t h = hash(key);
	struct strmap_slot *s = find(m, key, h);
	void *old = s->value;
	if (!s->key) {
		s->key = key;
		s->hash = h;
		m->count++;
	}
	s->value = value;
	return old;
}

void strmap_reserve(struct strmap *m, size_t n)
{
	size_t cap = m->cap ? m->cap : 16;

	while (cap < SIZE_MAX / 4 && cap < 2 * n)
		cap *= 2;
	if (cap > m->cap)
		grow_to(m, cap);
}

void strmap_release(struct strmap *m)
{
	free(m->slots);
	strmap_init(m);
}
