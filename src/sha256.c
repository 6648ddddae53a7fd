/* SHA-256 through libcrypto's EVP interface. */
#include "sha256.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <openssl/evp.h>

#include "common.h"

int sha256_init(struct sha256 *h)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	if (!md || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(md);
		h->md = NULL;
		return -1;
	}
	h->md = md;
	return 0;
}

void sha256_update(struct sha256 *h, const void *buf, size_t len)
{
	EVP_DigestUpdate(h->md, buf, len);
}

void sha256_final(struct sha256 *h, char hex[SHA256_HEX])
{
	unsigned char d[32];
	unsigned int n = 0;
	EVP_DigestFinal_ex(h->md, d, &n);
	for (unsigned int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	sha256_release(h);
}

void sha256_release(struct sha256 *h)
{
	EVP_MD_CTX_free(h->md);
	h->md = NULL;
}

int sha256_file(const char *path, char hex[SHA256_HEX])
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct sha256 h;
	if (sha256_init(&h) != 0) {
		close(fd);
		errno = ENOMEM;
		return -1;
	}
	size_t cap = 1024 * 1024;
	char *buf = xmalloc(cap);
	ssize_t n;
	while ((n = read(fd, buf, cap)) > 0)
		sha256_update(&h, buf, (size_t)n);
	int saved = errno;
	free(buf);
	close(fd);
	if (n < 0) {
		sha256_release(&h);
		errno = saved;
		return -1;
	}
	sha256_final(&h, hex);
	return 0;
}
