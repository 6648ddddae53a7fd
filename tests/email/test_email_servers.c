/* Integration tests of the SMTP sink, the IMAP client and mime_extract
 * against a real Dovecot and a real SMTP server on 127.0.0.1, started by
 * tests/email/servers.sh (which exports the servers' facts, see
 * tests/servers/dovecot-start). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"
#include "config.h"
#include "diag.h"
#include "log.h"
#include "transports/imap.h"
#include "formats/mime.h"
#include "transports/smtp.h"
#include "transports/transport.h"
#include "email_test.h"

static struct logger lg;
static char *tmpdir;

static const char *env(const char *name)
{
	const char *v = getenv(name);
	if (!v)
		fail_msg("%s is not set: run this test through tests/email/servers.sh", name);
	return v;
}

/* A [remote NAME] section from "key", "value" pairs ending with NULL. */
static struct remote_config *remote(const char *type, ...)
{
	struct remote_config *rc = xcalloc(1, sizeof(*rc));
	rc->sec.name = xstrdup("test");
	rc->sec.kv = xcalloc(32, sizeof(*rc->sec.kv));
	va_list ap;
	va_start(ap, type);
	const char *k;
	while ((k = va_arg(ap, const char *))) {
		const char *v = va_arg(ap, const char *);
		rc->sec.kv[rc->sec.nkv].key = xstrdup(k);
		rc->sec.kv[rc->sec.nkv++].value = xstrdup(v);
	}
	va_end(ap);
	rc->sec.kv[rc->sec.nkv].key = xstrdup("type");
	rc->sec.kv[rc->sec.nkv++].value = xstrdup(type);
	rc->type = type;
	return rc;
}

static void remote_free(struct remote_config *rc)
{
	for (size_t i = 0; i < rc->sec.nkv; i++) {
		free(rc->sec.kv[i].key);
		free(rc->sec.kv[i].value);
	}
	free(rc->sec.kv);
	free(rc->sec.name);
	free(rc);
}

static char *imaps_url(void)
{
	return xasprintf("imaps://127.0.0.1:%s", env("IMAPS_PORT"));
}

static struct remote_config *imap_remote(const char *password_file, int with_ca)
{
	char *url = imaps_url();
	struct remote_config *rc = with_ca
		? remote("imap", "url", url, "user", env("IMAP_USER"), "password_file",
			 password_file, "ca_file", env("CA_FILE"), NULL)
		: remote("imap", "url", url, "user", env("IMAP_USER"), "password_file",
			 password_file, NULL);
	free(url);
	return rc;
}

static struct remote_config *smtp_remote(const char *url, const char *password_file, int with_ca)
{
	return with_ca
		? remote("smtp", "url", url, "user", env("IMAP_USER"), "password_file",
			 password_file, "ca_file", env("CA_FILE"), "from", "agent@example.com",
			 "to", "intake@example.com, copy@example.com", "subject",
			 "{route}: {name} ({shipment_ids})", NULL)
		: remote("smtp", "url", url, "user", env("IMAP_USER"), "password_file",
			 password_file, "from", "agent@example.com", "to", "intake@example.com", NULL);
}

static char *write_temp(const char *name, const void *data, size_t len, mode_t mode)
{
	char *p = path_join(tmpdir, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
	return p;
}

/* Put a fixture message straight into the Maildir, as a delivery agent would. */
static void deliver_fixture(const char *fixture, const char *tag)
{
	char *src = xasprintf("%s/tests/email/data/%s.eml", env("KA_SRCDIR"), fixture);
	size_t len;
	char *msg = test_read_file(src, &len);
	assert_non_null(msg);
	char *body = xasprintf("X-Test-Tag: %s\r\n%s", tag, msg);
	char *dst = xasprintf("%s/new/%s.%d.test", env("MAILDIR"), tag, (int)getpid());
	int fd = open(dst, O_WRONLY | O_CREAT | O_EXCL, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, body, strlen(body)), (ssize_t)strlen(body));
	if (getuid() == 0)
		assert_int_equal(fchown(fd, (uid_t)atoi(env("MAIL_UID")), (gid_t)atoi(env("MAIL_GID"))), 0);
	close(fd);
	free(src);
	free(msg);
	free(body);
	free(dst);
}

