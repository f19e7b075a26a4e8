#include "resolve.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "diag.h"
#include "hostsfile.h"

void hosttab_init(struct hosttab *t)
{
	memset(t, 0, sizeof(*t));
	strmap_init(&t->by_name);
}

void hosttab_release(struct hosttab *t)
{
	strmap_release(&t->by_name);
	free(t->hosts);
	memset(t, 0, sizeof(*t));
}

static struct host *hosttab_intern(struct arena *a, struct hosttab *t, const struct target *use)
{
	struct host *h = strmap_get(&t->by_name, use->text);

	if (h)
		return h;
	h = arena_alloc(a, sizeof(*h));
	h->name = use->text;
	h->first_use = use;
	strmap_put(&t->by_name, h->name, h);
	t->hosts = xrealloc(t->hosts, (t->n + 1) * sizeof(*t->hosts));
	t->hosts[t->n++] = h;
	return h;
}

/* Interns every hostname under T, following defines (check.c cut cycles
 * and bounded the depth). */
static void collect(struct arena *a, struct hosttab *tab, struct target *t)
{
	for (; t; t = t->next) {
		if (t->kind == TARGET_HOST)
			t->host = hosttab_intern(a, tab, t);
		else if (t->kind == TARGET_VARIABLE && t->define)
			collect(a, tab, t->define->define.targets);
	}
}

static int prefix_cmp(const void *pa, const void *pb)
{
	const struct prefix *a = pa, *b = pb;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return a->addr < b->addr ? -1 : a->addr > b->addr;
}

static void host_set_addrs(struct arena *a, struct host *h, const struct prefix *addrs, size_t n)
{
	h->addrs = arena_alloc(a, n * sizeof(*h->addrs));
	memcpy(h->addrs, addrs, n * sizeof(*h->addrs));
	h->naddrs = n;
	qsort(h->addrs, n, sizeof(*h->addrs), prefix_cmp);
}

static int resolve_from_file(struct arena *a, struct diags *d, const char *path,
			     struct hosttab *tab)
{
	struct hostsfile hf;
	int rc = hostsfile_load(a, d, path, &hf);

	for (size_t i = 0; rc == 0 && i < tab->n; i++) {
		struct host *h = tab->hosts[i];
		const struct hostsfile_entry *e = hostsfile_lookup(&hf, h->name);
		if (e && e->n) {
			host_set_addrs(a, h, e->addrs, e->n);
			continue;
		}
		diag_error(d, &h->first_use->loc, "hostname '%s' is not in hosts file '%s'",
			   h->name, diag_quote(d, path, strlen(path)));
	}
	hostsfile_release(&hf);
	return rc;
}

int resolve_policy(struct arena *a, struct diags *d, struct policy *p,
		   const struct resolve_opts *opts, struct hosttab *tab)
{
	unsigned errors = d->errors;

	for (struct stmt *s = p->stmts; s; s = s->next)
		if (s->kind == STMT_RULE)
			collect(a, tab, s->rule.targets);
	if (tab->n == 0)
		return 0;
	if (!opts->hosts_file) {
		diag_error(d, &tab->hosts[0]->first_use->loc,
			   "hostname '%s' needs addresses: pass --hosts-file FILE", tab->hosts[0]->name);
		return -1;
	}
	resolve_from_file(a, d, opts->hosts_file, tab);
	return d->errors > errors ? -1 : 0;
}
