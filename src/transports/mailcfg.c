/* Settings shared by the IMAP and SMTP remotes, and libcurl error mapping. */
#include "mailcfg.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common.h"

#define DEFAULT_CONNECT_TIMEOUT 30
#define SECRET_MAX 4096

/* Parse URL into scheme, host and port. Returns 0 or -1 with a reason. */
static int parse_url(const char *url, const struct mail_proto *p, char **scheme,
		     char **host, char **port, char *why, size_t whylen)
{
	CURLU *u = curl_url();
	char *user = NULL, *path = NULL, *query = NULL;
	int rc = -1;
	*scheme = *host = *port = NULL;
	if (!u || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK) {
		snprintf(why, whylen, "'%s' is not a URL like %s://host[:port]", url, p->secure);
		goto out;
	}
	curl_url_get(u, CURLUPART_SCHEME, scheme, 0);
	curl_url_get(u, CURLUPART_HOST, host, 0);
	curl_url_get(u, CURLUPART_PORT, port, CURLU_DEFAULT_PORT);
	curl_url_get(u, CURLUPART_USER, &user, 0);
	curl_url_get(u, CURLUPART_PATH, &path, 0);
	curl_url_get(u, CURLUPART_QUERY, &query, 0);
	if (!*scheme || (strcmp(*scheme, p->secure) && strcmp(*scheme, p->plain)))
		snprintf(why, whylen, "'%s' must start with %s:// or %s://", url, p->secure, p->plain);
	else if (user)
		snprintf(why, whylen, "put the user in 'user' and the password in 'password_file', "
			 "not in the URL");
	else if ((path && strcmp(path, "/") != 0) || query)
		snprintf(why, whylen, "'%s' must not have a path (the route names the %s)", url,
			 strcmp(p->name, "IMAP") == 0 ? "mailbox" : "recipients");
	else if (!*host || !**host)
		snprintf(why, whylen, "'%s' has no host", url);
	else
		rc = 0;
out:
	curl_free(user);
	curl_free(path);
	curl_free(query);
	curl_url_cleanup(u);
	return rc;
}

static int parse_timeout(const char *v, long *out)
{
	long long n;
	if (parse_int_range(v, 1, 3600, &n) != 0)
		return -1;
	*out = (long)n;
	return 0;
}

int mailcfg_secret_ok(const char *path, char *why, size_t whylen)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		snprintf(why, whylen, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "%s is not a regular file", path);
		return -1;
	}
	if (st.st_mode & 077) {
		snprintf(why, whylen, "%s is readable by others (mode %04o); chmod 600 it",
			 path, (unsigned)(st.st_mode & 07777));
		return -1;
	}
	return 0;
}

void mailcfg_check(const struct remote_config *rc, const struct mail_proto *p,
		   const char *file, struct diag *d)
{
	const char *name = rc->sec.name;
	char why[ERRLEN];
	const char *url = section_get(&rc->sec, "url", NULL);
	char *scheme = NULL, *host = NULL, *port = NULL;
	if (!url)
		diag_add(d, "%s: [remote %s] url: missing required key (%s://host[:port])", file,
			 name, p->secure);
	else if (parse_url(url, p, &scheme, &host, &port, why, sizeof(why)) != 0)
		diag_add(d, "%s: [remote %s] url: %s", file, name, why);
	const char *tls = section_get(&rc->sec, "tls", "required");
	if (strcmp(tls, "required") && strcmp(tls, "none"))
		diag_add(d, "%s: [remote %s] tls: '%s' is not required or none", file, name, tls);
	else if (!strcmp(tls, "none") && scheme && !strcmp(scheme, p->secure))
		diag_add(d, "%s: [remote %s] tls: none contradicts %s:// (use %s://)", file, name,
			 p->secure, p->plain);
	const char *user = section_get(&rc->sec, "user", NULL);
	const char *pw = section_get(&rc->sec, "password_file", NULL);
	if (!user && p->user_required)
		diag_add(d, "%s: [remote %s] user: missing required key", file, name);
	if (user && !pw)
		diag_add(d, "%s: [remote %s] password_file: missing required key", file, name);
	if (pw && mailcfg_secret_ok(pw, why, sizeof(why)) != 0)
		diag_add(d, "%s: [remote %s] password_file: %s", file, name, why);
	const char *ca = section_get(&rc->sec, "ca_file", NULL);
	if (ca && access(ca, R_OK) != 0)
		diag_add(d, "%s: [remote %s] ca_file: cannot read %s: %s", file, name, ca,
			 strerror(errno));
	const char *ct = section_get(&rc->sec, "connect_timeout", NULL);
	long t;
	if (ct && parse_timeout(ct, &t) != 0)
		diag_add(d, "%s: [remote %s] connect_timeout: '%s' is not a number of seconds "
			 "between 1 and 3600", file, name, ct);
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
}

int mailcfg_read_secret(const char *key, const char *path, char **out, char *err)
{
	char why[ERRLEN];
	if (mailcfg_secret_ok(path, why, sizeof(why)) != 0) {
		snprintf(err, ERRLEN, "%s: %.480s", key, why);
		return KA_PERMANENT;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, ERRLEN, "%s: cannot open %s: %s", key, path, strerror(errno));
		return KA_PERMANENT;
	}
	char *buf = xcalloc(1, SECRET_MAX + 1);
	ssize_t n = read(fd, buf, SECRET_MAX);
	close(fd);
	if (n < 0) {
		snprintf(err, ERRLEN, "%s: cannot read %s: %s", key, path, strerror(errno));
		free(buf);
		return KA_PERMANENT;
	}
	buf[strcspn(buf, "\r\n")] = '\0';  /* the first line is the secret */
	if (!*buf) {
		snprintf(err, ERRLEN, "%s: %s is empty", key, path);
		free(buf);
		return KA_PERMANENT;
	}
	*out = buf;
	return 0;
}

