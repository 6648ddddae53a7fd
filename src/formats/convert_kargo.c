/* Kargo's bodies from canonical rows: a shipment as a /v1/documents body
 * (or as a Unified Endpoint payload), a row as an object with canonical
 * field names, and the processPayload request around a payload. Field
 * names come from kargo_fields.c only. */
#include "convert_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "../common.h"
#include "kargo_fields.h"

struct kdoc {
	const struct route_api *api;
	int with_route;
	json_t *doc;        /* NULL until the first row */
	json_t *orders;     /* borrowed from doc */
	json_t *byorder;    /* orderNumber -> its items array (borrowed) */
};

/* Kargo's quantity units; a value is accepted in any case. */
static const char *const kargo_units[] = { "CASE", "UNIT", "PALLET", NULL };

/* UNIT upper-cased if it is one of Kargo's, else NULL. */
static const char *unit_of(const char *unit)
{
	for (size_t i = 0; kargo_units[i]; i++)
		if (strcasecmp(unit, kargo_units[i]) == 0)
			return kargo_units[i];
	return NULL;
}

/* What direction_map MAP ("FROM=TO,...") maps V to (FROM in any case),
 * into OUT; 0, or -1 when V is not mapped. */
static int map_direction(const char *map, const char *v, char *out, size_t outlen)
{
	size_t vl = strlen(v);
	for (const char *p = map; p && *p; ) {
		const char *comma = strchr(p, ',');
		const char *end = comma ? comma : p + strlen(p);
		const char *eq = memchr(p, '=', (size_t)(end - p));
		if (eq && (size_t)(eq - p) == vl && strncasecmp(p, v, vl) == 0) {
			snprintf(out, outlen, "%.*s", (int)(end - eq - 1), eq + 1);
			return 0;
		}
		p = comma ? comma + 1 : NULL;
	}
	return -1;
}

/* The route's direction_map, or the default one when it has none. */
static const char *dir_map(const struct route_api *api)
{
	return api->direction_map ? api->direction_map : "LOADING=OUTBOUND,UNLOADING=INBOUND";
}

const char *kdoc_facility(const struct route_api *api, const struct crow *r)
{
	return api->facility ? api->facility : crow_get(r, CF_FACILITY);
}

int kdoc_check(const struct route_api *api, const struct crow *r, const char *path, char *err)
{
	const char *unit = crow_get(r, CF_QUANTITY_UNIT), *dir = crow_get(r, CF_DIRECTION);
	const char *qty = crow_get(r, CF_QUANTITY);
	char mapped[64];
	int64_t q;
	if (digits_parse(qty, strlen(qty), 1, &q) != 0)
		snprintf(err, ERRLEN, "%s:%lld: quantity '%s' is not a whole number of at least 1",
			 path, (long long)r->line, qty);
	else if (*unit && !unit_of(unit))
		snprintf(err, ERRLEN, "%s:%lld: quantity_unit '%s' is not CASE, UNIT or PALLET "
			 "(Kargo's quantity units)", path, (long long)r->line, unit);
	else if (*dir && map_direction(dir_map(api), dir, mapped, sizeof(mapped)) != 0)
		snprintf(err, ERRLEN, "%s:%lld: direction '%s' is not in direction_map (%s)",
			 path, (long long)r->line, dir, dir_map(api));
	else if (!*kdoc_facility(api, r))
		snprintf(err, ERRLEN, "%s:%lld: no facility: set facility = on the route (or "
			 "--facility) or give the file a facility column", path, (long long)r->line);
	else
		return 0;
	return -1;
}

struct kdoc *kdoc_new(const struct route_api *api, int with_route)
{
	struct kdoc *d = xcalloc(1, sizeof(*d));
	d->api = api;
	d->with_route = with_route;
	return d;
}

/* OBJ[KEY] = the string V; -1 when V is not UTF-8 (or no memory). */
static int set_str(json_t *obj, const char *key, const char *v)
{
	return json_object_set_new(obj, key, json_string(v));
}

