/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for verify_outputs(): it passes what the emitters write, and
 * it refuses a ruleset that differs from the policy however little - one
 * address, one port, a rule dropped, the base chains' order or policy -
 * with a message naming a packet that proves it. The texts are the
 * emitters' own, then edited, as a buggy emitter or a hand edit would. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "compiler/driver.h"
#include "emit/emit.h"
#include "verify/verify.h"

static const char policy[] =
	"essentials off\n"
	"default deny\n"
	"resolver 198.51.100.53\n"
	"deny 198.51.100.128/25 port 22\n"
	"allow 198.51.100.0/24 port 22, 443\n"
	"allow 2001:db8::/64 port 8000-8099 proto tcp\n"
	"allow 203.0.113.7\n";

struct rendered {
	struct compilation c;
	char *texts[VERIFY_TEXTS];
	size_t lens[VERIFY_TEXTS];
};

/* TEXT compiled, its hostnames resolved from HOSTS_FILE (NULL: none). */
static void render_hosts(struct rendered *r, const char *text, const char *hosts_file)
{
	/* -O0: the allow sets keep what the deny carves out, so the deny matters. */
	const struct compile_opts o = { .no_modules = true, .optimize = 0,
					.resolve.hosts_file = hosts_file };

	compilation_init(&r->c);
	assert_int_equal(compilation_run_buffer(&r->c, "t.eg", text, strlen(text), &o), 0);
	assert_int_equal(emit_formats(&r->c.model, verify_formats, VERIFY_TEXTS, r->texts,
				      r->lens), 0);
}

static void render(struct rendered *r, const char *text)
{
	render_hosts(r, text, NULL);
}

static void release(struct rendered *r)
{
	for (int i = 0; i < VERIFY_TEXTS; i++)
		free(r->texts[i]);
	compilation_release(&r->c);
}

/* Verifies R's texts with text WHICH replaced by EDITED (NULL: as
 * rendered); returns verify_outputs()'s result and leaves its messages in
 * MSG (at most SIZE bytes). */
static int verify_with(struct rendered *r, int which, const char *edited, char *msg,
		       size_t size)
{
	struct verify_texts t = { 0 };
	FILE *fp = fmemopen(msg, size, "w");

	assert_non_null(fp);
	for (int i = 0; i < VERIFY_TEXTS; i++) {
		t.text[i] = i == which && edited ? edited : r->texts[i];
		t.len[i] = i == which && edited ? strlen(edited) : r->lens[i];
	}
	/* A queue of its own each time (the arena keeps the records). */
	struct diags d;
	diags_init(&d, &r->c.arena);
	int rc = verify_outputs(&d, &r->c.policy, &t);
	diags_print(&d, fp);
	fclose(fp);
	return rc;
}

/* TEXT with the first FROM replaced by TO (which must be there). */
static char *replace(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);
	size_t n = strlen(text) - strlen(from) + strlen(to);
	char *out = malloc(n + 1);

	if (!at)
		fail_msg("'%s' is not in the text", from);
	assert_non_null(out);
	memcpy(out, text, (size_t)(at - text));
	strcpy(out + (at - text), to);
	strcat(out, at + strlen(from));
	return out;
}

/* Expects EDITED (text WHICH) to be refused with a message holding WANT. */
static void refused(struct rendered *r, int which, char *edited, const char *want)
{
	char msg[4096] = "";

	if (verify_with(r, which, edited, msg, sizeof(msg)) == 0)
		fail_msg("accepted an edit that should be refused (wanted '%s')", want);
	if (!strstr(msg, want))
		fail_msg("refused, but without '%s':\n%s", want, msg);
	free(edited);
}

static void test_the_emitters_pass(void **state)
{
	struct rendered r;
	char msg[4096] = "";

	(void)state;
	render(&r, policy);
	if (verify_with(&r, -1, NULL, msg, sizeof(msg)) != 0)
		fail_msg("refused the emitters' own output:\n%s", msg);
	release(&r);
}

/* A render callback's context: the texts to hand out, one of them
 * widened, or one that cannot be rendered. */
struct on_demand {
	struct rendered *r;
	int widened, failing;
	int asked[VERIFY_TEXTS];
};

