/* sftp-tool: drive the SFTP transport directly, for tests and benchmarks,
 * until the CLI can. The remote comes from the environment that
 * tests/servers/sshd-start writes (SSHD_PORT, SSHD_USER, SSHD_KEY,
 * SSHD_KNOWN_HOSTS); -o key=value adds or overrides [remote] keys.
 *
 *   sftp-tool [-o k=v]... [-j N] COMMAND ARGS...
 *     connect                     connect and verify the host key
 *     hostkey-algs                the host key algorithms this libssh2 can
 *                                 verify, one a line (no connection)
 *     put LOCAL REMOTE            get REMOTE LOCAL
 *     ls DIR   stat PATH   rm PATH   mkdirs PATH
 *     rename FROM TO [overwrite]
 *     putdir LOCALDIR REMOTEDIR   every file, over N sessions in threads
 *     getdir REMOTEDIR LOCALDIR   every file listed, over N sessions
 *     script                      commands from stdin, one per line, fields
 *                                 separated by tabs, on ONE connection; also
 *                                 "waitfile PATH"; prints "ok" or "code=..."
 *
 * Exit status: 0, or 10 + the KA_* code's magnitude; the error sentence on
 * stderr as "code=NAME err=...". Timed commands print "files= bytes= ms=". */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <libssh2.h>

#include "transports/transport.h"

static const struct transport_ops *T = &transport_sftp;

static const char *code_name(int rc)
{
	switch (rc) {
	case 0: return "OK";
	case KA_TRANSIENT: return "KA_TRANSIENT";
	case KA_PERMANENT: return "KA_PERMANENT";
	case KA_NOENT: return "KA_NOENT";
	case KA_EXISTS: return "KA_EXISTS";
	case KA_NOSPACE: return "KA_NOSPACE";
	case KA_INVALID: return "KA_INVALID";
	default: return "KA_ERR";
	}
}

static int report(int rc, const char *err)
{
	if (rc)
		fprintf(stderr, "code=%s err=%s\n", code_name(rc), err);
	return rc;
}

struct opts {
	struct remote_config rc;
	struct logger lg;
	int jobs;
};

static void kv_set(struct section *s, const char *key, const char *value)
{
	for (size_t i = 0; i < s->nkv; i++)
		if (!strcmp(s->kv[i].key, key)) {
			free(s->kv[i].value);
			s->kv[i].value = xstrdup(value);
			return;
		}
	s->kv = xrealloc(s->kv, (s->nkv + 1) * sizeof(*s->kv));
	s->kv[s->nkv++] = (struct kv){ xstrdup(key), xstrdup(value) };
}

static void env_key(struct section *s, const char *key, const char *env)
{
	const char *v = getenv(env);
	if (v && *v)
		kv_set(s, key, v);
}

