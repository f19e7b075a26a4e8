/* Source files of one compilation (policies, includes, hosts files). Each is
 * read whole into its compilation's arena, so diagnostics can quote any line
 * and the scanner can run over one buffer. */
#ifndef EGRESSC_SOURCE_H
#define EGRESSC_SOURCE_H

#include <stdbool.h>
#include <stddef.h>

struct arena;
struct diags;

/* Inputs larger than this are refused: a policy is written by people. */
#define SOURCE_MAX_BYTES (64u * 1024 * 1024)
/* So are lines longer than this; the longest real ones are address lists. */
#define SOURCE_MAX_LINE 65536

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
	bool implicit;		/* loaded because essentials are on, not by a 'use' */
};

/* A span in a source: lines and columns from 1, last_column inclusive.
 * The layout matches what bison's YYLLOC_DEFAULT expects. */
struct loc {
	const struct source *src;
	int first_line, first_column;
	int last_line, last_column;
};

/* Reads PATH. On failure queues an error at AT (or without a location when AT
 * is NULL) and returns NULL. */
struct source *source_load(struct arena *a, struct diags *d, const char *path,
			   const struct loc *at);
/* A source made from memory (fuzzers, unit tests). */
struct source *source_from_buffer(struct arena *a, const char *name, const char *text,
				  size_t len);
/* PATH as seen from the file FROM: relative paths are relative to FROM's
 * directory. */
const char *source_relative_path(struct arena *a, const struct source *from, const char *path);
/* Checks that S is text a person could have written: valid UTF-8, no NUL
 * bytes, no line longer than SOURCE_MAX_LINE. Queues an error (one a line)
 * for each problem and returns -1 if there was any. */
int source_validate(struct diags *d, const struct source *s);
/* Length of the valid UTF-8 sequence at P (at most N bytes), or 0 when it
 * is not one: overlong forms, surrogates and code points past U+10FFFF are
 * not. */
size_t utf8_sequence(const unsigned char *p, size_t n);
/* Start and length of line LINE (from 1), without its newline or CR. */
const char *source_line(const struct source *s, int line, size_t *len);

#endif
