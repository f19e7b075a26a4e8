/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "lib/dnsname.h"

#include <string.h>

void hostname_normalize(char *name)
{
	size_t len = strlen(name);

	for (char *p = name; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	if (len > 1 && name[len - 1] == '.')
		name[len - 1] = '\0';
}

const char *hostname_problem(const char *name)
{
	size_t len = strlen(name), label = 0;

	if (len == 0)
		return "it is empty";
	if (len > HOSTNAME_MAX_LEN)
		return "longer than 253 characters";
	for (size_t i = 0; i <= len; i++) {
		char ch = name[i];
		if (ch == '.' || ch == '\0') {
			if (label == 0)
				return "empty label";
			if (name[i - 1] == '-')
				return "a label ends with '-'";
			label = 0;
			continue;
		}
		if (label == 0 && ch == '-')
			return "a label starts with '-'";
		if (++label > LABEL_MAX_LEN)
			return "a label is longer than 63 characters";
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' ||
		      ch == '_'))
			return "only letters, digits, '-' and '_' may form a label";
	}
	return NULL;
}

bool domain_within(const char *sub, const char *domain)
{
	size_t ls = strlen(sub), ld = strlen(domain);

	if (ls == ld)
		return strcmp(sub, domain) == 0;
	return ls > ld && sub[ls - ld - 1] == '.' && strcmp(sub + ls - ld, domain) == 0;
}
