/* SFTP through libssh2: one SSH session per tconn, reused across calls and
 * reopened after a drop; host keys checked against known_hosts
 * (sftp_hostkey.c); 1 MiB reads and writes so libssh2 pipelines them;
 * fsync@openssh.com after uploads; posix-rename@openssh.com for
 * overwriting renames (sftp_ext.c). A tconn is used by one thread at a time;
 * parallelism is several tconns. */
#include "sftp_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const sftp_keys[] = {
	"host", "port", "user", "key", "passphrase_file", "password_file", "known_hosts",
	"accept_new_host_key", "connect_timeout", "io_timeout", "keepalive",
	"download_streams", "upload_streams", "split_mib", NULL,
};

static void sftp_check_remote(const struct remote_config *rc, const char *file, struct diag *d)
{
	struct sftp_opts o;
	sftp_opts_parse(rc, file, d, &o);
	sftp_opts_release(&o);
}

/* ---- errors ---- */

static const char *fx_text(unsigned long st)
{
	switch (st) {
	case LIBSSH2_FX_EOF: return "end of file";
	case LIBSSH2_FX_NO_SUCH_FILE: return "no such file";
	case LIBSSH2_FX_PERMISSION_DENIED: return "permission denied";
	case LIBSSH2_FX_FAILURE: return "failure";
	case LIBSSH2_FX_BAD_MESSAGE: return "bad message";
	case LIBSSH2_FX_NO_CONNECTION: return "no connection";
	case LIBSSH2_FX_CONNECTION_LOST: return "connection lost";
	case LIBSSH2_FX_OP_UNSUPPORTED: return "operation not supported";
	case LIBSSH2_FX_NO_SUCH_PATH: return "no such path";
	case LIBSSH2_FX_FILE_ALREADY_EXISTS: return "file already exists";
	case LIBSSH2_FX_WRITE_PROTECT: return "write protected";
	case LIBSSH2_FX_NO_SPACE_ON_FILESYSTEM: return "no space left on the server";
	case LIBSSH2_FX_QUOTA_EXCEEDED: return "quota exceeded";
	case LIBSSH2_FX_DIR_NOT_EMPTY: return "directory not empty";
	case LIBSSH2_FX_NOT_A_DIRECTORY: return "not a directory";
	default: return "server error";
	}
}

static int fx_code(unsigned long st)
{
	switch (st) {
	case LIBSSH2_FX_NO_SUCH_FILE: case LIBSSH2_FX_NO_SUCH_PATH:
		return KA_NOENT;
	case LIBSSH2_FX_FILE_ALREADY_EXISTS:
		return KA_EXISTS;
	case LIBSSH2_FX_PERMISSION_DENIED: case LIBSSH2_FX_WRITE_PROTECT:
		return KA_PERMANENT;
	case LIBSSH2_FX_NO_SPACE_ON_FILESYSTEM: case LIBSSH2_FX_QUOTA_EXCEEDED:
		return KA_NOSPACE;
	case LIBSSH2_FX_NO_CONNECTION: case LIBSSH2_FX_CONNECTION_LOST:
		return KA_TRANSIENT;
	default:
		return KA_ERR;
	}
}

void sftp_lost(struct tconn *c)
{
	c->broken = 1;
	/* Shut the socket at once: closing the file handle and the session
	 * then fails fast instead of waiting io_timeout again for a server
	 * that stopped answering. */
	if (c->sock >= 0)
		shutdown(c->sock, SHUT_RDWR);
}

