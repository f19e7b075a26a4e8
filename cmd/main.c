/* egressc: the command line. Parses options, runs one compilation, prints
 * its diagnostics on every path, and writes outputs only when everything
 * succeeded - all of them or none. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host/apply.h"
#include "compiler/driver.h"
#include "emit/emit.h"
#include "compiler/fmt.h"
#include "host/nftcheck.h"
#include "compiler/optimize.h"
#include "lib/output.h"
#include "cmd/outpaths.h"
#include "compiler/query.h"
#include "verify/verify.h"

enum exit_status {
	EXIT_OK = 0,
	EXIT_POLICY = 1,	/* the policy has errors, or an output failed */
	EXIT_USAGE = 2,
};

static const char usage_text[] =
	"usage: egressc [OPTIONS] POLICY\n"
	"       egressc query [OPTIONS] POLICY DEST [PORT[/tcp|/udp]]\n"
	"       egressc query [OPTIONS] POLICY -        (queries from standard input)\n"
	"       egressc diff [OPTIONS] [--format text|json] OLD NEW\n"
	"       egressc apply [OPTIONS] DIR|POLICY   (load outputs on this host)\n"
	"       egressc apply --remove [OPTIONS]\n"
	"       egressc fmt [-w | --check] POLICY...\n"
	"\n"
	"Compiles an egress policy into firewall rulesets; query tells what it does\n"
	"with one packet and why, diff what two policies let out differently.\n"
	"\n"
	"  -o FILE            write to FILE ('-': standard output); the extension\n"
	"                     picks the format: .nft .v4 .v6 .hosts .ipset .dnsmasq\n"
	"                     .dnsmasq-ipset .explain\n"
	"  -f FORMAT          nft, iptables, ip6tables, hosts, ipset, dnsmasq (nftset\n"
	"                     lines), dnsmasq-ipset (ipset lines) or explain (an\n"
	"                     overview for people); overrides the extension\n"
	"  -O DIR             write ruleset.nft, rules.v4, rules.v6, hosts, ipsets,\n"
	"                     dnsmasq.conf and dnsmasq-ipset.conf into DIR\n"
	"      --explain      print an overview of the compiled policy: its sets, and\n"
	"                     how to add to dynamic sets (instead of the nft ruleset\n"
	"                     when neither -o nor -O is given)\n"
	"  -I DIR             look for modules ('use NAME') in DIR first (repeatable;\n"
	"                     then $EGRESSC_PATH, then the installed stdlib)\n"
	"      --monitor      compile as if the policy said 'mode monitor': log and\n"
	"                     count what it would block, block nothing\n"
	"      --hosts-file FILE\n"
	"                     resolve hostnames from a hosts(5)-format file, not DNS\n"
	"      --resolver ADDR[:PORT]\n"
	"                     a DNS server to ask (repeatable; [V6]:PORT); default:\n"
	"                     the servers of /etc/resolv.conf\n"
	"      --resolve-rounds N\n"
	"                     ask each name N times and pin the union (default 3)\n"
	"      --dns-timeout MS\n"
	"                     give up on a query after MS milliseconds (default 3000)\n"
	"      --allow-unresolved\n"
	"                     a name that does not resolve warns instead of failing\n"
	"      --strict       a name resolving to a private, loopback, link-local,\n"
	"                     unspecified or multicast address is an error\n"
	"      --save-resolved FILE\n"
	"                     write what was resolved as a hosts file, for a later\n"
	"                     hermetic --hosts-file compile with the same outputs\n"
	"      --check        also have nft validate the ruleset (dry run, in a private\n"
	"                     network namespace when root); alone, writes nothing\n"
	"      --verify       read the nft and iptables outputs back and prove they\n"
	"                     accept exactly what the policy allows before writing\n"
	"      --color auto|always|never\n"
	"                     colour diagnostics (default auto: on a terminal,\n"
	"                     unless NO_COLOR is set)\n"
	"  -Werror            treat warnings (dead, redundant, duplicate) as errors\n"
	"  -O0, -O1           optimization level (default 1): -O0 leaves allow sets\n"
	"                     as written, -O1 drops what deny or wider rules cover\n"
	"  -h, --help         show this help\n"
	"  -V, --version      show the version\n"
	"\n"
	"apply: loads DIR (what -O DIR wrote) or POLICY (compiled first) on this\n"
	"host: the firewall, then the hosts splice, then the dnsmasq fragment.\n"
	"      --backend nft|iptables   which firewall (default nft)\n"
	"      --dry-run      say what would be done, change nothing\n"
	"      --remove       take egressc's ruleset, hosts splice and fragment away\n"
	"      --hosts-path FILE        the hosts file to splice (default /etc/hosts)\n"
	"      --dnsmasq-path FILE      where the fragment goes (default\n"
	"                     /etc/dnsmasq.d/egressc.conf, if that directory exists)\n"
	"      --dnsmasq-restart CMD    how to restart dnsmasq after the fragment is\n"
	"                     installed (default: dnsmasq.service, for the default\n"
	"                     --dnsmasq-path); a failure undoes the apply\n"
	"      --fail-closed  first close the firewall (loopback, container networks\n"
	"                     and replies only), and leave it closed if the apply fails\n"
	"\n"
	"fmt: prints each POLICY in the canonical layout (settings first, one\n"
	"statement a line, long lists one target a line, comments kept).\n"
	"  -w                 rewrite the files instead (only those that change)\n"
	"      --check        list the files not in the layout; exit 1 if any\n"
	"\n"
	"Without -o or -O (and without --check or --verify alone), the nft ruleset\n"
	"goes to standard output.\n"
	"Exit status: 0 success, 1 errors in the policy or its outputs, 2 usage errors;\n"
	"query: 0 allow, 1 deny, 2 errors; diff: 0 the same, 1 different, 2 errors;\n"
	"apply: 0 applied, 1 failed (the previous state kept), 2 usage errors;\n"
	"fmt: 0 done (--check: all formatted), 1 errors or (--check) unformatted.\n";

