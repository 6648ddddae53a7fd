/* What the pipeline's stages share: the pipeline's state (struct pipeline,
 * one struct route_state per route, the cycle's counters), each stage's
 * entry points, and the helpers several stages use (stage_util.c).
 * pipeline.c drives the stages and sits above them: a stage never calls
 * pipeline.c, and stages call each other only downwards (process.c calls
 * corrupt.c and deliver.c; corrupt.c, discover.c, discover_mail.c,
 * process.c and deliver.c call stage_util.c). */
#ifndef KA_STAGE_H
#define KA_STAGE_H

#include <glib.h>
#include "app.h"
#include "conns.h"

struct progress;
struct notify;

/* Why a listed entry is not taken (discover.c), counted per cycle for
 * status and logged at debug level. */
enum skip_reason { SKIP_DIRECTORY, SKIP_SYMLINK, SKIP_SPECIAL, SKIP_TEMP_NAME, SKIP_PATTERN,
		   SKIP_REASONS };

struct route_state {
	const struct route_config *r;
	GHashTable *sightings;   /* name → struct sighting: candidates not yet stable */
	int watch_fd;            /* inotify on a local source, or -1 */
	int watch_failed;        /* arming it failed (logged once until it works) */
	int watch_lost;          /* its directory went away: try to watch it at every wait */
	int64_t next_stable;     /* earliest time a sighting may become stable, 0 = none */
	int failed;              /* the last cycle of this route failed */
	int listed;              /* this cycle listed the source: skipped[] is its count */
	int64_t skipped[SKIP_REASONS];
	GHashTable *skipped_names;  /* "reason/name" → listing that last skipped it */
	unsigned listing;        /* listings so far */
};

struct cycle_stats {
	int staged, delivered, rejected, retried, dead, route_errors;
	int corrupt;             /* spool copies found not matching their sha256 */
	int held;                /* files the last cycle left at their sources for the
				    spool's budget (budget_cycle resets it) */
};

/* The spool's budget (spool_max_bytes) as staging meets it (budget.c). */
struct spool_budget {
	int64_t used;            /* the spool's bytes: read at the cycle's first check,
				    plus what the cycle admitted since; -1 = not read */
	int paused;              /* this cycle met the budget: nothing more staged */
	int recorded;            /* the manifest says staging is paused; -1 = not read */
};

struct pipeline {
	struct app *a;
	struct conns conns;
	struct route_state *routes;
	size_t nroutes;
	struct cycle_stats stats;
	struct spool_budget budget;
	struct progress *progress;   /* `once` and `resend` on a terminal; NULL otherwise */
	struct notify *notify;       /* `run`: systemd notifications; NULL otherwise */
};

/* What a stage returns beyond enum ka_err (common.h), whose codes it
 * returns too. Below that enum's range, so the two never meet. */
enum stage_err {
	STAGE_CHANGED = -32,     /* the source file changed while it was copied:
				    not stable after all */
	STAGE_HELD = -33,        /* not staged: the spool's budget is reached */
};

/* discover.c: list R's directory source through the open connection C of
 * transport T and stage the new, stable files in batches. A transient
 * failure drops the source's connections. Returns 0 or a negative enum
 * ka_err with err set. */
int route_discover(struct pipeline *p, struct route_state *rs, const struct transport_ops *t,
		   struct tconn *c, char *err);
/* The last cycle's skipped entries as "directory=1 pattern=3" (only the
 * reasons that occurred; "" for none), or NULL when it did not list the
 * source. Caller frees. */
char *route_skipped_text(const struct route_state *rs);

/* discover_mail.c: the same for a mailbox source (IMAP): fetch the new
 * messages, stage their matching payloads, finish each message. */
int route_discover_mail(struct pipeline *p, struct route_state *rs,
			const struct transport_ops *t, struct tconn *c, char *err);

/* process.c: validate, deliver and finish RS's due files. */
int route_process(struct pipeline *p, struct route_state *rs, char *err);
/* Work file ID (queued again by manifest_retry) through validate, deliver
 * and finish now, with route R, as a cycle would: one attempt, after which
 * it is done (0) or dead again (KA_TRANSIENT, or KA_INVALID when rejected),
 * err saying why. */
int process_complete(struct pipeline *p, const struct route_config *r, int64_t id,
		     char *err);

/* corrupt.c: F's spool copy did not match its sha256 (WHY): set the object
 * aside, mark every file that references it, log both digests. */
void corrupt_set_aside(struct pipeline *p, const struct mfile *f, const char *why);
/* Stage corrupt file F again from R's source if the source still holds the
 * original (same size, mtime and sha256); F becomes pending (or staged,
 * when never validated). Returns 0 when F may go on now. */
int corrupt_restage(struct pipeline *p, const struct route_config *r, struct mfile *f);

/* alert.c: send the alerts due ([agent] alert): one per file gone dead,
 * corrupt or rejected and state, recorded as an `alerted` event. */
void alerts_send(struct pipeline *p);

/* budget.c: may ROUTE stage NAME, SIZE bytes, within spool_max_bytes? 1
 * yes (counted against the budget), 0 no: staging pauses for the rest of
 * the cycle, the file stays at its source, and a pause is logged
 * (spool_full) and recorded once until staging goes on again
 * (spool_resumed). Always 1 without a budget. */
int budget_admit(struct pipeline *p, const char *route, const char *name, int64_t size);
/* A new cycle: the spool's bytes are read again at its first check. */
void budget_cycle(struct pipeline *p);

/* stage_util.c: "REMOTE:/dir/name" or "/dir/name": a file's identity at
 * its source. */
char *source_uri(const struct endpoint *src, const char *name);
/* The full source path of NAME (without the remote). */
char *source_path(const struct endpoint *src, const char *name);
/* Copy NAME (listed with SIZE bytes) from R's source into the spool; with
 * WANT, only if it has that sha256 (else KA_INVALID). Sets f->sha256,
 * f->size and f->spool_path (caller frees); durable after spool_sync.
 * Returns 0, STAGE_CHANGED when the copy's size is not SIZE, or a negative
 * enum ka_err; err set. */
int source_fetch(struct pipeline *p, const struct route_config *r,
		 const struct transport_ops *t, struct tconn *c, const char *name, int64_t size,
		 const char *want, struct mfile *f, char *err);
/* Copy a rejected file and its error report into the route's quarantine. */
int stage_quarantine(struct pipeline *p, const struct route_config *r, const struct mfile *f,
		     const struct parse_result *res, char *err);
/* Kill the process with SIGKILL if POINT is the configured crash point
 * (KARGO_AGENT_CRASH_AT, for crash tests only). */
void crash_point(const char *crash_at, const char *point);

#endif
