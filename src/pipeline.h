/* The cycle: discover, wait until stable, stage, record, validate, deliver,
 * finish. The pipeline owns every decision; transports only move bytes. */
#ifndef KA_PIPELINE_H
#define KA_PIPELINE_H

#include <glib.h>
#include "app.h"
#include "conns.h"

struct progress;

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
};

struct pipeline {
	struct app *a;
	struct conns conns;
	struct route_state *routes;
	size_t nroutes;
	struct cycle_stats stats;
	struct progress *progress;   /* `once` and `resend` on a terminal; NULL otherwise */
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
/* `run`: cycles until *a->stop; inotify wakes it early. */
void pipeline_run(struct pipeline *p);

/* Deliver file ID again, to its route's destinations or to TO ("REMOTE:PATH"
 * or a local directory); ON_EXISTS overrides the route's (-1 keeps it).
 * Returns 0 or a negative enum ka_err with err set. */
int pipeline_resend(struct pipeline *p, int64_t id, const char *to, int on_exists, char *err);
/* Before resending to TO: its directory must exist (KA_NOENT when it does
 * not, or is not a directory), or with MKDIR it is created. Message sinks
 * have no directory and always pass. */
int pipeline_resend_dest(struct pipeline *p, const char *to, int mkdir, char *err);

/* Stages (discover.c, process.c). */
int route_discover(struct pipeline *p, struct route_state *rs, char *err);
int route_process(struct pipeline *p, struct route_state *rs, char *err);
int route_discover_mail(struct pipeline *p, struct route_state *rs,
			const struct transport_ops *t, struct tconn *c, char *err);
/* Copy a rejected file and its error report into the route's quarantine. */
int pipeline_quarantine(struct pipeline *p, const struct route_config *r,
			const struct mfile *f, const struct parse_result *res, char *err);

/* The last cycle's skipped entries as "directory=1 pattern=3" (only the
 * reasons that occurred; "" for none), or NULL when it did not list the
 * source. Caller frees. */
char *route_skipped_text(const struct route_state *rs);

/* "REMOTE:/dir/name" or "/dir/name": a file's identity at its source. */
char *source_uri(const struct endpoint *src, const char *name);
/* The full source path of NAME (without the remote). */
char *source_path(const struct endpoint *src, const char *name);

#endif
