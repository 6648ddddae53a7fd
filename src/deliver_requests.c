/* Delivering files to a request destination (an HTTPS API): each file is
 * converted into numbered requests (formats/convert.h) and the transport
 * sends them, several in flight. The manifest records each answered
 * request as it is answered (the requests table), so a delivery stopped at
 * request N — a crash, a failure, SIGTERM — resumes at the first request
 * not done: the conversion gives the same requests in the same order, and
 * the done ones are skipped. A crash repeats at most the requests that were
 * in flight; each carries Correlation-Id SHA256-INDEX, the same on every
 * repeat and resend, so the server can see it.
 *
 * One send per batch: the requests of all the batch's files go through one
 * call, so many small files share the connections as one large one does.
 * A request refused for good (4xx) makes its file dead and stops only that
 * file's requests; one to retry (429, 5xx, no answer) stops the batch: the
 * server is in trouble, and every file not finished waits for a retry, no
 * sooner than the Retry-After it gave. */
#include "deliver.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checked_read.h"
#include "formats/convert.h"
#include "stage.h"

#define REPLY_KEEP 1024  /* bytes of a refusal's answer kept in the manifest */
#define RETRY_AFTER_MAX 3600

/* One file of the batch, as its requests are made and answered. */
struct rfile {
	struct dfile *df;
	struct conv *conv;
	int64_t *done;           /* indexes already done (ascending), from the manifest */
	size_t ndone, di;
	int64_t index;           /* the next request's index */
	int64_t sent, answered;  /* requests handed to the transport, and answered */
	int opened, ended;       /* conversion started; no more requests from it */
	int refused;             /* a request was refused: the file is dead */
	int64_t skipped;         /* requests done before (not sent again) */
};

/* A request in flight: what tr_request points to, until done. */
struct inflight {
	struct rfile *rf;
	struct conv_body b;
	char correlation[SHA256_HEX + 24];
};

struct batch {
	const struct deliver_env *env;
	const struct endpoint *dest;
	const char *to;           /* the conversion */
	struct rfile *v;
	size_t n, cur;
	int stopped_for;          /* the code done() stopped the batch with, or 0 */
};

/* The spool copy still is what was staged: one checked pass before the
 * conversion reads it. */
static int check_copy(const struct mfile *f, char *err)
{
	struct checked_read cr;
	char buf[65536];
	int rc = checked_open(&cr, f->spool_path, f->sha256, err);
	if (rc != 0)
		return rc;
	ssize_t got;
	while ((got = checked_read(&cr, buf, sizeof(buf))) > 0)
		;
	if (got < 0) {
		snprintf(err, ERRLEN, "reading spool copy %s: %s", f->spool_path, strerror(errno));
		rc = KA_ERR;
	} else {
		rc = checked_end(&cr, err);
	}
	checked_close(&cr);
	return rc;
}

static void rfile_fail(struct rfile *rf, int rc, const char *msg)
{
	if (rf->df->rc == 0 || rc == KA_PERMANENT) {
		rf->df->rc = rc;
		if (msg != rf->df->err)
			snprintf(rf->df->err, ERRLEN, "%s", msg);
	}
	rf->ended = 1;
}

/* Start converting RF: check its copy, read which requests are done. */
static void rfile_open(struct batch *b, struct rfile *rf)
{
	const struct deliver_env *env = b->env;
	const struct mfile *f = rf->df->f;
	char err[ERRLEN];
	rf->opened = 1;
	int rc = check_copy(f, err);
	if (rc == 0)
		rc = manifest_requests_done(env->m, rf->df->d->id, &rf->done, &rf->ndone, err);
	if (rc == 0)
		rc = conv_open(env->formats, f->format ? f->format : env->r->format, f->spool_path,
			       b->to, &env->r->api, &rf->conv, err);
	if (rc == KA_INVALID) {
		snprintf(rf->df->err, ERRLEN, "does not convert to %s: %.400s", b->to, err);
		rfile_fail(rf, KA_PERMANENT, rf->df->err);
	} else if (rc != 0) {
		rfile_fail(rf, rc == KA_CORRUPT ? KA_CORRUPT : KA_TRANSIENT, err);
	}
}

