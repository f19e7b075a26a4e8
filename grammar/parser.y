/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The policy grammar. Each statement becomes one struct stmt appended to
 * the parse state's list; nothing is checked or resolved here, but one
 * spelling is made canonical: 'port 53/udp' becomes 'port 53 proto udp'
 * (port_protocols()), so later stages and fmt know one form.
 *
 * api.pure full, locations: reentrant, with a struct loc on every symbol;
 * api.location.type: our own struct loc, which also names the source;
 * parse.error custom: "unexpected X, expecting Y" from the tables, with hints;
 * parse.lac full: expected-token lists exact even after default reductions.
 * Every semantic value is allocated from the compilation's arena and freed
 * with it, so no %destructor is needed when error recovery discards one. */
%define api.pure full
%define api.location.type {struct loc}
%define parse.error custom
%define parse.lac full
%locations
%param {void *scanner}
%parse-param {struct parse_state *ps}

%code requires {
#include <stdint.h>

#include "compiler/ast.h"

struct parse_state;

struct target_list {
	struct target *head, *tail;
};
struct port_list {
	struct port_item *head, *tail;
};
struct proto_list {
	struct proto_item *head, *tail;
};
struct log_list {
	struct log_item *head, *tail;
};
struct owner_list {
	struct owner_item *head, *tail;
};

#define YYLLOC_DEFAULT(cur, rhs, n)						\
	do {									\
		if (n) {							\
			(cur).src = YYRHSLOC(rhs, 1).src;			\
			(cur).first_line = YYRHSLOC(rhs, 1).first_line;		\
			(cur).first_column = YYRHSLOC(rhs, 1).first_column;	\
			(cur).last_line = YYRHSLOC(rhs, n).last_line;		\
			(cur).last_column = YYRHSLOC(rhs, n).last_column;	\
		} else {							\
			(cur) = YYRHSLOC(rhs, 0);				\
			(cur).first_line = (cur).last_line;			\
			(cur).first_column = (cur).last_column;			\
		}								\
	} while (0)
}

%code {
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "grammar/grammar.h"
#include "lib/suggest.h"
#include "grammar/scanner.h"
#include "lib/xalloc.h"

/* The stacks grow on the heap past their first 200 entries: running out
 * of memory there aborts like everywhere else, and only YYMAXDEPTH (a
 * nesting no person writes) is reported as "memory exhausted". */
#define YYMALLOC xmalloc
#define YYFREE free

static void yyerror(struct loc *loc, void *scanner, struct parse_state *ps, const char *msg)
{
	(void)scanner;
	diag_error(ps->diags, loc, "%s", msg);
}

static void *node(struct parse_state *ps, size_t size)
{
	return arena_alloc(ps->arena, size);
}

static struct stmt *stmt_new(struct parse_state *ps, enum stmt_kind kind, const struct loc *loc)
{
	struct stmt *s = node(ps, sizeof(*s));

	s->kind = kind;
	s->loc = *loc;
	if (!ps->unspanned)
		ps->unspanned = s;
	*ps->tail = s;
	ps->tail = &s->next;
	return s;
}

static struct target *target_new(struct parse_state *ps, enum target_kind kind,
				 const char *text, const struct loc *loc)
{
	struct target *t = node(ps, sizeof(*t));

	t->kind = kind;
	t->text = text;
	t->loc = *loc;
	return t;
}

static void setting(struct parse_state *ps, enum stmt_kind kind, const struct loc *loc,
		    const char *word, const struct loc *word_loc)
{
	struct stmt *s = stmt_new(ps, kind, loc);

	s->setting.word = word;
	s->setting.word_loc = *word_loc;
}

static void use(struct parse_state *ps, const char *name, const struct loc *loc)
{
	struct stmt *s = stmt_new(ps, STMT_USE, loc);

	s->use.name = name;
	s->use.name_loc = *loc;
}

/* Port ranges of one protocol, sorted and merged, to compare. */
struct range_set {
	const char *proto;
	struct loc loc;		/* where the protocol is first named */
	uint32_t (*r)[2];
	size_t n;
};

static int range_cmp(const void *pa, const void *pb)
{
	const uint32_t *a = pa, *b = pb;

	return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1];
}

