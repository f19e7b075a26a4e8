/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compiler/query.h"

#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/duration.h"
#include "lib/ivlist.h"
#include "lib/jsonout.h"
#include "lib/vec.h"
#include "compiler/resolve.h"
#include "lib/window.h"

enum { PROTOS = 3 };
static const unsigned protos[PROTOS] = { PROTO_TCP, PROTO_UDP, 0 };
static const char *const proto_names[PROTOS] = { "tcp", "udp", "other" };

/* A run of port intervals over which one difference holds. */
struct region {
	int sign;		/* +1: NEW allows it, OLD did not; -1: the reverse */
	int proto;		/* index into protos[]; -1: every protocol */
	uint16_t lo, hi;
	enum family family;
	struct ivlist addrs;
};

/* Room for "path:line" of a setting. */
#define PATH_MAX_SHOWN 4096

/* "PATH:LINE" of AT as a JSON string. */
static void json_location(FILE *fp, const struct loc *at)
{
	char line[16];
	char *both = xmalloc(strlen(at->src->path) + sizeof(line));

	snprintf(line, sizeof(line), ":%d", at->first_line);
	strcpy(both, at->src->path);
	strcat(both, line);
	json_write_string(fp, both);
	free(both);
}

/* One address of a hostname. */
struct host_addr {
	enum family family;
	addr_t addr;
	const struct host *host;
};

/* Every hostname one side's policy names, sorted by name, once each, with
 * the addresses that side resolved it to; and those addresses sorted, so
 * that the names behind a prefix are found without a walk over all. */
struct side_hosts {
	const struct host **v;
	size_t n;
	struct host_addr *by_addr;
	size_t naddrs;
};

struct printer {
	FILE *fp;
	enum diff_format format;
	const struct model *old, *new;
	struct side_hosts hosts[2];	/* OLD's, NEW's */
	const struct region *rg;
	/* The sender the lines are for: none (a forwarded packet, or a socket
	 * of a user neither policy names), or a user and group they name. */
	struct sending from;
	const char *during;	/* "Mon 01:00-Mon 03:00 UTC", or "" */
	const char *source;	/* "198.51.100.0/31", or NULL */
	size_t lines;
};

static int host_cmp(const void *a, const void *b)
{
	return strcmp((*(const struct host *const *)a)->name, (*(const struct host *const *)b)->name);
}

static int host_addr_cmp(const void *pa, const void *pb)
{
	const struct host_addr *a = pa, *b = pb;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	return strcmp(a->host->name, b->host->name);
}

static void side_hosts_init(struct side_hosts *h, const struct model *m)
{
	size_t cap = 0, n = 0;

	h->v = NULL;
	for (size_t i = 0; i < m->norigins; i++)
		if (m->origins[i].target->kind == TARGET_HOST)
			VEC_PUSH(h->v, n, cap, m->origins[i].target->host);
	if (n)
		qsort(h->v, n, sizeof(*h->v), host_cmp);
	h->n = 0;
	for (size_t i = 0; i < n; i++)
		if (h->n == 0 || strcmp(h->v[h->n - 1]->name, h->v[i]->name) != 0)
			h->v[h->n++] = h->v[i];
	h->by_addr = NULL;
	h->naddrs = 0;
	cap = 0;
	for (size_t i = 0; i < h->n; i++)
		for (size_t j = 0; j < h->v[i]->naddrs; j++)
			VEC_PUSH(h->by_addr, h->naddrs, cap,
				 (struct host_addr){ (enum family)h->v[i]->addrs[j].family,
						     h->v[i]->addrs[j].addr, h->v[i] });
	if (h->naddrs)
		qsort(h->by_addr, h->naddrs, sizeof(*h->by_addr), host_addr_cmp);
}

static void side_hosts_release(struct side_hosts *h)
{
	free(h->v);
	free(h->by_addr);
}

static const struct host *side_hosts_find(const struct side_hosts *h, const char *name)
{
	struct host key = { .name = name };
	const struct host *k = &key;
	const struct host **found =
		h->n ? bsearch(&k, h->v, h->n, sizeof(*h->v), host_cmp) : NULL;

	return found ? *found : NULL;
}

/* Whether one of H's addresses is in P. */
static bool host_in_prefix(const struct host *h, const struct prefix *p)
{
	addr_t last = prefix_last(p);

	for (size_t i = 0; i < h->naddrs; i++)
		if (h->addrs[i].family == p->family && h->addrs[i].addr >= p->addr &&
		    h->addrs[i].addr <= last)
			return true;
	return false;
}

