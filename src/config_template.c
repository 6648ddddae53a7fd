/* Templates: named sets of keys for a [remote] and a [route] that talk to a
 * known API, so a site writes its credentials and slugs, not the API's URLs
 * and flows. A section names one with `template = NAME`; every key the
 * template sets that the section does not set itself is added to it before
 * anything reads the section, so a key given explicitly always wins. A key
 * with a NULL value is one the template cannot know (a host, a login URL)
 * and the section must give. In a [remote] row, the keys after `auth` are
 * that login flow's: a section that sets another auth gets none of them.
 * A new template is one row below. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "common.h"

#define KARGO_URL "https://api.kargo.zone"
#define KARGO_TOKEN_URL "https://mykargo.us.auth0.com/oauth/token"
#define KARGO_AUDIENCE "https://api.kargo.zone/public_graphql"

const struct template_def config_templates[] = {
	{ "kargo-documents",
	  "Kargo's REST API: one POST /v1/documents per shipment, OAuth2 client credentials",
	  { { "type", "https" }, { "url", KARGO_URL }, { "auth", "oauth2-client-credentials" },
	    { "token_url", KARGO_TOKEN_URL }, { "audience", KARGO_AUDIENCE },
	    { "client_id", NULL }, { "client_secret_file", NULL }, { NULL, NULL } },
	  { { "convert", "kargo-documents" }, { "business", NULL }, { NULL, NULL } } },
	{ "kargo-unified",
	  "Kargo's Unified Endpoint: processPayload on POST /public_graphql, OAuth2 client "
	  "credentials",
	  { { "type", "https" }, { "url", KARGO_URL }, { "auth", "oauth2-client-credentials" },
	    { "token_url", KARGO_TOKEN_URL }, { "audience", KARGO_AUDIENCE },
	    { "client_id", NULL }, { "client_secret_file", NULL }, { NULL, NULL } },
	  { { "convert", "kargo-unified" }, { "business", NULL }, { NULL, NULL } } },
	{ "kargo-data-sharing",
	  "a data-sharing API: JSON rows to POST /v1/ENDPOINT_PATH, bearer token from a "
	  "user/password login",
	  { { "type", "https" }, { "url", NULL }, { "auth", "login" }, { "login_url", NULL },
	    { "token_field", NULL }, { "user", NULL }, { "password_file", NULL },
	    { NULL, NULL } },
	  { { "convert", "json" }, { NULL, NULL } } },
};
const size_t config_ntemplates = ARRAY_SIZE(config_templates);

static const struct template_def *template_find(const char *name)
{
	for (size_t i = 0; i < config_ntemplates; i++)
		if (strcmp(config_templates[i].name, name) == 0)
			return &config_templates[i];
	return NULL;
}

static void section_add(struct section *s, const char *key, const char *value)
{
	s->kv = xrealloc(s->kv, (s->nkv + 1) * sizeof(*s->kv));
	s->kv[s->nkv].key = xstrdup(key);
	s->kv[s->nkv].value = xstrdup(value);
	s->nkv++;
}

void template_apply(struct section *s, const char *kind, const char *file,
		    const char *where, struct diag *d)
{
	const char *name = section_get(s, "template", NULL);
	if (!name)
		return;
	const struct template_def *t = template_find(name);
	if (!t) {
		char names[256] = "";
		for (size_t i = 0; i < config_ntemplates; i++)
			snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
				 i ? ", " : "", config_templates[i].name);
		diag_add(d, "%s: [%s] template: '%s' is not a template (%s)", file, where, name,
			 names);
		return;
	}
	const struct template_key *k = strcmp(kind, "remote") == 0 ? t->remote : t->route;
	const char *own_auth = section_get(s, "auth", NULL);
	for (; k->key; k++) {
		/* A section with a login flow of its own takes none of the
		 * template's: the keys after auth in a row are its flow's. */
		if (strcmp(k->key, "auth") == 0 && own_auth && k->value &&
		    strcmp(own_auth, k->value) != 0)
			break;
		if (section_get(s, k->key, NULL))
			continue;
		if (k->value)
			section_add(s, k->key, k->value);
		else
			diag_add(d, "%s: [%s] %s: missing, and template %s needs it", file, where,
				 k->key, t->name);
	}
}
