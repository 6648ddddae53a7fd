/* Opening the pieces a command needs, with errors a user can act on. */
#include "app.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

/* One process at a time changes files' states on a manifest (run, once,
 * retry, resend of a dead file): flock on MANIFEST.lock, which holds the
 * owner's pid for the error message. */
int app_lock(struct app *a)
{
	if (a->lock_fd >= 0)
		return 0;
	char *path = xasprintf("%s.lock", a->cfg.agent.manifest);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		char why[ERRLEN];
		fprintf(stderr, "kargo-agent: cannot open %s: %s\n", path,
			errno_text(errno, path, why, sizeof(why)));
		free(path);
		return EX_IOERR;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		char pid[32] = "";
		ssize_t n = pread(fd, pid, sizeof(pid) - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		fprintf(stderr, "kargo-agent: %s is in use by another kargo-agent (pid %s); "
			"only one of run, once, retry, prune or a resend of a dead file at a time "
			"may change a manifest (stop the daemon, or wait)\n",
			a->cfg.agent.manifest, *pid ? pid : "unknown");
		close(fd);
		free(path);
		return EX_TEMPFAIL;
	}
	char pid[32];
	int len = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)len, 0) != len)
		fprintf(stderr, "kargo-agent: warning: cannot write pid to %s\n", path);
	free(path);
	a->lock_fd = fd;
	return 0;
}

/* Say what opening the manifest did to an older one: the upgrade and where
 * its copy is, the VACUUM that turned auto_vacuum on, or why it could not. */
static void log_upgrade(struct app *a)
{
	struct mupgrade u;
	char q[ERRLEN + 16];
	if (!manifest_upgraded(&a->m, &u))
		return;
	if (u.from)
		log_event(&a->lg, LOG_INFO, "manifest_upgraded", "manifest=%s from=%d to=%d "
			  "backup=%s", a->cfg.agent.manifest, u.from, u.to,
			  log_quote(u.backup, q, sizeof(q)));
	if (u.vacuumed)
		log_event(&a->lg, LOG_INFO, "manifest_vacuumed", "manifest=%s auto_vacuum=incremental",
			  a->cfg.agent.manifest);
	if (u.warning)
		log_event(&a->lg, LOG_WARN, "manifest_vacuum_failed", "manifest=%s error=%s",
			  a->cfg.agent.manifest, log_quote(u.warning, q, sizeof(q)));
}

/* Only the commands that run cycles (NEED_LOCK) create the manifest; the
 * others need it to exist, and the read-only ones never write to it. */
static int open_manifest(struct app *a, int needs)
{
	char err[ERRLEN];
	const char *path = a->cfg.agent.manifest;
	if (!(needs & NEED_LOCK) && access(path, F_OK) != 0) {
		fprintf(stderr, "kargo-agent: %s: %s: no manifest there (no cycle has run yet, or "
			"`manifest =` in %s names the wrong file)\n", path, strerror(errno),
			a->config_path);
		return EX_NOINPUT;
	}
	if (needs & NEED_LOCK) {
		mkdir_parents(path);
		int rc = app_lock(a);
		if (rc != 0)
			return rc;
	}
	int rc = (needs & NEED_READONLY) ? manifest_open_readonly(&a->m, path, err)
					 : manifest_open(&a->m, path, err);
	if (rc != 0) {
		fprintf(stderr, "kargo-agent: %s\n", err);
		return rc == KA_TRANSIENT ? EX_TEMPFAIL : EX_IOERR;
	}
	log_upgrade(a);
	return 0;
}

int app_open(struct app *a, const char *config_path, int needs)
{
	char err[ERRLEN];
	struct diag d = { 0 };
	a->lock_fd = -1;
	a->config_path = config_default_path(config_path);
	int have = !(needs & NO_CONFIG) &&
		   ((needs & NEED_CONFIG) || config_path || access(a->config_path, R_OK) == 0);
	if (have && config_load(a->config_path, &a->cfg, &d) != 0) {
		for (size_t i = 0; i < d.n; i++)
			fprintf(stderr, "kargo-agent: %s\n", d.msgs[i]);
		diag_release(&d);
		return EX_CONFIG;
	}
	enum log_level lv = LOG_INFO;
	if (have)
		log_level_parse(a->cfg.agent.log_level, &lv);
	log_init(&a->lg, lv, stderr);
	if (formats_load(have ? &a->cfg : NULL, &a->formats, &d) != 0) {
		for (size_t i = 0; i < d.n; i++)
			fprintf(stderr, "kargo-agent: %s\n", d.msgs[i]);
		diag_release(&d);
		return EX_CONFIG;
	}
	const char *crash = getenv("KARGO_AGENT_CRASH_AT");
	a->crash_at = crash && *crash ? crash : NULL;
	if (needs & NEED_MANIFEST) {
		int rc = open_manifest(a, needs);
		if (rc != 0)
			return rc;
	}
	if (needs & NEED_SPOOL) {
		if (spool_open(&a->spool, a->cfg.agent.spool_dir, err) != 0) {
			fprintf(stderr, "kargo-agent: %s\n", err);
			return EX_IOERR;
		}
		if (needs & NEED_LOCK)
			spool_clean_tmp(&a->spool);
	}
	if (needs & NEED_CONNS) {
		conns_init(&a->conns, &a->lg);
		a->have_conns = 1;
	}
	return 0;
}

void app_close(struct app *a)
{
	if (a->have_conns)
		conns_release(&a->conns);
	a->have_conns = 0;
	if (a->m.db)
		manifest_close(&a->m);
	if (a->spool.dir)
		spool_release(&a->spool);
	formats_free(a->formats);
	a->formats = NULL;
	if (a->cfg.path)
		config_release(&a->cfg);
	if (a->lock_fd >= 0)
		close(a->lock_fd);
	a->lock_fd = -1;
}
