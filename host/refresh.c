/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "host/refresh.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/diag.h"
#include "compiler/model.h"
#include "compiler/pins.h"
#include "emit/emit.h"
#include "emit/names.h"
#include "host/hostsplice.h"
#include "host/setops.h"
#include "host/wholefile.h"
#include "lib/duration.h"
#include "lib/vec.h"
#include "lib/xalloc.h"

/* Room for the classes one name feeds. */
#define NAME_CLASSES_MAX 64

void refresh_init(struct refresh *r, const struct model *m, struct host **hosts, size_t nhosts,
		  const struct refresh_opts *o, time_t now)
{
	const struct rule_class *classes[NAME_CLASSES_MAX];

	memset(r, 0, sizeof(*r));
	r->m = m;
	r->o = o;
	r->names = xcalloc(m->npinned + 1, sizeof(*r->names));
	for (size_t i = 0; i < m->npinned; i++) {
		struct refresh_name *nm = &r->names[r->n];
		for (size_t j = 0; j < nhosts && !nm->host; j++)
			if (hosts[j] == m->pinned[i])
				nm->host = hosts[j];
		if (!nm->host)
			continue;
		nm->nclasses = model_host_classes(m, nm->host, classes, NAME_CLASSES_MAX);
		nm->classes = xreallocarray(NULL, nm->nclasses + 1, sizeof(*nm->classes));
		memcpy(nm->classes, classes, nm->nclasses * sizeof(*classes));
		for (size_t j = 0; j < nm->host->naddrs; j++) {
			struct refresh_addr a = { nm->host->addrs[j], now, false };
			VEC_PUSH(nm->addrs, nm->naddrs, nm->addrs_cap, a);
		}
		nm->due = now;
		nm->last_answer = now;
		r->n++;
	}
}

time_t refresh_next(const struct refresh *r)
{
	time_t next = 0;

	if (r->n == 0)
		return (time_t)-1;
	/* Every min_ttl at least, the sets and the splice are put right:
	 * an apply in between replaced them with the policy's own. */
	next = r->last_round + (time_t)r->o->min_ttl;
	for (size_t i = 0; i < r->n; i++)
		if (r->names[i].due < next)
			next = r->names[i].due;
	return next;
}

static uint32_t clamp_ttl(const struct refresh_opts *o, int ttl)
{
	if (ttl < 0 || (uint32_t)ttl < o->min_ttl)
		return o->min_ttl;
	return (uint32_t)ttl > o->max_ttl ? o->max_ttl : (uint32_t)ttl;
}

/* What DNS said of NM now: addresses seen, its next turn. */
static void take_answer(struct refresh *r, struct refresh_name *nm, const struct pin_drift *dr,
			time_t now, FILE *log)
{
	char buf[PREFIX_STRLEN], dur[DURATION_STRLEN];
	const struct refresh_opts *o = r->o;

	nm->failing = !pin_drift_answered(dr);
	if (nm->failing) {
		nm->due = now + o->min_ttl;
		if (nm->closed)
			return;
		if (now - nm->last_answer > (time_t)o->max_stale) {
			nm->closed = true;
			fprintf(log, "egressc agent: refresh %s: no answer for longer than %s (%s); "
				"failing closed: its addresses are removed\n",
				nm->host->name, duration_format(o->max_stale, dur),
				pin_drift_reason(dr));
		} else {
			fprintf(log, "egressc agent: refresh %s: did not resolve (%s); keeping its "
				"addresses until %s without an answer\n", nm->host->name,
				pin_drift_reason(dr), duration_format(o->max_stale, dur));
		}
		return;
	}
	if (nm->closed)
		fprintf(log, "egressc agent: refresh %s: resolves again\n", nm->host->name);
	if (dr->status && !nm->empty)
		fprintf(log, "egressc agent: refresh %s: %s: its addresses go after the grace "
			"period\n", nm->host->name, pin_drift_reason(dr));
	nm->empty = dr->status != 0;
	nm->closed = false;
	nm->last_answer = now;
	nm->due = now + clamp_ttl(o, dr->ttl);
	for (size_t i = 0; i < dr->nnow; i++) {
		size_t j = 0;
		while (j < nm->naddrs && addr_sort_cmp(&nm->addrs[j].p, &dr->now[i]) != 0)
			j++;
		if (j < nm->naddrs) {
			nm->addrs[j].last_seen = now;
			continue;
		}
		struct refresh_addr a = { dr->now[i], now, true };
		VEC_PUSH(nm->addrs, nm->naddrs, nm->addrs_cap, a);
		fprintf(log, "egressc agent: refresh %s: new address %s\n", nm->host->name,
			prefix_format(&dr->now[i], buf));
	}
}

