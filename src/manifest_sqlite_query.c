/* The SQLite backend's side of the CLI's reads (manifest_query.c): one
 * file, the files matching a filter, a file's events and shipment ids, and
 * the rows `status` aggregates (routes, per-state counts, cycles, remotes).
 * Rows are handed over as they are; what they add up to is the front's. */
#include "manifest_sqlite.h"

#include <stdlib.h>
#include <string.h>

#include "common.h"

int msql_get(struct manifest_db *d, int64_t id, struct mfile *f, char *err)
{
	sqlite3_stmt *st = NULL;
	int rc = msql_prepare(d, "SELECT " MSQL_FILE_COLUMNS " FROM files WHERE id=?1", &st, err);
	if (rc != 0)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW)
		msql_file_row(st, f);
	else if (r == SQLITE_DONE)
		rc = KA_NOENT;
	else
		rc = msql_fail(d, err, "reading a file");
	sqlite3_reset(st);
	return rc;
}

/* The statement for each set of filters given (bits LIST_*), so that each
 * is one index walk: a shipment id through the shipments primary key (then
 * each file by its id), a state through files_state (the --since bound also
 * bounds `updated`, which is never before `created`), a route and a state
 * through files_due, --since alone or with a route through files_created,
 * a route through files_identity. Only the listing of everything reads
 * every row. */
enum { LIST_ROUTE = 1, LIST_STATE = 2, LIST_SINCE = 4, LIST_SHIPMENT = 8 };
#define LIST_SQL(from, where) "SELECT " MSQL_FILE_COLUMNS " FROM " from " WHERE 1" where \
	" ORDER BY id LIMIT ?5"
#define L_FILES "files"
#define L_CREATED "files INDEXED BY files_created"
#define L_SHIP "shipments CROSS JOIN files ON files.id=shipments.file_id"
#define L_R " AND route=?1"
#define L_S " AND state=?2"
#define L_T " AND created>=?4"
#define L_U " AND updated>=?4"
#define L_SH " AND shipment_id=?3"
static const char *const list_sql[16] = {
	[0] = LIST_SQL(L_FILES, ""),
	[LIST_ROUTE] = LIST_SQL(L_FILES, L_R),
	[LIST_STATE] = LIST_SQL(L_FILES, L_S),
	[LIST_ROUTE | LIST_STATE] = LIST_SQL(L_FILES, L_R L_S),
	[LIST_SINCE] = LIST_SQL(L_CREATED, L_T),
	[LIST_ROUTE | LIST_SINCE] = LIST_SQL(L_CREATED, L_R L_T),
	[LIST_STATE | LIST_SINCE] = LIST_SQL(L_FILES, L_S L_T L_U),
	[LIST_ROUTE | LIST_STATE | LIST_SINCE] = LIST_SQL(L_FILES, L_R L_S L_T L_U),
	[LIST_SHIPMENT] = LIST_SQL(L_SHIP, L_SH),
	[LIST_SHIPMENT | LIST_ROUTE] = LIST_SQL(L_SHIP, L_SH L_R),
	[LIST_SHIPMENT | LIST_STATE] = LIST_SQL(L_SHIP, L_SH L_S),
	[LIST_SHIPMENT | LIST_ROUTE | LIST_STATE] = LIST_SQL(L_SHIP, L_SH L_R L_S),
	[LIST_SHIPMENT | LIST_SINCE] = LIST_SQL(L_SHIP, L_SH L_T),
	[LIST_SHIPMENT | LIST_ROUTE | LIST_SINCE] = LIST_SQL(L_SHIP, L_SH L_R L_T),
	[LIST_SHIPMENT | LIST_STATE | LIST_SINCE] = LIST_SQL(L_SHIP, L_SH L_S L_T),
	[LIST_SHIPMENT | LIST_ROUTE | LIST_STATE | LIST_SINCE] =
		LIST_SQL(L_SHIP, L_SH L_R L_S L_T),
};

int msql_list(struct manifest_db *d, const struct mfilter *flt, mfile_fn fn, void *ctx,
	      char *err)
{
	sqlite3_stmt *st = NULL;
	int which = (flt->route ? LIST_ROUTE : 0) | (flt->state ? LIST_STATE : 0) |
		    (flt->since ? LIST_SINCE : 0) | (flt->shipment ? LIST_SHIPMENT : 0);
	int rc = msql_prepare(d, list_sql[which], &st, err);
	if (rc != 0)
		return rc;
	/* Parameters a statement does not name are left unbound. */
	if (flt->route)
		msql_bind_text(st, 1, flt->route);
	if (flt->state)
		msql_bind_text(st, 2, flt->state);
	if (flt->shipment)
		msql_bind_text(st, 3, flt->shipment);
	if (flt->since)
		sqlite3_bind_int64(st, 4, flt->since);
	sqlite3_bind_int64(st, 5, flt->limit > 0 ? flt->limit : -1);
	return msql_each_file(d, st, fn, ctx, err, "listing files");
}

