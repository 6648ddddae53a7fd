/* The table of transports: lookup by type, and the libraries' set-up. */
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
	&transport_https,
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

/* Each transport's init in table order; on a failure the ones already set
 * up are shut down again, last first. */
int transports_init(char *err)
{
	for (size_t i = 0; transports[i]; i++) {
		if (!transports[i]->init)
			continue;
		int rc = transports[i]->init(err);
		if (rc) {
			while (i-- > 0)
				if (transports[i]->shutdown)
					transports[i]->shutdown();
			return rc;
		}
	}
	return 0;
}

/* Each transport's shutdown, in the reverse order of transports_init. */
void transports_shutdown(void)
{
	size_t n = 0;
	while (transports[n])
		n++;
	while (n-- > 0)
		if (transports[n]->shutdown)
			transports[n]->shutdown();
}
