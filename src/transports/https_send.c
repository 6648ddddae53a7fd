/* send_requests for the HTTPS sink: libcurl's multi interface keeps up to
 * `connections` requests in flight over kept-alive connections (HTTP/2
 * streams when the server offers it), on the calling thread. Each request
 * taken from next() gets exactly one done() call, whatever happens: its
 * answer, or TR_RETRY with the reason there was none. */
#include "https_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One request in flight, on one of the connection's easy handles. */
struct slot {
	CURL *h;
	int busy;
	struct tr_request req;
	struct curl_slist *hdrs;
	char *url;
	char *auth;             /* "Authorization: Bearer ...": wiped */
	unsigned gen;           /* the token generation it was sent with */
	int resent;             /* sent again after a 401 */
	int64_t idle_until;     /* ms: no byte moving until then is a stall */
	curl_off_t moved;       /* bytes up and down so far */
	int stalled;            /* given up: no byte for io_timeout seconds */
	long io_timeout;
	struct https_answer ans;
	char errbuf[CURL_ERROR_SIZE];
};

struct sender {
	struct tconn *c;
	const struct tr_requests *rq;
	struct slot slots[HTTPS_MAX_CONNECTIONS];
	int nbusy;
	int no_more;            /* next said there are no more */
	int stopping;           /* start nothing new */
	int rc;                 /* what to return; err holds its sentence */
	char *err;
	char scratch[ERRLEN];   /* callbacks' errors once rc is set */
};

/* Where a callback or step writes its error: err for the first, scratch
 * for any after it. */
static char *err_buf(struct sender *s)
{
	return s->rc ? s->scratch : s->err;
}

/* The easy handles and the multi handle, made once per connection. */
static int setup(struct tconn *c, char *err)
{
	if (c->multi)
		return 0;
	CURLMcode mc = CURLM_OK;
	c->multi = curl_multi_init();
	if (!c->multi) {
		snprintf(err, ERRLEN, "cannot set up libcurl for %s", c->o.url);
		return KA_ERR;
	}
	long n = c->o.connections;
	mc = curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS, n);
	if (mc == CURLM_OK) mc = curl_multi_setopt(c->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, n);
	if (mc == CURLM_OK) mc = curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS, n);
	if (mc != CURLM_OK) {
		snprintf(err, ERRLEN, "cannot set up libcurl for %s: %s", c->o.url,
			 curl_multi_strerror(mc));
		return KA_ERR;
	}
	return 0;
}

/* libcurl's progress callback, at least once a second: a request with no
 * byte moving either way for io_timeout seconds is given up (libcurl's own
 * low-speed limit averages over several seconds and would wait longer). */
static int slot_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
			 curl_off_t ulnow)
{
	struct slot *s = arg;
	(void)dltotal;
	(void)ultotal;
	int64_t now = now_ms();
	if (dlnow + ulnow != s->moved) {
		s->moved = dlnow + ulnow;
		s->idle_until = now + s->io_timeout * 1000;
	} else if (now > s->idle_until) {
		s->stalled = 1;
		return 1;
	}
	return 0;
}

/* Slot S's handle with what stays the same from request to request. */
static CURLcode slot_init(struct tconn *c, struct slot *s, int i)
{
	if (!c->easy[i])
		c->easy[i] = curl_easy_init();
	s->h = c->easy[i];
	s->io_timeout = c->o.io_timeout;
	CURLcode cc = s->h ? https_easy_setup(c, s->h, s->errbuf) : CURLE_OUT_OF_MEMORY;
#define SET(opt, val) do { if (cc == CURLE_OK) cc = curl_easy_setopt(s->h, opt, val); } while (0)
	SET(CURLOPT_WRITEFUNCTION, https_answer_body);
	SET(CURLOPT_WRITEDATA, &s->ans);
	SET(CURLOPT_HEADERFUNCTION, https_answer_header);
	SET(CURLOPT_HEADERDATA, &s->ans);
	SET(CURLOPT_PRIVATE, s);
	SET(CURLOPT_TIMEOUT, 0L);
	SET(CURLOPT_NOPROGRESS, 0L);
	SET(CURLOPT_XFERINFOFUNCTION, slot_progress);
	SET(CURLOPT_XFERINFODATA, s);
	SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	SET(CURLOPT_PIPEWAIT, 1L);
#undef SET
	return cc;
}

