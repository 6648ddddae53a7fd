/* The SQLite backend's answers about space: the bytes the spool holds (the
 * counts table, kept by triggers), the manifest's own size on disk (the
 * database and its WAL), when a file's spool copy expired, and the latest
 * of two notes (the staging pause and its end). */
#include "manifest_sqlite.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common.h"

int msql_spool_bytes(struct manifest_db *d, int64_t *bytes, char *err)
{
	sqlite3_stmt *st = NULL;
	int rc = msql_prepare(d, "SELECT CAST(total(spool_bytes) AS INTEGER) FROM counts", &st,
			      err);
	if (rc != 0)
		return rc;
	if (sqlite3_step(st) == SQLITE_ROW)
		*bytes = sqlite3_column_int64(st, 0);
	else
		rc = msql_fail(d, err, "reading the spool's bytes");
	sqlite3_reset(st);
	return rc;
}

/* The size of PATH in *BYTES; a missing file is 0 bytes. */
static int file_bytes(const char *path, int64_t *bytes, char *err)
{
	struct stat st;
	*bytes = 0;
	if (stat(path, &st) == 0) {
		*bytes = (int64_t)st.st_size;
		return 0;
	}
	if (errno == ENOENT)
		return 0;
	snprintf(err, ERRLEN, "%s: %s", path, strerror(errno));
	return KA_ERR;
}

int msql_disk_bytes(struct manifest_db *d, int64_t *db_bytes, int64_t *wal_bytes, char *err)
{
	char *wal = xasprintf("%s-wal", d->path);
	int rc = file_bytes(d->path, db_bytes, err);
	if (rc == 0)
		rc = file_bytes(wal, wal_bytes, err);
	free(wal);
	return rc;
}

int msql_spool_gone(struct manifest_db *d, int64_t id, int64_t *when, char *err)
{
	sqlite3_stmt *st = NULL;
	int rc = msql_prepare(d, "SELECT ifnull(spool_gone, 0) FROM files WHERE id=?1", &st, err);
	if (rc != 0)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	int r = sqlite3_step(st);
	*when = r == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	rc = r == SQLITE_ROW ? 0 : r == SQLITE_DONE ? KA_NOENT
					       : msql_fail(d, err, "reading a file's spool copy");
	sqlite3_reset(st);
	return rc;
}

/* The newest note (an event of no file) that is A or B: notes are few, and
 * the walk goes down events_file's entries for file_id NULL, newest first. */
int msql_last_note(struct manifest_db *d, const char *a, const char *b, char **event,
		   int64_t *ts_ms, char **detail, char *err)
{
	sqlite3_stmt *st = NULL;
	int rc = msql_prepare(d, "SELECT event, ts, detail FROM events WHERE file_id IS NULL "
			      "AND event IN (?1, ?2) ORDER BY id DESC LIMIT 1", &st, err);
	if (rc != 0)
		return rc;
	msql_bind_text(st, 1, a);
	msql_bind_text(st, 2, b);
	*event = *detail = NULL;
	*ts_ms = 0;
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		*event = msql_col_text(st, 0);
		*ts_ms = sqlite3_column_int64(st, 1);
		*detail = msql_col_text(st, 2);
	} else if (r != SQLITE_DONE) {
		rc = msql_fail(d, err, "reading notes");
	}
	sqlite3_reset(st);
	return rc;
}
