/* deliver_requests (src/deliver_requests.c) against a scripted request
 * transport and a real manifest: what each answer makes of a file (done,
 * refused → dead with the answer, retry → waits Retry-After, 409 with
 * on_conflict = delivered), the rest of a batch after a failure, resuming
 * without sending a done request again, and a changed spool copy. The
 * conversion is raw: one request per file, its body the file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "deliver.h"
#include "sha256.h"

/* The fake server answers by the body's first word. */
struct fake {
	int sent;
	char last_corr[160];
};

static int fake_send(struct tconn *c, const struct tr_requests *rq,
		     volatile const sig_atomic_t *stop, char *err)
{
	struct fake *fk = (struct fake *)c;
	struct tr_request req;
	int rc;
	(void)stop;
	while ((rc = rq->next(rq->ctx, &req, err)) == 1) {
		fk->sent++;
		snprintf(fk->last_corr, sizeof(fk->last_corr), "%s", req.correlation_id);
		struct tr_reply rp = { TR_OK, 201, 0, req.correlation_id, "{}", 2 };
		if (strncmp(req.body, "refuse", 6) == 0)
			rp = (struct tr_reply){ TR_REFUSED, 422, 0, NULL, "{\"error\":\"bad sku\"}", 19 };
		else if (strncmp(req.body, "retry", 5) == 0)
			rp = (struct tr_reply){ TR_RETRY, 429, 30, NULL, "slow down", 9 };
		else if (strncmp(req.body, "conflict", 8) == 0)
			rp = (struct tr_reply){ TR_REFUSED, 409, 0, NULL, "exists", 6 };
		rc = rq->done(rq->ctx, &req, &rp, err);
		if (rc != 0)
			return rc;
	}
	return rc;
}

static const struct transport_ops fake_ops = {
	.type = "fake", .roles = TR_REQUEST_DEST, .send_requests = fake_send,
};

struct world {
	char *dir;
	struct manifest m;
	struct route_config r;
	struct endpoint dest;
	struct fake fk;
	struct tconn *pool[1];
	struct deliver_env env;
	struct mfile f[4];
	struct mdelivery d[4];
	struct dfile df[4];
};

static void world_init(struct world *w)
{
	char tmpl[] = "/tmp/ka-dreq-XXXXXX";
	char err[ERRLEN];
	memset(w, 0, sizeof(*w));
	w->dir = xstrdup(mkdtemp(tmpl));
	char *db = path_join(w->dir, "m.db");
	assert_int_equal(manifest_open(&w->m, db, err), 0);
	free(db);
	w->r = (struct route_config){ .name = "r", .format = "text" };
	w->r.api.content_type = "text/plain";
	w->dest = (struct endpoint){ .path = "/v1/x", .text = "api:/v1/x", .convert = "raw" };
	w->pool[0] = (struct tconn *)&w->fk;
	w->env = (struct deliver_env){ .t = &fake_ops, .pool = w->pool, .npool = 1, .m = &w->m,
				       .r = &w->r };
}

/* File I with CONTENT in the spool and the manifest, its delivery pending. */
static void add_file(struct world *w, int i, const char *content)
{
	char err[ERRLEN], name[32];
	snprintf(name, sizeof(name), "f%d", i);
	char *path = path_join(w->dir, name);
	FILE *fp = fopen(path, "w");
	fputs(content, fp);
	fclose(fp);
	struct mfile *f = &w->f[i];
	*f = (struct mfile){ .route = "r", .source_uri = path, .name = xstrdup(name),
			     .size = (int64_t)strlen(content), .mtime = i, .spool_path = path,
			     .format = NULL };
	assert_int_equal(sha256_file(path, f->sha256), 0);
	assert_int_equal(manifest_add_file(&w->m, f, err), 0);
	w->d[i] = (struct mdelivery){ .file_id = f->id, .dest = "api:/v1/x", .state = DL_PENDING };
	assert_int_equal(manifest_add_delivery(&w->m, f->id, "api:/v1/x", 0, &w->d[i].id, err), 0);
	w->df[i] = (struct dfile){ .f = f, .d = &w->d[i] };
}

