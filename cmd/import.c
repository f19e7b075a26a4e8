/* SPDX-License-Identifier: GPL-2.0-or-later */
/* egressc import: a provider's published endpoint list (a JSON document
 * the user fetched) as a module or an address list file, for review.
 * egressc never fetches it: a compile stays offline and repeatable. The
 * text is built in memory and written whole, so an error writes and
 * clobbers nothing. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/builtin.h"
#include "cmd/options.h"
#include "compiler/diag.h"
#include "compiler/import.h"
#include "lib/arena.h"
#include "lib/output.h"
#include "lib/vec.h"
#include "lib/xalloc.h"

enum {
	OPT_SECTION = OPT_OWN,
	OPT_SERVICE,
	OPT_REGION,
	OPT_NAME,
	OPT_DATE,
};

static const char *const import_usage[] = {
	"egressc import github-meta FILE --section KEY... --date DATE [OPTIONS]",
	"egressc import aws-ip-ranges FILE --service NAME [--region NAME] [OPTIONS]",
	"egressc import google-cloud FILE [--region SCOPE] [OPTIONS]",
	"egressc import azure-service-tags FILE --service TAG --date DATE [OPTIONS]",
	NULL,
};

static const struct cmd_option import_options[] = {
	{ .val = 'o',
	  .arg = "FILE",
	  .help = "write to FILE (whole, or not at all) instead of standard output" },
	{ .val = OPT_SECTION,
	  .long_name = "section",
	  .arg = "KEY",
	  .repeatable = true,
	  .help = "github-meta: the part to take (repeatable): domains.NAME gives a module of "
		  "hostnames (domains.actions, domains.packages, ...), a top-level key an "
		  "address list (actions, web, git, packages, ...)" },
	{ .val = OPT_SERVICE,
	  .long_name = "service",
	  .arg = "NAME",
	  .help = "aws-ip-ranges: the service (S3, EC2, AMAZON, ...); azure-service-tags: the "
		  "tag (AzureCloud.westeurope, Storage, ...)" },
	{ .val = OPT_REGION,
	  .long_name = "region",
	  .arg = "NAME",
	  .help = "aws-ip-ranges: only this region (us-east-1, GLOBAL, ...); google-cloud: "
		  "only this scope (us-central1, ...); default: all" },
	{ .val = OPT_NAME,
	  .long_name = "name",
	  .arg = "MODULE",
	  .help = "github-meta: the module's name in its header (default github-meta)" },
	{ .val = OPT_DATE,
	  .long_name = "date",
	  .arg = "YYYY-MM-DD",
	  .help = "when FILE was fetched, for the header; needed where the document carries "
		  "no date (github-meta, azure-service-tags)" },
	OPTION_COLOR,
	OPTION_HELP,
	OPTION_END,
};

static const struct cmd_spec import_spec = {
	.name = "import",
	.usage = import_usage,
	.about = "Turns a provider's published endpoint list, a JSON document fetched\n"
		 "beforehand, into a module (hostnames) or an address list file (prefixes),\n"
		 "sorted, its header naming the source and its date. Nothing is fetched.\n"
		 "Providers: github-meta (https://api.github.com/meta), aws-ip-ranges\n"
		 "(ip-ranges.json), google-cloud (cloud.json), azure-service-tags\n"
		 "(ServiceTags_Public).\n",
	.options = import_options,
	.notes = "Exit status: 0 written, 1 errors in the document or the request, 2 usage\n"
		 "errors.\n",
};

int cmd_import(int argc, char **argv)
{
	struct import_request req = { 0 };
	const char **sections = NULL;
	size_t nsections = 0, cap = 0;
	const char *out_path = "-", *arg;
	struct cmd_parse p;
	int opt;

	options_init(&p, &import_spec, argc, argv);
	while ((opt = options_next(&p, &arg)) > 0) {
		switch (opt) {
		case 'o': out_path = arg; break;
		case OPT_SECTION: VEC_PUSH(sections, nsections, cap, arg); break;
		case OPT_SERVICE: req.service = arg; break;
		case OPT_REGION: req.region = arg; break;
		case OPT_NAME: req.name = arg; break;
		case OPT_DATE: req.date = arg; break;
		}
	}
	if (opt == 0 && p.nargs != 2)
		opt = options_error(&p, "expected a PROVIDER and a FILE");
	if (opt != 0) {
		free(sections);
		return p.status;
	}
	req.provider = p.args[0];
	req.path = p.args[1];
	req.sections = sections;
	req.nsections = nsections;

	struct arena a;
	struct diags d;
	char *text = NULL;
	size_t len = 0;
	int status = EXIT_POLICY;

	arena_init(&a);
	diags_init(&d, &a);
	FILE *mem = xopen_memstream(&text, &len);
	int rc = import_provider(&a, &d, &req, mem);
	if (fclose(mem) != 0)
		xalloc_die();
	if (rc == 0) {
		struct output out;
		if (output_open(&out, out_path) < 0) {
			diag_error(&d, NULL, "cannot write '%s': %s", out_path, strerror(errno));
		} else if (fwrite(text, 1, len, out.fp) != len) {
			diag_error(&d, NULL, "cannot write '%s': %s", out_path, strerror(errno));
			output_abort(&out);
		} else if (output_commit(&out) < 0) {
			diag_error(&d, NULL, "cannot write '%s': %s", out_path, strerror(errno));
		} else {
			status = EXIT_OK;
		}
	}
	diags_print(&d, stderr);
	free(text);
	free(sections);
	arena_release(&a);
	return status;
}
