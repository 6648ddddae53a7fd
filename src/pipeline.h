/* The cycle: discover, wait until stable, stage, record, validate, deliver,
 * finish. The pipeline owns every decision; transports only move bytes. */
#ifndef KA_PIPELINE_H
#define KA_PIPELINE_H

#include <glib.h>
#include "app.h"
#include "conns.h"

struct progress;
struct notify;

struct route_state {
	const struct route_config *r;
	GHashTable *sightings;   /* name → struct sighting: candidates not yet stable */
	int watch_fd;            /* inotify on a local source, or -1 */
	int64_t next_stable;     /* earliest time a sighting may become stable, 0 = none */
	int failed;              /* the last cycle of this route failed */
};

struct cycle_stats {
	int staged, delivered, rejected, retried, dead, route_errors;
	int corrupt;             /* spool copies found not matching their sha256 */
};

struct pipeline {
	struct app *a;
	struct conns conns;
	struct route_state *routes;
	size_t nroutes;
	struct cycle_stats stats;
	struct progress *progress;   /* `once` and `resend` on a terminal; NULL otherwise */
	struct notify *notify;       /* `run`: systemd notifications; NULL otherwise */
};

/* Set up P for A's routes, with no progress line (the caller may set
 * p->progress after this). */
int pipeline_init(struct pipeline *p, struct app *a);
void pipeline_release(struct pipeline *p);

/* One cycle of every enabled route. */
void pipeline_cycle(struct pipeline *p);
/* `once`: a cycle, and a second listing stable_seconds later for files that
 * were not yet stable. */
void pipeline_once(struct pipeline *p);
/* `run`: cycles until *a->stop; inotify wakes it early. Tells systemd
 * READY=1 once the routes are armed and pings its watchdog (notify.h). */
void pipeline_run(struct pipeline *p);

/* Deliver file ID again, to its route's destinations or to TO ("REMOTE:PATH"
 * or a local directory); ON_EXISTS overrides the route's (-1 keeps it).
 * A dead file without TO is completed instead (pipeline_complete): its
 * deliveries, its state and its source as a cycle would leave them; the
 * caller holds the manifest's lock for that.
 * Returns 0 or a negative enum ka_err with err set. */
int pipeline_resend(struct pipeline *p, int64_t id, const char *to, int on_exists, char *err);

/* Work file ID (queued again by manifest_retry) through validate, deliver
 * and finish now, with route R, as a cycle would: one attempt, after which
 * it is done (0) or dead again (KA_TRANSIENT, or KA_INVALID when rejected),
 * err saying why. */
int pipeline_complete(struct pipeline *p, const struct route_config *r, int64_t id,
		      char *err);

/* Send the alerts due ([agent] alert): one per file gone dead, corrupt or
 * rejected and state, recorded as an `alerted` event (alert.c). */
void pipeline_alerts(struct pipeline *p);

/* Stages (discover.c, process.c). */
int route_discover(struct pipeline *p, struct route_state *rs, char *err);
int route_process(struct pipeline *p, struct route_state *rs, char *err);
int route_discover_mail(struct pipeline *p, struct route_state *rs,
			const struct transport_ops *t, struct tconn *c, char *err);
/* Copy NAME (listed with SIZE bytes) from R's source into the spool; with
 * WANT, only if it has that sha256 (else KA_INVALID). Sets f->sha256,
 * f->size and f->spool_path (caller frees); durable after spool_sync. */
int pipeline_fetch(struct pipeline *p, const struct route_config *r,
		   const struct transport_ops *t, struct tconn *c, const char *name, int64_t size,
		   const char *want, struct mfile *f, char *err);
/* F's spool copy did not match its sha256 (WHY): set the object aside,
 * mark every file that references it, log both digests (corrupt.c). */
void pipeline_spool_corrupt(struct pipeline *p, const struct mfile *f, const char *why);
/* Stage corrupt file F again from R's source if the source still holds the
 * original (same size, mtime and sha256); F becomes pending (or staged,
 * when never validated). Returns 0 when F may go on now. */
int pipeline_restage(struct pipeline *p, const struct route_config *r, struct mfile *f);
/* Copy a rejected file and its error report into the route's quarantine. */
int pipeline_quarantine(struct pipeline *p, const struct route_config *r,
			const struct mfile *f, const struct parse_result *res, char *err);

/* "REMOTE:/dir/name" or "/dir/name": a file's identity at its source. */
char *source_uri(const struct endpoint *src, const char *name);
/* The full source path of NAME (without the remote). */
char *source_path(const struct endpoint *src, const char *name);

#endif
