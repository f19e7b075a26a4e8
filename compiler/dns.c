/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compiler/dns.h"

#include <ares.h>
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/arena.h"
#include "lib/vec.h"
#include "lib/xalloc.h"

/* c-ares reports running out of memory as a status, the first answer's
 * or the channel's: that aborts here as it does everywhere (xalloc.h). */
static int check_memory(int status)
{
	if (status == ARES_ENOMEM)
		xalloc_die();
	return status;
}

void dns_result_add(struct dns_result *r, const struct prefix *p, int ttl)
{
	dns_result_ttl(r, ttl);
	for (size_t i = 0; i < r->n; i++)
		if (r->addrs[i].family == p->family && r->addrs[i].addr == p->addr)
			return;
	VEC_PUSH(r->addrs, r->n, r->cap, *p);
}

void dns_result_ttl(struct dns_result *r, int ttl)
{
	if (ttl >= 0 && (r->ttl < 0 || ttl < r->ttl))
		r->ttl = ttl;
}

void dns_result_fail(struct dns_result *r, int status)
{
	if (!r->status)
		r->status = status;
}

void dns_result_finish(struct dns_result *r)
{
	if (r->n > 1)
		qsort(r->addrs, r->n, sizeof(*r->addrs), addr_sort_cmp);
}

void dns_result_release(struct dns_result *r)
{
	free(r->addrs);
	r->addrs = NULL;
	r->n = r->cap = 0;
}

const char *dns_status_reason(int status)
{
	switch (status) {
	case ARES_ENOTFOUND:
		return "NXDOMAIN (no such name)";
	case ARES_ENODATA:
		return "no A or AAAA records";
	case ARES_ESERVFAIL:
		return "the server failed (SERVFAIL)";
	case ARES_EREFUSED:
		return "the server refused the query (REFUSED)";
	case ARES_ETIMEOUT:
		return "no answer before the timeout";
	case ARES_ECONNREFUSED:
		return "the server could not be reached (connection refused)";
	default:
		return ares_strerror(status);
	}
}

/* Lookups (A and AAAA each) in flight at once: a window that adapts to
 * what the server sustains, as TCP's does. It starts below the 150
 * queries dnsmasq forwards at once by default, grows by one for every
 * answer until the first sign of overload, then by one a window; a
 * REFUSED or SERVFAIL (a forwarder at its limit says so), or a timeout
 * from a server that has answered before (a lost datagram under load),
 * halves it - once a window's worth of answers, not once an answer - and
 * the lookup is asked again. A thousand names resolve in a few round
 * trips through a server that takes them all, and completely through one
 * that refuses bursts or drops some. */
#define DNS_WINDOW_START 128
#define DNS_WINDOW_MIN 4
#define DNS_WINDOW_MAX 1024
/* Times a lookup is asked again after a transient failure. */
#define DNS_RETRIES 4
/* Asked of the kernel for our socket; answers that wait here are not lost. */
#define DNS_RCVBUF (4 << 20)

struct query;

/* The lookups to make: every round of every name, started in order as
 * earlier ones call back, those to ask again first. */
struct lookups {
	ares_channel ch;
	struct arena arena;	/* the queries and the names as asked */
	const char *const *names;
	struct dns_result *results;
	size_t nnames, total, started, pending;
	struct query **again;	/* transient failures to ask again */
	size_t nagain, again_cap;
	size_t window, grown;	/* grown: answers toward the next +1 */
	bool slow_start;	/* no overload seen yet: +1 an answer */
	size_t answers, shrunk_at;	/* answers so far, and at the last halving */
	size_t successes;	/* answers with records */
	size_t silent;		/* timeouts in a row with no answer ever */
	bool dead;		/* a window's worth of silence: ask no more */
};

/* One lookup: a round of A, or of AAAA, for one name. The two families
 * are asked apart: asked together, c-ares answers with what one found
 * when the other was refused or lost, and the name would be pinned to
 * half its addresses without a word. */
struct query {
	struct lookups *l;
	struct dns_result *result;
	size_t name;		/* index into l->names */
	int family;		/* AF_INET or AF_INET6 */
	int attempts;
};

static void start_next(struct lookups *l);

static void window_grow(struct lookups *l)
{
	if (l->window >= DNS_WINDOW_MAX)
		return;
	if (l->slow_start || ++l->grown >= l->window) {
		l->window++;
		l->grown = 0;
	}
}

static void window_shrink(struct lookups *l)
{
	l->slow_start = false;
	if (l->answers - l->shrunk_at < l->window && l->shrunk_at)
		return;
	l->window = l->window / 2 > DNS_WINDOW_MIN ? l->window / 2 : DNS_WINDOW_MIN;
	l->shrunk_at = l->answers;
	l->grown = 0;
}

