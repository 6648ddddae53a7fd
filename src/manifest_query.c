/* The manifest front for the CLI's reads: one file (show, verify, retry,
 * resend), the files matching a filter (list), a file's events and shipment
 * ids, a parse summary read back, and the health `status` prints: per route
 * the state counts, next retry, bytes delivered and last cycle, and every
 * remote's attempts. The backend hands rows over; what they add up to is
 * decided here, the same for every backend. */
#include "manifest.h"

#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "manifest_backend.h"

int manifest_get(struct manifest *m, int64_t id, struct mfile *f, char *err)
{
	int rc = m->be->get(m->db, id, f, err);
	if (rc == KA_NOENT)
		snprintf(err, ERRLEN, "no file with id %lld in the manifest", (long long)id);
	return rc;
}

int manifest_list(struct manifest *m, const struct mfilter *flt,
		  int (*fn)(void *ctx, const struct mfile *f), void *ctx, char *err)
{
	return m->be->list(m->db, flt, fn, ctx, err);
}

int manifest_events(struct manifest *m, int64_t file_id, struct mevent **v, size_t *n,
		    char *err)
{
	return m->be->events(m->db, file_id, v, n, err);
}

char *manifest_shipments(struct manifest *m, int64_t file_id)
{
	char *s = m->be->shipments(m->db, file_id);
	return s ? s : xstrdup("");
}

int manifest_summary_parse(struct manifest *m, const char *json, struct msummary *s, char *err)
{
	return m->be->summary(m->db, json, s, err);
}

int manifest_remotes(struct manifest *m, struct mremote_status **v, size_t *n, char *err)
{
	return m->be->remotes(m->db, v, n, err);
}

static int cmp_status(const void *a, const void *b)
{
	return strcmp(((const struct mroute_status *)a)->route,
		      ((const struct mroute_status *)b)->route);
}

struct mroute_status *mroute_status_find(struct mroute_status *v, size_t n, const char *route)
{
	struct mroute_status key = { .route = (char *)route };
	return n ? bsearch(&key, v, n, sizeof(*v), cmp_status) : NULL;  /* v may be NULL */
}

/* The status being built: one entry per route, sorted by route. */
struct status_acc {
	struct mroute_status *v;
	size_t n, cap;
};

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

/* A zeroed entry for ROUTE. */
static void add_route(void *ctx, const char *route)
{
	struct status_acc *a = ctx;
	if (a->n == a->cap) {
		a->cap = a->cap ? 2 * a->cap : 64;
		a->v = xrealloc(a->v, a->cap * sizeof(*a->v));
	}
	memset(&a->v[a->n], 0, sizeof(*a->v));
	a->v[a->n++].route = dup_or_null(route);
}

/* One (route, state) group added to its route's entry: the count, the
 * files retrying and the earliest retry, and the bytes when delivered. */
static void add_count(void *ctx, const struct mstate_count *c)
{
	struct status_acc *a = ctx;
	struct mroute_status *s = mroute_status_find(a->v, a->n, c->route);
	if (!s)
		return;   /* a file recorded since the list of routes was read */
	for (int i = 0; i < MANIFEST_NSTATES; i++)
		if (strcmp(c->state, manifest_states[i]) == 0)
			s->counts[i] = c->count;
	s->retrying += c->retrying;
	if (strcmp(c->state, ST_DELIVERED) == 0 || strcmp(c->state, ST_DONE) == 0)
		s->bytes += c->bytes;
	if (c->next_retry && (!s->next_retry || c->next_retry < s->next_retry))
		s->next_retry = c->next_retry;
}

/* A route's last cycle added to its entry. */
static void add_cycle(void *ctx, const struct mroute_cycle *c)
{
	struct status_acc *a = ctx;
	struct mroute_status *s = mroute_status_find(a->v, a->n, c->route);
	if (!s)
		return;
	s->last_cycle = c->last_cycle;
	s->last_ok = c->last_ok;
	s->last_error = dup_or_null(c->last_error);
	s->failures = c->failures;
	s->skipped = dup_or_null(c->skipped);
}

int manifest_status(struct manifest *m, struct mroute_status **v, size_t *n, char *err)
{
	struct status_acc a = { 0 };
	int rc = m->be->status_routes(m->db, add_route, &a, err);
	/* strcmp order, whatever the store's collation */
	if (a.n > 1)
		qsort(a.v, a.n, sizeof(*a.v), cmp_status);
	if (rc == 0)
		rc = m->be->status_counts(m->db, add_count, &a, err);
	if (rc == 0)
		rc = m->be->status_cycles(m->db, add_cycle, &a, err);
	*v = a.v;
	*n = a.n;
	return rc;
}