/* -I DIR may be given this many times. */
#define MAX_MODULE_DIRS 16

enum command {
	COMMAND_COMPILE,
	COMMAND_QUERY,
	COMMAND_DIFF,
	COMMAND_APPLY,
	COMMAND_FMT,
};

struct options {
	enum command command;
	const char *policy;
	char **args;		/* the positional arguments after POLICY */
	int nargs;
	enum diff_format diff_format;
	const char *out_file;
	const char *out_dir;
	const char *format;
	const char *save_resolved;
	bool check;
	bool verify;
	bool explain;
	bool werror;
	const char *module_dirs[MAX_MODULE_DIRS];
	struct compile_opts compile;
	struct apply_opts apply;
	bool remove;
	bool backend_given;
	bool fmt_write;
};

enum {
	OPT_HOSTS_FILE = 256,
	OPT_RESOLVER,
	OPT_ROUNDS,
	OPT_DNS_TIMEOUT,
	OPT_ALLOW_UNRESOLVED,
	OPT_STRICT,
	OPT_SAVE_RESOLVED,
	OPT_FORMAT,
	OPT_CHECK,
	OPT_VERIFY,
	OPT_EXPLAIN,
	OPT_MONITOR,
	OPT_BACKEND,
	OPT_DRY_RUN,
	OPT_REMOVE,
	OPT_HOSTS_PATH,
	OPT_DNSMASQ_PATH,
	OPT_DNSMASQ_RESTART,
	OPT_FAIL_CLOSED,
	OPT_COLOR,
};

/* Renders what the verifier reads and has it read them. */
static int verify_compiled(struct compilation *c)
{
	char *texts[VERIFY_TEXTS];
	struct verify_texts t;
	int rc;

	if (emit_formats(&c->model, verify_formats, VERIFY_TEXTS, texts, t.len) < 0) {
		diag_error(&c->diags, NULL, "cannot render an output to verify it: %s",
			   strerror(errno));
		return -1;
	}
	for (int i = 0; i < VERIFY_TEXTS; i++)
		t.text[i] = texts[i];
	rc = verify_outputs(&c->diags, &c->policy, &t);
	for (int i = 0; i < VERIFY_TEXTS; i++)
		free(texts[i]);
	return rc;
}

static int parse_int(const char *s, int min, int max, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = (int)v;
	return 0;
}

static int usage_error(const char *fmt, const char *arg)
{
	fputs("egressc: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\nTry 'egressc --help'.\n", stderr);
	return EXIT_USAGE;
}

