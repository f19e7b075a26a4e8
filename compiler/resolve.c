#include "resolve.h"

#include <stdlib.h>
#include <string.h>

#include "addrlist.h"
#include "arena.h"
#include "diag.h"
#include "hostsfile.h"

void resolution_init(struct resolution *r)
{
	memset(r, 0, sizeof(*r));
	strmap_init(&r->hosts_by_name);
	strmap_init(&r->lists_by_path);
}

void resolution_release(struct resolution *r)
{
	strmap_release(&r->hosts_by_name);
	strmap_release(&r->lists_by_path);
	for (size_t i = 0; i < r->nlists; i++)
		addrlist_release(r->lists[i]);
	free(r->hosts);
	free(r->lists);
	memset(r, 0, sizeof(*r));
}

static struct host *intern_host(struct arena *a, struct resolution *r, const struct target *use)
{
	struct host *h = strmap_get(&r->hosts_by_name, use->text);

	if (h)
		return h;
	h = arena_alloc(a, sizeof(*h));
	h->name = use->text;
	h->first_use = use;
	strmap_put(&r->hosts_by_name, h->name, h);
	r->hosts = xrealloc(r->hosts, (r->nhosts + 1) * sizeof(*r->hosts));
	r->hosts[r->nhosts++] = h;
	return h;
}

/* A list is read at its first use; later uses of the same path share it. */
static struct addrlist *intern_list(struct arena *a, struct diags *d, struct resolution *r,
				    const struct target *use)
{
	const char *path = source_relative_path(a, use->loc.src, use->text);
	struct addrlist *l = strmap_get(&r->lists_by_path, path);

	if (l)
		return l;
	l = arena_alloc(a, sizeof(*l));
	addrlist_load(a, d, path, &use->loc, l);
	strmap_put(&r->lists_by_path, l->path, l);
	r->lists = xrealloc(r->lists, (r->nlists + 1) * sizeof(*r->lists));
	r->lists[r->nlists++] = l;
	return l;
}

/* Interns every hostname and list under T, following defines (check.c cut
 * cycles and bounded the depth). */
static void collect(struct arena *a, struct diags *d, struct resolution *r, struct target *t)
{
	for (; t; t = t->next) {
		if (t->kind == TARGET_HOST)
			t->host = intern_host(a, r, t);
		else if (t->kind == TARGET_FILE)
			t->list = intern_list(a, d, r, t);
		else if (t->kind == TARGET_VARIABLE && t->define)
			collect(a, d, r, t->define->define.targets);
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
			     struct resolution *tab)
{
	struct hostsfile hf;
	int rc = hostsfile_load(a, d, path, &hf);

	for (size_t i = 0; rc == 0 && i < tab->nhosts; i++) {
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
		   const struct resolve_opts *opts, struct resolution *tab)
{
	unsigned errors = d->errors;

	for (struct stmt *s = p->stmts; s; s = s->next)
		if (s->kind == STMT_RULE)
			collect(a, d, tab, s->rule.targets);
	if (tab->nhosts == 0)
		return d->errors > errors ? -1 : 0;
	if (!opts->hosts_file) {
		diag_error(d, &tab->hosts[0]->first_use->loc,
			   "hostname '%s' needs addresses: pass --hosts-file FILE", tab->hosts[0]->name);
		return -1;
	}
	resolve_from_file(a, d, opts->hosts_file, tab);
	return d->errors > errors ? -1 : 0;
}
