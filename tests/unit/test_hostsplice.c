/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for host/hostsplice.c: egressc's block in a hosts file.
 * Every block goes and the new one takes the first one's place; markers
 * are recognised with CRLF, trailing blanks and no final newline; every
 * other byte is kept, so a file that ends in a newline is byte for byte
 * itself after an apply and a removal; unbalanced or nested markers are
 * refused with the line that is wrong, and nothing is produced. The file
 * system side (writing through a symlink) is tests/apply.sh's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "host/hostsplice.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char block[] = "# BEGIN egressc\n"
			    "203.0.113.34\tregistry.example\n"
			    "# END egressc\n";

/* An older block, as an earlier policy left it. */
#define OLD_BLOCK "# BEGIN egressc\n198.51.100.250\told.example\n# END egressc\n"

static const char *why;

/* OLD spliced with FRAGMENT (NULL: the block taken out); NULL when the
 * splice fails, with the reason in WHY. */
static char *splice(const char *old, const char *fragment)
{
	char *out = (char *)"untouched";
	size_t len = 0;

	why = NULL;
	if (hosts_splice(old, strlen(old), fragment, fragment ? strlen(fragment) : 0, &out,
			 &len, &why) < 0) {
		assert_string_equal(out, "untouched");
		assert_non_null(why);
		return NULL;
	}
	assert_non_null(out);
	assert_int_equal(strlen(out), len);
	return out;
}

/* OLD spliced with FRAGMENT is WANT. */
static void splices_to(const char *old, const char *fragment, const char *want)
{
	char *out = splice(old, fragment);

	if (!out)
		fail_msg("splice failed: %s", why);
	assert_string_equal(out, want);
	free(out);
}

/* OLD cannot be spliced, with or without a fragment, and the reason
 * contains each of the NULL-terminated strings that follow. */
static void refused(const char *old, ...)
{
	for (int remove = 0; remove < 2; remove++) {
		char *out = splice(old, remove ? NULL : block);
		va_list ap;

		if (out)
			fail_msg("spliced, should have been refused:\n%s", out);
		va_start(ap, old);
		for (const char *part; (part = va_arg(ap, const char *)) != NULL;)
			if (!strstr(why, part))
				fail_msg("'%s' is not in '%s'", part, why);
		va_end(ap);
	}
}

/* ---- one block -------------------------------------------------------- */

static void test_append(void **state)
{
	(void)state;
	splices_to("", block, block);
	splices_to("127.0.0.1\tlocalhost\n", block,
		   "127.0.0.1\tlocalhost\n" "# BEGIN egressc\n"
		   "203.0.113.34\tregistry.example\n" "# END egressc\n");
}

static void test_replace_in_the_middle(void **state)
{
	(void)state;
	splices_to("127.0.0.1 localhost\n" OLD_BLOCK "# after\n::1 localhost\n", block,
		   "127.0.0.1 localhost\n" "# BEGIN egressc\n"
		   "203.0.113.34\tregistry.example\n" "# END egressc\n"
		   "# after\n::1 localhost\n");
	splices_to("127.0.0.1 localhost\n" OLD_BLOCK "# after\n", NULL,
		   "127.0.0.1 localhost\n# after\n");
}

/* Applying twice is applying once; taking the block out of a file that
 * has none changes nothing. */
static void test_idempotent(void **state)
{
	static const char *const files[] = {
		"",
		"127.0.0.1 localhost\n",
		"127.0.0.1 localhost\n" OLD_BLOCK "# after\n",
		"127.0.0.1 localhost\r\n::1 localhost\r\n",
		"127.0.0.1 localhost",
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		char *once = splice(files[i], block);
		assert_non_null(once);
		splices_to(once, block, once);
		char *removed = splice(once, NULL);
		assert_non_null(removed);
		splices_to(removed, NULL, removed);
		free(removed);
		free(once);
	}
}

