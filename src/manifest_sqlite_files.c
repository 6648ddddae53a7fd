/* The SQLite backend's side of the pipeline's work (manifest_files.c): the
 * file state machine's rows, deliveries, events and notes, the due and
 * alert queries, and the routes/remotes health upsert. Each function is one
 * statement (or the statements of one change); transactions, events that
 * go with a change and their details are the front's. */
#include "manifest_sqlite.h"

#include <stdlib.h>
#include <string.h>

#include "common.h"

int msql_event(struct manifest_db *d, int64_t file_id, int64_t ts_ms, const char *event,
	       const char *detail, char *err)
{
	sqlite3_stmt *st = d->st_event;
	sqlite3_reset(st);
	msql_bind_known(st, 1, file_id);  /* 0: a note of the manifest's, no file's */
	sqlite3_bind_int64(st, 2, ts_ms);
	msql_bind_text(st, 3, event);
	msql_bind_text(st, 4, detail);
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : msql_fail(d, err, "recording an event");
	sqlite3_reset(st);
	return rc;
}

/* 1 when recorded now, 0 when the same event and detail were there. */
int msql_note_once(struct manifest_db *d, int64_t ts_ms, const char *event, const char *detail,
		   char *err)
{
	sqlite3_stmt *st = NULL;
	int rc = msql_prepare(d, "INSERT INTO events(file_id, ts, event, detail) "
			      "SELECT NULL, ?1, ?2, ?3 WHERE NOT EXISTS (SELECT 1 FROM events "
			      "WHERE file_id IS NULL AND event=?2 AND detail=?3)", &st, err);
	if (rc != 0)
		return rc;
	sqlite3_bind_int64(st, 1, ts_ms);
	msql_bind_text(st, 2, event);
	msql_bind_text(st, 3, detail);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = msql_fail(d, err, "recording an event");
	else
		rc = sqlite3_changes(d->db) > 0;
	sqlite3_reset(st);
	return rc;
}

int msql_notes(struct manifest_db *d, const char *event, int64_t *count, char **latest,
	       char *err)
{
	sqlite3_stmt *st = NULL;
	int rc = msql_prepare(d, "SELECT count(*), (SELECT detail FROM events WHERE file_id IS "
			      "NULL AND event=?1 ORDER BY id DESC LIMIT 1) FROM events "
			      "WHERE file_id IS NULL AND event=?1", &st, err);
	if (rc != 0)
		return rc;
	msql_bind_text(st, 1, event);
	*count = 0;
	*latest = NULL;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*count = sqlite3_column_int64(st, 0);
		*latest = msql_col_text(st, 1);
	} else {
		rc = msql_fail(d, err, "reading events");
	}
	sqlite3_reset(st);
	return rc;
}

/* Bind the identity of a listed file to ?1..?6 of ST. */
static void bind_identity(sqlite3_stmt *st, const char *route, const char *source_uri,
			  int64_t size, int64_t mtime, int64_t mtime_ns, int64_t ino)
{
	msql_bind_text(st, 1, route);
	msql_bind_text(st, 2, source_uri);
	sqlite3_bind_int64(st, 3, size);
	sqlite3_bind_int64(st, 4, mtime);
	msql_bind_known(st, 5, mtime_ns);
	msql_bind_known(st, 6, ino);
}

/* A tombstone with this identity: 1 (and marked listed NOW when it was
 * last listed before STALE), 0 when none. Failing to mark it only delays
 * the mark to the next listing. */
