/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "host/apply.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/netfilter/nf_tables.h>
#include <nftables/libnftables.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compiler/diag.h"
#include "emit/emit.h"
#include "host/cgroupbind.h"
#include "host/hostsplice.h"
#include "host/ipsetplan.h"
#include "host/ipthooks.h"
#include "emit/names.h"
#include "host/keepstate.h"
#include "host/cgroupcheck.h"
#include "host/kerneltz.h"
#include "host/nftcheck.h"
#include "host/setops.h"
#include "host/tool.h"
#include "host/uplink.h"
#include "host/wholefile.h"
#include "lib/vec.h"
#include "lib/xalloc.h"

/* Each output: its file under -O DIR, and its format for -f. */
static const struct {
	const char *file, *format;
} parts[PART_COUNT] = {
	[PART_NFT] = { FILE_NFT, "nft" },
	[PART_IPSETS] = { FILE_IPSETS, "ipset" },
	[PART_V4] = { FILE_IPTABLES, "iptables" },
	[PART_V6] = { FILE_IP6TABLES, "ip6tables" },
	[PART_HOSTS] = { FILE_HOSTS, "hosts" },
	[PART_DNSMASQ] = { FILE_DNSMASQ, "dnsmasq" },
	[PART_DNSMASQ_IPSET] = { FILE_DNSMASQ_IPSET, "dnsmasq-ipset" },
};

/* Policy-free texts from the emitters: the closed firewall, and the nft
 * script that deletes the table. Malloc'd; abort when memory runs out. */
static char *text_of(int (*write)(FILE *, enum family), enum family f)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *fp = xopen_memstream(&buf, &size);

	/* Writing to memory fails only when memory does. */
	if (write(fp, f) < 0)
		xalloc_die();
	xmemstream_close(fp);
	return buf;
}

static int write_nft_closed(FILE *fp, enum family f)
{
	(void)f;
	return emit_nft_closed(fp);
}

static int write_nft_remove(FILE *fp, enum family f)
{
	(void)f;
	return emit_nft_remove(fp);
}

int apply_read_dir(struct apply_set *s, const char *dir, enum apply_backend b,
		   struct diags *d)
{
	const bool need[PART_COUNT] = {
		[PART_NFT] = b == APPLY_NFT,
		[PART_V4] = b == APPLY_IPTABLES,
		[PART_V6] = b == APPLY_IPTABLES,
	};
	int rc = 0;

	memset(s, 0, sizeof(*s));
	for (int i = 0; i < PART_COUNT; i++) {
		size_t n = strlen(dir) + strlen(parts[i].file) + 2;
		char *path = xmalloc(n);
		snprintf(path, n, "%s/%s", dir, parts[i].file);
		if (wholefile_read(path, &s->text[i], &s->len[i]) < 0 && (need[i] || errno != ENOENT)) {
			diag_error(d, NULL, "cannot read '%s': %s", path, strerror(errno));
			rc = -1;
		}
		s->where[i] = path;
	}
	return rc;
}

int apply_render(struct apply_set *s, const struct model *m, struct diags *d)
{
	memset(s, 0, sizeof(*s));
	for (int i = 0; i < PART_COUNT; i++) {
		if (emit_to_memory(m, emitter_by_name(parts[i].format)->emit, &s->text[i],
				   &s->len[i]) < 0) {
			diag_error(d, NULL, "cannot render the %s output: %s", parts[i].format,
				   strerror(errno));
			return -1;
		}
		s->where[i] = xstrdup(parts[i].format);
	}
	return 0;
}

void apply_set_release(struct apply_set *s)
{
	for (int i = 0; i < PART_COUNT; i++) {
		free(s->text[i]);
		free(s->where[i]);
	}
	memset(s, 0, sizeof(*s));
}

/* --- running nft and the iptables tools ------------------------------------ */

/* Runs TOOL [ARG [ARG2]] with TEXT as input; on failure, an error naming
 * WHAT and quoting what the tool said. */
static int tool(struct diags *d, const char *what, const char *text, size_t len,
		const char *tool_name, const char *arg, const char *arg2)
{
	char *argv[] = { (char *)tool_name, (char *)arg, arg ? (char *)arg2 : NULL, NULL };
	char *said = NULL;
	int rc = tool_run(argv, text, len, &said);

	if (rc != 0)
		diag_error(d, NULL, "%s: %s%s%s failed%s%s", what, tool_name, arg ? " " : "",
			   arg ? arg : "", said && *said ? ":\n" : "", said ? said : "");
	free(said);
	return rc == 0 ? 0 : -1;
}

/* iptables-restore (V6: ip6tables-restore) of TEXT, a whole table as
 * iptables-save wrote it: for putting a saved table back. */
static int ipt_restore(struct diags *d, const char *what, const char *text, size_t len, bool v6)
{
	return tool(d, what, text, len, v6 ? "ip6tables-restore" : "iptables-restore", NULL, NULL);
}

/* TABLE of one family as it is now, into *TEXT (malloc'd). Returns 0, or
 * -1 when the tool cannot run or fails (*TEXT NULL). */
static int ipt_save_table(bool v6, const char *table, char **text)
{
	char *argv[] = { v6 ? "ip6tables-save" : "iptables-save", "-t", (char *)table, NULL };

	*text = NULL;
	if (tool_run(argv, "", 0, text) == 0)
		return 0;
	free(*text);
	*text = NULL;
	return -1;
}

static int ipt_save(bool v6, char **text)
{
	return ipt_save_table(v6, "filter", text);
}

