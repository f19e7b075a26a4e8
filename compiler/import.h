/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Provider lists to policy text: the JSON documents providers publish
 * their endpoints in (GitHub's meta document, AWS's ip-ranges.json,
 * Google Cloud's cloud.json, Azure's service tags), read offline from a
 * file the user fetched, and written as a module (hostnames) or an address
 * list file (prefixes) a person reviews and commits. The output is a
 * function of the file and the request alone: entries sorted and
 * deduplicated, the header naming the source, the file's name and the
 * date the provider gave it (or the user did, with --date). */
#ifndef EGRESSC_IMPORT_H
#define EGRESSC_IMPORT_H

#include <stddef.h>
#include <stdio.h>

struct arena;
struct diags;

struct import_request {
	const char *provider;		/* a name import_providers() lists */
	const char *path;		/* the JSON document */
	const char *const *sections;	/* github-meta: keys to take, in order given */
	size_t nsections;
	const char *service;		/* aws-ip-ranges: service; azure-service-tags: tag */
	const char *region;		/* aws-ip-ranges, google-cloud: region or scope; NULL: all */
	const char *name;		/* a module's name; NULL: the provider's */
	const char *date;		/* YYYY-MM-DD the file was fetched; NULL: the file's own */
};

/* The providers, NULL-terminated, for usage and suggestions. */
extern const char *const import_providers[];

/* Reads REQ's document and writes the module or list to OUT. Returns 0,
 * or -1 with the errors queued (OUT may then hold a partial text: the
 * caller writes it nowhere). */
int import_provider(struct arena *a, struct diags *d, const struct import_request *req,
		    FILE *out);

#endif
