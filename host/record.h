/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the kernel recorded (the policy's 'record'), and its counters, read
 * back from a loaded ruleset: nft's record sets and named counters, or
 * the record ipsets and egressc's iptables chains. The readers run the
 * tools; the parsers beside them take the tools' text, so that tests can
 * feed them. A table owns its entries: record_table_release(). */
#ifndef EGRESSC_RECORD_H
#define EGRESSC_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"

struct diags;

/* One recorded destination. */
struct record_entry {
	enum family family;
	addr_t addr;
	unsigned proto;		/* the IP protocol's number: 6 tcp, 17 udp, ... */
	uint16_t port;		/* 0 for a protocol without ports */
	uint64_t packets, bytes;
	/* Seconds since nft last saw it, or since ipset first added it
	 * (last_seen says which); -1: not known. */
	int64_t age;
	bool last_seen;
};

struct record_table {
	struct record_entry *v;
	size_t n, cap;
	uint64_t overflow_packets, overflow_bytes;
};

/* One counter of the ruleset: "deny_3", "default", "record_overflow". */
struct record_counter {
	char name[32];
	uint64_t packets, bytes;
};

struct record_counters {
	struct record_counter *v;
	size_t n, cap;
};

void record_table_release(struct record_table *t);
void record_counters_release(struct record_counters *c);

/* Merges entries of one destination (ipset keeps an ICMP type each),
 * and sorts them by family, address, protocol and port. */
void record_table_normalize(struct record_table *t);

/* 'nft -n -T list set inet egressc record_vN' text of family F, added to
 * T. Returns 0, or -1 when the text is not such a set. */
int record_parse_nft_set(struct record_table *t, enum family f, const char *text);
/* 'ipset list NAME' text of family F, added to T. */
int record_parse_ipset(struct record_table *t, enum family f, const char *text);
/* 'nft -n list counters table inet egressc' text into C. */
int record_parse_nft_counters(struct record_counters *c, const char *text);
/* 'iptables -L EGRESSC-NAME -v -x -n' text: the counts of its last rule. */
int record_parse_ipt_chain_last(const char *text, uint64_t *packets, uint64_t *bytes);

/* The record sets of the nft ruleset loaded here, and its overflow
 * counter. Returns 0; -1 with an error queued when there is no egressc
 * table, or it records nothing. */
int record_read_nft(struct record_table *t, struct diags *d);
/* The record ipsets IPSETS[family] and EGRESSC-RECORD's overflow rule. */
int record_read_ipt(struct record_table *t, const char *const ipsets[FAMILY_COUNT],
		    struct diags *d);
/* The nft ruleset's named counters; or, with iptables, the counts of the
 * last rule of each chain EGRESSC-NAME for NAMES[0..n), summed over
 * iptables and ip6tables. */
int record_read_nft_counters(struct record_counters *c, struct diags *d);
int record_read_ipt_counters(struct record_counters *c, const char *const *names, size_t n,
			     struct diags *d);

#endif
