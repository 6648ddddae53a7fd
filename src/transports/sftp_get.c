/* SFTP downloads. Reads are 1 MiB so libssh2 keeps many requests in flight.
 * A file of download_split_mib or more is fetched in download_streams parts
 * at once, each part on its own SSH session and thread, when the sink can
 * take bytes at an offset: libssh2 1.10 decrypts with one OpenSSL call per
 * 16-byte block, so one session is bound by one core (docs/sftp.md). The
 * extra sessions belong to the tconn and are reused across files. */
#include "sftp_int.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

/* One part of a download: bytes [off, end) of PATH, or to its end when
 * end < 0. Part 0 goes to the sink in order, the others at their offsets. */
struct part {
	struct tconn *c;
	const char *path;
	const struct sink *to;
	int64_t off, end;
	atomic_int *stop;      /* set when another part failed */
	int started;           /* the sink has seen bytes of this part */
	int stopped;           /* gave up because another part failed */
	int rc;
	char err[ERRLEN];
};

static int part_emit(struct part *p, const char *buf, size_t n, int64_t pos)
{
	int rc = p->off == 0 ? p->to->write(p->to->ctx, buf, n)
			     : p->to->write_at(p->to->ctx, buf, n, pos);
	if (rc)
		snprintf(p->err, ERRLEN, "%s: cannot store %s locally", p->c->label, p->path);
	return rc;
}

/* Read the part from the open handle H (positioned at p->off). A whole
 * file starts with a small read that doubles up to SFTP_BUF: libssh2 keeps
 * several times the buffer in requests in flight, and a 1 MiB first read of
 * a 4 KiB file costs a hundred requests answered with EOF. */
static int part_read(struct part *p, LIBSSH2_SFTP_HANDLE *h)
{
	size_t want = p->end < 0 && p->off == 0 ? SFTP_FIRST_READ : SFTP_BUF;
	int64_t pos = p->off;
	while (p->end < 0 || pos < p->end) {
		if (atomic_load(p->stop)) {
			p->stopped = 1;
			snprintf(p->err, ERRLEN, "%s: %s: stopped, another part failed",
				 p->c->label, p->path);
			return KA_TRANSIENT;
		}
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

static int part_open_read(struct part *p)
{
	LIBSSH2_SFTP_HANDLE *h = libssh2_sftp_open(p->c->sftp, p->path, LIBSSH2_FXF_READ, 0);
	if (!h)
		return sftp_fail(p->c, "cannot open", p->path, p->err);
	libssh2_sftp_seek64(h, (libssh2_uint64_t)p->off);
	int rc = part_read(p, h);
	if (libssh2_sftp_close_handle(h) != 0 && rc == 0)
		rc = sftp_fail(p->c, "cannot close", p->path, p->err);
	return rc;
}

/* A part on its own session; a stale session is reopened once. */
static void *part_thread(void *arg)
{
	struct part *p = arg;
	int fresh;
	p->rc = sftp_ready(p->c, &fresh, p->err);
	if (p->rc == 0)
		p->rc = part_open_read(p);
	if (!p->started && sftp_retry(p->c, p->rc, fresh) &&
	    (p->rc = sftp_ready(p->c, &fresh, p->err)) == 0)
		p->rc = part_open_read(p);
	if (p->rc)
		atomic_store(p->stop, 1);
	return NULL;
}

/* How many parts for a file of SIZE: connect the extra sessions it needs.
 * A server that refuses them only turns splitting off for this tconn. */
static int parts_for(struct tconn *c, int64_t size, const struct sink *to)
{
	if (!to->write_at || c->no_peers || c->o.streams < 2 || size < c->o.split_bytes)
		return 1;
	int n = 1;
	while (n < c->o.streams) {
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
	return n;
}

/* Fetch the file whose part 0 is open as H on C, split across sessions
 * when it is large. */
static int get_parts(struct tconn *c, LIBSSH2_SFTP_HANDLE *h, const char *path,
		     const struct sink *to, int *started, char *err)
{
	LIBSSH2_SFTP_ATTRIBUTES a;
	int64_t size = 0;
	if (libssh2_sftp_fstat_ex(h, &a, 0) == 0 && (a.flags & LIBSSH2_SFTP_ATTR_SIZE))
		size = (int64_t)a.filesize;
	int n = parts_for(c, size, to);
	/* Parts are whole MiB but the last; none may start past the end. */
	int64_t step = ((size / n + SFTP_BUF - 1) / SFTP_BUF) * SFTP_BUF;
	if (n > 1 && step * (n - 1) >= size)
		n = (int)((size + step - 1) / step);
	if (n > 1 && c->lg) {
		char q[300], qp[600];
		log_event(c->lg, LOG_DEBUG, "sftp_split", "remote=%s path=%s bytes=%lld parts=%d",
			  log_quote(c->o.name, q, sizeof(q)), log_quote(path, qp, sizeof(qp)),
			  (long long)size, n);
	}
	atomic_int stop = 0;
	struct part p[SFTP_MAX_STREAMS];
	pthread_t th[SFTP_MAX_STREAMS];
	int ran[SFTP_MAX_STREAMS] = { 0 };
	for (int i = 0; i < n; i++)
		p[i] = (struct part){ .c = i ? c->peer[i - 1] : c, .path = path, .to = to,
				      .off = i * step, .end = i == n - 1 ? -1 : (i + 1) * step,
				      .stop = &stop };
	for (int i = 1; i < n; i++) {
		ran[i] = pthread_create(&th[i], NULL, part_thread, &p[i]) == 0;
		if (!ran[i]) {
			p[i].rc = KA_TRANSIENT;
			snprintf(p[i].err, ERRLEN, "%s: cannot start a download thread", c->label);
			atomic_store(&stop, 1);
		}
	}
	p[0].rc = part_read(&p[0], h);
	if (p[0].rc)
		atomic_store(&stop, 1);
	int first = -1;  /* the part whose failure is reported: a cause, not a "stopped" */
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
	int rc = get_parts(c, h, path, to, started, err);
	if (libssh2_sftp_close_handle(h) != 0 && rc == 0)
		rc = sftp_fail(c, "cannot close", path, err);
	return rc;
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
