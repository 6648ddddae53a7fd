/* SFTP sessions through libssh2: one SSH session per tconn, reused across
 * calls and reopened after a drop (sftp_ready); TCP connect within
 * connect_timeout, host keys checked against known_hosts (sftp_hostkey.c),
 * password or key login. A tconn is used by one thread at a time;
 * parallelism is several tconns (sftp_clone). */
#include "sftp_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* Blocking libssh2 calls give up after SECS; KEY names the setting in
 * messages. */
static void set_timeout(struct tconn *c, const char *key, int secs)
{
	c->tmo_key = key;
	c->tmo_secs = secs;
	libssh2_session_set_timeout(c->s, (long)secs * 1000);
}

/* The session's last error as a reason: a timeout names its setting. */
static void session_reason(struct tconn *c, char *buf, size_t len)
{
	char *msg = NULL;
	int e = libssh2_session_last_error(c->s, &msg, NULL, 0);
	if (e == LIBSSH2_ERROR_TIMEOUT)
		snprintf(buf, len, "no answer from the server within %s = %d s", c->tmo_key,
			 c->tmo_secs);
	else
		snprintf(buf, len, "%s", msg && *msg ? msg : "connection lost");
}

/* ---- connection ---- */

/* Connect a TCP socket to the remote within connect_timeout, with
 * TCP_NODELAY (small-file transfers halve in speed without it). */
static int tcp_connect(struct tconn *c, char *err)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *ai = NULL;
	char port[16];
	snprintf(port, sizeof(port), "%d", c->o.port);
	int r = getaddrinfo(c->o.host, port, &hints, &ai);
	if (r != 0) {
		snprintf(err, ERRLEN, "%s: cannot resolve %s: %s", c->label, c->o.host,
			 gai_strerror(r));
		return KA_TRANSIENT;
	}
	int fd = -1, e = 0;
	for (struct addrinfo *a = ai; a && fd < 0; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
			    a->ai_protocol);
		if (fd < 0) {
			e = errno;
			continue;
		}
		e = 0;
		if (connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
			e = errno;
			if (e == EINPROGRESS) {
				struct pollfd p = { .fd = fd, .events = POLLOUT };
				socklen_t sl = sizeof(e);
				r = poll(&p, 1, c->o.connect_timeout * 1000);
				if (r == 0)
					e = ETIMEDOUT;
				else if (r < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &sl) != 0)
					e = errno;
			}
		}
		if (e != 0) {
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(ai);
	if (fd < 0) {
		snprintf(err, ERRLEN, "%s: cannot connect: %s", c->label, strerror(e));
		return KA_TRANSIENT;
	}
	int one = 1;
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0) {
		snprintf(err, ERRLEN, "%s: cannot set up the socket: %s", c->label, strerror(errno));
		close(fd);
		return KA_ERR;
	}
	c->sock = fd;
	return 0;
}

/* Tear the session down. A healthy one is told goodbye (SSH_MSG_DISCONNECT
 * ends its channels on the server too); then the socket is shut, so closing
 * the channels and freeing the session never wait for the server: one that
 * stopped answering would otherwise hold each session io_timeout or more
 * at exit, one after the other. What libssh2 leaks doing so is freed with
 * the session's memory. */
static void sftp_drop(struct tconn *c)
{
	if (c->s && !c->broken) {
		/* A few bytes; waits only if the server stopped reading. */
		libssh2_session_set_timeout(c->s, 1000);
		libssh2_session_disconnect(c->s, "kargo-agent closing");
	}
	if (c->sock >= 0)
		shutdown(c->sock, SHUT_RDWR);
	sftp_ext_close(c);
	if (c->sftp)
		libssh2_sftp_shutdown(c->sftp);
	c->sftp = NULL;
	if (c->s)
		libssh2_session_free(c->s);
	c->s = NULL;
	size_t leaked = sftp_mem_release(&c->mem);
	if (leaked && c->lg)
		log_event(c->lg, LOG_DEBUG, "sftp_memory_reclaimed", "remote=%s blocks=%zu",
			  c->o.name, leaked);
	if (c->sock >= 0)
		close(c->sock);
	c->sock = -1;
	c->broken = 0;
	c->timed_out = 0;
}

