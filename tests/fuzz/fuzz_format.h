/* Shared body of the format targets: write the input to a temp file and
 * parse it as FUZZ_FORMAT through the public API, then render the result. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "common.h"
#include "fuzz_input.h"
#include "formats/format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[4096];
	if (fuzz_write_input(data, size, path, sizeof(path)) != 0)
		return 0;
	struct formats *f;
	struct diag d = { 0 };
	struct parse_result res;
	char err[ERRLEN];
	formats_load(NULL, &f, &d);
	if (format_parse_path(f, FUZZ_FORMAT, path, NULL, &res, err) == 0) {
		char *j = parse_result_json(&res);
		free(j);
		FILE *out = fopen("/dev/null", "w");
		if (out) {
			parse_result_report(&res, "fuzz", out);
			fclose(out);
		}
		parse_result_release(&res);
	}
	formats_free(f);
	diag_release(&d);
	unlink(path);
	return 0;
}
