#include "hostsplice.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static const char begin_marker[] = "# BEGIN egressc\n";
static const char end_marker[] = "# END egressc\n";

/* The line starting with LINE (a whole line, at a line start) in
 * TEXT[from, len), or NULL. */
static const char *find_line(const char *text, size_t len, size_t from, const char *line)
{
	size_t n = strlen(line);

	for (size_t i = from; i + n <= len; i++)
		if ((i == 0 || text[i - 1] == '\n') && memcmp(text + i, line, n) == 0)
			return text + i;
	return NULL;
}

int hosts_splice(const char *old, size_t oldlen, const char *fragment, size_t fraglen,
		 char **out, size_t *outlen, const char **why)
{
	const char *begin = find_line(old, oldlen, 0, begin_marker);
	const char *end = begin ? find_line(old, oldlen, (size_t)(begin - old), end_marker) : NULL;
	size_t head, tail;

	if (fragment && (fraglen < sizeof(begin_marker) - 1 ||
			 memcmp(fragment, begin_marker, sizeof(begin_marker) - 1) != 0 ||
			 !find_line(fragment, fraglen, 0, end_marker))) {
		*why = "the hosts output is not one '# BEGIN egressc' ... '# END egressc' block";
		return -1;
	}
	if (begin && !end) {
		*why = "it has '# BEGIN egressc' without '# END egressc'; fix it by hand";
		return -1;
	}
	if (!begin && find_line(old, oldlen, 0, end_marker)) {
		*why = "it has '# END egressc' without '# BEGIN egressc'; fix it by hand";
		return -1;
	}
	if (begin) {
		head = (size_t)(begin - old);
		tail = (size_t)(end - old) + sizeof(end_marker) - 1;
	} else {
		head = tail = oldlen;
	}
	/* Appended to a file whose last line has no newline: give it one. */
	bool newline = !begin && fragment && oldlen && old[oldlen - 1] != '\n';
	size_t n = head + newline + (fragment ? fraglen : 0) + (oldlen - tail);
	char *buf = malloc(n + 1);
	if (!buf) {
		*why = strerror(ENOMEM);
		return -1;
	}
	memcpy(buf, old, head);
	if (newline)
		buf[head] = '\n';
	if (fragment)
		memcpy(buf + head + newline, fragment, fraglen);
	memcpy(buf + head + newline + (fragment ? fraglen : 0), old + tail, oldlen - tail);
	buf[n] = '\0';
	*out = buf;
	*outlen = n;
	return 0;
}