/* The index of H's first address at or after P's first. */
static size_t first_addr_in(const struct side_hosts *h, const struct prefix *p)
{
	size_t lo = 0, hi = h->naddrs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct host_addr *a = &h->by_addr[mid];
		if (a->family < p->family || (a->family == p->family && a->addr < p->addr))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Whether both sides resolved H's name, to different addresses. */
static bool host_moved(const struct host *a, const struct host *b)
{
	if (!a || !b)
		return false;
	if (a->naddrs != b->naddrs)
		return true;
	for (size_t i = 0; i < a->naddrs; i++)
		if (a->addrs[i].family != b->addrs[i].family || a->addrs[i].addr != b->addrs[i].addr ||
		    a->addrs[i].len != b->addrs[i].len)
			return true;
	return false;
}

/* The names behind prefix P on each side, as the two sides resolved
 * them; a name resolved differently by the two has moved. */
struct names_behind {
	const struct host **side[2];	/* OLD's, NEW's, each sorted by name */
	size_t n[2];
	bool same;			/* the two lists name the same names */
};

static void names_behind(const struct printer *pr, const struct prefix *p, struct names_behind *nb)
{
	addr_t last = prefix_last(p);

	for (int w = 0; w < 2; w++) {
		const struct side_hosts *h = &pr->hosts[w];
		size_t n = 0, cap = 0;
		nb->side[w] = NULL;
		for (size_t i = first_addr_in(h, p);
		     i < h->naddrs && h->by_addr[i].family == p->family && h->by_addr[i].addr <= last;
		     i++)
			VEC_PUSH(nb->side[w], n, cap, h->by_addr[i].host);
		if (n)
			qsort(nb->side[w], n, sizeof(*nb->side[w]), host_cmp);
		nb->n[w] = 0;
		for (size_t i = 0; i < n; i++)
			if (nb->n[w] == 0 || nb->side[w][nb->n[w] - 1] != nb->side[w][i])
				nb->side[w][nb->n[w]++] = nb->side[w][i];
	}
	nb->same = nb->n[0] == nb->n[1];
	for (size_t i = 0; nb->same && i < nb->n[0]; i++)
		nb->same = strcmp(nb->side[0][i]->name, nb->side[1][i]->name) == 0;
}

static void names_behind_release(struct names_behind *nb)
{
	free(nb->side[0]);
	free(nb->side[1]);
}

static void print_addrs(FILE *fp, const struct host *h, bool json)
{
	char buf[PREFIX_STRLEN];

	for (size_t i = 0; i < h->naddrs; i++)
		fprintf(fp, json ? "%s\"%s\"" : "%s%s", i ? ", " : "", prefix_format(&h->addrs[i], buf));
	if (!h->naddrs && !json)
		fputs("nothing", fp);
}

/* One side's names: "a, b (moved; new: 198.51.100.99)". */
static void print_names_text(const struct printer *pr, const struct names_behind *nb, int w)
{
	for (size_t i = 0; i < nb->n[w]; i++) {
		const struct host *h = nb->side[w][i];
		const struct host *other = side_hosts_find(&pr->hosts[1 - w], h->name);
		fprintf(pr->fp, "%s%s", i ? ", " : "", h->name);
		if (host_moved(h, other)) {
			fprintf(pr->fp, " (moved; %s: ", w ? "old" : "new");
			print_addrs(pr->fp, other, false);
			fputc(')', pr->fp);
		}
	}
	if (!nb->n[w])
		fputs("none", pr->fp);
}

static void print_names(const struct printer *pr, const struct prefix *p)
{
	struct names_behind nb;

	names_behind(pr, p, &nb);
	if (pr->format == DIFF_JSON) {
		for (int w = 0; w < 2; w++) {
			fprintf(pr->fp, ", \"%s_names\": [", w ? "new" : "old");
			for (size_t i = 0; i < nb.n[w]; i++) {
				fputs(i ? ", " : "", pr->fp);
				json_write_string(pr->fp, nb.side[w][i]->name);
			}
			fputs("]", pr->fp);
		}
		/* Moved: each name once, OLD's list first, then NEW's own. */
		fputs(", \"moved\": [", pr->fp);
		size_t k = 0;
		for (int w = 0; w < 2; w++) {
			for (size_t i = 0; i < nb.n[w]; i++) {
				const struct host *h = nb.side[w][i];
				const struct host *o = side_hosts_find(&pr->hosts[1 - w], h->name);
				if (!host_moved(h, o) || (w == 1 && host_in_prefix(o, p)))
					continue;
				fputs(k++ ? ", " : "", pr->fp);
				fputs("{\"name\": ", pr->fp);
				json_write_string(pr->fp, h->name);
				fputs(", \"old\": [", pr->fp);
				print_addrs(pr->fp, w ? o : h, true);
				fputs("], \"new\": [", pr->fp);
				print_addrs(pr->fp, w ? h : o, true);
				fputs("]}", pr->fp);
			}
		}
		fputs("]", pr->fp);
	} else if (nb.same && nb.n[0]) {
		fputs("; ", pr->fp);
		print_names_text(pr, &nb, pr->rg->sign > 0);
	} else if (!nb.same) {
		fputs("; old: ", pr->fp);
		print_names_text(pr, &nb, 0);
		fputs("; new: ", pr->fp);
		print_names_text(pr, &nb, 1);
	}
	names_behind_release(&nb);
}

static void print_rule(FILE *fp, const struct model *m, const struct packet *pkt, bool json)
{
	struct decision dc = model_decide(m, pkt);
	struct because b = { 0 };

	if (dc.reason == DECIDED_BY_RULE)
		decision_explain(m, &dc, pkt, &b);
	if (json) {
		if (b.rule) {
			char where[32];
			snprintf(where, sizeof(where), ":%d", b.rule->loc.first_line);
			char *both = xmalloc(strlen(b.rule->loc.src->path) + sizeof(where));
			strcpy(both, b.rule->loc.src->path);
			strcat(both, where);
			json_write_string(fp, both);
			free(both);
		} else {
			fputs("\"default\"", fp);
		}
		return;
	}
	if (b.rule)
		fprintf(fp, "%s:%d", b.rule->loc.src->path, b.rule->loc.first_line);
	else
		fputs("the default policy", fp);
}

static void print_prefix(const struct prefix *p, void *arg)
{
	struct printer *pr = arg;
	const struct region *rg = pr->rg;
	char buf[PREFIX_STRLEN], ports[16];
	const char *proto = rg->proto < 0 ? "any" : proto_names[rg->proto];
	/* Attribute with the region's first packet: the same rules decide
	 * all of it, or the region would have been split. */
	struct packet pkt = { .family = rg->family, .addr = p->addr,
			      .proto = rg->proto < 0 ? 0 : protos[rg->proto], .port = rg->lo,
			      .from = pr->from };
	const struct model *by = rg->sign > 0 ? pr->new : pr->old;
	char user[48] = "", group[48] = "";

	if (pr->from.user)
		owner_id_format(pr->from.user, user, sizeof(user));
	if (pr->from.group)
		owner_id_format(pr->from.group, group, sizeof(group));

	if (rg->proto < 0 || protos[rg->proto] == 0 || (rg->lo == 0 && rg->hi == 65535))
		snprintf(ports, sizeof(ports), "all");
	else if (rg->lo == rg->hi)
		snprintf(ports, sizeof(ports), "%u", rg->lo);
	else
		snprintf(ports, sizeof(ports), "%u-%u", rg->lo, rg->hi);
	prefix_format(p, buf);
	if (pr->format == DIFF_JSON) {
		fprintf(pr->fp, "%s  {\"change\": \"%s\", \"prefix\": \"%s\", \"proto\": \"%s\", "
				"\"ports\": \"%s\", \"rule\": ",
			pr->lines ? ",\n" : "", rg->sign > 0 ? "allowed" : "denied", buf, proto, ports);
		print_rule(pr->fp, by, &pkt, true);
		print_names(pr, p);
		if (*user)
			fprintf(pr->fp, ", \"user\": \"%s\"", user);
		if (*group)
			fprintf(pr->fp, ", \"group\": \"%s\"", group);
		if (pr->from.cgroup)
			fprintf(pr->fp, ", \"cgroup\": \"%s\"", pr->from.cgroup);
		if (pr->during && *pr->during)
			fprintf(pr->fp, ", \"at\": \"%s\"", pr->during);
		if (pr->source)
			fprintf(pr->fp, ", \"from\": \"%s\"", pr->source);
		fputs("}", pr->fp);
	} else {
		fprintf(pr->fp, "%c %s %s %s%s%s%s%s%s%s%s%s%s%s  # %s ", rg->sign > 0 ? '+' : '-', buf,
			proto, ports, *user ? " user " : "", user, *group ? " group " : "", group,
			pr->from.cgroup ? " cgroup " : "", pr->from.cgroup ? pr->from.cgroup : "",
			pr->during && *pr->during ? " at " : "", pr->during ? pr->during : "",
			pr->source ? " from " : "", pr->source ? pr->source : "",
			rg->sign > 0 ? "allowed by" : "was allowed by");
		print_rule(pr->fp, by, &pkt, false);
		print_names(pr, p);
		fputc('\n', pr->fp);
	}
	pr->lines++;
}

static void region_print(struct printer *pr, const struct region *rg)
{
	pr->rg = rg;
	for (size_t i = 0; i < rg->addrs.n; i++)
		range_to_prefixes(rg->family, rg->addrs.v[i].lo, rg->addrs.v[i].hi, print_prefix, pr);
}

/* One member source of a run-time set in a class: "*.ci.test" or
 * "$builders", with the class and the first rule naming it. */
struct runtime_use {
	const struct rule_class *cls;
	const char *what;
	const struct loc *at;	/* the wildcard, or the first rule naming the set */
	uint32_t timeout;	/* how long a member stays, in seconds */
};

static size_t runtime_uses(const struct model *m, struct runtime_use **out)
{
	size_t n = 0, cap = 0;

	*out = NULL;
	for (size_t i = 0; i < m->nclasses; i++) {
		const struct rule_class *c = &m->classes[i];
		for (size_t j = 0; j < c->nruntime; j++) {
			const struct runtime_set *r = &m->runtime[c->runtime[j]];
			size_t k = r->kind == RUNTIME_WILDCARD ? r->nwildcards : 1;
			VEC_GROW(*out, n + k, cap);
			for (size_t w = 0; w < k; w++)
				(*out)[n++] = (struct runtime_use){
					c, r->kind == RUNTIME_WILDCARD ? r->wildcards[w]->text
								       : r->decl->dynamic.name,
					r->kind == RUNTIME_WILDCARD ? &r->wildcards[w]->loc
								    : &r->rules[0]->loc,
					r->timeout };
		}
	}
	return n;
}

/* The use in V[0..N) of the same source in the same class, or NULL. */
static const struct runtime_use *runtime_find(const struct runtime_use *v, size_t n,
					      const struct runtime_use *u)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].cls->name, u->cls->name) == 0 && strcmp(v[i].what, u->what) == 0)
			return &v[i];
	return NULL;
}

