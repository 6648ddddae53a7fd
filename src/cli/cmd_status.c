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

static void print_time(FILE *out, const char *label, int64_t t)
{
	char buf[32];
	format_time(t, buf, sizeof(buf));
	fprintf(out, "  %-12s %s\n", label, t ? buf : "-");
}

/* The failure count and the last error, common to routes and remotes. */
static void print_failures(FILE *out, int failures, int limit, const char *error)
{
	fprintf(out, "  %-12s %d in a row (unhealthy at %d)\n", "failures", failures, limit);
	if (error)
		fprintf(out, "  %-12s %s\n", "last_error", error);
}

static void print_route(FILE *out, const char *name, const struct mroute_status *s, int limit)
{
	fprintf(out, "route %s: %s\n", name, healthy(s, limit) ? "healthy" : "NEEDS ATTENTION");
	fprintf(out, "  %-12s", "files");
	for (int i = 0; i < MANIFEST_NSTATES; i++)
		fprintf(out, " %s=%lld", manifest_states[i], (long long)s->counts[i]);
	fputc('\n', out);
	if (s->counts[ST_INDEX_CORRUPT])
		fprintf(out, "  %-12s %lld: spool copy did not match its sha256 (set aside "
			"under the spool's corrupt/); staged again while the source holds "
			"the original\n", "corrupt", (long long)s->counts[ST_INDEX_CORRUPT]);
	if (s->skipped && *s->skipped)  /* "directory=1 pattern=3" as the agent wrote it */
		fprintf(out, "  %-12s %s\n", "skipped", s->skipped);
	print_time(out, "last_cycle", s->last_cycle);
	print_time(out, "last_ok", s->last_ok);
	print_time(out, "next_retry", s->next_retry);
	print_failures(out, s->failures, limit, s->last_error);
}

