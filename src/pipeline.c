/* The cycle over every route, the `run` loop and `resend`, on top of the
 * stages (stage.h): the cycle picks each route's source stage, directory or
 * mailbox, by the role its transport declares. One loop drives everything:
 * no thread per watcher, no sleep inside work. */
#include "pipeline.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "deliver.h"
#include "metrics.h"
#include "notify.h"
#include "prune.h"
#include "stage.h"

int pipeline_init(struct pipeline *p, struct app *a)
{
	memset(p, 0, sizeof(*p));
	p->a = a;
	conns_init(&p->conns, &a->lg);
	p->nroutes = a->cfg.nroutes;
	p->routes = xcalloc(p->nroutes ? p->nroutes : 1, sizeof(*p->routes));
	for (size_t i = 0; i < p->nroutes; i++) {
		struct route_state *rs = &p->routes[i];
		rs->r = &a->cfg.routes[i];
		rs->sightings = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
		rs->skipped_names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
		rs->watch_fd = -1;
	}
	p->budget.used = -1;
	p->budget.recorded = -1;
	return 0;
}

void pipeline_release(struct pipeline *p)
{
	for (size_t i = 0; i < p->nroutes; i++) {
		g_hash_table_destroy(p->routes[i].sightings);
		g_hash_table_destroy(p->routes[i].skipped_names);
		if (p->routes[i].watch_fd >= 0)
			close(p->routes[i].watch_fd);
	}
	free(p->routes);
	conns_release(&p->conns);
	memset(p, 0, sizeof(*p));
}

/* Watch a local source with inotify (best effort: the periodic rescan is
 * the safety net, since events can be lost). Returns 1 when a watch was
 * armed now. A failure is logged once, until arming works again. */
static int watch_route(struct pipeline *p, struct route_state *rs)
{
	const struct transport_ops *t;
	struct tconn *c;
	char err[ERRLEN], q[1024];
	const char *dir = rs->r->source.path;
	if (rs->watch_fd >= 0 || rs->r->source.remote || !rs->r->enabled)
		return 0;
	if (conns_get(&p->conns, &rs->r->source, &t, &c, err) != 0 || !t->watch)
		return 0;
	if (t->watch(c, dir, &rs->watch_fd, err) != 0) {
		rs->watch_fd = -1;
		if (!rs->watch_failed)
			log_event(&p->a->lg, rs->watch_lost ? LOG_INFO : LOG_DEBUG, "watch_failed",
				  "route=%s error=%s", rs->r->name, log_quote(err, q, sizeof(q)));
		rs->watch_failed = 1;
		return 0;
	}
	rs->watch_failed = 0;
	rs->watch_lost = 0;
	log_event(&p->a->lg, LOG_INFO, "watch_armed", "route=%s dir=%s", rs->r->name,
		  log_quote(dir, q, sizeof(q)));
	return 1;
}

/* The watched directory went away (removed and maybe made again, moved,
 * unmounted): drop the watch; watch_route arms it again on the path. */
static void watch_lost(struct pipeline *p, struct route_state *rs)
{
	char q[1024];
	close(rs->watch_fd);
	rs->watch_fd = -1;
	rs->watch_lost = 1;
	log_event(&p->a->lg, LOG_WARN, "watch_lost", "route=%s dir=%s", rs->r->name,
		  log_quote(rs->r->source.path, q, sizeof(q)));
}

/* Stage what is new at RS's source: a mailbox or a directory, by the role
 * its transport declares. Returns 0 or a negative enum ka_err with err set. */
static int discover(struct pipeline *p, struct route_state *rs, char *err)
{
	const struct transport_ops *t;
	struct tconn *c;
	int rc = conns_get(&p->conns, &rs->r->source, &t, &c, err);
	if (rc != 0)
		return rc;
	if (transport_can(t, TR_MAILBOX_SOURCE))
		return route_discover_mail(p, rs, t, c, err);
	return route_discover(p, rs, t, c, err);
}

