/* check-config's look at the remotes, for real: every route's source read
 * (a directory listed, a mailbox selected) and every destination written
 * (a probe file put and removed, the directory created) or its message
 * server logged in to. This floor owns the connections; the command only
 * prints what each check found. */
#ifndef KA_REMOTE_CHECK_H
#define KA_REMOTE_CHECK_H

#include "config.h"
#include "conns.h"

/* What one check found. */
struct remote_check {
	const struct route_config *route;
	const struct endpoint *ep;
	const char *role;                     /* "source" or "dest" */
	int ok;
	char detail[ERRLEN];                  /* what was found, or the error */
};

/* Called once per check, as it finishes. */
typedef void (*remote_check_fn)(void *ctx, const struct remote_check *res);

/* Check every route of CFG, its source then its destinations in order,
 * through the connections of CS; REPORT gets each result. Returns how many
 * failed. */
int remote_check_routes(struct conns *cs, const struct config *cfg, remote_check_fn report,
			void *ctx);

#endif
