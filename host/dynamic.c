/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "host/dynamic.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compiler/diag.h"
#include "compiler/model.h"
#include "emit/names.h"
#include "host/keepstate.h"
#include "host/setops.h"
#include "lib/duration.h"
#include "lib/suggest.h"
#include "lib/vec.h"
#include "lib/xalloc.h"

/* What no build machine is: the whole of each range is refused, and so is
 * any network holding part of it. Private and shared ranges are where
 * build machines often are, and stay allowed. */
static const struct {
	const char *prefix, *what;
} refused[] = {
	{ "0.0.0.0/32", "the unspecified address" },
	{ "127.0.0.0/8", "a loopback address" },
	{ "169.254.0.0/16", "a link-local address (the metadata service is one)" },
	{ "224.0.0.0/4", "a multicast address" },
	{ "::/128", "the unspecified address" },
	{ "::1/128", "a loopback address" },
	{ "fe80::/10", "a link-local address" },
	{ "ff00::/8", "a multicast address" },
};

static bool prefixes_overlap(const struct prefix *a, const struct prefix *b)
{
	return a->family == b->family && a->addr <= prefix_last(b) && b->addr <= prefix_last(a);
}

int dynamic_parse_addr(const char *text, struct prefix *p, const char **why)
{
	switch (prefix_parse(text, p)) {
	case PREFIX_OK:
		break;
	case PREFIX_BAD_ADDRESS:
		*why = "not an IPv4 or IPv6 address or network";
		return -1;
	case PREFIX_BAD_LENGTH:
		*why = "the length after '/' is not a number in range";
		return -1;
	case PREFIX_HOST_BITS:
		*why = "bits are set past the length: write the network's first address";
		return -1;
	}
	if (p->len == 0) {
		*why = "that is every address";
		return -1;
	}
	/* A few entries as wide as 2000::/3 hold every public address. */
	if (p->len < (p->family == FAMILY_V4 ? DYNAMIC_V4_WIDEST : DYNAMIC_V6_WIDEST)) {
		*why = p->family == FAMILY_V4
			       ? "wider than a build network: a /8 at most for IPv4"
			       : "wider than a build network: a /32 at most for IPv6";
		return -1;
	}
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		struct prefix r;
		if (prefix_parse(refused[i].prefix, &r) == PREFIX_OK && prefixes_overlap(p, &r)) {
			*why = refused[i].what;
			return -1;
		}
	}
	return 0;
}

/* The dynamic set declared as NAME, or NULL with an error queued. */
static const struct runtime_set *find_set(const struct model *m, const char *name,
					  struct diags *d)
{
	const char **names = xreallocarray(NULL, m->nruntime + 1, sizeof(*names));
	size_t n = 0;

	for (size_t i = 0; i < m->nruntime; i++) {
		const struct runtime_set *r = &m->runtime[i];
		if (r->kind != RUNTIME_DYNAMIC)
			continue;
		if (strcmp(r->decl->dynamic.name, name) == 0) {
			free(names);
			return r;
		}
		names[n++] = r->decl->dynamic.name;
	}
	const char *near = suggest_closest(name, names, n);
	if (n == 0)
		diag_error(d, NULL, "no dynamic set '%s': the policy declares none", name);
	else if (near)
		diag_error(d, NULL, "no dynamic set '%s' in the policy; did you mean '%s'?", name, near);
	else
		diag_error(d, NULL, "no dynamic set '%s' in the policy (it declares '%s'%s)", name,
			   names[0], n > 1 ? ", ..." : "");
	free(names);
	return NULL;
}

struct listing {
	FILE *out;
};

static void list_member(void *ctx, const char *value, size_t len, uint64_t left_ms)
{
	struct listing *l = ctx;
	char dur[DURATION_STRLEN];

	if (left_ms)
		fprintf(l->out, "%.*s expires %s\n", (int)len, value,
			duration_format((uint32_t)((left_ms + 999) / 1000), dur));
	else
		fprintf(l->out, "%.*s\n", (int)len, value);
}

static int list_nft(const struct runtime_set *r, FILE *out, struct diags *d)
{
	for (int f = 0; f < FAMILY_COUNT; f++) {
		char script[128 + RUNTIME_NAME_MAX], set[RUNTIME_NAME_MAX + 8], *listing = NULL;
		snprintf(set, sizeof(set), "%s_%s", r->name, f == FAMILY_V4 ? "v4" : "v6");
		snprintf(script, sizeof(script), "list set " NFT_TABLE " %s", set);
		if (setops_nft(script, &listing, d) < 0)
			return -1;
		struct listing l = { out };
		nft_listing_members(listing, set, list_member, &l);
		free(listing);
	}
	return 0;
}

