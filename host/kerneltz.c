/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "host/kerneltz.h"

#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

int kernel_tz_minutes_west(void)
{
	struct timeval tv;
	struct timezone tz = { 0 };

	/* The system call itself: the C library may leave TZ alone. */
	if (syscall(SYS_gettimeofday, &tv, &tz) != 0)
		return 0;
	return tz.tz_minuteswest;
}

bool nft_weekdays_shifted(const char *script, int minutes_west)
{
	if (minutes_west == 0)
		return false;
	for (const char *line = script; *line;) {
		size_t len = strcspn(line, "\n");
		const char *p = line + strspn(line, " \t");
		if (*p != '#' && memmem(p, (size_t)(line + len - p), "meta day ", 9))
			return true;
		line += len + (line[len] == '\n');
	}
	return false;
}
