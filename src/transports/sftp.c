/* The SFTP transport's table and its file operations (list, stat, rename,
 * remove, mkdirs) on the sessions of sftp_session.c; transfers are in
 * sftp_xfer.c (1 MiB reads and writes so libssh2 pipelines them,
 * fsync@openssh.com after uploads), posix-rename@openssh.com for
 * overwriting renames in sftp_ext.c. */
#include "sftp_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* libssh2_init is not thread-safe: it runs once, from transports_init. */
static int sftp_init(char *err)
{
	if (libssh2_init(0) == 0)
		return 0;
	snprintf(err, ERRLEN, "cannot initialise libssh2");
	return KA_ERR;
}

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
	.init = sftp_init,
	.shutdown = libssh2_exit,
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
