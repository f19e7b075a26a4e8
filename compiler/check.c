#include "check.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "diag.h"
#include "strmap.h"
#include "suggest.h"

struct checker {
	struct arena *arena;
	struct diags *diags;
	struct policy *policy;
	struct strmap defines;		/* name -> struct stmt */
	const char **define_names;	/* for suggestions */
	size_t ndefines;
	const struct stmt *setting_seen[2]; /* STMT_DEFAULT, STMT_ON_DENY */
};

struct word_value {
	const char *word;
	int value;
};

static const struct word_value default_words[] = {
	{ "deny", VERDICT_DENY },
	{ "allow", VERDICT_ALLOW },
	{ NULL, 0 },
};

static const struct word_value on_deny_words[] = {
	{ "reject", DENY_REJECT },
	{ "drop", DENY_DROP },
	{ NULL, 0 },
};

static const struct word_value proto_words[] = {
	{ "tcp", PROTO_TCP },
	{ "udp", PROTO_UDP },
	{ NULL, 0 },
};

static const struct word_value *word_lookup(const struct word_value *table, const char *word)
{
	for (; table->word; table++)
		if (strcmp(table->word, word) == 0)
			return table;
	return NULL;
}

/* "unknown protocol 'icmp' (expected tcp or udp)" */
static void unknown_word(struct checker *c, const struct loc *loc, const char *what,
			 const char *word, const struct word_value *table)
{
	char expected[64] = "";

	for (const struct word_value *w = table; w->word; w++) {
		if (w != table)
			strcat(expected, w[1].word ? ", " : " or ");
		strcat(expected, w->word);
	}
	diag_error(c->diags, loc, "unknown %s '%s' (expected %s)", what,
		   diag_quote(c->diags, word, strlen(word)), expected);
}

const char *hostname_problem(const char *name)
{
	size_t len = strlen(name), label = 0;

	if (len == 0)
		return "it is empty";
	if (len > HOSTNAME_MAX_LEN)
		return "longer than 253 characters";
	for (size_t i = 0; i <= len; i++) {
		char ch = name[i];
		if (ch == '.' || ch == '\0') {
			if (label == 0)
				return "empty label";
			if (name[i - 1] == '-')
				return "a label ends with '-'";
			label = 0;
			continue;
		}
		if (label == 0 && ch == '-')
			return "a label starts with '-'";
		if (++label > LABEL_MAX_LEN)
			return "a label is longer than 63 characters";
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' ||
		      ch == '_'))
			return "only letters, digits, '-' and '_' may form a label";
	}
	return NULL;
}

static void check_address(struct checker *c, struct target *t)
{
	char net[PREFIX_STRLEN];
	const char *q = diag_quote(c->diags, t->text, strlen(t->text));

	switch (prefix_parse(t->text, &t->prefix)) {
	case PREFIX_OK:
		return;
	case PREFIX_BAD_ADDRESS:
		diag_error(c->diags, &t->loc, "invalid address '%s'", q);
		return;
	case PREFIX_BAD_LENGTH: {
		/* Name the family's range when the address part was fine. */
		struct prefix host;
		char *a = arena_strdup(c->arena, t->text);
		*strchr(a, '/') = '\0';
		if (prefix_parse(a, &host) == PREFIX_OK)
			diag_error(c->diags, &t->loc, "invalid prefix length in '%s' (%s allows 0-%u)",
				   q, host.family == FAMILY_V4 ? "IPv4" : "IPv6",
				   family_bits(host.family));
		else
			diag_error(c->diags, &t->loc, "invalid address '%s'", q);
		return;
	}
	case PREFIX_HOST_BITS:
		diag_error(c->diags, &t->loc, "'%s' has host bits set; did you mean %s?", q,
			   prefix_format(&t->prefix, net));
		return;
	}
}

