/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for compiler/model.c: the semantics of a compiled policy, as
 * model_decide() answers them, and the shape of the model the emitters
 * read (classes, their names and order, pinned hosts). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "compiler/driver.h"
#include "lib/ivlist.h"
#include "compiler/model.h"
#include "compiler/resolve.h"

/* ---- helpers ---------------------------------------------------------- */

/* Compiles TEXT, which must compile cleanly, with HOSTS_FILE (or none). */
static const struct model *compile_hosts(struct compilation *c, const char *text,
					 const char *hosts_file)
{
	/* The model alone: without a module path there are no essentials. */
	const struct compile_opts o = { .resolve.hosts_file = hosts_file, .no_modules = true };

	compilation_init(c);
	int rc = compilation_run_buffer(c, "t.eg", text, strlen(text), &o);
	if (rc != 0) {
		diags_print(&c->diags, stderr);
		fail_msg("policy did not compile:\n%s", text);
	}
	assert_true(c->have_model);
	return &c->model;
}

static const struct model *compile(struct compilation *c, const char *text)
{
	return compile_hosts(c, text, NULL);
}

/* The address TEXT, of either family. */
static struct packet pkt(const char *text, unsigned proto, uint16_t port)
{
	struct packet p = { .proto = proto, .port = port };

	if (!addr_parse(text, &p.family, &p.addr))
		fail_msg("bad address '%s' in test", text);
	return p;
}

/* Checks a decision is self-consistent: a rule decision names a class of
 * that verdict whose service matches and whose span holds the address; a
 * default decision names nothing. */
static void check_decision(const struct model *m, const struct packet *p,
			   const struct decision *d)
{
	if (d->reason == DECIDED_BY_DEFAULT) {
		assert_int_equal(d->verdict, m->default_verdict);
		assert_null(d->cls);
		/* No span: an empty one, naming no contributors. */
		assert_true(d->span.lo == 0 && d->span.hi == 0);
		assert_int_equal(d->span.first, 0);
		assert_int_equal(d->span.count, 0);
		return;
	}
	assert_int_equal(d->reason, DECIDED_BY_RULE);
	assert_non_null(d->cls);
	assert_true(d->cls >= m->classes && d->cls < m->classes + m->nclasses);
	assert_int_equal(d->cls->verdict, d->verdict);
	assert_true(service_matches(&d->cls->svc, p->proto, p->port));
	/* The span is a copy of the one of the class's set holding the address. */
	const struct rangeset *s = &d->cls->sets[p->family];
	long i = rangeset_find(s, p->addr);
	assert_true(i >= 0);
	struct span sp = rangeset_span(s, (size_t)i);
	assert_true(sp.lo == d->span.lo && sp.hi == d->span.hi);
	assert_int_equal(sp.first, d->span.first);
	assert_int_equal(sp.count, d->span.count);
	assert_true(d->span.lo <= p->addr && p->addr <= d->span.hi);
	/* One of its contributors holds the address, from a rule of the verdict. */
	assert_true(d->span.count > 0 && d->span.first + d->span.count <= s->nranges);
	bool held = false;
	for (size_t j = d->span.first; j < d->span.first + d->span.count; j++) {
		struct range r = rangeset_range(s, j);
		if (r.lo > p->addr || p->addr > r.hi)
			continue;
		held = true;
		assert_true(r.origin < m->norigins);
		assert_int_equal(m->origins[r.origin].rule->rule.verdict, d->verdict);
	}
	assert_true(held);
}

/* Every range of every class names an origin in the table: a rule of the
 * class, and for an address target exactly that prefix. */
static void check_origins(const struct model *m)
{
	for (size_t i = 0; i < m->nclasses; i++) {
		const struct rule_class *k = &m->classes[i];
		for (int f = 0; f < FAMILY_COUNT; f++) {
			const struct rangeset *s = &k->sets[f];
			assert_int_equal(s->family, f);
			for (size_t j = 0; j < s->nranges; j++) {
				struct range r = rangeset_range(s, j);
				assert_true(r.origin < m->norigins);
				const struct origin *o = &m->origins[r.origin];
				assert_int_equal(o->rule->kind, STMT_RULE);
				assert_int_equal(o->rule->rule.verdict, k->verdict);
				bool in_class = false;
				for (size_t n = 0; n < k->nrules; n++)
					in_class |= k->rules[n] == o->rule;
				assert_true(in_class);
				if (o->target->kind == TARGET_ADDRESS) {
					const struct prefix *p = &o->target->prefix;
					assert_int_equal(p->family, f);
					assert_true(p->addr == r.lo && prefix_last(p) == r.hi);
				}
			}
		}
	}
}

static enum verdict verdict_of(const struct model *m, const char *addr, unsigned proto,
			       uint16_t port)
{
	struct packet p = pkt(addr, proto, port);
	struct decision d = model_decide(m, &p);

	check_decision(m, &p, &d);
	return d.verdict;
}

static struct decision decide(const struct model *m, const char *addr, unsigned proto,
			      uint16_t port)
{
	struct packet p = pkt(addr, proto, port);
	struct decision d = model_decide(m, &p);

	check_decision(m, &p, &d);
	return d;
}

#define ALLOWED(m, a, proto, port) assert_int_equal(verdict_of(m, a, proto, port), VERDICT_ALLOW)
#define DENIED(m, a, proto, port) assert_int_equal(verdict_of(m, a, proto, port), VERDICT_DENY)

static void expect_class_names(const struct model *m, const char *const *names, size_t n)
{
	if (m->nclasses != n)
		fail_msg("%zu classes, want %zu (first '%s')", m->nclasses, n,
			 m->nclasses ? m->classes[0].name : "");
	for (size_t i = 0; i < n; i++)
		assert_string_equal(m->classes[i].name, names[i]);
}

/* Writes TEXT to a new temporary file; returns its path (malloc'd). */
static char *temp_file(const char *text)
{
	char *path = strdup("/tmp/egressc-test-model-XXXXXX");
	assert_non_null(path);
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	size_t len = strlen(text);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	return path;
}

/* ---- verdicts ----------------------------------------------------------- */

/* A packet matching any deny rule is denied, whether the deny comes before
 * or after the allow, and whatever the default. */
static void test_deny_beats_allow(void **state)
{
	static const char *const policies[] = {
		"allow 192.0.2.0/24\ndeny 192.0.2.5\n",
		"deny 192.0.2.5\nallow 192.0.2.0/24\n",
		"default allow\nallow 192.0.2.0/24\ndeny 192.0.2.5\n",
		"deny 192.0.2.5\nallow 192.0.2.0/24\ndefault allow\n",
		"allow 192.0.2.5\ndeny 192.0.2.0/24\nallow 192.0.2.5 port 80\n",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(policies) / sizeof(policies[0]); i++) {
		struct compilation c;
		const struct model *m = compile(&c, policies[i]);
		struct decision d = decide(m, "192.0.2.5", PROTO_TCP, 80);
		assert_int_equal(d.verdict, VERDICT_DENY);
		assert_int_equal(d.reason, DECIDED_BY_RULE);
		DENIED(m, "192.0.2.5", PROTO_UDP, 53);
		DENIED(m, "192.0.2.5", 0, 0);
		compilation_release(&c);
	}

	/* A narrow deny only takes what it names. */
	struct compilation c;
	const struct model *m = compile(&c, "allow 192.0.2.0/24\ndeny 192.0.2.5 port 22\n");
	DENIED(m, "192.0.2.5", PROTO_TCP, 22);
	ALLOWED(m, "192.0.2.5", PROTO_TCP, 23);
	ALLOWED(m, "192.0.2.5", PROTO_UDP, 22);
	ALLOWED(m, "192.0.2.6", PROTO_TCP, 22);
	compilation_release(&c);
}

/* Packets no rule matches get the default: deny unless "default allow";
 * the settings reach the model. */
static void test_default(void **state)
{
	struct compilation c;
	const struct model *m;
	struct decision d;

	(void)state;
	m = compile(&c, "");
	assert_int_equal(m->default_verdict, VERDICT_DENY);
	assert_int_equal(m->on_deny, DENY_REJECT);
	assert_int_equal(m->nclasses, 0);
	d = decide(m, "192.0.2.1", PROTO_TCP, 80);
	assert_int_equal(d.verdict, VERDICT_DENY);
	assert_int_equal(d.reason, DECIDED_BY_DEFAULT);
	DENIED(m, "2001:db8::1", 0, 0);
	compilation_release(&c);

	m = compile(&c, "default allow\non-deny drop\ndeny 192.0.2.1\n");
	assert_int_equal(m->default_verdict, VERDICT_ALLOW);
	assert_int_equal(m->on_deny, DENY_DROP);
	d = decide(m, "192.0.2.2", PROTO_UDP, 53);
	assert_int_equal(d.verdict, VERDICT_ALLOW);
	assert_int_equal(d.reason, DECIDED_BY_DEFAULT);
	DENIED(m, "192.0.2.1", PROTO_UDP, 53);
	ALLOWED(m, "2001:db8::1", PROTO_TCP, 1);
	compilation_release(&c);

	m = compile(&c, "default deny\nallow 192.0.2.1\n");
	DENIED(m, "192.0.2.2", PROTO_TCP, 80);
	ALLOWED(m, "192.0.2.1", PROTO_TCP, 80);
	compilation_release(&c);
}

/* A port clause without proto means TCP only. */
static void test_port_means_tcp(void **state)
{
	struct compilation c;
	const struct model *m;

	(void)state;
	m = compile(&c, "allow 192.0.2.1 port 53, 8000-8100\n");
	assert_int_equal(m->nclasses, 1);
	assert_int_equal(m->classes[0].svc.protos, PROTO_TCP);
	ALLOWED(m, "192.0.2.1", PROTO_TCP, 53);
	ALLOWED(m, "192.0.2.1", PROTO_TCP, 8000);
	ALLOWED(m, "192.0.2.1", PROTO_TCP, 8100);
	DENIED(m, "192.0.2.1", PROTO_TCP, 7999);
	DENIED(m, "192.0.2.1", PROTO_TCP, 8101);
	DENIED(m, "192.0.2.1", PROTO_TCP, 52);
	DENIED(m, "192.0.2.1", PROTO_UDP, 53);
	DENIED(m, "192.0.2.1", 0, 0);
	compilation_release(&c);
}

