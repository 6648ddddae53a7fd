/* The manifest front for retention (manifest.h, "Retention"): one batch of
 * old files at a time, each batch its own short transaction (unless the
 * caller holds one), so a writer waiting on the manifest waits at most one
 * batch. The rules are here: which files a pass looks at (done files for
 * spool expiry; done and rejected ones for row pruning, never any other
 * state), that a spool object goes only when no remaining file holds it,
 * and the clock. The queries are the backend's (manifest_backend.h). */
#include "manifest.h"

#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "manifest_backend.h"

/* The files of one batch, copied out of the backend's rows. */
struct window {
	struct mprune_file *v;
	size_t n;
};

static int window_add(void *ctx, const struct mprune_file *f)
{
	struct window *w = ctx;
	w->v = xrealloc(w->v, (w->n + 1) * sizeof(*w->v));
	w->v[w->n] = *f;
	w->v[w->n].route = xstrdup(f->route ? f->route : "");
	w->v[w->n].sha256 = xstrdup(f->sha256 ? f->sha256 : "");
	w->n++;
	return 0;
}

static void window_free(struct window *w)
{
	for (size_t i = 0; i < w->n; i++) {
		free((char *)w->v[i].route);
		free((char *)w->v[i].sha256);
	}
	free(w->v);
}

/* Add SHA256 to O unless it is there already. */
static void objects_add(struct mprune_objects *o, const char *sha256)
{
	for (size_t i = 0; i < o->n; i++)
		if (strcmp(o->v[i], sha256) == 0)
			return;
	o->v = xrealloc(o->v, (o->n + 1) * sizeof(*o->v));
	snprintf(o->v[o->n++], SHA256_HEX, "%s", sha256);
}

/* What a batch does to each file of its window. */
struct batch {
	int (*act)(struct manifest *m, const struct mprune_file *f, struct batch *b, char *err);
	mprune_tomb_fn tomb;
	void *tomb_ctx;
	int64_t now;
	struct mprune_counts c;     /* this batch's, added to the caller's on commit */
	struct mprune_objects held; /* objects released files held: maybe no longer needed */
};

static int release_copy(struct manifest *m, const struct mprune_file *f, struct batch *b,
			char *err)
{
	if (!f->spool_held)
		return 0;
	b->c.spool_expired++;
	return m->be->prune_spool_gone(m->db, f->id, b->now, err);
}

static int delete_file(struct manifest *m, const struct mprune_file *f, struct batch *b,
		       char *err)
{
	int tomb = b->tomb(b->tomb_ctx, f->route, f->source_done);
	return m->be->prune_file(m->db, f->id, tomb, b->now, &b->c, err);
}

static void counts_add(struct mprune_counts *to, const struct mprune_counts *c)
{
	to->spool_expired += c->spool_expired;
	to->files += c->files;
	to->deliveries += c->deliveries;
	to->events += c->events;
	to->shipments += c->shipments;
	to->tombstones_written += c->tombstones_written;
	to->notes += c->notes;
	to->tombstones += c->tombstones;
}

/* Act on the window of STATE's files before BEFORE after CUR, then keep in
 * O the objects of the released files that no remaining file needs (the
 * released files no longer count: their rows are gone or marked). */
static int batch_body(struct manifest *m, const char *state, int64_t before,
		      const struct mprune_cursor *cur, int limit, struct batch *b,
		      struct window *w, struct mprune_objects *o, char *err)
{
	int rc = m->be->prune_window(m->db, state, before, cur, limit, window_add, w, err);
	for (size_t i = 0; rc == 0 && i < w->n; i++) {
		if (w->v[i].spool_held)
			objects_add(&b->held, w->v[i].sha256);
		rc = b->act(m, &w->v[i], b, err);
	}
	for (size_t i = 0; rc == 0 && i < b->held.n; i++) {
		int needed = m->be->prune_needed(m->db, b->held.v[i]);
		if (needed < 0)
			snprintf(err, ERRLEN, "%s: cannot tell whether spool object %s is still "
				 "needed", m->path, b->held.v[i]);
		if (needed < 0)
			rc = KA_ERR;
		else if (!needed)
			objects_add(o, b->held.v[i]);
	}
	return rc;
}

/* One batch in its own transaction (or the caller's). Counts, objects and
 * the cursor move on only when it committed. Returns the files looked at. */
static int batch_run(struct manifest *m, const char *state, int64_t before,
		     struct mprune_cursor *cur, int limit, struct batch *b,
		     struct mprune_counts *c, struct mprune_objects *o, char *err)
{
	struct window w = { 0 };
	struct mprune_objects mine = { 0 };
	int own = !m->in_tx;
	if (own && manifest_begin(m, err) != 0)
		return KA_TRANSIENT;
	b->now = now_s();
	int rc = batch_body(m, state, before, cur, limit, b, &w, &mine, err);
	if (own && rc == 0)
		rc = manifest_commit(m, err);
	else if (own)
		manifest_rollback(m);
	if (rc == 0) {
		counts_add(c, &b->c);
		for (size_t i = 0; i < mine.n; i++)
			objects_add(o, mine.v[i]);
		if (w.n)
			*cur = (struct mprune_cursor){ w.v[w.n - 1].updated, w.v[w.n - 1].id };
		rc = (int)w.n;
	}
	window_free(&w);
	free(mine.v);
	free(b->held.v);
	return rc;
}

int manifest_prune_spool(struct manifest *m, int64_t before, struct mprune_cursor *cur,
			 int limit, struct mprune_counts *c, struct mprune_objects *o, char *err)
{
	struct batch b = { .act = release_copy };
	return batch_run(m, ST_DONE, before, cur, limit, &b, c, o, err);
}

int manifest_prune_files(struct manifest *m, const char *state, int64_t before,
			 struct mprune_cursor *cur, int limit, mprune_tomb_fn tomb, void *ctx,
			 struct mprune_counts *c, struct mprune_objects *o, char *err)
{
	if (strcmp(state, ST_DONE) != 0 && strcmp(state, ST_REJECTED) != 0) {
		snprintf(err, ERRLEN, "%s: only done and rejected files are pruned, not %s",
			 m->path, state);
		return KA_INVALID;
	}
	struct batch b = { .act = delete_file, .tomb = tomb, .tomb_ctx = ctx };
	return batch_run(m, state, before, cur, limit, &b, c, o, err);
}

int manifest_prune_notes(struct manifest *m, int64_t before, int limit,
			 struct mprune_counts *c, char *err)
{
	int64_t n = 0;
	int rc = m->be->prune_notes(m->db, before * 1000, limit, &n, err);
	c->notes += n;
	return rc != 0 ? rc : (int)n;
}

int manifest_prune_tombstones(struct manifest *m, int64_t before, int limit,
			      struct mprune_counts *c, char *err)
{
	int64_t n = 0;
	int rc = m->be->prune_tombstones(m->db, before, limit, &n, err);
	c->tombstones += n;
	return rc != 0 ? rc : (int)n;
}

int manifest_spool_needed(struct manifest *m, const char *sha256)
{
	return m->be->prune_needed(m->db, sha256);
}

int manifest_compact(struct manifest *m, int pages, int64_t *left, char *err)
{
	return m->be->compact(m->db, pages, left, err);
}

int manifest_checkpoint(struct manifest *m, char *err)
{
	return m->be->checkpoint(m->db, err);
}
