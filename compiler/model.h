/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The compiled policy: the one model every emitter, query, diff and lint
 * read, and the only place that knows what it means: they ask the
 * functions below whether something is accepted, logged or blocked.
 * Rules are grouped into classes by verdict and service (the protocols
 * and ports they match); each class holds, per address family, a
 * rangeset of the addresses its rules name, merged. Semantics, fixed here
 * and nowhere else:
 *   0. the rules apply alike to this machine's own traffic and to what it
 *      forwards out of it for its containers and VMs; traffic that leaves
 *      through a bridge (this machine's own container networks: to and
 *      between containers, published ports) stays local and is accepted
 *      like loopback, since no destination address tells it apart;
 *   1. loopback traffic to a local address is accepted (a nat rule may
 *      send a packet on "lo" elsewhere);
 *   2. a packet matching any deny class is blocked (on_deny), replies
 *      included: a denied host that connects in gets nothing back;
 *      deny wins over allow for exactly the packets it matches: a deny
 *      for user runner blocks runner's packets and no one else's, so an
 *      allow for everyone still accepts the others' (and an allow for a
 *      user never undoes a deny for everyone);
 *   3. packets of established and related connections are accepted when
 *      this machine (or its containers) started the connection, or it came
 *      in to a published port (through nat); a reply to any other
 *      connection that came in meets the rules below, so that a step that
 *      listens cannot hand data to whoever connects;
 *   4. a packet matching any allow class is accepted;
 *   5. everything else gets default_verdict.
 * A class matches a packet whose service it matches, whose sender it
 * matches (struct who), sent at a time its window holds (struct window,
 * in UTC; none: any time) and whose destination is in its set of the
 * family or in one of its run-time sets. A class with a user or group matches
 * only packets a socket on this machine sends: forwarded packets (a
 * container's, a VM's) have no socket, so such a class neither blocks nor
 * accepts them, and they meet the classes for everyone. A group is the
 * socket's primary (file system) group, as both kernels' matches see it;
 * supplementary groups do not count. A class with a cgroup is like one
 * with a user: a socket's cgroup is where the process that made it was
 * then, and forwarded packets have none. A class with sources matches only
 * forwarded packets from them (the source a container's packet has in the
 * forward hook, before any masquerading): never this machine's own, which
 * 'user' and 'group' tell apart, and never a packet of another family.
 * Users and groups written by name are
 * looked up by nft and iptables when the ruleset is loaded (a name the
 * runner does not know fails the load, which leaves the old ruleset);
 * the model compares them as written: a name is not its number.
 * Classes are ordered deny first, then by service, then by sender (everyone
 * first), then by window (any time first), so output order depends only
 * on what the policy says, not how it is laid out. */
#ifndef EGRESSC_MODEL_H
#define EGRESSC_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler/ast.h"
#include "lib/ipsetname.h"
#include "lib/window.h"
#include "lib/ivlist.h"
#include "lib/rangeset.h"

struct diags;
struct host;

struct port_range {
	uint16_t lo, hi;
};

/* A user or group as a rule names it: by name (looked up at load time),
 * or by number. */
struct owner_id {
	const char *name;	/* NULL: id */
	uint32_t id;
};

/* Sorted (numbers ascending, then names by strcmp()), no duplicates. */
struct owner_set {
	struct owner_id *ids;
	size_t n;
};

/* Whom a class's rules are for: the sending socket's user and primary
 * group, and the cgroup v2 its socket was made in (cgroup, or one below
 * it: nft's socket cgroupv2 at cgroup's level, iptables's cgroup --path).
 * An empty set or a NULL cgroup does not restrict; none given: every
 * sender, forwarded traffic included. */
struct who {
	struct owner_set users, groups;
	const char *cgroup;	/* "system.slice/docker.service", the rule's */
};

/* The sources a class is for: forwarded packets from these addresses,
 * merged, per family. Not given: any packet, forwarded or not. */
