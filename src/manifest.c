/* The manifest in SQLite: schema and migrations, and every SQL statement of
 * the program. WAL journal with synchronous=NORMAL: a committed transaction
 * survives a crash of the process; the delivery protocol (deliver.c) is
 * written so that a lost last transaction after a power cut is recovered
 * by looking at the destination. */
#include "manifest.h"

#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "common.h"

const char *const manifest_states[MANIFEST_NSTATES] = {
	ST_STAGED, ST_PENDING, ST_DELIVERED, ST_DONE, ST_REJECTED, ST_DEAD, ST_CORRUPT,
};

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
};

static int db_fail(struct manifest *m, char *err, const char *what)
{
	snprintf(err, ERRLEN, "%s: %s: %s", m->path, what, sqlite3_errmsg(m->db));
	int code = sqlite3_errcode(m->db);
	return (code == SQLITE_BUSY || code == SQLITE_LOCKED || code == SQLITE_FULL)
		       ? KA_TRANSIENT : KA_ERR;
}

static int exec(struct manifest *m, const char *sql, char *err)
{
	char *msg = NULL;
	if (sqlite3_exec(m->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, ERRLEN, "%s: %s", m->path, msg ? msg : sqlite3_errmsg(m->db));
		sqlite3_free(msg);
		return KA_ERR;
	}
	return 0;
}

static int user_version(struct manifest *m, int *v, char *err)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(m->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return db_fail(m, err, "reading the schema version");
	*v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	return 0;
}

static int migrate(struct manifest *m, char *err)
{
	int v = 0;
	if (user_version(m, &v, err) != 0)
		return KA_ERR;
	int latest = (int)ARRAY_SIZE(migrations);
	if (v > latest) {
		snprintf(err, ERRLEN, "%s: schema version %d is newer than this kargo-agent "
			 "understands (%d); upgrade kargo-agent", m->path, v, latest);
		return KA_ERR;
	}
	if (v == latest)
		return 0;
	if (exec(m, "BEGIN IMMEDIATE", err) != 0)
		return KA_ERR;
	for (int i = v; i < latest; i++) {
		if (exec(m, migrations[i], err) != 0)
			goto fail;
	}
	char sql[64];
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", latest);
	if (exec(m, sql, err) != 0 || exec(m, "COMMIT", err) != 0)
		goto fail;
	return 0;
fail:
	sqlite3_exec(m->db, "ROLLBACK", NULL, NULL, NULL);
	return KA_ERR;
}

/* A prepared statement for SQL, compiled once and kept (statements are
 * string literals, so their address identifies them). Callers reset it. */
