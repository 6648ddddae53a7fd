/* The manifest: every file the agent has seen, its state, its deliveries and
 * its history. This is the interface the pipeline and the CLI use; behind it
 * a backend (manifest_backend.h) keeps the rows: SQLite in WAL mode
 * (manifest_sqlite*.c, the only files with SQL). Each state change is one
 * transaction (BEGIN IMMEDIATE) that also appends an event. */
#ifndef KA_MANIFEST_H
#define KA_MANIFEST_H

#include <stdint.h>
#include <stdio.h>
#include "sha256.h"

struct manifest_backend;
struct manifest_db;

/* File states. */
#define ST_STAGED    "staged"     /* in the spool and recorded; not yet validated */
#define ST_PENDING   "pending"    /* valid; deliveries outstanding (maybe retrying) */
#define ST_DELIVERED "delivered"  /* every destination confirmed; source not finished */
#define ST_DONE      "done"       /* delivered and the source finished */
#define ST_REJECTED  "rejected"   /* failed validation: quarantined, never delivered */
#define ST_DEAD      "dead"       /* gave up after max_attempts or a permanent error */
#define ST_CORRUPT   "corrupt"    /* its spool copy no longer matched its sha256: set
				     aside; staged again while the source holds the
				     original */
#define MANIFEST_NSTATES 7       /* manifest_states[]; these two are its last */
#define ST_INDEX_DEAD    5
#define ST_INDEX_CORRUPT 6
#define MANIFEST_NEVER INT64_MAX  /* a next_attempt that never comes by itself */

/* Delivery states. */
#define DL_PENDING    "pending"
#define DL_COMMITTING "committing"  /* temp file written; rename to final_path in progress */
#define DL_DELIVERED  "delivered"
#define DL_FAILED     "failed"      /* a resend that did not go through */

struct manifest {
	const struct manifest_backend *be;  /* the store's operations */
	struct manifest_db *db;             /* its open connection; NULL when closed */
	char *path;
	int in_tx;
};

struct mfile {
	int64_t id;
	char *route;
	char *source_uri;
	char *name;
	int64_t size;
	int64_t mtime;       /* seconds since the epoch */
	int64_t mtime_ns;    /* local files: nanoseconds since the epoch; 0 = not known */
	int64_t ino;         /* local files: inode number; 0 = not known */
	char sha256[SHA256_HEX];
	char *format;
	char *state;
	int attempts;
	int64_t next_attempt;
	char *last_error;
	char *spool_path;
	char *summary;       /* parse summary JSON, NULL before validation */
	int source_done;     /* the source was finished (kept, deleted or archived) */
	int64_t created;
	int64_t updated;
};

struct mdelivery {
	int64_t id;
	int64_t file_id;
	char *dest;          /* the destination as configured ("kargo:/intake") */
	char *final_path;    /* the name it got, once committing */
	char *state;
	int resend;
	int64_t updated;
};

/* One request of a delivery to a request destination (an API). */
#define RQ_DONE    "done"     /* acknowledged (2xx, or a 409 the route calls delivered) */
#define RQ_REFUSED "refused"  /* a permanent answer: the file went dead on it */
struct mrequest {
	int64_t delivery_id;
	int64_t index;
	const char *state;           /* RQ_DONE or RQ_REFUSED */
	long status;                 /* the HTTP status */
	const char *correlation_id;  /* what was sent as Correlation-Id */
	const char *logging_id;      /* the server's id of it, or NULL */
	const char *reply;           /* a refusal's answer (first KiB), or NULL */
	const char *key;             /* what it carried ("shipment S1"), or NULL */
	int64_t updated;
};
typedef int (*mrequest_fn)(void *ctx, const struct mrequest *rq);

struct mevent {
	int64_t ts_ms;
	char *event;
	char *detail;
};

struct mfilter {
	const char *route;
	const char *state;
	const char *shipment;
	int64_t since;       /* 0 = any time */
	int64_t limit;       /* 0 = no limit */
};

