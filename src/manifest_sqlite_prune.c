/* The SQLite backend's side of retention (manifest_prune.c): the windows of
 * old files a prune batch looks at (by state and age, through the index
 * files_state), releasing a spool copy, deleting a file with its
 * deliveries, events and shipment ids (and writing its tombstone), whether
 * a spool object is still needed (files_sha256), old notes and tombstones,
 * and giving space back. Batches and transactions are the front's. */
#include "manifest_sqlite.h"

#include "common.h"

int msql_prune_window(struct manifest_db *d, const char *state, int64_t before,
		      const struct mprune_cursor *cur, int limit,
		      int (*fn)(void *ctx, const struct mprune_file *f), void *ctx, char *err)
{
	sqlite3_stmt *st = NULL;
	int r, rc = msql_prepare(d, "SELECT id, route, sha256, updated, spool_gone IS NULL, "
				 "source_done FROM files WHERE state=?1 AND updated<?2 AND "
				 "(updated, id) > (?3, ?4) ORDER BY updated, id LIMIT ?5",
				 &st, err);
	if (rc != 0)
		return rc;
	msql_bind_text(st, 1, state);
	sqlite3_bind_int64(st, 2, before);
	sqlite3_bind_int64(st, 3, cur->updated);
	sqlite3_bind_int64(st, 4, cur->id);
	sqlite3_bind_int(st, 5, limit);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		struct mprune_file f = {
			.id = sqlite3_column_int64(st, 0),
			.route = (const char *)sqlite3_column_text(st, 1),
			.sha256 = (const char *)sqlite3_column_text(st, 2),
			.updated = sqlite3_column_int64(st, 3),
			.spool_held = sqlite3_column_int(st, 4),
			.source_done = sqlite3_column_int(st, 5),
		};
		if (fn(ctx, &f) != 0)
			break;
	}
	if (r != SQLITE_DONE && r != SQLITE_ROW)
		rc = msql_fail(d, err, "reading old files");
	sqlite3_reset(st);
	return rc;
}

int msql_prune_spool_gone(struct manifest_db *d, int64_t id, int64_t now, char *err)
{
	sqlite3_stmt *st = NULL;
	int rc = msql_prepare(d, "UPDATE files SET spool_gone=?2 WHERE id=?1 AND "
			      "spool_gone IS NULL", &st, err);
	if (rc != 0)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	return msql_step_done(d, st, err, "releasing a spool copy");
}

/* Run SQL (cached) with ?1 = P1 and, when it has one, ?2 = P2; *N += the
 * rows it changed. */
static int run_counted(struct manifest_db *d, const char *sql, int64_t p1, int64_t p2,
		       int64_t *n, char *err)
{
	sqlite3_stmt *st = NULL;
	int rc = msql_prepare(d, sql, &st, err);
	if (rc != 0)
		return rc;
	sqlite3_bind_int64(st, 1, p1);
	if (sqlite3_bind_parameter_count(st) > 1)
		sqlite3_bind_int64(st, 2, p2);
	rc = msql_step_done(d, st, err, "pruning old rows");
	if (rc == 0)
		*n += sqlite3_changes(d->db);
	return rc;
}

/* The tombstone is written first, from the row about to go. The
 * deliveries go before the file (their foreign key). */
int msql_prune_file(struct manifest_db *d, int64_t id, int tombstone, int64_t now,
		    struct mprune_counts *c, char *err)
{
	static const char tomb[] = "INSERT OR REPLACE INTO tombstones(route, source_uri, size, "
		"mtime, mtime_ns, ino, listed) SELECT route, source_uri, size, mtime, mtime_ns, "
		"ino, ?2 FROM files WHERE id=?1";
	static const char deliveries[] = "DELETE FROM deliveries WHERE file_id=?1";
	static const char events[] = "DELETE FROM events WHERE file_id=?1";
	static const char shipments[] = "DELETE FROM shipments WHERE file_id=?1";
	static const char files[] = "DELETE FROM files WHERE id=?1";
	if ((tombstone && run_counted(d, tomb, id, now, &c->tombstones_written, err) != 0) ||
	    run_counted(d, deliveries, id, now, &c->deliveries, err) != 0 ||
	    run_counted(d, events, id, now, &c->events, err) != 0 ||
	    run_counted(d, shipments, id, now, &c->shipments, err) != 0 ||
	    run_counted(d, files, id, now, &c->files, err) != 0)
		return KA_ERR;
	return 0;
}

int msql_prune_needed(struct manifest_db *d, const char *sha256)
{
	sqlite3_stmt *st = NULL;
	char err[ERRLEN];
	if (msql_prepare(d, "SELECT 1 FROM files WHERE sha256=?1 AND spool_gone IS NULL LIMIT 1",
			 &st, err) != 0)
		return KA_ERR;
	msql_bind_text(st, 1, sha256);
	int r = sqlite3_step(st);
	sqlite3_reset(st);
	return r == SQLITE_ROW ? 1 : r == SQLITE_DONE ? 0 : KA_ERR;
}

int msql_prune_notes(struct manifest_db *d, int64_t before_ms, int limit, int64_t *n,
		     char *err)
{
	*n = 0;
	return run_counted(d, "DELETE FROM events WHERE id IN (SELECT id FROM events WHERE "
			   "file_id IS NULL AND ts<?1 LIMIT ?2)", before_ms, limit, n, err);
}

int msql_prune_tombstones(struct manifest_db *d, int64_t before, int limit, int64_t *n,
			  char *err)
{
	*n = 0;
	return run_counted(d, "DELETE FROM tombstones WHERE rowid IN (SELECT rowid FROM "
			   "tombstones WHERE listed<?1 LIMIT ?2)", before, limit, n, err);
}

/* Read one integer PRAGMA. */
static int pragma_int(struct manifest_db *d, const char *sql, int64_t *v, char *err)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(d->db, sql, -1, &st, NULL) != SQLITE_OK)
		return msql_fail(d, err, "reading the manifest's free pages");
	int r = sqlite3_step(st);
	*v = r == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	int rc = r == SQLITE_ROW ? 0 : msql_fail(d, err, "reading the manifest's free pages");
	sqlite3_finalize(st);
	return rc;
}

int msql_compact(struct manifest_db *d, int pages, int64_t *left, char *err)
{
	int64_t mode = 0;
	char sql[64];
	*left = 0;
	if (pragma_int(d, "PRAGMA auto_vacuum", &mode, err) != 0)
		return KA_ERR;
	if (mode != 2)  /* not INCREMENTAL: nothing to give back this way */
		return 0;
	snprintf(sql, sizeof(sql), "PRAGMA incremental_vacuum(%d)", pages);
	if (msql_exec(d, sql, err) != 0)
		return KA_ERR;
	return pragma_int(d, "PRAGMA freelist_count", left, err);
}

int msql_checkpoint(struct manifest_db *d, char *err)
{
	if (sqlite3_wal_checkpoint_v2(d->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL) !=
	    SQLITE_OK)
		return msql_fail(d, err, "checkpointing the write-ahead log");
	return 0;
}
