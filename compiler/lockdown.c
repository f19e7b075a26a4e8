/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compiler/lockdown.h"

#include <string.h>

#include "lib/arena.h"

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

/* Every address of both families, as targets. */
static struct target *everywhere(struct arena *a, const struct loc *loc)
{
	struct target_builder b = { .arena = a, .loc = loc };

	b.tail = &b.head;
	for (int f = 0; f < FAMILY_COUNT; f++) {
		struct prefix all = { .addr = 0, .len = 0, .family = (unsigned char)f };
		add_target(&all, &b);
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
	struct stmt *s = arena_alloc(a, sizeof(*s));
	struct port_item *dns = port(a, &res->loc, LOCKDOWN_PORT_DNS);

	dns->next = port(a, &res->loc, LOCKDOWN_PORT_TLS);
	memset(s, 0, sizeof(*s));
	s->kind = STMT_RULE;
	s->loc = res->loc;
	s->rule.verdict = VERDICT_DENY;
	s->rule.targets = everywhere(a, &res->loc);
	s->rule.opts.ports = dns;
	s->rule.opts.protos = proto(a, &res->loc, "tcp", proto(a, &res->loc, "udp", NULL));
	s->rule.opts.port_loc = s->rule.opts.proto_loc = res->loc;
	s->rule.lockdown = true;
	s->next = res->next;
	res->next = s;
}