static int list_ipset(const struct runtime_set *r, FILE *out, struct diags *d)
{
	for (int f = 0; f < FAMILY_COUNT; f++) {
		char *argv[] = { "ipset", "list", (char *)r->ipset[f], NULL }, *said;
		if (setops_run(argv, "", &said) != 0) {
			diag_error(d, NULL, "ipset list %s failed:\n%s", r->ipset[f], said ? said : "");
			free(said);
			return -1;
		}
		char *members = strstr(said, "\nMembers:\n");
		for (char *line = members ? strtok(members + 10, "\n") : NULL; line;
		     line = strtok(NULL, "\n")) {
			char addr[PREFIX_STRLEN + 1], dur[DURATION_STRLEN];
			unsigned left;
			if (sscanf(line, "%44s timeout %u", addr, &left) == 2 && left)
				fprintf(out, "%s expires %s\n", addr, duration_format(left, dur));
			else if (sscanf(line, "%44s", addr) == 1)
				fprintf(out, "%s\n", addr);
		}
		free(said);
	}
	return 0;
}

/* The change RQ asks for, as one nft script or one 'ipset restore'
 * text: all of it or none. */
static char *change_text(const struct runtime_set *r, enum apply_backend b,
			 const struct dynamic_request *rq, const struct prefix *ps, uint32_t timeout)
{
	char *buf = NULL, addr[PREFIX_STRLEN];
	size_t size = 0;
	FILE *fp = xopen_memstream(&buf, &size);
	const bool add = rq->op == DYNAMIC_ADD;

	for (size_t i = 0; i < rq->naddrs; i++) {
		const int f = ps[i].family;
		prefix_format(&ps[i], addr);
		if (b == APPLY_NFT)
			fprintf(fp, "%s element " NFT_TABLE " %s_%s { %s", add ? "add" : "delete",
				r->name, f == FAMILY_V4 ? "v4" : "v6", addr);
		else
			fprintf(fp, "%s %s %s", add ? "add" : "del", r->ipset[f], addr);
		if (add)
			fprintf(fp, b == APPLY_NFT ? " timeout %us" : " timeout %u", timeout);
		fputs(b == APPLY_NFT ? " }\n" : "\n", fp);
	}
	xmemstream_close(fp);
	return buf;
}

int dynamic_run(const struct model *m, enum apply_backend b, const struct dynamic_request *rq,
		FILE *out, struct diags *d)
{
	const struct runtime_set *r = find_set(m, rq->set, d);
	char dur[DURATION_STRLEN], set_dur[DURATION_STRLEN];
	int rc = 0;

	if (!r)
		return -1;
	const uint32_t timeout = rq->timeout ? rq->timeout : r->timeout;
	if (timeout > r->timeout) {
		diag_error(d, NULL, "--timeout %s is longer than dynamic set '%s''s timeout %s",
			   duration_format(rq->timeout, dur), rq->set,
			   duration_format(r->timeout, set_dur));
		return -1;
	}
	struct prefix *ps = xreallocarray(NULL, rq->naddrs + 1, sizeof(*ps));
	for (size_t i = 0; i < rq->naddrs; i++) {
		const char *why;
		if (dynamic_parse_addr(rq->addrs[i], &ps[i], &why) < 0) {
			diag_error(d, NULL, "'%s' cannot be a member of dynamic set '%s': %s",
				   rq->addrs[i], rq->set, why);
			rc = -1;
		}
	}
	int lock = rc == 0 ? setops_lock(d) : -1;
	if (lock < 0) {
		free(ps);
		return -1;
	}
	if (rq->op == DYNAMIC_LIST) {
		rc = b == APPLY_NFT ? list_nft(r, out, d) : list_ipset(r, out, d);
	} else if (rq->naddrs) {
		char *text = change_text(r, b, rq, ps, timeout);
		if (b == APPLY_NFT) {
			rc = setops_nft(text, NULL, d);
		} else {
			char *argv[] = { "ipset", "restore", rq->op == DYNAMIC_ADD ? "-exist" : NULL, NULL };
			char *said;
			rc = setops_run(argv, text, &said) == 0 ? 0 : -1;
			if (rc < 0)
				diag_error(d, NULL, "ipset refused it; nothing was changed:\n%s",
					   said ? said : "");
			free(said);
		}
		free(text);
		for (size_t i = 0; rc == 0 && i < rq->naddrs; i++) {
			char addr[PREFIX_STRLEN];
			if (rq->op == DYNAMIC_ADD)
				fprintf(out, "added %s to %s for %s\n", prefix_format(&ps[i], addr),
					rq->set, duration_format(timeout, dur));
			else
				fprintf(out, "deleted %s from %s\n", prefix_format(&ps[i], addr), rq->set);
		}
	}
	setops_unlock(lock);
	free(ps);
	return rc;
}
