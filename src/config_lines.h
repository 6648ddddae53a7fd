/* Line numbers for configuration messages (config_lines.c). */
#ifndef KA_CONFIG_LINES_H
#define KA_CONFIG_LINES_H

#include <stddef.h>

#include "diag.h"

struct config_lines;

/* Where each section and key of the INI file PATH is; NULL if unreadable.
 * With D, also adds "PATH:LINE: problem" for each repeated section or key,
 * line that is no section header, key or comment, and key before any
 * section. */
struct config_lines *config_lines_read(const char *path, struct diag *d);
void config_lines_free(struct config_lines *l);
/* The line of KEY in SECTION (or of SECTION when KEY is NULL or absent);
 * 0 when unknown. Case and blanks do not matter, as for iniparser. */
long config_lines_find(const struct config_lines *l, const char *section, const char *key);
/* Put the line into messages D->msgs[FROM..] of the form
 * "FILE: [SECTION] KEY: problem" ("FILE:LINE: [SECTION] ..."). L may be NULL. */
void config_lines_annotate(const struct config_lines *l, const char *file, struct diag *d,
			   size_t from);

#endif
