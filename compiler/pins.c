/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compiler/pins.h"

#include <stdlib.h>
#include <string.h>

#include <ares.h>

#include "compiler/dns.h"
#include "compiler/hostsfile.h"
#include "compiler/model.h"
#include "compiler/resolve.h"
#include "lib/vec.h"
#include "lib/xalloc.h"

static int pin_cmp(const void *a, const void *b)
{
	return strcmp(((const struct pin *)a)->name, ((const struct pin *)b)->name);
}

void pins_from_model(struct pins *ps, const struct model *m)
{
	memset(ps, 0, sizeof(*ps));
	for (size_t i = 0; i < m->npinned; i++) {
		struct pin p = { m->pinned[i]->name, m->pinned[i]->addrs, m->pinned[i]->naddrs };
		VEC_PUSH(ps->pins, ps->n, ps->cap, p);
	}
	/* model.pinned is sorted by name already. */
}

void pins_from_hostsfile(struct pins *ps, const struct hostsfile *hf)
{
	memset(ps, 0, sizeof(*ps));
	for (size_t i = 0; i < hf->names.cap; i++) {
		const struct strmap_slot *s = &hf->names.slots[i];
		if (!s->key)
			continue;
		const struct hostsfile_entry *e = s->value;
		struct prefix *sorted = xreallocarray(NULL, e->n + 1, sizeof(*sorted));
		if (e->n) {
			memcpy(sorted, e->addrs, e->n * sizeof(*sorted));
			qsort(sorted, e->n, sizeof(*sorted), addr_sort_cmp);
		}
		struct pin p = { s->key, sorted, e->n };
		VEC_PUSH(ps->pins, ps->n, ps->cap, p);
	}
	if (ps->n > 1)
		qsort(ps->pins, ps->n, sizeof(*ps->pins), pin_cmp);
	ps->owns_addrs = true;
}

void pins_release(struct pins *ps)
{
	if (ps->owns_addrs)
		for (size_t i = 0; i < ps->n; i++)
			free((void *)ps->pins[i].addrs);
	free(ps->pins);
	memset(ps, 0, sizeof(*ps));
}

/* A - B of two sorted, unique address arrays, into *OUT (malloc'd). */
static size_t prefixes_minus(const struct prefix *a, size_t na, const struct prefix *b, size_t nb,
			     struct prefix **out)
{
	size_t n = 0, j = 0;

	*out = xreallocarray(NULL, na + 1, sizeof(**out));
	for (size_t i = 0; i < na; i++) {
		while (j < nb && addr_sort_cmp(&b[j], &a[i]) < 0)
			j++;
		if (j == nb || addr_sort_cmp(&b[j], &a[i]) != 0)
			(*out)[n++] = a[i];
	}
	return n;
}

int pins_compare(const struct pins *ps, const struct resolve_opts *o, struct diags *d,
		 struct pin_drift **out)
{
	const char **names = xreallocarray(NULL, ps->n + 1, sizeof(*names));
	struct dns_result *results = xcalloc(ps->n + 1, sizeof(*results));
	struct pin_drift *drifts = xcalloc(ps->n + 1, sizeof(*drifts));

	*out = NULL;
	for (size_t i = 0; i < ps->n; i++)
		names[i] = ps->pins[i].name;
	if (ps->n && resolve_names_now(d, names, ps->n, o, results) < 0) {
		free(names);
		free(results);
		free(drifts);
		return -1;
	}
	for (size_t i = 0; i < ps->n; i++) {
		const struct pin *p = &ps->pins[i];
		struct dns_result *r = &results[i];
		struct pin_drift *dr = &drifts[i];
		dr->pin = p;
		dr->status = r->status;
		dr->ttl = r->ttl;
		if (!r->status) {
			dr->nadded = prefixes_minus(r->addrs, r->n, p->addrs, p->naddrs, &dr->added);
			dr->ngone = prefixes_minus(p->addrs, p->naddrs, r->addrs, r->n, &dr->gone);
			dr->now = r->addrs;	/* taken over */
			dr->nnow = r->n;
			r->addrs = NULL;
		}
		dns_result_release(r);
	}
	free(names);
	free(results);
	*out = drifts;
	return 0;
}

void pin_drifts_free(struct pin_drift *drifts, size_t n)
{
	for (size_t i = 0; drifts && i < n; i++) {
		free(drifts[i].added);
		free(drifts[i].gone);
		free(drifts[i].now);
	}
	free(drifts);
}

const char *pin_drift_reason(const struct pin_drift *d)
{
	return dns_status_reason(d->status);
}

bool pin_drift_answered(const struct pin_drift *d)
{
	return d->status == 0 || d->status == ARES_ENOTFOUND || d->status == ARES_ENODATA;
}
