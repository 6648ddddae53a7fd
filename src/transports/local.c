/* Local directories: list with readdir, read and write with 1 MiB buffers,
 * commit by rename (RENAME_NOREPLACE unless overwriting) and fsync the
 * directory, watch with inotify. Symlinks are never followed. */
#include "transport.h"
#include "../checked_read.h"
#include "../progress.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#define IO_BUF (1024 * 1024)

struct tconn {
	char *buf;  /* IO_BUF bytes, reused by get and put */
	int defer;  /* put and rename leave durability to local_sync */
};

static int errno_code(int e)
{
	switch (e) {
	case ENOENT: case ENOTDIR: return KA_NOENT;
	case EEXIST: return KA_EXISTS;
	case ENOSPC: case EDQUOT: return KA_NOSPACE;
	case EACCES: case EPERM: case EROFS: case ELOOP: return KA_PERMANENT;
	default: return KA_ERR;
	}
}

static int fail(char *err, const char *what, const char *path)
{
	int e = errno;
	char why[ERRLEN];
	snprintf(err, ERRLEN, "%s %s: %s", what, path, errno_text(e, path, why, sizeof(why)));
	return errno_code(e);
}

static int local_connect(const struct remote_config *rc, const struct logger *lg,
			 struct tconn **out, char *err)
{
	struct tconn *c = xcalloc(1, sizeof(*c));
	c->buf = xmalloc(IO_BUF);
	*out = c;
	return 0;
}

static void local_close(struct tconn *c)
{
	if (!c)
		return;
	free(c->buf);
	free(c);
}

static enum tentry_type mode_type(mode_t m)
{
	return S_ISREG(m) ? TENTRY_FILE : S_ISDIR(m) ? TENTRY_DIR
		: S_ISLNK(m) ? TENTRY_LINK : TENTRY_OTHER;
}

/* What tells one local file from another under the same name: the inode
 * and the mtime to the nanosecond (not ctime: a chmod or a backup tool
 * reading the file must not make it new). */
static void set_identity(struct tentry *e, const struct stat *st)
{
	e->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
	e->ino = (int64_t)st->st_ino;
}

static int local_list(struct tconn *c, const char *dir, struct tlist *out, char *err)
{
	DIR *d = opendir(dir);
	if (!d)
		return fail(err, "cannot list", dir);
	int dfd = dirfd(d);
	struct dirent *de;
	errno = 0;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		struct stat st;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue;  /* removed since readdir: not a candidate */
		tlist_add(out, de->d_name, (int64_t)st.st_size, (int64_t)st.st_mtime,
			  mode_type(st.st_mode));
		set_identity(&out->v[out->n - 1], &st);
		errno = 0;
	}
	int rc = errno ? fail(err, "cannot list", dir) : 0;
	closedir(d);
	return rc;
}

static int local_stat(struct tconn *c, const char *path, struct tentry *out, char *err)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return fail(err, "cannot stat", path);
	out->name = NULL;
	out->size = (int64_t)st.st_size;
	out->mtime = (int64_t)st.st_mtime;
	out->type = mode_type(st.st_mode);
	set_identity(out, &st);
	return 0;
}

static int local_get(struct tconn *c, const char *path, const struct sink *to, char *err)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return fail(err, "cannot open", path);
	int rc = 0;
	for (;;) {
		ssize_t n = read_full(fd, c->buf, IO_BUF);
		if (n < 0) {
			rc = fail(err, "cannot read", path);
			break;
		}
		if (n == 0)
			break;
		rc = to->write(to->ctx, c->buf, (size_t)n);
		if (rc != 0) {
			snprintf(err, ERRLEN, "cannot store %s", path);
			break;
		}
	}
	close(fd);
	return rc;
}

static int local_put(struct tconn *c, const char *local_path, const char *sha256,
		     const char *path, struct progress *pg, char *err)
{
	struct checked_read in;
	int rc = checked_open(&in, local_path, sha256, err);
	if (rc != 0)
		return rc;
	int out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (out < 0) {
		rc = fail(err, "cannot create", path);
		checked_close(&in);
		return rc;
	}
	for (;;) {
		ssize_t n = checked_read(&in, c->buf, IO_BUF);
		if (n < 0) {
			rc = fail(err, "cannot read", local_path);
			break;
		}
		if (n == 0)
			break;
		if (write_full(out, c->buf, (size_t)n) < 0) {
			rc = fail(err, "cannot write", path);
			break;
		}
		progress_add(pg, (size_t)n);
	}
	if (rc == 0)
		rc = checked_end(&in, err);
	/* The data must be on disk before the rename makes it visible. */
	if (rc == 0 && !c->defer && fsync(out) != 0)
		rc = fail(err, "cannot fsync", path);
	if (close(out) != 0 && rc == 0)
		rc = fail(err, "cannot close", path);
	checked_close(&in);
	/* PATH is a temporary name: a partial copy left there would keep the
	 * space a full disk needs back, and nobody would ever take it; a copy
	 * of a corrupt spool object must not stay anywhere. */
	if (rc != 0)
		unlink(path);
	return rc;
}

