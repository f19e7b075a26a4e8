/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "host/agent.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "compiler/diag.h"
#include "host/cgroupbind.h"
#include "host/dynamic.h"
#include "host/refresh.h"
#include "host/wholefile.h"
#include "lib/arena.h"
#include "lib/duration.h"
#include "lib/xalloc.h"

static volatile sig_atomic_t stopping;

static void on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

static const char *socket_path(const struct agent_opts *o)
{
	return o->socket_path ? o->socket_path : AGENT_SOCKET_PATH;
}

static int socket_address(const char *path, struct sockaddr_un *sa, struct diags *d)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path)) {
		diag_error(d, NULL, "socket path '%s' is too long", path);
		return -1;
	}
	strcpy(sa->sun_path, path);
	return 0;
}

/* The listening socket: owner root, group O->group, mode 0660 (0600
 * without a group) before anyone can connect: it is bound under a umask
 * that lets no one in, then opened to the group. Its directory is made
 * if missing. */
static int listen_socket(const struct agent_opts *o, struct diags *d)
{
	const char *path = socket_path(o);
	struct sockaddr_un sa;
	struct stat st;

	if (socket_address(path, &sa, d) < 0)
		return -1;
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
			diag_error(d, NULL, "cannot make '%s': %s", dir, strerror(errno));
			free(dir);
			return -1;
		}
	}
	free(dir);
	/* A socket left by an agent that died; anything else is not ours. */
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	mode_t mask = umask(0177);
	int rc = fd < 0 ? -1 : bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(mask);
	if (rc == 0 && o->group_given && (chown(path, 0, o->group) < 0 || chmod(path, 0660) < 0))
		rc = -1;
	if (rc == 0)
		rc = listen(fd, 16);
	if (rc < 0) {
		diag_error(d, NULL, "cannot listen on '%s': %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* One request line, split into words (in place). */
struct request_words {
	char *w[AGENT_REQUEST_MAX / 2];
	size_t n;
};

static void split_words(char *line, struct request_words *rw)
{
	rw->n = 0;
	for (char *tok = strtok(line, " "); tok && rw->n < sizeof(rw->w) / sizeof(rw->w[0]);
	     tok = strtok(NULL, " "))
		rw->w[rw->n++] = tok;
}

/* Parses and carries out one request; what the caller sees goes to OUT,
 * errors to D. Returns the caller's exit status. */
static int serve_request(const struct model *m, const struct agent_opts *o, char *line,
			 uid_t uid, FILE *out, FILE *log, struct diags *d)
{
	static struct request_words rw;	/* large: not on the stack */
	struct dynamic_request rq = { 0 };
	char *end;

	split_words(line, &rw);
	if (rw.n >= 2 && strcmp(rw.w[0], "add") == 0 && rw.n >= 3) {
		unsigned long t = strtoul(rw.w[2], &end, 10);
		if (*end || t > UINT32_MAX) {
			diag_error(d, NULL, "bad request: timeout '%s'", rw.w[2]);
			return 2;
		}
		rq.op = DYNAMIC_ADD;
		rq.timeout = (uint32_t)t;
		rq.addrs = (const char *const *)&rw.w[3];
		rq.naddrs = rw.n - 3;
	} else if (rw.n >= 2 && strcmp(rw.w[0], "del") == 0) {
		rq.op = DYNAMIC_DEL;
		rq.addrs = (const char *const *)&rw.w[2];
		rq.naddrs = rw.n - 2;
	} else if (rw.n == 2 && strcmp(rw.w[0], "list") == 0) {
		rq.op = DYNAMIC_LIST;
	} else {
		diag_error(d, NULL, "bad request");
		return 2;
	}
	rq.set = rw.w[1];
	char *said = NULL;
	size_t len = 0;
	FILE *mem = xopen_memstream(&said, &len);
	int rc = dynamic_run(m, o->backend, &rq, mem, d);
	xmemstream_close(mem);
	fputs(said, out);
	/* The journal's record of every change, and who asked for it. */
	if (rq.op != DYNAMIC_LIST)
		for (char *l = strtok(said, "\n"); l; l = strtok(NULL, "\n"))
			fprintf(log, "egressc agent: uid %u %s\n", (unsigned)uid, l);
	fflush(log);
	free(said);
	return rc == 0 ? 0 : 1;
}

/* Milliseconds left until DEADLINE (CLOCK_MONOTONIC), 0 when it passed. */
static int ms_left(const struct timespec *deadline)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	long long ms = (long long)(deadline->tv_sec - now.tv_sec) * 1000 +
		       (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms > 0 ? (int)ms : 0;
}

/* Waits until FD is ready for EVENTS or DEADLINE passes. */
static bool ready_before(int fd, short events, const struct timespec *deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	int left;

	while ((left = ms_left(deadline)) > 0) {
		int r = poll(&p, 1, left);
		if (r > 0)
			return true;
		if (r == 0 || errno != EINTR)
			return false;
	}
	return false;
}

/* Reads one line from FD (the request), at most AGENT_REQUEST_MAX bytes,
 * by DEADLINE; NULL when the client sent none in time or too much. */
static char *read_request(int fd, const struct timespec *deadline)
{
	char *buf = xmalloc(AGENT_REQUEST_MAX + 1);
	size_t n = 0;

	while (n < AGENT_REQUEST_MAX && ready_before(fd, POLLIN, deadline)) {
		ssize_t r = read(fd, buf + n, AGENT_REQUEST_MAX - n);
		if (r <= 0)
			break;
		n += (size_t)r;
		if (memchr(buf, '\n', n))
			break;
	}
	char *nl = memchr(buf, '\n', n);
	if (!nl) {
		free(buf);
		return NULL;
	}
	*nl = '\0';
	return buf;
}

/* Sends TEXT's lines, each behind TAG ("1 ", "2 "). */
static void send_lines(FILE *fp, const char *tag, const char *text)
{
	for (const char *l = text; *l;) {
		size_t n = strcspn(l, "\n");
		fprintf(fp, "%s%.*s\n", tag, (int)n, l);
		l += n + (l[n] == '\n');
	}
}

/* Writes BUF[0..LEN) to FD by DEADLINE, or as much as the client took. */
static void send_before(int fd, const char *buf, size_t len, const struct timespec *deadline)
{
	while (len && ready_before(fd, POLLOUT, deadline)) {
		ssize_t w = send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (w <= 0)
			return;
		buf += w;
		len -= (size_t)w;
	}
}

/* A client has CLIENT_SECONDS to send its request and take the reply, in
 * all: the agent serves one client at a time, and one that stalls, or
 * sends a byte at a time, must not hold up the next or the refresh. */
#define CLIENT_SECONDS 2

static void serve_client(const struct model *m, const struct agent_opts *o, int fd, FILE *log)
{
	struct timespec deadline;
	struct ucred cred = { 0 };
	socklen_t credlen = sizeof(cred);
	struct arena arena;
	struct diags d;
	char *out = NULL, *err = NULL, *reply = NULL;
	size_t outlen = 0, errlen = 0, replylen = 0;
	int status;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += CLIENT_SECONDS;
	getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &credlen);
	arena_init(&arena);
	diags_init(&d, &arena);
	FILE *outfp = xopen_memstream(&out, &outlen);
	char *line = read_request(fd, &deadline);
	if (line) {
		status = serve_request(m, o, line, cred.uid, outfp, log, &d);
	} else {
		diag_error(&d, NULL, "bad request: no line of at most %d bytes within %ds",
			   AGENT_REQUEST_MAX, CLIENT_SECONDS);
		status = 2;
	}
	free(line);
	xmemstream_close(outfp);
	FILE *errfp = xopen_memstream(&err, &errlen);
	diags_print(&d, errfp);
	xmemstream_close(errfp);
	FILE *replyfp = xopen_memstream(&reply, &replylen);
	send_lines(replyfp, "1 ", out);
	send_lines(replyfp, "2 ", err);
	fprintf(replyfp, "exit %d\n", status);
	xmemstream_close(replyfp);
	/* The time the request took does not count against the reply. */
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += CLIENT_SECONDS;
	send_before(fd, reply, replylen, &deadline);
	close(fd);
	free(reply);
	free(out);
	free(err);
	arena_release(&arena);
}

/* The agent's counters, for egressc stats; CGROUP_LOADS as the cgroup
 * watch last said. */
static void write_state(const struct agent_opts *o, uint64_t cgroup_loads, FILE *log)
{
	struct arena arena;
	struct diags d;
	char *state;
	size_t len;

	arena_init(&arena);
	diags_init(&d, &arena);
	refresh_state_format(o->refresh, cgroup_loads, &state, &len);
	if (wholefile_write(o->state_path ? o->state_path : REFRESH_STATE_PATH, state, len, &d) < 0)
		diags_print(&d, log);
	free(state);
	fflush(log);
	arena_release(&arena);
}

/* One refresh round; what went wrong goes to the journal, and the agent
 * carries on: the next round may succeed. */
static void refresh_round(const struct agent_opts *o, uint64_t cgroup_loads, time_t now,
			  FILE *log)
{
	struct arena arena;
	struct diags d;

	arena_init(&arena);
	diags_init(&d, &arena);
	if (refresh_run(o->refresh, now, log, &d) < 0)
		diags_print(&d, log);
	arena_release(&arena);
	write_state(o, cgroup_loads, log);
}

/* The cgroup watch runs in a process of its own: a refresh round waits
 * as long as DNS takes to answer or time out, minutes for a server that
 * drops queries, and a dynamic request on its client; neither may hold
 * up binding a deny to a cgroup made again. The watch sends the count of
 * its loads down a pipe after each, for the state file, and dies with
 * the agent. Returns its pid and the pipe's end to read in *FROM_WATCH,
 * or -1. */
static pid_t start_cgroup_watch(struct cgroup_bind *b, int lfd, int *from_watch, FILE *log)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	fflush(log);	/* else the child writes what is buffered again */
	pid_t parent = getpid(), pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		close(p[0]);
		close(lfd);
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
			_exit(1);
		for (;;) {
			struct pollfd w = { .fd = cgroup_bind_fd(b), .events = POLLIN };
			time_t now = time(NULL), check = cgroup_bind_next(b);
			poll(&w, 1, check <= now ? 0 : (int)(check - now) * 1000);
			if (cgroup_bind_run(b, time(NULL), log) > 0 &&
			    write(p[1], &b->rebinds, sizeof(b->rebinds)) != sizeof(b->rebinds))
				_exit(1);	/* the agent is gone */
		}
	}
	close(p[1]);
	*from_watch = p[0];
	return pid;
}

