/* A spool copy read for delivery, digested on the way (checked_read.h). */
#include "checked_read.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

#define TAIL_BUF (1024 * 1024)

int checked_open(struct checked_read *cr, const char *path, const char *want, char *err)
{
	memset(cr, 0, sizeof(*cr));
	cr->path = path;
	cr->want = want;
	cr->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (cr->fd < 0) {
		int e = errno;
		snprintf(err, ERRLEN, "cannot open %s: %s", path, strerror(e));
		return e == ENOENT ? KA_NOENT : KA_ERR;
	}
	if (want && sha256_init(&cr->h) != 0) {
		snprintf(err, ERRLEN, "cannot start a sha256 digest of %s", path);
		close(cr->fd);
		cr->fd = -1;
		return KA_ERR;
	}
	return 0;
}

ssize_t checked_read(struct checked_read *cr, void *buf, size_t len)
{
	ssize_t n = read_full(cr->fd, buf, len);
	if (n > 0 && cr->want)
		sha256_update(&cr->h, buf, (size_t)n);
	if (n > 0)
		cr->pos += n;
	return n;
}

ssize_t checked_pread(struct checked_read *cr, void *buf, size_t len, int64_t off)
{
	ssize_t n = pread_full(cr->fd, buf, len, off);
	if (n > 0 && off == cr->pos) {
		if (cr->want)
			sha256_update(&cr->h, buf, (size_t)n);
		cr->pos += n;
	}
	return n;
}

int checked_rewind(struct checked_read *cr, char *err)
{
	if (lseek(cr->fd, 0, SEEK_SET) != 0) {
		snprintf(err, ERRLEN, "cannot read %s again: %s", cr->path, strerror(errno));
		return KA_ERR;
	}
	cr->pos = 0;
	if (!cr->want)
		return 0;
	sha256_release(&cr->h);
	if (sha256_init(&cr->h) != 0) {
		snprintf(err, ERRLEN, "cannot start a sha256 digest of %s", cr->path);
		return KA_ERR;
	}
	return 0;
}

int checked_end(struct checked_read *cr, char *err)
{
	if (!cr->want)
		return 0;
	struct stat st;
	if (fstat(cr->fd, &st) != 0) {
		snprintf(err, ERRLEN, "cannot stat %s: %s", cr->path, strerror(errno));
		return KA_ERR;
	}
	/* Bytes not read in order: a split transfer's later parts. */
	char *buf = cr->pos < (int64_t)st.st_size ? xmalloc(TAIL_BUF) : NULL;
	ssize_t n = 0;
	while (buf && (n = checked_pread(cr, buf, TAIL_BUF, cr->pos)) > 0)
		;
	free(buf);
	if (n < 0) {
		snprintf(err, ERRLEN, "cannot read %s: %s", cr->path, strerror(errno));
		return KA_ERR;
	}
	char got[SHA256_HEX];
	sha256_final(&cr->h, got);
	if (strcmp(got, cr->want) == 0)
		return 0;
	snprintf(err, ERRLEN, "spool copy %s does not match its sha256: expected %s, found %s",
		 cr->path, cr->want, got);
	return KA_CORRUPT;
}

void checked_close(struct checked_read *cr)
{
	if (cr->fd >= 0)
		close(cr->fd);
	cr->fd = -1;
	if (cr->h.md)
		sha256_release(&cr->h);
}