static int prepare(struct manifest *m, const char *sql, sqlite3_stmt **st, char *err)
{
	for (size_t i = 0; i < m->ncache; i++) {
		if (m->cache[i].sql == sql) {
			*st = m->cache[i].st;
			sqlite3_reset(*st);
			sqlite3_clear_bindings(*st);
			return 0;
		}
	}
	if (sqlite3_prepare_v3(m->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK)
		return db_fail(m, err, "preparing a statement");
	if (m->ncache < MANIFEST_STMTS)
		m->cache[m->ncache++] = (struct manifest_stmt){ sql, *st };
	return 0;
}

int manifest_open(struct manifest *m, const char *path, char *err)
{
	memset(m, 0, sizeof(*m));
	m->path = xstrdup(path);
	if (sqlite3_open_v2(path, &m->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		db_fail(m, err, "cannot open the manifest");
		manifest_close(m);
		return KA_ERR;
	}
	sqlite3_busy_timeout(m->db, 10000);
	if (exec(m, "PRAGMA journal_mode=WAL", err) != 0 ||
	    exec(m, "PRAGMA synchronous=NORMAL", err) != 0 ||
	    exec(m, "PRAGMA foreign_keys=ON", err) != 0 || migrate(m, err) != 0 ||
	    prepare(m, "SELECT 1 FROM files WHERE route=?1 AND source_uri=?2 AND size=?3 "
		    "AND mtime=?4", &m->st_seen, err) != 0 ||
	    prepare(m, "INSERT INTO events(file_id, ts, event, detail) VALUES (?1,?2,?3,?4)",
		    &m->st_event, err) != 0) {
		manifest_close(m);
		return KA_ERR;
	}
	return 0;
}

void manifest_close(struct manifest *m)
{
	for (size_t i = 0; i < m->ncache; i++)
		sqlite3_finalize(m->cache[i].st);
	if (m->db)
		sqlite3_close(m->db);
	free(m->path);
	memset(m, 0, sizeof(*m));
}

int manifest_begin(struct manifest *m, char *err)
{
	if (exec(m, "BEGIN IMMEDIATE", err) != 0)
		return KA_TRANSIENT;
	m->in_tx = 1;
	return 0;
}

int manifest_commit(struct manifest *m, char *err)
{
	m->in_tx = 0;
	if (exec(m, "COMMIT", err) != 0) {
		sqlite3_exec(m->db, "ROLLBACK", NULL, NULL, NULL);
		return KA_ERR;
	}
	return 0;
}

void manifest_rollback(struct manifest *m)
{
	m->in_tx = 0;
	sqlite3_exec(m->db, "ROLLBACK", NULL, NULL, NULL);
}

/* Run FN inside a transaction unless the caller holds one already. */
#define TX_BEGIN(m, err)                                                  \
	int own_tx_ = !(m)->in_tx;                                        \
	if (own_tx_ && manifest_begin((m), (err)) != 0)                   \
		return KA_TRANSIENT
#define TX_END(m, rc, err)                                                \
	do {                                                              \
		if (own_tx_) {                                            \
			if ((rc) == 0)                                    \
				(rc) = manifest_commit((m), (err));       \
			else                                              \
				manifest_rollback(m);                     \
		}                                                         \
	} while (0)

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

/* Step a statement that returns no rows, then reset it for its next use. */
static int step_done(struct manifest *m, sqlite3_stmt *st, char *err, const char *what)
{
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : db_fail(m, err, what);
	sqlite3_reset(st);
	return rc;
}

static int add_event(struct manifest *m, int64_t file_id, const char *event,
		     const char *detail, char *err)
{
	sqlite3_stmt *st = m->st_event;
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, file_id);
	sqlite3_bind_int64(st, 2, now_ms());
	bind_text(st, 3, event);
	bind_text(st, 4, detail);
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : db_fail(m, err, "recording an event");
	sqlite3_reset(st);
	return rc;
}

int manifest_event(struct manifest *m, int64_t file_id, const char *event,
		   const char *detail, char *err)
{
	TX_BEGIN(m, err);
	int rc = add_event(m, file_id, event, detail, err);
	TX_END(m, rc, err);
	return rc;
}

static char *col_text(sqlite3_stmt *st, int i);

int manifest_note_once(struct manifest *m, const char *event, const char *detail, char *err)
{
	sqlite3_stmt *st = NULL;
	int rc = prepare(m, "INSERT INTO events(file_id, ts, event, detail) SELECT NULL, ?1, ?2, ?3 "
			 "WHERE NOT EXISTS (SELECT 1 FROM events WHERE file_id IS NULL AND "
			 "event=?2 AND detail=?3)", &st, err);
	if (rc != 0)
		return rc;
	sqlite3_bind_int64(st, 1, now_ms());
	bind_text(st, 2, event);
	bind_text(st, 3, detail);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = db_fail(m, err, "recording an event");
	else
		rc = sqlite3_changes(m->db) > 0;
	sqlite3_reset(st);
	return rc;
}

int manifest_notes(struct manifest *m, const char *event, int64_t *count, char **latest,
		   char *err)
{
	sqlite3_stmt *st = NULL;
	int rc = prepare(m, "SELECT count(*), (SELECT detail FROM events WHERE file_id IS NULL "
			 "AND event=?1 ORDER BY id DESC LIMIT 1) FROM events "
			 "WHERE file_id IS NULL AND event=?1", &st, err);
	if (rc != 0)
		return rc;
	bind_text(st, 1, event);
	*count = 0;
	*latest = NULL;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*count = sqlite3_column_int64(st, 0);
		*latest = col_text(st, 1);
	} else {
		rc = db_fail(m, err, "reading events");
	}
	sqlite3_reset(st);
	return rc;
}

int manifest_seen(struct manifest *m, const char *route, const char *source_uri,
		  int64_t size, int64_t mtime)
{
	sqlite3_stmt *st = m->st_seen;
	sqlite3_reset(st);
	bind_text(st, 1, route);
	bind_text(st, 2, source_uri);
	sqlite3_bind_int64(st, 3, size);
	sqlite3_bind_int64(st, 4, mtime);
	int r = sqlite3_step(st);
	sqlite3_reset(st);
	return r == SQLITE_ROW ? 1 : r == SQLITE_DONE ? 0 : KA_ERR;
}

