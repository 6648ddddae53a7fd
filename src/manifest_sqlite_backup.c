/* The SQLite backend's copies of the manifest: `kargo-agent manifest backup`
 * (SQLite's online backup API, from a read-only connection of its own), the
 * backup a migration keeps of the manifest it upgrades, and the one VACUUM
 * that gives an older manifest incremental auto_vacuum.
 *
 * The copy is taken in one sqlite3_backup_step(-1): a page-by-page backup
 * restarts whenever another connection writes to the source, so under a
 * busy daemon a stepped one might never finish. One step holds a single
 * read transaction, which in WAL mode sees one consistent snapshot and
 * blocks no writer (checkpoints only stop at the reader's snapshot until it
 * ends). The copy is written to a temporary name beside the target,
 * fsynced, given the manifest's mode and renamed into place (or linked, so
 * an existing file is never replaced unless asked). */
#include "manifest_sqlite.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

/* How long a backup waits for the source to let it read (WAL recovery by
 * another connection, a checkpoint restarting the log). */
#define BACKUP_TRIES 200
#define BACKUP_WAIT_MS 50

static int sys_fail(char *err, const char *what, const char *path)
{
	char why[ERRLEN];
	int e = errno;
	snprintf(err, ERRLEN, "%s %s: %s", what, path, errno_text(e, path, why, sizeof(why)));
	return e == ENOENT ? KA_NOENT : e == EEXIST ? KA_EXISTS : e == ENOSPC ? KA_NOSPACE
									       : KA_ERR;
}

/* Copy SRC (the database at SRC_PATH) into the new file TMP in one step. */
static int copy_into(sqlite3 *src, const char *src_path, const char *tmp, char *err)
{
	sqlite3 *dst = NULL;
	int rc = KA_ERR;
	if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, ERRLEN, "cannot create %s: %s", tmp,
			 dst ? sqlite3_errmsg(dst) : "out of memory");
		rc = dst && sqlite3_errcode(dst) == SQLITE_CANTOPEN ? KA_NOENT : KA_ERR;
		goto out;
	}
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
	if (!b) {
		snprintf(err, ERRLEN, "%s: cannot start the backup: %s", src_path,
			 sqlite3_errmsg(dst));
		goto out;
	}
	int step = sqlite3_backup_step(b, -1);
	for (int i = 0; (step == SQLITE_BUSY || step == SQLITE_LOCKED) && i < BACKUP_TRIES; i++) {
		sqlite3_sleep(BACKUP_WAIT_MS);
		step = sqlite3_backup_step(b, -1);
	}
	int fin = sqlite3_backup_finish(b);
	if (step != SQLITE_DONE || fin != SQLITE_OK) {
		snprintf(err, ERRLEN, "%s: backup into %s failed: %s", src_path, tmp,
			 sqlite3_errstr(step != SQLITE_DONE ? step : fin));
		rc = step == SQLITE_FULL || fin == SQLITE_FULL ? KA_NOSPACE : KA_ERR;
		goto out;
	}
	rc = 0;
out:
	if (dst && sqlite3_close(dst) != SQLITE_OK && rc == 0) {
		snprintf(err, ERRLEN, "%s: closing the backup failed", tmp);
		rc = KA_ERR;
	}
	return rc;
}

/* TMP made durable with MODE, then named DEST: renamed over it when
 * REPLACE, else linked (EEXIST when DEST exists) and unlinked. */
static int commit_file(const char *tmp, const char *dest, mode_t mode, int replace, char *err)
{
	int fd = open(tmp, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return sys_fail(err, "cannot open", tmp);
	int rc = 0;
	if (fchmod(fd, mode) != 0 || fsync(fd) != 0)
		rc = sys_fail(err, "cannot make durable", tmp);
	close(fd);
	if (rc == 0 && replace && rename(tmp, dest) != 0)
		rc = sys_fail(err, "cannot rename the backup to", dest);
	if (rc == 0 && !replace) {
		if (link(tmp, dest) != 0)
			rc = errno == EEXIST ? (snprintf(err, ERRLEN, "%s already exists", dest),
						KA_EXISTS)
					     : sys_fail(err, "cannot name the backup", dest);
		unlink(tmp);
	}
	char *dir = xstrdup(dest);
	char *slash = strrchr(dir, '/');
	if (slash)
		slash[slash == dir] = '\0';
	int dfd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rc == 0 && (dfd < 0 || fsync(dfd) != 0))
		rc = sys_fail(err, "cannot make durable the directory of", dest);
	if (dfd >= 0)
		close(dfd);
	free(dir);
	return rc;
}