static char *render_on_demand(void *ctx, enum verify_text i, size_t *len)
{
	struct on_demand *od = ctx;

	od->asked[i]++;
	if ((int)i == od->failing) {
		errno = ENOSPC;
		return NULL;
	}
	char *text = (int)i == od->widened ? replace(od->r->texts[i], "203.0.113.7", "203.0.113.8")
					   : strdup(od->r->texts[i]);
	*len = strlen(text);
	return text;
}

static int verify_on_demand(struct on_demand *od, char *msg, size_t size)
{
	struct verify_texts t = { .render = render_on_demand, .ctx = od };
	FILE *fp = fmemopen(msg, size, "w");
	struct diags d;

	assert_non_null(fp);
	diags_init(&d, &od->r->c.arena);
	int rc = verify_outputs(&d, &od->r->c.policy, &t);
	diags_print(&d, fp);
	fclose(fp);
	return rc;
}

/* Texts rendered as the verifier comes to them (what --verify does) are
 * read once each and judged as given ones are; one that cannot be
 * rendered is an error that says so. */
static void test_texts_rendered_on_demand(void **state)
{
	struct rendered r;
	char msg[4096] = "";

	(void)state;
	render(&r, policy);
	struct on_demand od = { .r = &r, .widened = -1, .failing = -1 };
	if (verify_on_demand(&od, msg, sizeof(msg)) != 0)
		fail_msg("refused the emitters' own output, rendered on demand:\n%s", msg);
	for (int i = 0; i < VERIFY_TEXTS; i++)
		assert_int_equal(od.asked[i], 1);
	od = (struct on_demand){ .r = &r, .widened = VERIFY_NFT, .failing = -1 };
	assert_int_equal(verify_on_demand(&od, msg, sizeof(msg)), -1);
	assert_non_null(strstr(msg, "nft ruleset"));
	od = (struct on_demand){ .r = &r, .widened = -1, .failing = VERIFY_IPTABLES };
	assert_int_equal(verify_on_demand(&od, msg, sizeof(msg)), -1);
	assert_non_null(strstr(msg, "cannot render the iptables output to verify it"));
	release(&r);
}

static void test_nft_edits_are_refused(void **state)
{
	struct rendered r;
	const int nft = VERIFY_NFT;

	(void)state;
	render(&r, policy);
	/* An allowed address moved: one more accepted, one fewer. */
	refused(&r, nft, replace(r.texts[nft], "203.0.113.7", "203.0.113.8"),
		"accepts what the policy denies");
	/* A port widened. */
	refused(&r, nft, replace(r.texts[nft], "tcp dport 8000-8099 accept", "tcp dport 8000-8100 accept"),
		"accepts what the policy denies");
	/* The deny carved out of the allow, gone. */
	refused(&r, nft, replace(r.texts[nft], "198.51.100.128/25", "198.51.100.128/26"),
		"accepts what the policy denies");
	/* Default deny, but the base chains let the rest through. */
	char *one = replace(r.texts[nft], "policy drop;", "policy accept;");
	refused(&r, nft, replace(one, "policy drop;", "policy accept;"), "policy is not drop");
	/* Or only one of them. */
	refused(&r, nft, one, "different policies");
	/* The kernel's neighbour discovery accepted before a process's meets
	 * the policy: the order of the local rules is their meaning. */
	char *nd = replace(r.texts[nft],
			   "\t\ticmpv6 type { nd-router-solicit, nd-neighbor-solicit, nd-neighbor-advert }"
			   " meta skuid >= 0 goto egress\n", "");
	char *swapped = replace(nd, "ip6 hoplimit 255 accept\n\t\tgoto egress",
				"ip6 hoplimit 255 accept\n\t\ticmpv6 type { nd-router-solicit, "
				"nd-neighbor-solicit, nd-neighbor-advert } meta skuid >= 0 goto "
				"egress\n\t\tgoto egress");
	free(nd);
	refused(&r, nft, swapped, "in order");
	/* The default accepts: under the base chains' drop it still accepts
	 * what comes to it. */
	refused(&r, nft, replace(r.texts[nft], "counter name \"default\" goto blocked",
				 "counter name \"default\" accept"),
		"accepts what the policy denies");
	/* A final verdict before the policy's rules: nft never reaches them. */
	refused(&r, nft, replace(r.texts[nft], "\t\tip daddr @deny_",
				 "\t\tcounter name \"default\" accept\n\t\tip daddr @deny_"),
		"a rule after the chain's final verdict");
	/* The table deleted once loaded: nothing is left to filter. */
	size_t n = strlen(r.texts[nft]) + sizeof("delete table inet egressc\n");
	char *deleted = malloc(n);
	assert_non_null(deleted);
	snprintf(deleted, n, "%sdelete table inet egressc\n", r.texts[nft]);
	refused(&r, nft, deleted, "the table is deleted");
	release(&r);
}