/* A proto clause without port means every port of those protocols. */
static void test_proto_means_all_ports(void **state)
{
	struct compilation c;
	const struct model *m;

	(void)state;
	m = compile(&c, "allow 192.0.2.1 proto udp\nallow 192.0.2.2 proto tcp, udp\n");
	ALLOWED(m, "192.0.2.1", PROTO_UDP, 1);
	ALLOWED(m, "192.0.2.1", PROTO_UDP, 65535);
	ALLOWED(m, "192.0.2.1", PROTO_UDP, 0);
	DENIED(m, "192.0.2.1", PROTO_TCP, 53);
	DENIED(m, "192.0.2.1", 0, 0);
	ALLOWED(m, "192.0.2.2", PROTO_TCP, 1);
	ALLOWED(m, "192.0.2.2", PROTO_UDP, 65535);
	DENIED(m, "192.0.2.2", 0, 0);
	for (size_t i = 0; i < m->nclasses; i++)
		assert_int_equal(m->classes[i].svc.nports, 0);
	compilation_release(&c);

	/* With both clauses, both apply. */
	m = compile(&c, "allow 192.0.2.1 proto udp port 53\n");
	ALLOWED(m, "192.0.2.1", PROTO_UDP, 53);
	DENIED(m, "192.0.2.1", PROTO_TCP, 53);
	DENIED(m, "192.0.2.1", PROTO_UDP, 54);
	compilation_release(&c);
}

/* Neither clause means every protocol, those without ports (0) too. */
static void test_no_clause_means_everything(void **state)
{
	struct compilation c;
	const struct model *m;

	(void)state;
	m = compile(&c, "allow 192.0.2.1, 2001:db8::/64\n");
	assert_int_equal(m->classes[0].svc.protos, 0);
	assert_int_equal(m->classes[0].svc.nports, 0);
	ALLOWED(m, "192.0.2.1", PROTO_TCP, 1);
	ALLOWED(m, "192.0.2.1", PROTO_UDP, 65535);
	ALLOWED(m, "192.0.2.1", 0, 0);
	ALLOWED(m, "2001:db8::ffff", 0, 0);
	DENIED(m, "2001:db8:0:1::", PROTO_TCP, 80);
	DENIED(m, "192.0.2.2", 0, 0);
	compilation_release(&c);

	m = compile(&c, "default allow\ndeny 192.0.2.1\n");
	DENIED(m, "192.0.2.1", 0, 0);
	DENIED(m, "192.0.2.1", PROTO_TCP, 443);
	compilation_release(&c);
}

/* Addresses are per family: an IPv4 rule says nothing about IPv6, even for
 * the same low bits (::c000:201 is IPv6) - but an IPv4-mapped address
 * (::ffff:0:0/96) is IPv4, since that is how a connection to it leaves. */
static void test_families(void **state)
{
	struct compilation c;
	const struct model *m;

	(void)state;
	m = compile(&c, "allow 0.0.0.0/0\ndeny ::ffff:192.0.2.0/120\nallow ::c000:200/120\n");
	DENIED(m, "192.0.2.1", PROTO_TCP, 80);
	DENIED(m, "::ffff:192.0.2.1", PROTO_TCP, 80);
	ALLOWED(m, "198.51.100.1", PROTO_TCP, 80);
	ALLOWED(m, "::c000:201", PROTO_TCP, 80);
	ALLOWED(m, "::ffff:c000:101", PROTO_TCP, 80);
	DENIED(m, "2001:db8::1", PROTO_TCP, 80);
	assert_int_equal(m->classes[0].verdict, VERDICT_DENY);
	assert_int_equal(m->classes[0].sets[FAMILY_V4].nspans, 1);
	assert_int_equal(m->classes[0].sets[FAMILY_V6].nranges, 0);
	assert_int_equal(m->classes[1].sets[FAMILY_V6].nspans, 1);
	compilation_release(&c);
}

/* ---- classes ------------------------------------------------------------ */

/* Rules with the same verdict and service are one class, whatever order
 * their ports and protocols are written in; their addresses merge. */
static void test_ports_merged(void **state)
{
	struct compilation c;
	const struct model *m;
	const struct rule_class *k;

	(void)state;
	m = compile(&c, "allow 192.0.2.1 port 80, 443\n"
			"allow 192.0.2.2 port 443, 80\n"
			"allow 192.0.2.3 port 443, 80, 443 proto tcp\n");
	assert_int_equal(m->nclasses, 1);
	k = &m->classes[0];
	assert_string_equal(k->name, "allow_tcp_80_443");
	assert_int_equal(k->nrules, 3);
	assert_int_equal(k->svc.nports, 2);
	assert_int_equal(k->svc.ports[0].lo, 80);
	assert_int_equal(k->svc.ports[1].lo, 443);
	/* Three adjacent hosts: one span, three contributors. */
	assert_int_equal(k->sets[FAMILY_V4].nspans, 1);
	assert_int_equal(rangeset_span(&k->sets[FAMILY_V4], 0).count, 3);
	assert_int_equal(k->sets[FAMILY_V4].nranges, 3);
	check_origins(m);
	/* Rules in policy order. */
	assert_int_equal(k->rules[0]->rule.index, 0);
	assert_int_equal(k->rules[2]->rule.index, 2);
	assert_int_equal(k->nfamily_rules[FAMILY_V4], 3);
	assert_int_equal(k->nfamily_rules[FAMILY_V6], 0);
	compilation_release(&c);

	/* Overlapping and adjacent port ranges merge into one. */
	m = compile(&c, "allow 192.0.2.1 port 85, 80-90, 91, 100-200, 150\n"
			"allow 192.0.2.9 port 80-91, 100-200\n");
	assert_int_equal(m->nclasses, 1);
	assert_string_equal(m->classes[0].name, "allow_tcp_80-91_100-200");
	assert_int_equal(m->classes[0].svc.nports, 2);
	compilation_release(&c);

	/* Different ports are different classes. */
	m = compile(&c, "allow 192.0.2.1 port 80\nallow 192.0.2.2 port 81\n"
			"allow 192.0.2.3 port 80 proto udp\nallow 192.0.2.4 port 80 proto udp, tcp\n");
	assert_int_equal(m->nclasses, 4);
	ALLOWED(m, "192.0.2.1", PROTO_TCP, 80);
	DENIED(m, "192.0.2.1", PROTO_TCP, 81);
	DENIED(m, "192.0.2.2", PROTO_TCP, 80);
	ALLOWED(m, "192.0.2.4", PROTO_UDP, 80);
	compilation_release(&c);
}

/* Classes come deny first, then by service, and their order depends only
 * on what the policy says, not on the order it says it in. */
static void test_class_order(void **state)
{
	static const char *const want[] = {
		"deny_all", "deny_tcp_22", "allow_all", "allow_tcp_80", "allow_tcp_443",
		"allow_udp_53", "allow_tcp_udp_123",
	};
	static const char *const lines[] = {
		"allow 192.0.2.1 port 80\n",
		"allow 192.0.2.2\n",
		"deny 192.0.2.3 port 22\n",
		"deny 192.0.2.4\n",
		"allow 192.0.2.5 proto udp port 53\n",
		"allow 192.0.2.6 port 443\n",
		"allow 192.0.2.7 proto tcp, udp port 123\n",
	};
	const size_t n = sizeof(lines) / sizeof(lines[0]);

	(void)state;
	/* Forwards, backwards and interleaved. */
	for (int order = 0; order < 3; order++) {
		char text[1024] = "";
		for (size_t i = 0; i < n; i++) {
			size_t j = order == 0 ? i : order == 1 ? n - 1 - i : (i * 3) % n;
			strcat(text, lines[j]);
		}
		struct compilation c;
		const struct model *m = compile(&c, text);
		expect_class_names(m, want, n);
		for (size_t i = 0; i < m->nclasses; i++)
			assert_int_equal(m->classes[i].verdict, i < 2 ? VERDICT_DENY : VERDICT_ALLOW);
		compilation_release(&c);
	}
}

/* Class names say verdict, protocols and ports; too long ones are cut and
 * end in a hash, so they stay within CLASS_NAME_MAX and distinct. */
static void test_class_names(void **state)
{
	static const struct {
		const char *policy, *name;
	} cases[] = {
		{ "allow 192.0.2.1 port 80, 443", "allow_tcp_80_443" },
		{ "deny 192.0.2.1", "deny_all" },
		{ "allow 192.0.2.1 port 53 proto tcp, udp", "allow_tcp_udp_53" },
		{ "allow 192.0.2.1 port 53 proto udp, tcp", "allow_tcp_udp_53" },
		{ "allow 192.0.2.1 port 8000-8100 proto udp", "allow_udp_8000-8100" },
		{ "allow 192.0.2.1 proto tcp", "allow_tcp" },
		{ "deny 192.0.2.1 proto udp", "deny_udp" },
		{ "allow 192.0.2.1", "allow_all" },
		{ "deny 192.0.2.1 port 1-65535", "deny_tcp_1-65535" },
	};
	struct compilation c, c2;
	const struct model *m, *m2;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		m = compile(&c, cases[i].policy);
		assert_int_equal(m->nclasses, 1);
		assert_string_equal(m->classes[0].name, cases[i].name);
		compilation_release(&c);
	}

	m = compile(&c, "allow 192.0.2.1 port 10001, 10003, 10005, 10007, 10009, 10011, 10013, 10015\n");
	m2 = compile(&c2, "allow 192.0.2.1 port 10001, 10003, 10005, 10007, 10009, 10011, 10013, 10017\n");
	const char *a = m->classes[0].name, *b = m2->classes[0].name;
	assert_int_equal(strlen(a), CLASS_NAME_MAX);
	assert_int_equal(strlen(b), CLASS_NAME_MAX);
	assert_true(strncmp(a, "allow_tcp_10001_10003_", 22) == 0);
	assert_non_null(strstr(a, "_h"));
	assert_string_not_equal(a, b);
	compilation_release(&c);
	compilation_release(&c2);
}

/* Names are unique by construction: a long name's hash covers the whole
 * service however many ports it has, and a name taken already - two
 * hashes colliding - is hashed again. Two classes sharing a set name
 * would share the set in nft, each accepting the other's addresses. */
