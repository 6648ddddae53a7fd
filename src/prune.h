/* Retention: the spool copies of done files past spool_retention released,
 * done and rejected files past manifest_retention deleted (tombstones kept
 * for those whose source may still list them), old notes and unlisted
 * tombstones deleted, spool objects no file needs removed, space given
 * back. A pass is worked in steps of a time budget, each made of short
 * batches (one transaction each), so `run` can prune between its cycles
 * and delivery never waits on it for more than a batch. */
#ifndef KA_PRUNE_H
#define KA_PRUNE_H

#include "app.h"

/* One pass, from prune_start to the step that returns 1. */
struct prune {
	struct app *a;
	int dry_run;                /* one transaction, rolled back; no file removed */
	int phase;                  /* where the pass is (prune.c) */
	int64_t spool_before;       /* done files last changed before this (seconds)
				       lose their spool copy; 0 = never */
	int64_t rows_before;        /* done and rejected files, notes and unlisted
				       tombstones before this go; 0 = never */
	struct mprune_cursor cur;
	struct spool_walk walk;
	struct mprune_counts c;
	int64_t objects, bytes;     /* spool objects removed (or that would be) */
	int64_t orphans;            /* of them, found by the walk: no file needed them */
	int64_t batches, longest_ms, started_ms;
	const char *longest_phase;  /* the phase of the longest batch */
};

/* Start a pass of A's retention (DRY_RUN: count only). */
void prune_start(struct prune *pr, struct app *a, int dry_run);
/* Work on the pass for about BUDGET_MS (at least one batch). Returns 1
 * when the pass is over, 0 when work remains, or a negative code with ERR
 * set (the batch in hand rolled back; a later step goes on). */
int prune_step(struct prune *pr, int64_t budget_ms, char *err);
/* End the pass (a dry run's transaction rolled back). */
void prune_release(struct prune *pr);
/* The `pruned` log line of a finished pass. */
void prune_log(const struct prune *pr);

/* `run`'s schedule: a pass every hour, the first after the first cycle. */
struct prune_clock {
	struct prune pr;
	int active;
	int64_t next;               /* seconds; 0 = after the first cycle */
};
/* Between cycles: start a pass when one is due, and work on it for one
 * slice (about 50 ms). While the pass goes on, returns the milliseconds the
 * slice took: wait at least as long before the next, so a writer of
 * another process (resend), whose busy handler polls, finds the manifest
 * free half the time. 0 when no pass is in progress. */
int64_t prune_tick(struct prune_clock *pc, struct app *a);
void prune_clock_release(struct prune_clock *pc);

#endif
