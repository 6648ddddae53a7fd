/* prune: the retention pass `run` makes every hour, by hand: spool copies
 * of done files past spool_retention, done and rejected files past
 * manifest_retention (with their deliveries, events and shipment ids),
 * old notes, unlisted tombstones, spool objects no file needs; then space
 * given back. Under the manifest's lock, so it never races staging.
 * --dry-run does the same in one transaction it rolls back, and removes
 * nothing from the spool. */
#include <unistd.h>

#include "cli.h"
#include "prune.h"

int cmd_prune_parse(struct cli *cli, int argc, char **argv, struct cmd_opts *o)
{
	return cli_flag_opts("prune", argc, argv, cli, "dry-run", &o->dry_run);
}

/* What the pass removed, or would. */
static void report(const struct prune *pr)
{
	const struct mprune_counts *c = &pr->c;
	printf("prune%s:\n", pr->dry_run ? " --dry-run (nothing changed), would remove" : "");
	printf("  spool copies of done files: %lld\n", (long long)c->spool_expired);
	printf("  spool objects: %lld, %lld bytes (%lld of them needed by no file before)\n",
	       (long long)pr->objects, (long long)pr->bytes, (long long)pr->orphans);
	printf("  files: %lld (deliveries %lld, events %lld, shipment ids %lld); "
	       "tombstones written %lld\n", (long long)c->files, (long long)c->deliveries,
	       (long long)c->events, (long long)c->shipments, (long long)c->tombstones_written);
	printf("  notes: %lld, tombstones: %lld\n", (long long)c->notes,
	       (long long)c->tombstones);
}

int cmd_prune_run(struct app *a, struct cmd_opts *o)
{
	struct prune pr;
	char err[ERRLEN];
	int rc;
	prune_start(&pr, a, o->dry_run);
	/* A batch at a time, each followed by a pause as long: a writer of
	 * another process (resend), whose busy handler polls, finds the
	 * manifest free half the time instead of never. */
	for (;;) {
		int64_t t = now_ms();
		rc = prune_step(&pr, 0, err);
		if (rc != 0 || *a->stop)
			break;
		if (!pr.dry_run)
			usleep((useconds_t)(now_ms() - t) * 1000);
	}
	if (rc == 1) {
		report(&pr);
		prune_log(&pr);
	} else if (rc < 0) {
		fprintf(stderr, "kargo-agent prune: %s\n", err);
	} else {
		fprintf(stderr, "kargo-agent prune: stopped by a signal; the next prune goes on\n");
	}
	prune_release(&pr);
	return rc == 1 ? EX_OK : rc == KA_TRANSIENT || rc == 0 ? EX_TEMPFAIL : EX_IOERR;
}