int manifest_add_file(struct manifest *m, struct mfile *f, char *err)
{
	TX_BEGIN(m, err);
	sqlite3_stmt *st = NULL;
	int rc = prepare(m, "INSERT INTO files(route, source_uri, name, size, mtime, sha256, "
			 "format, state, spool_path, created, updated) "
			 "VALUES (?1,?2,?3,?4,?5,?6,?7,'staged',?8,?9,?9)", &st, err);
	if (rc == 0) {
		int64_t now = now_s();
		bind_text(st, 1, f->route);
		bind_text(st, 2, f->source_uri);
		bind_text(st, 3, f->name);
		sqlite3_bind_int64(st, 4, f->size);
		sqlite3_bind_int64(st, 5, f->mtime);
		bind_text(st, 6, f->sha256);
		bind_text(st, 7, f->format);
		bind_text(st, 8, f->spool_path);
		sqlite3_bind_int64(st, 9, now);
		rc = step_done(m, st, err, "recording a file");
		if (rc == 0) {
			f->id = sqlite3_last_insert_rowid(m->db);
			char detail[128];
			snprintf(detail, sizeof(detail), "bytes=%lld sha256=%s",
				 (long long)f->size, f->sha256);
			rc = add_event(m, f->id, "staged", detail, err);
		}
	}
	TX_END(m, rc, err);
	return rc;
}

static int update_state(struct manifest *m, int64_t id, const char *state, char *err)
{
	sqlite3_stmt *st = NULL;
	int rc = prepare(m, "UPDATE files SET state=?2, updated=?3 WHERE id=?1", &st, err);
	if (rc != 0)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	bind_text(st, 2, state);
	sqlite3_bind_int64(st, 3, now_s());
	return step_done(m, st, err, "changing a file's state");
}

int manifest_set_state(struct manifest *m, int64_t id, const char *state,
		       const char *event, const char *detail, char *err)
{
	TX_BEGIN(m, err);
	int rc = update_state(m, id, state, err);
	if (rc == 0)
		rc = add_event(m, id, event, detail, err);
	TX_END(m, rc, err);
	return rc;
}

int manifest_set_parsed(struct manifest *m, int64_t id, const char *format, int valid,
			const char *summary, char *const *shipments, size_t nshipments,
			const char *detail, char *err)
{
	TX_BEGIN(m, err);
	sqlite3_stmt *st = NULL;
	int rc = prepare(m, "UPDATE files SET format=?2, summary=?3, state=?4, updated=?5 "
			 "WHERE id=?1", &st, err);
	if (rc == 0) {
		sqlite3_bind_int64(st, 1, id);
		bind_text(st, 2, format);
		bind_text(st, 3, summary);
		bind_text(st, 4, valid ? ST_PENDING : ST_REJECTED);
		sqlite3_bind_int64(st, 5, now_s());
		rc = step_done(m, st, err, "recording a parse summary");
	}
	for (size_t i = 0; rc == 0 && i < nshipments; i++) {
		rc = prepare(m, "INSERT OR IGNORE INTO shipments(shipment_id, file_id) "
			     "VALUES (?1,?2)", &st, err);
		if (rc != 0)
			break;
		bind_text(st, 1, shipments[i]);
		sqlite3_bind_int64(st, 2, id);
		rc = step_done(m, st, err, "recording a shipment id");
	}
	if (rc == 0)
		rc = add_event(m, id, valid ? "validated" : "rejected", detail, err);
	TX_END(m, rc, err);
	return rc;
}

int manifest_set_retry(struct manifest *m, int64_t id, int attempts, int64_t next_attempt,
		       const char *error, int dead, char *err)
{
	TX_BEGIN(m, err);
	sqlite3_stmt *st = NULL;
	int rc = prepare(m, "UPDATE files SET attempts=?2, next_attempt=?3, last_error=?4, "
			 "state=CASE WHEN ?5 THEN 'dead' ELSE state END, updated=?6 "
			 "WHERE id=?1", &st, err);
	if (rc == 0) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int(st, 2, attempts);
		sqlite3_bind_int64(st, 3, next_attempt);
		bind_text(st, 4, error);
		sqlite3_bind_int(st, 5, dead);
		sqlite3_bind_int64(st, 6, now_s());
		rc = step_done(m, st, err, "recording a failed attempt");
	}
	if (rc == 0)
		rc = add_event(m, id, dead ? "dead" : "retry", error, err);
	TX_END(m, rc, err);
	return rc;
}

