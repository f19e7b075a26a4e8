/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "host/nftcheck.h"

#include <errno.h>
#include <nftables/libnftables.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/vec.h"
#include "lib/xalloc.h"

/* Child: run the dry run, write nft's errors to FD, exit 0 if accepted. */
static void __attribute__((noreturn)) check_in_child(const char *script, int fd)
{
	FILE *report = fdopen(fd, "w");

	if (!report)
		_exit(2);
	if (geteuid() == 0 && unshare(CLONE_NEWNET) != 0) {
		fprintf(report, "cannot create a network namespace for the check: %s\n",
			strerror(errno));
		fclose(report);
		_exit(2);
	}
	struct nft_ctx *nft = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!nft) {
		fputs("cannot create an nftables context\n", report);
		fclose(report);
		_exit(2);
	}
	nft_ctx_set_dry_run(nft, true);
	nft_ctx_buffer_output(nft);
	nft_ctx_buffer_error(nft);
	int rc = nft_run_cmd_from_buffer(nft, script);
	fputs(nft_ctx_get_error_buffer(nft), report);
	nft_ctx_free(nft);
	fclose(report);
	_exit(rc == 0 ? 0 : 1);
}

int nft_check_script(const char *script, size_t len, char **message)
{
	int fds[2];
	char *copy = xmalloc(len + 1);

	memcpy(copy, script, len);
	copy[len] = '\0';
	*message = NULL;
	if (pipe(fds) != 0) {
		*message = xstrdup(strerror(errno));
		free(copy);
		return -1;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		*message = xstrdup(strerror(errno));
		close(fds[0]);
		close(fds[1]);
		free(copy);
		return -1;
	}
	if (pid == 0) {
		close(fds[0]);
		check_in_child(copy, fds[1]);
	}
	close(fds[1]);
	free(copy);

	/* Read the whole report before waiting, so a long one cannot block. */
	size_t n = 0, cap = 0;
	char *text = NULL;
	for (;;) {
		/* Room for a read worth a system call, and the NUL. */
		VEC_GROW(text, n + 256, cap);
		ssize_t r = read(fds[0], text + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	text[n] = '\0';
	close(fds[0]);

	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		free(text);
		return 0;
	}
	if (n == 0) {
		free(text);
		text = xstrdup(WIFSIGNALED(status) ? "the check was killed by a signal"
						   : "nft rejected the ruleset without a message");
	}
	*message = text;
	return -1;
}
