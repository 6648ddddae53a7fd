/* Placeholder until the conversions land: only "raw" (the file as one
 * body). Replaced by convert.c. */
#include "convert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common.h"

struct conv {
	char *path;
	int done;
};

int conv_known(const char *to)
{
	return strcmp(to, "raw") == 0;
}

int conv_allowed(const struct formats *f, const char *format, const char *to, char *err)
{
	(void)f;
	(void)format;
	if (conv_known(to))
		return 0;
	snprintf(err, ERRLEN, "'%s' is not a conversion (raw)", to);
	return -1;
}

const char *conv_content_type(const char *to, const struct route_api *api)
{
	(void)to;
	return api->content_type;
}

int conv_open(const struct formats *f, const char *format, const char *path, const char *to,
	      const struct route_api *api, struct conv **out, char *err)
{
	(void)f;
	(void)format;
	(void)api;
	if (conv_allowed(NULL, NULL, to, err) != 0)
		return KA_INVALID;
	*out = xcalloc(1, sizeof(**out));
	(*out)->path = xstrdup(path);
	return 0;
}

int conv_next(struct conv *c, struct conv_body *out, char *err)
{
	if (c->done)
		return 0;
	c->done = 1;
	FILE *fp = fopen(c->path, "rb");
	if (!fp) {
		snprintf(err, ERRLEN, "%s: cannot open", c->path);
		return KA_ERR;
	}
	size_t cap = 65536, n = 0;
	char *buf = xmalloc(cap);
	size_t got;
	while ((got = fread(buf + n, 1, cap - n, fp)) > 0) {
		n += got;
		if (n == cap)
			buf = xrealloc(buf, cap *= 2);
	}
	fclose(fp);
	out->body = buf;
	out->len = n;
	snprintf(out->key, sizeof(out->key), "the whole file");
	return 1;
}

void conv_close(struct conv *c)
{
	if (!c)
		return;
	free(c->path);
	free(c);
}

int conv_reply(const char *to, const char *body, size_t len, char *id, size_t idlen,
	       char *err)
{
	(void)to;
	(void)body;
	(void)len;
	(void)err;
	if (idlen)
		*id = '\0';
	return 0;
}

void conv_check_config(const struct config *cfg, const struct formats *f, struct diag *d)
{
	(void)cfg;
	(void)f;
	(void)d;
}