static void test_iptables_edits_are_refused(void **state)
{
	struct rendered r;

	(void)state;
	render(&r, policy);
	refused(&r, VERIFY_IPTABLES, replace(r.texts[VERIFY_IPTABLES], "203.0.113.7", "203.0.113.9"),
		"accepts what the policy denies");
	refused(&r, VERIFY_IP6TABLES, replace(r.texts[VERIFY_IP6TABLES], "8000:8099", "8000:8199"),
		"accepts what the policy denies");
	/* The policy chain declared again after its denies: iptables-restore
	 * flushes the rules before the declaration. */
	refused(&r, VERIFY_IPTABLES,
		replace(r.texts[VERIFY_IPTABLES], "-A EGRESSC -m conntrack",
			":EGRESSC - [0:0]\n-A EGRESSC -m conntrack"),
		"declared after rules");
	/* A goto to a chain that returns, before the denies: iptables never
	 * reaches what follows it. */
	char *returns = replace(r.texts[VERIFY_IPTABLES], ":EGRESSC-BLOCK - [0:0]\n",
				":EGRESSC-BLOCK - [0:0]\n:EGRESSC-pass - [0:0]\n");
	char *ends = replace(returns, "-A EGRESSC-BLOCK -p tcp",
			     "-A EGRESSC-pass -j RETURN\n-A EGRESSC-BLOCK -p tcp");
	refused(&r, VERIFY_IPTABLES,
		replace(ends, "-A EGRESSC -d 198.51.100.128/25",
			"-A EGRESSC -g EGRESSC-pass\n-A EGRESSC -d 198.51.100.128/25"),
		"a rule after the chain's final verdict");
	free(returns);
	free(ends);
	release(&r);
}

/* Rules for a cgroup: nft's socket match at the path's level, in the
 * chain of this machine's own traffic only; iptables's in EGRESSC-LOCAL.
 * Another cgroup, another level, or the rule on the forward path is
 * refused. */
static void test_cgroup_edits_are_refused(void **state)
{
	static const char cgroups[] =
		"essentials off\n"
		"default deny\n"
		"deny 198.51.100.7 cgroup \"ci/untrusted\"\n"
		"allow 198.51.100.0/24 port 443 cgroup \"system.slice/docker.service\"\n"
		"allow 203.0.113.7\n";
	struct rendered r;
	char msg[4096] = "";
	const int nft = VERIFY_NFT;

	(void)state;
	render(&r, cgroups);
	if (verify_with(&r, -1, NULL, msg, sizeof(msg)) != 0)
		fail_msg("refused the emitters' own output:\n%s", msg);
	/* A sibling cgroup allowed instead. */
	refused(&r, nft, replace(r.texts[nft], "\"system.slice/docker.service\"",
				 "\"system.slice/dockerd.service\""),
		"blocks what the policy allows");
	/* Its parent: every service would pass (a cgroup only the ruleset
	 * names is asked about too). */
	refused(&r, nft, replace(r.texts[nft], "level 2 \"system.slice/docker.service\"",
				 "level 1 \"system.slice\""),
		"in cgroup system.slice: accepts what the policy denies");
	/* The level of the parent: every service would pass. */
	refused(&r, nft, replace(r.texts[nft], "level 2 \"system.slice/docker.service\"",
				 "level 1 \"system.slice/docker.service\""),
		"level is not its path's");
	/* The deny for a cgroup gone from this machine's own chain. */
	refused(&r, nft, replace(r.texts[nft], "socket cgroupv2 level 2 \"ci/untrusted\" ", ""),
		"blocks what the policy allows");
	/* This machine's traffic sent to the forward chain's policy. */
	refused(&r, nft, replace(r.texts[nft], "\t\tgoto egress_local\n", "\t\tgoto egress\n"),
		"in order");
	refused(&r, VERIFY_IPTABLES,
		replace(r.texts[VERIFY_IPTABLES], "--path system.slice/docker.service",
			"--path system.slice"),
		"accepts what the policy denies");
	refused(&r, VERIFY_IPTABLES,
		replace(r.texts[VERIFY_IPTABLES], " -m cgroup --path ci/untrusted", ""),
		"blocks what the policy allows");
	release(&r);
}

