/* SFTP file transfers. Reads and writes are 1 MiB so libssh2 keeps many
 * requests in flight. A large file may move in parts at once, each part on
 * its own SSH session and thread: libssh2 1.10 encrypts and decrypts with
 * one OpenSSL call per 16-byte block, so one session is bound by one core
 * (docs/sftp.md). Files of split_mib or more are downloaded in
 * download_streams parts when the sink takes bytes at an offset, and
 * uploaded in upload_streams parts (default 1: some servers refuse writes
 * at offsets from several handles). The extra sessions belong to the tconn
 * and are reused. */
#include "sftp_int.h"
#include "../checked_read.h"
#include "../progress.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct part;
typedef int (*part_fn)(struct part *p, LIBSSH2_SFTP_HANDLE *h);

/* One part of a transfer: bytes [off, end) of the file, or to its end when
 * end < 0. A download's part 0 goes to the sink in order, the others at
 * their offsets; an upload's parts read the local file at their offsets. */
struct part {
	struct tconn *c;
	const char *path;          /* the remote file */
	unsigned long flags;       /* how a part's thread opens it */
	part_fn body;
	const struct sink *to;     /* download */
	struct checked_read *in;   /* upload: the local file */
	struct progress *pg;       /* upload */
	int64_t off, end;
	atomic_int *stop;          /* set when another part failed */
	int started;               /* bytes of this part moved */
	int stopped;               /* gave up because another part failed */
	int rc;
	char err[ERRLEN];
};

/* Stop if another part failed; its error is the one reported. */
static int part_stopped(struct part *p)
{
	if (!atomic_load(p->stop))
		return 0;
	p->stopped = 1;
	snprintf(p->err, ERRLEN, "%s: %s: stopped, another part failed", p->c->label, p->path);
	return 1;
}

/* ---- downloads ---- */

static int part_emit(struct part *p, const char *buf, size_t n, int64_t pos)
{
	int rc = p->off == 0 ? p->to->write(p->to->ctx, buf, n)
			     : p->to->write_at(p->to->ctx, buf, n, pos);
	if (rc)
		snprintf(p->err, ERRLEN, "%s: cannot store %s locally", p->c->label, p->path);
	return rc;
}

/* Read the part from H (positioned at p->off). A whole file starts with a
 * small read that doubles up to SFTP_BUF: libssh2 keeps several times the
 * buffer in requests in flight, and a 1 MiB first read of a 4 KiB file
 * costs a hundred requests answered with EOF. */
static int part_read(struct part *p, LIBSSH2_SFTP_HANDLE *h)
{
	size_t want = p->end < 0 && p->off == 0 ? SFTP_FIRST_READ : SFTP_BUF;
	int64_t pos = p->off;
	while (p->end < 0 || pos < p->end) {
		if (part_stopped(p))
			return KA_TRANSIENT;
		size_t n = want;
		if (p->end >= 0 && (int64_t)n > p->end - pos)
			n = (size_t)(p->end - pos);
		ssize_t got = libssh2_sftp_read(h, p->c->buf, n);
		if (want < SFTP_BUF)
			want *= 2;
		if (got == 0)
			break;
		if (got < 0)
			return sftp_fail(p->c, "cannot read", p->path, p->err);
		p->started = 1;
		int rc = part_emit(p, p->c->buf, (size_t)got, pos);
		if (rc)
			return rc;
		pos += got;
	}
	if (p->end >= 0 && pos < p->end) {
		snprintf(p->err, ERRLEN, "%s: %s ended at byte %lld while being read",
			 p->c->label, p->path, (long long)pos);
		return KA_TRANSIENT;
	}
	return 0;
}

/* ---- uploads ---- */