/* A run-time set kept, its members staying longer or shorter: what it
 * lets out stays open for another while after each answer. */
static void runtime_timeout_line(struct printer *pr, const struct runtime_use *old,
				 const struct runtime_use *new)
{
	char a[DURATION_STRLEN], b[DURATION_STRLEN];
	const char *dyn = new->what[0] != '*' ? "$" : "";

	duration_format(old->timeout, a);
	duration_format(new->timeout, b);
	if (pr->format == DIFF_JSON) {
		fprintf(pr->fp, "%s  {\"change\": \"timeout\", \"runtime\": ",
			pr->lines ? ",\n" : "");
		char *text = xmalloc(strlen(new->what) + 2);
		sprintf(text, "%s%s", dyn, new->what);
		json_write_string(pr->fp, text);
		free(text);
		fputs(", \"class\": ", pr->fp);
		json_write_string(pr->fp, new->cls->name);
		fprintf(pr->fp, ", \"old\": \"%s\", \"new\": \"%s\", \"rule\": ", a, b);
		json_location(pr->fp, new->at);
		fputs("}", pr->fp);
	} else {
		fprintf(pr->fp, "~ %s%s %s  # run-time set, members kept %s, were kept %s; %s:%d\n", dyn,
			new->what, new->cls->name, b, a, new->at->src->path, new->at->first_line);
	}
	pr->lines++;
}

