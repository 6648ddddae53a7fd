/* The delivery protocol. Per batch (to one destination directory):
 *   1. put every file to DIR/<prefix>NAME<suffix>      (temporary name)
 *      and check its size there
 *   2. make them durable (one sync, or the transport's own fsync per put)
 *   3. record each final name as "committing"          (manifest)
 *   4. rename each temporary file to its final name, check its size
 *   5. make the renames durable
 *   6. record each as "delivered"                      (manifest)
 * Steps 1 and 4 are spread over the destination's pool of connections (one
 * thread each: many small files do not wait on one round trip at a time);
 * every manifest write stays on the calling thread, between the steps.
 * After a crash, a delivery found "committing" is resolved by looking at the
 * destination: the temporary file still there → rename it; gone and the final
 * name has the right size → it was delivered. So a file is never shown
 * half-written under its final name and never delivered twice. */
#include "deliver.h"
#include "progress.h"
#include "stage.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


/* Working state of one item inside deliver_batch. */
enum step {
	STEP_PUT,       /* to be uploaded */
	STEP_RENAME,    /* temporary file in place with the right size */
	STEP_COLLIDE,   /* final name taken and on_exists = rename: pick another */
	STEP_DONE,      /* under its final name with the right size */
	STEP_FAILED,
};

struct item {
	struct dfile *df;
	enum step step;
	char *tmp;
	char *final;
	int lost;       /* its connection failed under it */
	int skipped;    /* not tried: a connection had failed */
};

static void item_fail(struct item *it, int rc, const char *msg)
{
	it->step = STEP_FAILED;
	it->df->rc = rc ? rc : KA_ERR;
	if (msg != it->df->err)
		snprintf(it->df->err, ERRLEN, "%s", msg);
}

/* Size of PATH at the destination, or a negative enum ka_err. */
static int64_t remote_size(const struct deliver_env *env, struct tconn *c, const char *path,
			   char *err)
{
	struct tentry e;
	int rc = env->t->stat(c, path, &e, err);
	return rc != 0 ? rc : e.size;
}

/* Fail IT unless PATH has the file's size. Returns 0, the stat's code
 * (KA_TRANSIENT: the connection is lost), or KA_ERR for another size. */
static int check_size(const struct deliver_env *env, struct tconn *c, struct item *it,
		      const char *path)
{
	int64_t size = remote_size(env, c, path, it->df->err);
	if (size == it->df->f->size)
		return 0;
	if (size >= 0)
		snprintf(it->df->err, ERRLEN, "%s has %lld bytes, expected %lld", path,
			 (long long)size, (long long)it->df->f->size);
	item_fail(it, KA_TRANSIENT, it->df->err);
	return size < 0 ? (int)size : KA_ERR;
}

/* A delivery left "committing" (by a crash, or a batch that stopped
 * before its renames): find out how far it got. If the final name cannot
 * be looked at, the item waits for the next cycle: putting it again then
 * could deliver it twice (the rename may have been done, and on_exists =
 * rename would add NAME-2). Returns 0, or the code of the look that failed. */
static int recover(const struct deliver_env *env, struct item *it)
{
	char err[ERRLEN];
	int64_t size = it->df->f->size;
	const char *final = it->df->d->final_path;
	struct tconn *c = env->pool[0];
	int64_t got = remote_size(env, c, it->tmp, err);
	if (got == size) {
		free(it->final);
		it->final = xstrdup(final);
		it->step = STEP_RENAME;
		return 0;
	}
	if (got != KA_TRANSIENT)  /* else the connection is gone: do not wait again */
		got = remote_size(env, c, final, err);
	if (got == size) {
		free(it->final);
		it->final = xstrdup(final);
		it->step = STEP_DONE;
	} else if (got < 0 && got != KA_NOENT) {
		snprintf(it->df->err, ERRLEN, "cannot tell whether %s was delivered: %.400s",
			 final, err);
		item_fail(it, KA_TRANSIENT, it->df->err);
		return (int)got;
	}
	return 0;
}

/* Resolve every delivery left committing. Once the destination cannot be
 * reached, the others wait too. Returns 1 then. */