static void test_names_unique(void **state)
{
	struct compilation c;
	const struct model *m;
	char *text;
	size_t len;

	(void)state;
	/* 700 ports in common (4,200 characters of name), then one apart:
	 * each alone, and both together. */
	char *alone[2];
	for (int rule = 0; rule < 3; rule++) {
		FILE *fp = open_memstream(&text, &len);
		for (int r = rule == 2 ? 0 : rule; r <= (rule == 2 ? 1 : rule); r++) {
			fprintf(fp, "allow 192.0.2.%d port ", r + 1);
			for (int i = 0; i < 700; i++)
				fprintf(fp, "%d, ", 10001 + 2 * i);
			fprintf(fp, "%d\n", 20000 + 2 * r);
		}
		fclose(fp);
		m = compile(&c, text);
		free(text);
		if (rule < 2) {
			alone[rule] = strdup(m->classes[0].name);
			compilation_release(&c);
		}
	}
	assert_string_not_equal(alone[0], alone[1]);
	assert_int_equal(m->nclasses, 2);
	assert_string_equal(m->classes[0].name, alone[0]);
	assert_string_equal(m->classes[1].name, alone[1]);
	assert_null(model_duplicate_name(m));
	ALLOWED(m, "192.0.2.1", PROTO_TCP, 20000);
	DENIED(m, "192.0.2.1", PROTO_TCP, 20002);
	compilation_release(&c);
	free(alone[0]);
	free(alone[1]);

	/* Found by search: same first 38 characters, same 32-bit hash. */
	m = compile(&c, "allow 192.0.2.1 port 10001,10003,10005,10007,10009,20770,21692,31086,63570\n"
			"allow 192.0.2.2 port 10001,10003,10005,10007,10009,25010,25694,44464,44582\n");
	assert_int_equal(m->nclasses, 2);
	assert_string_equal(m->classes[0].name, "allow_tcp_10001_10003_10005_10007_1000_he80793bc");
	assert_string_not_equal(m->classes[0].name, m->classes[1].name);
	assert_int_equal(strlen(m->classes[0].name), CLASS_NAME_MAX);
	assert_null(model_duplicate_name(m));
	compilation_release(&c);

	/* Run-time sets whose ipset names hash alike get ipsets of their own
	 * (found by search: the same 32-bit hash of their nft names). */
	m = compile(&c, "allow *.a.example port 24049,34558,37667\n"
			"allow *.a.example port 17875,36667,53355\n");
	assert_int_equal(m->nruntime, 2);
	for (int f = 0; f < FAMILY_COUNT; f++) {
		assert_true(strncmp(m->runtime[0].ipset[f], "egressc_allow_tcp_", 18) == 0);
		assert_string_not_equal(m->runtime[0].ipset[f], m->runtime[1].ipset[f]);
		assert_true(strlen(m->runtime[1].ipset[f]) <= IPSET_NAME_MAX);
	}
	assert_string_equal(m->runtime[0].name, "allow_tcp_17875_36667_53355_dns_c6a4155c");
	assert_string_equal(m->runtime[0].ipset[FAMILY_V4], "egressc_allow_tcp_9aac990f_v4");
	assert_null(model_duplicate_name(m));

	/* The check the model makes sees any duplicate. */
	struct model *mm = (struct model *)m;
	char saved[IPSET_NAME_MAX + 1];
	memcpy(saved, mm->runtime[1].ipset[FAMILY_V6], sizeof(saved));
	memcpy(mm->runtime[1].ipset[FAMILY_V6], mm->runtime[0].ipset[FAMILY_V6], sizeof(saved));
	assert_string_equal(model_duplicate_name(m), mm->runtime[0].ipset[FAMILY_V6]);
	memcpy(mm->runtime[1].ipset[FAMILY_V6], saved, sizeof(saved));
	memcpy(mm->classes[1].name, mm->classes[0].name, sizeof(mm->classes[0].name));
	assert_string_equal(model_duplicate_name(m), m->classes[0].name);
	compilation_release(&c);
}

/* Each range of a class names the rule and target it came from, through
 * defines too. */
/* The names of run-time sets of policy TEXT's: "NAME IPSET_V4" each. */
static char *runtime_names_of(const char *text)
{
	struct compilation c;
	const struct model *m = compile(&c, text);
	char *out;
	size_t len;
	FILE *fp = open_memstream(&out, &len);

	for (size_t i = 0; i < m->nruntime; i++)
		fprintf(fp, "%s %s\n", m->runtime[i].name, m->runtime[i].ipset[FAMILY_V4]);
	fclose(fp);
	compilation_release(&c);
	return out;
}

static void assert_names(const char *a, const char *b, bool same)
{
	char *na = runtime_names_of(a), *nb = runtime_names_of(b);

	if (same != (strcmp(na, nb) == 0))
		fail_msg("run-time set names should %s:\n%s---\n%s", same ? "agree" : "differ", na, nb);
	free(na);
	free(nb);
}

/* A wildcard set's names change with what fills it, so that a dnsmasq
 * configured for another policy cannot fill it; an ipset's with its
 * timeout, which 'ipset create' fixes. */
static void test_runtime_names(void **state)
{
	struct compilation c;
	const struct model *m;

	(void)state;
	m = compile(&c, "allow *.a.example port 443\n"
			"allow *.b.example, *.c.example port 443 timeout 10m\n"
			"dynamic builders timeout 30m\nallow $builders\n");
	assert_string_equal(m->runtime[0].name, "dyn_builders");
	assert_string_equal(m->runtime[0].ipset[FAMILY_V4], "egressc_dyn_builders_30m_v4");
	assert_string_equal(m->runtime[0].ipset[FAMILY_V6], "egressc_dyn_builders_30m_v6");
	assert_true(strncmp(m->runtime[1].name, "allow_tcp_443_dns_", 18) == 0);
	assert_int_equal(strlen(m->runtime[1].name), strlen("allow_tcp_443_dns_") + 8);
	assert_true(strncmp(m->runtime[2].name, "allow_tcp_443_dns_10m_", 22) == 0);
	for (size_t i = 1; i < 3; i++)
		for (int f = 0; f < FAMILY_COUNT; f++)
			assert_true(strncmp(m->runtime[i].ipset[f], "egressc_allow_tcp_", 18) == 0);
	assert_null(model_duplicate_name(m));
	compilation_release(&c);

	/* Another domain, another set; the same domains, the same set. */
	assert_names("allow *.a.example port 443\n", "allow *.b.example port 443\n", false);
	assert_names("allow *.a.example port 443\n",
		     "allow *.a.example port 443\nallow *.b.example port 443\n", false);
	assert_names("allow *.a.example, *.b.example port 443\n",
		     "allow *.b.example port 443\nallow *.A.example port 443\n", true);
	/* Another timeout, another set and ipset. */
	assert_names("allow *.a.example port 443 timeout 10m\n",
		     "allow *.a.example port 443 timeout 20m\n", false);
	assert_names("dynamic b timeout 10m\nallow $b\n", "dynamic b timeout 20m\nallow $b\n", false);
	assert_names("dynamic b\nallow $b\n", "dynamic b timeout 1h\nallow $b\n", true);

	/* Dynamic sets' ipsets are not salted (the verifier names them from
	 * the policy): two that hash alike are an error (found by search). */
	static const char clash[] = "dynamic builderyhajqqays\ndynamic builderrlfpvhtgz\n"
				    "allow $builderyhajqqays\nallow $builderrlfpvhtgz\n";
	const struct compile_opts o = { .no_modules = true };
	char *text;
	size_t len;
	compilation_init(&c);
	assert_int_not_equal(compilation_run_buffer(&c, "t.eg", clash, strlen(clash), &o), 0);
	FILE *fp = open_memstream(&text, &len);
	diags_print(&c.diags, fp);
	fclose(fp);
	assert_non_null(strstr(text, "would share the ipset name 'egressc_dyn_builder_b5df0415_v4'"));
	free(text);
	compilation_release(&c);
}

static void test_origins(void **state)
{
	struct compilation c;
	const struct model *m;
	struct decision d;

	(void)state;
	m = compile(&c, "define inner = 198.51.100.0/24\n"
			"define outer = { 192.0.2.0/25, $inner }\n"
			"allow 192.0.2.200\n"
			"allow $outer\n");
	assert_int_equal(m->nclasses, 1);
	d = decide(m, "198.51.100.9", PROTO_TCP, 1);
	assert_int_equal(d.reason, DECIDED_BY_RULE);
	assert_int_equal(d.span.count, 1);
	struct range r = rangeset_range(&d.cls->sets[FAMILY_V4], d.span.first);
	const struct origin *o = &m->origins[r.origin];
	assert_string_equal(o->target->text, "198.51.100.0/24");
	assert_int_equal(o->rule->rule.index, 1);
	d = decide(m, "192.0.2.200", PROTO_TCP, 1);
	r = rangeset_range(&d.cls->sets[FAMILY_V4], d.span.first);
	assert_int_equal(m->origins[r.origin].rule->rule.index, 0);
	DENIED(m, "192.0.2.128", PROTO_TCP, 1);
	check_origins(m);
	compilation_release(&c);

	/* One span, several contributors: the decision's span names them
	 * all, and they keep their origins. */
	m = compile(&c, "allow 192.0.2.0/25\nallow 192.0.2.128/25, 192.0.2.7\n");
	d = decide(m, "192.0.2.7", PROTO_TCP, 1);
	assert_int_equal(d.span.count, 3);
	assert_true(d.span.hi - d.span.lo == 255);
	const struct rangeset *s = &d.cls->sets[FAMILY_V4];
	r = rangeset_range(s, d.span.first);
	assert_string_equal(m->origins[r.origin].target->text, "192.0.2.0/25");
	r = rangeset_range(s, d.span.first + 1);
	assert_string_equal(m->origins[r.origin].target->text, "192.0.2.7");
	assert_int_equal(m->origins[r.origin].rule->rule.index, 1);
	r = rangeset_range(s, d.span.first + 2);
	assert_string_equal(m->origins[r.origin].target->text, "192.0.2.128/25");
	assert_int_equal(rangeset_prefix_count(s), 1);
	check_origins(m);
	compilation_release(&c);
}

/* ---- IPv4-mapped addresses ---------------------------------------------- */

/* An IPv4-mapped IPv6 address is the IPv4 address it maps wherever it is
 * written - the policy, an address list, a hosts file - since a connection
 * to it leaves as IPv4; none of it lands in an IPv6 set. */
static void test_v4_mapped(void **state)
{
	char *list = temp_file("::ffff:198.51.100.0/120\n::ffff:203.0.113.9\n2001:db8::/32\n");
	char *hosts = temp_file("::ffff:192.0.2.10 meta.example\n");
	char policy[512];
	struct compilation c;
	const struct model *m;

	(void)state;
	snprintf(policy, sizeof(policy),
		 "default allow\n"
		 "deny ::ffff:169.254.169.254\n"
		 "deny file \"%s\" port 443\n"
		 "deny meta.example\n",
		 list);
	m = compile_hosts(&c, policy, hosts);
	DENIED(m, "169.254.169.254", PROTO_TCP, 80);
	ALLOWED(m, "169.254.169.253", PROTO_TCP, 80);
	DENIED(m, "198.51.100.7", PROTO_TCP, 443);
	DENIED(m, "203.0.113.9", PROTO_TCP, 443);
	ALLOWED(m, "203.0.113.9", PROTO_TCP, 80);
	DENIED(m, "192.0.2.10", PROTO_UDP, 53);
	DENIED(m, "2001:db8::1", PROTO_TCP, 443);
	for (size_t i = 0; i < m->nclasses; i++) {
		const struct rangeset *s6 = &m->classes[i].sets[FAMILY_V6];
		for (size_t j = 0; j < s6->nranges; j++)
			assert_true(rangeset_range(s6, j).lo >> 96 == 0x20010db8);
	}
	assert_int_equal(m->pinned ? m->npinned : 0, 0);
	check_origins(m);
	compilation_release(&c);

	/* An allowed name pins the IPv4 address. */
	m = compile_hosts(&c, "allow meta.example port 80\n", hosts);
	ALLOWED(m, "192.0.2.10", PROTO_TCP, 80);
	assert_int_equal(m->npinned, 1);
	assert_int_equal(m->pinned[0]->addrs[0].family, FAMILY_V4);
	compilation_release(&c);
	unlink(list);
	unlink(hosts);
	free(list);
	free(hosts);
}