int agent_serve(const struct model *m, const struct agent_opts *o, FILE *log, struct diags *d)
{
	struct sigaction sa = { .sa_handler = on_stop };
	int lfd = listen_socket(o, d);

	if (lfd < 0)
		return -1;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	fprintf(log, "egressc agent: listening on %s\n", socket_path(o));
	fflush(log);
	int from_watch = -1, rc = 0;
	uint64_t cgroup_loads = 0;
	pid_t watch = o->cgroups ? start_cgroup_watch(o->cgroups, lfd, &from_watch, log) : 0;
	if (watch < 0) {
		diag_error(d, NULL, "cannot start the cgroup watch: %s", strerror(errno));
		close(lfd);
		unlink(socket_path(o));
		return -1;
	}
	while (!stopping) {
		struct pollfd p[2] = {
			{ .fd = lfd, .events = POLLIN },
			{ .fd = from_watch, .events = POLLIN },
		};
		time_t now = time(NULL), next = (time_t)-1;
		if (o->refresh) {
			next = refresh_next(o->refresh);
			if (next != (time_t)-1 && next <= now) {
				refresh_round(o, cgroup_loads, now, log);
				continue;
			}
		}
		int wait_ms = next == (time_t)-1 ? -1 : (int)(next - now) * 1000;
		if (poll(p, 2, wait_ms) <= 0)
			continue;	/* a signal (look at stopping), or time to refresh */
		if (p[1].revents) {
			/* Without its watch, a deny for a cgroup made again
			 * would not be bound: stop, for systemd to start the
			 * agent again, which binds at its start. */
			if (read(from_watch, &cgroup_loads, sizeof(cgroup_loads)) != sizeof(cgroup_loads)) {
				fprintf(log, "egressc agent: the cgroup watch stopped; stopping\n");
				rc = 1;
				break;
			}
			write_state(o, cgroup_loads, log);
		}
		if (!(p[0].revents & POLLIN))
			continue;
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd >= 0)
			serve_client(m, o, fd, log);
	}
	if (watch > 0) {
		kill(watch, SIGTERM);
		waitpid(watch, NULL, 0);
		close(from_watch);
	}
	close(lfd);
	unlink(socket_path(o));
	fprintf(log, "egressc agent: stopped\n");
	if (rc)
		diag_error(d, NULL, "the cgroup watch stopped");
	return rc ? -1 : 0;
}