int manifest_mark_corrupt(struct manifest *m, const char *sha256, const char *detail,
			  int *marked, char *err)
{
	*marked = 0;
	TX_BEGIN(m, err);
	sqlite3_stmt *st = NULL;
	int rc = prepare(m, "INSERT INTO events(file_id, ts, event, detail) "
			 "SELECT id, ?2, 'spool_corrupt', ?3 FROM files WHERE sha256=?1", &st, err);
	if (rc == 0) {
		bind_text(st, 1, sha256);
		sqlite3_bind_int64(st, 2, now_ms());
		bind_text(st, 3, detail);
		rc = step_done(m, st, err, "recording a corrupt spool copy");
	}
	if (rc == 0)
		rc = prepare(m, "UPDATE files SET state='corrupt', next_attempt=0, last_error=?2, "
			     "updated=?3 WHERE sha256=?1 AND state IN ('staged','pending','dead')",
			     &st, err);
	if (rc == 0) {
		bind_text(st, 1, sha256);
		bind_text(st, 2, detail);
		sqlite3_bind_int64(st, 3, now_s());
		rc = step_done(m, st, err, "marking files corrupt");
	}
	if (rc == 0)
		*marked = sqlite3_changes(m->db);
	TX_END(m, rc, err);
	return rc;
}

int manifest_restage_failed(struct manifest *m, int64_t id, int64_t next_attempt,
			    const char *why, char *err)
{
	TX_BEGIN(m, err);
	sqlite3_stmt *st = NULL;
	int rc = prepare(m, "UPDATE files SET next_attempt=?2, last_error=?3, updated=?4 "
			 "WHERE id=?1", &st, err);
	if (rc == 0) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, next_attempt);
		bind_text(st, 3, why);
		sqlite3_bind_int64(st, 4, now_s());
		rc = step_done(m, st, err, "recording a failed staging");
	}
	if (rc == 0)
		rc = add_event(m, id, "restage_failed", why, err);
	TX_END(m, rc, err);
	return rc;
}

int manifest_retry(struct manifest *m, int64_t id, const char *detail, char *err)
{
	TX_BEGIN(m, err);
	sqlite3_stmt *st = NULL;
	int64_t now = now_s();
	int rc = prepare(m, "UPDATE files SET state=CASE WHEN state='corrupt' THEN 'corrupt' "
			 "WHEN summary IS NULL THEN 'staged' ELSE 'pending' END, attempts=0, "
			 "next_attempt=?2, last_error=NULL, "
			 "updated=?2 WHERE id=?1 AND state IN ('dead','corrupt')", &st, err);
	if (rc == 0) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, now);
		rc = step_done(m, st, err, "putting a file back in the queue");
	}
	if (rc == 0 && sqlite3_changes(m->db) == 0) {
		snprintf(err, ERRLEN, "file %lld is not dead or corrupt", (long long)id);
		rc = KA_INVALID;
	}
	if (rc == 0)
		rc = prepare(m, "UPDATE deliveries SET state='pending', updated=?2 "
			     "WHERE file_id=?1 AND resend=0 AND state='failed'", &st, err);
	if (rc == 0) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, now);
		rc = step_done(m, st, err, "resetting failed deliveries");
	}
	if (rc == 0)
		rc = add_event(m, id, "retried", detail, err);
	TX_END(m, rc, err);
	return rc;
}

int manifest_set_source_done(struct manifest *m, int64_t id, const char *detail, char *err)
{
	TX_BEGIN(m, err);
	sqlite3_stmt *st = NULL;
	int rc = prepare(m, "UPDATE files SET source_done=1, "
			 "state=CASE WHEN state='delivered' THEN 'done' ELSE state END, "
			 "updated=?2 WHERE id=?1", &st, err);
	if (rc == 0) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, now_s());
		rc = step_done(m, st, err, "finishing a file");
	}
	if (rc == 0)
		rc = add_event(m, id, "source_finished", detail, err);
	TX_END(m, rc, err);
	return rc;
}

static char *col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	return s ? xstrdup((const char *)s) : NULL;
}

#define FILE_COLUMNS "id, route, source_uri, name, size, mtime, sha256, format, state, " \
	"attempts, next_attempt, last_error, spool_path, summary, source_done, created, updated"

static void read_file_row(sqlite3_stmt *st, struct mfile *f)
{
	memset(f, 0, sizeof(*f));
	f->id = sqlite3_column_int64(st, 0);
	f->route = col_text(st, 1);
	f->source_uri = col_text(st, 2);
	f->name = col_text(st, 3);
	f->size = sqlite3_column_int64(st, 4);
	f->mtime = sqlite3_column_int64(st, 5);
	const unsigned char *sha = sqlite3_column_text(st, 6);
	snprintf(f->sha256, sizeof(f->sha256), "%s", sha ? (const char *)sha : "");
	f->format = col_text(st, 7);
	f->state = col_text(st, 8);
	f->attempts = sqlite3_column_int(st, 9);
	f->next_attempt = sqlite3_column_int64(st, 10);
	f->last_error = col_text(st, 11);
	f->spool_path = col_text(st, 12);
	f->summary = col_text(st, 13);
	f->source_done = sqlite3_column_int(st, 14);
	f->created = sqlite3_column_int64(st, 15);
	f->updated = sqlite3_column_int64(st, 16);
}

