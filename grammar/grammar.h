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
	struct stmt *unspanned;	/* the first statement of this line, until it ends */
	/* Scanner position and line-joining state. */
	int line, column;
	int brace_depth;
	struct loc brace_loc;	/* the outermost open '{', for "unterminated" hints */
	bool join_next_line;	/* after ',', '{' or '=' a newline does not end the statement */
	bool sent_final_newline;
	bool last_was_junk;	/* the scanner already reported this token */
	/* The last two tokens, so a syntax error can say more than bison
	 * knows: the last is the one that did not fit. Texts are NULL for
	 * tokens without one (keywords, punctuation). */
	int last_token, prev_token;
	const char *last_text, *prev_text;
	bool last_starts_stmt;
	bool last_spaced;	/* blanks (or a joined line) came before it */
	bool spaced;		/* blanks since the last token */
	bool at_stmt_start;
	int stmt_token;		/* the first token of the statement: its verb */
	int list_token;		/* the keyword whose list is being read: the
				 * statement's, or 'port', 'proto', 'timeout' */
};

/* Parses SRC. Returns its statements (possibly partial); errors are queued
 * in D. */
struct stmt *parse_source(struct arena *a, struct diags *d, const struct source *src);

#endif