/* Two transactions, the second NULL or not, as one text. Malloc'd. */
static char *ipt_join(char *first, char *second)
{
	if (!second)
		return first;
	size_t n = strlen(first) + strlen(second) + 1;
	char *both = xmalloc(n);
	snprintf(both, n, "%s%s", first, second);
	free(first);
	free(second);
	return both;
}

/* Loads egressc's chains from RULES into one family's filter table,
 * hooked once (see ipthooks.h), and its reverse-path check into the raw
 * table (or takes an old one away), in one --noflush run, a transaction
 * per table; TEST only checks them. */
static int ipt_load(struct diags *d, const char *what, const char *rules, bool v6, bool test)
{
	char *current, *raw = NULL, *tx;

	/* The raw table matters only to a ruleset that checks sources, or
	 * where an earlier one did (and then it could be read). */
	if (ipt_save(v6, &current) < 0 ||
	    (ipt_save_table(v6, "raw", &raw) < 0 && strstr(rules, "\n*raw\n"))) {
		free(current);
		diag_error(d, NULL, "%s: cannot read the current %s rules", what, v6 ? "IPv6" : "IPv4");
		return -1;
	}
	tx = ipt_join(ipt_hooks_load(rules, current), raw ? ipt_raw_load(rules, raw) : NULL);
	free(current);
	free(raw);
	int rc = tool(d, what, tx, strlen(tx), v6 ? "ip6tables-restore" : "iptables-restore",
		      "--noflush", test ? "--test" : NULL);
	free(tx);
	return rc;
}

/* One nft script, one transaction. libnftables exits the process when it
 * cannot open netlink, hence the root check before. */
static int nft_load(struct diags *d, const char *what, const char *script, const char *outcome)
{
	struct nft_ctx *nft = nft_ctx_new(NFT_CTX_DEFAULT);

	if (!nft) {
		diag_error(d, NULL, "%s: cannot start libnftables", what);
		return -1;
	}
	nft_ctx_buffer_output(nft);
	nft_ctx_buffer_error(nft);
	int rc = nft_run_cmd_from_buffer(nft, script);
	if (rc != 0)
		diag_error(d, NULL, "%s: nft refused it; %s:\n%s", what, outcome,
			   nft_ctx_get_error_buffer(nft));
	nft_ctx_free(nft);
	return rc == 0 ? 0 : -1;
}

/* --- the steps ------------------------------------------------------------- */

/* What a failure leaves: the previous state, or with --fail-closed the
 * closed firewall loaded first. */
static const char *unchanged(const struct apply_opts *o)
{
	return o->fail_closed ? "the firewall stays closed" : "nothing was changed";
}

static int need_root(struct diags *d)
{
	if (geteuid() == 0)
		return 0;
	diag_error(d, NULL, "apply changes the firewall and needs root (or --dry-run)");
	return -1;
}

/* Replaces PATH's contents by TEXT unless they are that already. Returns
 * 1 when it wrote (would write), 0 when there was nothing to do, -1 on
 * errors. */
static int install(FILE *log, const struct apply_opts *o, const char *what, const char *path,
		   const char *text, size_t len, struct diags *d)
{
	char *old = NULL;
	size_t oldlen = 0;

	if (wholefile_read(path, &old, &oldlen) == 0 && oldlen == len && memcmp(old, text, len) == 0) {
		fprintf(log, "%s: %s is up to date\n", what, path);
		free(old);
		return 0;
	}
	free(old);
	fprintf(log, "%s: %s %s\n", what, o->dry_run ? "would write" : "writing", path);
	if (o->dry_run)
		return 1;
	return wholefile_write(path, text, len, d) < 0 ? -1 : 1;
}

/* The hosts file as it is to be: computed before anything changes, so a
 * file that cannot take the splice stops the apply before the firewall
 * is touched. *SPLICED NULL: nothing to do. */
static int prepare_hosts(const struct apply_set *s, const struct apply_opts *o,
			 struct diags *d, bool remove, char **spliced, size_t *len)
{
	const char *path = o->hosts_path ? o->hosts_path : APPLY_HOSTS_PATH;
	char *old = NULL;
	size_t oldlen = 0;
	const char *why;

	*spliced = NULL;
	if (!remove && !s->text[PART_HOSTS])
		return 0;
	if (wholefile_read(path, &old, &oldlen) < 0 && errno != ENOENT) {
		diag_error(d, NULL, "cannot read '%s': %s", path, strerror(errno));
		return -1;
	}
	int rc = hosts_splice(old ? old : "", old ? oldlen : 0, remove ? NULL : s->text[PART_HOSTS],
			      remove ? 0 : s->len[PART_HOSTS], spliced, len, &why);
	free(old);
	if (rc < 0)
		diag_error(d, NULL, "cannot splice into '%s': %s; %s", path, why, unchanged(o));
	return rc;
}

static int apply_hosts(const struct apply_opts *o, FILE *log, struct diags *d, bool remove,
		       const char *spliced, size_t len)
{
	const char *path = o->hosts_path ? o->hosts_path : APPLY_HOSTS_PATH;

	if (!spliced)
		return 0;
	return install(log, o, remove ? "hosts (splice removed)" : "hosts", path, spliced, len,
		       d) < 0 ? -1 : 0;
}

static const char *dnsmasq_path(const struct apply_opts *o)
{
	return o->dnsmasq_path ? o->dnsmasq_path : APPLY_DNSMASQ_PATH;
}