/* Whether a failure may pass if asked again: the server was busy or a
 * datagram was lost, not an answer about the name. A timeout counts only
 * from a server that has answered: one that never answers is down, and
 * asking it again would only wait longer. */
static bool transient(const struct lookups *l, int status)
{
	return status == ARES_EREFUSED || status == ARES_ESERVFAIL ||
	       (status == ARES_ETIMEOUT && l->successes > 0);
}

static void on_answer(void *arg, int status, int timeouts, struct ares_addrinfo *res)
{
	struct query *q = arg;
	struct lookups *l = q->l;

	(void)timeouts;
	l->pending--;
	l->answers++;
	check_memory(status);
	/* No record of this family is an answer: the name may have only
	 * the other (dns_lookup() says ENODATA if it has neither). */
	if (status == ARES_ENODATA)
		status = ARES_SUCCESS;
	if (status == ARES_SUCCESS) {
		l->successes++;
		l->silent = 0;
		window_grow(l);
	} else if (transient(l, status)) {
		window_shrink(l);
		if (q->attempts <= DNS_RETRIES) {
			VEC_PUSH(l->again, l->nagain, l->again_cap, q);
			start_next(l);
			return;
		}
	} else if (status == ARES_ETIMEOUT && ++l->silent >= l->window) {
		l->dead = true;
	}
	start_next(l);
	if (status != ARES_SUCCESS) {
		dns_result_fail(q->result, status);
		return;
	}
	if (!res)
		return;
	for (struct ares_addrinfo_cname *c = res->cnames; c; c = c->next)
		dns_result_ttl(q->result, c->ttl);
	for (struct ares_addrinfo_node *n = res->nodes; n; n = n->ai_next) {
		struct prefix p = { 0 };
		const unsigned char *b;
		if (n->ai_family == AF_INET) {
			b = (const unsigned char *)&((struct sockaddr_in *)n->ai_addr)->sin_addr;
			p.family = FAMILY_V4;
			p.len = 32;
			for (int i = 0; i < 4; i++)
				p.addr = p.addr << 8 | b[i];
		} else if (n->ai_family == AF_INET6) {
			b = (const unsigned char *)&((struct sockaddr_in6 *)n->ai_addr)->sin6_addr;
			p.family = FAMILY_V6;
			p.len = 128;
			for (int i = 0; i < 16; i++)
				p.addr = p.addr << 8 | b[i];
		} else {
			continue;
		}
		/* An AAAA record holding ::ffff:a.b.c.d sends a client to
		 * a.b.c.d over IPv4, so it counts as the A record it amounts
		 * to. For an allowed name that opens a.b.c.d, as an A record
		 * would: the name's zone picks its addresses either way, and
		 * the private-address check (--strict) sees the IPv4 address.
		 * For a denied name it blocks a.b.c.d, which an IPv6 entry
		 * never would. */
		prefix_canonical(&p);
		dns_result_add(q->result, &p, n->ai_ttl);
	}
	ares_freeaddrinfo(res);
}

static void ask(struct lookups *l, struct query *q)
{
	struct ares_addrinfo_hints hints = {
		.ai_family = q->family,
		/* We sort ourselves; c-ares would open a socket per address
		 * to sort them. */
		.ai_flags = ARES_AI_NOSORT,
	};

	q->attempts++;
	l->pending++;
	/* The final dot keeps c-ares from any search list. */
	ares_getaddrinfo(l->ch, arena_printf(&l->arena, "%s.", l->names[q->name]), NULL, &hints,
			 on_answer, q);
}

static void start_next(struct lookups *l)
{
	/* A server that has said nothing to a window of lookups is down:
	 * the rest fail as they would, without the wait. */
	for (; l->dead && l->nagain; l->nagain--)
		dns_result_fail(l->again[l->nagain - 1]->result, ARES_ETIMEOUT);
	for (; l->dead && l->started < l->total; l->started++)
		dns_result_fail(&l->results[l->started / 2 % l->nnames], ARES_ETIMEOUT);
	while (l->pending < l->window && (l->nagain || l->started < l->total)) {
		if (l->nagain) {
			ask(l, l->again[--l->nagain]);
			continue;
		}
		/* Round-major: every name once before any name twice; A
		 * and AAAA of a name one after the other. */
		struct query *q = arena_alloc(&l->arena, sizeof(*q));
		size_t k = l->started / 2;
		*q = (struct query){ .l = l, .name = k % l->nnames,
				     .family = l->started % 2 ? AF_INET6 : AF_INET };
		q->result = &l->results[q->name];
		l->started++;
		ask(l, q);
	}
}

/* A bigger receive buffer for each socket c-ares opens; as root past the
 * system's default cap, which a burst of answers would overflow. */