static void range_set_normalize(struct range_set *rs)
{
	size_t n = 0;

	qsort(rs->r, rs->n, sizeof(*rs->r), range_cmp);
	for (size_t i = 0; i < rs->n; i++) {
		if (n && rs->r[i][0] <= rs->r[n - 1][1] + 1) {
			if (rs->r[i][1] > rs->r[n - 1][1])
				rs->r[n - 1][1] = rs->r[i][1];
			continue;
		}
		rs->r[n][0] = rs->r[i][0];
		rs->r[n][1] = rs->r[i][1];
		n++;
	}
	rs->n = n;
}

static bool range_set_equal(const struct range_set *a, const struct range_set *b)
{
	return a->n == b->n && memcmp(a->r, b->r, a->n * sizeof(*a->r)) == 0;
}

static const char *port_proto(const struct port_item *p)
{
	return p->proto ? p->proto : "tcp";
}

/* "port 80, 8080 proto tcp": P's ports whose protocol is PROTO. */
static const char *clause_text(struct parse_state *ps, const struct port_item *p,
			       const char *proto)
{
	const char *text = "port";
	const char *sep = " ";

	for (; p; p = p->next) {
		if (strcmp(port_proto(p), proto) != 0)
			continue;
		text = p->lo == p->hi ? arena_printf(ps->arena, "%s%s%u", text, sep, p->lo)
				      : arena_printf(ps->arena, "%s%s%u-%u", text, sep, p->lo, p->hi);
		sep = ", ";
	}
	return arena_printf(ps->arena, "%s proto %s", text, diag_quote(ps->diags, proto, strlen(proto)));
}

/* 'port 53/tcp, 53/udp' is 'port 53 proto tcp, udp': a protocol written
 * after a port becomes the rule's proto clause, so every later stage, and
 * fmt, sees one form. Beside ports with a protocol, a port without one
 * means tcp, as a port clause without 'proto' does. A rule matches each of
 * its ports with each of its protocols, so every protocol must come with
 * the same ports; and the protocols are given once, after the ports or in
 * a 'proto' clause. */
