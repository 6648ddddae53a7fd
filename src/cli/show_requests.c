/* show ID: the requests of the file's deliveries to APIs. Each delivery
 * gets a line with its counts, then its first SHOW_FIRST requests and
 * every refused one (with the start of the answer), so a 20,000-request
 * file stays readable and a refusal is never hidden. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define SHOW_FIRST 10

struct rcount {
	int64_t delivery, done, refused;
};

struct shown {
	struct rcount *v;
	size_t n, cur;
	int64_t listed;
};

static int count_one(void *ctx, const struct mrequest *rq)
{
	struct shown *s = ctx;
	if (s->n == 0 || s->v[s->n - 1].delivery != rq->delivery_id) {
		s->v = xrealloc(s->v, (s->n + 1) * sizeof(*s->v));
		s->v[s->n++] = (struct rcount){ rq->delivery_id, 0, 0 };
	}
	if (strcmp(rq->state, RQ_DONE) == 0)
		s->v[s->n - 1].done++;
	else
		s->v[s->n - 1].refused++;
	return 0;
}

static int list_one(void *ctx, const struct mrequest *rq)
{
	struct shown *s = ctx;
	if (s->cur == 0 || s->v[s->cur - 1].delivery != rq->delivery_id) {
		const struct rcount *c = &s->v[s->cur++];
		printf("  delivery %lld: %lld done, %lld refused%s\n", (long long)c->delivery,
		       (long long)c->done, (long long)c->refused,
		       c->done > SHOW_FIRST ? " (the first ones and every refusal listed)" : "");
		s->listed = 0;
	}
	int refused = strcmp(rq->state, RQ_DONE) != 0;
	if (!refused && s->listed++ >= SHOW_FIRST)
		return 0;
	printf("    %-7lld %-8s %3ld %s%s%s%s%s\n", (long long)rq->index, rq->state, rq->status,
	       rq->key ? rq->key : "", rq->logging_id ? " id=" : "",
	       rq->logging_id ? rq->logging_id : "", refused && rq->reply ? ": " : "",
	       refused && rq->reply ? rq->reply : "");
	return 0;
}

void show_requests(struct app *a, int64_t file_id)
{
	char err[ERRLEN];
	struct shown s = { 0 };
	if (manifest_requests(&a->m, file_id, count_one, &s, err) != 0)
		printf("requests\n  (cannot be read: %s)\n", err);
	else if (s.n > 0 && printf("requests\n") > 0 &&
		 manifest_requests(&a->m, file_id, list_one, &s, err) != 0)
		printf("  (cannot be read: %s)\n", err);
	free(s.v);
}
