/* SPDX-License-Identifier: GPL-2.0-or-later */
/* egressc [compile]: compiles one policy, prints its diagnostics on every
 * path, and writes outputs only when everything succeeded - all of them
 * or none. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd/builtin.h"
#include "cmd/options.h"
#include "cmd/outpaths.h"
#include "cmd/policy_options.h"
#include "compiler/driver.h"
#include "emit/emit.h"
#include "emit/names.h"
#include "host/nftcheck.h"
#include "lib/output.h"
#include "verify/verify.h"

enum {
	OPT_EXPLAIN = OPT_OWN,
	OPT_SAVE_RESOLVED,
	OPT_CHECK,
	OPT_VERIFY,
};

static const char *const compile_usage[] = {
	"egressc [compile] [OPTIONS] POLICY",
	NULL,
};

static const struct cmd_option compile_options[] = {
	{ .val = 'o',
	  .arg = "FILE",
	  .help = "write to FILE ('-': standard output); the extension picks the format: "
		  ".nft .v4 .v6 .hosts .ipset .dnsmasq .dnsmasq-ipset .explain" },
	{ .val = 'f',
	  .long_name = "format",
	  .arg = "FORMAT",
	  .help = "nft, iptables, ip6tables, hosts, ipset, dnsmasq (nftset lines), "
		  "dnsmasq-ipset (ipset lines) or explain (an overview for people); "
		  "overrides the extension" },
	{ .val = 'O',
	  .arg = "DIR",
	  .help = "write " FILE_NFT ", " FILE_IPTABLES ", " FILE_IP6TABLES ", " FILE_HOSTS ", "
		  FILE_IPSETS ", " FILE_DNSMASQ " and " FILE_DNSMASQ_IPSET " into DIR (-O0 and "
		  "-O1 are levels: -O ./0 is a directory named 0)" },
	{ .val = OPT_EXPLAIN,
	  .long_name = "explain",
	  .help = "print an overview of the compiled policy: its sets, and how to add to "
		  "dynamic sets (instead of the nft ruleset when neither -o nor -O is given)" },
	{ .val = OPT_SAVE_RESOLVED,
	  .long_name = "save-resolved",
	  .arg = "FILE",
	  .help = "write what was resolved as a hosts file, for a later hermetic "
		  "--hosts-file compile with the same outputs" },
	{ .val = OPT_CHECK,
	  .long_name = "check",
	  .help = "also have nft validate the ruleset (dry run, in a private network "
		  "namespace when root); alone, writes nothing" },
	{ .val = OPT_VERIFY,
	  .long_name = "verify",
	  .help = "read the nft and iptables outputs back and prove they accept exactly "
		  "what the policy allows before writing" },
	OPTION_WERROR,
	POLICY_OPTIONS,
	OPTION_COLOR,
	OPTION_HELP,
	{ .val = 'V', .long_name = "version", .help = "show the version" },
	OPTION_END,
};

static const struct cmd_spec compile_spec = {
	.name = "compile",
	.usage = compile_usage,
	.about = "Compiles an egress policy into firewall rulesets.\n",
	.options = compile_options,
	.notes = "Without -o or -O (and without --check or --verify alone), the nft ruleset\n"
		 "goes to standard output.\n"
		 "Exit status: 0 success, 1 errors in the policy or its outputs, 2 usage errors.\n",
};

struct compile_args {
	const char *policy;
	const char *out_file;
	const char *out_dir;
	const char *format;
	const char *save_resolved;
	bool check;
	bool verify;
	bool explain;
	bool werror;
	struct policy_args policy_args;
};

/* Returns 0 with O filled in, or -1: the command returns p->status. */
static int parse_args(struct cmd_parse *p, struct compile_args *o)
{
	const char *arg;
	int c;

	while ((c = policy_options_next(p, &o->policy_args, &arg)) > 0) {
		switch (c) {
		case 'o':
			o->out_file = arg;
			break;
		case 'f':
			o->format = arg;
			break;
		case 'O':
			o->out_dir = arg;
			break;
		case OPT_EXPLAIN:
			o->explain = true;
			break;
		case OPT_SAVE_RESOLVED:
			o->save_resolved = arg;
			break;
		case OPT_CHECK:
			o->check = true;
			break;
		case OPT_VERIFY:
			o->verify = true;
			break;
		case OPT_WERROR:
			o->werror = true;
			break;
		case 'V':
			printf("egressc %s\n", EGRESSC_VERSION);
			p->status = EXIT_OK;
			return -1;
		}
	}
	if (c < 0)
		return -1;
	if (p->nargs == 0)
		return options_error(p, "no policy file given");
	if (p->nargs > 1)
		return options_error(p, "unexpected argument '%s' (one policy at a time)",
				     p->args[1]);
	o->policy = policy_args_path(&o->policy_args, p, p->args[0]);
	if (!o->policy)
		return -1;
	if (o->format && !emitter_by_name(o->format))
		return options_error(p, "unknown format '%s' (nft, iptables, ip6tables, hosts, ipset, dnsmasq, dnsmasq-ipset, explain)",
				     o->format);
	if (o->explain && o->out_file && strcmp(o->out_file, "-") == 0)
		return options_error(p, "--explain and -o - would both write to standard output");
	if (o->out_file && !o->format && strcmp(o->out_file, "-") != 0 &&
	    !emitter_by_path(o->out_file))
		return options_error(p, "cannot tell the format of '%s' from its extension; use -f",
				     o->out_file);
	return 0;
}