struct source_set {
	bool given;
	struct ivlist sets[FAMILY_COUNT];	/* normalized; one may be empty */
};

/* A minute of the week (lib/window.h), or none known. */
struct instant {
	bool known;
	uint16_t minute;
};

/* Who sends a packet, and when, for model_decide() and the regions: its
 * socket's user and group, or NULL where there is none (a forwarded
 * packet) or it is not known; the time, or none (then no window holds
 * it). Classes for everyone at any time match regardless. */
struct sending {
	const struct owner_id *user, *group;
	/* Its socket's cgroup v2 path, as 'cgroup' writes one, or NULL. */
	const char *cgroup;
	struct instant at;
	/* A forwarded packet's source (of its family), or none known: then
	 * it is this machine's own, or from a source no rule names. */
	struct {
		bool known;
		enum family family;
		addr_t addr;
	} src;
};

struct service {
	unsigned protos;		/* PROTO_* bits; 0: every protocol and port */
	struct port_range *ports;	/* sorted, merged; nports 0: every port */
	size_t nports;
};

/* Where one range of a class came from: the rule, and the leaf target
 * (an address, or a hostname whose ->host gives the name) that named it,
 * possibly inside a define. */
struct origin {
	const struct stmt *rule;
	const struct target *target;
};

/* A class's set of one family holds at most this many ranges as written
 * (before merging): beyond it the rule that overflows it is an error. */
#define SET_MAX_RANGES (1u << 23)

/* Longest class name; longer ones end in a hash of the full name (salted
 * when that name is taken: names are unique however hashes collide). */
#define CLASS_NAME_MAX 48

/* Longest nft name of a run-time set, without its "_v4"/"_v6" (ipset's
 * limit on a set name is lib/ipsetname.h's). */
#define RUNTIME_NAME_MAX (CLASS_NAME_MAX + 32)

enum runtime_kind {
	RUNTIME_WILDCARD,	/* dnsmasq adds what it answers for the names */
	RUNTIME_DYNAMIC,	/* declared by 'dynamic'; other software adds */
};

/* A set whose members arrive at run time, one per family in each ruleset,
 * created empty; members age out after timeout seconds. Wildcards of one
 * class with one timeout share a set; a dynamic set is one however many
 * classes use it. A wildcard set's name hashes its timeout and domains, so
 * that a dnsmasq configured for another policy cannot fill it unless it
 * was filled by the same wildcards there; an ipset's name spells or
 * hashes everything 'ipset create' fixes (family, timeout; the type is
 * hash:net for all). */
struct runtime_set {
	enum runtime_kind kind;
	char name[RUNTIME_NAME_MAX + 1];	/* "allow_tcp_443_dns_b1576f59", "dyn_builders" */
	/* "egressc_dyn_builders_30m_v4", "egressc_allow_tcp_880e0aca_v4" */
	char ipset[FAMILY_COUNT][IPSET_NAME_MAX + 1];
	uint32_t timeout;
	const struct stmt *decl;		/* RUNTIME_DYNAMIC: the declaration */
	/* RUNTIME_WILDCARD: the wildcards feeding it, sorted by domain, one
	 * per domain (the first written). */
	const struct target **wildcards;
	size_t nwildcards, wildcards_cap;
	/* The rules that name it, in policy order. */
	const struct stmt **rules;
	size_t nrules, rules_cap;
};

/* What a blocked packet (in monitor mode: one that would be) is counted and
 * logged as: "deny_N" for the policy's Nth deny rule, "default" for the
 * default policy. Names depend only on the order of deny rules. */
#define COUNTER_NAME_MAX 15

struct counter {
	char name[COUNTER_NAME_MAX + 1];
	const struct stmt *rule;	/* NULL: the default policy */
};

