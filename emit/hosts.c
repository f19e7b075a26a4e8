/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hosts(5) fragment: every address of every hostname an allow rule names,
 * one line each, between markers so it can be spliced into /etc/hosts.
 * glibc returns all lines of a name only with 'multi on' (Debian's default);
 * clients try them in order, so the order is the model's: IPv4 first. */
#include "emit/emit.h"

#include "compiler/model.h"
#include "compiler/resolve.h"
#include "emit/names.h"

int emit_hosts(const struct model *m, FILE *fp)
{
	char buf[PREFIX_STRLEN];

	fputs(HOSTS_BEGIN "\n", fp);
	emit_header(fp, m);
	for (size_t i = 0; i < m->npinned; i++) {
		const struct host *h = m->pinned[i];
		/* How long DNS said these may be trusted: a pipeline can
		 * rebuild the image before the pins go stale. */
		if (h->ttl >= 0)
			fprintf(fp, "# %s: lowest TTL %d s\n", h->name, h->ttl);
		for (size_t j = 0; j < h->naddrs; j++)
			fprintf(fp, "%s\t%s\n", addr_format(h->addrs[j].family, h->addrs[j].addr, buf),
				h->name);
	}
	fputs(HOSTS_END "\n", fp);
	return ferror(fp) ? -1 : 0;
}