/* A user or group only the ruleset names is asked about as well: more
 * owners on an allow, or another group's, let them out. */
static void test_owner_edits_are_refused(void **state)
{
	static const char owners[] =
		"essentials off\n"
		"allow 198.51.100.0/24 port 443 user nobody, daemon\n"
		"allow 203.0.113.0/24 group 0\n";
	struct rendered r;
	char msg[4096] = "";
	const int nft = VERIFY_NFT;

	(void)state;
	render(&r, owners);
	if (verify_with(&r, -1, NULL, msg, sizeof(msg)) != 0)
		fail_msg("refused the emitters' own output:\n%s", msg);
	refused(&r, nft, replace(r.texts[nft], "{ \"daemon\", \"nobody\" }",
				 "{ \"daemon\", \"nobody\", \"root\" }"),
		"user root and a group it does not name: accepts what the policy denies");
	refused(&r, nft, replace(r.texts[nft], "meta skgid 0 ", "meta skgid { 0, 27 } "),
		"group 27: accepts what the policy denies");
	refused(&r, VERIFY_IPTABLES,
		replace(r.texts[VERIFY_IPTABLES], "--uid-owner nobody -p tcp -m tcp --dport 443 -j RETURN\n",
			"--uid-owner nobody -p tcp -m tcp --dport 443 -j RETURN\n"
			"-A EGRESSC-LOCAL -d 198.51.100.0/24 -m owner --uid-owner root "
			"-p tcp -m tcp --dport 443 -j RETURN\n"),
		"user root and a group it does not name: accepts what the policy denies");
	refused(&r, VERIFY_IPTABLES,
		replace(r.texts[VERIFY_IPTABLES], "--gid-owner 0 -j RETURN\n",
			"--gid-owner 0 -j RETURN\n"
			"-A EGRESSC-LOCAL -d 203.0.113.0/24 -m owner --gid-owner 27 -j RETURN\n"),
		"group 27: accepts what the policy denies");
	release(&r);
}

/* Enforcing 'from': iptables drops, in the raw table, a forwarded packet
 * whose source fails the reverse-path check, as nft's forward chain does;
 * without it, or with more than it there, the rules are refused. */
static void test_iptables_reverse_path(void **state)
{
	struct rendered r;
	const int v4 = VERIFY_IPTABLES, v6 = VERIFY_IP6TABLES;

	(void)state;
	render(&r, "essentials off\n"
		   "default deny\n"
		   "allow 192.0.2.7 port 443 from 198.51.100.0/31, 2001:db8:ec::/64\n");
	refused(&r, v4, replace(r.texts[v4], "-A EGRESSC-RPF -m addrtype ! --dst-type LOCAL "
				"-m rpfilter --invert -j DROP\n", ""),
		"no reverse-path check");
	refused(&r, v6, replace(r.texts[v6], "-I PREROUTING 1 -j EGRESSC-RPF\n", ""),
		"no reverse-path check");
	refused(&r, v4, replace(r.texts[v4], "-m rpfilter --invert -j DROP",
				"-m rpfilter --invert -j ACCEPT"),
		"the raw table does something besides");
	refused(&r, v4, replace(r.texts[v4], "-I PREROUTING 1 -j EGRESSC-RPF\n",
				"-I PREROUTING 1 -j EGRESSC-RPF\n-A EGRESSC-RPF -j DROP\n"),
		"the raw table does something besides");
	release(&r);
}

/* A mistake in the compiler's rewrite of 'resolver' (here: its deny rule
 * loses port 853, so DNS over TLS gets out) reaches the model and every
 * output alike; the verifier reads 'resolver' as written, so it still
 * sees the difference. */