static void port_protocols(struct parse_state *ps, struct rule_opts *o)
{
	const struct port_item *first = NULL;
	struct range_set sets[8];
	size_t nsets = 0, nports = 0;
	bool same = true;

	for (const struct port_item *p = o->ports; p; p = p->next) {
		nports++;
		if (!first && p->proto)
			first = p;
	}
	if (!first)
		return;
	if (o->protos) {
		struct diag *dg = diag_error(ps->diags, &first->proto_loc,
			"the protocol is given twice, after a port and in a 'proto' clause (as in '%s')",
			clause_text(ps, o->ports, port_proto(first)));
		diag_related(dg, &o->proto_loc, "the 'proto' clause");
		goto done;
	}
	for (const struct port_item *p = o->ports; p; p = p->next) {
		const char *proto = port_proto(p);
		size_t i = 0;
		while (i < nsets && strcmp(sets[i].proto, proto) != 0)
			i++;
		if (i == nsets) {
			if (nsets == sizeof(sets) / sizeof(*sets))
				continue; /* more protocols than check.c knows: it says so */
			sets[nsets].proto = proto;
			sets[nsets].loc = p->proto ? p->proto_loc : p->loc;
			sets[nsets].r = arena_alloc(ps->arena, nports * sizeof(*sets[nsets].r));
			sets[nsets].n = 0;
			nsets++;
		}
		uint32_t lo = p->lo < p->hi ? p->lo : p->hi, hi = p->lo < p->hi ? p->hi : p->lo;
		sets[i].r[sets[i].n][0] = lo;
		sets[i].r[sets[i].n][1] = hi;
		sets[i].n++;
	}
	for (size_t i = 0; i < nsets; i++) {
		range_set_normalize(&sets[i]);
		same &= range_set_equal(&sets[0], &sets[i]);
	}
	if (!same) {
		const char *rules = arena_printf(ps->arena, "'%s'", clause_text(ps, o->ports, sets[0].proto));
		for (size_t i = 1; i < nsets; i++)
			rules = arena_printf(ps->arena, "%s%s'%s'", rules, i + 1 < nsets ? ", " : " and ",
					     clause_text(ps, o->ports, sets[i].proto));
		struct loc all = o->port_loc;
		for (const struct port_item *p = o->ports; p; p = p->next) {
			const struct loc *end = p->proto ? &p->proto_loc : &p->loc;
			all.last_line = end->last_line;
			all.last_column = end->last_column;
		}
		diag_error(ps->diags, &all,
			   "ports with different protocols need a rule each: %s", rules);
		goto done;
	}
	/* The ports of the first protocol stand for all of them. */
	struct port_item *ports = NULL, **tail = &ports;
	struct proto_item *protos = NULL, **ptail = &protos;
	for (struct port_item *p = o->ports; p; p = p->next) {
		if (strcmp(port_proto(p), sets[0].proto) != 0)
			continue;
		struct port_item *copy = node(ps, sizeof(*copy));
		*copy = *p;
		copy->next = NULL;
		*tail = copy;
		tail = &copy->next;
	}
	for (size_t i = 0; i < nsets; i++) {
		struct proto_item *it = node(ps, sizeof(*it));
		it->name = sets[i].proto;
		it->loc = sets[i].loc;
		*ptail = it;
		ptail = &it->next;
	}
	o->ports = ports;
	o->protos = protos;
	o->proto_loc = first->proto_loc;
done:
	for (struct port_item *p = o->ports; p; p = p->next)
		p->proto = NULL;
}

/* A clause given twice is an error, not "the last one wins". */
static void once(struct parse_state *ps, const void *seen, const char *what,
		 const struct loc *loc, const struct loc *first)
{
	if (!seen)
		return;
	struct diag *dg = diag_error(ps->diags, loc, "duplicate '%s' clause", what);
	diag_related(dg, first, "first given here");
}
}

%union {
	const char *str;
	uint32_t num;
	int verdict;
	struct target *target;
	struct target_list targets;
	struct port_item *port;
	struct port_list ports;
	struct proto_list protos;
	struct rule_opts opts;
	struct log_list logs;
	struct log_item *log;
	struct owner_item *owner;
	struct owner_list owners;
}

%token NEWLINE "end of line"
%token ALLOW "'allow'" DENY "'deny'" DEFAULT "'default'" ON_DENY "'on-deny'"
%token INCLUDE "'include'" DEFINE "'define'" PORT "'port'" PROTO "'proto'"
%token FILE_ "'file'" TIMEOUT "'timeout'" RESOLVER "'resolver'" DYNAMIC "'dynamic'"
%token USE "'use'" ESSENTIALS "'essentials'" MODE "'mode'" LOG "'log'"
%token RECORD "'record'"
%token USER "'user'" GROUP "'group'" CGROUP "'cgroup'" DURING "'during'" FROM "'from'"
%token <str> WORD "name" ADDRESS "address" VARIABLE "$name" WILDCARD "wildcard"
%token <str> STRING "string" JUNK "invalid token"
%token <num> NUMBER "number"

%type <str> setting_word duration
%type <verdict> verdict
%type <target> target
%type <targets> targets target_block
%type <port> port port_range
%type <ports> ports
%type <protos> protos
%type <opts> rule_opts
%type <logs> log_items
%type <log> log_item
%type <owner> owner
%type <owners> owners

%%

/* policy -> { line } */
policy		: %empty
		| policy line
		;

