/* status: per route, last cycle, files by state, next retry; per remote,
 * its last attempts; then how many unsafe names were left at the sources
 * (recorded by discover.c). A route is unhealthy with a dead or corrupt
 * file (its spool copy did not match its sha256), or when
 * its last remote_failures cycles failed; a remote when its last
 * remote_failures attempts failed. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static struct mremote_status *find_remote(struct mremote_status *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].remote, name) == 0)
			return &v[i];
	return NULL;
}

/* No dead or corrupt file, and fewer than LIMIT failed cycles in a row. */
static int healthy(const struct mroute_status *s, int limit)
{
	return s->counts[ST_INDEX_DEAD] == 0 && s->counts[ST_INDEX_CORRUPT] == 0 &&
	       s->failures < limit;
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
		fprintf(out, "  %-12s %s\n", label, t ? buf : "-");
	}
}

/* The failure count and the last error, common to routes and remotes. */
static void print_failures(FILE *out, int failures, int limit, const char *error, int json)
{
	if (json) {
		fprintf(out, ",\"failures\":%d,\"last_error\":", failures);
		json_str(out, error);
		fputc('}', out);
		return;
	}
	fprintf(out, "  %-12s %d in a row (unhealthy at %d)\n", "failures", failures, limit);
	if (error)
		fprintf(out, "  %-12s %s\n", "last_error", error);
}

/* The last cycle's skipped entries: "directory=1 pattern=3" as written by
 * the agent, shown as is, or as a JSON object ({} when none). */
static void print_skipped(FILE *out, const char *s, int json)
{
	if (!json) {
		if (s && *s)
			fprintf(out, "  %-12s %s\n", "skipped", s);
		return;
	}
	fputs(",\"skipped\":{", out);
	for (const char *p = s ? s : ""; *p;) {
		size_t klen = strcspn(p, "= ");
		if (p[klen] != '=')
			break;
		char *end;
		long long n = strtoll(p + klen + 1, &end, 10);
		fprintf(out, "%s\"%.*s\":%lld", p == s ? "" : ",", (int)klen, p, n);
		p = end + strspn(end, " ");
	}
	fputc('}', out);
}

static void print_route(FILE *out, const char *name, const struct mroute_status *s,
			int limit, int json, int first)
{
	static const struct mroute_status none = { 0 };
	if (!s)
		s = &none;
	int ok = healthy(s, limit);
	if (json) {
		fprintf(out, "%s{\"route\":", first ? "" : ",");
		json_str(out, name);
		fprintf(out, ",\"healthy\":%s,\"counts\":{", ok ? "true" : "false");
		for (int i = 0; i < MANIFEST_NSTATES; i++)
			fprintf(out, "%s\"%s\":%lld", i ? "," : "", manifest_states[i],
				(long long)s->counts[i]);
		fputc('}', out);
	} else {
		fprintf(out, "route %s: %s\n", name, ok ? "healthy" : "NEEDS ATTENTION");
		fprintf(out, "  %-12s", "files");
		for (int i = 0; i < MANIFEST_NSTATES; i++)
			fprintf(out, " %s=%lld", manifest_states[i], (long long)s->counts[i]);
		fputc('\n', out);
		if (s->counts[ST_INDEX_CORRUPT])
			fprintf(out, "  %-12s %lld: spool copy did not match its sha256 (set aside "
				"under the spool's corrupt/); staged again while the source holds "
				"the original\n", "corrupt", (long long)s->counts[ST_INDEX_CORRUPT]);
	}
	print_skipped(out, s->skipped, json);
	print_time(out, "last_cycle", s->last_cycle, json);
	print_time(out, "last_ok", s->last_ok, json);
	print_time(out, "next_retry", s->next_retry, json);
	print_failures(out, s->failures, limit, s->last_error, json);
}

static void print_remote(FILE *out, const char *name, const struct mremote_status *s,
			 int limit, int json, int first)
{
	static const struct mremote_status none = { 0 };
	if (!s)
		s = &none;
	int ok = s->failures < limit;
	if (json) {
		fprintf(out, "%s{\"remote\":", first ? "" : ",");
		json_str(out, name);
		fprintf(out, ",\"healthy\":%s", ok ? "true" : "false");
	} else {
		fprintf(out, "remote %s: %s\n", name, ok ? "healthy" : "FAILING");
	}
	print_time(out, "last_attempt", s->last_attempt, json);
	print_time(out, "last_ok", s->last_ok, json);
	print_failures(out, s->failures, limit, s->last_error, json);
}

/* Unsafe names need no action to stay healthy, only a look. */
struct unsafe {
	int64_t count;
	char *latest;
};

/* The spool's bytes and budget, whether staging is paused by it, and the
 * manifest's size on disk. */
struct space {
	int64_t spool, db, wal;
	struct mpause pause;
};

static int read_space(struct manifest *m, struct space *sp, char *err)
{
	memset(sp, 0, sizeof(*sp));
	if (manifest_spool_bytes(m, &sp->spool, err) != 0 ||
	    manifest_disk_bytes(m, &sp->db, &sp->wal, err) != 0)
		return -1;
	return manifest_staging_pause(m, &sp->pause, err);
}