static void test_resolver_read_as_written(void **state)
{
	struct rendered r;
	char msg[4096] = "";

	(void)state;
	render(&r, policy);
	struct stmt *lockdown = NULL;
	for (struct stmt *s = r.c.policy.stmts; s; s = s->next)
		if (s->kind == STMT_RULE && s->rule.lockdown)
			lockdown = s;
	assert_non_null(lockdown);
	assert_non_null(lockdown->rule.opts.ports);
	lockdown->rule.opts.ports->next = NULL;	/* 53 only */
	for (int i = 0; i < VERIFY_TEXTS; i++)
		free(r.texts[i]);
	model_release(&r.c.model);
	assert_int_equal(model_build(&r.c.model, &r.c.policy, &r.c.diags), 0);
	model_name_static_ipsets(&r.c.model);	/* the driver's step after the model */
	assert_int_equal(emit_formats(&r.c.model, verify_formats, VERIFY_TEXTS, r.texts, r.lens), 0);
	if (verify_with(&r, -1, NULL, msg, sizeof(msg)) == 0)
		fail_msg("accepted outputs that let DNS over TLS out");
	if (!strstr(msg, "port 853"))
		fail_msg("refused, but not naming port 853:\n%s", msg);
	release(&r);
}

/* Many one-port rules: every port's verdict is still checked (the sweep
 * over ports must not skip a rule), here the last one's. */
static void test_many_ports(void **state)
{
	struct rendered r;
	size_t cap = 64 * 3000, n = 0;
	char *text = malloc(cap);

	(void)state;
	assert_non_null(text);
	n += (size_t)snprintf(text + n, cap - n, "essentials off\ndefault deny\n");
	for (unsigned i = 0; i < 2000; i++)
		n += (size_t)snprintf(text + n, cap - n, "allow 10.%u.%u.1 port %u\n", i / 256,
				      i % 256, 1000 + 2 * i);
	render(&r, text);
	refused(&r, VERIFY_NFT, replace(r.texts[VERIFY_NFT], "10.7.207.1", "10.7.207.2"),
		"accepts what the policy denies");
	release(&r);
	free(text);
}

/* Enough allow classes of ports for the shared allow lookup (one set of
 * address . protocol . port per family), a deny carved out of one, and
 * classes that stay rules of their own (a user's; one whose port 443
 * meets the 440-450 of a class before it). */
static const char shared[] =
	"essentials off\n"
	"default deny\n"
	"deny 192.0.2.21 port 21\n"
	"allow 192.0.2.20/30 port 21\n"
	"allow 192.0.2.23 port 23\n"
	"allow 192.0.2.25 port 25\n"
	"allow 192.0.2.53, 2001:db8::53 port 53 proto udp, tcp\n"
	"allow 192.0.2.80 port 80, 8080-8090\n"
	"allow 192.0.2.110 port 110\n"
	"allow 192.0.2.143 port 143\n"
	"allow 203.0.113.0/24 port 440-450\n"
	"allow 192.0.2.44 port 443\n"
	"allow 192.0.2.45 port 443 user 0\n";