/* fsync the directory holding PATH, so a rename or create in it is durable. */
static int sync_parent(const char *path, char *err)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? xstrndup(path, slash == path ? 1 : (size_t)(slash - path))
			  : xstrdup(".");
	int rc = 0;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0)
		rc = fail(err, "cannot fsync directory", dir);
	if (fd >= 0)
		close(fd);
	free(dir);
	return rc;
}

static int local_rename(struct tconn *c, const char *from, const char *to, int overwrite,
			char *err)
{
	int r;
	if (overwrite) {
		r = rename(from, to);
	} else {
		r = renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE);
		if (r != 0 && errno == EINVAL) {
			/* File systems without RENAME_NOREPLACE: link fails if TO exists. */
			r = link(from, to);
			if (r == 0 && unlink(from) != 0)
				return fail(err, "cannot remove", from);
		}
	}
	if (r != 0) {
		int e = errno;
		char why[ERRLEN];
		snprintf(err, ERRLEN, "cannot rename %s to %s: %s", from, to,
			 errno_text(e, to, why, sizeof(why)));
		return errno_code(e);
	}
	if (c->defer)
		return 0;
	int rc = sync_parent(to, err);
	const char *fs = strrchr(from, '/'), *ts = strrchr(to, '/');
	size_t fl = fs ? (size_t)(fs - from) : 0, tl = ts ? (size_t)(ts - to) : 0;
	if (rc == 0 && (fl != tl || strncmp(from, to, fl) != 0))
		rc = sync_parent(from, err);
	return rc;
}

static int local_remove(struct tconn *c, const char *path, char *err)
{
	if (unlink(path) != 0)
		return fail(err, "cannot remove", path);
	return 0;
}

/* One level of local_mkdirs (CTX is the error buffer). */
static int local_mkdir_one(void *ctx, const char *prefix)
{
	if (mkdir(prefix, 0755) != 0 && errno != EEXIST)
		return fail(ctx, "cannot create directory", prefix);
	return 0;
}

static int local_mkdirs(struct tconn *c, const char *path, char *err)
{
	int rc = mkdirs_walk(path, local_mkdir_one, err);
	struct stat st;
	if (rc == 0 && (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))) {
		snprintf(err, ERRLEN, "cannot create directory %s: not a directory", path);
		rc = KA_ERR;
	}
	return rc;
}

static void local_defer_sync(struct tconn *c, int on)
{
	c->defer = on;
}

/* One syncfs makes every deferred write and rename on PATH's file system durable. */
static int local_sync(struct tconn *c, const char *path, char *err)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return fail(err, "cannot open", path);
	int rc = syncfs(fd) == 0 ? 0 : fail(err, "cannot sync", path);
	close(fd);
	return rc;
}

static int local_watch(struct tconn *c, const char *dir, int *fd, char *err)
{
	int in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (in < 0)
		return fail(err, "cannot watch", dir);
	if (inotify_add_watch(in, dir, IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_ATTRIB |
			      IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR) < 0) {
		int rc = fail(err, "cannot watch", dir);
		close(in);
		return rc;
	}
	*fd = in;
	return 0;
}

/* Read every pending event; 1 when the directory itself went away: removed
 * (IN_DELETE_SELF, then IN_IGNORED), moved (IN_MOVE_SELF: the watch would
 * follow it to its new name) or unmounted. */
static int local_watch_drain(struct tconn *c, int fd)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	int lost = 0;
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;
			if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED | IN_UNMOUNT))
				lost = 1;
			p += sizeof(*ev) + ev->len;
		}
	}
	return lost;
}

const struct transport_ops transport_local = {
	.type = "local",
	.roles = TR_FILE_SOURCE | TR_FILE_DEST,
	.keys = NULL,
	.connect = local_connect,
	.list = local_list,
	.stat = local_stat,
	.get = local_get,
	.put = local_put,
	.rename = local_rename,
	.remove = local_remove,
	.mkdirs = local_mkdirs,
	.defer_sync = local_defer_sync,
	.sync = local_sync,
	.watch = local_watch,
	.watch_drain = local_watch_drain,
	.close = local_close,
};
