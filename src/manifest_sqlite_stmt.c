/* The SQLite backend's shared helpers: errors that name the manifest, the
 * cache of prepared statements (each compiled once per connection and
 * reused, and their plans for the test that keeps them index lookups),
 * binding and reading values, and reading file rows. Calls nothing else of
 * the manifest but the record helpers (manifest_records.c). */
#include "manifest_sqlite.h"

#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "manifest_sqlite_plan.h"

/* Fill ERR with WHAT and SQLite's message; KA_TRANSIENT when the database
 * was busy, locked or full, else KA_ERR. */
int msql_fail(struct manifest_db *d, char *err, const char *what)
{
	snprintf(err, ERRLEN, "%s: %s: %s", d->path, what, sqlite3_errmsg(d->db));
	int code = sqlite3_errcode(d->db);
	return (code == SQLITE_BUSY || code == SQLITE_LOCKED || code == SQLITE_FULL)
		       ? KA_TRANSIENT : KA_ERR;
}

int msql_exec(struct manifest_db *d, const char *sql, char *err)
{
	char *msg = NULL;
	if (sqlite3_exec(d->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, ERRLEN, "%s: %s", d->path, msg ? msg : sqlite3_errmsg(d->db));
		sqlite3_free(msg);
		return KA_ERR;
	}
	return 0;
}

/* A prepared statement for SQL, compiled once and kept (statements are
 * string literals, so their address identifies them). Callers reset it. */
int msql_prepare(struct manifest_db *d, const char *sql, sqlite3_stmt **st, char *err)
{
	for (size_t i = 0; i < d->ncache; i++) {
		if (d->cache[i].sql == sql) {
			*st = d->cache[i].st;
			sqlite3_reset(*st);
			sqlite3_clear_bindings(*st);
			return 0;
		}
	}
	if (sqlite3_prepare_v3(d->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK)
		return msql_fail(d, err, "preparing a statement");
	if (d->ncache < MSQL_STMTS)
		d->cache[d->ncache++] = (struct msql_stmt){ sql, *st };
	return 0;
}

void msql_finalize_all(struct manifest_db *d)
{
	for (size_t i = 0; i < d->ncache; i++)
		sqlite3_finalize(d->cache[i].st);
	d->ncache = 0;
}

void msql_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

/* Bind V, or NULL when it is 0 (unknown). */
void msql_bind_known(sqlite3_stmt *st, int i, int64_t v)
{
	if (v)
		sqlite3_bind_int64(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

/* Step a statement that returns no rows, then reset it for its next use. */
int msql_step_done(struct manifest_db *d, sqlite3_stmt *st, char *err, const char *what)
{
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : msql_fail(d, err, what);
	sqlite3_reset(st);
	return rc;
}

char *msql_col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	return s ? xstrdup((const char *)s) : NULL;
}

/* F from a row of MSQL_FILE_COLUMNS (the caller releases F). */
void msql_file_row(sqlite3_stmt *st, struct mfile *f)
{
	memset(f, 0, sizeof(*f));
	f->id = sqlite3_column_int64(st, 0);
	f->route = msql_col_text(st, 1);
	f->source_uri = msql_col_text(st, 2);
	f->name = msql_col_text(st, 3);
	f->size = sqlite3_column_int64(st, 4);
	f->mtime = sqlite3_column_int64(st, 5);
	const unsigned char *sha = sqlite3_column_text(st, 6);
	snprintf(f->sha256, sizeof(f->sha256), "%s", sha ? (const char *)sha : "");
	f->format = msql_col_text(st, 7);
	f->state = msql_col_text(st, 8);
	f->attempts = sqlite3_column_int(st, 9);
	f->next_attempt = sqlite3_column_int64(st, 10);
	f->last_error = msql_col_text(st, 11);
	f->spool_path = msql_col_text(st, 12);
	f->summary = msql_col_text(st, 13);
	f->source_done = sqlite3_column_int(st, 14);
	f->created = sqlite3_column_int64(st, 15);
	f->updated = sqlite3_column_int64(st, 16);
	f->mtime_ns = sqlite3_column_int64(st, 17);
	f->ino = sqlite3_column_int64(st, 18);
}

/* Call FN with each file row ST (bound, MSQL_FILE_COLUMNS) returns, until
 * FN returns non-zero; then reset ST. WHAT names the query in errors. */
int msql_each_file(struct manifest_db *d, sqlite3_stmt *st, mfile_fn fn, void *ctx, char *err,
		   const char *what)
{
	int r, rc = 0;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		struct mfile f;
		msql_file_row(st, &f);
		int stop = fn(ctx, &f);
		mfile_release(&f);
		if (stop)
			break;
	}
	if (r != SQLITE_DONE && r != SQLITE_ROW)
		rc = msql_fail(d, err, what);
	sqlite3_reset(st);
	return rc;
}

/* For the query-plan test (manifest_sqlite_plan.h): each prepared
 * statement's SQL with each line of its EXPLAIN QUERY PLAN and the virtual
 * machine steps it has run, until FN returns non-zero. */
int msql_plans(struct manifest_db *d,
	       int (*fn)(void *ctx, const char *sql, const char *plan, int64_t steps),
	       void *ctx, char *err)
{
	int rc = 0, stop = 0;
	for (size_t i = 0; rc == 0 && !stop && i < d->ncache; i++) {
		char *sql = xasprintf("EXPLAIN QUERY PLAN %s", sqlite3_sql(d->cache[i].st));
		sqlite3_stmt *st = NULL;
		int64_t steps = sqlite3_stmt_status(d->cache[i].st, SQLITE_STMTSTATUS_VM_STEP, 0);
		if (sqlite3_prepare_v2(d->db, sql, -1, &st, NULL) != SQLITE_OK)
			rc = msql_fail(d, err, "explaining a statement");
		while (rc == 0 && !stop && sqlite3_step(st) == SQLITE_ROW)
			stop = fn(ctx, sqlite3_sql(d->cache[i].st),
				  (const char *)sqlite3_column_text(st, 3), steps);
		sqlite3_finalize(st);
		free(sql);
	}
	return rc;
}
