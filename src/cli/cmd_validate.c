/* validate FILE: parse and report; exit 0 valid, 65 invalid. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

int cmd_validate_parse(struct cli *cli, int argc, char **argv, struct cmd_opts *o)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "format", required_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ "no-progress", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;
	o->format = "auto";
	while ((ch = getopt_long(argc, argv, "c:f:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': cli->config = optarg; break;
		case 'f': o->format = optarg; break;
		case 'j': o->json = 1; break;
		case 'P': o->no_progress = 1; break;
		default: return ch == 'h' ? CLI_HELP : CLI_USAGE;
		}
	}
	if (optind != argc - 1)
		return CLI_USAGE;
	o->path = argv[optind];
	return CLI_GO;
}

/* The format table is the configuration's when there is one (the row asks
 * for no NEED_CONFIG), else the built-in formats. */
int cmd_validate_run(struct app *a, struct cmd_opts *o)
{
	const char *path = o->path, *format = o->format;
	struct formats *f = a->formats;
	if (!format_known(f, format)) {
		fprintf(stderr, "kargo-agent validate: unknown format '%s'\n", format);
		return EX_USAGE;
	}
	struct parse_result res;
	char err[ERRLEN];
	struct progress line, *tty = cli_progress(&line, o->no_progress), *pg = NULL;
	struct stat st;
	if (tty && stat(path, &st) == 0)
		pg = progress_begin(tty, "validate", path, (int64_t)st.st_size);
	int prc = format_parse_path(f, format, path, pg, &res, err);
	progress_end(pg);
	progress_release(tty);
	if (prc != 0) {
		fprintf(stderr, "kargo-agent validate: %s\n", err);
		return prc == KA_NOENT ? EX_NOINPUT : EX_IOERR;
	}
	if (o->json) {
		char *j = parse_result_json(&res);
		printf("%s\n", j);
		free(j);
	} else {
		parse_result_report(&res, path, stdout);
	}
	int rc = res.valid ? EX_OK : EX_DATAERR;
	parse_result_release(&res);
	return rc;
}
