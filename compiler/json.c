/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compiler/json.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/diag.h"
#include "lib/arena.h"
#include "lib/utf8.h"
#include "lib/vec.h"
#include "lib/xalloc.h"

struct json_reader {
	struct arena *arena;
	struct diags *diags;
	const struct source *src;
	const char *p, *end;
	const char *line_start;
	int line;
};

static struct loc reader_loc(const struct json_reader *r, const char *at, size_t width)
{
	int col = (int)(at - r->line_start) + 1;

	return (struct loc){
		.src = r->src,
		.first_line = r->line,
		.first_column = col,
		.last_line = r->line,
		.last_column = col + (int)(width ? width : 1) - 1,
	};
}

/* Queues an error at AT (a byte on the current line) and returns NULL, for
 * 'return fail(...)'. */
__attribute__((format(printf, 3, 4))) static void *fail(struct json_reader *r, const char *at,
							 const char *fmt, ...)
{
	struct loc loc = reader_loc(r, at, 1);
	char *msg;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		xalloc_die();
	va_end(ap);
	diag_error(r->diags, &loc, "%s", msg);
	free(msg);
	return NULL;
}

/* What stands at P, for messages: the character, or the end. */
static const char *found(struct json_reader *r)
{
	if (r->p >= r->end)
		return "the end of the file";
	return arena_printf(r->arena, "'%s'", diag_quote(r->diags, r->p, 1));
}

/* ws = *( %x20 / %x09 / %x0A / %x0D ) */
static void skip_space(struct json_reader *r)
{
	while (r->p < r->end) {
		char c = *r->p;
		if (c == '\n') {
			r->line++;
			r->line_start = ++r->p;
		} else if (c == ' ' || c == '\t' || c == '\r') {
			r->p++;
		} else {
			break;
		}
	}
}

static struct json_value *new_value(struct json_reader *r, enum json_type t, const char *at)
{
	struct json_value *v = arena_alloc(r->arena, sizeof(*v));

