/* show ID: one file's record, deliveries, history and parse summary. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Where a rejected file and its report were copied: the route's quarantine,
 * as stage_quarantine names them. */
static void show_quarantine(struct app *a, const struct mfile *f)
{
	const struct route_config *r = config_route(&a->cfg, f->route);
	if (!r || !r->quarantine) {
		printf("  quarantine  - (route %s is not in %s)\n", f->route, a->cfg.path);
		return;
	}
	char *copy = path_join(r->quarantine, f->name);
	char *rname = name_fit("", f->name, ".errors.txt");
	char *report = path_join(r->quarantine, rname);
	printf("  quarantine  %s\n  report      %s\n", copy, report);
	free(copy);
	free(rname);
	free(report);
}

/* The parse summary as lines: what was read, each error kept with its line,
 * the warnings. A summary that cannot be read is printed as recorded. */
static void show_summary(struct app *a, const struct mfile *f)
{
	struct msummary s;
	char err[ERRLEN];
	if (!f->summary) {
		printf("  summary     -\n");
		return;
	}
	if (manifest_summary_parse(&a->m, f->summary, &s, err) != 0) {
		printf("  summary     %s\n", f->summary);
		return;
	}
	const char *format = s.format ? s.format : "-";
	printf("  summary     %s, %s: %lld %s, %lld %s, %lld %s, %lld %s\n", format,
	       s.valid ? "valid" : "invalid", (long long)s.rows, format_rows_word(format, s.rows),
	       (long long)s.shipments, plural(s.shipments, "shipment", "shipments"),
	       (long long)s.pallets, plural(s.pallets, "pallet", "pallets"),
	       (long long)s.error_count, plural(s.error_count, "error", "errors"));
	for (size_t i = 0; i < s.nerrors; i++) {
		const struct msummary_error *e = &s.errors[i];
		const char *field = e->field ? e->field : "";
		printf("  %-11s line %lld: %s%s%s [%s]\n", i ? "" : "errors", (long long)e->line,
		       field, *field ? ": " : "", e->msg ? e->msg : "", e->cls ? e->cls : "");
	}
	if (s.error_count > (int64_t)s.nerrors)
		printf("  %-11s ... %lld more not shown\n", "",
		       (long long)(s.error_count - (int64_t)s.nerrors));
	for (size_t i = 0; i < s.nwarnings; i++)
		printf("  %-11s %s\n", i ? "" : "warnings", s.warnings[i] ? s.warnings[i] : "");
	msummary_release(&s);
}

static void show_text(struct app *a, const struct mfile *f, const char *ships,
		      const struct mdelivery *dv, size_t dn, const struct mevent *ev, size_t en)
{
	char t[32];
	printf("file %lld\n", (long long)f->id);
	printf("  route       %s\n  name        %s\n  source      %s\n", f->route, f->name,
	       f->source_uri);
	printf("  size        %lld\n  sha256      %s\n  format      %s\n", (long long)f->size,
	       f->sha256, f->format ? f->format : "-");
	printf("  state       %s\n  attempts    %d\n", f->state, f->attempts);
	if (f->last_error)
		printf("  last_error  %s\n", f->last_error);
	if (f->next_attempt) {
		format_time(f->next_attempt, t, sizeof(t));
		printf("  next_retry  %s\n", t);
	}
	printf("  spool       %s\n  shipments   %s\n", f->spool_path, *ships ? ships : "-");
	show_summary(a, f);
	if (strcmp(f->state, ST_REJECTED) == 0)
		show_quarantine(a, f);
	printf("deliveries\n");
	for (size_t i = 0; i < dn; i++)
		printf("  %-10s %s%s -> %s\n", dv[i].state, dv[i].dest, dv[i].resend ? " (resend)" : "",
		       dv[i].final_path ? dv[i].final_path : "-");
	show_requests(a, f->id);
	printf("history\n");
	for (size_t i = 0; i < en; i++) {
		format_time(ev[i].ts_ms / 1000, t, sizeof(t));
		printf("  %s  %-16s %s\n", t, ev[i].event, ev[i].detail ? ev[i].detail : "");
	}
}

/* The requests of the file's deliveries to APIs, for show_json. */
struct json_requests {
	json_t *v;
	const struct mdelivery *dv;
	size_t dn;
};