/* ---- hostnames ---------------------------------------------------------- */

/* Every address a hosts file lists for a name counts, across lines and
 * families; the hosts named by allow rules (directly or through defines)
 * are pinned, sorted by name, once each; deny-only hosts are not. */
/* What the refresh agent asks: the classes a pinned name feeds (through
 * defines too), whether it alone put an address there as an element of its
 * own, and whether a deny rule covers an address for a class's
 * service - some of its ports are enough; the default policy is not a
 * deny rule. */
static void test_refresh_questions(void **state)
{
	char *hosts = temp_file("192.0.2.10 a.example\n"
				"192.0.2.11 b.example\n");
	const struct rule_class *out[8];
	struct compilation c;
	const struct model *m;
	addr_t a;
	enum family f;

	(void)state;
	m = compile_hosts(&c, "define d = { b.example }\n"
			      "allow a.example port 443\n"
			      "allow a.example, $d port 80\n"
			      "deny 203.0.113.0/24 port 80\n"
			      "deny 198.51.100.0/24 port 22\n",
			  hosts);
	const struct host *ha = NULL, *hb = NULL;
	for (size_t i = 0; i < m->npinned; i++) {
		if (strcmp(m->pinned[i]->name, "a.example") == 0)
			ha = m->pinned[i];
		if (strcmp(m->pinned[i]->name, "b.example") == 0)
			hb = m->pinned[i];
	}
	assert_non_null(ha);
	assert_non_null(hb);
	assert_int_equal(model_host_classes(m, ha, out, 8), 2);
	assert_string_equal(out[0]->name, "allow_tcp_80");
	assert_string_equal(out[1]->name, "allow_tcp_443");
	assert_int_equal(model_host_classes(m, hb, out, 8), 1);
	assert_string_equal(out[0]->name, "allow_tcp_80");
	/* b's address is next to a's in allow_tcp_80: one span, neither's
	 * own; in allow_tcp_443 a's stands alone. */
	assert_true(addr_parse("192.0.2.11", &f, &a));
	assert_false(model_host_owns(m, out[0], hb, f, a));
	assert_int_equal(model_host_classes(m, ha, out, 8), 2);
	assert_true(addr_parse("192.0.2.10", &f, &a));
	assert_false(model_host_owns(m, out[0], ha, f, a));
	assert_true(model_host_owns(m, out[1], ha, f, a));
	assert_false(model_host_owns(m, out[1], hb, f, a));
	assert_true(addr_parse("203.0.113.5", &f, &a));
	assert_true(model_denies_any(m, out[0], f, a));
	assert_true(addr_parse("198.51.100.5", &f, &a));
	assert_false(model_denies_any(m, out[0], f, a));	/* port 22 only */
	assert_true(addr_parse("192.0.2.99", &f, &a));
	assert_false(model_denies_any(m, out[0], f, a));	/* the default */
	compilation_release(&c);
	unlink(hosts);
	free(hosts);
}

static const struct rule_class *class_named(const struct model *m, const char *name)
{
	for (size_t i = 0; i < m->nclasses; i++)
		if (strcmp(m->classes[i].name, name) == 0)
			return &m->classes[i];
	fail_msg("no class '%s'", name);
	return NULL;
}

/* The iptables backend's refresh sets: an allow class a name feeds has one
 * per family (the other family's empty), named after the class alone and
 * holding the spans with a name's address (a literal address merged with
 * it too); the rest of the class stays static. A deny class never has
 * one, and the agent is never sent to it. */
static void test_refresh_ipsets(void **state)
{
	char *hosts = temp_file("192.0.2.10 a.example\n"
				"198.51.100.77 d.example\n");
	struct compilation c;
	const struct model *m;

	(void)state;
	m = compile_hosts(&c, "allow a.example, 192.0.2.11, 203.0.113.0/24, 203.0.113.64/26 port 443\n"
			      "deny d.example port 22\n"
			      "allow d.example port 80\n"
			      "allow 198.51.100.0/24 port 8080\n",
			  hosts);
	const struct rule_class *c443 = class_named(m, "allow_tcp_443");
	assert_true(model_class_refreshed(m, c443));
	assert_string_equal(c443->refresh[FAMILY_V4].name, "egressc_pin_allow_tcp_443_v4");
	assert_string_equal(c443->refresh[FAMILY_V6].name, "egressc_pin_allow_tcp_443_v6");
	assert_int_equal(c443->refresh[FAMILY_V4].nprefixes, 1);	/* 192.0.2.10/31 */
	assert_int_equal(c443->refresh[FAMILY_V4].maxelem, REFRESH_IPSET_ROOM);
	assert_int_equal(c443->refresh[FAMILY_V6].nprefixes, 0);
	assert_true(model_span_refreshed(m, c443, FAMILY_V4, 0));
	assert_false(model_span_refreshed(m, c443, FAMILY_V4, 1));
	/* One static prefix: matched in the rule, no static ipset. */
	assert_int_equal(c443->ipset[FAMILY_V4].nprefixes, 1);
	assert_string_equal(c443->ipset[FAMILY_V4].name, "");

	const struct rule_class *deny22 = class_named(m, "deny_tcp_22");
	assert_false(model_class_refreshed(m, deny22));
	assert_string_equal(deny22->refresh[FAMILY_V4].name, "");
	assert_false(model_class_refreshed(m, class_named(m, "allow_tcp_8080")));

	const struct rule_class *out[8];
	const struct host *hd = NULL;
	for (size_t i = 0; i < m->npinned; i++)
		if (strcmp(m->pinned[i]->name, "d.example") == 0)
			hd = m->pinned[i];
	assert_non_null(hd);
	assert_int_equal(model_host_classes(m, hd, out, 8), 1);
	assert_string_equal(out[0]->name, "allow_tcp_80");
	compilation_release(&c);
	unlink(hosts);
	free(hosts);
}

static void test_hostnames(void **state)
{
	char *hosts = temp_file("# test hosts\n"
				"192.0.2.10   a.example\n"
				"192.0.2.11\ta.example  alias.example\n"
				"2001:db8::10 A.Example.\n"
				"198.51.100.1 b.example c.example\n"
				"198.51.100.2 z.example\n"
				"198.51.100.3 y.example\n"
				"198.51.100.4 unused.example\n");
	struct compilation c;
	const struct model *m;

	(void)state;
	m = compile_hosts(&c, "allow z.example, a.example port 443\n"
			      "allow a.example port 80\n"
			      "deny b.example\n"
			      "define d = { c.example, z.example }\n"
			      "allow $d\n"
			      "deny y.example port 22\n"
			      "allow y.example\n",
			  hosts);
	ALLOWED(m, "192.0.2.10", PROTO_TCP, 443);
	ALLOWED(m, "192.0.2.11", PROTO_TCP, 443);
	ALLOWED(m, "2001:db8::10", PROTO_TCP, 80);
	DENIED(m, "2001:db8::10", PROTO_UDP, 80);
	DENIED(m, "192.0.2.12", PROTO_TCP, 443);
	/* b and c share an address: the deny wins. */
	DENIED(m, "198.51.100.1", PROTO_TCP, 443);
	ALLOWED(m, "198.51.100.2", 0, 0);
	ALLOWED(m, "198.51.100.3", PROTO_TCP, 23);
	DENIED(m, "198.51.100.3", PROTO_TCP, 22);
	DENIED(m, "198.51.100.4", PROTO_TCP, 22);

	static const char *const pinned[] = { "a.example", "c.example", "y.example", "z.example" };
	assert_int_equal(m->npinned, 4);
	for (size_t i = 0; i < 4; i++) {
		assert_string_equal(m->pinned[i]->name, pinned[i]);
		if (i)
			assert_ptr_not_equal(m->pinned[i], m->pinned[i - 1]);
	}
	assert_int_equal(m->pinned[0]->naddrs, 3);

	/* The origin of a host's addresses is the hostname target. */
	struct decision d = decide(m, "192.0.2.11", PROTO_TCP, 443);
	struct range r = rangeset_range(&d.cls->sets[FAMILY_V4], d.span.first);
	assert_non_null(m->origins[r.origin].target->host);
	assert_string_equal(m->origins[r.origin].target->host->name, "a.example");
	check_origins(m);
	compilation_release(&c);

	/* Only deny rules: nothing pinned. */
	m = compile_hosts(&c, "deny a.example\ndeny b.example\n", hosts);
	assert_int_equal(m->npinned, 0);
	DENIED(m, "192.0.2.10", 0, 0);
	compilation_release(&c);

	/* A name missing from the file does not compile. */
	const struct compile_opts o = { .resolve.hosts_file = hosts, .no_modules = true };
	const char *bad = "allow missing.example\n";
	compilation_init(&c);
	assert_int_equal(compilation_run_buffer(&c, "t.eg", bad, strlen(bad), &o), -1);
	assert_false(c.have_model);
	assert_non_null(c.diags.head);
	assert_non_null(strstr(c.diags.head->msg, "is not in hosts file"));
	compilation_release(&c);

	unlink(hosts);
	free(hosts);
}

/* ---- randomized differential test -------------------------------------- */

/* A random policy, kept as data for the reference evaluator and written as
 * text for the compiler. */
struct rcidr {
	enum family family;
	addr_t addr;
	unsigned len;
};

struct rrule {
	enum verdict verdict;
	struct rcidr cidrs[4];
	int ncidrs;
	bool in_define;
	struct port_range ports[3];
	int nports;
	unsigned protos;	/* as written; 0: no proto clause */
};

struct rpolicy {
	enum verdict def;
	struct rrule rules[12];
	int nrules;
};

static uint64_t rng_state = 0x0123456789abcdefull;

static uint32_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

static const addr_t v4_nets[] = { 0xc0000200u, 0xc6336400u };	/* 192.0.2.0, 198.51.100.0 */
static const addr_t v6_net = (addr_t)0x20010db8u << 96;		/* 2001:db8:: */