int mailcfg_load(const struct remote_config *rc, const struct mail_proto *p,
		 struct mailcfg *out, char *err)
{
	memset(out, 0, sizeof(*out));
	const char *name = rc->sec.name;
	char why[ERRLEN];
	char *scheme = NULL, *host = NULL, *port = NULL;
	const char *url = section_get(&rc->sec, "url", "");
	int rc2 = KA_PERMANENT;
	if (parse_url(url, p, &scheme, &host, &port, why, sizeof(why)) != 0) {
		snprintf(err, ERRLEN, "[remote %.64s] url: %.400s", name, why);
		goto out;
	}
	out->url = xasprintf("%s://%s:%s", scheme, host, port);
	out->host = xasprintf("%s:%s", host, port);
	out->tls_none = strcmp(section_get(&rc->sec, "tls", "required"), "none") == 0;
	const char *user = section_get(&rc->sec, "user", NULL);
	out->user = user ? xstrdup(user) : NULL;
	const char *ca = section_get(&rc->sec, "ca_file", NULL);
	out->ca_file = ca ? xstrdup(ca) : NULL;
	out->connect_timeout = DEFAULT_CONNECT_TIMEOUT;
	const char *ct = section_get(&rc->sec, "connect_timeout", NULL);
	if (ct && parse_timeout(ct, &out->connect_timeout) != 0) {
		snprintf(err, ERRLEN, "[remote %s] connect_timeout: '%s' is not a number of seconds",
			 name, ct);
		goto out;
	}
	const char *pw = section_get(&rc->sec, "password_file", NULL);
	if (user && !pw) {
		snprintf(err, ERRLEN, "[remote %s] password_file: missing required key", name);
		goto out;
	}
	if (pw && mailcfg_read_secret("password_file", pw, &out->password, why) != 0) {
		snprintf(err, ERRLEN, "[remote %.64s] %.400s", name, why);
		goto out;
	}
	rc2 = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	if (rc2 != 0)
		mailcfg_release(out);
	return rc2;
}

void mailcfg_release(struct mailcfg *m)
{
	if (m->password) {
		/* Do not leave the secret in freed memory. */
		volatile char *v = m->password;
		while (*v)
			*v++ = '\0';
	}
	free(m->password);
	free(m->url);
	free(m->host);
	free(m->user);
	free(m->ca_file);
	memset(m, 0, sizeof(*m));
}

CURLcode mailcfg_apply(CURL *h, const struct mailcfg *m, const struct mail_proto *p,
		       char *errbuf)
{
	CURLcode rc = CURLE_OK;
#define SET(opt, val) do { if (rc == CURLE_OK) rc = curl_easy_setopt(h, opt, val); } while (0)
	SET(CURLOPT_ERRORBUFFER, errbuf);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_PROTOCOLS_STR, m->tls_none ? p->plain : m->url[strlen(p->plain)] == 's'
		? p->secure : p->plain);
	SET(CURLOPT_CONNECTTIMEOUT, m->connect_timeout);
	/* Certificates are always verified; ca_file adds a private CA. */
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	if (m->ca_file)
		SET(CURLOPT_CAINFO, m->ca_file);
	/* imap:// and smtp:// must upgrade with STARTTLS unless tls = none. */
	SET(CURLOPT_USE_SSL, m->tls_none ? (long)CURLUSESSL_NONE : (long)CURLUSESSL_ALL);
	if (m->user) {
		SET(CURLOPT_USERNAME, m->user);
		SET(CURLOPT_PASSWORD, m->password);
	}
	SET(CURLOPT_TCP_NODELAY, 1L);
#undef SET
	return rc;
}

static int is_transient(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST: case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT: case CURLE_SEND_ERROR: case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING: case CURLE_SSL_CONNECT_ERROR: case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_PARTIAL_FILE: case CURLE_AGAIN:
		return 1;
	default:
		return 0;
	}
}

int mailcfg_curl_error(const struct mailcfg *m, const struct mail_proto *p, CURLcode rc,
		       const char *errbuf, const char *doing, char *err)
{
	const char *detail = errbuf && *errbuf ? errbuf : curl_easy_strerror(rc);
	switch (rc) {
	case CURLE_LOGIN_DENIED:
		snprintf(err, ERRLEN, "%s server %s refused the login of user '%s': wrong user "
			 "or password (check password_file)", p->name, m->host,
			 m->user ? m->user : "");
		return KA_PERMANENT;
	case CURLE_PEER_FAILED_VERIFICATION:
		snprintf(err, ERRLEN, "%s server %s: its TLS certificate is not trusted (%s); "
			 "set ca_file to the CA that signed it", p->name, m->host, detail);
		return KA_PERMANENT;
	case CURLE_SSL_CACERT_BADFILE:
		snprintf(err, ERRLEN, "%s server %s: cannot load ca_file %s (%s)", p->name,
			 m->host, m->ca_file ? m->ca_file : "(system)", detail);
		return KA_PERMANENT;
	case CURLE_USE_SSL_FAILED:
		snprintf(err, ERRLEN, "%s server %s does not offer STARTTLS; use %s:// or, on a "
			 "trusted network only, tls = none", p->name, m->host, p->secure);
		return KA_PERMANENT;
	default:
		break;
	}
	snprintf(err, ERRLEN, "%s server %s: %s failed: %s", p->name, m->host, doing, detail);
	return is_transient(rc) ? KA_TRANSIENT : KA_ERR;
}
