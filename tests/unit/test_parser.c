/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for the scanner and parser (grammar/), seen through
 * load_policy_buffer() + check_policy() and compilation_run_buffer(): the
 * statements they build, how lines join and split, and the diagnostics
 * they queue - where, what, and how diags_print() shows them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/arena.h"
#include "compiler/ast.h"
#include "compiler/check.h"
#include "compiler/diag.h"
#include "compiler/driver.h"
#include "compiler/load.h"

/* ---- helpers ---------------------------------------------------------- */

/* One parse: the arena, diagnostics and policy of a load + check. */
struct parsed {
	struct arena arena;
	struct diags diags;
	struct policy policy;
	int load_rc, check_rc;
};

/* Loads TEXT (LEN bytes) as "t.eg" and, if that worked, checks it. */
static void parse_len(struct parsed *ps, const char *text, size_t len)
{
	memset(ps, 0, sizeof(*ps));
	arena_init(&ps->arena);
	diags_init(&ps->diags, &ps->arena);
	ps->load_rc = load_policy_buffer(&ps->arena, &ps->diags, "t.eg", text, len, NULL,
					  &ps->policy);
	ps->check_rc = ps->load_rc == 0 ?
		       check_policy(&ps->arena, &ps->diags, &ps->policy) : -1;
}

static void parse(struct parsed *ps, const char *text)
{
	parse_len(ps, text, strlen(text));
}

/* Parses TEXT, which must load and check without a single diagnostic. */
static void parse_ok(struct parsed *ps, const char *text)
{
	parse(ps, text);
	if (ps->diags.head)
		fail_msg("unexpected diagnostic %d:%d: %s", ps->diags.head->loc.first_line,
			 ps->diags.head->loc.first_column, ps->diags.head->msg);
	assert_int_equal(ps->load_rc, 0);
	assert_int_equal(ps->check_rc, 0);
	assert_int_equal(ps->diags.errors, 0);
}

static void parsed_release(struct parsed *ps)
{
	arena_release(&ps->arena);
}

static size_t count_stmts(const struct policy *p)
{
	size_t n = 0;

	for (const struct stmt *s = p->stmts; s; s = s->next)
		n++;
	return n;
}

static const struct stmt *nth_stmt(const struct policy *p, size_t i)
{
	const struct stmt *s = p->stmts;

	while (s && i--)
		s = s->next;
	assert_non_null(s);
	return s;
}

static const struct target *nth_target(const struct target *t, size_t i)
{
	while (t && i--)
		t = t->next;
	assert_non_null(t);
	return t;
}

static size_t count_targets(const struct target *t)
{
	size_t n = 0;

	for (; t; t = t->next)
		n++;
	return n;
}

static void expect_loc(const struct loc *l, int line, int col, int last_col)
{
	if (l->first_line != line || l->first_column != col || l->last_line != line ||
	    l->last_column != last_col)
		fail_msg("location %d:%d-%d:%d, want %d:%d-%d:%d", l->first_line,
			 l->first_column, l->last_line, l->last_column, line, col, line, last_col);
}

/* The Nth diagnostic is an error at LINE:COL (any column when COL is 0)
 * whose message contains MSG. */
static void expect_diag(const struct diags *d, size_t n, int line, int col, const char *msg)
{
	const struct diag *dg = d->head;

	for (size_t i = 0; dg && i < n; i++)
		dg = dg->next;
	if (!dg)
		fail_msg("no diagnostic #%zu (want %d:%d %s)", n, line, col, msg);
	assert_int_equal(dg->kind, DIAG_ERROR);
	assert_true(dg->has_loc);
	if (dg->loc.first_line != line || (col && dg->loc.first_column != col) ||
	    !strstr(dg->msg, msg))
		fail_msg("diagnostic #%zu is %d:%d '%s', want %d:%d '%s'", n,
			 dg->loc.first_line, dg->loc.first_column, dg->msg, line, col, msg);
}

static size_t count_diags(const struct diags *d)
{
	size_t n = 0;

	for (const struct diag *dg = d->head; dg; dg = dg->next)
		n++;
	return n;
}

/* Parses TEXT and expects exactly one error, at LINE:COL, saying MSG. */
static void expect_one_error(const char *text, int line, int col, const char *msg)
{
	struct parsed ps;

	parse(&ps, text);
	if (ps.diags.errors != 1 || count_diags(&ps.diags) != 1)
		fail_msg("'%s': %u errors, want 1", text, ps.diags.errors);
	expect_diag(&ps.diags, 0, line, col, msg);
	assert_true(ps.load_rc < 0 || ps.check_rc < 0);
	parsed_release(&ps);
}

/* diags_print() of the diagnostics of TEXT, as a malloc'd string. */
static char *printed(const char *text, size_t len)
{
	struct parsed ps;
	char *out = NULL;
	size_t n = 0;
	FILE *fp = open_memstream(&out, &n);

	assert_non_null(fp);
	parse_len(&ps, text, len);
	diags_print(&ps.diags, fp);
	fclose(fp);
	parsed_release(&ps);
	return out;
}

/* ---- statements and their fields ---------------------------------------- */

/* Every statement kind comes out with its fields as written, its locations,
 * and (after check_policy) the resolved values. */