/* A random address in one of the test networks (rarely, outside them). */
static void random_addr(enum family *f, addr_t *a)
{
	unsigned r = rng() % 16;

	if (r == 0) {
		*f = FAMILY_V4;
		*a = 0xcb007100u | (rng() % 256);	/* 203.0.113.0/24 */
	} else if (r < 3) {
		*f = FAMILY_V6;
		*a = v6_net | (rng() % 256);
	} else {
		*f = FAMILY_V4;
		*a = v4_nets[rng() % 2] | (rng() % 256);
	}
}

static void random_cidr(struct rcidr *c)
{
	random_addr(&c->family, &c->addr);
	c->len = family_bits(c->family) - rng() % 9;	/* /24../32, /120../128 */
	c->addr &= ~prefix_hostmask(c->family, c->len);
}

static uint16_t random_port(void)
{
	return (uint16_t)(rng() % 8 ? 1 + rng() % 12 : 65535 - rng() % 2);
}

static void random_policy(struct rpolicy *p)
{
	memset(p, 0, sizeof(*p));
	p->def = rng() % 3 ? VERDICT_DENY : VERDICT_ALLOW;
	p->nrules = (int)(rng() % 12);
	for (int i = 0; i < p->nrules; i++) {
		struct rrule *r = &p->rules[i];
		r->verdict = rng() % 3 ? VERDICT_ALLOW : VERDICT_DENY;
		r->ncidrs = 1 + (int)(rng() % 4);
		for (int j = 0; j < r->ncidrs; j++)
			random_cidr(&r->cidrs[j]);
		r->in_define = rng() % 4 == 0;
		r->nports = rng() % 2 ? 0 : 1 + (int)(rng() % 3);
		for (int j = 0; j < r->nports; j++) {
			uint16_t a = random_port(), b = rng() % 3 ? a : random_port();
			r->ports[j].lo = a < b ? a : b;
			r->ports[j].hi = a < b ? b : a;
		}
		r->protos = rng() % 4;	/* 0, tcp, udp, both */
	}
}

static void append(char **buf, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void append(char **buf, size_t *len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(*buf + *len, 8192 - *len, fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && *len + (size_t)n < 8192);
	*len += (size_t)n;
}

/* The policy as text, in varying layout: settings anywhere, defines, ';'
 * or newlines, ports and protos in either order. */
static char *policy_text(const struct rpolicy *p)
{
	char *buf = calloc(1, 8192);
	size_t len = 0;
	int def_at = p->nrules ? (int)(rng() % (unsigned)(p->nrules + 1)) : 0;
	char a[PREFIX_STRLEN];

	assert_non_null(buf);
	for (int i = 0; i <= p->nrules; i++) {
		if (i == def_at && (p->def == VERDICT_ALLOW || rng() % 2))
			append(&buf, &len, "default %s\n", p->def == VERDICT_ALLOW ? "allow" : "deny");
		if (i == p->nrules)
			break;
		const struct rrule *r = &p->rules[i];
		if (r->in_define) {
			append(&buf, &len, "define d%d = {\n", i);
			for (int j = 0; j < r->ncidrs; j++) {
				struct prefix pf = { r->cidrs[j].addr, (unsigned char)r->cidrs[j].len,
						     (unsigned char)r->cidrs[j].family };
				append(&buf, &len, "  %s,\n", prefix_format(&pf, a));
			}
			append(&buf, &len, "}\n");
		}
		append(&buf, &len, "%s ", r->verdict == VERDICT_ALLOW ? "allow" : "deny");
		if (r->in_define) {
			append(&buf, &len, "$d%d", i);
		} else {
			for (int j = 0; j < r->ncidrs; j++) {
				struct prefix pf = { r->cidrs[j].addr, (unsigned char)r->cidrs[j].len,
						     (unsigned char)r->cidrs[j].family };
				append(&buf, &len, "%s%s", j ? ", " : "", prefix_format(&pf, a));
			}
		}
		bool proto_first = rng() % 2;
		for (int k = 0; k < 2; k++) {
			if ((k == 0) == proto_first) {
				if (r->protos)
					append(&buf, &len, " proto %s",
					       r->protos == PROTO_TCP ? "tcp" :
					       r->protos == PROTO_UDP ? "udp" :
					       rng() % 2 ? "tcp, udp" : "udp,\n tcp");
			} else {
				for (int j = 0; j < r->nports; j++) {
					append(&buf, &len, j ? ", " : " port ");
					if (r->ports[j].lo == r->ports[j].hi)
						append(&buf, &len, "%u", r->ports[j].lo);
					else
						append(&buf, &len, "%u-%u", r->ports[j].lo, r->ports[j].hi);
				}
			}
		}
		append(&buf, &len, "%s", rng() % 4 ? "\n" : "; ");
	}
	return buf;
}

/* The semantics, straight from model.h and the language: a rule matches if
 * an address is in one of its prefixes and its service matches; deny rules
 * first, then allow rules, then the default. */
static bool ref_matches(const struct rrule *r, const struct packet *pk)
{
	bool addr = false, port = false;

	for (int j = 0; j < r->ncidrs; j++) {
		const struct rcidr *c = &r->cidrs[j];
		addr |= c->family == pk->family &&
			(pk->addr & ~prefix_hostmask(c->family, c->len)) == c->addr;
	}
	if (!addr)
		return false;
	if (!r->nports && !r->protos)
		return true;
	unsigned protos = r->protos ? r->protos : PROTO_TCP;
	if (!(protos & pk->proto))
		return false;
	if (!r->nports)
		return true;
	for (int j = 0; j < r->nports; j++)
		port |= pk->port >= r->ports[j].lo && pk->port <= r->ports[j].hi;
	return port;
}

static enum verdict ref_decide(const struct rpolicy *p, const struct packet *pk)
{
	for (int i = 0; i < p->nrules; i++)
		if (p->rules[i].verdict == VERDICT_DENY && ref_matches(&p->rules[i], pk))
			return VERDICT_DENY;
	for (int i = 0; i < p->nrules; i++)
		if (p->rules[i].verdict == VERDICT_ALLOW && ref_matches(&p->rules[i], pk))
			return VERDICT_ALLOW;
	return p->def;
}

/* Random policies, compiled from text, agree with the reference evaluator
 * on random packets; no two classes share verdict and service. */
static void test_random_differential(void **state)
{
	static const unsigned protos[] = { PROTO_TCP, PROTO_UDP, 0 };

	(void)state;
	for (int round = 0; round < 400; round++) {
		struct rpolicy p;
		struct compilation c;

		random_policy(&p);
		char *text = policy_text(&p);
		const struct model *m = compile(&c, text);
		for (size_t i = 0; i + 1 < m->nclasses; i++)
			assert_string_not_equal(m->classes[i].name, m->classes[i + 1].name);
		check_origins(m);
		for (int k = 0; k < 300; k++) {
			struct packet pk = { 0 };
			/* Mostly addresses the rules name, to hit them often. */
			if (p.nrules && rng() % 2) {
				const struct rrule *r = &p.rules[rng() % (unsigned)p.nrules];
				const struct rcidr *cd = &r->cidrs[rng() % (unsigned)r->ncidrs];
				pk.family = cd->family;
				pk.addr = cd->addr | (rng() & prefix_hostmask(cd->family, cd->len));
			} else {
				random_addr(&pk.family, &pk.addr);
			}
			pk.proto = protos[rng() % 3];
			pk.port = pk.proto ? random_port() : 0;
			struct decision d = model_decide(m, &pk);
			check_decision(m, &pk, &d);
			enum verdict want = ref_decide(&p, &pk);
			if (d.verdict != want) {
				char a[PREFIX_STRLEN];
				fail_msg("round %d: %s proto %u port %u: model says %s, reference %s\n%s",
					 round, addr_format(pk.family, pk.addr, a), pk.proto, pk.port,
					 d.verdict == VERDICT_ALLOW ? "allow" : "deny",
					 want == VERDICT_ALLOW ? "allow" : "deny", text);
			}
		}
		compilation_release(&c);
		free(text);
	}
}

/* ---- exemptions ---------------------------------------------------------- */

/* Loopback is accepted before any rule, whatever the policy says of it;
 * nothing else is, by destination alone. */
/* Rules for users and groups: each class matches its senders' packets
 * only, a forwarded packet (no sender) matches none of them, and deny wins
 * for exactly the packets it matches. */
static void test_senders(void **state)
{
	struct compilation c;
	const struct model *m = compile(&c,
		"deny 192.0.2.10 port 8443 user runner\n"
		"allow 192.0.2.10 port 8443\n"
		"allow 192.0.2.20 user deploy, 1002 group ops\n"
		"deny 192.0.2.30\n"
		"allow 192.0.2.30 user deploy\n");
	const struct owner_id runner = { .name = "runner" }, deploy = { .name = "deploy" },
			      uid1002 = { .id = 1002 }, uid1001 = { .id = 1001 },
			      ops = { .name = "ops" };
	const struct sending none = { 0 }, as_runner = { .user = &runner },
			    as_deploy_ops = { .user = &deploy, .group = &ops },
			    as_deploy = { .user = &deploy }, as_1002_ops = { .user = &uid1002, .group = &ops },
			    as_1001 = { .user = &uid1001 };
	const struct {
		const char *addr;
		uint16_t port;
		const struct sending *from;
		enum verdict want;
	} cases[] = {
		/* A deny for runner: runner blocked, everyone else allowed. */
		{ "192.0.2.10", 8443, &as_runner, VERDICT_DENY },
		{ "192.0.2.10", 8443, &as_deploy, VERDICT_ALLOW },
		{ "192.0.2.10", 8443, &none, VERDICT_ALLOW },
		/* A name is not its number: 1001 is not "runner" here. */
		{ "192.0.2.10", 8443, &as_1001, VERDICT_ALLOW },
		/* user and group both must match; forwarded never does. */
		{ "192.0.2.20", 80, &as_deploy_ops, VERDICT_ALLOW },
		{ "192.0.2.20", 80, &as_1002_ops, VERDICT_ALLOW },
		{ "192.0.2.20", 80, &as_deploy, VERDICT_DENY },
		{ "192.0.2.20", 80, &none, VERDICT_DENY },
		/* A deny for everyone beats an allow for one user. */
		{ "192.0.2.30", 80, &as_deploy, VERDICT_DENY },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct packet p = pkt(cases[i].addr, PROTO_TCP, cases[i].port);
		p.from = *cases[i].from;
		struct decision d = model_decide(m, &p);
		if (d.verdict != cases[i].want)
			fail_msg("case %zu: %s port %u", i, cases[i].addr, cases[i].port);
		if (d.cls)
			assert_true(who_matches(&d.cls->who, &p.from));
	}
	assert_true(model_names_senders(m));
	const char *const names[] = { "deny_all", "deny_tcp_8443_user_runner", "allow_all_user_deploy",
				      "allow_all_user_1002_deploy_group_ops", "allow_tcp_8443" };
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
		bool found = false;
		for (size_t j = 0; j < m->nclasses; j++)
			found |= strcmp(m->classes[j].name, names[i]) == 0;
		if (!found)
			fail_msg("no class '%s'", names[i]);
	}
	compilation_release(&c);
}