/* A static set of one family (a class's, or a deny rule's share of one)
 * as the iptables backend loads it: an ipset (lib/ipsetname.h's
 * ipsetname_static(): its name hashes what it holds) when it takes more
 * than one prefix, so that a class is one rule however many prefixes it
 * has; a single prefix is matched in the rule itself. Named by
 * model_name_static_ipsets(). */
struct static_ipset {
	char name[IPSET_NAME_MAX + 1];	/* "": no ipset (no prefix, or one) */
	size_t nprefixes;		/* the set's minimal prefix cover */
};

/* A class's refresh ipset of one family (model_class_refreshed()): the
 * spans of its set that a pinned name's address is in, which the refresh
 * agent changes in place. Its name depends on the class alone ("pin_"
 * and the class's name, lib/ipsetname.h's ipsetname_make()), never on
 * what it holds, so that the agent and every apply find it; it is
 * created with room for REFRESH_IPSET_ROOM members (ipset's default
 * maxelem) or, when the policy puts more than half that in it, the power
 * of two at least twice as many, and then the name spells its room too:
 * 'ipset create' fixes maxelem. One room for both families. Named
 * by model_name_static_ipsets(). */
struct refresh_ipset {
	char name[IPSET_NAME_MAX + 1];	/* "": the class has none */
	size_t nprefixes;		/* the policy's members (a minimal prefix cover) */
	size_t maxelem;
};
#define REFRESH_IPSET_ROOM 65536u

/* One deny rule's share of its class: the addresses it put there, merged,
 * per family. A packet is counted under the first part (in class order,
 * then policy order) that holds its destination, which is also the rule
 * that blocks it. */
struct deny_part {
	size_t counter;			/* index into model.counters */
	struct ivlist sets[FAMILY_COUNT];	/* normalized; one may be empty */
	struct static_ipset ipset[FAMILY_COUNT];
};

struct rule_class {
	enum verdict verdict;
	struct service svc;
	struct who who;
	struct window when;		/* n 0: at any time */
	struct source_set src;		/* not given: from any source, this machine too */
	char name[CLASS_NAME_MAX + 1];	/* stable: derived from verdict and service */
	struct rangeset sets[FAMILY_COUNT];
	struct static_ipset ipset[FAMILY_COUNT];	/* allow classes' sets[]: the spans not refreshed */
	struct refresh_ipset refresh[FAMILY_COUNT];	/* model_class_refreshed() only */
	bool refreshed;		/* model_class_refreshed(): a hostname's address went in */
	size_t *runtime;		/* indexes into model.runtime: wildcard sets by */
	size_t nruntime, runtime_cap;	/* timeout, then dynamic sets by name */
	const struct stmt **rules;	/* every rule of the class, in policy order */
	size_t nrules, rules_cap;
	/* The rules that put addresses into sets[f], in policy order. */
	const struct stmt **family_rules[FAMILY_COUNT];
	size_t nfamily_rules[FAMILY_COUNT];
	/* Deny classes only: sets[] split by rule, in policy order; and for
	 * runtime[j], the counter of the first of its rules in this class. */
	struct deny_part *parts;
	size_t nparts;
	size_t *runtime_counter;
	/* Allow classes only: whether sets[f] is matched in the family's
	 * shared allow lookup (model_share_lookups()) rather than by a rule
	 * of the class's own; then its elements there are each prefix of
	 * sets[f] with each protocol and port range of svc. */
	bool shared[FAMILY_COUNT];
};

/* A domain some wildcard names ("example.com" of "*.example.com"). */
struct wildcard_domain {
	const char *domain;
	bool allowed;		/* an allow rule's wildcard names it */
};