int msql_events(struct manifest_db *d, int64_t file_id, struct mevent **v, size_t *n,
		char *err)
{
	sqlite3_stmt *st = NULL;
	int rc = msql_prepare(d, "SELECT ts, event, detail FROM events WHERE file_id=?1 "
			      "ORDER BY id", &st, err);
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
		e->event = msql_col_text(st, 1);
		e->detail = msql_col_text(st, 2);
	}
	if (r != SQLITE_DONE)
		rc = msql_fail(d, err, "reading events");
	sqlite3_reset(st);
	return rc;
}

char *msql_shipments(struct manifest_db *d, int64_t file_id)
{
	sqlite3_stmt *st = NULL;
	char err[ERRLEN];
	if (msql_prepare(d, "SELECT group_concat(shipment_id, ',') FROM (SELECT shipment_id "
			 "FROM shipments WHERE file_id=?1 ORDER BY shipment_id)", &st, err) != 0)
		return NULL;
	sqlite3_bind_int64(st, 1, file_id);
	char *s = NULL;
	if (sqlite3_step(st) == SQLITE_ROW)
		s = msql_col_text(st, 0);
	sqlite3_reset(st);
	return s;
}

int msql_remotes(struct manifest_db *d, struct mremote_status **v, size_t *n, char *err)
{
	sqlite3_stmt *st = NULL;
	*v = NULL;
	*n = 0;
	int rc = msql_prepare(d, "SELECT remote, last_attempt, last_ok, failures, last_error "
			      "FROM remotes ORDER BY remote", &st, err);
	if (rc != 0)
		return rc;
	while (sqlite3_step(st) == SQLITE_ROW) {
		*v = xrealloc(*v, (*n + 1) * sizeof(**v));
		struct mremote_status *s = &(*v)[(*n)++];
		s->remote = msql_col_text(st, 0);
		s->last_attempt = sqlite3_column_int64(st, 1);
		s->last_ok = sqlite3_column_int64(st, 2);
		s->failures = sqlite3_column_int(st, 3);
		s->last_error = msql_col_text(st, 4);
	}
	sqlite3_reset(st);
	return 0;
}

/* The routes with files (the counts table) or cycles: two small tables,
 * never the files. */
int msql_status_routes(struct manifest_db *d, void (*fn)(void *ctx, const char *route),
		       void *ctx, char *err)
{
	sqlite3_stmt *st = NULL;
	int rc = msql_prepare(d, "SELECT route FROM counts WHERE files>0 UNION "
			      "SELECT route FROM routes", &st, err);
	if (rc != 0)
		return rc;
	while (sqlite3_step(st) == SQLITE_ROW)
		fn(ctx, (const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	return 0;
}

/* Files and bytes per (route, state) from the counts table (kept by
 * triggers); the files waiting for a retry, and the earliest retry, from
 * the few files still in flight (files_state, never the done history). */
int msql_status_counts(struct manifest_db *d, void (*fn)(void *ctx, const struct mstate_count *c),
		       void *ctx, char *err)
{
	sqlite3_stmt *st = NULL;
	int rc = msql_prepare(d, "SELECT counts.route, counts.state, files, next, ifnull(n, 0), "
			      "bytes FROM counts LEFT JOIN (SELECT route, state, count(*) AS n, "
			      "min(next_attempt) AS next FROM files WHERE state IN "
			      "('pending','staged','delivered') AND attempts>0 GROUP BY route, "
			      "state) AS retrying USING (route, state)",
			      &st, err);
	if (rc != 0)
		return rc;
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct mstate_count c = {
			.route = (const char *)sqlite3_column_text(st, 0),
			.state = (const char *)sqlite3_column_text(st, 1),
			.count = sqlite3_column_int64(st, 2),
			.next_retry = sqlite3_column_int64(st, 3),
			.retrying = sqlite3_column_int64(st, 4),
			.bytes = sqlite3_column_int64(st, 5),
		};
		fn(ctx, &c);
	}
	sqlite3_reset(st);
	return 0;
}

int msql_status_cycles(struct manifest_db *d, void (*fn)(void *ctx, const struct mroute_cycle *c),
		       void *ctx, char *err)
{
	sqlite3_stmt *st = NULL;
	int rc = msql_prepare(d, "SELECT route, last_cycle, last_ok, last_error, failures, "
			      "skipped FROM routes", &st, err);
	if (rc != 0)
		return rc;
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct mroute_cycle c = {
			.route = (const char *)sqlite3_column_text(st, 0),
			.last_cycle = sqlite3_column_int64(st, 1),
			.last_ok = sqlite3_column_int64(st, 2),
			.last_error = (const char *)sqlite3_column_text(st, 3),
			.failures = sqlite3_column_int(st, 4),
			.skipped = (const char *)sqlite3_column_text(st, 5),
		};
		fn(ctx, &c);
	}
	sqlite3_reset(st);
	return 0;
}
