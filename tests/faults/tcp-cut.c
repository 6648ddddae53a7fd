/* tcp-cut: a TCP proxy on 127.0.0.1 that breaks connections on purpose, for
 * the fault tests. Every connection it accepts is forwarded to
 * 127.0.0.1:TARGET_PORT and treated as the first line of DIR/mode said when
 * it was accepted (a missing file is "pass"). With several lines, each
 * connection uses one up and the last one stays: "cut 0\npass" resets the
 * next connection only.
 *
 *   pass            forward everything
 *   cut BYTES       forward BYTES (both directions together), then reset
 *                   both sides (RST: the connection is gone at once)
 *   cut-ms MS       forward for MS milliseconds, then reset both sides
 *   stall BYTES     forward BYTES, then stop forwarding and reading but keep
 *                   both sockets open (a server that stopped answering)
 *   hold            accept and never speak; no upstream connection
 *
 *   tcp-cut DIR TARGET_PORT
 *
 * Listens on a port the kernel picks and writes it to DIR/port once
 * listening. Appends one line per fault to DIR/events ("cut conn=3
 * bytes=1048576", "stall conn=1 bytes=100", "hold conn=2") so a test can
 * prove the fault happened. Runs until killed. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE  /* accept4, POLLRDHUP */
#endif
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 64
#define BUF 65536

enum mode { PASS, CUT, CUT_MS, STALL, HOLD };

/* One direction of a connection: bytes read from one side, not yet written
 * to the other. */
struct pipe {
	char buf[BUF];
	size_t len, off;
};

struct conn {
	int id;
	int fd[2];        /* 0: the client, 1: the target; -1 when closed */
	struct pipe p[2]; /* p[i]: read from fd[i], written to fd[1 - i] */
	enum mode mode;
	long long limit;  /* bytes (CUT, STALL) or ms (CUT_MS) */
	long long moved;  /* bytes forwarded so far */
	long long start;  /* ms */
	int stalled;
};

struct proxy {
	const char *dir;
	int target_port;
	int lfd;
	int next_id;
	struct conn *v[MAX_CONNS];
};

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Append "WHAT conn=ID bytes=N" to DIR/events. */
static void note(const struct proxy *px, const char *what, const struct conn *c)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/events", px->dir);
	FILE *f = fopen(path, "a");
	if (!f)
		return;
	fprintf(f, "%s conn=%d bytes=%lld\n", what, c->id, c->moved);
	fclose(f);
}

/* The mode for a new connection: the first line of DIR/mode, used up
 * when more lines follow. */