/* The document's head from its first row R. */
static int kdoc_begin(struct kdoc *d, const struct crow *r)
{
	const struct route_api *api = d->api;
	const char *dir = crow_get(r, CF_DIRECTION);
	char mapped[64];
	int bad = 0;
	d->doc = json_object();
	d->byorder = json_object();
	if (d->with_route) {
		bad |= set_str(d->doc, kargo_f.business, api->business ? api->business : "");
		bad |= set_str(d->doc, kargo_f.facility, kdoc_facility(api, r));
	}
	if (*dir && map_direction(dir_map(api), dir, mapped, sizeof(mapped)) == 0)
		bad |= set_str(d->doc, kargo_f.direction, mapped);
	bad |= set_str(d->doc, kargo_f.shipment_number, crow_get(r, CF_SHIPMENT_ID));
	d->orders = json_array();
	bad |= json_object_set_new(d->doc, kargo_f.orders, d->orders);
	return bad ? -1 : 0;
}

/* The item of row R. */
static json_t *kdoc_item(const struct crow *r)
{
	json_t *it = json_object();
	const char *lpn = crow_get(r, CF_LPN), *unit = crow_get(r, CF_QUANTITY_UNIT);
	const char *qty = crow_get(r, CF_QUANTITY);
	int64_t q = 0;
	int bad = digits_parse(qty, strlen(qty), 1, &q) != 0;
	if (*lpn)
		bad |= set_str(it, kargo_f.lpn, lpn);
	bad |= set_str(it, kargo_f.sku, crow_get(r, CF_SKU));
	bad |= json_object_set_new(it, kargo_f.quantity, json_integer(q));
	if (*unit)
		bad |= set_str(it, kargo_f.quantity_unit, unit_of(unit) ? unit_of(unit) : unit);
	if (bad) {
		json_decref(it);
		return NULL;
	}
	return it;
}

int kdoc_add(struct kdoc *d, const struct crow *r, const char *path, char *err)
{
	const char *on = crow_get(r, CF_ORDER_NUMBER);
	if (kdoc_check(d->api, r, path, err) != 0)
		return -1;
	if (!d->doc && kdoc_begin(d, r) != 0)
		goto bad;
	json_t *items = json_object_get(d->byorder, on);
	if (!items) {
		json_t *order = json_object();
		items = json_array();
		if (set_str(order, kargo_f.order_number, on) != 0 ||
		    json_object_set_new(order, kargo_f.items, items) != 0 ||
		    json_array_append_new(d->orders, order) != 0 ||
		    json_object_set(d->byorder, on, items) != 0)
			goto bad;
	}
	json_t *it = kdoc_item(r);
	if (it && json_array_append_new(items, it) == 0)
		return 0;
bad:
	snprintf(err, ERRLEN, "%s:%lld: the row's values are not UTF-8 text", path,
		 (long long)r->line);
	return -1;
}

json_t *kdoc_finish(struct kdoc *d)
{
	json_t *doc = d->doc;
	if (doc && d->with_route && d->api->update_strategy)
		set_str(doc, kargo_f.update_strategy, d->api->update_strategy);
	json_decref(d->byorder);
	free(d);
	return doc;
}

json_t *crow_object(const struct crow *r)
{
	json_t *o = json_object();
	for (size_t fi = 0; fi < r->sc->nfields; fi++) {
		const char *v = r->v[fi];
		enum field_kind k = r->sc->fields[fi].kind;
		int64_t n;
		if (!v)
			continue;
		json_t *j = (k == K_QTY || k == K_COUNT) && digits_parse(v, strlen(v), 0, &n) == 0
			    ? json_integer(n) : json_string(v);
		if (json_object_set_new(o, r->sc->fields[fi].name, j) != 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

json_t *unified_body(const struct route_api *api, const char *facility, json_t *payload)
{
	json_t *input = json_object(), *vars = json_object(), *body = json_object();
	set_str(input, kargo_f.business_slug, api->business ? api->business : "");
	set_str(input, kargo_f.facility_slug, facility ? facility : "");
	json_object_set_new(input, kargo_f.payload, payload);
	json_object_set_new(vars, kargo_f.input, input);
	set_str(body, kargo_f.query, kargo_f.mutation);
	json_object_set_new(body, kargo_f.variables, vars);
	return body;
}
