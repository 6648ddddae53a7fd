/* Reading a raw [kind NAME] section: its values, its whole numbers and its
 * keys, each problem reported in the one shape every owner of a section
 * uses ("FILE: [SECTION] KEY: problem"): the configuration itself, the
 * transports for [remote] and the formats for [format]. */
#include "config.h"

#include <string.h>

#include "common.h"

const char *section_get(const struct section *s, const char *key, const char *def)
{
	for (size_t i = 0; i < s->nkv; i++)
		if (strcmp(s->kv[i].key, key) == 0)
			return s->kv[i].value;
	return def;
}

/* KEY of S as a whole number within [MIN, MAX]: DEF when absent; when it is
 * no such number, DEF too, with "FILE: [WHERE] KEY: 'V' is not a whole
 * number between MIN and MAX" in D. */
int section_get_int(const struct section *s, const char *key, int def, int min, int max,
		    const char *file, const char *where, struct diag *d)
{
	const char *v = section_get(s, key, NULL);
	long long n;
	if (!v)
		return def;
	if (parse_int_range(v, min, max, &n) != 0) {
		diag_add(d, "%s: [%s] %s: '%s' is not a whole number between %d and %d", file,
			 where, key, v, min, max);
		return def;
	}
	return (int)n;
}

static int in_list(const char *const *list, const char *key)
{
	for (; list && *list; list++)
		if (strcmp(*list, key) == 0)
			return 1;
	return 0;
}

void section_check_keys(const struct section *s, const char *const *allowed,
			const char *const *allowed2, const char *file, const char *where,
			struct diag *d)
{
	for (size_t i = 0; i < s->nkv; i++)
		if (!in_list(allowed, s->kv[i].key) && !in_list(allowed2, s->kv[i].key))
			diag_add(d, "%s: [%s] %s: unknown key", file, where, s->kv[i].key);
}
