/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "host/tool.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/vec.h"

static void close_pair(int p[2])
{
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
}

int tool_run(char *const argv[], const char *input, size_t len, char **output)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 };
	int status;

	if (output)
		*output = NULL;
	/* Close-on-exec: the tool gets only the ends dup2() gives it, not
	 * the apply lock or another tool's pipe. */
	if (pipe2(in, O_CLOEXEC) < 0 || (output && pipe2(out, O_CLOEXEC) < 0)) {
		close_pair(in);
		return -1;
	}
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		close_pair(in);
		close_pair(out);
		return -1;
	}
	if (pid == 0) {
		/* A tool must not outlive us: killed, apply leaves each family
		 * as one whole transaction, and the next operation starts from
		 * what is there - but not with a restore still running. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
			_exit(127);
		if (dup2(in[0], 0) < 0 || (output && (dup2(out[1], 1) < 0 || dup2(out[1], 2) < 0)))
			_exit(127);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(in[0]);
	if (output)
		close(out[1]);
	/* Small inputs and outputs: write all, then read all. A tool that
	 * fails early (iptables-restore at a bad line) closes its end, and
	 * the write fails, not hangs - and must not kill us with SIGPIPE
	 * halfway through an operation that has yet to put things back.
	 * A signal with a handler (the agent's SIGTERM) is no end: an input
	 * cut short there is a shorter script the tool may run as a whole. */
	struct sigaction ignore = { .sa_handler = SIG_IGN }, was;
	sigaction(SIGPIPE, &ignore, &was);
	for (size_t off = 0; off < len;) {
		ssize_t w = write(in[1], input + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	close(in[1]);
	sigaction(SIGPIPE, &was, NULL);
	if (output) {
		size_t n = 0, cap = 0;
		char *buf = NULL;
		for (;;) {
			/* Room for a read worth a system call, and the NUL. */
			VEC_GROW(buf, n + 4096 + 1, cap);
			ssize_t r = read(out[0], buf + n, cap - n - 1);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			n += (size_t)r;
		}
		close(out[0]);
		buf[n] = '\0';
		*output = buf;
	}
	pid_t waited;
	while ((waited = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;
	if (waited < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