/* Where dnsmasq reads it, when dnsmasq is installed (its directory is
 * there) or a path was given. */
static int apply_dnsmasq(const struct apply_set *s, const struct apply_opts *o, FILE *log,
			 struct diags *d, bool *installed)
{
	enum apply_part p = o->backend == APPLY_NFT ? PART_DNSMASQ : PART_DNSMASQ_IPSET;
	const char *path = dnsmasq_path(o);
	char *dir, *slash;
	struct stat st;

	*installed = false;
	if (!s->text[p])
		return 0;
	dir = xstrdup(path);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	bool there = stat(slash ? dir : ".", &st) == 0 && S_ISDIR(st.st_mode);
	free(dir);
	if (!there && !o->dnsmasq_path_given) {
		fprintf(log, "dnsmasq: no directory for %s; the fragment is not installed\n", path);
		return 0;
	}
	int rc = install(log, o, "dnsmasq", path, s->text[p], s->len[p], d);
	*installed = rc > 0;
	return rc < 0 ? -1 : 0;
}

/* Whether the ipset restore text KEEP creates NAME. */
static bool ipset_kept(const char *keep, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = keep; p && (p = strstr(p, "create ")) != NULL; p += 7)
		if ((p == keep || p[-1] == '\n') && strncmp(p + 7, name, n) == 0 && p[7 + n] == ' ')
			return true;
	return false;
}

/* The ipsets egressc made but KEEP (the ipset output of the policy now
 * loaded; NULL: none) does not, once no rule names them: sets are named by
 * what fills and creates them, so each policy change leaves some behind. */
static int destroy_ipsets(const struct apply_opts *o, FILE *log, struct diags *d,
			  const char *keep)
{
	char *argv[] = { "ipset", "list", "-n", NULL };
	char *names = NULL;
	int rc = 0;

	if (tool_run(argv, "", 0, &names) != 0) {
		free(names);
		return 0;	/* no ipset, or no sets: nothing of ours */
	}
	for (char *line = strtok(names, "\n"); line; line = strtok(NULL, "\n")) {
		if (strncmp(line, IPSET_PREFIX, strlen(IPSET_PREFIX)) != 0 || ipset_kept(keep, line))
			continue;
		fprintf(log, "ipset: %s %s\n", o->dry_run ? "would destroy" : "destroying", line);
		char *destroy[] = { "ipset", "destroy", line, NULL };
		if (!o->dry_run && tool_run(destroy, "", 0, NULL) != 0) {
			diag_error(d, NULL, "cannot destroy ipset '%s'", line);
			rc = -1;
		}
	}
	free(names);
	return rc;
}

/* Takes egressc's iptables chains, hooks and ipsets away, in both
 * families: for --remove, and after the nft backend took over. A machine
 * without the iptables tools has none. */
static int remove_iptables(const struct apply_opts *o, FILE *log, struct diags *d)
{
	int rc = 0;

	for (int v6 = 0; v6 < 2; v6++) {
		char *current, *raw, *tx;
		if (ipt_save(v6, &current) < 0)
			continue;
		tx = ipt_hooks_remove(current);
		free(current);
		if (ipt_save_table(v6, "raw", &raw) == 0) {
			char *rawtx = ipt_raw_remove(raw);
			tx = tx ? ipt_join(tx, rawtx) : rawtx;
			free(raw);
		}
		if (!tx)
			continue;
		fprintf(log, "iptables: %s egressc's %s chains and hooks\n",
			o->dry_run ? "would remove" : "removing", v6 ? "IPv6" : "IPv4");
		if (!o->dry_run)
			rc |= tool(d, v6 ? "removing egressc's IPv6 chains" : "removing egressc's IPv4 chains",
				   tx, strlen(tx), v6 ? "ip6tables-restore" : "iptables-restore",
				   "--noflush", NULL);
		free(tx);
	}
	return rc || destroy_ipsets(o, log, d, NULL) < 0 ? -1 : 0;
}

/* Deletes table inet egressc, if there is one: for --remove, and after the
 * iptables backend took over. */
static int remove_nft(const struct apply_opts *o, FILE *log, struct diags *d)
{
	fprintf(log, "nft: %s table " NFT_TABLE "\n", o->dry_run ? "would delete" : "deleting");
	if (o->dry_run)
		return 0;
	char *script = text_of(write_nft_remove, FAMILY_V4);
	int rc = nft_load(d, "removing table " NFT_TABLE, script, "it stays");
	free(script);
	return rc;
}

/* CURRENT: the table it replaces, listed (NULL: none), whose run-time
 * sets' members the same transaction carries over (keepstate.h). */