static void world_free(struct world *w, int n)
{
	for (int i = 0; i < n; i++) {
		free(w->df[i].final);
		free(w->f[i].name);
		unlink(w->f[i].spool_path);
		free(w->f[i].spool_path);
	}
	manifest_close(&w->m);
	char *cmd = xasprintf("rm -rf '%s'", w->dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(w->dir);
}

struct seen {
	int n;
	char state[16];
	long status;
	char reply[256], logging[200];
};

static int seen_one(void *ctx, const struct mrequest *rq)
{
	struct seen *s = ctx;
	s->n++;
	snprintf(s->state, sizeof(s->state), "%s", rq->state);
	s->status = rq->status;
	snprintf(s->reply, sizeof(s->reply), "%s", rq->reply ? rq->reply : "");
	snprintf(s->logging, sizeof(s->logging), "%s", rq->logging_id ? rq->logging_id : "");
	return 0;
}

static struct seen requests_of(struct world *w, int i)
{
	struct seen s = { 0 };
	char err[ERRLEN];
	assert_int_equal(manifest_requests(&w->m, w->f[i].id, seen_one, &s, err), 0);
	return s;
}

/* A refusal makes only its own file fail, for good, with the answer; the
 * other files of the batch are delivered. */
static void test_refused_and_done(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	add_file(&w, 0, "ok one");
	add_file(&w, 1, "refuse this");
	add_file(&w, 2, "ok three");
	deliver_requests(&w.env, &w.dest, w.df, 3);
	assert_int_equal(w.fk.sent, 3);
	assert_int_equal(w.df[0].rc, 0);
	assert_int_equal(w.df[2].rc, 0);
	assert_string_equal(w.df[0].final, "api:/v1/x (1 request)");
	assert_int_equal(w.df[1].rc, KA_PERMANENT);
	assert_non_null(strstr(w.df[1].err, "HTTP 422"));
	assert_non_null(strstr(w.df[1].err, "bad sku"));
	struct seen s = requests_of(&w, 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.state, RQ_DONE);
	assert_int_equal(s.status, 201);
	char corr[160];
	snprintf(corr, sizeof(corr), "%s-0", w.f[0].sha256);
	assert_string_equal(s.logging, corr);  /* the echoed Correlation-Id */
	s = requests_of(&w, 1);
	assert_string_equal(s.state, RQ_REFUSED);
	assert_string_equal(s.reply, "{\"error\":\"bad sku\"}");
	world_free(&w, 3);
}

/* An answer to retry stops the batch: that file waits the Retry-After,
 * the next is not tried (no attempt counted). */
static void test_retry_stops_batch(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	add_file(&w, 0, "retry me");
	add_file(&w, 1, "ok never sent");
	deliver_requests(&w.env, &w.dest, w.df, 2);
	assert_int_equal(w.fk.sent, 1);
	assert_int_equal(w.df[0].rc, KA_TRANSIENT);
	assert_int_equal(w.df[0].retry_after, 30);
	assert_int_equal(w.df[0].not_tried, 0);
	assert_int_equal(w.df[1].rc, KA_TRANSIENT);
	assert_int_equal(w.df[1].not_tried, 1);
	assert_int_equal(requests_of(&w, 0).n, 0);
	world_free(&w, 2);
}

/* A request already done is not sent again; a 409 counts as done when the
 * route says on_conflict = delivered. */
static void test_resume_and_conflict(void **state)
{
	(void)state;
	struct world w;
	char err[ERRLEN];
	world_init(&w);
	add_file(&w, 0, "ok resumed");
	add_file(&w, 1, "conflict");
	struct mrequest rq = { .delivery_id = w.d[0].id, .index = 0, .state = RQ_DONE,
			       .status = 201, .correlation_id = "x-0" };
	assert_int_equal(manifest_request_set(&w.m, &rq, err), 0);
	w.r.api.conflict_done = 1;
	deliver_requests(&w.env, &w.dest, w.df, 2);
	assert_int_equal(w.fk.sent, 1);  /* only the conflict */
	assert_int_equal(w.df[0].rc, 0);
	assert_int_equal(w.df[1].rc, 0);
	assert_string_equal(requests_of(&w, 1).state, RQ_DONE);
	assert_int_equal(requests_of(&w, 1).status, 409);
	world_free(&w, 2);
}

/* A spool copy that changed is never sent. */
static void test_changed_copy(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	add_file(&w, 0, "ok original");
	FILE *fp = fopen(w.f[0].spool_path, "w");
	fputs("ok changed!", fp);
	fclose(fp);
	deliver_requests(&w.env, &w.dest, w.df, 1);
	assert_int_equal(w.fk.sent, 0);
	assert_int_equal(w.df[0].rc, KA_CORRUPT);
	world_free(&w, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refused_and_done),
		cmocka_unit_test(test_retry_stops_batch),
		cmocka_unit_test(test_resume_and_conflict),
		cmocka_unit_test(test_changed_copy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
