#include "lockdown.h"

#include <string.h>

#include "arena.h"

struct target_builder {
	struct arena *arena;
	const struct loc *loc;
	struct target *head, **tail;
};

static void add_target(const struct prefix *p, void *arg)
{
	struct target_builder *b = arg;
	struct target *t = arena_alloc(b->arena, sizeof(*t));
	char buf[PREFIX_STRLEN];

	memset(t, 0, sizeof(*t));
	t->kind = TARGET_ADDRESS;
	t->loc = *b->loc;
	t->text = arena_strdup(b->arena, prefix_format(p, buf));
	t->prefix = *p;
	*b->tail = t;
	b->tail = &t->next;
}

/* The resolvers as targets, or (OTHERS) every address of both families
 * but them: the minimal prefixes of the gaps between them. */
static struct target *resolver_targets(struct arena *a, const struct stmt *res, bool others)
{
	struct target_builder b = { .arena = a, .loc = &res->loc };

	b.tail = &b.head;
	for (int f = 0; f < FAMILY_COUNT; f++) {
		addr_t next = 0;	/* the first address not yet covered */
		bool done = false;
		/* Resolvers are few: pick them in order by repeated scans. */
		for (;;) {
			const struct target *low = NULL;
			for (const struct target *t = res->resolver.addrs; t; t = t->next)
				if (t->prefix.family == (enum family)f && t->prefix.addr >= next &&
				    (!low || t->prefix.addr < low->prefix.addr))
					low = t;
			if (!low || done)
				break;
			if (others && low->prefix.addr > next)
				range_to_prefixes((enum family)f, next, low->prefix.addr - 1, add_target, &b);
			if (!others)
				add_target(&low->prefix, &b);
			done = low->prefix.addr == family_max((enum family)f);
			next = low->prefix.addr + 1;
		}
		if (others && !done)
			range_to_prefixes((enum family)f, next, family_max((enum family)f), add_target, &b);
	}
	return b.head;
}

static struct port_item *port(struct arena *a, const struct loc *loc, uint32_t n)
{
	struct port_item *p = arena_alloc(a, sizeof(*p));

	memset(p, 0, sizeof(*p));
	p->lo = p->hi = n;
	p->loc = *loc;
	return p;
}

static struct proto_item *proto(struct arena *a, const struct loc *loc, const char *name,
				struct proto_item *next)
{
	struct proto_item *p = arena_alloc(a, sizeof(*p));

	memset(p, 0, sizeof(*p));
	p->name = name;
	p->loc = *loc;
	p->next = next;
	return p;
}

void lockdown_expand(struct arena *a, struct stmt *res)
{
	static const struct {
		enum verdict verdict;
		uint32_t port;
		bool udp;
	} rules[] = {
		{ VERDICT_DENY, 53, true },
		{ VERDICT_DENY, 853, false },
		{ VERDICT_ALLOW, 53, true },
		{ VERDICT_ALLOW, 853, false },
	};
	struct stmt **tail = &res->next;

	for (size_t i = 0; i < sizeof(rules) / sizeof(*rules); i++) {
		struct stmt *s = arena_alloc(a, sizeof(*s));
		memset(s, 0, sizeof(*s));
		s->kind = STMT_RULE;
		s->loc = res->loc;
		s->rule.verdict = rules[i].verdict;
		s->rule.targets = resolver_targets(a, res, rules[i].verdict == VERDICT_DENY);
		s->rule.opts.ports = port(a, &res->loc, rules[i].port);
		s->rule.opts.protos = proto(a, &res->loc, "tcp",
					    rules[i].udp ? proto(a, &res->loc, "udp", NULL) : NULL);
		s->rule.opts.port_loc = s->rule.opts.proto_loc = res->loc;
		s->rule.lockdown = true;
		s->rule.lockdown_tls = rules[i].verdict == VERDICT_ALLOW && rules[i].port == 853;
		s->next = *tail;
		*tail = s;
		tail = &s->next;
	}
}
