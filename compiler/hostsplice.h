/* The hosts splice: egressc's lines in /etc/hosts live between a "# BEGIN
 * egressc" and a "# END egressc" line, and every other byte of the file is
 * the administrator's. Pure text in, text out. */
#ifndef EGRESSC_HOSTSPLICE_H
#define EGRESSC_HOSTSPLICE_H

#include <stddef.h>

/* The hosts file OLD with FRAGMENT (a "# BEGIN egressc" ... "# END
 * egressc" block) in place of its earlier block, or appended when it has
 * none; FRAGMENT NULL takes the block out. Every other byte is kept. Into
 * *OUT (malloc'd). Returns 0, or -1 with *WHY set (unbalanced markers). */
int hosts_splice(const char *old, size_t oldlen, const char *fragment, size_t fraglen,
		 char **out, size_t *outlen, const char **why);

#endif
