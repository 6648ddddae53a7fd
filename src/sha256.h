/* SHA-256 of streamed bytes (OpenSSL's libcrypto, which uses the CPU's SHA
 * instructions where it has them). */
#ifndef KA_SHA256_H
#define KA_SHA256_H

#include <stddef.h>

struct sha256 {
	void *md;  /* EVP_MD_CTX */
};

#define SHA256_HEX 65  /* 64 hex digits and a NUL */

int sha256_init(struct sha256 *h);
void sha256_update(struct sha256 *h, const void *buf, size_t len);
/* Write the digest as lower-case hex into hex[SHA256_HEX] and free the state. */
void sha256_final(struct sha256 *h, char hex[SHA256_HEX]);
/* Free the state without a digest (on an error path). */
void sha256_release(struct sha256 *h);
/* Digest of a whole file; 0 or -1 with errno set. */
int sha256_file(const char *path, char hex[SHA256_HEX]);

#endif
