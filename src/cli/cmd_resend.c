/* resend: deliver files again from the spool copy. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "pipeline.h"

static int collect(void *ctx, const struct mfile *f)
{
	if (strcmp(f->state, ST_REJECTED) == 0 || strcmp(f->state, ST_STAGED) == 0)
		return 0;  /* never delivered: nothing to send again */
	ids_add(ctx, f->id);
	return 0;
}

static int parse_on_exists(const char *s)
{
	if (strcmp(s, "fail") == 0)
		return ON_EXISTS_FAIL;
	if (strcmp(s, "overwrite") == 0)
		return ON_EXISTS_OVERWRITE;
	if (strcmp(s, "rename") == 0)
		return ON_EXISTS_RENAME;
	return -2;
}

/* The exit code of one failed resend (documented in kargo-agent(8)). */
static int resend_exit(int rc)
{
	switch (rc) {
	case KA_INVALID: return EX_DATAERR;   /* rejected: never delivered */
	case KA_NOENT: return EX_NOINPUT;     /* the spool copy is missing */
	case KA_CORRUPT: return EX_IOERR;     /* the spool copy did not match its sha256 */
	case KA_EXPIRED: return EX_NOUSER;    /* the spool copy expired (spool_retention) */
	default: return EX_UNAVAILABLE;       /* the destination failed */
	}
}

/* Deliver each id, showing large ones on PG (may be NULL); a failure is
 * reported and the others still go. Exit: 0, the code every failure
 * shares, or EX_UNAVAILABLE when they differ; a missing --to directory is
 * EX_CANTCREAT before anything is sent. */
static int resend_all(struct app *a, const struct ids *ids, const char *to, int mkdir,
		      int on_exists, struct progress *pg)
{
	struct pipeline p;
	pipeline_init(&p, a);
	p.progress = pg;
	int code = EX_OK;
	char derr[ERRLEN];
	int drc = to ? pipeline_resend_dest(&p, to, mkdir, derr) : 0;
	if (drc != 0) {
		fprintf(stderr, "kargo-agent resend: %s\n", derr);
		pipeline_release(&p);
		return drc == KA_NOENT ? EX_CANTCREAT : EX_UNAVAILABLE;
	}
	for (size_t i = 0; i < ids->n && !*a->stop; i++) {
		char err[ERRLEN];
		int rc = pipeline_resend(&p, ids->v[i], to, on_exists, err);
		if (rc == 0) {
			printf("resent %lld\n", (long long)ids->v[i]);
		} else {
			fprintf(stderr, "kargo-agent resend: %s\n", err);
			int this = resend_exit(rc);
			code = code == EX_OK || code == this ? this : EX_UNAVAILABLE;
		}
	}
	pipeline_release(&p);
	return code;
}

/* Resending a dead file to its own destinations completes it, which changes
 * its state: that takes the manifest's lock, as run and once do. */
static int lock_if_dead(struct app *a, const struct ids *ids)
{
	for (size_t i = 0; i < ids->n; i++) {
		struct mfile f;
		char err[ERRLEN];
		if (manifest_get(&a->m, ids->v[i], &f, err) != 0)
			continue;  /* reported by the resend itself */
		int dead = strcmp(f.state, ST_DEAD) == 0;
		mfile_release(&f);
		if (dead)
			return app_lock(a);
	}
	return 0;
}

int cmd_resend_parse(struct cli *cli, int argc, char **argv, struct cmd_opts *o)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "shipment", required_argument, NULL, 'S' },
		{ "route", required_argument, NULL, 'r' },
		{ "since", required_argument, NULL, 't' },
		{ "to", required_argument, NULL, 'T' },
		{ "on-exists", required_argument, NULL, 'e' },
		{ "no-progress", no_argument, NULL, 'P' },
		{ "mkdir", no_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct mfilter *flt = &o->flt;
	int ch;
	o->on_exists = -1;
	while ((ch = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': cli->config = optarg; break;
		case 'S': flt->shipment = optarg; o->by_filter = 1; break;
		case 'r': flt->route = optarg; o->by_filter = 1; break;
		case 'T': o->to = optarg; break;
		case 'P': o->no_progress = 1; break;
		case 'm': o->mkdir = 1; break;
		case 'e':
			o->on_exists = parse_on_exists(optarg);
			if (o->on_exists == -2) {
				fprintf(stderr, "kargo-agent resend: --on-exists takes fail, "
					"overwrite or rename\n");
				return EX_USAGE;
			}
			break;
		case 't':
			if (cli_parse_since("resend", optarg, &flt->since) != 0)
				return EX_USAGE;
			o->by_filter = 1;
			break;
		default: return ch == 'h' ? CLI_HELP : CLI_USAGE;
		}
	}
	if (cli_parse_ids(argc, argv, optind, &o->ids) != 0)
		return EX_USAGE;
	if ((o->ids.n == 0) == (o->by_filter == 0)) {
		fprintf(stderr, "kargo-agent resend: give file ids, or --shipment / --route "
			"with --since, not both\n");
		return CLI_USAGE;
	}
	if (flt->route && !flt->since) {
		fprintf(stderr, "kargo-agent resend: --route needs --since (a date or an age "
			"such as 2h), so a mistake cannot resend a route's whole history\n");
		return EX_USAGE;
	}
	return CLI_GO;
}

int cmd_resend_run(struct app *a, struct cmd_opts *o)
{
	int rc = EX_OK;
	if (o->by_filter) {
		char err[ERRLEN];
		o->flt.state = NULL;
		if (manifest_list(&a->m, &o->flt, collect, &o->ids, err) != 0) {
			fprintf(stderr, "kargo-agent: %s\n", err);
			rc = EX_IOERR;
		} else if (o->ids.n == 0) {
			fprintf(stderr, "kargo-agent resend: no file matches\n");
			rc = EX_NOINPUT;
		}
	}
	if (rc == 0 && !o->to)
		rc = lock_if_dead(a, &o->ids);
	if (rc == 0) {
		struct progress line;
		a->lg.progress = cli_progress(&line, o->no_progress);
		rc = resend_all(a, &o->ids, o->to, o->mkdir, o->on_exists, a->lg.progress);
		progress_release(a->lg.progress);
		a->lg.progress = NULL;
	}
	return rc;
}
