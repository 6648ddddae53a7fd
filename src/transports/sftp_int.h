/* Internals shared by the SFTP transport's files. Not part of the transport
 * interface. Calls between them go one way, top to bottom:
 *   sftp.c          the table and the file operations
 *   sftp_xfer.c     get and put, over several sessions for large files
 *   sftp_session.c  open, reopen, clone and close sessions
 *   sftp_ext.c, sftp_hostkey.c, sftp_config.c, sftp_mem.c
 *   sftp_fail.c     errors and lost connections */
#ifndef KA_SFTP_INT_H
#define KA_SFTP_INT_H

#include <libssh2.h>
#include <libssh2_sftp.h>
#include <stddef.h>
#include <stdint.h>

#include "transport.h"

/* A [remote NAME] type = sftp section, parsed. */
struct sftp_opts {
	char *name;             /* the remote's name, for messages */
	char *host;
	int port;
	char *user;
	char *key;              /* private key file, or NULL */
	char *passphrase_file;  /* NULL: the key has no passphrase */
	char *password_file;    /* NULL: public key auth only */
	char *known_hosts;
	int accept_new;         /* store a first-seen host key */
	int connect_timeout;    /* seconds */
	int io_timeout;         /* seconds */
	int keepalive;          /* seconds, 0 = off */
	int streams;            /* sessions for one large download (1 = no split) */
	int upload_streams;     /* sessions for one large upload (1 = no split) */
	int64_t split_bytes;    /* files from this size are split across streams */
};

/* Parse a [remote] section into O, adding every problem to D as
 * "FILE: [remote NAME] key: problem" (sftp_config.c). Returns 0 or -1;
 * O is filled either way and must be released. */
int sftp_opts_parse(const struct remote_config *rc, const char *file, struct diag *d,
		    struct sftp_opts *o);
void sftp_opts_release(struct sftp_opts *o);
/* A deep copy of SRC into DST. */
void sftp_opts_copy(struct sftp_opts *dst, const struct sftp_opts *src);

#define SFTP_MAX_STREAMS 8

/* A session's allocations (sftp_mem.c): a list headed by a sentinel, so
 * the ones libssh2 leaks can be freed with the session. */
union sftp_block {
	struct {
		union sftp_block *prev, *next;
	} l;
	max_align_t align;  /* what follows is aligned as malloc's */
};

struct sftp_mem {
	union sftp_block head;
};

void sftp_mem_init(struct sftp_mem *m);
void *sftp_mem_alloc(size_t n, void **abstract);
void *sftp_mem_realloc(void *p, size_t n, void **abstract);
void sftp_mem_free(void *p, void **abstract);
/* Free every block still allocated (after libssh2_session_free); returns
 * how many there were. */
size_t sftp_mem_release(struct sftp_mem *m);

/* One SSH session with its SFTP channel. Used by one thread at a time. */
struct tconn {
	struct sftp_opts o;
	const struct logger *lg;
	char *label;            /* "sftp HOST:PORT", starts every message */
	int sock;               /* -1 when not connected */
	LIBSSH2_SESSION *s;
	struct sftp_mem mem;    /* the session's memory; must not move */
	LIBSSH2_SFTP *sftp;
	LIBSSH2_CHANNEL *ext;   /* raw SFTP channel for posix-rename (lazy) */
	int ext_state;          /* 0 unknown, 1 posix-rename offered, -1 not */
	uint32_t ext_id;        /* request id on the raw channel */
	int broken;             /* the connection dropped: reconnect first */
	int used;               /* a call has run on this session */
	int timed_out;          /* it broke because the server did not answer */
	const char *tmo_key;    /* the timeout in force: "connect_timeout" ... */
	int tmo_secs;           /* ... and its seconds */
	int no_fsync;           /* the server has no fsync@openssh.com */
	char *buf;              /* SFTP_BUF bytes for get and put */
	struct tconn *peer[SFTP_MAX_STREAMS - 1];  /* extra sessions for split downloads */
	int no_peers;           /* opening an extra session failed: do not split */
};

#define SFTP_BUF (1024 * 1024)
#define SFTP_FIRST_READ (32 * 1024)  /* doubles up to SFTP_BUF */

/* Refuse a secret file that group or others may access (KA_PERMANENT). */
int sftp_secret_mode_ok(struct tconn *c, const char *what, const char *path, char *err);
/* Read the first line of a secret file into buf (after the mode check). */
int sftp_secret_read(struct tconn *c, const char *what, const char *path, char *buf,
		     size_t len, char *err);

/* Verify the server's host key against known_hosts (sftp_hostkey.c).
 * Returns 0, KA_PERMANENT (unknown or changed key, with the fingerprint
 * and how to accept it in err) or KA_ERR. */
int sftp_hostkey_verify(struct tconn *c, char *err);

/* Before the handshake: ask for the host key types known_hosts holds for
 * the remote first, then OpenSSH's default order. */
void sftp_hostkey_prefer(struct tconn *c);

/* The SHA256 fingerprint of the session's host key as OpenSSH prints it
 * ("SHA256:base64"), into buf. */
void sftp_hostkey_fingerprint(LIBSSH2_SESSION *s, char *buf, size_t len);

/* Rename FROM to TO replacing TO atomically with posix-rename@openssh.com
 * on a raw SFTP channel (sftp_ext.c; libssh2 1.10 cannot send it).
 * Returns 0, KA_INVALID when the server does not offer the extension,
 * or another negative code with err filled. */
int sftp_posix_rename(struct tconn *c, const char *from, const char *to, char *err);
void sftp_ext_close(struct tconn *c);

/* The connection is lost: mark it and shut its socket, so what is left
 * to close fails at once; the next call reconnects (sftp_fail.c). */
void sftp_lost(struct tconn *c);

/* A new tconn for the [remote] section RC, connected (sftp_session.c). */
int sftp_connect(const struct remote_config *rc, const struct logger *lg, struct tconn **out,
		 char *err);
/* Make the session usable, reopening it after a drop; *fresh says whether
 * it was (re)opened now. */
int sftp_ready(struct tconn *c, int *fresh, char *err);
/* Should a call that failed with RC be tried once more on a new session? */
int sftp_retry(struct tconn *c, int rc, int fresh);
/* A new, unconnected tconn with C's options (sftp_ready connects it). */
struct tconn *sftp_clone(const struct tconn *c);
void sftp_release(struct tconn *c);

/* Fetch PATH into TO, or write LOCAL_PATH to PATH (checked against SHA256
 * when not NULL), over several sessions for large files (sftp_xfer.c). */
int sftp_get(struct tconn *c, const char *path, const struct sink *to, char *err);
int sftp_put(struct tconn *c, const char *local_path, const char *sha256, const char *path,
	     struct progress *pg, char *err);

/* Map the session's last error to a code; marks the connection broken when
 * the failure was the transport's, not the file's. Fills err with
 * "LABEL: WHAT PATH: reason" (sftp_fail.c). */
int sftp_fail(struct tconn *c, const char *what, const char *path, char *err);

#endif
