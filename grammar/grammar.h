/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Interface between the generated scanner and parser and the rest of the
 * compiler. parse_source() turns one source into a statement list; includes
 * are not followed here (load.c does that). */
#ifndef EGRESSC_GRAMMAR_H
#define EGRESSC_GRAMMAR_H

#include <stdbool.h>

#include "compiler/ast.h"
#include "compiler/diag.h"

struct arena;

/* Shared by the scanner (as its yyextra) and the parser (as its parameter). */
struct parse_state {
	struct arena *arena;
	struct diags *diags;
	const struct source *src;
	struct stmt *head, **tail;
	/* Scanner position and line-joining state. */
	int line, column;
	int brace_depth;
	struct loc brace_loc;	/* the outermost open '{', for "unterminated" hints */
	bool join_next_line;	/* after ',', '{' or '=' a newline does not end the statement */
	bool sent_final_newline;
	bool last_was_junk;	/* the scanner already reported this token */
	/* The last token, so a syntax error can say more than bison knows. */
	int last_token;
	const char *last_text;
	bool last_starts_stmt;
	bool at_stmt_start;
};

/* Parses SRC. Returns its statements (possibly partial); errors are queued
 * in D. */
struct stmt *parse_source(struct arena *a, struct diags *d, const struct source *src);

#endif