static int recover_all(const struct deliver_env *env, struct item *v, size_t n)
{
	int lost = 0;
	for (size_t i = 0; i < n; i++) {
		const struct mdelivery *d = v[i].df->d;
		if (!d->final_path || strcmp(d->state, DL_COMMITTING) != 0)
			continue;
		if (lost) {
			v[i].skipped = 1;
			item_fail(&v[i], KA_TRANSIENT, "not tried");
		} else if (recover(env, &v[i]) == KA_TRANSIENT) {
			v[i].lost = lost = 1;
		}
	}
	return lost;
}

/* Step 1 for one item, on connection C. Returns 1 when the connection
 * was lost. */
static int put_one(const struct deliver_env *env, struct tconn *c, struct item *it)
{
	if (it->step != STEP_PUT)
		return 0;
	struct progress *pg = progress_begin(env->progress, "deliver", it->df->f->name,
					     it->df->f->size);
	int rc = env->t->put(c, it->df->f->spool_path, it->df->f->sha256, it->tmp, pg,
			     it->df->err);
	progress_end(pg);
	if (rc == KA_CORRUPT)  /* none of those bytes may stay at the destination */
		env->t->remove(c, it->tmp, (char[ERRLEN]){ 0 });
	if (rc != 0) {
		item_fail(it, rc, it->df->err);
		return rc == KA_TRANSIENT;
	}
	rc = check_size(env, c, it, it->tmp);
	if (rc == 0)
		it->step = STEP_RENAME;
	return rc == KA_TRANSIENT;
}

/* Step 4 for one item, on connection C: no manifest write here. Returns 1
 * when the connection was lost. */
static int rename_one(const struct deliver_env *env, struct tconn *c, struct item *it)
{
	if (it->step != STEP_RENAME)
		return 0;
	enum on_exists oe = env->r->on_exists;
	int rc = env->t->rename(c, it->tmp, it->final, oe == ON_EXISTS_OVERWRITE, it->df->err);
	if (rc == 0) {
		rc = check_size(env, c, it, it->final);
		if (rc == 0)
			it->step = STEP_DONE;
	} else if (rc == KA_EXISTS && oe == ON_EXISTS_RENAME) {
		it->step = STEP_COLLIDE;
	} else if (rc == KA_EXISTS) {
		snprintf(it->df->err, ERRLEN, "%s already exists at the destination "
			 "(on_exists = fail)", it->final);
		env->t->remove(c, it->tmp, (char[ERRLEN]){ 0 });
		item_fail(it, KA_PERMANENT, it->df->err);
	} else {
		item_fail(it, rc, it->df->err);
	}
	return rc == KA_TRANSIENT;
}

typedef int (*item_fn)(const struct deliver_env *env, struct tconn *c, struct item *it);

struct worker {
	const struct deliver_env *env;
	struct tconn *c;
	struct item *items;
	size_t n, first, stride;
	item_fn fn;
	enum step step;     /* the items this phase works on */
	atomic_int *lost;   /* shared: a connection of the batch failed */
};

/* Work through this worker's share of the items, until any connection of
 * the batch fails: the server is in trouble, so the rest wait for the next
 * cycle (a retry with backoff) rather than each waiting connect_timeout or
 * io_timeout again on a server that stopped answering. */
static void *work(void *arg)
{
	struct worker *w = arg;
	for (size_t i = w->first; i < w->n; i += w->stride) {
		struct item *it = &w->items[i];
		if (it->step != w->step)
			continue;
		if (w->step == STEP_PUT && w->env->stop && *w->env->stop) {
			/* Stopping: the files in hand finish, no new one starts. */
			item_fail(it, KA_STOPPED, "not tried: the agent is stopping");
		} else if (atomic_load(w->lost)) {
			it->skipped = 1;
			item_fail(it, KA_TRANSIENT, "not tried");
		} else if (w->fn(w->env, w->c, it)) {
			it->lost = 1;
			atomic_store(w->lost, 1);
		}
	}
	return NULL;
}

/* Apply FN to every item in STEP, spreading them over the connection pool.
 * Returns 1 when a connection failed (the batch should stop). */