/* Run-time sets gained or lost: what they let out is not known until the
 * runner fills them, so the change is told by source, not by address. */
static void runtime_diff(struct printer *pr)
{
	struct runtime_use *u[2];
	size_t n[2] = { runtime_uses(pr->old, &u[0]), runtime_uses(pr->new, &u[1]) };

	for (int w = 1; w >= 0; w--) {
		for (size_t i = 0; i < n[w]; i++) {
			const struct runtime_use *x = &u[w][i];
			const struct runtime_use *was = runtime_find(u[1 - w], n[1 - w], x);
			if (was && w == 1 && was->timeout != x->timeout)
				runtime_timeout_line(pr, was, x);
			if (was)
				continue;
			bool allows = (x->cls->verdict == VERDICT_ALLOW) == (w == 1);
			const char *dyn = x->what[0] != '*' ? "$" : "";
			const struct loc *at = x->at;
			if (pr->format == DIFF_JSON) {
				fprintf(pr->fp, "%s  {\"change\": \"%s\", \"runtime\": ",
					pr->lines ? ",\n" : "", allows ? "allowed" : "denied");
				char *text = xmalloc(strlen(x->what) + 2);
				sprintf(text, "%s%s", dyn, x->what);
				json_write_string(pr->fp, text);
				free(text);
				fputs(", \"class\": ", pr->fp);
				json_write_string(pr->fp, x->cls->name);
				fputs(", \"rule\": ", pr->fp);
				json_location(pr->fp, at);
				fputs("}", pr->fp);
			} else {
				fprintf(pr->fp, "%c %s%s %s  # run-time set, %s %s:%d\n", allows ? '+' : '-',
					dyn, x->what, x->cls->name, w == 1 ? "added by" : "was in",
					at->src->path, at->first_line);
			}
			pr->lines++;
		}
	}
	free(u[0]);
	free(u[1]);
}

/* --- settings ------------------------------------------------------------ */

/* One setting's value on one side, as a reviewer reads it. */
struct setting_value {
	char text[256];
	const struct stmt *at;	/* where the policy says it; NULL: the default */
};

/* The last statement of KIND in P (the one that holds), or NULL. */
static const struct stmt *setting_stmt(const struct policy *p, enum stmt_kind kind)
{
	const struct stmt *last = NULL;

	for (const struct stmt *s = p->stmts; s; s = s->next)
		if (s->kind == kind)
			last = s;
	return last;
}

enum setting {
	SETTING_MODE,
	SETTING_DEFAULT,
	SETTING_ON_DENY,
	SETTING_ESSENTIALS,
	SETTING_RESOLVER,
	SETTING_LOG,
	SETTING_RECORD,
	SETTINGS
};

static const struct {
	const char *name;
	enum stmt_kind kind;
} settings[SETTINGS] = {
	[SETTING_MODE] = { "mode", STMT_MODE },
	[SETTING_DEFAULT] = { "default", STMT_DEFAULT },
	[SETTING_ON_DENY] = { "on-deny", STMT_ON_DENY },
	[SETTING_ESSENTIALS] = { "essentials", STMT_ESSENTIALS },
	[SETTING_RESOLVER] = { "resolver", STMT_RESOLVER },
	[SETTING_LOG] = { "log", STMT_LOG },
	[SETTING_RECORD] = { "record", STMT_RECORD },
};

static void setting_value(const struct policy *p, enum setting which, struct setting_value *v)
{
	char buf[PREFIX_STRLEN];
	size_t n = 0;

	v->at = setting_stmt(p, settings[which].kind);
	switch (which) {
	case SETTING_MODE:
		snprintf(v->text, sizeof(v->text), "%s",
			 p->mode == MODE_MONITOR ? "monitor" : "enforce");
		break;
	case SETTING_DEFAULT:
		snprintf(v->text, sizeof(v->text), "%s",
			 p->default_verdict == VERDICT_ALLOW ? "allow" : "deny");
		break;
	case SETTING_ON_DENY:
		snprintf(v->text, sizeof(v->text), "%s",
			 p->on_deny == DENY_DROP ? "drop" : "reject");
		break;
	case SETTING_ESSENTIALS:
		snprintf(v->text, sizeof(v->text), "%s", p->essentials ? "on" : "off");
		break;
	case SETTING_RESOLVER:
		if (!p->resolver) {
			snprintf(v->text, sizeof(v->text), "none (no DNS lockdown)");
			break;
		}
		v->text[0] = '\0';
		for (const struct target *t = p->resolver->resolver.addrs; t; t = t->next)
			n += (size_t)snprintf(v->text + n, n < sizeof(v->text) ? sizeof(v->text) - n : 0,
					      "%s%s", n ? ", " : "", prefix_format(&t->prefix, buf));
		if (n < sizeof(v->text))
			snprintf(v->text + n, sizeof(v->text) - n, " user %s",
				 p->resolver->resolver.user);
		break;
	case SETTING_LOG:
		if (!p->log_denied)
			snprintf(v->text, sizeof(v->text), "off");
		else if (p->log_to_group)
			snprintf(v->text, sizeof(v->text), "denied group %u", p->log_group);
		else
			snprintf(v->text, sizeof(v->text), "denied");
		break;
	case SETTING_RECORD:
		if (model_record(p) == RECORD_OFF)
			snprintf(v->text, sizeof(v->text), "off");
		else
			snprintf(v->text, sizeof(v->text), "%s limit %u",
				 model_record(p) == RECORD_ALL ? "all" : "blocked", p->record_limit);
		break;
	case SETTINGS:
		break;
	}
}

