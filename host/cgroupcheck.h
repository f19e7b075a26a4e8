/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The cgroups a ruleset names, looked up as its loader will before it
 * loads: nft resolves each 'socket cgroupv2' path under /sys/fs/cgroup
 * (where cgroup v2 must be mounted), the kernel each iptables '-m cgroup
 * --path' in the v2 hierarchy, and one that does not exist fails the
 * whole load with a message that does not name it ("cgroupv2 path fails",
 * "Invalid argument"). apply asks first, to name it and change nothing. */
#ifndef EGRESSC_CGROUPCHECK_H
#define EGRESSC_CGROUPCHECK_H

#include <stdbool.h>
#include <stdio.h>

struct diags;

#define CGROUP2_ROOT "/sys/fs/cgroup"

/* Whether ROOT is a cgroup v2 mount. */
bool cgroup2_mounted(const char *root);

/* Whether TEXT (an nft ruleset when NFT, else an iptables-restore file)
 * has a rule for a cgroup, comments aside. */
bool ruleset_names_cgroups(const char *text, bool nft);

/* TEXT (as above) as it loads on this machine now: each rule for a cgroup
 * that ROOT lacks left out. Such a rule matches no socket (no process is
 * in a cgroup that is not there, nor below it), so what the ruleset lets
 * out is the same, but nft, and the kernel for iptables, refuse a rule
 * whose cgroup they cannot find. Each one left out is said on LOG, about
 * WHERE; the agent puts it back when its cgroup is made (host/
 * cgroupbind.h). With V2, ROOT must be a cgroup v2 mount, which nft needs
 * (iptables's cgroups are the kernel's to find where it is not: TEXT as it
 * is). Returns the text (malloc'd), or NULL with an error queued that ends
 * in OUTCOME when nft's cannot be looked up. */
char *ruleset_bind_cgroups(const char *text, bool nft, const char *root, bool v2,
			   const char *where, const char *outcome, FILE *log, struct diags *d);

#endif
