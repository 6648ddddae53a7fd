/* What an API's answer says: its class (done, again later, never), how
 * long it asks to wait (Retry-After), and the part of it kept for the
 * manifest (the first 4 KiB and the echoed Correlation-Id). */
#include "https_int.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

void https_answer_reset(struct https_answer *a)
{
	a->status = 0;
	a->cc = CURLE_OK;
	a->body[0] = '\0';
	a->len = 0;
	a->correlation_id[0] = '\0';
	a->retry_after[0] = '\0';
}

/* The first HTTPS_REPLY_KEEP bytes are kept; the rest is read and dropped
 * (the connection stays usable for the next request). */
size_t https_answer_body(char *data, size_t size, size_t n, void *arg)
{
	struct https_answer *a = arg;
	size_t len = size * n, room = HTTPS_REPLY_KEEP - a->len;
	size_t take = len < room ? len : room;
	memcpy(a->body + a->len, data, take);
	a->len += take;
	a->body[a->len] = '\0';
	return len;
}

/* Copy the value of header line LINE (LEN bytes) named NAME into OUT, cut
 * to OUTLEN and without control characters; 1 when it is that header. */
static int header_value(const char *line, size_t len, const char *name, char *out,
			size_t outlen)
{
	size_t nlen = strlen(name);
	if (len <= nlen || strncasecmp(line, name, nlen) != 0 || line[nlen] != ':')
		return 0;
	const char *v = line + nlen + 1;
	const char *end = line + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
		end--;
	size_t k = 0;
	for (; v < end && k + 1 < outlen; v++)
		out[k++] = (unsigned char)*v < 0x20 || *v == 0x7f ? '?' : *v;
	out[k] = '\0';
	return 1;
}

/* Headers of each answer; a new status line (after a 100 Continue) starts
 * the set again. */
size_t https_answer_header(char *data, size_t size, size_t n, void *arg)
{
	struct https_answer *a = arg;
	size_t len = size * n;
	if (len >= 5 && strncmp(data, "HTTP/", 5) == 0) {
		a->correlation_id[0] = '\0';
		a->retry_after[0] = '\0';
	} else if (!header_value(data, len, "Correlation-Id", a->correlation_id,
				 sizeof(a->correlation_id))) {
		header_value(data, len, "Retry-After", a->retry_after, sizeof(a->retry_after));
	}
	return len;
}

enum tr_outcome https_classify(long status, CURLcode cc)
{
	if (cc != CURLE_OK || status == 0)
		return TR_RETRY;  /* no answer, timeout, cut connection */
	if (status >= 200 && status < 300)
		return TR_OK;
	if (status == 408 || status == 429 || status >= 500)
		return TR_RETRY;
	return TR_REFUSED;   /* 4xx, and 1xx/3xx (redirects are not followed) */
}

int https_retry_after(const char *value, int64_t now)
{
	if (!value || !*value)
		return 0;
	long long secs;
	if (parse_int_range(value, 0, (long long)1 << 40, &secs) != 0) {
		time_t at = curl_getdate(value, NULL);  /* "Wed, 21 Oct 2026 07:28:00 GMT" */
		if (at == (time_t)-1)
			return 0;
		secs = (long long)at - now;
		if (secs < 0)
			secs = 0;
	}
	return secs > HTTPS_RETRY_AFTER_MAX ? HTTPS_RETRY_AFTER_MAX : (int)secs;
}