static void cycle_route(struct pipeline *p, struct route_state *rs)
{
	struct app *a = p->a;
	char err[ERRLEN], q[1024];
	const char *stage = "discover";
	rs->listed = 0;
	int rc = discover(p, rs, err);
	if (rc == 0 || rc == KA_NOENT) {
		/* Due files are worked on even when the source is unreachable. */
		char perr[ERRLEN];
		int prc = route_process(p, rs, perr);
		if (rc == 0 && prc != 0) {
			rc = prc;
			stage = "process";
			snprintf(err, sizeof(err), "%s", perr);
		}
	} else {
		char perr[ERRLEN];
		route_process(p, rs, perr);
	}
	rs->failed = rc != 0;
	if (rc != 0) {
		p->stats.route_errors++;
		log_event(&a->lg, LOG_ERROR, "route_failed", "route=%s stage=%s error=%s",
			  rs->r->name, stage, log_quote(err, q, sizeof(q)));
	}
	char merr[ERRLEN];
	char *skipped = route_skipped_text(rs);
	manifest_route_cycle(&a->m, rs->r->name, rc == 0, rc ? err : NULL, skipped, merr);
	free(skipped);
}

/* One attempt for each remote the cycle used: failed when a connection to
 * it could not be opened or broke, else good (manifest `remotes`, for
 * status). */
static void record_remotes(struct pipeline *p)
{
	struct app *a = p->a;
	struct remote_use *v;
	size_t n;
	conns_take_uses(&p->conns, &v, &n);
	for (size_t i = 0; i < n; i++) {
		const char *name = v[i].remote->sec.name;
		char err[ERRLEN], q[1024];
		if (v[i].failed)
			log_event(&a->lg, LOG_WARN, "remote_failed", "remote=%s error=%s", name,
				  log_quote(v[i].err, q, sizeof(q)));
		if (manifest_remote_attempt(&a->m, name, !v[i].failed, v[i].err, err) != 0)
			log_event(&a->lg, LOG_ERROR, "manifest_error", "remote=%s error=%s", name,
				  log_quote(err, q, sizeof(q)));
	}
	free(v);
}

void pipeline_cycle(struct pipeline *p)
{
	struct app *a = p->a;
	int64_t start = now_ms();
	budget_cycle(p);
	for (size_t i = 0; i < p->nroutes && !*a->stop; i++) {
		struct route_state *rs = &p->routes[i];
		notify_tick(p->notify, *a->stop);
		if (!rs->r->enabled)
			continue;
		cycle_route(p, rs);
	}
	alerts_send(p);  /* after the files' work: a slow mail server holds none */
	record_remotes(p);
	char err[ERRLEN], q[1024];
	if (a->cfg.agent.metrics_file &&
	    metrics_write(a, a->cfg.agent.metrics_file, now_ms() - start, err) != 0)
		log_event(&a->lg, LOG_WARN, "metrics_failed", "error=%s", log_quote(err, q, sizeof(q)));
}

/* Latest time any route waits for a sighting to become stable, 0 if none. */
static int64_t latest_stable(const struct pipeline *p)
{
	int64_t t = 0;
	for (size_t i = 0; i < p->nroutes; i++)
		if (p->routes[i].next_stable > t)
			t = p->routes[i].next_stable;
	return t;
}

void pipeline_once(struct pipeline *p)
{
	pipeline_cycle(p);
	int64_t until = latest_stable(p);
	if (until == 0 || *p->a->stop)
		return;
	/* Files seen changing get one more look, stable_seconds after the first. */
	while (!*p->a->stop && now_s() < until)
		usleep(100 * 1000);
	pipeline_cycle(p);
}

/* Sleep until DEADLINE_MS, an inotify event, a sighting due to become
 * stable, or at most a second (so signals are seen promptly; less when the
 * watchdog needs pinging sooner). Returns 1 when a cycle should run now. */