struct model {
	const struct policy *policy;
	enum verdict default_verdict;
	enum deny_action on_deny;
	struct rule_class *classes;
	size_t nclasses;
	struct origin *origins;
	size_t norigins;
	/* Dynamic sets sorted by name, then wildcard sets in class order. */
	struct runtime_set *runtime;
	size_t nruntime, runtime_cap;
	/* Every wildcard's domain once, sorted by strcmp(): what dnsmasq
	 * fills sets for, and under DNS lockdown forwards (the allowed
	 * ones). */
	struct wildcard_domain *domains;
	size_t ndomains;
	/* DNS lockdown, or NULL. Its deny rules are ordinary rules of the
	 * model; beside them, semantics fixed here: the forwarder's own
	 * traffic (sockets of resolver.user, on this machine) to the
	 * resolvers on 53 and 853, tcp and udp, is accepted before any rule,
	 * like loopback. Nothing forwarded is the forwarder's. */
	const struct stmt *resolver;
	enum mode mode;
	/* Whether to log, as the policy says (monitor mode logs): ask
	 * model_counter_logs() which counters do. */
	bool log_denied, log_to_group;
	uint16_t log_group;
	/* What the kernel records per destination, address, protocol and
	 * port, with packet and byte counts, in a table of at most
	 * record_limit destinations (beyond it: an overflow counter):
	 * RECORD_BLOCKED, each packet counted under a counter that
	 * model_counter_records() (before it is blocked, or monitoring,
	 * accepted); RECORD_ALL, each packet that starts a connection and
	 * that no exemption accepts, whatever the policy decides. */
	enum record_what record;
	uint32_t record_limit;
	char record_ipset[FAMILY_COUNT][IPSET_NAME_MAX + 1]; /* "egressc_record_65536_v4" */
	/* One per deny rule, in policy order, then the default policy's. */
	struct counter *counters;
	size_t ncounters;
	/* Hosts named by allow rules, sorted by name: the hosts output pins them. */
	const struct host **pinned;
	size_t npinned;
	/* Per family, how many classes are shared (rule_class.shared) and
	 * how many elements they give the shared lookup; none: no lookup. */
	size_t nshared[FAMILY_COUNT], shared_elements[FAMILY_COUNT];
	/* Whether the static and refresh ipsets (struct static_ipset,
	 * struct refresh_ipset) are named for the sets as they are now:
	 * model_name_static_ipsets() has run since they last changed. */
	bool static_ipsets_named;
};

/* The protocol of a packet for model_decide(): PROTO_TCP, PROTO_UDP, or 0
 * for any other protocol (which has no ports). */
struct packet {
	enum family family;
	addr_t addr;
	unsigned proto;
	uint16_t port;
	struct sending from;	/* zero: no socket's, or not known */
};

enum decision_reason {
	DECIDED_BY_RULE,	/* class and span say which */
	DECIDED_BY_DEFAULT,
	DECIDED_BY_RUNTIME,	/* model_decide_name(): class and runtime say which */
};

struct decision {
	enum verdict verdict;
	enum decision_reason reason;
	const struct rule_class *cls;	/* DECIDED_BY_RULE, _RUNTIME: the class and ... */
	struct span span;		/* ... the span of its set that matched, or */
	const struct runtime_set *runtime; /* ... the run-time set that holds it */
	/* A deny: the counter the packet adds to (and its log line names). */
	const struct counter *counter;
};

/* Builds the model from a checked and resolved policy. Returns 0, or -1
 * with errors queued when a limit is exceeded. */
int model_build(struct model *m, const struct policy *p, struct diags *d);
void model_release(struct model *m);
/* Names the static and refresh ipsets of every class and deny part, from
 * what their sets hold now, unless they are named already. Only the
 * iptables backend has them (its outputs, and apply and refresh on it), so
 * the driver names them when the caller wants such an output
 * (compile_opts.no_static_ipsets), after the optimizer: hashing a
 * million-prefix set is a sixth of its compile, which an nft output
 * never needs. Names are unique among all the model's ipsets, run-time
 * ones included. */
void model_name_static_ipsets(struct model *m);
/* Aborts with a BUG unless they are named: an emitter that prints them
 * asks first, so that a caller that forgot cannot print an empty name. */
