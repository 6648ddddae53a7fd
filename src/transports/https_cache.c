/* The token cache between runs: a file beside the manifest (the remote's
 * token_cache, MANIFEST.token-NAME), mode 0600, written by temp file and
 * rename, so a cron job running `once` every minute asks for one token
 * per token lifetime. It holds the token, when it expires and when to
 * refresh it, and a hash of whom it was issued for (flow, URLs, client,
 * user, audience: never a secret), so a changed configuration does not
 * reuse another identity's token. Anything odd about the file and it is
 * ignored: a token is fetched instead. */
#include "https_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../sha256.h"

#define CACHE_MAGIC "kargo-agent token cache 1"
#define CACHE_MAX 16384

/* The hash of the identity a token belongs to. */
static void identity(const struct tconn *c, char hex[SHA256_HEX])
{
	const char *parts[] = {
		https_auth_names[c->o.auth], c->o.url, c->o.token_url, c->o.login_url,
		c->o.client_id, c->o.user, c->o.audience, c->o.token_field,
	};
	struct sha256 h;
	if (sha256_init(&h) != 0) {
		hex[0] = '\0';
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(parts); i++) {
		const char *p = parts[i] ? parts[i] : "";
		sha256_update(&h, p, strlen(p) + 1);  /* with the NUL: parts stay apart */
	}
	sha256_final(&h, hex);
}

/* The file's bytes when it may hold a secret: a regular file of ours that
 * no one else may read. NULL otherwise. */
static char *read_private(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	char *buf = NULL;
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && !(st.st_mode & 077) &&
	    st.st_uid == geteuid() && st.st_size < CACHE_MAX) {
		buf = xcalloc(1, (size_t)st.st_size + 1);
		if (read_full(fd, buf, (size_t)st.st_size) != st.st_size) {
			https_wipe(buf);
			buf = NULL;
		}
	}
	close(fd);
	return buf;
}

int https_cache_load(const struct tconn *c, struct https_token *tok)
{
	if (!c->o.token_cache)
		return 0;
	char *buf = read_private(c->o.token_cache);
	if (!buf)
		return 0;
	char id[SHA256_HEX], want[SHA256_HEX], token[CACHE_MAX];
	long long expires = 0, refresh = 0;
	int n = sscanf(buf, CACHE_MAGIC "\nidentity %64s\nexpires %lld\nrefresh %lld\ntoken %16383s",
		       id, &expires, &refresh, token);
	https_wipe(buf);
	identity(c, want);
	int ok = n == 4 && *want && strcmp(id, want) == 0 && now_s() < refresh;
	if (ok) {
		tok->value = xstrdup(token);
		tok->expires = expires;
		tok->refresh_at = refresh;
	}
	memset(token, 0, sizeof(token));
	return ok;
}

void https_cache_store(const struct tconn *c, const struct https_token *tok)
{
	if (!c->o.token_cache)
		return;
	char id[SHA256_HEX], why[ERRLEN];
	identity(c, id);
	char *tmp = xasprintf("%s.%ld.tmp", c->o.token_cache, (long)getpid());
	char *text = xasprintf(CACHE_MAGIC "\nidentity %s\nexpires %lld\nrefresh %lld\ntoken %s\n",
			       id, (long long)tok->expires, (long long)tok->refresh_at, tok->value);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	size_t len = strlen(text);
	int ok = fd >= 0 && fchmod(fd, 0600) == 0 && write_full(fd, text, len) == (ssize_t)len &&
		fsync(fd) == 0;
	int e = errno;
	if (fd >= 0 && close(fd) != 0 && ok) {
		ok = 0;
		e = errno;
	}
	if (ok && rename(tmp, c->o.token_cache) != 0) {
		ok = 0;
		e = errno;
	}
	if (!ok) {
		char q[600], qe[600];
		unlink(tmp);
		log_event(c->lg, LOG_WARN, "token_cache_failed", "remote=%s path=%s error=%s",
			  c->o.name, log_quote(c->o.token_cache, q, sizeof(q)),
			  log_quote(errno_text(e, c->o.token_cache, why, sizeof(why)), qe,
				    sizeof(qe)));
	}
	https_wipe(text);
	free(tmp);
}
