/* Work on files the manifest says are due: validate staged files (rejects go
 * to quarantine with an error report), deliver pending ones to every
 * destination, finish the source of delivered and rejected ones, and
 * schedule retries with exponential backoff and jitter. */
#include "stage.h"

#include <stdlib.h>
#include <string.h>

#include "deliver.h"
#include "notify.h"
#include "progress.h"

/* Seconds to wait before attempt ATTEMPTS+1: base·2^(attempts-1), capped,
 * then a random point in its upper half so many files do not retry at once. */
static int64_t backoff(const struct agent_config *ac, int attempts)
{
	int64_t d = ac->retry_base;
	for (int i = 1; i < attempts && d < ac->retry_max; i++)
		d *= 2;
	if (d > ac->retry_max)
		d = ac->retry_max;
	int64_t half = d / 2;
	return d - half + (half > 0 ? (int64_t)(random_u64() % (uint64_t)(half + 1)) : 0);
}

/* Record a failure of F: retry later (no sooner than WAIT seconds: what a
 * server asked for with Retry-After), or dead. COUNT 0: F itself was not
 * tried (another file's connection failed), so no attempt is counted. */
static void fail_file_after(struct pipeline *p, const struct route_config *r,
			    struct mfile *f, int rc, int count, const char *why, int wait)
{
	struct app *a = p->a;
	char err[ERRLEN], q[1024];
	int attempts = f->attempts + (count ? 1 : 0);
	int dead = rc == KA_PERMANENT || (count && attempts >= r->max_attempts);
	int64_t delay = backoff(&a->cfg.agent, attempts > 0 ? attempts : 1);
	if (wait > 0)
		wait++;  /* now_s() is the second begun: no sooner than WAIT from now */
	int64_t next = dead ? 0 : now_s() + (delay > wait ? delay : wait);
	if (manifest_set_retry(&a->m, f->id, attempts, next, why, dead, err) != 0)
		log_event(&a->lg, LOG_ERROR, "manifest_error", "file=%lld error=%s",
			  (long long)f->id, log_quote(err, q, sizeof(q)));
	log_event(&a->lg, dead ? LOG_ERROR : LOG_WARN, dead ? "dead" : "retry",
		  "file=%lld route=%s attempt=%d error=%s", (long long)f->id, r->name, attempts,
		  log_quote(why, q, sizeof(q)));
	if (dead)
		p->stats.dead++;
	else
		p->stats.retried++;
}

static void fail_file(struct pipeline *p, const struct route_config *r, struct mfile *f,
		      int rc, int count, const char *why)
{
	fail_file_after(p, r, f, rc, count, why, 0);
}

/* Parse a staged file; state becomes pending or rejected. */
static int validate(struct pipeline *p, const struct route_config *r, struct mfile *f)
{
	struct app *a = p->a;
	char err[ERRLEN], q[1024];
	struct parse_result res;
	struct progress *pg = progress_begin(p->progress, "validate", f->name, f->size);
	int rc = format_parse_path(a->formats, r->format, f->spool_path, pg, &res, err);
	progress_end(pg);
	if (rc != 0) {
		fail_file(p, r, f, rc, 1, err);
		return rc;
	}
	if (!res.valid) {
		rc = stage_quarantine(p, r, f, &res, err);
		if (rc == KA_CORRUPT) {
			corrupt_set_aside(p, f, err);
			parse_result_release(&res);
			return rc;
		}
		if (rc != 0) {
			fail_file(p, r, f, rc, 1, err);
			parse_result_release(&res);
			return rc;
		}
	}
	char *json = parse_result_json(&res);
	char detail[160];
	snprintf(detail, sizeof(detail), "format=%s rows=%lld errors=%lld", res.format,
		 (long long)res.rows, (long long)res.nerrors);
	rc = manifest_set_parsed(&a->m, f->id, res.format, res.valid, json, res.shipment_ids,
				 res.nshipments, detail, err);
	if (rc != 0) {
		log_event(&a->lg, LOG_ERROR, "manifest_error", "file=%lld error=%s",
			  (long long)f->id, log_quote(err, q, sizeof(q)));
	} else if (!res.valid) {
		const struct parse_error *e0 = res.nerrors_kept ? &res.errors[0] : NULL;
		char qn[512], qd[1024];
		log_event(&a->lg, LOG_WARN, "rejected", "file=%lld route=%s name=%s errors=%lld "
			  "first=%s quarantine=%s", (long long)f->id, r->name,
			  log_quote(f->name, qn, sizeof(qn)), (long long)res.nerrors,
			  log_quote(e0 ? e0->msg : "", q, sizeof(q)),
			  log_quote(r->quarantine, qd, sizeof(qd)));
		p->stats.rejected++;
		free(f->state);
		f->state = xstrdup(ST_REJECTED);
	} else {
		free(f->state);
		f->state = xstrdup(ST_PENDING);
	}
	free(json);
	parse_result_release(&res);
	return rc;
}

