/* Mailbox sources (IMAP): every message with a UID above the last one taken
 * is fetched once, its payloads extracted (formats/mime.c), and each payload whose
 * name matches the route's pattern is staged as its own file, with identity
 * (mailbox, UIDVALIDITY, UID, part). Once a message's payloads are durable
 * and recorded, the message is finished (after = seen | move:F | delete |
 * keep) and the mailbox position advances. A message with a broken MIME
 * structure is recorded as rejected with the reason; nothing is guessed.
 * When UIDVALIDITY changes the mailbox is read again from the start, and a
 * payload already carried (same name and content) is not carried again. */
#include "stage.h"

#include <stdlib.h>
#include <string.h>

#include "spool.h"
#include "formats/mime.h"

struct mailbox {
	const struct transport_ops *t;
	struct tconn *c;
	const char *name;
	uint32_t uidvalidity;
	int rescan;            /* UIDVALIDITY changed: recognise old payloads by content */
};

/* Copy LEN bytes into the spool and fill F's spool fields. */
static int stage_bytes(struct pipeline *p, const void *data, size_t len, struct mfile *f,
		       char *err)
{
	struct spool_writer w;
	int rc = spool_begin(&p->a->spool, &w, err);
	if (rc != 0)
		return rc;
	rc = spool_write(&w, data, len);
	if (rc != 0) {
		rc = spool_write_error(&w, err);
		spool_abort(&w);
		return rc;
	}
	return spool_commit(&p->a->spool, &w, f->sha256, &f->size, &f->spool_path, err);
}

static char *payload_uri(const struct route_config *r, const struct mailbox *mb, uint32_t uid,
			 const char *part)
{
	return xasprintf("%s:%s;UIDVALIDITY=%u;UID=%u;PART=%s", r->source.remote->sec.name,
			 mb->name, mb->uidvalidity, uid, part);
}

/* Record a message whose MIME structure is broken: its raw bytes go to
 * quarantine with the reason, and it is never delivered. */
static int reject_message(struct pipeline *p, const struct route_config *r,
			  const struct mailbox *mb, uint32_t uid, const unsigned char *data,
			  size_t len, const char *reason, char *err)
{
	struct app *a = p->a;
	char name[64];
	snprintf(name, sizeof(name), "message-%u.eml", uid);
	struct mfile f = { .route = r->name, .name = name, .format = "message" };
	f.source_uri = payload_uri(r, mb, uid, "0");
	int rc = manifest_seen(&a->m, r->name, f.source_uri, (int64_t)len, 0, 0, 0);
	if (rc != 0) {
		free(f.source_uri);
		return rc < 0 ? KA_ERR : 0;
	}
	rc = stage_bytes(p, data, len, &f, err);
	if (rc == 0)
		rc = spool_sync(&a->spool, err);
	if (rc == 0)
		rc = manifest_add_file(&a->m, &f, err);
	struct parse_error pe = { .line = 0 };
	snprintf(pe.cls, sizeof(pe.cls), "broken_mime");
	snprintf(pe.msg, sizeof(pe.msg), "%s", reason);
	struct parse_result res = { .valid = 0, .errors = &pe, .nerrors_kept = 1, .nerrors = 1 };
	snprintf(res.format, sizeof(res.format), "message");
	if (rc == 0)
		rc = stage_quarantine(p, r, &f, &res, err);
	if (rc == 0) {
		char *json = parse_result_json(&res);
		rc = manifest_set_parsed(&a->m, f.id, "message", 0, json, NULL, 0, reason, err);
		free(json);
	}
	if (rc == 0) {
		char q[1024];
		log_event(&a->lg, LOG_WARN, "rejected", "file=%lld route=%s name=%s uid=%u error=%s",
			  (long long)f.id, r->name, name, uid, log_quote(reason, q, sizeof(q)));
		p->stats.rejected++;
	}
	free(f.source_uri);
	free(f.spool_path);
	return rc;
}

/* Stage one payload unless it was carried before. 1 staged, 0 skipped, <0 error. */
static int stage_payload(struct pipeline *p, const struct route_config *r,
			 const struct mailbox *mb, uint32_t uid, const struct mime_payload *pl,
			 char *err)
{
	struct app *a = p->a;
	struct mfile f = { .route = r->name, .name = pl->name, .format = r->format };
	f.source_uri = payload_uri(r, mb, uid, pl->part_path);
	int rc = manifest_seen(&a->m, r->name, f.source_uri, (int64_t)pl->len, 0, 0, 0);
	if (rc == 0)
		rc = stage_bytes(p, pl->data, pl->len, &f, err);
	if (rc == 0 && mb->rescan && manifest_seen_content(&a->m, r->name, pl->name, f.sha256) == 1)
		rc = 1;  /* carried before the UIDVALIDITY change */
	if (rc == 0)
		rc = spool_sync(&a->spool, err);
	if (rc == 0)
		rc = manifest_add_file(&a->m, &f, err);
	if (rc == 0 && pl->sent_name) {
		/* The sender's name was unsafe or too long: say what it was. */
		char *detail = xasprintf("sent_name=%s", pl->sent_name);
		rc = manifest_event(&a->m, f.id, "renamed", detail, err);
		free(detail);
	}
	if (rc == 0) {
		char q[512];
		log_event(&a->lg, LOG_INFO, "staged", "file=%lld route=%s name=%s bytes=%lld "
			  "uid=%u part=%s sha256=%s%s%s", (long long)f.id, r->name,
			  log_quote(pl->name, q, sizeof(q)), (long long)f.size, uid, pl->part_path,
			  f.sha256, pl->sent_name ? " sent_name=" : "",
			  pl->sent_name ? pl->sent_name : "");
		p->stats.staged++;
	}
	free(f.source_uri);
	free(f.spool_path);
	return rc == 0 ? 1 : rc == 1 ? 0 : rc;
}