/* Whether A still counts for NM: given within the grace period before the
 * name's last answer or NOW, whichever is earlier (DNS failing keeps what
 * the last answer gave, up to the staleness bound, which closes it). */
static bool addr_live(const struct refresh *r, const struct refresh_name *nm,
		      const struct refresh_addr *a, time_t now)
{
	time_t ref = nm->last_answer < now ? nm->last_answer : now;

	return !nm->closed && ref - a->last_seen <= (time_t)r->o->grace;
}

/* Drops the added addresses whose grace ended, or all added ones of a
 * name that failed closed. */
static void age_out(struct refresh *r, struct refresh_name *nm, time_t now, FILE *log)
{
	char buf[PREFIX_STRLEN];
	size_t kept = 0;

	for (size_t i = 0; i < nm->naddrs; i++) {
		const struct refresh_addr *a = &nm->addrs[i];
		bool expired = a->added && !addr_live(r, nm, a, now);
		if (expired && !nm->closed)
			fprintf(log, "egressc agent: refresh %s: %s not returned since its grace "
				"period began; removed\n", nm->host->name, prefix_format(&a->p, buf));
		if (!expired)
			nm->addrs[kept++] = *a;
	}
	nm->naddrs = kept;
}

/* PL added to (ADD) or deleted from its class's set. On iptables, the
 * class's refresh ipset (model_class_refreshed()). On nft, the class's
 * set; for a class in the shared lookup, the address with each of the
 * class's protocols and port ranges, one element each, in the shared
 * set: they overlap no other class's (the model keeps shared classes'
 * ports apart), nor the class's own compiled ones (the agent adds no
 * address its class's set holds). */
static void element(FILE *fp, const struct refresh *r, bool add, const struct refresh_placed *pl)
{
	const struct rule_class *c = pl->cls;
	const char *sfx = emit_family_suffix[pl->p.family];
	const char *verb = add ? "add" : "delete";
	char buf[PREFIX_STRLEN];

	if (r->o->backend == APPLY_IPTABLES) {
		/* ipset wants the length even for a host, as in the ipset output. */
		fprintf(fp, "%s %s %s/%u\n", add ? "add" : "del", c->refresh[pl->p.family].name,
			addr_format(pl->p.family, pl->p.addr, buf), pl->p.len);
		return;
	}
	prefix_format(&pl->p, buf);
	if (!c->shared[pl->p.family]) {
		fprintf(fp, "%s element " NFT_TABLE " %s_%s { %s }\n", verb, c->name, sfx, buf);
		return;
	}
	fprintf(fp, "%s element " NFT_TABLE " " NFT_SET_SHARED "_%s { ", verb, sfx);
	bool first = true;
	emit_nft_shared_elements(fp, &c->svc, buf, ", ", &first);
	fputs(" }\n", fp);
}

/* Where the journal says PL went: "_v4" after its class's name, or " in
 * SET" for a class in nft's shared lookup or on iptables. */
static const char *placed_set(const struct refresh *r, const struct refresh_placed *pl,
			      char buf[64])
{
	const enum family f = (enum family)pl->p.family;

	if (r->o->backend == APPLY_IPTABLES)
		snprintf(buf, 64, " in %s", pl->cls->refresh[f].name);
	else
		snprintf(buf, 64, pl->cls->shared[f] ? " in " NFT_SET_SHARED "_%s" : "_%s",
			 emit_family_suffix[f]);
	return buf;
}

/* Runs SCRIPT against the loaded sets: one nft transaction, or one
 * 'ipset restore -exist'. Errors on D, or quietly when D is NULL. */
static int change_sets(const struct refresh *r, const char *script, struct diags *d)
{
	return r->o->backend == APPLY_IPTABLES ? setops_ipset(script, d) : setops_nft(script, NULL, d);
}

static bool placed_has(const struct refresh_placed *v, size_t n, const struct refresh_placed *pl)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].cls == pl->cls && addr_sort_cmp(&v[i].p, &pl->p) == 0)
			return true;
	return false;
}

