/* An IMAP client on libcurl for the e-mail intake: select a mailbox, find
 * messages by UID, fetch a whole message without setting \Seen, and finish
 * a message (seen, move, delete). Every function returns 0 or a negative
 * KA_* code with a sentence in err (ERRLEN bytes):
 *   KA_PERMANENT  login refused, certificate not trusted, no such mailbox
 *   KA_TRANSIENT  server unreachable, connection lost, timeout
 *   KA_INVALID    message over max_message_bytes
 *   KA_NOENT      no message with that UID (expunged meanwhile)
 *   KA_ERR        the server answered NO/BAD to a command (its text is in err)
 * One connection serves one thread; it reconnects (and re-selects, checking
 * UIDVALIDITY) by itself when the server dropped it between commands. */
#ifndef KA_IMAP_H
#define KA_IMAP_H

#include <stddef.h>
#include <stdint.h>
#include "../config.h"
#include "../log.h"

struct imap_conn;

struct imap_uids {
	uint32_t *v;
	size_t n, cap;
};

enum imap_action { IMAP_KEEP = 0, IMAP_SEEN, IMAP_MOVE, IMAP_DELETE };

/* The [remote] keys of type = imap, NULL-terminated. */
extern const char *const imap_keys[];

/* Connect and log in to RC's server (url, tls, user, password_file, ca_file,
 * connect_timeout), and learn its capabilities (MOVE, UIDPLUS). */
int imap_open(const struct remote_config *rc, const struct logger *lg,
	      struct imap_conn **out, char *err);

/* Select MAILBOX (read-write) and return its UIDVALIDITY. */
int imap_select(struct imap_conn *c, const char *mailbox, uint32_t *uidvalidity, char *err);

/* UIDs in MAILBOX greater than LAST_UID, ascending, appended to OUT
 * (UID SEARCH UID LAST+1:*). Selects MAILBOX if needed. */
int imap_uids_after(struct imap_conn *c, const char *mailbox, uint32_t last_uid,
		    struct imap_uids *out, char *err);
void imap_uids_release(struct imap_uids *u);

/* The whole message UID of MAILBOX (UID FETCH BODY.PEEK[]: \Seen is not
 * set), in *DATA (malloc'd, caller frees) and *LEN. MAX_BYTES = 0 means the
 * remote's max_message_bytes; over it: KA_INVALID and no data. */
int imap_fetch(struct imap_conn *c, const char *mailbox, uint32_t uid, size_t max_bytes,
	       unsigned char **data, size_t *len, char *err);

/* Finish message UID of MAILBOX: IMAP_SEEN sets \Seen; IMAP_MOVE moves it to
 * FOLDER (MOVE when the server has it, else COPY + \Deleted + UID EXPUNGE of
 * that UID only; FOLDER is created if missing); IMAP_DELETE sets \Deleted and
 * expunges that UID only (UIDPLUS); IMAP_KEEP does nothing. */
int imap_finish(struct imap_conn *c, const char *mailbox, uint32_t uid,
		enum imap_action action, const char *folder, char *err);

/* Parse an after = value: "seen", "delete", "keep" or "move:FOLDER"
 * (*folder points into S). Returns 0 or -1. */
int imap_action_parse(const char *s, enum imap_action *action, const char **folder);

/* IMAP commands sent on this connection so far, login included. */
unsigned long imap_count_commands(const struct imap_conn *c);

/* The remote's max_message_bytes (default 25 MiB). */
size_t imap_max_message_bytes(const struct imap_conn *c);

/* Tests: behave as if the server had no MOVE capability. */
void imap_forget_move(struct imap_conn *c);

/* The IMAP connection behind a connection of transport_imap. */
struct tconn;
struct imap_conn *imap_conn_of(struct tconn *t);

/* Log out and free C (NULL is fine). */
void imap_close(struct imap_conn *c);

#endif
