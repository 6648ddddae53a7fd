/* manifest SUBCOMMAND: work on the manifest file itself. Each subcommand is
 * a row of the table below (its options, then what it does with the opened
 * configuration); `manifest backup FILE` is the first. */
#include <getopt.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

struct subcommand {
	const char *name;
	int (*parse)(struct cli *cli, int argc, char **argv, struct cmd_opts *o);
	int (*run)(struct app *a, struct cmd_opts *o);
};

/* backup FILE [--force]: one operand. */
static int backup_parse(struct cli *cli, int argc, char **argv, struct cmd_opts *o)
{
	int rc = cli_flag_opts_operands("manifest backup", argc, argv, cli, "force", &o->force);
	if (rc != CLI_GO)
		return rc;
	if (optind != argc - 1) {
		fprintf(stderr, "kargo-agent manifest backup: give one FILE to write\n");
		return CLI_USAGE;
	}
	o->path = argv[optind];
	return CLI_GO;
}

/* A consistent copy while run may be writing; no lock needed. Exit 0, 66 no
 * manifest, 73 FILE exists (without --force) or cannot be made, 74 I/O. */
static int backup_run(struct app *a, struct cmd_opts *o)
{
	char err[ERRLEN];
	const char *path = a->cfg.agent.manifest;
	int rc = manifest_backup(path, o->path, o->force, err);
	if (rc == 0) {
		struct stat st;
		long long bytes = stat(o->path, &st) == 0 ? (long long)st.st_size : -1;
		printf("backed up %s to %s (%lld bytes)\n", path, o->path, bytes);
		return EX_OK;
	}
	if (rc == KA_EXISTS) {
		fprintf(stderr, "kargo-agent manifest backup: %s; --force replaces it\n", err);
		return EX_CANTCREAT;
	}
	fprintf(stderr, "kargo-agent manifest backup: %s\n", err);
	return rc == KA_NOENT && access(path, F_OK) != 0 ? EX_NOINPUT
	       : rc == KA_NOENT ? EX_CANTCREAT : EX_IOERR;
}

static const struct subcommand subcommands[] = {
	{ "backup", backup_parse, backup_run },
};

/* Options before the subcommand (-c, --help), then the subcommand's own. */
int cmd_manifest_parse(struct cli *cli, int argc, char **argv, struct cmd_opts *o)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;
	while ((ch = getopt_long(argc, argv, "+c:h", opts, NULL)) != -1) {
		if (ch != 'c')
			return ch == 'h' ? CLI_HELP : CLI_USAGE;
		cli->config = optarg;
	}
	if (optind >= argc) {
		fprintf(stderr, "kargo-agent manifest: which? backup\n");
		return CLI_USAGE;
	}
	for (size_t i = 0; i < ARRAY_SIZE(subcommands); i++) {
		if (strcmp(argv[optind], subcommands[i].name) == 0) {
			o->sub = (int)i;
			int first = optind;
			optind = 0;
			return subcommands[i].parse(cli, argc - first, argv + first, o);
		}
	}
	fprintf(stderr, "kargo-agent manifest: unknown subcommand '%s'\n", argv[optind]);
	return CLI_USAGE;
}

int cmd_manifest_run(struct app *a, struct cmd_opts *o)
{
	return subcommands[o->sub].run(a, o);
}
