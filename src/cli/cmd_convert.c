/* convert FILE --to T: print the request bodies a route's conversion would
 * send (the integrator's dry run); nothing is sent. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "formats/convert.h"

int cmd_convert_parse(struct cli *cli, int argc, char **argv, struct cmd_opts *o)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "format", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "route", required_argument, NULL, 'r' },
		{ "business", required_argument, NULL, 'b' },
		{ "facility", required_argument, NULL, 'F' },
		{ "update-strategy", required_argument, NULL, 's' },
		{ "unit", required_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const strategies[] = { "OVERWRITE", "MERGE", "APPEND", "DELETE", NULL };
	int ch, ok = 0;
	while ((ch = getopt_long(argc, argv, "c:f:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': cli->config = optarg; break;
		case 'f': o->format = optarg; break;
		case 't': o->to = optarg; break;
		case 'r': o->route = optarg; break;
		case 'b': o->business = optarg; break;
		case 'F': o->facility = optarg; break;
		case 's': o->strategy = optarg; break;
		case 'u': o->unit = optarg; break;
		default: return ch == 'h' ? CLI_HELP : CLI_USAGE;
		}
	}
	for (size_t i = 0; o->strategy && strategies[i]; i++)
		ok |= strcmp(o->strategy, strategies[i]) == 0;
	if (optind != argc - 1 || !o->to)
		return CLI_USAGE;
	const char *bad = !conv_known(o->to)
		? "--to takes json, ndjson, csv, kargo-documents, kargo-unified or raw"
		: o->strategy && !ok ? "--update-strategy takes OVERWRITE, MERGE, APPEND or DELETE"
		: o->unit && strcmp(o->unit, "shipment") != 0 && strcmp(o->unit, "row") != 0
		? "--unit takes shipment or row" : NULL;
	if (bad) {
		fprintf(stderr, "kargo-agent convert: %s\n", bad);
		return CLI_USAGE;
	}
	o->path = argv[optind];
	return CLI_GO;
}

/* The settings: --route's section's, else the defaults of a route; the
 * options win. NULL with a message when --route names no route. */
static const struct route_config *convert_route(struct app *a, const struct cmd_opts *o,
						 struct route_api *api)
{
	static const struct route_config none;
	const struct route_config *r = &none;
	for (size_t i = 0; o->route && i < a->cfg.nroutes; i++)
		if (strcmp(a->cfg.routes[i].name, o->route) == 0)
			r = &a->cfg.routes[i];
	if (o->route && r == &none) {
		fprintf(stderr, "kargo-agent convert: no [route %s] in the configuration%s\n",
			o->route, a->cfg.nroutes ? "" : " (none was read: -c CONFIG)");
		return NULL;
	}
	*api = r->api;   /* without a route, zeroes: the conversions' defaults */
	api->business = o->business ? (char *)o->business : api->business;
	api->facility = o->facility ? (char *)o->facility : api->facility;
	api->update_strategy = o->strategy ? (char *)o->strategy : api->update_strategy;
	api->unit = o->unit ? (char *)o->unit : api->unit;
	return r;
}

/* Each body on stdout: JSON ones on a line each; ndjson, csv and raw as
 * they are (their lines end themselves). */
int cmd_convert_run(struct app *a, struct cmd_opts *o)
{
	struct route_api api;
	const struct route_config *r = convert_route(a, o, &api);
	struct conv *c = NULL;
	struct conv_body b;
	char err[ERRLEN];
	int ret, lines;
	if (!r)
		return EX_USAGE;
	const char *format = o->format ? o->format : r->format ? r->format : "auto";
	if (!format_known(a->formats, format)) {
		fprintf(stderr, "kargo-agent convert: unknown format '%s'\n", format);
		return EX_USAGE;
	}
	lines = strcmp(o->to, "json") == 0 || strncmp(o->to, "kargo-", 6) == 0;
	if (strncmp(o->to, "kargo-", 6) == 0 && !api.business) {
		fprintf(stderr, "kargo-agent convert: --to %s needs --business (or a --route with "
			"business =)\n", o->to);
		return EX_USAGE;
	}
	ret = conv_open(a->formats, format, o->path, o->to, &api, &c, err);
	while (ret == 0 && (ret = conv_next(c, &b, err)) == 1) {
		ret = fwrite(b.body, 1, b.len, stdout) == b.len && (!lines || putchar('\n') != EOF)
		      ? 0 : KA_ERR;
		free(b.body);
		if (ret != 0)
			snprintf(err, ERRLEN, "stdout: write failed");
	}
	conv_close(c);
	if (ret == 0 && fflush(stdout) == 0)
		return EX_OK;
	fprintf(stderr, "kargo-agent convert: %s\n", ret == 0 ? "stdout: write failed" : err);
	return ret == KA_INVALID ? EX_DATAERR : ret == KA_NOENT ? EX_NOINPUT : EX_IOERR;
}
