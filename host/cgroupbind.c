/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "host/cgroupbind.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compiler/diag.h"
#include "compiler/model.h"
#include "emit/emit.h"
#include "emit/names.h"
#include "host/cgroupcheck.h"
#include "host/setops.h"
#include "host/wholefile.h"
#include "lib/arena.h"
#include "lib/vec.h"
#include "lib/xalloc.h"

/* What the local chain's text starts with: nft's chain block (through
 * its end line, NFT_CHAIN_END), iptables's rules, a line each. */
#define NFT_CHAIN_HEAD "\tchain " NFT_CHAIN_LOCAL " {"
#define NFT_CHAIN_END "\t}"
#define IPT_RULE_HEAD "-A " IPT_CHAIN_LOCAL " "

/* The directory events a cgroup's mkdir and rmdir make in its parent, and
 * the parent's own going. */
#define WATCH_EVENTS (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | \
		      IN_ONLYDIR)

static bool line_is(const char *line, size_t n, const char *what)
{
	return n == strlen(what) && memcmp(line, what, n) == 0;
}

char *cgroup_bind_local_rules(const char *text, bool nft)
{
	const size_t ipt_head = strlen(IPT_RULE_HEAD);
	char *out = NULL;
	size_t len = 0;
	bool in_chain = false, any = false;
	FILE *fp = xopen_memstream(&out, &len);

	for (const char *l = text; *l;) {
		size_t n = strcspn(l, "\n");
		if (nft && !any && line_is(l, n, NFT_CHAIN_HEAD))
			in_chain = any = true;
		if (nft ? in_chain : n > ipt_head && memcmp(l, IPT_RULE_HEAD, ipt_head) == 0) {
			fprintf(fp, "%.*s\n", (int)n, l);
			any = true;
		}
		if (in_chain && line_is(l, n, NFT_CHAIN_END))
			in_chain = false;
		l += n + (l[n] == '\n');
	}
	xmemstream_close(fp);
	if (!any) {
		free(out);
		return NULL;
	}
	return out;
}

/* The local chain's parts, by where they are loaded: nft's, or
 * iptables's per family. */
enum local_part { LOCAL_NFT, LOCAL_V4, LOCAL_V6, LOCAL_PARTS };
static const char *const local_part_tag[LOCAL_PARTS] = { "[nft]\n", "[v4]\n", "[v6]\n" };

/* The record of PARTS (some NULL): each present one behind its tag; NULL
 * when none is. */
static char *record_text(char *const parts[LOCAL_PARTS])
{
	char *out = NULL;
	size_t len = 0;
	bool any = false;
	FILE *fp = xopen_memstream(&out, &len);

	for (int i = 0; i < LOCAL_PARTS; i++)
		if (parts[i]) {
			fprintf(fp, "%s%s", local_part_tag[i], parts[i]);
			any = true;
		}
	xmemstream_close(fp);
	if (!any) {
		free(out);
		return NULL;
	}
	return out;
}

static void parts_release(char *parts[LOCAL_PARTS])
{
	for (int i = 0; i < LOCAL_PARTS; i++)
		free(parts[i]);
}

/* The record's file: the network namespace's, or NULL where it cannot be
 * named (no /proc). */
static const char *record_path(char buf[64])
{
	struct stat st;

	if (stat("/proc/self/ns/net", &st) < 0)
		return NULL;
	snprintf(buf, 64, CGROUP_BIND_RECORD_PREFIX "%llu", (unsigned long long)st.st_ino);
	return buf;
}

void cgroup_bind_forget(void)
{
	char buf[64];
	const char *path = record_path(buf);

	if (path)
		unlink(path);
}