void model_assert_static_ipsets_named(const struct model *m);
/* The shared allow lookup: one match per family of destination, protocol
 * and port in one set (nft's concatenated interval set), instead of a
 * rule per allow class, whose cost grows with the number of classes. An
 * allow class for every sender, at any time, from any source, of TCP or
 * UDP on some ports, without run-time sets, joins it in family F when its
 * elements (prefixes x protocols x port ranges) are at most
 * SHARED_CLASS_ELEMENTS_MAX and its ports are disjoint, protocol by
 * protocol, from those of every class that joined before it (in class
 * order): so no two elements ever overlap, which such a set refuses, and
 * the set holds each joined class's elements, no more. A family has the
 * lookup only when at least SHARED_CLASSES_MIN classes join; else none
 * does. Accepts commute, so which rule accepts a packet does not change
 * what is accepted. Decided by model_build(), and again by whatever
 * changes a set after it (the optimizer).
 * Measured (bench/lookup.sh, docs/outputs.md): a rule per class costs
 * each new connection about 0.4% of its time per rule (1,024 classes:
 * 0.20x the connections of no ruleset, the lookup 0.77x; protocol in the
 * key or not, the same),
 * so below 8 classes the rules cost under 3%, inside the noise, and small
 * policies keep the output people read; one class of 16k-64k prefixes
 * matched no faster in the shared set than in a set and rule of its own,
 * and loaded 40% slower: past a few thousand elements a class keeps its
 * rule, which costs one rule. */
#define SHARED_CLASSES_MIN 8
#define SHARED_CLASS_ELEMENTS_MAX 4096
void model_share_lookups(struct model *m);
/* Whether the refresh agent keeps class C's pinned names current: C is
 * an allow class that a hostname's addresses went into (the names the
 * hosts output pins). On nft it changes the class's own set; on iptables
 * the class has, per family, a refresh ipset (struct refresh_ipset: both
 * families, so that a name may come to have addresses of the other) for
 * the spans that hold a pinned name's address, matched beside its static
 * ipset or prefixes, which hold the rest: a list's prefixes stay in a set
 * that apply need not load again, and the agent changes a small set of
 * names' addresses only. The one place that decides which classes and
 * spans are refreshed: emitters, apply and the agent ask these. */
bool model_class_refreshed(const struct model *m, const struct rule_class *c);
/* Whether span I of C's set of family F is in C's refresh ipset: C is
 * refreshed and some address of a hostname went into the span. */
bool model_span_refreshed(const struct model *m, const struct rule_class *c, enum family f,
			  size_t i);
/* Whether the iptables rules of family F match an ipset, run-time or
 * static: the ipset output must be loaded before them. */
bool model_uses_ipsets(const struct model *m, enum family f);
/* A name given twice among the model's sets (classes', deny parts' and
 * run-time sets'), counters and ipsets, or NULL. model_build() makes them
 * unique and aborts with a BUG when they are not. */
const char *model_duplicate_name(const struct model *m);

bool service_matches(const struct service *svc, unsigned proto, uint16_t port);
/* Whether W is for everyone (no user, no group, no cgroup). */
static inline bool who_everyone(const struct who *w)
{
	return !w->users.n && !w->groups.n && !w->cgroup;
}
/* Whether a process in cgroup PATH is in CGROUP: PATH is CGROUP or below
 * it (both as 'cgroup' writes them). */
