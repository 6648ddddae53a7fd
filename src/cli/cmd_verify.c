/* verify: the manifest checked against the spool: every file's spool copy
 * exists with the recorded size and sha256 (unless retention released it),
 * and every delivered file has every delivery confirmed. One line per
 * problem; exit 0 clean, 65 not. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

struct check {
	struct manifest *m;
	int64_t files, problems;
};

static void problem(struct check *ck, const struct mfile *f, const char *what)
{
	printf("file %lld (%s, %s): %s\n", (long long)f->id, f->route, f->name, what);
	ck->problems++;
}

/* Delivered and done files have every original delivery delivered. */
static void check_deliveries(struct check *ck, const struct mfile *f)
{
	if (strcmp(f->state, ST_DELIVERED) != 0 && strcmp(f->state, ST_DONE) != 0)
		return;
	struct mdelivery *dv = NULL;
	size_t dn = 0;
	char err[ERRLEN];
	if (manifest_deliveries(ck->m, f->id, &dv, &dn, err) != 0) {
		problem(ck, f, err);
		return;
	}
	size_t original = 0;
	for (size_t i = 0; i < dn; i++) {
		if (dv[i].resend)
			continue;
		original++;
		if (strcmp(dv[i].state, DL_DELIVERED) != 0) {
			char msg[ERRLEN];
			snprintf(msg, sizeof(msg), "state %s but its delivery to %s is %s", f->state,
				 dv[i].dest, dv[i].state);
			problem(ck, f, msg);
		}
	}
	if (original == 0)
		problem(ck, f, "delivered, but no delivery is recorded");
	mdeliveries_free(dv, dn);
}

/* F's spool copy exists with its recorded size and sha256, unless
 * retention released it (spool_retention): then there is none to check. */
static void check_copy(struct check *ck, const struct mfile *f)
{
	char msg[ERRLEN], sha[SHA256_HEX];
	struct stat st;
	int64_t gone = 0;
	if (manifest_spool_gone(ck->m, f->id, &gone, msg) == 0 && gone > 0)
		return;
	if (stat(f->spool_path, &st) != 0) {
		snprintf(msg, sizeof(msg), "spool copy %s: %s", f->spool_path, strerror(errno));
		problem(ck, f, msg);
	} else if ((int64_t)st.st_size != f->size) {
		snprintf(msg, sizeof(msg), "spool copy has %lld bytes, the manifest says %lld",
			 (long long)st.st_size, (long long)f->size);
		problem(ck, f, msg);
	} else if (sha256_file(f->spool_path, sha) != 0) {
		snprintf(msg, sizeof(msg), "cannot read spool copy %s: %s", f->spool_path,
			 strerror(errno));
		problem(ck, f, msg);
	} else if (strcmp(sha, f->sha256) != 0) {
		snprintf(msg, sizeof(msg), "spool copy has sha256 %s, the manifest says %s", sha,
			 f->sha256);
		problem(ck, f, msg);
	}
}

static int check_file(void *ctx, const struct mfile *f)
{
	struct check *ck = ctx;
	ck->files++;
	check_copy(ck, f);
	check_deliveries(ck, f);
	return 0;
}

int cmd_verify_parse(struct cli *cli, int argc, char **argv, struct cmd_opts *o)
{
	return cli_flag_opts("verify", argc, argv, cli, NULL, NULL);
}

int cmd_verify_run(struct app *a, struct cmd_opts *o)
{
	struct check ck = { .m = &a->m };
	struct mfilter all = { 0 };
	char err[ERRLEN];
	if (manifest_list(&a->m, &all, check_file, &ck, err) != 0) {
		fprintf(stderr, "kargo-agent: %s\n", err);
		return EX_IOERR;
	}
	printf("verify: %lld %s, %lld %s\n", (long long)ck.files,
	       plural(ck.files, "file", "files"), (long long)ck.problems,
	       plural(ck.problems, "problem", "problems"));
	return ck.problems ? EX_DATAERR : EX_OK;
}