/* The hosts splice as the names' addresses now are. */
static int write_hosts(struct refresh *r, FILE *log, struct diags *d)
{
	char *block = NULL, *old = NULL, *spliced = NULL;
	size_t blen = 0, oldlen = 0, slen = 0;
	const char *why;
	int rc = -1;

	if (emit_to_memory(r->m, emitter_by_name("hosts")->emit, &block, &blen) < 0) {
		diag_error(d, NULL, "refresh: cannot render the hosts block");
		return -1;
	}
	if (wholefile_read(r->o->hosts_path, &old, &oldlen) < 0) {
		diag_error(d, NULL, "refresh: cannot read '%s': %s", r->o->hosts_path, strerror(errno));
	} else if (hosts_splice(old, oldlen, block, blen, &spliced, &slen, &why) < 0) {
		diag_error(d, NULL, "refresh: cannot splice into '%s': %s", r->o->hosts_path, why);
	} else if (slen == oldlen && memcmp(spliced, old, slen) == 0) {
		rc = 0;
	} else {
		rc = wholefile_write(r->o->hosts_path, spliced, slen, d);
		if (rc == 0)
			fprintf(log, "egressc agent: refresh: %s rewritten\n", r->o->hosts_path);
	}
	free(block);
	free(old);
	free(spliced);
	return rc;
}

