/* Placeholder format table: every file is carried as text until the parsers
 * land (issue 6 replaces this file). */
#include "format.h"

#include <stdlib.h>
#include <string.h>
#include "../common.h"

struct formats {
	int unused;
};

const char *const format_profile_keys[] = { "base", NULL };

static const char *const builtin[] = {
	"auto", "text", "expected-shipment", "eos-csv", "x12-856", "x12", NULL,
};

int formats_load(const struct config *cfg, struct formats **out, struct diag *d)
{
	*out = xcalloc(1, sizeof(**out));
	return 0;
}

void formats_free(struct formats *f)
{
	free(f);
}

int format_known(const struct formats *f, const char *name)
{
	for (size_t i = 0; builtin[i]; i++)
		if (strcmp(builtin[i], name) == 0)
			return 1;
	return 0;
}

int format_parse_path(const struct formats *f, const char *name, const char *path,
		      struct parse_result *res, char *err)
{
	memset(res, 0, sizeof(*res));
	snprintf(res->format, sizeof(res->format), "text");
	res->valid = 1;
	return 0;
}

void parse_result_release(struct parse_result *res)
{
	memset(res, 0, sizeof(*res));
}

char *parse_result_json(const struct parse_result *res)
{
	return xasprintf("{\"format\":\"%s\",\"valid\":%s}", res->format,
			 res->valid ? "true" : "false");
}

void parse_result_report(const struct parse_result *res, const char *name, FILE *out)
{
	fprintf(out, "%s: valid %s file\n", name, res->format);
}
