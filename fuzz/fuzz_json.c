/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The JSON reader (compiler/json.c) on arbitrary bytes: whatever a
 * provider's document or a truncated download holds, nothing may crash,
 * leak or read out of bounds. Diagnostics are rendered too, since
 * printing quotes the input back; and a document that parses is walked
 * whole, as the importers walk it. */
#include <stdio.h>

#include "compiler/diag.h"
#include "compiler/json.h"
#include "compiler/source.h"
#include "fuzz.h"
#include "lib/arena.h"

static FILE *sink;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	sink = fopen("/dev/null", "w");
	return 0;
}

static size_t walk(const struct json_value *v)
{
	size_t n = 1;

	if (v->type == JSON_ARRAY)
		for (size_t i = 0; i < v->n; i++)
			n += walk(v->items[i]);
	if (v->type == JSON_OBJECT)
		for (size_t i = 0; i < v->n; i++)
			n += walk(v->members[i].value) + (json_get(v, v->members[i].key) != NULL);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena a;
	struct diags d;

	arena_init(&a);
	diags_init(&d, &a);
	struct source *src = source_from_buffer(&a, "fuzz.json", (const char *)data, size);
	struct json_value *doc = json_parse(&a, &d, src);
	if (doc)
		fprintf(sink, "%zu\n", walk(doc));
	diags_print(&d, sink);
	arena_release(&a);
	return 0;
}