/* Whether NEW's value makes the policy let everything out, whatever its
 * rules: monitor mode blocks nothing, default allow lets out what no rule
 * names. A reviewer must not miss these among address lines. */
static bool opens_everything(enum setting which, const char *old, const char *new)
{
	return (which == SETTING_MODE && strcmp(new, "monitor") == 0 &&
		strcmp(old, "monitor") != 0) ||
	       (which == SETTING_DEFAULT && strcmp(new, "allow") == 0 && strcmp(old, "allow") != 0);
}

static void where(char *buf, size_t size, const struct stmt *s)
{
	if (s)
		snprintf(buf, size, "%s:%d", s->loc.src->path, s->loc.first_line);
	else
		snprintf(buf, size, "the default");
}

/* Settings that differ, each old -> new with where each side says it;
 * first, since a setting can change what every address line means. */
static void settings_diff(struct printer *pr)
{
	for (int which = 0; which < SETTINGS; which++) {
		struct setting_value a, b;
		char at_old[PATH_MAX_SHOWN], at_new[PATH_MAX_SHOWN];
		setting_value(pr->old->policy, (enum setting)which, &a);
		setting_value(pr->new->policy, (enum setting)which, &b);
		if (strcmp(a.text, b.text) == 0)
			continue;
		/* Recording follows the mode unless a policy says: the mode's
		 * line says it all. */
		if (which == SETTING_RECORD && !a.at && !b.at)
			continue;
		bool opens = opens_everything((enum setting)which, a.text, b.text);
		where(at_old, sizeof(at_old), a.at);
		where(at_new, sizeof(at_new), b.at);
		if (pr->format == DIFF_JSON) {
			fprintf(pr->fp, "%s  {\"change\": \"setting\", \"setting\": \"%s\", \"old\": ",
				pr->lines ? ",\n" : "", settings[which].name);
			json_write_string(pr->fp, a.text);
			fputs(", \"new\": ", pr->fp);
			json_write_string(pr->fp, b.text);
			fputs(", \"old_at\": ", pr->fp);
			json_write_string(pr->fp, at_old);
			fputs(", \"new_at\": ", pr->fp);
			json_write_string(pr->fp, at_new);
			fprintf(pr->fp, ", \"opens_everything\": %s}", opens ? "true" : "false");
		} else {
			fprintf(pr->fp, "%c %s %s -> %s  # %s, was %s%s\n", opens ? '!' : '~',
				settings[which].name, a.text, b.text, at_new, at_old,
				opens ? ": EVERYTHING MAY LEAVE THE RUNNER" : "");
		}
		pr->lines++;
	}
}

/* --- pins ---------------------------------------------------------------- */

/* M's pin of NAME, or NULL: model.pinned is sorted by name. */
static const struct host *pinned_find(const struct model *m, const char *name)
{
	struct host key = { .name = name };
	const struct host *k = &key;
	const struct host *const *found =
		m->npinned ? bsearch(&k, m->pinned, m->npinned, sizeof(*m->pinned), host_cmp) : NULL;

	return found ? *found : NULL;
}

static void pin_line(struct printer *pr, const struct host *old, const struct host *new)
{
	const struct host *h = new ? new : old;
	const struct loc *at = h->first_use ? &h->first_use->loc : NULL;
	char where[PATH_MAX_SHOWN];

	if (at)
		snprintf(where, sizeof(where), "%s:%d", at->src->path, at->first_line);
	else
		snprintf(where, sizeof(where), "the policy");
	if (pr->format == DIFF_JSON) {
		fprintf(pr->fp, "%s  {\"change\": \"pin\", \"name\": ", pr->lines ? ",\n" : "");
		json_write_string(pr->fp, h->name);
		fputs(", \"old\": [", pr->fp);
		if (old)
			print_addrs(pr->fp, old, true);
		fputs("], \"new\": [", pr->fp);
		if (new)
			print_addrs(pr->fp, new, true);
		fputs("], \"at\": ", pr->fp);
		json_write_string(pr->fp, where);
		fputs("}", pr->fp);
	} else {
		fprintf(pr->fp, "~ pin %s ", h->name);
		print_addrs(pr->fp, new ? new : old, false);
		if (!old)
			fprintf(pr->fp, "  # pinned by %s, not before\n", where);
		else if (!new)
			fprintf(pr->fp, "  # no longer pinned, was by %s\n", where);
		else {
			fputs("  # was ", pr->fp);
			print_addrs(pr->fp, old, false);
			fprintf(pr->fp, "; %s\n", where);
		}
	}
	pr->lines++;
}

/* Names the hosts output pins on one side only, or to other addresses:
 * the runner then resolves them differently, whether or not the
 * addresses are let out either way. */
static void pins_diff(struct printer *pr)
{
	for (size_t i = 0; i < pr->new->npinned; i++) {
		const struct host *h = pr->new->pinned[i];
		const struct host *was = pinned_find(pr->old, h->name);
		if (!was || host_moved(was, h))
			pin_line(pr, was, h);
	}
	for (size_t i = 0; i < pr->old->npinned; i++)
		if (!pinned_find(pr->new, pr->old->pinned[i]->name))
			pin_line(pr, pr->old->pinned[i], NULL);
}

/* --- modules ------------------------------------------------------------- */

