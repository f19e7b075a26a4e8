/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for lib/pubsuffix.c: the Public Suffix List's rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "lib/pubsuffix.h"

static const char list[] =
	"// ===BEGIN ICANN DOMAINS===\n"
	"uk\n"
	"co.uk\n"
	"*.ck\n"
	"!www.ck\n"
	"\n"
	"// ===BEGIN PRIVATE DOMAINS===\n"
	"github.io  \r\n"
	"s3.amazonaws.com\n";

static void test_rules(void **state)
{
	(void)state;
	assert_true(public_suffix(list, "co.uk"));
	assert_true(public_suffix(list, "uk"));
	assert_true(public_suffix(list, "test"));		/* one label: implicit '*' */
	assert_true(public_suffix(list, "github.io"));		/* blanks and CR around */
	assert_true(public_suffix(list, "s3.amazonaws.com"));
	assert_true(public_suffix(list, "anything.ck"));	/* '*.ck' */
	assert_false(public_suffix(list, "www.ck"));		/* '!www.ck' */
	assert_false(public_suffix(list, "bbc.co.uk"));
	assert_false(public_suffix(list, "build.test"));
	assert_false(public_suffix(list, "amazonaws.com"));
	assert_false(public_suffix(list, "ck.uk"));		/* no rule, though 'ck' ends one */
	assert_false(public_suffix(list, "o.uk"));		/* 'co.uk' is not a suffix of it */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
