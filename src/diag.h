/* A list of diagnostics (problems found), so a check can report them all at once. */
#ifndef KA_DIAG_H
#define KA_DIAG_H

#include <stddef.h>

struct diag {
	char **msgs;
	size_t n, cap;
};

void diag_add(struct diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void diag_release(struct diag *d);

#endif
