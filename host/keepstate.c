/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "host/keepstate.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit/names.h"
#include "lib/duration.h"
#include "lib/ipsetname.h"
#include "lib/xalloc.h"

/* The block of "\tset NAME {" in TEXT (a listing or a script: both put a
 * table's sets one tab in and close them with "\t}"), as [*BEGIN, *END),
 * or false when there is none. */
static bool set_block(const char *text, const char *name, size_t namelen, const char **begin,
		      const char **end)
{
	for (const char *p = text; (p = strstr(p, "\tset ")) != NULL; p += 5) {
		if (p != text && p[-1] != '\n')
			continue;
		const char *n = p + 5;
		if (strncmp(n, name, namelen) != 0 || strncmp(n + namelen, " {\n", 3) != 0)
			continue;
		const char *close = strstr(n, "\n\t}");
		*begin = n;
		*end = close ? close : n + strlen(n);
		return true;
	}
	return false;
}

/* The set's default timeout in seconds ("\t\ttimeout 30m"), 0 when it has
 * none: not a run-time set. */
static uint32_t block_timeout(const char *begin, const char *end)
{
	/* Within the block: a ruleset of 65,535 static sets has as many
	 * blocks without a timeout, each searched. */
	const char *p = memmem(begin, (size_t)(end - begin), "\n\t\ttimeout ", 11);
	char word[DURATION_STRLEN + 1];
	enum duration_problem why;

	if (!p || sscanf(p + 11, "%24s", word) != 1)
		return 0;
	return duration_parse(word, UINT32_MAX, &why);
}

/* nft's spelling of a time left, "29m59s968ms", in milliseconds; 0 when it
 * is not one. */
static uint64_t nft_time_ms(const char *s, size_t len)
{
	static const struct {
		const char *unit;
		uint64_t ms;
	} units[] = { { "ms", 1 }, { "d", 86400000 }, { "h", 3600000 }, { "m", 60000 }, { "s", 1000 } };
	uint64_t total = 0;
	size_t i = 0;

	while (i < len) {
		uint64_t n = 0;
		size_t digits = 0;
		while (i < len && s[i] >= '0' && s[i] <= '9' && digits++ < 12)
			n = n * 10 + (uint64_t)(s[i++] - '0');
		size_t u = 0;
		while (u < sizeof(units) / sizeof(units[0])) {
			size_t ul = strlen(units[u].unit);
			/* "ms" is tried before "m". */
			if (digits && i + ul <= len && strncmp(s + i, units[u].unit, ul) == 0)
				break;
			u++;
		}
		if (u == sizeof(units) / sizeof(units[0]))
			return 0;
		total += n * units[u].ms;
		i += strlen(units[u].unit);
	}
	return total;
}

/* One member of a listing's "elements = { ... }", E[0..LEN): its value
 * (an address, a prefix or a range) and the time it has left. */
static void each_member(const char *e, size_t len, nft_member_fn *fn, void *ctx)
{
	while (len && (*e == ' ' || *e == '\t' || *e == '\n'))
		e++, len--;
	size_t vlen = strcspn(e, " \t\n,}");
	if (vlen == 0 || vlen > len)
		return;
	uint64_t left_ms = 0;	/* no "expires": no timeout (added by hand) */
	for (size_t i = vlen; i + 8 <= len; i++) {
		if (strncmp(e + i, "expires ", 8) != 0)
			continue;
		left_ms = nft_time_ms(e + i + 8, strcspn(e + i + 8, " \t\n,}"));
		if (left_ms == 0)
			return;	/* expired, or nothing we can read */
		break;
	}
	fn(ctx, e, vlen, left_ms);
}

void nft_listing_members(const char *listing, const char *set, nft_member_fn *fn, void *ctx)
{
	const char *begin, *end;

	if (!set_block(listing, set, strlen(set), &begin, &end))
		return;
	const char *elems = strstr(begin, "elements = {");
	if (!elems || elems > end)
		return;
	elems += strlen("elements = {");
	const char *close = strchr(elems, '}');
	if (!close || close > end)
		return;
	for (const char *e = elems; e < close;) {
		const char *comma = memchr(e, ',', (size_t)(close - e));
		const char *stop = comma ? comma : close;
		each_member(e, (size_t)(stop - e), fn, ctx);
		e = stop + 1;
	}
}

