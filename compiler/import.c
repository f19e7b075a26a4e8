/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compiler/import.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/diag.h"
#include "compiler/json.h"
#include "compiler/modpath.h"
#include "compiler/source.h"
#include "lib/addr.h"
#include "lib/arena.h"
#include "lib/dnsname.h"
#include "lib/suggest.h"
#include "lib/vec.h"
#include "lib/xalloc.h"

const char *const import_providers[] = {
	"github-meta",
	"aws-ip-ranges",
	"google-cloud",
	"azure-service-tags",
	NULL,
};

/* A module's rules are one allow: a list longer than this many columns
 * goes one name a line, as 'egressc fmt' lays it out. */
#define MODULE_LINE_WIDTH 80

/* What one import collects: hostnames (a module) or prefixes (a list),
 * never both. Entries are the arena's; the arrays are malloc'd. */
struct import {
	struct arena *arena;
	struct diags *diags;
	const struct import_request *req;
	const char *file;		/* the document's base name, for headers */
	const char **names;
	size_t nnames, capnames;
	struct prefix *prefixes;
	size_t nprefixes, capprefixes;
	bool failed;
};

static const char *quote(struct import *im, const char *s)
{
	return diag_quote(im->diags, s, strlen(s));
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* The value V must be of type T; else an error naming WHAT. */
static bool expect_type(struct import *im, const struct json_value *v, enum json_type t,
			const char *what)
{
	if (v->type == t)
		return true;
	diag_error(im->diags, &v->loc, "%s should be %s, not %s", what, json_type_name(t),
		   json_type_name(v->type));
	im->failed = true;
	return false;
}

/* Member KEY of OBJ, which must exist; else an error at OBJ. */
static const struct json_value *require(struct import *im, const struct json_value *obj,
					const char *key, const char *hint)
{
	const struct json_value *v = json_get(obj, key);

	if (!v) {
		diag_error(im->diags, &obj->loc, "no '%s' here%s%s", key, hint ? "; " : "",
			   hint ? hint : "");
		im->failed = true;
	}
	return v;
}

/* A hostname or '*.' and one, as the policy language takes them. */
static void add_name(struct import *im, const struct json_value *v)
{
	if (!expect_type(im, v, JSON_STRING, "a hostname"))
		return;
	char *name = arena_strdup(im->arena, v->text);
	const char *bare = strncmp(name, "*.", 2) == 0 ? name + 2 : name;
	const char *problem;

	hostname_normalize(name);
	if ((problem = hostname_problem(bare))) {
		diag_error(im->diags, &v->loc, "'%s' is not a hostname: %s",
			   quote(im, v->text), problem);
		im->failed = true;
		return;
	}
	/* A document that says '*.com' (tampered with, or fetched from the
	 * wrong place) would have the module let out to the whole domain. */
	if (bare != name && !strchr(bare, '.')) {
		diag_error(im->diags, &v->loc, "'%s' is every name of a top-level domain, no "
			   "provider's service", quote(im, v->text));
		im->failed = true;
		return;
	}
	VEC_PUSH(im->names, im->nnames, im->capnames, name);
}

static void add_prefix(struct import *im, const struct json_value *v)
{
	struct prefix p;
	char buf[PREFIX_STRLEN];

	if (!expect_type(im, v, JSON_STRING, "an address prefix"))
		return;
	switch (prefix_parse(v->text, &p)) {
	case PREFIX_OK:
		VEC_PUSH(im->prefixes, im->nprefixes, im->capprefixes, p);
		return;
	case PREFIX_HOST_BITS:
		diag_error(im->diags, &v->loc, "'%s' has host bits set; did you mean %s?",
			   quote(im, v->text), prefix_format(&p, buf));
		break;
	default:
		diag_error(im->diags, &v->loc, "'%s' is not an address prefix",
			   quote(im, v->text));
		break;
	}
	im->failed = true;
}

/* The document's own text V (WHAT, a string) as the header shows it, in a
 * comment: one line of printable ASCII, at most 64 bytes. A line break
 * would end the comment and begin a line of the output ("0.0.0.0/0" in a
 * list, under its header), a carriage return would hide what precedes it
 * on a terminal. NULL, with an error, otherwise. */
static const char *header_text(struct import *im, const struct json_value *v, const char *what)
{
	size_t n = strlen(v->text);
	bool plain = n <= 64;

	for (size_t i = 0; plain && i < n; i++)
		plain = v->text[i] >= 0x20 && v->text[i] <= 0x7e;
	if (plain)
		return v->text;
	diag_error(im->diags, &v->loc, "%s '%s' is not one line of text (printable ASCII, "
		   "at most 64 bytes), as the header shows it", what, quote(im, v->text));
	im->failed = true;
	return NULL;
}

/* A date as YYYY-MM-DD, digits where they belong. */
static bool is_date(const char *s)
{
	if (strlen(s) != 10)
		return false;
	for (int i = 0; i < 10; i++) {
		bool dash = i == 4 || i == 7;
		if (dash ? s[i] != '-' : (s[i] < '0' || s[i] > '9'))
			return false;
	}
	return true;
}

static int string_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int prefix_cmp(const void *a, const void *b)
{
	const struct prefix *x = a, *y = b;
	int c = addr_sort_cmp(a, b);

	return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* Sorts and drops repeats: providers list a name or a prefix once per
 * region or service it serves. */
static void sort_unique(struct import *im)
{
	size_t n = 0;

	if (im->nnames > 1)
		qsort(im->names, im->nnames, sizeof(*im->names), string_cmp);
	for (size_t i = 0; i < im->nnames; i++)
		if (n == 0 || strcmp(im->names[n - 1], im->names[i]) != 0)
			im->names[n++] = im->names[i];
	im->nnames = n;
	n = 0;
	if (im->nprefixes > 1)
		qsort(im->prefixes, im->nprefixes, sizeof(*im->prefixes), prefix_cmp);
	for (size_t i = 0; i < im->nprefixes; i++)
		if (n == 0 || prefix_cmp(&im->prefixes[n - 1], &im->prefixes[i]) != 0)
			im->prefixes[n++] = im->prefixes[i];
	im->nprefixes = n;
}

/* The header's date line: the user's --date, else the document's own. */
static const char *date_line(struct import *im, const char *own)
{
	const char *date = im->req->date;

	if (!own)
		return arena_printf(im->arena, "fetched %s", date ? date : "(unknown)");
	if (date)
		return arena_printf(im->arena, "fetched %s; the document says %s", date, own);
	return arena_printf(im->arena, "the document says %s", own);
}

/* One line, or one name a line when it would not fit: the layout 'egressc
 * fmt' gives the rule. */
static void write_allow(FILE *out, const char *const *names, size_t n, const char *ports)
{
	size_t width = strlen("allow ") + strlen(" port ") + strlen(ports);

	for (size_t i = 0; i < n; i++)
		width += strlen(names[i]) + (i ? 2 : 0);
	fputs("allow ", out);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s%s", i ? (n > 1 && width > MODULE_LINE_WIDTH ? ",\n      " : ", ")
				       : "",
			names[i]);
	fprintf(out, " port %s\n", ports);
}

static void write_prefixes(struct import *im, FILE *out)
{
	char buf[PREFIX_STRLEN];
	size_t count[FAMILY_COUNT] = { 0 };

	for (size_t i = 0; i < im->nprefixes; i++)
		count[im->prefixes[i].family]++;
	fprintf(out, "# %zu IPv4 and %zu IPv6 prefixes, sorted, as the document lists them\n",
		count[FAMILY_V4], count[FAMILY_V6]);
	fprintf(out, "# (egressc merges them when it compiles). Use it with: file \"NAME\"\n");
	for (size_t i = 0; i < im->nprefixes; i++)
		fprintf(out, "%s\n", prefix_format(&im->prefixes[i], buf));
}

/* github-meta: GitHub's meta document (https://api.github.com/meta). A
 * section is a key of it: 'domains.X' holds hostnames (an array, or an
 * object of arrays such as actions_inbound's full_domains and
 * wildcard_domains), a top-level key ('actions', 'web', 'git', ...) an
 * array of address prefixes. */
static int import_github_meta(struct import *im, const struct json_value *doc, FILE *out)
{
	const struct import_request *req = im->req;
	bool names = false, prefixes = false;

	if (!expect_type(im, doc, JSON_OBJECT, "GitHub's meta document"))
		return -1;
	if (req->nsections == 0) {
		diag_error(im->diags, NULL, "github-meta: say which part of the document to take "
					    "with --section (domains.actions, actions, ...)");
		return -1;
	}
	for (size_t s = 0; s < req->nsections; s++) {
		const char *key = req->sections[s];
		const struct json_value *v;
		bool is_domains = strncmp(key, "domains.", 8) == 0;

		v = is_domains ? json_get(json_get(doc, "domains"), key + 8) : json_get(doc, key);
		if (!v || (!is_domains && v->type != JSON_ARRAY)) {
			const char *keys[64];
			size_t nkeys = 0;
			const struct json_value *from = is_domains ? json_get(doc, "domains") : doc;
			for (size_t i = 0; from && from->type == JSON_OBJECT && i < from->n &&
					   nkeys < 63;
			     i++)
				if (is_domains || from->members[i].value->type == JSON_ARRAY)
					keys[nkeys++] = arena_printf(im->arena, "%s%s",
								     is_domains ? "domains." : "",
								     from->members[i].key);
			const char *guess = suggest_closest(key, keys, nkeys);
			diag_error(im->diags, NULL, "github-meta: no section '%s' in '%s'%s%s%s",
				   quote(im, key), quote(im, req->path), guess ? "; did you mean '" : "",
				   guess ? guess : "", guess ? "'?" : "");
			im->failed = true;
			continue;
		}
		if (is_domains) {
			names = true;
			if (v->type == JSON_ARRAY) {
				for (size_t i = 0; i < v->n; i++)
					add_name(im, v->items[i]);
			} else if (expect_type(im, v, JSON_OBJECT, key)) {
				for (size_t m = 0; m < v->n; m++) {
					const struct json_value *list = v->members[m].value;
					if (list->type != JSON_ARRAY)
						continue;	/* artifact_attestations' trust_domain */
					for (size_t i = 0; i < list->n; i++)
						add_name(im, list->items[i]);
				}
			}
		} else {
			prefixes = true;
			for (size_t i = 0; i < v->n; i++)
				add_prefix(im, v->items[i]);
		}
	}
	if (names && prefixes) {
		diag_error(im->diags, NULL, "github-meta: hostnames (domains.*) and address ranges "
					    "make different files; import them one at a time");
		return -1;
	}
	if (im->failed)
		return -1;
	if (!req->date) {
		diag_error(im->diags, NULL, "github-meta: GitHub's meta document carries no date; "
					    "say when it was fetched with --date YYYY-MM-DD");
		return -1;
	}
	if (im->nnames + im->nprefixes == 0) {
		diag_error(im->diags, NULL, "github-meta: the sections named hold no %s",
			   names ? "hostnames" : "address prefixes");
		return -1;
	}
	sort_unique(im);

	const char *what = "";
	for (size_t s = 0; s < req->nsections; s++)
		what = arena_printf(im->arena, "%s%s%s", what, s ? ", " : "", req->sections[s]);
	if (prefixes) {
		fprintf(out, "# GitHub's address ranges: %s\n", what);
		fprintf(out, "# source: GitHub's meta document (https://api.github.com/meta), "
			     "read from %s, %s\n",
			im->file, date_line(im, NULL));
		fprintf(out, "# written by 'egressc import github-meta'; review it, and import "
			     "again when the document changes\n");
		write_prefixes(im, out);
		return 0;
	}
	const char *name = req->name ? req->name : "github-meta";
	fprintf(out, "# module: %s\n", name);
	fprintf(out, "# what: allows the hostnames GitHub's meta document lists under %s, "
		     "over HTTPS\n",
		what);
	fprintf(out, "# sources: GitHub's meta document, %s, read from %s "
		     "(https://api.github.com/meta)\n",
		what, im->file);
	fprintf(out, "# checked: %s\n", req->date);
	fprintf(out, "#\n# Written by 'egressc import github-meta'; review it, and import again "
		     "when the\n# document changes. %zu names; wildcards fill their run-time sets "
		     "as\n# dnsmasq answers.\n\n",
		im->nnames);
	write_allow(out, im->names, im->nnames, "443");
	return 0;
}

/* AWS's ip-ranges.json (https://ip-ranges.amazonaws.com/ip-ranges.json):
 * 'prefixes' (ip_prefix) and 'ipv6_prefixes' (ipv6_prefix), each with a
 * region and a service. */
static int import_aws(struct import *im, const struct json_value *doc, FILE *out)
{
	static const struct {
		const char *list, *key;
	} families[] = { { "prefixes", "ip_prefix" }, { "ipv6_prefixes", "ipv6_prefix" } };
	const struct import_request *req = im->req;
	const char *services[256];
	size_t nservices = 0;

	if (!expect_type(im, doc, JSON_OBJECT, "AWS's ip-ranges.json"))
		return -1;
	if (!req->service) {
		diag_error(im->diags, NULL, "aws-ip-ranges: say which service with --service "
					    "(S3, EC2, CLOUDFRONT, AMAZON, ...)");
		return -1;
	}
	const struct json_value *created = require(im, doc, "createDate",
						   "is this AWS's ip-ranges.json?");
	for (size_t f = 0; f < 2 && !im->failed; f++) {
		const struct json_value *list = require(im, doc, families[f].list, NULL);
		if (!list || !expect_type(im, list, JSON_ARRAY, families[f].list))
			break;
		for (size_t i = 0; i < list->n; i++) {
			const struct json_value *e = list->items[i], *svc, *region, *pfx;
			if (!expect_type(im, e, JSON_OBJECT, "an entry"))
				continue;
			if (!(svc = require(im, e, "service", NULL)) ||
			    !(region = require(im, e, "region", NULL)) ||
			    !(pfx = require(im, e, families[f].key, NULL)) ||
			    !expect_type(im, svc, JSON_STRING, "service") ||
			    !expect_type(im, region, JSON_STRING, "region"))
				continue;
			bool known = false;
			for (size_t k = 0; k < nservices && !known; k++)
				known = strcmp(services[k], svc->text) == 0;
			if (!known && nservices < 256)
				services[nservices++] = svc->text;
			if (strcmp(svc->text, req->service) != 0 ||
			    (req->region && strcmp(region->text, req->region) != 0))
				continue;
			add_prefix(im, pfx);
		}
	}
	if (im->failed || !expect_type(im, created, JSON_STRING, "createDate") ||
	    !header_text(im, created, "createDate"))
		return -1;
	if (im->nprefixes == 0) {
		const char *guess = suggest_closest(req->service, services, nservices);
		diag_error(im->diags, NULL, "aws-ip-ranges: no prefixes of service '%s'%s%s in '%s'%s%s%s",
			   quote(im, req->service), req->region ? " in region " : "",
			   req->region ? quote(im, req->region) : "", quote(im, req->path),
			   guess ? "; did you mean '" : "", guess ? guess : "", guess ? "'?" : "");
		return -1;
	}
	sort_unique(im);
	fprintf(out, "# AWS address ranges: service %s, %s\n", req->service,
		req->region ? arena_printf(im->arena, "region %s", req->region) : "every region");
	fprintf(out, "# source: AWS ip-ranges.json (https://ip-ranges.amazonaws.com/ip-ranges.json), "
		     "read from %s, %s\n",
		im->file, date_line(im, arena_printf(im->arena, "createDate %s", created->text)));
	fprintf(out, "# written by 'egressc import aws-ip-ranges'; review it, and import again "
		     "when the document changes\n");
	write_prefixes(im, out);
	return 0;
}

/* Google Cloud's cloud.json (https://www.gstatic.com/ipranges/cloud.json):
 * 'prefixes', each an ipv4Prefix or ipv6Prefix with a scope (region). */
static int import_google(struct import *im, const struct json_value *doc, FILE *out)
{
	const struct import_request *req = im->req;

	if (!expect_type(im, doc, JSON_OBJECT, "Google Cloud's cloud.json"))
		return -1;
	const struct json_value *created = require(im, doc, "creationTime",
						   "is this Google Cloud's cloud.json?");
	const struct json_value *list = require(im, doc, "prefixes", NULL);
	if (im->failed || !expect_type(im, list, JSON_ARRAY, "prefixes") ||
	    !expect_type(im, created, JSON_STRING, "creationTime") ||
	    !header_text(im, created, "creationTime"))
		return -1;
	for (size_t i = 0; i < list->n; i++) {
		const struct json_value *e = list->items[i], *scope, *pfx;
		if (!expect_type(im, e, JSON_OBJECT, "an entry") ||
		    !(scope = require(im, e, "scope", NULL)) ||
		    !expect_type(im, scope, JSON_STRING, "scope"))
			continue;
		if (req->region && strcmp(scope->text, req->region) != 0)
			continue;
		if (!(pfx = json_get(e, "ipv4Prefix")) && !(pfx = json_get(e, "ipv6Prefix"))) {
			diag_error(im->diags, &e->loc, "an entry without ipv4Prefix or ipv6Prefix");
			im->failed = true;
			continue;
		}
		add_prefix(im, pfx);
	}
	if (im->failed)
		return -1;
	if (im->nprefixes == 0) {
		diag_error(im->diags, NULL, "google-cloud: no prefixes%s%s%s in '%s'",
			   req->region ? " of scope '" : "", req->region ? quote(im, req->region) : "",
			   req->region ? "'" : "", quote(im, req->path));
		return -1;
	}
	sort_unique(im);
	fprintf(out, "# Google Cloud address ranges: %s\n",
		req->region ? arena_printf(im->arena, "scope %s", req->region) : "every scope");
	fprintf(out, "# source: Google Cloud's cloud.json (https://www.gstatic.com/ipranges/cloud.json), "
		     "read from %s, %s\n",
		im->file, date_line(im, arena_printf(im->arena, "creationTime %s", created->text)));
	fprintf(out, "# written by 'egressc import google-cloud'; review it, and import again "
		     "when the document changes\n");
	write_prefixes(im, out);
	return 0;
}

/* Azure's service tags (ServiceTags_Public_DATE.json): 'values', each a
 * tag with a name and properties.addressPrefixes. The document carries a
 * change number, not a date. */
static int import_azure(struct import *im, const struct json_value *doc, FILE *out)
{
	const struct import_request *req = im->req;
	const struct json_value *tag = NULL;
	const char *names[4096];
	size_t nnames = 0;

	if (!expect_type(im, doc, JSON_OBJECT, "Azure's service tags"))
		return -1;
	if (!req->service) {
		diag_error(im->diags, NULL, "azure-service-tags: say which tag with --service "
					    "(AzureCloud.westeurope, Storage, ...)");
		return -1;
	}
	const struct json_value *change = require(im, doc, "changeNumber",
						  "is this Azure's ServiceTags_Public file?");
	const struct json_value *values = require(im, doc, "values", NULL);
	if (im->failed || !expect_type(im, values, JSON_ARRAY, "values"))
		return -1;
	for (size_t i = 0; i < values->n; i++) {
		const struct json_value *v = values->items[i], *name;
		if (!expect_type(im, v, JSON_OBJECT, "a tag") ||
		    !(name = require(im, v, "name", NULL)) ||
		    !expect_type(im, name, JSON_STRING, "name"))
			return -1;
		if (nnames < 4096)
			names[nnames++] = name->text;
		if (strcmp(name->text, req->service) == 0 && !tag)
			tag = v;
	}
	if (!tag) {
		const char *guess = suggest_closest(req->service, names, nnames);
		diag_error(im->diags, NULL, "azure-service-tags: no tag '%s' in '%s'%s%s%s",
			   quote(im, req->service), quote(im, req->path),
			   guess ? "; did you mean '" : "", guess ? guess : "", guess ? "'?" : "");
		return -1;
	}
	const struct json_value *props = require(im, tag, "properties", NULL), *list;
	if (!props || !(list = require(im, props, "addressPrefixes", NULL)) ||
	    !expect_type(im, list, JSON_ARRAY, "addressPrefixes"))
		return -1;
	for (size_t i = 0; i < list->n; i++)
		add_prefix(im, list->items[i]);
	if (im->failed)
		return -1;
	if (!req->date) {
		diag_error(im->diags, NULL, "azure-service-tags: the service tags carry no date; "
					    "say when they were fetched with --date YYYY-MM-DD");
		return -1;
	}
	sort_unique(im);
	fprintf(out, "# Azure address ranges: service tag %s\n", req->service);
	fprintf(out, "# source: Azure IP Ranges and Service Tags - Public Cloud "
		     "(https://www.microsoft.com/en-us/download/details.aspx?id=56519), "
		     "read from %s, %s\n",
		im->file, date_line(im, arena_printf(im->arena, "changeNumber %s",
						     change->type == JSON_NUMBER ? change->text
										 : "?")));
	fprintf(out, "# written by 'egressc import azure-service-tags'; review it, and import "
		     "again when the document changes\n");
	write_prefixes(im, out);
	return 0;
}

int import_provider(struct arena *a, struct diags *d, const struct import_request *req,
		    FILE *out)
{
	/* Which of the request's selectors each provider reads: one it
	 * would ignore is an error, never a silent no-op. */
	enum { SECTION = 1 << 0, SERVICE = 1 << 1, REGION = 1 << 2, NAME = 1 << 3 };
	static const struct {
		const char *provider;
		int (*run)(struct import *, const struct json_value *, FILE *);
		unsigned takes;
	} table[] = {
		{ "github-meta", import_github_meta, SECTION | NAME },
		{ "aws-ip-ranges", import_aws, SERVICE | REGION },
		{ "google-cloud", import_google, REGION },
		{ "azure-service-tags", import_azure, SERVICE },
	};
	static const struct {
		unsigned flag;
		const char *option;
	} selectors[] = {
		{ SECTION, "--section" },
		{ SERVICE, "--service" },
		{ REGION, "--region" },
		{ NAME, "--name" },
	};
	struct import im = { .arena = a, .diags = d, .req = req, .file = base_name(req->path) };
	int (*run)(struct import *, const struct json_value *, FILE *) = NULL;
	unsigned takes = 0, given = 0;
	struct source *src;
	struct json_value *doc;
	int rc;

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		if (strcmp(table[i].provider, req->provider) == 0) {
			run = table[i].run;
			takes = table[i].takes;
		}
	}
	given = (req->nsections ? SECTION : 0) | (req->service ? SERVICE : 0) |
		(req->region ? REGION : 0) | (req->name ? NAME : 0);
	for (size_t i = 0; run && i < sizeof(selectors) / sizeof(selectors[0]); i++) {
		if ((given & ~takes) & selectors[i].flag) {
			diag_error(d, NULL, "%s takes no %s", req->provider, selectors[i].option);
			return -1;
		}
	}
	if (!run) {
		const char *guess = suggest_closest(req->provider, import_providers,
						    sizeof(table) / sizeof(table[0]));
		diag_error(d, NULL, "unknown provider '%s'%s%s%s", diag_quote(d, req->provider,
									    strlen(req->provider)),
			   guess ? "; did you mean '" : "", guess ? guess : "", guess ? "'?" : "");
		return -1;
	}
	if (req->date && !is_date(req->date)) {
		diag_error(d, NULL, "--date '%s' is not a date as YYYY-MM-DD",
			   diag_quote(d, req->date, strlen(req->date)));
		return -1;
	}
	if (req->name && !module_name_valid(req->name)) {
		diag_error(d, NULL, "--name '%s' is not a module name (lower-case letters, digits "
				    "and inner '-')",
			   diag_quote(d, req->name, strlen(req->name)));
		return -1;
	}
	if (!(src = source_load(a, d, req->path, NULL)) || !(doc = json_parse(a, d, src)))
		return -1;
	rc = run(&im, doc, out);
	free(im.names);
	free(im.prefixes);
	return rc;
}
