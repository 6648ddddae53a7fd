/* Helpers shared by the e-mail tests and the IMAP benchmark driver. */
#ifndef KA_EMAIL_TEST_H
#define KA_EMAIL_TEST_H

#include <stddef.h>

/* The whole file at PATH (NUL-terminated, *LEN without the NUL), or NULL. */
char *test_read_file(const char *path, size_t *len);
/* The sha256 of DATA as 64 lower-case hex digits (HEX holds 65 bytes). */
void test_sha256_hex(const void *data, size_t len, char *hex);

#endif