void mfile_release(struct mfile *f)
{
	free(f->route);
	free(f->source_uri);
	free(f->name);
	free(f->format);
	free(f->state);
	free(f->last_error);
	free(f->spool_path);
	free(f->summary);
	memset(f, 0, sizeof(*f));
}

int manifest_get(struct manifest *m, int64_t id, struct mfile *f, char *err)
{
	sqlite3_stmt *st = NULL;
	int rc = prepare(m, "SELECT " FILE_COLUMNS " FROM files WHERE id=?1", &st, err);
	if (rc != 0)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		read_file_row(st, f);
	} else if (r == SQLITE_DONE) {
		snprintf(err, ERRLEN, "no file with id %lld in the manifest", (long long)id);
		rc = KA_NOENT;
	} else {
		rc = db_fail(m, err, "reading a file");
	}
	sqlite3_reset(st);
	return rc;
}

int manifest_due(struct manifest *m, const char *route, int64_t now, int64_t **ids,
		 size_t *n, char *err)
{
	sqlite3_stmt *st = NULL;
	int rc = prepare(m, "SELECT id FROM files WHERE route=?1 AND ("
			 "(state IN ('staged','pending','delivered') AND next_attempt<=?2) OR "
			 "(state IN ('rejected','corrupt') AND source_done=0 AND next_attempt<=?2)) "
			 "ORDER BY id",
			 &st, err);
	if (rc != 0)
		return rc;
	bind_text(st, 1, route);
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
		rc = db_fail(m, err, "listing due files");
	sqlite3_reset(st);
	return rc;
}

int manifest_add_delivery(struct manifest *m, int64_t file_id, const char *dest,
			  int resend, int64_t *id, char *err)
{
	sqlite3_stmt *st = NULL;
	int rc = prepare(m, "INSERT INTO deliveries(file_id, dest, state, resend, updated) "
			 "VALUES (?1,?2,'pending',?3,?4)", &st, err);
	if (rc != 0)
		return rc;
	sqlite3_bind_int64(st, 1, file_id);
	bind_text(st, 2, dest);
	sqlite3_bind_int(st, 3, resend);
	sqlite3_bind_int64(st, 4, now_s());
	rc = step_done(m, st, err, "recording a delivery");
	if (rc == 0 && id)
		*id = sqlite3_last_insert_rowid(m->db);
	return rc;
}

int manifest_deliveries(struct manifest *m, int64_t file_id, struct mdelivery **v,
			size_t *n, char *err)
{
	sqlite3_stmt *st = NULL;
	int rc = prepare(m, "SELECT id, file_id, dest, final_path, state, resend, updated "
			 "FROM deliveries WHERE file_id=?1 ORDER BY id", &st, err);
	if (rc != 0)
		return rc;
	sqlite3_bind_int64(st, 1, file_id);
	*v = NULL;
	*n = 0;
	int r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		*v = xrealloc(*v, (*n + 1) * sizeof(**v));
		struct mdelivery *d = &(*v)[(*n)++];
		d->id = sqlite3_column_int64(st, 0);
		d->file_id = sqlite3_column_int64(st, 1);
		d->dest = col_text(st, 2);
		d->final_path = col_text(st, 3);
		d->state = col_text(st, 4);
		d->resend = sqlite3_column_int(st, 5);
		d->updated = sqlite3_column_int64(st, 6);
	}
	if (r != SQLITE_DONE)
		rc = db_fail(m, err, "reading deliveries");
	sqlite3_reset(st);
	return rc;
}

int manifest_set_delivery(struct manifest *m, const struct mdelivery *d, const char *state,
			  const char *final_path, char *err)
{
	TX_BEGIN(m, err);
	sqlite3_stmt *st = NULL;
	int rc = prepare(m, "UPDATE deliveries SET state=?2, final_path=?3, updated=?4 "
			 "WHERE id=?1", &st, err);
	if (rc == 0) {
		sqlite3_bind_int64(st, 1, d->id);
		bind_text(st, 2, state);
		bind_text(st, 3, final_path);
		sqlite3_bind_int64(st, 4, now_s());
		rc = step_done(m, st, err, "changing a delivery's state");
	}
	if (rc == 0 && strcmp(state, DL_COMMITTING) != 0) {
		char *detail = xasprintf("dest=%s path=%s", d->dest, final_path ? final_path : "");
		const char *ev = strcmp(state, DL_DELIVERED) == 0
					 ? (d->resend ? "resent" : "delivered") : "delivery_failed";
		rc = add_event(m, d->file_id, ev, detail, err);
		free(detail);
	}
	TX_END(m, rc, err);
	return rc;
}