static int apply_nft(const struct apply_set *s, const char *current, const struct apply_opts *o,
		     FILE *log, struct diags *d)
{
	char *why = NULL;
	int rc;

	const int west = kernel_tz_minutes_west();
	if (nft_weekdays_shifted(s->text[PART_NFT], west)) {
		diag_error(d, NULL, "%s: its time windows name weekdays, and this kernel keeps a "
			   "timezone %d minutes %s of UTC (the real-time clock keeps local time?): "
			   "nft counts weekdays in it but times of day in UTC, so the windows "
			   "would hold a day off around midnight; nothing was changed (keep the "
			   "clock in UTC: 'timedatectl set-local-rtc 0', then reboot; or apply "
			   "with --backend iptables, whose time match is UTC throughout)",
			   s->where[PART_NFT], west < 0 ? -west : west, west < 0 ? "east" : "west");
		return -1;
	}
	if (o->dry_run && geteuid() != 0) {
		fprintf(log, "nft: would replace table " NFT_TABLE " from %s (not checked: nft needs root)\n",
			s->where[PART_NFT]);
		return 0;
	}
	if (o->dry_run) {
		rc = nft_check_script(s->text[PART_NFT], s->len[PART_NFT], &why);
		if (rc == 0)
			fprintf(log, "nft: would replace table " NFT_TABLE " from %s (nft accepts it)\n",
				s->where[PART_NFT]);
		else
			diag_error(d, NULL, "%s: nft would refuse it:\n%s", s->where[PART_NFT],
				   why ? why : "");
		free(why);
		return rc;
	}
	char *keep = keep_nft_members(current ? current : "", s->text[PART_NFT]);
	size_t n = s->len[PART_NFT] + strlen(keep) + 1;
	char *script = xmalloc(n);
	snprintf(script, n, "%s%s", s->text[PART_NFT], keep);
	rc = nft_load(d, s->where[PART_NFT], script, unchanged(o));
	free(script);
	if (rc == 0)
		fprintf(log, "nft: replaced table " NFT_TABLE " from %s, in one transaction%s\n",
			s->where[PART_NFT], *keep ? ", keeping its run-time sets' members" : "");
	free(keep);
	return rc;
}

/* What 'ipset list -t' says of the kernel's sets, into *LISTING
 * (malloc'd); NULL when ipset cannot tell (no ipset: no sets). */
static void ipset_listing(char **listing)
{
	char *argv[] = { "ipset", "list", "-t", NULL };

	if (tool_run(argv, "", 0, listing) == 0)
		return;
	free(*listing);
	*listing = NULL;
}

/* 'ipset save' of egressc's run-time sets, members and all (dnsmasq added
 * them), into *SAVED (malloc'd). Static sets need no saving: nothing
 * changes one before the rules that name it are replaced (see
 * host/ipsetplan.h). Returns 0, or -1 when a set cannot be saved. */
static int ipset_save_runtime(char **saved)
{
	char *listing = NULL, *names;
	size_t size = 0;
	FILE *fp = xopen_memstream(saved, &size);
	int rc = 0;

	ipset_listing(&listing);
	names = ipset_runtime_names(listing ? listing : "", IPSET_PREFIX);
	free(listing);
	for (char *name = strtok(names, "\n"); name && rc == 0; name = strtok(NULL, "\n")) {
		char *argv[] = { "ipset", "save", name, NULL };
		char *one = NULL;
		rc = tool_run(argv, "", 0, &one) == 0 ? 0 : -1;
		if (one)
			fputs(one, fp);
		free(one);
	}
	free(names);
	xmemstream_close(fp);
	return rc;
}

/* Whether an ipset restore TEXT has a command: one of only comments is not
 * worth starting ipset for. */
static bool ipset_has_commands(const char *text)
{
	for (const char *line = text; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL)
		if (*line != '#' && *line != '\n')
			return true;
	return false;
}

/* The "create" lines of an ipset restore file (malloc'd). */
static char *create_lines(const char *text)
{
	char *out = xmalloc(strlen(text) + 1), *p = out;

	for (const char *line = text; *line;) {
		const char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) + 1 : strlen(line);
		if (strncmp(line, "create ", 7) == 0) {
			memcpy(p, line, n);
			p += n;
		}
		line += n;
	}
	*p = '\0';
	return out;
}

/* The firewall as it was before this apply, to put back when a later step
 * fails: the listing of table inet egressc (which nft loads again, set
 * members and their timeouts included), or the whole filter table of each
 * family and the ipsets' members. */
struct fw_saved {
	enum apply_backend backend;
	/* Whether there is anything to put back. nft needs nothing unless a
	 * step that may fail follows its load: its transaction is all or
	 * nothing, and listing the table costs seconds when large sets hold
	 * it (libnftables reads every element back). */
	bool saved;
	char *nft;		/* NULL: there was no table */
	char *v4, *v6;
	char *raw4, *raw6;	/* the raw tables: the reverse-path check's */
	char *sets;		/* run-time sets saved: members too, which dnsmasq added */
	char *refresh;		/* the refresh sets apply swaps, saved: ipset_swap_back() */
};

/* "list table inet egressc" into *LISTING (malloc'd), or NULL when there
 * is no table. */
static int nft_list_table(char **listing, struct diags *d)
{
	struct nft_ctx *nft = nft_ctx_new(NFT_CTX_DEFAULT);

	*listing = NULL;
	if (!nft) {
		diag_error(d, NULL, "cannot start libnftables");
		return -1;
	}
	nft_ctx_buffer_output(nft);
	nft_ctx_buffer_error(nft);
	if (nft_run_cmd_from_buffer(nft, "list table " NFT_TABLE) == 0)
		*listing = xstrdup(nft_ctx_get_output_buffer(nft));
	nft_ctx_free(nft);
	return 0;
}

/* The run-time sets of table inet egressc that SCRIPT keeps by name
 * (keepstate.h), as 'list set' shows each, into *LISTING (malloc'd): all
 * an apply carries over, read without the static sets' elements. A set
 * that cannot be listed (no table yet, or no such set) has nothing to
 * keep. */