/* The source P loaded as module NAME, or NULL. */
static const struct source *module_source(const struct policy *p, const char *name)
{
	for (const struct source *s = p->root; s; s = s->next_file)
		if (s->module && strcmp(s->module, name) == 0)
			return s;
	return NULL;
}

/* Modules one side loads and the other does not: what their rules let
 * out shows among the address lines, but a reviewer should see the
 * 'use' that brought them in (or the essentials that did). */
static void modules_diff(struct printer *pr)
{
	const struct model *ms[2] = { pr->old, pr->new };

	for (int w = 1; w >= 0; w--) {
		for (const struct source *s = ms[w]->policy->root; s; s = s->next_file) {
			if (!s->module || module_source(ms[1 - w]->policy, s->module))
				continue;
			char at[PATH_MAX_SHOWN];
			if (s->included_from)
				snprintf(at, sizeof(at), "%s:%d", s->included_from->src->path,
					 s->included_from->first_line);
			else
				snprintf(at, sizeof(at), "essentials");
			if (pr->format == DIFF_JSON) {
				fprintf(pr->fp, "%s  {\"change\": \"module\", \"module\": ",
					pr->lines ? ",\n" : "");
				json_write_string(pr->fp, s->module);
				fprintf(pr->fp, ", \"loaded\": %s, \"at\": ", w ? "true" : "false");
				json_write_string(pr->fp, at);
				fputs("}", pr->fp);
			} else {
				fprintf(pr->fp, "~ use %s  # %s %s\n", s->module,
					w ? "added by" : "removed, was loaded by", at);
			}
			pr->lines++;
		}
	}
}

/* The differences for packets from FROM, as policy_diff() prints them
 * (additions, then removals, each family in turn), ending with a region
 * whose sign is 0. The caller frees them with regions_free(). */
static struct region *sender_regions(const struct model *const *ms, const struct sending *from,
				     const uint16_t *cuts, size_t ncuts)
{
	struct region *all = NULL;
	size_t nall = 0, all_cap = 0;

	for (int sign = 1; sign >= -1; sign -= 2) {
		for (int f = 0; f < FAMILY_COUNT; f++) {
			/* The differences per protocol and port interval. */
			struct region *rs = xcalloc(PROTOS * ncuts, sizeof(*rs));
			size_t nrs = 0;
			for (int p = 0; p < PROTOS; p++) {
				size_t n = protos[p] ? ncuts : 1;
				for (size_t i = 0; i < n; i++) {
					struct ivlist a[2] = { { 0 }, { 0 } }, d = { 0 };
					for (int w = 0; w < 2; w++)
						model_accepted_region_from(ms[w], from, (enum family)f,
									   protos[p], cuts[i], &a[w]);
					if (sign > 0)
						ivl_subtract(&d, &a[1], &a[0]);
					else
						ivl_subtract(&d, &a[0], &a[1]);
					ivl_free(&a[0]);
					ivl_free(&a[1]);
					uint16_t hi = i + 1 < ncuts && protos[p] ? cuts[i + 1] - 1 : 65535;
					struct region *last = nrs ? &rs[nrs - 1] : NULL;
					if (last && last->proto == p && ivl_equal(&last->addrs, &d)) {
						last->hi = hi;
						ivl_free(&d);
						continue;
					}
					rs[nrs++] = (struct region){ sign, p, cuts[i], hi, (enum family)f, d };
				}
			}
			/* The same difference for every protocol and port: one line. */
			if (nrs == PROTOS && rs[0].lo == 0 && rs[0].hi == 65535 && rs[1].lo == 0 &&
			    rs[1].hi == 65535 && ivl_equal(&rs[0].addrs, &rs[1].addrs) &&
			    ivl_equal(&rs[0].addrs, &rs[2].addrs)) {
				rs[0].proto = -1;
				for (size_t i = 1; i < nrs; i++)
					ivl_free(&rs[i].addrs);
				nrs = 1;
			}
			for (size_t i = 0; i < nrs; i++)
				VEC_PUSH(all, nall, all_cap, rs[i]);
			free(rs);
		}
	}
	VEC_PUSH(all, nall, all_cap, (struct region){ .sign = 0 });
	return all;
}

static bool regions_equal(const struct region *a, const struct region *b)
{
	for (; a->sign && b->sign; a++, b++)
		if (a->sign != b->sign || a->proto != b->proto || a->lo != b->lo || a->hi != b->hi ||
		    a->family != b->family || !ivl_equal(&a->addrs, &b->addrs))
			return false;
	return !a->sign && !b->sign;
}

static void print_regions(struct printer *pr, const struct region *rs)
{
	for (; rs->sign; rs++)
		if (!pr->from.src.known || rs->family == pr->from.src.family)
			region_print(pr, rs);
}

/* Whether RS and BASE hold the same lines of family F. */
static bool regions_equal_family(const struct region *rs, const struct region *base, enum family f)
{
	for (;;) {
		while (rs->sign && rs->family != f)
			rs++;
		while (base->sign && base->family != f)
			base++;
		if (!rs->sign || !base->sign)
			return !rs->sign && !base->sign;
		if (rs->sign != base->sign || rs->proto != base->proto || rs->lo != base->lo ||
		    rs->hi != base->hi || !ivl_equal(&rs->addrs, &base->addrs))
			return false;
		rs++;
		base++;
	}
}

static void count_prefix(const struct prefix *p, void *arg)
{
	(void)p;
	(*(size_t *)arg)++;
}

