/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cmd/options.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/builtin.h"
#include "compiler/diag.h"
#include "lib/suggest.h"

/* Where --help starts an option's text, and how wide it may run. */
#define HELP_COLUMN 21
#define HELP_WIDTH 79

/* Every one-word option of any command: a command that does not take one
 * refuses the word whole. */
static const struct cmd_option word_options[] = {
	OPTION_WERROR,
	OPTION_OPTIMIZE,
	OPTION_END,
};

static bool is_short(const struct cmd_option *o)
{
	return o->val > 0 && o->val < OPT_LONG && !o->word;
}

/* Whether ARG is one of the '|'-separated spellings in WORD. */
static bool word_matches(const char *word, const char *arg)
{
	size_t len = strlen(arg);

	for (const char *w = word; w;) {
		const char *bar = strchr(w, '|');
		size_t n = bar ? (size_t)(bar - w) : strlen(w);
		if (n == len && strncmp(w, arg, n) == 0)
			return true;
		w = bar ? bar + 1 : NULL;
	}
	return false;
}

/* The row of OPTS spelt ARG as one word, or -1. */
static int find_word(const struct cmd_option *opts, const char *arg)
{
	for (int i = 0; opts[i].val; i++)
		if (opts[i].word && word_matches(opts[i].word, arg))
			return i;
	return -1;
}

static const struct cmd_option *find_val(const struct cmd_option *opts, int val)
{
	for (const struct cmd_option *o = opts; o->val; o++)
		if (o->val == val)
			return o;
	return NULL;
}

void options_init(struct cmd_parse *p, const struct cmd_spec *spec, int argc, char **argv)
{
	memset(p, 0, sizeof(*p));
	p->spec = spec;
	p->argc = argc;
	p->argv = argv;
}

int options_error(struct cmd_parse *p, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "egressc: %s: ", p->spec->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (p->toplevel)
		fputs("\nTry 'egressc --help'.\n", stderr);
	else
		fprintf(stderr, "\nTry 'egressc %s --help'.\n", p->spec->name);
	p->status = EXIT_USAGE;
	return -1;
}

/* Takes the one-word options out of argv, up to "--", and builds getopt's
 * short string and long options from the table. */
static int start(struct cmd_parse *p)
{
	const struct cmd_option *opts = p->spec->options;
	bool literal = false;
	size_t ns = 0, nl = 0;
	int n = 1, nrows = 0;

	p->started = true;
	while (opts[nrows].val)
		nrows++;
	if (nrows > OPTIONS_MAX) {
		fprintf(stderr, "BUG: %s has more than %d options\n", p->spec->name, OPTIONS_MAX);
		abort();
	}
	for (int i = 1; i < p->argc; i++) {
		char *arg = p->argv[i];
		if (!literal) {
			int row = find_word(opts, arg);
			if (row >= 0) {
				p->words[row] = arg;
				continue;
			}
			if (find_word(word_options, arg) >= 0)
				return options_error(p, "'%s' is not an option of %s", arg,
						     p->spec->name);
		}
		literal |= strcmp(arg, "--") == 0;
		p->argv[n++] = arg;
	}
	p->argc = n;
	p->argv[n] = NULL;

	/* ':' first: a missing argument is told apart from an unknown option. */
	p->shorts[ns++] = ':';
	for (const struct cmd_option *o = opts; o->val; o++) {
		if (is_short(o)) {
			p->shorts[ns++] = (char)o->val;
			if (o->arg)
				p->shorts[ns++] = ':';
		}
		if (o->long_name)
			p->longopts[nl++] = (struct option){
				o->long_name, o->arg ? required_argument : no_argument, NULL, o->val
			};
	}
	p->shorts[ns] = '\0';
	p->longopts[nl] = (struct option){ NULL, 0, NULL, 0 };
	optind = 1;
	opterr = 0;
	return 0;
}

/* An unknown or ambiguous long option WORD ("--name" or "--name=value"). */
static int long_option_error(struct cmd_parse *p, const char *word)
{
	const char *names[OPTIONS_MAX];
	size_t len = strcspn(word + 2, "="), n = 0, nprefixed = 0;
	char name[64], could[512] = "";

	snprintf(name, sizeof(name), "%.*s", (int)(len + 2), word);
	for (const struct option *l = p->longopts; l->name; l++) {
		names[n++] = l->name;
		if (strncmp(l->name, name + 2, len) == 0) {
			size_t at = strlen(could);
			snprintf(could + at, sizeof(could) - at, "%s--%s", nprefixed++ ? ", " : "",
				 l->name);
		}
	}
	if (nprefixed > 1) {
		options_error(p, "option '%s' is ambiguous (%s)", name, could);
	} else {
		const char *near = suggest_closest(name + 2, names, n);
		if (near)
			options_error(p, "'%s' is not an option of %s; did you mean '--%s'?", name,
				      p->spec->name, near);
		else
			options_error(p, "'%s' is not an option of %s", name, p->spec->name);
	}
	return -1;
}

