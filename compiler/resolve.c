/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compiler/resolve.h"

#include <stdlib.h>
#include <string.h>

#include "compiler/addrlist.h"
#include "lib/arena.h"
#include "compiler/diag.h"
#include "compiler/dns.h"
#include "compiler/hostsfile.h"
#include "lib/vec.h"
#include "lib/xalloc.h"

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

static int host_ptr_cmp(const void *pa, const void *pb)
{
	const struct host *const *a = pa, *const *b = pb;

	return strcmp((*a)->name, (*b)->name);
}

int resolution_save(const struct resolution *r, const char *policy, FILE *fp)
{
	const struct host **sorted = xmalloc((r->nhosts ? r->nhosts : 1) * sizeof(*sorted));
	char buf[PREFIX_STRLEN];

	memcpy(sorted, r->hosts, r->nhosts * sizeof(*sorted));
	if (r->nhosts > 1)
		qsort(sorted, r->nhosts, sizeof(*sorted), host_ptr_cmp);
	fputs("# Resolved by egressc for '", fp);
	for (const char *p = policy; *p; p++)
		fprintf(fp, (unsigned char)*p >= 0x20 && *p != 0x7f ? "%c" : "\\x%02x",
			(unsigned char)*p);
	fputs("': every address of every name.\n"
	      "# Compile with --hosts-file FILE for the same outputs, without DNS.\n",
	      fp);
	for (size_t i = 0; i < r->nhosts; i++) {
		const struct host *h = sorted[i];
		for (size_t j = 0; j < h->naddrs; j++) {
			fprintf(fp, "%s\t%s", addr_format(h->addrs[j].family, h->addrs[j].addr, buf),
				h->name);
			if (h->ttl >= 0)
				fprintf(fp, "\t# ttl=%d", h->ttl);
			fputc('\n', fp);
		}
	}
	free(sorted);
	return ferror(fp) ? -1 : 0;
}

static struct host *intern_host(struct arena *a, struct resolution *r, const struct target *use)
{
	struct host *h = strmap_get(&r->hosts_by_name, use->text);

	if (h)
		return h;
	h = arena_alloc(a, sizeof(*h));
	h->name = use->text;
	h->first_use = use;
	h->ttl = -1;
	strmap_put(&r->hosts_by_name, h->name, h);
	VEC_PUSH(r->hosts, r->nhosts, r->hosts_cap, h);
	return h;
}

