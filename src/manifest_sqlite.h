/* Inside the SQLite backend of the manifest (manifest_sqlite*.c): the open
 * connection with its cache of prepared statements, the helpers its files
 * share (manifest_sqlite_stmt.c), and each file's operations for the table
 * in manifest_sqlite.c. Nothing outside manifest_sqlite*.c includes this
 * header or sqlite3.h. */
#ifndef KA_MANIFEST_SQLITE_H
#define KA_MANIFEST_SQLITE_H

#include <sqlite3.h>

#include "common.h"
#include "manifest_backend.h"

#define MSQL_STMTS 96

struct msql_stmt {
	const char *sql;
	sqlite3_stmt *st;
};

struct manifest_db {
	sqlite3 *db;
	char *path;
	sqlite3_stmt *st_seen;
	sqlite3_stmt *st_event;
	struct msql_stmt cache[MSQL_STMTS];  /* prepared once, reused */
	size_t ncache;
	/* What this open did to an older manifest (manifest_sqlite_backup.c). */
	int upgraded_from, upgraded_to;      /* schema versions; 0 = not upgraded */
	char *upgrade_backup;                /* the copy kept before the upgrade */
	int vacuumed;                        /* auto_vacuum turned on by a VACUUM */
	char vacuum_warning[ERRLEN];         /* why it could not be, or "" */
};

#define MSQL_FILE_COLUMNS "id, route, source_uri, name, size, mtime, sha256, format, state, " \
	"attempts, next_attempt, last_error, spool_path, summary, source_done, created, updated, " \
	"mtime_ns, ino"

/* manifest_sqlite_stmt.c */
int msql_fail(struct manifest_db *d, char *err, const char *what);
int msql_exec(struct manifest_db *d, const char *sql, char *err);
int msql_prepare(struct manifest_db *d, const char *sql, sqlite3_stmt **st, char *err);
void msql_finalize_all(struct manifest_db *d);
void msql_bind_text(sqlite3_stmt *st, int i, const char *s);
void msql_bind_known(sqlite3_stmt *st, int i, int64_t v);
int msql_step_done(struct manifest_db *d, sqlite3_stmt *st, char *err, const char *what);
char *msql_col_text(sqlite3_stmt *st, int i);
void msql_file_row(sqlite3_stmt *st, struct mfile *f);
int msql_each_file(struct manifest_db *d, sqlite3_stmt *st, mfile_fn fn, void *ctx, char *err,
		   const char *what);

/* manifest_sqlite_files.c: the pipeline's writes and queries */
int msql_event(struct manifest_db *d, int64_t file_id, int64_t ts_ms, const char *event,
	       const char *detail, char *err);
int msql_note_once(struct manifest_db *d, int64_t ts_ms, const char *event, const char *detail,
		   char *err);
int msql_notes(struct manifest_db *d, const char *event, int64_t *count, char **latest,
	       char *err);
int msql_seen(struct manifest_db *d, const char *route, const char *source_uri, int64_t size,
	      int64_t mtime, int64_t mtime_ns, int64_t ino, int64_t now, int64_t stale);
int msql_add_file(struct manifest_db *d, const struct mfile *f, int64_t now, int64_t *id,
		  char *err);
int msql_set_parsed(struct manifest_db *d, int64_t id, const char *format, const char *summary,
		    const char *state, int64_t now, char *err);
int msql_add_shipment(struct manifest_db *d, int64_t id, const char *shipment, char *err);
int msql_set_state(struct manifest_db *d, int64_t id, const char *state, int64_t now,
		   char *err);
int msql_set_retry(struct manifest_db *d, int64_t id, int attempts, int64_t next_attempt,
		   const char *error, int dead, int64_t now, char *err);
int msql_mark_corrupt(struct manifest_db *d, const char *sha256, const char *detail,
		      int64_t ts_ms, int64_t now, int *marked, char *err);
int msql_restage_failed(struct manifest_db *d, int64_t id, int64_t next_attempt,
			const char *why, int64_t now, char *err);
int msql_requeue(struct manifest_db *d, int64_t id, int64_t now, int *changed, char *err);
int msql_reset_failed_deliveries(struct manifest_db *d, int64_t id, int64_t now, char *err);
int msql_source_done(struct manifest_db *d, int64_t id, int64_t now, char *err);
int msql_due(struct manifest_db *d, const char *route, int64_t now, int64_t **ids, size_t *n,
	     char *err);
int msql_alerts_due(struct manifest_db *d, const char *route, const char *states,
		    int64_t since, mfile_fn fn, void *ctx, char *err);