/* line -> [stmt] end | error end */
line		: end
		| stmt end
		{
			/* Every statement the line made spans all of it. */
			for (struct stmt *s = ps->unspanned; s; s = s->next)
				s->extent = @1;
			ps->unspanned = NULL;
		}
		| error end		{ yyerrok; ps->unspanned = NULL; }
		;

end		: NEWLINE
		| ';'
		;

/* stmt -> 'default' word | 'on-deny' word | 'essentials' word | 'mode' word
 *       | 'include' string | 'use' modules | 'log' log_items | 'record' log_items
 *       | 'define' name '=' targets | verdict targets rule_opts
 *       | 'resolver' targets ['user' name] | 'dynamic' name rule_opts */
stmt		: DEFAULT setting_word	{ setting(ps, STMT_DEFAULT, &@1, $2, &@2); }
		| ON_DENY setting_word	{ setting(ps, STMT_ON_DENY, &@1, $2, &@2); }
		| ESSENTIALS setting_word { setting(ps, STMT_ESSENTIALS, &@1, $2, &@2); }
		| MODE setting_word	{ setting(ps, STMT_MODE, &@1, $2, &@2); }
		| USE modules
		| LOG log_items
		{
			struct stmt *s = stmt_new(ps, STMT_LOG, &@1);
			s->log.items = $2.head;
		}
		| RECORD log_items
		{
			struct stmt *s = stmt_new(ps, STMT_RECORD, &@1);
			s->log.items = $2.head;
		}
		| INCLUDE STRING
		{
			struct stmt *s = stmt_new(ps, STMT_INCLUDE, &@1);
			s->include.path = $2;
			s->include.path_loc = @2;
		}
		| DEFINE WORD '=' target_block
		{
			struct stmt *s = stmt_new(ps, STMT_DEFINE, &@1);
			s->define.name = $2;
			s->define.name_loc = @2;
			s->define.targets = $4.head;
		}
		| verdict targets rule_opts
		{
			struct stmt *s = stmt_new(ps, STMT_RULE, &@1);
			s->rule.verdict = (enum verdict)$1;
			s->rule.targets = $2.head;
			s->rule.opts = $3;
			port_protocols(ps, &s->rule.opts);
		}
		| RESOLVER targets
		{
			struct stmt *s = stmt_new(ps, STMT_RESOLVER, &@1);
			s->resolver.addrs = $2.head;
		}
		/* 'user' is a word only here, so it stays free as a name
		 * elsewhere; check.c insists on it. */
		| RESOLVER targets WORD WORD
		{
			struct stmt *s = stmt_new(ps, STMT_RESOLVER, &@1);
			s->resolver.addrs = $2.head;
			s->resolver.keyword = $3;
			s->resolver.keyword_loc = @3;
			s->resolver.user = $4;
			s->resolver.user_loc = @4;
			s->resolver.user_given = true;
		}
		| DYNAMIC WORD rule_opts
		{
			struct stmt *s = stmt_new(ps, STMT_DYNAMIC, &@1);
			s->dynamic.name = $2;
			s->dynamic.name_loc = @2;
			s->dynamic.opts = $3;
			port_protocols(ps, &s->dynamic.opts);
		}
		;

/* 'use npm, pypi' is one STMT_USE per module, located at its name, so the
 * loader splices each module in where it is named. */
modules		: WORD			{ use(ps, $1, &@1); }
		| modules ',' WORD	{ use(ps, $3, &@3); }
		;

/* log_items -> { word [number] }: check.c knows the words. */
log_items	: log_item		{ $$.head = $$.tail = $1; }
		| log_items log_item	{ $$ = $1; $$.tail->next = $2; $$.tail = $2; }
		;

log_item	: WORD
		{
			$$ = node(ps, sizeof(*$$));
			$$->word = $1;
			$$->loc = @1;
		}
		| WORD NUMBER
		{
			$$ = node(ps, sizeof(*$$));
			$$->word = $1;
			$$->loc = @$;
			$$->has_number = true;
			$$->number = $2;
		}
		;

