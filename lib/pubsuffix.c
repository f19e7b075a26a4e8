/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "lib/pubsuffix.h"

#include <string.h>

/* Whether LIST has the rule PREFIX followed by NAME as a line of its own
 * (surrounding blanks aside). */
static bool has_rule(const char *list, const char *prefix, const char *name)
{
	const size_t plen = strlen(prefix), nlen = strlen(name);

	for (const char *line = list; *line;) {
		const size_t len = strcspn(line, "\n");
		const char *p = line + strspn(line, " \t");
		size_t n = (size_t)(line + len - p);
		while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r'))
			n--;
		if (n == plen + nlen && memcmp(p, prefix, plen) == 0 &&
		    memcmp(p + plen, name, nlen) == 0)
			return true;
		line += len + (line[len] == '\n');
	}
	return false;
}

bool public_suffix(const char *list, const char *domain)
{
	const char *dot = strchr(domain, '.');

	if (!dot)
		return true;
	if (has_rule(list, "!", domain))
		return false;
	return has_rule(list, "", domain) || has_rule(list, "*.", dot + 1);
}
