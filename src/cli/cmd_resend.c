/* resend: deliver files again from the spool copy. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "pipeline.h"

struct ids {
	int64_t *v;
	size_t n;
};

static int collect(void *ctx, const struct mfile *f)
{
	struct ids *ids = ctx;
	if (strcmp(f->state, ST_REJECTED) == 0 || strcmp(f->state, ST_STAGED) == 0)
		return 0;  /* never delivered: nothing to send again */
	ids->v = xrealloc(ids->v, (ids->n + 1) * sizeof(*ids->v));
	ids->v[ids->n++] = f->id;
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

/* Deliver each id, showing large ones on PG (may be NULL); a failure is
 * reported and the others still go. */
static int resend_all(struct app *a, const struct ids *ids, const char *to, int mkdir,
		      int on_exists, struct progress *pg)
{
	struct pipeline p;
	pipeline_init(&p, a);
	p.progress = pg;
	int failed = 0, invalid = 0, missing = 0;
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
			failed++;
			invalid += rc == KA_INVALID;
			missing += rc == KA_NOENT;
		}
	}
	pipeline_release(&p);
	if (!failed)
		return EX_OK;
	if (missing == failed)
		return EX_NOINPUT;
	return invalid + missing == failed ? EX_DATAERR : EX_UNAVAILABLE;
}

int cmd_resend(struct cli *cli, int argc, char **argv)
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
	struct mfilter flt = { 0 };
	const char *to = NULL;
	int ch, on_exists = -1, by_filter = 0, no_progress = 0, mkdir = 0;
	while ((ch = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': cli->config = optarg; break;
		case 'S': flt.shipment = optarg; by_filter = 1; break;
		case 'r': flt.route = optarg; by_filter = 1; break;
		case 'T': to = optarg; break;
		case 'P': no_progress = 1; break;
		case 'm': mkdir = 1; break;
		case 'e':
			on_exists = parse_on_exists(optarg);
			if (on_exists == -2) {
				fprintf(stderr, "kargo-agent resend: --on-exists takes fail, "
					"overwrite or rename\n");
				return EX_USAGE;
			}
			break;
		case 't':
			if (cli_parse_since("resend", optarg, &flt.since) != 0)
				return EX_USAGE;
			by_filter = 1;
			break;
		default: return cli_usage("resend", ch == 'h');
		}
	}
	struct ids ids = { 0 };
	for (int i = optind; i < argc; i++) {
		int64_t id = cli_parse_id(argv[i]);
		if (!id) {
			free(ids.v);
			return EX_USAGE;
		}
		ids.v = xrealloc(ids.v, (ids.n + 1) * sizeof(*ids.v));
		ids.v[ids.n++] = id;
	}
	if ((ids.n == 0) == (by_filter == 0)) {
		fprintf(stderr, "kargo-agent resend: give file ids, or --shipment / --route "
			"with --since, not both\n");
		free(ids.v);
		return cli_usage("resend", 0);
	}
	if (flt.route && !flt.since) {
		fprintf(stderr, "kargo-agent resend: --route needs --since (a date or an age "
			"such as 2h), so a mistake cannot resend a route's whole history\n");
		free(ids.v);
		return EX_USAGE;
	}
	struct app a = { .stop = cli->stop };
	int rc = app_open(&a, cli->config, NEED_MANIFEST);
	if (rc == 0 && by_filter) {
		char err[ERRLEN];
		flt.state = NULL;
		if (manifest_list(&a.m, &flt, collect, &ids, err) != 0) {
			fprintf(stderr, "kargo-agent: %s\n", err);
			rc = EX_IOERR;
		} else if (ids.n == 0) {
			fprintf(stderr, "kargo-agent resend: no file matches\n");
			rc = EX_NOINPUT;
		}
	}
	if (rc == 0) {
		struct progress line;
		a.lg.progress = cli_progress(&line, no_progress);
		rc = resend_all(&a, &ids, to, mkdir, on_exists, a.lg.progress);
		progress_release(a.lg.progress);
		a.lg.progress = NULL;
	}
	free(ids.v);
	app_close(&a);
	return rc;
}
