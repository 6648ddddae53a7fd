/* https_driver: drive the HTTPS sink (transport_https) without the
 * pipeline, for tests/https/transport.sh.
 *
 *   https_driver CONFIG REMOTE probe
 *   https_driver CONFIG REMOTE send N PATH [--stop-at K]
 *
 * loads CONFIG with config_load (every check), connects to [remote REMOTE]
 * and either probes it (check-config's step) or sends N requests to PATH,
 * request I having the body {"n":I,"text":"body-I"} and the Correlation-Id
 * "corr-I". Each answer is printed as one line:
 *   reply index=I outcome=ok|retry|refused status=S retry_after=R logging_id=ID body=...
 * and the end as "result rc=RC" (and "error=..." when not 0). With
 * --stop-at K, done() fails on the K-th answer (1-based): the sink must
 * start nothing after it and still report the requests in flight.
 * The log (logfmt, debug) goes to stderr. Exit status: 0 when rc is 0,
 * 1 otherwise, 2 on a usage or configuration problem. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "config.h"
#include "diag.h"
#include "load.h"
#include "log.h"
#include "transports/transport.h"

struct run {
	long n, next, answered, stop_at;
	const char *path;
	char **bodies, **ids;
};

static int next_req(void *ctx, struct tr_request *req, char *err)
{
	struct run *r = ctx;
	(void)err;
	if (r->next >= r->n)
		return 0;
	long i = r->next++;
	r->bodies[i] = xasprintf("{\"n\":%ld,\"text\":\"body-%ld\"}", i, i);
	r->ids[i] = xasprintf("corr-%ld", i);
	*req = (struct tr_request){ .index = i, .method = "POST", .path = r->path,
				    .content_type = "application/json", .body = r->bodies[i],
				    .len = strlen(r->bodies[i]), .correlation_id = r->ids[i],
				    .tag = r->bodies[i] };
	printf("start index=%ld\n", i);
	return 1;
}

static int done_req(void *ctx, const struct tr_request *req, const struct tr_reply *rep,
		    char *err)
{
	struct run *r = ctx;
	static const char *const names[] = { "ok", "retry", "refused" };
	char body[200];
	size_t k = 0;
	for (size_t i = 0; i < rep->len && k + 1 < sizeof(body); i++)
		body[k++] = rep->body[i] == '\n' ? ' ' : rep->body[i];
	body[k] = '\0';
	if (req->tag != r->bodies[req->index])
		printf("tag mismatch index=%lld\n", (long long)req->index);
	printf("reply index=%lld outcome=%s status=%ld retry_after=%d logging_id=%s body=%s\n",
	       (long long)req->index, names[rep->outcome], rep->status, rep->retry_after,
	       rep->logging_id ? rep->logging_id : "-", body);
	fflush(stdout);
	if (++r->answered == r->stop_at) {
		snprintf(err, ERRLEN, "driver: stop at answer %ld", r->stop_at);
		return KA_ERR;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 4 || (strcmp(argv[3], "probe") && (strcmp(argv[3], "send") || argc < 6))) {
		fprintf(stderr, "usage: https_driver CONFIG REMOTE probe | send N PATH [--stop-at K]\n");
		return 2;
	}
	struct logger lg;
	log_init(&lg, LOG_DEBUG, stderr);
	char err[ERRLEN] = "";
	struct config cfg = { 0 };
	struct diag d = { 0 };
	if (transports_init(err) != 0) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	int load = config_load(argv[1], &cfg, &d);
	for (size_t i = 0; i < d.n; i++)
		printf("config %s\n", d.msgs[i]);
	const struct remote_config *rc = load == 0 ? config_remote(&cfg, argv[2]) : NULL;
	int status = 2;
	if (!rc) {
		printf("result rc=config\n");
		goto out;
	}
	struct tconn *c = NULL;
	int r = transport_https.connect(rc, &lg, &c, err);
	struct run run = { .stop_at = -1 };
	if (r == 0 && strcmp(argv[3], "probe") == 0) {
		r = transport_https.probe(c, err);
	} else if (r == 0) {
		run.n = atol(argv[4]);
		run.path = argv[5];
		if (argc > 7 && strcmp(argv[6], "--stop-at") == 0)
			run.stop_at = atol(argv[7]);
		run.bodies = xcalloc((size_t)run.n + 1, sizeof(char *));
		run.ids = xcalloc((size_t)run.n + 1, sizeof(char *));
		struct tr_requests rq = { next_req, done_req, &run };
		static volatile sig_atomic_t stop = 0;
		r = transport_https.send_requests(c, &rq, &stop, err);
	}
	printf("result rc=%d%s%s\n", r, r ? " error=" : "", r ? err : "");
	status = r == 0 ? 0 : 1;
	if (c)
		transport_https.close(c);
	for (long i = 0; i < run.n; i++) {
		free(run.bodies[i]);
		free(run.ids[i]);
	}
	free(run.bodies);
	free(run.ids);
out:
	diag_release(&d);
	if (cfg.path)
		config_release(&cfg);
	transports_shutdown();
	return status;
}
