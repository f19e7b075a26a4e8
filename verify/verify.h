/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Verification of emitted rulesets against the policy they came from.
 *
 * A reader for each ruleset format turns the text back into an ordered list
 * of (destinations, protocols, ports, verdict) rules, refusing anything it
 * does not recognise; an evaluator computes, for every protocol and port
 * interval, exactly which destinations the ruleset accepts, and compares
 * them with what the policy's own rules (read from the AST, not the model;
 * 'resolver' from the statement as written, not from the deny rule the
 * compiler splices in for it) accept. Any difference is an error naming a destination that proves it.
 * With default deny it also checks that the base chain's policy is drop.
 *
 * This is how the fail-closed invariants are tested: no emitted rule is
 * wider than its source, and nothing the policy denies is accepted. */
#ifndef EGRESSC_VERIFY_H
#define EGRESSC_VERIFY_H

#include <stddef.h>

#include "lib/addr.h"

struct diags;
struct policy;

/* The emitted texts the verifier reads. It never renders them itself: it
 * knows the policy and the texts, not the model or the emitters, so what
 * it proves is about what was written, whoever wrote it. */
enum verify_text {
	VERIFY_NFT,
	VERIFY_IPTABLES,	/* then VERIFY_IP6TABLES: by family */
	VERIFY_IP6TABLES,
	VERIFY_DNSMASQ,		/* nftset= lines */
	VERIFY_DNSMASQ_IPSET,	/* ipset= lines */
	VERIFY_IPSET,
	VERIFY_TEXTS
};

/* The output format (as -f names it) of each text. */
extern const char *const verify_formats[VERIFY_TEXTS];

struct verify_texts {
	const char *text[VERIFY_TEXTS];
	size_t len[VERIFY_TEXTS];
	/* Where text[I] is NULL: RENDER(CTX, I, &len) renders it when the
	 * verifier comes to it (malloc'd; NULL with errno set when it cannot),
	 * and the verifier frees it once read, so that a large policy's texts
	 * are not all held at once. */
	char *(*render)(void *ctx, enum verify_text i, size_t *len);
	void *ctx;
};

/* Verifies the nft, iptables and ip6tables texts of T against P, with
 * the dnsmasq fragments and the ipsets that bind run-time sets to
 * wildcards: with every run-time set empty, and with each dynamic set or
 * each wildcard's names in turn taking every address. Returns 0, or -1
 * with errors queued. */
int verify_outputs(struct diags *d, const struct policy *p, const struct verify_texts *t);

#endif
