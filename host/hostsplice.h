/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The hosts splice: egressc's lines in /etc/hosts live between a "# BEGIN
 * egressc" and a "# END egressc" line, and every other byte of the file is
 * the administrator's. Pure text in, text out.
 *
 * A marker is a whole line: the marker's text from the line's first byte,
 * then only blanks (space, tab, the CR of a CRLF line) up to the newline
 * or the end of the file, so a final "# END egressc" without a newline is
 * an END. A block runs from a BEGIN line through the next END line, both
 * included, with their line ends.
 *
 * Every block goes; the new one takes the first one's place, or is
 * appended when there is none. A file whose markers do not pair up - an
 * END outside a block, a BEGIN inside one, a BEGIN never ended - is
 * refused whole, with the line that is wrong: guessing which lines are
 * the administrator's could delete them.
 *
 * A file that does not end in a newline gets one before an appended block,
 * so its last line stays a line of its own, and taking the block out keeps
 * that newline. Undoing it would need a memory the splice does not keep:
 * the newline cannot be told from one the administrator typed, and marking
 * it by leaving the END line without a newline of its own would let a
 * later `echo ... >>/etc/hosts` glue a line onto the marker. So apply then
 * --remove gives back every file byte for byte, except that one without a
 * final newline comes back with one. */
#ifndef EGRESSC_HOSTSPLICE_H
#define EGRESSC_HOSTSPLICE_H

#include <stddef.h>

/* The hosts file OLD with FRAGMENT (exactly one "# BEGIN egressc" ...
 * "# END egressc\n" block) in place of its blocks, or appended when it has
 * none; FRAGMENT NULL takes the blocks out. Into *OUT (malloc'd, NUL-
 * terminated). Returns 0, or -1 with *WHY set and *OUT untouched; *WHY
 * names the line and points to static storage that the next call reuses. */
int hosts_splice(const char *old, size_t oldlen, const char *fragment, size_t fraglen, char **out,
		 size_t *outlen, const char **why);

#endif
