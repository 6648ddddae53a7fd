/* Content-addressed spool with fsync discipline: write to tmp/, rename into
 * objects/<sha256>, and before the manifest records a batch of files make
 * all of them durable with one syncfs (cheaper than an fsync per file and
 * per directory, same guarantee: nothing is recorded before it is on disk).
 * ENOSPC is an ordinary failure. */
#include "spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"
#include "progress.h"

#define SPOOL_TAIL_BUF (1024 * 1024)

static int errno_fail(char *err, const char *what, const char *path)
{
	int e = errno;
	char why[ERRLEN];
	snprintf(err, ERRLEN, "spool: cannot %s %s: %s", what, path,
		 errno_text(e, path, why, sizeof(why)));
	return (e == ENOSPC || e == EDQUOT) ? KA_NOSPACE : KA_ERR;
}

static int ensure_dir(const char *path, char *err)
{
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return errno_fail(err, "create directory", path);
	return 0;
}

int spool_open(struct spool *s, const char *dir, char *err)
{
	memset(s, 0, sizeof(*s));
	s->dir = xstrdup(dir);
	s->objects = path_join(dir, "objects");
	s->tmp = path_join(dir, "tmp");
	s->corrupt = path_join(dir, "corrupt");
	/* The spool's parents, then the spool and its two directories. */
	mkdir_parents(dir);
	int rc = ensure_dir(dir, err);
	if (rc == 0)
		rc = ensure_dir(s->objects, err);
	if (rc == 0)
		rc = ensure_dir(s->tmp, err);
	return rc;
}

void spool_release(struct spool *s)
{
	free(s->dir);
	free(s->objects);
	free(s->tmp);
	free(s->corrupt);
	memset(s, 0, sizeof(*s));
}