/* The UID of the message carrying X-Test-Tag TAG in MAILBOX, or 0. */
static uint32_t find_tag(struct imap_conn *c, const char *mailbox, const char *tag)
{
	struct imap_uids u = { 0 };
	char err[ERRLEN];
	assert_int_equal(imap_uids_after(c, mailbox, 0, &u, err), 0);
	char want[128];
	snprintf(want, sizeof(want), "X-Test-Tag: %s\r\n", tag);
	uint32_t found = 0;
	for (size_t i = 0; i < u.n && !found; i++) {
		unsigned char *d;
		size_t n;
		assert_int_equal(imap_fetch(c, mailbox, u.v[i], 0, &d, &n, err), 0);
		if (n >= strlen(want) && !memcmp(d, want, strlen(want)))
			found = u.v[i];
		free(d);
	}
	imap_uids_release(&u);
	return found;
}

/* Maildir file names in DIR (relative to the Maildir) holding TAG. */
static int maildir_file_with(const char *sub, const char *tag, char *name, size_t len)
{
	char *dir = xasprintf("%s/%s", env("MAILDIR"), sub);
	DIR *d = opendir(dir);
	int found = 0;
	struct dirent *de;
	while (d && (de = readdir(d)) && !found) {
		if (de->d_name[0] == '.')
			continue;
		char *p = xasprintf("%s/%s", dir, de->d_name);
		size_t n;
		char *msg = test_read_file(p, &n);
		char want[128];
		snprintf(want, sizeof(want), "X-Test-Tag: %s\r\n", tag);
		if (msg && strstr(msg, want)) {
			snprintf(name, len, "%s", de->d_name);
			found = 1;
		}
		free(msg);
		free(p);
	}
	if (d)
		closedir(d);
	free(dir);
	return found;
}

static struct imap_conn *open_ok(void)
{
	struct remote_config *rc = imap_remote(env("IMAP_PASSWORD_FILE"), 1);
	struct imap_conn *c;
	char err[ERRLEN] = "";
	int r = imap_open(rc, &lg, &c, err);
	if (r != 0)
		fail_msg("imap_open: %s", err);
	remote_free(rc);
	return c;
}