static int run_round(struct refresh *r, time_t now, FILE *log, struct diags *d)
{
	struct pins due = { 0 };
	struct pin_drift *drifts = NULL;
	struct refresh_placed *want = NULL, *take = NULL;
	size_t nwant = 0, want_cap = 0, ntake = 0, take_cap = 0;
	char buf[PREFIX_STRLEN], set[64];
	int rc;

	for (size_t i = 0; i < r->n; i++)
		if (r->names[i].due <= now) {
			struct pin p = { r->names[i].host->name, NULL, 0 };
			VEC_PUSH(due.pins, due.n, due.cap, p);
		}
	r->last_round = now;
	if (due.n && pins_compare(&due, r->o->resolve, d, &drifts) < 0) {
		pins_release(&due);
		return -1;
	}
	for (size_t i = 0, k = 0; i < r->n && k < due.n; i++)
		if (r->names[i].due <= now)
			take_answer(r, &r->names[i], &drifts[k++], now, log);
	pin_drifts_free(drifts, due.n);
	pins_release(&due);

	/* What the sets should hold, what the agent takes out of them, and
	 * what each name shows in the hosts splice: its live addresses that
	 * some set of its classes admits. */
	for (size_t i = 0; i < r->n; i++) {
		struct refresh_name *nm = &r->names[i];
		size_t nshown = 0;
		age_out(r, nm, now, log);
		nm->shown = xreallocarray(nm->shown, nm->naddrs + 1, sizeof(*nm->shown));
		for (size_t j = 0; j < nm->naddrs; j++) {
			const struct refresh_addr *a = &nm->addrs[j];
			const enum family f = (enum family)a->p.family;
			const bool live = addr_live(r, nm, a, now);
			bool admitted = false;
			/* DNS at run time never leads inside the network: the
			 * fragment holds wildcards' answers to the same ranges. */
			const struct inside_range *in =
				a->added ? model_inside_range(a->p.family, a->p.addr) : NULL;
			const char *inside = in ? in->what : NULL;
			if (inside && live && a->last_seen == now)
				fprintf(log, "egressc agent: refresh %s: %s not admitted: %s\n",
					nm->host->name, prefix_format(&a->p, buf), inside);
			for (size_t c = 0; c < nm->nclasses && !(inside && live); c++) {
				const struct rule_class *cls = nm->classes[c];
				struct refresh_placed pl = { cls, a->p };
				if (!live) {
					if (!a->added && model_host_owns(r->m, cls, nm->host, f, a->p.addr) &&
					    !placed_has(take, ntake, &pl))
						VEC_PUSH(take, ntake, take_cap, pl);
					continue;
				}
				if (a->added && model_denies_any(r->m, cls, f, a->p.addr)) {
					if (a->last_seen == now)
						fprintf(log, "egressc agent: refresh %s: %s not admitted to %s: "
							"a deny rule covers it\n", nm->host->name,
							prefix_format(&a->p, buf), cls->name);
					continue;
				}
				/* nft has a set of the class's, or the shared lookup's
				 * elements, in a family only where the policy put an
				 * address of it (emit/nft.c): a name's first address
				 * of the other family waits for an apply, rather than
				 * failing the round's transaction for every name. */
				if (r->o->backend == APPLY_NFT && !cls->sets[f].nspans) {
					if (a->last_seen == now)
						fprintf(log, "egressc agent: refresh %s: %s not admitted to %s: "
							"the loaded ruleset has no set of this family for "
							"it; compile and apply again\n", nm->host->name,
							prefix_format(&a->p, buf), cls->name);
					continue;
				}
				admitted = true;
				bool in_policy = rangeset_find(&cls->sets[f], a->p.addr) >= 0;
				if ((!in_policy || placed_has(r->taken, r->ntaken, &pl)) &&
				    !placed_has(want, nwant, &pl))
					VEC_PUSH(want, nwant, want_cap, pl);
			}
			if (admitted)
				nm->shown[nshown++] = a->p;
		}
		if (nshown > 1)
			qsort(nm->shown, nshown, sizeof(*nm->shown), addr_sort_cmp);
		nm->host->addrs = nm->shown;
		nm->host->naddrs = nshown;
	}

	/* Adds first, then the hosts splice, then removals: no name ever
	 * leads to an address the sets do not admit. Adding again what is
	 * there changes nothing, and puts back what an apply took. */
	int lock = setops_lock(d);
	if (lock < 0) {
		free(want);
		free(take);
		return -1;
	}
	char *script = NULL;
	size_t slen = 0;
	FILE *fp = xopen_memstream(&script, &slen);
	for (size_t i = 0; i < nwant; i++)
		element(fp, r, true, &want[i]);
	xmemstream_close(fp);
	rc = *script ? change_sets(r, script, d) : 0;
	free(script);
	if (rc == 0)
		rc = write_hosts(r, log, d);
	/* Removals: nft's one at a time (a transaction fails whole, and one
	 * may be gone already: an apply replaced the table, or an earlier
	 * round took it); ipset's in one run, whose -exist passes over
	 * those. */
	FILE *all = NULL;
	char *all_script = NULL;
	size_t all_len = 0;
	if (rc == 0 && r->o->backend == APPLY_IPTABLES)
		all = xopen_memstream(&all_script, &all_len);
	for (size_t i = 0; rc == 0 && i < r->nadded + ntake; i++) {
		const struct refresh_placed *pl = i < r->nadded ? &r->added[i] : &take[i - r->nadded];
		if (placed_has(want, nwant, pl))
			continue;
		if (all) {
			element(all, r, false, pl);
			continue;
		}
		script = NULL;
		fp = xopen_memstream(&script, &slen);
		element(fp, r, false, pl);
		xmemstream_close(fp);
		change_sets(r, script, NULL);
		free(script);
	}
	if (all) {
		xmemstream_close(all);
		if (*all_script)
			change_sets(r, all_script, NULL);
		free(all_script);
	}
	setops_unlock(lock);
	if (rc == 0) {
		for (size_t i = 0; i < nwant; i++) {
			if (placed_has(r->added, r->nadded, &want[i]))
				continue;
			r->added_total++;
			fprintf(log, "egressc agent: refresh: %s added to %s%s\n",
				prefix_format(&want[i].p, buf), want[i].cls->name,
				placed_set(r, &want[i], set));
		}
		for (size_t i = 0; i < r->nadded; i++) {
			if (placed_has(want, nwant, &r->added[i]) || placed_has(take, ntake, &r->added[i]))
				continue;
			r->removed_total++;
			fprintf(log, "egressc agent: refresh: %s removed from %s%s\n",
				prefix_format(&r->added[i].p, buf), r->added[i].cls->name,
				placed_set(r, &r->added[i], set));
		}
		for (size_t i = 0; i < ntake; i++) {
			if (placed_has(r->taken, r->ntaken, &take[i]))
				continue;
			r->removed_total++;
			fprintf(log, "egressc agent: refresh: %s removed from %s%s (the policy's "
				"pin, no longer given)\n", prefix_format(&take[i].p, buf),
				take[i].cls->name, placed_set(r, &take[i], set));
		}
		free(r->added);
		r->added = want;
		r->nadded = nwant;
		r->added_cap = want_cap;
		free(r->taken);
		r->taken = take;
		r->ntaken = ntake;
		r->taken_cap = take_cap;
	} else {
		free(want);
		free(take);
	}
	fflush(log);
	return rc;
}

int refresh_run(struct refresh *r, time_t now, FILE *log, struct diags *d)
{
	int rc = run_round(r, now, log, d);

	r->rounds++;
	if (rc < 0)
		r->failed_rounds++;
	else
		r->last_success = now;
	return rc;
}

