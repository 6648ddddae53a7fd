/* The source/sink interface: one const table of function pointers per
 * transport, registered in transport.c and looked up by the remote's type.
 * A transport only moves bytes and answers yes or no; it never touches the
 * manifest. Every function returns 0 or a negative enum ka_err, and on error
 * writes a sentence into err (ERRLEN bytes). */
#ifndef KA_TRANSPORT_H
#define KA_TRANSPORT_H

#include <signal.h>
#include <stdint.h>
#include <sys/types.h>
#include "../common.h"
#include "../config.h"
#include "../diag.h"
#include "../log.h"

/* TENTRY_LINK: a symbolic link (never followed); TENTRY_OTHER: a FIFO, a
 * socket, a device, or a type the server did not say.
 * TENTRY_BADNAME: a name that cannot even be asked for again (a NUL byte or
 * a '/' in it, sent by a hostile or broken server); its name is shown with
 * each NUL as "%00", and the pipeline only records that it saw it. */
enum tentry_type { TENTRY_FILE = 0, TENTRY_DIR, TENTRY_OTHER, TENTRY_BADNAME, TENTRY_LINK };

struct tentry {
	char *name;          /* last path component, as the server wrote it */
	int64_t size;
	int64_t mtime;       /* seconds since the epoch */
	enum tentry_type type;
	int64_t mtime_ns;    /* nanoseconds since the epoch; 0 when only seconds are known */
	int64_t ino;         /* inode number; 0 when unknown (not a local file) */
};

struct tlist {
	struct tentry *v;
	size_t n, cap;
};

void tlist_add(struct tlist *l, const char *name, int64_t size, int64_t mtime,
	       enum tentry_type type);
void tlist_release(struct tlist *l);

/* Receives downloaded bytes; returns 0 or a negative enum ka_err to abort. */
typedef int (*sink_fn)(void *ctx, const void *buf, size_t len);
/* Receives bytes at an offset; called from several threads at once. */
typedef int (*sink_at_fn)(void *ctx, const void *buf, size_t len, int64_t offset);

/* Where get() puts a file's bytes. Bytes from offset 0 arrive in order
 * through write. A transport may fetch a large file in parallel parts: then
 * [0, K) still comes through write, and the bytes from K to the end through
 * write_at, each at its offset, possibly from other threads. write_at NULL:
 * the sink takes bytes in order only. */
struct sink {
	sink_fn write;
	sink_at_fn write_at;
	void *ctx;
};

struct tconn;     /* a transport's open connection (opaque) */
struct progress;  /* a progress line (progress.h), or NULL */

/* What a message sink needs to know about the file it sends. */
struct send_info {
	const char *name;          /* file name for the attachment */
	const char *route;         /* route name, for the subject template */
	const char *shipment_ids;  /* comma-separated, may be "" */
	const char *dest_path;     /* the PATH part of REMOTE:PATH */
	const char *sha256;        /* the file's recorded digest: the attachment
				    * is checked as it is read, and the message
				    * abandoned (KA_CORRUPT) before its end when it
				    * differs; NULL: not checked */
};

/* What a transport can be. A transport declares its roles in its table;
 * the configuration checks and the pipeline decide on these bits, never on
 * which function pointers happen to be NULL. */
enum transport_role {
	TR_FILE_SOURCE = 1 << 0,     /* files to take: list, stat, get, remove, rename */
	TR_FILE_DEST = 1 << 1,       /* files to deliver: put, rename, stat, remove, mkdirs */
	TR_MAILBOX_SOURCE = 1 << 2,  /* messages to take: mailbox_select, message_uids,
				      * message_fetch, message_finish, after_valid */
	TR_MESSAGE_DEST = 1 << 3,    /* files sent as messages: send, probe */
	TR_ALERT = 1 << 4,           /* short messages to people: notify */
	TR_REQUEST_DEST = 1 << 5,    /* files sent as HTTP requests: send_requests, probe */
};
#define TR_SOURCE (TR_FILE_SOURCE | TR_MAILBOX_SOURCE)
#define TR_DEST (TR_FILE_DEST | TR_MESSAGE_DEST | TR_REQUEST_DEST)

/* ---- Callbacks from the pipeline ----
 * A transport never includes the manifest or the spool. Where it needs the
 * pipeline, the pipeline passes it a callback: struct tr_intake through
 * serve (not implemented yet: the contract an HTTPS listener meets) and
 * struct tr_requests through send_requests (the HTTPS sink).
 * Each callback returns 0 or a negative enum ka_err with err filled (ERRLEN
 * bytes); CTX is the pipeline's, handed back untouched. */

/* One body a push source received, read once, in order, by the pipeline. */
struct tr_body {
	const char *name;  /* the name the client gave: untrusted, the pipeline
			    * applies its name rules */
	int64_t size;      /* bytes announced, -1 when unknown */
	/* Up to LEN next bytes into BUF: their count, 0 at the end, or a
	 * negative enum ka_err (the client went away, the body broke a limit). */
	ssize_t (*read)(void *src, void *buf, size_t len);
	void *src;
};