static void check_host(struct checker *c, struct target *t)
{
	size_t len = strlen(t->text);
	char *name = arena_strdup(c->arena, t->text);

	/* Names are case-insensitive and "a.example." is "a.example". */
	for (char *p = name; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	if (len > 1 && name[len - 1] == '.')
		name[len - 1] = '\0';
	const char *problem = hostname_problem(name);
	if (problem)
		diag_error(c->diags, &t->loc, "invalid hostname '%s': %s",
			   diag_quote(c->diags, t->text, len), problem);
	t->text = name;
}

static void check_variable(struct checker *c, struct target *t)
{
	t->define = strmap_get(&c->defines, t->text);
	if (t->define)
		return;
	const char *q = diag_quote(c->diags, t->text, strlen(t->text));
	const char *near = suggest_closest(t->text, c->define_names, c->ndefines);
	if (near)
		diag_error(c->diags, &t->loc, "unknown define '$%s'; did you mean '$%s'?", q, near);
	else
		diag_error(c->diags, &t->loc, "unknown define '$%s'", q);
}

static void check_each_target(struct checker *c, struct target *t);

/* A target written twice in one list is harmless but a sign of a mistake
 * (a copy meant to be edited, say). Compared by meaning: 192.0.2.1 and
 * 192.0.2.1/32 are one, so are Example.com and example.com. */
static void warn_duplicates(struct checker *c, struct target *list)
{
	struct strmap seen;
	char buf[PREFIX_STRLEN];

	strmap_init(&seen);
	for (struct target *t = list; t; t = t->next) {
		const char *key;
		switch (t->kind) {
		case TARGET_ADDRESS:
			key = arena_printf(c->arena, "a %s", prefix_format(&t->prefix, buf));
			break;
		case TARGET_HOST:
			key = arena_printf(c->arena, "h %s", t->text);
			break;
		case TARGET_VARIABLE:
			key = arena_printf(c->arena, "$ %s", t->text);
			break;
		case TARGET_FILE:
			key = arena_printf(c->arena, "f %s", t->text);
			break;
		default:
			continue;
		}
		const struct target *first = strmap_put(&seen, key, t);
		if (!first)
			continue;
		strmap_put(&seen, key, (void *)first);
		struct diag *dg = diag_warning(c->diags, &t->loc, "'%s%s' is listed twice",
					       t->kind == TARGET_VARIABLE ? "$" : "",
					       diag_quote(c->diags, t->text, strlen(t->text)));
		diag_related(dg, &first->loc, "first listed here");
	}
	strmap_release(&seen);
}

static void check_targets(struct checker *c, struct target *list)
{
	unsigned errors = c->diags->errors;

	check_each_target(c, list);
	if (c->diags->errors == errors)
		warn_duplicates(c, list);
}

static void check_each_target(struct checker *c, struct target *t)
{
	for (; t; t = t->next) {
		switch (t->kind) {
		case TARGET_ADDRESS:
			check_address(c, t);
			break;
		case TARGET_HOST:
			check_host(c, t);
			break;
		case TARGET_VARIABLE:
			check_variable(c, t);
			break;
		case TARGET_FILE:
			if (t->text[0] == '\0')
				diag_error(c->diags, &t->loc, "empty list file name");
			break;
		case TARGET_WILDCARD:
			if (strcmp(t->text, "*") == 0 || strcmp(t->text, "*.") == 0)
				diag_error(c->diags, &t->loc,
					   "a bare '*' would match every name; name the domain, as in '*.example.com'");
			else
				diag_error(c->diags, &t->loc,
					   "wildcard targets such as '%s' are not supported yet",
					   diag_quote(c->diags, t->text, strlen(t->text)));
			break;
		}
	}
}

static void check_ports(struct checker *c, struct stmt *s)
{
	for (struct port_item *p = s->rule.ports; p; p = p->next) {
		bool lo_ok = p->lo >= 1 && p->lo <= 65535, hi_ok = p->hi >= 1 && p->hi <= 65535;
		uint32_t bad = !lo_ok ? p->lo : p->hi;

		if (!lo_ok || !hi_ok) {
			if (bad >= 0xffffffu)
				diag_error(c->diags, &p->loc, "port number is out of range (1-65535)");
			else
				diag_error(c->diags, &p->loc, "port %u is out of range (1-65535)", bad);
		} else if (p->lo > p->hi) {
			diag_error(c->diags, &p->loc,
				   "port range %u-%u is reversed; did you mean %u-%u?", p->lo, p->hi,
				   p->hi, p->lo);
		}
	}
	for (struct proto_item *p = s->rule.protos; p; p = p->next) {
		const struct word_value *w = word_lookup(proto_words, p->name);
		if (w)
			p->bit = (unsigned)w->value;
		else
			unknown_word(c, &p->loc, "protocol", p->name, proto_words);
	}
}

static void check_setting(struct checker *c, struct stmt *s)
{
	const int slot = s->kind == STMT_DEFAULT ? 0 : 1;
	const struct word_value *table = slot == 0 ? default_words : on_deny_words;
	const char *what = slot == 0 ? "default" : "on-deny";
	const struct word_value *w = word_lookup(table, s->setting.word);

	if (c->setting_seen[slot]) {
		struct diag *dg = diag_error(c->diags, &s->loc, "duplicate '%s' setting", what);
		diag_related(dg, &c->setting_seen[slot]->loc, "first set here");
		return;
	}
	c->setting_seen[slot] = s;
	if (!w) {
		unknown_word(c, &s->setting.word_loc, slot == 0 ? "default policy" : "on-deny action",
			     s->setting.word, table);
		return;
	}
	s->setting.value = w->value;
	if (slot == 0)
		c->policy->default_verdict = (enum verdict)w->value;
	else
		c->policy->on_deny = (enum deny_action)w->value;
}

/* First pass: make every define known, so uses may come before it. */
static void declare_define(struct checker *c, struct stmt *s)
{
	if (strmap_get(&c->defines, s->define.name))
		return; /* a duplicate: reported in policy order by check_define() */
	strmap_put(&c->defines, s->define.name, s);
	c->define_names = xrealloc(c->define_names, (c->ndefines + 1) * sizeof(*c->define_names));
	c->define_names[c->ndefines++] = s->define.name;
}

static void check_define(struct checker *c, struct stmt *s)
{
	const char *name = s->define.name;
	const struct stmt *first = strmap_get(&c->defines, name);

	if (strchr(name, '.'))
		diag_error(c->diags, &s->define.name_loc,
			   "invalid define name '%s' (letters, digits, '_' and '-')",
			   diag_quote(c->diags, name, strlen(name)));
	if (first != s) {
		struct diag *dg = diag_error(c->diags, &s->define.name_loc, "duplicate define '%s'",
					     diag_quote(c->diags, name, strlen(name)));
		diag_related(dg, &first->define.name_loc, "first defined here");
	}
	check_targets(c, s->define.targets);
}

enum { UNVISITED, VISITING, VISITED };

/* Depth-first over $references; a reference to a define still being
 * visited closes a cycle. Records how many levels deep DEF nests, so later
 * stages may recurse without fear. Offending references are cut, so later
 * stages never loop. */
static void check_cycles(struct checker *c, struct stmt *def, int depth)
{
	int height = 1;

	def->define.visit = VISITING;
	for (struct target *t = def->define.targets; t; t = t->next) {
		if (t->kind != TARGET_VARIABLE || !t->define)
			continue;
		struct stmt *ref = t->define;
		if (ref->define.visit == VISITING) {
			if (ref == def) {
				diag_error(c->diags, &t->loc, "define '%s' refers to itself",
					   def->define.name);
			} else {
				struct diag *dg = diag_error(c->diags, &t->loc,
					"define '%s' refers back to '%s', which contains it",
					def->define.name, ref->define.name);
				diag_related(dg, &ref->define.name_loc, "defined here");
			}
			t->define = NULL;
			continue;
		}
		if (ref->define.visit == UNVISITED && depth < DEFINE_MAX_DEPTH)
			check_cycles(c, ref, depth + 1);
		if (ref->define.visit == UNVISITED || ref->define.height >= DEFINE_MAX_DEPTH) {
			diag_error(c->diags, &t->loc, "defines nest deeper than %d levels",
				   DEFINE_MAX_DEPTH);
			t->define = NULL;
			continue;
		}
		if (ref->define.height + 1 > height)
			height = ref->define.height + 1;
	}
	def->define.visit = VISITED;
	def->define.height = height;
}

int check_policy(struct arena *a, struct diags *d, struct policy *p)
{
	struct checker c = { .arena = a, .diags = d, .policy = p };
	unsigned errors = d->errors;

	strmap_init(&c.defines);
	p->default_verdict = VERDICT_DENY;
	p->on_deny = DENY_REJECT;
	for (struct stmt *s = p->stmts; s; s = s->next)
		if (s->kind == STMT_DEFINE)
			declare_define(&c, s);

	for (struct stmt *s = p->stmts; s; s = s->next) {
		switch (s->kind) {
		case STMT_DEFAULT:
		case STMT_ON_DENY:
			check_setting(&c, s);
			break;
		case STMT_INCLUDE:
			break;
		case STMT_DEFINE:
			check_define(&c, s);
			break;
		case STMT_RULE:
			s->rule.index = p->nrules++;
			check_targets(&c, s->rule.targets);
			check_ports(&c, s);
			break;
		}
	}
	for (struct stmt *s = p->stmts; s; s = s->next)
		if (s->kind == STMT_DEFINE && s->define.visit == UNVISITED)
			check_cycles(&c, s, 1);

	strmap_release(&c.defines);
	free(c.define_names);
	return d->errors > errors ? -1 : 0;
}