void cgroup_bind_record(const struct apply_set *s, enum apply_backend backend, FILE *log)
{
	static const enum apply_part from[LOCAL_PARTS] = { PART_NFT, PART_V4, PART_V6 };
	char *parts[LOCAL_PARTS] = { NULL };
	char buf[64];
	const char *path = record_path(buf);
	struct arena arena;
	struct diags d;

	/* Only a policy for cgroups has anything for the agent to bind: no
	 * record for the rest (an iptables policy for users has
	 * EGRESSC-LOCAL too), and none left of an earlier one. */
	bool cgroups = false;
	for (int i = 0; i < LOCAL_PARTS; i++)
		if ((i == LOCAL_NFT) == (backend == APPLY_NFT) && s->text[from[i]]) {
			parts[i] = cgroup_bind_local_rules(s->text[from[i]], i == LOCAL_NFT);
			cgroups = cgroups || (parts[i] && ruleset_names_cgroups(parts[i], i == LOCAL_NFT));
		}
	char *text = cgroups ? record_text(parts) : NULL;
	parts_release(parts);
	if (!text || !path) {
		cgroup_bind_forget();
		free(text);
		return;
	}
	arena_init(&arena);
	diags_init(&d, &arena);
	char *dir = xstrdup(path);
	*strrchr(dir, '/') = '\0';
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		diag_error(&d, NULL, "cannot make '%s': %s", dir, strerror(errno));
	else
		wholefile_write(path, text, strlen(text), &d);
	if (d.errors) {
		cgroup_bind_forget();
		diags_print(&d, log);
		fprintf(log, "the rules for cgroups are not recorded in '%s': the agent will not "
			"load them again when a cgroup is made again\n", path);
	}
	free(dir);
	free(text);
	arena_release(&arena);
}

static int local_v4(const struct model *m, FILE *fp)
{
	return emit_iptables_local_chain(m, FAMILY_V4, fp);
}

static int local_v6(const struct model *m, FILE *fp)
{
	return emit_iptables_local_chain(m, FAMILY_V6, fp);
}

/* The model's local chain, in the form apply records. */
static void render_parts(const struct cgroup_bind *b, char *parts[LOCAL_PARTS])
{
	static int (*const emit[LOCAL_PARTS])(const struct model *, FILE *) = {
		emit_nft_local_chain, local_v4, local_v6
	};

	for (int i = 0; i < LOCAL_PARTS; i++) {
		char *text;
		size_t len;
		parts[i] = NULL;
		if ((i == LOCAL_NFT) != (b->backend == APPLY_NFT) ||
		    emit_to_memory(b->m, emit[i], &text, &len) < 0)
			continue;
		parts[i] = cgroup_bind_local_rules(text, i == LOCAL_NFT);
		free(text);
	}
}

static ino_t cgroup_id(const struct cgroup_bind *b, const char *path)
{
	char dir[4096 + 64];
	struct stat st;

	snprintf(dir, sizeof(dir), "%s/%s", b->root, path);
	return stat(dir, &st) == 0 && S_ISDIR(st.st_mode) ? st.st_ino : 0;
}

/* Watches the directory above each path, or the nearest one above it
 * that exists: a new watch for a directory made again, the same one for
 * one watched already. */
static void watch(struct cgroup_bind *b)
{
	char dir[4096 + 64];

	if (b->inotify_fd < 0)
		return;
	for (size_t i = 0; i < b->n; i++) {
		snprintf(dir, sizeof(dir), "%s/%s", b->root, b->paths[i].path);
		char *slash;
		while ((slash = strrchr(dir, '/')) && slash - dir >= (ptrdiff_t)strlen(b->root)) {
			*slash = '\0';
			if (inotify_add_watch(b->inotify_fd, dir, WATCH_EVENTS) >= 0)
				break;
		}
	}
}

int cgroup_bind_init(struct cgroup_bind *b, const struct model *m, enum apply_backend backend,
		     const char *root, FILE *log)
{
	const char **paths;

	memset(b, 0, sizeof(*b));
	if (!cgroup2_mounted(root)) {
		fprintf(log, "egressc agent: cgroups: cgroup v2 is not mounted at %s: the agent "
			"cannot see a cgroup made again, and the rules for cgroups stay as apply "
			"loaded them\n", root);
		return -1;
	}
	b->m = m;
	b->backend = backend;
	b->root = root;
	b->n = model_cgroups(&m, 1, &paths);
	b->paths = xcalloc(b->n + 1, sizeof(*b->paths));
	for (size_t i = 0; i < b->n; i++)
		b->paths[i].path = paths[i];
	free(paths);
	b->due = true;
	b->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (b->inotify_fd < 0)
		fprintf(log, "egressc agent: cgroups: cannot watch them (%s); looking every %ds\n",
			strerror(errno), CGROUP_BIND_CHECK_SECONDS);
	watch(b);
	return 0;
}