/* Where a push source (a listener its clients send files to) hands each
 * body. accept returns 0 only once the body is durable (in the spool and
 * the manifest): only then may the source tell its client it was received.
 * Any other return means the body was not taken: the source answers with a
 * failure (temporary for KA_TRANSIENT and KA_NOSPACE), and the client sends
 * it again. accept may be called from several of the source's threads. */
struct tr_intake {
	int (*accept)(void *ctx, const struct tr_body *body, char *err);
	void *ctx;
};

/* ---- Requests: a sink that takes a file as HTTP requests ----
 * The pipeline converts a file into numbered requests (formats/convert.h)
 * and hands them to the transport through struct tr_requests; the
 * transport sends them (several in flight on several connections when its
 * remote allows), and reports each final answer through done, in any order,
 * on the calling thread. A request's body stays the pipeline's until done
 * was called for it. */

/* How the transport classes an answer (a status, or no answer at all). */
enum tr_outcome {
	TR_OK = 0,         /* 2xx: stored; or a 409 the route declares already there */
	TR_RETRY,          /* 408, 429, 5xx, no answer, a cut connection: again later */
	TR_REFUSED,        /* 400, 401 after a fresh token, 403, 404, 409, 422, other 4xx:
			    * the same request will never pass: the file is dead */
};

struct tr_request {
	int64_t index;             /* 0-based, in the order of the file */
	const char *method;        /* "POST" */
	const char *path;          /* appended to the remote's url: "/v1/documents" */
	const char *content_type;  /* "application/json" */
	const char *body;
	size_t len;
	const char *correlation_id;  /* sent as Correlation-Id: the same for a repeat */
	const char *key;           /* what it carries, for logs ("shipment S1"); may be NULL */
	void *tag;                 /* the pipeline's, handed back untouched in done */
};

struct tr_reply {
	enum tr_outcome outcome;
	long status;               /* HTTP status; 0 when there was no answer */
	int retry_after;           /* seconds the server asked to wait (429, 503); 0 = none */
	const char *logging_id;    /* the Correlation-Id header the server echoed; may be NULL */
	const char *body;          /* the answer's first 4 KiB (NUL-terminated), or the
				    * reason there was none; never a token or a secret */
	size_t len;                /* bytes in body */
};

struct tr_requests {
	/* The next request to send: 1 with *REQ filled, 0 when there are no
	 * more, or a negative enum ka_err (the conversion failed) with err. */
	int (*next)(void *ctx, struct tr_request *req, char *err);
	/* REQ's final answer. Returns 0 to go on, or a negative enum ka_err:
	 * the transport then starts no new request, waits for those in flight
	 * (reporting each through done) and returns that code. */
	int (*done)(void *ctx, const struct tr_request *req, const struct tr_reply *reply,
		    char *err);
	void *ctx;
};

struct transport_ops {
	const char *type;              /* the [remote] type = value; "local" for paths */
	unsigned roles;                /* enum transport_role bits */
	const char *const *keys;       /* keys allowed in [remote NAME], NULL-terminated */
	int sessions;                  /* default connections per remote for delivery (0 = 1) */

	/* Optional: set up the library the transport uses (libcurl, libssh2),
	 * once per process, from the main thread before any thread starts
	 * (transports_init); 0, or a negative enum ka_err with err filled.
	 * shutdown undoes it at exit (transports_shutdown). */
	int (*init)(char *err);
	void (*shutdown)(void);

	/* Check a [remote] section's values without connecting (config load). */
	void (*check_remote)(const struct remote_config *rc, const char *file, struct diag *d);

	/* Open a connection (rc is NULL for local). May be reused for many calls. */
	int (*connect)(const struct remote_config *rc, const struct logger *lg,
		       struct tconn **out, char *err);

	/* Entries of DIR (without "." and ".."). KA_NOENT if DIR does not exist. */
	int (*list)(struct tconn *c, const char *dir, struct tlist *out, char *err);

	/* Size, mtime and type of PATH (and mtime_ns and ino where known: the
	 * caller zeroes OUT first); KA_NOENT if absent. */
	int (*stat)(struct tconn *c, const char *path, struct tentry *out, char *err);

	/* Fetch PATH's bytes into TO. */
	int (*get)(struct tconn *c, const char *path, const struct sink *to, char *err);

	/* Create or truncate PATH and write LOCAL_PATH's bytes to it, durably
	 * (fsync where the transport can). PATH's directory exists. PG, when
	 * not NULL, is told each block written (progress_add). SHA256, when not
	 * NULL, is LOCAL_PATH's recorded digest: the bytes are read through
	 * checked_read.h and a mismatch fails with KA_CORRUPT (PATH may remain:
	 * the caller removes it). */
	int (*put)(struct tconn *c, const char *local_path, const char *sha256,
		   const char *path, struct progress *pg, char *err);

