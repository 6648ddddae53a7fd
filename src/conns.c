/* The connection cache. */
#include "conns.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void conns_init(struct conns *cs, const struct logger *lg)
{
	memset(cs, 0, sizeof(*cs));
	cs->lg = lg;
}

/* Note a use of remote RC (NULL: local, not noted), failed when WHY is set. */
static void note_use(struct conns *cs, const struct remote_config *rc, const char *why)
{
	if (!rc)
		return;
	struct remote_use *u = NULL;
	for (size_t i = 0; i < cs->nuses && !u; i++)
		if (cs->uses[i].remote == rc)
			u = &cs->uses[i];
	if (!u) {
		cs->uses = xrealloc(cs->uses, (cs->nuses + 1) * sizeof(*cs->uses));
		u = &cs->uses[cs->nuses++];
		memset(u, 0, sizeof(*u));
		u->remote = rc;
	}
	if (why && !u->failed) {
		u->failed = 1;
		snprintf(u->err, ERRLEN, "%s", why);
	}
}

static struct conn_slot *slot_for(struct conns *cs, const struct remote_config *rc, int index)
{
	for (size_t i = 0; i < cs->n; i++)
		if (cs->v[i].remote == rc && cs->v[i].index == index)
			return &cs->v[i];
	cs->v = xrealloc(cs->v, (cs->n + 1) * sizeof(*cs->v));
	struct conn_slot *s = &cs->v[cs->n++];
	memset(s, 0, sizeof(*s));
	s->remote = rc;
	s->index = index;
	return s;
}

static int get_slot(struct conns *cs, const struct endpoint *ep, int index,
		    const struct transport_ops **t, struct tconn **c, char *err)
{
	struct conn_slot *s = slot_for(cs, ep->remote, index);
	if (!s->t)
		s->t = transport_for(ep);
	if (!s->t) {
		snprintf(err, ERRLEN, "%s: no transport for this remote type", ep->text);
		return KA_PERMANENT;
	}
	if (!s->c) {
		int rc = s->t->connect(ep->remote, cs->lg, &s->c, err);
		if (rc != 0) {
			s->c = NULL;
			if (index == 0)  /* extra sessions are a speed-up, not the remote */
				note_use(cs, ep->remote, err);
			return rc;
		}
	}
	note_use(cs, ep->remote, NULL);
	*t = s->t;
	*c = s->c;
	return 0;
}

int conns_get(struct conns *cs, const struct endpoint *ep, const struct transport_ops **t,
	      struct tconn **c, char *err)
{
	return get_slot(cs, ep, 0, t, c, err);
}

/* An extra session being opened on its own thread. */
struct opener {
	struct conn_slot *s;
	const struct logger *lg;
	pthread_t th;
	int started;
	char err[ERRLEN];
};

static void *open_extra(void *arg)
{
	struct opener *o = arg;
	if (o->s->t->connect(o->s->remote, o->lg, &o->s->c, o->err) != 0)
		o->s->c = NULL;
	return NULL;
}

/* Open the extra sessions 1 .. WANT-1 that are not open, all at once: each
 * costs a handshake and a login, which add up when done in turn. One that
 * cannot be opened is done without: they are a speed-up. */
static void open_extras(struct conns *cs, const struct endpoint *ep, int want)
{
	struct opener o[MAX_SESSIONS];
	if (want > MAX_SESSIONS)
		want = MAX_SESSIONS;
	for (int i = 1; i < want; i++)
		slot_for(cs, ep->remote, i);  /* may move cs->v: before taking pointers */
	for (int i = 1; i < want; i++) {
		o[i] = (struct opener){ .s = slot_for(cs, ep->remote, i), .lg = cs->lg };
		if (!o[i].s->t)
			o[i].s->t = transport_for(ep);
		if (!o[i].s->c)
			o[i].started = pthread_create(&o[i].th, NULL, open_extra, &o[i]) == 0;
	}
	for (int i = 1; i < want; i++)
		if (o[i].started)
			pthread_join(o[i].th, NULL);
}

int conns_pool(struct conns *cs, const struct endpoint *ep, int want,
	       const struct transport_ops **t, struct tconn **c, size_t *n, char *err)
{
	*n = 0;
	int rc = get_slot(cs, ep, 0, t, &c[0], err);
	if (rc != 0)
		return rc;
	*n = 1;
	open_extras(cs, ep, want);
	for (int i = 1; i < want && i < MAX_SESSIONS; i++) {
		struct conn_slot *s = slot_for(cs, ep->remote, i);
		if (s->c)
			c[(*n)++] = s->c;
	}
	return 0;
}

void conns_drop(struct conns *cs, const struct endpoint *ep, const char *why)
{
	note_use(cs, ep->remote, why);
	for (size_t i = 0; i < cs->n; i++) {
		if (cs->v[i].remote == ep->remote && cs->v[i].c) {
			cs->v[i].t->close(cs->v[i].c);
			cs->v[i].c = NULL;
		}
	}
}

void conns_take_uses(struct conns *cs, struct remote_use **v, size_t *n)
{
	*v = cs->uses;
	*n = cs->nuses;
	cs->uses = NULL;
	cs->nuses = 0;
}

void conns_release(struct conns *cs)
{
	for (size_t i = 0; i < cs->n; i++)
		if (cs->v[i].c)
			cs->v[i].t->close(cs->v[i].c);
	free(cs->v);
	free(cs->uses);
	memset(cs, 0, sizeof(*cs));
}
