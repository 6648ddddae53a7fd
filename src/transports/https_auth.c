/* Tokens for the HTTPS sink: the OAuth2 client-credentials and password
 * grants and a login (a JSON POST whose reply holds the token), a token
 * read from a file, and the secret files behind them. A token is fetched
 * once per connection, kept until shortly before it expires (and in the
 * cache file between runs, https_cache.c), and shared by every request. */
#include "https_int.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mailcfg.h"

#define TOKEN_REPLY_MAX (64 * 1024)
#define REFRESH_MARGIN 60   /* seconds before expiry, or a tenth of the lifetime */

/* A token reply, read whole up to TOKEN_REPLY_MAX bytes. */
struct grow {
	char *buf;
	size_t len;
	int over;
};

static size_t grow_write(char *data, size_t size, size_t n, void *arg)
{
	struct grow *g = arg;
	size_t len = size * n;
	if (g->len + len > TOKEN_REPLY_MAX) {
		g->over = 1;
		return 0;
	}
	g->buf = xrealloc(g->buf, g->len + len + 1);
	memcpy(g->buf + g->len, data, len);
	g->len += len;
	g->buf[g->len] = '\0';
	return len;
}

int https_secrets_load(struct tconn *c, char *err)
{
	char why[ERRLEN];
	int r = 0;
	if (c->o.client_secret_file)
		r = mailcfg_read_secret("client_secret_file", c->o.client_secret_file, &c->secret,
					why);
	if (r == 0 && c->o.password_file)
		r = mailcfg_read_secret("password_file", c->o.password_file, &c->password, why);
	if (r != 0)
		snprintf(err, ERRLEN, "[remote %.64s] %.400s", c->o.name, why);
	return r;
}

char *https_auth_header(const struct tconn *c)
{
	return c->tok.value ? xasprintf("Authorization: Bearer %s", c->tok.value) : NULL;
}

/* The error the token endpoint gave, from its JSON (error,
 * error_description, message): never the whole body, which could echo
 * what was sent. "" when it says nothing readable. */
static void reply_reason(json_t *j, char *out, size_t len)
{
	const char *keys[] = { "error", "error_description", "message" };
	size_t o = 0;
	out[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(keys) && j; i++) {
		const char *v = json_string_value(json_object_get(j, keys[i]));
		if (!v || o >= len)
			continue;
		int n = snprintf(out + o, len - o, "%s%s: %.120s", o ? ", " : " (", keys[i], v);
		o += n > 0 ? (size_t)n : 0;
	}
	for (char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	if (o > 0 && o + 1 < len)
		snprintf(out + o, len - o, ")");
}

/* POST BODY (JSON) to URL; the reply's JSON into *OUT. STEP names the
 * request in errors ("token request to", "login to"). */
static int post_json(struct tconn *c, const char *url, const char *body, const char *step,
		     json_t **out, char *err)
{
	CURL *h = curl_easy_init();
	struct curl_slist *hdrs = NULL, *n;
	struct grow g = { 0 };
	char errbuf[CURL_ERROR_SIZE] = "";
	long status = 0;
	int r = KA_PERMANENT;
	CURLcode cc = h ? https_easy_setup(c, h, errbuf) : CURLE_OUT_OF_MEMORY;
	if ((n = curl_slist_append(hdrs, "Content-Type: application/json")))
		hdrs = n;
	if ((n = hdrs ? curl_slist_append(hdrs, "Accept: application/json") : NULL))
		hdrs = n;
	if (cc == CURLE_OK && !n) cc = CURLE_OUT_OF_MEMORY;
	if (cc == CURLE_OK) cc = curl_easy_setopt(h, CURLOPT_URL, url);
	if (cc == CURLE_OK) cc = curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	if (cc == CURLE_OK) cc = curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	if (cc == CURLE_OK) cc = curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, grow_write);
	if (cc == CURLE_OK) cc = curl_easy_setopt(h, CURLOPT_WRITEDATA, &g);
	if (cc == CURLE_OK) cc = curl_easy_perform(h);
	if (cc == CURLE_OK) cc = curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	json_t *j = cc == CURLE_OK && g.buf ? json_loadb(g.buf, g.len, 0, NULL) : NULL;
	char reason[300];
	reply_reason(json_is_object(j) ? j : NULL, reason, sizeof(reason));
	if (cc != CURLE_OK && g.over) {
		snprintf(err, ERRLEN, "%s %s: the reply is over %d bytes", step, url, TOKEN_REPLY_MAX);
	} else if (cc != CURLE_OK) {
		r = https_curl_error(c, cc, errbuf, step, url, err);
	} else if (status < 200 || status >= 300) {
		int later = status == 408 || status == 429 || status >= 500;
		snprintf(err, ERRLEN, "%s %s: HTTP %ld%s%s", step, url, status, reason,
			 later ? "" : strcmp(step, "login to") == 0
			 ? "; check user and password_file" : "; check the client and user "
			 "settings and their secret files");
		r = later ? KA_TRANSIENT : KA_PERMANENT;
	} else if (!json_is_object(j)) {
		snprintf(err, ERRLEN, "%s %s: the reply is not a JSON object", step, url);
	} else {
		*out = j;
		j = NULL;
		r = 0;
	}
	json_decref(j);
	if (g.buf)
		https_wipe(g.buf);  /* it holds a token */
	curl_slist_free_all(hdrs);
	if (h)
		curl_easy_cleanup(h);
	return r;
}

