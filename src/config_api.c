/* A route's settings for its request destinations (https remotes): which
 * conversion each destination gets (`convert`) and the conversion's
 * settings (business, facility, direction_map, update_strategy, unit,
 * batch_rows, content_type, on_conflict). Whether a conversion suits the
 * route's format is the formats' check; whether a destination takes
 * requests is the transports'. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

static char *opt_dup(const struct section *s, const char *key)
{
	const char *v = section_get(s, key, NULL);
	return v && *v ? xstrdup(v) : NULL;
}

static int one_of(const char *v, const char *const *allowed)
{
	for (; *allowed; allowed++)
		if (strcmp(v, *allowed) == 0)
			return 1;
	return 0;
}

/* KEY, when given, is one of ALLOWED (their list in the message). */
static void check_choice(const struct section *s, const char *key, const char *const *allowed,
			 const char *file, const char *where, struct diag *d)
{
	const char *v = section_get(s, key, NULL);
	if (!v || one_of(v, allowed))
		return;
	char list[256] = "";
	for (size_t i = 0; allowed[i]; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
			 i ? (allowed[i + 1] ? ", " : " or ") : "", allowed[i]);
	diag_add(d, "%s: [%s] %s: '%s' is not %s", file, where, key, v, list);
}

/* direction_map: "FROM=TO" pairs, comma-separated, each side non-empty. */
static void check_direction_map(const char *v, const char *file, const char *where,
				struct diag *d)
{
	char *copy = xstrdup(v), *save = NULL;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		if (!eq || eq == tok || !eq[1] || strchr(eq + 1, '='))
			diag_add(d, "%s: [%s] direction_map: '%s' is not FROM=TO (as in "
				 "LOADING=OUTBOUND)", file, where, tok);
	}
	free(copy);
}

/* convert = CONVERSION (every destination of a remote) or REMOTE=CONVERSION,
 * ... (by the destination's remote name). */
static void load_convert(struct route_config *r, const char *v, const char *file,
			 const char *where, struct diag *d)
{
	char *copy = xstrdup(v), *save = NULL;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		tok = str_trim(tok);
		char *eq = strchr(tok, '=');
		const char *conv = eq ? str_trim(eq + 1) : tok;
		if (eq)
			*eq = '\0';
		const char *remote = eq ? str_trim(tok) : NULL;
		size_t hits = 0;
		for (size_t i = 0; i < r->ndests; i++) {
			struct endpoint *ep = &r->dests[i];
			if (!ep->remote || (remote && strcmp(ep->remote->sec.name, remote) != 0))
				continue;
			free(ep->convert);
			ep->convert = xstrdup(conv);
			ep->convert_named = remote != NULL;
			hits++;
		}
		if (!*conv || (remote && !*remote))
			diag_add(d, "%s: [%s] convert: '%s' is not CONVERSION or REMOTE=CONVERSION",
				 file, where, v);
		else if (remote && hits == 0)
			diag_add(d, "%s: [%s] convert: no destination of this route is on remote "
				 "'%s'", file, where, remote);
	}
	free(copy);
}

void config_route_api(struct route_config *r, const struct section *s, const char *file,
		      const char *where, struct diag *d)
{
	static const char *const strategies[] = { "OVERWRITE", "MERGE", "APPEND", "DELETE",
						  NULL };
	static const char *const units[] = { "shipment", "row", NULL };
	static const char *const conflicts[] = { "fail", "delivered", NULL };
	struct route_api *a = &r->api;
	const char *conv = section_get(s, "convert", NULL);
	if (conv)
		load_convert(r, conv, file, where, d);
	a->business = opt_dup(s, "business");
	a->facility = opt_dup(s, "facility");
	a->direction_map = xstrdup(section_get(s, "direction_map",
					       "LOADING=OUTBOUND,UNLOADING=INBOUND"));
	check_direction_map(a->direction_map, file, where, d);
	check_choice(s, "update_strategy", strategies, file, where, d);
	a->update_strategy = opt_dup(s, "update_strategy");
	check_choice(s, "unit", units, file, where, d);
	a->unit = xstrdup(section_get(s, "unit", "shipment"));
	a->batch_rows = section_get_int(s, "batch_rows", 500, 1, 100000, file, where, d);
	a->content_type = xstrdup(section_get(s, "content_type", "application/octet-stream"));
	check_choice(s, "on_conflict", conflicts, file, where, d);
	a->conflict_done = strcmp(section_get(s, "on_conflict", "fail"), "delivered") == 0;
}

void config_route_api_release(struct route_config *r)
{
	struct route_api *a = &r->api;
	free(a->business);
	free(a->facility);
	free(a->direction_map);
	free(a->update_strategy);
	free(a->unit);
	free(a->content_type);
	memset(a, 0, sizeof(*a));
}
