/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Writing JSON: what every command's --format json shares. */
#ifndef EGRESSC_JSONOUT_H
#define EGRESSC_JSONOUT_H

#include <stdio.h>

/* S as a JSON string, quotes included: quotes, backslashes and control
 * characters escaped; other bytes as they are (the caller's text is
 * UTF-8 already, or bytes a reader should see as they were). */
void json_write_string(FILE *fp, const char *s);

#endif
