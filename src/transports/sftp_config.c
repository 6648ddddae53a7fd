/* The SFTP transport's [remote] keys and secret files: parsing and checking
 * a type = sftp section, and reading key passphrases and passwords from
 * files that only their owner can read. */
#include "sftp_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* KEY of this [remote] as a whole number in [MIN, MAX] (section_get_int). */
static int opt_int(const struct remote_config *rc, const char *file, struct diag *d,
		   const char *key, int def, int min, int max)
{
	char where[ERRLEN];
	snprintf(where, sizeof(where), "remote %s", rc->sec.name);
	return section_get_int(&rc->sec, key, def, min, max, file, where, d);
}

static char *opt_str(const struct remote_config *rc, const char *file, struct diag *d,
		     const char *key, int required)
{
	const char *v = section_get(&rc->sec, key, NULL);
	if (v && *v)
		return xstrdup(v);
	if (required)
		diag_add(d, "%s: [remote %s] %s: missing required key", file, rc->sec.name, key);
	return NULL;
}

void sftp_opts_release(struct sftp_opts *o)
{
	free(o->name);
	free(o->host);
	free(o->user);
	free(o->key);
	free(o->passphrase_file);
	free(o->password_file);
	free(o->known_hosts);
	memset(o, 0, sizeof(*o));
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void sftp_opts_copy(struct sftp_opts *dst, const struct sftp_opts *src)
{
	*dst = *src;
	dst->name = dup_or_null(src->name);
	dst->host = dup_or_null(src->host);
	dst->user = dup_or_null(src->user);
	dst->key = dup_or_null(src->key);
	dst->passphrase_file = dup_or_null(src->passphrase_file);
	dst->password_file = dup_or_null(src->password_file);
	dst->known_hosts = dup_or_null(src->known_hosts);
}

/* Parse RC into O, adding every problem to D. Returns 0 or -1. */
int sftp_opts_parse(const struct remote_config *rc, const char *file, struct diag *d,
		      struct sftp_opts *o)
{
	size_t n0 = d->n;
	memset(o, 0, sizeof(*o));
	o->name = xstrdup(rc->sec.name ? rc->sec.name : "?");
	o->host = opt_str(rc, file, d, "host", 1);
	o->user = opt_str(rc, file, d, "user", 1);
	o->known_hosts = opt_str(rc, file, d, "known_hosts", 1);
	o->key = opt_str(rc, file, d, "key", 0);
	o->passphrase_file = opt_str(rc, file, d, "passphrase_file", 0);
	o->password_file = opt_str(rc, file, d, "password_file", 0);
	o->port = opt_int(rc, file, d, "port", 22, 1, 65535);
	o->connect_timeout = opt_int(rc, file, d, "connect_timeout", 10, 1, 3600);
	o->io_timeout = opt_int(rc, file, d, "io_timeout", 60, 1, 86400);
	o->keepalive = opt_int(rc, file, d, "keepalive", 30, 0, 86400);
	o->streams = opt_int(rc, file, d, "download_streams", 2, 1, SFTP_MAX_STREAMS);
	o->upload_streams = opt_int(rc, file, d, "upload_streams", 1, 1, SFTP_MAX_STREAMS);
	o->split_bytes = (int64_t)opt_int(rc, file, d, "split_mib", 64, 1, 1 << 20) << 20;
	if (!o->key && !o->password_file)
		diag_add(d, "%s: [remote %s] key: neither key nor password_file is set",
			 file, rc->sec.name);
	if (o->passphrase_file && !o->key)
		diag_add(d, "%s: [remote %s] passphrase_file: set without key", file, rc->sec.name);
	const char *v = section_get(&rc->sec, "accept_new_host_key", "no");
	if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "on"))
		o->accept_new = 1;
	else if (strcmp(v, "no") && strcmp(v, "false") && strcmp(v, "0") && strcmp(v, "off"))
		diag_add(d, "%s: [remote %s] accept_new_host_key: '%s' is not yes or no",
			 file, rc->sec.name, v);
	return d->n == n0 ? 0 : -1;
}

/* Refuse a secret file that group or others may read or write. */
int sftp_secret_mode_ok(struct tconn *c, const char *what, const char *path, char *err)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		snprintf(err, ERRLEN, "%s: cannot read %s %s: %s", c->label, what, path,
			 strerror(errno));
		return KA_PERMANENT;
	}
	if (st.st_mode & 077) {
		snprintf(err, ERRLEN, "%s: %s %s is accessible by group or others (mode %04o); "
			 "refusing to use it: chmod 600 %s", c->label, what, path,
			 (unsigned)(st.st_mode & 07777), path);
		return KA_PERMANENT;
	}
	return 0;
}

/* Read the first line of a secret file into buf. Returns 0 or KA_PERMANENT. */
int sftp_secret_read(struct tconn *c, const char *what, const char *path, char *buf,
		       size_t len, char *err)
{
	int rc = sftp_secret_mode_ok(c, what, path, err);
	if (rc)
		return rc;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, len - 1) : -1;
	if (n < 0) {
		snprintf(err, ERRLEN, "%s: cannot read %s %s: %s", c->label, what, path,
			 strerror(errno));
		rc = KA_PERMANENT;
		n = 0;
	}
	if (fd >= 0)
		close(fd);
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	return rc;
}
