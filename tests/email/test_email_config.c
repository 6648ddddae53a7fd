/* check_remote of type = imap and type = smtp: every problem reported as
 * "FILE: [remote NAME] key: problem", without connecting; and the SMTP
 * subject template and content types. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"
#include "config.h"
#include "diag.h"
#include "transports/smtp.h"
#include "transports/transport.h"

/* Run TYPE's check_remote over KEYS ("k", "v", ..., NULL); returns the diag. */
static struct diag check(const char *type, ...)
{
	struct kv kv[16];
	size_t n = 0;
	va_list ap;
	va_start(ap, type);
	const char *k;
	while ((k = va_arg(ap, const char *)) && n < 16) {
		kv[n].key = (char *)k;
		kv[n++].value = va_arg(ap, char *);
	}
	va_end(ap);
	struct remote_config rc = { { "mail", kv, n }, type };
	struct diag d = { 0 };
	const struct transport_ops *t = transport_find(type);
	assert_non_null(t);
	t->check_remote(&rc, "ka.ini", &d);
	return d;
}

static int has(const struct diag *d, const char *text)
{
	for (size_t i = 0; i < d->n; i++)
		if (strstr(d->msgs[i], text))
			return 1;
	return 0;
}

static void imap_keys_are_checked(void **state)
{
	char pw[] = "/tmp/ka-cfg-XXXXXX";
	int fd = mkstemp(pw);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "s\n", 2), 2);
	close(fd);
	chmod(pw, 0600);
	struct diag d = check("imap", "url", "imaps://mail.example.com", "user", "u",
			      "password_file", pw, NULL);
	assert_int_equal(d.n, 0);
	diag_release(&d);
	chmod(pw, 0640);
	d = check("imap", "url", "http://x", "tls", "maybe", "password_file", pw,
		  "max_message_bytes", "12", "connect_timeout", "0", NULL);
	assert_true(has(&d, "ka.ini: [remote mail] url: 'http://x' must start with imaps:// or imap://"));
	assert_true(has(&d, "[remote mail] tls: 'maybe' is not required or none"));
	assert_true(has(&d, "[remote mail] user: missing required key"));
	assert_true(has(&d, "[remote mail] password_file: ") && has(&d, "chmod 600"));
	assert_true(has(&d, "[remote mail] max_message_bytes:"));
	assert_true(has(&d, "[remote mail] connect_timeout:"));
	diag_release(&d);
	d = check("imap", "url", "imaps://u:secret@h/INBOX", "tls", "none", "user", "u",
		  "password_file", pw, NULL);
	assert_true(has(&d, "not in the URL"));
	assert_true(has(&d, "tls: none contradicts imaps://"));
	diag_release(&d);
	unlink(pw);
}

static void smtp_keys_are_checked(void **state)
{
	struct diag d = check("smtp", "url", "smtp://127.0.0.1:2525", "from", "a@b.c",
			      "to", "x@y.z, w@v.u", NULL);
	assert_int_equal(d.n, 0);
	diag_release(&d);
	d = check("smtp", "url", "smtps://h", "from", "nobody", "to", "ok@x.y, bad address",
		  "user", "u", NULL);
	assert_true(has(&d, "[remote mail] from: 'nobody' is not an e-mail address"));
	assert_true(has(&d, "[remote mail] to: 'bad address' is not an e-mail address"));
	assert_true(has(&d, "[remote mail] password_file: missing required key"));
	diag_release(&d);
	d = check("smtp", "url", "smtps://h", NULL);
	assert_true(has(&d, "from: missing required key"));
	assert_true(has(&d, "to: missing required key"));
	diag_release(&d);
}

static void subject_template_and_content_types(void **state)
{
	struct send_info info = { "eos.csv", "eos-out", "S-1,S-2", "", NULL };
	char *s = smtp_expand("[{route}] {name}: {shipment_ids} {other}", &info);
	assert_string_equal(s, "[eos-out] eos.csv: S-1,S-2 {other}");
	free(s);
	struct send_info evil = { "a\r\nBcc: x@y.z", "r", "", "", NULL };
	s = smtp_expand("{name}", &evil);
	assert_null(strchr(s, '\n'));
	free(s);
	assert_string_equal(smtp_content_type("x.CSV", NULL), "text/csv");
	assert_string_equal(smtp_content_type("asn.edi", NULL), "application/EDI-X12");
	assert_string_equal(smtp_content_type("notes.txt", NULL), "application/octet-stream");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(imap_keys_are_checked),
		cmocka_unit_test(smtp_keys_are_checked),
		cmocka_unit_test(subject_template_and_content_types),
	};
	return cmocka_run_group_tests_name("email_config", tests, NULL, NULL);
}
