/* The configuration loaded whole: config_parse knows the INI file and its
 * own keys, the transports know the remotes, the formats know the format
 * names; this is the one place that asks each in turn, so every command,
 * the SIGHUP reload and the fuzz targets check a configuration alike. */
#include "load.h"

#include "config_overlap.h"
#include "formats/format.h"
#include "transports/checks.h"

int config_load(const char *path, struct config *cfg, struct diag *d)
{
	size_t before = d->n;
	if (config_parse(path, cfg, d) != 0)
		return -1;
	size_t parsed = d->n;
	/* In this order: the overlaps need the endpoints the transports keep
	 * and the archive directory their after = check sets. */
	transports_check_config(cfg, d);
	formats_check_config(cfg, d);
	config_check_overlaps(cfg, path, d);
	config_annotate(cfg, d, parsed);
	return d->n == before ? 0 : -1;
}
