/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for host/record.c's parsers and host/dnslog.c: the text nft,
 * ipset and iptables print, and dnsmasq's query log, as this machine's
 * tools print them (tests/report.sh runs the tools themselves). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "emit/names.h"
#include "host/dnslog.h"
#include "host/record.h"

static addr_t v4(const char *text)
{
	enum family f;
	addr_t a = 0;

	assert_true(addr_parse(text, &f, &a));
	return a;
}

static void test_nft_set(void **state)
{
	static const char text[] =
		"table inet egressc {\n"
		"\tset record_v4 {\n"
		"\t\ttype ipv4_addr . inet_proto . inet_service\n"
		"\t\tsize 65536\n"
		"\t\tflags dynamic,timeout\n"
		"\t\ttimeout 86400s\n"
		"\t\telements = { 192.0.2.7 . 1 . 0 counter packets 2 bytes 116 expires 86399s,\n"
		"\t\t\t     198.51.100.1 . 6 . 443 counter packets 3 bytes 180 expires 86390s,\n"
		"\t\t\t     198.51.100.1 . 17 . 53 counter packets 1 bytes 42 expires 86000s }\n"
		"\t}\n"
		"}\n";
	struct record_table t = { 0 };

	(void)state;
	assert_int_equal(record_parse_nft_set(&t, FAMILY_V4, text), 0);
	record_table_normalize(&t);
	assert_int_equal(t.n, 3);
	assert_true(t.v[0].addr == v4("192.0.2.7") && t.v[0].proto == 1 && t.v[0].port == 0);
	assert_true(t.v[1].addr == v4("198.51.100.1") && t.v[1].proto == 6 && t.v[1].port == 443);
	assert_int_equal(t.v[1].packets, 3);
	assert_int_equal(t.v[1].bytes, 180);
	assert_int_equal(t.v[1].age, 10);
	assert_true(t.v[1].last_seen);
	assert_true(t.v[2].proto == 17 && t.v[2].port == 53 && t.v[2].age == 400);
	record_table_release(&t);

	/* An empty set lists no elements; another family's address is refused. */
	assert_int_equal(record_parse_nft_set(&t, FAMILY_V4, "\tset record_v4 {\n\t}\n"), 0);
	assert_int_equal(t.n, 0);
	assert_int_equal(record_parse_nft_set(&t, FAMILY_V6, text), -1);
	record_table_release(&t);
}

static void test_ipset(void **state)
{
	static const char text[] =
		"Name: egressc_record_65536_v4\n"
		"Type: hash:ip,port\n"
		"Revision: 7\n"
		"Header: family inet hashsize 1024 maxelem 65536 timeout 86400 counters bucketsize 12\n"
		"Size in memory: 600\n"
		"References: 3\n"
		"Number of entries: 4\n"
		"Members:\n"
		"198.51.100.1,tcp:443 timeout 86394 packets 4 bytes 240\n"
		"192.0.2.7,icmp:echo-request timeout 86300 packets 1 bytes 84\n"
		"192.0.2.7,icmp:port-unreachable timeout 86390 packets 2 bytes 112\n"
		"198.51.100.1,udp:53 timeout 86399 packets 1 bytes 42\n";
	struct record_table t = { 0 };

	(void)state;
	assert_int_equal(record_parse_ipset(&t, FAMILY_V4, text), 0);
	record_table_normalize(&t);
	/* ICMP's types are one destination without a port. */
	assert_int_equal(t.n, 3);
	assert_true(t.v[0].addr == v4("192.0.2.7") && t.v[0].proto == 1 && t.v[0].port == 0);
	assert_int_equal(t.v[0].packets, 3);
	assert_int_equal(t.v[0].age, 100);	/* first seen: the earlier */
	assert_false(t.v[0].last_seen);
	assert_true(t.v[1].proto == 6 && t.v[1].port == 443 && t.v[1].packets == 4);
	assert_true(t.v[2].proto == 17 && t.v[2].port == 53 && t.v[2].age == 1);
	record_table_release(&t);
	assert_int_equal(record_parse_ipset(&t, FAMILY_V4, "ipset v7.17: no such set\n"), -1);
	record_table_release(&t);
}

static void test_counters(void **state)
{
	static const char text[] = "table inet egressc {\n"
				   "\tcounter deny_1 {\n"
				   "\t\tcomment \"policy.eg:7\"\n"
				   "\t\tpackets 5 bytes 300\n"
				   "\t}\n"
				   "\tcounter record_overflow {\n"
				   "\t\tcomment \"packets not recorded: the record sets were full\"\n"
				   "\t\tpackets 7 bytes 700\n"
				   "\t}\n"
				   "}\n";
	static const char ipt[] =
		"Chain EGRESSC-RECORD (4 references)\n"
		"    pkts      bytes target     prot opt in     out     source               destination\n"
		"      11      526 RETURN     0    --  *      *       0.0.0.0/0            0.0.0.0/0            match-set r4 dst,dst\n"
		"       3       90 RETURN     0    --  *      *       0.0.0.0/0            0.0.0.0/0            /* record overflow */\n";
	struct record_counters c = { 0 };
	uint64_t pk, by;

	(void)state;
	assert_int_equal(record_parse_nft_counters(&c, text), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.v[1].name, "record_overflow");
	assert_int_equal(c.v[1].packets, 7);
	assert_int_equal(c.v[1].bytes, 700);
	record_counters_release(&c);
	assert_int_equal(record_parse_ipt_chain_last(ipt, &pk, &by), 0);
	assert_int_equal(pk, 3);
	assert_int_equal(by, 90);
}

