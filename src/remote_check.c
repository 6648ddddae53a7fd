/* Remote checks for check-config (see remote_check.h). */
#include "remote_check.h"

#include <stdlib.h>
#include <unistd.h>

/* Readable source: list the directory, or select the mailbox. */
static void check_source(struct conns *cs, struct remote_check *res)
{
	const struct endpoint *ep = res->ep;
	const struct transport_ops *t;
	struct tconn *c;
	struct tlist l = { 0 };
	char err[ERRLEN];
	uint32_t uidvalidity = 0;
	int rc = conns_get(cs, ep, &t, &c, err);
	if (rc == 0 && transport_can(t, TR_MAILBOX_SOURCE)) {
		rc = t->mailbox_select(c, ep->path, &uidvalidity, err);
		snprintf(res->detail, sizeof(res->detail),
			 "logged in, mailbox selected (UIDVALIDITY %u)", uidvalidity);
	} else if (rc == 0) {
		rc = t->list(c, ep->path, &l, err);
		snprintf(res->detail, sizeof(res->detail), "readable, %zu %s", l.n,
			 plural((long long)l.n, "entry", "entries"));
	}
	res->ok = rc == 0;
	if (rc != 0)
		snprintf(res->detail, sizeof(res->detail), "%s", err);
	tlist_release(&l);
}

/* Writable destination: write and remove a probe file (creating the
 * directory); a message or request destination: log in (probe). */
static void check_dest(struct conns *cs, struct remote_check *res)
{
	const struct endpoint *ep = res->ep;
	const struct transport_ops *t;
	struct tconn *c;
	char err[ERRLEN];
	int rc = conns_get(cs, ep, &t, &c, err);
	const char *what = "writable";
	if (rc == 0 && transport_can(t, TR_MESSAGE_DEST | TR_REQUEST_DEST)) {
		rc = t->probe ? t->probe(c, err) : 0;
		what = transport_can(t, TR_REQUEST_DEST) ? "reached, logged in (nothing sent)"
							     : "logged in";
	} else {
		char *probe = xasprintf("%s/.kargo-agent-probe-%d", ep->path, (int)getpid());
		if (rc == 0)
			rc = t->mkdirs(c, ep->path, err);
		if (rc == 0)
			rc = t->put(c, "/dev/null", NULL, probe, NULL, err);
		if (rc == 0)
			rc = t->remove(c, probe, err);
		free(probe);
	}
	res->ok = rc == 0;
	snprintf(res->detail, sizeof(res->detail), "%s", rc == 0 ? what : err);
}

int remote_check_routes(struct conns *cs, const struct config *cfg, remote_check_fn report,
			void *ctx)
{
	int failed = 0;
	for (size_t i = 0; i < cfg->nroutes; i++) {
		const struct route_config *r = &cfg->routes[i];
		struct remote_check res = { .route = r, .ep = &r->source, .role = "source" };
		check_source(cs, &res);
		failed += !res.ok;
		report(ctx, &res);
		for (size_t j = 0; j < r->ndests; j++) {
			struct remote_check d = { .route = r, .ep = &r->dests[j], .role = "dest" };
			check_dest(cs, &d);
			failed += !d.ok;
			report(ctx, &d);
		}
	}
	return failed;
}