bool cgroup_holds(const char *cgroup, const char *path);
/* Levels below the v2 root of a 'cgroup' path: nft's cgroupv2 level. */
unsigned cgroup_level(const char *cgroup);
/* Whether a packet from S is one W's class matches. */
bool who_matches(const struct who *w, const struct sending *s);
/* Whether window W (none: any time) holds AT. */
bool when_matches(const struct window *w, const struct instant *at);
/* Whether every minute NARROW holds, WIDE holds too. */
bool when_covers(const struct window *wide, const struct window *narrow);
/* Whether class C matches packets from S: who and when. */
bool class_matches_sending(const struct rule_class *c, const struct sending *s);
/* Whether every sender NARROW matches, WIDE matches too. */
bool who_covers(const struct who *wide, const struct who *narrow);
int owner_id_cmp(const struct owner_id *a, const struct owner_id *b);
/* "runner", "1001" into BUF. */
const char *owner_id_format(const struct owner_id *o, char *buf, size_t size);
/* The packets both A and B match, into *OUT (ports malloc'd). Returns
 * false, with nothing allocated, when there are none. */
bool service_intersect(const struct service *a, const struct service *b, struct service *out);
/* Whether every packet NARROW matches, WIDE matches too. */
bool service_covers(const struct service *wide, const struct service *narrow);
/* The first ports of the intervals on which no class of MS[0..N) changes
 * its mind: 0, and every port range's start and end + 1, sorted, unique.
 * The caller frees the array. */
uint16_t *model_port_cuts(const struct model *const *ms, size_t nmodels, size_t *n);
/* Whether some class is for some senders only: users, groups (this
 * machine's own traffic) or sources (forwarded traffic); then the two
 * meet different rules. */
bool model_names_senders(const struct model *m);
/* Whether some class is for a cgroup: nft then needs the policy twice,
 * as iptables does for any sender (a socket match is refused on the
 * forward path). */
bool model_names_cgroups(const struct model *m);
/* Whether every source NARROW holds, WIDE holds too. */
bool source_covers(const struct source_set *wide, const struct source_set *narrow);
/* The source cuts of family F: the first addresses of the stretches over
 * which no class's sources of MS[0..N) change, sorted, unique: 0, and
 * every source range's start and end + 1. The caller frees them. */
addr_t *model_source_cuts(const struct model *const *ms, size_t nmodels, enum family f, size_t *n);
/* The default policy's counter. */
static inline const struct counter *model_default_counter(const struct model *m)
{
	return &m->counters[m->ncounters - 1];
}

/* What accepts a packet before any rule, as far as its destination tells
 * (rule 1; rule 0 and the forwarder's exemption depend on the interface
 * and the socket's user, which a destination does not say). */
enum exemption {
	EXEMPT_NONE,		/* the rules decide: model_decide() */
	EXEMPT_LOOPBACK,	/* to a loopback address, 127.0.0.0/8 or ::1 */
};

enum exemption model_exemption(const struct model *m, const struct packet *pkt);

/* What every ruleset does with a packet counted under K, so that the
 * backends cannot differ. A deny rule's counter, and the default's under
 * default deny, count what is blocked - monitoring, what would be: those
 * log when logging is on, which monitor mode turns on, and block unless
 * monitoring. The default's counter under default allow counts what is
 * accepted; it neither logs nor blocks. */
bool model_counter_logs(const struct model *m, const struct counter *k);
bool model_counter_blocks(const struct model *m, const struct counter *k);
/* What policy P records: as its 'record' says, else what monitor mode
 * exists to tell (what would be blocked), and nothing when enforcing. */
enum record_what model_record(const struct policy *p);
/* Whether a packet counted under K is recorded by destination (see
 * model.record): under 'record blocked', exactly when K counts what is
 * (or, monitoring, would be) blocked. */
bool model_counter_records(const struct model *m, const struct counter *k);

/* Rules 2, 4 and 5 above for a packet that starts a connection and that
 * no exemption accepts, with every run-time set empty. */
struct decision model_decide(const struct model *m, const struct packet *pkt);
/* The rule that blocked PKT, a packet the ruleset is known to have blocked
 * (recording 'blocked' holds only those) from a sender it does not say: the
 * first deny class that holds it for some sender, at some time, from some
 * source; else the default. Where model_decide() would accept it from no
 * one in particular, only a deny rule for a user, a group, a window or a
 * source can have blocked it. */
