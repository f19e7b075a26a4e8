/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The kernel's own timezone (settimeofday()'s, which systemd sets at boot
 * when the real-time clock keeps local time), and the one match it moves:
 * nft's 'meta day' counts weekdays in it, while 'meta hour' counts the
 * time of day in UTC. A ruleset whose windows name days, loaded where the
 * kernel keeps an offset, would match them a day off around midnight -
 * allow out, or fail to deny, at times the policy does not say. iptables'
 * time match with --utc does not look at it. */
#ifndef EGRESSC_KERNELTZ_H
#define EGRESSC_KERNELTZ_H

#include <stdbool.h>

/* Minutes west of UTC the kernel keeps (0: UTC, or none set). */
int kernel_tz_minutes_west(void);

/* Whether SCRIPT (an nft ruleset; comments aside) matches a weekday that
 * a kernel MINUTES_WEST of UTC would count in its own time. */
bool nft_weekdays_shifted(const char *script, int minutes_west);

#endif
