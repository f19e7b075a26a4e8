/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Diagnostics as records, after nftables' erec: stages queue them and return
 * -1; only the driver prints. A record has a main location (marked '^') and
 * up to DIAG_MAX_RELATED related ones (marked '~'), each with a short note. */
#ifndef EGRESSC_DIAG_H
#define EGRESSC_DIAG_H

#include <stdbool.h>
#include <stdio.h>

#include "compiler/loc.h"

#define DIAG_MAX_RELATED 2
/* After this many errors the rest are counted, not stored, unless the
 * command line says otherwise (struct diags' max_errors). */
#define DIAG_MAX_ERRORS 20

enum diag_kind {
	DIAG_ERROR,
	DIAG_WARNING,
};

struct diag_related {
	struct loc loc;
	const char *note;
};

struct diag {
	enum diag_kind kind;
	bool has_loc;
	struct loc loc;
	const char *msg;
	int nrelated;
	struct diag_related related[DIAG_MAX_RELATED];
	struct diag *next;
};

struct diags {
	struct arena *arena;
	struct diag *head, **tail;
	unsigned errors, warnings;
	unsigned max_errors; /* errors stored, the rest counted; 0: all */
	unsigned dropped; /* errors beyond max_errors */
};

void diags_init(struct diags *d, struct arena *a);

/* Whether printed diagnostics are coloured (bold locations, red errors,
 * magenta warnings, cyan notes); the command line decides, once. */
void diags_set_color(bool on);

/* LOC may be NULL for errors that belong to no source (a bad option). The
 * returned record may be NULL when the error cap was reached. */
struct diag *diag_error(struct diags *d, const struct loc *loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
struct diag *diag_warning(struct diags *d, const struct loc *loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Adds a related location to DG (ignored when DG is NULL or full). */
void diag_related(struct diag *dg, const struct loc *loc, const char *note);

/* Prints every record, in the order queued, as
 *   file:line:col: error: message
 *   <source line>
 *   <marker line>
 */
void diags_print(const struct diags *d, FILE *fp);
/* The same, leaving out warnings: for answers that are not compiles. */
void diags_print_errors(const struct diags *d, FILE *fp);

/* Quotes S for a message: printable ASCII as is, the rest as \xNN, cut at
 * MAX bytes with "..." so a 10 MB token cannot flood the terminal. */
const char *diag_quote(struct diags *d, const char *s, size_t len);

#endif