static int seen_tombstone(struct manifest_db *d, const char *route, const char *source_uri,
			  int64_t size, int64_t mtime, int64_t mtime_ns, int64_t ino,
			  int64_t now, int64_t stale)
{
	sqlite3_stmt *st = NULL;
	char err[ERRLEN];
	if (msql_prepare(d, "SELECT rowid, listed FROM tombstones WHERE route=?1 AND "
			 "source_uri=?2 AND size=?3 AND mtime=?4 AND (mtime_ns IS NULL OR "
			 "?5 IS NULL OR (mtime_ns=?5 AND ino=?6))", &st, err) != 0)
		return KA_ERR;
	bind_identity(st, route, source_uri, size, mtime, mtime_ns, ino);
	int r = sqlite3_step(st);
	int64_t rowid = r == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	int old = r == SQLITE_ROW && sqlite3_column_int64(st, 1) < stale;
	sqlite3_reset(st);
	if (r != SQLITE_ROW)
		return r == SQLITE_DONE ? 0 : KA_ERR;
	if (old && msql_prepare(d, "UPDATE tombstones SET listed=?2 WHERE rowid=?1", &st,
				err) == 0) {
		sqlite3_bind_int64(st, 1, rowid);
		sqlite3_bind_int64(st, 2, now);
		(void)msql_step_done(d, st, err, "marking a tombstone listed");
	}
	return 1;
}

int msql_seen(struct manifest_db *d, const char *route, const char *source_uri, int64_t size,
	      int64_t mtime, int64_t mtime_ns, int64_t ino, int64_t now, int64_t stale)
{
	sqlite3_stmt *st = d->st_seen;
	sqlite3_reset(st);
	bind_identity(st, route, source_uri, size, mtime, mtime_ns, ino);
	int r = sqlite3_step(st);
	sqlite3_reset(st);
	if (r == SQLITE_DONE)
		return seen_tombstone(d, route, source_uri, size, mtime, mtime_ns, ino, now,
				      stale);
	return r == SQLITE_ROW ? 1 : KA_ERR;
}

int msql_add_file(struct manifest_db *d, const struct mfile *f, int64_t now, int64_t *id,
		  char *err)
{
	sqlite3_stmt *st = NULL;
	int rc = msql_prepare(d, "INSERT INTO files(route, source_uri, name, size, mtime, sha256, "
			      "format, state, spool_path, created, updated, mtime_ns, ino) "
			      "VALUES (?1,?2,?3,?4,?5,?6,?7,'staged',?8,?9,?9,?10,?11)", &st, err);
	if (rc != 0)
		return rc;
	msql_bind_text(st, 1, f->route);
	msql_bind_text(st, 2, f->source_uri);
	msql_bind_text(st, 3, f->name);
	sqlite3_bind_int64(st, 4, f->size);
	sqlite3_bind_int64(st, 5, f->mtime);
	msql_bind_text(st, 6, f->sha256);
	msql_bind_text(st, 7, f->format);
	msql_bind_text(st, 8, f->spool_path);
	sqlite3_bind_int64(st, 9, now);
	msql_bind_known(st, 10, f->mtime_ns);
	msql_bind_known(st, 11, f->ino);
	rc = msql_step_done(d, st, err, "recording a file");
	if (rc == 0)
		*id = sqlite3_last_insert_rowid(d->db);
	return rc;
}

int msql_set_parsed(struct manifest_db *d, int64_t id, const char *format, const char *summary,
		    const char *state, int64_t now, char *err)
{
	sqlite3_stmt *st = NULL;
	int rc = msql_prepare(d, "UPDATE files SET format=?2, summary=?3, state=?4, updated=?5 "
			      "WHERE id=?1", &st, err);
	if (rc != 0)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	msql_bind_text(st, 2, format);
	msql_bind_text(st, 3, summary);
	msql_bind_text(st, 4, state);
	sqlite3_bind_int64(st, 5, now);
	return msql_step_done(d, st, err, "recording a parse summary");
}

int msql_add_shipment(struct manifest_db *d, int64_t id, const char *shipment, char *err)
{
	sqlite3_stmt *st = NULL;
	int rc = msql_prepare(d, "INSERT OR IGNORE INTO shipments(shipment_id, file_id) "
			      "VALUES (?1,?2)", &st, err);
	if (rc != 0)
		return rc;
	msql_bind_text(st, 1, shipment);
	sqlite3_bind_int64(st, 2, id);
	return msql_step_done(d, st, err, "recording a shipment id");
}