static void print_remote(FILE *out, const char *name, const struct mremote_status *s, int limit)
{
	fprintf(out, "remote %s: %s\n", name, s->failures < limit ? "healthy" : "FAILING");
	print_time(out, "last_attempt", s->last_attempt);
	print_time(out, "last_ok", s->last_ok);
	print_failures(out, s->failures, limit, s->last_error);
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

static int staging_paused(const struct space *sp, int64_t max)
{
	return max > 0 && sp->pause.paused;
}

static void print_space(FILE *out, const struct space *sp, int64_t max)
{
	char since[32] = "", a[32], b[32], c[32];
	format_time(sp->pause.since, since, sizeof(since));
	progress_human(sp->spool, a, sizeof(a));
	progress_human(max, b, sizeof(b));
	fprintf(out, "spool: %s in copies of files (%lld bytes)", a, (long long)sp->spool);
	if (max > 0)
		fprintf(out, ", spool_max_bytes %s", b);
	fputc('\n', out);
	if (staging_paused(sp, max))
		fprintf(out, "staging: PAUSED since %s by spool_max_bytes (%s); files wait at "
			"their sources until pruning frees room or the budget is raised\n", since,
			sp->pause.detail ? sp->pause.detail : "");
	progress_human(sp->db + sp->wal, a, sizeof(a));
	progress_human(sp->db, b, sizeof(b));
	progress_human(sp->wal, c, sizeof(c));
	fprintf(out, "manifest: %s on disk (database %s, write-ahead log %s)\n", a, b, c);
}

/* What status reads, for the text and the JSON writers. */
struct status_in {
	const struct config *cfg;
	struct mroute_status *rv;
	size_t rn;
	struct mremote_status *mv;
	size_t mn;
	struct unsafe u;
	struct space sp;
};

static const struct mroute_status *route_status(const struct status_in *in, size_t i)
{
	static const struct mroute_status none = { 0 };
	const struct mroute_status *s = mroute_status_find(in->rv, in->rn, in->cfg->routes[i].name);
	return s ? s : &none;
}

static const struct mremote_status *remote_status(const struct status_in *in, size_t i)
{
	static const struct mremote_status none = { 0 };
	const struct mremote_status *s = find_remote(in->mv, in->mn, in->cfg->remotes[i].sec.name);
	return s ? s : &none;
}

/* 1 when every route and remote is healthy and staging is not paused (the
 * budget needs a look: files wait at their sources). */
static int all_healthy(const struct status_in *in)
{
	int limit = in->cfg->agent.remote_failures;
	for (size_t i = 0; i < in->cfg->nroutes; i++)
		if (!healthy(route_status(in, i), limit))
			return 0;
	for (size_t i = 0; i < in->cfg->nremotes; i++)
		if (remote_status(in, i)->failures >= limit)
			return 0;
	return !staging_paused(&in->sp, in->cfg->agent.spool_max_bytes);
}

/* Print every configured route and remote, the spool and the manifest. */
static void print_all(FILE *out, const struct status_in *in)
{
	int limit = in->cfg->agent.remote_failures;
	int64_t dead = 0;
	for (size_t i = 0; i < in->cfg->nroutes; i++) {
		const struct mroute_status *s = route_status(in, i);
		dead += s->counts[ST_INDEX_DEAD];
		print_route(out, in->cfg->routes[i].name, s, limit);
	}
	for (size_t i = 0; i < in->cfg->nremotes; i++)
		print_remote(out, in->cfg->remotes[i].sec.name, remote_status(in, i), limit);
	print_space(out, &in->sp, in->cfg->agent.spool_max_bytes);
	if (in->u.count)
		fprintf(out, "unsafe names left at the sources: %lld (latest: %s)\n",
			(long long)in->u.count, in->u.latest ? in->u.latest : "?");
	if (dead)  /* the way out, once the cause is fixed */
		fprintf(out, "%lld dead: kargo-agent retry --state dead (once the cause is "
			"fixed; kargo-agent list --state dead shows why)\n", (long long)dead);
}

/* A time, or null for none. */
static json_t *json_when(int64_t t)
{
	return t ? cli_json_time(t) : json_null();
}

/* The last cycle's skipped entries, "directory=1 pattern=3" as the agent
 * wrote them, as an object ({} when none). */
static json_t *json_skipped(const char *s)
{
	json_t *o = kjson_object();
	for (const char *p = s ? s : ""; *p;) {
		size_t klen = strcspn(p, "= ");
		if (p[klen] != '=')
			break;
		char key[64], *end;
		snprintf(key, sizeof(key), "%.*s", (int)klen, p);
		kjson_put(o, key, kjson_int(strtoll(p + klen + 1, &end, 10)));
		p = end + strspn(end, " ");
	}
	return o;
}

static json_t *json_route(const char *name, const struct mroute_status *s, int limit)
{
	json_t *o = kjson_object(), *counts = kjson_object();
	kjson_put(o, "route", kjson_text(name));
	kjson_put(o, "healthy", json_boolean(healthy(s, limit)));
	for (int i = 0; i < MANIFEST_NSTATES; i++)
		kjson_put(counts, manifest_states[i], kjson_int(s->counts[i]));
	kjson_put(o, "counts", counts);
	kjson_put(o, "skipped", json_skipped(s->skipped));
	kjson_put(o, "last_cycle", json_when(s->last_cycle));
	kjson_put(o, "last_ok", json_when(s->last_ok));
	kjson_put(o, "next_retry", json_when(s->next_retry));
	kjson_put(o, "failures", kjson_int(s->failures));
	kjson_put(o, "last_error", kjson_text(s->last_error));
	return o;
}

static json_t *json_remote(const char *name, const struct mremote_status *s, int limit)
{
	json_t *o = kjson_object();
	kjson_put(o, "remote", kjson_text(name));
	kjson_put(o, "healthy", json_boolean(s->failures < limit));
	kjson_put(o, "last_attempt", json_when(s->last_attempt));
	kjson_put(o, "last_ok", json_when(s->last_ok));
	kjson_put(o, "failures", kjson_int(s->failures));
	kjson_put(o, "last_error", kjson_text(s->last_error));
	return o;
}

/* Everything print_all shows, as one object on stdout; 0 or -1. */
static int status_json(const struct status_in *in)
{
	const struct config *cfg = in->cfg;
	int limit = cfg->agent.remote_failures, paused;
	int64_t max = cfg->agent.spool_max_bytes;
	json_t *o = kjson_object(), *routes = kjson_array(), *remotes = kjson_array();
	for (size_t i = 0; i < cfg->nroutes; i++)
		kjson_add(routes, json_route(cfg->routes[i].name, route_status(in, i), limit));
	kjson_put(o, "routes", routes);
	for (size_t i = 0; i < cfg->nremotes; i++)
		kjson_add(remotes,
			  json_remote(cfg->remotes[i].sec.name, remote_status(in, i), limit));
	kjson_put(o, "remotes", remotes);
	paused = staging_paused(&in->sp, max);
	kjson_put(o, "spool_bytes", kjson_int(in->sp.spool));
	kjson_put(o, "spool_max_bytes", max > 0 ? kjson_int(max) : json_null());
	kjson_put(o, "staging_paused", json_boolean(paused));
	kjson_put(o, "paused_since", paused ? cli_json_time(in->sp.pause.since) : json_null());
	kjson_put(o, "manifest_bytes", kjson_int(in->sp.db + in->sp.wal));
	kjson_put(o, "manifest_wal_bytes", kjson_int(in->sp.wal));
	kjson_put(o, "remote_failures", kjson_int(limit));
	kjson_put(o, "unsafe_names", kjson_int(in->u.count));
	kjson_put(o, "healthy", json_boolean(all_healthy(in)));
	int rc = cli_json_print(o, "\n");
	json_decref(o);
	return rc;
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
	struct status_in in = { .cfg = &a->cfg, .rv = rv, .rn = rn, .mv = mv, .mn = mn };
	if (rc == 0 && manifest_notes(&a->m, "unsafe_name", &in.u.count, &in.u.latest, err) != 0)
		fprintf(stderr, "kargo-agent: %s\n", err);
	if (rc == 0 && read_space(&a->m, &in.sp, err) != 0) {
		fprintf(stderr, "kargo-agent: %s\n", err);
		rc = EX_IOERR;
	}
	if (rc == 0 && o->json)
		rc = status_json(&in) != 0 ? EX_IOERR : all_healthy(&in) ? 0 : 1;
	else if (rc == 0) {
		print_all(stdout, &in);
		rc = all_healthy(&in) ? 0 : 1;
	}
	mpause_release(&in.sp.pause);
	free(in.u.latest);
	mroute_status_free(rv, rn);
	mremote_status_free(mv, mn);
	return rc;
}
