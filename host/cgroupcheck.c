/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "host/cgroupcheck.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "compiler/diag.h"

/* statfs()'s f_type of a cgroup v2 mount (linux/magic.h). */
#define CGROUP2_SUPER_MAGIC 0x63677270

bool cgroup2_mounted(const char *root)
{
	struct statfs fs;

	return statfs(root, &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC;
}

/* The cgroup path a line names after KEY ('"PATH"' for nft, 'PATH ' for
 * iptables), into PATH (at most SIZE bytes with its NUL); false when it
 * names none. */
static bool line_cgroup(const char *line, size_t len, bool nft, char *path, size_t size)
{
	const char *key = nft ? "socket cgroupv2 level " : " -m cgroup --path ";
	const char *p = memmem(line, len, key, strlen(key)), *end = line + len;

	if (!p)
		return false;
	p += strlen(key);
	if (nft) {
		p += strspn(p, "0123456789");
		if (p + 2 > end || p[0] != ' ' || p[1] != '"')
			return false;
		p += 2;
	}
	size_t n = strcspn(p, nft ? "\"\n" : " \n");
	if (!n || n >= size || p + n > end)
		return false;
	memcpy(path, p, n);
	path[n] = '\0';
	return true;
}

bool ruleset_names_cgroups(const char *text, bool nft)
{
	for (const char *line = text; *line;) {
		size_t len = strcspn(line, "\n");
		const char *p = line + strspn(line, " \t");
		char path[4096];
		if (*p != '#' && line_cgroup(p, (size_t)(line + len - p), nft, path, sizeof(path)))
			return true;
		line += len + (line[len] == '\n');
	}
	return false;
}

int ruleset_cgroups_check(const char *text, bool nft, const char *root, bool mounted,
			  const char *where, const char *outcome, struct diags *d)
{
	const char *tool = nft ? "nft" : "iptables";
	bool checked = false;

	for (const char *line = text; *line;) {
		size_t len = strcspn(line, "\n");
		const char *p = line + strspn(line, " \t");
		char path[4096], dir[4096 + 64];
		struct stat st;
		if (*p != '#' && line_cgroup(p, (size_t)(line + len - p), nft, path, sizeof(path))) {
			if (!checked && mounted && !cgroup2_mounted(root)) {
				if (!nft)
					return 0;
				diag_error(d, NULL, "%s: its rules name cgroups, and cgroup v2 is not "
					   "mounted at %s, where nft looks them up when it loads the "
					   "ruleset; %s (mount it there, or apply with --backend "
					   "iptables)", where, root, outcome);
				return -1;
			}
			checked = true;
			snprintf(dir, sizeof(dir), "%s/%s", root, path);
			if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
				diag_error(d, NULL, "%s: cgroup '%s' does not exist here (no %s): %s looks "
					   "up a rule's cgroup when it loads the ruleset, and fails on one "
					   "that does not exist; %s (start what makes the cgroup first)",
					   where, path, dir, tool, outcome);
				return -1;
			}
		}
		line += len + (line[len] == '\n');
	}
	return 0;
}
