/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for emit_dnsmasq_is_fragment(): apply --remove deletes the file
 * at --dnsmasq-path only when it is a fragment egressc wrote, every line of
 * it - never a user's file that merely mentions egressc. Every golden
 * fragment is one; files made to look like one are not. Run from the
 * source tree's top (make check does). */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "emit/emit.h"

static char *slurp(const char *path)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	rewind(fp);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), m = strlen(tail);

	return n >= m && strcmp(s + n - m, tail) == 0;
}

static void test_golden_fragments_are_ours(void **state)
{
	DIR *dir = opendir("golden");
	struct dirent *e;
	int seen = 0;

	(void)state;
	assert_non_null(dir);
	while ((e = readdir(dir))) {
		char path[512];
		if (!ends_with(e->d_name, ".dnsmasq") && !ends_with(e->d_name, ".dnsmasq-ipset"))
			continue;
		snprintf(path, sizeof(path), "golden/%s", e->d_name);
		char *text = slurp(path);
		if (!emit_dnsmasq_is_fragment(text))
			fail_msg("%s is not recognised", path);
		free(text);
		seen++;
	}
	closedir(dir);
	assert_true(seen > 10);
}

static void test_others_are_not(void **state)
{
	static const char *const texts[] = {
		"",
		"# egressc\n",
		"# my own dnsmasq settings, next to egressc's\nserver=/example.org/192.0.2.53\n",
		/* The header, then a line of the user's. */
		"# Compiled by egressc from 'p.eg'; do not edit, recompile.\n"
		"# A dnsmasq fragment (dnsmasq.d); load it after the nft ruleset.\n"
		"listen-address=127.0.0.1\n",
		/* A header that is not quite one. */
		"# Compiled by egressc from 'p.eg'\n"
		"# A dnsmasq fragment (dnsmasq.d); load it after the nft ruleset.\n",
		/* No final newline: not as egressc writes it. */
		"# Compiled by egressc from 'p.eg'; do not edit, recompile.\n"
		"# A dnsmasq fragment (dnsmasq.d); load it after the nft ruleset.",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(texts) / sizeof(*texts); i++)
		if (emit_dnsmasq_is_fragment(texts[i]))
			fail_msg("text %zu taken for a fragment", i);
	assert_true(emit_dnsmasq_is_fragment(
		"# Compiled by egressc from 'p.eg'; do not edit, recompile.\n"
		"# A dnsmasq fragment (dnsmasq.d); load it after the nft ruleset.\n"
		"nftset=/ci.test/4#inet#egressc#allow_tcp_443_dns_v4\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_fragments_are_ours),
		cmocka_unit_test(test_others_are_not),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