/* The request's headers: token, type, id, the remote's own; no
 * "Expect: 100-continue" round trip before a large body. */
static struct curl_slist *headers(const struct tconn *c, struct slot *s)
{
	char *ct = xasprintf("Content-Type: %s", s->req.content_type ? s->req.content_type
			     : "application/octet-stream");
	char *id = s->req.correlation_id ? xasprintf("Correlation-Id: %s", s->req.correlation_id)
		: NULL;
	const char *fixed[] = { s->auth, ct, id, "Expect:" };
	struct curl_slist *l = NULL, *n;
	int ok = 1;
	for (size_t i = 0; i < ARRAY_SIZE(fixed) && ok; i++)
		if (fixed[i] && (ok = (n = curl_slist_append(l, fixed[i])) != NULL))
			l = n;
	for (size_t i = 0; i < c->o.nheaders && ok; i++)
		if ((ok = (n = curl_slist_append(l, c->o.headers[i])) != NULL))
			l = n;
	free(ct);
	free(id);
	if (!ok) {
		curl_slist_free_all(l);
		return NULL;
	}
	return l;
}

/* Put slot S's request on the wire (again, after a 401) with the current token. */
static CURLcode slot_send(struct sender *sd, struct slot *s)
{
	struct tconn *c = sd->c;
	curl_slist_free_all(s->hdrs);
	https_wipe(s->auth);
	s->auth = https_auth_header(c);
	s->gen = c->tok.gen;
	s->hdrs = headers(c, s);
	https_answer_reset(&s->ans);
	s->errbuf[0] = '\0';
	/* Connecting has its own limit (connect_timeout) before the stall check. */
	s->idle_until = now_ms() + (c->o.connect_timeout + c->o.io_timeout) * 1000;
	s->moved = 0;
	s->stalled = 0;
	CURLcode cc = s->hdrs ? CURLE_OK : CURLE_OUT_OF_MEMORY;
	const char *method = s->req.method ? s->req.method : "POST";
	if (cc == CURLE_OK) cc = curl_easy_setopt(s->h, CURLOPT_URL, s->url);
	if (cc == CURLE_OK) cc = curl_easy_setopt(s->h, CURLOPT_HTTPHEADER, s->hdrs);
	if (cc == CURLE_OK) cc = curl_easy_setopt(s->h, CURLOPT_POSTFIELDSIZE_LARGE,
						  (curl_off_t)s->req.len);
	if (cc == CURLE_OK) cc = curl_easy_setopt(s->h, CURLOPT_POSTFIELDS,
						  s->req.body ? s->req.body : "");
	if (cc == CURLE_OK) cc = curl_easy_setopt(s->h, CURLOPT_CUSTOMREQUEST,
						  strcmp(method, "POST") ? method : NULL);
	if (cc == CURLE_OK && curl_multi_add_handle(c->multi, s->h) != CURLM_OK)
		cc = CURLE_FAILED_INIT;
	return cc;
}