int msql_set_state(struct manifest_db *d, int64_t id, const char *state, int64_t now,
		   char *err)
{
	sqlite3_stmt *st = NULL;
	int rc = msql_prepare(d, "UPDATE files SET state=?2, updated=?3 WHERE id=?1", &st, err);
	if (rc != 0)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	msql_bind_text(st, 2, state);
	sqlite3_bind_int64(st, 3, now);
	return msql_step_done(d, st, err, "changing a file's state");
}

int msql_set_retry(struct manifest_db *d, int64_t id, int attempts, int64_t next_attempt,
		   const char *error, int dead, int64_t now, char *err)
{
	sqlite3_stmt *st = NULL;
	int rc = msql_prepare(d, "UPDATE files SET attempts=?2, next_attempt=?3, last_error=?4, "
			      "state=CASE WHEN ?5 THEN 'dead' ELSE state END, updated=?6 "
			      "WHERE id=?1", &st, err);
	if (rc != 0)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, attempts);
	sqlite3_bind_int64(st, 3, next_attempt);
	msql_bind_text(st, 4, error);
	sqlite3_bind_int(st, 5, dead);
	sqlite3_bind_int64(st, 6, now);
	return msql_step_done(d, st, err, "recording a failed attempt");
}

int msql_mark_corrupt(struct manifest_db *d, const char *sha256, const char *detail,
		      int64_t ts_ms, int64_t now, int *marked, char *err)
{
	sqlite3_stmt *st = NULL;
	int rc = msql_prepare(d, "INSERT INTO events(file_id, ts, event, detail) "
			      "SELECT id, ?2, 'spool_corrupt', ?3 FROM files WHERE sha256=?1",
			      &st, err);
	if (rc == 0) {
		msql_bind_text(st, 1, sha256);
		sqlite3_bind_int64(st, 2, ts_ms);
		msql_bind_text(st, 3, detail);
		rc = msql_step_done(d, st, err, "recording a corrupt spool copy");
	}
	if (rc == 0)
		rc = msql_prepare(d, "UPDATE files SET state='corrupt', next_attempt=0, "
				  "last_error=?2, updated=?3 WHERE sha256=?1 AND "
				  "state IN ('staged','pending','dead')", &st, err);
	if (rc == 0) {
		msql_bind_text(st, 1, sha256);
		msql_bind_text(st, 2, detail);
		sqlite3_bind_int64(st, 3, now);
		rc = msql_step_done(d, st, err, "marking files corrupt");
	}
	if (rc == 0)
		*marked = sqlite3_changes(d->db);
	return rc;
}

int msql_restage_failed(struct manifest_db *d, int64_t id, int64_t next_attempt,
			const char *why, int64_t now, char *err)
{
	sqlite3_stmt *st = NULL;
	int rc = msql_prepare(d, "UPDATE files SET next_attempt=?2, last_error=?3, updated=?4 "
			      "WHERE id=?1", &st, err);
	if (rc != 0)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, next_attempt);
	msql_bind_text(st, 3, why);
	sqlite3_bind_int64(st, 4, now);
	return msql_step_done(d, st, err, "recording a failed staging");
}

int msql_requeue(struct manifest_db *d, int64_t id, int64_t now, int *changed, char *err)
{
	sqlite3_stmt *st = NULL;
	int rc = msql_prepare(d, "UPDATE files SET state=CASE WHEN state='corrupt' THEN 'corrupt' "
			      "WHEN summary IS NULL THEN 'staged' ELSE 'pending' END, attempts=0, "
			      "next_attempt=?2, last_error=NULL, "
			      "updated=?2 WHERE id=?1 AND state IN ('dead','corrupt')", &st, err);
	if (rc != 0)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	rc = msql_step_done(d, st, err, "putting a file back in the queue");
	if (rc == 0)
		*changed = sqlite3_changes(d->db);
	return rc;
}

