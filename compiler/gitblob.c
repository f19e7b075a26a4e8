/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compiler/gitblob.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/xalloc.h"

/* What git says about a missing path fits here; the rest is dropped. */
#define GIT_MESSAGE_MAX 512

int gitblob_rev_valid(const char *rev)
{
	if (!rev[0] || rev[0] == '-')
		return 0;
	for (const char *p = rev; *p; p++)
		if (*p == ':' || (unsigned char)*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

int gitblob_open(struct gitblob *b, const char *rev, const char *path)
{
	int out[2], err[2];

	b->pid = -1;
	b->fd = b->err_fd = -1;
	if (path[0] == '/' || !gitblob_rev_valid(rev)) {
		errno = EINVAL;
		return -1;
	}
	/* "./": relative to the current directory, not the repository's top. */
	size_t n = strlen(rev) + strlen(path) + 4;
	char *object = xmalloc(n);
	snprintf(object, n, "%s:./%s", rev, path);
	if (pipe2(out, O_CLOEXEC) < 0) {
		free(object);
		return -1;
	}
	if (pipe2(err, O_CLOEXEC) < 0) {
		int e = errno;
		close(out[0]);
		close(out[1]);
		free(object);
		errno = e;
		return -1;
	}
	pid_t pid = fork();
	if (pid == 0) {
		char *argv[] = { "git", "cat-file", "blob", object, NULL };
		if (dup2(out[1], 1) < 0 || dup2(err[1], 2) < 0)
			_exit(127);
		execvp(argv[0], argv);
		dprintf(2, "cannot run git: %s\n", strerror(errno));
		_exit(127);
	}
	int e = errno;
	free(object);
	close(out[1]);
	close(err[1]);
	if (pid < 0) {
		close(out[0]);
		close(err[0]);
		errno = e;
		return -1;
	}
	b->pid = pid;
	b->fd = out[0];
	b->err_fd = err[0];
	return 0;
}

/* Git's first line of complaint, without "fatal: ". */
static char *read_message(int fd)
{
	char buf[GIT_MESSAGE_MAX + 1];
	size_t len = 0;

	for (;;) {
		ssize_t got = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		len += (size_t)got;
		if (len == sizeof(buf) - 1)
			break;
	}
	buf[len] = '\0';
	char *nl = strchr(buf, '\n');
	if (nl)
		*nl = '\0';
	/* Quoted into a diagnostic as it is: nothing a terminal acts on. */
	for (char *p = buf; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	const char *text = strncmp(buf, "fatal: ", 7) == 0 ? buf + 7 : buf;
	return xstrdup(text);
}

int gitblob_close(struct gitblob *b, char **msg)
{
	int status;

	*msg = NULL;
	/* A reader that stopped early (a file over the limit) wants no more:
	 * git gets SIGPIPE, or this. */
	close(b->fd);
	char *said = read_message(b->err_fd);
	close(b->err_fd);
	while (waitpid(b->pid, &status, 0) < 0) {
		if (errno != EINTR) {
			free(said);
			*msg = xstrdup(strerror(errno));
			return -1;
		}
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		free(said);
		return 0;
	}
	if (said[0]) {
		*msg = said;
		return -1;
	}
	free(said);
	size_t n = 64;
	*msg = xmalloc(n);
	if (WIFSIGNALED(status))
		snprintf(*msg, n, "git was killed by signal %d", WTERMSIG(status));
	else
		snprintf(*msg, n, "git exited with status %d", WEXITSTATUS(status));
	return -1;
}