int options_next(struct cmd_parse *p, const char **arg)
{
	if (!p->started && start(p) < 0)
		return -1;
	for (; p->spec->options[p->nextword].val; p->nextword++) {
		if (p->words[p->nextword]) {
			*arg = p->words[p->nextword];
			return p->spec->options[p->nextword++].val;
		}
	}
	for (;;) {
		int c = getopt_long(p->argc, p->argv, p->shorts, p->longopts, NULL);
		const char *word = p->argv[optind - 1];
		const struct cmd_option *o;

		*arg = optarg;
		switch (c) {
		case -1:
			p->args = p->argv + optind;
			p->nargs = p->argc - optind;
			return 0;
		case 'h':
			options_help(p, stdout);
			p->status = EXIT_OK;
			return -1;
		case OPT_COLOR:
			if (strcmp(optarg, "always") == 0)
				diags_set_color(true);
			else if (strcmp(optarg, "never") == 0)
				diags_set_color(false);
			else if (strcmp(optarg, "auto") != 0)
				return options_error(p, "--color takes auto, always or never, not '%s'",
						     optarg);
			continue;
		case ':':
			if (strncmp(word, "--", 2) == 0)
				return options_error(p, "option '%s' needs an argument", word);
			return options_error(p, "option '-%c' needs an argument", optopt);
		case '?':
			/* getopt says which short option it did not know by its
			 * letter, and a long option given an argument it does not
			 * take by its value, but an unknown long option only by
			 * optind. */
			o = optopt ? find_val(p->spec->options, optopt) : NULL;
			if (o && o->long_name)
				return options_error(p, "option '--%s' takes no argument",
						     o->long_name);
			if (optopt)
				return options_error(p, "'-%c' is not an option of %s", optopt,
						     p->spec->name);
			return long_option_error(p, word);
		default:
			o = find_val(p->spec->options, c);
			if (o && o->arg && !o->repeatable &&
			    ++p->given[o - p->spec->options] > 1) {
				if (o->long_name)
					return options_error(p, "'--%s' is given twice; it takes one value",
							     o->long_name);
				return options_error(p, "'-%c' is given twice; it takes one value", c);
			}
			return c;
		}
	}
}

/* Prints TEXT from column COL (where the cursor is), wrapped at HELP_WIDTH. */
static void print_wrapped(FILE *fp, const char *text, int col)
{
	int at = col;

	while (*text) {
		size_t n = strcspn(text, " ");
		if (at > col && at + 1 + (int)n > HELP_WIDTH) {
			fprintf(fp, "\n%*s", col, "");
			at = col;
		} else if (at > col) {
			fputc(' ', fp);
			at++;
		}
		fwrite(text, 1, n, fp);
		at += (int)n;
		text += n;
		text += strspn(text, " ");
	}
	fputc('\n', fp);
}

static void print_option(FILE *fp, const struct cmd_option *o)
{
	char left[80];
	int len;

	if (o->word) {
		len = snprintf(left, sizeof(left), "  %s", o->word);
		for (char *bar; (bar = strchr(left, '|'));) {
			memmove(bar + 2, bar + 1, strlen(bar + 1) + 1);
			memcpy(bar, ", ", 2);
			len++;
		}
	} else if (is_short(o) && o->long_name) {
		len = snprintf(left, sizeof(left), "  -%c, --%s%s%s", o->val, o->long_name,
			       o->arg ? " " : "", o->arg ? o->arg : "");
	} else if (is_short(o)) {
		len = snprintf(left, sizeof(left), "  -%c%s%s", o->val, o->arg ? " " : "",
			       o->arg ? o->arg : "");
	} else {
		len = snprintf(left, sizeof(left), "      --%s%s%s", o->long_name,
			       o->arg ? " " : "", o->arg ? o->arg : "");
	}
	if (len > HELP_COLUMN - 2)
		fprintf(fp, "%s\n%*s", left, HELP_COLUMN, "");
	else
		fprintf(fp, "%-*s", HELP_COLUMN, left);
	print_wrapped(fp, o->help, HELP_COLUMN);
}

void options_help(const struct cmd_parse *p, FILE *fp)
{
	const struct cmd_spec *s = p->spec;

	for (const char *const *u = s->usage; *u; u++)
		fprintf(fp, "%s %s\n", u == s->usage ? "usage:" : "   or:", *u);
	fprintf(fp, "\n%s", s->about);
	if (p->toplevel) {
		fputc('\n', fp);
		commands_help(fp);
		fprintf(fp, "\nThe options of %s:\n", s->name);
	} else {
		fputc('\n', fp);
	}
	for (const struct cmd_option *o = s->options; o->val; o++)
		print_option(fp, o);
	if (s->notes)
		fprintf(fp, "\n%s", s->notes);
}