static void test_shared_lookup_edits_are_refused(void **state)
{
	struct rendered r;
	const int nft = VERIFY_NFT;
	char msg[4096] = "";

	(void)state;
	render(&r, shared);
	if (!strstr(r.texts[nft], "ip daddr . meta l4proto . th dport @allow_v4 accept\n"))
		fail_msg("no shared lookup in:\n%s", r.texts[nft]);
	if (!strstr(r.texts[nft], "ip daddr @allow_tcp_443_v4 tcp dport 443 accept\n"))
		fail_msg("the class whose port meets another's is not a rule of its own");
	if (verify_with(&r, -1, NULL, msg, sizeof(msg)) != 0)
		fail_msg("refused the emitters' own output:\n%s", msg);
	refused(&r, nft, replace(r.texts[nft], "192.0.2.23 . tcp . 23", "192.0.2.24 . tcp . 23"),
		"accepts what the policy denies");
	refused(&r, nft, replace(r.texts[nft], "192.0.2.25 . tcp . 25", "192.0.2.25 . tcp . 25-26"),
		"accepts what the policy denies");
	refused(&r, nft, replace(r.texts[nft], "192.0.2.110 . tcp . 110", "192.0.2.110 . udp . 110"),
		"blocks what the policy allows");
	refused(&r, nft, replace(r.texts[nft], "192.0.2.143 . tcp . 143,\n", ""),
		"blocks what the policy allows");
	/* Two elements that meet: nft would refuse to load the set. */
	refused(&r, nft, replace(r.texts[nft], "192.0.2.80 . tcp . 80,\n",
				 "192.0.2.80 . tcp . 80,\n\t\t\t192.0.2.80/31 . tcp . 79-80,\n"),
		"overlap");
	refused(&r, nft, replace(r.texts[nft], "192.0.2.25 . tcp . 25",
				 "192.0.2.25 . tcp . 25,\n\t\t\t192.0.2.25 . tcp . 25"),
		"overlap");
	/* A second declaration of the set: nft adds its elements to the first's. */
	refused(&r, nft, replace(r.texts[nft], "\tchain blocked {",
				 "\tset allow_v4 {\n\t\ttype ipv4_addr . inet_proto . inet_service\n"
				 "\t\tflags interval\n\t\telements = {\n"
				 "\t\t\t198.51.100.99 . tcp . 22\n\t\t}\n\t}\n\n\tchain blocked {"),
		"a set declared twice");
	/* The lookup of the other family's set, or without the protocol. */
	refused(&r, nft, replace(r.texts[nft], "dport @allow_v4 accept", "dport @allow_v6 accept"),
		"no accept of such a set of its family");
	refused(&r, nft, replace(r.texts[nft], "ip daddr . meta l4proto . th dport @allow_v4",
				 "ip daddr @allow_v4"),
		"unknown set");
	release(&r);
}

/* nft's static sets are the rules' alone, as the ipsets are: a dnsmasq
 * line that fills one lets the wildcard's answers through its rule. */
static void test_nft_static_set_filled(void **state)
{
	struct rendered r;
	char msg[4096] = "";
	const int frag = VERIFY_DNSMASQ;

	(void)state;
	render(&r, "essentials off\n"
		   "default deny\n"
		   "allow *.example.test port 443\n"
		   "allow 203.0.113.7 port 22\n");
	if (verify_with(&r, -1, NULL, msg, sizeof(msg)) != 0)
		fail_msg("refused the emitters' own output:\n%s", msg);
	refused(&r, frag, replace(r.texts[frag], "nftset=/example.test/4#inet#egressc#",
				  "nftset=/example.test/4#inet#egressc#allow_tcp_22_v4,"
				  "4#inet#egressc#"),
		"fills the static set");
	release(&r);
}

/* The iptables backend's static ipsets: what a set holds is what the rule
 * matching it accepts or denies, read from the ipset text. */
static const char static_sets[] =
	"essentials off\n"
	"default deny\n"
	"deny 192.0.2.66, 192.0.2.70/31 port 22\n"
	"allow 192.0.2.0/24, 203.0.113.7 port 22, 443\n"
	"allow *.ci.test port 443\n";

static void test_static_ipset_edits_are_refused(void **state)
{
	struct rendered r;
	const char *set;

	(void)state;
	render(&r, static_sets);
	/* The texts as written pass, sets and all. */
	char msg[4096] = "";
	if (verify_with(&r, -1, NULL, msg, sizeof(msg)) != 0)
		fail_msg("refused the emitters' own texts:\n%s", msg);
	assert_non_null(strstr(r.texts[VERIFY_IPTABLES], "--match-set egressc_allow_tcp_"));
	/* A member more in an allow set, one less in a deny rule's. */
	refused(&r, VERIFY_IPSET, replace(r.texts[VERIFY_IPSET], "203.0.113.7/32", "203.0.113.6/31"),
		"accepts what the policy denies");
	refused(&r, VERIFY_IPSET, replace(r.texts[VERIFY_IPSET], "192.0.2.70/31", "192.0.2.70/32"),
		"accepts what the policy denies");
	/* More members than the set has room for. */
	refused(&r, VERIFY_IPSET, replace(r.texts[VERIFY_IPSET], "maxelem 2", "maxelem 1"),
		"unrecognized");
	/* dnsmasq filling a static set would widen its class at run time. */
	char name[64];
	set = strstr(r.texts[VERIFY_IPSET], " hashsize ");	/* a static set's create */
	assert_non_null(set);
	while (set > r.texts[VERIFY_IPSET] && set[-1] != '\n')
		set--;
	assert_int_equal(sscanf(set, "create %63s", name), 1);
	char *line = strstr(r.texts[VERIFY_DNSMASQ_IPSET], "ipset=/ci.test/");
	assert_non_null(line);
	char fill[128];
	snprintf(fill, sizeof(fill), "ipset=/ci.test/%s,", name);
	refused(&r, VERIFY_DNSMASQ_IPSET, replace(r.texts[VERIFY_DNSMASQ_IPSET], "ipset=/ci.test/", fill),
		"fills the static ipset");
	release(&r);
}

