/* The manifest front for the pipeline: the file state machine (staged →
 * pending or rejected → delivered → done; dead, corrupt and back), its
 * deliveries, events and notes, the due and alert queries, and the health
 * of routes and remotes. Here are the rules every backend shares: which
 * state and event each change means, the events' details, the clock, and
 * one transaction per change (unless the caller holds one). The rows are
 * the backend's (manifest_backend.h). */
#include "manifest.h"

#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "manifest_backend.h"

/* Run the change inside a transaction unless the caller holds one already. */
#define TX_BEGIN(m, err)                                                  \
	int own_tx_ = !(m)->in_tx;                                        \
	if (own_tx_ && manifest_begin((m), (err)) != 0)                   \
		return KA_TRANSIENT
#define TX_END(m, rc, err)                                                \
	do {                                                              \
		if (own_tx_) {                                            \
			if ((rc) == 0)                                    \
				(rc) = manifest_commit((m), (err));       \
			else                                              \
				manifest_rollback(m);                     \
		}                                                         \
	} while (0)

static int add_event(struct manifest *m, int64_t file_id, const char *event,
		     const char *detail, char *err)
{
	return m->be->event(m->db, file_id, now_ms(), event, detail, err);
}

int manifest_event(struct manifest *m, int64_t file_id, const char *event,
		   const char *detail, char *err)
{
	TX_BEGIN(m, err);
	int rc = add_event(m, file_id, event, detail, err);
	TX_END(m, rc, err);
	return rc;
}

int manifest_note_once(struct manifest *m, const char *event, const char *detail, char *err)
{
	return m->be->note_once(m->db, now_ms(), event, detail, err);
}

int manifest_notes(struct manifest *m, const char *event, int64_t *count, char **latest,
		   char *err)
{
	return m->be->notes(m->db, event, count, latest, err);
}

int manifest_seen(struct manifest *m, const char *route, const char *source_uri,
		  int64_t size, int64_t mtime, int64_t mtime_ns, int64_t ino)
{
	/* A tombstone's `listed` moves at most once a day: a listing does not
	 * write for every file it shows. */
	int64_t now = now_s();
	return m->be->seen(m->db, route, source_uri, size, mtime, mtime_ns, ino, now,
			   now - 86400);
}

int manifest_add_file(struct manifest *m, struct mfile *f, char *err)
{
	TX_BEGIN(m, err);
	int rc = m->be->add_file(m->db, f, now_s(), &f->id, err);
	if (rc == 0) {
		char detail[128];
		snprintf(detail, sizeof(detail), "bytes=%lld sha256=%s", (long long)f->size,
			 f->sha256);
		rc = add_event(m, f->id, "staged", detail, err);
	}
	TX_END(m, rc, err);
	return rc;
}

int manifest_set_state(struct manifest *m, int64_t id, const char *state,
		       const char *event, const char *detail, char *err)
{
	TX_BEGIN(m, err);
	int rc = m->be->set_state(m->db, id, state, now_s(), err);
	if (rc == 0)
		rc = add_event(m, id, event, detail, err);
	TX_END(m, rc, err);
	return rc;
}

int manifest_set_parsed(struct manifest *m, int64_t id, const char *format, int valid,
			const char *summary, char *const *shipments, size_t nshipments,
			const char *detail, char *err)
{
	TX_BEGIN(m, err);
	int rc = m->be->set_parsed(m->db, id, format, summary, valid ? ST_PENDING : ST_REJECTED,
				   now_s(), err);
	for (size_t i = 0; rc == 0 && i < nshipments; i++)
		rc = m->be->add_shipment(m->db, id, shipments[i], err);
	if (rc == 0)
		rc = add_event(m, id, valid ? "validated" : "rejected", detail, err);
	TX_END(m, rc, err);
	return rc;
}

int manifest_set_retry(struct manifest *m, int64_t id, int attempts, int64_t next_attempt,
		       const char *error, int dead, char *err)
{
	TX_BEGIN(m, err);
	int rc = m->be->set_retry(m->db, id, attempts, next_attempt, error, dead, now_s(), err);
	if (rc == 0)
		rc = add_event(m, id, dead ? "dead" : "retry", error, err);
	TX_END(m, rc, err);
	return rc;
}

