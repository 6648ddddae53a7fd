/* The table of transports and the helpers every transport shares. */
#include "transport.h"

#include <stdlib.h>
#include <string.h>

/* Every transport, looked up by the [remote] type. Adding a transport is
 * adding its file and one line here. */
static const struct transport_ops *const transports[] = {
	&transport_local,
	&transport_sftp,
	&transport_smtp,
	&transport_imap,
	NULL,
};

const struct transport_ops *transport_find(const char *type)
{
	for (size_t i = 0; transports[i]; i++)
		if (strcmp(transports[i]->type, type) == 0)
			return transports[i];
	return NULL;
}

const struct transport_ops *transport_for(const struct endpoint *ep)
{
	if (!ep->remote)
		return &transport_local;
	return ep->remote->type ? transport_find(ep->remote->type) : NULL;
}

void transport_types(char *buf, size_t len)
{
	size_t o = 0;
	buf[0] = '\0';
	for (size_t i = 0; transports[i]; i++) {
		if (strcmp(transports[i]->type, "local") == 0)
			continue;
		int n = snprintf(buf + o, len - o, "%s%s", o ? ", " : "", transports[i]->type);
		if (n < 0 || (size_t)n >= len - o)
			break;
		o += (size_t)n;
	}
	if (!*buf)
		snprintf(buf, len, "none");
}

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