static void test_statement_kinds(void **state)
{
	struct parsed ps;
	const struct stmt *s;
	const struct target *t;
	const struct port_item *p;

	(void)state;
	parse_ok(&ps,
		 "default allow\n"
		 "on-deny drop\n"
		 "define web = { 192.0.2.1, CDN.Example., $other }\n"
		 "define other = 10.0.0.0/8\n"
		 "allow $web port 80, 443, 8000-8100 proto tcp, udp\n"
		 "deny 198.51.100.0/24, 2001:db8::/32\n");
	assert_int_equal(count_stmts(&ps.policy), 6);
	assert_int_equal(ps.policy.default_verdict, VERDICT_ALLOW);
	assert_int_equal(ps.policy.on_deny, DENY_DROP);
	assert_int_equal(ps.policy.nrules, 2);
	assert_non_null(ps.policy.root);
	assert_string_equal(ps.policy.root->path, "t.eg");

	s = nth_stmt(&ps.policy, 0);
	assert_int_equal(s->kind, STMT_DEFAULT);
	assert_string_equal(s->setting.word, "allow");
	assert_int_equal(s->setting.value, VERDICT_ALLOW);
	expect_loc(&s->loc, 1, 1, 7);
	expect_loc(&s->setting.word_loc, 1, 9, 13);

	s = nth_stmt(&ps.policy, 1);
	assert_int_equal(s->kind, STMT_ON_DENY);
	assert_string_equal(s->setting.word, "drop");
	assert_int_equal(s->setting.value, DENY_DROP);
	expect_loc(&s->loc, 2, 1, 7);
	expect_loc(&s->setting.word_loc, 2, 9, 12);

	s = nth_stmt(&ps.policy, 2);
	assert_int_equal(s->kind, STMT_DEFINE);
	assert_string_equal(s->define.name, "web");
	expect_loc(&s->define.name_loc, 3, 8, 10);
	assert_int_equal(count_targets(s->define.targets), 3);
	t = nth_target(s->define.targets, 0);
	assert_int_equal(t->kind, TARGET_ADDRESS);
	assert_string_equal(t->text, "192.0.2.1");
	assert_true(t->prefix.addr == 0xc0000201u);
	assert_int_equal(t->prefix.len, 32);
	expect_loc(&t->loc, 3, 16, 24);
	t = nth_target(s->define.targets, 1);
	assert_int_equal(t->kind, TARGET_HOST);
	assert_string_equal(t->text, "cdn.example");	/* lower case, no final dot */
	expect_loc(&t->loc, 3, 27, 38);
	t = nth_target(s->define.targets, 2);
	assert_int_equal(t->kind, TARGET_VARIABLE);
	assert_string_equal(t->text, "other");
	assert_ptr_equal(t->define, nth_stmt(&ps.policy, 3));
	expect_loc(&t->loc, 3, 41, 46);

	s = nth_stmt(&ps.policy, 3);
	assert_int_equal(s->kind, STMT_DEFINE);
	assert_string_equal(s->define.name, "other");
	assert_int_equal(count_targets(s->define.targets), 1);
	assert_int_equal(s->define.targets->prefix.len, 8);

	s = nth_stmt(&ps.policy, 4);
	assert_int_equal(s->kind, STMT_RULE);
	assert_int_equal(s->rule.verdict, VERDICT_ALLOW);
	assert_int_equal(s->rule.index, 0);
	expect_loc(&s->loc, 5, 1, 5);
	assert_int_equal(count_targets(s->rule.targets), 1);
	assert_int_equal(s->rule.targets->kind, TARGET_VARIABLE);
	assert_ptr_equal(s->rule.targets->define, nth_stmt(&ps.policy, 2));
	p = s->rule.opts.ports;
	assert_non_null(p);
	assert_int_equal(p->lo, 80);
	assert_int_equal(p->hi, 80);
	expect_loc(&p->loc, 5, 17, 18);
	p = p->next;
	assert_non_null(p);
	assert_int_equal(p->lo, 443);
	assert_int_equal(p->hi, 443);
	p = p->next;
	assert_non_null(p);
	assert_int_equal(p->lo, 8000);
	assert_int_equal(p->hi, 8100);
	expect_loc(&p->loc, 5, 26, 34);
	assert_null(p->next);
	expect_loc(&s->rule.opts.port_loc, 5, 12, 15);
	expect_loc(&s->rule.opts.proto_loc, 5, 36, 40);
	assert_non_null(s->rule.opts.protos);
	assert_string_equal(s->rule.opts.protos->name, "tcp");
	assert_int_equal(s->rule.opts.protos->bit, PROTO_TCP);
	assert_non_null(s->rule.opts.protos->next);
	assert_string_equal(s->rule.opts.protos->next->name, "udp");
	assert_int_equal(s->rule.opts.protos->next->bit, PROTO_UDP);
	assert_null(s->rule.opts.protos->next->next);

	s = nth_stmt(&ps.policy, 5);
	assert_int_equal(s->kind, STMT_RULE);
	assert_int_equal(s->rule.verdict, VERDICT_DENY);
	assert_int_equal(s->rule.index, 1);
	assert_null(s->rule.opts.ports);
	assert_null(s->rule.opts.protos);
	assert_int_equal(count_targets(s->rule.targets), 2);
	t = nth_target(s->rule.targets, 1);
	assert_int_equal(t->prefix.family, FAMILY_V6);
	assert_int_equal(t->prefix.len, 32);
	assert_null(s->next);
	parsed_release(&ps);
}

/* Without settings the policy denies and rejects; clauses come in either
 * order; "default deny" and "on-deny reject" are read as such. */