/* The value at dotted PATH ("data.token") in J, or NULL. */
static json_t *json_path(json_t *j, const char *path)
{
	char *copy = xstrdup(path), *save = NULL;
	for (char *t = strtok_r(copy, ".", &save); t && j; t = strtok_r(NULL, ".", &save))
		j = json_object_get(j, t);
	free(copy);
	return j;
}

/* The request's JSON body for C's flow: the secrets are in it, so the
 * caller wipes it. */
static char *token_body(const struct tconn *c)
{
	json_t *b = json_object();
	if (c->o.auth == AUTH_LOGIN) {
		json_object_set_new(b, "username", json_string(c->o.user));
		json_object_set_new(b, "password", json_string(c->password));
	} else {
		json_object_set_new(b, "grant_type", json_string(c->o.auth == AUTH_PASSWORD
								   ? "password" : "client_credentials"));
		if (c->o.client_id)
			json_object_set_new(b, "client_id", json_string(c->o.client_id));
		if (c->secret)
			json_object_set_new(b, "client_secret", json_string(c->secret));
		if (c->o.audience)
			json_object_set_new(b, "audience", json_string(c->o.audience));
		if (c->o.auth == AUTH_PASSWORD) {
			json_object_set_new(b, "username", json_string(c->o.user));
			json_object_set_new(b, "password", json_string(c->password));
		}
	}
	char *s = json_dumps(b, JSON_COMPACT);
	json_decref(b);
	char *out = s ? xstrdup(s) : NULL;
	if (s) {
		memset(s, 0, strlen(s));
		free(s);
	}
	return out;
}

/* A token fit for a header: printable ASCII without spaces. */
static int token_ok(const char *t)
{
	if (!*t)
		return 0;
	for (const unsigned char *p = (const unsigned char *)t; *p; p++)
		if (*p <= ' ' || *p >= 0x7f)
			return 0;
	return 1;
}

/* Take TOKEN valid for LIFETIME seconds as C's token. */
static void token_set(struct tconn *c, const char *token, int64_t lifetime)
{
	int64_t now = now_s();
	int64_t margin = lifetime / 10 < REFRESH_MARGIN ? lifetime / 10 : REFRESH_MARGIN;
	https_wipe(c->tok.value);
	c->tok.value = xstrdup(token);
	c->tok.expires = now + lifetime;
	c->tok.refresh_at = now + lifetime - margin;
	c->tok.gen++;
}

/* Fetch a token through C's flow (OAuth2 or login) into C. */
static int token_fetch(struct tconn *c, char *err)
{
	int login = c->o.auth == AUTH_LOGIN;
	const char *url = login ? c->o.login_url : c->o.token_url;
	const char *step = login ? "login to" : "token request to";
	const char *field = login ? c->o.token_field : "access_token";
	char *body = token_body(c);
	json_t *j = NULL;
	int r = body ? post_json(c, url, body, step, &j, err) : KA_ERR;
	if (!body)
		snprintf(err, ERRLEN, "%s %s: cannot write the request", step, url);
	https_wipe(body);
	if (r != 0)
		return r;
	const char *tok = json_string_value(json_path(j, field));
	json_t *exp = json_object_get(j, "expires_in");
	int64_t lifetime = json_is_number(exp) ? (int64_t)json_number_value(exp)
		: HTTPS_DEFAULT_LIFETIME;
	if (!tok) {
		snprintf(err, ERRLEN, "%s reply from %s has no field %s", login ? "login" : "token",
			 url, field);
		r = KA_PERMANENT;
	} else if (!token_ok(tok)) {
		snprintf(err, ERRLEN, "%s reply from %s: field %s is not a usable token (spaces "
			 "or control characters)", login ? "login" : "token", url, field);
		r = KA_PERMANENT;
	} else {
		token_set(c, tok, lifetime > 0 ? lifetime : 0);
		log_event(c->lg, LOG_INFO, "token_fetched", "remote=%s auth=%s expires_in=%lld",
			  c->o.name, https_auth_names[c->o.auth], (long long)lifetime);
		https_cache_store(c, &c->tok);
	}
	json_decref(j);  /* jansson keeps the token's bytes: freed, not wiped */
	return r;
}

int https_token_get(struct tconn *c, int fresh, char *err)
{
	if (c->o.auth == AUTH_NONE || c->o.auth == AUTH_BASIC)
		return 0;
	if (!fresh && c->tok.value && now_s() < c->tok.refresh_at)
		return 0;
	if (c->o.auth == AUTH_BEARER_FILE) {
		/* Read again each time: a 401 may mean the file was renewed. */
		char *t = NULL, why[ERRLEN];
		int r = mailcfg_read_secret("token_file", c->o.token_file, &t, why);
		if (r == 0 && !token_ok(str_trim(t))) {  /* trimmed in place */
			snprintf(why, sizeof(why), "token_file: %s does not hold a token "
				 "(spaces or control characters)", c->o.token_file);
			r = KA_PERMANENT;
		}
		if (r == 0)
			token_set(c, str_trim(t), INT64_MAX / 4);
		else
			snprintf(err, ERRLEN, "[remote %.64s] %.400s", c->o.name, why);
		https_wipe(t);
		return r;
	}
	if (!fresh) {
		struct https_token t = { 0 };
		if (https_cache_load(c, &t)) {
			https_wipe(c->tok.value);
			t.gen = c->tok.gen + 1;
			c->tok = t;
			log_event(c->lg, LOG_DEBUG, "token_cached", "remote=%s expires_at=%lld",
				  c->o.name, (long long)t.expires);
			return 0;
		}
	}
	return token_fetch(c, err);
}
