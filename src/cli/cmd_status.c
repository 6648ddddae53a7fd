/* status: per route, last cycle, files by state, next retry; then how many
 * unsafe names were left at the sources (recorded by discover.c). */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int healthy(const struct mroute_status *s)
{
	return s->counts[5] == 0 && !s->last_error;
}

static void print_time(FILE *out, const char *label, int64_t t, int json)
{
	char buf[32];
	format_time(t, buf, sizeof(buf));
	if (json) {
		fprintf(out, ",\"%s\":", label);
		if (t)
			json_str(out, buf);
		else
			fputs("null", out);
	} else {
		fprintf(out, "  %-11s %s\n", label, t ? buf : "-");
	}
}

static void print_route(FILE *out, const char *name, const struct mroute_status *s, int json,
			int first)
{
	static const struct mroute_status none = { 0 };
	if (!s)
		s = &none;
	if (json) {
		fprintf(out, "%s{\"route\":", first ? "" : ",");
		json_str(out, name);
		fprintf(out, ",\"healthy\":%s,\"counts\":{", healthy(s) ? "true" : "false");
		for (int i = 0; i < 6; i++)
			fprintf(out, "%s\"%s\":%lld", i ? "," : "", manifest_states[i],
				(long long)s->counts[i]);
		fputc('}', out);
	} else {
		fprintf(out, "route %s: %s\n", name, healthy(s) ? "healthy" : "NEEDS ATTENTION");
		fputs("  files      ", out);
		for (int i = 0; i < 6; i++)
			fprintf(out, " %s=%lld", manifest_states[i], (long long)s->counts[i]);
		fputc('\n', out);
	}
	print_time(out, "last_cycle", s->last_cycle, json);
	print_time(out, "last_ok", s->last_ok, json);
	print_time(out, "next_retry", s->next_retry, json);
	if (json) {
		fputs(",\"last_error\":", out);
		json_str(out, s->last_error);
		fputc('}', out);
	} else if (s->last_error) {
		fprintf(out, "  last_error  %s\n", s->last_error);
	}
}

int cmd_status(struct cli *cli, int argc, char **argv)
{
	int json = 0;
	int orc = cli_flag_opts("status", argc, argv, cli, "json", &json);
	if (orc >= 0)
		return orc;
	struct app a = { .stop = cli->stop };
	int rc = app_open(&a, cli->config, NEED_MANIFEST);
	struct mroute_status *v = NULL;
	size_t n = 0;
	char err[ERRLEN];
	if (rc == 0 && manifest_status(&a.m, &v, &n, err) != 0) {
		fprintf(stderr, "kargo-agent: %s\n", err);
		rc = EX_IOERR;
	}
	if (rc == 0) {
		int all_ok = 1;
		if (json)
			fputs("{\"routes\":[", stdout);
		for (size_t i = 0; i < a.cfg.nroutes; i++) {
			struct mroute_status *s = mroute_status_find(v, n, a.cfg.routes[i].name);
			all_ok &= !s || healthy(s);
			print_route(stdout, a.cfg.routes[i].name, s, json, i == 0);
		}
		int64_t unsafe = 0;
		char *latest = NULL;
		if (manifest_notes(&a.m, "unsafe_name", &unsafe, &latest, err) != 0)
			fprintf(stderr, "kargo-agent: %s\n", err);
		if (json)
			printf("],\"unsafe_names\":%lld,\"healthy\":%s}\n", (long long)unsafe,
			       all_ok ? "true" : "false");
		else if (unsafe)
			printf("unsafe names left at the sources: %lld (latest: %s)\n",
			       (long long)unsafe, latest);
		free(latest);
		rc = all_ok ? 0 : 1;
	}
	mroute_status_free(v, n);
	app_close(&a);
	return rc;
}