static void test_defaults_and_clause_order(void **state)
{
	struct parsed ps;
	const struct stmt *s;

	(void)state;
	parse_ok(&ps, "");
	assert_null(ps.policy.stmts);
	assert_int_equal(ps.policy.default_verdict, VERDICT_DENY);
	assert_int_equal(ps.policy.on_deny, DENY_REJECT);
	assert_int_equal(ps.policy.nrules, 0);
	parsed_release(&ps);

	parse_ok(&ps, "on-deny reject\ndefault deny\nallow 192.0.2.1 proto udp port 53\n");
	assert_int_equal(ps.policy.default_verdict, VERDICT_DENY);
	assert_int_equal(ps.policy.on_deny, DENY_REJECT);
	s = nth_stmt(&ps.policy, 2);
	assert_non_null(s->rule.opts.ports);
	assert_int_equal(s->rule.opts.ports->lo, 53);
	assert_non_null(s->rule.opts.protos);
	assert_int_equal(s->rule.opts.protos->bit, PROTO_UDP);
	parsed_release(&ps);
}

/* "port 53/tcp, 53/udp" is "port 53 proto tcp, udp": the parser moves a
 * port's protocol into the proto clause, keeping the ports of the first
 * protocol, and leaves no protocol on a port. */
static void test_port_protocols(void **state)
{
	struct parsed ps;
	const struct stmt *s;

	(void)state;
	parse_ok(&ps, "allow 192.0.2.1 port 53/tcp, 80, 53/udp, 80/udp\n");
	s = nth_stmt(&ps.policy, 0);
	assert_int_equal(s->rule.opts.ports->lo, 53);
	assert_int_equal(s->rule.opts.ports->next->lo, 80);
	assert_null(s->rule.opts.ports->next->next);
	assert_null(s->rule.opts.ports->proto);
	assert_int_equal(s->rule.opts.protos->bit, PROTO_TCP);
	assert_int_equal(s->rule.opts.protos->next->bit, PROTO_UDP);
	assert_null(s->rule.opts.protos->next->next);
	expect_loc(&s->rule.opts.protos->next->loc, 1, 37, 39);
	parsed_release(&ps);

	parse(&ps, "allow 192.0.2.1 port 80/tcp, 53/udp\nallow 192.0.2.2 port 1/tcp proto tcp\n"
		   "allow 192.0.2.3 ports 1\n");
	assert_int_equal(ps.diags.errors, 3);
	expect_diag(&ps.diags, 0, 1, 17, "ports with different protocols need a rule each");
	expect_diag(&ps.diags, 1, 2, 24, "the protocol is given twice");
	/* The error does not hide the next line's. */
	expect_diag(&ps.diags, 2, 3, 17, "unknown clause 'ports'; did you mean 'port'?");
	parsed_release(&ps);
}

/* An include is kept as a statement, naming the path as written, and the
 * included file's statements follow it in place. */
static void test_include(void **state)
{
	char path[] = "/tmp/egressc-test-include-XXXXXX";
	int fd = mkstemp(path);
	const char body[] = "deny 198.51.100.7\nallow 192.0.2.0/24 port 443\n";
	struct parsed ps;
	char *text;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, body, sizeof(body) - 1), (ssize_t)(sizeof(body) - 1));
	close(fd);
	assert_true(asprintf(&text, "allow 192.0.2.1\ninclude \"%s\"\ndeny 203.0.113.1\n",
			     path) > 0);
	parse_ok(&ps, text);
	assert_int_equal(count_stmts(&ps.policy), 5);
	const struct stmt *inc = nth_stmt(&ps.policy, 1);
	assert_int_equal(inc->kind, STMT_INCLUDE);
	assert_string_equal(inc->include.path, path);
	expect_loc(&inc->include.path_loc, 2, 9, 9 + (int)strlen(path) + 1);
	const struct stmt *s = nth_stmt(&ps.policy, 2);
	assert_int_equal(s->kind, STMT_RULE);
	assert_int_equal(s->rule.verdict, VERDICT_DENY);
	assert_string_equal(s->loc.src->path, path);
	assert_ptr_equal(s->loc.src->included_from, &inc->include.path_loc);
	expect_loc(&s->loc, 1, 1, 4);
	s = nth_stmt(&ps.policy, 3);
	assert_int_equal(s->rule.opts.ports->lo, 443);
	s = nth_stmt(&ps.policy, 4);
	assert_string_equal(s->loc.src->path, "t.eg");
	expect_loc(&s->loc, 3, 1, 4);
	/* Rule indexes follow the spliced order. */
	assert_int_equal(nth_stmt(&ps.policy, 0)->rule.index, 0);
	assert_int_equal(nth_stmt(&ps.policy, 2)->rule.index, 1);
	assert_int_equal(nth_stmt(&ps.policy, 3)->rule.index, 2);
	assert_int_equal(nth_stmt(&ps.policy, 4)->rule.index, 3);
	parsed_release(&ps);
	free(text);

	/* A missing include is an error at its path. */
	expect_one_error("include \"/nonexistent/egressc/x.eg\"\n", 1, 9, "cannot open");
	expect_one_error("include \"\"\n", 1, 9, "empty include path");
	unlink(path);
}

/* A file included several times is read once, and each inclusion gets
 * statements of its own - checking fills in their nodes - each located in
 * the file and brought in by its own include. */