static void smtp_to_imap_round_trip_keeps_bytes(void **state)
{
	/* A 20 KiB CSV with CRLF and LF lines and 8-bit text. */
	size_t len = 0;
	char *csv = xmalloc(32 * 1024);
	len += (size_t)snprintf(csv, 64, "shipment_id,description,quantity\r\n");
	for (int i = 0; len < 20 * 1024; i++)
		len += (size_t)snprintf(csv + len, 128, "S-%05d,Caf\xc3\xa9 line %d,%d%s", i, i, i + 1,
					i % 2 ? "\n" : "\r\n");
	char *path = write_temp("eos-2026-11-23.csv", csv, len, 0644);
	char want[65];
	test_sha256_hex(csv, len, want);
	const char *schemes[] = { "smtps", "smtp" };
	const char *ports[] = { env("SMTPS_PORT"), env("SMTP_PORT") };
	for (int k = 0; k < 2; k++) {
		char *url = xasprintf("%s://127.0.0.1:%s", schemes[k], ports[k]);
		struct remote_config *rc = smtp_remote(url, env("IMAP_PASSWORD_FILE"), 1);
		struct tconn *t;
		char err[ERRLEN] = "", name[64];
		snprintf(name, sizeof(name), "eos-%d.csv", k);
		struct send_info info = { name, "eos-export", "S-00001,S-00002", "", NULL };
		if (transport_smtp.connect(rc, &lg, &t, err) != 0)
			fail_msg("smtp connect: %s", err);
		if (transport_smtp.send(t, path, &info, err) != 0)
			fail_msg("smtp send over %s: %s", url, err);
		transport_smtp.close(t);
		remote_free(rc);
		free(url);

		/* Back out through IMAP: the newest message carries the file. */
		struct imap_conn *c = open_ok();
		uint32_t uv;
		struct imap_uids u = { 0 };
		assert_int_equal(imap_select(c, "INBOX", &uv, err), 0);
		assert_int_equal(imap_uids_after(c, "INBOX", 0, &u, err), 0);
		assert_true(u.n > 0);
		unsigned char *msg;
		size_t mlen;
		assert_int_equal(imap_fetch(c, "INBOX", u.v[u.n - 1], 0, &msg, &mlen, err), 0);
		assert_non_null(memmem(msg, mlen, "Subject: eos-export: eos-", 25));
		struct mime_payloads out = { 0 };
		struct mime_limits lim = { 0 };
		if (mime_extract(msg, mlen, &lim, &out, err) != 0)
			fail_msg("mime_extract: %s", err);
		assert_int_equal(out.n, 1);
		assert_string_equal(out.v[0].name, name);
		assert_string_equal(out.v[0].content_type, "text/csv");
		char got[65];
		test_sha256_hex(out.v[0].data, out.v[0].len, got);
		assert_string_equal(got, want);
		mime_payloads_release(&out);
		free(msg);
		imap_uids_release(&u);
		imap_close(c);
	}
	free(path);
	free(csv);
}

static void wrong_password_is_refused_clearly(void **state)
{
	char *pw = write_temp("wrong.secret", "not-the-password\n", 17, 0600);
	struct remote_config *rc = imap_remote(pw, 1);
	struct imap_conn *c = NULL;
	char err[ERRLEN] = "";
	assert_int_equal(imap_open(rc, &lg, &c, err), KA_PERMANENT);
	assert_null(c);
	assert_non_null(strstr(err, "wrong user or password"));
	assert_null(strstr(err, "not-the-password"));
	remote_free(rc);

	char *url = xasprintf("smtps://127.0.0.1:%s", env("SMTPS_PORT"));
	rc = smtp_remote(url, pw, 1);
	struct tconn *t;
	assert_int_equal(transport_smtp.connect(rc, &lg, &t, err), 0);
	assert_int_equal(smtp_probe(t, err), KA_PERMANENT);
	assert_non_null(strstr(err, "wrong user or password"));
	transport_smtp.close(t);
	remote_free(rc);
	free(url);
	free(pw);
}

static void untrusted_certificate_is_refused(void **state)
{
	struct remote_config *rc = imap_remote(env("IMAP_PASSWORD_FILE"), 0);
	struct imap_conn *c = NULL;
	char err[ERRLEN] = "";
	assert_int_equal(imap_open(rc, &lg, &c, err), KA_PERMANENT);
	assert_non_null(strstr(err, "certificate is not trusted"));
	remote_free(rc);

	/* STARTTLS on smtp:// is verified the same way. */
	char *url = xasprintf("smtp://127.0.0.1:%s", env("SMTP_PORT"));
	rc = smtp_remote(url, env("IMAP_PASSWORD_FILE"), 0);
	struct tconn *t;
	assert_int_equal(transport_smtp.connect(rc, &lg, &t, err), 0);
	assert_int_equal(smtp_probe(t, err), KA_PERMANENT);
	assert_non_null(strstr(err, "certificate is not trusted"));
	transport_smtp.close(t);
	remote_free(rc);
	free(url);
}

static void open_password_file_is_refused(void **state)
{
	char *pw = write_temp("open.secret", "x\n", 2, 0644);
	struct remote_config *rc = imap_remote(pw, 1);
	struct imap_conn *c = NULL;
	char err[ERRLEN] = "";
	assert_int_equal(imap_open(rc, &lg, &c, err), KA_PERMANENT);
	assert_non_null(strstr(err, "chmod 600"));
	remote_free(rc);
	free(pw);
}