static void read_mode(const struct proxy *px, struct conn *c)
{
	char path[4096], tmp[4200], buf[4096] = "", word[32] = "pass";
	long long n = 0;
	snprintf(path, sizeof(path), "%s/mode", px->dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *f = fopen(path, "r");
	size_t len = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	if (f)
		fclose(f);
	buf[len] = '\0';
	if (sscanf(buf, "%31s %lld", word, &n) < 1)
		snprintf(word, sizeof(word), "pass");
	c->limit = n;
	c->mode = !strcmp(word, "cut") ? CUT : !strcmp(word, "cut-ms") ? CUT_MS :
		  !strcmp(word, "stall") ? STALL : !strcmp(word, "hold") ? HOLD : PASS;
	char *rest = strchr(buf, '\n');
	if (!rest || !rest[1])
		return;
	f = fopen(tmp, "w");
	if (!f)
		return;
	int ok = fputs(rest + 1, f) >= 0;
	if (fclose(f) == 0 && ok)
		rename(tmp, path);
}

static int listen_any(struct proxy *px)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	int one = 1;
	px->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (px->lfd < 0 || setsockopt(px->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(px->lfd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(px->lfd, 64) != 0 ||
	    getsockname(px->lfd, (struct sockaddr *)&a, &al) != 0) {
		perror("tcp-cut: listen");
		return -1;
	}
	char path[4096], tmp[4200];
	snprintf(path, sizeof(path), "%s/port", px->dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f || fprintf(f, "%d\n", ntohs(a.sin_port)) < 0 || fclose(f) != 0 ||
	    rename(tmp, path) != 0) {
		perror("tcp-cut: cannot write the port file");
		return -1;
	}
	return 0;
}

static int connect_target(const struct proxy *px)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(px->target_port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    fcntl(fd, F_SETFL, O_NONBLOCK) == 0)
		return fd;
	if (fd >= 0)
		close(fd);
	return -1;
}

/* Close both sides; RESET sends RST instead of FIN. */
static void conn_close(struct proxy *px, int slot, int reset)
{
	struct conn *c = px->v[slot];
	struct linger lg = { 1, 0 };
	for (int i = 0; i < 2; i++) {
		if (c->fd[i] < 0)
			continue;
		if (reset)
			setsockopt(c->fd[i], SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(c->fd[i]);
	}
	free(c);
	px->v[slot] = NULL;
}

static void accept_one(struct proxy *px)
{
	int fd = accept4(px->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	int slot = 0;
	while (slot < MAX_CONNS && px->v[slot])
		slot++;
	if (slot == MAX_CONNS) {
		close(fd);
		return;
	}
	struct conn *c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	c->id = ++px->next_id;
	c->fd[0] = fd;
	c->fd[1] = -1;
	c->start = now_ms();
	read_mode(px, c);
	px->v[slot] = c;
	if (c->mode == HOLD) {
		note(px, "hold", c);
		return;
	}
	c->fd[1] = connect_target(px);
	if (c->fd[1] < 0)
		conn_close(px, slot, 0);
}

/* How many bytes may still be forwarded before the fault. */
static size_t allowance(const struct conn *c)
{
	if (c->mode != CUT && c->mode != STALL)
		return BUF;
	long long left = c->limit - c->moved;
	return left <= 0 ? 0 : left < BUF ? (size_t)left : BUF;
}

/* Read what side I offers into its pipe. Returns -1 when the side closed. */
static int pump_in(struct conn *c, int i)
{
	struct pipe *p = &c->p[i];
	size_t room = allowance(c);
	if (p->len > 0 || room == 0)
		return 0;
	ssize_t n = read(c->fd[i], p->buf, room);
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -1;
	if (n == 0)
		return -1;
	p->len = (size_t)n;
	p->off = 0;
	c->moved += n;
	return 0;
}

static int pump_out(struct conn *c, int i)
{
	struct pipe *p = &c->p[i];
	if (p->len == 0)
		return 0;
	ssize_t n = write(c->fd[1 - i], p->buf + p->off, p->len - p->off);
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -1;
	p->off += (size_t)n;
	if (p->off == p->len)
		p->len = p->off = 0;
	return 0;
}

/* Apply the connection's fault once it is due. Returns 1 when the
 * connection was cut (and freed). */
static int fault_due(struct proxy *px, int slot)
{
	struct conn *c = px->v[slot];
	int drained = c->p[0].len == 0 && c->p[1].len == 0;
	if (c->mode == CUT && c->moved >= c->limit && drained) {
		note(px, "cut", c);
		conn_close(px, slot, 1);
		return 1;
	}
	if (c->mode == CUT_MS && now_ms() - c->start >= c->limit) {
		note(px, "cut", c);
		conn_close(px, slot, 1);
		return 1;
	}
	if (c->mode == STALL && c->moved >= c->limit && drained && !c->stalled) {
		c->stalled = 1;
		note(px, "stall", c);
	}
	return 0;
}

/* Poll events wanted on side I of C. A held or stalled connection only
 * watches for its peer leaving. */
static short wanted(const struct conn *c, int i)
{
	if (c->mode == HOLD || c->stalled)
		return POLLRDHUP;
	short ev = 0;
	if (c->p[i].len == 0 && allowance(c) > 0)
		ev |= POLLIN;
	if (c->p[1 - i].len > 0)
		ev |= POLLOUT;
	return ev;
}

/* Milliseconds until the next cut-ms fault, or 1000. */
static int next_timeout(const struct proxy *px)
{
	long long t = 1000, now = now_ms();
	for (int s = 0; s < MAX_CONNS; s++) {
		const struct conn *c = px->v[s];
		if (c && c->mode == CUT_MS) {
			long long left = c->start + c->limit - now;
			t = left < t ? (left < 0 ? 0 : left) : t;
		}
	}
	return (int)t;
}

static void serve(struct proxy *px)
{
	struct pollfd fds[1 + 2 * MAX_CONNS];
	int where[1 + 2 * MAX_CONNS];
	for (;;) {
		int n = 0;
		fds[n++] = (struct pollfd){ .fd = px->lfd, .events = POLLIN };
		for (int s = 0; s < MAX_CONNS; s++)
			for (int i = 0; px->v[s] && i < 2; i++) {
				if (px->v[s]->fd[i] < 0)
					continue;
				where[n] = s * 2 + i;
				fds[n++] = (struct pollfd){ .fd = px->v[s]->fd[i],
							    .events = wanted(px->v[s], i) };
			}
		if (poll(fds, (nfds_t)n, next_timeout(px)) < 0 && errno != EINTR)
			return;
		if (fds[0].revents & POLLIN)
			accept_one(px);
		for (int k = 1; k < n; k++) {
			int s = where[k] / 2, i = where[k] % 2;
			struct conn *c = px->v[s];
			short ev = fds[k].revents;
			if (!c || !ev)
				continue;
			int bad = (ev & (POLLERR | POLLHUP | POLLRDHUP)) && (c->stalled || c->mode == HOLD);
			if (!bad && !c->stalled && c->mode != HOLD) {
				/* Forward what was read at once; write what waited. */
				bad = (ev & POLLIN) && (pump_in(c, i) != 0 || pump_out(c, i) != 0);
				bad = bad || ((ev & POLLOUT) && pump_out(c, 1 - i) != 0);
				bad = bad || ((ev & (POLLERR | POLLHUP)) && !(ev & POLLIN));
			}
			if (bad)
				conn_close(px, s, 0);  /* an end left: pass it on */
		}
		for (int s = 0; s < MAX_CONNS; s++)
			if (px->v[s])
				fault_due(px, s);
	}
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: tcp-cut DIR TARGET_PORT\n");
		return 64;
	}
	signal(SIGPIPE, SIG_IGN);
	struct proxy px = { .dir = argv[1], .target_port = atoi(argv[2]), .lfd = -1 };
	if (listen_any(&px) != 0)
		return 1;
	serve(&px);
	perror("tcp-cut: poll");
	return 1;
}
