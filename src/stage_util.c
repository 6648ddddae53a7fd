/* Helpers several stages share: a source file's URI and path, copying a
 * source file into the spool (discover.c stages, corrupt.c stages again),
 * the quarantine of rejected files (process.c, discover_mail.c), and the
 * crash-point test hook (every stage that makes something durable). */
#include "stage.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "progress.h"
#include "spool.h"

char *source_uri(const struct endpoint *src, const char *name)
{
	char *path = path_join(src->path, name);
	if (!src->remote)
		return path;
	char *uri = xasprintf("%s:%s", src->remote->sec.name, path);
	free(path);
	return uri;
}

char *source_path(const struct endpoint *src, const char *name)
{
	return path_join(src->path, name);
}

int source_fetch(struct pipeline *p, const struct route_config *r,
		 const struct transport_ops *t, struct tconn *c, const char *name, int64_t size,
		 const char *want, struct mfile *f, char *err)
{
	struct spool_writer w;
	int rc = spool_begin(&p->a->spool, &w, err);
	if (rc != 0)
		return rc;
	char *path = source_path(&r->source, name);
	w.progress = progress_begin(p->progress, "stage", name, size);
	w.want = want;
	struct sink to = { spool_write, spool_write_at, &w };
	rc = t->get(c, path, &to, err);
	progress_end(w.progress);
	free(path);
	if (rc == 0)
		rc = spool_take_tail(&w, err);
	if (rc == 0 && w.size != size) {
		/* It changed while we copied it: not stable after all. */
		snprintf(err, ERRLEN, "%s changed while being copied (%lld bytes, listed %lld)",
			 name, (long long)w.size, (long long)size);
		rc = STAGE_CHANGED;
	}
	if (rc != 0) {
		if (w.error) {
			/* The spool failed, not the source: say so, and why. */
			char why[ERRLEN];
			rc = spool_write_error(&w, why);
			snprintf(err, ERRLEN, "cannot stage %s: %.400s", name, why);
		}
		spool_abort(&w);
		return rc;
	}
	return spool_commit(&p->a->spool, &w, f->sha256, &f->size, &f->spool_path, err);
}

int stage_quarantine(struct pipeline *p, const struct route_config *r, const struct mfile *f,
		     const struct parse_result *res, char *err)
{
	const struct transport_ops *t = &transport_local;
	struct tconn *c;
	int rc = t->connect(NULL, &p->a->lg, &c, err);
	if (rc != 0)
		return rc;
	char *final = path_join(r->quarantine, f->name);
	char *tname = name_fit(".", f->name, ".part"), *rname = name_fit("", f->name, ".errors.txt");
	char *tmp = path_join(r->quarantine, tname), *report = path_join(r->quarantine, rname);
	free(tname);
	free(rname);
	rc = t->mkdirs(c, r->quarantine, err);
	if (rc == 0)
		rc = t->put(c, f->spool_path, f->sha256, tmp, NULL, err);
	if (rc == 0)
		rc = t->rename(c, tmp, final, 1, err);
	if (rc == 0) {
		FILE *out = fopen(report, "w");
		if (out)
			parse_result_report(res, f->name, out);
		if (!out || fclose(out) != 0) {
			char why[ERRLEN];
			snprintf(err, ERRLEN, "cannot write %s: %s", report,
				 errno_text(errno, report, why, sizeof(why)));
			rc = KA_ERR;
		}
	}
	free(final);
	free(tmp);
	free(report);
	t->close(c);
	return rc;
}

void crash_point(const char *crash_at, const char *point)
{
	if (crash_at && strcmp(crash_at, point) == 0)
		kill(getpid(), SIGKILL);
}