/* Back up the open database SRC (at SRC_PATH) to DEST, which must not exist
 * unless REPLACE. */
static int backup_db(sqlite3 *src, const char *src_path, const char *dest, int replace,
		     char *err)
{
	struct stat st;
	if (stat(src_path, &st) != 0)
		return sys_fail(err, "cannot read", src_path);
	if (!replace && access(dest, F_OK) == 0) {
		snprintf(err, ERRLEN, "%s already exists", dest);
		return KA_EXISTS;
	}
	char *tmp = xasprintf("%s.tmp-%ld", dest, (long)getpid());
	char *journal = xasprintf("%s-journal", tmp);
	unlink(tmp);
	int rc = copy_into(src, src_path, tmp, err);
	if (rc == 0)
		rc = commit_file(tmp, dest, st.st_mode & 0777, replace, err);
	if (rc != 0) {
		unlink(tmp);
		unlink(journal);
	}
	free(journal);
	free(tmp);
	return rc;
}

int msql_backup(const char *path, const char *dest, int replace, char *err)
{
	sqlite3 *src = NULL;
	int rc = KA_ERR;
	/* Read-only: never create the manifest, nor -wal and -shm files that
	 * the agent's user could not open afterwards. */
	if (sqlite3_open_v2(path, &src, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		snprintf(err, ERRLEN, "%s: cannot open the manifest: %s", path,
			 src ? sqlite3_errmsg(src) : "out of memory");
		rc = access(path, F_OK) != 0 ? KA_NOENT : KA_ERR;
	} else {
		sqlite3_busy_timeout(src, 10000);
		rc = backup_db(src, path, dest, replace, err);
	}
	sqlite3_close(src);
	return rc;
}

/* Before migrating D from schema FROM to TO: its copy beside it, named by FROM
 * (an older copy of that name is replaced). */
int msql_upgrade_backup(struct manifest_db *d, int from, int to, char *err)
{
	char *dest = xasprintf("%s.schema-%d.bak", d->path, from);
	char why[ERRLEN];
	int rc = backup_db(d->db, d->path, dest, 1, why);
	if (rc == 0) {
		free(d->upgrade_backup);
		d->upgrade_backup = dest;
		d->upgraded_from = from;
		d->upgraded_to = to;
		return 0;
	}
	snprintf(err, ERRLEN, "%.150s: not upgraded from schema %d: the backup before the "
		 "upgrade failed (%.250s); the manifest is unchanged", d->path, from, why);
	free(dest);
	return KA_ERR;
}

/* A manifest made before auto_vacuum was set keeps the pages pruning frees;
 * one VACUUM (outside any transaction) turns incremental vacuum on. A
 * failure (not enough disk for the copy VACUUM makes) leaves a warning. */
void msql_vacuum_once(struct manifest_db *d)
{
	sqlite3_stmt *st = NULL;
	int mode = -1;
	if (sqlite3_prepare_v2(d->db, "PRAGMA auto_vacuum", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		mode = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (mode != 0)
		return;
	char err[ERRLEN];
	if (msql_exec(d, "PRAGMA auto_vacuum=INCREMENTAL", err) != 0 ||
	    msql_exec(d, "VACUUM", err) != 0)
		snprintf(d->vacuum_warning, sizeof(d->vacuum_warning), "%.200s (auto_vacuum not "
			 "turned on: pruned rows leave free pages inside the file; run "
			 "`sqlite3 %.100s 'PRAGMA auto_vacuum=INCREMENTAL; VACUUM'` while the "
			 "agent is stopped)", err, d->path);
	else
		d->vacuumed = 1;
}

int msql_upgrade_report(struct manifest_db *d, struct mupgrade *u)
{
	memset(u, 0, sizeof(*u));
	u->from = d->upgraded_from;
	u->to = d->upgraded_to;
	u->backup = d->upgrade_backup;
	u->vacuumed = d->vacuumed;
	u->warning = d->vacuum_warning[0] ? d->vacuum_warning : NULL;
	return d->upgraded_from > 0 || u->warning || u->vacuumed;
}