int spool_begin(struct spool *s, struct spool_writer *w, char *err)
{
	memset(w, 0, sizeof(*w));
	w->tmp_path = xasprintf("%s/in.%d.%016llx", s->tmp, (int)getpid(),
				(unsigned long long)random_u64());
	w->fd = open(w->tmp_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (w->fd < 0) {
		int rc = errno_fail(err, "create", w->tmp_path);
		free(w->tmp_path);
		w->tmp_path = NULL;
		return rc;
	}
	if (sha256_init(&w->hash) != 0) {
		snprintf(err, ERRLEN, "spool: cannot start a sha256 digest");
		spool_abort(w);
		return KA_ERR;
	}
	return 0;
}

int spool_write(void *writer, const void *buf, size_t len)
{
	struct spool_writer *w = writer;
	if (write_full(w->fd, buf, len) < 0) {
		w->error = errno;
		return (errno == ENOSPC || errno == EDQUOT) ? KA_NOSPACE : KA_ERR;
	}
	sha256_update(&w->hash, buf, len);
	w->size += (int64_t)len;
	progress_add(w->progress, len);
	return 0;
}

int spool_write_at(void *writer, const void *buf, size_t len, int64_t offset)
{
	struct spool_writer *w = writer;
	if (pwrite_full(w->fd, buf, len, offset) < 0)
		return (errno == ENOSPC || errno == EDQUOT) ? KA_NOSPACE : KA_ERR;
	progress_add(w->progress, len);
	return 0;
}

int spool_take_tail(struct spool_writer *w, char *err)
{
	struct stat st;
	if (fstat(w->fd, &st) != 0)
		return errno_fail(err, "stat", w->tmp_path);
	char *buf = NULL;
	int rc = 0;
	while (w->size < (int64_t)st.st_size) {
		if (!buf)
			buf = xmalloc(SPOOL_TAIL_BUF);
		ssize_t n = pread_full(w->fd, buf, SPOOL_TAIL_BUF, w->size);
		if (n < 0) {
			rc = errno_fail(err, "read", w->tmp_path);
			break;
		}
		if (n == 0) {
			snprintf(err, ERRLEN, "spool: %s ended early", w->tmp_path);
			rc = KA_ERR;
			break;
		}
		sha256_update(&w->hash, buf, (size_t)n);
		w->size += n;
	}
	free(buf);
	return rc;
}

int spool_commit(struct spool *s, struct spool_writer *w, char sha[SHA256_HEX],
		 int64_t *size, char **path, char *err)
{
	int rc = 0;
	if (w->error) {
		errno = w->error;
		rc = errno_fail(err, "write", w->tmp_path);
		goto fail;
	}
	if (close(w->fd) != 0) {
		w->fd = -1;
		rc = errno_fail(err, "close", w->tmp_path);
		goto fail;
	}
	w->fd = -1;
	sha256_final(&w->hash, sha);
	if (w->want && strcmp(sha, w->want) != 0) {
		snprintf(err, ERRLEN, "the copy has sha256 %s, not the recorded %s", sha, w->want);
		rc = KA_INVALID;
		goto fail;
	}
	*path = path_join(s->objects, sha);
	/* Same content already spooled: keep the durable copy, never replace it
	 * with one whose data may not be on disk yet. */
	if (access(*path, F_OK) == 0) {
		unlink(w->tmp_path);
	} else if (rename(w->tmp_path, *path) != 0) {
		rc = errno_fail(err, "rename into", *path);
		free(*path);
		*path = NULL;
		goto fail;
	}
	*size = w->size;
	free(w->tmp_path);
	w->tmp_path = NULL;
	s->dirty = 1;
	return 0;
fail:
	spool_abort(w);
	return rc;
}

int spool_write_error(const struct spool_writer *w, char *err)
{
	char why[ERRLEN];
	snprintf(err, ERRLEN, "spool: cannot write %s: %s", w->tmp_path,
		 errno_text(w->error, w->tmp_path, why, sizeof(why)));
	return (w->error == ENOSPC || w->error == EDQUOT) ? KA_NOSPACE : KA_ERR;
}

void spool_abort(struct spool_writer *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	if (w->hash.md)
		sha256_release(&w->hash);
	if (w->tmp_path) {
		unlink(w->tmp_path);
		free(w->tmp_path);
		w->tmp_path = NULL;
	}
}

int spool_sync(struct spool *s, char *err)
{
	if (!s->dirty)
		return 0;
	int fd = open(s->objects, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno_fail(err, "open", s->objects);
	int rc = syncfs(fd) == 0 ? 0 : errno_fail(err, "sync", s->objects);
	close(fd);
	if (rc == 0)
		s->dirty = 0;
	return rc;
}

int spool_set_aside(struct spool *s, const char *sha256, char **moved, char *err)
{
	*moved = NULL;
	int rc = ensure_dir(s->corrupt, err);
	if (rc != 0)
		return rc;
	char *from = path_join(s->objects, sha256);
	char *to = xasprintf("%s/%s.%lld", s->corrupt, sha256, (long long)now_ms());
	if (rename(from, to) == 0) {
		*moved = to;
		s->dirty = 1;
	} else {
		rc = errno == ENOENT ? KA_NOENT : errno_fail(err, "move aside", from);
		if (rc == KA_NOENT)
			snprintf(err, ERRLEN, "spool: %s is already gone", from);
		free(to);
	}
	free(from);
	return rc;
}

int64_t spool_object_bytes(struct spool *s, const char *sha256)
{
	char *path = path_join(s->objects, sha256);
	struct stat st;
	int64_t n = lstat(path, &st) == 0 && S_ISREG(st.st_mode) ? st.st_size : 0;
	free(path);
	return n;
}

int spool_remove(struct spool *s, const char *sha256, char *err)
{
	char *path = path_join(s->objects, sha256);
	int rc = 0;
	if (unlink(path) != 0)
		rc = errno == ENOENT ? KA_NOENT : errno_fail(err, "remove", path);
	free(path);
	return rc;
}

int spool_walk_open(struct spool *s, struct spool_walk *w, char *err)
{
	w->dir = opendir(s->objects);
	return w->dir ? 0 : errno_fail(err, "list", s->objects);
}

int spool_walk_next(struct spool_walk *w, char sha[SHA256_HEX])
{
	struct dirent *de;
	while (w->dir && (de = readdir(w->dir))) {
		/* Only names an object can have: 64 lowercase hex digits. */
		if (strlen(de->d_name) == SHA256_HEX - 1 &&
		    strspn(de->d_name, "0123456789abcdef") == SHA256_HEX - 1) {
			memcpy(sha, de->d_name, SHA256_HEX);  /* 64 digits and the NUL */
			return 1;
		}
	}
	return 0;
}

void spool_walk_close(struct spool_walk *w)
{
	if (w->dir)
		closedir(w->dir);
	w->dir = NULL;
}

void spool_clean_tmp(struct spool *s)
{
	DIR *d = opendir(s->tmp);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d)))
		if (strncmp(de->d_name, "in.", 3) == 0)
			unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
}