/* Write N bytes at P; libssh2 returns how much it took, possibly less. */
static int write_all(struct part *p, LIBSSH2_SFTP_HANDLE *h, const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = libssh2_sftp_write(h, buf, n);
		if (w < 0)
			return sftp_fail(p->c, "cannot write", p->path, p->err);
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Ask the server to fsync the file; a server without fsync@openssh.com
 * is remembered and not asked again. */
static int put_fsync(struct part *p, LIBSSH2_SFTP_HANDLE *h)
{
	struct tconn *c = p->c;
	if (c->no_fsync || libssh2_sftp_fsync(h) == 0)
		return 0;
	if (libssh2_session_last_errno(c->s) == LIBSSH2_ERROR_SFTP_PROTOCOL &&
	    libssh2_sftp_last_error(c->sftp) == LIBSSH2_FX_OP_UNSUPPORTED) {
		c->no_fsync = 1;
		return 0;
	}
	return sftp_fail(c, "cannot fsync", p->path, p->err);
}

/* Write the part's bytes of the local file to H (positioned at p->off),
 * then fsync: each part makes its own bytes durable. The first part's
 * bytes are digested as they are read; the others' are left to
 * checked_end (a part on another thread must not touch the digest). */
static int part_write(struct part *p, LIBSSH2_SFTP_HANDLE *h)
{
	int64_t pos = p->off;
	while (p->end < 0 || pos < p->end) {
		if (part_stopped(p))
			return KA_TRANSIENT;
		size_t want = SFTP_BUF;
		if (p->end >= 0 && (int64_t)want > p->end - pos)
			want = (size_t)(p->end - pos);
		ssize_t n = p->off == 0 ? checked_pread(p->in, p->c->buf, want, pos)
					: pread_full(p->in->fd, p->c->buf, want, pos);
		if (n < 0) {
			snprintf(p->err, ERRLEN, "cannot read %s: %s", p->in->path, strerror(errno));
			return KA_ERR;
		}
		if (n == 0)
			break;
		p->started = 1;
		int rc = write_all(p, h, p->c->buf, (size_t)n);
		if (rc)
			return rc;
		progress_add(p->pg, (size_t)n);
		pos += n;
	}
	if (p->end >= 0 && pos < p->end) {
		snprintf(p->err, ERRLEN, "%s ended at byte %lld while being sent", p->in->path,
			 (long long)pos);
		return KA_ERR;
	}
	return put_fsync(p, h);
}

/* ---- parts ---- */

/* Run the part's body on handle H, then close H: the server reports some
 * write errors only when the handle closes. */
static int part_on(struct part *p, LIBSSH2_SFTP_HANDLE *h)
{
	int rc = p->body(p, h);
	if (libssh2_sftp_close_handle(h) != 0 && rc == 0)
		rc = sftp_fail(p->c, "cannot close", p->path, p->err);
	return rc;
}

static int part_open_run(struct part *p)
{
	LIBSSH2_SFTP_HANDLE *h = libssh2_sftp_open(p->c->sftp, p->path, p->flags, 0);
	if (!h)
		return sftp_fail(p->c, "cannot open", p->path, p->err);
	libssh2_sftp_seek64(h, (libssh2_uint64_t)p->off);
	return part_on(p, h);
}

/* A part on its own session; a stale session is reopened once. */
static void *part_thread(void *arg)
{
	struct part *p = arg;
	int fresh;
	p->rc = sftp_ready(p->c, &fresh, p->err);
	if (p->rc == 0)
		p->rc = part_open_run(p);
	if (!p->started && sftp_retry(p->c, p->rc, fresh) &&
	    (p->rc = sftp_ready(p->c, &fresh, p->err)) == 0)
		p->rc = part_open_run(p);
	if (p->rc)
		atomic_store(p->stop, 1);
	return NULL;
}

/* How many sessions, up to WANT, are ready for a transfer of SIZE bytes:
 * this one and extra ones (connected now when needed). A server that
 * refuses an extra session only turns splitting off for this tconn. */
static int parts_for(struct tconn *c, int64_t size, int want, const char *op)
{
	if (c->no_peers || want < 2 || size < c->o.split_bytes)
		return 1;
	int n = 1;
	while (n < want) {
		struct tconn **peer = &c->peer[n - 1];
		char err[ERRLEN];
		int fresh;
		if (!*peer)
			*peer = sftp_clone(c);
		if (sftp_ready(*peer, &fresh, err) != 0) {
			c->no_peers = 1;
			char q[300], qe[ERRLEN + 8];
			if (c->lg)
				log_event(c->lg, LOG_WARN, "sftp_split_off", "remote=%s error=%s",
					  log_quote(c->o.name, q, sizeof(q)),
					  log_quote(err, qe, sizeof(qe)));
			break;
		}
		n++;
	}
	/* Parts are whole MiB but the last; none may start past the end. */
	int64_t step = ((size / n + SFTP_BUF - 1) / SFTP_BUF) * SFTP_BUF;
	if (n > 1 && step * (n - 1) >= size)
		n = (int)((size + step - 1) / step);
	if (n > 1 && c->lg) {
		char q[300];
		log_event(c->lg, LOG_DEBUG, "sftp_split", "remote=%s op=%s bytes=%lld parts=%d",
			  log_quote(c->o.name, q, sizeof(q)), op, (long long)size, n);
	}
	return n;
}

/* Move a file of SIZE bytes in parts shaped like TEMPLATE; part 0 runs here
 * on H (already open on C), the others on the extra sessions. Returns the
 * first failure that is a cause, not a "stopped". */
static int run_parts(struct tconn *c, LIBSSH2_SFTP_HANDLE *h, const struct part *template,
		     int64_t size, int want, int *started, char *err)
{
	int n = parts_for(c, size, want, template->body == part_read ? "get" : "put");
	int64_t step = ((size / n + SFTP_BUF - 1) / SFTP_BUF) * SFTP_BUF;
	atomic_int stop = 0;
	struct part p[SFTP_MAX_STREAMS];
	pthread_t th[SFTP_MAX_STREAMS];
	int ran[SFTP_MAX_STREAMS] = { 0 };
	for (int i = 0; i < n; i++) {
		p[i] = *template;
		p[i].c = i ? c->peer[i - 1] : c;
		p[i].off = i * step;
		p[i].end = i == n - 1 ? -1 : (i + 1) * step;
		p[i].stop = &stop;
	}
	for (int i = 1; i < n; i++) {
		ran[i] = pthread_create(&th[i], NULL, part_thread, &p[i]) == 0;
		if (!ran[i]) {
			p[i].rc = KA_TRANSIENT;
			snprintf(p[i].err, ERRLEN, "%s: cannot start a transfer thread", c->label);
			atomic_store(&stop, 1);
		}
	}
	p[0].rc = part_on(&p[0], h);
	if (p[0].rc)
		atomic_store(&stop, 1);
	int first = -1;
	for (int i = 0; i < n; i++) {
		if (i > 0 && ran[i])
			pthread_join(th[i], NULL);
		*started |= p[i].started;
		if (p[i].rc && (first < 0 || (p[first].stopped && !p[i].stopped)))
			first = i;
	}
	if (first < 0)
		return 0;
	snprintf(err, ERRLEN, "%s", p[first].err);
	return p[first].rc;
}

static int get_once(struct tconn *c, const char *path, const struct sink *to, int *started,
		    char *err)
{
	LIBSSH2_SFTP_HANDLE *h = libssh2_sftp_open(c->sftp, path, LIBSSH2_FXF_READ, 0);
	if (!h)
		return sftp_fail(c, "cannot open", path, err);
	LIBSSH2_SFTP_ATTRIBUTES a;
	int64_t size = 0;
	if (libssh2_sftp_fstat_ex(h, &a, 0) == 0 && (a.flags & LIBSSH2_SFTP_ATTR_SIZE))
		size = (int64_t)a.filesize;
	struct part t = { .path = path, .flags = LIBSSH2_FXF_READ, .body = part_read, .to = to };
	return run_parts(c, h, &t, size, to->write_at ? c->o.streams : 1, started, err);
}

int sftp_get(struct tconn *c, const char *path, const struct sink *to, char *err)
{
	int fresh, started = 0, rc = sftp_ready(c, &fresh, err);
	if (rc)
		return rc;
	rc = get_once(c, path, to, &started, err);
	if (!started && sftp_retry(c, rc, fresh) && (rc = sftp_ready(c, &fresh, err)) == 0)
		rc = get_once(c, path, to, &started, err);
	return rc;
}

/* Create or truncate PATH (part 0's handle), then write every part and
 * check what was read against the recorded digest. */
static int put_once(struct tconn *c, struct checked_read *in, int64_t size, const char *path,
		    struct progress *pg, int *started, char *err)
{
	int rc = checked_rewind(in, err);
	if (rc != 0)
		return rc;
	LIBSSH2_SFTP_HANDLE *h = libssh2_sftp_open(c->sftp, path,
		LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT | LIBSSH2_FXF_TRUNC,
		LIBSSH2_SFTP_S_IRUSR | LIBSSH2_SFTP_S_IWUSR | LIBSSH2_SFTP_S_IRGRP |
		LIBSSH2_SFTP_S_IROTH);
	if (!h)
		return sftp_fail(c, "cannot create", path, err);
	struct part t = { .path = path, .flags = LIBSSH2_FXF_WRITE, .body = part_write,
			  .in = in, .pg = pg };
	rc = run_parts(c, h, &t, size, c->o.upload_streams, started, err);
	return rc == 0 ? checked_end(in, err) : rc;
}

int sftp_put(struct tconn *c, const char *local_path, const char *sha256, const char *path,
	     struct progress *pg, char *err)
{
	struct checked_read in;
	int rc = checked_open(&in, local_path, sha256, err);
	if (rc != 0)
		return rc;
	struct stat st;
	if (fstat(in.fd, &st) != 0) {
		snprintf(err, ERRLEN, "cannot stat %s: %s", local_path, strerror(errno));
		checked_close(&in);
		return KA_ERR;
	}
	int fresh, started = 0;
	rc = sftp_ready(c, &fresh, err);
	if (rc == 0) {
		rc = put_once(c, &in, (int64_t)st.st_size, path, pg, &started, err);
		/* Rewriting from the start is safe: the file is a temporary name. */
		if (sftp_retry(c, rc, fresh) && (rc = sftp_ready(c, &fresh, err)) == 0)
			rc = put_once(c, &in, (int64_t)st.st_size, path, pg, &started, err);
	}
	checked_close(&in);
	return rc;
}