/* Why a login failed without the server refusing it, or NULL when it was
 * refused. libssh2 1.10 reports any failure while waiting for the answer
 * as a refusal ("Waiting for publickey USERAUTH response"); a server that
 * refuses answers and keeps the connection open, so a connection the
 * server closed or reset meanwhile means the login did not complete. */
static const char *auth_interrupted(struct tconn *c, int r)
{
	if (r == LIBSSH2_ERROR_TIMEOUT)
		return "no answer from the server";
	if (r == LIBSSH2_ERROR_SOCKET_RECV || r == LIBSSH2_ERROR_SOCKET_SEND ||
	    r == LIBSSH2_ERROR_SOCKET_DISCONNECT)
		return "connection lost";
	char b;
	ssize_t n = recv(c->sock, &b, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
		return "the server closed the connection";
	return NULL;
}

/* Authenticate by public key (with the passphrase file) or by password. */
static int sftp_auth(struct tconn *c, char *err)
{
	char secret[1024] = "";
	int rc = 0, r;
	if (c->o.key) {
		rc = sftp_secret_mode_ok(c, "key file", c->o.key, err);
		if (rc == 0 && c->o.passphrase_file)
			rc = sftp_secret_read(c, "passphrase file", c->o.passphrase_file, secret,
					 sizeof(secret), err);
		if (rc)
			goto out;
		r = libssh2_userauth_publickey_fromfile(c->s, c->o.user, NULL, c->o.key, secret);
	} else {
		rc = sftp_secret_read(c, "password file", c->o.password_file, secret, sizeof(secret), err);
		if (rc)
			goto out;
		r = libssh2_userauth_password(c->s, c->o.user, secret);
	}
	if (r == 0)
		goto out;
	char *msg = NULL;
	libssh2_session_last_error(c->s, &msg, NULL, 0);
	const char *lost = auth_interrupted(c, r);
	if (lost) {
		char why[300];
		if (r == LIBSSH2_ERROR_TIMEOUT)
			session_reason(c, why, sizeof(why));
		else
			snprintf(why, sizeof(why), "%s", lost);
		snprintf(err, ERRLEN, "%s: authentication as %s did not complete: %s", c->label,
			 c->o.user, why);
		rc = KA_TRANSIENT;
	} else if (c->o.key) {
		snprintf(err, ERRLEN, "%s: authentication as %s with key %s refused: %s", c->label,
			 c->o.user, c->o.key, msg ? msg : "refused");
		rc = KA_PERMANENT;
	} else {
		snprintf(err, ERRLEN, "%s: authentication as %s with the password from %s refused",
			 c->label, c->o.user, c->o.password_file);
		rc = KA_PERMANENT;
	}
out:
	explicit_bzero(secret, sizeof(secret));
	return rc;
}

/* Open the connection: TCP, SSH handshake, host key, auth, SFTP. */
static int sftp_open(struct tconn *c, char *err)
{
	int rc = tcp_connect(c, err);
	if (rc)
		return rc;
	c->s = libssh2_session_init_ex(sftp_mem_alloc, sftp_mem_free, sftp_mem_realloc, &c->mem);
	c->used = 0;
	if (!c->s) {
		snprintf(err, ERRLEN, "%s: cannot create an SSH session", c->label);
		rc = KA_ERR;
		goto out;
	}
	libssh2_session_set_blocking(c->s, 1);
	set_timeout(c, "connect_timeout", c->o.connect_timeout);
	sftp_hostkey_prefer(c);
	if (libssh2_session_handshake(c->s, c->sock) != 0) {
		char why[300];
		session_reason(c, why, sizeof(why));
		snprintf(err, ERRLEN, "%s: SSH handshake failed: %s", c->label, why);
		rc = KA_TRANSIENT;
		goto out;
	}
	rc = sftp_hostkey_verify(c, err);
	if (rc == 0)
		rc = sftp_auth(c, err);
	if (rc)
		goto out;
	c->sftp = libssh2_sftp_init(c->s);
	if (!c->sftp) {
		rc = sftp_fail(c, "cannot start", "the SFTP subsystem", err);
		goto out;
	}
	set_timeout(c, "io_timeout", c->o.io_timeout);
	if (c->o.keepalive > 0)
		libssh2_keepalive_config(c->s, 1, (unsigned)c->o.keepalive);
	if (c->lg) {
		char q1[300], q2[300], q3[300];  /* logfmt-quoted values */
		log_event(c->lg, LOG_DEBUG, "sftp_connected", "remote=%s host=%s port=%d user=%s",
			  log_quote(c->o.name, q1, sizeof(q1)), log_quote(c->o.host, q2, sizeof(q2)),
			  c->o.port, log_quote(c->o.user, q3, sizeof(q3)));
	}
out:
	if (rc) {
		c->broken = 1;
		sftp_drop(c);
	}
	return rc;
}

/* Make the session usable: reopen it after a drop. *fresh says whether it
 * was (re)opened for this call or not used before, so a failure cannot be
 * blamed on a stale session. */
int sftp_ready(struct tconn *c, int *fresh, char *err)
{
	*fresh = 0;
	if (c->s && c->broken)
		sftp_drop(c);
	if (!c->s) {
		int rc = sftp_open(c, err);
		if (rc)
			return rc;
		c->used = 1;
		*fresh = 1;
		return 0;
	}
	*fresh = !c->used;
	c->used = 1;
	int next = 0;
	if (c->o.keepalive > 0 && libssh2_keepalive_send(c->s, &next) != 0) {
		sftp_lost(c);
		sftp_drop(c);
		int rc = sftp_open(c, err);
		*fresh = rc == 0;
		return rc;
	}
	return 0;
}

/* An idempotent call that failed because a reused session had died is
 * tried once more on a new session (servers drop idle sessions; that fails
 * at once). A server that did not answer within io_timeout is in trouble:
 * waiting for it a second time would only double the stall, so that is
 * left for the next cycle. When reconnecting fails, the caller returns that
 * failure instead: it says more (refused, or a host key that changed
 * meanwhile). */
int sftp_retry(struct tconn *c, int rc, int fresh)
{
	return rc == KA_TRANSIENT && c->broken && !fresh && !c->timed_out;
}

/* A tconn for options O (taken over), not connected yet. */
static struct tconn *tconn_new(struct sftp_opts *o, const struct logger *lg)
{
	struct tconn *c = xcalloc(1, sizeof(*c));
	c->sock = -1;
	c->lg = lg;
	c->o = *o;
	c->label = xasprintf("sftp %s:%d", c->o.host, c->o.port);
	c->buf = xmalloc(SFTP_BUF);
	sftp_mem_init(&c->mem);
	return c;
}

struct tconn *sftp_clone(const struct tconn *c)
{
	struct sftp_opts o;
	sftp_opts_copy(&o, &c->o);
	return tconn_new(&o, c->lg);
}

void sftp_release(struct tconn *c)
{
	if (!c)
		return;
	for (int i = 0; i < SFTP_MAX_STREAMS - 1; i++)
		sftp_release(c->peer[i]);
	sftp_drop(c);
	free(c->buf);
	free(c->label);
	sftp_opts_release(&c->o);
	free(c);
}

int sftp_connect(const struct remote_config *rc, const struct logger *lg, struct tconn **out,
		 char *err)
{
	struct diag d = { 0 };
	struct sftp_opts o;
	if (sftp_opts_parse(rc, "config", &d, &o) != 0) {
		snprintf(err, ERRLEN, "%s", d.msgs[0]);
		diag_release(&d);
		sftp_opts_release(&o);
		return KA_PERMANENT;
	}
	diag_release(&d);
	struct tconn *c = tconn_new(&o, lg);
	int r = sftp_open(c, err);
	if (r) {
		sftp_release(c);
		return r;
	}
	*out = c;
	return 0;
}
