/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Emitters: one file per output format, each a pure function of the model.
 * They never resolve, parse or re-sort: the model's order is the output's
 * order, so every format says the same thing in the same sequence. */
#ifndef EGRESSC_EMIT_H
#define EGRESSC_EMIT_H

#include <stdbool.h>
#include <stdio.h>

#include "lib/addr.h"
#include "emit/names.h"

struct counter;
struct model;
struct rule_class;
struct runtime_set;
struct service;
struct stmt;

struct emitter {
	const char *name;	/* for -f */
	const char *extension;	/* picks the format from -o FILE */
	const char *dir_file;	/* the file's name under -O DIR; NULL: not written there */
	int (*emit)(const struct model *m, FILE *fp);
	/* It prints the iptables backend's static ipsets: the compilation
	 * must name them (compile_opts.no_static_ipsets false). */
	bool static_ipsets;
};

/* "v4", "v6": what set names end in, per family. */
extern const char *const emit_family_suffix[FAMILY_COUNT];
/* A documentation address per family, for the commands comments show. */
extern const char *const emit_example_addr[FAMILY_COUNT];

/* All formats, in the order -O DIR writes them; ends with a NULL name. */
extern const struct emitter emitters[];

const struct emitter *emitter_by_name(const char *name);
/* By the extension of PATH, or NULL. */
const struct emitter *emitter_by_path(const char *path);

int emit_nft(const struct model *m, FILE *fp);
int emit_iptables(const struct model *m, FILE *fp);
int emit_ip6tables(const struct model *m, FILE *fp);
int emit_hosts(const struct model *m, FILE *fp);
int emit_ipset(const struct model *m, FILE *fp);
int emit_dnsmasq_nftset(const struct model *m, FILE *fp);
int emit_dnsmasq_ipset(const struct model *m, FILE *fp);
int emit_explain(const struct model *m, FILE *fp);

/* Whether TEXT is a dnsmasq fragment as egressc writes it, every line of
 * it: apply --remove takes away only such a file. */
bool emit_dnsmasq_is_fragment(const char *text);

/* Policy-free texts for apply. The nft table closed (loopback, local
 * container networks and replies only), as --fail-closed leaves it; and
 * the nft script that deletes the table (and works when there is none). */
int emit_nft_closed(FILE *fp);
int emit_nft_remove(FILE *fp);
/* A class's elements of the shared allow lookup (model_share_lookups())
 * for one prefix, ADDR as text, with each of SVC's protocols and port
 * ranges: "192.0.2.0/24 . tcp . 443", SEP before each but the very first
 * (*FIRST, then false). The emitter writes them, and the refresh agent
 * adds and deletes them. */
void emit_nft_shared_elements(FILE *fp, const struct service *svc, const char *addr,
			      const char *sep, bool *first);
/* The chain of this machine's own traffic alone, as emit_nft() and
 * emit_iptables()/emit_ip6tables() write it (nft: the whole chain block
 * of egress_local; iptables: the rules of EGRESSC-LOCAL of family F), or
 * nothing when the model has none: the agent loads it again to bind the
 * rules for cgroups to a cgroup made again (host/cgroupbind.h). */
int emit_nft_local_chain(const struct model *m, FILE *fp);
int emit_iptables_local_chain(const struct model *m, enum family f, FILE *fp);
/* The iptables chains of family F closed in the same way, without hooks
 * (apply adds those). */
int emit_iptables_closed(FILE *fp, enum family f);

/* Runs EMIT into memory: *TEXT (malloc'd, the caller frees) and *LEN.
 * Returns 0, or -1 with errno set. */
int emit_to_memory(const struct model *m, int (*emit)(const struct model *, FILE *),
		   char **text, size_t *len);

/* Renders the N formats named by FORMATS (as -f names them) into TEXTS and
 * LENS, which the caller frees. Returns 0, or -1 with errno set and
 * nothing left to free. */
int emit_formats(const struct model *m, const char *const *formats, size_t n, char **texts,
		 size_t *lens);

/* Shared by the emitters: text from the policy (file names) made safe for
 * a '#' comment line - printable ASCII kept, everything else as \xNN. */
void emit_comment_text(FILE *fp, const char *s);
/* "# Compiled by egressc from 'POLICY'; do not edit, recompile.": the
 * first line of every output, by which apply knows a file it wrote. */
#define EMIT_HEADER_BEGIN "# Compiled by egressc from '"
#define EMIT_HEADER_END "'; do not edit, recompile."
void emit_header(FILE *fp, const struct model *m);
/* In monitor mode, a comment saying nothing is blocked. */
void emit_mode_comment(FILE *fp, const struct model *m);
/* "# deny_all: policy.eg:3, policy.eg:9" - the rules behind a class's set
 * of family F. */
void emit_class_comment(FILE *fp, const char *indent, const struct rule_class *c,
			enum family f);
/* "# allow_tcp_443_dns: *.ci.test (policy.eg:4), filled by dnsmasq" or
 * "# dyn_builders: dynamic set declared at policy.eg:2, used by policy.eg:7" */
void emit_runtime_comment(FILE *fp, const char *indent, const struct runtime_set *r);
/* "policy.eg:7" */
void emit_location(FILE *fp, const struct stmt *s);

/* Text from the policy inside an output's quoted string is cut here. */
#define EMIT_COMMENT_MAX 100

/* iptables' LOG keeps 29 characters of a prefix, so it has room only for
 * the verdict and the counter: "egressc: would-block deny_12 ". */
#define EMIT_LOG_PREFIX_MAX 64
/* "egressc: block deny_3 " or, in monitor mode, "egressc: would-block
 * deny_3 ", into BUF (EMIT_LOG_PREFIX_MAX bytes), which it returns. */
const char *emit_log_prefix(const struct model *m, const struct counter *k, char *buf);

#endif

