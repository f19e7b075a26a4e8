/* SPDX-License-Identifier: GPL-2.0-or-later */
/* IPv4 and IPv6 addresses as unsigned 128-bit integers, so one interval
 * algorithm serves both families. An IPv4 address uses the low 32 bits; the
 * family is always carried beside the value, never inferred from it.
 *
 * An IPv4-mapped IPv6 address (::ffff:a.b.c.d, RFC 4291 2.5.5.2) is the
 * IPv4 address a.b.c.d: a connection to it leaves as IPv4, so that is what
 * the firewall sees. Every address that enters egressc goes through
 * prefix_canonical() here, so none of the mapped block ::ffff:0:0/96 is
 * ever held as IPv6: '::ffff:192.0.2.0/120' is 192.0.2.0/24 in the policy,
 * a list, a hosts file, a DNS answer and a query alike. A shorter IPv6
 * prefix that contains the block (::/0) stays IPv6 and means IPv6 only. */
#ifndef EGRESSC_ADDR_H
#define EGRESSC_ADDR_H

#include <stdbool.h>
#include <stddef.h>

typedef unsigned __int128 addr_t;

enum family {
	FAMILY_V4,
	FAMILY_V6,
	FAMILY_COUNT,
};

struct prefix {
	addr_t addr;
	unsigned char len;
	unsigned char family;
};

enum prefix_status {
	PREFIX_OK,
	PREFIX_BAD_ADDRESS,	/* not an IPv4 or IPv6 address */
	PREFIX_BAD_LENGTH,	/* after '/': not a number in range */
	PREFIX_HOST_BITS,	/* valid, but bits past the length are set */
};

/* Longest text prefix_format() writes, with its NUL. */
#define PREFIX_STRLEN 44

static inline unsigned family_bits(enum family f)
{
	return f == FAMILY_V4 ? 32 : 128;
}

static inline addr_t family_max(enum family f)
{
	return f == FAMILY_V4 ? (addr_t)0xffffffffu : ~(addr_t)0;
}

/* Mask of the host bits of a LEN-bit prefix in family F. */
static inline addr_t prefix_hostmask(enum family f, unsigned len)
{
	unsigned host = family_bits(f) - len;
	if (host == 0)
		return 0;
	if (host == 128)
		return ~(addr_t)0;
	return ((addr_t)1 << host) - 1;
}

static inline addr_t prefix_last(const struct prefix *p)
{
	return p->addr | prefix_hostmask(p->family, p->len);
}

/* Parses "ADDR" or "ADDR/LEN" (TEXT is NUL-terminated), LEN checked against
 * the family ADDR is written in; the result is canonical. On
 * PREFIX_HOST_BITS, OUT holds the network address, to suggest in the
 * diagnostic. */
enum prefix_status prefix_parse(const char *text, struct prefix *out);
/* The same, in the family it is written in: for readers of what egressc
 * wrote (an IPv6 set's element is IPv6, whatever its bits). */
enum prefix_status prefix_parse_written(const char *text, struct prefix *out);
/* Parses a bare address of either family; canonical, as above. */
bool addr_parse(const char *text, enum family *f, addr_t *a);
/* Makes *P canonical: an IPv6 prefix inside ::ffff:0:0/96 becomes the IPv4
 * prefix it maps (length less 96); anything else is left alone. For
 * addresses that arrive as bytes (DNS answers). */
void prefix_canonical(struct prefix *p);

/* qsort() order of struct prefix by family, then address: how a host's
 * addresses are kept. */
int addr_sort_cmp(const void *a, const void *b);

/* Canonical text (RFC 5952 for IPv6); "/LEN" only when shorter than a host. */
char *prefix_format(const struct prefix *p, char buf[PREFIX_STRLEN]);
/* The same text at O (room for PREFIX_STRLEN), without the NUL; returns
 * its end: for a writer that prints a million of them. */
char *prefix_put(char *o, const struct prefix *p);
char *addr_format(enum family f, addr_t a, char buf[PREFIX_STRLEN]);

/* Calls FN for each prefix of the minimal prefix cover of [LO, HI], in order. */
void range_to_prefixes(enum family f, addr_t lo, addr_t hi,
		       void (*fn)(const struct prefix *p, void *arg), void *arg);

#endif
