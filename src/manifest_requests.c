/* The manifest's record of requests to APIs: a delivery to a request
 * destination is many requests; each acknowledged one is recorded as it is
 * answered, so a delivery interrupted at request N resumes at N, and show
 * lists what was sent and what was refused. */
#include "manifest.h"

#include "common.h"
#include "manifest_backend.h"

int manifest_request_set(struct manifest *m, const struct mrequest *rq, char *err)
{
	return m->be->request_set(m->db, rq, now_s(), err);
}

int manifest_requests_done(struct manifest *m, int64_t delivery_id, int64_t **idx, size_t *n,
			   char *err)
{
	return m->be->requests_done(m->db, delivery_id, idx, n, err);
}

int manifest_requests(struct manifest *m, int64_t file_id, mrequest_fn fn, void *ctx,
		      char *err)
{
	return m->be->requests(m->db, file_id, fn, ctx, err);
}
