/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for host/kerneltz.c: a ruleset that matches weekdays is
 * refused where the kernel keeps a timezone other than UTC. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "host/kerneltz.h"

static const char windows[] =
	"table inet egressc {\n"
	"\tchain egress {\n"
	"\t\t# allow 192.0.2.60 port 443 during \"Mon-Fri 01:00-03:00\"\n"
	"\t\tip daddr 192.0.2.60 meta day { 1, 2, 3, 4, 5 } meta hour 3600-10799 accept\n"
	"\t}\n"
	"}\n";
static const char hours_only[] =
	"table inet egressc {\n"
	"\tchain egress {\n"
	"\t\t# a comment that says meta day { 1 } is not a rule\n"
	"\t\tip daddr 192.0.2.60 meta hour 3600-10799 accept\n"
	"\t}\n"
	"}\n";

static void test_weekdays(void **state)
{
	(void)state;
	/* UTC (or no timezone set): nft's weekday is UTC's, as emitted. */
	assert_false(nft_weekdays_shifted(windows, 0));
	/* An RTC kept in local time: the kernel's weekday is local. */
	assert_true(nft_weekdays_shifted(windows, -120));
	assert_true(nft_weekdays_shifted(windows, 300));
	/* No weekday matched: 'meta hour' is UTC whatever the kernel keeps. */
	assert_false(nft_weekdays_shifted(hours_only, -120));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_weekdays),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