/* Only a whole line is a marker. */
static void test_not_markers(void **state)
{
	static const char *const lines[] = {
		"## BEGIN egressc\n", " # BEGIN egressc\n", "# BEGIN egressc2\n",
		"# BEGIN egressc x\n", "# begin egressc\n", "x # END egressc\n",
		"# END egressc.\n", "#END egressc\n", "# BEGIN egressc\\n\n",
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(lines); i++) {
		char *with = malloc(strlen(lines[i]) + sizeof(block));
		assert_non_null(with);
		strcpy(with, lines[i]);
		strcat(with, block);
		splices_to(lines[i], block, with);
		splices_to(lines[i], NULL, lines[i]);
		free(with);
	}
}

/* The splice works on bytes: a NUL in the administrator's lines stays. */
static void test_nul_bytes_kept(void **state)
{
	static const char old[] = "127.0.0.1 a\0b\n" OLD_BLOCK "x\0y\n";
	static const char want[] = "127.0.0.1 a\0b\nx\0y\n";
	char *out;
	size_t len;

	(void)state;
	assert_int_equal(hosts_splice(old, sizeof(old) - 1, NULL, 0, &out, &len, &why), 0);
	assert_int_equal(len, sizeof(want) - 1);
	assert_memory_equal(out, want, len);
	free(out);
}

/* ---- item 14: every block, CRLF, no final newline --------------------- */

/* A second block goes; the new one is where the first was. */
static void test_every_block_goes(void **state)
{
	static const char old[] = "127.0.0.1 localhost\n" OLD_BLOCK "# middle\n" OLD_BLOCK
				  "# end\n" OLD_BLOCK;

	(void)state;
	splices_to(old, block,
		   "127.0.0.1 localhost\n" "# BEGIN egressc\n"
		   "203.0.113.34\tregistry.example\n" "# END egressc\n" "# middle\n# end\n");
	splices_to(old, NULL, "127.0.0.1 localhost\n# middle\n# end\n");
	/* Adjacent blocks. */
	splices_to(OLD_BLOCK OLD_BLOCK, NULL, "");
	splices_to(OLD_BLOCK OLD_BLOCK, block, block);
}

/* A block written with CRLF line ends (an editor's, or a file copied from
 * Windows) is a block, whole lines and all. */
static void test_crlf_markers(void **state)
{
	static const char old[] = "127.0.0.1 localhost\r\n"
				  "# BEGIN egressc\r\n"
				  "198.51.100.250\told.example\r\n"
				  "# END egressc\r\n"
				  "::1 localhost\r\n";

	(void)state;
	splices_to(old, NULL, "127.0.0.1 localhost\r\n::1 localhost\r\n");
	splices_to(old, block,
		   "127.0.0.1 localhost\r\n" "# BEGIN egressc\n"
		   "203.0.113.34\tregistry.example\n" "# END egressc\n" "::1 localhost\r\n");
	/* An LF block after a CRLF one: both go. */
	splices_to("a\n# BEGIN egressc\r\n# END egressc\r\nb\n" OLD_BLOCK, NULL, "a\nb\n");
	/* Trailing blanks after a marker (a hand edit) do not hide it. */
	splices_to("a\n# BEGIN egressc \t\nx\n# END egressc  \nb\n", NULL, "a\nb\n");
}

/* "# END egressc" as the last line, without a newline, is an END. */
static void test_final_end_without_newline(void **state)
{
	static const char old[] = "127.0.0.1 localhost\n"
				  "# BEGIN egressc\n198.51.100.250\told.example\n# END egressc";

	(void)state;
	splices_to(old, NULL, "127.0.0.1 localhost\n");
	splices_to(old, block, "127.0.0.1 localhost\n" "# BEGIN egressc\n"
		   "203.0.113.34\tregistry.example\n" "# END egressc\n");
	splices_to("a\n# BEGIN egressc\r\n# END egressc\r", NULL, "a\n");
}

/* A file without a final newline gets one before the block (its last line
 * stays a line of its own); taking the block out keeps it. */