int sftp_fail(struct tconn *c, const char *what, const char *path, char *err)
{
	int e = c->s ? libssh2_session_last_errno(c->s) : LIBSSH2_ERROR_SOCKET_DISCONNECT;
	if (e == LIBSSH2_ERROR_SFTP_PROTOCOL && c->sftp) {
		unsigned long st = libssh2_sftp_last_error(c->sftp);
		snprintf(err, ERRLEN, "%s: %s %s: %s", c->label, what, path, fx_text(st));
		int rc = fx_code(st);
		if (rc == KA_TRANSIENT)
			sftp_lost(c);
		return rc;
	}
	/* Anything else is the session's failure (socket, timeout, protocol):
	 * the connection cannot be trusted any more. */
	char *msg = NULL;
	if (c->s)
		libssh2_session_last_error(c->s, &msg, NULL, 0);
	c->timed_out = e == LIBSSH2_ERROR_TIMEOUT;
	if (c->timed_out)
		snprintf(err, ERRLEN, "%s: %s %s: connection dropped: no answer from the server "
			 "within %s = %d s", c->label, what, path, c->tmo_key, c->tmo_secs);
	else
		snprintf(err, ERRLEN, "%s: %s %s: connection failed: %s", c->label, what, path,
			 msg && *msg ? msg : "session closed");
	sftp_lost(c);
	return KA_TRANSIENT;
}

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

static pthread_once_t ssh2_once = PTHREAD_ONCE_INIT;
static int ssh2_init_rc;

/* libssh2_init is not thread-safe and must run once per process; the
 * pthread_once state is the only process-wide state here. */
static void ssh2_init(void)
{
	ssh2_init_rc = libssh2_init(0);
}

