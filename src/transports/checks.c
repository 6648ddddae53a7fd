/* The configuration's remotes and routes against the transport table: what
 * config_parse cannot know because it knows no transport. Messages are those
 * config_parse would give, "FILE: [SECTION] KEY: problem". */
#include "checks.h"

#include <stdlib.h>
#include <string.h>

#include "transport.h"

/* One [remote NAME]: a known type, its keys, sessions, its own values. */
static void check_remote(struct remote_config *rc, const char *file, struct diag *d)
{
	static const char *const generic_keys[] = { "type", "sessions", NULL };
	if (!rc->type)
		return;  /* config_parse reported the missing type */
	char where[ERRLEN];
	snprintf(where, sizeof(where), "remote %s", rc->sec.name);
	const struct transport_ops *t = transport_find(rc->type);
	if (!t || strcmp(rc->type, "local") == 0) {
		char types[128];
		transport_types(types, sizeof(types));
		diag_add(d, "%s: [%s] type: unknown remote type '%s' (known: %s)", file, where,
			 rc->type, types);
		return;
	}
	section_check_keys(&rc->sec, t->keys, generic_keys, file, where, d);
	rc->sessions = section_get_int(&rc->sec, "sessions", t->sessions > 0 ? t->sessions : 1,
				       1, MAX_SESSIONS, file, where, d);
	if (t->check_remote)
		t->check_remote(rc, file, d);
}

/* The alert's remote, when it is one of a known type, can send a message. */
static void check_alert(const struct config *cfg, struct diag *d)
{
	const char *name = cfg->agent.alert;
	const struct remote_config *rc = name ? config_remote(cfg, name) : NULL;
	const struct transport_ops *t = rc && rc->type ? transport_find(rc->type) : NULL;
	if (t && !transport_can(t, TR_ALERT))
		diag_add(d, "%s: [agent] alert: remote '%s' is of type %s, which cannot send a "
			 "message (use an smtp remote)", cfg->path, name, rc->type);
}

/* The transport behind endpoint EP of route R, when it can play ROLES; NULL
 * otherwise (a remote of unknown type is reported already). */
static const struct transport_ops *endpoint_check(const struct route_config *r,
						  const struct endpoint *ep, const char *key,
						  unsigned roles, const char *file, struct diag *d)
{
	const struct transport_ops *t = transport_for(ep);
	if (t && !transport_can(t, roles)) {
		diag_add(d, "%s: [route %s] %s: a %s remote cannot be a %s", file, r->name, key,
			 t->type, roles == TR_SOURCE ? "source" : "destination");
		return NULL;
	}
	return t;
}

/* Route R's after = for a source served by T: mailbox sources take keep,
 * seen (the default), delete or move:FOLDER, as the transport says; file
 * sources keep (the default), delete or archive:DIR. */
static void check_after(struct route_config *r, const struct transport_ops *t,
			const char *file, struct diag *d)
{
	int mailbox = transport_can(t, TR_MAILBOX_SOURCE);
	r->source_kind = mailbox ? SOURCE_MAILBOX : SOURCE_FILES;
	if (!r->after_text)
		r->after_text = xstrdup(mailbox ? "seen" : "keep");
	if (!mailbox)
		config_route_after(r, file, d);
	else if (t->after_valid(r->after_text) != 0)
		diag_add(d, "%s: [route %s] after: '%s' is not keep, seen, delete or move:FOLDER",
			 file, r->name, r->after_text);
}

/* A destination that takes requests sends the file as it is ("raw") unless
 * convert = names a conversion; one that takes files or messages gets them
 * as they are: a convert = naming its remote is an error, a convert = for
 * every destination leaves it alone. */
static void check_convert(const struct route_config *r, struct endpoint *ep,
			  const struct transport_ops *t, const char *file, struct diag *d)
{
	if (transport_can(t, TR_REQUEST_DEST)) {
		if (!ep->convert)
			ep->convert = xstrdup("raw");
		return;
	}
	if (ep->convert && ep->convert_named)
		diag_add(d, "%s: [route %s] convert: %s is a %s destination, which takes files as "
			 "they are (only a destination that takes requests converts)", file,
			 r->name, ep->text, t->type);
	free(ep->convert);
	ep->convert = NULL;
}

/* One route's endpoints and after =; an endpoint that cannot serve is
 * released (a destination taken out of the list). */
static void check_route(struct route_config *r, const char *file, struct diag *d)
{
	const struct transport_ops *t = NULL;
	if (r->source.path) {
		t = endpoint_check(r, &r->source, "source", TR_SOURCE, file, d);
		if (!t)
			endpoint_release(&r->source);
	}
	size_t kept = 0;
	for (size_t i = 0; i < r->ndests; i++) {
		const struct transport_ops *dt = endpoint_check(r, &r->dests[i], "dest", TR_DEST,
								file, d);
		if (dt)
			check_convert(r, &r->dests[i], dt, file, d);
		if (dt)
			r->dests[kept++] = r->dests[i];
		else
			endpoint_release(&r->dests[i]);
	}
	r->ndests = kept;
	if (t)
		check_after(r, t, file, d);
}

void transports_check_config(struct config *cfg, struct diag *d)
{
	for (size_t i = 0; i < cfg->nremotes; i++)
		check_remote(&cfg->remotes[i], cfg->path, d);
	check_alert(cfg, d);
	for (size_t i = 0; i < cfg->nroutes; i++)
		check_route(&cfg->routes[i], cfg->path, d);
}
