/* SPDX-License-Identifier: GPL-2.0-or-later */
/* egressc fmt: one canonical layout for a policy file, so diffs show what
 * changed and not how it was typed. The file is parsed (includes and
 * modules are not followed: each file is formatted on its own) and
 * printed again from its statements:
 *   - the settings (default, on-deny, essentials, mode, log) first, in
 *     that order, each with the comments attached to it;
 *   - every other statement where it was, one a line ('a; b' split);
 *   - a list that does not fit on a line, or whose lines carry comments,
 *     one target a line (defines inside braces, rules continued under
 *     the first target);
 *   - clauses in one order (rules: port, proto, timeout; dynamic sets:
 *     timeout, port, proto), hostnames lower-case;
 *   - every comment kept, on its target's line or before it; trailing
 *     comments of neighbouring lines aligned; blank lines kept, runs of
 *     them made one.
 * Formatting its output again changes nothing. */
#ifndef EGRESSC_FMT_H
#define EGRESSC_FMT_H

#include <stddef.h>

struct arena;
struct diags;
struct source;

/* The formatted SRC into *OUT (malloc'd) and *LEN. Returns 0, or -1 with
 * errors queued (a file that does not parse is not formatted). */
int format_source(struct arena *a, struct diags *d, const struct source *src, char **out,
		  size_t *len);

#endif
