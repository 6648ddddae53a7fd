/* SFTP host key verification against an OpenSSH known_hosts file, with
 * libssh2's knownhost API. An unknown or changed key is refused with its
 * SHA256 fingerprint; accept_new_host_key = yes stores a first-seen key
 * (never a changed one), like OpenSSH's StrictHostKeyChecking=accept-new. */
#include "sftp_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The knownhost key type bits for a libssh2_session_hostkey type. */
static int knownhost_keytype(int type, const char **name)
{
	switch (type) {
	case LIBSSH2_HOSTKEY_TYPE_RSA:
		*name = "RSA";
		return LIBSSH2_KNOWNHOST_KEY_SSHRSA;
	case LIBSSH2_HOSTKEY_TYPE_DSS:
		*name = "DSA";
		return LIBSSH2_KNOWNHOST_KEY_SSHDSS;
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_256:
		*name = "ECDSA";
		return LIBSSH2_KNOWNHOST_KEY_ECDSA_256;
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_384:
		*name = "ECDSA";
		return LIBSSH2_KNOWNHOST_KEY_ECDSA_384;
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_521:
		*name = "ECDSA";
		return LIBSSH2_KNOWNHOST_KEY_ECDSA_521;
	case LIBSSH2_HOSTKEY_TYPE_ED25519:
		*name = "ED25519";
		return LIBSSH2_KNOWNHOST_KEY_ED25519;
	default:
		*name = "unknown";
		return LIBSSH2_KNOWNHOST_KEY_UNKNOWN;
	}
}

/* Base64 without padding, as OpenSSH prints fingerprints. */
static void base64_nopad(const unsigned char *in, size_t n, char *out, size_t len)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;
	for (size_t i = 0; i < n && o + 5 < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		out[o++] = tab[(v >> 18) & 63];
		out[o++] = tab[(v >> 12) & 63];
		if (i + 1 < n)
			out[o++] = tab[(v >> 6) & 63];
		if (i + 2 < n)
			out[o++] = tab[v & 63];
	}
	out[o] = '\0';
}

void sftp_hostkey_fingerprint(LIBSSH2_SESSION *s, char *buf, size_t len)
{
	const char *h = libssh2_hostkey_hash(s, LIBSSH2_HOSTKEY_HASH_SHA256);
	if (!h) {
		snprintf(buf, len, "SHA256:(unavailable)");
		return;
	}
	char b64[64];
	base64_nopad((const unsigned char *)h, 32, b64, sizeof(b64));
	snprintf(buf, len, "SHA256:%s", b64);
}

/* The name known_hosts uses for the remote: "host", or "[host]:port" when
 * the port is not 22 (OpenSSH's convention). */
static char *known_name(const struct sftp_opts *o)
{
	if (o->port == 22)
		return xstrdup(o->host);
	return xasprintf("[%s]:%d", o->host, o->port);
}

/* Append one known_hosts line for the session's key to the file (created
 * 0600 if missing) and fsync it. Returns 0 or KA_ERR. */