struct decision model_decide_blocked(const struct model *m, const struct packet *pkt);
/* Regions: model_decide() over whole address sets, for readers that
 * compare or sweep policies (diff, lint) rather than judge one packet.
 * A region is one service point: family F, PROTO (as in struct packet:
 * 0 is any other protocol, whose PORT is ignored) and PORT; it is the
 * same for every port from one of model_port_cuts()'s cuts to the next,
 * so a caller walks the cuts, not the 65536 ports. Run-time sets are
 * empty, as for model_decide(); loopback and the forwarder's exemption
 * are not in it, nor is monitor mode: what a deny class matches is
 * outside the accepted region though the ruleset, monitoring, lets it
 * pass. *OUT's contents are replaced by a normalized list; the caller
 * frees it.
 *
 * The destinations rule 2 blocks: those of every deny class matching
 * the service. */
void model_denied_region(const struct model *m, enum family f, unsigned proto, uint16_t port,
			 struct ivlist *out);
/* The destinations model_decide() accepts: those an allow class matching
 * the service holds (with default allow, every address), less the denied
 * region. An address is in it exactly when model_decide() says allow. */
void model_accepted_region(const struct model *m, enum family f, unsigned proto, uint16_t port,
			   struct ivlist *out);
/* Both, for packets sent by FROM rather than by no socket: the classes
 * for everyone and those whose who matches FROM. */
void model_denied_region_from(const struct model *m, const struct sending *from, enum family f,
			      unsigned proto, uint16_t port, struct ivlist *out);
void model_accepted_region_from(const struct model *m, const struct sending *from,
				enum family f, unsigned proto, uint16_t port, struct ivlist *out);
/* The destinations denied to every sender, at every time, that class
 * NARROW matches: those of every deny class matching the service whose
 * who and window cover NARROW's (lint: an allow of NARROW's there is
 * dead). */
void model_denied_region_covering(const struct model *m, const struct rule_class *narrow,
				  enum family f, unsigned proto, uint16_t port, struct ivlist *out);
/* The minutes of the week at which some class's window of MS[0..N)
 * begins or ends, sorted, unique (none: no class has a window); between
 * one and the next, no class changes its mind. The caller frees it. */
uint16_t *model_window_cuts(const struct model *const *ms, size_t nmodels, size_t *n);
/* Every user and group some class names, once each, sorted: with the
 * sender that has neither, the senders to ask about to see every
 * decision the model makes (diff). The caller frees both arrays. */
void model_owners(const struct model *const *ms, size_t nmodels, struct owner_set *users,
		  struct owner_set *groups);
/* Every cgroup some class names, once each, sorted (strcmp()), into
 * *OUT (the caller frees the array, not the strings): a process in each,
 * and one in none, meet every decision cgroups make. */
size_t model_cgroups(const struct model *const *ms, size_t nmodels, const char ***out);

/* The run-time sets that would change decision D of PKT if they held its
 * destination, into OUT[0..max): allow sets before a default deny, deny
 * sets before an allow. Returns how many there are. */
size_t model_runtime_could(const struct model *m, const struct packet *pkt,
			   const struct decision *d, const struct runtime_set **out, size_t max);

/* The rules whose addresses would change decision D of PKT if its
 * destination were among them (for a destination not known yet), into
 * OUT[0..max), in class order: deny rules before an allow, allow rules
 * before a default deny. Returns how many there are. */
size_t model_addresses_could(const struct model *m, const struct packet *pkt,
			     const struct decision *d, const struct stmt **out, size_t max);

/* The classes for users, groups or times that PKT's sending is not
 * among, whose service and set match PKT and which would change decision
 * D if it were (a packet of one of their users and groups, first of each,
 * at the start of their window), into OUT[0..max), in class order.
 * Returns how many there are. */
size_t model_senders_could(const struct model *m, const struct packet *pkt,
			   const struct decision *d, const struct rule_class **out, size_t max);