/* A refresh set (which the agent changes) holds only the spans with an
 * allowed hostname's address: a network moved into it from the rules
 * accepts the same, and is refused all the same. */
static void test_refresh_ipset_holds_names_only(void **state)
{
	char hosts[] = "/tmp/egressc-test-verify-XXXXXX";
	int fd = mkstemp(hosts);
	struct rendered r;
	char msg[4096] = "";
	static const char pin[] = "add egressc_pin_allow_tcp_443_v4 192.0.2.10/32\n";

	(void)state;
	assert_true(fd >= 0);
	assert_true(write(fd, "192.0.2.10 a.example\n", 21) == 21);
	close(fd);
	render_hosts(&r, "essentials off\nallow a.example, 203.0.113.0/24 port 443\n", hosts);
	if (verify_with(&r, -1, NULL, msg, sizeof(msg)) != 0)
		fail_msg("refused the emitters' own texts:\n%s", msg);
	assert_non_null(strstr(r.texts[VERIFY_IPSET], pin));
	assert_non_null(strstr(r.texts[VERIFY_IPTABLES], "-d 203.0.113.0/24 "));
	refused(&r, VERIFY_IPSET,
		replace(r.texts[VERIFY_IPSET], pin,
			"add egressc_pin_allow_tcp_443_v4 192.0.2.10/32\n"
			"add egressc_pin_allow_tcp_443_v4 203.0.113.0/24\n"),
		"holds 203.0.113.0, which no allowed hostname resolved to");
	release(&r);
	unlink(hosts);
}

/* Recording counts and never decides: the emitters' own recording passes,
 * and a record chain or a jump that would decide is refused. */
static void test_recording_only_counts(void **state)
{
	static const char recorded[] = "essentials off\n"
				       "mode monitor\n"
				       "record all limit 1000\n"
				       "deny 198.51.100.128/25 port 22\n"
				       "allow 198.51.100.0/24 port 443\n";
	struct rendered r;
	char msg[4096] = "";
	const int nft = VERIFY_NFT, ipt = VERIFY_IPTABLES;

	(void)state;
	render(&r, recorded);
	if (verify_with(&r, -1, NULL, msg, sizeof(msg)) != 0)
		fail_msg("refused the emitters' own recording:\n%s", msg);
	refused(&r, nft, replace(r.texts[nft], "counter name \"record_overflow\"", "accept"),
		"besides recording");
	refused(&r, nft, replace(r.texts[nft], "ct state new jump record", "ct state new goto record"),
		"unrecognized");
	refused(&r, ipt, replace(r.texts[ipt], "--comment \"record overflow\" -j RETURN",
				 "--comment \"record overflow\" -j ACCEPT"),
		"unrecognized");
	refused(&r, ipt, replace(r.texts[ipt], "dst,dst -j RETURN", "dst,dst -j ACCEPT"),
		"unrecognized");
	release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_emitters_pass),
		cmocka_unit_test(test_texts_rendered_on_demand),
		cmocka_unit_test(test_nft_edits_are_refused),
		cmocka_unit_test(test_iptables_edits_are_refused),
		cmocka_unit_test(test_cgroup_edits_are_refused),
		cmocka_unit_test(test_owner_edits_are_refused),
		cmocka_unit_test(test_iptables_reverse_path),
		cmocka_unit_test(test_resolver_read_as_written),
		cmocka_unit_test(test_many_ports),
		cmocka_unit_test(test_shared_lookup_edits_are_refused),
		cmocka_unit_test(test_nft_static_set_filled),
		cmocka_unit_test(test_static_ipset_edits_are_refused),
		cmocka_unit_test(test_recording_only_counts),
		cmocka_unit_test(test_refresh_ipset_holds_names_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