static void test_include_repeated(void **state)
{
	char path[] = "/tmp/egressc-test-include-XXXXXX";
	int fd = mkstemp(path);
	const char body[] = "allow 192.0.2.0/24 port 443\n";
	struct parsed ps;
	char *text;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, body, sizeof(body) - 1), (ssize_t)(sizeof(body) - 1));
	close(fd);
	assert_true(asprintf(&text, "include \"%s\"\ninclude \"%s\"\n  include \"%s\"\n", path,
			     path, path) > 0);
	parse(&ps, text);
	assert_int_equal(ps.load_rc, 0);
	assert_int_equal(count_stmts(&ps.policy), 6);
	for (int i = 0; i < 3; i++) {
		const struct stmt *inc = nth_stmt(&ps.policy, 2 * i);
		const struct stmt *s = nth_stmt(&ps.policy, 2 * i + 1);
		assert_int_equal(inc->kind, STMT_INCLUDE);
		assert_int_equal(s->kind, STMT_RULE);
		assert_int_equal(s->rule.index, (unsigned)i);
		assert_string_equal(s->loc.src->path, path);
		assert_ptr_equal(s->loc.src->included_from, &inc->include.path_loc);
		expect_loc(&s->loc, 1, 1, 5);
	}
	assert_ptr_not_equal(nth_stmt(&ps.policy, 1)->rule.targets, nth_stmt(&ps.policy, 3)->rule.targets);
	assert_ptr_not_equal(nth_stmt(&ps.policy, 3)->rule.targets, nth_stmt(&ps.policy, 5)->rule.targets);
	parsed_release(&ps);
	free(text);
	unlink(path);
}

/* ---- line structure ----------------------------------------------------- */

/* A newline or ';' ends a statement; after ',', '{' or '=' and inside
 * braces a newline continues it; empty statements are nothing. */
static void test_joining(void **state)
{
	struct parsed ps;
	const struct stmt *s;

	(void)state;
	parse_ok(&ps, "allow 192.0.2.1; deny 192.0.2.2 ;allow 192.0.2.3");
	assert_int_equal(count_stmts(&ps.policy), 3);
	assert_int_equal(nth_stmt(&ps.policy, 1)->rule.verdict, VERDICT_DENY);
	expect_loc(&nth_stmt(&ps.policy, 2)->loc, 1, 34, 38);
	parsed_release(&ps);

	parse_ok(&ps, ";;\n;\nallow 192.0.2.1;;;\n\n;deny 192.0.2.2;\n");
	assert_int_equal(count_stmts(&ps.policy), 2);
	parsed_release(&ps);

	/* After a comma, in targets and in ports and protos. */
	parse_ok(&ps, "allow 192.0.2.1,\n\n   192.0.2.2,\n\t192.0.2.3 port 80,\n 443 proto tcp,\n udp\n"
		      "deny 192.0.2.4\n");
	assert_int_equal(count_stmts(&ps.policy), 2);
	s = nth_stmt(&ps.policy, 0);
	assert_int_equal(count_targets(s->rule.targets), 3);
	expect_loc(&nth_target(s->rule.targets, 2)->loc, 4, 2, 10);
	assert_int_equal(s->rule.opts.ports->next->lo, 443);
	assert_int_equal(s->rule.opts.protos->next->bit, PROTO_UDP);
	expect_loc(&nth_stmt(&ps.policy, 1)->loc, 7, 1, 4);
	parsed_release(&ps);

	/* Inside braces, and after '=' and '{'. */
	parse_ok(&ps, "define a =\n  192.0.2.1\n"
		      "define b = {\n  192.0.2.2\n\n  , 192.0.2.3,\n}\n"
		      "define c = { 192.0.2.4, 192.0.2.5 }\n"
		      "allow $a, $b, $c\n");
	assert_int_equal(count_stmts(&ps.policy), 4);
	assert_int_equal(count_targets(nth_stmt(&ps.policy, 0)->define.targets), 1);
	assert_int_equal(count_targets(nth_stmt(&ps.policy, 1)->define.targets), 2);
	assert_int_equal(count_targets(nth_stmt(&ps.policy, 2)->define.targets), 2);
	assert_int_equal(count_targets(nth_stmt(&ps.policy, 3)->rule.targets), 3);
	parsed_release(&ps);

	/* Without a comma the newline ends the statement: the next line is a
	 * statement of its own, and an address cannot start one. */
	expect_one_error("allow 192.0.2.1\n 192.0.2.2\n", 2, 2, "unexpected address");
}

/* Comments run to the end of the line, anywhere, and do not undo a join. */
static void test_comments(void **state)
{
	struct parsed ps;

	(void)state;
	parse_ok(&ps, "# header\n"
		      "   # indented\n"
		      "allow 192.0.2.1 # after a statement; deny 192.0.2.2\n"
		      "allow 192.0.2.3, # after a comma\n"
		      "  192.0.2.4\n"
		      "define d = { # in braces\n 192.0.2.5 # here too\n}\n"
		      "#");
	assert_int_equal(count_stmts(&ps.policy), 3);
	assert_int_equal(nth_stmt(&ps.policy, 0)->rule.verdict, VERDICT_ALLOW);
	assert_int_equal(count_targets(nth_stmt(&ps.policy, 1)->rule.targets), 2);
	assert_int_equal(count_targets(nth_stmt(&ps.policy, 2)->define.targets), 1);
	parsed_release(&ps);
}

