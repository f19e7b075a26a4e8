/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The resident agent: one process on the runner holding the compiled
 * model. It serves the CI platform's dynamic-set requests on a Unix
 * socket that only root and one group the administrator chooses may
 * connect to (file permissions decide; the agent logs the caller's uid),
 * keeps pinned names current (refresh.h) when asked to, and keeps the
 * rules for cgroups bound to cgroups made again (cgroupbind.h).
 * Everything it changes is changed under the apply lock.
 *
 * The socket speaks lines. A request: "add SET SECONDS ADDR...", "del SET
 * ADDR..." or "list SET" (SECONDS 0: the set's timeout). The reply: lines
 * "1 TEXT" (for the caller's standard output) and "2 TEXT" (its standard
 * error), then "exit N", N the caller's exit status. */
#ifndef EGRESSC_AGENT_H
#define EGRESSC_AGENT_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "host/apply.h"

struct cgroup_bind;
struct diags;
struct model;
struct refresh;

#define AGENT_SOCKET_PATH "/run/egressc/agent.sock"
/* The longest request line: a few thousand addresses. */
#define AGENT_REQUEST_MAX 65536

struct agent_opts {
	enum apply_backend backend;
	const char *socket_path;	/* NULL: AGENT_SOCKET_PATH */
	gid_t group;			/* may connect, besides root */
	bool group_given;
	struct refresh *refresh;	/* NULL: pins are not refreshed */
	struct cgroup_bind *cgroups;	/* NULL: the policy names no cgroup */
	const char *state_path;		/* the agent's counters; NULL: REFRESH_STATE_PATH */
};

/* Serves until SIGTERM or SIGINT, logging a line for every change on LOG.
 * Returns 0 then, or -1 with errors queued when it cannot start. */
int agent_serve(const struct model *m, const struct agent_opts *o, FILE *log, struct diags *d);

/* The client side: sends REQUEST (one line, no newline) to the agent at
 * PATH and copies its reply to OUT and ERR. Returns the exit status the
 * agent gave, or -1 with an error queued when it could not be asked. */
int agent_ask(const char *path, const char *request, FILE *out, FILE *err, struct diags *d);

#endif
