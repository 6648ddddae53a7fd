/* The manifest front: opening and closing a manifest through the backend
 * that stores it, and transactions. The backends are a table here; a path
 * starting with a backend's scheme goes to it, any other path to the first
 * row (SQLite, manifest_sqlite.c). What the pipeline does with the manifest
 * is in manifest_files.c, what the CLI reads in manifest_query.c, mailbox
 * positions in manifest_mailbox.c. */
#include "manifest.h"

#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "manifest_backend.h"

/* Every backend; the first takes plain file paths. */
static const struct manifest_backend *const backends[] = {
	&manifest_sqlite,
};

/* The backend that stores PATH. */
static const struct manifest_backend *backend_for(const char *path)
{
	for (size_t i = 0; i < ARRAY_SIZE(backends); i++) {
		const char *scheme = backends[i]->scheme;
		if (scheme && strncmp(path, scheme, strlen(scheme)) == 0)
			return backends[i];
	}
	return backends[0];
}

/* Open PATH through its backend; M is empty again when that fails. */
static int open_with(struct manifest *m, const char *path, int readonly, char *err)
{
	memset(m, 0, sizeof(*m));
	m->be = backend_for(path);
	m->path = xstrdup(path);
	int rc = m->be->open(&m->db, path, readonly, err);
	if (rc != 0)
		manifest_close(m);
	return rc;
}

int manifest_open(struct manifest *m, const char *path, char *err)
{
	return open_with(m, path, 0, err);
}

int manifest_open_readonly(struct manifest *m, const char *path, char *err)
{
	return open_with(m, path, 1, err);
}

void manifest_close(struct manifest *m)
{
	if (m->be && m->db)
		m->be->close(m->db);
	free(m->path);
	memset(m, 0, sizeof(*m));
}

int manifest_begin(struct manifest *m, char *err)
{
	if (m->be->begin(m->db, err) != 0)
		return KA_TRANSIENT;
	m->in_tx = 1;
	return 0;
}

int manifest_commit(struct manifest *m, char *err)
{
	m->in_tx = 0;
	return m->be->commit(m->db, err) != 0 ? KA_ERR : 0;
}

void manifest_rollback(struct manifest *m)
{
	m->in_tx = 0;
	m->be->rollback(m->db);
}

int manifest_backup(const char *path, const char *dest, int replace, char *err)
{
	return backend_for(path)->backup(path, dest, replace, err);
}

int manifest_upgraded(struct manifest *m, struct mupgrade *u)
{
	return m->be->upgrade_report(m->db, u);
}
