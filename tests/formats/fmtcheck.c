/* fmtcheck: parse a file the way `kargo-agent validate` does (until that
 * command exists on main), for fixtures, benchmarks and manual checks.
 * Usage: fmtcheck [--format F] [--json] FILE; exit 0 valid, 65 invalid. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common.h"
#include "formats/format.h"

int main(int argc, char **argv)
{
	const char *fmt = "auto", *path = NULL;
	int json = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--format") == 0 && i + 1 < argc)
			fmt = argv[++i];
		else if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else
			path = argv[i];
	}
	if (!path) {
		fprintf(stderr, "usage: fmtcheck [--format F] [--json] FILE\n");
		return EX_USAGE;
	}
	struct formats *f;
	struct diag d = { 0 };
	struct parse_result res;
	char err[ERRLEN];
	formats_load(NULL, &f, &d);
	int r = format_parse_path(f, fmt, path, NULL, &res, err);
	if (r != 0) {
		fprintf(stderr, "fmtcheck: %s\n", err);
		formats_free(f);
		return r == KA_NOENT ? EX_NOINPUT : EX_IOERR;
	}
	if (json) {
		char *j = parse_result_json(&res);
		printf("%s\n", j);
		free(j);
	} else {
		parse_result_report(&res, path, stdout);
	}
	int valid = res.valid;
	parse_result_release(&res);
	formats_free(f);
	diag_release(&d);
	return valid ? 0 : EX_DATAERR;
}
