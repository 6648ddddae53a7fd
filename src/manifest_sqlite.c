/* The manifest's SQLite backend: the connection (WAL journal with
 * synchronous=NORMAL: a committed transaction survives a crash of the
 * process; the delivery protocol in deliver.c is written so that a lost last
 * transaction after a power cut is recovered by looking at the destination),
 * the schema and its migrations (PRAGMA user_version), transactions, and the
 * table of operations the front calls (manifest_backend.h). The other
 * manifest_sqlite*.c files hold the queries, one file per reader. */
#include "manifest_sqlite.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

/* Migration N brings the schema from version N to N+1. Never edit a released
 * migration; append a new one. */
static const char *const migrations[] = {
	"CREATE TABLE files ("
	"  id INTEGER PRIMARY KEY,"
	"  route TEXT NOT NULL,"
	"  source_uri TEXT NOT NULL,"
	"  name TEXT NOT NULL,"
	"  size INTEGER NOT NULL,"
	"  mtime INTEGER NOT NULL,"
	"  sha256 TEXT NOT NULL,"
	"  format TEXT,"
	"  state TEXT NOT NULL,"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_attempt INTEGER NOT NULL DEFAULT 0,"
	"  last_error TEXT,"
	"  spool_path TEXT NOT NULL,"
	"  summary TEXT,"
	"  source_done INTEGER NOT NULL DEFAULT 0,"
	"  created INTEGER NOT NULL,"
	"  updated INTEGER NOT NULL);"
	"CREATE UNIQUE INDEX files_identity ON files(route, source_uri, size, mtime);"
	"CREATE INDEX files_due ON files(route, state, next_attempt);"
	"CREATE INDEX files_created ON files(created);"
	"CREATE TABLE deliveries ("
	"  id INTEGER PRIMARY KEY,"
	"  file_id INTEGER NOT NULL REFERENCES files(id),"
	"  dest TEXT NOT NULL,"
	"  final_path TEXT,"
	"  state TEXT NOT NULL,"
	"  resend INTEGER NOT NULL DEFAULT 0,"
	"  updated INTEGER NOT NULL);"
	"CREATE INDEX deliveries_file ON deliveries(file_id);"
	"CREATE TABLE events ("
	"  id INTEGER PRIMARY KEY,"
	"  file_id INTEGER,"
	"  ts INTEGER NOT NULL,"
	"  event TEXT NOT NULL,"
	"  detail TEXT);"
	"CREATE INDEX events_file ON events(file_id);"
	"CREATE TABLE shipments ("
	"  shipment_id TEXT NOT NULL,"
	"  file_id INTEGER NOT NULL,"
	"  PRIMARY KEY (shipment_id, file_id)) WITHOUT ROWID;"
	"CREATE TABLE routes ("
	"  route TEXT PRIMARY KEY,"
	"  last_cycle INTEGER,"
	"  last_ok INTEGER,"
	"  last_error TEXT);",
	/* 1 → 2: mailbox sources remember UIDVALIDITY and the last UID taken. */
	"CREATE TABLE mailboxes ("
	"  route TEXT NOT NULL,"
	"  mailbox TEXT NOT NULL,"
	"  uidvalidity INTEGER NOT NULL,"
	"  last_uid INTEGER NOT NULL,"
	"  PRIMARY KEY (route, mailbox));"
	"CREATE INDEX files_content ON files(route, name, sha256);",
	/* 2 → 3: failures in a row, per route (cycles) and per remote
	 * (attempts), so status can wait for N of them. */
	"ALTER TABLE routes ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;"
	"UPDATE routes SET failures = 1 WHERE last_error IS NOT NULL;"
	"CREATE TABLE remotes ("
	"  remote TEXT PRIMARY KEY,"
	"  last_attempt INTEGER NOT NULL,"
	"  last_ok INTEGER,"
	"  failures INTEGER NOT NULL DEFAULT 0,"
	"  last_error TEXT);",
	/* 3 → 4: a local file is also known by its inode and its mtime in
	 * nanoseconds. NULL in the rows made before (they keep matching on
	 * seconds, so an upgrade carries nothing again) and for SFTP files
	 * (protocol version 3 gives seconds). Routes keep the entries their
	 * last cycle skipped, by reason ("directory=1 pattern=3"). */
	"ALTER TABLE files ADD COLUMN mtime_ns INTEGER;"
	"ALTER TABLE files ADD COLUMN ino INTEGER;"
	"DROP INDEX files_identity;"
	"CREATE UNIQUE INDEX files_identity ON files(route, source_uri, size, mtime, "
	"  ifnull(mtime_ns, 0), ifnull(ino, 0));"
	"ALTER TABLE routes ADD COLUMN skipped TEXT;",
	/* 4 → 5: a year of history (retention, constant per-file cost).
	 * files.spool_gone: when retention removed the file's spool copy
	 * (seconds), NULL while the spool holds it. counts: files and bytes
	 * per (route, state), and the bytes whose copies the spool holds,
	 * kept by triggers so status never counts rows. tombstones: the
	 * identity of pruned files whose source may still list them, so they
	 * are not carried again (listed: when a listing last showed one).
	 * Indexes for the lookups by content, by state and age, and from a
	 * file to its shipment ids. */
	"ALTER TABLE files ADD COLUMN spool_gone INTEGER;"
	"CREATE INDEX files_sha256 ON files(sha256);"
	"CREATE INDEX files_state ON files(state, updated);"
	"CREATE INDEX shipments_file ON shipments(file_id);"
	"CREATE TABLE counts ("
	"  route TEXT NOT NULL,"
	"  state TEXT NOT NULL,"
	"  files INTEGER NOT NULL,"
	"  bytes INTEGER NOT NULL,"
	"  spool_bytes INTEGER NOT NULL,"
	"  PRIMARY KEY (route, state)) WITHOUT ROWID;"
	"INSERT INTO counts SELECT route, state, count(*), total(size), total(size) "
	"  FROM files GROUP BY route, state;"
	"CREATE TRIGGER counts_insert AFTER INSERT ON files BEGIN"
	"  INSERT INTO counts VALUES (new.route, new.state, 1, new.size,"
	"    CASE WHEN new.spool_gone IS NULL THEN new.size ELSE 0 END)"
	"  ON CONFLICT (route, state) DO UPDATE SET files = files + 1,"
	"    bytes = bytes + excluded.bytes, spool_bytes = spool_bytes + excluded.spool_bytes;"
	"END;"
	"CREATE TRIGGER counts_delete AFTER DELETE ON files BEGIN"
	"  UPDATE counts SET files = files - 1, bytes = bytes - old.size,"
	"    spool_bytes = spool_bytes - CASE WHEN old.spool_gone IS NULL THEN old.size ELSE 0 END"
	"  WHERE route = old.route AND state = old.state;"
	"END;"
	"CREATE TRIGGER counts_update AFTER UPDATE OF route, state, size, spool_gone ON files BEGIN"
	"  UPDATE counts SET files = files - 1, bytes = bytes - old.size,"
	"    spool_bytes = spool_bytes - CASE WHEN old.spool_gone IS NULL THEN old.size ELSE 0 END"
	"  WHERE route = old.route AND state = old.state;"
	"  INSERT INTO counts VALUES (new.route, new.state, 1, new.size,"
	"    CASE WHEN new.spool_gone IS NULL THEN new.size ELSE 0 END)"
	"  ON CONFLICT (route, state) DO UPDATE SET files = files + 1,"
	"    bytes = bytes + excluded.bytes, spool_bytes = spool_bytes + excluded.spool_bytes;"
	"END;"
	"CREATE TABLE tombstones ("
	"  route TEXT NOT NULL,"
	"  source_uri TEXT NOT NULL,"
	"  size INTEGER NOT NULL,"
	"  mtime INTEGER NOT NULL,"
	"  mtime_ns INTEGER,"
	"  ino INTEGER,"
	"  listed INTEGER NOT NULL);"
	"CREATE UNIQUE INDEX tombstones_identity ON tombstones(route, source_uri, size, mtime, "
	"  ifnull(mtime_ns, 0), ifnull(ino, 0));"
	"CREATE INDEX tombstones_listed ON tombstones(listed);"
	/* The rejected and corrupt files whose source is not finished, for
	 * the due query: only files in flight are in it, not the rejected
	 * history that files_due would walk. */
	"CREATE INDEX files_unfinished ON files(route, state, next_attempt) "
	"  WHERE source_done = 0;",
	/* 6: the requests of a delivery to an API, by index: the acknowledged
	 * ones (done) are not sent again when a delivery resumes; a refused
	 * one keeps the first KiB of the answer. They go with their delivery. */
	"CREATE TABLE requests ("
	"  delivery_id INTEGER NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,"
	"  idx INTEGER NOT NULL,"
	"  state TEXT NOT NULL,"
	"  status INTEGER NOT NULL,"
	"  correlation_id TEXT NOT NULL,"
	"  logging_id TEXT,"
	"  reply TEXT,"
	"  key TEXT,"
	"  updated INTEGER NOT NULL,"
	"  PRIMARY KEY (delivery_id, idx)) WITHOUT ROWID;",
};