static void test_dns_log(void **state)
{
	static const char text[] =
		"Dec  5 07:00:00 dnsmasq[99]: started, version 2.90 cachesize 150\n"
		"Dec  5 07:00:01 dnsmasq[99]: 1 127.0.0.1/4000 query[A] WWW.Example.test from 127.0.0.1\n"
		"Dec  5 07:00:01 dnsmasq[99]: 2 127.0.0.1/4001 query[AAAA] v6.example.test from 127.0.0.1\n"
		"Dec  5 07:00:01 dnsmasq[99]: 1 127.0.0.1/4000 forwarded www.example.test to 192.0.2.53\n"
		"Dec  5 07:00:01 dnsmasq[99]: 1 127.0.0.1/4000 reply www.example.test is <CNAME>\n"
		"Dec  5 07:00:01 dnsmasq[99]: 1 127.0.0.1/4000 reply cdn.example.test is 198.51.100.9\n"
		"Dec  5 07:00:01 dnsmasq[99]: 2 127.0.0.1/4001 reply v6.example.test is 2001:db8::9\n"
		"Dec  5 07:00:02 dnsmasq[99]: 3 127.0.0.1/4002 query[A] gone.example.test from 127.0.0.1\n"
		"Dec  5 07:00:02 dnsmasq[99]: 3 127.0.0.1/4002 config gone.example.test is NXDOMAIN\n"
		"Dec  5 07:00:03 dnsmasq[99]: 4 127.0.0.1/4003 query[A] other.example.test from 127.0.0.1\n"
		"Dec  5 07:00:03 dnsmasq[99]: 4 127.0.0.1/4003 cached other.example.test is 198.51.100.9\n";
	struct dns_log l = { 0 };
	size_t n;

	(void)state;
	dns_log_parse(&l, text);
	dns_log_normalize(&l);
	/* The address belongs to the CNAME's target, the name asked, and
	 * another name that resolved to it. */
	const struct dns_answer *a = dns_log_names(&l, FAMILY_V4, v4("198.51.100.9"), &n);
	assert_int_equal(n, 3);
	assert_string_equal(a[0].name, "cdn.example.test");
	assert_string_equal(a[1].name, "other.example.test");
	assert_string_equal(a[2].name, "www.example.test");
	enum family f;
	addr_t six;
	assert_true(addr_parse("2001:db8::9", &f, &six));
	a = dns_log_names(&l, FAMILY_V6, six, &n);
	assert_int_equal(n, 1);
	assert_string_equal(a[0].name, "v6.example.test");
	assert_null(dns_log_names(&l, FAMILY_V4, v4("192.0.2.1"), &n));
	assert_int_equal(l.nqueried, 4);
	assert_string_equal(l.queried[0], "gone.example.test");
	dns_log_release(&l);
}

/* A name in the log is whatever a zone (or a process asking) chose; only
 * a hostname may reach report's output as one: "allow NAME port ..." from
 * --suggest must not become more than that name ("a.test,198.51.100.0/24"
 * is two targets, "a.test#" comments out the port), and markdown must not
 * be broken out of. Other names' answers are dropped (the address stands
 * alone); asked names are kept, spelt safely. */
static void test_dns_log_hostile_names(void **state)
{
	static const char text[] =
		"Dec  5 07:00:01 dnsmasq[99]: 1 127.0.0.1/4000 query[A] x.evil.test from 127.0.0.1\n"
		"Dec  5 07:00:01 dnsmasq[99]: 1 127.0.0.1/4000 reply 0.0.0.0/1,a.evil.test is 198.51.100.7\n"
		"Dec  5 07:00:01 dnsmasq[99]: 2 127.0.0.1/4001 reply b.evil.test#x is 198.51.100.7\n"
		"Dec  5 07:00:01 dnsmasq[99]: 3 127.0.0.1/4002 reply *.evil.test is 198.51.100.7\n"
		"Dec  5 07:00:01 dnsmasq[99]: 4 127.0.0.1/4003 reply c.evil.test is 198.51.100.7\n"
		"Dec  5 07:00:02 dnsmasq[99]: 5 127.0.0.1/4004 query[A] d`x.evil.test from 127.0.0.1\n";
	struct dns_log l = { 0 };
	size_t n;

	(void)state;
	dns_log_parse(&l, text);
	dns_log_normalize(&l);
	const struct dns_answer *a = dns_log_names(&l, FAMILY_V4, v4("198.51.100.7"), &n);
	assert_int_equal(n, 2);
	assert_string_equal(a[0].name, "c.evil.test");
	assert_string_equal(a[1].name, "x.evil.test");
	assert_int_equal(l.nqueried, 2);
	assert_string_equal(l.queried[0], "d\\096x.evil.test");
	assert_string_equal(l.queried[1], "x.evil.test");
	dns_log_release(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nft_set),
		cmocka_unit_test(test_ipset),
		cmocka_unit_test(test_counters),
		cmocka_unit_test(test_dns_log),
		cmocka_unit_test(test_dns_log_hostile_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