static int nft_list_runtime_sets(const char *script, char **listing, struct diags *d)
{
	char *names = keep_nft_set_names(script);
	size_t size = 0;
	FILE *out = xopen_memstream(listing, &size);
	struct nft_ctx *nft = NULL;
	int rc = 0;

	if (*names && !(nft = nft_ctx_new(NFT_CTX_DEFAULT))) {
		diag_error(d, NULL, "cannot start libnftables");
		rc = -1;
	}
	if (nft) {
		nft_ctx_buffer_output(nft);
		nft_ctx_buffer_error(nft);
	}
	for (char *name = strtok(names, "\n"); nft && name; name = strtok(NULL, "\n")) {
		char cmd[sizeof("list set " NFT_TABLE " ") + NFT_NAME_MAXLEN];
		snprintf(cmd, sizeof(cmd), "list set " NFT_TABLE " %s", name);
		if (nft_run_cmd_from_buffer(nft, cmd) == 0)
			fputs(nft_ctx_get_output_buffer(nft), out);
	}
	if (nft)
		nft_ctx_free(nft);
	xmemstream_close(out);
	free(names);
	return rc;
}

/* NFT_NEEDED: whether an nft table would have to be put back after its
 * transaction succeeded (iptables always saves: its load is three). */
static int fw_save(struct fw_saved *sv, const struct apply_opts *o, bool nft_needed,
		   struct diags *d)
{
	memset(sv, 0, sizeof(*sv));
	sv->backend = o->backend;
	if (o->backend == APPLY_NFT) {
		sv->saved = nft_needed;
		return nft_needed ? nft_list_table(&sv->nft, d) : 0;
	}
	sv->saved = true;
	/* A raw table that cannot be read is none ipt_load() changes. */
	ipt_save_table(false, "raw", &sv->raw4);
	ipt_save_table(true, "raw", &sv->raw6);
	if (ipt_save(false, &sv->v4) < 0 || ipt_save(true, &sv->v6) < 0 ||
	    ipset_save_runtime(&sv->sets) < 0) {
		diag_error(d, NULL, "cannot save the current iptables rules; %s", unchanged(o));
		return -1;
	}
	return 0;
}

/* Puts back the raw table SAVED (NULL: it could not be read), where
 * egressc's chain was or is: a table restored whole would be made where
 * there was none. */
static int raw_restore(struct diags *d, const char *saved, bool v6)
{
	char *now, *tx;
	int rc = 0;

	if (!saved || ipt_save_table(v6, "raw", &now) < 0)
		return 0;
	if (strstr(saved, IPT_CHAIN_RPF)) {
		rc = ipt_restore(d, v6 ? "restoring the saved IPv6 raw table"
				       : "restoring the saved IPv4 raw table",
				 saved, strlen(saved), v6);
	} else if ((tx = ipt_raw_remove(now)) != NULL) {
		rc = tool(d, v6 ? "removing egressc's IPv6 raw chain" : "removing egressc's IPv4 raw chain",
			  tx, strlen(tx), v6 ? "ip6tables-restore" : "iptables-restore", "--noflush",
			  NULL);
		free(tx);
	}
	free(now);
	return rc;
}

/* Puts back what fw_save() saved, as well as it can. */
static void fw_restore(const struct fw_saved *sv, FILE *log, struct diags *d)
{
	int rc;

	if (!sv->saved)
		return;
	if (sv->backend == APPLY_NFT) {
		char *reset = text_of(write_nft_remove, FAMILY_V4);
		size_t n = strlen(reset) + (sv->nft ? strlen(sv->nft) : 0) + 1;
		char *script = xmalloc(n);
		snprintf(script, n, "%s%s", reset, sv->nft ? sv->nft : "");
		rc = nft_load(d, "restoring the previous table", script, "it may be gone");
		free(script);
		free(reset);
		fprintf(log, "nft: %s\n", rc == 0 ? "the previous table is back in place"
						  : "could not put the previous table back");
		return;
	}
	rc = ipt_restore(d, "restoring the saved IPv4 rules", sv->v4, strlen(sv->v4), false);
	rc |= ipt_restore(d, "restoring the saved IPv6 rules", sv->v6, strlen(sv->v6), true);
	rc |= raw_restore(d, sv->raw4, false) | raw_restore(d, sv->raw6, true);
	if (sv->sets && *sv->sets)
		rc |= tool(d, "restoring the saved ipset members", sv->sets, strlen(sv->sets), "ipset",
			   "restore", "-exist");
	if (sv->refresh && *sv->refresh) {
		char *back = ipset_swap_back(sv->refresh);
		rc |= tool(d, "restoring the saved refresh sets", back, strlen(back), "ipset",
			   "restore", "-exist");
		free(back);
	}
	fprintf(log, "iptables: %s\n", rc == 0 ? "the previous rules are back in place"
					       : "could not put the previous rules back");
}

/* The members of the refresh sets of S that the kernel has, which the
 * apply swaps (host/ipsetplan.h), into SV: what the agent added is lost
 * on success (it adds it again), but not when a later step fails.
 * Returns 0, or -1 when a set cannot be saved. */
static int fw_save_refresh(struct fw_saved *sv, const struct apply_set *s)
{
	char *listing = NULL, *names;
	size_t size = 0;
	int rc = 0;

	if (sv->backend != APPLY_IPTABLES || !s->text[PART_IPSETS])
		return 0;
	FILE *fp = xopen_memstream(&sv->refresh, &size);
	ipset_listing(&listing);
	names = ipset_refresh_names(s->text[PART_IPSETS], listing);
	free(listing);
	for (char *name = strtok(names, "\n"); name && rc == 0; name = strtok(NULL, "\n")) {
		char *argv[] = { "ipset", "save", name, NULL };
		char *one = NULL;
		rc = tool_run(argv, "", 0, &one) == 0 ? 0 : -1;
		if (one && rc == 0)
			fputs(one, fp);
		free(one);
	}
	free(names);
	xmemstream_close(fp);
	return rc;
}

