/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for the JSON reader (compiler/json.c): the tree it builds -
 * types, decoded strings, numbers as written, members in document order -
 * and where its errors point. tests/import.sh sees the same reader
 * through 'egressc import'. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "compiler/diag.h"
#include "compiler/json.h"
#include "compiler/source.h"
#include "lib/arena.h"

struct parsed {
	struct arena arena;
	struct diags diags;
	struct json_value *doc;
};

static void parse_len(struct parsed *ps, const char *text, size_t len)
{
	arena_init(&ps->arena);
	diags_init(&ps->diags, &ps->arena);
	struct source *src = source_from_buffer(&ps->arena, "t.json", text, len);
	ps->doc = json_parse(&ps->arena, &ps->diags, src);
}

static void parse(struct parsed *ps, const char *text)
{
	parse_len(ps, text, strlen(text));
}

/* TEXT must fail with one error at LINE:COL whose message starts with MSG. */
static void parse_fails(const char *text, int line, int col, const char *msg)
{
	struct parsed ps;

	parse(&ps, text);
	assert_null(ps.doc);
	assert_int_equal(ps.diags.errors, 1);
	assert_non_null(ps.diags.head);
	assert_int_equal(ps.diags.head->loc.first_line, line);
	assert_int_equal(ps.diags.head->loc.first_column, col);
	if (strncmp(ps.diags.head->msg, msg, strlen(msg)) != 0)
		fail_msg("'%s' does not start with '%s'", ps.diags.head->msg, msg);
	arena_release(&ps.arena);
}

static void test_tree(void **state)
{
	struct parsed ps;
	(void)state;

	parse(&ps, "{\"b\": [1, -2.5e+3, true, false, null], \"a\": {\"x\": \"y\"}, \"e\": []}");
	assert_non_null(ps.doc);
	assert_int_equal(ps.doc->type, JSON_OBJECT);
	assert_int_equal(ps.doc->n, 3);
	/* Document order, not sorted. */
	assert_string_equal(ps.doc->members[0].key, "b");
	assert_string_equal(ps.doc->members[1].key, "a");
	const struct json_value *b = json_get(ps.doc, "b");
	assert_int_equal(b->type, JSON_ARRAY);
	assert_int_equal(b->n, 5);
	assert_int_equal(b->items[0]->type, JSON_NUMBER);
	assert_string_equal(b->items[1]->text, "-2.5e+3");
	assert_int_equal(b->items[2]->type, JSON_TRUE);
	assert_int_equal(b->items[3]->type, JSON_FALSE);
	assert_int_equal(b->items[4]->type, JSON_NULL);
	assert_string_equal(json_get(json_get(ps.doc, "a"), "x")->text, "y");
	assert_int_equal(json_get(ps.doc, "e")->n, 0);
	assert_null(json_get(ps.doc, "z"));
	assert_null(json_get(b, "b"));	/* not an object */
	arena_release(&ps.arena);
}

static void test_strings(void **state)
{
	struct parsed ps;
	(void)state;

	/* Escapes, a surrogate pair (U+1F600), two-byte UTF-8 as written. */
	parse(&ps, "\"a\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\xc3\xa9\"");
	assert_non_null(ps.doc);
	assert_string_equal(ps.doc->text, "a\"\\/\b\f\n\r\t\xc3\xa9\xf0\x9f\x98\x80\xc3\xa9");
	assert_int_equal(ps.doc->len, strlen(ps.doc->text));
	arena_release(&ps.arena);
}

static void test_whitespace_and_bom(void **state)
{
	struct parsed ps;
	(void)state;

	parse(&ps, "\xef\xbb\xbf \r\n\t[ ]\r\n");
	assert_non_null(ps.doc);
	assert_int_equal(ps.doc->type, JSON_ARRAY);
	arena_release(&ps.arena);
}

static void test_errors(void **state)
{
	(void)state;
	parse_fails("", 1, 1, "expected a value, found the end");
	parse_fails("[1,]", 1, 4, "expected a value");
	parse_fails("{\"a\" 1}", 1, 6, "expected ':'");
	parse_fails("{\"a\": 1,\n \"a\": 2}", 2, 2, "duplicate key 'a'");
	parse_fails("[01]", 1, 2, "a number with a leading zero");
	parse_fails("[1.]", 1, 4, "expected a digit after '.'");
	parse_fails("[1e]", 1, 4, "expected a digit in the exponent");
	parse_fails("[-]", 1, 3, "expected a digit");
	parse_fails("\"\\ud800\"", 1, 2, "a high surrogate");
	parse_fails("\"\\udc00\"", 1, 2, "a lone low surrogate");
	parse_fails("\"\\u12\"", 1, 2, "'\\u' takes four hex digits");
	parse_fails("\"\\u0000\"", 1, 2, "a NUL character");
	parse_fails("\"a\tb\"", 1, 3, "a control character (0x09)");
	parse_fails("\"\xc3\"", 1, 2, "invalid UTF-8");
	parse_fails("\"\xed\xa0\x80\"", 1, 2, "invalid UTF-8");	/* a surrogate in UTF-8 */
	parse_fails("\"abc", 1, 1, "unterminated string");
	parse_fails("[true] [", 1, 8, "expected the end of the file");
	parse_fails("[tru]", 1, 2, "expected a value");
	parse_fails("{'a': 1}", 1, 2, "expected a key");
}

static void test_nul_byte(void **state)
{
	struct parsed ps;
	(void)state;

	/* A NUL byte in the text is a control character, not an end. */
	parse_len(&ps, "[\"a\0b\"]", 7);
	assert_null(ps.doc);
	assert_int_equal(ps.diags.head->loc.first_column, 4);
	arena_release(&ps.arena);
}

static void test_depth(void **state)
{
	char deep[2 * JSON_MAX_DEPTH + 8];
	struct parsed ps;
	size_t n = 0;
	(void)state;

	/* JSON_MAX_DEPTH + 1 arrays inside each other: the limit, met. */
	for (int i = 0; i <= JSON_MAX_DEPTH; i++)
		deep[n++] = '[';
	for (int i = 0; i <= JSON_MAX_DEPTH; i++)
		deep[n++] = ']';
	parse_len(&ps, deep, n);
	assert_non_null(ps.doc);
	arena_release(&ps.arena);
	/* One more: refused. */
	memmove(deep + 1, deep, n);
	deep[0] = '[';
	deep[n + 1] = ']';
	parse_len(&ps, deep, n + 2);
	assert_null(ps.doc);
	assert_non_null(strstr(ps.diags.head->msg, "nest deeper than"));
	arena_release(&ps.arena);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tree),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_whitespace_and_bom),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_depth),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