int agent_ask(const char *path, const char *request, FILE *out, FILE *err, struct diags *d)
{
	struct sockaddr_un sa;
	int status = -1;

	if (socket_address(path, &sa, d) < 0)
		return -1;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		diag_error(d, NULL, "cannot reach the egressc agent at '%s': %s%s", path,
			   strerror(errno),
			   errno == EACCES ? " (only root and the agent's --group may)"
			   : errno == ENOENT || errno == ECONNREFUSED ? " (is egressc-agent.service running?)"
								      : "");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	FILE *sock = fdopen(fd, "r+");
	if (!sock) {
		close(fd);
		diag_error(d, NULL, "cannot talk to the egressc agent: %s", strerror(errno));
		return -1;
	}
	fprintf(sock, "%s\n", request);
	fflush(sock);
	shutdown(fd, SHUT_WR);
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, sock)) > 0) {
		if (strncmp(line, "1 ", 2) == 0)
			fputs(line + 2, out);
		else if (strncmp(line, "2 ", 2) == 0)
			fputs(line + 2, err);
		else if (sscanf(line, "exit %d", &status) == 1)
			break;
	}
	free(line);
	fclose(sock);
	if (status < 0)
		diag_error(d, NULL, "the egressc agent at '%s' gave no answer", path);
	return status;
}