struct mroute_status {
	char *route;
	int64_t counts[MANIFEST_NSTATES];  /* in manifest_states order */
	int64_t next_retry;  /* 0 = none due */
	int64_t retrying;    /* files waiting for a retry (attempts > 0, not dead) */
	int64_t bytes;       /* bytes of files delivered (delivered or done) */
	int64_t last_cycle;
	int64_t last_ok;
	char *last_error;
	int failures;        /* cycles failed in a row (0 after a good one) */
	char *skipped;       /* entries the last cycle skipped: "directory=1 pattern=3";
			      * "" none, NULL not listed */
};

/* A remote as the cycles found it: each cycle that used it is an attempt. */
struct mremote_status {
	char *remote;
	int64_t last_attempt;
	int64_t last_ok;     /* 0 = never */
	int failures;        /* attempts failed in a row (0 after a good one) */
	char *last_error;
};

extern const char *const manifest_states[MANIFEST_NSTATES];

/* Open PATH for reading and writing, creating it and migrating its schema
 * as needed. The -wal and -shm files are kept after the last close, so
 * readers without write access to the directory can open it. */
int manifest_open(struct manifest *m, const char *path, char *err);
/* Open an existing manifest read-only: never creates, migrates or writes.
 * KA_TRANSIENT when its schema is older
 * than this program's (a writer upgrades it on its next open). */
int manifest_open_readonly(struct manifest *m, const char *path, char *err);
void manifest_close(struct manifest *m);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK around several changes. Changes made
 * outside an explicit transaction are committed one by one. */
int manifest_begin(struct manifest *m, char *err);
int manifest_commit(struct manifest *m, char *err);
void manifest_rollback(struct manifest *m);

/* 1 if a file with this identity is known, 0 if not, negative on error.
 * The identity is (route, source URI, size, mtime in seconds), and for a
 * local file (MTIME_NS and INO not 0) also its mtime in nanoseconds and
 * inode; rows recorded without them (SFTP, or before version 4 of the
 * schema) match on seconds. A pruned file whose identity was kept (a
 * tombstone, while its source may still list it) is seen too; the
 * tombstone then records that it was listed (kept for manifest_retention
 * after the last listing). */
int manifest_seen(struct manifest *m, const char *route, const char *source_uri,
		  int64_t size, int64_t mtime, int64_t mtime_ns, int64_t ino);

/* Record a newly staged file (state staged); sets f->id. */
int manifest_add_file(struct manifest *m, struct mfile *f, char *err);
/* Record the parse outcome: state pending (valid) or rejected, the summary
 * JSON and the shipment ids it mentions. */
int manifest_set_parsed(struct manifest *m, int64_t id, const char *format, int valid,
			const char *summary, char *const *shipments, size_t nshipments,
			const char *detail, char *err);
/* Change state with an event. */
int manifest_set_state(struct manifest *m, int64_t id, const char *state,
		       const char *event, const char *detail, char *err);
/* A failed attempt: attempts+1, next attempt time, last error; state dead
 * when DEAD is set. */
int manifest_set_retry(struct manifest *m, int64_t id, int attempts, int64_t next_attempt,
		       const char *error, int dead, char *err);
/* The spool object with this content does not match its digest: every
 * file that references it gets a spool_corrupt event with DETAIL, and those
 * that still need it (staged, pending, dead) become corrupt, due for staging
 * again. *MARKED: how many changed state. */
int manifest_mark_corrupt(struct manifest *m, const char *sha256, const char *detail,
			  int *marked, char *err);
/* A corrupt file could not be staged again (WHY); look again at NEXT_ATTEMPT
 * (MANIFEST_NEVER: only when asked). */
int manifest_restage_failed(struct manifest *m, int64_t id, int64_t next_attempt,
			    const char *why, char *err);