static void fw_saved_release(struct fw_saved *sv)
{
	free(sv->nft);
	free(sv->v4);
	free(sv->v6);
	free(sv->raw4);
	free(sv->raw6);
	free(sv->sets);
	free(sv->refresh);
}

static int apply_iptables(const struct apply_set *s, const struct apply_opts *o, FILE *log,
			  struct diags *d)
{
	const char *v4 = s->text[PART_V4], *v6 = s->text[PART_V6];

	if (o->dry_run) {
		if (s->text[PART_IPSETS])
			fprintf(log, "ipset: would create and empty the sets of %s\n",
				s->where[PART_IPSETS]);
		fprintf(log, "iptables: would replace egressc's IPv4 chains from %s and its IPv6 ones from %s\n",
			s->where[PART_V4], s->where[PART_V6]);
		return 0;
	}
	/* The sets that need loading: the static sets the kernel has whole
	 * already are left out; the refresh sets it has are swapped after
	 * the rules. */
	char *listing = NULL, *plan = NULL, *swap = NULL;
	if (s->text[PART_IPSETS]) {
		ipset_listing(&listing);
		plan = ipset_plan(s->text[PART_IPSETS], listing, &swap);
		free(listing);
	}
	/* The sets must exist for the rules to be tested: create them, but
	 * flush nothing yet - a set's members stay until the rules pass. */
	char *creates = plan ? create_lines(plan) : NULL;
	int rc = creates && ipset_has_commands(creates) &&
			 tool(d, s->where[PART_IPSETS], creates, strlen(creates), "ipset", "restore",
			      "-exist") < 0 ? -1 : 0;
	free(creates);
	if (rc == 0 && (ipt_load(d, s->where[PART_V4], v4, false, true) < 0 ||
			ipt_load(d, s->where[PART_V6], v6, true, true) < 0))
		rc = -1;
	/* Now the sets as the policy has them: static sets filled, run-time
	 * sets created and keeping their members (keepstate.h); then each
	 * family in one transaction, the previous policy holding in each
	 * until its own is replaced. */
	char *sets = plan ? keep_ipset_members(plan) : NULL;
	if (rc == 0 && ((sets && ipset_has_commands(sets) &&
			 tool(d, s->where[PART_IPSETS], sets, strlen(sets), "ipset", "restore",
			      "-exist") < 0) ||
			ipt_load(d, s->where[PART_V4], v4, false, false) < 0 ||
			ipt_load(d, s->where[PART_V6], v6, true, false) < 0))
		rc = -1;
	/* The refresh sets last, each swapped whole: the new rules match
	 * the old members (the previous policy's pins and the agent's) until
	 * then, never nothing. A failure here puts the old rules back, with
	 * the sets not swapped. */
	if (rc == 0 && swap && *swap) {
		rc = tool(d, s->where[PART_IPSETS], swap, strlen(swap), "ipset", "restore", "-exist");
		if (rc == 0)
			fputs("ipset: the refresh sets hold the policy's pins again, swapped in whole\n",
			      log);
	}
	free(swap);
	free(sets);
	free(plan);
	if (rc < 0)
		return -1;
	fprintf(log, "iptables: replaced egressc's IPv4 chains from %s and its IPv6 ones from %s\n",
		s->where[PART_V4], s->where[PART_V6]);
	return 0;
}

int apply_close(const struct apply_opts *o, FILE *log, struct diags *d)
{
	int rc = 0;

	if (o->dry_run)
		return 0;
	if (need_root(d) < 0)
		return -1;

	if (o->backend == APPLY_NFT) {
		char *closed = text_of(write_nft_closed, FAMILY_V4);
		rc = nft_load(d, "the closed table", closed, "the firewall was not closed");
		free(closed);
	} else {
		for (int f = 0; f < FAMILY_COUNT && rc == 0; f++) {
			char *closed = text_of(emit_iptables_closed, (enum family)f);
			rc = ipt_load(d, f == FAMILY_V4 ? "closing IPv4" : "closing IPv6", closed,
				      f == FAMILY_V6, false);
			free(closed);
		}
	}
	if (rc == 0)
		cgroup_bind_forget();
	if (rc == 0)
		fputs("closed: only loopback, local container networks and replies pass until the policy is loaded\n",
		      log);
	return rc ? -1 : 0;
}

/* What leaves through a bridge is kept local (container networks): a
 * machine whose way out is a bridge would have nothing filtered, and one
 * whose bridge holds a physical port would not filter that segment. */
static int check_uplink(const struct apply_opts *o, struct diags *d)
{
	char name[IF_NAMESIZE];
	const bool by_name = o->backend == APPLY_IPTABLES;

	char port[IF_NAMESIZE];

	if (uplink_local(by_name, name)) {
		diag_error(d, NULL, "the way out leaves through '%s', %s, and egressc keeps traffic "
			   "out of a bridge local (container networks): it would filter nothing; "
			   "route the uplink through another interface", name,
			   by_name ? "named like a bridge" : "a bridge");
		return -1;
	}
	switch (bridge_outside_port(by_name, name, port)) {
	case 0:
		return 0;
	case 1:
		diag_error(d, NULL, "bridge '%s' holds '%s', which is not a container's or VM's "
			   "port (a veth or a tap): egressc keeps traffic out of a bridge local, so "
			   "the network beyond '%s' would be reachable unfiltered; take it out of "
			   "the bridge", name, port, port);
		return -1;
	default:
		diag_error(d, NULL, "cannot list this machine's network interfaces to check its "
			   "bridges: %s", strerror(errno));
		return -1;
	}
}

