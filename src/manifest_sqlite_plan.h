/* The SQLite backend's statements as the planner runs them, for the test
 * that keeps every hot statement an index lookup (tests/unit/
 * test_manifest_plan.c). Defined in manifest_sqlite_stmt.c. */
#ifndef KA_MANIFEST_SQLITE_PLAN_H
#define KA_MANIFEST_SQLITE_PLAN_H

#include <stdint.h>

struct manifest_db;

/* Call FN with the SQL of each statement the connection has prepared, each
 * line of its EXPLAIN QUERY PLAN ("SEARCH files USING INDEX ...") and the
 * virtual machine steps it has run so far (a measure of the rows it read),
 * until FN returns non-zero; 0, or KA_ERR with ERR naming the manifest. */
int msql_plans(struct manifest_db *d,
	       int (*fn)(void *ctx, const char *sql, const char *plan, int64_t steps),
	       void *ctx, char *err);

#endif
