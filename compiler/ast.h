/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The policy as written: statements with a location on every node. The
 * parser builds it, load.c splices includes in, check.c validates it and
 * fills the resolved fields, resolve.c attaches addresses to hostnames.
 * Every node lives in the compilation's arena. */
#ifndef EGRESSC_AST_H
#define EGRESSC_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"
#include "lib/window.h"
#include "compiler/source.h"

struct addrlist;
struct host;

enum verdict {
	VERDICT_DENY,
	VERDICT_ALLOW,
};

enum deny_action {
	DENY_REJECT,
	DENY_DROP,
};

enum proto_bit {
	PROTO_TCP = 1 << 0,
	PROTO_UDP = 1 << 1,
};

enum target_kind {
	TARGET_ADDRESS,		/* 192.0.2.1, 10.0.0.0/8, 2001:db8::/32 */
	TARGET_HOST,		/* registry.npmjs.org */
	TARGET_VARIABLE,	/* $registries: a define, or a dynamic set */
	TARGET_WILDCARD,	/* *.example.com: filled at run time by dnsmasq */
	TARGET_FILE,		/* file "github-actions.txt": an address list */
};

struct stmt;

struct target {
	enum target_kind kind;
	struct loc loc;
	const char *text;	/* as written; hostnames and wildcards lower-cased,
				 * final dot dropped; for a file, its path */
	struct target *next;
	/* Filled by check.c and resolve.c: */
	struct prefix prefix;		/* TARGET_ADDRESS */
	struct stmt *define;		/* TARGET_VARIABLE naming a define */
	struct stmt *dynamic;		/* TARGET_VARIABLE naming a dynamic set */
	const char *domain;		/* TARGET_WILDCARD: "example.com" of "*.example.com" */
	struct host *host;		/* TARGET_HOST */
	struct addrlist *list;		/* TARGET_FILE */
};

/* Numbers are kept as written (saturated) so check.c can say what is wrong. */
struct port_item {
	uint32_t lo, hi;
	struct loc loc;
	struct port_item *next;
	/* The parser's own: "tcp" of "8443/tcp", which it moves into the
	 * rule's proto clause. NULL once the statement is parsed. */
	const char *proto;
	struct loc proto_loc;
};

struct proto_item {
	const char *name;
	struct loc loc;
	unsigned bit;		/* filled by check.c */
	struct proto_item *next;
};

enum stmt_kind {
	STMT_DEFAULT,		/* default allow|deny */
	STMT_ON_DENY,		/* on-deny reject|drop */
	STMT_INCLUDE,		/* include "file" */
	STMT_DEFINE,		/* define NAME = { targets } */
	STMT_RULE,		/* allow|deny targets [port ...] [proto ...] [timeout D]
				 * [user ...] [group ...] [during "WINDOW"]
				 * [from SOURCE, ...] */
	STMT_RESOLVER,		/* resolver ADDR[, ADDR]: DNS lockdown */
	STMT_DYNAMIC,		/* dynamic NAME [timeout D] [port ...] [proto ...] */
	STMT_USE,		/* use NAME: one statement per module named */
	STMT_ESSENTIALS,	/* essentials on|off */
	STMT_MODE,		/* mode enforce|monitor */
	STMT_LOG,		/* log denied [group N] | log group N */
	STMT_RECORD,		/* record blocked|all|off [limit N] */
};

enum mode {
	MODE_ENFORCE,		/* what the policy denies is blocked */
	MODE_MONITOR,		/* ... is logged and counted, then accepted */
};

/* What the kernel records per destination (address, protocol, port),
 * with packet and byte counts: for 'egressc report' and 'stats'. */
enum record_what {
	RECORD_OFF,
	RECORD_BLOCKED,		/* what is (monitoring: would be) blocked */
	RECORD_ALL,		/* every connection the policy judges */
};

/* A recorded destination table holds at most this many by default; beyond
 * its limit, packets are counted as overflow. */
#define RECORD_DEFAULT_LIMIT 65536u
#define RECORD_MAX_LIMIT (1u << 24)

/* One word of a 'log' or 'record' statement: "denied", or "group" with
 * its number; "blocked", or "limit" with its number. */
struct log_item {
	const char *word;
	struct loc loc;
	bool has_number;
	uint32_t number;
	struct log_item *next;
};

/* One item of a 'user' or 'group' clause: a name, which nft and iptables
 * look up when they load the ruleset, or a number. */
struct owner_item {
	const char *name;		/* NULL: the number */
	uint32_t id;			/* as written (saturated): check.c bounds it */
	struct loc loc;
	struct owner_item *next;
};

