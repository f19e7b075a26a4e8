/* SPDX-License-Identifier: GPL-2.0-or-later */
/* UTF-8 as the policy's text must be: well-formed, shortest form, no
 * surrogates, nothing past U+10FFFF (RFC 3629). */
#ifndef EGRESSC_UTF8_H
#define EGRESSC_UTF8_H

#include <stddef.h>

/* Length of the valid UTF-8 sequence at P (at most N bytes, N > 0), or 0
 * when it is not one: overlong forms, surrogates and code points past
 * U+10FFFF are not. */
size_t utf8_sequence(const unsigned char *p, size_t n);

#endif