/* Whether dnsmasq puts what it answers for NAME (lower case, no final
 * dot) into run-time set R: R is a wildcard set, one of its domains is
 * NAME or above it, and dnsmasq asks upstream for NAME. It does for every
 * name but those pinned in the hosts fragment (allowed by name), which it
 * answers from there; under DNS lockdown, enforcing, only for names below
 * a domain an allow rule's wildcard names (the rest are NXDOMAIN), and
 * monitoring, for every name. */
bool model_runtime_takes(const struct model *m, const struct runtime_set *r, const char *name);
/* Whether DNS lockdown refuses NAME (NXDOMAIN) when enforcing: there is a
 * lockdown, NAME is not pinned, and no allow rule's wildcard covers it.
 * Monitoring, the forwarder answers it all the same: this says that the
 * lockdown would have refused it. */
bool model_dns_refuses(const struct model *m, const char *name);

/* Rules 2, 4 and 5 for a packet of PKT's service to NAME, once dnsmasq
 * has answered for it: its addresses are then in every set that
 * model_runtime_takes() NAME into, and the first class (deny first)
 * matching the service with one of those decides (DECIDED_BY_RUNTIME);
 * else the default does. What other sets hold is not known from a name:
 * model_addresses_could() and model_runtime_could() say what could
 * change the decision. PKT's destination is not read. */
struct decision model_decide_name(const struct model *m, const char *name,
				  const struct packet *pkt);

/* The refreshed classes (model_class_refreshed()) whose sets host H's
 * addresses went into (its allow rules name it, directly or through
 * defines), into OUT[0..max), in class order: where the refresh agent
 * adds the addresses H has now. Returns how many
 * there are. */
size_t model_host_classes(const struct model *m, const struct host *h,
			  const struct rule_class **out, size_t max);

/* Whether address A of family F is an element of its own in class C's
 * set (a span of one address) that only host H put there: one the refresh
 * agent may take out when DNS no longer gives it for H. */
bool model_host_owns(const struct model *m, const struct rule_class *c, const struct host *h,
		     enum family f, addr_t a);

/* Whether a deny rule (rule 2) blocks some packet of class C's service to
 * address A of family F: what refreshing C's names must not admit, though
 * DNS now returns it. */
bool model_denies_any(const struct model *m, const struct rule_class *c, enum family f,
		      addr_t a);

/* Whether replies (established, related) are accepted before the deny
 * rules. Enforcing, no: deny rules see every packet, so that a denied host
 * which connects in gets nothing back. Monitoring, nothing is blocked
 * anyway, and yes: a connection to a denied host is counted and logged
 * once, at its start, not at every packet. */
bool model_replies_first(const struct model *m);

/* Whether a forwarded packet whose source the runner would not route back
 * out of the interface the packet came in on is dropped before any rule:
 * when enforcing a policy with a rule 'from' some source. A container
 * could otherwise claim another network's source address - to escape a
 * deny 'from' its own, or to get an allow 'from' another's - and though
 * no answer would come back to it, its packets alone carry data out. (No
 * route tells two containers on one bridge apart.) */
bool model_checks_source_route(const struct model *m);

/* The addresses inside the network that no name may lead to: --strict
 * refuses a pin to one, and dnsmasq refuses an answer holding one for the
 * run-time sets. One table for both. */
struct inside_range {
	const char *prefix;	/* "10.0.0.0/8" */
	const char *what;	/* "a private address" */
	/* No server a build needs lives there: loopback, link-local (the
	 * cloud's metadata service), multicast, unspecified. A private
	 * address may be the company's artifact store. */
	bool no_service;
};
extern const struct inside_range model_inside_ranges[];
extern const size_t model_ninside_ranges;
/* The range of model_inside_ranges[] that holds A of family F, or NULL. */
const struct inside_range *model_inside_range(enum family f, addr_t a);

#endif
