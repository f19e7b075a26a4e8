/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "host/setops.h"

#include <errno.h>
#include <fcntl.h>
#include <nftables/libnftables.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "compiler/diag.h"
#include "host/apply.h"
#include "lib/vec.h"
#include "lib/xalloc.h"

extern char **environ;

int setops_nft(const char *script, char **output, struct diags *d)
{
	struct nft_ctx *nft = nft_ctx_new(NFT_CTX_DEFAULT);

	if (!nft) {
		if (d)
			diag_error(d, NULL, "cannot start libnftables");
		return -1;
	}
	nft_ctx_buffer_output(nft);
	nft_ctx_buffer_error(nft);
	int rc = nft_run_cmd_from_buffer(nft, script);
	if (rc != 0 && d)
		diag_error(d, NULL, "nft refused it; nothing was changed:\n%s",
			   nft_ctx_get_error_buffer(nft));
	else if (rc == 0 && output)
		*output = xstrdup(nft_ctx_get_output_buffer(nft));
	nft_ctx_free(nft);
	return rc == 0 ? 0 : -1;
}

int setops_run(char *const argv[], const char *input, char **said)
{
	int in[2], out[2];
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int status = -1;

	*said = NULL;
	if (pipe2(in, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(out, O_CLOEXEC) < 0) {
		close(in[0]);
		close(in[1]);
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_adddup2(&fa, out[1], 2);
	int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(in[0]);
	close(out[1]);
	if (rc == 0) {
		/* Small texts both ways: write all, then read all. */
		for (size_t off = 0, len = strlen(input); off < len;) {
			ssize_t w = write(in[1], input + off, len - off);
			if (w <= 0)
				break;
			off += (size_t)w;
		}
	}
	close(in[1]);
	size_t n = 0, cap = 0;
	char *buf = NULL;
	for (;;) {
		VEC_GROW(buf, n + 4096 + 1, cap);
		ssize_t r = read(out[0], buf + n, cap - n - 1);
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(out[0]);
	buf[n] = '\0';
	*said = buf;
	if (rc == 0 && waitpid(pid, &status, 0) == pid)
		return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	return -1;
}

int setops_ipset(const char *script, struct diags *d)
{
	char *argv[] = { "ipset", "restore", "-exist", NULL };
	char *said;
	int rc = setops_run(argv, script, &said) == 0 ? 0 : -1;

	if (rc < 0 && d)
		diag_error(d, NULL, "ipset refused it:\n%s", said ? said : "");
	free(said);
	return rc;
}

int setops_lock(struct diags *d)
{
	int fd = open(APPLY_LOCK_PATH, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0 || flock(fd, LOCK_EX) < 0) {
		diag_error(d, NULL, "cannot lock '%s': %s", APPLY_LOCK_PATH, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

void setops_unlock(int fd)
{
	close(fd);	/* closing releases the flock */
}
