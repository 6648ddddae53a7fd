/* [format NAME] profiles: a CSV base format plus aliases, required fields,
 * date formats, delimiter and charset, checked when the config loads. */
#ifndef KA_FORMATS_PROFILE_H
#define KA_FORMATS_PROFILE_H

#include "format_int.h"

#include "../config.h"
#include "../diag.h"

/* Keys allowed in a [format NAME] section, NULL-terminated. */
extern const char *const format_profile_keys[];

/* Check section SEC (from config file FILE) into P; every problem goes to D
 * as "FILE: [format NAME] key: problem". Returns 0 or -1. */
int profile_load(const struct section *sec, const char *file, struct profile *p,
		 struct diag *d);
void profile_release(struct profile *p);

#endif
