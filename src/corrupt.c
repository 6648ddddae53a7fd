/* Spool copies that no longer match the sha256 recorded when they were
 * staged (bit rot, a bad disk, a careless hand). Every reader of a spool
 * copy for delivery checks it as it reads (checked_read.h); on a mismatch
 * the object is set aside under the spool's corrupt/, every file that
 * references it is marked, and each such file is staged again from its
 * source when the source still holds the original: same size and mtime,
 * and content with the recorded sha256. Otherwise it stays corrupt. */
#include "stage.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spool.h"

void corrupt_set_aside(struct pipeline *p, const struct mfile *f, const char *why)
{
	struct app *a = p->a;
	char actual[SHA256_HEX], err[ERRLEN], q[1024], qs[600], qm[600];
	if (sha256_file(f->spool_path, actual) != 0)
		snprintf(actual, sizeof(actual), "unreadable");
	char *moved = NULL;
	int rc = spool_set_aside(&a->spool, f->sha256, &moved, err);
	if (rc == KA_NOENT)
		return;  /* set aside already: another file with this content found it */
	if (rc != 0)
		log_event(&a->lg, LOG_ERROR, "spool_error", "file=%lld error=%s", (long long)f->id,
			  log_quote(err, q, sizeof(q)));
	char *detail = xasprintf("spool copy %s does not match its sha256: expected %s, found "
				 "%s; %s%s", f->spool_path, f->sha256, actual,
				 moved ? "moved to " : "left in place", moved ? moved : "");
	int marked = 0;
	if (manifest_mark_corrupt(&a->m, f->sha256, detail, &marked, err) != 0)
		log_event(&a->lg, LOG_ERROR, "manifest_error", "file=%lld error=%s",
			  (long long)f->id, log_quote(err, q, sizeof(q)));
	p->stats.corrupt += marked > 0 ? marked : 1;
	log_event(&a->lg, LOG_ERROR, "spool_corrupt", "file=%lld route=%s spool=%s expected=%s "
		  "actual=%s moved_to=%s files=%d error=%s", (long long)f->id, f->route,
		  log_quote(f->spool_path, qs, sizeof(qs)), f->sha256, actual,
		  log_quote(moved ? moved : "", qm, sizeof(qm)), marked,
		  log_quote(why, q, sizeof(q)));
	free(detail);
	free(moved);
}

/* Copy F from the source again, if it still holds the original. Returns 0,
 * KA_INVALID when it does not (WHY says how), or another code for a
 * failure worth trying again next cycle. */
static int fetch_again(struct pipeline *p, const struct route_config *r, const struct mfile *f,
		       char *why)
{
	const struct transport_ops *t;
	struct tconn *c;
	int rc = conns_get(&p->conns, &r->source, &t, &c, why);
	if (rc != 0)
		return rc;
	if (transport_can(t, TR_MAILBOX_SOURCE)) {
		snprintf(why, ERRLEN, "its source is a mailbox: the message is not fetched again");
		return KA_INVALID;
	}
	char *path = source_path(&r->source, f->name);
	struct tentry e;
	rc = t->stat(c, path, &e, why);
	if (rc == KA_NOENT) {
		snprintf(why, ERRLEN, "the source %s is gone", path);
		rc = KA_INVALID;
	} else if (rc == 0 && (e.size != f->size || e.mtime != f->mtime)) {
		snprintf(why, ERRLEN, "the source %s changed since it was staged", path);
		rc = KA_INVALID;
	} else if (rc == 0) {
		struct mfile got = { 0 };
		rc = source_fetch(p, r, t, c, f->name, f->size, f->sha256, &got, why);
		free(got.spool_path);
		if (rc == STAGE_CHANGED)
			rc = KA_TRANSIENT;  /* changing now: try again next cycle */
		if (rc == 0)
			rc = spool_sync(&p->a->spool, why);
	}
	free(path);
	if (rc == KA_TRANSIENT)
		conns_drop(&p->conns, &r->source, why);
	return rc;
}

int corrupt_restage(struct pipeline *p, const struct route_config *r, struct mfile *f)
{
	struct app *a = p->a;
	char why[ERRLEN], err[ERRLEN], q[1024];
	/* Another file with this content may have brought the object back;
	 * its delivery checks it as it reads. */
	int rc = access(f->spool_path, F_OK) == 0 ? 0 : fetch_again(p, r, f, why);
	if (rc == KA_INVALID) {
		if (manifest_restage_failed(&a->m, f->id, MANIFEST_NEVER, why, err) != 0)
			log_event(&a->lg, LOG_ERROR, "manifest_error", "file=%lld error=%s",
				  (long long)f->id, log_quote(err, q, sizeof(q)));
		log_event(&a->lg, LOG_ERROR, "restage_failed", "file=%lld route=%s error=%s",
			  (long long)f->id, r->name, log_quote(why, q, sizeof(q)));
		return rc;
	}
	if (rc != 0) {
		log_event(&a->lg, LOG_WARN, "restage_later", "file=%lld route=%s error=%s",
			  (long long)f->id, r->name, log_quote(why, q, sizeof(q)));
		return rc;
	}
	const char *state = f->summary ? ST_PENDING : ST_STAGED;
	rc = manifest_set_state(&a->m, f->id, state, "restaged", f->sha256, err);
	if (rc != 0) {
		log_event(&a->lg, LOG_ERROR, "manifest_error", "file=%lld error=%s",
			  (long long)f->id, log_quote(err, q, sizeof(q)));
		return rc;
	}
	free(f->state);
	f->state = xstrdup(state);
	log_event(&a->lg, LOG_INFO, "restaged", "file=%lld route=%s sha256=%s", (long long)f->id,
		  r->name, f->sha256);
	return 0;
}
