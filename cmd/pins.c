/* SPDX-License-Identifier: GPL-2.0-or-later */
/* egressc pins check: for image pipelines, whether the addresses an image
 * pinned are still what DNS gives, so that a nightly job rebuilds the
 * images whose pins drifted. The pins are those of a compiled directory
 * (its hosts output) or of a policy compiled from the hosts file the
 * image was built with; DNS is asked now, as a compile asks it. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd/builtin.h"
#include "cmd/options.h"
#include "cmd/policy_options.h"
#include "compiler/dns.h"
#include "compiler/driver.h"
#include "compiler/hostsfile.h"
#include "compiler/pins.h"
#include "emit/names.h"
#include "lib/xalloc.h"

/* The pins could not be checked: the policy or directory is unusable, or
 * DNS could not be asked. Apart from 1 (drifted), so a pipeline tells a
 * stale image from a broken check. */
#define EXIT_CANNOT_CHECK 3

static const char *const pins_usage[] = {
	"egressc pins check [OPTIONS] DIR",
	"egressc pins check [OPTIONS] --hosts-file FILE POLICY",
	NULL,
};

/* POLICY_OPTIONS' rows that say where pins and answers come from; the
 * others (mode, strictness, optimization) change no pin. */
static const struct cmd_option pins_options[] = {
	{ .val = 'I',
	  .arg = "DIR",
	  .repeatable = true,
	  .help = "look for modules ('use NAME') in DIR first (repeatable, at most 16 "
		  "times; then $EGRESSC_PATH, then the installed stdlib)" },
	{ .val = OPT_HOSTS_FILE,
	  .long_name = "hosts-file",
	  .arg = "FILE",
	  .help = "with POLICY: the pins, as the image was compiled from them "
		  "(--save-resolved wrote it)" },
	{ .val = OPT_RESOLVER,
	  .long_name = "resolver",
	  .arg = "ADDR[:PORT]",
	  .repeatable = true,
	  .help = "a DNS server to ask (repeatable; [V6]:PORT); default: the servers of "
		  "/etc/resolv.conf" },
	{ .val = OPT_RESOLVE_ROUNDS,
	  .long_name = "resolve-rounds",
	  .arg = "N",
	  .help = "ask each name N times and compare the union (default 3)" },
	{ .val = OPT_DNS_TIMEOUT,
	  .long_name = "dns-timeout",
	  .arg = "MS",
	  .help = "give up on a query after MS milliseconds (default 3000)" },
	OPTION_COLOR,
	OPTION_HELP,
	OPTION_END,
};

static const struct cmd_spec pins_spec = {
	.name = "pins",
	.usage = pins_usage,
	.about = "Resolves every pinned name now and prints, for each one that drifted, the\n"
		 "addresses DNS gives that the pins lack ('+') and the pinned ones it no\n"
		 "longer gives ('-'), or why it did not resolve; then a summary line. The\n"
		 "pins are DIR's hosts output (what egressc -O DIR wrote), or POLICY's\n"
		 "pinned names compiled from --hosts-file.\n",
	.options = pins_options,
	.notes = "Exit status: 0 no pin drifted, 1 some did (or did not resolve), 2 usage\n"
		 "errors, 3 the pins could not be checked.\n",
};

/* Prints what drifted; returns how many names did. */
static size_t report(const struct pin_drift *drifts, size_t n, FILE *out)
{
	size_t drifted = 0, failed = 0;
	char buf[PREFIX_STRLEN];

	for (size_t i = 0; i < n; i++) {
		const struct pin_drift *dr = &drifts[i];
		if (!pin_drifted(dr))
			continue;
		drifted++;
		if (dr->status) {
			failed++;
			fprintf(out, "%s: did not resolve: %s\n", dr->pin->name,
				dns_status_reason(dr->status));
			continue;
		}
		for (size_t j = 0; j < dr->nadded; j++)
			fprintf(out, "%s: + %s\n", dr->pin->name, prefix_format(&dr->added[j], buf));
		for (size_t j = 0; j < dr->ngone; j++)
			fprintf(out, "%s: - %s\n", dr->pin->name, prefix_format(&dr->gone[j], buf));
	}
	fprintf(out, "%zu pinned name%s checked, %zu drifted", n, n == 1 ? "" : "s", drifted - failed);
	if (failed)
		fprintf(out, ", %zu did not resolve", failed);
	fputc('\n', out);
	return drifted;
}

/* The pins of TARGET into *PS (from C's compilation or *HF, which the
 * caller releases). Returns 0, or -1 with errors queued. */
static int read_pins(const char *target, const struct policy_args *args, struct compilation *c,
		     struct hostsfile *hf, struct pins *ps)
{
	struct stat st;

	if (stat(target, &st) == 0 && S_ISDIR(st.st_mode)) {
		size_t n = strlen(target) + sizeof(FILE_HOSTS) + 1;
		char *path = arena_alloc(&c->arena, n);
		snprintf(path, n, "%s/%s", target, FILE_HOSTS);
		if (hostsfile_load(&c->arena, &c->diags, path, hf) < 0)
			return -1;
		pins_from_hostsfile(ps, hf);
		return 0;
	}
	if (compilation_run(c, target, &args->compile) < 0)
		return -1;
	pins_from_model(ps, &c->model);
	return 0;
}

static int pins_check(const char *target, struct policy_args *args)
{
	struct compilation c;
	struct hostsfile hf = { 0 };
	struct pins ps = { 0 };
	struct pin_drift *drifts = NULL;
	int status = EXIT_CANNOT_CHECK;

	compilation_init(&c);
	strmap_init(&hf.names);
	if (read_pins(target, args, &c, &hf, &ps) == 0 &&
	    pins_compare(&ps, &args->compile.resolve, &c.diags, &drifts) == 0)
		status = report(drifts, ps.n, stdout) ? EXIT_POLICY : EXIT_OK;
	if (fflush(stdout) != 0)
		status = EXIT_CANNOT_CHECK;
	diags_print(&c.diags, stderr);
	pin_drifts_free(drifts, ps.n);
	pins_release(&ps);
	hostsfile_release(&hf);
	compilation_release(&c);
	return status;
}

int cmd_pins(int argc, char **argv)
{
	struct policy_args args;
	struct cmd_parse p;
	const char *arg;
	int opt, status;
	struct stat st;

	policy_args_init(&args);
	options_init(&p, &pins_spec, argc, argv);
	while ((opt = options_next(&p, &arg)) > 0)
		if (policy_args_take(&args, &p, opt, arg) < 0) {
			opt = -1;
			break;
		}
	if (opt == 0 && (p.nargs == 0 || strcmp(p.args[0], "check") != 0))
		opt = options_error(&p, p.nargs ? "unknown subcommand '%s' (check)"
						: "expected 'check DIR' or 'check POLICY'",
				    p.nargs ? p.args[0] : "");
	if (opt == 0 && p.nargs != 2)
		opt = options_error(&p, "expected one DIR or POLICY after 'check'");
	if (opt == 0 && !(stat(p.args[1], &st) == 0 && S_ISDIR(st.st_mode)) &&
	    !args.compile.resolve.hosts_file)
		opt = options_error(&p, "a policy's pins are the hosts file its image was compiled "
					"from: give --hosts-file");
	if (opt == 0 && stat(p.args[1], &st) == 0 && S_ISDIR(st.st_mode) &&
	    args.compile.resolve.hosts_file)
		opt = options_error(&p, "--hosts-file is for POLICY: DIR's pins are its hosts output");
	status = opt == 0 ? pins_check(p.args[1], &args) : p.status;
	policy_args_release(&args);
	return status;
}