const struct refresh_metric refresh_metrics[REFRESH_METRICS] = {
	[REFRESH_NAMES] = { "egressc_refresh_names", "gauge",
			    "Pinned names the agent keeps current." },
	[REFRESH_NAMES_FAILING] = { "egressc_refresh_names_failing", "gauge",
				    "Pinned names whose last lookup got no answer: their last "
				    "addresses stay until the staleness bound." },
	[REFRESH_NAMES_CLOSED] = { "egressc_refresh_names_closed", "gauge",
				   "Pinned names without an answer past the staleness bound: "
				   "failed closed, their addresses removed." },
	[REFRESH_ADDRESSES_ADDED] = { "egressc_refresh_addresses_added", "gauge",
				      "Addresses the agent holds in the sets beyond the policy's "
				      "own." },
	[REFRESH_ADDED_TOTAL] = { "egressc_refresh_added_total", "counter",
				  "Addresses the agent added to the sets." },
	[REFRESH_REMOVED_TOTAL] = { "egressc_refresh_removed_total", "counter",
				    "Addresses the agent removed from the sets." },
	[REFRESH_ROUNDS_TOTAL] = { "egressc_refresh_rounds_total", "counter",
				   "Refresh rounds run." },
	[REFRESH_FAILED_ROUNDS_TOTAL] = { "egressc_refresh_failed_rounds_total", "counter",
					  "Refresh rounds that could not change the sets or the "
					  "hosts splice." },
	[REFRESH_LAST_ROUND] = { "egressc_refresh_last_round_timestamp_seconds", "gauge",
				 "When the last refresh round ran (Unix time)." },
	[REFRESH_LAST_SUCCESS] = { "egressc_refresh_last_success_timestamp_seconds", "gauge",
				   "When a refresh round last succeeded (Unix time; 0: never)." },
	[REFRESH_CGROUP_REBINDS] = { "egressc_cgroup_rebinds_total", "counter",
				     "Times the agent loaded the rules for cgroups again, binding "
				     "them to the cgroups their paths name now (at its start, and "
				     "after a cgroup was made again)." },
};

void refresh_state_format(const struct refresh *r, uint64_t cgroup_rebinds, char **text,
			  size_t *len)
{
	static const struct refresh none;
	uint64_t v[REFRESH_METRICS] = { 0 };
	FILE *fp = xopen_memstream(text, len);

	if (!r)
		r = &none;

	v[REFRESH_NAMES] = r->n;
	for (size_t i = 0; i < r->n; i++) {
		v[REFRESH_NAMES_FAILING] += r->names[i].failing && !r->names[i].closed;
		v[REFRESH_NAMES_CLOSED] += r->names[i].closed;
	}
	v[REFRESH_ADDRESSES_ADDED] = r->nadded;
	v[REFRESH_ADDED_TOTAL] = r->added_total;
	v[REFRESH_REMOVED_TOTAL] = r->removed_total;
	v[REFRESH_ROUNDS_TOTAL] = r->rounds;
	v[REFRESH_FAILED_ROUNDS_TOTAL] = r->failed_rounds;
	v[REFRESH_LAST_ROUND] = (uint64_t)r->last_round;
	v[REFRESH_LAST_SUCCESS] = (uint64_t)r->last_success;
	v[REFRESH_CGROUP_REBINDS] = cgroup_rebinds;
	for (int i = 0; i < REFRESH_METRICS; i++)
		fprintf(fp, "%s %llu\n", refresh_metrics[i].name, (unsigned long long)v[i]);
	xmemstream_close(fp);
}

int refresh_state_parse(const char *text, uint64_t values[REFRESH_METRICS])
{
	bool seen[REFRESH_METRICS] = { false };

	for (const char *p = text; *p;) {
		const char *eol = p + strcspn(p, "\n");
		size_t n = strcspn(p, " \n");
		int i = 0;
		while (i < REFRESH_METRICS && (strlen(refresh_metrics[i].name) != n ||
					       strncmp(refresh_metrics[i].name, p, n) != 0))
			i++;
		if (i == REFRESH_METRICS || p[n] != ' ' || p[n + 1] < '0' || p[n + 1] > '9')
			return -1;
		char *end;
		errno = 0;
		unsigned long long v = strtoull(p + n + 1, &end, 10);
		if (errno || end != eol)
			return -1;
		values[i] = v;
		seen[i] = true;
		p = *eol ? eol + 1 : eol;
	}
	for (int i = 0; i < REFRESH_METRICS; i++)
		if (!seen[i])
			return -1;
	return 0;
}

void refresh_release(struct refresh *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->names[i].classes);
		free(r->names[i].addrs);
		/* host->addrs may point here: the compilation goes first. */
		free(r->names[i].shown);
	}
	free(r->names);
	free(r->added);
	free(r->taken);
	memset(r, 0, sizeof(*r));
}
