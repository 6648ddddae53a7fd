/* The spool's disk budget ([agent] spool_max_bytes), checked before each
 * file is staged (discover.c, discover_mail.c). The spool's bytes come from
 * the manifest (the counts its triggers keep), read once per cycle and
 * added to as the cycle admits files. A file that would take them past the
 * budget is not staged: it stays at its source, untouched, and staging
 * pauses for the rest of the cycle, while files already staged are still
 * validated and delivered. The pause is logged and recorded in the manifest
 * once (spool_full), however many cycles or `once` runs meet it; the first
 * file that fits again, once pruning has freed room, ends it
 * (spool_resumed). */
#include "stage.h"

#include <stdlib.h>

/* The spool's bytes now, and whether the manifest says staging is paused
 * (read once per process: only the lock holder changes it). */
static int budget_read(struct pipeline *p)
{
	struct spool_budget *b = &p->budget;
	char err[ERRLEN], q[ERRLEN + 16];
	int rc = manifest_spool_bytes(&p->a->m, &b->used, err);
	if (rc == 0 && b->recorded < 0) {
		struct mpause pause;
		rc = manifest_staging_pause(&p->a->m, &pause, err);
		b->recorded = rc == 0 && pause.paused;
		mpause_release(&pause);
	}
	if (rc != 0) {
		b->used = -1;
		log_event(&p->a->lg, LOG_ERROR, "manifest_error", "error=%s",
			  log_quote(err, q, sizeof(q)));
	}
	return rc;
}

/* Log and record a pause (PAUSED) or its end, with what the budget saw. */
static void note(struct pipeline *p, int paused, const char *route, const char *name,
		 int64_t size)
{
	struct spool_budget *b = &p->budget;
	char q[1100], err[ERRLEN];
	int64_t max = p->a->cfg.agent.spool_max_bytes;
	char *detail = paused
		? xasprintf("spool_bytes=%lld budget=%lld route=%s name=%s bytes=%lld",
			    (long long)b->used, (long long)max, route, log_quote(name, q, sizeof(q)),
			    (long long)size)
		: xasprintf("spool_bytes=%lld budget=%lld", (long long)b->used, (long long)max);
	log_event(&p->a->lg, paused ? LOG_WARN : LOG_INFO, paused ? "spool_full" : "spool_resumed",
		  "%s", detail);
	if (manifest_note_pause(&p->a->m, paused, detail, err) != 0)
		log_event(&p->a->lg, LOG_ERROR, "manifest_error", "error=%s",
			  log_quote(err, q, sizeof(q)));
	b->recorded = paused;
	free(detail);
}

int budget_admit(struct pipeline *p, const char *route, const char *name, int64_t size)
{
	struct spool_budget *b = &p->budget;
	int64_t max = p->a->cfg.agent.spool_max_bytes;
	if (max <= 0)
		return 1;
	if (b->paused) {
		p->stats.held++;
		return 0;
	}
	if (b->used < 0 && budget_read(p) != 0)
		return 1;  /* the manifest cannot say: staging will meet the same error */
	if (b->used + size > max) {
		b->paused = 1;
		p->stats.held++;
		if (b->recorded != 1)
			note(p, 1, route, name, size);
		return 0;
	}
	if (b->recorded == 1)
		note(p, 0, route, name, size);
	b->used += size;
	return 1;
}

void budget_cycle(struct pipeline *p)
{
	p->budget.used = -1;
	p->budget.paused = 0;
	p->stats.held = 0;  /* what the last cycle left waiting, not a sum */
}