	/* Rename FROM to TO. With overwrite = 0 fail with KA_EXISTS if TO exists;
	 * with overwrite = 1 replace TO atomically where the server can.
	 * Durable on return (the directory is synced where possible). */
	int (*rename)(struct tconn *c, const char *from, const char *to, int overwrite,
		      char *err);

	/* Remove a file; KA_NOENT if absent. */
	int (*remove)(struct tconn *c, const char *path, char *err);

	/* Create PATH and any missing parents (like mkdir -p). */
	int (*mkdirs)(struct tconn *c, const char *path, char *err);

	/* Optional: a file descriptor that becomes readable when DIR may have
	 * changed (inotify for local); NULL when the transport can only be polled. */
	int (*watch)(struct tconn *c, const char *dir, int *fd, char *err);
	/* Optional: consume pending notifications on a watch fd; 1 when the
	 * directory itself is gone (removed, moved away, unmounted): the caller
	 * closes the fd and watches the path again once it exists. */
	int (*watch_drain)(struct tconn *c, int fd);

	/* Optional, for batches on local disks: after defer_sync(c, 1), put and
	 * rename skip their own fsyncs and the caller calls sync() (one syncfs)
	 * before it relies on any of them. Transports without it are durable
	 * call by call. */
	void (*defer_sync)(struct tconn *c, int on);
	int (*sync)(struct tconn *c, const char *path, char *err);

	/* Optional, for mailbox sources (IMAP): messages numbered by UID within
	 * a UIDVALIDITY epoch. The pipeline extracts the payloads (formats/mime.c). */
	int (*mailbox_select)(struct tconn *c, const char *mailbox, uint32_t *uidvalidity,
			      char *err);
	/* UIDs greater than AFTER_UID, ascending; caller frees *uids. */
	int (*message_uids)(struct tconn *c, const char *mailbox, uint32_t after_uid,
			    uint32_t **uids, size_t *n, char *err);
	/* The whole message, without marking it seen; caller frees *data.
	 * KA_INVALID when it is over the remote's size limit. */
	int (*message_fetch)(struct tconn *c, const char *mailbox, uint32_t uid,
			     unsigned char **data, size_t *len, char *err);
	/* after = keep | seen | delete | move:FOLDER, on one message. */
	int (*message_finish)(struct tconn *c, const char *mailbox, uint32_t uid,
			      const char *after, char *err);
	/* Check an after = value for this source; 0 or -1. */
	int (*after_valid)(const char *after);

	/* Optional, for message sinks (SMTP) that cannot write-then-rename:
	 * deliver LOCAL_PATH as one message; done when the server accepted it. */
	int (*send)(struct tconn *c, const char *local_path, const struct send_info *info,
		    char *err);
	/* Optional, for check-config on message sinks: log in, send nothing. */
	int (*probe)(struct tconn *c, char *err);
	/* Optional, for alerts (an [agent] alert remote): send one short plain
	 * text message with SUBJECT to the remote's recipients. */
	int (*notify)(struct tconn *c, const char *subject, const char *text, char *err);

	/* Optional, for push sources (none yet; their role bit comes with the
	 * first): serve the remote's listener for up to TIMEOUT_MS, handing each
	 * body received to IN (see struct tr_intake), then return so the
	 * caller's loop goes on. */
	int (*serve)(struct tconn *c, const struct tr_intake *in, int timeout_ms, char *err);
	/* For request sinks (HTTPS): send every request NEXT gives until it
	 * says there are no more, each to the remote's url + its path,
	 * reporting each final answer through done (after the transport's own
	 * retries of a request: one fresh token after a 401). Returns 0 when
	 * every request was answered (whatever the answers), KA_STOPPED when STOP
	 * became set (no new request started), or the code of next or done. */
	int (*send_requests)(struct tconn *c, const struct tr_requests *rq,
			     volatile const sig_atomic_t *stop, char *err);

	void (*close)(struct tconn *c);
};

/* Whether T can play one of ROLES (enum transport_role bits). */
static inline int transport_can(const struct transport_ops *t, unsigned roles)
{
	return (t->roles & roles) != 0;
}

/* The transport for a remote type ("local" for plain paths); NULL if unknown. */
const struct transport_ops *transport_find(const char *type);
/* The transport serving an endpoint. */
const struct transport_ops *transport_for(const struct endpoint *ep);

/* Names of all registered types, for error messages ("sftp, imap, smtp"). */
void transport_types(char *buf, size_t len);

/* Set up every transport's library (the init in each table), once, from the
 * main thread before any transport is used or any thread started; 0, or a
 * negative enum ka_err with err filled and nothing left set up.
 * transports_shutdown undoes it at exit. */
int transports_init(char *err);
void transports_shutdown(void);

extern const struct transport_ops transport_local;
extern const struct transport_ops transport_sftp;
extern const struct transport_ops transport_smtp;
extern const struct transport_ops transport_imap;
extern const struct transport_ops transport_https;

#endif
