/* The SQLite backend's reading of a file's parse summary (the JSON that
 * validation stores in files.summary) back into a struct for `show`.
 * SQLite's own JSON functions read it in the query that fetches it, so a
 * store other than SQLite reads it its own way; the SQL stays here. */
#include "manifest_sqlite.h"

#include <stdlib.h>
#include <string.h>

#include "common.h"

/* Step ST over its rows, calling ROW for each; returns 0 or KA_ERR with ERR
 * naming the manifest. Finalizes ST. */
static int each_row(struct manifest_db *d, sqlite3_stmt *st, void (*row)(sqlite3_stmt *, void *),
		    void *ctx, char *err)
{
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		row(st, ctx);
	if (rc != SQLITE_DONE)
		snprintf(err, ERRLEN, "%s: cannot read a parse summary: %s", d->path,
			 sqlite3_errmsg(d->db));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : KA_ERR;
}

/* Prepare SQL with JSON bound to ?1; 0 or KA_ERR. */
static int prepare_json(struct manifest_db *d, const char *sql, const char *json,
			sqlite3_stmt **st, char *err)
{
	if (sqlite3_prepare_v2(d->db, sql, -1, st, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(*st, 1, json, -1, SQLITE_STATIC) != SQLITE_OK) {
		snprintf(err, ERRLEN, "%s: cannot read a parse summary: %s", d->path,
			 sqlite3_errmsg(d->db));
		sqlite3_finalize(*st);
		*st = NULL;
		return KA_ERR;
	}
	return 0;
}

static void head_row(sqlite3_stmt *st, void *ctx)
{
	struct msummary *s = ctx;
	s->format = msql_col_text(st, 0);
	s->valid = sqlite3_column_int(st, 1);
	s->rows = sqlite3_column_int64(st, 2);
	s->shipments = sqlite3_column_int64(st, 3);
	s->pallets = sqlite3_column_int64(st, 4);
	s->error_count = sqlite3_column_int64(st, 5);
}

static void error_row(sqlite3_stmt *st, void *ctx)
{
	struct msummary *s = ctx;
	s->errors = xrealloc(s->errors, (s->nerrors + 1) * sizeof(*s->errors));
	struct msummary_error *e = &s->errors[s->nerrors++];
	e->line = sqlite3_column_int64(st, 0);
	e->cls = msql_col_text(st, 1);
	e->field = msql_col_text(st, 2);
	e->msg = msql_col_text(st, 3);
}

static void warning_row(sqlite3_stmt *st, void *ctx)
{
	struct msummary *s = ctx;
	s->warnings = xrealloc(s->warnings, (s->nwarnings + 1) * sizeof(*s->warnings));
	s->warnings[s->nwarnings++] = msql_col_text(st, 0);
}

int msql_summary(struct manifest_db *d, const char *json, struct msummary *s, char *err)
{
	static const char *const sql[] = {
		"SELECT json_extract(?1, '$.format'), json_extract(?1, '$.valid'), "
		"json_extract(?1, '$.rows'), json_extract(?1, '$.shipment_count'), "
		"json_extract(?1, '$.pallets'), json_extract(?1, '$.error_count')",
		"SELECT json_extract(value, '$.line'), json_extract(value, '$.class'), "
		"json_extract(value, '$.field'), json_extract(value, '$.message') "
		"FROM json_each(?1, '$.errors')",
		"SELECT value FROM json_each(?1, '$.warnings')",
	};
	void (*const rows[])(sqlite3_stmt *, void *) = { head_row, error_row, warning_row };
	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < ARRAY_SIZE(sql); i++) {
		sqlite3_stmt *st;
		if (prepare_json(d, sql[i], json, &st, err) != 0 ||
		    each_row(d, st, rows[i], s, err) != 0) {
			msummary_release(s);
			return KA_ERR;
		}
	}
	return 0;
}
