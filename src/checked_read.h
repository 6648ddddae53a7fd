/* Reading a spool copy while checking it against the sha256 recorded when
 * it was staged. The digest is taken over the bytes as they are read for
 * sending (one pass); checked_end compares it once the last byte was read,
 * before anything is renamed into place or a message is finished. */
#ifndef KA_CHECKED_READ_H
#define KA_CHECKED_READ_H

#include <stdint.h>
#include <sys/types.h>
#include "sha256.h"

struct checked_read {
	int fd;
	const char *path;        /* for messages */
	const char *want;        /* the recorded sha256 (hex), or NULL: no check */
	struct sha256 h;
	int64_t pos;             /* bytes digested, in order from the first */
};

/* Open PATH for reading, to be checked against WANT (NULL: not checked).
 * 0, or KA_NOENT / KA_ERR with err set. */
int checked_open(struct checked_read *cr, const char *path, const char *want, char *err);
/* Like read(2) (EINTR retried): the next bytes in order, digested. */
ssize_t checked_read(struct checked_read *cr, void *buf, size_t len);
/* Like pread(2): bytes that continue the digested ones are digested, any
 * others are left for checked_end. Not thread-safe: a transfer in parallel
 * parts reads its first part with this and the others with pread(cr->fd). */
ssize_t checked_pread(struct checked_read *cr, void *buf, size_t len, int64_t off);
/* Start again from the first byte (a transfer begun anew). */
int checked_rewind(struct checked_read *cr, char *err);
/* The whole file was sent: digest the bytes not read in order (a second
 * read of the parts sent at offsets), then compare. 0 when it matches or
 * is not checked; KA_CORRUPT with "spool copy PATH does not match its
 * sha256: expected X, found Y"; KA_ERR when it cannot be read. */
int checked_end(struct checked_read *cr, char *err);
void checked_close(struct checked_read *cr);

#endif