/* "198.51.100.0/31", or "198.51.100.0-198.51.100.2" for what no prefix is. */
static void source_text(enum family f, addr_t lo, addr_t hi, char *buf, size_t size)
{
	char a[PREFIX_STRLEN], b[PREFIX_STRLEN];
	size_t n = 0;

	range_to_prefixes(f, lo, hi, count_prefix, &n);
	if (n == 1) {
		unsigned len = family_bits(f);
		while (len > 0 && ((hi - lo) >> (family_bits(f) - len)) != 0)
			len--;
		snprintf(buf, size, "%s/%u", addr_format(f, lo, a), len);
		if (len == family_bits(f))
			snprintf(buf, size, "%s", addr_format(f, lo, a));
	} else {
		snprintf(buf, size, "%s-%s", addr_format(f, lo, a), addr_format(f, hi, b));
	}
}

/* A sender's or a time's lines, all of them; when there are none, one
 * line that says so, since the lines for everyone do not hold for it. */
static void print_regions_or_none(struct printer *pr, const struct region *rs)
{
	size_t before = pr->lines;
	char user[48] = "", group[48] = "";

	print_regions(pr, rs);
	if (pr->lines != before)
		return;
	if (pr->from.user)
		owner_id_format(pr->from.user, user, sizeof(user));
	if (pr->from.group)
		owner_id_format(pr->from.group, group, sizeof(group));
	if (pr->format == DIFF_JSON) {
		fprintf(pr->fp, "%s  {\"change\": \"none\"", pr->lines ? ",\n" : "");
		if (*user)
			fprintf(pr->fp, ", \"user\": \"%s\"", user);
		if (*group)
			fprintf(pr->fp, ", \"group\": \"%s\"", group);
		if (pr->from.cgroup)
			fprintf(pr->fp, ", \"cgroup\": \"%s\"", pr->from.cgroup);
		if (pr->during)
			fprintf(pr->fp, ", \"at\": \"%s\"", pr->during);
		if (pr->source)
			fprintf(pr->fp, ", \"from\": \"%s\"", pr->source);
		fputs("}", pr->fp);
	} else {
		fprintf(pr->fp, "=%s%s%s%s%s%s%s%s%s%s  # no change for these\n",
			*user ? " user " : "", user, *group ? " group " : "", group,
			pr->from.cgroup ? " cgroup " : "", pr->from.cgroup ? pr->from.cgroup : "",
			pr->during ? " at " : "",
			pr->during ? pr->during : "", pr->source ? " from " : "",
			pr->source ? pr->source : "");
	}
	pr->lines++;
}

/* The stretches of the week from cut I on with the same lines as AT[I]
 * (those not yet printed), into BUF: "Mon,Tue 01:00-03:00 UTC" when they
 * share their times of day, else "Mon 22:00-Tue 02:00, ... UTC". */
static void stretches_text(const uint16_t *cuts, size_t n, struct region *const *at, size_t i,
			   char *buf, size_t size)
{
	unsigned lo0 = cuts[i] % DAY_MINUTES, len0 = 0;
	bool same = true;
	size_t k = 0;

	for (size_t j = i; j < n; j++) {
		if (!at[j] || (j != i && !regions_equal(at[j], at[i])))
			continue;
		unsigned lo = cuts[j], hi = j + 1 < n ? cuts[j + 1] : cuts[0] + WEEK_MINUTES;
		if (j == i)
			len0 = hi - lo;
		same &= lo % DAY_MINUTES == lo0 && hi - lo == len0 && lo0 + len0 <= DAY_MINUTES;
	}
	buf[0] = '\0';
	for (size_t j = i; j < n; j++) {
		if (!at[j] || (j != i && !regions_equal(at[j], at[i])))
			continue;
		unsigned lo = cuts[j], hi = j + 1 < n ? cuts[j + 1] : cuts[0] + WEEK_MINUTES;
		if (same)
			k += (size_t)snprintf(buf + k, k < size ? size - k : 0, "%s%s", k ? "," : "",
					      window_day_name(lo / DAY_MINUTES));
		else
			k += (size_t)snprintf(buf + k, k < size ? size - k : 0, "%s%s %02u:%02u-%s %02u:%02u",
					      k ? ", " : "", window_day_name(lo / DAY_MINUTES),
					      lo % DAY_MINUTES / 60, lo % 60,
					      window_day_name(hi % WEEK_MINUTES / DAY_MINUTES),
					      hi % DAY_MINUTES / 60, hi % 60);
	}
	if (same)
		k += (size_t)snprintf(buf + k, k < size ? size - k : 0, " %02u:%02u-%02u:%02u", lo0 / 60,
				      lo0 % 60, (lo0 + len0) / 60, (lo0 + len0) % 60);
	snprintf(buf + k, k < size ? size - k : 0, " UTC");
}

static void regions_free(struct region *rs)
{
	for (struct region *r = rs; r->sign; r++)
		ivl_free(&r->addrs);
	free(rs);
}

/* Whether A and B hold the same lines for the sender PR is printing: a
 * source's only those of its family. */
static bool same_lines(const struct printer *pr, const struct region *a, const struct region *b)
{
	return pr->from.src.known ? regions_equal_family(a, b, pr->from.src.family)
				  : regions_equal(a, b);
}

/* The lines of PR's sender at each stretch of the week over which no
 * window begins or ends (WCUTS[0..N)), where they differ from the
 * sender's at a time no window holds (SENDER) and, for a sender other
 * than no one, from no one's at that stretch (ANYONE_AT[i]): a rule for a
 * user during a window changes neither the user's lines nor the
 * window's, only these. Stretches with the same lines go together. */
