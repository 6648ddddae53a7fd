/* The HTTPS sink's [remote] keys: a type = https section parsed and
 * checked into struct https_opts, for config checks (every problem) and
 * for connect (the same rules, so a remote that passed the check connects). */
#include "https_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "mailcfg.h"

const char *const https_auth_names[] = {
	"none", "oauth2-client-credentials", "oauth2-password", "login", "bearer-file", "basic",
	NULL,
};

/* Keys that belong to one flow or another, and the flows using each: a key
 * set for a flow that does not use it is a contradiction, not a default. */
static const struct {
	const char *key;
	unsigned used;        /* 1 << enum https_auth */
	unsigned required;
} auth_keys[] = {
	{ "token_url", 1u << AUTH_CLIENT_CREDENTIALS | 1u << AUTH_PASSWORD,
	  1u << AUTH_CLIENT_CREDENTIALS | 1u << AUTH_PASSWORD },
	{ "client_id", 1u << AUTH_CLIENT_CREDENTIALS | 1u << AUTH_PASSWORD,
	  1u << AUTH_CLIENT_CREDENTIALS },
	{ "client_secret_file", 1u << AUTH_CLIENT_CREDENTIALS | 1u << AUTH_PASSWORD,
	  1u << AUTH_CLIENT_CREDENTIALS },
	{ "audience", 1u << AUTH_CLIENT_CREDENTIALS | 1u << AUTH_PASSWORD, 0 },
	{ "user", 1u << AUTH_PASSWORD | 1u << AUTH_LOGIN | 1u << AUTH_BASIC,
	  1u << AUTH_PASSWORD | 1u << AUTH_LOGIN | 1u << AUTH_BASIC },
	{ "password_file", 1u << AUTH_PASSWORD | 1u << AUTH_LOGIN | 1u << AUTH_BASIC,
	  1u << AUTH_PASSWORD | 1u << AUTH_LOGIN | 1u << AUTH_BASIC },
	{ "token_file", 1u << AUTH_BEARER_FILE, 1u << AUTH_BEARER_FILE },
	{ "login_url", 1u << AUTH_LOGIN, 1u << AUTH_LOGIN },
	{ "token_field", 1u << AUTH_LOGIN, 1u << AUTH_LOGIN },
};

/* Headers the sink writes itself: a remote's headers = cannot set them. */
static const char *const own_headers[] = {
	"Authorization", "Content-Type", "Content-Length", "Correlation-Id", "Host",
	"Transfer-Encoding", "Expect", NULL,
};

static char *dup_key(const struct remote_config *rc, const char *key)
{
	const char *v = section_get(&rc->sec, key, NULL);
	return v && *v ? xstrdup(v) : NULL;
}

/* Why URL is not an https:// URL without credentials ("" when it is one).
 * PROXY: http:// is allowed too (the proxy, not the API, sees it). */
static int url_problem(const char *url, int proxy, char *why, size_t whylen)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *user = NULL;
	int rc = -1;
	if (!u || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK) {
		snprintf(why, whylen, "'%s' is not a URL like https://host[:port][/path]", url);
		goto out;
	}
	curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
	curl_url_get(u, CURLUPART_HOST, &host, 0);
	curl_url_get(u, CURLUPART_USER, &user, 0);
	if (!scheme || (strcmp(scheme, "https") && (!proxy || strcmp(scheme, "http"))))
		snprintf(why, whylen, "'%s' must start with https://%s", url,
			 proxy ? " or http://" : " (TLS is always used and verified)");
	else if (user)
		snprintf(why, whylen, "'%s' has credentials in it: they belong in a 0600 file "
			 "(user and password_file, client_secret_file)", url);
	else if (!host || !*host)
		snprintf(why, whylen, "'%s' has no host", url);
	else
		rc = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(user);
	curl_url_cleanup(u);
	return rc;
}

/* KEY's URL into *OUT when given and valid; REQUIRED: a problem when absent. */
static void url_key(const struct remote_config *rc, const char *key, int required,
		    const char *file, struct diag *d, char **out)
{
	char why[ERRLEN];
	*out = dup_key(rc, key);
	if (!*out) {
		if (required)
			diag_add(d, "%s: [remote %s] %s: missing required key", file, rc->sec.name,
				 key);
	} else if (url_problem(*out, strcmp(key, "proxy") == 0, why, sizeof(why)) != 0) {
		diag_add(d, "%s: [remote %s] %s: %s", file, rc->sec.name, key, why);
	}
}