/* 1 when request INDEX of RF was done before (the done list is ascending). */
static int was_done(struct rfile *rf, int64_t index)
{
	while (rf->di < rf->ndone && rf->done[rf->di] < index)
		rf->di++;
	return rf->di < rf->ndone && rf->done[rf->di] == index;
}

/* The next request of RF not done yet: 1 with IF filled, 0 at its end. */
static int rfile_next(struct batch *b, struct rfile *rf, struct inflight *in)
{
	char err[ERRLEN];
	while (!rf->ended) {
		int rc = conv_next(rf->conv, &in->b, err);
		if (rc == 0) {
			rf->ended = 1;
			break;
		}
		if (rc < 0) {
			if (rc == KA_INVALID)
				snprintf(rf->df->err, ERRLEN, "does not convert to %s: %.400s", b->to,
					 err);
			rfile_fail(rf, rc == KA_INVALID ? KA_PERMANENT : rc,
				   rc == KA_INVALID ? rf->df->err : err);
			break;
		}
		int64_t index = rf->index++;
		if (was_done(rf, index)) {
			rf->skipped++;
			free(in->b.body);
			continue;
		}
		snprintf(in->correlation, sizeof(in->correlation), "%s-%lld", rf->df->f->sha256,
			 (long long)index);
		return 1;
	}
	return 0;
}

static int next(void *ctx, struct tr_request *req, char *err)
{
	struct batch *b = ctx;
	(void)err;
	struct inflight *in = xcalloc(1, sizeof(*in));
	for (; b->cur < b->n; b->cur++) {
		struct rfile *rf = &b->v[b->cur];
		if (!rf->opened)
			rfile_open(b, rf);
		if (!rfile_next(b, rf, in))
			continue;
		in->rf = rf;
		rf->sent++;
		*req = (struct tr_request){
			.index = rf->index - 1,
			.method = "POST",
			.path = b->dest->path,
			.content_type = conv_content_type(b->to, &b->env->r->api),
			.body = in->b.body,
			.len = in->b.len,
			.correlation_id = in->correlation,
			.key = in->b.key,
			.tag = in,
		};
		return 1;
	}
	free(in);
	return 0;
}

/* "request 173 (shipment S1) ..." */
static void say_request(char *buf, size_t len, const struct tr_request *req, const char *what,
			const struct tr_reply *rp)
{
	snprintf(buf, len, "request %lld (%.120s) %s: HTTP %ld %.*s", (long long)req->index,
		 req->key ? req->key : "", what, rp->status,
		 (int)(rp->len < REPLY_KEEP ? rp->len : REPLY_KEEP), rp->body ? rp->body : "");
}

/* Record REQ as STATE with what the answer said; 0 or the manifest's code. */
static int record(struct batch *b, const struct tr_request *req, const struct tr_reply *rp,
		  const char *state, const char *logging_id, char *err)
{
	struct inflight *in = req->tag;
	char reply[REPLY_KEEP + 1];
	snprintf(reply, sizeof(reply), "%.*s", (int)(rp->len < REPLY_KEEP ? rp->len : REPLY_KEEP),
		 rp->body ? rp->body : "");
	struct mrequest rq = {
		.delivery_id = in->rf->df->d->id, .index = req->index, .state = state,
		.status = rp->status, .correlation_id = req->correlation_id,
		.logging_id = logging_id && *logging_id ? logging_id : NULL,
		.reply = strcmp(state, RQ_DONE) == 0 ? NULL : reply, .key = req->key,
	};
	return manifest_request_set(b->env->m, &rq, err);
}

/* A 2xx, or a 409 the route calls delivered: done, unless the answer's
 * own words refuse it (a GraphQL success false). */
