/* SPDX-License-Identifier: GPL-2.0-or-later */
/* egressc fmt: policy files in the canonical layout, one at a time; a file
 * that does not parse is reported and left alone, and the others are
 * still done. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/builtin.h"
#include "cmd/options.h"
#include "compiler/diag.h"
#include "compiler/fmt.h"
#include "compiler/source.h"
#include "lib/arena.h"
#include "lib/output.h"

enum {
	OPT_CHECK = OPT_OWN,
};

static const char *const fmt_usage[] = {
	"egressc fmt [OPTIONS] POLICY...",
	NULL,
};

static const struct cmd_option fmt_options[] = {
	{ .val = 'w', .help = "rewrite the files instead (only those that change)" },
	{ .val = OPT_CHECK,
	  .long_name = "check",
	  .help = "list the files not in the layout; exit 1 if any" },
	OPTION_COLOR,
	OPTION_HELP,
	OPTION_END,
};

static const struct cmd_spec fmt_spec = {
	.name = "fmt",
	.usage = fmt_usage,
	.about = "Prints each POLICY in the canonical layout (settings first, one statement\n"
		 "a line, long lists one target a line, comments kept).\n",
	.options = fmt_options,
	.notes = "Exit status: 0 done (--check: all formatted), 1 errors or (--check)\n"
		 "unformatted, 2 usage errors.\n",
};

struct fmt_args {
	bool write;
	bool check;
};

static int fmt_one(const struct fmt_args *o, const char *path, bool *unformatted)
{
	struct arena a;
	struct diags d;
	char *text = NULL;
	size_t len;
	int rc = -1;

	arena_init(&a);
	diags_init(&d, &a);
	/* "-" or a pipe too: a filter for an editor. */
	struct source *src = source_load_arg(&a, &d, path);
	if (src && format_source(&a, &d, src, &text, &len) == 0) {
		bool same = len == src->len && memcmp(text, src->text, len) == 0;
		rc = 0;
		if (o->check && !same) {
			printf("%s\n", path);
			*unformatted = true;
		} else if (o->write && !same) {
			struct output out;
			if (output_open(&out, path) < 0 || fwrite(text, 1, len, out.fp) != len ||
			    output_commit(&out) < 0) {
				diag_error(&d, NULL, "cannot write '%s': %s", path, strerror(errno));
				rc = -1;
			}
		} else if (!o->check && !o->write) {
			fwrite(text, 1, len, stdout);
		}
	}
	diags_print(&d, stderr);
	free(text);
	arena_release(&a);
	return rc;
}

static int parse_args(struct cmd_parse *p, struct fmt_args *o)
{
	const char *arg;
	int c;

	while ((c = options_next(p, &arg)) > 0) {
		if (c == 'w')
			o->write = true;
		else if (c == OPT_CHECK)
			o->check = true;
	}
	if (c < 0)
		return -1;
	if (p->nargs == 0)
		return options_error(p, "no policy file given");
	if (o->write && o->check)
		return options_error(p, "options '-w' and '--check' cannot be used together");
	for (int i = 0; o->write && i < p->nargs; i++)
		if (strcmp(p->args[i], "-") == 0)
			return options_error(p, "'-w' cannot write standard input back");
	return 0;
}

int cmd_fmt(int argc, char **argv)
{
	struct fmt_args o = { 0 };
	struct cmd_parse p;
	bool unformatted = false;
	int rc = 0;

	options_init(&p, &fmt_spec, argc, argv);
	if (parse_args(&p, &o) < 0)
		return p.status;
	for (int i = 0; i < p.nargs; i++)
		rc |= fmt_one(&o, p.args[i], &unformatted);
	if (fflush(stdout) != 0)
		rc = -1;
	return rc < 0 || unformatted ? EXIT_POLICY : EXIT_OK;
}