/* CRLF line ends read as LF ones: same statements, same columns. */
static void test_crlf(void **state)
{
	struct parsed lf, crlf;

	(void)state;
	parse_ok(&lf, "default allow\n# c\ndefine d = {\n 192.0.2.1,\n 192.0.2.2\n}\n"
		      "deny $d, 198.51.100.0/24 port 80,\n 443\nallow 192.0.2.9\n");
	parse_ok(&crlf, "default allow\r\n# c\r\ndefine d = {\r\n 192.0.2.1,\r\n 192.0.2.2\r\n}\r\n"
			"deny $d, 198.51.100.0/24 port 80,\r\n 443\r\nallow 192.0.2.9\r\n");
	assert_int_equal(count_stmts(&crlf.policy), 4);
	assert_int_equal(count_stmts(&lf.policy), 4);
	for (size_t i = 0; i < 4; i++) {
		const struct stmt *a = nth_stmt(&lf.policy, i), *b = nth_stmt(&crlf.policy, i);
		assert_int_equal(a->kind, b->kind);
		assert_int_equal(a->loc.first_line, b->loc.first_line);
		assert_int_equal(a->loc.first_column, b->loc.first_column);
	}
	assert_int_equal(crlf.policy.default_verdict, VERDICT_ALLOW);
	const struct stmt *s = nth_stmt(&crlf.policy, 2);
	assert_int_equal(s->rule.opts.ports->next->lo, 443);
	expect_loc(&s->rule.opts.ports->next->loc, 8, 2, 4);
	parsed_release(&lf);
	parsed_release(&crlf);

	/* A CR elsewhere is not a line end. */
	expect_one_error("allow 192.0.2.1\r deny 192.0.2.2\n", 1, 16, "unexpected byte 0x0d");
}

/* The last statement needs no newline, nor does a final comment. */
static void test_last_line(void **state)
{
	struct parsed ps;
	const struct stmt *s;

	(void)state;
	parse_ok(&ps, "deny 192.0.2.2\nallow 192.0.2.1 port 80");
	assert_int_equal(count_stmts(&ps.policy), 2);
	s = nth_stmt(&ps.policy, 1);
	assert_non_null(s->rule.opts.ports);
	assert_int_equal(s->rule.opts.ports->lo, 80);
	parsed_release(&ps);

	parse_ok(&ps, "allow 192.0.2.1 # done");
	assert_int_equal(count_stmts(&ps.policy), 1);
	parsed_release(&ps);

	parse_ok(&ps, "default allow");
	assert_int_equal(ps.policy.default_verdict, VERDICT_ALLOW);
	parsed_release(&ps);

	parse_ok(&ps, "define d = { 192.0.2.1 }");
	assert_int_equal(count_stmts(&ps.policy), 1);
	parsed_release(&ps);

	parse_ok(&ps, " \t \n\n");
	assert_null(ps.policy.stmts);
	parsed_release(&ps);

	/* A statement cut short at the end of the input is one error. (Its
	 * column is not checked: at the end of the input the error points at
	 * the last token, not past it - see the report.) */
	expect_one_error("allow 192.0.2.1 port", 1, 0, "unexpected end of line");
	expect_one_error("allow 192.0.2.1 port\n", 1, 21, "unexpected end of line");
}

/* ---- errors ------------------------------------------------------------- */

/* Each kind of mistake is one error, at the token it is about. */
static void test_error_locations(void **state)
{
	(void)state;
	expect_one_error("alow 192.0.2.1\n", 1, 1,
			 "unknown statement 'alow' (expected allow, deny, use, define, include, default, on-deny, essentials, mode, log, resolver or dynamic)");
	expect_one_error("allow 192.0.2.1\n  deny 192.0.2.1 port\n", 2, 22, "unexpected end of line");
	expect_one_error("allow 192.0.2.1\nallow 192.0.2.2 port x\n", 2, 22, "expecting number");
	expect_one_error("allow 192.0.2.1 }\n", 1, 17, "unexpected '}'");
	expect_one_error("allow 192.0.2.1 @\n", 1, 17, "unexpected character '@'");
	expect_one_error("allow \x01\n", 1, 7, "unexpected byte 0x01");
	expect_one_error("allow 192.0.2.1 \x7f\n", 1, 17, "unexpected byte 0x7f");
	expect_one_error("allow $\n", 1, 7, "'$' must be followed by a define's name");
	expect_one_error("allow 192.0.2.1\ndeny 10.0.0.1/8\n", 2, 6,
			 "'10.0.0.1/8' has host bits set; did you mean 10.0.0.0/8?");
	expect_one_error("allow 192.0.2.1/33\n", 1, 7, "invalid prefix length");
	expect_one_error("allow 1.2.3\n", 1, 7, "invalid address '1.2.3'");
	expect_one_error("default alow\n", 1, 9, "unknown default policy 'alow' (expected deny or allow)");
	expect_one_error("on-deny block\n", 1, 9, "unknown on-deny action 'block' (expected reject or drop)");
	expect_one_error("allow 192.0.2.1 port 70000\n", 1, 22, "port 70000 is out of range (1-65535)");
	expect_one_error("allow 192.0.2.1 port 0\n", 1, 22, "port 0 is out of range");
	expect_one_error("allow 192.0.2.1 port 90-80\n", 1, 22, "port range 90-80 is reversed");
	expect_one_error("allow 192.0.2.1 proto icmp\n", 1, 23,
			 "unknown protocol 'icmp' (expected tcp or udp)");
	expect_one_error("allow 192.0.2.1 port 80 port 81\n", 1, 25, "duplicate 'port' clause");
	expect_one_error("define web = 192.0.2.1\nallow $webb\n", 2, 7,
			 "unknown define or dynamic set '$webb'; did you mean '$web'?");
	expect_one_error("define web = 192.0.2.1\nallow $mail\n", 2, 7, "unknown define or dynamic set '$mail'");
	expect_one_error("default allow\ndefault deny\n", 2, 1, "duplicate 'default' setting");
	expect_one_error("allow bad_-.example\n", 1, 7, "invalid hostname");
}

