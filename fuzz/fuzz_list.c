/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The address-list reader (compiler/addrlist.c) on arbitrary bytes, read
 * from a file as 'allow file' reads one. Besides not crashing, leaking or
 * reading out of bounds, it must agree with the general prefix parser:
 * a list it takes without an error holds, in order, exactly each line's
 * one address or prefix as prefix_parse() reads it, and a list where
 * some line is not one (junk, a second entry, host bits) is refused. Its
 * fast path for IPv4 lines is what this holds to the slow one. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "compiler/addrlist.h"
#include "compiler/diag.h"
#include "compiler/source.h"
#include "fuzz.h"
#include "lib/addr.h"
#include "lib/arena.h"

static FILE *sink;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	sink = fopen("/dev/null", "w");
	return 0;
}

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

/* What the list should hold, by prefix_parse(), into V4 and V6 (counts
 * in *N4, *N6). Returns whether every line is blank, a comment, or one
 * clean entry with blanks and a comment after it. */
static bool expected(const char *s, size_t size, struct prefix *v4, size_t *n4, struct prefix *v6,
		     size_t *n6)
{
	bool clean = true;

	*n4 = *n6 = 0;
	for (size_t at = 0; at < size;) {
		const char *nl = memchr(s + at, '\n', size - at);
		size_t len = nl ? (size_t)(nl - (s + at)) : size - at;
		const char *line = s + at;
		at += len + (nl != NULL);
		if (len && line[len - 1] == '\r')
			len--;
		size_t i = 0;
		while (i < len && blank(line[i]))
			i++;
		size_t start = i;
		while (i < len && !blank(line[i]) && line[i] != '#')
			i++;
		size_t end = i;
		while (i < len && blank(line[i]))
			i++;
		if (end == start)
			continue;	/* blank, or a comment */
		char text[PREFIX_STRLEN + 8];
		struct prefix p;
		if ((i < len && line[i] != '#') || end - start >= sizeof(text)) {
			clean = false;
			continue;
		}
		memcpy(text, line + start, end - start);
		text[end - start] = '\0';
		if (prefix_parse(text, &p) != PREFIX_OK) {
			clean = false;
			continue;
		}
		if (p.family == FAMILY_V4)
			v4[(*n4)++] = p;
		else
			v6[(*n6)++] = p;
	}
	return clean;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena a;
	struct diags d;
	struct addrlist l;
	char path[64];

	/* The oracle reads lines as the reader does only where the reader
	 * reads whole lines: no NUL, no line over the limit. */
	bool comparable = size < SOURCE_MAX_LINE && !memchr(data, '\0', size);
	int fd = memfd_create("list", MFD_CLOEXEC);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	arena_init(&a);
	diags_init(&d, &a);
	int rc = addrlist_load(&a, &d, path, NULL, &l);
	diags_print(&d, sink);
	if (comparable) {
		struct prefix *v4 = calloc(size + 1, sizeof(*v4)), *v6 = calloc(size + 1, sizeof(*v6));
		size_t n4, n6;
		bool clean = expected((const char *)data, size, v4, &n4, v6, &n6);
		if ((rc == 0) != clean)
			abort();
		if (rc == 0) {
			if (l.n4 != n4 || l.n6 != n6)
				abort();
			for (size_t i = 0; i < n4; i++) {
				struct prefix got = addrlist_v4(&l, i);
				if (got.addr != v4[i].addr || got.len != v4[i].len)
					abort();
			}
			for (size_t i = 0; i < n6; i++)
				if (l.v6[i].addr != v6[i].addr || l.v6[i].len != v6[i].len)
					abort();
		}
		free(v4);
		free(v6);
	}
	addrlist_release(&l);
	arena_release(&a);
	close(fd);
	return 0;
}