/* The words after the settings' keywords are checked in check.c, so a
 * typo gets "unknown policy 'alow'" rather than a bare syntax error. */
setting_word	: WORD			{ $$ = $1; }
		| ALLOW			{ $$ = "allow"; }
		| DENY			{ $$ = "deny"; }
		;

verdict		: ALLOW			{ $$ = VERDICT_ALLOW; }
		| DENY			{ $$ = VERDICT_DENY; }
		;

/* target_block -> '{' targets [','] '}' | targets
 * target -> address | name | $name | wildcard | 'file' string */
target_block	: '{' targets '}'	{ $$ = $2; }
		| '{' targets ',' '}'	{ $$ = $2; }
		| targets		{ $$ = $1; }
		;

targets		: target		{ $$.head = $$.tail = $1; }
		| targets ',' target	{ $$ = $1; $$.tail->next = $3; $$.tail = $3; }
		;

target		: ADDRESS		{ $$ = target_new(ps, TARGET_ADDRESS, $1, &@1); }
		| WORD			{ $$ = target_new(ps, TARGET_HOST, $1, &@1); }
		| VARIABLE		{ $$ = target_new(ps, TARGET_VARIABLE, $1, &@1); }
		| WILDCARD		{ $$ = target_new(ps, TARGET_WILDCARD, $1, &@1); }
		| FILE_ STRING		{ $$ = target_new(ps, TARGET_FILE, $2, &@$); }
		;

/* rule_opts -> { 'port' ports | 'proto' protos | 'timeout' duration
 *              | 'user' owners | 'group' owners | 'cgroup' string
 *              | 'during' string | 'from' targets },
 * each at most once ('user', 'group', 'cgroup', 'during' and 'from' are
 * keywords in rules only: see the scanner) */
rule_opts	: %empty		{ memset(&$$, 0, sizeof($$)); }
		| rule_opts PORT ports
		{
			$$ = $1;
			once(ps, $1.ports, "port", &@2, &$1.port_loc);
			$$.ports = $3.head;
			$$.port_loc = @2;
		}
		| rule_opts PROTO protos
		{
			$$ = $1;
			once(ps, $1.protos, "proto", &@2, &$1.proto_loc);
			$$.protos = $3.head;
			$$.proto_loc = @2;
		}
		| rule_opts TIMEOUT duration
		{
			$$ = $1;
			once(ps, $1.timeout_text, "timeout", &@2, &$1.timeout_loc);
			$$.timeout_text = $3;
			$$.timeout_loc = @3;
		}
		| rule_opts USER owners
		{
			$$ = $1;
			once(ps, $1.users, "user", &@2, &$1.user_loc);
			$$.users = $3.head;
			$$.user_loc = @2;
		}
		| rule_opts GROUP owners
		{
			$$ = $1;
			once(ps, $1.groups, "group", &@2, &$1.group_loc);
			$$.groups = $3.head;
			$$.group_loc = @2;
		}
		| rule_opts CGROUP STRING
		{
			$$ = $1;
			once(ps, $1.cgroup, "cgroup", &@2, &$1.cgroup_loc);
			$$.cgroup = $3;
			$$.cgroup_loc = @2;
			$$.cgroup_text_loc = @3;
		}
		| rule_opts DURING STRING
		{
			$$ = $1;
			once(ps, $1.during, "during", &@2, &$1.during_loc);
			$$.during = $3;
			$$.during_loc = @2;
			$$.during_text_loc = @3;
		}
		| rule_opts FROM targets
		{
			$$ = $1;
			once(ps, $1.sources, "from", &@2, &$1.from_loc);
			$$.sources = $3.head;
			$$.from_loc = @2;
		}
		;

owners		: owner			{ $$.head = $$.tail = $1; }
		| owners ',' owner	{ $$ = $1; $$.tail->next = $3; $$.tail = $3; }
		;