/* An unterminated string is reported where it starts, once; the next line
 * parses normally. */
static void test_unterminated_string(void **state)
{
	struct parsed ps;

	(void)state;
	parse(&ps, "include \"abc\nallow 192.0.2.1\ninclude \"x");
	assert_int_equal(ps.diags.errors, 2);
	expect_diag(&ps.diags, 0, 1, 9, "unterminated string");
	expect_loc(&ps.diags.head->loc, 1, 9, 12);
	expect_diag(&ps.diags, 1, 3, 9, "unterminated string");
	assert_int_equal(ps.load_rc, -1);
	assert_int_equal(count_stmts(&ps.policy), 1);
	assert_int_equal(ps.policy.stmts->kind, STMT_RULE);
	parsed_release(&ps);
}

/* An unterminated '{' is an error at the end of the input, pointing back
 * at the brace. */
static void test_unterminated_brace(void **state)
{
	struct parsed ps;
	const struct diag *dg;

	(void)state;
	parse(&ps, "allow 192.0.2.9\ndefine x = {\n  192.0.2.1,\n");
	assert_int_equal(ps.diags.errors, 1);
	expect_diag(&ps.diags, 0, 3, 13, "unexpected end of file");
	dg = ps.diags.head;
	assert_int_equal(dg->nrelated, 1);
	expect_loc(&dg->related[0].loc, 2, 12, 12);
	assert_string_equal(dg->related[0].note, "unterminated '{' opened here");
	parsed_release(&ps);

	/* A statement keyword inside the braces says what went wrong there. */
	parse(&ps, "define x = { 192.0.2.1\nallow $x\n");
	assert_int_equal(ps.diags.errors, 1);
	expect_diag(&ps.diags, 0, 2, 1, "unexpected 'allow', expecting ',' or '}'");
	assert_int_equal(ps.diags.head->nrelated, 1);
	expect_loc(&ps.diags.head->related[0].loc, 1, 12, 12);
	parsed_release(&ps);
}

/* After an error the parser resumes at the next line: several errors in one
 * run, in order, and the good statements between them are kept. */
static void test_error_recovery(void **state)
{
	struct parsed ps;

	(void)state;
	parse(&ps, "alow 192.0.2.1\n"
		   "allow 192.0.2.1\n"
		   "allow 192.0.2.2 @\n"
		   "deny 192.0.2.3 port\n"
		   "allow 192.0.2.4; allow port 80; deny 192.0.2.5\n"
		   "foo bar\n"
		   "deny 192.0.2.6 proto\n");
	assert_int_equal(ps.load_rc, -1);
	assert_int_equal(ps.diags.errors, 6);
	assert_int_equal(count_diags(&ps.diags), 6);
	expect_diag(&ps.diags, 0, 1, 1, "unknown statement 'alow'");
	expect_diag(&ps.diags, 1, 3, 17, "unexpected character '@'");
	expect_diag(&ps.diags, 2, 4, 20, "unexpected end of line");
	expect_diag(&ps.diags, 3, 5, 24, "unexpected 'port'");
	expect_diag(&ps.diags, 4, 6, 1, "unknown statement 'foo'");
	expect_diag(&ps.diags, 5, 7, 21, "unexpected end of line");
	/* The good statements survive: lines 2 and 5 (twice). */
	assert_int_equal(count_stmts(&ps.policy), 3);
	expect_loc(&nth_stmt(&ps.policy, 0)->loc, 2, 1, 5);
	expect_loc(&nth_stmt(&ps.policy, 1)->loc, 5, 1, 5);
	expect_loc(&nth_stmt(&ps.policy, 2)->loc, 5, 33, 36);
	parsed_release(&ps);
}

/* Past DIAG_MAX_ERRORS errors are counted, not stored. */
static void test_error_cap(void **state)
{
	struct parsed ps;
	char text[64 * 40] = "";

	(void)state;
	for (int i = 0; i < 30; i++)
		strcat(text, "allow 192.0.2.1 @\n");
	parse(&ps, text);
	assert_int_equal(ps.diags.errors, 30);
	assert_int_equal(ps.diags.dropped, 30 - DIAG_MAX_ERRORS);
	assert_int_equal(count_diags(&ps.diags), DIAG_MAX_ERRORS);
	expect_diag(&ps.diags, DIAG_MAX_ERRORS - 1, DIAG_MAX_ERRORS, 17, "unexpected character");
	parsed_release(&ps);
}

/* A NUL byte anywhere makes the source unreadable: one error per line that
 * has one, at the byte, and nothing of the file is parsed (a NUL must not
 * end the input early and let a half-read policy through). */