/* Put a dead or corrupt file back in the queue (`retry`): a dead one
 * pending (staged if it was never validated), a corrupt one still corrupt
 * (the next cycle stages it again from its source); no attempt counted,
 * due now, no last error;
 * its failed deliveries to the route's destinations pending again; event
 * `retried` with DETAIL. KA_INVALID when the file is not dead or corrupt. */
int manifest_retry(struct manifest *m, int64_t id, const char *detail, char *err);
/* ROUTE's files in one of STATES (",dead,rejected," form) since SINCE
 * (updated, seconds) that have no `alerted` event for their state yet; FN
 * is called for each. The alert itself is recorded with manifest_event
 * (event "alerted", detail "state=STATE ..."). */
int manifest_alerts_due(struct manifest *m, const char *route, const char *states,
			int64_t since, int (*fn)(void *ctx, const struct mfile *f), void *ctx,
			char *err);
int manifest_set_source_done(struct manifest *m, int64_t id, const char *detail, char *err);
/* An event of file FILE_ID, or with FILE_ID 0 a note of the manifest's own
 * (about no file). */
int manifest_event(struct manifest *m, int64_t file_id, const char *event,
		   const char *detail, char *err);
/* An event about no file (a name left at the source), recorded once: 1 if
 * recorded now, 0 if the same event and detail were already there, or a
 * negative code. Committed at once unless inside a transaction. */
int manifest_note_once(struct manifest *m, const char *event, const char *detail, char *err);
/* How many such events there are and the latest one's detail (caller frees;
 * NULL when none). */
int manifest_notes(struct manifest *m, const char *event, int64_t *count, char **latest,
		   char *err);

int manifest_get(struct manifest *m, int64_t id, struct mfile *f, char *err);
void mfile_release(struct mfile *f);

/* Ids of ROUTE's files that need work now: staged, pending, delivered or
 * corrupt with next_attempt <= NOW, and rejected ones whose source is not
 * finished. */
int manifest_due(struct manifest *m, const char *route, int64_t now, int64_t **ids,
		 size_t *n, char *err);

/* Deliveries of a file. Creates one row per destination on first call. */
int manifest_deliveries(struct manifest *m, int64_t file_id, struct mdelivery **v,
			size_t *n, char *err);
int manifest_add_delivery(struct manifest *m, int64_t file_id, const char *dest,
			  int resend, int64_t *id, char *err);
int manifest_set_delivery(struct manifest *m, const struct mdelivery *d, const char *state,
			  const char *final_path, char *err);
void mdeliveries_free(struct mdelivery *v, size_t n);

/* Requests of deliveries to APIs (manifest_requests.c): record RQ's
 * outcome; the indexes of DELIVERY_ID's done requests, ascending (caller
 * frees *IDX), so a resumed delivery skips them; FN for each request of
 * FILE_ID (by delivery, then index), for show. */
int manifest_request_set(struct manifest *m, const struct mrequest *rq, char *err);
int manifest_requests_done(struct manifest *m, int64_t delivery_id, int64_t **idx, size_t *n,
			   char *err);
int manifest_requests(struct manifest *m, int64_t file_id, mrequest_fn fn, void *ctx,
		      char *err);

/* Files matching a filter, newest last; FN is called for each. */
int manifest_list(struct manifest *m, const struct mfilter *flt,
		  int (*fn)(void *ctx, const struct mfile *f), void *ctx, char *err);
int manifest_events(struct manifest *m, int64_t file_id, struct mevent **v, size_t *n,
		    char *err);
void mevents_free(struct mevent *v, size_t n);
/* Shipment ids a file mentions, comma-separated (caller frees; "" if none). */
char *manifest_shipments(struct manifest *m, int64_t file_id);

/* A mailbox source's position: UIDVALIDITY and the last UID taken (0, 0
 * when never read). */
int manifest_mailbox_get(struct manifest *m, const char *route, const char *mailbox,
			 uint32_t *uidvalidity, uint32_t *last_uid, char *err);