/* A file's bytes before apply changed it, to put back. */
struct file_was {
	const char *path;
	char *text;		/* NULL: it did not exist */
	size_t len;
};

static int file_save(struct file_was *w, const char *path, struct diags *d)
{
	w->path = path;
	w->text = NULL;
	if (wholefile_read(path, &w->text, &w->len) == 0 || errno == ENOENT)
		return 0;
	diag_error(d, NULL, "cannot read '%s': %s", path, strerror(errno));
	return -1;
}

/* A file that did not exist is removed again - at the end of its links,
 * if it is one: the links are the administrator's. */
static int file_unmake(const char *path)
{
	char *target = realpath(path, NULL);
	int rc = 0;

	if (target && unlink(target) < 0)
		rc = -1;
	free(target);
	return rc;
}

static void file_restore(const struct file_was *w, FILE *log, struct diags *d)
{
	int rc = w->text ? wholefile_write(w->path, w->text, w->len, d) : file_unmake(w->path);

	fprintf(log, "%s: %s\n", w->path, rc == 0 ? "put back as it was" : "could not put it back");
}

/* Whether restart_dnsmasq() is to restart the system's dnsmasq.service:
 * no command given, the fragment at its default place, the service
 * running. Asked once, so that whether the restart may fail is known
 * before the firewall changes. */
static bool dnsmasq_service_restarts(const struct apply_opts *o)
{
	char *systemctl_active[] = { "systemctl", "is-active", "--quiet", "dnsmasq.service", NULL };

	return !o->dnsmasq_restart && !o->dnsmasq_path && tool_run(systemctl_active, "", 0, NULL) == 0;
}

/* dnsmasq must read a changed fragment (which is what names new sets;
 * the members of sets kept by name stay, keepstate.h): restarted with the
 * command given, or, for the fragment at its default place, as the
 * system's dnsmasq.service. A fragment elsewhere (tests, a dnsmasq of
 * one's own) and no command: the restart is the caller's. SERVICE: what
 * dnsmasq_service_restarts() said. */
static int restart_dnsmasq(const struct apply_opts *o, bool service, FILE *log, struct diags *d)
{
	if (o->dry_run) {
		if (o->dnsmasq_restart)
			fprintf(log, "dnsmasq: would restart it: %s\n", o->dnsmasq_restart);
		return 0;
	}
	if (o->dnsmasq_restart) {
		char *sh[] = { "/bin/sh", "-c", (char *)o->dnsmasq_restart, NULL };
		char *said = NULL;
		int rc = tool_run(sh, "", 0, &said);
		if (rc != 0)
			diag_error(d, NULL, "dnsmasq: '%s' failed%s%s", o->dnsmasq_restart,
				   said && *said ? ":\n" : "", said ? said : "");
		else
			fprintf(log, "dnsmasq: restarted: %s\n", o->dnsmasq_restart);
		free(said);
		return rc == 0 ? 0 : -1;
	}
	if (!service) {
		fputs("dnsmasq: restart dnsmasq for it to read the fragment and refill the sets\n", log);
		return 0;
	}
	return tool(d, "restarting dnsmasq.service", "", 0, "systemctl", "restart",
		    "dnsmasq.service") == 0 ? (fputs("dnsmasq: restarted dnsmasq.service\n", log), 0)
					    : -1;
}

int apply_lock(struct diags *d)
{
	/* Held until the process ends: the descriptor is never closed. */
	return setops_lock(d) < 0 ? -1 : 0;
}

/* All or nothing: the hosts file and the fragment, then the firewall, then
 * dnsmasq's restart; when a step fails, what the earlier ones changed is
 * put back (with --fail-closed: the closed firewall loaded first). The
 * files go first because putting them back is cheap: an nft table is one
 * transaction, which changes nothing when it fails, and is saved (listed)
 * only when the restart that follows it may fail. Last, the other
 * backend's state goes: until then it, too, held the previous policy. */