/* Open the connection: TCP, SSH handshake, host key, auth, SFTP. */
static int sftp_open(struct tconn *c, char *err)
{
	pthread_once(&ssh2_once, ssh2_init);
	if (ssh2_init_rc != 0) {
		snprintf(err, ERRLEN, "%s: cannot initialise libssh2", c->label);
		return KA_ERR;
	}
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

static int sftp_connect(const struct remote_config *rc, const struct logger *lg,
			struct tconn **out, char *err)
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

/* ---- operations ---- */

static enum tentry_type attrs_type(const LIBSSH2_SFTP_ATTRIBUTES *a)
{
	if (!(a->flags & LIBSSH2_SFTP_ATTR_PERMISSIONS))
		return TENTRY_OTHER;
	if (LIBSSH2_SFTP_S_ISREG(a->permissions))
		return TENTRY_FILE;
	if (LIBSSH2_SFTP_S_ISLNK(a->permissions))
		return TENTRY_LINK;
	return LIBSSH2_SFTP_S_ISDIR(a->permissions) ? TENTRY_DIR : TENTRY_OTHER;
}

static int64_t attrs_size(const LIBSSH2_SFTP_ATTRIBUTES *a)
{
	return (a->flags & LIBSSH2_SFTP_ATTR_SIZE) ? (int64_t)a->filesize : -1;
}

static int64_t attrs_mtime(const LIBSSH2_SFTP_ATTRIBUTES *a)
{
	return (a->flags & LIBSSH2_SFTP_ATTR_ACMODTIME) ? (int64_t)a->mtime : 0;
}

/* NAME (N bytes, with NULs) with each NUL shown as "%00". Caller frees. */
static char *name_with_nuls(const char *name, size_t n)
{
	char *s = xmalloc(3 * n + 1), *o = s;
	for (size_t i = 0; i < n; i++) {
		if (name[i]) {
			*o++ = name[i];
		} else {
			memcpy(o, "%00", 3);
			o += 3;
		}
	}
	*o = '\0';
	return s;
}

/* The largest packet libssh2 takes (LIBSSH2_SFTP_PACKET_MAXLEN): no name is longer. */
#define SFTP_NAME_MAX (256 * 1024)

/* Entries of DIR. A name with a NUL byte or a slash cannot be named back to
 * the server or stored safely: it is listed as TENTRY_BADNAME. The buffer
 * holds the longest name a packet can carry: libssh2 1.10 answers a name that
 * does not fit with BUFFER_TOO_SMALL and then loses the packet's last entry. */
static int list_once(struct tconn *c, const char *dir, struct tlist *out, char *err)
{
	LIBSSH2_SFTP_HANDLE *h = libssh2_sftp_opendir(c->sftp, dir);
	if (!h)
		return sftp_fail(c, "cannot list", dir, err);
	size_t cap = SFTP_NAME_MAX + 1;
	char *name = xmalloc(cap);
	LIBSSH2_SFTP_ATTRIBUTES a;
	int rc = 0;
	for (;;) {
		int n = libssh2_sftp_readdir_ex(h, name, cap, NULL, 0, &a);
		if (n == LIBSSH2_ERROR_BUFFER_TOO_SMALL) {
			snprintf(err, ERRLEN, "%s: cannot list %s: the server sent a malformed "
				 "directory entry", c->label, dir);
			c->broken = 1;
			rc = KA_ERR;
			break;
		}
		if (n == 0)
			break;
		if (n < 0) {
			rc = sftp_fail(c, "cannot list", dir, err);
			break;
		}
		if (!strcmp(name, ".") || !strcmp(name, ".."))
			continue;
		if (strlen(name) != (size_t)n || strchr(name, '/')) {
			char *shown = name_with_nuls(name, (size_t)n);
			tlist_add(out, shown, attrs_size(&a), attrs_mtime(&a), TENTRY_BADNAME);
			free(shown);
			continue;
		}
		tlist_add(out, name, attrs_size(&a), attrs_mtime(&a), attrs_type(&a));
	}
	free(name);
	if (libssh2_sftp_closedir(h) != 0 && rc == 0)
		rc = sftp_fail(c, "cannot list", dir, err);
	return rc;
}

static int sftp_list(struct tconn *c, const char *dir, struct tlist *out, char *err)
{
	int fresh, rc = sftp_ready(c, &fresh, err);
	if (rc)
		return rc;
	size_t n0 = out->n;
	rc = list_once(c, dir, out, err);
	if (sftp_retry(c, rc, fresh) && (rc = sftp_ready(c, &fresh, err)) == 0) {
		while (out->n > n0)
			free(out->v[--out->n].name);
		rc = list_once(c, dir, out, err);
	}
	return rc;
}

static int stat_once(struct tconn *c, const char *path, struct tentry *out, char *err)
{
	LIBSSH2_SFTP_ATTRIBUTES a;
	if (libssh2_sftp_stat_ex(c->sftp, path, (unsigned)strlen(path), LIBSSH2_SFTP_LSTAT, &a) != 0)
		return sftp_fail(c, "cannot stat", path, err);
	out->name = NULL;
	out->size = attrs_size(&a);
	out->mtime = attrs_mtime(&a);
	out->type = attrs_type(&a);
	return 0;
}

static int sftp_stat(struct tconn *c, const char *path, struct tentry *out, char *err)
{
	int fresh, rc = sftp_ready(c, &fresh, err);
	if (rc)
		return rc;
	rc = stat_once(c, path, out, err);
	if (sftp_retry(c, rc, fresh) && (rc = sftp_ready(c, &fresh, err)) == 0)
		rc = stat_once(c, path, out, err);
	return rc;
}

/* Does PATH exist? 1 yes, 0 no, negative code on failure. */
static int sftp_exists(struct tconn *c, const char *path, char *err)
{
	struct tentry st;
	int rc = stat_once(c, path, &st, err);
	return rc == 0 ? 1 : rc == KA_NOENT ? 0 : rc;
}

/* Plain SFTP rename refuses an existing target on OpenSSH (it links, and
 * the link fails); an overwrite uses posix-rename@openssh.com, or, on a
 * server without it, removes the target first (a short window without
 * it; never a partial file under the final name). SFTP cannot sync a
 * directory: durability is the server's. Not retried after a drop: the
 * rename may have happened. */
static int sftp_rename(struct tconn *c, const char *from, const char *to, int overwrite,
		       char *err)
{
	int fresh, rc = sftp_ready(c, &fresh, err);
	if (rc)
		return rc;
	if (overwrite) {
		rc = sftp_posix_rename(c, from, to, err);
		if (rc != KA_INVALID)
			goto out;
		if (libssh2_sftp_unlink(c->sftp, to) != 0) {
			rc = sftp_fail(c, "cannot replace", to, err);
			if (rc != KA_NOENT)
				goto out;
		}
	}
	rc = 0;
	if (libssh2_sftp_rename_ex(c->sftp, from, (unsigned)strlen(from), to, (unsigned)strlen(to),
				   LIBSSH2_SFTP_RENAME_ATOMIC | LIBSSH2_SFTP_RENAME_NATIVE) != 0) {
		rc = sftp_fail(c, "cannot rename", from, err);
		if (!overwrite && rc == KA_ERR && sftp_exists(c, to, err) == 1) {
			snprintf(err, ERRLEN, "%s: cannot rename %s to %s: %s exists", c->label,
				 from, to, to);
			rc = KA_EXISTS;
		}
	}
out:
	return rc;
}

static int sftp_remove(struct tconn *c, const char *path, char *err)
{
	int fresh, rc = sftp_ready(c, &fresh, err);
	if (rc)
		return rc;
	if (libssh2_sftp_unlink(c->sftp, path) != 0)
		rc = sftp_fail(c, "cannot remove", path, err);
	return rc;
}

/* Create the directory P unless it is one already. */
static int mkdir_one(struct tconn *c, const char *p, char *err)
{
	struct tentry st;
	int rc = stat_once(c, p, &st, err);
	if (rc == KA_NOENT) {
		if (libssh2_sftp_mkdir(c->sftp, p, LIBSSH2_SFTP_S_IRWXU | LIBSSH2_SFTP_S_IRGRP |
				       LIBSSH2_SFTP_S_IXGRP | LIBSSH2_SFTP_S_IROTH |
				       LIBSSH2_SFTP_S_IXOTH) == 0)
			return 0;
		rc = sftp_fail(c, "cannot create directory", p, err);
		if (rc == KA_TRANSIENT)
			return rc;
		/* Someone else may have created it meanwhile. */
		int r2 = stat_once(c, p, &st, err);
		if (r2 != 0)
			return rc;
	}
	if (rc == 0 && st.type != TENTRY_DIR) {
		snprintf(err, ERRLEN, "%s: cannot create directory %s: a file is in the way",
			 c->label, p);
		return KA_PERMANENT;
	}
	return rc;
}

struct mkdir_ctx {
	struct tconn *c;
	char *err;
};

/* One level of mkdirs_once; a prefix ending in '/' (an empty component,
 * "a//b") is not a level of its own. */
static int mkdir_level(void *ctx, const char *prefix)
{
	struct mkdir_ctx *m = ctx;
	if (prefix[strlen(prefix) - 1] == '/')
		return 0;
	return mkdir_one(m->c, prefix, m->err);
}

static int mkdirs_once(struct tconn *c, const char *path, char *err)
{
	struct tentry st;
	if (stat_once(c, path, &st, err) == 0 && st.type == TENTRY_DIR)
		return 0;
	if (c->broken)
		return KA_TRANSIENT;
	struct mkdir_ctx m = { c, err };
	return mkdirs_walk(path, mkdir_level, &m);
}

static int sftp_mkdirs(struct tconn *c, const char *path, char *err)
{
	int fresh, rc = sftp_ready(c, &fresh, err);
	if (rc)
		return rc;
	if (!*path)
		return 0;
	rc = mkdirs_once(c, path, err);
	if (sftp_retry(c, rc, fresh) && (rc = sftp_ready(c, &fresh, err)) == 0)
		rc = mkdirs_once(c, path, err);
	return rc;
}

const struct transport_ops transport_sftp = {
	.type = "sftp",
	.roles = TR_FILE_SOURCE | TR_FILE_DEST,
	.keys = sftp_keys,
	.sessions = 4,   /* small files: 2-4 sessions scale small-file rates (docs/sftp.md) */
	.check_remote = sftp_check_remote,
	.connect = sftp_connect,
	.list = sftp_list,
	.stat = sftp_stat,
	.get = sftp_get,
	.put = sftp_put,
	.rename = sftp_rename,
	.remove = sftp_remove,
	.mkdirs = sftp_mkdirs,
	.close = sftp_release,
};