/* A list is read at its first use; later uses of the same path share it. */
static struct addrlist *intern_list(struct arena *a, struct diags *d, struct resolution *r,
				    const struct target *use)
{
	const char *path = source_relative_path(a, use->loc.src, use->text);
	/* A policy read from git lists from the same revision. */
	const char *rev = use->loc.src->git_rev;
	const char *key = rev ? arena_printf(a, "%s:%s", rev, path) : path;
	struct addrlist *l = strmap_get(&r->lists_by_path, key);

	if (l)
		return l;
	l = arena_alloc(a, sizeof(*l));
	if (rev)
		addrlist_load_git(a, d, rev, path, &use->loc, l);
	else
		addrlist_load(a, d, path, &use->loc, l);
	strmap_put(&r->lists_by_path, l->path, l);
	VEC_PUSH(r->lists, r->nlists, r->lists_cap, l);
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

static void host_set_addrs(struct arena *a, struct host *h, const struct prefix *addrs, size_t n)
{
	h->addrs = arena_alloc(a, n * sizeof(*h->addrs));
	memcpy(h->addrs, addrs, n * sizeof(*h->addrs));
	h->naddrs = n;
	qsort(h->addrs, n, sizeof(*h->addrs), addr_sort_cmp);
}

static int resolve_from_file(struct arena *a, struct diags *d, const char *path,
			     struct resolution *tab, bool allow_unresolved)
{
	struct hostsfile hf;
	int rc = hostsfile_load(a, d, path, &hf);

	for (size_t i = 0; rc == 0 && i < tab->nhosts; i++) {
		struct host *h = tab->hosts[i];
		const struct hostsfile_entry *e = hostsfile_lookup(&hf, h->name);
		if (e && e->n) {
			host_set_addrs(a, h, e->addrs, e->n);
			h->ttl = e->ttl;
			continue;
		}
		/* As a name DNS does not know: --allow-unresolved warns. */
		if (allow_unresolved)
			diag_warning(d, host_loc(h),
				     "hostname '%s' is not in hosts file '%s'; its rules allow nothing",
				     h->name, diag_quote(d, path, strlen(path)));
		else
			diag_error(d, host_loc(h), "hostname '%s' is not in hosts file '%s'",
				   h->name, diag_quote(d, path, strlen(path)));
	}
	hostsfile_release(&hf);
	return rc;
}

/* The --resolver servers as c-ares takes them, "A,B:PORT" (malloc'd), or
 * NULL for resolv.conf's. */
static char *servers_csv(const struct resolve_opts *o)
{
	size_t len = 1;

	if (!o->nservers)
		return NULL;
	for (size_t i = 0; i < o->nservers; i++)
		len += strlen(o->servers[i]) + 1;
	char *csv = xmalloc(len);
	csv[0] = '\0';
	for (size_t i = 0; i < o->nservers; i++) {
		if (i)
			strcat(csv, ",");
		strcat(csv, o->servers[i]);
	}
	return csv;
}

/* Where c-ares stopped before asking anything, in the user's terms. */
static void dns_setup_failed(struct diags *d, const struct dns_error *err, const char *servers)
{
	switch (err->stage) {
	case DNS_STAGE_LIBRARY:
		diag_error(d, NULL, "cannot initialize c-ares");
		return;
	case DNS_STAGE_CHANNEL:
		diag_error(d, NULL, "cannot start the DNS resolver: %s", err->reason);
		return;
	case DNS_STAGE_SERVERS:
		diag_error(d, NULL, "bad --resolver list '%s': %s",
			   diag_quote(d, servers, strlen(servers)), err->reason);
		return;
	}
}

/* Asks DNS for HOSTS[0..N) and gives each the addresses found. A name
 * that did not resolve is an error at its first use, or with
 * allow_unresolved a warning, the name then allowing nothing. */
static void resolve_from_dns(struct arena *a, struct diags *d, struct host **hosts, size_t n,
			     const struct resolve_opts *o)
{
	char *servers = servers_csv(o);
	/* Round-robin servers rotate their answers between queries, so the
	 * union over rounds pins the whole pool. */
	struct dns_config c = {
		.servers = servers,
		.rounds = o->resolve_rounds > 0 ? o->resolve_rounds : 1,
		.timeout_ms = o->dns_timeout_ms > 0 ? o->dns_timeout_ms : DNS_TIMEOUT_MS_DEFAULT,
	};
	const char **names = xcalloc(n, sizeof(*names));
	struct dns_result *results = xcalloc(n, sizeof(*results));
	struct dns_error err;

	for (size_t i = 0; i < n; i++)
		names[i] = hosts[i]->name;
	if (dns_lookup(names, n, &c, results, &err) < 0) {
		dns_setup_failed(d, &err, servers);
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		struct host *h = hosts[i];
		struct dns_result *r = &results[i];
		if (r->status) {
			const char *why = dns_status_reason(r->status);
			if (o->allow_unresolved)
				diag_warning(d, host_loc(h),
					     "'%s' did not resolve: %s; its rules allow nothing",
					     h->name, why);
			else
				diag_error(d, host_loc(h), "'%s' did not resolve: %s", h->name,
					   why);
			h->naddrs = 0;
		} else {
			h->addrs = arena_alloc(a, r->n * sizeof(*h->addrs));
			memcpy(h->addrs, r->addrs, r->n * sizeof(*h->addrs));
			h->naddrs = r->n;
			h->ttl = r->ttl;
		}
		dns_result_release(r);
	}
done:
	free(results);
	free(names);
	free(servers);
}

struct host *resolve_hostname(struct arena *a, struct diags *d, const char *name,
			      const struct resolve_opts *opts, struct resolution *r)
{
	unsigned errors = d->errors;
	struct host *h = arena_alloc(a, sizeof(*h));

	h->name = arena_strdup(a, name);
	h->ttl = -1;
	VEC_PUSH(r->hosts, r->nhosts, r->hosts_cap, h);
	if (opts->hosts_file) {
		struct resolution one = { .hosts = &h, .nhosts = 1 };
		/* The name asked about must resolve, whatever the policy's may. */
		resolve_from_file(a, d, opts->hosts_file, &one, false);
	} else {
		struct resolve_opts must = *opts;
		must.allow_unresolved = false;
		resolve_from_dns(a, d, &h, 1, &must);
	}
	return d->errors > errors || !h->naddrs ? NULL : h;
}

void resolve_collect(struct arena *a, struct diags *d, struct policy *p, struct resolution *tab)
{
	for (struct stmt *s = p->stmts; s; s = s->next)
		if (s->kind == STMT_RULE)
			collect(a, d, tab, s->rule.targets);
}

int resolve_policy(struct arena *a, struct diags *d, struct policy *p,
		   const struct resolve_opts *opts, struct resolution *tab)
{
	unsigned errors = d->errors;

	resolve_collect(a, d, p, tab);
	if (tab->nhosts == 0)
		return d->errors > errors ? -1 : 0;
	if (opts->hosts_file)
		resolve_from_file(a, d, opts->hosts_file, tab, opts->allow_unresolved);
	else
		resolve_from_dns(a, d, tab->hosts, tab->nhosts, opts);
	return d->errors > errors ? -1 : 0;
}