static int answered_ok(struct batch *b, const struct tr_request *req,
		       const struct tr_reply *rp, char *err)
{
	struct inflight *in = req->tag;
	char id[256] = "", why[ERRLEN];
	if (rp->outcome == TR_OK &&
	    conv_reply(b->to, rp->body ? rp->body : "", rp->len, id, sizeof(id), why) != 0) {
		say_request(in->rf->df->err, ERRLEN, req, "refused", rp);
		int rc = record(b, req, rp, RQ_REFUSED, NULL, err);
		rfile_fail(in->rf, KA_PERMANENT, in->rf->df->err);
		return rc;
	}
	int rc = record(b, req, rp, RQ_DONE, *id ? id : rp->logging_id, err);
	if (rc == 0)
		crash_point(b->env->crash_at, "after_request");
	return rc;
}

static int done(void *ctx, const struct tr_request *req, const struct tr_reply *rp, char *err)
{
	struct batch *b = ctx;
	struct inflight *in = req->tag;
	struct rfile *rf = in->rf;
	int rc = 0;
	rf->answered++;
	int conflict_ok = rp->status == 409 && b->env->r->api.conflict_done;
	if (rp->outcome == TR_OK || conflict_ok) {
		rc = answered_ok(b, req, rp, err);
	} else if (rp->outcome == TR_REFUSED) {
		say_request(rf->df->err, ERRLEN, req, "refused", rp);
		rc = record(b, req, rp, RQ_REFUSED, NULL, err);
		rfile_fail(rf, KA_PERMANENT, rf->df->err);
	} else {
		char why[ERRLEN];
		say_request(why, sizeof(why), req, "not taken", rp);
		rfile_fail(rf, KA_TRANSIENT, why);
		int ra = rp->retry_after < RETRY_AFTER_MAX ? rp->retry_after : RETRY_AFTER_MAX;
		if (ra > rf->df->retry_after)
			rf->df->retry_after = ra;
		snprintf(err, ERRLEN, "%s", why);
		b->stopped_for = rc = KA_TRANSIENT;
	}
	if (rc != 0 && rc != KA_TRANSIENT) {  /* the manifest failed: stop, retry later */
		rfile_fail(rf, KA_TRANSIENT, err);
		b->stopped_for = rc;
	}
	free(in->b.body);
	free(in);
	return rc;
}

/* After the send: what became of each file. RC is what send_requests
 * returned, WHY its message. */
static void settle(struct batch *b, int rc, const char *why)
{
	const struct deliver_env *env = b->env;
	for (size_t i = 0; i < b->n; i++) {
		struct rfile *rf = &b->v[i];
		struct dfile *df = rf->df;
		if (df->rc == 0 && (rc != 0 || !rf->ended || rf->answered < rf->sent)) {
			df->rc = rc == KA_STOPPED ? KA_STOPPED : KA_TRANSIENT;
			df->not_tried = !rf->opened || rf->sent == 0;
			snprintf(df->err, ERRLEN, "%s%.400s", df->not_tried && rc != KA_STOPPED ?
				 "not tried after the connection failed: " : "", why);
		}
		if (df->rc == 0) {
			df->final = xasprintf("%s (%lld %s)", b->dest->text, (long long)rf->index,
					      plural(rf->index, "request", "requests"));
			df->rc = manifest_set_delivery(env->m, df->d, DL_DELIVERED, df->final, df->err);
		}
		conv_close(rf->conv);
		free(rf->done);
	}
}

void deliver_requests(const struct deliver_env *env, const struct endpoint *dest,
		      struct dfile *v, size_t n)
{
	struct batch b = { .env = env, .dest = dest, .to = dest->convert ? dest->convert : "raw",
			   .v = xcalloc(n, sizeof(struct rfile)), .n = n };
	for (size_t i = 0; i < n; i++) {
		v[i].rc = 0;
		b.v[i].df = &v[i];
	}
	struct tr_requests rq = { next, done, &b };
	char err[ERRLEN] = "";
	int rc = env->t->send_requests(env->pool[0], &rq, env->stop, err);
	if (rc == 0 && b.stopped_for)
		rc = b.stopped_for;
	settle(&b, rc, rc == KA_STOPPED ? "not tried: the agent is stopping" : err);
	free(b.v);
}