static int wait_next(struct pipeline *p, int64_t deadline_ms)
{
	struct pollfd fds[64];
	struct route_state *who[64];
	nfds_t n = 0;
	int armed = 0;
	/* A source whose watch was lost (its directory went away) is tried
	 * again every wait, so the delay after it comes back is a second, not
	 * a poll interval; a cycle then lists what arrived in between. */
	for (size_t i = 0; i < p->nroutes; i++)
		if (p->routes[i].watch_lost)
			armed |= watch_route(p, &p->routes[i]);
	if (armed)
		return 1;
	for (size_t i = 0; i < p->nroutes && n < ARRAY_SIZE(fds); i++) {
		if (p->routes[i].watch_fd >= 0) {
			who[n] = &p->routes[i];
			fds[n++] = (struct pollfd){ .fd = p->routes[i].watch_fd, .events = POLLIN };
		}
	}
	int64_t soonest = deadline_ms;
	for (size_t i = 0; i < p->nroutes; i++) {
		int64_t ns = p->routes[i].next_stable * 1000;
		if (ns && ns < soonest)
			soonest = ns;
	}
	int64_t wait = soonest - now_ms();
	if (wait <= 0)
		return 1;
	int64_t cap = notify_max_wait(p->notify, 1000);
	if (poll(fds, n, (int)(wait > cap ? cap : wait)) > 0) {
		/* Let a writer finish a burst before we list the directory. */
		usleep(50 * 1000);
		for (nfds_t i = 0; i < n; i++)
			if ((fds[i].revents & POLLIN) && transport_local.watch_drain(NULL, fds[i].fd))
				watch_lost(p, who[i]);
		return 1;
	}
	return soonest < deadline_ms && now_ms() >= soonest;
}

/* SIGHUP: load the config again between cycles. A config with errors, or
 * one that moves the manifest or the spool, is refused and the running one
 * kept, with a log line saying why. */
static void reload(struct pipeline *p)
{
	struct app *a = p->a;
	struct config cfg;
	struct formats *f = NULL;
	struct diag d = { 0 };
	struct notify *n = p->notify;
	char q[1024];
	*a->reload = 0;
	notify_reloading(n);
	int rc = config_load(a->config_path, &cfg, &d);
	if (rc == 0)
		rc = formats_load(&cfg, &f, &d);
	if (rc == 0 && (strcmp(cfg.agent.manifest, a->cfg.agent.manifest) != 0 ||
			strcmp(cfg.agent.spool_dir, a->cfg.agent.spool_dir) != 0)) {
		diag_add(&d, "manifest and spool_dir cannot change while running; restart instead");
		rc = -1;
	}
	if (rc != 0) {
		for (size_t i = 0; i < d.n; i++)
			log_event(&a->lg, LOG_ERROR, "reload_refused", "config=%s error=%s",
				  a->config_path, log_quote(d.msgs[i], q, sizeof(q)));
		formats_free(f);
		if (cfg.path)
			config_release(&cfg);
		diag_release(&d);
		notify_send(n, "READY=1");
		return;
	}
	pipeline_release(p);
	config_release(&a->cfg);
	formats_free(a->formats);
	a->cfg = cfg;
	a->formats = f;
	enum log_level lv = LOG_INFO;
	log_level_parse(a->cfg.agent.log_level, &lv);
	a->lg.level = lv;
	pipeline_init(p, a);
	p->notify = n;
	log_event(&a->lg, LOG_INFO, "reloaded", "config=%s routes=%zu", a->config_path,
		  a->cfg.nroutes);
	notify_send(n, "READY=1");
}

