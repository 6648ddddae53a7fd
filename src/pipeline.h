/* The cycle: discover, wait until stable, stage, record, validate, deliver,
 * finish. The pipeline owns every decision; transports only move bytes.
 * What the commands call; the stages it drives are in stage.h. */
#ifndef KA_PIPELINE_H
#define KA_PIPELINE_H

#include "stage.h"   /* struct pipeline */

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
 * A dead file without TO is completed instead (process_complete): its
 * deliveries, its state and its source as a cycle would leave them; the
 * caller holds the manifest's lock for that.
 * Returns 0 or a negative enum ka_err with err set. */
int pipeline_resend(struct pipeline *p, int64_t id, const char *to, int on_exists, char *err);
/* Before resending to TO: its directory must exist (KA_NOENT when it does
 * not, or is not a directory), or with MKDIR it is created. Message sinks
 * have no directory and always pass. */
int pipeline_resend_dest(struct pipeline *p, const char *to, int mkdir, char *err);

#endif
