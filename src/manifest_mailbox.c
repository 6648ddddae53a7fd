/* The manifest front for mailbox sources: where each mailbox was left
 * (UIDVALIDITY and the last UID taken) and, after UIDVALIDITY changed,
 * whether a payload was carried already (same route, name and content). */
#include "manifest.h"

#include "manifest_backend.h"

int manifest_mailbox_get(struct manifest *m, const char *route, const char *mailbox,
			 uint32_t *uidvalidity, uint32_t *last_uid, char *err)
{
	return m->be->mailbox_get(m->db, route, mailbox, uidvalidity, last_uid, err);
}

int manifest_mailbox_set(struct manifest *m, const char *route, const char *mailbox,
			 uint32_t uidvalidity, uint32_t last_uid, char *err)
{
	return m->be->mailbox_set(m->db, route, mailbox, uidvalidity, last_uid, err);
}

int manifest_seen_content(struct manifest *m, const char *route, const char *name,
			  const char *sha256)
{
	return m->be->seen_content(m->db, route, name, sha256);
}
