/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "host/record.h"

#include <inttypes.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "compiler/diag.h"
#include "emit/names.h"
#include "lib/vec.h"
#include "lib/xalloc.h"

void record_table_release(struct record_table *t)
{
	free(t->v);
	*t = (struct record_table){ 0 };
}

void record_counters_release(struct record_counters *c)
{
	free(c->v);
	*c = (struct record_counters){ 0 };
}

static int entry_cmp(const void *pa, const void *pb)
{
	const struct record_entry *a = pa, *b = pb;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	return (a->port > b->port) - (a->port < b->port);
}

void record_table_normalize(struct record_table *t)
{
	size_t out = 0;

	if (!t->n)
		return;
	qsort(t->v, t->n, sizeof(*t->v), entry_cmp);
	for (size_t i = 1; i < t->n; i++) {
		struct record_entry *last = &t->v[out];
		if (entry_cmp(last, &t->v[i]) != 0) {
			t->v[++out] = t->v[i];
			continue;
		}
		last->packets += t->v[i].packets;
		last->bytes += t->v[i].bytes;
		/* The most recent of the two: the smaller age last seen, the
		 * larger first seen. */
		if (last->age < 0 || (t->v[i].age >= 0 &&
				      (last->last_seen ? t->v[i].age < last->age
						       : t->v[i].age > last->age)))
			last->age = t->v[i].age;
	}
	t->n = out + 1;
}

static void table_add(struct record_table *t, const struct record_entry *e)
{
	VEC_GROW(t->v, t->n + 1, t->cap);
	t->v[t->n++] = *e;
}

/* "86399s", "1500ms": seconds. */
static int64_t parse_seconds(const char *s)
{
	char *end;
	long long v = strtoll(s, &end, 10);

	if (end == s)
		return -1;
	return strncmp(end, "ms", 2) == 0 ? v / 1000 : v;
}

int record_parse_nft_set(struct record_table *t, enum family f, const char *text)
{
	const char *p = strstr(text, "elements = {");

	if (!strstr(text, "set " NFT_SET_RECORD "_"))
		return -1;
	if (!p)
		return 0;	/* an empty set lists no elements */
	p += strlen("elements = {");
	for (;;) {
		char addr[PREFIX_STRLEN];
		unsigned proto, port;
		unsigned long long packets, bytes;
		int n = 0;
		struct record_entry e = { .family = f, .age = -1, .last_seen = true };

		p += strspn(p, " \t\n,");
		if (*p == '}' || !*p)
			break;
		if (sscanf(p, "%43s . %u . %u counter packets %llu bytes %llu%n", addr, &proto, &port,
			   &packets, &bytes, &n) != 5)
			return -1;
		enum family af;
		if (!addr_parse(addr, &af, &e.addr) || af != f || proto > 255 || port > 65535)
			return -1;
		p += n;
		e.proto = proto;
		e.port = (uint16_t)port;
		e.packets = packets;
		e.bytes = bytes;
		if (strncmp(p, " expires ", 9) == 0) {
			int64_t left = parse_seconds(p + 9);
			if (left >= 0 && left <= RECORD_TIMEOUT_SECONDS)
				e.age = RECORD_TIMEOUT_SECONDS - left;
		}
		p += strcspn(p, ",}");
		table_add(t, &e);
	}
	return 0;
}

/* "tcp:443", "udp:53", "icmp:echo-request", "gre:0", "47:0". */
static bool parse_proto_port(const char *s, unsigned *proto, uint16_t *port)
{
	char name[32];
	size_t n = strcspn(s, ":");
	struct protoent *pe;

	if (n == 0 || n >= sizeof(name) || s[n] != ':')
		return false;
	memcpy(name, s, n);
	name[n] = '\0';
	if (strcmp(name, "icmpv6") == 0) {
		*proto = 58;
	} else if (name[0] >= '0' && name[0] <= '9') {
		*proto = (unsigned)strtoul(name, NULL, 10);
	} else if ((pe = getprotobyname(name))) {
		*proto = (unsigned)pe->p_proto;
	} else {
		return false;
	}
	/* ICMP's "port" is a type and code: no port. */
	*port = *proto == 6 || *proto == 17 || *proto == 132 || *proto == 136
			? (uint16_t)strtoul(s + n + 1, NULL, 10)
			: 0;
	return *proto <= 255;
}

