/* The delivery protocol. Per batch (to one destination directory):
 *   1. put every file to DIR/<prefix>NAME<suffix>      (temporary name)
 *   2. make them durable (one sync, or the transport's own fsync per put)
 *   3. record each final name as "committing"          (manifest)
 *   4. rename each temporary file to its final name
 *   5. make the renames durable
 *   6. record each as "delivered"                      (manifest)
 * After a crash, a delivery found "committing" is resolved by looking at the
 * destination: the temporary file still there → rename it; gone and the final
 * name has the right size → it was delivered. So a file is never shown
 * half-written under its final name and never delivered twice. */
#include "deliver.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void crash_point(const char *crash_at, const char *point)
{
	if (crash_at && strcmp(crash_at, point) == 0)
		kill(getpid(), SIGKILL);
}

/* Working state of one item inside deliver_batch. */
enum step { STEP_PUT, STEP_RENAME, STEP_DONE, STEP_FAILED };

struct item {
	struct dfile *df;
	enum step step;
	char *tmp;
	char *final;
};

static void item_fail(struct item *it, int rc, const char *msg)
{
	it->step = STEP_FAILED;
	it->df->rc = rc ? rc : KA_ERR;
	if (msg != it->df->err)
		snprintf(it->df->err, ERRLEN, "%s", msg);
}

/* Size of PATH at the destination, or a negative enum ka_err. */
static int64_t remote_size(const struct deliver_env *env, const char *path, char *err)
{
	struct tentry e;
	int rc = env->t->stat(env->c, path, &e, err);
	return rc != 0 ? rc : e.size;
}

/* A delivery left "committing" by a crash: find out how far it got. */
static void recover(const struct deliver_env *env, struct item *it)
{
	char err[ERRLEN];
	int64_t size = it->df->f->size;
	if (remote_size(env, it->tmp, err) == size) {
		free(it->final);
		it->final = xstrdup(it->df->d->final_path);
		it->step = STEP_RENAME;
	} else if (remote_size(env, it->df->d->final_path, err) == size) {
		free(it->final);
		it->final = xstrdup(it->df->d->final_path);
		it->step = STEP_DONE;
	}
}

static void put_all(const struct deliver_env *env, struct item *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct item *it = &v[i];
		if (it->step != STEP_PUT)
			continue;
		int rc = env->t->put(env->c, it->df->f->spool_path, it->tmp, it->df->err);
		if (rc != 0) {
			item_fail(it, rc, it->df->err);
			continue;
		}
		it->step = STEP_RENAME;
	}
}

/* Check sizes, then record the final names of everything about to be renamed. */
static int mark_committing(const struct deliver_env *env, struct item *v, size_t n,
			   char *err)
{
	for (size_t i = 0; i < n; i++) {
		struct item *it = &v[i];
		if (it->step != STEP_RENAME)
			continue;
		int64_t size = remote_size(env, it->tmp, it->df->err);
		if (size != it->df->f->size) {
			if (size >= 0)
				snprintf(it->df->err, ERRLEN, "%s has %lld bytes after upload, "
					 "expected %lld", it->tmp, (long long)size,
					 (long long)it->df->f->size);
			item_fail(it, KA_TRANSIENT, it->df->err);
		}
	}
	int rc = manifest_begin(env->m, err);
	for (size_t i = 0; rc == 0 && i < n; i++)
		if (v[i].step == STEP_RENAME)
			rc = manifest_set_delivery(env->m, v[i].df->d, DL_COMMITTING, v[i].final, err);
	if (rc == 0)
		return manifest_commit(env->m, err);
	manifest_rollback(env->m);
	return rc;
}

/* Rename the temporary file, choosing another final name when the route
 * says on_exists = rename. */
static void commit_one(const struct deliver_env *env, struct item *it)
{
	enum on_exists oe = env->r->on_exists;
	const char *name = it->df->f->name;
	for (int k = 2;; k++) {
		int rc = env->t->rename(env->c, it->tmp, it->final, oe == ON_EXISTS_OVERWRITE,
					it->df->err);
		if (rc == 0) {
			it->step = STEP_DONE;
			return;
		}
		if (rc != KA_EXISTS || oe == ON_EXISTS_FAIL || k > 1000) {
			if (rc == KA_EXISTS) {
				snprintf(it->df->err, ERRLEN, "%s already exists at the destination "
					 "(on_exists = fail)", it->final);
				rc = KA_PERMANENT;
				env->t->remove(env->c, it->tmp, (char[ERRLEN]){ 0 });
			}
			item_fail(it, rc, it->df->err);
			return;
		}
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
	}
}

