/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The whole pipeline on arbitrary bytes, with a fixed hosts file so that
 * hostnames resolve; every emitter runs on what compiles, and the nft and
 * iptables outputs are read back and verified against the policy: a
 * policy whose ruleset accepts more (or less) than it says is a crash.
 * Run from the source tree: modules come from stdlib/, and their names
 * resolve from tests/stdlib.hosts, appended to the fixed names, so inputs
 * with essentials on (or 'use') compile too. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "compiler/driver.h"
#include "emit/emit.h"
#include "fuzz.h"
#include "verify/verify.h"

/* Names the dictionary knows; a pool, both families, one IPv6-only. */
static const char hosts_text[] =
	"192.0.2.1 a.example\n"
	"192.0.2.2 a.example\n"
	"2001:db8::a a.example\n"
	"198.51.100.7 b.example c.example\n"
	"2001:db8::c v6.example\n";

static char hosts_path[] = "/tmp/egressc-fuzz-hosts.XXXXXX";
static FILE *sink;

static const char stdlib_hosts[] = "tests/stdlib.hosts";
static const char *const module_dirs[] = { "stdlib" };

static void remove_hosts(void)
{
	unlink(hosts_path);
}

/* Appends the stdlib's test addresses, when run from the source tree. */
static int append_stdlib_hosts(int fd)
{
	char buf[4096];
	size_t n;
	FILE *fp = fopen(stdlib_hosts, "r");

	if (!fp)
		return 0;
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		if (write(fd, buf, n) != (ssize_t)n) {
			fclose(fp);
			return -1;
		}
	fclose(fp);
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	int fd = mkstemp(hosts_path);
	if (fd < 0 || write(fd, hosts_text, sizeof(hosts_text) - 1) < 0 ||
	    append_stdlib_hosts(fd) < 0 || close(fd) < 0) {
		perror("fuzz_compile: hosts file");
		exit(1);
	}
	atexit(remove_hosts);
	sink = fopen("/dev/null", "w");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct compile_opts opts = { .resolve.hosts_file = hosts_path, .optimize = 1,
				     .module_dirs = module_dirs, .nmodule_dirs = 1 };
	struct compilation c;

	compilation_init(&c);
	if (compilation_run_buffer(&c, "fuzz.eg", (const char *)data, size, &opts) == 0) {
		for (const struct emitter *e = emitters; e->name; e++)
			e->emit(&c.model, sink);
		char *texts[VERIFY_TEXTS];
		struct verify_texts t = { 0 };
		if (emit_formats(&c.model, verify_formats, VERIFY_TEXTS, texts, t.len) < 0)
			abort();
		for (int i = 0; i < VERIFY_TEXTS; i++)
			t.text[i] = texts[i];
		if (verify_outputs(&c.diags, &c.policy, &t) < 0) {
			diags_print(&c.diags, stderr);
			abort();
		}
		for (int i = 0; i < VERIFY_TEXTS; i++)
			free(texts[i]);
	}
	diags_print(&c.diags, sink);
	compilation_release(&c);
	return 0;
}
