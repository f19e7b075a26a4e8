/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The Public Suffix List (publicsuffix.org; Debian's publicsuffix package
 * installs it at PUBLIC_SUFFIX_LIST): the domains under which anyone may
 * register a name of their own (co.uk, github.io, ...). A wildcard below
 * one admits every such registrant. */
#ifndef EGRESSC_PUBSUFFIX_H
#define EGRESSC_PUBSUFFIX_H

#include <stdbool.h>

#define PUBLIC_SUFFIX_LIST "/usr/share/publicsuffix/public_suffix_list.dat"

/* Whether DOMAIN (lower case, no final dot) is a public suffix by LIST,
 * the list's text: a rule names it, or a wildcard rule ("*.ck") its
 * parent, and no exception rule ("!www.ck") names it; a single label is
 * one whatever the list says (its implicit "*" rule). Rules outside ASCII
 * (the list spells IDN suffixes in Unicode) match no name egressc keeps. */
bool public_suffix(const char *list, const char *domain);

#endif