int manifest_mailbox_set(struct manifest *m, const char *route, const char *mailbox,
			 uint32_t uidvalidity, uint32_t last_uid, char *err);
/* 1 if ROUTE already has a file NAME with this content (after a mailbox's
 * UIDVALIDITY changed, what was carried is recognised by its content). */
int manifest_seen_content(struct manifest *m, const char *route, const char *name,
			  const char *sha256);

/* The end of a cycle of ROUTE: OK or the error that stopped it (which
 * counts one more failure in a row; OK resets the count), and what its
 * listing skipped (route_skipped_text; NULL when it did not list). */
int manifest_route_cycle(struct manifest *m, const char *route, int ok, const char *error,
			 const char *skipped, char *err);
/* A cycle's attempt at REMOTE: OK, or the ERROR it failed with. */
int manifest_remote_attempt(struct manifest *m, const char *remote, int ok, const char *error,
			    char *err);
/* Every remote attempted so far, by name. */
int manifest_remotes(struct manifest *m, struct mremote_status **v, size_t *n, char *err);
void mremote_status_free(struct mremote_status *v, size_t n);
/* Per-route state counts, next retry, last cycle, failures in a row; sorted by
 * route (strcmp). */
int manifest_status(struct manifest *m, struct mroute_status **v, size_t *n, char *err);
/* ROUTE's entry in a manifest_status array (binary search), or NULL. */
struct mroute_status *mroute_status_find(struct mroute_status *v, size_t n, const char *route);
void mroute_status_free(struct mroute_status *v, size_t n);

/* Copy the manifest at PATH to DEST while others may write to it: a
 * consistent snapshot, written to a temporary name beside DEST, made durable
 * and renamed, with the manifest's mode. DEST is replaced only when REPLACE
 * (else KA_EXISTS); KA_NOENT when there is no manifest at PATH. */
int manifest_backup(const char *path, const char *dest, int replace, char *err);

/* What opening M did to an older manifest: its schema upgraded FROM → TO
 * with a copy kept at BACKUP, its auto_vacuum turned on (VACUUMED) or the
 * WARNING why not. */
struct mupgrade {
	int from, to;                 /* 0, 0: not upgraded */
	const char *backup;
	int vacuumed;
	const char *warning;
};
/* 1 and U filled (strings valid until M is closed) when the open upgraded or
 * vacuumed the manifest, else 0. */
int manifest_upgraded(struct manifest *m, struct mupgrade *u);

/* The bytes of the files whose copies the spool holds (sizes as recorded;
 * each file counted, even when files share one copy). */
int manifest_spool_bytes(struct manifest *m, int64_t *bytes, char *err);
/* The manifest's size on disk: the database and its write-ahead log. */
int manifest_disk_bytes(struct manifest *m, int64_t *db_bytes, int64_t *wal_bytes, char *err);
/* When file ID's spool copy expired (removed by spool_retention), in
 * seconds; 0 while the spool holds it. KA_NOENT when there is no such file. */
int manifest_spool_gone(struct manifest *m, int64_t id, int64_t *when, char *err);

/* Staging paused by the spool's budget (spool_max_bytes): the latest of
 * the notes spool_full and spool_resumed says whether it is. */
struct mpause {
	int paused;
	int64_t since;       /* seconds: when it paused (or last resumed) */
	char *detail;        /* that note's detail; NULL when never paused */
};
int manifest_staging_pause(struct manifest *m, struct mpause *p, char *err);
/* Record that staging paused (PAUSED) or resumed, with DETAIL. */
int manifest_note_pause(struct manifest *m, int paused, const char *detail, char *err);
void mpause_release(struct mpause *p);

