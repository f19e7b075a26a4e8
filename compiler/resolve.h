/* Resolution: every hostname a rule reaches (directly or through defines)
 * gets one struct host, shared by all its uses, holding every address the
 * name has. Today the addresses come from a hosts(5)-format file; a DNS
 * backend fills the same table. */
#ifndef EGRESSC_RESOLVE_H
#define EGRESSC_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>

#include "ast.h"
#include "strmap.h"

struct arena;
struct diags;

struct host {
	const char *name;		/* lower case, no final dot */
	const struct target *first_use;	/* where errors about the name point */
	struct prefix *addrs;		/* sorted by family, then address; no duplicates */
	size_t naddrs;
};

/* Owns its index; the hosts and their addresses live in the arena. */
struct hosttab {
	struct strmap by_name;
	struct host **hosts;	/* in order of first use */
	size_t n;
};

struct resolve_opts {
	const char *hosts_file;	/* NULL: no source of addresses yet */
};

void hosttab_init(struct hosttab *t);
void hosttab_release(struct hosttab *t);

/* Attaches a struct host to every TARGET_HOST reachable from a rule and
 * fills its addresses. A name without addresses is an error at its first
 * use. Returns 0, or -1 with errors queued. */
int resolve_policy(struct arena *a, struct diags *d, struct policy *p,
		   const struct resolve_opts *opts, struct hosttab *tab);

#endif
