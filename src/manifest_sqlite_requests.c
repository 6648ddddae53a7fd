/* The SQLite backend's requests table (schema 6): one row per answered
 * request of a delivery to an API, keyed by (delivery, index). */
#include "manifest_sqlite.h"

#include <stdlib.h>

int msql_request_set(struct manifest_db *d, const struct mrequest *rq, int64_t now, char *err)
{
	sqlite3_stmt *st = NULL;
	int rc = msql_prepare(d, "INSERT OR REPLACE INTO requests(delivery_id, idx, state, "
			      "status, correlation_id, logging_id, reply, key, updated) "
			      "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)", &st, err);
	if (rc != 0)
		return rc;
	sqlite3_bind_int64(st, 1, rq->delivery_id);
	sqlite3_bind_int64(st, 2, rq->index);
	msql_bind_text(st, 3, rq->state);
	sqlite3_bind_int64(st, 4, rq->status);
	msql_bind_text(st, 5, rq->correlation_id);
	msql_bind_text(st, 6, rq->logging_id);
	msql_bind_text(st, 7, rq->reply);
	msql_bind_text(st, 8, rq->key);
	sqlite3_bind_int64(st, 9, now);
	return msql_step_done(d, st, err, "recording a request");
}

int msql_requests_done(struct manifest_db *d, int64_t delivery_id, int64_t **idx, size_t *n,
		       char *err)
{
	sqlite3_stmt *st = NULL;
	int rc = msql_prepare(d, "SELECT idx FROM requests WHERE delivery_id=?1 AND "
			      "state='" RQ_DONE "' ORDER BY idx", &st, err);
	if (rc != 0)
		return rc;
	sqlite3_bind_int64(st, 1, delivery_id);
	*idx = NULL;
	*n = 0;
	size_t cap = 0;
	int r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 64;
			*idx = xrealloc(*idx, cap * sizeof(**idx));
		}
		(*idx)[(*n)++] = sqlite3_column_int64(st, 0);
	}
	if (r != SQLITE_DONE)
		rc = msql_fail(d, err, "reading a delivery's requests");
	sqlite3_reset(st);
	return rc;
}

int msql_requests(struct manifest_db *d, int64_t file_id, mrequest_fn fn, void *ctx,
		  char *err)
{
	sqlite3_stmt *st = NULL;
	int rc = msql_prepare(d, "SELECT r.delivery_id, r.idx, r.state, r.status, "
			      "r.correlation_id, r.logging_id, r.reply, r.key, r.updated "
			      "FROM deliveries AS l JOIN requests AS r ON r.delivery_id = l.id "
			      "WHERE l.file_id=?1 ORDER BY r.delivery_id, r.idx", &st, err);
	if (rc != 0)
		return rc;
	sqlite3_bind_int64(st, 1, file_id);
	int r;
	while (rc == 0 && (r = sqlite3_step(st)) == SQLITE_ROW) {
		struct mrequest q = {
			.delivery_id = sqlite3_column_int64(st, 0),
			.index = sqlite3_column_int64(st, 1),
			.state = (const char *)sqlite3_column_text(st, 2),
			.status = (long)sqlite3_column_int64(st, 3),
			.correlation_id = (const char *)sqlite3_column_text(st, 4),
			.logging_id = (const char *)sqlite3_column_text(st, 5),
			.reply = (const char *)sqlite3_column_text(st, 6),
			.key = (const char *)sqlite3_column_text(st, 7),
			.updated = sqlite3_column_int64(st, 8),
		};
		rc = fn(ctx, &q);
	}
	if (rc == 0 && r != SQLITE_DONE)
		rc = msql_fail(d, err, "reading a file's requests");
	sqlite3_reset(st);
	return rc;
}
