/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Scanner, parser and semantic checks on arbitrary bytes. Nothing may
 * crash, leak or read out of bounds, whatever the input; diagnostics are
 * rendered too, since printing quotes the input back. */
#include <stdio.h>

#include "lib/arena.h"
#include "compiler/check.h"
#include "compiler/diag.h"
#include "fuzz.h"
#include "compiler/load.h"

static FILE *sink;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	sink = fopen("/dev/null", "w");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena a;
	struct diags d;
	struct policy p;

	arena_init(&a);
	diags_init(&d, &a);
	if (load_policy_buffer(&a, &d, "fuzz.eg", (const char *)data, size, NULL, &p) == 0)
		check_policy(&a, &d, &p);
	diags_print(&d, sink);
	arena_release(&a);
	return 0;
}
