/* Open connections, one per remote (and one for local paths), reused across
 * files and cycles and dropped after a transient error so the next use
 * reconnects. The cache also notes how each remote fared since the caller
 * last took the notes (a cycle): used, and whether a connection to it failed
 * or broke. */
#ifndef KA_CONNS_H
#define KA_CONNS_H

#include "config.h"
#include "log.h"
#include "transports/transport.h"

struct conn_slot {
	const struct remote_config *remote;   /* NULL for local */
	int index;                            /* 0 .. sessions-1 */
	const struct transport_ops *t;
	struct tconn *c;
};

/* How a remote fared since the notes were last taken. */
struct remote_use {
	const struct remote_config *remote;
	int failed;              /* a connection could not be opened, or broke */
	char err[ERRLEN];        /* the first such failure */
};

struct conns {
	struct conn_slot *v;
	size_t n;
	const struct logger *lg;
	struct remote_use *uses; /* remotes used since conns_take_uses */
	size_t nuses;
};

void conns_init(struct conns *cs, const struct logger *lg);
/* The open connection for EP's remote, connecting if needed. */
int conns_get(struct conns *cs, const struct endpoint *ep, const struct transport_ops **t,
	      struct tconn **c, char *err);

/* Up to WANT (at most MAX_SESSIONS, config.h) open connections to EP's
 * remote (the first is conns_get's), connecting as needed, in C[]; *N is
 * how many (at least 1 on success). */
int conns_pool(struct conns *cs, const struct endpoint *ep, int want,
	       const struct transport_ops **t, struct tconn **c, size_t *n, char *err);
/* Close EP's connections after a transient error WHY (the session broke,
 * the server went away): noted as a failure of EP's remote. */
void conns_drop(struct conns *cs, const struct endpoint *ep, const char *why);
/* The remotes used since the last call, with how they fared, in *V (N of
 * them; the caller frees *V). The notes start again empty. */
void conns_take_uses(struct conns *cs, struct remote_use **v, size_t *n);
void conns_release(struct conns *cs);

#endif
