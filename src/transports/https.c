/* HTTPS request sink (type = https): a file goes to an HTTP API as
 * numbered requests (transport.h, struct tr_requests), authorised by a
 * token from an OAuth2 or login flow, a token file, or Basic credentials.
 * This file holds the table: the keys, check_remote, connect and close,
 * probe (check-config) and libcurl's set-up; the rest is in the files
 * https_int.h lists. */
#include "https_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const https_keys[] = {
	"template", "url", "auth", "token_url", "client_id", "client_secret_file", "audience",
	"user", "password_file", "token_file", "login_url", "token_field", "ca_file",
	"connect_timeout", "io_timeout", "connections", "max_requests_per_second", "headers",
	"proxy", NULL,
};

static void https_check_remote(const struct remote_config *rc, const char *file,
			       struct diag *d)
{
	struct https_opts o;
	https_opts_parse(rc, file, d, &o);
	https_opts_release(&o);
}

static int https_connect(const struct remote_config *rc, const struct logger *lg,
			 struct tconn **out, char *err)
{
	struct tconn *c = xcalloc(1, sizeof(*c));
	struct diag d = { 0 };
	int r = KA_PERMANENT;
	c->lg = lg;
	if (https_opts_parse(rc, rc->sec.name, &d, &c->o) != 0) {
		/* Messages start with "NAME: [remote NAME]": keep the bracket on. */
		const char *m = strchr(d.msgs[0], '[');
		snprintf(err, ERRLEN, "%s", m ? m : d.msgs[0]);
		goto out;
	}
	r = https_secrets_load(c, err);
out:
	diag_release(&d);
	if (r != 0) {
		https_opts_release(&c->o);
		free(c);
		return r;
	}
	*out = c;
	return 0;
}

static void https_close(struct tconn *c)
{
	if (!c)
		return;
	if (c->multi)
		curl_multi_cleanup(c->multi);  /* its requests are all removed */
	for (size_t i = 0; i < ARRAY_SIZE(c->easy); i++)
		if (c->easy[i])
			curl_easy_cleanup(c->easy[i]);
	https_wipe(c->secret);
	https_wipe(c->password);
	https_wipe(c->tok.value);
	https_opts_release(&c->o);
	free(c);
}

/* check-config: reach the API (resolve, connect, TLS verified) without
 * sending data, then get a token the way sending would (basic: the
 * credentials are only checked by the first request). With auth = none a
 * HEAD of url that gets any HTTP answer counts as reached. */
static int https_probe(struct tconn *c, char *err)
{
	CURL *h = curl_easy_init();
	char errbuf[CURL_ERROR_SIZE] = "";
	CURLcode cc = h ? https_easy_setup(c, h, errbuf) : CURLE_OUT_OF_MEMORY;
	if (cc == CURLE_OK) cc = curl_easy_setopt(h, CURLOPT_URL, c->o.url);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(h, c->o.auth == AUTH_NONE ? CURLOPT_NOBODY
				      : CURLOPT_CONNECT_ONLY, 1L);
	if (cc == CURLE_OK)
		cc = curl_easy_perform(h);
	int r = 0;
	if (cc != CURLE_OK)
		r = https_curl_error(c, cc, errbuf, "connecting to", c->o.url, err);
	if (h)
		curl_easy_cleanup(h);
	if (r == 0)
		r = https_token_get(c, 1, err);
	return r;
}

/* libcurl's global state: curl_global_init counts its calls and
 * curl_global_cleanup frees only at the last, as smtp.c and imap.c hold
 * their references. */
static int https_init(char *err)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK)
		return 0;
	snprintf(err, ERRLEN, "cannot initialise libcurl");
	return KA_ERR;
}

const struct transport_ops transport_https = {
	.type = "https",
	.roles = TR_REQUEST_DEST,
	.keys = https_keys,
	.init = https_init,
	.shutdown = curl_global_cleanup,
	.check_remote = https_check_remote,
	.connect = https_connect,
	.probe = https_probe,
	.send_requests = https_send_requests,
	.close = https_close,
};