static int has_delivery(const struct mdelivery *dv, size_t dn, const char *dest)
{
	for (size_t i = 0; i < dn; i++)
		if (!dv[i].resend && strcmp(dv[i].dest, dest) == 0)
			return 1;
	return 0;
}

/* Make sure F has a delivery row for each of the route's destinations as
 * configured now: a destination added (or corrected) while F waited gets
 * one too. Rows of destinations no longer configured stay as history and
 * are not waited for (all_delivered). */
static int ensure_deliveries(struct manifest *m, const struct route_config *r,
			     const struct mfile *f, struct mdelivery **dv, size_t *dn, char *err)
{
	int rc = manifest_deliveries(m, f->id, dv, dn, err);
	int added = 0;
	for (size_t i = 0; rc == 0 && i < r->ndests; i++)
		if (!has_delivery(*dv, *dn, r->dests[i].text)) {
			rc = manifest_add_delivery(m, f->id, r->dests[i].text, 0, NULL, err);
			added = 1;
		}
	if (rc == 0 && added) {
		mdeliveries_free(*dv, *dn);
		*dv = NULL;
		rc = manifest_deliveries(m, f->id, dv, dn, err);
	}
	return rc;
}

/* A pending file's deliveries, loaded once per batch. */
struct pending {
	struct mfile *f;
	struct mdelivery *dv;
	size_t dn;
	char *shipments;
	int rc;
	int not_tried;       /* every failure was a destination not tried: no attempt */
	int retry_after;     /* seconds a destination asked to wait (Retry-After) */
	char err[ERRLEN];
};

static struct mdelivery *delivery_for(struct pending *pf, const char *dest)
{
	for (size_t i = 0; i < pf->dn; i++)
		if (!pf->dv[i].resend && strcmp(pf->dv[i].dest, dest) == 0)
			return &pf->dv[i];
	return NULL;
}

/* Deliver the batch's pending files to one destination. */
static void deliver_dest(struct pipeline *p, const struct route_config *r,
			 const struct endpoint *dest, struct pending *pv, size_t n)
{
	struct app *a = p->a;
	struct dfile *dv = xcalloc(n, sizeof(*dv));
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		struct mdelivery *d = pv[i].rc == 0 ? delivery_for(&pv[i], dest->text) : NULL;
		if (!d || strcmp(d->state, DL_DELIVERED) == 0)
			continue;
		dv[k++] = (struct dfile){ .f = pv[i].f, .d = d, .shipments = pv[i].shipments };
	}
	if (k == 0)
		goto out;
	struct deliver_env env = { .m = &a->m, .r = r, .lg = &a->lg, .crash_at = a->crash_at,
				   .progress = p->progress, .stop = a->stop, .formats = a->formats };
	struct tconn *pool[MAX_SESSIONS];
	/* A request destination runs its connections inside one (libcurl's
	 * multi interface): one is asked for. */
	const struct transport_ops *dt = transport_for(dest);
	int want = dest->remote && !(dt && transport_can(dt, TR_REQUEST_DEST)) ?
		   dest->remote->sessions : 1;
	if (want > (int)(k < MAX_SESSIONS ? k : MAX_SESSIONS))
		want = (int)(k < MAX_SESSIONS ? k : MAX_SESSIONS);
	char err[ERRLEN];
	int rc = conns_pool(&p->conns, dest, want, &env.t, pool, &env.npool, err);
	env.pool = pool;
	if (rc == 0)
		deliver_batch(&env, dest, dv, k);
	const char *transient = NULL;  /* the first transient failure */
	for (size_t i = 0; i < k; i++) {
		struct pending *pf = NULL;
		for (size_t j = 0; j < n && !pf; j++)
			if (pv[j].f == dv[i].f)
				pf = &pv[j];
		char q[1024];
		if (rc == 0 && dv[i].rc == KA_STOPPED) {
			if (pf->rc == 0) {  /* no failure elsewhere to record */
				pf->rc = KA_STOPPED;
				snprintf(pf->err, ERRLEN, "%s", dv[i].err);
			}
		} else if (rc != 0 || dv[i].rc != 0) {
			/* Not reaching the destination at all (down, login refused) is
			 * retried with backoff; only a refusal of this file is final. */
			int first = pf->rc == 0 || pf->rc == KA_STOPPED;
			pf->not_tried = (first || pf->not_tried) && rc == 0 && dv[i].not_tried;
			pf->rc = rc ? KA_TRANSIENT : dv[i].rc;
			if (dv[i].retry_after > pf->retry_after)
				pf->retry_after = dv[i].retry_after;
			snprintf(pf->err, ERRLEN, "%.100s: %.400s", dest->text, rc ? err : dv[i].err);
			if (pf->rc == KA_TRANSIENT && !transient)
				transient = pf->err;
		} else {
			log_event(&a->lg, LOG_INFO, "delivered", "file=%lld route=%s dest=%s "
				  "path=%s bytes=%lld", (long long)dv[i].f->id, r->name, dest->text,
				  log_quote(dv[i].final, q, sizeof(q)), (long long)dv[i].f->size);
		}
		free(dv[i].final);
	}
	if (rc == KA_TRANSIENT || transient)
		conns_drop(&p->conns, dest, transient ? transient : err);
