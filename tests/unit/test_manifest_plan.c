/* Unit tests of the manifest at scale: every statement the pipeline and the
 * operator reads run (exercised here through the manifest API) is an index
 * lookup, never a walk of files, shipments, events, deliveries or
 * tombstones (EXPLAIN QUERY PLAN of each prepared statement); `seen` knows
 * a pruned file by its tombstone; `list` with each set of filters and
 * `status` (the counts table kept by triggers) give the rows and figures a
 * count over the files would. The fixtures and checks use sqlite3 on the
 * file directly; the agent's own SQL stays in src/manifest_sqlite*.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "manifest.h"
#include "manifest_sqlite_plan.h"

struct fixture {
	char *dir;
	char *db;
	struct manifest m;
	int64_t ids[6];
};

static int setup(void **state)
{
	struct fixture *fx = xcalloc(1, sizeof(*fx));
	char tmpl[] = "/tmp/kargo-plan.XXXXXX";
	assert_non_null(mkdtemp(tmpl));
	fx->dir = xstrdup(tmpl);
	fx->db = path_join(fx->dir, "m.db");
	char err[ERRLEN];
	assert_int_equal(manifest_open(&fx->m, fx->db, err), 0);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	manifest_close(&fx->m);
	char *cmd = xasprintf("rm -rf '%s'", fx->dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(fx->db);
	free(fx->dir);
	free(fx);
	return 0;
}

/* Run SQL on the manifest file through a connection of the test's own. */
static void sql(const struct fixture *fx, const char *text)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(fx->db, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, text, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* The first column of the first row TEXT returns, as an integer. */
static int64_t sql_int(const struct fixture *fx, const char *text)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_open(fx->db, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, text, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int64_t v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/* HISTORY files in route a, created long ago, each with a delivery, an
 * event and a shipment id: what a year leaves behind. One in five is dead
 * (never pruned), one in five rejected (its source finished), the others
 * done. */
#define HISTORY 20000
static void add_history(struct fixture *fx)
{
	char *q = xasprintf(
		"BEGIN;"
		"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < %d) "
		"INSERT INTO files(id, route, source_uri, name, size, mtime, sha256, format, state, "
		"  attempts, next_attempt, spool_path, summary, source_done, created, updated) "
		"SELECT 1000000+i, 'a', '/old/f'||i, 'f'||i, 10, 100, printf('e%%063x', i), 'text', "
		"  CASE i%%5 WHEN 0 THEN 'dead' WHEN 1 THEN 'rejected' ELSE 'done' END, 1, 0, "
		"  '/spool/old', '{}', 1, "
		"  100+i/100, 100+i/100 FROM n;"
		"INSERT INTO shipments SELECT 'OLD'||(id/3), id FROM files;"
		"INSERT INTO deliveries(file_id, dest, state, updated) "
		"  SELECT id, 'out', 'delivered', updated FROM files;"
		"INSERT INTO events(file_id, ts, event, detail) "
		"  SELECT id, updated*1000, 'delivered', 'dest=out' FROM files;"
		"COMMIT;", HISTORY);
	sql(fx, q);
	free(q);
}

/* Six files in two routes: a done one (two shipment ids, delivered), a
 * pending one retrying, a rejected one, a dead one, a staged one, and one
 * whose spool copy turns out corrupt. */
static void add_files(struct fixture *fx)
{
	static const char *const routes[] = { "a", "a", "a", "b", "b", "b" };
	char err[ERRLEN];
	for (int i = 0; i < 6; i++) {
		char uri[32], name[32];
		snprintf(uri, sizeof(uri), "/in/f%d.csv", i);
		snprintf(name, sizeof(name), "f%d.csv", i);
		struct mfile f = { .route = (char *)routes[i], .source_uri = uri, .name = name,
				   .size = 100 + i, .mtime = 1000 + i, .mtime_ns = 7, .ino = 9,
				   .spool_path = "/spool/x", .format = "text" };
		snprintf(f.sha256, sizeof(f.sha256), "%064d", i);
		assert_int_equal(manifest_add_file(&fx->m, &f, err), 0);
		fx->ids[i] = f.id;
	}
	char *ships[] = { "S1", "S2" };
	assert_int_equal(manifest_set_parsed(&fx->m, fx->ids[0], "text", 1, "{}", ships, 2, "ok",
					     err), 0);
	assert_int_equal(manifest_set_parsed(&fx->m, fx->ids[1], "text", 1, "{}", ships + 1, 1,
					     "ok", err), 0);
	assert_int_equal(manifest_set_parsed(&fx->m, fx->ids[2], "text", 0, "{}", NULL, 0, "bad",
					     err), 0);
	assert_int_equal(manifest_set_parsed(&fx->m, fx->ids[3], "text", 1, "{}", NULL, 0, "ok",
					     err), 0);
}

static int count_rows(void *ctx, const struct mfile *f)
{
	(void)f;
	(*(int *)ctx)++;
	return 0;
}

/* Every operation of the pipeline and of the operator reads, once. */
static void exercise(struct fixture *fx)
{
	char err[ERRLEN];
	int64_t *ids;
	size_t n;
	struct mdelivery *dv;
	size_t dn;
	add_files(fx);
	assert_int_equal(manifest_add_delivery(&fx->m, fx->ids[0], "out", 0, NULL, err), 0);
	assert_int_equal(manifest_deliveries(&fx->m, fx->ids[0], &dv, &dn, err), 0);
	assert_int_equal(manifest_set_delivery(&fx->m, &dv[0], DL_DELIVERED, "/out/f0", err), 0);
	mdeliveries_free(dv, dn);
	assert_int_equal(manifest_set_state(&fx->m, fx->ids[0], ST_DELIVERED, "all_delivered",
					    NULL, err), 0);
	assert_int_equal(manifest_set_source_done(&fx->m, fx->ids[0], "after=keep", err), 0);
	assert_int_equal(manifest_set_retry(&fx->m, fx->ids[1], 1, now_s() + 600, "boom", 0, err),
			 0);
	assert_int_equal(manifest_set_retry(&fx->m, fx->ids[3], 5, 0, "gave up", 1, err), 0);
	assert_int_equal(manifest_retry(&fx->m, fx->ids[3], "by hand", err), 0);
	assert_int_equal(manifest_set_retry(&fx->m, fx->ids[3], 6, 0, "gave up", 1, err), 0);
	int marked = 0;
	char sha[SHA256_HEX];
	snprintf(sha, sizeof(sha), "%064d", 5);
	assert_int_equal(manifest_mark_corrupt(&fx->m, sha, "bad copy", &marked, err), 0);
	assert_int_equal(marked, 1);
	assert_int_equal(manifest_restage_failed(&fx->m, fx->ids[5], MANIFEST_NEVER, "gone",
						 err), 0);
	assert_int_equal(manifest_due(&fx->m, "b", now_s(), &ids, &n, err), 0);
	assert_int_equal(n, 1);  /* the staged f4 */
	assert_int_equal(ids[0], fx->ids[4]);
	free(ids);
	assert_int_equal(manifest_due(&fx->m, "a", now_s(), &ids, &n, err), 0);
	assert_int_equal(n, 1);  /* the rejected f2, its source not finished */
	free(ids);
	int rows = 0;
	int64_t week = now_s() - 7 * 86400;
	assert_int_equal(manifest_alerts_due(&fx->m, "a", ",dead,rejected,", week, count_rows,
					     &rows, err), 0);
	assert_int_equal(rows, 1);
	assert_int_equal(manifest_event(&fx->m, fx->ids[2], "alerted", "state=rejected x", err),
			 0);
	rows = 0;
	assert_int_equal(manifest_alerts_due(&fx->m, "a", ",dead,rejected,", week, count_rows,
					     &rows, err), 0);
	assert_int_equal(rows, 0);
	assert_int_equal(manifest_note_once(&fx->m, "unsafe_name", "name=x", err), 1);
	assert_int_equal(manifest_note_once(&fx->m, "unsafe_name", "name=x", err), 0);
	int64_t count;
	char *latest;
	assert_int_equal(manifest_notes(&fx->m, "unsafe_name", &count, &latest, err), 0);
	assert_int_equal(count, 1);
	free(latest);
	assert_int_equal(manifest_seen(&fx->m, "a", "/in/f0.csv", 100, 1000, 7, 9), 1);
	assert_int_equal(manifest_seen(&fx->m, "a", "/in/new.csv", 1, 1, 7, 9), 0);
	sql(fx, "INSERT INTO tombstones(route, source_uri, size, mtime, mtime_ns, ino, listed) "
		"VALUES ('a', '/in/gone.csv', 5, 50, 7, 9, 1000)");
	assert_int_equal(manifest_seen(&fx->m, "a", "/in/gone.csv", 5, 50, 7, 9), 1);
	assert_int_equal(manifest_seen_content(&fx->m, "a", "f0.csv", "00"), 0);
	uint32_t uv, last;
	assert_int_equal(manifest_mailbox_set(&fx->m, "a", "INBOX", 5, 9, err), 0);
	assert_int_equal(manifest_mailbox_get(&fx->m, "a", "INBOX", &uv, &last, err), 0);
	assert_int_equal(manifest_route_cycle(&fx->m, "a", 1, NULL, "", err), 0);
	assert_int_equal(manifest_remote_attempt(&fx->m, "sftp1", 0, "refused", err), 0);
}

/* Ids (comma-separated, in order) of the files FLT lists. */
struct id_list {
	char text[256];
};

static int add_id(void *ctx, const struct mfile *f)
{
	struct id_list *l = ctx;
	size_t len = strlen(l->text);
	snprintf(l->text + len, sizeof(l->text) - len, "%s%lld", len ? "," : "",
		 (long long)f->id);
	return 0;
}

static const char *list_ids(struct fixture *fx, struct mfilter flt, struct id_list *l)
{
	char err[ERRLEN];
	l->text[0] = 0;
	assert_int_equal(manifest_list(&fx->m, &flt, add_id, l, err), 0);
	return l->text;
}

/* The operator reads: list with each filter that selects (the listing of
 * everything reads every row by design), show's reads, status. */
static void read_back(struct fixture *fx)
{
	char err[ERRLEN], want[64];
	struct id_list l;
	int64_t recent = now_s() - 3600;
	const char *a = "a", *b = "b";
	char f0[24], f1[24];
	snprintf(f0, sizeof(f0), "%lld", (long long)fx->ids[0]);
	snprintf(f1, sizeof(f1), "%lld", (long long)fx->ids[1]);
	snprintf(want, sizeof(want), "%s,%s", f0, f1);
	assert_string_equal(list_ids(fx, (struct mfilter){ .shipment = "S2" }, &l), want);
	assert_string_equal(list_ids(fx, (struct mfilter){ .shipment = "S2", .since = recent,
						   .route = a }, &l), want);
	assert_string_equal(list_ids(fx, (struct mfilter){ .shipment = "S2", .route = a,
						   .state = ST_PENDING, .since = recent }, &l), f1);
	assert_string_equal(list_ids(fx, (struct mfilter){ .shipment = "S2", .route = a,
						   .state = ST_PENDING }, &l), f1);
	assert_string_equal(list_ids(fx, (struct mfilter){ .shipment = "S1", .route = b }, &l),
			    "");
	assert_string_equal(list_ids(fx, (struct mfilter){ .shipment = "S1", .state = ST_DONE,
						   .since = recent }, &l), f0);
	assert_string_equal(list_ids(fx, (struct mfilter){ .shipment = "S2",
						   .state = ST_PENDING }, &l), f1);
	assert_string_equal(list_ids(fx, (struct mfilter){ .shipment = "S2", .limit = 1 }, &l),
			    f0);
	snprintf(want, sizeof(want), "%lld,%lld,%lld", (long long)fx->ids[3],
		 (long long)fx->ids[4], (long long)fx->ids[5]);
	assert_string_equal(list_ids(fx, (struct mfilter){ .route = b }, &l), want);
	assert_string_equal(list_ids(fx, (struct mfilter){ .route = b, .since = recent }, &l), want);
	snprintf(want, sizeof(want), "%lld", (long long)fx->ids[3]);
	assert_string_equal(list_ids(fx, (struct mfilter){ .route = b, .limit = 1 }, &l), want);
	snprintf(want, sizeof(want), "%lld", (long long)fx->ids[5]);
	assert_string_equal(list_ids(fx, (struct mfilter){ .state = ST_CORRUPT }, &l), want);
	snprintf(want, sizeof(want), "%lld", (long long)fx->ids[3]);
	assert_string_equal(list_ids(fx, (struct mfilter){ .state = ST_DEAD, .route = b }, &l),
			    want);
	assert_string_equal(list_ids(fx, (struct mfilter){ .state = ST_DEAD, .since = recent }, &l),
			    want);
	assert_string_equal(list_ids(fx, (struct mfilter){ .state = ST_DEAD, .route = b,
						   .since = recent }, &l), want);
	assert_string_equal(list_ids(fx, (struct mfilter){ .since = recent, .limit = 1 }, &l), f0);
	assert_string_equal(list_ids(fx, (struct mfilter){ .since = now_s() + 99 }, &l), "");
	assert_string_equal(list_ids(fx, (struct mfilter){ .state = ST_DEAD,
						   .since = now_s() + 99 }, &l), "");

	struct mfile f;
	assert_int_equal(manifest_get(&fx->m, fx->ids[0], &f, err), 0);
	mfile_release(&f);
	char *ships = manifest_shipments(&fx->m, fx->ids[0]);
	assert_string_equal(ships, "S1,S2");
	free(ships);
	struct mevent *ev;
	size_t en;
	assert_int_equal(manifest_events(&fx->m, fx->ids[0], &ev, &en, err), 0);
	mevents_free(ev, en);
	struct mroute_status *rv;
	size_t rn;
	assert_int_equal(manifest_status(&fx->m, &rv, &rn, err), 0);
	mroute_status_free(rv, rn);
	struct mremote_status *mv;
	size_t mn;
	assert_int_equal(manifest_remotes(&fx->m, &mv, &mn, err), 0);
	mremote_status_free(mv, mn);
}

/* A plan line that walks one of the big tables: "SCAN files", "SCAN
 * events USING COVERING INDEX ..." (the agent's SQL names these tables
 * without aliases, so the name is in the line). */
static int walks_big_table(const char *plan)
{
	static const char *const big[] = { "files", "shipments", "events", "deliveries",
					   "tombstones" };
	if (strncmp(plan, "SCAN ", 5) != 0)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(big); i++) {
		size_t len = strlen(big[i]);
		if (strncmp(plan + 5, big[i], len) == 0 &&
		    (plan[5 + len] == 0 || plan[5 + len] == ' '))
			return 1;
	}
	return 0;
}

struct plan_check {
	int statements;
	int scans;
	int walks;
	const char *last_sql;
};

/* A statement may not walk a big table, nor run as many steps as the
 * history has rows: an index search on a prefix as broad as the route is
 * a walk too, which the plan alone does not show. */
static int check_plan(void *ctx, const char *sql, const char *plan, int64_t steps)
{
	struct plan_check *c = ctx;
	if (getenv("KA_PLANS"))  /* KA_PLANS=1: print every plan */
		print_message("%s\n  plan: %s\n  steps: %lld\n", sql, plan, (long long)steps);
	if (walks_big_table(plan)) {
		c->scans++;
		print_error("%s\n  plan: %s\n", sql, plan);
	}
	if (sql == c->last_sql)
		return 0;
	c->statements++;
	c->last_sql = sql;
	if (steps > HISTORY) {
		c->walks++;
		print_error("%s\n  plan: %s\n  %lld steps for %d rows of history\n", sql, plan,
			    (long long)steps, HISTORY);
	}
	return 0;
}

static void test_statements_use_indexes(void **state)
{
	struct fixture *fx = *state;
	add_history(fx);
	exercise(fx);
	read_back(fx);
	struct plan_check c = { 0 };
	char err[ERRLEN];
	assert_int_equal(msql_plans(fx->m.db, check_plan, &c, err), 0);
	if (c.scans || c.walks)
		fail_msg("%d plan lines scan a big table, %d statements walk the history (above)",
			 c.scans, c.walks);
	assert_true(c.statements > 40);
}

/* status reads the counts table: the same figures as a count of the rows. */
static void test_status_counts(void **state)
{
	struct fixture *fx = *state;
	exercise(fx);
	char err[ERRLEN];
	struct mroute_status *rv;
	size_t rn;
	assert_int_equal(manifest_status(&fx->m, &rv, &rn, err), 0);
	assert_int_equal(rn, 2);
	for (size_t r = 0; r < rn; r++) {
		for (int i = 0; i < MANIFEST_NSTATES; i++) {
			char *q = xasprintf("SELECT count(*) FROM files WHERE route='%s' AND "
					    "state='%s'", rv[r].route, manifest_states[i]);
			assert_int_equal(rv[r].counts[i], sql_int(fx, q));
			free(q);
		}
	}
	struct mroute_status *a = mroute_status_find(rv, rn, "a");
	assert_int_equal(a->retrying, 1);
	assert_true(a->next_retry > now_s());
	assert_int_equal(a->bytes, 100);  /* the done f0 */
	assert_int_equal(mroute_status_find(rv, rn, "b")->retrying, 0);
	mroute_status_free(rv, rn);
}

/* A pruned file's tombstone makes it seen; a listing marks the tombstone
 * listed, at most once a day. */
static void test_seen_tombstone(void **state)
{
	struct fixture *fx = *state;
	sql(fx, "INSERT INTO tombstones(route, source_uri, size, mtime, mtime_ns, ino, listed) "
		"VALUES ('a', '/in/gone.csv', 5, 50, 7, 9, 1000), "
		"('a', '/in/sftp.csv', 5, 50, NULL, NULL, 1000)");
	assert_int_equal(manifest_seen(&fx->m, "a", "/in/gone.csv", 5, 50, 7, 9), 1);
	int64_t listed = sql_int(fx, "SELECT listed FROM tombstones WHERE source_uri='/in/gone.csv'");
	assert_true(listed >= now_s() - 5);
	/* Another identity, or another route: not seen. */
	assert_int_equal(manifest_seen(&fx->m, "a", "/in/gone.csv", 5, 50, 8, 9), 0);
	assert_int_equal(manifest_seen(&fx->m, "b", "/in/gone.csv", 5, 50, 7, 9), 0);
	assert_int_equal(manifest_seen(&fx->m, "a", "/in/gone.csv", 6, 50, 7, 9), 0);
	/* Recorded without nanoseconds (SFTP): matches on seconds. */
	assert_int_equal(manifest_seen(&fx->m, "a", "/in/sftp.csv", 5, 50, 3, 4), 1);
	/* Listed an hour ago: not written again. */
	sql(fx, "UPDATE tombstones SET listed = strftime('%s','now') - 3600");
	int64_t before = sql_int(fx, "SELECT sum(listed) FROM tombstones");
	assert_int_equal(manifest_seen(&fx->m, "a", "/in/gone.csv", 5, 50, 7, 9), 1);
	assert_int_equal(sql_int(fx, "SELECT sum(listed) FROM tombstones"), before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_statements_use_indexes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seen_tombstone, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
