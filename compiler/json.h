/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A small, strict JSON reader (RFC 8259) for the documents providers
 * publish their endpoints in: GitHub's meta document, AWS's ip-ranges.json,
 * Google Cloud's cloud.json, Azure's service tags. The whole text is one
 * value, read into a tree in the arena; anything RFC 8259 does not allow is
 * an error at its line and column, never guessed at: no comments, no
 * trailing commas, no single quotes, no NaN, no duplicate keys in an
 * object. Strings are decoded to UTF-8 (surrogate pairs joined, a lone
 * surrogate refused) and must hold no NUL, since they are C strings here.
 * A UTF-8 byte order mark before the value is skipped: Azure's download
 * has one. */
#ifndef EGRESSC_JSON_H
#define EGRESSC_JSON_H

#include <stddef.h>

#include "compiler/loc.h"

struct arena;
struct diags;

/* Arrays and objects nest at most this deep: the reader recurses. */
#define JSON_MAX_DEPTH 64

enum json_type {
	JSON_NULL,
	JSON_FALSE,
	JSON_TRUE,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
};

struct json_member;

struct json_value {
	enum json_type type;
	struct loc loc;			/* the value's first character */
	const char *text;		/* STRING: decoded; NUMBER: as written */
	size_t len;			/* of text */
	size_t n;			/* ARRAY: items; OBJECT: members */
	struct json_value **items;	/* ARRAY, in order */
	struct json_member *members;	/* OBJECT, in document order */
};

struct json_member {
	const char *key;		/* decoded */
	struct loc loc;			/* the key's opening quote */
	struct json_value *value;
};

/* Reads S's text as one JSON value. On an error queues it, located in S,
 * and returns NULL. */
struct json_value *json_parse(struct arena *a, struct diags *d, const struct source *s);

/* OBJ's member KEY, or NULL (also when OBJ is not an object). */
struct json_value *json_get(const struct json_value *obj, const char *key);

/* "a string", "an array", ...: for messages. */
const char *json_type_name(enum json_type t);

#endif
