/* posix-rename@openssh.com on a raw SFTP channel. libssh2 1.10 sends a
 * plain SSH_FXP_RENAME whatever the flags (the flags exist only in SFTP
 * v5), and OpenSSH refuses that when the target exists; it has no call for
 * other extended requests. So an overwriting rename opens a second "sftp"
 * subsystem channel on the same session (lazily, once), speaks SFTP v3 to
 * learn the server's extensions, and sends the extension itself. */
#include "sftp_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FXP_INIT 1
#define FXP_VERSION 2
#define FXP_STATUS 101
#define FXP_EXTENDED 200
#define EXT_MAX (256 * 1024)
#define POSIX_RENAME "posix-rename@openssh.com"

static void put_u32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static uint32_t get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The channel failed: the whole session is suspect. */
static int ext_broken(struct tconn *c, const char *what, char *err)
{
	char *msg = NULL;
	libssh2_session_last_error(c->s, &msg, NULL, 0);
	snprintf(err, ERRLEN, "%s: %s: connection failed: %s", c->label, what,
		 msg && *msg ? msg : "channel closed");
	sftp_lost(c);
	return KA_TRANSIENT;
}

static int ext_write(struct tconn *c, const unsigned char *p, size_t n, char *err)
{
	while (n > 0) {
		ssize_t w = libssh2_channel_write(c->ext, (const char *)p, n);
		if (w <= 0)
			return ext_broken(c, "cannot send a request", err);
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int ext_read(struct tconn *c, unsigned char *p, size_t n, char *err)
{
	while (n > 0) {
		ssize_t r = libssh2_channel_read(c->ext, (char *)p, n);
		if (r <= 0)
			return ext_broken(c, "cannot read a reply", err);
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* Read one SFTP packet; *out (caller frees) holds type and payload. */
static int ext_packet(struct tconn *c, unsigned char **out, uint32_t *len, char *err)
{
	unsigned char h[4];
	int rc = ext_read(c, h, 4, err);
	if (rc)
		return rc;
	*len = get_u32(h);
	if (*len < 1 || *len > EXT_MAX) {
		snprintf(err, ERRLEN, "%s: bad SFTP packet length %u", c->label, *len);
		sftp_lost(c);
		return KA_TRANSIENT;
	}
	*out = xmalloc(*len);
	rc = ext_read(c, *out, *len, err);
	if (rc) {
		free(*out);
		*out = NULL;
	}
	return rc;
}

/* Does the VERSION packet P (after its type byte) announce posix-rename? */
static int version_has_rename(const unsigned char *p, uint32_t len)
{
	uint32_t o = 4;  /* the version number */
	while (o + 4 <= len) {
		uint32_t nl = get_u32(p + o);
		if (nl > len - o - 4)
			return 0;
		const unsigned char *name = p + o + 4;
		o += 4 + nl;
		if (o + 4 > len)
			return 0;
		uint32_t dl = get_u32(p + o);
		if (dl > len - o - 4)
			return 0;
		o += 4 + dl;
		if (nl == strlen(POSIX_RENAME) && !memcmp(name, POSIX_RENAME, nl))
			return 1;
	}
	return 0;
}

/* Open the raw channel and learn whether posix-rename is offered. */
static int ext_open(struct tconn *c, char *err)
{
	c->ext = libssh2_channel_open_session(c->s);
	if (!c->ext)
		return ext_broken(c, "cannot open an SFTP channel", err);
	if (libssh2_channel_subsystem(c->ext, "sftp") != 0)
		return ext_broken(c, "cannot start the SFTP subsystem", err);
	unsigned char init[9];
	put_u32(init, 5);
	init[4] = FXP_INIT;
	put_u32(init + 5, 3);
	int rc = ext_write(c, init, sizeof(init), err);
	unsigned char *p = NULL;
	uint32_t len = 0;
	if (rc == 0)
		rc = ext_packet(c, &p, &len, err);
	if (rc)
		return rc;
	if (p[0] != FXP_VERSION) {
		snprintf(err, ERRLEN, "%s: unexpected SFTP packet %d instead of VERSION", c->label, p[0]);
		free(p);
		sftp_lost(c);
		return KA_TRANSIENT;
	}
	c->ext_state = version_has_rename(p + 1, len - 1) ? 1 : -1;
	free(p);
	return 0;
}

void sftp_ext_close(struct tconn *c)
{
	if (c->ext)
		libssh2_channel_free(c->ext);
	c->ext = NULL;
	c->ext_state = 0;
}

/* Map an SSH_FXP_STATUS reply to a code and a sentence. */
static int ext_status(struct tconn *c, const unsigned char *p, uint32_t len, uint32_t id,
		      const char *from, const char *to, char *err)
{
	if (len < 9 || p[0] != FXP_STATUS || get_u32(p + 1) != id) {
		snprintf(err, ERRLEN, "%s: unexpected reply to posix-rename", c->label);
		sftp_lost(c);
		return KA_TRANSIENT;
	}
	uint32_t st = get_u32(p + 5);
	if (st == LIBSSH2_FX_OK)
		return 0;
	const char *why = st == LIBSSH2_FX_NO_SUCH_FILE ? "no such file" :
			  st == LIBSSH2_FX_PERMISSION_DENIED ? "permission denied" : "failure";
	snprintf(err, ERRLEN, "%s: cannot rename %s to %s: %s", c->label, from, to, why);
	return st == LIBSSH2_FX_NO_SUCH_FILE ? KA_NOENT :
	       st == LIBSSH2_FX_PERMISSION_DENIED ? KA_PERMANENT : KA_ERR;
}

int sftp_posix_rename(struct tconn *c, const char *from, const char *to, char *err)
{
	if (c->ext_state == 0) {
		int rc = ext_open(c, err);
		if (rc)
			return rc;
	}
	if (c->ext_state < 0)
		return KA_INVALID;
	size_t el = strlen(POSIX_RENAME), fl = strlen(from), tl = strlen(to);
	size_t n = 4 + 1 + 4 + 4 + el + 4 + fl + 4 + tl;
	if (n > EXT_MAX) {
		snprintf(err, ERRLEN, "%s: cannot rename %s: name too long", c->label, from);
		return KA_ERR;
	}
	unsigned char *m = xmalloc(n), *q = m;
	uint32_t id = ++c->ext_id;
	put_u32(q, (uint32_t)(n - 4));
	q[4] = FXP_EXTENDED;
	put_u32(q + 5, id);
	q += 9;
	put_u32(q, (uint32_t)el);
	memcpy(q + 4, POSIX_RENAME, el);
	q += 4 + el;
	put_u32(q, (uint32_t)fl);
	memcpy(q + 4, from, fl);
	q += 4 + fl;
	put_u32(q, (uint32_t)tl);
	memcpy(q + 4, to, tl);
	int rc = ext_write(c, m, n, err);
	free(m);
	unsigned char *p = NULL;
	uint32_t len = 0;
	if (rc == 0)
		rc = ext_packet(c, &p, &len, err);
	if (rc == 0)
		rc = ext_status(c, p, len, id, from, to, err);
	free(p);
	return rc;
}