static void server_down_is_transient(void **state)
{
	/* Dovecot's plain port speaks IMAP, so use a port nobody listens on:
	 * the SMTP server's port number + 0 is taken; pick one and close it. */
	char *url = xasprintf("imaps://127.0.0.1:%s", env("DOWN_PORT"));
	struct remote_config *rc = remote("imap", "url", url, "user", "kargo", "password_file",
					  env("IMAP_PASSWORD_FILE"), NULL);
	struct imap_conn *c = NULL;
	char err[ERRLEN] = "";
	assert_int_equal(imap_open(rc, &lg, &c, err), KA_TRANSIENT);
	remote_free(rc);
	free(url);
}

static void starttls_imap_and_uidvalidity(void **state)
{
	char *url = xasprintf("imap://127.0.0.1:%s", env("IMAP_PORT"));
	struct remote_config *rc = remote("imap", "url", url, "user", env("IMAP_USER"),
					  "password_file", env("IMAP_PASSWORD_FILE"), "ca_file",
					  env("CA_FILE"), NULL);
	struct imap_conn *c;
	char err[ERRLEN] = "";
	if (imap_open(rc, &lg, &c, err) != 0)
		fail_msg("imap_open with STARTTLS: %s", err);
	uint32_t uv = 0;
	assert_int_equal(imap_select(c, "INBOX", &uv, err), 0);
	/* Dovecot keeps UIDVALIDITY in dovecot-uidlist: "3 V<uidvalidity> N<next> ...". */
	char *ul = xasprintf("%s/dovecot-uidlist", env("MAILDIR"));
	size_t n;
	char *txt = test_read_file(ul, &n);
	assert_non_null(txt);
	char *v = strstr(txt, " V");
	assert_non_null(v);
	assert_int_equal(uv, (uint32_t)strtoul(v + 2, NULL, 10));
	assert_int_equal(imap_select(c, "No-Such-Box", &uv, err), KA_PERMANENT);
	free(txt);
	free(ul);
	imap_close(c);
	remote_free(rc);
	free(url);
}

static void fetch_does_not_set_seen_and_seen_does(void **state)
{
	deliver_fixture("base64_attachment", "seen-1");
	struct imap_conn *c = open_ok();
	char err[ERRLEN], file[512];
	uint32_t uid = find_tag(c, "INBOX", "seen-1");
	assert_true(uid > 0);
	/* Fetched, not seen: Dovecot moved it to cur/ without the S flag. */
	assert_true(maildir_file_with("cur", "seen-1", file, sizeof(file)));
	assert_null(strstr(file, ":2,S"));
	assert_int_equal(imap_finish(c, "INBOX", uid, IMAP_SEEN, NULL, err), 0);
	assert_true(maildir_file_with("cur", "seen-1", file, sizeof(file)));
	assert_non_null(strstr(file, ":2,S"));
	imap_close(c);
}

static void move_with_and_without_move_capability(void **state)
{
	deliver_fixture("forwarded_rfc822", "move-1");
	deliver_fixture("inline_unnamed", "move-2");
	struct imap_conn *c = open_ok();
	char err[ERRLEN], file[512];
	uint32_t a = find_tag(c, "INBOX", "move-1"), b = find_tag(c, "INBOX", "move-2");
	assert_true(a > 0 && b > 0);
	if (imap_finish(c, "INBOX", a, IMAP_MOVE, "Archive", err) != 0)
		fail_msg("move: %s", err);
	assert_int_equal(find_tag(c, "INBOX", "move-1"), 0);
	assert_true(find_tag(c, "Archive", "move-1") > 0);
	assert_true(maildir_file_with(".Archive/cur", "move-1", file, sizeof(file)));

	/* COPY + \Deleted + UID EXPUNGE, into a folder that does not exist yet. */
	imap_forget_move(c);
	unsigned long before = imap_count_commands(c);
	if (imap_finish(c, "INBOX", b, IMAP_MOVE, "Processed", err) != 0)
		fail_msg("copy-move: %s", err);
	assert_true(imap_count_commands(c) - before >= 3);
	assert_int_equal(find_tag(c, "INBOX", "move-2"), 0);
	assert_true(find_tag(c, "Processed", "move-2") > 0);
	imap_close(c);
}

