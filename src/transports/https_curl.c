/* libcurl for the HTTPS sink: the options every handle gets (TLS always
 * verified, the proxy or none, timeouts, Basic credentials), and failed
 * transfers turned into sentences and KA_* codes. */
#include "autoconfig.h"
#include "https_int.h"

#include <stdio.h>
#include <stdlib.h>

void https_wipe(char *s)
{
	if (!s)
		return;
	for (volatile char *v = s; *v; v++)
		*v = '\0';
	free(s);
}

CURLcode https_easy_setup(const struct tconn *c, CURL *h, char *errbuf)
{
	CURLcode rc = CURLE_OK;
#define SET(opt, val) do { if (rc == CURLE_OK) rc = curl_easy_setopt(h, opt, val); } while (0)
	SET(CURLOPT_ERRORBUFFER, errbuf);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_PROTOCOLS_STR, "https");
	/* Certificates are always verified; ca_file names a private CA. */
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	if (c->o.ca_file)
		SET(CURLOPT_CAINFO, c->o.ca_file);
	/* "": no proxy, whatever https_proxy the environment holds. */
	SET(CURLOPT_PROXY, c->o.proxy ? c->o.proxy : "");
	SET(CURLOPT_CONNECTTIMEOUT, c->o.connect_timeout);
	/* A token request or a probe is small: connecting plus io_timeout is
	 * plenty. Requests replace this with their own stall check. */
	SET(CURLOPT_TIMEOUT, c->o.connect_timeout + c->o.io_timeout);
	SET(CURLOPT_TCP_NODELAY, 1L);
	SET(CURLOPT_TCP_KEEPALIVE, 1L);
	SET(CURLOPT_USERAGENT, "kargo-agent/" PACKAGE_VERSION);
	if (c->o.auth == AUTH_BASIC) {
		SET(CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		SET(CURLOPT_USERNAME, c->o.user);
		SET(CURLOPT_PASSWORD, c->password);
	}
#undef SET
	return rc;
}

int https_fatal(CURLcode cc)
{
	switch (cc) {
	case CURLE_PEER_FAILED_VERIFICATION: case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM: case CURLE_SSL_CIPHER: case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_CRL_BADFILE: case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT: case CURLE_OUT_OF_MEMORY:
		return 1;
	default:
		return 0;
	}
}

int https_curl_error(const struct tconn *c, CURLcode cc, const char *errbuf, const char *doing,
		     const char *url, char *err)
{
	const char *detail = errbuf && *errbuf ? errbuf : curl_easy_strerror(cc);
	switch (cc) {
	case CURLE_PEER_FAILED_VERIFICATION:
		snprintf(err, ERRLEN, "%s %s: the server's TLS certificate is not trusted (%s); "
			 "set ca_file to the CA that signed it", doing, url, detail);
		return KA_PERMANENT;
	case CURLE_SSL_CACERT_BADFILE:
		snprintf(err, ERRLEN, "%s %s: cannot load ca_file %s (%s)", doing, url,
			 c->o.ca_file ? c->o.ca_file : "(system)", detail);
		return KA_PERMANENT;
	case CURLE_COULDNT_RESOLVE_HOST:
		snprintf(err, ERRLEN, "%s %s: cannot resolve the host (%s)", doing, url, detail);
		return KA_TRANSIENT;
	case CURLE_COULDNT_CONNECT:
		snprintf(err, ERRLEN, "%s %s: cannot connect (%s)", doing, url, detail);
		return KA_TRANSIENT;
	default:
		snprintf(err, ERRLEN, "%s %s: %s", doing, url, detail);
		return https_fatal(cc) ? KA_PERMANENT : KA_TRANSIENT;
	}
}
