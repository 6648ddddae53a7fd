/* Retention passes (prune.h), at the pipeline's floor: it knows the
 * configuration (the retention keys, which routes' sources may still list
 * a pruned file), the manifest's batches (manifest_prune.c) and the spool.
 * A spool object is removed only after the batch that released it
 * committed: a crash in between leaves an object no file needs, which the
 * walk of objects/ at the start of the next pass removes. */
#include "prune.h"

#include <stdlib.h>
#include <string.h>

#include "common.h"

#define PRUNE_BATCH 250        /* files per batch: ~25 ms (bench/prune.sh) */
#define PRUNE_WALK 256         /* spool objects looked at per walk batch */
#define PRUNE_PAGES 64         /* free pages given back per incremental vacuum: ~50 ms */
#define PRUNE_EVERY 3600       /* run: seconds between passes */
#define PRUNE_SLICE_MS 50      /* run: time budget of a slice between cycles */

enum { PH_WALK, PH_SPOOL, PH_DONE, PH_REJECTED, PH_NOTES, PH_TOMBSTONES, PH_COMPACT,
       PH_CHECKPOINT, PH_END };
static const char *const phase_names[] = { "walk", "spool", "done", "rejected", "notes",
					   "tombstones", "compact", "checkpoint" };

void prune_start(struct prune *pr, struct app *a, int dry_run)
{
	const struct agent_config *ag = &a->cfg.agent;
	int64_t now = now_s();
	memset(pr, 0, sizeof(*pr));
	pr->a = a;
	pr->dry_run = dry_run;
	pr->spool_before = ag->spool_retention ? now - ag->spool_retention : 0;
	pr->rows_before = ag->manifest_retention ? now - ag->manifest_retention : 0;
	pr->started_ms = now_ms();
	pr->longest_phase = phase_names[PH_WALK];
}

/* A pruned file of ROUTE keeps its identity as a tombstone while its
 * source may still list it: the route is configured with a source of files
 * and either keeps its files (after = keep) or did not finish this one (a
 * rejected file left in place). Mailbox sources go by UIDs and need none. */
static int needs_tombstone(void *ctx, const char *route, int source_done)
{
	const struct app *a = ctx;
	const struct route_config *r = config_route(&a->cfg, route);
	return r && r->source_kind == SOURCE_FILES && (r->after == AFTER_KEEP || !source_done);
}

/* Remove (or, dry, only count) the spool object SHA256 no file needs. */
static void drop_object(struct prune *pr, const char *sha256)
{
	struct app *a = pr->a;
	char err[ERRLEN], q[1024];
	int64_t bytes = spool_object_bytes(&a->spool, sha256);
	int rc = pr->dry_run ? 0 : spool_remove(&a->spool, sha256, err);
	if (rc == 0) {
		pr->objects++;
		pr->bytes += bytes;
	} else if (rc != KA_NOENT) {
		log_event(&a->lg, LOG_WARN, "prune_failed", "object=%s error=%s", sha256,
			  log_quote(err, q, sizeof(q)));
	}
}

/* One batch of the walk over objects/: objects no file needs (left by a
 * crash between a batch's commit and the removal, or by a copy staged
 * and never recorded) go. Returns how many it looked at. */
static int walk_batch(struct prune *pr, char *err)
{
	struct app *a = pr->a;
	char sha[SHA256_HEX];
	int n = 0;
	if (!pr->walk.dir && spool_walk_open(&a->spool, &pr->walk, err) != 0)
		return KA_ERR;
	while (n < PRUNE_WALK && spool_walk_next(&pr->walk, sha)) {
		n++;
		int needed = manifest_spool_needed(&a->m, sha);
		if (needed < 0) {
			snprintf(err, ERRLEN, "%s: cannot tell whether spool object %s is needed",
				 a->m.path, sha);
			return KA_ERR;
		}
		if (!needed) {
			pr->orphans++;
			drop_object(pr, sha);
		}
	}
	if (n == 0)
		spool_walk_close(&pr->walk);
	return n;
}

/* One batch of the current phase: how many things it looked at (0: the
 * phase is over), or a negative code. */