out:
	free(dv);
}

/* Has PF reached every destination the route has now? */
static int all_delivered(struct pending *pf, const struct route_config *r)
{
	for (size_t i = 0; i < r->ndests; i++) {
		const struct mdelivery *d = delivery_for(pf, r->dests[i].text);
		if (!d || strcmp(d->state, DL_DELIVERED) != 0)
			return 0;
	}
	return 1;
}

/* Deliver every pending file of the batch, then settle each one's state. */
static void deliver_files(struct pipeline *p, const struct route_config *r,
			  struct mfile **files, size_t n)
{
	struct app *a = p->a;
	struct pending *pv = xcalloc(n, sizeof(*pv));
	char err[ERRLEN];
	int txrc = manifest_begin(&a->m, err);
	for (size_t i = 0; i < n; i++) {
		pv[i].f = files[i];
		pv[i].rc = txrc ? txrc : ensure_deliveries(&a->m, r, files[i], &pv[i].dv, &pv[i].dn,
							   pv[i].err);
		if (txrc)
			snprintf(pv[i].err, ERRLEN, "%s", err);
		pv[i].shipments = manifest_shipments(&a->m, files[i]->id);
	}
	if (txrc == 0 && manifest_commit(&a->m, err) != 0)
		for (size_t i = 0; i < n; i++) {
			pv[i].rc = KA_TRANSIENT;
			snprintf(pv[i].err, ERRLEN, "%s", err);
		}
	for (size_t d = 0; d < r->ndests; d++)
		deliver_dest(p, r, &r->dests[d], pv, n);
	/* One transaction settles the whole batch. */
	txrc = manifest_begin(&a->m, err);
	for (size_t i = 0; i < n; i++) {
		struct pending *pf = &pv[i];
		if (pf->rc == KA_STOPPED) {
			log_event(&a->lg, LOG_DEBUG, "not_tried", "file=%lld route=%s reason=stopping",
				  (long long)pf->f->id, r->name);
		} else if (pf->rc == KA_CORRUPT) {
			corrupt_set_aside(p, pf->f, pf->err);
			free(pf->f->state);
			pf->f->state = xstrdup(ST_CORRUPT);
		} else if (pf->rc != 0) {
			fail_file_after(p, r, pf->f, pf->rc, !pf->not_tried, pf->err,
					pf->retry_after);
		} else {
			mdeliveries_free(pf->dv, pf->dn);
			pf->dv = NULL;
			if (manifest_deliveries(&a->m, pf->f->id, &pf->dv, &pf->dn, err) == 0 &&
			    all_delivered(pf, r) &&
			    manifest_set_state(&a->m, pf->f->id, ST_DELIVERED, "all_delivered",
					       NULL, err) == 0) {
				free(pf->f->state);
				pf->f->state = xstrdup(ST_DELIVERED);
				p->stats.delivered++;
			}
		}
		mdeliveries_free(pf->dv, pf->dn);
		free(pf->shipments);
	}
	if (txrc == 0 && manifest_commit(&a->m, err) != 0)
		log_event(&a->lg, LOG_ERROR, "manifest_error", "error=%s", err);
	free(pv);
}

