/* Finding new files at a route's directory source (local or SFTP; a mailbox
 * source is discover_mail.c's) and staging them into the spool. A
 * file is taken when it matches the pattern, is not a dotfile or temporary
 * name, is not in the manifest with the same identity (route, source URI,
 * size, mtime; for a local file also inode and mtime in nanoseconds: see
 * manifest_seen), and is stable: unchanged for stable_seconds (seen twice that
 * far apart, or for a local file an mtime that old), or its done marker
 * exists. Staged files are made durable together and recorded in one
 * transaction per batch. */
#include "stage.h"

#include <stdlib.h>
#include <string.h>

#include "spool.h"

struct sighting {
	int64_t size;
	int64_t mtime;
	int64_t first_seen;
};

/* A candidate that passed every check and is being staged. */
struct candidate {
	struct tentry e;
	struct mfile f;
};

/* Names a writer is still working on, or that are not ours to take. */
static int is_temp_name(const struct route_config *r, const char *name)
{
	return route_skips_name(r, name);
}

static const char *const skip_names[SKIP_REASONS] = {
	"directory", "symlink", "special", "temp_name", "pattern",
};

/* Why entry E is not a candidate of route R, or -1 when it may be one. */
static int skip_reason(const struct route_config *r, const struct tentry *e)
{
	switch (e->type) {
	case TENTRY_DIR: return SKIP_DIRECTORY;
	case TENTRY_LINK: return SKIP_SYMLINK;
	case TENTRY_OTHER: return SKIP_SPECIAL;
	default: break;
	}
	if (is_temp_name(r, e->name))
		return SKIP_TEMP_NAME;
	return name_matches(r->pattern, e->name) ? -1 : SKIP_PATTERN;
}

/* Count a skipped entry, and log it at debug level when the previous
 * listing did not skip it for the same reason: once per name and reason
 * while it stays, again if it goes and comes back. */
static void note_skipped(struct pipeline *p, struct route_state *rs, const struct tentry *e,
			 int why)
{
	char *key = g_strdup_printf("%s/%s", skip_names[why], e->name);
	rs->skipped[why]++;
	if (!g_hash_table_contains(rs->skipped_names, key)) {  /* holds the last listing's */
		char q[1100];
		log_event(&p->a->lg, LOG_DEBUG, "skipped", "route=%s name=%s reason=%s",
			  rs->r->name, log_quote(e->name, q, sizeof(q)), skip_names[why]);
	}
	g_hash_table_replace(rs->skipped_names, key, GUINT_TO_POINTER(rs->listing));
}

static gboolean skipped_before(gpointer key, gpointer value, gpointer listing)
{
	(void)key;
	return value != listing;
}

char *route_skipped_text(const struct route_state *rs)
{
	if (!rs->listed)
		return NULL;
	char buf[256] = "";
	size_t len = 0;
	for (int i = 0; i < SKIP_REASONS; i++)
		if (rs->skipped[i] && len < sizeof(buf))
			len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s=%lld",
						len ? " " : "", skip_names[i],
						(long long)rs->skipped[i]);
	return xstrdup(buf);
}

/* Why NAME must not become a local name (and so is left at the source), or
 * NULL when it is safe: control characters, separators, "." or "..", or
 * longer than a file name can be. */
static const char *name_unsafe(const struct tentry *e)
{
	const char *name = e->name;
	if (e->type == TENTRY_BADNAME)
		return "a NUL byte or '/' in the name";
	if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return "the name is empty, '.' or '..'";
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		int c1 = *p == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F;   /* U+0080..U+009F */
		if (*p < 0x20 || *p == 0x7f || *p == '\\' || c1)
			return "control characters or '\\' in the name";
	}
	if (strlen(name) > NAME_BYTES)
		return "the name is longer than 255 bytes";
	return NULL;
}

/* A name this route would take but must not: recorded once in the manifest
 * (an unsafe_name event without a file) and logged; later sightings of the
 * same name are logged at debug level only. */