int msql_reset_failed_deliveries(struct manifest_db *d, int64_t id, int64_t now, char *err)
{
	sqlite3_stmt *st = NULL;
	int rc = msql_prepare(d, "UPDATE deliveries SET state='pending', updated=?2 "
			      "WHERE file_id=?1 AND resend=0 AND state='failed'", &st, err);
	if (rc != 0)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	return msql_step_done(d, st, err, "resetting failed deliveries");
}

int msql_source_done(struct manifest_db *d, int64_t id, int64_t now, char *err)
{
	sqlite3_stmt *st = NULL;
	int rc = msql_prepare(d, "UPDATE files SET source_done=1, "
			      "state=CASE WHEN state='delivered' THEN 'done' ELSE state END, "
			      "updated=?2 WHERE id=?1", &st, err);
	if (rc != 0)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	return msql_step_done(d, st, err, "finishing a file");
}

int msql_due(struct manifest_db *d, const char *route, int64_t now, int64_t **ids, size_t *n,
	     char *err)
{
	sqlite3_stmt *st = NULL;
	/* One range per state: files_due(route, state, next_attempt) for the
	 * files in flight, files_unfinished (the same, of the files whose
	 * source is not finished) for the rejected and corrupt ones, so that
	 * neither the done history nor the finished rejected files are
	 * walked (an OR of the two groups made SQLite walk every row of the
	 * route through files_identity). */
	int rc = msql_prepare(d, "SELECT id FROM files WHERE route=?1 AND state IN ('staged',"
			      "'pending','delivered') AND next_attempt<=?2 UNION ALL "
			      "SELECT id FROM files WHERE route=?1 AND state IN ('rejected',"
			      "'corrupt') AND source_done=0 AND next_attempt<=?2 ORDER BY id",
			      &st, err);
	if (rc != 0)
		return rc;
	msql_bind_text(st, 1, route);
	sqlite3_bind_int64(st, 2, now);
	size_t cap = 0;
	*ids = NULL;
	*n = 0;
	int r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			*ids = xrealloc(*ids, cap * sizeof(**ids));
		}
		(*ids)[(*n)++] = sqlite3_column_int64(st, 0);
	}
	if (r != SQLITE_DONE)
		rc = msql_fail(d, err, "listing due files");
	sqlite3_reset(st);
	return rc;
}

int msql_alerts_due(struct manifest_db *d, const char *route, const char *states,
		    int64_t since, mfile_fn fn, void *ctx, char *err)
{
	sqlite3_stmt *st = NULL;
	/* files_state (state, updated): the failed files of the last days
	 * only, neither the done history nor the older dead and rejected
	 * files (files_due would walk all of the route's). */
	int rc = msql_prepare(d, "SELECT " MSQL_FILE_COLUMNS " FROM files INDEXED BY files_state "
			      "WHERE route=?1 AND "
			      "state IN ('dead','corrupt','rejected') AND "
			      "instr(?2, ','||state||',')>0 AND updated>=?3 AND NOT EXISTS "
			      "(SELECT 1 FROM events WHERE events.file_id=files.id AND "
			      "events.event='alerted' AND "
			      "events.detail LIKE 'state='||files.state||' %') "
			      "ORDER BY id", &st, err);
	if (rc != 0)
		return rc;
	msql_bind_text(st, 1, route);
	msql_bind_text(st, 2, states);
	sqlite3_bind_int64(st, 3, since);
	return msql_each_file(d, st, fn, ctx, err, "listing files to alert about");
}

int msql_add_delivery(struct manifest_db *d, int64_t file_id, const char *dest, int resend,
		      int64_t now, int64_t *id, char *err)
{
	sqlite3_stmt *st = NULL;
	int rc = msql_prepare(d, "INSERT INTO deliveries(file_id, dest, state, resend, updated) "
			      "VALUES (?1,?2,'pending',?3,?4)", &st, err);
	if (rc != 0)
		return rc;
	sqlite3_bind_int64(st, 1, file_id);
	msql_bind_text(st, 2, dest);
	sqlite3_bind_int(st, 3, resend);
	sqlite3_bind_int64(st, 4, now);
	rc = msql_step_done(d, st, err, "recording a delivery");
	if (rc == 0 && id)
		*id = sqlite3_last_insert_rowid(d->db);
	return rc;
}

