/* Listings (struct tlist): the one helper every transport calls. Kept apart
 * from the table in transport.c, which refers to every transport, so that
 * calls between the transports' files go one way. */
#include "transport.h"

#include <stdlib.h>
#include <string.h>

void tlist_add(struct tlist *l, const char *name, int64_t size, int64_t mtime,
	       enum tentry_type type)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = (struct tentry){ .name = xstrdup(name), .size = size, .mtime = mtime,
					.type = type };
}

void tlist_release(struct tlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
	memset(l, 0, sizeof(*l));
}
