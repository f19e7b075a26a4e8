/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "lib/ipsetname.h"

#include <stdio.h>
#include <string.h>

#include "lib/duration.h"

uint32_t fnv1a(uint32_t h, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

uint32_t fnv1a_salted(uint32_t h, unsigned salt)
{
	char buf[16];
	int n = snprintf(buf, sizeof(buf), "#%u", salt);

	return salt ? fnv1a(h, buf, (size_t)n) : h;
}

/* The prefix, the stem, '_', 8 hex digits, '_' and a 2-letter suffix. */
#define IPSET_STEM_MAX ((int)(IPSET_NAME_MAX - (sizeof(IPSET_PREFIX) - 1) - 1 - 8 - 3))

/* How much of SPELLING a hashed ipset name shows: at most IPSET_STEM_MAX
 * bytes, cut after a whole word ("allow_tcp", not "allow_tcp_4") unless
 * that leaves the first word alone ("dyn_verylon", not "dyn"). */
static int ipset_stem(const char *spelling)
{
	const char *first = strchr(spelling, '_');
	int cut = IPSET_STEM_MAX;

	if (strlen(spelling) <= IPSET_STEM_MAX || spelling[IPSET_STEM_MAX] == '_')
		return IPSET_STEM_MAX;
	while (cut > 0 && spelling[cut] != '_')
		cut--;
	return first && cut > first - spelling ? cut : IPSET_STEM_MAX;
}

void ipsetname_make(char out[IPSET_NAME_MAX + 1], const char *spelling, const char *suffix,
		    unsigned salt)
{
	int n = snprintf(out, IPSET_NAME_MAX + 1, IPSET_PREFIX "%s_%s", spelling, suffix);

	if (n <= IPSET_NAME_MAX && !salt)
		return;
	snprintf(out, IPSET_NAME_MAX + 1, IPSET_PREFIX "%.*s_%08x_%s", ipset_stem(spelling),
		 spelling, fnv1a_salted(fnv1a(FNV_SEED, spelling, strlen(spelling)), salt), suffix);
}

void ipsetname_dynamic_spelling(char *out, size_t size, const char *name, uint32_t timeout)
{
	char buf[DURATION_STRLEN];

	snprintf(out, size, "dyn_%s_%s", name, duration_format(timeout, buf));
}

void ipsetname_dynamic(char out[IPSET_NAME_MAX + 1], const char *name, uint32_t timeout,
		       const char *suffix)
{
	char spelling[256];

	ipsetname_dynamic_spelling(spelling, sizeof(spelling), name, timeout);
	ipsetname_make(out, spelling, suffix, 0);
}

void ipsetname_static(char out[IPSET_NAME_MAX + 1], const char *spelling, uint32_t content,
		      const char *suffix, unsigned salt)
{
	uint32_t h = fnv1a_salted(fnv1a(content, spelling, strlen(spelling)), salt);

	snprintf(out, IPSET_NAME_MAX + 1, IPSET_PREFIX "%.*s_%08x_%s", ipset_stem(spelling),
		 spelling, h, suffix);
}

void ipsetname_swap_spare(char out[IPSET_NAME_MAX + 1], const char *live)
{
	size_t n = strlen(live);

	snprintf(out, IPSET_NAME_MAX + 1, "%s", live);
	if (n >= 3 && out[n - 3] == '_' && out[n - 2] == 'v')
		out[n - 2] = 's';
}
