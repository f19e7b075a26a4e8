/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "host/ipsetplan.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ipsetname.h"
#include "lib/xalloc.h"

/* One set of a listing: "Name: ..." up to the next "Name:". */
struct listed_set {
	char name[IPSET_NAME_MAX + 1];
	bool timeout;
	unsigned long maxelem, entries;
};

/* The line at *P (without its newline) into LINE, *P moved past it.
 * Returns false at the end. */
static bool next_line(const char **p, const char **line, size_t *len)
{
	if (!*p || !**p)
		return false;
	const char *nl = strchr(*p, '\n');
	*line = *p;
	*len = nl ? (size_t)(nl - *p) : strlen(*p);
	*p = nl ? nl + 1 : *p + *len;
	return true;
}

static bool starts(const char *line, size_t len, const char *word)
{
	size_t n = strlen(word);
	return len >= n && memcmp(line, word, n) == 0;
}

/* The set of LISTING named NAME (NAMELEN bytes), or false. */
static bool listed(const char *listing, const char *name, size_t namelen,
		   struct listed_set *out)
{
	const char *p = listing, *line;
	size_t len;
	bool on = false;

	memset(out, 0, sizeof(*out));
	while (next_line(&p, &line, &len)) {
		if (starts(line, len, "Name: ")) {
			if (on)
				return true;
			on = len - 6 == namelen && memcmp(line + 6, name, namelen) == 0;
			if (on)
				memcpy(out->name, name, namelen < IPSET_NAME_MAX ? namelen : IPSET_NAME_MAX);
		} else if (on && starts(line, len, "Header: ")) {
			char header[512];
			snprintf(header, sizeof(header), "%.*s ", (int)len, line);
			const char *m = strstr(header, " maxelem ");
			out->maxelem = m ? strtoul(m + 9, NULL, 10) : 0;
			out->timeout = strstr(header, " timeout ") != NULL;
		} else if (on && starts(line, len, "Number of entries: ")) {
			out->entries = strtoul(line + 19, NULL, 10);
		}
	}
	return on;
}

/* "create NAME hash:net family F hashsize H maxelem M": a static set's. */
static bool static_create(const char *line, size_t len, const char **name, size_t *namelen,
			  unsigned long *maxelem)
{
	char buf[256];

	if (!starts(line, len, "create ") || len >= sizeof(buf))
		return false;
	memcpy(buf, line, len);
	buf[len] = '\0';
	if (strstr(buf, " timeout ") || !strstr(buf, " maxelem "))
		return false;
	*name = line + 7;
	*namelen = strcspn(*name, " \n");
	*maxelem = strtoul(strstr(buf, " maxelem ") + 9, NULL, 10);
	return true;
}

/* Whether LINE (LEN bytes) is "flush NAME". */
static bool flushes(const char *line, size_t len, const char *name, size_t namelen)
{
	return len == 6 + namelen && starts(line, len, "flush ") &&
	       memcmp(line + 6, name, namelen) == 0;
}

/* Refresh set NAME's create line CREATE (LEN bytes), its add lines from
 * *P on, as the commands that fill a new set and swap it in: into SWAP.
 * *P is moved past the add lines. */
static void write_swap(FILE *swap, const char *create, size_t len, const char *name,
		       size_t namelen, const char **p)
{
	char spare[IPSET_NAME_MAX + 1], live[IPSET_NAME_MAX + 1];
	const char *line, *q;
	size_t n;

	snprintf(live, sizeof(live), "%.*s", (int)namelen, name);
	ipsetname_swap_spare(spare, live);
	fprintf(swap, "create %s%.*s\nflush %s\n", spare, (int)(len - 7 - namelen),
		create + 7 + namelen, spare);
	for (q = *p; next_line(&q, &line, &n) && starts(line, n, "add ") && n > 4 + namelen &&
		     memcmp(line + 4, name, namelen) == 0 && line[4 + namelen] == ' ';
	     *p = q)
		fprintf(swap, "add %s%.*s\n", spare, (int)(n - 4 - namelen), line + 4 + namelen);
	fprintf(swap, "swap %s %s\ndestroy %s\n", spare, live, spare);
}