/* Print them; returns 0 when staging is paused (the budget needs a look:
 * files wait at their sources), else 1. */
static int print_space(FILE *out, const struct space *sp, int64_t max, int json)
{
	int paused = max > 0 && sp->pause.paused;
	char since[32] = "", a[32], b[32], c[32];
	format_time(sp->pause.since, since, sizeof(since));
	if (json) {
		fprintf(out, ",\"spool_bytes\":%lld,\"spool_max_bytes\":", (long long)sp->spool);
		fprintf(out, max > 0 ? "%lld" : "null", (long long)max);
		fprintf(out, ",\"staging_paused\":%s,\"paused_since\":", paused ? "true" : "false");
		if (paused)
			json_str(out, since);
		else
			fputs("null", out);
		fprintf(out, ",\"manifest_bytes\":%lld,\"manifest_wal_bytes\":%lld",
			(long long)(sp->db + sp->wal), (long long)sp->wal);
		return !paused;
	}
	progress_human(sp->spool, a, sizeof(a));
	progress_human(max, b, sizeof(b));
	fprintf(out, "spool: %s in copies of files (%lld bytes)", a, (long long)sp->spool);
	if (max > 0)
		fprintf(out, ", spool_max_bytes %s", b);
	fputc('\n', out);
	if (paused)
		fprintf(out, "staging: PAUSED since %s by spool_max_bytes (%s); files wait at "
			"their sources until pruning frees room or the budget is raised\n", since,
			sp->pause.detail ? sp->pause.detail : "");
	progress_human(sp->db + sp->wal, a, sizeof(a));
	progress_human(sp->db, b, sizeof(b));
	progress_human(sp->wal, c, sizeof(c));
	fprintf(out, "manifest: %s on disk (database %s, write-ahead log %s)\n", a, b, c);
	return !paused;
}

/* Print every configured route and remote; returns 1 when all are healthy. */
static int print_all(FILE *out, const struct config *cfg, struct mroute_status *rv, size_t rn,
		     struct mremote_status *mv, size_t mn, const struct unsafe *u,
		     const struct space *sp, int json)
{
	int limit = cfg->agent.remote_failures, all_ok = 1;
	int64_t dead = 0;
	if (json)
		fputs("{\"routes\":[", out);
	for (size_t i = 0; i < cfg->nroutes; i++) {
		struct mroute_status *s = mroute_status_find(rv, rn, cfg->routes[i].name);
		all_ok &= !s || healthy(s, limit);
		dead += s ? s->counts[ST_INDEX_DEAD] : 0;
		print_route(out, cfg->routes[i].name, s, limit, json, i == 0);
	}
	if (json)
		fputs("],\"remotes\":[", out);
	for (size_t i = 0; i < cfg->nremotes; i++) {
		const char *name = cfg->remotes[i].sec.name;
		struct mremote_status *s = find_remote(mv, mn, name);
		all_ok &= !s || s->failures < limit;
		print_remote(out, name, s, limit, json, i == 0);
	}
	if (json)
		fputc(']', out);
	all_ok &= print_space(out, sp, cfg->agent.spool_max_bytes, json);
	if (json)
		fprintf(out, ",\"remote_failures\":%d,\"unsafe_names\":%lld,\"healthy\":%s}\n",
			limit, (long long)u->count, all_ok ? "true" : "false");
	else if (u->count)
		fprintf(out, "unsafe names left at the sources: %lld (latest: %s)\n",
			(long long)u->count, u->latest ? u->latest : "?");
	if (!json && dead)  /* the way out, once the cause is fixed */
		fprintf(out, "%lld dead: kargo-agent retry --state dead (once the cause is "
			"fixed; kargo-agent list --state dead shows why)\n", (long long)dead);
	return all_ok;
}

int cmd_status_parse(struct cli *cli, int argc, char **argv, struct cmd_opts *o)
{
	return cli_flag_opts("status", argc, argv, cli, "json", &o->json);
}

int cmd_status_run(struct app *a, struct cmd_opts *o)
{
	struct mroute_status *rv = NULL;
	struct mremote_status *mv = NULL;
	size_t rn = 0, mn = 0;
	char err[ERRLEN];
	int rc = 0;
	if (manifest_status(&a->m, &rv, &rn, err) != 0 ||
	    manifest_remotes(&a->m, &mv, &mn, err) != 0) {
		fprintf(stderr, "kargo-agent: %s\n", err);
		rc = EX_IOERR;
	}
	struct unsafe u = { 0 };
	if (rc == 0 && manifest_notes(&a->m, "unsafe_name", &u.count, &u.latest, err) != 0)
		fprintf(stderr, "kargo-agent: %s\n", err);
	struct space sp = { 0 };
	if (rc == 0 && read_space(&a->m, &sp, err) != 0) {
		fprintf(stderr, "kargo-agent: %s\n", err);
		rc = EX_IOERR;
	}
	if (rc == 0)
		rc = print_all(stdout, &a->cfg, rv, rn, mv, mn, &u, &sp, o->json) ? 0 : 1;
	mpause_release(&sp.pause);
	free(u.latest);
	mroute_status_free(rv, rn);
	mremote_status_free(mv, mn);
	return rc;
}