static int apply_bound(const struct apply_set *s, const struct apply_set *compiled,
		       const struct apply_opts *o, FILE *log, struct diags *d)
{
	struct fw_saved fw;
	struct file_was hosts_was = { 0 }, frag_was = { 0 };
	char *hosts, *runtime = NULL;
	size_t hosts_len;
	bool fw_changed = false, hosts_changed = false, frag_changed = false;
	bool frag_installed = false, service = false, restarted = false;
	int rc;

	memset(&fw, 0, sizeof(fw));
	if (!o->dry_run && need_root(d) < 0)
		return -1;
	if (prepare_hosts(s, o, d, false, &hosts, &hosts_len) < 0)
		return -1;
	rc = check_uplink(o, d);
	if (rc == 0 && !o->dry_run)
		rc = file_save(&hosts_was, o->hosts_path ? o->hosts_path : APPLY_HOSTS_PATH, d) |
		     file_save(&frag_was, dnsmasq_path(o), d);
	if (rc == 0) {
		hosts_changed = true;
		rc = apply_hosts(o, log, d, false, hosts, hosts_len);
	}
	if (rc == 0) {
		frag_changed = true;
		rc = apply_dnsmasq(s, o, log, d, &frag_installed);
	}
	if (rc == 0 && !o->dry_run) {
		service = frag_installed && dnsmasq_service_restarts(o);
		rc = fw_save(&fw, o, frag_installed && (o->dnsmasq_restart || service), d);
	}
	if (rc == 0 && !o->dry_run && fw_save_refresh(&fw, s) < 0) {
		diag_error(d, NULL, "cannot save the current refresh ipsets; %s", unchanged(o));
		rc = -1;
	}
	/* What the new table keeps of the old one's run-time sets, read as
	 * late as can be: dnsmasq goes on adding members until the load. */
	if (rc == 0 && !o->dry_run && o->backend == APPLY_NFT && !fw.saved)
		rc = nft_list_runtime_sets(s->text[PART_NFT], &runtime, d);
	if (rc == 0) {
		/* An nft load that fails changed nothing; iptables' may have. */
		fw_changed = o->backend == APPLY_IPTABLES;
		rc = o->backend == APPLY_NFT ? apply_nft(s, fw.saved ? fw.nft : runtime, o, log, d)
					      : apply_iptables(s, o, log, d);
		fw_changed |= rc == 0;
	}
	if (rc == 0 && frag_installed) {
		restarted = true;
		rc = restart_dnsmasq(o, service, log, d);
	}
	if (rc < 0 && !o->dry_run) {
		if (frag_changed)
			file_restore(&frag_was, log, d);
		if (hosts_changed)
			file_restore(&hosts_was, log, d);
		if (fw_changed)
			fw_restore(&fw, log, d);
		/* Back to the fragment it had, with the sets it had. */
		if (restarted)
			restart_dnsmasq(o, service, log, d);
	}
	/* What the agent may load again when a cgroup is made again. */
	if (rc == 0 && !o->dry_run)
		cgroup_bind_record(compiled, o->backend, log);
	if (rc == 0)
		rc = o->backend == APPLY_NFT ? remove_iptables(o, log, d) : remove_nft(o, log, d);
	/* What earlier policies left: no rule names those sets any more. */
	if (rc == 0 && o->backend == APPLY_IPTABLES)
		rc = destroy_ipsets(o, log, d, s->text[PART_IPSETS] ? s->text[PART_IPSETS] : "");
	fw_saved_release(&fw);
	free(runtime);
	free(hosts_was.text);
	free(frag_was.text);
	free(hosts);
	return rc;
}

/* The firewall texts of S as they load here now (ruleset_bind_cgroups():
 * a rule for a cgroup not made yet left out) into BOUND, whose other
 * texts are S's. */
static int bind_cgroups(const struct apply_set *s, struct apply_set *bound,
			const struct apply_opts *o, FILE *log, struct diags *d)
{
	static const enum apply_part firewall[] = { PART_NFT, PART_V4, PART_V6 };

	*bound = *s;
	for (size_t i = 0; i < sizeof(firewall) / sizeof(firewall[0]); i++) {
		const enum apply_part p = firewall[i];
		if (!s->text[p] || (p == PART_NFT) != (o->backend == APPLY_NFT))
			continue;
		bound->text[p] = ruleset_bind_cgroups(s->text[p], p == PART_NFT, CGROUP2_ROOT, true,
						      s->where[p], unchanged(o), log, d);
		if (!bound->text[p])
			return -1;
		bound->len[p] = strlen(bound->text[p]);
	}
	return 0;
}

int apply_run(const struct apply_set *s, const struct apply_opts *o, FILE *log,
	      struct diags *d)
{
	struct apply_set bound;
	int rc = bind_cgroups(s, &bound, o, log, d);

	if (rc == 0)
		rc = apply_bound(&bound, s, o, log, d);
	for (int i = 0; i < PART_COUNT; i++)
		if (bound.text[i] != s->text[i])
			free(bound.text[i]);
	return rc;
}

/* Only a fragment egressc wrote is taken away. */
static int remove_dnsmasq(const struct apply_opts *o, FILE *log, struct diags *d)
{
	const char *path = dnsmasq_path(o);
	char *text = NULL;
	size_t len;

	if (wholefile_read(path, &text, &len) < 0)
		return 0;
	bool ours = emit_dnsmasq_is_fragment(text);
	free(text);
	if (!ours) {
		fprintf(log, "dnsmasq: %s is not egressc's; left alone\n", path);
		return 0;
	}
	fprintf(log, "dnsmasq: %s %s\n", o->dry_run ? "would remove" : "removing", path);
	if (!o->dry_run && unlink(path) < 0) {
		diag_error(d, NULL, "cannot remove '%s': %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Both backends' state goes, whichever o->backend names: what one left
 * behind would go on deciding. */
int apply_remove(const struct apply_opts *o, FILE *log, struct diags *d)
{
	struct apply_set none;
	char *hosts;
	size_t hosts_len;
	int rc;

	memset(&none, 0, sizeof(none));
	if (!o->dry_run && need_root(d) < 0)
		return -1;
	if (prepare_hosts(&none, o, d, true, &hosts, &hosts_len) < 0)
		return -1;
	rc = remove_nft(o, log, d);
	if (rc == 0)
		rc = remove_iptables(o, log, d);
	if (rc == 0)
		rc = apply_hosts(o, log, d, true, hosts, hosts_len);
	if (rc == 0)
		rc = remove_dnsmasq(o, log, d);
	if (rc == 0 && !o->dry_run)
		cgroup_bind_forget();
	free(hosts);
	return rc;
}
