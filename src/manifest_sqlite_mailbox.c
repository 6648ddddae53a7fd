/* The SQLite backend's side of mailbox sources (manifest_mailbox.c): a
 * mailbox's position (UIDVALIDITY and the last UID taken) and the content
 * check that recognises what was carried after UIDVALIDITY changed. */
#include "manifest_sqlite.h"

#include "common.h"

int msql_mailbox_get(struct manifest_db *d, const char *route, const char *mailbox,
		     uint32_t *uidvalidity, uint32_t *last_uid, char *err)
{
	sqlite3_stmt *st = NULL;
	int rc = msql_prepare(d, "SELECT uidvalidity, last_uid FROM mailboxes WHERE route=?1 AND "
			      "mailbox=?2", &st, err);
	if (rc != 0)
		return rc;
	msql_bind_text(st, 1, route);
	msql_bind_text(st, 2, mailbox);
	*uidvalidity = 0;
	*last_uid = 0;
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		*uidvalidity = (uint32_t)sqlite3_column_int64(st, 0);
		*last_uid = (uint32_t)sqlite3_column_int64(st, 1);
	} else if (r != SQLITE_DONE) {
		rc = msql_fail(d, err, "reading a mailbox position");
	}
	sqlite3_reset(st);
	return rc;
}

int msql_mailbox_set(struct manifest_db *d, const char *route, const char *mailbox,
		     uint32_t uidvalidity, uint32_t last_uid, char *err)
{
	sqlite3_stmt *st = NULL;
	int rc = msql_prepare(d, "INSERT INTO mailboxes(route, mailbox, uidvalidity, last_uid) "
			      "VALUES (?1,?2,?3,?4) ON CONFLICT(route, mailbox) DO UPDATE SET "
			      "uidvalidity=?3, last_uid=?4", &st, err);
	if (rc != 0)
		return rc;
	msql_bind_text(st, 1, route);
	msql_bind_text(st, 2, mailbox);
	sqlite3_bind_int64(st, 3, uidvalidity);
	sqlite3_bind_int64(st, 4, last_uid);
	return msql_step_done(d, st, err, "recording a mailbox position");
}

int msql_seen_content(struct manifest_db *d, const char *route, const char *name,
		      const char *sha256)
{
	sqlite3_stmt *st = NULL;
	char err[ERRLEN];
	if (msql_prepare(d, "SELECT 1 FROM files WHERE route=?1 AND name=?2 AND sha256=?3",
			 &st, err) != 0)
		return KA_ERR;
	msql_bind_text(st, 1, route);
	msql_bind_text(st, 2, name);
	msql_bind_text(st, 3, sha256);
	int r = sqlite3_step(st);
	sqlite3_reset(st);
	return r == SQLITE_ROW ? 1 : r == SQLITE_DONE ? 0 : KA_ERR;
}