static int json_request(void *ctx, const struct mrequest *rq)
{
	struct json_requests *r = ctx;
	const char *dest = NULL;
	for (size_t i = 0; i < r->dn && !dest; i++)
		if (r->dv[i].id == rq->delivery_id)
			dest = r->dv[i].dest;
	json_t *o = kjson_object();
	kjson_put(o, "dest", kjson_text(dest));
	kjson_put(o, "index", kjson_int(rq->index));
	kjson_put(o, "state", kjson_text(rq->state));
	kjson_put(o, "status", kjson_int(rq->status));
	kjson_put(o, "correlation_id", kjson_text(rq->correlation_id));
	kjson_put(o, "logging_id", kjson_text(rq->logging_id));
	kjson_put(o, "key", kjson_text(rq->key));
	kjson_put(o, "reply", kjson_text(rq->reply));
	kjson_put(o, "updated", cli_json_time(rq->updated));
	kjson_add(r->v, o);
	return 0;
}

/* The record, the deliveries, the history and the requests to APIs as one
 * object. */
static int show_json(struct app *a, const struct mfile *f, const char *ships,
		     const struct mdelivery *dv, size_t dn, const struct mevent *ev, size_t en)
{
	json_t *o = kjson_object(), *deliveries = kjson_array(), *events = kjson_array();
	kjson_put(o, "file", cli_json_file(f, ships));
	for (size_t i = 0; i < dn; i++) {
		json_t *d = kjson_object();
		kjson_put(d, "dest", kjson_text(dv[i].dest));
		kjson_put(d, "state", kjson_text(dv[i].state));
		kjson_put(d, "path", kjson_text(dv[i].final_path));
		kjson_put(d, "resend", json_boolean(dv[i].resend));
		kjson_add(deliveries, d);
	}
	kjson_put(o, "deliveries", deliveries);
	for (size_t i = 0; i < en; i++) {
		json_t *e = kjson_object();
		kjson_put(e, "ts", cli_json_time(ev[i].ts_ms / 1000));
		kjson_put(e, "event", kjson_text(ev[i].event));
		kjson_put(e, "detail", kjson_text(ev[i].detail));
		kjson_add(events, e);
	}
	kjson_put(o, "events", events);
	struct json_requests rq = { kjson_array(), dv, dn };
	char err[ERRLEN];
	int rc = manifest_requests(&a->m, f->id, json_request, &rq, err);
	kjson_put(o, "requests", rq.v);
	if (rc != 0)
		fprintf(stderr, "kargo-agent: %s\n", err);
	else
		rc = cli_json_print(o, "\n");
	json_decref(o);
	return rc;
}

int cmd_show_parse(struct cli *cli, int argc, char **argv, struct cmd_opts *o)
{
	int rc = cli_flag_opts_operands("show", argc, argv, cli, "json", &o->json);
	if (rc != CLI_GO)
		return rc;
	if (optind != argc - 1)
		return CLI_USAGE;
	o->id = cli_parse_id(argv[optind]);
	return o->id ? CLI_GO : EX_USAGE;
}

int cmd_show_run(struct app *a, struct cmd_opts *o)
{
	char err[ERRLEN];
	struct mfile f;
	struct mdelivery *dv = NULL;
	struct mevent *ev = NULL;
	size_t dn = 0, en = 0;
	int rc = manifest_get(&a->m, o->id, &f, err);
	if (rc != 0) {
		fprintf(stderr, "kargo-agent: %s\n", err);
		return rc == KA_NOENT ? EX_NOINPUT : EX_IOERR;
	}
	char *ships = manifest_shipments(&a->m, o->id);
	if (manifest_deliveries(&a->m, o->id, &dv, &dn, err) != 0 ||
	    manifest_events(&a->m, o->id, &ev, &en, err) != 0) {
		fprintf(stderr, "kargo-agent: %s\n", err);
		rc = EX_IOERR;
	} else if (o->json) {
		if (show_json(a, &f, ships, dv, dn, ev, en) != 0)
			rc = EX_IOERR;
	} else {
		show_text(a, &f, ships, dv, dn, ev, en);
	}
	free(ships);
	mdeliveries_free(dv, dn);
	mevents_free(ev, en);
	mfile_release(&f);
	return rc;
}