/* Free what slot S held for its request; the handle stays for the next. */
static void slot_clear(struct sender *sd, struct slot *s)
{
	curl_multi_remove_handle(sd->c->multi, s->h);
	curl_easy_setopt(s->h, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(s->h, CURLOPT_POSTFIELDS, NULL);
	curl_slist_free_all(s->hdrs);
	s->hdrs = NULL;
	https_wipe(s->auth);
	s->auth = NULL;
	free(s->url);
	s->url = NULL;
	s->busy = 0;
	s->resent = 0;
	sd->nbusy--;
}

/* Hand slot S's final answer to done(), then free the slot. REASON, when
 * not NULL, is why there was no answer to keep. */
static void report(struct sender *sd, struct slot *s, const char *reason)
{
	struct https_answer *a = &s->ans;
	struct tr_reply rep = {
		.outcome = reason ? TR_RETRY : https_classify(a->status, a->cc),
		.status = reason ? 0 : a->status,
		.logging_id = a->correlation_id[0] ? a->correlation_id : NULL,
		.body = reason ? reason : a->body,
		.len = reason ? strlen(reason) : a->len,
	};
	char why[ERRLEN];
	if (!reason && a->cc != CURLE_OK) {  /* no answer: say why instead */
		if (s->stalled)
			snprintf(why, sizeof(why), "no answer from %s: nothing came for io_timeout "
				 "= %ld s", s->url, sd->c->o.io_timeout);
		else
			https_curl_error(sd->c, a->cc, s->errbuf, "no answer from", s->url, why);
		rep.status = 0;
		rep.logging_id = NULL;
		rep.body = why;
		rep.len = strlen(why);
	}
	if (rep.outcome == TR_RETRY && rep.status)
		rep.retry_after = https_retry_after(a->retry_after, now_s());
	log_event(sd->c->lg, LOG_DEBUG, "https_answer", "remote=%s index=%lld status=%ld "
		  "outcome=%s", sd->c->o.name, (long long)s->req.index, rep.status,
		  rep.outcome == TR_OK ? "ok" : rep.outcome == TR_RETRY ? "retry" : "refused");
	int r = sd->rq->done(sd->rq->ctx, &s->req, &rep, err_buf(sd));
	if (r != 0 && sd->rc == 0)
		sd->rc = r;
	if (r != 0)
		sd->stopping = 1;
	slot_clear(sd, s);
}

/* A 401 on slot S: a fresh token once (unless another request got one
 * since S was sent), then the request once more. 1 when sent again. */
static int retry_401(struct sender *sd, struct slot *s)
{
	struct tconn *c = sd->c;
	if (s->resent || c->o.auth == AUTH_NONE || c->o.auth == AUTH_BASIC)
		return 0;
	char why[ERRLEN];
	int r = c->tok.gen == s->gen ? https_token_get(c, 1, why) : 0;
	if (r != 0) {
		/* No token: nothing more can pass; this request is tried later. */
		if (sd->rc == 0) {
			sd->rc = r;
			snprintf(sd->err, ERRLEN, "%s", why);
		}
		sd->stopping = 1;
		report(sd, s, why);
		return 1;
	}
	curl_multi_remove_handle(c->multi, s->h);
	s->resent = 1;
	CURLcode cc = slot_send(sd, s);
	if (cc != CURLE_OK) {
		snprintf(why, sizeof(why), "cannot send to %s again: %s", s->url,
			 curl_easy_strerror(cc));
		report(sd, s, why);
	}
	return 1;
}

/* A transfer of slot S ended with CC. */
static void finished(struct sender *sd, struct slot *s, CURLcode cc)
{
	s->ans.cc = cc;
	if (cc == CURLE_OK)
		curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &s->ans.status);
	if (cc == CURLE_OK && s->ans.status == 401 && retry_401(sd, s))
		return;
	if (cc != CURLE_OK && https_fatal(cc)) {
		/* The destination as a whole is refused (its certificate): stop. */
		char why[ERRLEN];
		int r = https_curl_error(sd->c, cc, s->errbuf, "sending to", s->url, why);
		if (sd->rc == 0) {
			sd->rc = r;
			snprintf(sd->err, ERRLEN, "%s", why);
		}
		sd->stopping = 1;
	}
	report(sd, s, NULL);
}

/* Whether max_requests_per_second lets a request start now; when not,
 * *WAIT_MS says how long until it does. */
static int paced(struct sender *sd, long *wait_ms)
{
	if (sd->c->o.max_rps <= 0)
		return 1;
	double now = (double)now_ms();
	if (now < sd->c->next_start_ms) {
		*wait_ms = (long)(sd->c->next_start_ms - now) + 1;
		return 0;
	}
	double base = sd->c->next_start_ms > now - 1000.0 ? sd->c->next_start_ms : now;
	sd->c->next_start_ms = base + 1000.0 / sd->c->o.max_rps;
	return 1;
}

/* Start requests while there are free slots, more requests and the pace
 * allows; *WAIT_MS shortened to the next paced start. */
