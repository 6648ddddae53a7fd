/* Loading the configuration: the INI file read (config.c), then checked by
 * every floor that owns part of it (load.c). */
#ifndef KA_LOAD_H
#define KA_LOAD_H

#include "config.h"
#include "diag.h"

/* Read PATH into CFG and check it whole: config_parse, the transports'
 * check, the formats' check, the directories' overlaps. Returns 0, or -1
 * with every problem added to D as "FILE:LINE: ..."; CFG is to be released
 * when its path is set (config_release). */
int config_load(const char *path, struct config *cfg, struct diag *d);

#endif