static void note_unsafe(struct pipeline *p, const struct route_config *r, const struct tentry *e,
			const char *why)
{
	char q[1100], qs[600], err[ERRLEN];
	char *detail = xasprintf("route=%s source=%s name=%s name_bytes=%zu reason=\"%s; left "
				 "at the source\"", r->name, log_quote(r->source.text, qs, sizeof(qs)),
				 log_quote(e->name, q, sizeof(q)), strlen(e->name), why);
	int rc = manifest_note_once(&p->a->m, "unsafe_name", detail, err);
	if (rc < 0)
		log_event(&p->a->lg, LOG_ERROR, "manifest_error", "error=%s",
			  log_quote(err, q, sizeof(q)));
	log_event(&p->a->lg, rc == 0 ? LOG_DEBUG : LOG_WARN, "unsafe_name", "%s", detail);
	free(detail);
}

static int has_marker(const struct tlist *l, const char *name, const char *marker)
{
	char *want = xasprintf("%s%s", name, marker);
	int found = 0;
	for (size_t i = 0; i < l->n && !found; i++)
		found = strcmp(l->v[i].name, want) == 0;
	free(want);
	return found;
}

/* Stable now? Otherwise remember the sighting and when it could become so. */
static int is_stable(struct route_state *rs, const struct tentry *e, int local, int64_t now)
{
	int secs = rs->r->stable_seconds;
	if (secs == 0 || (rs->r->done_marker != NULL))
		return 1;
	if (local && e->mtime <= now - secs)
		return 1;
	struct sighting *s = g_hash_table_lookup(rs->sightings, e->name);
	if (s && s->size == e->size && s->mtime == e->mtime) {
		if (s->first_seen <= now - secs) {
			g_hash_table_remove(rs->sightings, e->name);
			return 1;
		}
	} else {
		s = g_new(struct sighting, 1);
		*s = (struct sighting){ e->size, e->mtime, now };
		g_hash_table_replace(rs->sightings, g_strdup(e->name), s);
	}
	int64_t when = s->first_seen + secs;
	if (!rs->next_stable || when < rs->next_stable)
		rs->next_stable = when;
	return 0;
}

/* Copy one file into the spool. Returns 0, or a negative enum ka_err. */
static int stage_one(struct pipeline *p, struct route_state *rs,
		     const struct transport_ops *t, struct tconn *c, struct candidate *cd,
		     char *err)
{
	const struct route_config *r = rs->r;
	int rc = source_fetch(p, r, t, c, cd->e.name, cd->e.size, NULL, &cd->f, err);
	if (rc != 0)
		return rc;
	cd->f.route = r->name;
	cd->f.source_uri = source_uri(&r->source, cd->e.name);
	cd->f.name = cd->e.name;
	cd->f.mtime = cd->e.mtime;
	cd->f.mtime_ns = cd->e.mtime_ns;
	cd->f.ino = cd->e.ino;
	cd->f.format = r->format;
	return 0;
}

/* Make a batch of staged copies durable, then record them in one transaction. */
static int record_batch(struct pipeline *p, struct route_state *rs, struct candidate *v,
			size_t n, char *err)
{
	struct app *a = p->a;
	if (n == 0)
		return 0;
	int rc = spool_sync(&a->spool, err);
	if (rc == 0)
		rc = manifest_begin(&a->m, err);
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = manifest_add_file(&a->m, &v[i].f, err);
	if (rc == 0)
		rc = manifest_commit(&a->m, err);
	else
		manifest_rollback(&a->m);
	for (size_t i = 0; i < n; i++) {
		char q[512];
		if (rc == 0) {
			log_event(&a->lg, LOG_INFO, "staged", "file=%lld route=%s name=%s bytes=%lld "
				  "sha256=%s", (long long)v[i].f.id, rs->r->name,
				  log_quote(v[i].f.name, q, sizeof(q)), (long long)v[i].f.size,
				  v[i].f.sha256);
			p->stats.staged++;
		}
		free(v[i].f.source_uri);
		free(v[i].f.spool_path);
		memset(&v[i].f, 0, sizeof(v[i].f));
	}
	crash_point(a->crash_at, "after_stage");
	return rc;
}