static int run_phase(const struct deliver_env *env, struct item *items, size_t n, item_fn fn,
		     enum step step)
{
	atomic_int lost = 0;
	size_t nw = env->npool < n ? env->npool : n;
	if (nw > MAX_SESSIONS)
		nw = MAX_SESSIONS;
	if (nw < 1)
		nw = 1;
	struct worker wk[MAX_SESSIONS];
	pthread_t th[MAX_SESSIONS];
	int started[MAX_SESSIONS] = { 0 };
	for (size_t w = 0; w < nw; w++)
		wk[w] = (struct worker){ env, env->pool[w], items, n, w, nw, fn, step, &lost };
	for (size_t w = 1; w < nw; w++)
		started[w] = pthread_create(&th[w], NULL, work, &wk[w]) == 0;
	work(&wk[0]);
	for (size_t w = 1; w < nw; w++) {
		if (started[w])
			pthread_join(th[w], NULL);
		else
			work(&wk[w]);  /* no thread: do its share here */
	}
	return atomic_load(&lost);
}

/* Leave every item in STEP for the next cycle: a connection failed. */
static void skip_pending(struct item *v, size_t n, enum step step)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].step == step) {
			v[i].skipped = 1;
			item_fail(&v[i], KA_TRANSIENT, "not tried");
		}
}

/* Say why the skipped items were not tried: the first failure's reason. */
static void explain_skipped(struct item *v, size_t n)
{
	const char *why = "a connection failed";
	for (size_t i = 0; i < n; i++)
		if (v[i].lost) {
			why = v[i].df->err;
			break;
		}
	for (size_t i = 0; i < n; i++)
		if (v[i].skipped) {
			v[i].df->not_tried = 1;
			snprintf(v[i].df->err, ERRLEN, "not tried after the connection failed: %.400s",
				 why);
		}
}

/* Record the final names of everything about to be renamed. */
static int mark_committing(const struct deliver_env *env, struct item *v, size_t n,
			   char *err)
{
	int rc = manifest_begin(env->m, err);
	for (size_t i = 0; rc == 0 && i < n; i++)
		if (v[i].step == STEP_RENAME)
			rc = manifest_set_delivery(env->m, v[i].df->d, DL_COMMITTING, v[i].final, err);
	if (rc == 0)
		return manifest_commit(env->m, err);
	manifest_rollback(env->m);
	return rc;
}

/* on_exists = rename and the final name was taken: try NAME-2.ext, NAME-3.ext,
 * recording each candidate as committing before its rename. */
static void rename_collided(const struct deliver_env *env, struct item *it)
{
	const char *name = it->df->f->name;
	struct tconn *c = env->pool[0];
	for (int k = 2; k <= 1000; k++) {
		char *dir = xstrndup(it->final, (size_t)(path_base(it->final) - it->final));
		char *alt = name_numbered(name, k);
		free(it->final);
		it->final = xasprintf("%s%s", dir, alt);
		free(dir);
		free(alt);
		if (manifest_set_delivery(env->m, it->df->d, DL_COMMITTING, it->final,
					  it->df->err) != 0) {
			item_fail(it, KA_TRANSIENT, it->df->err);
			return;
		}
		it->step = STEP_RENAME;
		rename_one(env, c, it);
		if (it->step != STEP_COLLIDE)
			return;
	}
	item_fail(it, KA_PERMANENT, "no free name among NAME-2 .. NAME-1000");
}

/* The "delivered" records, in one transaction. */
static void finish_all(const struct deliver_env *env, struct item *v, size_t n)
{
	char err[ERRLEN];
	int rc = manifest_begin(env->m, err);
	for (size_t i = 0; rc == 0 && i < n; i++)
		if (v[i].step == STEP_DONE)
			rc = manifest_set_delivery(env->m, v[i].df->d, DL_DELIVERED, v[i].final, err);
	if (rc == 0)
		rc = manifest_commit(env->m, err);
	else
		manifest_rollback(env->m);
	if (rc != 0)
		for (size_t i = 0; i < n; i++)
			if (v[i].step == STEP_DONE)
				item_fail(&v[i], KA_TRANSIENT, err);
}