int cgroup_bind_fd(const struct cgroup_bind *b)
{
	return b->inotify_fd;
}

time_t cgroup_bind_next(const struct cgroup_bind *b)
{
	return b->next_check;
}

/* Reads what the watch reported; whether it reported anything. */
static bool drain(struct cgroup_bind *b)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool any = false;

	if (b->inotify_fd < 0)
		return false;
	while (read(b->inotify_fd, buf, sizeof(buf)) > 0)
		any = true;
	return any;
}

/* Journals WHY the chain was not loaded, once for as long as it stays. */
static void not_bound(struct cgroup_bind *b, FILE *log, const char *why)
{
	if (b->problem && strcmp(b->problem, why) == 0)
		return;
	free(b->problem);
	b->problem = xstrdup(why);
	fprintf(log, "egressc agent: cgroups: not bound again: %s\n", why);
}

char *cgroup_bind_with_counters(const char *rules, const char *saved)
{
	static const char head[] = "] " IPT_RULE_HEAD;
	const char **counters = NULL;
	size_t n = 0, cap = 0, nrules = 0;
	char *out = NULL;
	size_t len = 0;

	for (const char *l = saved; *l;) {
		size_t ln = strcspn(l, "\n");
		const char *end = memchr(l, ']', ln);
		if (*l == '[' && end && (size_t)(l + ln - end) > strlen(head) &&
		    memcmp(end, head, strlen(head)) == 0)
			VEC_PUSH(counters, n, cap, l);
		l += ln + (l[ln] == '\n');
	}
	for (const char *l = rules; *l; l += strcspn(l, "\n") + (l[strcspn(l, "\n")] == '\n'))
		nrules++;
	FILE *fp = xopen_memstream(&out, &len);
	size_t i = 0;
	for (const char *l = rules; *l; i++) {
		size_t ln = strcspn(l, "\n");
		if (n == nrules)
			fprintf(fp, "%.*s ", (int)(strchr(counters[i], ']') + 1 - counters[i]),
				counters[i]);
		fprintf(fp, "%.*s\n", (int)ln, l);
		l += ln + (l[ln] == '\n');
	}
	xmemstream_close(fp);
	free(counters);
	return out;
}

/* One transaction per part: nft's chain flushed and filled, or
 * EGRESSC-LOCAL of a family (':CHAIN - [0:0]' under --noflush flushes
 * that chain alone), each rule with the counters it had (the packets
 * between the reading and the load aside). */
static int load_part(enum local_part i, const char *rules, struct diags *d)
{
	char *script = NULL, *said = NULL;
	size_t len = 0;
	FILE *fp = xopen_memstream(&script, &len);
	int rc;

	if (i == LOCAL_NFT) {
		fprintf(fp, "flush chain " NFT_TABLE " " NFT_CHAIN_LOCAL "\n"
			"table " NFT_TABLE " {\n%s}\n", rules);
		xmemstream_close(fp);
		rc = setops_nft(script, NULL, d);
	} else {
		char *save[] = { i == LOCAL_V4 ? "iptables-save" : "ip6tables-save", "-c", "-t",
				 "filter", NULL };
		char *argv[] = { i == LOCAL_V4 ? "iptables-restore" : "ip6tables-restore", "--noflush",
				 "--counters", NULL };
		char *saved = NULL;
		if (setops_run(save, "", &saved) != 0) {
			free(saved);
			saved = NULL;
		}
		char *counted = cgroup_bind_with_counters(rules, saved ? saved : "");
		fprintf(fp, "*filter\n:" IPT_CHAIN_LOCAL " - [0:0]\n%sCOMMIT\n", counted);
		free(counted);
		free(saved);
		xmemstream_close(fp);
		rc = setops_run(argv, script, &said) == 0 ? 0 : -1;
		if (rc < 0)
			diag_error(d, NULL, "%s refused it:\n%s", argv[0], said ? said : "");
		free(said);
	}
	free(script);
	return rc;
}