int record_parse_ipset(struct record_table *t, enum family f, const char *text)
{
	const char *p = strstr(text, "\nMembers:\n");
	const char *hdr = strstr(text, "Header: ");
	long long timeout = -1;

	if (!p || !hdr)
		return -1;
	const char *to = strstr(hdr, " timeout ");
	if (to && to < p)
		timeout = strtoll(to + 9, NULL, 10);
	for (p += strlen("\nMembers:\n"); *p; p += strcspn(p, "\n"), p += *p == '\n') {
		char member[PREFIX_STRLEN + 48];
		long long left = -1;
		unsigned long long packets = 0, bytes = 0;
		struct record_entry e = { .family = f, .age = -1 };
		if (*p == '\n')
			continue;
		if (sscanf(p, "%90s", member) != 1)
			return -1;
		char *comma = strrchr(member, ',');
		if (!comma)
			return -1;
		*comma = '\0';
		enum family af;
		if (!addr_parse(member, &af, &e.addr) || af != f ||
		    !parse_proto_port(comma + 1, &e.proto, &e.port))
			return -1;
		const char *s = strstr(p, " timeout ");
		const char *eol = p + strcspn(p, "\n");
		if (s && s < eol)
			left = strtoll(s + 9, NULL, 10);
		s = strstr(p, " packets ");
		if (!s || s > eol || sscanf(s, " packets %llu bytes %llu", &packets, &bytes) != 2)
			return -1;
		e.packets = packets;
		e.bytes = bytes;
		if (timeout > 0 && left >= 0 && left <= timeout)
			e.age = timeout - left;
		table_add(t, &e);
	}
	return 0;
}

int record_parse_nft_counters(struct record_counters *c, const char *text)
{
	for (const char *p = text; (p = strstr(p, "counter ")); ) {
		char name[32];
		unsigned long long packets, bytes;
		int n = 0;
		if (sscanf(p, "counter %31s {%n", name, &n) != 1 || !n) {
			p += 8;
			continue;
		}
		/* The counts, not a comment that says "packets". */
		const char *q = p;
		while ((q = strstr(q + 1, "packets ")) &&
		       sscanf(q, "packets %llu bytes %llu", &packets, &bytes) != 2)
			;
		if (!q)
			return -1;
		VEC_GROW(c->v, c->n + 1, c->cap);
		struct record_counter *k = &c->v[c->n++];
		snprintf(k->name, sizeof(k->name), "%s", name);
		k->packets = packets;
		k->bytes = bytes;
		p = q;
	}
	return 0;
}

int record_parse_ipt_chain_last(const char *text, uint64_t *packets, uint64_t *bytes)
{
	unsigned long long pk, by;
	const char *last = NULL;

	for (const char *p = text; *p; p += strcspn(p, "\n"), p += *p == '\n')
		if (sscanf(p, " %llu %llu", &pk, &by) == 2)
			last = p;
	if (!last)
		return -1;
	sscanf(last, " %llu %llu", &pk, &by);
	*packets = pk;
	*bytes = by;
	return 0;
}

/* Runs ARGV and returns its standard output (malloc'd) in *OUT, its
 * standard error discarded. Returns the tool's exit status, or -1. */