static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "hosts-file", required_argument, NULL, OPT_HOSTS_FILE },
		{ "resolver", required_argument, NULL, OPT_RESOLVER },
		{ "resolve-rounds", required_argument, NULL, OPT_ROUNDS },
		{ "dns-timeout", required_argument, NULL, OPT_DNS_TIMEOUT },
		{ "allow-unresolved", no_argument, NULL, OPT_ALLOW_UNRESOLVED },
		{ "strict", no_argument, NULL, OPT_STRICT },
		{ "save-resolved", required_argument, NULL, OPT_SAVE_RESOLVED },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "check", no_argument, NULL, OPT_CHECK },
		{ "verify", no_argument, NULL, OPT_VERIFY },
		{ "explain", no_argument, NULL, OPT_EXPLAIN },
		{ "monitor", no_argument, NULL, OPT_MONITOR },
		{ "backend", required_argument, NULL, OPT_BACKEND },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "remove", no_argument, NULL, OPT_REMOVE },
		{ "hosts-path", required_argument, NULL, OPT_HOSTS_PATH },
		{ "dnsmasq-path", required_argument, NULL, OPT_DNSMASQ_PATH },
		{ "dnsmasq-restart", required_argument, NULL, OPT_DNSMASQ_RESTART },
		{ "fail-closed", no_argument, NULL, OPT_FAIL_CLOSED },
		{ "color", required_argument, NULL, OPT_COLOR },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	bool literal = false;
	int c, n = 1;
	/* fmt's -w is its own; -W... is -Werror's. */
	const char *shorts = o->command == COMMAND_FMT ? ":o:f:O:I:hVw" : ":o:f:O:I:hV";

	/* -Werror is spelt as compilers spell it, with one dash, which
	 * getopt_long cannot take beside bundled short options. */
	for (int i = 1; i < argc; i++) {
		if (!literal && strcmp(argv[i], "-Werror") == 0) {
			o->werror = true;
			continue;
		}
		/* -O0 and -O1 written as one word are levels; -O DIR is a
		 * directory (write -O ./0 for one named 0). */
		if (!literal && (strcmp(argv[i], "-O0") == 0 || strcmp(argv[i], "-O1") == 0)) {
			o->compile.optimize = argv[i][2] - '0';
			continue;
		}
		literal |= strcmp(argv[i], "--") == 0;
		argv[n++] = argv[i];
	}
	argc = n;
	argv[n] = NULL;
	opterr = 0;
	while ((c = getopt_long(argc, argv, shorts, longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o->out_file = optarg;
			break;
		case 'w':
			o->fmt_write = true;
			break;
		case 'I':
			if (o->compile.nmodule_dirs == MAX_MODULE_DIRS)
				return usage_error("-I may be given at most %s times", "16");
			o->module_dirs[o->compile.nmodule_dirs++] = optarg;
			o->compile.module_dirs = o->module_dirs;
			break;
		case OPT_MONITOR:
			o->compile.monitor = true;
			break;
		case OPT_BACKEND:
			o->backend_given = true;
			if (strcmp(optarg, "nft") == 0)
				o->apply.backend = APPLY_NFT;
			else if (strcmp(optarg, "iptables") == 0)
				o->apply.backend = APPLY_IPTABLES;
			else
				return usage_error("--backend takes nft or iptables, not '%s'", optarg);
			break;
		case OPT_DRY_RUN:
			o->apply.dry_run = true;
			break;
		case OPT_REMOVE:
			o->remove = true;
			break;
		case OPT_HOSTS_PATH:
			o->apply.hosts_path = optarg;
			break;
		case OPT_DNSMASQ_PATH:
			o->apply.dnsmasq_path = optarg;
			o->apply.dnsmasq_path_given = true;
			break;
		case OPT_DNSMASQ_RESTART:
			o->apply.dnsmasq_restart = optarg;
			break;
		case OPT_FAIL_CLOSED:
			o->apply.fail_closed = true;
			break;
		case OPT_COLOR:
			if (strcmp(optarg, "always") == 0)
				diags_set_color(true);
			else if (strcmp(optarg, "never") == 0)
				diags_set_color(false);
			else if (strcmp(optarg, "auto") != 0)
				return usage_error("--color takes auto, always or never, not '%s'", optarg);
			break;
		case 'f':
			o->format = optarg;
			break;
		case 'O':
			o->out_dir = optarg;
			break;
		case OPT_HOSTS_FILE:
			o->compile.resolve.hosts_file = optarg;
			break;
		case OPT_RESOLVER:
			o->compile.resolve.servers = xrealloc(o->compile.resolve.servers,
						      (o->compile.resolve.nservers + 1) * sizeof(char *));
			o->compile.resolve.servers[o->compile.resolve.nservers++] = optarg;
			break;
		case OPT_ROUNDS:
			if (parse_int(optarg, 1, 16, &o->compile.resolve.resolve_rounds) < 0)
				return usage_error("--resolve-rounds takes 1 to 16, not '%s'", optarg);
			break;
		case OPT_DNS_TIMEOUT:
			if (parse_int(optarg, 10, 600000, &o->compile.resolve.dns_timeout_ms) < 0)
				return usage_error("--dns-timeout takes 10 to 600000 ms, not '%s'", optarg);
			break;
		case OPT_ALLOW_UNRESOLVED:
			o->compile.resolve.allow_unresolved = true;
			break;
		case OPT_STRICT:
			o->compile.strict = true;
			break;
		case OPT_SAVE_RESOLVED:
			o->save_resolved = optarg;
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "text") == 0)
				o->diff_format = DIFF_TEXT;
			else if (strcmp(optarg, "json") == 0)
				o->diff_format = DIFF_JSON;
			else
				return usage_error("--format takes text or json, not '%s'", optarg);
			break;
		case OPT_CHECK:
			o->check = true;
			break;
		case OPT_VERIFY:
			o->verify = true;
			break;
		case OPT_EXPLAIN:
			o->explain = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(EXIT_OK);
		case 'V':
			printf("egressc %s\n", EGRESSC_VERSION);
			exit(EXIT_OK);
		case ':':
			return usage_error("option '%s' needs an argument", argv[optind - 1]);
		default:
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (o->command != COMMAND_APPLY &&
	    (o->remove || o->backend_given || o->apply.dry_run || o->apply.hosts_path ||
	     o->apply.dnsmasq_path || o->apply.dnsmasq_restart || o->apply.fail_closed))
		return usage_error("%s", "--backend, --dry-run, --remove, --hosts-path, --dnsmasq-path, --dnsmasq-restart and --fail-closed are apply's");
	if (o->remove && o->apply.fail_closed)
		return usage_error("%s", "apply --remove and --fail-closed contradict each other");
	if (o->command == COMMAND_APPLY && o->remove) {
		if (optind != argc)
			return usage_error("%s", "apply --remove takes no DIR or POLICY");
		return EXIT_OK;
	}
	if (optind == argc)
		return usage_error("%s", o->command == COMMAND_APPLY ? "apply takes DIR or POLICY"
								    : "no policy file given");
	o->policy = argv[optind];
	o->args = argv + optind + 1;
	o->nargs = argc - optind - 1;
	if (o->command == COMMAND_FMT && o->fmt_write && o->check)
		return usage_error("%s", "fmt takes -w or --check, not both");
	if ((o->command == COMMAND_COMPILE || o->command == COMMAND_APPLY) && o->nargs)
		return usage_error("unexpected argument '%s' (one policy at a time)", o->args[0]);
	if (o->command == COMMAND_QUERY && (o->nargs < 1 || o->nargs > 2))
		return usage_error("%s", "query takes POLICY DEST [PORT[/PROTO]]");
	if (o->command == COMMAND_QUERY && o->nargs == 2 && strcmp(o->args[0], "-") == 0)
		return usage_error("%s", "query - reads DEST [PORT[/PROTO]] lines from standard input");
	if (o->command == COMMAND_DIFF && o->nargs != 1)
		return usage_error("%s", "diff takes OLD NEW");
	if (o->format && !emitter_by_name(o->format))
		return usage_error("unknown format '%s' (nft, iptables, ip6tables, hosts, ipset, dnsmasq, dnsmasq-ipset, explain)",
				   o->format);
	if (o->explain && o->out_file && strcmp(o->out_file, "-") == 0)
		return usage_error("%s", "--explain and -o - would both write to standard output");
	if (o->out_file && !o->format && strcmp(o->out_file, "-") != 0 &&
	    !emitter_by_path(o->out_file))
		return usage_error("cannot tell the format of '%s' from its extension; use -f",
				   o->out_file);
	return EXIT_OK;
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
static size_t plan_outputs(const struct options *o, struct arena *a, struct planned *plan)
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
static int check_output_paths(const struct options *o, struct compilation *c)
{
	struct planned plan[MAX_OUTPUTS];
	struct out_path outs[MAX_OUTPUTS];
	size_t n = plan_outputs(o, &c->arena, plan);

	for (size_t i = 0; i < n; i++)
		outs[i] = plan[i].out;
	return outpaths_check(&c->diags, outs, n, c, o->compile.resolve.hosts_file);
}

/* Writes every requested output to temporaries, then renames them all: if
 * anything failed, nothing is replaced. */
static int write_outputs(const struct options *o, struct compilation *c)
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

/* egressc query: one answer, or a line each for queries on stdin. */
static int run_query(const struct options *o, struct compilation *c)
{
	const struct resolve_opts *ropts = &o->compile.resolve;
	struct packet pkt;

	if (strcmp(o->args[0], "-") != 0) {
		if (query_parse_service(o->nargs > 1 ? o->args[1] : NULL, &pkt) < 0) {
			diag_error(&c->diags, NULL, "bad service '%s' (PORT, PORT/tcp or PORT/udp)",
				   o->args[1]);
			return 2;
		}
		int v = query_answer(stdout, &c->arena, &c->diags, &c->model, o->args[0], &pkt,
				     ropts, &c->resolved, false);
		return v < 0 ? 2 : v;
	}
	/* Batch: "DEST [SERVICE]" a line; exit 0 if all allowed, 1 if any
	 * denied, 2 if any could not be answered. */
	char line[1024];
	int status = 0;
	while (fgets(line, sizeof(line), stdin)) {
		char dest[512] = "", svc[64] = "";
		if (sscanf(line, "%511s %63s", dest, svc) < 1 || dest[0] == '#')
			continue;
		if (query_parse_service(svc, &pkt) < 0) {
			printf("error %s %s bad service\n", dest, svc);
			status = 2;
			continue;
		}
		int v = query_answer(stdout, &c->arena, &c->diags, &c->model, dest, &pkt, ropts,
				     &c->resolved, true);
		if (v < 0) {
			printf("error %s %s cannot resolve\n", dest, svc[0] ? svc : "-");
			status = 2;
		} else if (v > status) {
			status = v;
		}
	}
	return status;
}

/* egressc diff: both compiled alike, then compared. */
static int run_diff(const struct options *o, struct compilation *old)
{
	struct compilation new;
	int rc;

	compilation_init(&new);
	if (compilation_run(&new, o->args[0], &o->compile) < 0) {
		diags_print_errors(&new.diags, stderr);
		compilation_release(&new);
		return 2;
	}
	size_t lines = policy_diff(stdout, &old->model, &new.model, o->diff_format);
	rc = fflush(stdout) == 0 ? (lines ? 1 : 0) : 2;
	diags_print_errors(&new.diags, stderr);
	compilation_release(&new);
	return rc;
}

/* egressc fmt: one file at a time; a file that does not parse is
 * reported and left alone, and the others are still done. */
static int fmt_one(const struct options *o, const char *path, bool *unformatted)
{
	struct arena a;
	struct diags d;
	char *text = NULL;
	size_t len;
	int rc = -1;

	arena_init(&a);
	diags_init(&d, &a);
	struct source *src = source_load(&a, &d, path, NULL);
	if (src && format_source(&a, &d, src, &text, &len) == 0) {
		bool same = len == src->len && memcmp(text, src->text, len) == 0;
		rc = 0;
		if (o->check && !same) {
			printf("%s\n", path);
			*unformatted = true;
		} else if (o->fmt_write && !same) {
			struct output out;
			if (output_open(&out, path) < 0 || fwrite(text, 1, len, out.fp) != len ||
			    output_commit(&out) < 0) {
				diag_error(&d, NULL, "cannot write '%s': %s", path, strerror(errno));
				rc = -1;
			}
		} else if (!o->check && !o->fmt_write) {
			fwrite(text, 1, len, stdout);
		}
	}
	diags_print(&d, stderr);
	free(text);
	arena_release(&a);
	return rc;
}

static int run_fmt(const struct options *o)
{
	bool unformatted = false;
	int rc = fmt_one(o, o->policy, &unformatted);

	for (int i = 0; i < o->nargs; i++)
		rc |= fmt_one(o, o->args[i], &unformatted);
	if (fflush(stdout) != 0)
		rc = -1;
	return rc < 0 || unformatted ? EXIT_POLICY : EXIT_OK;
}

/* egressc apply: a directory as -O wrote it, or a policy compiled here. */
static int run_apply(struct options *o)
{
	struct compilation c;
	struct apply_set set;
	struct stat st;
	int rc;

	compilation_init(&c);
	memset(&set, 0, sizeof(set));
	/* One apply at a time; closed before anything can fail: a missing
	 * directory, an unreadable file, a policy that does not compile. */
	if (!o->apply.dry_run && geteuid() == 0 && apply_lock(&c.diags) < 0) {
		rc = -1;
	} else if (o->apply.fail_closed && apply_close(&o->apply, stdout, &c.diags) < 0) {
		rc = -1;
	} else if (o->remove) {
		rc = apply_remove(&o->apply, stdout, &c.diags);
	} else if (stat(o->policy, &st) == 0 && S_ISDIR(st.st_mode)) {
		rc = apply_read_dir(&set, o->policy, o->apply.backend, &c.diags);
		if (rc == 0)
			rc = apply_run(&set, &o->apply, stdout, &c.diags);
	} else {
		rc = compilation_run(&c, o->policy, &o->compile);
		if (rc == 0)
			rc = apply_render(&set, &c.model, &c.diags);
		if (rc == 0)
			rc = apply_run(&set, &o->apply, stdout, &c.diags);
	}
	fflush(stdout);
	diags_print(&c.diags, stderr);
	apply_set_release(&set);
	compilation_release(&c);
	free(o->compile.resolve.servers);
	return rc == 0 ? EXIT_OK : EXIT_POLICY;
}

int main(int argc, char **argv)
{
	struct options o = {
		.compile = {
			.optimize = OPTIMIZE_DEFAULT,
			.resolve = {
				.resolve_rounds = RESOLVE_ROUNDS_DEFAULT,
				.dns_timeout_ms = DNS_TIMEOUT_MS_DEFAULT,
			},
		},
	};
	struct compilation c;

	if (argc > 1 && strcmp(argv[1], "query") == 0)
		o.command = COMMAND_QUERY;
	else if (argc > 1 && strcmp(argv[1], "diff") == 0)
		o.command = COMMAND_DIFF;
	else if (argc > 1 && strcmp(argv[1], "apply") == 0)
		o.command = COMMAND_APPLY;
	else if (argc > 1 && strcmp(argv[1], "fmt") == 0)
		o.command = COMMAND_FMT;
	if (o.command != COMMAND_COMPILE) {
		argv[1] = argv[0];
		argv++;
		argc--;
	}
	/* --color=auto, the default: on a terminal, unless NO_COLOR is set. */
	const char *no_color = getenv("NO_COLOR");
	diags_set_color(isatty(2) && !(no_color && *no_color));
	int status = parse_args(argc, argv, &o);
	if (status != EXIT_OK)
		return status;
	if (o.command == COMMAND_APPLY)
		return run_apply(&o);
	if (o.command == COMMAND_FMT)
		return run_fmt(&o);
	compilation_init(&c);
	int rc = compilation_run(&c, o.policy, &o.compile);
	if (o.command != COMMAND_COMPILE) {
		/* query and diff answer from the model; errors are 2. */
		int answer = rc < 0 ? 2 : o.command == COMMAND_QUERY ? run_query(&o, &c) : run_diff(&o, &c);
		diags_print_errors(&c.diags, stderr);
		compilation_release(&c);
		free(o.compile.resolve.servers);
		return answer;
	}
	bool writes = !(o.check || o.verify) || o.out_file || o.out_dir || o.save_resolved;
	/* An output that would overwrite an input or another output is a
	 * mistake on the command line: nothing is written. */
	if (rc == 0 && writes && check_output_paths(&o, &c) < 0) {
		diags_print(&c.diags, stderr);
		compilation_release(&c);
		free(o.compile.resolve.servers);
		return EXIT_USAGE;
	}
	if (rc == 0 && o.werror && c.diags.warnings) {
		diag_error(&c.diags, NULL, "warnings are errors (-Werror)");
		rc = -1;
	}
	if (rc == 0 && o.verify)
		rc = verify_compiled(&c);
	if (rc == 0 && o.check)
		rc = check_with_nft(&c);
	if (rc == 0 && writes)
		rc = write_outputs(&o, &c);
	diags_print(&c.diags, stderr);
	compilation_release(&c);
	free(o.compile.resolve.servers);
	return rc == 0 ? EXIT_OK : EXIT_POLICY;
}
