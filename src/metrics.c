/* The metrics file: one snapshot per cycle, from the manifest. */
#include "metrics.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

/* A label value: backslash, double quote and newline escaped. */
static void label(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', out);
		if (*s == '\n')
			fputs("\\n", out);
		else
			fputc(*s, out);
	}
}

static void help(FILE *out, const char *name, const char *type, const char *text)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, text, name, type);
}

static void per_route(FILE *out, const struct config *cfg, struct mroute_status *v, size_t n,
		      const char *name, int64_t (*value)(const struct mroute_status *))
{
	static const struct mroute_status none = { 0 };
	for (size_t i = 0; i < cfg->nroutes; i++) {
		const struct mroute_status *s = mroute_status_find(v, n, cfg->routes[i].name);
		fprintf(out, "%s{route=\"", name);
		label(out, cfg->routes[i].name);
		fprintf(out, "\"} %lld\n", (long long)value(s ? s : &none));
	}
}

static int64_t v_bytes(const struct mroute_status *s) { return s->bytes; }
static int64_t v_retrying(const struct mroute_status *s) { return s->retrying; }
static int64_t v_last_ok(const struct mroute_status *s) { return s->last_ok; }
static int64_t v_failures(const struct mroute_status *s) { return s->failures; }

static const struct mremote_status *remote_find(const struct mremote_status *v, size_t n,
						 const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].remote, name) == 0)
			return &v[i];
	return NULL;
}

/* NAME{remote="R"} VALUE for each configured remote. */
static void per_remote(FILE *out, const struct config *cfg, const struct mremote_status *v,
		       size_t n, const char *name, int last_ok)
{
	for (size_t i = 0; i < cfg->nremotes; i++) {
		const struct mremote_status *s = remote_find(v, n, cfg->remotes[i].sec.name);
		fprintf(out, "%s{remote=\"", name);
		label(out, cfg->remotes[i].sec.name);
		fprintf(out, "\"} %lld\n", (long long)(!s ? 0 : last_ok ? s->last_ok : s->failures));
	}
}

static void write_all(FILE *out, const struct config *cfg, struct mroute_status *v, size_t n,
		      struct mremote_status *rv, size_t rn, int64_t cycle_ms)
{
	help(out, "kargo_agent_files", "gauge", "Files in the manifest by route and state.");
	for (size_t i = 0; i < cfg->nroutes; i++) {
		const struct mroute_status *s = mroute_status_find(v, n, cfg->routes[i].name);
		for (int k = 0; k < MANIFEST_NSTATES; k++) {
			fputs("kargo_agent_files{route=\"", out);
			label(out, cfg->routes[i].name);
			fprintf(out, "\",state=\"%s\"} %lld\n", manifest_states[k],
				(long long)(s ? s->counts[k] : 0));
		}
	}
	help(out, "kargo_agent_delivered_bytes", "gauge", "Bytes of files delivered, by route.");
	per_route(out, cfg, v, n, "kargo_agent_delivered_bytes", v_bytes);
	help(out, "kargo_agent_retry_queue", "gauge", "Files waiting for a retry, by route.");
	per_route(out, cfg, v, n, "kargo_agent_retry_queue", v_retrying);
	help(out, "kargo_agent_last_success_timestamp_seconds", "gauge",
	     "End of the route's last cycle without error (0 = never).");
	per_route(out, cfg, v, n, "kargo_agent_last_success_timestamp_seconds", v_last_ok);
	help(out, "kargo_agent_route_failures", "gauge",
	     "Cycles in a row in which the route failed (status is 1 at remote_failures).");
	per_route(out, cfg, v, n, "kargo_agent_route_failures", v_failures);
	help(out, "kargo_agent_remote_failures", "gauge",
	     "Attempts in a row that failed to reach the remote (status is 1 at remote_failures).");
	per_remote(out, cfg, rv, rn, "kargo_agent_remote_failures", 0);
	help(out, "kargo_agent_remote_last_success_timestamp_seconds", "gauge",
	     "The remote's last good attempt (0 = never).");
	per_remote(out, cfg, rv, rn, "kargo_agent_remote_last_success_timestamp_seconds", 1);
	help(out, "kargo_agent_cycle_duration_seconds", "gauge", "Duration of the last cycle.");
	fprintf(out, "kargo_agent_cycle_duration_seconds %.3f\n", (double)cycle_ms / 1000.0);
}

/* The spool's bytes and budget, the staging pause, the manifest's size. */
static int write_space(FILE *out, struct app *a, char *err)
{
	int64_t spool = 0, db = 0, wal = 0;
	struct mpause pause = { 0 };
	int rc = manifest_spool_bytes(&a->m, &spool, err);
	if (rc == 0)
		rc = manifest_disk_bytes(&a->m, &db, &wal, err);
	if (rc == 0)
		rc = manifest_staging_pause(&a->m, &pause, err);
	if (rc == 0) {
		int64_t max = a->cfg.agent.spool_max_bytes;
		help(out, "kargo_agent_spool_bytes", "gauge",
		     "Bytes of the files whose copies the spool holds.");
		fprintf(out, "kargo_agent_spool_bytes %lld\n", (long long)spool);
		help(out, "kargo_agent_spool_max_bytes", "gauge",
		     "The spool's budget, spool_max_bytes (0 = none).");
		fprintf(out, "kargo_agent_spool_max_bytes %lld\n", (long long)max);
		help(out, "kargo_agent_staging_paused", "gauge",
		     "1 while staging is paused by spool_max_bytes.");
		fprintf(out, "kargo_agent_staging_paused %d\n", max > 0 && pause.paused);
		help(out, "kargo_agent_manifest_bytes", "gauge",
		     "The manifest's size on disk, with its write-ahead log.");
		fprintf(out, "kargo_agent_manifest_bytes %lld\n", (long long)(db + wal));
	}
	mpause_release(&pause);
	return rc;
}

int metrics_write(struct app *a, const char *path, int64_t cycle_ms, char *err)
{
	struct mroute_status *v = NULL;
	struct mremote_status *rv = NULL;
	size_t n = 0, rn = 0;
	int rc = manifest_status(&a->m, &v, &n, err);
	if (rc == 0)
		rc = manifest_remotes(&a->m, &rv, &rn, err);
	if (rc != 0) {
		mroute_status_free(v, n);
		return rc;
	}
	char *tmp = xasprintf("%s.tmp.%d", path, (int)getpid()), why[ERRLEN];
	FILE *out = fopen(tmp, "w");
	if (!out) {
		snprintf(err, ERRLEN, "metrics: cannot write %s: %s", tmp,
			 errno_text(errno, path, why, sizeof(why)));
		rc = KA_ERR;
		goto out;
	}
	write_all(out, &a->cfg, v, n, rv, rn, cycle_ms);
	rc = write_space(out, a, err);
	if (rc != 0) {
		fclose(out);
		unlink(tmp);
		goto out;
	}
	if (fclose(out) != 0 || rename(tmp, path) != 0) {
		snprintf(err, ERRLEN, "metrics: cannot write %s: %s", path,
			 errno_text(errno, path, why, sizeof(why)));
		unlink(tmp);
		rc = KA_ERR;
	}
out:
	free(tmp);
	mroute_status_free(v, n);
	mremote_status_free(rv, rn);
	return rc;
}
