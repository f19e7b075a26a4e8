/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compiler/modpath.h"

#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/arena.h"
#include "lib/vec.h"

#ifndef EGRESSC_STDLIB_DIR
#define EGRESSC_STDLIB_DIR "/usr/local/share/egressc/stdlib"
#endif

#define MODULE_NAME_MAX 64

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static void add_dir(struct modpath *mp, struct arena *a, const char *dir, size_t len,
		    bool builtin)
{
	if (len == 0)
		return;
	const char **dirs = arena_alloc(a, (mp->ndirs + 1) * sizeof(*dirs));
	bool *flags = arena_alloc(a, (mp->ndirs + 1) * sizeof(*flags));

	if (mp->ndirs) {
		memcpy(dirs, mp->dirs, mp->ndirs * sizeof(*dirs));
		memcpy(flags, mp->builtin, mp->ndirs * sizeof(*flags));
	}
	dirs[mp->ndirs] = arena_strndup(a, dir, len);
	flags[mp->ndirs] = builtin;
	mp->dirs = dirs;
	mp->builtin = flags;
	mp->ndirs++;
}

/* build/egressc -> build/../stdlib, when that is a directory. */
static void add_source_tree(struct modpath *mp, struct arena *a)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return;
	exe[n] = '\0';
	char *slash = strrchr(exe, '/');
	if (!slash)
		return;
	*slash = '\0';
	const char *dir = arena_printf(a, "%s/../stdlib", exe);
	if (is_dir(dir))
		add_dir(mp, a, dir, strlen(dir), true);
}

void modpath_init(struct modpath *mp, struct arena *a, const char *const *extra, size_t n)
{
	const char *env = getenv("EGRESSC_PATH");

	memset(mp, 0, sizeof(*mp));
	for (size_t i = 0; i < n; i++)
		add_dir(mp, a, extra[i], strlen(extra[i]), false);
	for (const char *p = env; p && *p;) {
		size_t len = strcspn(p, ":");
		add_dir(mp, a, p, len, false);
		p += len + (p[len] == ':');
	}
	add_dir(mp, a, EGRESSC_STDLIB_DIR, strlen(EGRESSC_STDLIB_DIR), true);
	add_source_tree(mp, a);
}

bool module_name_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > MODULE_NAME_MAX || name[0] == '-' || name[len - 1] == '-')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
		      name[i] == '-'))
			return false;
	return true;
}

const char *modpath_find(const struct modpath *mp, struct arena *a, const char *name,
			 const char **display)
{
	for (size_t i = 0; i < mp->ndirs; i++) {
		const char *path = arena_printf(a, "%s/%s.eg", mp->dirs[i], name);
		struct stat st;
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		*display = mp->builtin[i] ? arena_printf(a, "stdlib/%s.eg", name) : path;
		return path;
	}
	return NULL;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

size_t modpath_list(const struct modpath *mp, struct arena *a, const char ***names)
{
	const char **out = NULL;
	size_t n = 0, cap = 0;

	for (size_t i = 0; i < mp->ndirs; i++) {
		DIR *dir = opendir(mp->dirs[i]);
		struct dirent *e;
		if (!dir)
			continue;
		while ((e = readdir(dir))) {
			size_t len = strlen(e->d_name);
			if (len <= 3 || strcmp(e->d_name + len - 3, ".eg") != 0)
				continue;
			char *name = arena_strndup(a, e->d_name, len - 3);
			if (!module_name_valid(name))
				continue;
			VEC_GROW_ARENA(a, out, n, n + 1, cap);
			out[n++] = name;
		}
		closedir(dir);
	}
	if (n)
		qsort(out, n, sizeof(*out), compare_names);
	size_t unique = 0;
	for (size_t i = 0; i < n; i++)
		if (unique == 0 || strcmp(out[unique - 1], out[i]) != 0)
			out[unique++] = out[i];
	*names = out;
	return unique;
}
