/* The manifest's backend interface: what a store (SQLite today) does for the
 * manifest front (manifest_open.c, manifest_files.c, manifest_query.c,
 * manifest_mailbox.c). The front owns the rules that are the same for every
 * store: which state and event a change means, event details, transactions
 * around several changes, the clock, the status aggregation, error sentences
 * about the caller's arguments. A backend owns its queries and nothing else:
 * each operation is one query (or one indivisible change), reports failures
 * in ERR naming the manifest, and never calls back into the front except
 * through the callbacks it is handed.
 *
 * Adding a backend: new files that define one `const struct
 * manifest_backend`, and its row in the front's table (manifest_open.c). Times
 * come in from the front: NOW in seconds, TS_MS in milliseconds. */
#ifndef KA_MANIFEST_BACKEND_H
#define KA_MANIFEST_BACKEND_H

#include "manifest.h"

/* Which health table an outcome goes to: a route's cycles or a remote's
 * attempts. */
enum mhealth { MHEALTH_ROUTE, MHEALTH_REMOTE };

/* One (route, state) group of files, for manifest_status. */
struct mstate_count {
	const char *route;
	const char *state;
	int64_t count;
	int64_t next_retry;  /* earliest next attempt of a retrying file; 0 = none */
	int64_t retrying;    /* files waiting for a retry */
	int64_t bytes;       /* their bytes */
};

/* A route's last cycle, for manifest_status (strings borrowed). */
struct mroute_cycle {
	const char *route;
	int64_t last_cycle;
	int64_t last_ok;
	const char *last_error;
	int failures;
	const char *skipped;
};

typedef int (*mfile_fn)(void *ctx, const struct mfile *f);

struct manifest_backend {
	const char *name;
	/* What a manifest path of this store starts with ("postgresql://");
	 * NULL for the store that takes file paths. */
	const char *scheme;

	/* Connection (READONLY: never create, migrate or write; KA_TRANSIENT
	 * when the schema is older). On failure *DB is NULL. */
	int (*open)(struct manifest_db **db, const char *path, int readonly, char *err);
	void (*close)(struct manifest_db *db);
	int (*begin)(struct manifest_db *db, char *err);
	int (*commit)(struct manifest_db *db, char *err);  /* rolls back when it fails */
	void (*rollback)(struct manifest_db *db);

	/* The pipeline's writes and queries (manifest_files.c). */
	int (*event)(struct manifest_db *db, int64_t file_id, int64_t ts_ms, const char *event,
		     const char *detail, char *err);
	int (*note_once)(struct manifest_db *db, int64_t ts_ms, const char *event,
			 const char *detail, char *err);
	int (*notes)(struct manifest_db *db, const char *event, int64_t *count, char **latest,
		     char *err);
	/* 1 when a file or a tombstone (a pruned file's identity) matches; a
	 * matching tombstone last listed before STALE is marked listed NOW. */
	int (*seen)(struct manifest_db *db, const char *route, const char *source_uri,
		    int64_t size, int64_t mtime, int64_t mtime_ns, int64_t ino, int64_t now,
		    int64_t stale);
	int (*add_file)(struct manifest_db *db, const struct mfile *f, int64_t now, int64_t *id,
			char *err);
	int (*set_parsed)(struct manifest_db *db, int64_t id, const char *format,
			  const char *summary, const char *state, int64_t now, char *err);
	int (*add_shipment)(struct manifest_db *db, int64_t id, const char *shipment, char *err);
	int (*set_state)(struct manifest_db *db, int64_t id, const char *state, int64_t now,
			 char *err);
	int (*set_retry)(struct manifest_db *db, int64_t id, int attempts, int64_t next_attempt,
			 const char *error, int dead, int64_t now, char *err);
	/* A spool_corrupt event for each file with SHA256; the ones that still
	 * need it corrupt; *MARKED how many changed state. */
	int (*mark_corrupt)(struct manifest_db *db, const char *sha256, const char *detail,
			    int64_t ts_ms, int64_t now, int *marked, char *err);
	int (*restage_failed)(struct manifest_db *db, int64_t id, int64_t next_attempt,
			      const char *why, int64_t now, char *err);
	/* A dead or corrupt file back in the queue; *CHANGED 0 when it was
	 * neither. */
	int (*requeue)(struct manifest_db *db, int64_t id, int64_t now, int *changed, char *err);
	int (*reset_failed_deliveries)(struct manifest_db *db, int64_t id, int64_t now,
				       char *err);
	int (*source_done)(struct manifest_db *db, int64_t id, int64_t now, char *err);
	int (*due)(struct manifest_db *db, const char *route, int64_t now, int64_t **ids,
		   size_t *n, char *err);
	int (*alerts_due)(struct manifest_db *db, const char *route, const char *states,
			  int64_t since, mfile_fn fn, void *ctx, char *err);
	int (*add_delivery)(struct manifest_db *db, int64_t file_id, const char *dest, int resend,
			    int64_t now, int64_t *id, char *err);
	int (*deliveries)(struct manifest_db *db, int64_t file_id, struct mdelivery **v,
			  size_t *n, char *err);
	int (*set_delivery)(struct manifest_db *db, int64_t id, const char *state,
			    const char *final_path, int64_t now, char *err);
	/* A route's cycle or a remote's attempt: OK resets the failures in a
	 * row, a failure counts one more; SKIPPED only for routes. */
	int (*health)(struct manifest_db *db, enum mhealth which, const char *name, int ok,
		      const char *error, const char *skipped, int64_t now, char *err);