void pipeline_run(struct pipeline *p)
{
	struct app *a = p->a;
	struct notify n;
	struct prune_clock pc = { 0 };
	int ready = 0;
	notify_init(&n, &a->lg);
	p->notify = &n;
	log_event(&a->lg, LOG_INFO, "started", "routes=%zu poll_interval=%d", p->nroutes,
		  a->cfg.agent.poll_interval);
	while (!*a->stop) {
		if (*a->reload)
			reload(p);
		for (size_t i = 0; i < p->nroutes; i++)
			watch_route(p, &p->routes[i]);
		if (!ready) {
			/* Armed: systemctl start returns now, before a long first cycle. */
			notify_send(&n, "READY=1");
			ready = 1;
		}
		int64_t start = now_ms();
		pipeline_cycle(p);
		int64_t deadline = start + (int64_t)a->cfg.agent.poll_interval * 1000;
		while (!*a->stop && !*a->reload && now_ms() < deadline) {
			notify_tick(&n, 0);
			/* Retention between cycles, a slice at a time, each
			 * followed by a wait as long (new files are noticed in
			 * it, and other writers get the manifest). */
			int64_t worked = prune_tick(&pc, a);
			int64_t until = worked ? now_ms() + (worked > 20 ? worked : 20) : deadline;
			if (wait_next(p, until < deadline ? until : deadline))
				break;  /* an event, or a file due to be stable */
		}
	}
	prune_clock_release(&pc);
	notify_tick(&n, 1);
	log_event(&a->lg, LOG_INFO, "stopped", "reason=signal");
	p->notify = NULL;
}

/* Resend: a new delivery row per destination, delivered now from the spool. */
static int resend_to(struct pipeline *p, const struct route_config *r, struct mfile *f,
		     const struct endpoint *dest, char *err)
{
	struct app *a = p->a;
	struct mdelivery d = { 0 };
	d.file_id = f->id;
	d.dest = dest->text;
	d.state = DL_PENDING;
	d.resend = 1;
	int rc = manifest_add_delivery(&a->m, f->id, dest->text, 1, &d.id, err);
	if (rc != 0)
		return rc;
	char *ships = manifest_shipments(&a->m, f->id);
	struct dfile df = { .f = f, .d = &d, .shipments = ships };
	struct deliver_env env = { .m = &a->m, .r = r, .lg = &a->lg, .crash_at = a->crash_at,
				   .progress = p->progress, .formats = a->formats };
	struct tconn *c = NULL;
	env.pool = &c;
	env.npool = 1;
	rc = conns_get(&p->conns, dest, &env.t, &c, err);
	if (rc == 0) {
		deliver_batch(&env, dest, &df, 1);
		rc = df.rc;
		if (rc != 0) {
			snprintf(err, ERRLEN, "%.100s: %.400s", dest->text, df.err);
			manifest_set_delivery(&a->m, &d, DL_FAILED, NULL, df.err);
		} else {
			char q[1024];
			log_event(&a->lg, LOG_INFO, "resent", "file=%lld route=%s dest=%s path=%s "
				  "bytes=%lld", (long long)f->id, r->name, dest->text,
				  log_quote(df.final, q, sizeof(q)), (long long)f->size);
		}
	}
	free(df.final);
	free(ships);
	return rc;
}

/* KA_EXPIRED with the reason when file ID's spool copy was removed by
 * spool_retention, else 0. */
static int copy_expired(struct pipeline *p, int64_t id, char *err)
{
	int64_t gone = 0;
	char when[32], lerr[ERRLEN];
	if (manifest_spool_gone(&p->a->m, id, &gone, lerr) != 0 || gone == 0)
		return 0;  /* an error reading it: the copy's own check speaks */
	format_time(gone, when, sizeof(when));
	int64_t r = p->a->cfg.agent.spool_retention;
	char keep[48] = "off now";
	if (r)
		snprintf(keep, sizeof(keep), "%lld%s", (long long)(r % 86400 == 0 ? r / 86400 :
			 r % 3600 == 0 ? r / 3600 : r), r % 86400 == 0 ? "d" :
			 r % 3600 == 0 ? "h" : "s");
	snprintf(err, ERRLEN, "file %lld: its spool copy expired on %s: spool_retention (%s) "
		 "removes the copy of a done file that long after it is done, and resend sends "
		 "from the spool; its record stays (kargo-agent show %lld)", (long long)id, when,
		 keep, (long long)id);
	return KA_EXPIRED;
}