/* Up to one output per format under -O, plus one for -o. */
#define MAX_OUTPUTS 16

struct pending {
	struct output out[MAX_OUTPUTS];
	int n;
};

static int write_one(struct pending *p, struct diags *d, const struct model *m,
		     const struct emitter *e, const char *path)
{
	struct output *o = &p->out[p->n];

	if (output_open(o, path) < 0) {
		diag_error(d, NULL, "cannot create '%s': %s", path, strerror(errno));
		return -1;
	}
	p->n++;
	if (e->emit(m, o->fp) < 0 || ferror(o->fp)) {
		diag_error(d, NULL, "cannot write '%s': %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int ensure_dir(struct diags *d, const char *dir)
{
	struct stat st;

	if (stat(dir, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return 0;
		diag_error(d, NULL, "'%s' is not a directory", dir);
		return -1;
	}
	if (mkdir(dir, 0777) == 0)
		return 0;
	diag_error(d, NULL, "cannot create directory '%s': %s", dir, strerror(errno));
	return -1;
}

/* One file the compile writes: where, by which option, and what (an
 * emitter's output; NULL: the resolved names of --save-resolved). */
struct planned {
	struct out_path out;
	const struct emitter *e;
};

/* What O asks to be written, in the order it is written, into PLAN (at
 * most MAX_OUTPUTS). Returns how many. */
static size_t plan_outputs(const struct compile_args *o, struct arena *a, struct planned *plan)
{
	size_t n = 0;

	if (o->out_dir) {
		const char *option = arena_printf(a, "-O %s", o->out_dir);
		for (const struct emitter *e = emitters; e->name; e++)
			if (e->dir_file)
				plan[n++] = (struct planned){
					{ arena_printf(a, "%s/%s", o->out_dir, e->dir_file), option }, e
				};
	}
	if (o->out_file || (!o->out_dir && !o->explain)) {
		const char *path = o->out_file ? o->out_file : "-";
		const struct emitter *e = o->format ? emitter_by_name(o->format)
				    : strcmp(path, "-") ? emitter_by_path(path)
							: emitter_by_name("nft");
		plan[n++] = (struct planned){ { path, o->out_file ? "-o" : "the default nft output" }, e };
	}
	if (o->explain)
		plan[n++] = (struct planned){ { "-", "--explain" }, emitter_by_name("explain") };
	if (o->save_resolved)
		plan[n++] = (struct planned){ { o->save_resolved, "--save-resolved" }, NULL };
	return n;
}

/* Whether the outputs O asks for are all distinct files, none of them an
 * input of C. Returns 0, or -1 with errors queued. */
static int check_output_paths(const struct compile_args *o, struct compilation *c)
{
	struct planned plan[MAX_OUTPUTS];
	struct out_path outs[MAX_OUTPUTS];
	size_t n = plan_outputs(o, &c->arena, plan);

	for (size_t i = 0; i < n; i++)
		outs[i] = plan[i].out;
	return outpaths_check(&c->diags, outs, n, c, o->policy_args.compile.resolve.hosts_file);
}

/* Writes every requested output to temporaries, then renames them all: if
 * anything failed, nothing is replaced. */
static int write_outputs(const struct compile_args *o, struct compilation *c)
{
	struct planned plan[MAX_OUTPUTS];
	size_t n = plan_outputs(o, &c->arena, plan);
	struct pending p = { .n = 0 };
	int rc = o->out_dir ? ensure_dir(&c->diags, o->out_dir) : 0;

	for (size_t i = 0; rc == 0 && i < n; i++) {
		if (plan[i].e) {
			rc = write_one(&p, &c->diags, &c->model, plan[i].e, plan[i].out.path);
			continue;
		}
		struct output *out = &p.out[p.n];
		if (output_open(out, plan[i].out.path) < 0) {
			diag_error(&c->diags, NULL, "cannot create '%s': %s", plan[i].out.path,
				   strerror(errno));
			rc = -1;
		} else {
			p.n++;
			if (resolution_save(&c->resolved, o->policy, out->fp) < 0)
				rc = -1;
		}
	}
	for (int i = 0; i < p.n; i++) {
		if (rc < 0) {
			output_abort(&p.out[i]);
			continue;
		}
		const char *path = p.out[i].path ? p.out[i].path : "standard output";
		char *name = xstrdup(path);
		if (output_commit(&p.out[i]) < 0) {
			diag_error(&c->diags, NULL, "cannot write '%s': %s", name, strerror(errno));
			rc = -1;
		}
		free(name);
	}
	return rc;
}

static int check_with_nft(struct compilation *c)
{
	char *script = NULL, *message = NULL;
	size_t len = 0;

	if (emit_to_memory(&c->model, emit_nft, &script, &len) < 0) {
		diag_error(&c->diags, NULL, "cannot render the nft ruleset: %s", strerror(errno));
		return -1;
	}
	int rc = nft_check_script(script, len, &message);
	if (rc < 0) {
		size_t ml = strlen(message);
		while (ml && message[ml - 1] == '\n')
			message[--ml] = '\0';
		diag_error(&c->diags, NULL, "nft rejected the generated ruleset:\n%s", message);
	}
	free(message);
	free(script);
	return rc;
}

/* Text I of what the verifier reads, rendered from the model CTX. */
static char *render_for_verify(void *ctx, enum verify_text i, size_t *len)
{
	const struct emitter *e = emitter_by_name(verify_formats[i]);
	char *text;

	if (!e) {
		errno = EINVAL;
		return NULL;
	}
	return emit_to_memory(ctx, e->emit, &text, len) < 0 ? NULL : text;
}

/* --verify: has the verifier read what the emitters write, the one call
 * into verify/. It asks for each text as it comes to it: a large policy's
 * are tens of MB together. */
static int verify(struct compilation *c)
{
	struct verify_texts t = { .render = render_for_verify, .ctx = &c->model };

	return verify_outputs(&c->diags, &c->policy, &t);
}

/* Whether an output goes to standard output, where a line saying that
 * --verify or --check passed would be mixed into it. */
static bool output_to_stdout(const struct compile_args *o, bool writes)
{
	if (o->out_file)
		return strcmp(o->out_file, "-") == 0;
	return writes && !o->out_dir;
}

/* Whether what O asks for prints the iptables backend's static ipsets:
 * else the compilation need not name them. --verify reads the iptables
 * outputs too. */
static bool wants_static_ipsets(const struct compile_args *o, struct arena *a)
{
	struct planned plan[MAX_OUTPUTS];
	size_t n = plan_outputs(o, a, plan);
	bool wants = o->verify;

	for (size_t i = 0; i < n; i++)
		wants |= plan[i].e && plan[i].e->static_ipsets;
	return wants;
}

static int compile(struct compile_args *o)
{
	struct compilation c;

	compilation_init(&c);
	o->policy_args.compile.no_static_ipsets = !wants_static_ipsets(o, &c.arena);
	int rc = compilation_run(&c, o->policy, &o->policy_args.compile);
	bool writes = !(o->check || o->verify) || o->out_file || o->out_dir || o->save_resolved;
	/* An output that would overwrite an input or another output is a
	 * mistake on the command line: nothing is written. */
	if (rc == 0 && writes && check_output_paths(o, &c) < 0) {
		diags_print(&c.diags, stderr);
		compilation_release(&c);
		return EXIT_USAGE;
	}
	if (rc == 0 && o->werror && c.diags.warnings) {
		diag_error(&c.diags, NULL, "warnings are errors (-Werror)");
		rc = -1;
	}
	if (rc == 0 && o->verify)
		rc = verify(&c);
	if (rc == 0 && o->check)
		rc = check_with_nft(&c);
	if (rc == 0 && writes)
		rc = write_outputs(o, &c);
	if (rc == 0 && (o->verify || o->check) && !output_to_stdout(o, writes))
		printf("%s: %s%s%s\n", o->policy,
		       o->verify ? "verified: the nft and iptables outputs accept exactly what it allows" : "",
		       o->verify && o->check ? "; " : "",
		       o->check ? "nft accepts the ruleset" : "");
	diags_print(&c.diags, stderr);
	compilation_release(&c);
	return rc == 0 ? EXIT_OK : EXIT_POLICY;
}

int cmd_compile(int argc, char **argv)
{
	struct compile_args o = { 0 };
	struct cmd_parse p;
	int status;

	policy_args_init(&o.policy_args);
	options_init(&p, &compile_spec, argc, argv);
	/* Not started by the word "compile": egressc POLICY, the default. */
	p.toplevel = strcmp(argv[0], "compile") != 0;
	status = parse_args(&p, &o) < 0 ? p.status : compile(&o);
	policy_args_release(&o.policy_args);
	return status;
}