/* Is E a new, complete file this route should take now? */
static int wanted(struct pipeline *p, struct route_state *rs, const struct tlist *l,
		  const struct tentry *e, int64_t now)
{
	const struct route_config *r = rs->r;
	if (e->type == TENTRY_BADNAME) {
		/* No file system holds such a name: worth recording whatever it looks like. */
		note_unsafe(p, r, e, name_unsafe(e));
		return 0;
	}
	if (r->done_marker && str_ends_with(e->name, r->done_marker))
		return 0;  /* a done marker goes with its file */
	int skip = skip_reason(r, e);
	if (skip >= 0) {
		note_skipped(p, rs, e, skip);
		return 0;
	}
	const char *why = name_unsafe(e);
	if (why) {
		note_unsafe(p, r, e, why);
		return 0;
	}
	if (r->done_marker && !has_marker(l, e->name, r->done_marker))
		return 0;
	char *uri = source_uri(&r->source, e->name);
	int seen = manifest_seen(&p->a->m, r->name, uri, e->size, e->mtime, e->mtime_ns, e->ino);
	free(uri);
	if (seen != 0)
		return 0;
	return is_stable(rs, e, r->source.remote == NULL, now);
}

int route_discover(struct pipeline *p, struct route_state *rs, const struct transport_ops *t,
		   struct tconn *c, char *err)
{
	const struct route_config *r = rs->r;
	struct tlist l = { 0 };
	int rc = t->list(c, r->source.path, &l, err);
	if (rc != 0) {
		tlist_release(&l);
		if (rc == KA_TRANSIENT)
			conns_drop(&p->conns, &r->source, err);
		return rc;
	}
	rs->next_stable = 0;
	rs->listed = 1;
	rs->listing++;
	memset(rs->skipped, 0, sizeof(rs->skipped));
	/* Grown as candidates come: most listings of most routes have none,
	 * and a batch-sized array per route and cycle costs an mmap each. */
	size_t batch = (size_t)p->a->cfg.agent.batch_size, n = 0, cap = 0;
	struct candidate *v = NULL;
	int64_t now = now_s();
	for (size_t i = 0; i < l.n && rc == 0 && !*p->a->stop; i++) {
		if (!wanted(p, rs, &l, &l.v[i], now) ||
		    !budget_admit(p, r->name, l.v[i].name, l.v[i].size))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			if (cap > batch)
				cap = batch;
			v = xrealloc(v, cap * sizeof(*v));
		}
		memset(&v[n], 0, sizeof(v[n]));
		v[n].e = l.v[i];
		int src = stage_one(p, rs, t, c, &v[n], err);
		if (src == 0) {
			n++;
		} else if (src == KA_NOENT || src == STAGE_CHANGED) {
			char q[512];
			log_event(&p->a->lg, LOG_INFO, "not_stable", "route=%s name=%s", r->name,
				  log_quote(v[n].e.name, q, sizeof(q)));
		} else {
			rc = src;  /* the source or the spool is failing: stop this cycle */
			if (src == KA_TRANSIENT)
				conns_drop(&p->conns, &r->source, err);
		}
		if (n == batch) {
			int brc = record_batch(p, rs, v, n, err);
			rc = rc ? rc : brc;
			n = 0;
		}
	}
	char berr[ERRLEN];
	int brc = record_batch(p, rs, v, n, berr);
	if (brc != 0 && rc == 0) {
		rc = brc;
		snprintf(err, ERRLEN, "%s", berr);
	}
	/* Names no longer skipped are forgotten: logged again if they return. */
	g_hash_table_foreach_remove(rs->skipped_names, skipped_before,
				    GUINT_TO_POINTER(rs->listing));
	free(v);
	tlist_release(&l);
	return rc;
}
