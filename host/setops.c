/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "host/setops.h"

#include <errno.h>
#include <fcntl.h>
#include <nftables/libnftables.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "compiler/diag.h"
#include "host/apply.h"
#include "host/tool.h"
#include "lib/xalloc.h"

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
	return tool_run(argv, input, strlen(input), said);
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
