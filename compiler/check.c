/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compiler/check.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "compiler/diag.h"
#include "lib/dnsname.h"
#include "lib/duration.h"
#include "compiler/lockdown.h"
#include "lib/strmap.h"
#include "lib/suggest.h"
#include "lib/vec.h"

struct checker {
	struct arena *arena;
	struct diags *diags;
	struct policy *policy;
	struct strmap defines;		/* name -> STMT_DEFINE or STMT_DYNAMIC */
	const char **define_names;	/* for suggestions */
	size_t ndefines, define_names_cap;
	const struct stmt *setting_seen[STMT_RECORD + 1]; /* by kind: settings, resolver, log, record */
	const struct stmt *stmt;	/* the statement being checked, for hints */
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

static const struct word_value on_off_words[] = {
	{ "on", 1 },
	{ "off", 0 },
	{ NULL, 0 },
};

static const struct word_value mode_words[] = {
	{ "enforce", MODE_ENFORCE },
	{ "monitor", MODE_MONITOR },
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

/* "198.51.100.40:8443": an IPv4 address and a port. Returns where the
 * port starts, or NULL. (An IPv6 address cannot be told from one with a
 * port: 2001:db8::1:443 is an address.) */
static const char *address_port(struct checker *c, const char *text)
{
	const char *colon = strrchr(text, ':');
	struct prefix p;

	if (!colon || !colon[1] || strspn(colon + 1, "0123456789") != strlen(colon + 1))
		return NULL;
	char *addr = arena_strndup(c->arena, text, (size_t)(colon - text));
	if (prefix_parse(addr, &p) != PREFIX_OK || p.family != FAMILY_V4 || strchr(addr, '/'))
		return NULL;
	return colon + 1;
}

/* Where the port of ADDR:PORT goes, in the statement being checked. */
static void address_port_error(struct checker *c, struct target *t, const char *q,
			       const char *port)
{
	const struct stmt *s = c->stmt;
	int len = (int)(port - 1 - t->text);

	if (s->kind == STMT_RULE)
		diag_error(c->diags, &t->loc,
			   "invalid address '%s' (ports go in a 'port' clause, as in '%s %.*s port %s')",
			   q, s->rule.verdict == VERDICT_ALLOW ? "allow" : "deny", len, t->text, port);
	else if (s->kind == STMT_DEFINE)
		diag_error(c->diags, &t->loc,
			   "invalid address '%s' (ports go in the 'port' clause of a rule, as in 'allow $%s port %s')",
			   q, s->define.name, port);
	else
		diag_error(c->diags, &t->loc,
			   "invalid address '%s' (a resolver is an address alone: the forwarder asks it on port 53)",
			   q);
}

static void check_address(struct checker *c, struct target *t)
{
	char net[PREFIX_STRLEN];
	const char *q = diag_quote(c->diags, t->text, strlen(t->text));
	const char *port;

	switch (prefix_parse(t->text, &t->prefix)) {
	case PREFIX_OK:
		return;
	case PREFIX_BAD_ADDRESS:
		if ((port = address_port(c, t->text)))
			address_port_error(c, t, q, port);
		else
			diag_error(c->diags, &t->loc, "invalid address '%s'", q);
		return;
	case PREFIX_BAD_LENGTH: {
		/* Name the range of the family it is written in (an
		 * IPv4-mapped address takes IPv6 lengths) when the address
		 * part was fine. */
		struct prefix host;
		char *a = arena_strdup(c->arena, t->text);
		*strchr(a, '/') = '\0';
		bool v6 = strchr(a, ':') != NULL;
		if (prefix_parse(a, &host) == PREFIX_OK)
			diag_error(c->diags, &t->loc, "invalid prefix length in '%s' (%s allows 0-%u)",
				   q, v6 ? "IPv6" : "IPv4", v6 ? 128 : 32);
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

static const char *name_of(const struct stmt *s);
static const struct loc *name_loc_of(const struct stmt *s);

/* 'allow cache' beside 'define cache = ...' means $cache: without a dot,
 * a name that is a define's is taken for one, never looked up ("cache."
 * is the host). Returns whether it was. */
static bool host_is_define(struct checker *c, const struct target *t)
{
	const struct stmt *s;
	char *lower;

	if (strchr(t->text, '.'))
		return false;
	s = strmap_get(&c->defines, t->text);
	if (!s) {
		lower = arena_strdup(c->arena, t->text);
		hostname_normalize(lower);
		s = strmap_get(&c->defines, lower);
	}
	if (!s)
		return false;
	const char *q = diag_quote(c->diags, t->text, strlen(t->text));
	struct diag *dg = diag_error(c->diags, &t->loc,
				     "'%s' names a %s, not a host; did you mean '$%s'?", q,
				     s->kind == STMT_DEFINE ? "define" : "dynamic set", name_of(s));
	diag_related(dg, name_loc_of(s), s->kind == STMT_DEFINE ? "defined here" : "declared here");
	return true;
}

static void check_host(struct checker *c, struct target *t)
{
	size_t len = strlen(t->text);
	char *name = arena_strdup(c->arena, t->text);

	if (host_is_define(c, t))
		return;

	hostname_normalize(name);
	const char *problem = hostname_problem(name);
	if (problem)
		diag_error(c->diags, &t->loc, "invalid hostname '%s': %s",
			   diag_quote(c->diags, t->text, len), problem);
	t->text = name;
}

static void check_variable(struct checker *c, struct target *t)
{
	struct stmt *s = strmap_get(&c->defines, t->text);

	if (s && s->kind == STMT_DYNAMIC)
		t->dynamic = s;
	else
		t->define = s;
	if (s)
		return;
	const char *q = diag_quote(c->diags, t->text, strlen(t->text));
	const char *near = suggest_closest(t->text, c->define_names, c->ndefines);
	if (near)
		diag_error(c->diags, &t->loc, "unknown define or dynamic set '$%s'; did you mean '$%s'?",
			   q, near);
	else
		diag_error(c->diags, &t->loc, "unknown define or dynamic set '$%s'", q);
}

/* "*.Example.com." is "*.example.com", matching every name below
 * example.com but not example.com itself. */
static void check_wildcard(struct checker *c, struct target *t)
{
	size_t len = strlen(t->text);

	if (strcmp(t->text, "*") == 0 || strcmp(t->text, "*.") == 0) {
		diag_error(c->diags, &t->loc,
			   "a bare '*' would match every name; name the domain, as in '*.example.com'");
		return;
	}
	char *text = arena_strdup(c->arena, t->text);
	hostname_normalize(text);
	const char *problem = hostname_problem(text + 2);
	if (problem)
		diag_error(c->diags, &t->loc, "invalid wildcard '%s': %s",
			   diag_quote(c->diags, t->text, len), problem);
	t->text = text;
	t->domain = text + 2;
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
		const char *key = NULL;
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
		case TARGET_WILDCARD:
			key = arena_printf(c->arena, "w %s", t->text);
			break;
		case TARGET_FILE:
			key = arena_printf(c->arena, "f %s", t->text);
			break;
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
			check_wildcard(c, t);
			break;
		}
	}
}

static void check_timeout(struct checker *c, struct rule_opts *o)
{
	enum duration_problem why;

	if (!o->timeout_text) {
		o->timeout = DEFAULT_TIMEOUT_SECONDS;
		return;
	}
	o->timeout = duration_parse(o->timeout_text, TIMEOUT_MAX_SECONDS, &why);
	if (o->timeout)
		return;
	const char *q = diag_quote(c->diags, o->timeout_text, strlen(o->timeout_text));
	if (why == DURATION_NO_UNIT)
		diag_error(c->diags, &o->timeout_loc, "timeout '%s' needs a unit, as in '%ss'", q, q);
	else if (why == DURATION_RANGE)
		diag_error(c->diags, &o->timeout_loc,
			   "timeout '%s' is out of range (1s to 24d, the most ipset keeps)", q);
	else
		diag_error(c->diags, &o->timeout_loc,
			   "invalid timeout '%s' (a duration such as 90s, 10m, 1h30m or 2d)", q);
}

static void check_opts(struct checker *c, struct rule_opts *o)
{
	check_timeout(c, o);
	for (struct port_item *p = o->ports; p; p = p->next) {
		bool lo_ok = p->lo >= 1 && p->lo <= 65535, hi_ok = p->hi >= 1 && p->hi <= 65535;
		uint32_t bad = !lo_ok ? p->lo : p->hi;

		if (!lo_ok || !hi_ok) {
			if (bad == UINT32_MAX)
				diag_error(c->diags, &p->loc, "port number is out of range (1-65535)");
			else
				diag_error(c->diags, &p->loc, "port %u is out of range (1-65535)", bad);
		} else if (p->lo > p->hi) {
			diag_error(c->diags, &p->loc,
				   "port range %u-%u is reversed; did you mean %u-%u?", p->lo, p->hi,
				   p->hi, p->lo);
		}
	}
	for (struct proto_item *p = o->protos; p; p = p->next) {
		const struct word_value *w = word_lookup(proto_words, p->name);
		if (w)
			p->bit = (unsigned)w->value;
		else
			unknown_word(c, &p->loc, "protocol", p->name, proto_words);
	}
}

/* The settings of the form KEYWORD WORD. */
struct setting_desc {
	const char *keyword;		/* for "duplicate 'mode' setting" */
	const char *what;		/* for "unknown mode 'x'" */
	const struct word_value *words;
};

static const struct setting_desc *setting_of(enum stmt_kind kind)
{
	static const struct setting_desc descs[] = {
		{ "default", "default policy", default_words },
		{ "on-deny", "on-deny action", on_deny_words },
		{ "essentials", "essentials setting", on_off_words },
		{ "mode", "mode", mode_words },
	};

	switch (kind) {
	case STMT_DEFAULT:
		return &descs[0];
	case STMT_ON_DENY:
		return &descs[1];
	case STMT_ESSENTIALS:
		return &descs[2];
	case STMT_MODE:
		return &descs[3];
	default:
		return NULL;
	}
}

/* Settings are the policy's, made once; a module is shared, so it may
 * carry rules but never change how the whole ruleset behaves. Returns
 * whether S may go on. */
static bool first_setting(struct checker *c, const struct stmt *s, const char *keyword)
{
	if (s->loc.src->module) {
		diag_error(c->diags, &s->loc, "a module cannot change the '%s' setting", keyword);
		return false;
	}
	if (c->setting_seen[s->kind]) {
		struct diag *dg = diag_error(c->diags, &s->loc, "duplicate '%s' setting", keyword);
		diag_related(dg, &c->setting_seen[s->kind]->loc, "first set here");
		return false;
	}
	c->setting_seen[s->kind] = s;
	return true;
}

static void check_setting(struct checker *c, struct stmt *s)
{
	const struct setting_desc *desc = setting_of(s->kind);
	const struct word_value *w = word_lookup(desc->words, s->setting.word);

	if (!first_setting(c, s, desc->keyword))
		return;
	if (!w) {
		unknown_word(c, &s->setting.word_loc, desc->what, s->setting.word, desc->words);
		return;
	}
	s->setting.value = w->value;
	switch (s->kind) {
	case STMT_DEFAULT:
		c->policy->default_verdict = (enum verdict)w->value;
		break;
	case STMT_ON_DENY:
		c->policy->on_deny = (enum deny_action)w->value;
		break;
	case STMT_ESSENTIALS:
		c->policy->essentials = w->value;
		break;
	default:
		c->policy->mode = (enum mode)w->value;
		break;
	}
}

/* log denied | log group N | log denied group N: a group sends the lines
 * to NFLOG, and implies 'denied' (nothing else is logged). */
static void check_log(struct checker *c, struct stmt *s)
{
	struct policy *p = c->policy;

	if (!first_setting(c, s, "log"))
		return;
	for (const struct log_item *it = s->log.items; it; it = it->next) {
		if (strcmp(it->word, "denied") == 0 && !it->has_number) {
			p->log_denied = true;
		} else if (strcmp(it->word, "group") == 0 && it->has_number) {
			if (it->number > 65535) {
				diag_error(c->diags, &it->loc,
					   "log group %u is out of range (0-65535)", it->number);
				continue;
			}
			p->log_denied = p->log_to_group = true;
			p->log_group = (uint16_t)it->number;
		} else if (strcmp(it->word, "group") == 0) {
			diag_error(c->diags, &it->loc, "'group' needs the NFLOG group's number, as in 'log group 5'");
		} else {
			diag_error(c->diags, &it->loc,
				   "unknown log option '%s' (expected 'denied' or 'group N')",
				   diag_quote(c->diags, it->word, strlen(it->word)));
		}
	}
}

/* record blocked|all|off [limit N]: what the kernel records per
 * destination, and how many destinations it holds at most. */
static void check_record(struct checker *c, struct stmt *s)
{
	static const struct word_value record_words[] = {
		{ "blocked", RECORD_BLOCKED },
		{ "all", RECORD_ALL },
		{ "off", RECORD_OFF },
		{ NULL, 0 },
	};
	struct policy *p = c->policy;
	bool what_given = false;

	if (!first_setting(c, s, "record"))
		return;
	p->record_given = true;
	for (const struct log_item *it = s->log.items; it; it = it->next) {
		const struct word_value *w = NULL;
		for (const struct word_value *v = record_words; v->word; v++)
			if (strcmp(it->word, v->word) == 0)
				w = v;
		if (w && !it->has_number && !what_given) {
			p->record = (enum record_what)w->value;
			what_given = true;
		} else if (strcmp(it->word, "limit") == 0 && it->has_number) {
			if (it->number < 1 || it->number > RECORD_MAX_LIMIT)
				diag_error(c->diags, &it->loc,
					   "record limit %u is out of range (1-%u)", it->number,
					   RECORD_MAX_LIMIT);
			else
				p->record_limit = it->number;
		} else if (strcmp(it->word, "limit") == 0) {
			diag_error(c->diags, &it->loc,
				   "'limit' needs the most destinations to record, as in 'record blocked limit 100000'");
		} else {
			diag_error(c->diags, &it->loc,
				   "unknown record option '%s' (expected 'blocked', 'all' or 'off', then 'limit N')",
				   diag_quote(c->diags, it->word, strlen(it->word)));
		}
	}
	/* 'record limit N' alone records what is blocked. */
	if (!what_given)
		p->record = RECORD_BLOCKED;
}

static const char *name_of(const struct stmt *s)
{
	return s->kind == STMT_DEFINE ? s->define.name : s->dynamic.name;
}

static const struct loc *name_loc_of(const struct stmt *s)
{
	return s->kind == STMT_DEFINE ? &s->define.name_loc : &s->dynamic.name_loc;
}

/* First pass: make every define and dynamic set known, so uses may come
 * before it. They share one namespace: both are named by $NAME. */
static void declare_name(struct checker *c, struct stmt *s)
{
	if (strmap_get(&c->defines, name_of(s)))
		return; /* a duplicate: reported in policy order by check_name() */
	strmap_put(&c->defines, name_of(s), s);
	VEC_PUSH(c->define_names, c->ndefines, c->define_names_cap, name_of(s));
}

static void check_name(struct checker *c, struct stmt *s)
{
	const char *name = name_of(s);
	const struct stmt *first = strmap_get(&c->defines, name);
	const char *q = diag_quote(c->diags, name, strlen(name));

	if (strchr(name, '.'))
		diag_error(c->diags, name_loc_of(s), "invalid %s name '%s' (letters, digits, '_' and '-')",
			   s->kind == STMT_DEFINE ? "define" : "dynamic set", q);
	else if (s->kind == STMT_DYNAMIC && strlen(name) > DYNAMIC_NAME_MAX)
		diag_error(c->diags, name_loc_of(s),
			   "dynamic set name '%s' is longer than %d characters (ipset's limit on 'egressc_dyn_NAME_v4')",
			   q, DYNAMIC_NAME_MAX);
	if (first != s) {
		struct diag *dg = diag_error(c->diags, name_loc_of(s), "'%s' is already defined", q);
		diag_related(dg, name_loc_of(first), "first defined here");
	}
}

static void check_define(struct checker *c, struct stmt *s)
{
	check_name(c, s);
	check_targets(c, s->define.targets);
}

static void check_dynamic(struct checker *c, struct stmt *s)
{
	check_name(c, s);
	check_opts(c, &s->dynamic.opts);
}

/* A user name as useradd(8) takes it: the kernel matches the uid nft and
 * iptables look it up as, when they load the ruleset. */
static bool valid_user(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 32 || !(islower((unsigned char)name[0]) || name[0] == '_'))
		return false;
	return strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

/* The largest uid or gid: (uid_t)-1 means "none" to the kernel. */
#define OWNER_ID_MAX 4294967294u

/* 'user NAME|UID, ...' or 'group NAME|GID, ...' (WHAT says which): names
 * as useradd(8) and groupadd(8) take them, which nft and iptables look
 * up when they load the ruleset; numbers in range; each once. */
static void check_owners(struct checker *c, const char *what, const char *id_word,
			 struct owner_item *items)
{
	for (struct owner_item *it = items; it; it = it->next) {
		if (it->name && !valid_user(it->name)) {
			const char *q = diag_quote(c->diags, it->name, strlen(it->name));
			diag_error(c->diags, &it->loc,
				   "'%s' is not a %s name (lower case letters, digits, '_' and '-'; "
				   "or a number, the %s)", q, what, id_word);
			continue;
		}
		if (!it->name && it->id > OWNER_ID_MAX) {
			if (it->id == UINT32_MAX)
				diag_error(c->diags, &it->loc, "%s number is out of range (0-%u)",
					   id_word, OWNER_ID_MAX);
			else
				diag_error(c->diags, &it->loc, "%s %u is out of range (0-%u)", id_word,
					   it->id, OWNER_ID_MAX);
			continue;
		}
		for (const struct owner_item *first = items; first != it; first = first->next) {
			bool same = first->name ? it->name && strcmp(first->name, it->name) == 0
						: !it->name && first->id == it->id;
			if (!same)
				continue;
			char num[16];
			snprintf(num, sizeof(num), "%u", it->id);
			struct diag *dg = diag_warning(c->diags, &it->loc, "%s '%s' is listed twice",
						       what, it->name ? it->name : num);
			diag_related(dg, &first->loc, "first listed here");
			break;
		}
	}
}

/* A rule's 'user' and 'group' clauses. They match what a socket on this
 * machine sends: on a rule they are always meaningful (the rest of the
 * rule still applies to forwarded traffic through the classes for
 * everyone), so what is refused here is only what no socket can be. */
static void check_rule_owners(struct checker *c, struct stmt *s)
{
	check_owners(c, "user", "uid", s->rule.opts.users);
	check_owners(c, "group", "gid", s->rule.opts.groups);
}

/* The location of byte AT of a string clause's text (TEXT_LOC includes
 * its quotes; the string has no escapes, so columns map). */
static struct loc string_byte_loc(struct loc text_loc, size_t at)
{
	if (text_loc.first_line == text_loc.last_line) {
		text_loc.first_column += 1 + (int)at;
		text_loc.last_column = text_loc.first_column;
	}
	return text_loc;
}

/* Characters a cgroup's name may have here: what systemd and Docker name
 * theirs with, none that nft's quoted strings or iptables-restore's words
 * would read otherwise, nor a space. */
static bool cgroup_char(char ch)
{
	return isalnum((unsigned char)ch) || strchr("._-@:+=,", ch);
}

/* 'cgroup "PATH"': a cgroup v2 path below the v2 root, as nft's socket
 * cgroupv2 and iptables's cgroup match both take it: names separated by
 * single '/', none "." or "..", within both backends' limits. */
static void check_cgroup(struct checker *c, const struct rule_opts *o)
{
	const char *path = o->cgroup;
	size_t len, levels = 1, name = 0;

	if (!path)
		return;
	len = strlen(path);
	if (!len) {
		diag_error(c->diags, &o->cgroup_text_loc,
			   "the cgroup v2 root holds every process (leave the 'cgroup' clause out)");
		return;
	}
	if (path[0] == '/') {
		const char *root = "/sys/fs/cgroup/";
		bool mounted = strncmp(path, root, strlen(root)) == 0;
		const char *rel = path + (mounted ? strlen(root) : 1);
		struct loc at = string_byte_loc(o->cgroup_text_loc, 0);
		diag_error(c->diags, &at,
			   "a cgroup path is relative to the cgroup v2 root%s (write 'cgroup \"%s\"')",
			   mounted ? ", not where it is mounted" : "",
			   diag_quote(c->diags, rel, strlen(rel)));
		return;
	}
	if (len > CGROUP_PATH_MAX) {
		diag_error(c->diags, &o->cgroup_text_loc,
			   "cgroup path is %zu bytes long (iptables takes at most %d)", len,
			   CGROUP_PATH_MAX);
		return;
	}
	for (size_t i = 0; i <= len; i++) {
		struct loc at = string_byte_loc(o->cgroup_text_loc, i);
		if (i == len || path[i] == '/') {
			const char *start = path + i - name;
			if (!name) {
				diag_error(c->diags, &at, "empty name in cgroup path '%s' (%s)",
					   diag_quote(c->diags, path, len),
					   i == len ? "no '/' at the end" : "one '/' between names");
				return;
			}
			if ((name == 1 && start[0] == '.') ||
			    (name == 2 && start[0] == '.' && start[1] == '.')) {
				at = string_byte_loc(o->cgroup_text_loc, i - name);
				diag_error(c->diags, &at,
					   "'%.*s' in cgroup path '%s' (name the cgroup from the root down)",
					   (int)name, start, diag_quote(c->diags, path, len));
				return;
			}
			if (name > CGROUP_NAME_MAX) {
				at = string_byte_loc(o->cgroup_text_loc, i - name);
				diag_error(c->diags, &at, "cgroup name is %zu bytes long (at most %d)",
					   name, CGROUP_NAME_MAX);
				return;
			}
			if (i < len && ++levels > CGROUP_LEVEL_MAX) {
				diag_error(c->diags, &at, "cgroup path is more than %d levels deep",
					   CGROUP_LEVEL_MAX);
				return;
			}
			name = 0;
			continue;
		}
		if (!cgroup_char(path[i])) {
			diag_error(c->diags, &at,
				   "character '%s' in cgroup path '%s' (a name here has letters, digits "
				   "and ._-@:+=,)", diag_quote(c->diags, path + i, 1),
				   diag_quote(c->diags, path, len));
			return;
		}
		name++;
	}
}

/* Whether every target under T (through defines) is an address. Reports
 * the first that is not, at USE (the source as the rule writes it). */
static bool only_addresses(struct checker *c, const struct target *t, const struct target *use)
{
	for (; t; t = t->next) {
		if (t->kind == TARGET_VARIABLE && t->define) {
			if (!only_addresses(c, t->define->define.targets, use))
				return false;
		} else if (t->kind != TARGET_ADDRESS) {
			struct diag *dg = diag_error(c->diags, &use->loc,
				"a source is an address or a network (a container's, as it leaves it), "
				"not '%s'", diag_quote(c->diags, t->text, strlen(t->text)));
			if (t != use)
				diag_related(dg, &t->loc, "in the define");
			return false;
		}
	}
	return true;
}

/* 'from SOURCE, ...': addresses, or defines of them, of the packets this
 * machine forwards (its containers' and VMs'); its own traffic is told
 * apart by 'user' and 'group', and no packet has both a socket and a
 * forwarded source. */
static void check_sources(struct checker *c, struct stmt *s)
{
	struct rule_opts *o = &s->rule.opts;

	if (!o->sources)
		return;
	for (struct target *t = o->sources; t; t = t->next) {
		if (t->kind == TARGET_ADDRESS) {
			check_address(c, t);
		} else if (t->kind == TARGET_VARIABLE) {
			unsigned before = c->diags->errors;
			check_each_target(c, t);
			if (c->diags->errors == before && t->dynamic)
				diag_error(c->diags, &t->loc, "a source is an address or a network, not "
					   "dynamic set '$%s'", t->text);
			/* Defines are walked once their cycles are cut:
			 * check_source_defines(). */
		} else {
			only_addresses(c, t, t);
		}
	}
	if (o->users || o->groups || o->cgroup) {
		const char *what = o->users ? "user" : o->groups ? "group" : "cgroup";
		const struct loc *loc = o->users ? &o->user_loc
				      : o->groups ? &o->group_loc : &o->cgroup_loc;
		struct diag *dg = diag_error(c->diags, loc,
			"'%s' matches this machine's own sockets and 'from' the packets it forwards: "
			"no packet is both (write two rules)", what);
		diag_related(dg, &o->from_loc, "the 'from' clause");
	}
}

/* The defines a rule's sources name hold addresses only. */
static void check_source_defines(struct checker *c, struct stmt *s)
{
	for (struct target *t = s->rule.opts.sources; t; t = t->next)
		if (t->kind == TARGET_VARIABLE && t->define)
			only_addresses(c, t, t);
}

/* 'during "WINDOW"': lib/window.h's grammar, the error pointed at the
 * character it is about (the string has no escapes, so columns map). */
static void check_during(struct checker *c, struct rule_opts *o)
{
	const char *why;
	size_t at;

	if (!o->during || window_parse(o->during, &o->window, &why, &at) == 0)
		return;
	struct loc loc = string_byte_loc(o->during_text_loc, at);
	diag_error(c->diags, &loc, "bad window '%s': %s", diag_quote(c->diags, o->during,
								      strlen(o->during)), why);
}

/* resolver ADDR[, ADDR] [user NAME]: the servers the forwarder (dnsmasq,
 * running as NAME, by default dnsmasq) forwards to; DNS from anyone else,
 * to any address, is denied. */
static void check_resolver(struct checker *c, struct stmt *s)
{
	unsigned errors = c->diags->errors;

	if (!first_setting(c, s, "resolver"))
		return;
	if (s->resolver.user_given && strcmp(s->resolver.keyword, "user") != 0) {
		diag_error(c->diags, &s->resolver.keyword_loc,
			   "expected 'user NAME' after the resolvers, not '%s' (resolvers are "
			   "separated by commas: resolver 192.0.2.53, 192.0.2.54)",
			   s->resolver.keyword);
	} else if (s->resolver.user_given && !valid_user(s->resolver.user)) {
		diag_error(c->diags, &s->resolver.user_loc,
			   "'%s' is not a user name (lower case letters, digits, '_' and '-')",
			   s->resolver.user);
	}
	if (!s->resolver.user_given)
		s->resolver.user = RESOLVER_DEFAULT_USER;
	for (struct target *t = s->resolver.addrs; t; t = t->next) {
		if (t->kind != TARGET_ADDRESS) {
			diag_error(c->diags, &t->loc,
				   "a resolver is an address (names need a resolver to be found)");
			continue;
		}
		unsigned before = c->diags->errors;
		check_address(c, t);
		if (c->diags->errors == before && t->prefix.len != family_bits(t->prefix.family))
			diag_error(c->diags, &t->loc, "a resolver is one address, not a network");
	}
	if (c->diags->errors > errors)
		return;
	warn_duplicates(c, s->resolver.addrs);
	c->policy->resolver = s;
	lockdown_expand(c->arena, s);
}

enum { UNVISITED, VISITING, VISITED };

/* A + B, or one past POLICY_MAX_TARGETS: counts cannot overflow. */
static size_t targets_add(size_t a, size_t b)
{
	return a > POLICY_MAX_TARGETS || b > POLICY_MAX_TARGETS - a ? POLICY_MAX_TARGETS + 1
								    : a + b;
}

/* What target T stands for: itself, and a define's targets. */
static size_t target_expanded(const struct target *t)
{
	return targets_add(1, t->kind == TARGET_VARIABLE && t->define ? t->define->define.expanded
								     : 0);
}

/* Depth-first over $references; a reference to a define still being
 * visited closes a cycle. Records how many levels deep DEF nests, so later
 * stages may recurse without fear, and, bottom-up, how many targets it
 * stands for. Offending references are cut, so later stages never loop. */
static void check_cycles(struct checker *c, struct stmt *def, int depth)
{
	int height = 1;
	size_t expanded = 0;

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
	for (const struct target *t = def->define.targets; t; t = t->next)
		expanded = targets_add(expanded, target_expanded(t));
	def->define.visit = VISITED;
	def->define.height = height;
	def->define.expanded = expanded;
}

/* Every use of a define repeats all it stands for, so the rules name
 * (check_cycles counted) more targets than are written: refuse a policy
 * that passes POLICY_MAX_TARGETS at the target that passes it, before any
 * stage expands it. Returns 0, or -1 with the error queued. */
static int check_expansion(struct checker *c)
{
	size_t total = 0;

	for (const struct stmt *s = c->policy->stmts; s; s = s->next) {
		if (s->kind != STMT_RULE)
			continue;
		for (const struct target *t = s->rule.targets; t; t = t->next) {
			total = targets_add(total, target_expanded(t));
			if (total <= POLICY_MAX_TARGETS)
				continue;
			if (t->kind == TARGET_VARIABLE && t->define) {
				struct diag *dg = diag_error(c->diags, &t->loc,
					"'$%s' expands the policy to more than %u targets (each use of a define repeats all it names)",
					t->define->define.name, POLICY_MAX_TARGETS);
				diag_related(dg, &t->define->define.name_loc, "defined here");
			} else {
				diag_error(c->diags, &t->loc, "the rules name more than %u targets",
					   POLICY_MAX_TARGETS);
			}
			return -1;
		}
	}
	return 0;
}

/* Which kinds of target T names, through defines: a bit per kind, and
 * KIND_DYNAMIC for a dynamic set. */
#define KIND_DYNAMIC (1u << 8)

static unsigned target_kinds(const struct target *t)
{
	unsigned kinds = 0;

	for (; t; t = t->next) {
		kinds |= 1u << t->kind;
		if (t->kind == TARGET_VARIABLE && t->define)
			kinds |= target_kinds(t->define->define.targets);
		if (t->kind == TARGET_VARIABLE && t->dynamic)
			kinds |= KIND_DYNAMIC;
	}
	return kinds;
}

/* A rule naming a wildcard or dynamic set has members only at run time;
 * 'timeout' sets how long its wildcards' addresses are kept, so it means
 * nothing on a rule without one. */
static void check_runtime(struct checker *c, struct stmt *s)
{
	unsigned kinds = target_kinds(s->rule.targets);

	s->rule.runtime = kinds & (1u << TARGET_WILDCARD | KIND_DYNAMIC);
	if (s->rule.opts.timeout_text && !(kinds & 1u << TARGET_WILDCARD))
		diag_error(c->diags, &s->rule.opts.timeout_loc,
			   (kinds & KIND_DYNAMIC)
				   ? "'timeout' applies to wildcard targets; a dynamic set's timeout is in its declaration"
				   : "'timeout' applies to wildcard targets only (their addresses are kept that long)");
}

int check_policy(struct arena *a, struct diags *d, struct policy *p)
{
	struct checker c = { .arena = a, .diags = d, .policy = p };
	unsigned errors = d->errors;

	strmap_init(&c.defines);
	p->default_verdict = VERDICT_DENY;
	p->on_deny = DENY_REJECT;
	p->mode = MODE_ENFORCE;
	p->essentials = true;
	p->record_limit = RECORD_DEFAULT_LIMIT;
	for (struct stmt *s = p->stmts; s; s = s->next)
		if (s->kind == STMT_DEFINE || s->kind == STMT_DYNAMIC)
			declare_name(&c, s);

	for (struct stmt *s = p->stmts; s; s = s->next) {
		c.stmt = s;
		switch (s->kind) {
		case STMT_DEFAULT:
		case STMT_ON_DENY:
		case STMT_ESSENTIALS:
		case STMT_MODE:
			check_setting(&c, s);
			break;
		case STMT_LOG:
			check_log(&c, s);
			break;
		case STMT_RECORD:
			check_record(&c, s);
			break;
		case STMT_INCLUDE:
		case STMT_USE:
			break;
		case STMT_DEFINE:
			check_define(&c, s);
			break;
		case STMT_RULE:
			s->rule.index = p->nrules++;
			check_targets(&c, s->rule.targets);
			check_opts(&c, &s->rule.opts);
			check_rule_owners(&c, s);
			check_cgroup(&c, &s->rule.opts);
			check_during(&c, &s->rule.opts);
			check_sources(&c, s);
			break;
		case STMT_RESOLVER:
			/* Splices the lockdown's rules in after S: the loop
			 * checks them next, like any other. */
			check_resolver(&c, s);
			break;
		case STMT_DYNAMIC:
			check_dynamic(&c, s);
			break;
		}
	}
	for (struct stmt *s = p->stmts; s; s = s->next)
		if (s->kind == STMT_DEFINE && s->define.visit == UNVISITED)
			check_cycles(&c, s, 1);
	/* Cycles are cut now, so walking through defines ends; and once the
	 * expansion is known to be bounded, it ends soon. */
	if (check_expansion(&c) == 0)
		for (struct stmt *s = p->stmts; s; s = s->next)
			if (s->kind == STMT_RULE) {
				check_runtime(&c, s);
				check_source_defines(&c, s);
			}

	strmap_release(&c.defines);
	free(c.define_names);
	return d->errors > errors ? -1 : 0;
}
