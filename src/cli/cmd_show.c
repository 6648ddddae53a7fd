/* show ID: one file's record, deliveries, history and parse summary. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void show_text(const struct mfile *f, const char *ships, const struct mdelivery *dv,
		      size_t dn, const struct mevent *ev, size_t en)
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
	printf("  summary     %s\n", f->summary ? f->summary : "-");
	printf("deliveries\n");
	for (size_t i = 0; i < dn; i++)
		printf("  %-10s %s%s -> %s\n", dv[i].state, dv[i].dest, dv[i].resend ? " (resend)" : "",
		       dv[i].final_path ? dv[i].final_path : "-");
	printf("history\n");
	for (size_t i = 0; i < en; i++) {
		format_time(ev[i].ts_ms / 1000, t, sizeof(t));
		printf("  %s  %-16s %s\n", t, ev[i].event, ev[i].detail ? ev[i].detail : "");
	}
}

static void show_json(const struct mfile *f, const char *ships, const struct mdelivery *dv,
		      size_t dn, const struct mevent *ev, size_t en)
{
	char t[32];
	fputs("{\"file\":", stdout);
	json_file(stdout, f, ships);
	fputs(",\"deliveries\":[", stdout);
	for (size_t i = 0; i < dn; i++) {
		fputs(i ? ",{\"dest\":" : "{\"dest\":", stdout);
		json_str(stdout, dv[i].dest);
		fputs(",\"state\":", stdout);
		json_str(stdout, dv[i].state);
		fputs(",\"path\":", stdout);
		json_str(stdout, dv[i].final_path);
		printf(",\"resend\":%s}", dv[i].resend ? "true" : "false");
	}
	fputs("],\"events\":[", stdout);
	for (size_t i = 0; i < en; i++) {
		format_time(ev[i].ts_ms / 1000, t, sizeof(t));
		fputs(i ? ",{\"ts\":" : "{\"ts\":", stdout);
		json_str(stdout, t);
		fputs(",\"event\":", stdout);
		json_str(stdout, ev[i].event);
		fputs(",\"detail\":", stdout);
		json_str(stdout, ev[i].detail);
		fputc('}', stdout);
	}
	fputs("]}\n", stdout);
}

int cmd_show(struct cli *cli, int argc, char **argv)
{
	int json = 0;
	int orc = cli_flag_opts("show", argc, argv, cli, "json", &json);
	if (orc >= 0)
		return orc;
	if (optind != argc - 1)
		return cli_usage("show", 0);
	int64_t id = cli_parse_id(argv[optind]);
	if (!id)
		return EX_USAGE;
	struct app a = { .stop = cli->stop };
	int rc = app_open(&a, cli->config, NEED_MANIFEST | NEED_READONLY);
	if (rc != 0) {
		app_close(&a);
		return rc;
	}
	char err[ERRLEN];
	struct mfile f;
	struct mdelivery *dv = NULL;
	struct mevent *ev = NULL;
	size_t dn = 0, en = 0;
	int mrc = manifest_get(&a.m, id, &f, err);
	if (mrc != 0) {
		fprintf(stderr, "kargo-agent: %s\n", err);
		app_close(&a);
		return mrc == KA_NOENT ? EX_NOINPUT : EX_IOERR;
	}
	char *ships = manifest_shipments(&a.m, id);
	if (manifest_deliveries(&a.m, id, &dv, &dn, err) != 0 ||
	    manifest_events(&a.m, id, &ev, &en, err) != 0) {
		fprintf(stderr, "kargo-agent: %s\n", err);
		rc = EX_IOERR;
	} else if (json) {
		show_json(&f, ships, dv, dn, ev, en);
	} else {
		show_text(&f, ships, dv, dn, ev, en);
	}
	free(ships);
	mdeliveries_free(dv, dn);
	mevents_free(ev, en);
	mfile_release(&f);
	app_close(&a);
	return rc;
}