/* May the payloads of PLS that R takes be staged within the spool's budget? */
static int admit_payloads(struct pipeline *p, const struct route_config *r,
			  const struct mime_payloads *pls)
{
	int64_t bytes = 0;
	const char *first = NULL;
	for (size_t i = 0; i < pls->n; i++) {
		if (name_matches(r->pattern, pls->v[i].name)) {
			bytes += (int64_t)pls->v[i].len;
			first = first ? first : pls->v[i].name;
		}
	}
	return !first || budget_admit(p, r->name, first, bytes);
}

/* Fetch, extract and stage one message, then finish it (STAGE_HELD: left
 * for later, the spool's budget is reached). */
static int take_message(struct pipeline *p, const struct route_config *r, struct mailbox *mb,
			uint32_t uid, char *err)
{
	unsigned char *data = NULL;
	size_t len = 0;
	int rc = mb->t->message_fetch(mb->c, mb->name, uid, &data, &len, err);
	if (rc == KA_NOENT)
		return 0;  /* expunged meanwhile */
	if (rc == KA_INVALID)
		return reject_message(p, r, mb, uid, (const unsigned char *)"", 0, err, err);
	if (rc != 0)
		return rc;
	struct mime_payloads pls = { 0 };
	struct mime_limits lim = { .max_bytes = 0, .max_depth = 32 };
	int staged = 0;
	char reason[ERRLEN];
	if (mime_extract(data, len, &lim, &pls, reason) != 0) {
		rc = reject_message(p, r, mb, uid, data, len, reason, err);
		staged = rc == 0;
	} else if (!admit_payloads(p, r, &pls)) {
		rc = STAGE_HELD;  /* the message stays, unread, for a later cycle */
	}
	for (size_t i = 0; rc == 0 && i < pls.n; i++) {
		if (!name_matches(r->pattern, pls.v[i].name))
			continue;
		int s = stage_payload(p, r, mb, uid, &pls.v[i], err);
		if (s < 0)
			rc = s;
		staged += s > 0;
	}
	mime_payloads_release(&pls);
	free(data);
	crash_point(p->a->crash_at, "after_stage");
	/* A message with no matching payload is left alone; the position moves on. */
	if (rc == 0 && staged)
		rc = mb->t->message_finish(mb->c, mb->name, uid, r->after_text, err);
	return rc;
}

int route_discover_mail(struct pipeline *p, struct route_state *rs,
			const struct transport_ops *t, struct tconn *c, char *err)
{
	struct app *a = p->a;
	const struct route_config *r = rs->r;
	struct mailbox mb = { .t = t, .c = c, .name = r->source.path };
	uint32_t known_validity, last_uid;
	int rc = manifest_mailbox_get(&a->m, r->name, mb.name, &known_validity, &last_uid, err);
	if (rc == 0)
		rc = t->mailbox_select(c, mb.name, &mb.uidvalidity, err);
	if (rc != 0)
		return rc;
	if (known_validity && known_validity != mb.uidvalidity) {
		log_event(&a->lg, LOG_WARN, "uidvalidity_changed", "route=%s mailbox=%s old=%u new=%u",
			  r->name, mb.name, known_validity, mb.uidvalidity);
		last_uid = 0;
		mb.rescan = 1;
	}
	uint32_t *uids = NULL;
	size_t n = 0;
	rc = t->message_uids(c, mb.name, last_uid, &uids, &n, err);
	for (size_t i = 0; rc == 0 && i < n && !*a->stop; i++) {
		rc = take_message(p, r, &mb, uids[i], err);
		if (rc == STAGE_HELD) {
			rc = 0;
			break;  /* the position stays before this message */
		}
		if (rc == 0)
			rc = manifest_mailbox_set(&a->m, r->name, mb.name, mb.uidvalidity, uids[i], err);
	}
	free(uids);
	if (rc == KA_TRANSIENT)
		conns_drop(&p->conns, &r->source, err);
	return rc;
}