/* Rules for cgroups: a class matches a socket made in its cgroup or one
 * below it (not a sibling whose name merely starts alike, nor the parent),
 * never a forwarded packet; deny wins for exactly those; and a deny for a
 * cgroup covers what an allow for a cgroup below it would add. */
static void test_cgroups(void **state)
{
	struct compilation c;
	const struct model *m = compile(&c,
		"allow 192.0.2.10 port 443 cgroup \"system.slice/docker.service\"\n"
		"deny 192.0.2.20 cgroup \"ci\"\n"
		"allow 192.0.2.20\n"
		"allow 192.0.2.30 user runner cgroup \"ci/job\"\n");
	const struct owner_id runner = { .name = "runner" };
	const struct sending none = { 0 }, in_root = { .cgroup = "" },
			    in_docker = { .cgroup = "system.slice/docker.service" },
			    below_docker = { .cgroup = "system.slice/docker.service/sub" },
			    in_dockerd = { .cgroup = "system.slice/docker.serviced" },
			    in_slice = { .cgroup = "system.slice" },
			    in_ci = { .cgroup = "ci" }, in_job = { .cgroup = "ci/job" },
			    runner_in_job = { .user = &runner, .cgroup = "ci/job" },
			    runner_in_ci = { .user = &runner, .cgroup = "ci" };
	const struct {
		const char *addr;
		uint16_t port;
		const struct sending *from;
		enum verdict want;
	} cases[] = {
		{ "192.0.2.10", 443, &in_docker, VERDICT_ALLOW },
		{ "192.0.2.10", 443, &below_docker, VERDICT_ALLOW },
		{ "192.0.2.10", 443, &in_dockerd, VERDICT_DENY },
		{ "192.0.2.10", 443, &in_slice, VERDICT_DENY },
		{ "192.0.2.10", 443, &in_root, VERDICT_DENY },
		{ "192.0.2.10", 443, &none, VERDICT_DENY },
		{ "192.0.2.10", 80, &in_docker, VERDICT_DENY },
		/* A deny for ci: ci and below blocked, the rest allowed. */
		{ "192.0.2.20", 80, &in_ci, VERDICT_DENY },
		{ "192.0.2.20", 80, &in_job, VERDICT_DENY },
		{ "192.0.2.20", 80, &in_docker, VERDICT_ALLOW },
		{ "192.0.2.20", 80, &none, VERDICT_ALLOW },
		/* user and cgroup both must match. */
		{ "192.0.2.30", 80, &runner_in_job, VERDICT_ALLOW },
		{ "192.0.2.30", 80, &runner_in_ci, VERDICT_DENY },
		{ "192.0.2.30", 80, &in_job, VERDICT_DENY },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct packet p = pkt(cases[i].addr, PROTO_TCP, cases[i].port);
		p.from = *cases[i].from;
		struct decision d = model_decide(m, &p);
		if (d.verdict != cases[i].want)
			fail_msg("case %zu: %s port %u", i, cases[i].addr, cases[i].port);
		if (d.cls)
			assert_true(who_matches(&d.cls->who, &p.from));
	}
	assert_true(model_names_senders(m));
	assert_true(model_names_cgroups(m));
	assert_int_equal(cgroup_level("system.slice/docker.service"), 2);
	assert_int_equal(cgroup_level("ci"), 1);
	const struct who ci = { .cgroup = "ci" }, job = { .cgroup = "ci/job" },
			 cig = { .cgroup = "cig" }, anyone = { 0 };
	assert_true(who_covers(&ci, &job));
	assert_false(who_covers(&job, &ci));
	assert_false(who_covers(&ci, &cig));
	assert_false(who_covers(&ci, &anyone));
	assert_true(who_covers(&anyone, &job));
	compilation_release(&c);
}

static void test_exemption(void **state)
{
	static const struct {
		const char *addr;
		enum exemption want;
	} cases[] = {
		{ "127.0.0.1", EXEMPT_LOOPBACK },	{ "127.255.255.255", EXEMPT_LOOPBACK },
		{ "127.0.0.0", EXEMPT_LOOPBACK },	{ "::ffff:127.0.0.53", EXEMPT_LOOPBACK },
		{ "::1", EXEMPT_LOOPBACK },		{ "126.255.255.255", EXEMPT_NONE },
		{ "128.0.0.0", EXEMPT_NONE },		{ "0.0.0.0", EXEMPT_NONE },
		{ "::", EXEMPT_NONE },			{ "::2", EXEMPT_NONE },
		{ "::7f00:1", EXEMPT_NONE },		{ "fe80::1", EXEMPT_NONE },
		{ "1.0.0.127", EXEMPT_NONE },		{ "192.0.2.1", EXEMPT_NONE },
	};
	static const char *const policies[] = {
		"",
		"default allow\ndeny 127.0.0.0/8, ::1\n",
		"allow 127.0.0.1\nmode monitor\n",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(policies) / sizeof(policies[0]); i++) {
		struct compilation c;
		const struct model *m = compile(&c, policies[i]);
		for (size_t j = 0; j < sizeof(cases) / sizeof(cases[0]); j++) {
			struct packet p = pkt(cases[j].addr, PROTO_TCP, 80);
			if (model_exemption(m, &p) != cases[j].want)
				fail_msg("%s: exemption %d, want %d\n%s", cases[j].addr,
					 (int)model_exemption(m, &p), (int)cases[j].want, policies[i]);
		}
		/* The rules still say what they say of it. */
		if (i == 1)
			DENIED(m, "127.0.0.1", PROTO_TCP, 80);
		compilation_release(&c);
	}
}

/* What each counter's packets meet, for every backend: a deny rule's and
 * a default deny's log with logging (monitor mode logs) and block unless
 * monitoring; a default allow's counts accepts, neither logging nor
 * blocking. */
static void test_counter_verdicts(void **state)
{
	static const struct {
		const char *settings;
		bool rule_logs, rule_blocks, default_logs, default_blocks;
	} cases[] = {
		{ "", false, true, false, true },
		{ "default allow\n", false, true, false, false },
		{ "log denied\n", true, true, true, true },
		{ "log denied\ndefault allow\n", true, true, false, false },
		{ "log group 7\n", true, true, true, true },
		{ "mode monitor\n", true, false, true, false },
		{ "mode monitor\ndefault allow\n", true, false, false, false },
		{ "mode monitor\nlog denied\non-deny drop\n", true, false, true, false },
		{ "mode enforce\non-deny drop\n", false, true, false, true },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[256];
		struct compilation c;
		snprintf(text, sizeof(text), "%sallow 192.0.2.0/24\ndeny 192.0.2.7\n"
			 "deny 198.51.100.0/24 port 22\n", cases[i].settings);
		const struct model *m = compile(&c, text);
		assert_int_equal(m->ncounters, 3);
		for (size_t k = 0; k < m->ncounters; k++) {
			const struct counter *n = &m->counters[k];
			bool dflt = n == model_default_counter(m);
			if (model_counter_logs(m, n) != (dflt ? cases[i].default_logs : cases[i].rule_logs) ||
			    model_counter_blocks(m, n) != (dflt ? cases[i].default_blocks
								 : cases[i].rule_blocks))
				fail_msg("counter %s: logs %d blocks %d\n%s", n->name,
					 model_counter_logs(m, n), model_counter_blocks(m, n), text);
		}
		compilation_release(&c);
	}
}

/* What is recorded: monitor mode records what it would block unless the
 * policy says; enforcing, only when the policy says; 'record all' records
 * at no counter (the policy chain does); the default's counter under
 * default allow counts accepts, never recorded as blocked. */
static void test_record(void **state)
{
	static const struct {
		const char *settings;
		enum record_what what;
		uint32_t limit;
		bool rule_records, default_records;
	} cases[] = {
		{ "", RECORD_OFF, RECORD_DEFAULT_LIMIT, false, false },
		{ "mode monitor\n", RECORD_BLOCKED, RECORD_DEFAULT_LIMIT, true, true },
		{ "mode monitor\ndefault allow\n", RECORD_BLOCKED, RECORD_DEFAULT_LIMIT, true, false },
		{ "mode monitor\nrecord off\n", RECORD_OFF, RECORD_DEFAULT_LIMIT, false, false },
		{ "record blocked limit 10\n", RECORD_BLOCKED, 10, true, true },
		{ "record limit 10\n", RECORD_BLOCKED, 10, true, true },
		{ "record all\n", RECORD_ALL, RECORD_DEFAULT_LIMIT, false, false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[256];
		struct compilation c;
		snprintf(text, sizeof(text), "%sallow 192.0.2.0/24\ndeny 192.0.2.7\n",
			 cases[i].settings);
		const struct model *m = compile(&c, text);
		assert_int_equal(m->record, cases[i].what);
		assert_int_equal(m->record_limit, cases[i].limit);
		assert_int_equal(model_counter_records(m, &m->counters[0]), cases[i].rule_records);
		assert_int_equal(model_counter_records(m, model_default_counter(m)),
				 cases[i].default_records);
		if (m->record != RECORD_OFF && strstr(m->record_ipset[FAMILY_V4], "_v4") == NULL)
			fail_msg("record ipset '%s'", m->record_ipset[FAMILY_V4]);
		compilation_release(&c);
	}
}

/* DNS lockdown refuses what it does not forward, in either mode: pinned
 * names and names below an allowed wildcard's domain are answered. */
static void test_dns_refuses(void **state)
{
	struct compilation c;
	const struct model *m;
	const char *modes[] = { "", "mode monitor\n" };

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		char text[256];
		snprintf(text, sizeof(text), "%sresolver 192.0.2.53\nallow *.ok.test port 443\n"
			 "deny *.bad.test\n", modes[i]);
		m = compile(&c, text);
		assert_false(model_dns_refuses(m, "a.ok.test"));
		assert_true(model_dns_refuses(m, "ok.test"));
		assert_true(model_dns_refuses(m, "a.bad.test"));
		assert_true(model_dns_refuses(m, "elsewhere.test"));
		/* Monitoring, dnsmasq forwards every name: the deny's set fills. */
		const struct runtime_set *bad = NULL;
		for (size_t r = 0; r < m->nruntime; r++)
			if (m->runtime[r].nwildcards &&
			    strcmp(m->runtime[r].wildcards[0]->domain, "bad.test") == 0)
				bad = &m->runtime[r];
		assert_non_null(bad);
		assert_int_equal(model_runtime_takes(m, bad, "a.bad.test"), i == 1);
		compilation_release(&c);
	}
	m = compile(&c, "allow *.ok.test port 443\n");
	assert_false(model_dns_refuses(m, "elsewhere.test"));
	compilation_release(&c);
}