/* owner -> name | number: a user or group, by name or id */
owner		: WORD
		{
			$$ = node(ps, sizeof(*$$));
			$$->name = $1;
			$$->loc = @1;
		}
		| NUMBER
		{
			$$ = node(ps, sizeof(*$$));
			$$->id = $1;
			$$->loc = @1;
		}
		;

/* "1h30m" scans as a name; a bare number is kept so check.c can ask for
 * a unit. */
duration	: WORD			{ $$ = $1; }
		| NUMBER
		{
			char buf[16];
			snprintf(buf, sizeof(buf), "%u", $1);
			$$ = arena_strdup(ps->arena, buf);
		}
		;

ports		: port			{ $$.head = $$.tail = $1; }
		| ports ',' port	{ $$ = $1; $$.tail->next = $3; $$.tail = $3; }
		;

/* port -> port_range ['/' protocol], the protocol as query writes it */
port		: port_range		{ $$ = $1; }
		| port_range '/' WORD
		{
			$$ = $1;
			$$->proto = $3;
			$$->proto_loc = @3;
		}
		;

/* port_range -> number ['-' number] */
port_range	: NUMBER
		{
			$$ = node(ps, sizeof(*$$));
			$$->lo = $$->hi = $1;
			$$->loc = @1;
		}
		| NUMBER '-' NUMBER
		{
			$$ = node(ps, sizeof(*$$));
			$$->lo = $1;
			$$->hi = $3;
			$$->loc = @$;
		}
		;

protos		: WORD
		{
			$$.head = $$.tail = node(ps, sizeof(struct proto_item));
			$$.head->name = $1;
			$$.head->loc = @1;
		}
		| protos ',' WORD
		{
			struct proto_item *p = node(ps, sizeof(*p));
			p->name = $3;
			p->loc = @3;
			$$ = $1;
			$$.tail->next = p;
			$$.tail = p;
		}
		;

%%

/* "expecting a target" says more than the five tokens a target can be. */
static bool expects_target(const yysymbol_kind_t *expected, int n)
{
	int hits = 0;

	for (int i = 0; i < n; i++)
		hits += expected[i] == YYSYMBOL_ADDRESS || expected[i] == YYSYMBOL_WORD ||
			expected[i] == YYSYMBOL_VARIABLE;
	return hits == 3;
}

static bool expects(const yysymbol_kind_t *expected, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(yysymbol_name(expected[i]), name) == 0)
			return true;
	return false;
}

/* Whether TOKEN is one item of a list: a target, a port, a protocol, a
 * module. */
static bool list_item(int token)
{
	return token == WORD || token == ADDRESS || token == VARIABLE || token == WILDCARD ||
	       token == NUMBER;
}

/* TOKEN's text as written: a define's name with its '$'. */
static const char *item_text(struct parse_state *ps, int token, const char *text)
{
	const char *q = diag_quote(ps->diags, text, strlen(text));

	return token == VARIABLE ? arena_printf(ps->arena, "$%s", q) : q;
}

/* For "did you mean": the clauses, then words people write for them. */
static const char *const clause_words[] = { "port", "proto", "timeout", "user", "group",
					    "cgroup", "during", "from", "protocol", "protocols", "users",
					    "groups", "uid", "gid", "cgroups", "between", "when", "source",
					    "src" };
static const char *const clause_meant[] = { "port", "proto", "timeout", "user", "group",
					    "cgroup", "during", "from", "proto", "proto", "user",
					    "group", "user", "group", "cgroup", "during", "during", "from",
					    "from" };

/* A name, a number or a target where the last list of a statement ended:
 * a misspelt clause, a clause left out, or a missing comma. Returns
 * whether it said so. */