static int capture(char *const argv[], char **out)
{
	int pipefd[2];
	FILE *fp;
	size_t len = 0;
	int status;

	*out = NULL;
	if (pipe(pipefd) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(pipefd[1], 1);
		close(pipefd[0]);
		close(pipefd[1]);
		if (!freopen("/dev/null", "w", stderr))
			_exit(127);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(pipefd[1]);
	fp = xopen_memstream(out, &len);
	char buf[8192];
	ssize_t r;
	while ((r = read(pipefd[0], buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)r, fp);
	fclose(fp);
	close(pipefd[0]);
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int record_read_nft(struct record_table *t, struct diags *d)
{
	for (int f = 0; f < FAMILY_COUNT; f++) {
		char set[16], *out;
		snprintf(set, sizeof(set), NFT_SET_RECORD "_%s", f == FAMILY_V4 ? "v4" : "v6");
		char *argv[] = { "nft", "-n", "-T", "list", "set", NFT_TABLE_FAMILY, NFT_TABLE_NAME,
				 set, NULL };
		int rc = capture(argv, &out);
		if (rc != 0 || record_parse_nft_set(t, (enum family)f, out) < 0) {
			diag_error(d, NULL, rc == 0 ? "cannot read nft set '%s'"
					    : "no recording loaded: nft has no set '%s' in table "
					      NFT_TABLE " (no egressc ruleset, or its policy "
					      "records nothing: 'record blocked' or monitor mode)",
				   set);
			free(out);
			return -1;
		}
		free(out);
	}
	struct record_counters c = { 0 };
	if (record_read_nft_counters(&c, d) < 0)
		return -1;
	for (size_t i = 0; i < c.n; i++)
		if (strcmp(c.v[i].name, NFT_COUNTER_RECORD_OVERFLOW) == 0) {
			t->overflow_packets = c.v[i].packets;
			t->overflow_bytes = c.v[i].bytes;
		}
	record_counters_release(&c);
	record_table_normalize(t);
	return 0;
}

static const char *const ipt_tools[FAMILY_COUNT] = { "iptables", "ip6tables" };

int record_read_ipt(struct record_table *t, const char *const ipsets[FAMILY_COUNT],
		    struct diags *d)
{
	for (int f = 0; f < FAMILY_COUNT; f++) {
		char *out;
		char *argv[] = { "ipset", "list", (char *)ipsets[f], NULL };
		int rc = capture(argv, &out);
		if (rc != 0 || record_parse_ipset(t, (enum family)f, out) < 0) {
			diag_error(d, NULL, rc == 0 ? "cannot read ipset '%s'"
					    : "no recording loaded: there is no ipset '%s' (no egressc "
					      "rules, or their policy records nothing, or another limit)",
				   ipsets[f]);
			free(out);
			return -1;
		}
		free(out);
		uint64_t pk, by;
		char *chain[] = { (char *)ipt_tools[f], "-w", "-L", IPT_CHAIN_RECORD, "-v", "-x", "-n",
				  NULL };
		rc = capture(chain, &out);
		if (rc != 0 || record_parse_ipt_chain_last(out, &pk, &by) < 0) {
			diag_error(d, NULL, "cannot read %s chain " IPT_CHAIN_RECORD, ipt_tools[f]);
			free(out);
			return -1;
		}
		free(out);
		t->overflow_packets += pk;
		t->overflow_bytes += by;
	}
	record_table_normalize(t);
	return 0;
}

int record_read_nft_counters(struct record_counters *c, struct diags *d)
{
	char *out;
	char *argv[] = { "nft", "-n", "list", "counters", "table", NFT_TABLE_FAMILY, NFT_TABLE_NAME,
			 NULL };
	int rc = capture(argv, &out);

	if (rc != 0 || record_parse_nft_counters(c, out) < 0) {
		diag_error(d, NULL, rc == 0 ? "cannot read the counters of table " NFT_TABLE
				    : "no egressc ruleset loaded: nft has no table " NFT_TABLE);
		free(out);
		return -1;
	}
	free(out);
	return 0;
}

int record_read_ipt_counters(struct record_counters *c, const char *const *names, size_t n,
			     struct diags *d)
{
	for (size_t i = 0; i < n; i++) {
		struct record_counter k = { 0 };
		snprintf(k.name, sizeof(k.name), "%s", names[i]);
		for (int f = 0; f < FAMILY_COUNT; f++) {
			char chain[64], *out;
			uint64_t pk, by;
			snprintf(chain, sizeof(chain), IPT_CHAIN_PREFIX "-%s", names[i]);
			char *argv[] = { (char *)ipt_tools[f], "-w", "-L", chain, "-v", "-x", "-n", NULL };
			int rc = capture(argv, &out);
			if (rc != 0 || record_parse_ipt_chain_last(out, &pk, &by) < 0) {
				diag_error(d, NULL, "no egressc rules loaded: %s has no chain %s",
					   ipt_tools[f], chain);
				free(out);
				return -1;
			}
			free(out);
			k.packets += pk;
			k.bytes += by;
		}
		VEC_GROW(c->v, c->n + 1, c->cap);
		c->v[c->n++] = k;
	}
	return 0;
}