/* Every wildcard's domain once, sorted, however many classes and sets
 * name it; allowed when an allow rule's wildcard names it. */
static void test_wildcard_domains(void **state)
{
	static const struct {
		const char *domain;
		bool allowed;
	} want[] = {
		{ "a.test", true }, { "b.test", true }, { "c.test", false },
		{ "x.b.test", false }, { "z.test", true },
	};
	struct compilation c;
	const struct model *m;

	(void)state;
	m = compile(&c, "dynamic builders\n"
			"allow *.z.test, *.b.test port 443\n"
			"deny *.x.b.test, *.c.test proto udp\n"
			"allow *.a.test timeout 10m\n"
			"allow *.b.test, *.a.test port 443\n"
			"deny *.a.test port 22\n"
			"allow $builders, 192.0.2.1\n"
			"allow *.z.test port 80 timeout 2m\n");
	assert_int_equal(m->ndomains, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < m->ndomains; i++) {
		assert_string_equal(m->domains[i].domain, want[i].domain);
		if (m->domains[i].allowed != want[i].allowed)
			fail_msg("%s: allowed %d", want[i].domain, m->domains[i].allowed);
	}
	compilation_release(&c);

	m = compile(&c, "dynamic builders\nallow $builders\nallow 192.0.2.1\n");
	assert_int_equal(m->ndomains, 0);
	compilation_release(&c);
}

/* What dnsmasq fills for a name no rule names: the sets of every wildcard
 * at or above it, unless it is pinned; under DNS lockdown only names below
 * an allowed wildcard's domain, which are the ones forwarded. The first
 * class (deny first) with such a set decides for the service. */
static void test_decide_name(void **state)
{
	char *hosts = temp_file("192.0.2.10 pinned.a.test\n");
	struct packet tcp443 = { .proto = PROTO_TCP, .port = 443 };
	struct packet tcp22 = { .proto = PROTO_TCP, .port = 22 };
	struct compilation c;
	const struct model *m;
	struct decision d;

	(void)state;
	m = compile_hosts(&c, "allow *.a.test port 443\n"
			      "deny *.bad.a.test\n"
			      "allow pinned.a.test port 22\n",
			  hosts);
	d = model_decide_name(m, "x.a.test", &tcp443);
	assert_int_equal(d.reason, DECIDED_BY_RUNTIME);
	assert_int_equal(d.verdict, VERDICT_ALLOW);
	assert_int_equal(d.runtime->kind, RUNTIME_WILDCARD);
	assert_null(d.counter);
	/* Both wildcards take it; the deny decides, and counts. */
	d = model_decide_name(m, "y.bad.a.test", &tcp443);
	assert_int_equal(d.reason, DECIDED_BY_RUNTIME);
	assert_int_equal(d.verdict, VERDICT_DENY);
	assert_string_equal(d.counter->name, "deny_1");
	/* No set of the wildcard is for 22: the default decides. */
	d = model_decide_name(m, "x.a.test", &tcp22);
	assert_int_equal(d.reason, DECIDED_BY_DEFAULT);
	assert_int_equal(d.verdict, VERDICT_DENY);
	/* The domain itself fills the sets: dnsmasq's /a.test/ matches it. */
	d = model_decide_name(m, "a.test", &tcp443);
	assert_int_equal(d.reason, DECIDED_BY_RUNTIME);
	/* A pinned name is answered from the hosts fragment: no set. */
	d = model_decide_name(m, "pinned.a.test", &tcp443);
	assert_int_equal(d.reason, DECIDED_BY_DEFAULT);
	d = model_decide_name(m, "a.testx", &tcp443);
	assert_int_equal(d.reason, DECIDED_BY_DEFAULT);
	compilation_release(&c);

	/* Under lockdown the domain is NXDOMAIN, and a name only a deny
	 * wildcard names is not forwarded. */
	m = compile(&c, "resolver 192.0.2.53\n"
			"allow *.a.test port 443\n"
			"deny *.c.test\n");
	d = model_decide_name(m, "x.a.test", &tcp443);
	assert_int_equal(d.reason, DECIDED_BY_RUNTIME);
	d = model_decide_name(m, "a.test", &tcp443);
	assert_int_equal(d.reason, DECIDED_BY_DEFAULT);
	d = model_decide_name(m, "x.c.test", &tcp443);
	assert_int_equal(d.reason, DECIDED_BY_DEFAULT);
	compilation_release(&c);
	unlink(hosts);
	free(hosts);
}

/* ---- regions ------------------------------------------------------------ */

/* Whether normalized L holds A. */
static bool region_has(const struct ivlist *l, addr_t a)
{
	return l->n && ivl_covers(l, a, a);
}

/* L is sorted, disjoint and non-adjacent, inside family F. */
static void check_normalized(const struct ivlist *l, enum family f)
{
	for (size_t i = 0; i < l->n; i++) {
		assert_true(l->v[i].lo <= l->v[i].hi);
		assert_true(l->v[i].hi <= family_max(f));
		if (i)
			assert_true(l->v[i].lo > l->v[i - 1].hi + 1);
	}
}

struct probes {
	addr_t v[4096];
	size_t n;
};

static void probe_add(struct probes *p, addr_t a, enum family f)
{
	if (a <= family_max(f) && p->n < sizeof(p->v) / sizeof(p->v[0]))
		p->v[p->n++] = a;
}

/* Around an interval: both ends and one beyond either. */
static void probe_edges(struct probes *p, addr_t lo, addr_t hi, enum family f)
{
	if (lo > 0)
		probe_add(p, lo - 1, f);
	probe_add(p, lo, f);
	probe_add(p, hi, f);
	if (hi < family_max(f))
		probe_add(p, hi + 1, f);
}

/* The destinations to try for family F: the edges of every class's spans
 * and of both regions' intervals, the ends of the family, and random
 * addresses, anywhere and in the test networks. */
static void region_probes(struct probes *p, const struct model *m, enum family f,
			  const struct ivlist *accepted, const struct ivlist *denied)
{
	p->n = 0;
	probe_add(p, 0, f);
	probe_add(p, family_max(f), f);
	for (size_t i = 0; i < m->nclasses; i++) {
		const struct rangeset *s = &m->classes[i].sets[f];
		for (size_t j = 0; j < s->nspans; j++) {
			struct span sp = rangeset_span(s, j);
			probe_edges(p, sp.lo, sp.hi, f);
		}
	}
	for (size_t i = 0; i < accepted->n; i++)
		probe_edges(p, accepted->v[i].lo, accepted->v[i].hi, f);
	for (size_t i = 0; i < denied->n; i++)
		probe_edges(p, denied->v[i].lo, denied->v[i].hi, f);
	for (int i = 0; i < 16; i++) {
		enum family rf;
		addr_t a, wide = ((addr_t)rng() << 96) | ((addr_t)rng() << 64) |
				 ((addr_t)rng() << 32) | rng();
		probe_add(p, wide & family_max(f), f);
		do
			random_addr(&rf, &a);
		while (rf != f);
		probe_add(p, a, f);
	}
}

/* The accepted and denied regions of M at one service point agree with
 * model_decide() on every probe, and hold for every port up to HI. */
static void check_region_point(const struct model *m, const char *text, enum family f,
			       unsigned proto, uint16_t port, uint16_t hi)
{
	struct ivlist accepted = { 0 }, denied = { 0 }, other = { 0 };
	struct probes *p = malloc(sizeof(*p));
	char a[PREFIX_STRLEN];

	assert_non_null(p);
	model_accepted_region(m, f, proto, port, &accepted);
	model_denied_region(m, f, proto, port, &denied);
	check_normalized(&accepted, f);
	check_normalized(&denied, f);
	/* The same wherever the interval is asked, and the whole region
	 * is replaced (OUT had other contents). */
	const uint16_t within[] = { hi, (uint16_t)(port + rng() % ((unsigned)hi - port + 1)) };
	for (size_t i = 0; i < 2; i++) {
		ivl_add(&other, 1, 1);
		model_accepted_region(m, f, proto, within[i], &other);
		assert_true(ivl_equal(&other, &accepted));
		ivl_add(&other, 1, 1);
		model_denied_region(m, f, proto, within[i], &other);
		assert_true(ivl_equal(&other, &denied));
	}
	region_probes(p, m, f, &accepted, &denied);
	for (size_t i = 0; i < p->n; i++) {
		struct packet pk = { .family = f, .addr = p->v[i], .proto = proto, .port = port };
		struct decision d = model_decide(m, &pk);
		bool want_accepted = d.verdict == VERDICT_ALLOW;
		bool want_denied = d.verdict == VERDICT_DENY && d.reason == DECIDED_BY_RULE;
		if (region_has(&accepted, pk.addr) != want_accepted ||
		    region_has(&denied, pk.addr) != want_denied)
			fail_msg("%s proto %u port %u: model_decide says %s%s, the regions "
				 "accepted %d denied %d\n%s",
				 addr_format(f, pk.addr, a), proto, port,
				 d.verdict == VERDICT_ALLOW ? "allow" : "deny",
				 d.reason == DECIDED_BY_RULE ? " by a rule" : " by default",
				 region_has(&accepted, pk.addr), region_has(&denied, pk.addr), text);
	}
	ivl_free(&accepted);
	ivl_free(&denied);
	ivl_free(&other);
	free(p);
}

/* Every port interval of model_port_cuts(), every protocol and family. */
static void check_regions(const struct model *m, const char *text)
{
	static const unsigned protos[] = { PROTO_TCP, PROTO_UDP, 0 };
	size_t ncuts;
	uint16_t *cuts = model_port_cuts(&m, 1, &ncuts);

	assert_true(ncuts >= 1 && cuts[0] == 0);
	for (int f = 0; f < FAMILY_COUNT; f++) {
		for (size_t k = 0; k < 3; k++) {
			if (!protos[k]) {
				check_region_point(m, text, (enum family)f, 0, 0, 0);
				continue;
			}
			for (size_t i = 0; i < ncuts; i++) {
				uint16_t hi = i + 1 < ncuts ? (uint16_t)(cuts[i + 1] - 1) : 65535;
				check_region_point(m, text, (enum family)f, protos[k], cuts[i], hi);
			}
		}
	}
	free(cuts);
}

/* The regions diff and lint read are model_decide() over whole sets: a
 * deny carving holes out of an allow, overlapping ports, tcp and udp,
 * both families, either default, monitor mode, run-time sets (empty),
 * and random policies. */
