/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Source files of one compilation (policies, includes, hosts files). Each is
 * read whole into its compilation's arena, so diagnostics can quote any line
 * and the scanner can run over one buffer. What a source and a location are
 * is loc.h's; reading and checking one reports problems as diagnostics. */
#ifndef EGRESSC_SOURCE_H
#define EGRESSC_SOURCE_H

#include <stddef.h>

#include "compiler/loc.h"

struct arena;
struct diags;

/* Inputs larger than this are refused: a policy is written by people. */
#define SOURCE_MAX_BYTES (64u * 1024 * 1024)
/* So are lines longer than this; the longest real ones are address lists. */
#define SOURCE_MAX_LINE 65536

/* Reads PATH. On failure queues an error at AT (or without a location when AT
 * is NULL) and returns NULL. */
struct source *source_load(struct arena *a, struct diags *d, const char *path,
			   const struct loc *at);
/* What a policy read from standard input is called in diagnostics. */
#define SOURCE_STDIN_NAME "<stdin>"

/* Reads PATH, a file named on the command line: besides a regular file,
 * "-" (standard input) or a pipe ('<(...)', '/dev/fd/N'), whose relative
 * paths are the current directory's. Files a policy names are read with
 * source_load(), regular files only: a policy must not make the compiler
 * wait on a FIFO or read a device. */
struct source *source_load_arg(struct arena *a, struct diags *d, const char *path);
/* Reads PATH (relative to the current directory) as git revision REV
 * has it (gitblob.h); the source shows "REV:PATH". */
struct source *source_load_git(struct arena *a, struct diags *d, const char *rev,
			       const char *path, const struct loc *at);
/* A source made from memory (fuzzers, unit tests). */
struct source *source_from_buffer(struct arena *a, const char *name, const char *text,
				  size_t len);
/* PATH as seen from the file FROM: relative paths are relative to FROM's
 * directory (in FROM's git revision, for one read from git; the current
 * directory, for one read from a pipe). */
const char *source_relative_path(struct arena *a, const struct source *from, const char *path);
/* Checks that S is text a person could have written: valid UTF-8, no NUL
 * bytes, no line longer than SOURCE_MAX_LINE. Queues an error (one a line)
 * for each problem and returns -1 if there was any. */
int source_validate(struct diags *d, const struct source *s);

#endif