static int phase_batch(struct prune *pr, char *err)
{
	struct manifest *m = &pr->a->m;
	struct mprune_objects o = { 0 };
	int64_t left = 0;
	int n = 0;
	switch (pr->phase) {
	case PH_WALK:
		return walk_batch(pr, err);
	case PH_SPOOL:
		if (pr->spool_before)
			n = manifest_prune_spool(m, pr->spool_before, &pr->cur, PRUNE_BATCH,
						 &pr->c, &o, err);
		break;
	case PH_DONE:
	case PH_REJECTED:
		if (pr->rows_before)
			n = manifest_prune_files(m, pr->phase == PH_DONE ? ST_DONE : ST_REJECTED,
						 pr->rows_before, &pr->cur, PRUNE_BATCH,
						 needs_tombstone, pr->a, &pr->c, &o, err);
		break;
	case PH_NOTES:
		if (pr->rows_before && (n = manifest_prune_notes(m, pr->rows_before,
				PRUNE_BATCH, &pr->c, err)) < PRUNE_BATCH && n >= 0)
			n = 0;
		break;
	case PH_TOMBSTONES:
		if (pr->rows_before && (n = manifest_prune_tombstones(m, pr->rows_before,
				PRUNE_BATCH, &pr->c, err)) < PRUNE_BATCH && n >= 0)
			n = 0;
		break;
	case PH_COMPACT:
		if (!pr->dry_run && manifest_compact(m, PRUNE_PAGES, &left, err) != 0)
			return KA_ERR;
		return !pr->dry_run && left > 0;
	case PH_CHECKPOINT:
		return pr->dry_run ? 0 : manifest_checkpoint(m, err);
	}
	for (size_t i = 0; i < o.n; i++)
		drop_object(pr, o.v[i]);
	free(o.v);
	return n;
}

int prune_step(struct prune *pr, int64_t budget_ms, char *err)
{
	struct manifest *m = &pr->a->m;
	int64_t start = now_ms();
	if (pr->dry_run && !m->in_tx && pr->phase != PH_END && manifest_begin(m, err) != 0)
		return KA_TRANSIENT;
	while (pr->phase != PH_END) {
		int64_t t = now_ms();
		int n = phase_batch(pr, err);
		int64_t ms = now_ms() - t;
		pr->batches++;
		if (ms > pr->longest_ms) {
			pr->longest_ms = ms;
			pr->longest_phase = phase_names[pr->phase];
		}
		if (n < 0)
			return n;
		if (n == 0) {
			pr->phase++;
			pr->cur = (struct mprune_cursor){ 0, 0 };
		}
		if (now_ms() - start >= budget_ms)
			break;
	}
	return pr->phase == PH_END;
}

void prune_release(struct prune *pr)
{
	if (pr->dry_run && pr->a && pr->a->m.in_tx)
		manifest_rollback(&pr->a->m);
	spool_walk_close(&pr->walk);
}

void prune_log(const struct prune *pr)
{
	const struct mprune_counts *c = &pr->c;
	int some = c->spool_expired || c->files || c->notes || c->tombstones || pr->objects;
	log_event(&pr->a->lg, some ? LOG_INFO : LOG_DEBUG, "pruned",
		  "dry_run=%d spool_copies=%lld files=%lld deliveries=%lld events=%lld "
		  "shipments=%lld tombstones_written=%lld notes=%lld tombstones=%lld "
		  "objects=%lld orphans=%lld bytes=%lld batches=%lld longest_batch_ms=%lld "
		  "longest_batch=%s ms=%lld",
		  pr->dry_run, (long long)c->spool_expired, (long long)c->files,
		  (long long)c->deliveries, (long long)c->events, (long long)c->shipments,
		  (long long)c->tombstones_written, (long long)c->notes, (long long)c->tombstones,
		  (long long)pr->objects, (long long)pr->orphans, (long long)pr->bytes,
		  (long long)pr->batches, (long long)pr->longest_ms, pr->longest_phase,
		  (long long)(now_ms() - pr->started_ms));
}

int64_t prune_tick(struct prune_clock *pc, struct app *a)
{
	char err[ERRLEN], q[1024];
	int64_t start = now_ms();
	if (!pc->active) {
		if (now_s() < pc->next)
			return 0;
		prune_start(&pc->pr, a, 0);
		pc->active = 1;
		log_event(&a->lg, LOG_DEBUG, "prune_started", "spool_before=%lld rows_before=%lld",
			  (long long)pc->pr.spool_before, (long long)pc->pr.rows_before);
	}
	int rc = prune_step(&pc->pr, PRUNE_SLICE_MS, err);
	if (rc < 0)
		log_event(&a->lg, LOG_WARN, "prune_failed", "error=%s",
			  log_quote(err, q, sizeof(q)));
	if (rc == 0 || rc == KA_TRANSIENT)  /* more to do, or the manifest was busy */
		return now_ms() - start + 1;
	if (rc == 1)
		prune_log(&pc->pr);
	prune_release(&pc->pr);
	pc->active = 0;
	pc->next = now_s() + PRUNE_EVERY;
	return 0;
}

void prune_clock_release(struct prune_clock *pc)
{
	if (pc->active)
		prune_release(&pc->pr);
	pc->active = 0;
}