/* Is E still the file F was staged from? The identity manifest_seen uses:
 * size and mtime in seconds, and inode and mtime in nanoseconds when both
 * sides know them (local files recorded since schema version 4). */
static int same_file(const struct mfile *f, const struct tentry *e)
{
	if (e->size != f->size || e->mtime != f->mtime)
		return 0;
	return !f->mtime_ns || !e->mtime_ns || (e->mtime_ns == f->mtime_ns && e->ino == f->ino);
}

/* after = keep | delete | archive:DIR, only if the source still is the file
 * we staged (a newer file under the same name is never touched). */
static int finish_source(struct pipeline *p, const struct route_config *r, struct mfile *f,
			 char *detail, size_t dlen, char *err)
{
	snprintf(detail, dlen, "after=%s", r->after_text);
	if (r->after == AFTER_KEEP && !r->after_text)
		return 0;
	const struct transport_ops *t = transport_for(&r->source);
	if (t && transport_can(t, TR_MAILBOX_SOURCE)) {
		snprintf(detail, dlen, "message finished at intake (after=%s)", r->after_text);
		return 0;
	}
	if (r->after == AFTER_KEEP)
		return 0;
	struct tconn *c;
	int rc = conns_get(&p->conns, &r->source, &t, &c, err);
	if (rc != 0)
		return rc;
	char *path = source_path(&r->source, f->name);
	struct tentry e = { 0 };
	rc = t->stat(c, path, &e, err);
	if (rc == KA_NOENT) {
		snprintf(detail, dlen, "source already gone");
		rc = 0;
	} else if (rc == 0 && !same_file(f, &e)) {
		snprintf(detail, dlen, "source changed since it was staged; left in place");
	} else if (rc == 0 && r->after == AFTER_DELETE) {
		rc = t->remove(c, path, err);
		snprintf(detail, dlen, "after=delete");
	} else if (rc == 0) {
		rc = t->mkdirs(c, r->archive_dir, err);
		char *to = path_join(r->archive_dir, f->name);
		for (int k = 2; rc == 0; k++) {
			rc = t->rename(c, path, to, 0, err);
			if (rc != KA_EXISTS || k > 1000)
				break;
			free(to);
			char *alt = name_numbered(f->name, k);
			to = path_join(r->archive_dir, alt);
			free(alt);
			rc = 0;
		}
		snprintf(detail, dlen, "after=archive path=%s", to);
		free(to);
	}
	if (rc == 0 && r->done_marker && r->after != AFTER_KEEP) {
		char *marker = xasprintf("%s%s", path, r->done_marker);
		char merr[ERRLEN];
		t->remove(c, marker, merr);
		free(marker);
	}
	free(path);
	if (rc == KA_TRANSIENT)
		conns_drop(&p->conns, &r->source, err);
	return rc;
}

static void finish_file(struct pipeline *p, const struct route_config *r, struct mfile *f)
{
	struct app *a = p->a;
	char err[ERRLEN], detail[ERRLEN + 64], q[1024];
	int rc = finish_source(p, r, f, detail, sizeof(detail), err);
	if (rc != 0) {
		fail_file(p, r, f, rc == KA_PERMANENT ? KA_ERR : rc, 1, err);
		return;
	}
	if (manifest_set_source_done(&a->m, f->id, detail, err) != 0) {
		log_event(&a->lg, LOG_ERROR, "manifest_error", "file=%lld error=%s",
			  (long long)f->id, log_quote(err, q, sizeof(q)));
		return;
	}
	crash_point(a->crash_at, "after_finish");
	log_event(&a->lg, LOG_DEBUG, "source_finished", "file=%lld route=%s detail=%s",
		  (long long)f->id, r->name, log_quote(detail, q, sizeof(q)));
}

/* Is NAME already among V[0..N)? */
static int name_in(struct mfile *const *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i]->name, name) == 0)
			return 1;
	return 0;
}

/* One batch of due files through validate → deliver → finish. Two files of
 * one name (a source rewritten while its first version waited) would share
 * one temporary name at every destination, and the second's bytes would
 * land under the first's record: the later one is left out of the batch,
 * its id added to LATER[*NLATER] (room for N) for a batch of its own. */