static void delete_expunges_only_that_message(void **state)
{
	deliver_fixture("no_attachment", "del-1");
	deliver_fixture("no_attachment", "del-2");
	struct imap_conn *c = open_ok();
	char err[ERRLEN], file[512];
	uint32_t a = find_tag(c, "INBOX", "del-1"), b = find_tag(c, "INBOX", "del-2");
	assert_true(a > 0 && b > 0);
	assert_int_equal(imap_finish(c, "INBOX", a, IMAP_DELETE, NULL, err), 0);
	assert_int_equal(find_tag(c, "INBOX", "del-1"), 0);
	assert_false(maildir_file_with("cur", "del-1", file, sizeof(file)));
	assert_int_equal(find_tag(c, "INBOX", "del-2"), b);
	imap_close(c);
}

static void uids_after_and_size_limit_and_command_count(void **state)
{
	deliver_fixture("duplicate_names", "uid-1");
	struct imap_conn *c = open_ok();
	char err[ERRLEN];
	uint32_t uv;
	assert_int_equal(imap_select(c, "INBOX", &uv, err), 0);
	struct imap_uids all = { 0 }, after = { 0 };
	assert_int_equal(imap_uids_after(c, "INBOX", 0, &all, err), 0);
	assert_true(all.n >= 1);
	uint32_t last = all.v[all.n - 1];
	assert_int_equal(imap_uids_after(c, "INBOX", last, &after, err), 0);
	assert_int_equal(after.n, 0);  /* "last+1:*" also matches the last: filtered */
	unsigned char *d = NULL;
	size_t n;
	assert_int_equal(imap_fetch(c, "INBOX", last, 1024, &d, &n, err), KA_INVALID);
	assert_null(d);
	assert_int_equal(imap_fetch(c, "INBOX", last + 1000, 0, &d, &n, err), KA_NOENT);
	unsigned long before = imap_count_commands(c);
	assert_int_equal(imap_fetch(c, "INBOX", last, 0, &d, &n, err), 0);
	assert_int_equal(imap_count_commands(c) - before, 1);  /* one UID FETCH */
	free(d);
	imap_uids_release(&all);
	imap_uids_release(&after);
	imap_close(c);
}

int main(void)
{
	log_init(&lg, LOG_WARN, stderr);
	char ierr[ERRLEN];
	if (transports_init(ierr) != 0) {
		fprintf(stderr, "%s\n", ierr);
		return 1;
	}
	mime_init();
	char tmpl[] = "/tmp/ka-email-XXXXXX";
	tmpdir = mkdtemp(tmpl);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(smtp_to_imap_round_trip_keeps_bytes),
		cmocka_unit_test(wrong_password_is_refused_clearly),
		cmocka_unit_test(untrusted_certificate_is_refused),
		cmocka_unit_test(open_password_file_is_refused),
		cmocka_unit_test(server_down_is_transient),
		cmocka_unit_test(starttls_imap_and_uidvalidity),
		cmocka_unit_test(fetch_does_not_set_seen_and_seen_does),
		cmocka_unit_test(move_with_and_without_move_capability),
		cmocka_unit_test(delete_expunges_only_that_message),
		cmocka_unit_test(uids_after_and_size_limit_and_command_count),
	};
	int rc = cmocka_run_group_tests_name("email_servers", tests, NULL, NULL);
	char *cmd = xasprintf("rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tmpdir);
	free(cmd);
	mime_shutdown();
	transports_shutdown();
	return rc;
}