static int user_version(struct manifest_db *d, int *v, char *err)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(d->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return msql_fail(d, err, "reading the schema version");
	int r = sqlite3_step(st);
	*v = r == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	int rc = r == SQLITE_ROW ? 0 : msql_fail(d, err, "reading the schema version");
	sqlite3_finalize(st);
	return rc;
}

/* Bring the schema to the latest version in one transaction. An existing
 * manifest (version above 0) is first copied beside itself, named by its
 * version (no copy, no upgrade), and after the upgrade given incremental
 * auto_vacuum if it has none (a failure there only warns). */
static int migrate(struct manifest_db *d, char *err)
{
	int v = 0;
	if (user_version(d, &v, err) != 0)
		return KA_ERR;
	int latest = (int)ARRAY_SIZE(migrations);
	if (v > latest) {
		snprintf(err, ERRLEN, "%s: schema version %d is newer than this kargo-agent "
			 "understands (%d); upgrade kargo-agent", d->path, v, latest);
		return KA_ERR;
	}
	if (v == latest)
		return 0;
	if (v > 0 && msql_upgrade_backup(d, v, latest, err) != 0)
		return KA_ERR;
	if (msql_exec(d, "BEGIN IMMEDIATE", err) != 0)
		return KA_ERR;
	/* Another process (resend opens the manifest for writing without the
	 * run lock) may have upgraded it since: read the version again under
	 * the write lock. */
	if (user_version(d, &v, err) != 0)
		goto fail;
	for (int i = v; i < latest; i++) {
		if (msql_exec(d, migrations[i], err) != 0)
			goto fail;
	}
	char sql[64];
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", latest);
	if (msql_exec(d, sql, err) != 0 || msql_exec(d, "COMMIT", err) != 0)
		goto fail;
	if (v > 0)
		msql_vacuum_once(d);
	return 0;
fail:
	sqlite3_exec(d->db, "ROLLBACK", NULL, NULL, NULL);
	return KA_ERR;
}