/* A parse summary (files.summary) read back. */
struct msummary_error {
	int64_t line;
	char *cls, *field, *msg;
};
struct msummary {
	char *format;
	int valid;
	int64_t rows, shipments, pallets, error_count;
	struct msummary_error *errors;  /* the ones kept, first first */
	size_t nerrors;
	char **warnings;
	size_t nwarnings;
};
/* Read the summary JSON into S; 0, or KA_ERR with ERR set (S then empty).
 * Release S with msummary_release. */
int manifest_summary_parse(struct manifest *m, const char *json, struct msummary *s, char *err);
void msummary_release(struct msummary *s);

/* ---- Retention (manifest_prune.c): the rows pruning looks at, in small
 * batches, each its own transaction unless the caller holds one (a dry run
 * holds one and rolls it back). ---- */

/* Where the next batch goes on from: the last file looked at, in the order
 * (updated, id). Zero: from the oldest. */
struct mprune_cursor {
	int64_t updated, id;
};

/* A file a batch looked at (strings borrowed for the call). */
struct mprune_file {
	int64_t id;
	const char *route;
	const char *sha256;
	int64_t updated;
	int spool_held;      /* its spool copy is still kept (spool_gone not set) */
	int source_done;
};

/* What pruning removed (or would), added up over batches. */
struct mprune_counts {
	int64_t spool_expired;       /* done files whose spool copy was released */
	int64_t files, deliveries, events, shipments;  /* rows deleted */
	int64_t tombstones_written;
	int64_t notes, tombstones;   /* old notes and unlisted tombstones deleted */
};

/* Spool objects a committed batch released: no remaining file needs them.
 * The caller removes them from the spool, and frees V. */
struct mprune_objects {
	char (*v)[SHA256_HEX];
	size_t n;
};

/* Whether a pruned file of ROUTE (SOURCE_DONE: its source was finished)
 * keeps its identity as a tombstone: 1 or 0. */
typedef int (*mprune_tomb_fn)(void *ctx, const char *route, int source_done);

/* One batch of spool expiry: done files last changed before BEFORE
 * (seconds), after CUR, at most LIMIT of them: those still holding their
 * spool copy release it (files.spool_gone), counted in C; objects no file
 * needs any more added to O. Returns how many files it looked at (0: the
 * pass is over), or a negative code. */
int manifest_prune_spool(struct manifest *m, int64_t before, struct mprune_cursor *cur,
			 int limit, struct mprune_counts *c, struct mprune_objects *o, char *err);
/* One batch of row pruning: files in STATE (done or rejected) last changed
 * before BEFORE, after CUR, at most LIMIT: each deleted with its
 * deliveries, events and shipment ids, a tombstone written when TOMB says
 * so. Counts and objects as manifest_prune_spool. */
int manifest_prune_files(struct manifest *m, const char *state, int64_t before,
			 struct mprune_cursor *cur, int limit, mprune_tomb_fn tomb, void *ctx,
			 struct mprune_counts *c, struct mprune_objects *o, char *err);
/* At most LIMIT notes (events of no file) older than BEFORE (seconds), or
 * tombstones not listed since BEFORE, deleted; returns how many (counted in
 * C) or a negative code. */
int manifest_prune_notes(struct manifest *m, int64_t before, int limit,
			 struct mprune_counts *c, char *err);
int manifest_prune_tombstones(struct manifest *m, int64_t before, int limit,
			      struct mprune_counts *c, char *err);
/* 1 if a file still needs the spool object SHA256, 0 if none does, or a
 * negative code. */
int manifest_spool_needed(struct manifest *m, const char *sha256);
/* Give back at most PAGES free pages to the file system (incremental
 * vacuum); *LEFT the free pages still to give back (0 on a manifest without
 * incremental auto_vacuum). */
int manifest_compact(struct manifest *m, int pages, int64_t *left, char *err);
/* Copy the write-ahead log into the manifest without waiting for readers,
 * so the next writer starts it again from the beginning (and cuts it down
 * to the journal size limit). */
int manifest_checkpoint(struct manifest *m, char *err);

#endif