int msql_add_delivery(struct manifest_db *d, int64_t file_id, const char *dest, int resend,
		      int64_t now, int64_t *id, char *err);
int msql_deliveries(struct manifest_db *d, int64_t file_id, struct mdelivery **v, size_t *n,
		    char *err);
int msql_set_delivery(struct manifest_db *d, int64_t id, const char *state,
		      const char *final_path, int64_t now, char *err);
int msql_health(struct manifest_db *d, enum mhealth which, const char *name, int ok,
		const char *error, const char *skipped, int64_t now, char *err);

/* manifest_sqlite_query.c: the CLI's reads and the health tables */
int msql_get(struct manifest_db *d, int64_t id, struct mfile *f, char *err);
int msql_list(struct manifest_db *d, const struct mfilter *flt, mfile_fn fn, void *ctx,
	      char *err);
int msql_events(struct manifest_db *d, int64_t file_id, struct mevent **v, size_t *n,
		char *err);
char *msql_shipments(struct manifest_db *d, int64_t file_id);
int msql_remotes(struct manifest_db *d, struct mremote_status **v, size_t *n, char *err);
int msql_status_routes(struct manifest_db *d, void (*fn)(void *ctx, const char *route),
		       void *ctx, char *err);
int msql_status_counts(struct manifest_db *d, void (*fn)(void *ctx, const struct mstate_count *c),
		       void *ctx, char *err);
int msql_status_cycles(struct manifest_db *d, void (*fn)(void *ctx, const struct mroute_cycle *c),
		       void *ctx, char *err);

/* manifest_sqlite_summary.c */
int msql_summary(struct manifest_db *d, const char *json, struct msummary *s, char *err);

/* manifest_sqlite_mailbox.c */
int msql_mailbox_get(struct manifest_db *d, const char *route, const char *mailbox,
		     uint32_t *uidvalidity, uint32_t *last_uid, char *err);
int msql_mailbox_set(struct manifest_db *d, const char *route, const char *mailbox,
		     uint32_t uidvalidity, uint32_t last_uid, char *err);
int msql_seen_content(struct manifest_db *d, const char *route, const char *name,
		      const char *sha256);

/* manifest_sqlite_backup.c: copies of the manifest */
int msql_backup(const char *path, const char *dest, int replace, char *err);
int msql_upgrade_backup(struct manifest_db *d, int from, int to, char *err);
void msql_vacuum_once(struct manifest_db *d);
int msql_upgrade_report(struct manifest_db *d, struct mupgrade *u);

/* manifest_sqlite_space.c: the spool's and the manifest's space */
int msql_spool_bytes(struct manifest_db *d, int64_t *bytes, char *err);
int msql_disk_bytes(struct manifest_db *d, int64_t *db_bytes, int64_t *wal_bytes, char *err);
int msql_spool_gone(struct manifest_db *d, int64_t id, int64_t *when, char *err);
int msql_last_note(struct manifest_db *d, const char *a, const char *b, char **event,
		   int64_t *ts_ms, char **detail, char *err);

/* manifest_sqlite_prune.c: retention */
int msql_prune_window(struct manifest_db *d, const char *state, int64_t before,
		      const struct mprune_cursor *cur, int limit,
		      int (*fn)(void *ctx, const struct mprune_file *f), void *ctx, char *err);
int msql_prune_spool_gone(struct manifest_db *d, int64_t id, int64_t now, char *err);
int msql_prune_file(struct manifest_db *d, int64_t id, int tombstone, int64_t now,
		    struct mprune_counts *c, char *err);
int msql_prune_needed(struct manifest_db *d, const char *sha256);
int msql_prune_notes(struct manifest_db *d, int64_t before_ms, int limit, int64_t *n,
		     char *err);
int msql_prune_tombstones(struct manifest_db *d, int64_t before, int limit, int64_t *n,
			  char *err);
int msql_compact(struct manifest_db *d, int pages, int64_t *left, char *err);
int msql_checkpoint(struct manifest_db *d, char *err);

/* manifest_sqlite_requests.c: the requests of deliveries to APIs */
int msql_request_set(struct manifest_db *d, const struct mrequest *rq, int64_t now, char *err);
int msql_requests_done(struct manifest_db *d, int64_t delivery_id, int64_t **idx, size_t *n,
		       char *err);
int msql_requests(struct manifest_db *d, int64_t file_id, mrequest_fn fn, void *ctx,
		  char *err);

#endif
