/* Alerts: one short e-mail per file and state when a file goes dead,
 * corrupt or rejected, through the remote that [agent] alert names (a
 * transport with `notify`: smtp). Each alert sent is recorded as an
 * `alerted` event, so a restart or the next cycle does not send it again;
 * one that fails is logged and tried again next cycle. Alerts go after the
 * routes' work, so a mail server that is down never holds files back. */
#include "stage.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ALERT_WINDOW (7 * 86400)  /* files that reached their state lately:
				     turning alerts on does not mail the history */
#define ALERT_MAX 100             /* per route and cycle; the rest next cycle */

struct alert {
	int64_t id;
	char *route, *name, *state, *error, *source;
	int attempts;
};

struct due {
	struct alert v[ALERT_MAX];
	size_t n;
};

static int collect(void *ctx, const struct mfile *f)
{
	struct due *d = ctx;
	d->v[d->n++] = (struct alert){ f->id, xstrdup(f->route), xstrdup(f->name),
				       xstrdup(f->state), f->last_error ? xstrdup(f->last_error)
				       : NULL, xstrdup(f->source_uri), f->attempts };
	return d->n == ALERT_MAX;
}

static void due_release(struct due *d)
{
	for (size_t i = 0; i < d->n; i++) {
		struct alert *a = &d->v[i];
		free(a->route);
		free(a->name);
		free(a->state);
		free(a->error);
		free(a->source);
	}
	d->n = 0;
}

/* What the operator can do about a file in AL's state, and how. */
static char *advice(const struct alert *al, const struct app *a, const struct route_config *r)
{
	const char *cfg = a->config_path;
	if (!strcmp(al->state, ST_REJECTED))
		return xasprintf("It is invalid and is never delivered; the errors are in "
				 "%s/%s.errors.txt.\r\nFix the file at its source: the fixed "
				 "file is carried as a new one.", r->quarantine, al->name);
	return xasprintf("%s\r\nOnce the cause is fixed, put it back in the queue (with "
			 "the daemon stopped):\r\n  kargo-agent -c %s retry %lld\r\nor every "
			 "dead file: kargo-agent -c %s retry --state dead",
			 strcmp(al->state, ST_CORRUPT) == 0 ? "Its spool copy failed its "
			 "SHA-256 check: it was not delivered from it. The next cycle stages it "
			 "again from its source if the source still holds the original; if not, "
			 "put the original back first." : "The agent gave up delivering it.", cfg,
			 (long long)al->id, cfg);
}

/* The message about AL: subject and text (CRLF lines); no secrets, only
 * what the manifest and the configuration's paths say. */
static void compose(const struct alert *al, const struct app *a, const struct route_config *r,
		    char **subject, char **text)
{
	char host[256] = "";
	if (gethostname(host, sizeof(host) - 1) != 0)
		snprintf(host, sizeof(host), "?");
	char *what = advice(al, a, r);
	*subject = xasprintf("kargo-agent: file %lld %s is %s (route %s)", (long long)al->id,
			     al->name, al->state, al->route);
	*text = xasprintf("kargo-agent on %s: file %lld is %s.\r\n\r\n"
			  "file:       %lld\r\nroute:      %s\r\nname:       %s\r\n"
			  "source:     %s\r\nstate:      %s\r\nattempts:   %d\r\n"
			  "last error: %s\r\n\r\n%s\r\n\r\nIts history: kargo-agent -c %s show %lld",
			  host, (long long)al->id, al->state, (long long)al->id, al->route,
			  al->name, al->source, al->state, al->attempts,
			  al->error ? al->error : "-", what, a->config_path, (long long)al->id);
	free(what);
}

/* Send D's alerts for route R; stops at the first failure (the server is
 * in trouble: the rest wait for the next cycle). Returns 0 or -1. */
static int send_due(struct pipeline *p, const struct route_config *r, const struct due *d,
		    const struct endpoint *ep)
{
	struct app *a = p->a;
	const struct transport_ops *t;
	struct tconn *c;
	char err[ERRLEN], q[1024];
	for (size_t i = 0; i < d->n; i++) {
		const struct alert *al = &d->v[i];
		int rc = conns_get(&p->conns, ep, &t, &c, err);
		char *subject = NULL, *text = NULL;
		if (rc == 0) {
			compose(al, a, r, &subject, &text);
			rc = t->notify(c, subject, text, err);
		}
		free(subject);
		free(text);
		if (rc != 0) {
			log_event(&a->lg, LOG_WARN, "alert_failed", "file=%lld route=%s state=%s "
				  "remote=%s error=%s", (long long)al->id, r->name, al->state,
				  ep->text, log_quote(err, q, sizeof(q)));
			if (rc == KA_TRANSIENT)
				conns_drop(&p->conns, ep, err);
			return -1;
		}
		char *detail = xasprintf("state=%s remote=%s", al->state, ep->text);
		if (manifest_event(&a->m, al->id, "alerted", detail, err) != 0)
			log_event(&a->lg, LOG_ERROR, "manifest_error", "file=%lld error=%s",
				  (long long)al->id, log_quote(err, q, sizeof(q)));
		free(detail);
		log_event(&a->lg, LOG_INFO, "alerted", "file=%lld route=%s state=%s remote=%s",
			  (long long)al->id, r->name, al->state, ep->text);
	}
	return 0;
}

void alerts_send(struct pipeline *p)
{
	struct app *a = p->a;
	const struct agent_config *ac = &a->cfg.agent;
	struct endpoint ep = { .remote = ac->alert ? config_remote(&a->cfg, ac->alert) : NULL,
			       .path = "", .text = ac->alert };
	if (!ep.remote)
		return;  /* no alerts configured (config_load checked the name) */
	struct due *d = xcalloc(1, sizeof(*d));
	char err[ERRLEN], q[1024];
	for (size_t i = 0; i < p->nroutes && !*a->stop; i++) {
		const struct route_config *r = p->routes[i].r;
		int rc = manifest_alerts_due(&a->m, r->name, ac->alert_on, now_s() - ALERT_WINDOW,
					     collect, d, err);
		if (rc != 0)
			log_event(&a->lg, LOG_ERROR, "manifest_error", "route=%s error=%s", r->name,
				  log_quote(err, q, sizeof(q)));
		rc = rc == 0 ? send_due(p, r, d, &ep) : 0;
		due_release(d);
		if (rc != 0)
			break;
	}
	free(d);
}