static void test_nul_byte(void **state)
{
	static const char text[] = "allow 192.0.2.1\0 port 80\n"
				   "allow 192.0.2.2 port 443\n"
				   "deny \0 \0 192.0.2.3\n";
	static const char tail[] = "allow 192.0.2.1\nallow 192.0.2.2\0";
	struct parsed ps;
	char *out;

	(void)state;
	parse_len(&ps, text, sizeof(text) - 1);
	assert_int_equal(ps.load_rc, -1);
	assert_int_equal(ps.diags.errors, 2);
	expect_diag(&ps.diags, 0, 1, 16, "NUL byte in text");
	expect_diag(&ps.diags, 1, 3, 6, "NUL byte in text");
	assert_null(ps.policy.stmts);
	parsed_release(&ps);

	parse_len(&ps, tail, sizeof(tail) - 1);
	assert_int_equal(ps.diags.errors, 1);
	expect_diag(&ps.diags, 0, 2, 16, "NUL byte in text");
	assert_null(ps.policy.stmts);
	parsed_release(&ps);

	/* The excerpt shows the NUL as '?', so the line stays one line. */
	out = printed(text, sizeof(text) - 1);
	assert_string_equal(out, "t.eg:1:16: error: NUL byte in text\n"
				 "allow 192.0.2.1? port 80\n"
				 "               ^\n"
				 "t.eg:3:6: error: NUL byte in text\n"
				 "deny ? ? 192.0.2.3\n"
				 "     ^\n");
	free(out);
}

/* Bytes that are not UTF-8 are refused the same way, once per line. */
static void test_invalid_utf8(void **state)
{
	struct parsed ps;

	(void)state;
	parse(&ps, "allow \x80\xff.example\n# caf\xc3\n# ok: caf\xc3\xa9\n");
	assert_int_equal(ps.load_rc, -1);
	assert_int_equal(ps.diags.errors, 2);
	expect_diag(&ps.diags, 0, 1, 7, "invalid UTF-8 (byte 0x80)");
	expect_diag(&ps.diags, 1, 2, 6, "invalid UTF-8 (byte 0xc3)");
	assert_null(ps.policy.stmts);
	parsed_release(&ps);

	/* Valid UTF-8 in a comment is fine. */
	parse_ok(&ps, "# caf\xc3\xa9 \xe2\x82\xac\nallow 192.0.2.1\n");
	assert_int_equal(count_stmts(&ps.policy), 1);
	parsed_release(&ps);
}

/* A 1 MB line of garbage neither crashes nor floods: one error, and the
 * printed excerpt is a short window around it. */
static void test_huge_line(void **state)
{
	const size_t size = 1024 * 1024;
	char *text = malloc(size + 1);
	uint32_t x = 12345;
	struct parsed ps;
	char *out;

	(void)state;
	assert_non_null(text);
	/* Random bytes, without newlines. */
	for (size_t i = 0; i < size; i++) {
		x = x * 1103515245u + 12345u;
		text[i] = (char)(x >> 16);
		if (text[i] == '\n')
			text[i] = 'x';
	}
	text[size] = '\0';
	parse_len(&ps, text, size);
	assert_int_equal(ps.load_rc, -1);
	assert_int_equal(ps.diags.errors, 1);
	expect_diag(&ps.diags, 0, 1, 0, "");
	assert_null(ps.policy.stmts);
	parsed_release(&ps);

	/* Printable garbage: refused for its length, at the first byte past
	 * the limit. */
	for (size_t i = 0; i < size; i++)
		text[i] = (char)('!' + i * 7919 % 94);
	parse_len(&ps, text, size);
	assert_int_equal(ps.diags.errors, 1);
	expect_diag(&ps.diags, 0, 1, SOURCE_MAX_LINE + 1, "line is longer than the limit");
	assert_null(ps.policy.stmts);
	parsed_release(&ps);

	out = printed(text, size);
	assert_true(strncmp(out, "t.eg:1:65537: error: line is longer", 35) == 0);
	for (char *line = out, *nl; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		assert_non_null(nl);
		assert_true(nl - line < 200);
	}
	free(out);

	/* A line of exactly the limit is read; one word that long makes one
	 * error, its quote cut short. */
	memset(text, 'a', SOURCE_MAX_LINE);
	text[SOURCE_MAX_LINE] = '\n';
	parse_len(&ps, text, SOURCE_MAX_LINE + 1);
	assert_int_equal(ps.diags.errors, 1);
	expect_diag(&ps.diags, 0, 1, 1, "unknown statement 'aaaa");
	assert_non_null(strstr(ps.diags.head->msg, "...'"));
	assert_true(strlen(ps.diags.head->msg) < 200);
	parsed_release(&ps);

	/* And an address that long. */
	memcpy(text, "allow ", 6);
	for (size_t i = 6; i < SOURCE_MAX_LINE; i++)
		text[i] = i % 2 ? '.' : '1';
	text[SOURCE_MAX_LINE - 1] = '1';
	parse_len(&ps, text, SOURCE_MAX_LINE + 1);
	assert_int_equal(ps.diags.errors, 1);
	expect_diag(&ps.diags, 0, 1, 7, "invalid address");
	assert_true(strlen(ps.diags.head->msg) < 200);
	parsed_release(&ps);
	free(text);
}

/* ---- diags_print -------------------------------------------------------- */

/* Each record is "file:line:col: error: msg", the source line, and a marker
 * line with '^' under the main location and '~' under related ones. */