static void fail_pending(struct item *v, size_t n, enum step step, int rc, const char *msg)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].step == step)
			item_fail(&v[i], rc, msg);
}

static int sync_dir(const struct deliver_env *env, int defer, const char *dir,
		    struct item *v, size_t n, enum step step)
{
	char err[ERRLEN];
	if (!defer || env->t->sync(env->pool[0], dir, err) == 0)
		return 0;
	fail_pending(v, n, step, KA_TRANSIENT, err);
	return -1;
}

/* Message sinks (SMTP): one send per file, done when the server accepts it. */
static void send_all(const struct deliver_env *env, const struct endpoint *dest,
		     struct dfile *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct send_info info = { v[i].f->name, env->r->name,
					  v[i].shipments ? v[i].shipments : "", dest->path,
					  v[i].f->sha256 };
		v[i].rc = env->t->send(env->pool[0], v[i].f->spool_path, &info, v[i].err);
		if (v[i].rc == 0) {
			v[i].final = xstrdup(dest->text);
			v[i].rc = manifest_set_delivery(env->m, v[i].d, DL_DELIVERED, dest->text,
							v[i].err);
		}
	}
}

static struct item *items_new(const struct deliver_env *env, const struct endpoint *dest,
			      struct dfile *v, size_t n)
{
	const struct route_config *r = env->r;
	struct item *items = xcalloc(n, sizeof(*items));
	for (size_t i = 0; i < n; i++) {
		struct item *it = &items[i];
		it->df = &v[i];
		v[i].rc = 0;
		char *tname = name_fit(r->temp_prefix, v[i].f->name, r->temp_suffix);
		it->tmp = path_join(dest->path, tname);
		it->final = path_join(dest->path, v[i].f->name);
		free(tname);
	}
	return items;
}

static void items_free(struct item *items, struct dfile *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (items[i].step == STEP_DONE)
			v[i].final = items[i].final;
		else
			free(items[i].final);
		free(items[i].tmp);
	}
	free(items);
}

void deliver_batch(const struct deliver_env *env, const struct endpoint *dest,
		   struct dfile *v, size_t n)
{
	if (transport_can(env->t, TR_MESSAGE_DEST)) {
		send_all(env, dest, v, n);
		return;
	}
	if (transport_can(env->t, TR_REQUEST_DEST)) {
		deliver_requests(env, dest, v, n);
		return;
	}
	struct item *items = items_new(env, dest, v, n);
	int defer = env->t->defer_sync && env->t->sync;
	char err[ERRLEN];
	int rc = 0;
	if (recover_all(env, items, n)) {
		skip_pending(items, n, STEP_PUT);
		skip_pending(items, n, STEP_RENAME);
	} else if ((rc = env->t->mkdirs(env->pool[0], dest->path, err)) != 0) {
		fail_pending(items, n, STEP_PUT, rc, err);
		fail_pending(items, n, STEP_RENAME, rc, err);
	}
	if (defer)
		env->t->defer_sync(env->pool[0], 1);
	/* A failed connection ends the batch's work on this destination; what
	 * is not renamed yet is put again next cycle (or, when committing,
	 * recovered). */
	if (run_phase(env, items, n, put_one, STEP_PUT))
		skip_pending(items, n, STEP_RENAME);
	if (sync_dir(env, defer, dest->path, items, n, STEP_RENAME) == 0) {
		crash_point(env->crash_at, "after_put");
		if (mark_committing(env, items, n, err) != 0)
			fail_pending(items, n, STEP_RENAME, KA_TRANSIENT, err);
		crash_point(env->crash_at, "after_mark_committing");
		if (run_phase(env, items, n, rename_one, STEP_RENAME))
			skip_pending(items, n, STEP_COLLIDE);
		for (size_t i = 0; i < n; i++)
			if (items[i].step == STEP_COLLIDE)
				rename_collided(env, &items[i]);
		if (sync_dir(env, defer, dest->path, items, n, STEP_DONE) == 0) {
			crash_point(env->crash_at, "after_rename");
			finish_all(env, items, n);
		}
	}
	if (defer)
		env->t->defer_sync(env->pool[0], 0);
	explain_skipped(items, n);
	items_free(items, v, n);
}