static void print_times(struct printer *pr, const struct model *const *ms, const uint16_t *cuts,
			size_t ncuts, const uint16_t *wcuts, size_t n, const struct region *sender,
			struct region *const *anyone_at)
{
	struct region **at = xcalloc(n ? n : 1, sizeof(*at));
	const struct sending from = pr->from;

	for (size_t i = 0; i < n; i++) {
		pr->from.at = (struct instant){ true, wcuts[i] };
		at[i] = sender_regions(ms, &pr->from, cuts, ncuts);
		if (same_lines(pr, at[i], sender) || (anyone_at && same_lines(pr, at[i], anyone_at[i]))) {
			regions_free(at[i]);
			at[i] = NULL;
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (!at[i])
			continue;
		char during[512];
		stretches_text(wcuts, n, at, i, during, sizeof(during));
		pr->during = during;
		pr->from.at = (struct instant){ true, wcuts[i] };
		print_regions_or_none(pr, at[i]);
		pr->during = NULL;
		for (size_t j = n; j-- > i;) {
			if (at[j] && (j == i || regions_equal(at[j], at[i]))) {
				regions_free(at[j]);
				at[j] = NULL;
			}
		}
	}
	pr->from = from;
	free(at);
}

size_t policy_diff(FILE *fp, const struct model *old, const struct model *new,
		   enum diff_format format)
{
	const struct model *ms[2] = { old, new };
	struct printer pr = { .fp = fp, .format = format, .old = old, .new = new };
	size_t ncuts;
	uint16_t *cuts = model_port_cuts(ms, 2, &ncuts);

	for (int w = 0; w < 2; w++)
		side_hosts_init(&pr.hosts[w], ms[w]);
	if (format == DIFF_JSON)
		fputs("[\n", fp);
	settings_diff(&pr);
	modules_diff(&pr);
	struct sending none = { 0 };
	struct region *base = sender_regions(ms, &none, cuts, ncuts);
	print_regions(&pr, base);
	size_t nwcuts;
	uint16_t *wcuts = model_window_cuts(ms, 2, &nwcuts);
	/* The lines at each stretch of the week, for no sender: what a
	 * sender's lines at that time are compared with. */
	struct region **anyone_at = xcalloc(nwcuts ? nwcuts : 1, sizeof(*anyone_at));
	for (size_t i = 0; i < nwcuts; i++) {
		struct sending at = { .at = { true, wcuts[i] } };
		anyone_at[i] = sender_regions(ms, &at, cuts, ncuts);
	}
	/* Each user, group and cgroup the policies name, and each pair and
	 * triple of them: a sender's lines when they differ from the lines
	 * above, then its lines at each stretch of the week. A process in a
	 * cgroup below one named meets what one in the deepest named above
	 * it meets. */
	struct owner_set users, groups;
	const char **cgroups;
	size_t ncgroups = model_cgroups(ms, 2, &cgroups);
	model_owners(ms, 2, &users, &groups);
	for (size_t u = 0; u <= users.n; u++) {
		for (size_t g = 0; g <= groups.n; g++) {
			for (size_t k = 0; k <= ncgroups; k++) {
				if (u == users.n && g == groups.n && k == ncgroups)
					continue;
				pr.from = (struct sending){
					.user = u < users.n ? &users.ids[u] : NULL,
					.group = g < groups.n ? &groups.ids[g] : NULL,
					.cgroup = k < ncgroups ? cgroups[k] : NULL,
				};
				struct region *rs = sender_regions(ms, &pr.from, cuts, ncuts);
				if (!regions_equal(rs, base))
					print_regions_or_none(&pr, rs);
				print_times(&pr, ms, cuts, ncuts, wcuts, nwcuts, rs, anyone_at);
				regions_free(rs);
			}
		}
	}
	pr.from = none;
	print_times(&pr, ms, cuts, ncuts, wcuts, nwcuts, base, NULL);
	/* Each stretch of forwarded packets' sources over which no class's
	 * sources begin or end: its lines of its family, where they differ,
	 * then its lines at each stretch of the week. */
	for (int f = 0; f < FAMILY_COUNT; f++) {
		size_t nsrc;
		addr_t *src = model_source_cuts(ms, 2, (enum family)f, &nsrc);
		for (size_t i = 0; nsrc > 1 && i < nsrc; i++) {
			char text[2 * PREFIX_STRLEN + 2];
			addr_t hi = i + 1 < nsrc ? src[i + 1] - 1 : family_max((enum family)f);
			pr.from = (struct sending){ .src = { true, (enum family)f, src[i] } };
			struct region *rs = sender_regions(ms, &pr.from, cuts, ncuts);
			source_text((enum family)f, src[i], hi, text, sizeof(text));
			pr.source = text;
			if (!regions_equal_family(rs, base, (enum family)f))
				print_regions_or_none(&pr, rs);
			print_times(&pr, ms, cuts, ncuts, wcuts, nwcuts, rs, anyone_at);
			pr.source = NULL;
			regions_free(rs);
		}
		free(src);
	}
	for (size_t i = 0; i < nwcuts; i++)
		regions_free(anyone_at[i]);
	free(anyone_at);
	free(wcuts);
	pr.from = none;
	pr.from = none;
	regions_free(base);
	free(users.ids);
	free(groups.ids);
	free(cgroups);
	runtime_diff(&pr);
	pins_diff(&pr);
	if (format == DIFF_JSON)
		fputs(pr.lines ? "\n]\n" : "]\n", fp);
	free(cuts);
	side_hosts_release(&pr.hosts[0]);
	side_hosts_release(&pr.hosts[1]);
	return pr.lines;
}