static bool report_list_end(struct parse_state *ps, const struct loc *loc, int got,
			    const yysymbol_kind_t *expected, int n)
{
	bool clause = expects(expected, n, "'port'");
	bool comma = expects(expected, n, "','");
	bool rule = ps->list_token == ALLOW || ps->list_token == DENY;
	const char *text = ps->last_text, *q;

	if (!text || !list_item(got))
		return false;
	q = diag_quote(ps->diags, text, strlen(text));
	if (got == WORD && clause) {
		const size_t nwords = sizeof(clause_words) / sizeof(*clause_words);
		const char *near = suggest_closest(text, clause_words, nwords);
		for (size_t i = 0; near && i < nwords; i++) {
			if (near != clause_words[i])
				continue;
			diag_error(ps->diags, loc, "unknown clause '%s'; did you mean '%s'?", q,
				   clause_meant[i]);
			return true;
		}
		if ((strcmp(text, "tcp") == 0 || strcmp(text, "udp") == 0) &&
		    ps->list_token != PROTO) {
			diag_error(ps->diags, loc,
				   "unexpected '%s' (protocols go in a 'proto' clause, as in 'proto %s')",
				   q, q);
			return true;
		}
	}
	/* A number after the targets is a port without its keyword. */
	if (got == NUMBER && clause && ps->list_token != PORT) {
		if (rule && ps->prev_text && ps->prev_token != NUMBER)
			diag_error(ps->diags, loc,
				   "unexpected '%s' (ports go in a 'port' clause, as in '%s %s port %s')",
				   q, ps->list_token == ALLOW ? "allow" : "deny",
				   item_text(ps, ps->prev_token, ps->prev_text), q);
		else
			diag_error(ps->diags, loc,
				   "unexpected '%s' (ports go in a 'port' clause, as in 'port %s')",
				   q, q);
		return true;
	}
	/* "*example.com" is two tokens, but no list of two. */
	if (!comma || !ps->last_spaced || !ps->prev_text || !list_item(ps->prev_token))
		return false;
	/* "allow a.example foo": a clause, more likely than a target. */
	if (got == WORD && clause && ps->list_token != PROTO && ps->list_token != USER &&
	    ps->list_token != GROUP && ps->list_token != FROM && !strchr(text, '.')) {
		diag_error(ps->diags, loc, "unknown clause '%s' (expected port, proto, timeout, user, group, cgroup, during or from)", q);
		return true;
	}
	const char *prev = item_text(ps, ps->prev_token, ps->prev_text);
	const char *cur = item_text(ps, got, text);
	if (ps->list_token == PORT || ps->list_token == PROTO || ps->list_token == USER ||
	    ps->list_token == GROUP || ps->list_token == FROM)
		diag_error(ps->diags, loc, "missing ',' between '%s' and '%s' (as in '%s %s, %s')",
			   prev, cur,
			   ps->list_token == PORT ? "port" : ps->list_token == PROTO ? "proto"
			   : ps->list_token == USER ? "user" : ps->list_token == GROUP ? "group" : "from",
			   prev, cur);
	else
		diag_error(ps->diags, loc, "missing ',' between '%s' and '%s' (as in '%s, %s')", prev,
			   cur, prev, cur);
	return true;
}

/* "host:443" scans as a name and an address starting with ':'. */
static bool report_host_port(struct parse_state *ps, const struct loc *loc)
{
	const char *text = ps->last_text;

	if (ps->last_token != ADDRESS || text[0] != ':')
		return false;
	const char *port = text + 1, *q = diag_quote(ps->diags, text, strlen(text));
	if (!*port || strspn(port, "0123456789") != strlen(port)) {
		diag_error(ps->diags, loc, "unexpected '%s'", q);
		return true;
	}
	if ((ps->list_token == ALLOW || ps->list_token == DENY) &&
	    (ps->prev_token == WORD || ps->prev_token == ADDRESS))
		diag_error(ps->diags, loc,
			   "unexpected '%s' (ports go in a 'port' clause, as in '%s %s port %s')", q,
			   ps->list_token == ALLOW ? "allow" : "deny",
			   diag_quote(ps->diags, ps->prev_text, strlen(ps->prev_text)), q + 1);
	else
		diag_error(ps->diags, loc,
			   "unexpected '%s' (ports go in a rule's 'port' clause, as in 'port %s')", q,
			   q + 1);
	return true;
}