/* A 'cgroup' path's limits: iptables's cgroup match holds 511 bytes
 * (XT_CGROUP_PATH_MAX, its NUL aside), a cgroup's name is a file name, and
 * nft's socket cgroupv2 matches at most 255 levels down. */
#define CGROUP_PATH_MAX 511
#define CGROUP_NAME_MAX 255
#define CGROUP_LEVEL_MAX 255

/* The options a rule or a dynamic set may carry; NULL or 0: not given. */
struct rule_opts {
	struct port_item *ports;
	struct proto_item *protos;
	const char *timeout_text;	/* "1h30m", as written */
	struct loc port_loc, proto_loc, timeout_loc;
	/* Rules only: the sending socket's owner, 'user' and 'group'. */
	struct owner_item *users, *groups;
	struct loc user_loc, group_loc;
	/* Rules only: 'cgroup "PATH"', the sending process's cgroup v2, as
	 * written (NULL: any); relative to the v2 root, below it included. */
	const char *cgroup;
	struct loc cgroup_loc, cgroup_text_loc;
	/* Rules only: 'from SOURCE, ...', addresses or defines of them: the
	 * source of forwarded packets (NULL: any, and this machine's own). */
	struct target *sources;
	struct loc from_loc;
	/* Rules only: 'during "Mon-Fri 01:00-03:00"', as written (NULL: at
	 * any time), and the window check.c reads from it. */
	const char *during;
	struct loc during_loc, during_text_loc;
	struct window window;
	uint32_t timeout;		/* seconds, filled by check.c */
};

/* A run-time set's elements age out after this long unless told otherwise. */
#define DEFAULT_TIMEOUT_SECONDS 3600u

struct stmt {
	enum stmt_kind kind;
	struct loc loc;		/* the keyword that starts it */
	struct loc extent;	/* all of it, over every line it takes; src NULL
				 * for a statement no file holds */
	struct stmt *next;
	union {
		struct {
			const char *word;	/* as written: allow, reject, ... */
			struct loc word_loc;
			int value;		/* enum verdict or enum deny_action */
		} setting;
		struct {
			const char *path;
			struct loc path_loc;
		} include;
		struct {
			const char *name;
			struct loc name_loc;
			struct target *targets;
			int visit;		/* check.c: cycle detection state */
			int height;		/* check.c: nesting levels, from 1 */
			size_t expanded;	/* check.c: targets it stands for, its
						 * defines' expanded (saturated) */
		} define;
		struct {
			enum verdict verdict;
			struct target *targets;
			struct rule_opts opts;		/* timeout: of its wildcards' sets */
			unsigned index;			/* position in the policy, from 0 */
			bool runtime;			/* names a wildcard or dynamic set */
			bool lockdown;			/* made by check.c from 'resolver' */
		} rule;
		struct {
			struct target *addrs;		/* TARGET_ADDRESS only */
			/* 'user NAME': the forwarder's user, the one that may
			 * reach the resolvers; check.c puts the default in. */
			const char *keyword;		/* as written: must be "user" */
			struct loc keyword_loc;
			const char *user;
			struct loc user_loc;
			bool user_given;
		} resolver;
		struct {
			const char *name;
			struct loc name_loc;
			struct rule_opts opts;
		} dynamic;
		struct {
			const char *name;	/* the module: "npm" for stdlib/npm.eg */
			struct loc name_loc;
		} use;
		struct {
			struct log_item *items;
		} log;			/* and STMT_RECORD's */
	};
};

/* Where all of S is written: its extent, or its keyword's location. */
static inline const struct loc *stmt_extent(const struct stmt *s)
{
	return s->extent.src ? &s->extent : &s->loc;
}

struct policy {
	const struct source *root;
	struct stmt *stmts;
	/* Settings as checked, with defaults applied. */
	enum verdict default_verdict;
	enum deny_action on_deny;
	const struct stmt *resolver;	/* NULL: no DNS lockdown */
	enum mode mode;
	bool essentials;		/* github-actions was used implicitly */
	bool log_denied;		/* log what is (or would be) blocked ... */
	bool log_to_group;		/* ... to NFLOG group log_group, else the kernel log */
	uint16_t log_group;
	/* 'record' as written (record_given), else off; model_record() says
	 * what is recorded. */
	enum record_what record;
	bool record_given;
	uint32_t record_limit;
	unsigned nrules;
};

/* A hostname's addresses, as resolve.c found them: what a TARGET_HOST
 * stands for. Lives in the compilation's arena (resolve.h owns the
 * index of them). */
struct host {
	const char *name;		/* lower case, no final dot */
	const struct target *first_use;	/* where errors about the name point; may be NULL */
	struct prefix *addrs;		/* sorted by family, then address; no duplicates */
	size_t naddrs;
	int ttl;			/* lowest TTL seen, in seconds; -1: unknown */
};

#endif