/* The flow's keys: those it needs present, those it does not use absent. */
static void check_auth_keys(const struct remote_config *rc, const struct https_opts *o,
			    const char *file, struct diag *d)
{
	const char *flow = https_auth_names[o->auth];
	for (size_t i = 0; i < ARRAY_SIZE(auth_keys); i++) {
		const char *v = section_get(&rc->sec, auth_keys[i].key, NULL);
		unsigned bit = 1u << o->auth;
		if (!v && (auth_keys[i].required & bit))
			diag_add(d, "%s: [remote %s] %s: missing, and auth = %s needs it", file,
				 rc->sec.name, auth_keys[i].key, flow);
		else if (v && !(auth_keys[i].used & bit))
			diag_add(d, "%s: [remote %s] %s: not used with auth = %s (remove it, or "
				 "choose another auth)", file, rc->sec.name, auth_keys[i].key, flow);
	}
	if (o->auth == AUTH_PASSWORD && !o->client_id != !o->client_secret_file)
		diag_add(d, "%s: [remote %s] %s: auth = oauth2-password takes client_id and "
			 "client_secret_file together or neither", file, rc->sec.name,
			 o->client_id ? "client_secret_file" : "client_id");
	const char *secrets[] = { "client_secret_file", "password_file", "token_file" };
	for (size_t i = 0; i < ARRAY_SIZE(secrets); i++) {
		const char *p = section_get(&rc->sec, secrets[i], NULL);
		char why[ERRLEN];
		if (p && mailcfg_secret_ok(p, why, sizeof(why)) != 0)
			diag_add(d, "%s: [remote %s] %s: %s", file, rc->sec.name, secrets[i], why);
	}
	if (o->token_field && (o->token_field[0] == '.' || strstr(o->token_field, "..") ||
			       o->token_field[strlen(o->token_field) - 1] == '.'))
		diag_add(d, "%s: [remote %s] token_field: '%s' is not a dotted path like "
			 "data.token", file, rc->sec.name, o->token_field);
}

/* One "Name: value" of headers =; 0 or -1 with the reason in WHY. */
static int header_ok(const char *h, char *why, size_t whylen)
{
	const char *colon = strchr(h, ':');
	size_t nlen = colon ? (size_t)(colon - h) : 0;
	if (!colon || nlen == 0) {
		snprintf(why, whylen, "'%s' is not \"Name: value\"", h);
		return -1;
	}
	for (size_t i = 0; i < nlen; i++)
		if (h[i] <= ' ' || h[i] >= 0x7f || strchr("()<>@,;\\\"/[]?={}", h[i])) {
			snprintf(why, whylen, "'%.*s' is not a header name", (int)nlen, h);
			return -1;
		}
	for (const unsigned char *p = (const unsigned char *)colon; *p; p++)
		if ((*p < ' ' && *p != '\t') || *p == 0x7f) {
			snprintf(why, whylen, "the value of %.*s has a control character", (int)nlen, h);
			return -1;
		}
	for (size_t i = 0; own_headers[i]; i++)
		if (strlen(own_headers[i]) == nlen && !strncasecmp(own_headers[i], h, nlen)) {
			snprintf(why, whylen, "%s is set by kargo-agent itself", own_headers[i]);
			return -1;
		}
	return 0;
}

/* headers = "A: x; B: y" into O's list. */
static void parse_headers(const struct remote_config *rc, const char *file, struct diag *d,
			  struct https_opts *o)
{
	const char *v = section_get(&rc->sec, "headers", NULL);
	if (!v)
		return;
	char *copy = xstrdup(v), *save = NULL, why[ERRLEN];
	for (char *t = strtok_r(copy, ";", &save); t; t = strtok_r(NULL, ";", &save)) {
		t = str_trim(t);
		if (!*t)
			continue;
		if (header_ok(t, why, sizeof(why)) != 0) {
			diag_add(d, "%s: [remote %s] headers: %s", file, rc->sec.name, why);
			continue;
		}
		o->headers = xrealloc(o->headers, (o->nheaders + 1) * sizeof(*o->headers));
		o->headers[o->nheaders++] = xstrdup(t);
	}
	free(copy);
}