int manifest_mark_corrupt(struct manifest *m, const char *sha256, const char *detail,
			  int *marked, char *err)
{
	*marked = 0;
	TX_BEGIN(m, err);
	int rc = m->be->mark_corrupt(m->db, sha256, detail, now_ms(), now_s(), marked, err);
	TX_END(m, rc, err);
	return rc;
}

int manifest_restage_failed(struct manifest *m, int64_t id, int64_t next_attempt,
			    const char *why, char *err)
{
	TX_BEGIN(m, err);
	int rc = m->be->restage_failed(m->db, id, next_attempt, why, now_s(), err);
	if (rc == 0)
		rc = add_event(m, id, "restage_failed", why, err);
	TX_END(m, rc, err);
	return rc;
}

int manifest_retry(struct manifest *m, int64_t id, const char *detail, char *err)
{
	TX_BEGIN(m, err);
	int64_t now = now_s();
	int changed = 0;
	int rc = m->be->requeue(m->db, id, now, &changed, err);
	if (rc == 0 && changed == 0) {
		snprintf(err, ERRLEN, "file %lld is not dead or corrupt", (long long)id);
		rc = KA_INVALID;
	}
	if (rc == 0)
		rc = m->be->reset_failed_deliveries(m->db, id, now, err);
	if (rc == 0)
		rc = add_event(m, id, "retried", detail, err);
	TX_END(m, rc, err);
	return rc;
}

int manifest_set_source_done(struct manifest *m, int64_t id, const char *detail, char *err)
{
	TX_BEGIN(m, err);
	int rc = m->be->source_done(m->db, id, now_s(), err);
	if (rc == 0)
		rc = add_event(m, id, "source_finished", detail, err);
	TX_END(m, rc, err);
	return rc;
}

int manifest_due(struct manifest *m, const char *route, int64_t now, int64_t **ids,
		 size_t *n, char *err)
{
	return m->be->due(m->db, route, now, ids, n, err);
}

int manifest_alerts_due(struct manifest *m, const char *route, const char *states,
			int64_t since, int (*fn)(void *ctx, const struct mfile *f), void *ctx,
			char *err)
{
	return m->be->alerts_due(m->db, route, states, since, fn, ctx, err);
}

int manifest_add_delivery(struct manifest *m, int64_t file_id, const char *dest,
			  int resend, int64_t *id, char *err)
{
	return m->be->add_delivery(m->db, file_id, dest, resend, now_s(), id, err);
}

int manifest_deliveries(struct manifest *m, int64_t file_id, struct mdelivery **v,
			size_t *n, char *err)
{
	return m->be->deliveries(m->db, file_id, v, n, err);
}

/* A delivery's new state; every state but committing is an event
 * (delivered, resent or delivery_failed) naming the destination and path. */
int manifest_set_delivery(struct manifest *m, const struct mdelivery *d, const char *state,
			  const char *final_path, char *err)
{
	TX_BEGIN(m, err);
	int rc = m->be->set_delivery(m->db, d->id, state, final_path, now_s(), err);
	if (rc == 0 && strcmp(state, DL_COMMITTING) != 0) {
		char *detail = xasprintf("dest=%s path=%s", d->dest, final_path ? final_path : "");
		const char *ev = strcmp(state, DL_DELIVERED) == 0
					 ? (d->resend ? "resent" : "delivered") : "delivery_failed";
		rc = add_event(m, d->file_id, ev, detail, err);
		free(detail);
	}
	TX_END(m, rc, err);
	return rc;
}

int manifest_route_cycle(struct manifest *m, const char *route, int ok, const char *error,
			 const char *skipped, char *err)
{
	return m->be->health(m->db, MHEALTH_ROUTE, route, ok, ok ? NULL : error, skipped,
			     now_s(), err);
}

int manifest_remote_attempt(struct manifest *m, const char *remote, int ok, const char *error,
			    char *err)
{
	return m->be->health(m->db, MHEALTH_REMOTE, remote, ok, ok ? NULL : error, NULL,
			     now_s(), err);
}
