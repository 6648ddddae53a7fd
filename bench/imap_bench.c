/* Benchmark driver: take every message of an IMAP mailbox the way the intake
 * does (UID SEARCH, then per message UID FETCH BODY.PEEK[] + mime_extract +
 * write each payload to OUTDIR), then run a second cycle from the highest
 * UID seen, which must fetch nothing. Prints one line of key=value facts.
 *
 *   imap_bench URL USER PASSWORD_FILE CA_FILE OUTDIR */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "config.h"
#include "log.h"
#include "transports/imap.h"
#include "transports/transport.h"
#include "formats/mime.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc != 6) {
		fprintf(stderr, "usage: imap_bench URL USER PASSWORD_FILE CA_FILE OUTDIR\n");
		return EX_USAGE;
	}
	struct kv kv[] = { { "url", argv[1] }, { "user", argv[2] }, { "password_file", argv[3] },
			   { "ca_file", argv[4] } };
	struct remote_config remote = { { "bench", kv, 4 }, "imap" };
	struct logger lg;
	log_init(&lg, LOG_WARN, stderr);
	char ierr[ERRLEN];
	if (transports_init(ierr) != 0) {
		fprintf(stderr, "%s\n", ierr);
		return 1;
	}
	mime_init();
	int dfd = open(argv[5], O_RDONLY | O_DIRECTORY);
	char err[ERRLEN];
	struct imap_conn *c;
	double t0 = now();
	if (dfd < 0 || imap_open(&remote, &lg, &c, err) != 0) {
		fprintf(stderr, "imap_bench: %s\n", dfd < 0 ? "cannot open OUTDIR" : err);
		return EX_UNAVAILABLE;
	}
	uint32_t uv;
	struct imap_uids u = { 0 };
	struct mime_limits lim = { 0 };
	size_t payloads = 0, bytes = 0;
	int rc = imap_select(c, "INBOX", &uv, err);
	if (rc == 0)
		rc = imap_uids_after(c, "INBOX", 0, &u, err);
	for (size_t i = 0; rc == 0 && i < u.n; i++) {
		unsigned char *msg = NULL;
		size_t len;
		struct mime_payloads out = { 0 };
		rc = imap_fetch(c, "INBOX", u.v[i], 0, &msg, &len, err);
		if (rc == 0)
			rc = mime_extract(msg, len, &lim, &out, err);
		for (size_t k = 0; rc == 0 && k < out.n; k++) {
			/* One file per payload, named by message so that names never clash. */
			char name[64];
			snprintf(name, sizeof(name), "%" PRIu32 "-%s", u.v[i], out.v[k].part_path);
			struct mime_payload p = out.v[k];
			p.name = name;
			rc = mime_payload_save(dfd, &p, err);
			payloads++;
			bytes += p.len;
		}
		mime_payloads_release(&out);
		free(msg);
	}
	double t1 = now();
	unsigned long cmds = imap_count_commands(c);
	/* The next cycle: nothing new, nothing fetched again. */
	struct imap_uids again = { 0 };
	uint32_t last = u.n ? u.v[u.n - 1] : 0;
	if (rc == 0)
		rc = imap_select(c, "INBOX", &uv, err);
	if (rc == 0)
		rc = imap_uids_after(c, "INBOX", last, &again, err);
	unsigned long cmds2 = imap_count_commands(c) - cmds;
	if (rc != 0) {
		fprintf(stderr, "imap_bench: %s\n", err);
		return EX_SOFTWARE;
	}
	printf("messages=%zu payloads=%zu bytes=%zu seconds=%.3f msgs_per_s=%.1f "
	       "commands=%lu commands_per_msg=%.3f next_cycle_new=%zu next_cycle_commands=%lu\n",
	       u.n, payloads, bytes, t1 - t0, (double)u.n / (t1 - t0), cmds,
	       u.n ? (double)cmds / (double)u.n : 0.0, again.n, cmds2);
	imap_uids_release(&u);
	imap_uids_release(&again);
	imap_close(c);
	close(dfd);
	mime_shutdown();
	transports_shutdown();
	return 0;
}
