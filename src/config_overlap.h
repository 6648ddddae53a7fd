/* Checks across a loaded configuration: directories a route would take its
 * own files from, or write twice (config_overlap.c). */
#ifndef KA_CONFIG_OVERLAP_H
#define KA_CONFIG_OVERLAP_H

#include "config.h"
#include "diag.h"

/* Add to D, as "FILE: [route NAME] KEY: problem", every route whose source,
 * destinations, archive and quarantine are not all different directories,
 * and every local source that holds the agent's manifest (where the route's
 * pattern matches it), the spool, or a quarantine. */
void config_check_overlaps(const struct config *cfg, const char *file, struct diag *d);

/* PATH without empty and "." components and with ".." applied to the
 * component before it, as text (remote paths); "/" stays "/", "" becomes
 * ".". Caller frees. */
char *path_lexical(const char *path);

/* An absolute local PATH as the directory it names: symbolic links, "."
 * and ".." resolved (realpath) for the longest part that exists, the rest
 * as text. Caller frees. */
char *dir_resolve(const char *path);

#endif