static void fill(struct sender *sd, long *wait_ms)
{
	struct tconn *c = sd->c;
	while (!sd->stopping && !sd->no_more && sd->nbusy < c->o.connections &&
	       paced(sd, wait_ms)) {
		struct slot *s = NULL;
		for (int i = 0; i < c->o.connections && !s; i++)
			if (!sd->slots[i].busy)
				s = &sd->slots[i];
		/* A token due for renewal is renewed before the next request. */
		int r = https_token_get(c, 0, err_buf(sd));
		if (r != 0) {
			sd->rc = sd->rc ? sd->rc : r;
			sd->stopping = 1;
			return;
		}
		memset(&s->req, 0, sizeof(s->req));
		r = sd->rq->next(sd->rq->ctx, &s->req, err_buf(sd));
		if (r <= 0) {
			sd->no_more = 1;
			if (r < 0 && sd->rc == 0)
				sd->rc = r;
			return;
		}
		s->busy = 1;
		sd->nbusy++;
		s->url = xasprintf("%s%s%s", c->o.url, s->req.path && *s->req.path == '/' ? "" : "/",
				   s->req.path ? s->req.path : "");
		CURLcode cc = slot_send(sd, s);
		if (cc != CURLE_OK) {
			char why[ERRLEN];
			snprintf(why, sizeof(why), "cannot send to %s: %s", s->url,
				 curl_easy_strerror(cc));
			if (sd->rc == 0) {
				sd->rc = KA_ERR;
				snprintf(sd->err, ERRLEN, "%s", why);
			}
			sd->stopping = 1;
			report(sd, s, why);
		}
	}
}

/* Hand every finished transfer to finished(). */
static void collect(struct sender *sd)
{
	CURLMsg *msg;
	int left;
	while ((msg = curl_multi_info_read(sd->c->multi, &left))) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		char *priv = NULL;
		CURLcode cc = msg->data.result;  /* msg is gone once the handle is removed */
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
		struct slot *s = (struct slot *)priv;
		if (s && s->busy)
			finished(sd, s, cc);
	}
}

int https_send_requests(struct tconn *c, const struct tr_requests *rq,
			volatile const sig_atomic_t *stop, char *err)
{
	int r = setup(c, err);
	if (r == 0)
		r = https_token_get(c, 0, err);
	if (r != 0)
		return r;
	struct sender *sd = xcalloc(1, sizeof(*sd));
	sd->c = c;
	sd->rq = rq;
	sd->err = err;
	for (int i = 0; i < c->o.connections && r == 0; i++)
		if (slot_init(c, &sd->slots[i], i) != CURLE_OK) {
			snprintf(err, ERRLEN, "cannot set up libcurl for %s", c->o.url);
			r = KA_ERR;
		}
	while (r == 0) {
		if (stop && *stop && !sd->stopping && !sd->no_more) {
			sd->stopping = 1;
			if (sd->rc == 0) {
				sd->rc = KA_STOPPED;
				snprintf(err, ERRLEN, "stopped: requests to %s not all sent", c->o.name);
			}
		}
		long wait_ms = 1000;
		fill(sd, &wait_ms);
		if (sd->nbusy == 0 && (sd->no_more || sd->stopping))
			break;
		int running = 0, before = sd->nbusy;
		CURLMcode mc = curl_multi_perform(c->multi, &running);
		collect(sd);
		/* Wait for the network (or the pace) unless a slot came free. */
		if (mc == CURLM_OK && sd->nbusy == before)
			mc = curl_multi_poll(c->multi, NULL, 0, (int)wait_ms, NULL);
		if (mc != CURLM_OK) {
			/* libcurl itself failed: every request in flight is tried later. */
			snprintf(err, ERRLEN, "libcurl failed sending to %s: %s", c->o.name,
				 curl_multi_strerror(mc));
			sd->rc = KA_ERR;
			sd->stopping = 1;
			for (int i = 0; i < c->o.connections; i++)
				if (sd->slots[i].busy)
					report(sd, &sd->slots[i], err);
		}
	}
	if (r == 0)
		r = sd->rc;
	free(sd);
	return r;
}
