/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "lib/duration.h"

#include <stdbool.h>
#include <stdio.h>

static const struct {
	char unit;
	uint32_t seconds;
} units[] = { { 'd', 86400 }, { 'h', 3600 }, { 'm', 60 }, { 's', 1 } };

#define NUNITS (sizeof(units) / sizeof(*units))

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

uint32_t duration_parse(const char *text, uint32_t max, enum duration_problem *why)
{
	uint64_t total = 0;
	size_t next_unit = 0;
	const char *p = text;

	*why = DURATION_SYNTAX;
	while (is_digit(*p)) {
		uint64_t n = 0;
		for (; is_digit(*p); p++)
			if (n <= max)
				n = n * 10 + (uint64_t)(*p - '0');
		if (*p == '\0' && p > text && next_unit == 0) {
			*why = DURATION_NO_UNIT;
			return 0;
		}
		size_t u = next_unit;
		while (u < NUNITS && units[u].unit != *p)
			u++;
		if (u == NUNITS)
			return 0;
		/* Saturate: both factors are at most MAX + 1 < 2^32. */
		total += n * units[u].seconds;
		if (total > max)
			total = (uint64_t)max + 1;
		next_unit = u + 1;
		p++;
	}
	if (*p || p == text)
		return 0;
	if (total == 0 || total > max) {
		*why = DURATION_RANGE;
		return 0;
	}
	*why = DURATION_OK;
	return (uint32_t)total;
}

char *duration_format(uint32_t seconds, char buf[DURATION_STRLEN])
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t u = 0; u < NUNITS; u++) {
		uint32_t k = seconds / units[u].seconds;
		seconds %= units[u].seconds;
		if (k)
			n += (size_t)snprintf(buf + n, DURATION_STRLEN - n, "%u%c", k, units[u].unit);
	}
	if (n == 0)
		snprintf(buf, DURATION_STRLEN, "0s");
	return buf;
}
