/* validate FILE: parse and report; exit 0 valid, 65 invalid. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/* Format profiles come from the config when one is given or exists. */
static int load_formats(struct cli *cli, struct config *cfg, struct formats **f)
{
	struct diag d = { 0 };
	const char *path = config_default_path(cli->config);
	int have = cli->config || access(path, R_OK) == 0;
	int rc = 0;
	if (have && config_load(path, cfg, &d) != 0)
		rc = EX_CONFIG;
	else if (formats_load(have ? cfg : NULL, f, &d) != 0)
		rc = EX_CONFIG;
	for (size_t i = 0; i < d.n; i++)
		fprintf(stderr, "kargo-agent: %s\n", d.msgs[i]);
	diag_release(&d);
	return rc;
}

int cmd_validate(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "format", required_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ "no-progress", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *format = "auto";
	int ch, json = 0, no_progress = 0;
	while ((ch = getopt_long(argc, argv, "c:f:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': cli->config = optarg; break;
		case 'f': format = optarg; break;
		case 'j': json = 1; break;
		case 'P': no_progress = 1; break;
		default: return cli_usage("validate", ch == 'h');
		}
	}
	if (optind != argc - 1)
		return cli_usage("validate", 0);
	const char *path = argv[optind];
	struct config cfg = { 0 };
	struct formats *f = NULL;
	int rc = load_formats(cli, &cfg, &f);
	if (rc == 0 && !format_known(f, format)) {
		fprintf(stderr, "kargo-agent validate: unknown format '%s'\n", format);
		rc = EX_USAGE;
	}
	if (rc == 0) {
		struct parse_result res;
		char err[ERRLEN];
		struct progress line, *tty = cli_progress(&line, no_progress), *pg = NULL;
		struct stat st;
		if (tty && stat(path, &st) == 0)
			pg = progress_begin(tty, "validate", path, (int64_t)st.st_size);
		int prc = format_parse_path(f, format, path, pg, &res, err);
		progress_end(pg);
		progress_release(tty);
		if (prc != 0) {
			fprintf(stderr, "kargo-agent validate: %s\n", err);
			rc = prc == KA_NOENT ? EX_NOINPUT : EX_IOERR;
		} else {
			if (json) {
				char *j = parse_result_json(&res);
				printf("%s\n", j);
				free(j);
			} else {
				parse_result_report(&res, path, stdout);
			}
			rc = res.valid ? EX_OK : EX_DATAERR;
			parse_result_release(&res);
		}
	}
	formats_free(f);
	if (cfg.path)
		config_release(&cfg);
	return rc;
}