static int configure_socket(ares_socket_t fd, int type, void *arg)
{
	int size = DNS_RCVBUF;

	(void)arg;
	if (type == SOCK_DGRAM &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) != 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	return 0;
}

/* Runs the channel until every query has called back. */
static void run_channel(ares_channel ch, const size_t *pending)
{
	while (*pending) {
		ares_socket_t socks[ARES_GETSOCK_MAXNUM];
		struct pollfd fds[ARES_GETSOCK_MAXNUM];
		int bits = ares_getsock(ch, socks, ARES_GETSOCK_MAXNUM), nfds = 0;
		/* Bits by hand: c-ares' own macros shift a signed 1 into the
		 * sign bit for the last socket. */
		for (int i = 0; i < ARES_GETSOCK_MAXNUM; i++) {
			unsigned ubits = (unsigned)bits;
			short ev = (short)((ubits >> i & 1 ? POLLIN : 0) |
					   (ubits >> (i + ARES_GETSOCK_MAXNUM) & 1 ? POLLOUT : 0));
			if (ev)
				fds[nfds++] = (struct pollfd){ .fd = socks[i], .events = ev };
		}
		struct timeval tv, *tvp = ares_timeout(ch, NULL, &tv);
		int ms = tvp ? (int)(tvp->tv_sec * 1000 + (tvp->tv_usec + 999) / 1000) : 1000;
		int ready = poll(fds, (nfds_t)nfds, ms);
		if (ready < 0 && errno != EINTR)
			break;
		if (ready <= 0) {
			ares_process_fd(ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
			continue;
		}
		for (int i = 0; i < nfds; i++)
			ares_process_fd(ch,
					fds[i].revents & (POLLIN | POLLERR | POLLHUP) ? fds[i].fd
										     : ARES_SOCKET_BAD,
					fds[i].revents & POLLOUT ? fds[i].fd : ARES_SOCKET_BAD);
	}
}

static int open_channel(const struct dns_config *c, ares_channel *ch, struct dns_error *err)
{
	struct ares_options ao = { 0 };
	int mask = ARES_OPT_FLAGS | ARES_OPT_LOOKUPS | ARES_OPT_DOMAINS | ARES_OPT_TIMEOUTMS |
		   ARES_OPT_TRIES;
	/* NOCHECKRESP: SERVFAIL and REFUSED come back as themselves, not
	 * as "connection refused"; NOSEARCH and no domains: names are
	 * fully qualified; lookups "b": DNS only, never /etc/hosts. */
	ao.flags = ARES_FLAG_NOCHECKRESP | ARES_FLAG_NOSEARCH;
	ao.lookups = (char *)"b";
	ao.ndomains = 0;
	/* Two tries within the budget: c-ares doubles the wait each try. */
	ao.tries = 2;
	ao.timeout = c->timeout_ms / 3 > 0 ? c->timeout_ms / 3 : 1;

	int rc = check_memory(ares_init_options(ch, &ao, mask));
	if (rc != ARES_SUCCESS) {
		*err = (struct dns_error){ DNS_STAGE_CHANNEL, ares_strerror(rc) };
		return -1;
	}
	if (c->servers) {
		rc = check_memory(ares_set_servers_ports_csv(*ch, c->servers));
		if (rc != ARES_SUCCESS) {
			*err = (struct dns_error){ DNS_STAGE_SERVERS, ares_strerror(rc) };
			ares_destroy(*ch);
			return -1;
		}
	}
	return 0;
}

int dns_lookup(const char *const *names, size_t n, const struct dns_config *c,
	       struct dns_result *results, struct dns_error *err)
{
	ares_channel ch;

	for (size_t i = 0; i < n; i++)
		results[i] = (struct dns_result){ .ttl = -1 };
	if (check_memory(ares_library_init(ARES_LIB_INIT_ALL)) != ARES_SUCCESS) {
		*err = (struct dns_error){ DNS_STAGE_LIBRARY, NULL };
		return -1;
	}
	if (open_channel(c, &ch, err) < 0) {
		ares_library_cleanup();
		return -1;
	}

	struct lookups l = {
		.ch = ch, .names = names, .results = results,
		.nnames = n, .total = 2 * n * (size_t)(c->rounds > 0 ? c->rounds : 1),
		.window = DNS_WINDOW_START, .slow_start = true,
	};
	arena_init(&l.arena);
	ares_set_socket_configure_callback(ch, configure_socket, NULL);
	start_next(&l);
	run_channel(ch, &l.pending);
	ares_destroy(ch);
	ares_library_cleanup();
	arena_release(&l.arena);
	free(l.again);

	for (size_t i = 0; i < n; i++) {
		dns_result_finish(&results[i]);
		if (!results[i].status && results[i].n == 0)
			results[i].status = ARES_ENODATA;
	}
	return 0;
}
