/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Durations as the policy and nft write them: "90s", "10m", "1h30m", "2d". */
#ifndef EGRESSC_DURATION_H
#define EGRESSC_DURATION_H

#include <stdint.h>

enum duration_problem {
	DURATION_OK,
	DURATION_NO_UNIT,	/* "3600" */
	DURATION_SYNTAX,	/* "1x", "30m1h" */
	DURATION_RANGE,		/* 0, or above the maximum */
};

/* Numbers with units d, h, m, s, largest first, each at most once. Returns
 * seconds in [1, MAX], or 0 with *WHY set. */
uint32_t duration_parse(const char *text, uint32_t max, enum duration_problem *why);

/* SECONDS in the same form, largest units first: 5400 is "1h30m". */
#define DURATION_STRLEN 24
char *duration_format(uint32_t seconds, char buf[DURATION_STRLEN]);

#endif
