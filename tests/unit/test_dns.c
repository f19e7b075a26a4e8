/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The merging of DNS answers: every round's addresses united without
 * duplicates and sorted, the lowest TTL of any record kept (unknown until
 * one is seen), the first failure kept over later ones. */
#include <ares.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "compiler/dns.h"

static struct prefix v4(unsigned a, unsigned b, unsigned c, unsigned d)
{
	struct prefix p = { .addr = (addr_t)a << 24 | b << 16 | c << 8 | d, .len = 32,
			    .family = FAMILY_V4 };
	return p;
}

static struct prefix v6(unsigned last)
{
	struct prefix p = { .addr = (addr_t)0x20010db8 << 96 | last, .len = 128,
			    .family = FAMILY_V6 };
	return p;
}

static void test_union_of_rounds(void **state)
{
	struct dns_result r = { .ttl = -1 };
	/* A pool of 8 answering 4 at a time, rotating. */
	unsigned rounds[3][4] = { { 1, 2, 3, 4 }, { 5, 6, 7, 8 }, { 3, 4, 5, 6 } };

	(void)state;
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 4; j++) {
			struct prefix p = v4(198, 51, 100, rounds[i][j]);
			dns_result_add(&r, &p, 300);
		}
	struct prefix six = v6(1);
	dns_result_add(&r, &six, 300);
	dns_result_add(&r, &six, 300);
	dns_result_finish(&r);
	assert_int_equal(r.n, 9);
	for (unsigned i = 0; i < 8; i++) {
		assert_int_equal(r.addrs[i].family, FAMILY_V4);
		assert_true(r.addrs[i].addr == v4(198, 51, 100, i + 1).addr);
	}
	assert_int_equal(r.addrs[8].family, FAMILY_V6);
	assert_int_equal(r.status, 0);
	free(r.addrs);
}

static void test_lowest_ttl(void **state)
{
	struct dns_result r = { .ttl = -1 };
	struct prefix p = v4(192, 0, 2, 1);

	(void)state;
	assert_int_equal(r.ttl, -1);
	dns_result_ttl(&r, -1);		/* unknown says nothing */
	assert_int_equal(r.ttl, -1);
	dns_result_add(&r, &p, 300);
	assert_int_equal(r.ttl, 300);
	dns_result_ttl(&r, 60);		/* a CNAME on the way */
	assert_int_equal(r.ttl, 60);
	dns_result_add(&r, &p, 3600);	/* a later, longer answer */
	assert_int_equal(r.ttl, 60);
	dns_result_ttl(&r, 0);		/* zero is a TTL too */
	assert_int_equal(r.ttl, 0);
	assert_int_equal(r.n, 1);
	free(r.addrs);
}

static void test_first_failure(void **state)
{
	struct dns_result r = { .ttl = -1 };

	(void)state;
	dns_result_fail(&r, ARES_ETIMEOUT);
	dns_result_fail(&r, ARES_ENOTFOUND);
	assert_int_equal(r.status, ARES_ETIMEOUT);
	assert_non_null(strstr(dns_status_reason(ARES_ENOTFOUND), "NXDOMAIN"));
	assert_non_null(strstr(dns_status_reason(ARES_ESERVFAIL), "SERVFAIL"));
	assert_non_null(strstr(dns_status_reason(ARES_EREFUSED), "REFUSED"));
	assert_non_null(strstr(dns_status_reason(ARES_ETIMEOUT), "timeout"));
	assert_non_null(strstr(dns_status_reason(ARES_ENODATA), "no A or AAAA"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_union_of_rounds),
		cmocka_unit_test(test_lowest_ttl),
		cmocka_unit_test(test_first_failure),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