static int fd_sink(void *ctx, const void *buf, size_t len)
{
	int fd = *(int *)ctx;
	const char *p = buf;
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return errno == ENOSPC ? KA_NOSPACE : KA_ERR;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static int fd_sink_at(void *ctx, const void *buf, size_t len, int64_t off)
{
	int fd = *(int *)ctx;
	const char *p = buf;
	while (len > 0) {
		ssize_t w = pwrite(fd, p, len, (off_t)off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return errno == ENOSPC ? KA_NOSPACE : KA_ERR;
		p += w;
		len -= (size_t)w;
		off += w;
	}
	return 0;
}

static int do_get(struct tconn *c, const char *remote, const char *local, char *err)
{
	int fd = open(local, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(err, ERRLEN, "cannot create %s: %s", local, strerror(errno));
		return KA_ERR;
	}
	struct sink to = { fd_sink, fd_sink_at, &fd };
	int rc = T->get(c, remote, &to, err);
	if (close(fd) != 0 && rc == 0)
		rc = KA_ERR;
	return rc;
}

static void print_entry(const struct tentry *e)
{
	printf("%s\t%lld\t%lld\t%s\n", e->name ? e->name : "", (long long)e->size,
	       (long long)e->mtime, e->type == TENTRY_FILE ? "file" :
	       e->type == TENTRY_DIR ? "dir" : "other");
}

/* Run one command on connection C. */
static int run_cmd(struct tconn *c, int argc, char **argv, char *err)
{
	const char *cmd = argv[0];
	if (!strcmp(cmd, "connect"))
		return 0;
	if (!strcmp(cmd, "put") && argc == 3)
		return T->put(c, argv[1], NULL, argv[2], NULL, err);
	if (!strcmp(cmd, "get") && argc == 3)
		return do_get(c, argv[1], argv[2], err);
	if (!strcmp(cmd, "rm") && argc == 2)
		return T->remove(c, argv[1], err);
	if (!strcmp(cmd, "mkdirs") && argc == 2)
		return T->mkdirs(c, argv[1], err);
	if (!strcmp(cmd, "rename") && (argc == 3 || argc == 4))
		return T->rename(c, argv[1], argv[2], argc == 4 && !strcmp(argv[3], "overwrite"), err);
	if (!strcmp(cmd, "stat") && argc == 2) {
		struct tentry e;
		int rc = T->stat(c, argv[1], &e, err);
		if (rc == 0)
			print_entry(&e);
		return rc;
	}
	if (!strcmp(cmd, "ls") && argc == 2) {
		struct tlist l = { 0 };
		int rc = T->list(c, argv[1], &l, err);
		for (size_t i = 0; rc == 0 && i < l.n; i++)
			print_entry(&l.v[i]);
		tlist_release(&l);
		return rc;
	}
	if (!strcmp(cmd, "waitfile") && argc == 2) {
		while (access(argv[1], F_OK) != 0)
			usleep(50000);
		return 0;
	}
	snprintf(err, ERRLEN, "unknown command or wrong arguments: %s", cmd);
	return KA_INVALID;
}

/* "script": tab-separated commands from stdin on one connection. */
static int run_script(struct tconn *c)
{
	char line[8192];
	int last = 0;
	while (fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\n")] = '\0';
		if (!*line)
			continue;
		char *argv[8];
		int argc = 0;
		for (char *s = line, *tok; argc < 8 && (tok = strsep(&s, "\t"));)
			argv[argc++] = tok;
		char err[ERRLEN] = "";
		last = run_cmd(c, argc, argv, err);
		if (last)
			printf("code=%s err=%s\n", code_name(last), err);
		else
			printf("ok\n");
		fflush(stdout);
	}
	return last;
}

/* A batch of files moved by N threads, each on its own session. */
struct batch {
	const struct opts *o;
	int up;
	const char *src, *dst;
	char **names;
	size_t n;
	atomic_size_t next;
	atomic_llong bytes;
	atomic_int rc;
	char err[ERRLEN];
	pthread_mutex_t mu;
};

static void *batch_worker(void *arg)
{
	struct batch *b = arg;
	struct tconn *c = NULL;
	char err[ERRLEN] = "";
	int rc = T->connect(&b->o->rc, &b->o->lg, &c, err);
	while (rc == 0) {
		size_t i = atomic_fetch_add(&b->next, 1);
		if (i >= b->n)
			break;
		char *s = path_join(b->src, b->names[i]), *d = path_join(b->dst, b->names[i]);
		rc = b->up ? T->put(c, s, NULL, d, NULL, err) : do_get(c, s, d, err);
		struct stat st;
		if (rc == 0 && stat(b->up ? s : d, &st) == 0)
			atomic_fetch_add(&b->bytes, (long long)st.st_size);
		free(s);
		free(d);
	}
	if (rc) {
		pthread_mutex_lock(&b->mu);
		atomic_store(&b->rc, rc);
		snprintf(b->err, ERRLEN, "%s", err);
		pthread_mutex_unlock(&b->mu);
	}
	if (c)
		T->close(c);
	return NULL;
}

static int local_names(const char *dir, char ***out, size_t *n)
{
	DIR *d = opendir(dir);
	if (!d)
		return KA_NOENT;
	struct dirent *de;
	size_t cap = 0;
	*n = 0;
	*out = NULL;
	while ((de = readdir(d))) {
		if (de->d_type != DT_REG)
			continue;
		if (*n == cap)
			*out = xrealloc(*out, (cap = cap ? cap * 2 : 256) * sizeof(**out));
		(*out)[(*n)++] = xstrdup(de->d_name);
	}
	closedir(d);
	return 0;
}

static int remote_names(const struct opts *o, const char *dir, char ***out, size_t *n,
			char *err)
{
	struct tconn *c;
	int rc = T->connect(&o->rc, &o->lg, &c, err);
	if (rc)
		return rc;
	struct tlist l = { 0 };
	rc = T->list(c, dir, &l, err);
	*out = xcalloc(l.n + 1, sizeof(**out));
	*n = 0;
	for (size_t i = 0; rc == 0 && i < l.n; i++)
		if (l.v[i].type == TENTRY_FILE)
			(*out)[(*n)++] = xstrdup(l.v[i].name);
	tlist_release(&l);
	T->close(c);
	return rc;
}

static int run_batch(const struct opts *o, int up, const char *src, const char *dst)
{
	struct batch b = { .o = o, .up = up, .src = src, .dst = dst };
	pthread_mutex_init(&b.mu, NULL);
	int rc = up ? local_names(src, &b.names, &b.n) : remote_names(o, src, &b.names, &b.n, b.err);
	if (rc)
		return report(rc, b.err);
	int64_t t0 = now_ms();
	pthread_t th[64];
	int jobs = o->jobs < 1 ? 1 : o->jobs > 64 ? 64 : o->jobs;
	for (int i = 0; i < jobs; i++)
		pthread_create(&th[i], NULL, batch_worker, &b);
	for (int i = 0; i < jobs; i++)
		pthread_join(th[i], NULL);
	int64_t ms = now_ms() - t0;
	rc = atomic_load(&b.rc);
	if (rc == 0)
		printf("files=%zu bytes=%lld ms=%lld\n", b.n, (long long)atomic_load(&b.bytes),
		       (long long)ms);
	for (size_t i = 0; i < b.n; i++)
		free(b.names[i]);
	free(b.names);
	pthread_mutex_destroy(&b.mu);
	return report(rc, b.err);
}

/* "hostkey-algs": what this libssh2 can verify, so a test can say which
 * outcome is right for the library it runs with. */
static int print_hostkey_algs(void)
{
	LIBSSH2_SESSION *s = libssh2_session_init();
	const char **algs = NULL;
	int n = s ? libssh2_session_supported_algs(s, LIBSSH2_METHOD_HOSTKEY, &algs) : -1;
	for (int i = 0; i < n; i++)
		printf("%s\n", algs[i]);
	fflush(stdout);
	if (n > 0)
		libssh2_free(s, algs);
	if (s)
		libssh2_session_free(s);
	return n > 0 ? 0 : KA_ERR;
}

static void opts_release(struct opts *o)
{
	for (size_t i = 0; i < o->rc.sec.nkv; i++) {
		free(o->rc.sec.kv[i].key);
		free(o->rc.sec.kv[i].value);
	}
	free(o->rc.sec.kv);
}

int main(int argc, char **argv)
{
	struct opts o = { .jobs = 1 };
	int rc;
	o.rc.sec.name = "test";
	o.rc.type = "sftp";
	kv_set(&o.rc.sec, "host", "127.0.0.1");
	env_key(&o.rc.sec, "port", "SSHD_PORT");
	env_key(&o.rc.sec, "user", "SSHD_USER");
	env_key(&o.rc.sec, "key", "SSHD_KEY");
	env_key(&o.rc.sec, "known_hosts", "SSHD_KNOWN_HOSTS");
	log_init(&o.lg, LOG_WARN, stderr);
	int opt;
	while ((opt = getopt(argc, argv, "o:j:")) != -1) {
		if (opt == 'j') {
			o.jobs = atoi(optarg);
		} else if (opt == 'o' && strchr(optarg, '=')) {
			char *eq = strchr(optarg, '=');
			*eq = '\0';
			kv_set(&o.rc.sec, optarg, eq + 1);
		} else {
			fprintf(stderr, "usage: sftp-tool [-o key=value]... [-j N] COMMAND ARGS...\n");
			return 64;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		fprintf(stderr, "usage: sftp-tool [-o key=value]... [-j N] COMMAND ARGS...\n");
		return 64;
	}
	char ierr[ERRLEN];
	if (transports_init(ierr) != 0) {
		fprintf(stderr, "%s\n", ierr);
		opts_release(&o);
		return 1;
	}
	if (!strcmp(argv[0], "hostkey-algs") && argc == 1) {
		rc = print_hostkey_algs() == 0 ? 0 : 1;
		opts_release(&o);
		transports_shutdown();
		return rc;
	}
	struct diag d = { 0 };
	T->check_remote(&o.rc, "sftp-tool", &d);
	for (size_t i = 0; i < d.n; i++)
		fprintf(stderr, "config: %s\n", d.msgs[i]);
	rc = d.n > 0 ? 78 : 0;
	diag_release(&d);
	if (rc)
		;
	else if (!strcmp(argv[0], "putdir") && argc == 3) {
		rc = run_batch(&o, 1, argv[1], argv[2]);
	} else if (!strcmp(argv[0], "getdir") && argc == 3) {
		rc = run_batch(&o, 0, argv[1], argv[2]);
	} else {
		struct tconn *c = NULL;
		char err[ERRLEN] = "";
		int64_t t0 = now_ms();
		rc = T->connect(&o.rc, &o.lg, &c, err);
		if (rc == 0) {
			rc = !strcmp(argv[0], "script") ? run_script(c) : run_cmd(c, argc, argv, err);
			if (!strcmp(argv[0], "put") || !strcmp(argv[0], "get"))
				fprintf(stderr, "ms=%lld\n", (long long)(now_ms() - t0));
		}
		if (strcmp(argv[0], "script"))
			report(rc, err);
		T->close(c);
	}
	opts_release(&o);
	transports_shutdown();
	return rc == 78 ? 78 : rc ? 10 - rc : 0;
}
