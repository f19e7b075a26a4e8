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

struct diags;

#define CGROUP2_ROOT "/sys/fs/cgroup"

/* Whether ROOT is a cgroup v2 mount. */
bool cgroup2_mounted(const char *root);

/* Whether TEXT (as below) has a rule for a cgroup, comments aside. */
bool ruleset_names_cgroups(const char *text, bool nft);

/* Whether every cgroup TEXT (an nft ruleset when NFT, else an
 * iptables-restore file; comments aside) names is a directory under ROOT.
 * Returns 0, or -1 with an error about WHERE queued that names the first
 * missing one and ends in OUTCOME. With MOUNTED, ROOT must be a cgroup v2
 * mount, which nft needs; iptables's are the kernel's to find, so where
 * ROOT is no cgroup v2 they are not checked. */
int ruleset_cgroups_check(const char *text, bool nft, const char *root, bool mounted,
			  const char *where, const char *outcome, struct diags *d);

#endif
