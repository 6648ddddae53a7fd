/* The built-in formats, looked up by name by the format table (format.c)
 * and by the profiles that name one as their base (profile.c). */
#include "format_int.h"

#include <string.h>

/* `auto` tries the first FORMAT_DETECT_FIRST (X12) before the profiles and
 * the rest after them, in this order. */
const struct format_ops *const format_builtins[] = {
	&format_x12_856, &format_x12, &format_eos_csv, &format_expected_shipment, &format_text,
	NULL,
};

const struct format_ops *format_builtin(const char *name)
{
	for (size_t i = 0; format_builtins[i]; i++)
		if (strcmp(format_builtins[i]->name, name) == 0)
			return format_builtins[i];
	return NULL;
}