char *ipset_plan(const char *text, const char *listing, char **swap_text)
{
	char *out = NULL, *swap_out = NULL;
	size_t size = 0, swap_size = 0, len, skiplen = 0;
	FILE *fp = xopen_memstream(&out, &size);
	FILE *swap = xopen_memstream(&swap_out, &swap_size);
	const char *p = text, *line, *skip = NULL;

	while (next_line(&p, &line, &len)) {
		const char *name, *after = p, *flush_line;
		size_t namelen, flush_len;
		unsigned long maxelem;
		struct listed_set have;
		/* The add lines of a set left out: "add NAME ...". */
		if (skip && starts(line, len, "add ") && len > 4 + skiplen &&
		    memcmp(line + 4, skip, skiplen) == 0 && line[4 + skiplen] == ' ')
			continue;
		skip = NULL;
		bool flush = false;
		/* A refresh set that exists: left as it is, filled after the
		 * rules by a swap. One that does not: loaded as written. */
		if (static_create(line, len, &name, &namelen, &maxelem) &&
		    next_line(&after, &flush_line, &flush_len) &&
		    flushes(flush_line, flush_len, name, namelen) && listing &&
		    listed(listing, name, namelen, &have)) {
			p = after;
			write_swap(swap, line, len, name, namelen, &p);
			continue;
		}
		if (static_create(line, len, &name, &namelen, &maxelem) && listing &&
		    listed(listing, name, namelen, &have) && !have.timeout) {
			if (have.maxelem == maxelem && have.entries == maxelem) {
				skip = name;
				skiplen = namelen;
				continue;
			}
			flush = true;
		}
		fprintf(fp, "%.*s\n", (int)len, line);
		if (flush)
			fprintf(fp, "flush %.*s\n", (int)namelen, name);
	}
	xmemstream_close(fp);
	xmemstream_close(swap);
	*swap_text = swap_out;
	return out;
}

char *ipset_refresh_names(const char *text, const char *listing)
{
	char *out = NULL;
	size_t size = 0, len, flush_len, namelen;
	FILE *fp = xopen_memstream(&out, &size);
	const char *p = text, *line, *flush_line, *name;
	unsigned long maxelem;
	struct listed_set have;

	while (next_line(&p, &line, &len)) {
		const char *after = p;
		if (static_create(line, len, &name, &namelen, &maxelem) &&
		    next_line(&after, &flush_line, &flush_len) &&
		    flushes(flush_line, flush_len, name, namelen) && listing &&
		    listed(listing, name, namelen, &have))
			fprintf(fp, "%.*s\n", (int)namelen, name);
	}
	xmemstream_close(fp);
	return out;
}

char *ipset_swap_back(const char *saved)
{
	char *out = NULL;
	size_t size = 0, len;
	FILE *fp = xopen_memstream(&out, &size);
	const char *p = saved, *line;

	/* 'ipset save NAME' is its create line, then its add lines. */
	while (next_line(&p, &line, &len)) {
		if (!starts(line, len, "create "))
			continue;
		const char *name = line + 7;
		size_t namelen = strcspn(name, " \n");
		if (namelen > IPSET_NAME_MAX)
			continue;
		write_swap(fp, line, len, name, namelen, &p);
	}
	xmemstream_close(fp);
	return out;
}

char *ipset_runtime_names(const char *listing, const char *prefix)
{
	char *out = NULL;
	size_t size = 0, len;
	FILE *fp = xopen_memstream(&out, &size);
	const char *p = listing, *line;

	while (next_line(&p, &line, &len)) {
		struct listed_set s;
		if (starts(line, len, "Name: ") && starts(line + 6, len - 6, prefix) &&
		    listed(listing, line + 6, len - 6, &s) && s.timeout)
			fprintf(fp, "%.*s\n", (int)(len - 6), line + 6);
	}
	xmemstream_close(fp);
	return out;
}