static void test_regions(void **state)
{
	static const char *const policies[] = {
		"",
		"default allow\n",
		"allow 192.0.2.0/24\ndeny 192.0.2.5\ndeny 192.0.2.128/26 port 22\n",
		"allow 198.51.100.0/24 port 80-90, 443\n"
		"deny 198.51.100.0/25 port 85-100\n"
		"allow 198.51.100.7 proto udp port 53-60\n"
		"deny 198.51.100.0/24 proto udp port 55\n",
		"allow 203.0.113.0/24 proto tcp, udp port 53\ndeny 203.0.113.9 proto udp\n"
		"allow 203.0.113.128/25 proto udp\n",
		"allow 2001:db8::/32 port 443\ndeny 2001:db8::/48\nallow 0.0.0.0/0 port 443\n"
		"deny 10.0.0.0/8\nallow ::ffff:192.0.2.1\n",
		"default allow\ndeny 192.0.2.0/24\ndeny 2001:db8::1 port 22\nallow 192.0.2.5\n",
		"mode monitor\nlog denied\nallow 192.0.2.0/24\ndeny 192.0.2.7\n"
		"deny 2001:db8::/64 port 22\nallow 2001:db8::/32\n",
		"mode monitor\ndefault allow\ndeny 198.51.100.0/24 port 1-1024\n",
		"allow ::/0\nallow 0.0.0.0/0 port 65535\ndeny ::/1 port 1-2\n"
		"deny 255.255.255.255 proto udp\n",
		"dynamic builders timeout 30m port 22\nallow $builders\n"
		"allow *.ci.test port 443\ndeny *.bad.test\nallow 192.0.2.0/24 port 443\n",
	};
	struct compilation c;

	(void)state;
	for (size_t i = 0; i < sizeof(policies) / sizeof(policies[0]); i++) {
		const struct model *m = compile(&c, policies[i]);
		check_regions(m, policies[i]);
		compilation_release(&c);
	}
	const struct model *m = compile(&c, policies[7]);
	assert_int_equal(m->mode, MODE_MONITOR);
	compilation_release(&c);

	for (int round = 0; round < 60; round++) {
		struct rpolicy p;
		random_policy(&p);
		char *text = policy_text(&p);
		m = compile(&c, text);
		check_regions(m, text);
		compilation_release(&c);
		free(text);
	}
}

/* Counters: one per deny rule in policy order, then default; each deny
 * class split by rule, the first rule covering an address counting it. */
static void test_counters(void **state)
{
	(void)state;
	struct compilation c;
	const struct model *m = compile(&c, "allow 198.51.100.0/24\n"
					    "deny 198.51.100.0/25\n"
					    "deny 198.51.100.64/26, 2001:db8::/32\n"
					    "deny 198.51.100.200 port 22\n");

	assert_int_equal(m->ncounters, 4);
	assert_string_equal(m->counters[0].name, "deny_1");
	assert_string_equal(m->counters[2].name, "deny_3");
	assert_string_equal(model_default_counter(m)->name, "default");
	assert_null(model_default_counter(m)->rule);
	assert_int_equal(m->counters[1].rule->loc.first_line, 3);

	/* deny_all holds deny_1 and deny_2; .64/26 is both's: deny_1 counts. */
	const struct rule_class *all = &m->classes[0];
	assert_string_equal(all->name, "deny_all");
	assert_int_equal(all->nparts, 2);
	assert_int_equal(all->parts[0].sets[FAMILY_V4].n, 1);
	assert_int_equal(all->parts[1].sets[FAMILY_V6].n, 1);

	struct packet p = pkt("198.51.100.70", PROTO_TCP, 443);
	struct decision d = model_decide(m, &p);
	assert_int_equal(d.verdict, VERDICT_DENY);
	assert_ptr_equal(d.counter, &m->counters[0]);
	p = pkt("2001:db8::5", PROTO_UDP, 53);
	d = model_decide(m, &p);
	assert_ptr_equal(d.counter, &m->counters[1]);
	p = pkt("198.51.100.200", PROTO_TCP, 22);
	d = model_decide(m, &p);
	assert_ptr_equal(d.counter, &m->counters[2]);
	p = pkt("203.0.113.1", PROTO_TCP, 443);
	d = model_decide(m, &p);
	assert_int_equal(d.reason, DECIDED_BY_DEFAULT);
	assert_ptr_equal(d.counter, model_default_counter(m));
	compilation_release(&c);
}

/* The shared allow lookup: which classes join it, decided once here for
 * the emitter, the verifier's counterpart and the refresh agent. */
static const char shared_policy[] =
	"deny 192.0.2.21 port 21\n"
	"allow 192.0.2.20/30 port 21\n"
	"allow 192.0.2.23 port 23\n"
	"allow 192.0.2.25 port 25\n"
	"allow 192.0.2.53, 2001:db8::53 port 53 proto udp, tcp\n"
	"allow 192.0.2.80 port 80, 8080-8090\n"
	"allow 192.0.2.110 port 110\n"
	"allow 203.0.113.0/24 port 440-450\n"
	"allow 192.0.2.44 port 443\n"
	"allow 192.0.2.45 port 143 user 0\n"
	"allow 192.0.2.46 port 993 during \"Mon-Fri 09:00-17:00\"\n"
	"allow 192.0.2.47 port 995 from 198.51.100.0/24\n"
	"allow 192.0.2.48 proto udp\n"
	"allow 192.0.2.49\n";

static void test_shared_lookup(void **state)
{
	static const char *const joined[] = {
		"allow_tcp_21", "allow_tcp_23", "allow_tcp_25", "allow_tcp_80_8080-8090",
		"allow_tcp_440-450", "allow_tcp_udp_53",
	};
	struct compilation c;
	char text[4096];

	(void)state;
	/* Six classes that may join, two short of the threshold: none does. */
	const struct model *m = compile(&c, shared_policy);
	for (size_t i = 0; i < m->nclasses; i++)
		assert_false(m->classes[i].shared[FAMILY_V4] || m->classes[i].shared[FAMILY_V6]);
	assert_int_equal(m->nshared[FAMILY_V4], 0);
	compilation_release(&c);

	snprintf(text, sizeof(text), "%sallow 192.0.2.60 port 60\nallow 192.0.2.61 port 61\n",
		 shared_policy);
	m = compile(&c, text);
	assert_int_equal(SHARED_CLASSES_MIN, 8);
	for (size_t i = 0; i < sizeof(joined) / sizeof(*joined); i++)
		assert_true(class_named(m, joined[i])->shared[FAMILY_V4]);
	assert_true(class_named(m, "allow_tcp_60")->shared[FAMILY_V4]);
	/* Its port meets 440-450, which joined before it. */
	assert_false(class_named(m, "allow_tcp_443")->shared[FAMILY_V4]);
	/* For some senders, at some times, from some sources; every port. */
	assert_false(class_named(m, "allow_tcp_143_user_0")->shared[FAMILY_V4]);
	for (size_t i = 0; i < m->nclasses; i++)
		if (strstr(m->classes[i].name, "during") || strstr(m->classes[i].name, "from") ||
		    !m->classes[i].svc.nports)
			assert_false(m->classes[i].shared[FAMILY_V4]);
	assert_false(class_named(m, "deny_tcp_21")->shared[FAMILY_V4]);
	assert_int_equal(m->nshared[FAMILY_V4], 9);
	/* 192.0.2.53 twice (tcp and udp), 192.0.2.80 on two port ranges,
	 * the rest (192.0.2.20/30 among them) once each. */
	assert_int_equal(m->shared_elements[FAMILY_V4], 1 + 1 + 1 + 2 + 2 + 1 + 1 + 1 + 1);
	/* Only one class has IPv6 addresses: the family has no lookup. */
	assert_int_equal(m->nshared[FAMILY_V6], 0);
	assert_false(class_named(m, "allow_tcp_udp_53")->shared[FAMILY_V6]);
	compilation_release(&c);
}

/* A class's elements are capped: one address on 4096 port ranges joins,
 * on 4097 it stays a rule of its own. */
static void test_shared_lookup_cap(void **state)
{
	(void)state;
	for (unsigned n = SHARED_CLASS_ELEMENTS_MAX; n <= SHARED_CLASS_ELEMENTS_MAX + 1; n++) {
		size_t cap = 64 * 1024, len = 0;
		char *text = malloc(cap);
		struct compilation c;
		assert_non_null(text);
		for (unsigned i = 0; i < 8; i++)
			len += (size_t)snprintf(text + len, cap - len, "allow 192.0.2.%u port %u\n", i, i + 1);
		len += (size_t)snprintf(text + len, cap - len, "allow 192.0.2.100 port 20000");
		for (unsigned i = 1; i < n; i++)
			len += (size_t)snprintf(text + len, cap - len, ", %u", 20000 + 2 * i);
		snprintf(text + len, cap - len, "\n");
		const struct model *m = compile(&c, text);
		const struct rule_class *big = &m->classes[m->nclasses - 1];
		assert_int_equal(big->svc.nports, n);
		assert_int_equal(big->shared[FAMILY_V4], n <= SHARED_CLASS_ELEMENTS_MAX);
		assert_int_equal(m->nshared[FAMILY_V4], 8 + (n <= SHARED_CLASS_ELEMENTS_MAX));
		compilation_release(&c);
		free(text);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deny_beats_allow),
		cmocka_unit_test(test_default),
		cmocka_unit_test(test_port_means_tcp),
		cmocka_unit_test(test_proto_means_all_ports),
		cmocka_unit_test(test_no_clause_means_everything),
		cmocka_unit_test(test_families),
		cmocka_unit_test(test_ports_merged),
		cmocka_unit_test(test_class_order),
		cmocka_unit_test(test_class_names),
		cmocka_unit_test(test_names_unique),
		cmocka_unit_test(test_runtime_names),
		cmocka_unit_test(test_decide_name),
		cmocka_unit_test(test_origins),
		cmocka_unit_test(test_v4_mapped),
		cmocka_unit_test(test_hostnames),
		cmocka_unit_test(test_refresh_questions),
		cmocka_unit_test(test_refresh_ipsets),
		cmocka_unit_test(test_random_differential),
		cmocka_unit_test(test_counters),
		cmocka_unit_test(test_regions),
		cmocka_unit_test(test_senders),
		cmocka_unit_test(test_cgroups),
		cmocka_unit_test(test_exemption),
		cmocka_unit_test(test_counter_verdicts),
		cmocka_unit_test(test_wildcard_domains),
		cmocka_unit_test(test_record),
		cmocka_unit_test(test_dns_refuses),
		cmocka_unit_test(test_shared_lookup),
		cmocka_unit_test(test_shared_lookup_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
