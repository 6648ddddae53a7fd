/* The manifest front for space: the spool's bytes and the manifest's own
 * size (status, the spool's budget), a file's expired spool copy (resend),
 * and the staging pause recorded as notes: spool_full when staging paused
 * for the spool's budget, spool_resumed when it went on, so a pause is
 * logged once however many processes (`once` from a timer) meet it, and
 * `status` can say so. */
#include "manifest.h"

#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "manifest_backend.h"

#define NOTE_PAUSED "spool_full"
#define NOTE_RESUMED "spool_resumed"

int manifest_spool_bytes(struct manifest *m, int64_t *bytes, char *err)
{
	*bytes = 0;
	return m->be->spool_bytes(m->db, bytes, err);
}

int manifest_disk_bytes(struct manifest *m, int64_t *db_bytes, int64_t *wal_bytes, char *err)
{
	return m->be->disk_bytes(m->db, db_bytes, wal_bytes, err);
}

int manifest_spool_gone(struct manifest *m, int64_t id, int64_t *when, char *err)
{
	int rc = m->be->spool_gone(m->db, id, when, err);
	if (rc == KA_NOENT)
		snprintf(err, ERRLEN, "no file with id %lld in the manifest", (long long)id);
	return rc;
}

int manifest_staging_pause(struct manifest *m, struct mpause *p, char *err)
{
	char *event = NULL;
	int64_t ts_ms = 0;
	memset(p, 0, sizeof(*p));
	int rc = m->be->last_note(m->db, NOTE_PAUSED, NOTE_RESUMED, &event, &ts_ms, &p->detail,
				  err);
	if (rc == 0 && event) {
		p->paused = strcmp(event, NOTE_PAUSED) == 0;
		p->since = ts_ms / 1000;
	}
	free(event);
	return rc;
}

int manifest_note_pause(struct manifest *m, int paused, const char *detail, char *err)
{
	/* A note of its own for each pause: not note_once, which keeps one. */
	return manifest_event(m, 0, paused ? NOTE_PAUSED : NOTE_RESUMED, detail, err);
}

void mpause_release(struct mpause *p)
{
	free(p->detail);
	p->detail = NULL;
}