struct keeping {
	FILE *out;
	const char *set;
	uint32_t timeout;	/* the new set's */
};

static void keep_member(void *ctx, const char *value, size_t len, uint64_t left_ms)
{
	const struct keeping *k = ctx;
	uint64_t left_s = left_ms ? (left_ms + 999) / 1000 : k->timeout;

	if (left_s > k->timeout)
		left_s = k->timeout;
	fprintf(k->out, "add element " NFT_TABLE " %s { %.*s timeout %us expires %llus }\n", k->set,
		(int)len, value, k->timeout, (unsigned long long)left_s);
}

/* The recording's sets: what the kernel saw, with counters, not what a
 * run-time source admitted. A reload starts them empty (docs/language.md),
 * on both backends; nft could not take their members back as written
 * anyway (an address . protocol . port, with its counter). */
static bool record_set(const char *name, size_t len, bool ipset)
{
	const char *prefix = ipset ? IPSET_PREFIX "record_" : NFT_SET_RECORD "_";
	size_t n = strlen(prefix);

	return len >= n && strncmp(name, prefix, n) == 0;
}

char *keep_nft_set_names(const char *script)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *out = xopen_memstream(&buf, &size);
	const char *p = script;

	while ((p = strstr(p, "\tset ")) != NULL) {
		const char *name = p + 5;
		size_t namelen = strcspn(name, " \n");
		if ((p != script && p[-1] != '\n') || strncmp(name + namelen, " {\n", 3) != 0) {
			p = name;
			continue;
		}
		/* The block's end, and on from there: one pass over the script. */
		const char *close = strstr(name, "\n\t}");
		p = close ? close : name + strlen(name);
		if (!record_set(name, namelen, false) && block_timeout(name, p))
			fprintf(out, "%.*s\n", (int)namelen, name);
	}
	xmemstream_close(out);
	return buf;
}

char *keep_nft_members(const char *listing, const char *script)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *out = xopen_memstream(&buf, &size);

	for (const char *p = listing; p && (p = strstr(p, "\tset ")) != NULL; p += 5) {
		if (p != listing && p[-1] != '\n')
			continue;
		const char *name = p + 5;
		size_t namelen = strcspn(name, " \n");
		const char *new_begin, *new_end;
		if (record_set(name, namelen, false) ||
		    !set_block(script, name, namelen, &new_begin, &new_end))
			continue;
		struct keeping k = { out, NULL, block_timeout(new_begin, new_end) };
		if (k.timeout == 0)
			continue;
		char *set = xmalloc(namelen + 1);
		memcpy(set, name, namelen);
		set[namelen] = '\0';
		k.set = set;
		nft_listing_members(listing, set, keep_member, &k);
		free(set);
	}
	xmemstream_close(out);
	return buf;
}

char *keep_ipset_members(const char *restore)
{
	char *out = xmalloc(strlen(restore) + 1), *o = out;

	for (const char *line = restore; *line;) {
		const char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) + 1 : strlen(line);
		bool drop = false;
		if (strncmp(line, "flush ", 6) == 0) {
			/* Its create line: "create NAME TYPE ... timeout N". */
			const char *name = line + 6;
			size_t namelen = strcspn(name, " \n");
			const char *c = record_set(name, namelen, true) ? NULL : restore;
			for (; c && (c = strstr(c, "create ")) != NULL; c += 7) {
				if ((c != restore && c[-1] != '\n') || strncmp(c + 7, name, namelen) != 0 ||
				    c[7 + namelen] != ' ')
					continue;
				size_t clen = strcspn(c, "\n");
				for (const char *t = c; t + 9 <= c + clen; t++)
					if (strncmp(t, " timeout ", 9) == 0)
						drop = true;
				break;
			}
		}
		if (!drop) {
			memcpy(o, line, n);
			o += n;
		}
		line += n;
	}
	*o = '\0';
	return out;
}