/* Loads the model's local chain again, if it is what apply loaded. */
static int rebind(struct cgroup_bind *b, FILE *log)
{
	char *parts[LOCAL_PARTS], *mine, *applied = NULL, buf[64], why[4096 + 512];
	const char *path = record_path(buf);
	ino_t *ids = xcalloc(b->n + 1, sizeof(*ids));
	size_t len;
	struct arena arena;
	struct diags d;
	int rc = -1;

	arena_init(&arena);
	diags_init(&d, &arena);
	render_parts(b, parts);
	mine = record_text(parts);
	int lock = setops_lock(&d);
	/* 0 for a cgroup not there: its rules are left out of the load
	 * (ruleset_bind_cgroups()), and its mkdir is a change. */
	for (size_t i = 0; i < b->n; i++)
		ids[i] = cgroup_id(b, b->paths[i].path);
	if (lock < 0) {
		snprintf(why, sizeof(why), "cannot take the apply lock");
	} else if (!path || wholefile_read(path, &applied, &len) < 0) {
		snprintf(why, sizeof(why), "no rules for cgroups that egressc apply loaded are recorded "
			 "here (%s): apply the policy", path ? path : "no /proc");
	} else if (!mine || strcmp(mine, applied) != 0) {
		snprintf(why, sizeof(why), "the loaded ruleset is not the policy this agent compiled "
			 "(applied since the agent started, or compiled otherwise): its chain stays "
			 "as apply loaded it; start the agent again with the policy applied");
	} else {
		rc = 0;
		int loaded = 0;
		for (int i = 0; i < LOCAL_PARTS && rc == 0; i++) {
			if (!parts[i])
				continue;
			char *here = ruleset_bind_cgroups(parts[i], i == LOCAL_NFT, b->root,
							  true, "egressc agent: cgroups", "the loaded rules stay",
							  log, &d);
			rc = here ? load_part((enum local_part)i, here, &d) : -1;
			loaded += rc == 0;
			free(here);
		}
		if (rc < 0) {
			/* nft's changed nothing; iptables's IPv4 may be loaded
			 * when IPv6 failed, bound alike, which the next try
			 * loads again with IPv6. */
			char *said = NULL;
			size_t slen = 0;
			FILE *fp = xopen_memstream(&said, &slen);
			diags_print(&d, fp);
			xmemstream_close(fp);
			snprintf(why, sizeof(why), "the load failed%s; the loaded rules stay: %s",
				 loaded ? " after IPv4's" : "", said);
			free(said);
		}
	}
	if (lock >= 0)
		setops_unlock(lock);
	if (rc == 0) {
		/* One journal line: the chain, and each cgroup bound anew. */
		fprintf(log, "egressc agent: cgroups: %s loaded again:",
			b->backend == APPLY_NFT ? NFT_CHAIN_LOCAL : IPT_CHAIN_LOCAL);
		const char *sep = " ";
		for (size_t i = 0; i < b->n; i++) {
			if (ids[i] == b->paths[i].id)
				continue;
			if (!ids[i])
				fprintf(log, "%s'%s' is gone: its rules left out", sep, b->paths[i].path);
			else
				fprintf(log, "%s'%s' bound to cgroup %llu", sep, b->paths[i].path,
					(unsigned long long)ids[i]);
			if (ids[i] && b->paths[i].id)
				fprintf(log, " (made again: was %llu)", (unsigned long long)b->paths[i].id);
			b->paths[i].id = ids[i];
			sep = "; ";
		}
		fprintf(log, "%s\n", *sep == ' ' ? " no cgroup changed since the last load" : "");
		b->due = false;
		b->rebinds++;
		free(b->problem);
		b->problem = NULL;
	} else {
		not_bound(b, log, why);
	}
	fflush(log);
	parts_release(parts);
	free(mine);
	free(applied);
	free(ids);
	arena_release(&arena);
	return rc;
}

int cgroup_bind_run(struct cgroup_bind *b, time_t now, FILE *log)
{
	bool reported = drain(b);

	if (reported)
		watch(b);
	if (!reported && now < b->next_check)
		return 0;
	b->next_check = now + CGROUP_BIND_CHECK_SECONDS;
	for (size_t i = 0; i < b->n; i++)
		if (cgroup_id(b, b->paths[i].path) != b->paths[i].id)
			b->due = true;
	return b->due && rebind(b, log) == 0 ? 1 : 0;
}

void cgroup_bind_release(struct cgroup_bind *b)
{
	if (b->inotify_fd >= 0)
		close(b->inotify_fd);
	free(b->paths);
	free(b->problem);
	memset(b, 0, sizeof(*b));
	b->inotify_fd = -1;
}
