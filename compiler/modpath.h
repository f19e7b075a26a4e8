/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Where 'use NAME' finds stdlib modules: NAME.eg in the first directory of
 * the search path that has it. The path is, in order: every -I DIR as
 * given, each directory of $EGRESSC_PATH (colon-separated), the install
 * directory, and the source tree's stdlib/ beside the build directory the
 * running binary sits in (so a fresh build works before 'make install'). */
#ifndef EGRESSC_MODPATH_H
#define EGRESSC_MODPATH_H

#include <stdbool.h>
#include <stddef.h>

struct arena;

/* The module essentials stand for. */
#define ESSENTIALS_MODULE "github-actions"

struct modpath {
	const char **dirs;
	bool *builtin;		/* the install or source-tree stdlib, not the user's */
	size_t ndirs;
};

/* Builds the path from EXTRA[0..N) (the -I directories), the environment
 * and the binary's location. Everything lives in arena A. */
void modpath_init(struct modpath *mp, struct arena *a, const char *const *extra, size_t n);

/* Whether NAME is a module name at all: lower-case letters, digits and
 * inner '-', at most 64 characters (so it can never name a path). */
bool module_name_valid(const char *name);

/* The file of module NAME, or NULL when no directory has it. *DISPLAY gets
 * the name diagnostics and emitted comments use: "stdlib/NAME.eg" for the
 * built-in directories, so outputs do not depend on where egressc was
 * installed, else the path itself (the returned pointer). */
const char *modpath_find(const struct modpath *mp, struct arena *a, const char *name,
			 const char **display);

/* Every module name the path offers, sorted, without duplicates, into
 * *NAMES (arena memory). Returns how many. */
size_t modpath_list(const struct modpath *mp, struct arena *a, const char ***names);

#endif