int msql_deliveries(struct manifest_db *d, int64_t file_id, struct mdelivery **v, size_t *n,
		    char *err)
{
	sqlite3_stmt *st = NULL;
	int rc = msql_prepare(d, "SELECT id, file_id, dest, final_path, state, resend, updated "
			      "FROM deliveries WHERE file_id=?1 ORDER BY id", &st, err);
	if (rc != 0)
		return rc;
	sqlite3_bind_int64(st, 1, file_id);
	*v = NULL;
	*n = 0;
	int r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		*v = xrealloc(*v, (*n + 1) * sizeof(**v));
		struct mdelivery *dl = &(*v)[(*n)++];
		dl->id = sqlite3_column_int64(st, 0);
		dl->file_id = sqlite3_column_int64(st, 1);
		dl->dest = msql_col_text(st, 2);
		dl->final_path = msql_col_text(st, 3);
		dl->state = msql_col_text(st, 4);
		dl->resend = sqlite3_column_int(st, 5);
		dl->updated = sqlite3_column_int64(st, 6);
	}
	if (r != SQLITE_DONE)
		rc = msql_fail(d, err, "reading deliveries");
	sqlite3_reset(st);
	return rc;
}

int msql_set_delivery(struct manifest_db *d, int64_t id, const char *state,
		      const char *final_path, int64_t now, char *err)
{
	sqlite3_stmt *st = NULL;
	int rc = msql_prepare(d, "UPDATE deliveries SET state=?2, final_path=?3, updated=?4 "
			      "WHERE id=?1", &st, err);
	if (rc != 0)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	msql_bind_text(st, 2, state);
	msql_bind_text(st, 3, final_path);
	sqlite3_bind_int64(st, 4, now);
	return msql_step_done(d, st, err, "changing a delivery's state");
}

/* The routes and remotes tables keep the same health columns under their
 * own names: one upsert written once, for TABLE keyed by KEY with its time
 * column TIME; routes also keep what the cycle skipped (?5). */
#define HEALTH_UPSERT(table, key, time, more_cols, more_vals, more_set)              \
	"INSERT INTO " table "(" key ", " time ", last_ok, last_error, failures"     \
	more_cols ") VALUES (?1, ?2, CASE WHEN ?3 THEN ?2 END, ?4, "                  \
	"CASE WHEN ?3 THEN 0 ELSE 1 END" more_vals ") ON CONFLICT(" key ") DO UPDATE " \
	"SET " time "=?2, last_ok=CASE WHEN ?3 THEN ?2 ELSE last_ok END, "            \
	"last_error=?4, failures=CASE WHEN ?3 THEN 0 ELSE failures+1 END" more_set

static const struct {
	const char *sql;
	const char *what;
	int skipped;
} health_tables[] = {
	[MHEALTH_ROUTE] = { HEALTH_UPSERT("routes", "route", "last_cycle", ", skipped", ", ?5",
					  ", skipped=?5"), "recording a cycle", 1 },
	[MHEALTH_REMOTE] = { HEALTH_UPSERT("remotes", "remote", "last_attempt", "", "", ""),
			     "recording a remote's attempt", 0 },
};

/* One upsert for both health tables. */
int msql_health(struct manifest_db *d, enum mhealth which, const char *name, int ok,
		const char *error, const char *skipped, int64_t now, char *err)
{
	sqlite3_stmt *st = NULL;
	int rc = msql_prepare(d, health_tables[which].sql, &st, err);
	if (rc != 0)
		return rc;
	msql_bind_text(st, 1, name);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int(st, 3, ok);
	msql_bind_text(st, 4, error);
	if (health_tables[which].skipped)
		msql_bind_text(st, 5, skipped);
	return msql_step_done(d, st, err, health_tables[which].what);
}