void mdeliveries_free(struct mdelivery *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].dest);
		free(v[i].final_path);
		free(v[i].state);
	}
	free(v);
}

/* Call FN with each file row ST (bound, FILE_COLUMNS) returns, until FN
 * returns non-zero; then reset ST. WHAT names the query in errors. */
static int each_file(struct manifest *m, sqlite3_stmt *st,
		     int (*fn)(void *ctx, const struct mfile *f), void *ctx, char *err,
		     const char *what)
{
	int r, rc = 0;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		struct mfile f;
		read_file_row(st, &f);
		int stop = fn(ctx, &f);
		mfile_release(&f);
		if (stop)
			break;
	}
	if (r != SQLITE_DONE && r != SQLITE_ROW)
		rc = db_fail(m, err, what);
	sqlite3_reset(st);
	return rc;
}

int manifest_list(struct manifest *m, const struct mfilter *flt,
		  int (*fn)(void *ctx, const struct mfile *f), void *ctx, char *err)
{
	sqlite3_stmt *st = NULL;
	int rc = prepare(m, "SELECT " FILE_COLUMNS " FROM files WHERE "
			 "(?1 IS NULL OR route=?1) AND (?2 IS NULL OR state=?2) AND "
			 "(?3 IS NULL OR id IN (SELECT file_id FROM shipments WHERE shipment_id=?3)) "
			 "AND created>=?4 ORDER BY id LIMIT ?5", &st, err);
	if (rc != 0)
		return rc;
	bind_text(st, 1, flt->route);
	bind_text(st, 2, flt->state);
	bind_text(st, 3, flt->shipment);
	sqlite3_bind_int64(st, 4, flt->since);
	sqlite3_bind_int64(st, 5, flt->limit > 0 ? flt->limit : -1);
	return each_file(m, st, fn, ctx, err, "listing files");
}

int manifest_alerts_due(struct manifest *m, const char *route, const char *states,
			int64_t since, int (*fn)(void *ctx, const struct mfile *f), void *ctx,
			char *err)
{
	sqlite3_stmt *st = NULL;
	/* route and state lead the files_due index: the history of done files
	 * is never read. */
	int rc = prepare(m, "SELECT " FILE_COLUMNS " FROM files WHERE route=?1 AND "
			 "state IN ('dead','corrupt','rejected') AND instr(?2, ','||state||',')>0 "
			 "AND updated>=?3 AND NOT EXISTS (SELECT 1 FROM events e WHERE "
			 "e.file_id=files.id AND e.event='alerted' AND "
			 "e.detail LIKE 'state='||files.state||' %') ORDER BY id", &st, err);
	if (rc != 0)
		return rc;
	bind_text(st, 1, route);
	bind_text(st, 2, states);
	sqlite3_bind_int64(st, 3, since);
	return each_file(m, st, fn, ctx, err, "listing files to alert about");
}

int manifest_events(struct manifest *m, int64_t file_id, struct mevent **v, size_t *n,
		    char *err)
{
	sqlite3_stmt *st = NULL;
	int rc = prepare(m, "SELECT ts, event, detail FROM events WHERE file_id=?1 ORDER BY id",
			 &st, err);
	if (rc != 0)
		return rc;
	sqlite3_bind_int64(st, 1, file_id);
	*v = NULL;
	*n = 0;
	int r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		*v = xrealloc(*v, (*n + 1) * sizeof(**v));
		struct mevent *e = &(*v)[(*n)++];
		e->ts_ms = sqlite3_column_int64(st, 0);
		e->event = col_text(st, 1);
		e->detail = col_text(st, 2);
	}
	if (r != SQLITE_DONE)
		rc = db_fail(m, err, "reading events");
	sqlite3_reset(st);
	return rc;
}

void mevents_free(struct mevent *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].event);
		free(v[i].detail);
	}
	free(v);
}

char *manifest_shipments(struct manifest *m, int64_t file_id)
{
	sqlite3_stmt *st = NULL;
	char err[ERRLEN];
	if (prepare(m, "SELECT group_concat(shipment_id, ',') FROM "
		    "(SELECT shipment_id FROM shipments WHERE file_id=?1 ORDER BY shipment_id)",
		    &st, err) != 0)
		return xstrdup("");
	sqlite3_bind_int64(st, 1, file_id);
	char *s = NULL;
	if (sqlite3_step(st) == SQLITE_ROW)
		s = col_text(st, 0);
	sqlite3_reset(st);
	return s ? s : xstrdup("");
}