/* '/' belongs after a port ("53/udp"); elsewhere it is a path or a
 * protocol list written the way prose writes it. */
static bool report_slash(struct parse_state *ps, const struct loc *loc)
{
	if (ps->last_token != '/')
		return false;
	if (ps->list_token == PROTO && ps->prev_token == WORD)
		diag_error(ps->diags, loc,
			   "unexpected '/' (protocols are separated by commas, as in 'proto tcp, udp')");
	else if ((ps->list_token == ALLOW || ps->list_token == DENY) && ps->prev_token == WORD)
		diag_error(ps->diags, loc,
			   "unexpected '/' (a policy names hosts, not paths, as in '%s %s')",
			   ps->list_token == ALLOW ? "allow" : "deny",
			   diag_quote(ps->diags, ps->prev_text, strlen(ps->prev_text)));
	else
		diag_error(ps->diags, loc, "unexpected '/'");
	return true;
}

/* Syntax errors, with hints where a plain "unexpected X" would puzzle. */
static int yyreport_syntax_error(const yypcontext_t *ctx, void *scanner, struct parse_state *ps)
{
	const struct loc *loc = yypcontext_location(ctx);
	yysymbol_kind_t got = yypcontext_token(ctx);
	yysymbol_kind_t expected[16];
	int all = yypcontext_expected_tokens(ctx, expected, 16);
	/* The plain message lists up to 11: what may follow a rule's target. */
	int n = all <= 11 ? all : 0;
	char buf[320];
	size_t len;

	(void)scanner;
	/* The scanner has already explained a bad token. */
	if (ps->last_was_junk)
		return 0;
	/* A name where a statement should start is a misspelt keyword, more
	 * likely than a hostname without a verb. */
	if (ps->last_token == WORD && ps->last_starts_stmt) {
		diag_error(ps->diags, loc,
			   "unknown statement '%s' (expected allow, deny, use, define, include, default, on-deny, essentials, mode, log, resolver or dynamic)",
			   diag_quote(ps->diags, ps->last_text, strlen(ps->last_text)));
		return 0;
	}
	if (report_host_port(ps, loc) || report_slash(ps, loc))
		return 0;
	if (report_list_end(ps, loc, ps->last_token, expected, all))
		return 0;
	len = (size_t)snprintf(buf, sizeof(buf), "syntax error, unexpected %s", yysymbol_name(got));
	if (n > 0 && expects_target(expected, n)) {
		bool brace = false;
		for (int i = 0; i < n; i++)
			brace |= strcmp(yysymbol_name(expected[i]), "'}'") == 0;
		snprintf(buf + len, sizeof(buf) - len,
			 ", expecting a target (address, hostname, $name or file \"...\")%s",
			 brace ? " or '}'" : "");
	} else {
		for (int i = 0; i < n && len < sizeof(buf); i++)
			len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s %s",
						i ? " or" : ", expecting", yysymbol_name(expected[i]));
	}
	struct diag *dg = diag_error(ps->diags, loc, "%s", buf);
	if (ps->brace_depth > 0)
		diag_related(dg, &ps->brace_loc, "unterminated '{' opened here");
	return 0;
}

struct stmt *parse_source(struct arena *a, struct diags *d, const struct source *src)
{
	struct parse_state ps = {
		.arena = a,
		.diags = d,
		.src = src,
		.line = 1,
		.column = 1,
		.at_stmt_start = true,
	};
	yyscan_t scanner;

	ps.tail = &ps.head;
	if (yylex_init_extra(&ps, &scanner) != 0) {
		diag_error(d, NULL, "cannot start the scanner");
		return NULL;
	}
	YY_BUFFER_STATE buf = yy_scan_bytes(src->text, (int)src->len, scanner);
	yyparse(scanner, &ps);
	yy_delete_buffer(buf, scanner);
	yylex_destroy(scanner);
	return ps.head;
}
