/* retry: put dead (and corrupt) files back in the queue once their cause is
 * fixed: pending, no attempt counted, due now. The next `once` or cycle of
 * `run` delivers them and finishes their sources. It changes states, so it
 * takes the manifest's lock as run and once do. */
#include <getopt.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static int collect(void *ctx, const struct mfile *f)
{
	ids_add(ctx, f->id);
	return 0;
}

/* Who asked, for the event: the user behind sudo, else the login. */
static void who(char *buf, size_t len)
{
	const char *sudo = getenv("SUDO_USER");
	struct passwd *pw = getpwuid(getuid());
	if (sudo && *sudo)
		snprintf(buf, len, "%s(sudo)", sudo);
	else if (pw)
		snprintf(buf, len, "%s", pw->pw_name);
	else
		snprintf(buf, len, "uid%d", (int)getuid());
	for (char *c = buf; *c; c++)  /* a plain logfmt value, whatever the env says */
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-()@",
			    *c))
			*c = '_';
}

/* Why a file in STATE is not retried, and what to do instead. */
static const char *refusal(const char *state)
{
	if (!strcmp(state, ST_STAGED) || !strcmp(state, ST_PENDING))
		return "it is already queued";
	if (!strcmp(state, ST_DELIVERED) || !strcmp(state, ST_DONE))
		return "it was delivered; `kargo-agent resend ID` delivers it again";
	if (!strcmp(state, ST_REJECTED))
		return "it is invalid and never delivered; fix it at the source, and the "
		       "fixed file is carried as a new one";
	return "only dead and corrupt files are retried";
}

/* Put file ID back in the queue. Returns 0, or the sysexits code of the
 * problem (printed). */
static int retry_one(struct app *a, int64_t id, const char *by, const char *reason)
{
	struct manifest *m = &a->m;
	struct mfile f;
	char err[ERRLEN], q[1024], qr[512];
	int rc = manifest_get(m, id, &f, err);
	if (rc != 0) {
		fprintf(stderr, "kargo-agent retry: %s\n", err);
		return rc == KA_NOENT ? EX_NOINPUT : EX_IOERR;
	}
	if (strcmp(f.state, ST_DEAD) != 0 && strcmp(f.state, ST_CORRUPT) != 0) {
		fprintf(stderr, "kargo-agent retry: file %lld is %s, not dead or corrupt: %s\n",
			(long long)id, f.state, refusal(f.state));
		mfile_release(&f);
		return EX_DATAERR;
	}
	char *detail = xasprintf("by=%s was=%s attempts=%d reason=%s last_error=%s", by,
				 f.state, f.attempts, log_quote(reason, qr, sizeof(qr)),
				 log_quote(f.last_error ? f.last_error : "", q, sizeof(q)));
	rc = manifest_retry(m, id, detail, err);
	free(detail);
	if (rc == 0) {
		printf("retried %lld (route %s, %s): was %s after %d attempt%s, now queued\n",
		       (long long)id, f.route, f.name, f.state, f.attempts,
		       f.attempts == 1 ? "" : "s");
		log_event(&a->lg, LOG_INFO, "retried", "file=%lld route=%s by=%s was=%s reason=%s",
			  (long long)id, f.route, by, f.state, qr);
	} else
		fprintf(stderr, "kargo-agent retry: %s\n", err);
	mfile_release(&f);
	return rc == 0 ? 0 : rc == KA_INVALID ? EX_DATAERR : EX_IOERR;
}

/* The dead and corrupt files of ROUTE (NULL: any) in STATE (NULL: both). */
static int select_files(struct manifest *m, const char *route, const char *state,
			struct ids *ids)
{
	static const char *const both[] = { ST_DEAD, ST_CORRUPT };
	char err[ERRLEN];
	for (size_t i = 0; i < ARRAY_SIZE(both); i++) {
		struct mfilter flt = { .route = route, .state = both[i] };
		if (state && strcmp(state, both[i]) != 0)
			continue;
		if (manifest_list(m, &flt, collect, ids, err) != 0) {
			fprintf(stderr, "kargo-agent retry: %s\n", err);
			return EX_IOERR;
		}
	}
	if (ids->n > 0)
		return 0;
	fprintf(stderr, "kargo-agent retry: no %s file%s%s\n",
		state ? state : "dead or corrupt", route ? " in route " : "", route ? route : "");
	return EX_NOINPUT;
}

/* Retry every id; the worst code wins (I/O over no input over refused). */
static int retry_all(struct app *a, const struct ids *ids, const char *reason)
{
	char by[128];
	who(by, sizeof(by));
	int worst = 0, done = 0;
	for (size_t i = 0; i < ids->n; i++) {
		int rc = retry_one(a, ids->v[i], by, reason);
		done += rc == 0;
		if (rc == EX_IOERR || (rc == EX_NOINPUT && worst != EX_IOERR) ||
		    (rc == EX_DATAERR && !worst))
			worst = rc;
	}
	if (done)
		printf("retry: %d file%s queued; the next once, or the next cycle of run, "
		       "delivers %s\n", done, done == 1 ? "" : "s", done == 1 ? "it" : "them");
	return worst;
}

int cmd_retry_parse(struct cli *cli, int argc, char **argv, struct cmd_opts *o)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "route", required_argument, NULL, 'r' },
		{ "state", required_argument, NULL, 's' },
		{ "reason", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;
	o->reason = "-";
	while ((ch = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': cli->config = optarg; break;
		case 'r': o->route = optarg; break;
		case 's': o->state = optarg; break;
		case 'R': o->reason = optarg; break;
		default: return ch == 'h' ? CLI_HELP : CLI_USAGE;
		}
	}
	const char *state = o->state;
	if (state && strcmp(state, ST_DEAD) != 0 && strcmp(state, ST_CORRUPT) != 0) {
		fprintf(stderr, "kargo-agent retry: --state takes dead or corrupt, not '%s'\n",
			state);
		return EX_USAGE;
	}
	if (cli_parse_ids(argc, argv, optind, &o->ids) != 0)
		return EX_USAGE;
	if ((o->ids.n == 0) == (o->route == NULL && state == NULL)) {
		fprintf(stderr, "kargo-agent retry: give file ids, or --route / --state, "
			"not both\n");
		return CLI_USAGE;
	}
	return CLI_GO;
}

int cmd_retry_run(struct app *a, struct cmd_opts *o)
{
	int rc = 0;
	if (o->ids.n == 0)
		rc = select_files(&a->m, o->route, o->state, &o->ids);
	if (rc == 0)
		rc = retry_all(a, &o->ids, o->reason);
	return rc;
}