static void test_print_format(void **state)
{
	char *out;
	const char *t;

	(void)state;
	t = "allow 192.0.2.1\nalow 192.0.2.1\n";
	out = printed(t, strlen(t));
	assert_string_equal(out,
		"t.eg:2:1: error: unknown statement 'alow' (expected allow, deny, use, define, include, default, on-deny, essentials, mode, log, resolver or dynamic)\n"
		"alow 192.0.2.1\n"
		"^^^^\n");
	free(out);

	/* Two records, in order; a related location on the same line shares
	 * the excerpt; CR is not shown. */
	t = "allow 192.0.2.1 port 80 port 81\r\ndeny 10.0.0.1 port 80-\r\n";
	out = printed(t, strlen(t));
	assert_string_equal(out,
		"t.eg:1:25: error: duplicate 'port' clause\n"
		"allow 192.0.2.1 port 80 port 81\n"
		"                ~~~~    ^^^^\n"
		"t.eg:2:23: error: syntax error, unexpected end of line, expecting number\n"
		"deny 10.0.0.1 port 80-\n"
		"                      ^\n");
	free(out);

	/* A related location on another line gets a note of its own. */
	t = "define x = {\n  192.0.2.1,\n";
	out = printed(t, strlen(t));
	assert_string_equal(out,
		"t.eg:2:13: error: syntax error, unexpected end of file, expecting a target (address, hostname, $name or file \"...\") or '}'\n"
		"  192.0.2.1,\n"
		"            ^\n"
		"t.eg:1:12: note: unterminated '{' opened here\n"
		"define x = {\n"
		"           ~\n");
	free(out);

	/* Tabs are kept in the marker line so the caret stays aligned. */
	t = "\tallow 192.0.2.1 @\n";
	out = printed(t, strlen(t));
	assert_string_equal(out,
		"t.eg:1:18: error: unexpected character '@'\n"
		"\tallow 192.0.2.1 @\n"
		"\t                ^\n");
	free(out);
}

/* Errors without a location, and the count of dropped errors. */
static void test_print_unlocated_and_dropped(void **state)
{
	struct arena a;
	struct diags d;
	char *out = NULL;
	size_t n = 0;
	FILE *fp;

	(void)state;
	arena_init(&a);
	diags_init(&d, &a);
	diag_error(&d, NULL, "bad option '%s'", "-x");
	for (int i = 0; i < DIAG_MAX_ERRORS + 2; i++)
		diag_error(&d, NULL, "e%d", i);
	assert_int_equal(d.errors, DIAG_MAX_ERRORS + 3);
	assert_int_equal(d.dropped, 3);
	fp = open_memstream(&out, &n);
	assert_non_null(fp);
	diags_print(&d, fp);
	fclose(fp);
	assert_true(strncmp(out, "egressc: error: bad option '-x'\negressc: error: e0\n", 50) == 0);
	assert_non_null(strstr(out, "egressc: error: e18\negressc: 3 more errors not shown\n"));
	assert_null(strstr(out, "e19"));
	free(out);
	arena_release(&a);
}

/* An error inside an included file names the include chain first. */
static void test_print_included(void **state)
{
	char path[] = "/tmp/egressc-test-inc-err-XXXXXX";
	int fd = mkstemp(path);
	char *text, *out, *want;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "\nalow 192.0.2.1\n", 16), 16);
	close(fd);
	assert_true(asprintf(&text, "allow 192.0.2.1\n  include \"%s\"\n", path) > 0);
	out = printed(text, strlen(text));
	assert_true(asprintf(&want,
			     "In file included from t.eg:2:11:\n"
			     "%s:2:1: error: unknown statement 'alow' (expected allow, deny, use, define, include, default, on-deny, essentials, mode, log, resolver or dynamic)\n"
			     "alow 192.0.2.1\n"
			     "^^^^\n", path) > 0);
	assert_string_equal(out, want);
	free(want);
	free(out);
	free(text);
	unlink(path);
}

/* The driver runs the same front end: a bad policy yields -1, no model,
 * and the parse errors; a good one a model. */
static void test_driver(void **state)
{
	struct compilation c;
	const struct compile_opts o = { .no_modules = true };
	const char *bad = "allow 192.0.2.1 @\nalow 192.0.2.1\n";
	const char *good = "allow 192.0.2.1\n";

	(void)state;
	compilation_init(&c);
	assert_int_equal(compilation_run_buffer(&c, "t.eg", bad, strlen(bad), &o), -1);
	assert_false(c.have_model);
	assert_int_equal(c.diags.errors, 2);
	expect_diag(&c.diags, 0, 1, 17, "unexpected character '@'");
	expect_diag(&c.diags, 1, 2, 1, "unknown statement 'alow'");
	compilation_release(&c);

	compilation_init(&c);
	assert_int_equal(compilation_run_buffer(&c, "t.eg", good, strlen(good), &o), 0);
	assert_true(c.have_model);
	assert_int_equal(c.diags.errors, 0);
	assert_int_equal(c.model.nclasses, 1);
	compilation_release(&c);

	/* Check errors stop the driver too, before resolution. */
	compilation_init(&c);
	good = "allow 192.0.2.1 port 0\nallow needs.hosts.example\n";
	assert_int_equal(compilation_run_buffer(&c, "t.eg", good, strlen(good), &o), -1);
	assert_int_equal(c.diags.errors, 1);
	expect_diag(&c.diags, 0, 1, 22, "port 0 is out of range");
	compilation_release(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_statement_kinds),
		cmocka_unit_test(test_defaults_and_clause_order),
		cmocka_unit_test(test_include),
		cmocka_unit_test(test_include_repeated),
		cmocka_unit_test(test_joining),
		cmocka_unit_test(test_comments),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_last_line),
		cmocka_unit_test(test_error_locations),
		cmocka_unit_test(test_unterminated_string),
		cmocka_unit_test(test_unterminated_brace),
		cmocka_unit_test(test_error_recovery),
		cmocka_unit_test(test_error_cap),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_huge_line),
		cmocka_unit_test(test_port_protocols),
		cmocka_unit_test(test_print_format),
		cmocka_unit_test(test_print_unlocated_and_dropped),
		cmocka_unit_test(test_print_included),
		cmocka_unit_test(test_driver),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
