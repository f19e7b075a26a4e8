/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Where things are in the policy's text. A struct source holds one text in
 * memory - a policy file, an include, a module, a hosts file, a line of an
 * address list - and a struct loc is a span in one. The AST and the
 * diagnostics point with these; making sources (reading files, checking
 * their text, which reports as diagnostics) is source.h's, so diag.h
 * needs only this. Sources live in their compilation's arena. */
#ifndef EGRESSC_LOC_H
#define EGRESSC_LOC_H

#include <stdbool.h>
#include <stddef.h>

struct loc;

struct source {
	const char *path;	/* as given, or joined to the including file's directory */
	const char *file;	/* the path it was read from (a module's PATH is a display
				 * name); NULL for a buffer */
	/* The next file read for the same policy: from the policy's root,
	 * every file it was read from, once each. */
	const struct source *next_file;
	const char *text;	/* NUL-terminated copy of the file */
	size_t len;
	const struct loc *included_from; /* NULL for the root policy */
	int first_line;		/* the line number of text's first line; 0 means 1 */
	const char *module;	/* a module loaded by 'use' (or essentials): its name */
	/* Read from git revision GIT_REV (PATH shows "REV:FILE"): what it
	 * includes and lists is read from there too. NULL: from files. */
	const char *git_rev;
	bool stream;		/* read from a pipe or standard input: its relative
				 * paths are the current directory's */
	bool implicit;		/* loaded because essentials are on, not by a 'use' */
};

/* A span in a source: lines and columns from 1, last_column inclusive.
 * The layout matches what bison's YYLLOC_DEFAULT expects. */
struct loc {
	const struct source *src;
	int first_line, first_column;
	int last_line, last_column;
};

/* Start and length of line LINE (from 1), without its newline or CR. */
const char *source_line(const struct source *s, int line, size_t *len);

/* The text LOC spans as one line, for quoting a statement written over
 * several: each line's comment dropped, lines joined by one space. The
 * caller frees it. */
char *source_span_text(const struct loc *loc);

#endif