	/* The CLI's reads (manifest_query.c). get: KA_NOENT, ERR untouched,
	 * when there is no such file. */
	int (*get)(struct manifest_db *db, int64_t id, struct mfile *f, char *err);
	int (*list)(struct manifest_db *db, const struct mfilter *flt, mfile_fn fn, void *ctx,
		    char *err);
	int (*events)(struct manifest_db *db, int64_t file_id, struct mevent **v, size_t *n,
		      char *err);
	char *(*shipments)(struct manifest_db *db, int64_t file_id);  /* NULL: none */
	int (*remotes)(struct manifest_db *db, struct mremote_status **v, size_t *n, char *err);
	/* Every route that has files or a cycle; each (route, state) group;
	 * each route's last cycle. */
	int (*status_routes)(struct manifest_db *db, void (*fn)(void *ctx, const char *route),
			     void *ctx, char *err);
	int (*status_counts)(struct manifest_db *db,
			     void (*fn)(void *ctx, const struct mstate_count *c), void *ctx,
			     char *err);
	int (*status_cycles)(struct manifest_db *db,
			     void (*fn)(void *ctx, const struct mroute_cycle *c), void *ctx,
			     char *err);
	int (*summary)(struct manifest_db *db, const char *json, struct msummary *s, char *err);

	/* Mailbox positions (manifest_mailbox.c). */
	int (*mailbox_get)(struct manifest_db *db, const char *route, const char *mailbox,
			   uint32_t *uidvalidity, uint32_t *last_uid, char *err);
	int (*mailbox_set)(struct manifest_db *db, const char *route, const char *mailbox,
			   uint32_t uidvalidity, uint32_t last_uid, char *err);
	int (*seen_content)(struct manifest_db *db, const char *route, const char *name,
			    const char *sha256);

	/* Copies (manifest_open.c): PATH's manifest, opened read-only and copied
	 * consistently while others write, durably to DEST (KA_EXISTS when DEST
	 * exists and not REPLACE; KA_NOENT when there is no manifest). What this
	 * connection's open did to an older manifest: 1 and U filled (strings
	 * borrowed until close) when it upgraded or vacuumed it, else 0. */
	int (*backup)(const char *path, const char *dest, int replace, char *err);
	int (*upgrade_report)(struct manifest_db *db, struct mupgrade *u);

	/* Space (manifest_space.c): the bytes of the files whose copies the
	 * spool holds (each file counted, even when files share a copy); the
	 * store's own bytes on disk (DB_BYTES, and WAL_BYTES of its log, 0 when
	 * it has none); when file ID's spool copy expired (seconds, 0 while the
	 * spool holds it; KA_NOENT, ERR untouched, when there is no such file);
	 * the newest note that is event A or B (*EVENT NULL when none; caller
	 * frees EVENT and DETAIL). */
	int (*spool_bytes)(struct manifest_db *db, int64_t *bytes, char *err);
	int (*disk_bytes)(struct manifest_db *db, int64_t *db_bytes, int64_t *wal_bytes,
			  char *err);
	int (*spool_gone)(struct manifest_db *db, int64_t id, int64_t *when, char *err);
	int (*last_note)(struct manifest_db *db, const char *a, const char *b, char **event,
			 int64_t *ts_ms, char **detail, char *err);

	/* Retention (manifest_prune.c). prune_window: FN for each file in
	 * STATE last changed before BEFORE, after CUR in (updated, id) order,
	 * at most LIMIT. prune_file deletes a file with its deliveries,
	 * events and shipment ids (a tombstone first when TOMBSTONE), counting
	 * the rows in C. prune_needed: 1 when a file with SHA256 still holds
	 * its spool copy. prune_notes / prune_tombstones: delete at most LIMIT
	 * old ones, *N how many. compact: incremental vacuum of PAGES, *LEFT
	 * free pages after. */
	int (*prune_window)(struct manifest_db *db, const char *state, int64_t before,
			    const struct mprune_cursor *cur, int limit,
			    int (*fn)(void *ctx, const struct mprune_file *f), void *ctx,
			    char *err);
	int (*prune_spool_gone)(struct manifest_db *db, int64_t id, int64_t now, char *err);
	int (*prune_file)(struct manifest_db *db, int64_t id, int tombstone, int64_t now,
			  struct mprune_counts *c, char *err);
	int (*prune_needed)(struct manifest_db *db, const char *sha256);
	int (*prune_notes)(struct manifest_db *db, int64_t before_ms, int limit, int64_t *n,
			   char *err);
	int (*prune_tombstones)(struct manifest_db *db, int64_t before, int limit, int64_t *n,
				char *err);
	int (*compact)(struct manifest_db *db, int pages, int64_t *left, char *err);
	int (*checkpoint)(struct manifest_db *db, char *err);

	/* Requests (manifest_requests.c): record one request's outcome
	 * (replacing an earlier one of the same index); the indexes of a
	 * delivery's done requests, ascending (caller frees); a file's
	 * requests, by delivery and index. */
	int (*request_set)(struct manifest_db *db, const struct mrequest *rq, int64_t now,
			   char *err);
	int (*requests_done)(struct manifest_db *db, int64_t delivery_id, int64_t **idx,
			     size_t *n, char *err);
	int (*requests)(struct manifest_db *db, int64_t file_id, mrequest_fn fn, void *ctx,
			char *err);
};

extern const struct manifest_backend manifest_sqlite;

#endif