int manifest_route_cycle(struct manifest *m, const char *route, int ok, const char *error,
			 char *err)
{
	sqlite3_stmt *st = NULL;
	int rc = prepare(m, "INSERT INTO routes(route, last_cycle, last_ok, last_error, failures) "
			 "VALUES (?1, ?2, CASE WHEN ?3 THEN ?2 END, ?4, CASE WHEN ?3 THEN 0 ELSE 1 END) "
			 "ON CONFLICT(route) DO UPDATE SET last_cycle=?2, "
			 "last_ok=CASE WHEN ?3 THEN ?2 ELSE last_ok END, last_error=?4, "
			 "failures=CASE WHEN ?3 THEN 0 ELSE failures+1 END", &st, err);
	if (rc != 0)
		return rc;
	bind_text(st, 1, route);
	sqlite3_bind_int64(st, 2, now_s());
	sqlite3_bind_int(st, 3, ok);
	bind_text(st, 4, ok ? NULL : error);
	return step_done(m, st, err, "recording a cycle");
}

int manifest_remote_attempt(struct manifest *m, const char *remote, int ok, const char *error,
			    char *err)
{
	sqlite3_stmt *st = NULL;
	int rc = prepare(m, "INSERT INTO remotes(remote, last_attempt, last_ok, last_error, "
			 "failures) VALUES (?1, ?2, CASE WHEN ?3 THEN ?2 END, ?4, "
			 "CASE WHEN ?3 THEN 0 ELSE 1 END) "
			 "ON CONFLICT(remote) DO UPDATE SET last_attempt=?2, "
			 "last_ok=CASE WHEN ?3 THEN ?2 ELSE last_ok END, last_error=?4, "
			 "failures=CASE WHEN ?3 THEN 0 ELSE failures+1 END", &st, err);
	if (rc != 0)
		return rc;
	bind_text(st, 1, remote);
	sqlite3_bind_int64(st, 2, now_s());
	sqlite3_bind_int(st, 3, ok);
	bind_text(st, 4, ok ? NULL : error);
	return step_done(m, st, err, "recording a remote's attempt");
}

int manifest_remotes(struct manifest *m, struct mremote_status **v, size_t *n, char *err)
{
	sqlite3_stmt *st = NULL;
	*v = NULL;
	*n = 0;
	int rc = prepare(m, "SELECT remote, last_attempt, last_ok, failures, last_error "
			 "FROM remotes ORDER BY remote", &st, err);
	if (rc != 0)
		return rc;
	while (sqlite3_step(st) == SQLITE_ROW) {
		*v = xrealloc(*v, (*n + 1) * sizeof(**v));
		struct mremote_status *s = &(*v)[(*n)++];
		s->remote = col_text(st, 0);
		s->last_attempt = sqlite3_column_int64(st, 1);
		s->last_ok = sqlite3_column_int64(st, 2);
		s->failures = sqlite3_column_int(st, 3);
		s->last_error = col_text(st, 4);
	}
	sqlite3_reset(st);
	return 0;
}

void mremote_status_free(struct mremote_status *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].remote);
		free(v[i].last_error);
	}
	free(v);
}

static int cmp_status(const void *a, const void *b)
{
	return strcmp(((const struct mroute_status *)a)->route,
		      ((const struct mroute_status *)b)->route);
}

/* The entry of ROUTE in V (sorted by route). */
static struct mroute_status *status_for(struct mroute_status *v, size_t n, const char *route)
{
	struct mroute_status key = { .route = (char *)route };
	return bsearch(&key, v, n, sizeof(*v), cmp_status);
}

/* One zeroed entry per route that has files or a cycle, sorted by route. */
static int status_routes(struct manifest *m, struct mroute_status **v, size_t *n, char *err)
{
	sqlite3_stmt *st = NULL;
	int rc = prepare(m, "SELECT route FROM files UNION SELECT route FROM routes", &st, err);
	if (rc != 0)
		return rc;
	size_t cap = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 64;
			*v = xrealloc(*v, cap * sizeof(**v));
		}
		memset(&(*v)[*n], 0, sizeof(**v));
		(*v)[(*n)++].route = col_text(st, 0);
	}
	sqlite3_reset(st);
	/* strcmp order, whatever the database's collation */
	qsort(*v, *n, sizeof(**v), cmp_status);
	return 0;
}