static void test_no_final_newline(void **state)
{
	(void)state;
	splices_to("127.0.0.1 localhost", block,
		   "127.0.0.1 localhost\n" "# BEGIN egressc\n"
		   "203.0.113.34\tregistry.example\n" "# END egressc\n");
	splices_to("127.0.0.1 localhost", NULL, "127.0.0.1 localhost");
	char *once = splice("127.0.0.1 localhost", block);
	assert_non_null(once);
	splices_to(once, NULL, "127.0.0.1 localhost\n");
	free(once);
}

/* A file that ends in a newline (or is empty) is itself again after an
 * apply and a removal, wherever its block was and however many it had. */
static void test_apply_then_remove_is_identity(void **state)
{
	static const char *const files[] = {
		"",
		"\n",
		"127.0.0.1 localhost\n",
		"# static\n127.0.0.1\tlocalhost\n\n::1 localhost ip6-localhost\n",
		"127.0.0.1 localhost\r\n::1 localhost\r\n",
		"a\n\n\n",
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		char *once = splice(files[i], block);
		assert_non_null(once);
		splices_to(once, NULL, files[i]);
		free(once);
	}
}

/* ---- refused ---------------------------------------------------------- */

static void test_begin_without_end(void **state)
{
	(void)state;
	refused("127.0.0.1 localhost\n# BEGIN egressc\n203.0.113.5 half\n",
		"'# BEGIN egressc' without '# END egressc'", "line 2", NULL);
	/* A complete block first does not excuse a later half one. */
	refused(OLD_BLOCK "a\n# BEGIN egressc\r\n", "without '# END egressc'", "line 5", NULL);
}

static void test_end_without_begin(void **state)
{
	(void)state;
	refused("127.0.0.1 localhost\n# END egressc\n",
		"'# END egressc' without '# BEGIN egressc'", "line 2", NULL);
	refused(OLD_BLOCK "# END egressc", "'# END egressc' without", "line 4", NULL);
}

static void test_nested(void **state)
{
	(void)state;
	refused("a\n# BEGIN egressc\nb\n# BEGIN egressc\nc\n# END egressc\n# END egressc\n",
		"'# BEGIN egressc'", "line 4", "line 2", NULL);
	refused("# BEGIN egressc\r\n# BEGIN egressc\n# END egressc\n", "line 2", "line 1", NULL);
}

/* The fragment must be one whole block, so what apply writes is a file
 * the next apply can read. */
static void test_bad_fragment(void **state)
{
	static const char *const fragments[] = {
		"",
		"203.0.113.34 registry.example\n",
		"# BEGIN egressc\n203.0.113.34 registry.example\n",
		"# BEGIN egressc\n# END egressc",
		"# BEGIN egressc\n# END egressc\n# BEGIN egressc\n# END egressc\n",
		"# BEGIN egressc\n# BEGIN egressc\n# END egressc\n",
		"x\n# BEGIN egressc\n# END egressc\n",
		"# BEGIN egressc\n# END egressc\nx\n",
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(fragments); i++) {
		char *out = splice("127.0.0.1 localhost\n", fragments[i]);
		if (out)
			fail_msg("fragment %zu accepted:\n%s", i, out);
		assert_non_null(strstr(why, "not one '# BEGIN egressc'"));
	}
	splices_to("", "# BEGIN egressc\n# END egressc\n", "# BEGIN egressc\n# END egressc\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_append),
		cmocka_unit_test(test_replace_in_the_middle),
		cmocka_unit_test(test_idempotent),
		cmocka_unit_test(test_not_markers),
		cmocka_unit_test(test_nul_bytes_kept),
		cmocka_unit_test(test_every_block_goes),
		cmocka_unit_test(test_crlf_markers),
		cmocka_unit_test(test_final_end_without_newline),
		cmocka_unit_test(test_no_final_newline),
		cmocka_unit_test(test_apply_then_remove_is_identity),
		cmocka_unit_test(test_begin_without_end),
		cmocka_unit_test(test_end_without_begin),
		cmocka_unit_test(test_nested),
		cmocka_unit_test(test_bad_fragment),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
