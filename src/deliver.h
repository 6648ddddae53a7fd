/* Delivering staged files to one destination, atomically and exactly once:
 * write to a temporary name, make it durable, record the final name as
 * "committing", rename, make that durable, record "delivered". A crash at
 * any point is recovered by looking at the destination (deliver.c). */
#ifndef KA_DELIVER_H
#define KA_DELIVER_H

#include <signal.h>

#include "common.h"
#include "config.h"
#include "log.h"
#include "formats/format.h"
#include "manifest.h"
#include "transports/transport.h"

struct deliver_env {
	const struct transport_ops *t;
	struct tconn **pool;        /* connections to the destination, used in parallel */
	size_t npool;               /* at least 1; pool[0] does the sequential work */
	struct manifest *m;
	const struct route_config *r;
	const struct logger *lg;
	const char *crash_at;       /* test hook: SIGKILL ourselves at this point */
	struct progress *progress;  /* a progress line for large puts, or NULL */
	volatile sig_atomic_t *stop;  /* set by SIGTERM: start no more uploads; or NULL */
	const struct formats *formats;  /* a request destination's conversions */
};

/* One file going to the destination. */
struct dfile {
	const struct mfile *f;
	struct mdelivery *d;        /* its row in the deliveries table */
	const char *shipments;      /* comma-separated, for message subjects */
	int rc;                     /* out: 0 delivered, else a negative enum ka_err */
	int not_tried;              /* out: rc is KA_TRANSIENT because another file's
				     * connection failed; this file was not tried */
	char err[ERRLEN];           /* out: why not */
	char *final;                /* out: where it landed (caller frees) */
	int retry_after;            /* out: seconds the destination asked to wait
				     * before it is tried again (0: none) */
};

/* Deliver V[0..N) to DEST, setting each item's rc, err and final, and
 * recording every step in the manifest. */
void deliver_batch(const struct deliver_env *env, const struct endpoint *dest,
		   struct dfile *v, size_t n);
/* The same for a request destination (deliver_requests.c): each file
 * converted into requests, each answered request recorded. */
void deliver_requests(const struct deliver_env *env, const struct endpoint *dest,
		      struct dfile *v, size_t n);

#endif