/* The final stat and the "delivered" record. */
static void finish_all(const struct deliver_env *env, struct item *v, size_t n)
{
	char err[ERRLEN];
	if (manifest_begin(env->m, err) != 0) {
		for (size_t i = 0; i < n; i++)
			if (v[i].step == STEP_DONE)
				item_fail(&v[i], KA_TRANSIENT, err);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct item *it = &v[i];
		if (it->step != STEP_DONE)
			continue;
		int64_t size = remote_size(env, it->final, it->df->err);
		if (size != it->df->f->size) {
			if (size >= 0)
				snprintf(it->df->err, ERRLEN, "%s has %lld bytes, expected %lld",
					 it->final, (long long)size, (long long)it->df->f->size);
			item_fail(it, KA_TRANSIENT, it->df->err);
			continue;
		}
		if (manifest_set_delivery(env->m, it->df->d, DL_DELIVERED, it->final,
					  it->df->err) != 0)
			item_fail(it, KA_TRANSIENT, it->df->err);
	}
	if (manifest_commit(env->m, err) != 0)
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
	if (!defer || env->t->sync(env->c, dir, err) == 0)
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
					  v[i].shipments ? v[i].shipments : "", dest->path };
		v[i].rc = env->t->send(env->c, v[i].f->spool_path, &info, v[i].err);
		if (v[i].rc == 0) {
			v[i].final = xstrdup(dest->text);
			v[i].rc = manifest_set_delivery(env->m, v[i].d, DL_DELIVERED, dest->text,
							v[i].err);
		}
	}
}

void deliver_batch(const struct deliver_env *env, const struct endpoint *dest,
		   struct dfile *v, size_t n)
{
	if (env->t->send) {
		send_all(env, dest, v, n);
		return;
	}
	const struct route_config *r = env->r;
	struct item *items = xcalloc(n, sizeof(*items));
	for (size_t i = 0; i < n; i++) {
		struct item *it = &items[i];
		it->df = &v[i];
		v[i].rc = 0;
		char *tname = xasprintf("%s%s%s", r->temp_prefix, v[i].f->name, r->temp_suffix);
		it->tmp = path_join(dest->path, tname);
		it->final = path_join(dest->path, v[i].f->name);
		free(tname);
		if (v[i].d->final_path && strcmp(v[i].d->state, DL_COMMITTING) == 0)
			recover(env, it);
	}
	int defer = env->t->defer_sync && env->t->sync;
	char err[ERRLEN];
	int rc = env->t->mkdirs(env->c, dest->path, err);
	if (rc != 0) {
		fail_pending(items, n, STEP_PUT, rc, err);
		fail_pending(items, n, STEP_RENAME, rc, err);
	}
	if (defer)
		env->t->defer_sync(env->c, 1);
	put_all(env, items, n);
	if (sync_dir(env, defer, dest->path, items, n, STEP_RENAME) == 0) {
		crash_point(env->crash_at, "after_put");
		if (mark_committing(env, items, n, err) != 0)
			fail_pending(items, n, STEP_RENAME, KA_TRANSIENT, err);
		crash_point(env->crash_at, "after_mark_committing");
		for (size_t i = 0; i < n; i++)
			if (items[i].step == STEP_RENAME)
				commit_one(env, &items[i]);
		if (sync_dir(env, defer, dest->path, items, n, STEP_DONE) == 0) {
			crash_point(env->crash_at, "after_rename");
			finish_all(env, items, n);
		}
	}
	if (defer)
		env->t->defer_sync(env->c, 0);
	for (size_t i = 0; i < n; i++) {
		if (items[i].step == STEP_DONE)
			v[i].final = items[i].final;
		else
			free(items[i].final);
		free(items[i].tmp);
	}
	free(items);
}