/* connections = is how many requests are in flight: the sink runs its
 * connections inside the one the pipeline opens, so sessions = (the
 * generic key for a remote's parallel connections) says nothing here. */
static int parse_connections(const struct remote_config *rc, const char *file,
			     struct diag *d, const char *where)
{
	if (section_get(&rc->sec, "sessions", NULL))
		diag_add(d, "%s: [%s] sessions: not used by an https remote (set connections, "
			 "the requests it keeps in flight)", file, where);
	return section_get_int(&rc->sec, "connections", 4, 1, HTTPS_MAX_CONNECTIONS, file,
			       where, d);
}

int https_opts_parse(const struct remote_config *rc, const char *file, struct diag *d,
		     struct https_opts *o)
{
	size_t n0 = d->n;
	char where[ERRLEN];
	memset(o, 0, sizeof(*o));
	o->name = xstrdup(rc->sec.name);
	snprintf(where, sizeof(where), "remote %s", rc->sec.name);
	url_key(rc, "url", 1, file, d, &o->url);
	if (o->url) {
		size_t len = strlen(o->url);
		while (len > 0 && o->url[len - 1] == '/')
			o->url[--len] = '\0';
	}
	const char *a = section_get(&rc->sec, "auth", NULL);
	size_t i = 0;
	while (a && https_auth_names[i] && strcmp(https_auth_names[i], a))
		i++;
	if (!a)
		diag_add(d, "%s: [%s] auth: missing required key (oauth2-client-credentials, "
			 "oauth2-password, login, bearer-file, basic or none)", file, where);
	else if (!https_auth_names[i])
		diag_add(d, "%s: [%s] auth: '%s' is not oauth2-client-credentials, "
			 "oauth2-password, login, bearer-file, basic or none", file, where, a);
	else
		o->auth = (enum https_auth)i;
	url_key(rc, "token_url", 0, file, d, &o->token_url);
	url_key(rc, "login_url", 0, file, d, &o->login_url);
	url_key(rc, "proxy", 0, file, d, &o->proxy);
	o->client_id = dup_key(rc, "client_id");
	o->client_secret_file = dup_key(rc, "client_secret_file");
	o->audience = dup_key(rc, "audience");
	o->user = dup_key(rc, "user");
	o->password_file = dup_key(rc, "password_file");
	o->token_file = dup_key(rc, "token_file");
	o->token_field = dup_key(rc, "token_field");
	o->ca_file = dup_key(rc, "ca_file");
	if (a && https_auth_names[i])
		check_auth_keys(rc, o, file, d);
	if (o->ca_file && access(o->ca_file, R_OK) != 0)
		diag_add(d, "%s: [%s] ca_file: cannot read %s: %s", file, where, o->ca_file,
			 strerror(errno));
	o->connect_timeout = section_get_int(&rc->sec, "connect_timeout", 10, 1, 3600, file,
					     where, d);
	o->io_timeout = section_get_int(&rc->sec, "io_timeout", 30, 1, 86400, file, where, d);
	o->connections = parse_connections(rc, file, d, where);
	o->max_rps = section_get_int(&rc->sec, "max_requests_per_second", 0, 0, 100000, file,
				     where, d);
	parse_headers(rc, file, d, o);
	o->token_cache = rc->token_cache ? xstrdup(rc->token_cache) : NULL;
	return d->n == n0 ? 0 : -1;
}

void https_opts_release(struct https_opts *o)
{
	free(o->name);
	free(o->url);
	free(o->token_url);
	free(o->client_id);
	free(o->client_secret_file);
	free(o->audience);
	free(o->user);
	free(o->password_file);
	free(o->token_file);
	free(o->login_url);
	free(o->token_field);
	free(o->ca_file);
	free(o->proxy);
	for (size_t i = 0; i < o->nheaders; i++)
		free(o->headers[i]);
	free(o->headers);
	free(o->token_cache);
	memset(o, 0, sizeof(*o));
}
