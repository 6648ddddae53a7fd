/* check-config for the formats: the [format NAME] profiles, every route's
 * format =, and its destinations' convert = (convert.c). Apart from
 * format.c so the conversions, which use the format table, are not also
 * used by it. */
#include "format.h"

#include <stdio.h>
#include "../common.h"
#include "convert.h"
#include "profile.h"

/* The [format NAME] sections' keys, their profiles, then every route's
 * format = against the table those make. */
int formats_check_config(const struct config *cfg, struct diag *d)
{
	struct formats *f = NULL;
	size_t before = d->n;
	char names[ERRLEN];
	for (size_t i = 0; i < cfg->nformats; i++) {
		snprintf(names, sizeof(names), "format %s", cfg->formats[i].name);
		section_check_keys(&cfg->formats[i], format_profile_keys, NULL, cfg->path, names, d);
	}
	if (formats_load(cfg, &f, d) == 0) {
		format_names(f, names, sizeof(names));
		for (size_t i = 0; i < cfg->nroutes; i++)
			if (!format_known(f, cfg->routes[i].format))
				diag_add(d, "%s: [route %s] format: unknown format '%s' (known: %s)",
					 cfg->path, cfg->routes[i].name, cfg->routes[i].format, names);
		conv_check_config(cfg, f, d);
	}
	formats_free(f);
	return d->n == before ? 0 : -1;
}