	v->type = t;
	v->loc = reader_loc(r, at, 1);
	return v;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The four hex digits after "\u" at P, or -1. */
static long hex4(const char *p, const char *end)
{
	long v = 0;

	if (end - p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		int h = hex_digit(p[i]);
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

static size_t put_utf8(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* string = quotation-mark *char quotation-mark, P at the opening quote.
 * The decoded text is never longer than the written one. */
static const char *read_string(struct json_reader *r, size_t *lenp)
{
	const char *open = r->p++;
	const char *s = r->p;

	while (s < r->end && *s != '"') {
		if (*s == '\\' && s + 1 < r->end)
			s++;
		s++;
	}
	char *out = arena_alloc(r->arena, (size_t)(s - r->p) + 1);
	size_t n = 0;

	for (;;) {
		if (r->p >= r->end)
			return fail(r, open, "unterminated string");
		unsigned char c = (unsigned char)*r->p;
		if (c == '"')
			break;
		if (c == '\n')
			return fail(r, open, "unterminated string: a string ends on its line");
		if (c < 0x20)
			return fail(r, r->p, "a control character (0x%02x) in a string; write it "
					      "escaped", c);
		if (c >= 0x80) {
			size_t seq = utf8_sequence((const unsigned char *)r->p,
						   (size_t)(r->end - r->p));
			if (seq == 0)
				return fail(r, r->p, "invalid UTF-8 in a string");
			memcpy(out + n, r->p, seq);
			n += seq;
			r->p += seq;
			continue;
		}
		if (c != '\\') {
			out[n++] = (char)c;
			r->p++;
			continue;
		}
		const char *esc = r->p++;
		if (r->p >= r->end)
			return fail(r, open, "unterminated string");
		switch (*r->p++) {
		case '"': out[n++] = '"'; break;
		case '\\': out[n++] = '\\'; break;
		case '/': out[n++] = '/'; break;
		case 'b': out[n++] = '\b'; break;
		case 'f': out[n++] = '\f'; break;
		case 'n': out[n++] = '\n'; break;
		case 'r': out[n++] = '\r'; break;
		case 't': out[n++] = '\t'; break;
		case 'u': {
			long cp = hex4(r->p, r->end);
			if (cp < 0)
				return fail(r, esc, "'\\u' takes four hex digits");
			r->p += 4;
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return fail(r, esc, "a lone low surrogate (\\u%04lx)", cp);
			if (cp >= 0xd800 && cp <= 0xdbff) {
				long lo = -1;
				if (r->end - r->p >= 6 && r->p[0] == '\\' && r->p[1] == 'u')
					lo = hex4(r->p + 2, r->end);
				if (lo < 0xdc00 || lo > 0xdfff)
					return fail(r, esc, "a high surrogate (\\u%04lx) not followed by "
							    "a low one", cp);
				r->p += 6;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			}
			if (cp == 0)
				return fail(r, esc, "a NUL character (\\u0000) in a string is not "
						    "supported");
			n += put_utf8(out + n, (uint32_t)cp);
			break;
		}
		default:
			return fail(r, esc, "unknown escape '\\%s' in a string",
				    diag_quote(r->diags, r->p - 1, 1));
		}
	}
	r->p++;	/* the closing quote */
	out[n] = '\0';
	*lenp = n;
	return out;
}

static bool is_digit(const char *p, const char *end)
{
	return p < end && *p >= '0' && *p <= '9';
}

/* number = [ minus ] int [ frac ] [ exp ], kept as written. */
static struct json_value *read_number(struct json_reader *r)
{
	const char *start = r->p;
	struct json_value *v = new_value(r, JSON_NUMBER, start);

	if (*r->p == '-')
		r->p++;
	if (!is_digit(r->p, r->end))
		return fail(r, r->p, "expected a digit, found %s", found(r));
	if (*r->p == '0') {
		r->p++;
		if (is_digit(r->p, r->end))
			return fail(r, start, "a number with a leading zero");
	} else {
		while (is_digit(r->p, r->end))
			r->p++;
	}
	if (r->p < r->end && *r->p == '.') {
		r->p++;
		if (!is_digit(r->p, r->end))
			return fail(r, r->p, "expected a digit after '.', found %s", found(r));
		while (is_digit(r->p, r->end))
			r->p++;
	}
	if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
		r->p++;
		if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
			r->p++;
		if (!is_digit(r->p, r->end))
			return fail(r, r->p, "expected a digit in the exponent, found %s", found(r));
		while (is_digit(r->p, r->end))
			r->p++;
	}
	v->len = (size_t)(r->p - start);
	v->text = arena_strndup(r->arena, start, v->len);
	return v;
}

static struct json_value *read_value(struct json_reader *r, int depth);

static int member_key_cmp(const void *a, const void *b)
{
	const struct json_member *x = *(const struct json_member *const *)a;
	const struct json_member *y = *(const struct json_member *const *)b;
	int c = strcmp(x->key, y->key);

	/* Equal keys in document order, so the second is the duplicate. */
	if (c == 0)
		c = x < y ? -1 : x > y;
	return c;
}

/* Duplicate keys: RFC 8259 leaves their meaning open, so a reviewer
 * could read one value and egressc another. Sorting finds them in
 * O(n log n), whatever the object's size. */
static bool unique_keys(struct json_reader *r, const struct json_value *obj)
{
	const struct json_member **sorted;
	bool ok = true;

	if (obj->n < 2)
		return true;
	sorted = xreallocarray(NULL, obj->n, sizeof(*sorted));
	for (size_t i = 0; i < obj->n; i++)
		sorted[i] = &obj->members[i];
	qsort(sorted, obj->n, sizeof(*sorted), member_key_cmp);
	for (size_t i = 1; i < obj->n && ok; i++) {
		if (strcmp(sorted[i - 1]->key, sorted[i]->key) == 0) {
			struct diag *dg = diag_error(r->diags, &sorted[i]->loc,
						     "duplicate key '%s' in an object",
						     diag_quote(r->diags, sorted[i]->key,
								strlen(sorted[i]->key)));
			diag_related(dg, &sorted[i - 1]->loc, "first here");
			ok = false;
		}
	}
	free(sorted);
	return ok;
}

/* object = begin-object [ member *( value-separator member ) ] end-object */
static struct json_value *read_object(struct json_reader *r, int depth)
{
	struct json_value *obj = new_value(r, JSON_OBJECT, r->p);
	size_t cap = 0;

	r->p++;
	skip_space(r);
	if (r->p < r->end && *r->p == '}') {
		r->p++;
		return obj;
	}
	for (;;) {
		struct json_member m;

		skip_space(r);
		if (r->p >= r->end || *r->p != '"')
			return fail(r, r->p, "expected a key (a string), found %s", found(r));
		m.loc = reader_loc(r, r->p, 1);
		size_t klen;
		if (!(m.key = read_string(r, &klen)))
			return NULL;
		skip_space(r);
		if (r->p >= r->end || *r->p != ':')
			return fail(r, r->p, "expected ':' after a key, found %s", found(r));
		r->p++;
		if (!(m.value = read_value(r, depth + 1)))
			return NULL;
		VEC_GROW_ARENA(r->arena, obj->members, obj->n, obj->n + 1, cap);
		obj->members[obj->n++] = m;
		skip_space(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			continue;
		}
		if (r->p < r->end && *r->p == '}') {
			r->p++;
			break;
		}
		return fail(r, r->p, "expected ',' or '}' after a member, found %s", found(r));
	}
	return unique_keys(r, obj) ? obj : NULL;
}

/* array = begin-array [ value *( value-separator value ) ] end-array */
static struct json_value *read_array(struct json_reader *r, int depth)
{
	struct json_value *arr = new_value(r, JSON_ARRAY, r->p);
	size_t cap = 0;

	r->p++;
	skip_space(r);
	if (r->p < r->end && *r->p == ']') {
		r->p++;
		return arr;
	}
	for (;;) {
		struct json_value *v = read_value(r, depth + 1);
		if (!v)
			return NULL;
		VEC_GROW_ARENA(r->arena, arr->items, arr->n, arr->n + 1, cap);
		arr->items[arr->n++] = v;
		skip_space(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			continue;
		}
		if (r->p < r->end && *r->p == ']') {
			r->p++;
			return arr;
		}
		return fail(r, r->p, "expected ',' or ']' after an array element, found %s",
			    found(r));
	}
}

static bool take_word(struct json_reader *r, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
		return false;
	r->p += n;
	return true;
}

/* value = false / null / true / object / array / number / string */
static struct json_value *read_value(struct json_reader *r, int depth)
{
	struct json_value *v;

	skip_space(r);
	if (r->p >= r->end)
		return fail(r, r->p, "expected a value, found the end of the file");
	if (depth > JSON_MAX_DEPTH)
		return fail(r, r->p, "arrays and objects nest deeper than %d levels",
			    JSON_MAX_DEPTH);
	switch (*r->p) {
	case '{':
		return read_object(r, depth);
	case '[':
		return read_array(r, depth);
	case '"':
		v = new_value(r, JSON_STRING, r->p);
		return (v->text = read_string(r, &v->len)) ? v : NULL;
	case 't':
	case 'f':
	case 'n':
		v = new_value(r, JSON_NULL, r->p);
		if (take_word(r, "true"))
			v->type = JSON_TRUE;
		else if (take_word(r, "false"))
			v->type = JSON_FALSE;
		else if (!take_word(r, "null"))
			break;
		return v;
	default:
		if (*r->p == '-' || (*r->p >= '0' && *r->p <= '9'))
			return read_number(r);
		break;
	}
	return fail(r, r->p, "expected a value (object, array, string, number, true, false "
			     "or null), found %s", found(r));
}

struct json_value *json_parse(struct arena *a, struct diags *d, const struct source *s)
{
	struct json_reader r = {
		.arena = a,
		.diags = d,
		.src = s,
		.p = s->text,
		.end = s->text + s->len,
		.line_start = s->text,
		.line = 1,
	};
	struct json_value *v;

	if (s->len >= 3 && memcmp(s->text, "\xef\xbb\xbf", 3) == 0)
		r.p += 3;
	if (!(v = read_value(&r, 0)))
		return NULL;
	skip_space(&r);
	if (r.p < r.end)
		return fail(&r, r.p, "expected the end of the file after the value, found %s",
			    found(&r));
	return v;
}

struct json_value *json_get(const struct json_value *obj, const char *key)
{
	if (!obj || obj->type != JSON_OBJECT)
		return NULL;
	for (size_t i = 0; i < obj->n; i++)
		if (strcmp(obj->members[i].key, key) == 0)
			return obj->members[i].value;
	return NULL;
}

const char *json_type_name(enum json_type t)
{
	static const char *const names[] = {
		[JSON_NULL] = "null",
		[JSON_FALSE] = "false",
		[JSON_TRUE] = "true",
		[JSON_NUMBER] = "a number",
		[JSON_STRING] = "a string",
		[JSON_ARRAY] = "an array",
		[JSON_OBJECT] = "an object",
	};
	return names[t];
}