int pipeline_resend(struct pipeline *p, int64_t id, const char *to, int on_exists, char *err)
{
	struct app *a = p->a;
	struct mfile f;
	int rc = manifest_get(&a->m, id, &f, err);
	if (rc != 0)
		return rc;
	const struct route_config *route = config_route(&a->cfg, f.route);
	struct route_config copy;
	const struct route_config *r = route;
	if (route && on_exists >= 0) {
		copy = *route;
		copy.on_exists = (enum on_exists)on_exists;
		r = &copy;
	}
	if (!r) {
		snprintf(err, ERRLEN, "file %lld belongs to route '%s', which is not in %s",
			 (long long)id, f.route, a->cfg.path);
		rc = KA_PERMANENT;
	} else if (strcmp(f.state, ST_REJECTED) == 0) {
		snprintf(err, ERRLEN, "file %lld was rejected (invalid); it is never delivered",
			 (long long)id);
		rc = KA_INVALID;
	} else if (strcmp(f.state, ST_CORRUPT) == 0) {
		snprintf(err, ERRLEN, "file %lld is corrupt: its spool copy did not match its "
			 "sha256 and was set aside; it is staged again while its source holds the "
			 "original", (long long)id);
		rc = KA_CORRUPT;
	} else if ((rc = copy_expired(p, id, err)) != 0) {
		/* removed by retention: nothing to send */
	} else if (access(f.spool_path, R_OK) != 0) {
		snprintf(err, ERRLEN, "file %lld: spool copy %s is missing: %s", (long long)id,
			 f.spool_path, strerror(errno));
		rc = KA_NOENT;
	} else if (to) {
		struct endpoint ep;
		rc = endpoint_parse(&a->cfg, to, &ep, err, ERRLEN);
		if (rc == 0 && !transport_for(&ep)) {
			snprintf(err, ERRLEN, "%s: unknown transport", to);
			rc = KA_PERMANENT;
		}
		if (rc == 0) {
			manifest_event(&a->m, id, "resend_requested", to, err);
			rc = resend_to(p, r, &f, &ep, err);
		}
		endpoint_release(&ep);
	} else if (strcmp(f.state, ST_DEAD) == 0) {
		/* Its own destinations, given up on: complete it like a cycle. */
		manifest_event(&a->m, id, "resend_requested", "original destinations", err);
		rc = manifest_retry(&a->m, id, "by=resend", err);
		if (rc == 0)
			rc = process_complete(p, r, id, err);
	} else {
		manifest_event(&a->m, id, "resend_requested", "original destinations", err);
		for (size_t i = 0; rc == 0 && i < r->ndests; i++)
			rc = resend_to(p, r, &f, &r->dests[i], err);
	}
	if (rc == KA_CORRUPT && strcmp(f.state, ST_CORRUPT) != 0)
		corrupt_set_aside(p, &f, err);
	mfile_release(&f);
	return rc;
}

int pipeline_resend_dest(struct pipeline *p, const char *to, int mkdir, char *err)
{
	struct endpoint ep;
	const struct transport_ops *t;
	struct tconn *c;
	struct tentry e = { 0 };
	int rc = endpoint_parse(&p->a->cfg, to, &ep, err, ERRLEN);
	if (rc != 0)
		return KA_PERMANENT;
	rc = conns_get(&p->conns, &ep, &t, &c, err);
	if (rc != 0 || !transport_can(t, TR_FILE_DEST)) {
		/* a message sink (SMTP) has no directory */
	} else if (mkdir) {
		rc = t->mkdirs(c, ep.path, err);
	} else if ((rc = t->stat(c, ep.path, &e, err)) == KA_NOENT) {
		snprintf(err, ERRLEN, "--to %s: no such directory (--mkdir creates it)", to);
	} else if (rc == 0 && e.type != TENTRY_DIR) {
		snprintf(err, ERRLEN, "--to %s: not a directory", to);
		rc = KA_NOENT;
	}
	endpoint_release(&ep);
	return rc;
}