/* The statements every open manifest keeps ready. */
static int prepare_common(struct manifest_db *d, char *err)
{
	return msql_prepare(d, "SELECT 1 FROM files WHERE route=?1 AND source_uri=?2 AND size=?3 "
			    "AND mtime=?4 AND (mtime_ns IS NULL OR ?5 IS NULL OR "
			    "(mtime_ns=?5 AND ino=?6))", &d->st_seen, err) != 0 ||
	       msql_prepare(d, "INSERT INTO events(file_id, ts, event, detail) "
			    "VALUES (?1,?2,?3,?4)", &d->st_event, err) != 0 ? KA_ERR : 0;
}

static void sqlite_close(struct manifest_db *d)
{
	if (!d)
		return;
	msql_finalize_all(d);
	if (d->db)
		sqlite3_close(d->db);
	free(d->upgrade_backup);
	free(d->path);
	free(d);
}

/* Bytes the write-ahead log is cut down to when a writer starts it again
 * after a checkpoint: a busy hour (or a prune) may grow it, but it does
 * not stay that large. */
#define KA_WAL_LIMIT "67108864"

/* Open for reading and writing, creating and migrating as needed. */
static int open_readwrite(struct manifest_db *d, char *err)
{
	if (sqlite3_open_v2(d->path, &d->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		msql_fail(d, err, "cannot open the manifest");
		return KA_ERR;
	}
	/* Keep the -wal and -shm files when the last connection closes: a
	 * reader that may not create files in the directory (status run by a
	 * monitoring user) can open a WAL database only when they exist. */
	int persist = 1;
	sqlite3_file_control(d->db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
	sqlite3_busy_timeout(d->db, 10000);
	/* Pages freed by pruning can be given back (takes effect only on a
	 * manifest being created: an older one is converted by a VACUUM). */
	if (msql_exec(d, "PRAGMA auto_vacuum=INCREMENTAL", err) != 0 ||
	    msql_exec(d, "PRAGMA journal_mode=WAL", err) != 0 ||
	    msql_exec(d, "PRAGMA synchronous=NORMAL", err) != 0 ||
	    msql_exec(d, "PRAGMA journal_size_limit=" KA_WAL_LIMIT, err) != 0 ||
	    msql_exec(d, "PRAGMA foreign_keys=ON", err) != 0 || migrate(d, err) != 0 ||
	    prepare_common(d, err) != 0)
		return KA_ERR;
	return 0;
}

/* Why a read-only open failed, with what the reader can do about it. */
static int readonly_fail(struct manifest_db *d, char *err)
{
	int code = sqlite3_errcode(d->db);
	char *shm = xasprintf("%s-shm", d->path);
	if (code == SQLITE_CANTOPEN && access(d->path, F_OK) == 0 && access(shm, F_OK) != 0)
		snprintf(err, ERRLEN, "%s: cannot read the manifest: its -wal and -shm files are "
			 "missing and this user may not create them; they are made by the next "
			 "`kargo-agent once` or `run` and then kept", d->path);
	else
		msql_fail(d, err, "cannot read the manifest");
	free(shm);
	return code == SQLITE_BUSY ? KA_TRANSIENT : KA_ERR;
}

/* Open an existing manifest read-only, at the latest schema only. */
static int open_readonly(struct manifest_db *d, char *err)
{
	int v = 0, latest = (int)ARRAY_SIZE(migrations);
	if (sqlite3_open_v2(d->path, &d->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK)
		return readonly_fail(d, err);
	if (sqlite3_busy_timeout(d->db, 10000) != SQLITE_OK || user_version(d, &v, err) != 0)
		return readonly_fail(d, err);
	if (v > latest) {
		snprintf(err, ERRLEN, "%s: schema version %d is newer than this kargo-agent "
			 "understands (%d); upgrade kargo-agent", d->path, v, latest);
		return KA_ERR;
	}
	if (v < latest) {
		/* Only a writer migrates; reading an older schema would misread it. */
		snprintf(err, ERRLEN, "%s: schema version %d is older than this kargo-agent's "
			 "(%d); the next `kargo-agent once` or `run` upgrades it", d->path, v,
			 latest);
		return KA_TRANSIENT;
	}
	return prepare_common(d, err);
}

static int sqlite_open(struct manifest_db **db, const char *path, int readonly, char *err)
{
	struct manifest_db *d = xcalloc(1, sizeof(*d));
	d->path = xstrdup(path);
	int rc = readonly ? open_readonly(d, err) : open_readwrite(d, err);
	if (rc != 0) {
		sqlite_close(d);
		d = NULL;
	}
	*db = d;
	return rc;
}

static int sqlite_begin(struct manifest_db *d, char *err)
{
	return msql_exec(d, "BEGIN IMMEDIATE", err);
}

static int sqlite_commit(struct manifest_db *d, char *err)
{
	if (msql_exec(d, "COMMIT", err) != 0) {
		sqlite3_exec(d->db, "ROLLBACK", NULL, NULL, NULL);
		return KA_ERR;
	}
	return 0;
}

static void sqlite_rollback(struct manifest_db *d)
{
	sqlite3_exec(d->db, "ROLLBACK", NULL, NULL, NULL);
}

const struct manifest_backend manifest_sqlite = {
	.name = "sqlite",
	.scheme = NULL,
	.open = sqlite_open,
	.close = sqlite_close,
	.begin = sqlite_begin,
	.commit = sqlite_commit,
	.rollback = sqlite_rollback,
	.event = msql_event,
	.note_once = msql_note_once,
	.notes = msql_notes,
	.seen = msql_seen,
	.add_file = msql_add_file,
	.set_parsed = msql_set_parsed,
	.add_shipment = msql_add_shipment,
	.set_state = msql_set_state,
	.set_retry = msql_set_retry,
	.mark_corrupt = msql_mark_corrupt,
	.restage_failed = msql_restage_failed,
	.requeue = msql_requeue,
	.reset_failed_deliveries = msql_reset_failed_deliveries,
	.source_done = msql_source_done,
	.due = msql_due,
	.alerts_due = msql_alerts_due,
	.add_delivery = msql_add_delivery,
	.deliveries = msql_deliveries,
	.set_delivery = msql_set_delivery,
	.health = msql_health,
	.get = msql_get,
	.list = msql_list,
	.events = msql_events,
	.shipments = msql_shipments,
	.remotes = msql_remotes,
	.status_routes = msql_status_routes,
	.status_counts = msql_status_counts,
	.status_cycles = msql_status_cycles,
	.summary = msql_summary,
	.mailbox_get = msql_mailbox_get,
	.mailbox_set = msql_mailbox_set,
	.seen_content = msql_seen_content,
	.backup = msql_backup,
	.upgrade_report = msql_upgrade_report,
	.spool_bytes = msql_spool_bytes,
	.disk_bytes = msql_disk_bytes,
	.spool_gone = msql_spool_gone,
	.last_note = msql_last_note,
	.prune_window = msql_prune_window,
	.prune_spool_gone = msql_prune_spool_gone,
	.prune_file = msql_prune_file,
	.prune_needed = msql_prune_needed,
	.prune_notes = msql_prune_notes,
	.prune_tombstones = msql_prune_tombstones,
	.compact = msql_compact,
	.checkpoint = msql_checkpoint,
	.request_set = msql_request_set,
	.requests_done = msql_requests_done,
	.requests = msql_requests,
};