static void process_batch(struct pipeline *p, const struct route_config *r, int64_t *ids,
			  size_t n, int64_t *later, size_t *nlater)
{
	struct app *a = p->a;
	struct mfile *files = xcalloc(n, sizeof(*files));
	struct mfile **pending = xcalloc(n, sizeof(*pending));
	size_t np = 0, loaded = 0;
	char err[ERRLEN];
	/* Parse results of the whole batch in one transaction. */
	int txrc = manifest_begin(&a->m, err);
	for (size_t i = 0; i < n; i++) {
		if (manifest_get(&a->m, ids[i], &files[loaded], err) != 0)
			continue;
		struct mfile *f = &files[loaded++];
		if (strcmp(f->state, ST_CORRUPT) == 0 && corrupt_restage(p, r, f) != 0)
			continue;
		if (strcmp(f->state, ST_STAGED) == 0 && validate(p, r, f) != 0)
			continue;
		if (strcmp(f->state, ST_PENDING) != 0)
			continue;
		if (name_in(pending, np, f->name))
			later[(*nlater)++] = f->id;
		else
			pending[np++] = f;
	}
	if (txrc == 0 && manifest_commit(&a->m, err) != 0)
		np = 0;  /* not recorded: the next cycle validates them again */
	if (np > 0)
		deliver_files(p, r, pending, np);
	/* Sources finished first, then recorded together: a crash in between
	 * finds them gone and records them then. */
	txrc = manifest_begin(&a->m, err);
	for (size_t i = 0; i < loaded && !*a->stop; i++) {
		struct mfile *f = &files[i];
		int finish = strcmp(f->state, ST_DELIVERED) == 0 ||
			     (strcmp(f->state, ST_REJECTED) == 0 && !f->source_done);
		if (finish)
			finish_file(p, r, f);
	}
	if (txrc == 0 && manifest_commit(&a->m, err) != 0)
		log_event(&a->lg, LOG_ERROR, "manifest_error", "error=%s", err);
	for (size_t i = 0; i < loaded; i++)
		mfile_release(&files[i]);
	free(files);
	free(pending);
}

int process_complete(struct pipeline *p, const struct route_config *r, int64_t id,
		     char *err)
{
	struct route_config once = *r;
	once.max_attempts = 1;  /* a failed attempt leaves it dead, as it was */
	int64_t later;
	size_t nlater = 0;
	process_batch(p, &once, &id, 1, &later, &nlater);
	struct mfile f;
	int rc = manifest_get(&p->a->m, id, &f, err);
	if (rc != 0)
		return rc;
	if (strcmp(f.state, ST_DONE) != 0 && strcmp(f.state, ST_DELIVERED) != 0) {
		snprintf(err, ERRLEN, "file %lld is %s again: %.400s", (long long)id, f.state,
			 f.last_error ? f.last_error : "see kargo-agent show");
		rc = strcmp(f.state, ST_REJECTED) == 0 ? KA_INVALID
		     : strcmp(f.state, ST_CORRUPT) == 0 ? KA_CORRUPT : KA_TRANSIENT;
	}
	mfile_release(&f);
	return rc;
}

int route_process(struct pipeline *p, struct route_state *rs, char *err)
{
	struct app *a = p->a;
	int64_t *ids = NULL;
	size_t n = 0;
	int rc = manifest_due(&a->m, rs->r->name, now_s(), &ids, &n, err);
	size_t batch = (size_t)a->cfg.agent.batch_size;
	int64_t *later = rc == 0 ? xcalloc(n ? n : 1, sizeof(*later)) : NULL;
	size_t nlater = 0;
	for (size_t i = 0; rc == 0 && i < n && !*a->stop; i += batch) {
		notify_tick(p->notify, 0);
		process_batch(p, rs->r, ids + i, n - i < batch ? n - i : batch, later, &nlater);
	}
	/* Files left out for their name go in batches of their own, oldest
	 * first; each round delivers at least one file of every name. */
	while (rc == 0 && nlater > 0 && !*a->stop) {
		int64_t *tmp = ids;
		ids = later;
		later = tmp;
		n = nlater;
		nlater = 0;
		for (size_t i = 0; i < n && !*a->stop; i += batch)
			process_batch(p, rs->r, ids + i, n - i < batch ? n - i : batch, later,
				      &nlater);
	}
	free(later);
	free(ids);
	return rc;
}