int manifest_status(struct manifest *m, struct mroute_status **v, size_t *n, char *err)
{
	sqlite3_stmt *st = NULL;
	*v = NULL;
	*n = 0;
	int rc = status_routes(m, v, n, err);
	if (rc == 0)
		rc = prepare(m, "SELECT route, state, count(*), min(CASE WHEN state IN "
			     "('pending','staged','delivered') AND attempts>0 THEN next_attempt END), "
			     "sum(CASE WHEN state IN ('pending','staged','delivered') AND attempts>0 "
			     "THEN 1 ELSE 0 END), sum(size) "
			     "FROM files GROUP BY route, state", &st, err);
	if (rc != 0)
		return rc;
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct mroute_status *s = status_for(*v, *n, (const char *)sqlite3_column_text(st, 0));
		if (!s)
			continue;   /* a file recorded since the list of routes was read */
		const char *state = (const char *)sqlite3_column_text(st, 1);
		for (int i = 0; i < MANIFEST_NSTATES; i++)
			if (strcmp(state, manifest_states[i]) == 0)
				s->counts[i] = sqlite3_column_int64(st, 2);
		s->retrying += sqlite3_column_int64(st, 4);
		if (strcmp(state, ST_DELIVERED) == 0 || strcmp(state, ST_DONE) == 0)
			s->bytes += sqlite3_column_int64(st, 5);
		int64_t next = sqlite3_column_int64(st, 3);
		if (next && (!s->next_retry || next < s->next_retry))
			s->next_retry = next;
	}
	sqlite3_reset(st);
	rc = prepare(m, "SELECT route, last_cycle, last_ok, last_error, failures FROM routes",
		     &st, err);
	if (rc != 0)
		return rc;
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct mroute_status *s = status_for(*v, *n, (const char *)sqlite3_column_text(st, 0));
		if (!s)
			continue;
		s->last_cycle = sqlite3_column_int64(st, 1);
		s->last_ok = sqlite3_column_int64(st, 2);
		s->last_error = col_text(st, 3);
		s->failures = sqlite3_column_int(st, 4);
	}
	sqlite3_reset(st);
	return 0;
}

struct mroute_status *mroute_status_find(struct mroute_status *v, size_t n, const char *route)
{
	return status_for(v, n, route);
}

void mroute_status_free(struct mroute_status *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].route);
		free(v[i].last_error);
	}
	free(v);
}

int manifest_mailbox_get(struct manifest *m, const char *route, const char *mailbox,
			 uint32_t *uidvalidity, uint32_t *last_uid, char *err)
{
	sqlite3_stmt *st = NULL;
	int rc = prepare(m, "SELECT uidvalidity, last_uid FROM mailboxes WHERE route=?1 AND "
			 "mailbox=?2", &st, err);
	if (rc != 0)
		return rc;
	bind_text(st, 1, route);
	bind_text(st, 2, mailbox);
	*uidvalidity = 0;
	*last_uid = 0;
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		*uidvalidity = (uint32_t)sqlite3_column_int64(st, 0);
		*last_uid = (uint32_t)sqlite3_column_int64(st, 1);
	} else if (r != SQLITE_DONE) {
		rc = db_fail(m, err, "reading a mailbox position");
	}
	sqlite3_reset(st);
	return rc;
}

int manifest_mailbox_set(struct manifest *m, const char *route, const char *mailbox,
			 uint32_t uidvalidity, uint32_t last_uid, char *err)
{
	sqlite3_stmt *st = NULL;
	int rc = prepare(m, "INSERT INTO mailboxes(route, mailbox, uidvalidity, last_uid) "
			 "VALUES (?1,?2,?3,?4) ON CONFLICT(route, mailbox) DO UPDATE SET "
			 "uidvalidity=?3, last_uid=?4", &st, err);
	if (rc != 0)
		return rc;
	bind_text(st, 1, route);
	bind_text(st, 2, mailbox);
	sqlite3_bind_int64(st, 3, uidvalidity);
	sqlite3_bind_int64(st, 4, last_uid);
	return step_done(m, st, err, "recording a mailbox position");
}

int manifest_seen_content(struct manifest *m, const char *route, const char *name,
			  const char *sha256)
{
	sqlite3_stmt *st = NULL;
	char err[ERRLEN];
	if (prepare(m, "SELECT 1 FROM files WHERE route=?1 AND name=?2 AND sha256=?3",
		    &st, err) != 0)
		return KA_ERR;
	bind_text(st, 1, route);
	bind_text(st, 2, name);
	bind_text(st, 3, sha256);
	int r = sqlite3_step(st);
	sqlite3_reset(st);
	return r == SQLITE_ROW ? 1 : r == SQLITE_DONE ? 0 : KA_ERR;
}