static int hostkey_store(struct tconn *c, LIBSSH2_KNOWNHOSTS *kh, const char *name,
			 const char *key, size_t keylen, int typebits, char *err)
{
	struct libssh2_knownhost *node = NULL;
	const char *comment = "added by kargo-agent";
	int r = libssh2_knownhost_addc(kh, name, NULL, key, keylen, comment, strlen(comment),
				       LIBSSH2_KNOWNHOST_TYPE_PLAIN |
				       LIBSSH2_KNOWNHOST_KEYENC_RAW | typebits, &node);
	char line[4096];
	size_t n = 0;
	if (r == 0)
		r = libssh2_knownhost_writeline(kh, node, line, sizeof(line), &n,
						LIBSSH2_KNOWNHOST_FILE_OPENSSH);
	if (r != 0) {
		snprintf(err, ERRLEN, "%s: cannot format a known_hosts line for %s (libssh2 error %d)",
			 c->label, name, r);
		return KA_ERR;
	}
	int fd = open(c->o.known_hosts, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	int rc = 0;
	if (fd < 0 || write(fd, line, n) != (ssize_t)n || fsync(fd) != 0) {
		snprintf(err, ERRLEN, "%s: cannot add the host key to %s: %s", c->label,
			 c->o.known_hosts, strerror(errno));
		rc = KA_ERR;
	}
	if (fd >= 0 && close(fd) != 0 && rc == 0) {
		snprintf(err, ERRLEN, "%s: cannot add the host key to %s: %s", c->label,
			 c->o.known_hosts, strerror(errno));
		rc = KA_ERR;
	}
	return rc;
}

/* Read known_hosts; a missing file is an empty one. Returns 0 or KA_PERMANENT. */
static int hostkey_load(struct tconn *c, LIBSSH2_KNOWNHOSTS *kh, char *err)
{
	struct stat st;
	if (stat(c->o.known_hosts, &st) != 0 && errno == ENOENT)
		return 0;
	if (libssh2_knownhost_readfile(kh, c->o.known_hosts, LIBSSH2_KNOWNHOST_FILE_OPENSSH) >= 0)
		return 0;
	char *msg = NULL;
	libssh2_session_last_error(c->s, &msg, NULL, 0);
	snprintf(err, ERRLEN, "%s: cannot read known_hosts file %s: %s", c->label,
		 c->o.known_hosts, msg ? msg : "unreadable");
	return KA_PERMANENT;
}

/* Host key algorithms for a knownhost key type, most preferred first. */
static const char *keytype_methods(int keybits)
{
	switch (keybits) {
	case LIBSSH2_KNOWNHOST_KEY_ED25519: return "ssh-ed25519";
	case LIBSSH2_KNOWNHOST_KEY_ECDSA_256: return "ecdsa-sha2-nistp256";
	case LIBSSH2_KNOWNHOST_KEY_ECDSA_384: return "ecdsa-sha2-nistp384";
	case LIBSSH2_KNOWNHOST_KEY_ECDSA_521: return "ecdsa-sha2-nistp521";
	case LIBSSH2_KNOWNHOST_KEY_SSHRSA: return "rsa-sha2-512,rsa-sha2-256,ssh-rsa";
	case LIBSSH2_KNOWNHOST_KEY_SSHDSS: return "ssh-dss";
	default: return NULL;
	}
}

/* OpenSSH's order; libssh2 1.10 would otherwise pick ECDSA first. */
#define HOSTKEY_DEFAULT "ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384," \
	"ecdsa-sha2-nistp521,rsa-sha2-512,rsa-sha2-256,ssh-rsa"

/* Set the host key algorithm list to the names in PREF (in order, without
 * repeats) that this libssh2 supports. libssh2 1.10's method_pref corrupts
 * the list when it has to drop a name itself (overlapping memcpy), so it
 * only ever gets supported names. */
static void hostkey_set_pref(LIBSSH2_SESSION *s, const char *pref)
{
	const char **algs = NULL;
	int n = libssh2_session_supported_algs(s, LIBSSH2_METHOD_HOSTKEY, &algs);
	if (n <= 0)
		return;
	char out[512] = "", *copy = xstrdup(pref);
	size_t o = 0;
	for (char *save = NULL, *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int ok = 0;
		for (int i = 0; i < n && !ok; i++)
			ok = strcmp(algs[i], t) == 0;
		size_t tl = strlen(t);
		int dup = 0;
		for (const char *p = out; !dup && (p = strstr(p, t)); p += tl)
			dup = (p == out || p[-1] == ',') && (p[tl] == ',' || p[tl] == '\0');
		if (!ok || dup || o + tl + 2 > sizeof(out))
			continue;
		o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%s", o ? "," : "", t);
	}
	free(copy);
	libssh2_free(s, algs);
	if (o > 0)
		libssh2_session_method_pref(s, LIBSSH2_METHOD_HOSTKEY, out);
}

void sftp_hostkey_prefer(struct tconn *c)
{
	char pref[512] = "";
	size_t o = 0;
	LIBSSH2_KNOWNHOSTS *kh = libssh2_knownhost_init(c->s);
	char *name = known_name(&c->o);
	struct stat st;
	if (kh && stat(c->o.known_hosts, &st) == 0 &&
	    libssh2_knownhost_readfile(kh, c->o.known_hosts, LIBSSH2_KNOWNHOST_FILE_OPENSSH) >= 0) {
		/* Ask first for the key types known_hosts holds for this host, as
		 * OpenSSH does, so a server with several keys is checked against
		 * the one we know. Hashed entries cannot be matched here: they
		 * get the default order. */
		struct libssh2_knownhost *e = NULL, *prev = NULL;
		while (libssh2_knownhost_get(kh, &e, prev) == 0) {
			prev = e;
			if ((e->typemask & LIBSSH2_KNOWNHOST_TYPE_MASK) != LIBSSH2_KNOWNHOST_TYPE_PLAIN ||
			    !e->name || strcmp(e->name, name) != 0)
				continue;
			const char *m = keytype_methods(e->typemask & LIBSSH2_KNOWNHOST_KEY_MASK);
			if (!m || strstr(pref, m))
				continue;
			int n = snprintf(pref + o, sizeof(pref) - o, "%s%s", o ? "," : "", m);
			if (n < 0 || (size_t)n >= sizeof(pref) - o)
				break;
			o += (size_t)n;
		}
	}
	if (kh)
		libssh2_knownhost_free(kh);
	free(name);
	snprintf(pref + o, sizeof(pref) - o, "%s%s", o ? "," : "", HOSTKEY_DEFAULT);
	hostkey_set_pref(c->s, pref);
}

int sftp_hostkey_verify(struct tconn *c, char *err)
{
	size_t keylen = 0;
	int type = 0, rc = 0;
	const char *key = libssh2_session_hostkey(c->s, &keylen, &type);
	if (!key) {
		snprintf(err, ERRLEN, "%s: the server sent no host key", c->label);
		return KA_TRANSIENT;
	}
	const char *tname;
	int typebits = knownhost_keytype(type, &tname);
	char fp[80];
	char *name = known_name(&c->o);
	sftp_hostkey_fingerprint(c->s, fp, sizeof(fp));

	LIBSSH2_KNOWNHOSTS *kh = libssh2_knownhost_init(c->s);
	if (!kh) {
		snprintf(err, ERRLEN, "%s: cannot start the known_hosts check", c->label);
		free(name);
		return KA_ERR;
	}
	rc = hostkey_load(c, kh, err);
	if (rc != 0)
		goto out;
	/* Port -1 with the "[host]:port" name: libssh2 would otherwise also
	 * accept an entry for the plain host (port 22) for any port. */
	struct libssh2_knownhost *found = NULL;
	int base = LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW;
	int r = libssh2_knownhost_checkp(kh, name, -1, key, keylen, base | typebits, &found);
	if (r == LIBSSH2_KNOWNHOST_CHECK_MATCH)
		goto out;
	if (r == LIBSSH2_KNOWNHOST_CHECK_MISMATCH) {
		snprintf(err, ERRLEN,
			 "%s: host key for %s changed: %s key %s does not match %s; if the server's "
			 "key really changed, remove the old line (ssh-keygen -R '%s' -f %s) and "
			 "add the new one (ssh-keyscan)",
			 c->label, name, tname, fp, c->o.known_hosts, name, c->o.known_hosts);
		rc = KA_PERMANENT;
		goto out;
	}
	if (r != LIBSSH2_KNOWNHOST_CHECK_NOTFOUND) {
		snprintf(err, ERRLEN, "%s: cannot check the host key of %s against %s", c->label,
			 name, c->o.known_hosts);
		rc = KA_ERR;
		goto out;
	}
	/* Known with keys of other types only: treat as a change, never add. */
	if (libssh2_knownhost_checkp(kh, name, -1, key, keylen, base, &found) ==
	    LIBSSH2_KNOWNHOST_CHECK_MISMATCH) {
		snprintf(err, ERRLEN,
			 "%s: host key for %s changed: the server offers %s key %s but %s holds "
			 "keys of another type for it; add the new key with ssh-keyscan if it is right",
			 c->label, name, tname, fp, c->o.known_hosts);
		rc = KA_PERMANENT;
		goto out;
	}
	if (!c->o.accept_new) {
		snprintf(err, ERRLEN,
			 "%s: host key for %s is unknown: %s key %s is not in %s; to accept it, set "
			 "accept_new_host_key = yes in [remote %s] or run: ssh-keyscan -p %d %s >> %s",
			 c->label, name, tname, fp, c->o.known_hosts, c->o.name, c->o.port,
			 c->o.host, c->o.known_hosts);
		rc = KA_PERMANENT;
		goto out;
	}
	rc = hostkey_store(c, kh, name, key, keylen, typebits, err);
	if (rc == 0 && c->lg) {
		char q1[300], q2[300], q3[600];  /* logfmt-quoted values */
		log_event(c->lg, LOG_WARN, "sftp_host_key_added",
			  "remote=%s host=%s key=%s fingerprint=%s known_hosts=%s",
			  log_quote(c->o.name, q1, sizeof(q1)), log_quote(name, q2, sizeof(q2)),
			  tname, fp, log_quote(c->o.known_hosts, q3, sizeof(q3)));
	}
out:
	libssh2_knownhost_free(kh);
	free(name);
	return rc;
}
