/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "host/cgroupcheck.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "compiler/diag.h"
#include "lib/xalloc.h"

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

static bool cgroup_exists(const char *root, const char *path)
{
	char dir[4096 + 64];
	struct stat st;

	snprintf(dir, sizeof(dir), "%s/%s", root, path);
	return stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
}

char *ruleset_bind_cgroups(const char *text, bool nft, const char *root, bool v2,
			   const char *where, const char *outcome, FILE *log, struct diags *d)
{
	char *out = NULL;
	size_t out_len = 0;
	FILE *fp = xopen_memstream(&out, &out_len);
	bool checked = false, mounted = true;

	for (const char *line = text; *line;) {
		size_t len = strcspn(line, "\n");
		const char *p = line + strspn(line, " \t");
		char path[4096];
		bool keep = true;
		if (*p != '#' && line_cgroup(p, (size_t)(line + len - p), nft, path, sizeof(path))) {
			if (!checked) {
				checked = true;
				mounted = !v2 || cgroup2_mounted(root);
			}
			if (!mounted && nft) {
				diag_error(d, NULL, "%s: its rules name cgroups, and cgroup v2 is not "
					   "mounted at %s, where nft looks them up when it loads the "
					   "ruleset; %s (mount it there, or apply with --backend "
					   "iptables)", where, root, outcome);
				xmemstream_close(fp);
				free(out);
				return NULL;
			}
			keep = !mounted || cgroup_exists(root, path);
			if (!keep)
				fprintf(log, "%s: cgroup '%s' does not exist here: its rule matches no "
					"process until it is made, and is left out until then (the "
					"agent puts it in when it is): %.*s\n",
					where, path, (int)(line + len - p), p);
		}
		if (keep)
			fprintf(fp, "%.*s\n", (int)len, line);
		line += len + (line[len] == '\n');
	}
	xmemstream_close(fp);
	return out;
}
