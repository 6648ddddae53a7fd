/* check-config: every problem in the INI at once, then every remote and
 * route directory checked for real. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "conns.h"

/* Readable source: list the directory, or select the mailbox. */
static int check_source(struct conns *cs, const struct route_config *r)
{
	const struct transport_ops *t;
	struct tconn *c;
	struct tlist l = { 0 };
	char err[ERRLEN], what[64] = "";
	uint32_t uidvalidity = 0;
	int rc = conns_get(cs, &r->source, &t, &c, err);
	if (rc == 0 && transport_can(t, TR_MAILBOX_SOURCE)) {
		rc = t->mailbox_select(c, r->source.path, &uidvalidity, err);
		snprintf(what, sizeof(what), "logged in, mailbox selected (UIDVALIDITY %u)",
			 uidvalidity);
	} else if (rc == 0) {
		rc = t->list(c, r->source.path, &l, err);
		snprintf(what, sizeof(what), "readable, %zu %s", l.n,
			 plural((long long)l.n, "entry", "entries"));
	}
	if (rc == 0)
		printf("ok    [route %s] source %s: %s\n", r->name, r->source.text, what);
	else
		printf("FAIL  [route %s] source %s: %s\n", r->name, r->source.text, err);
	tlist_release(&l);
	return rc;
}

/* Writable destination: write and remove a probe file (creating the directory). */
static int check_dest(struct conns *cs, const struct route_config *r, const struct endpoint *ep)
{
	const struct transport_ops *t;
	struct tconn *c;
	char err[ERRLEN];
	int rc = conns_get(cs, ep, &t, &c, err);
	if (rc == 0 && transport_can(t, TR_MESSAGE_DEST)) {
		rc = t->probe ? t->probe(c, err) : 0;
		if (rc == 0)
			printf("ok    [route %s] dest %s: logged in\n", r->name, ep->text);
		else
			printf("FAIL  [route %s] dest %s: %s\n", r->name, ep->text, err);
		return rc;
	}
	char *probe = xasprintf("%s/.kargo-agent-probe-%d", ep->path, (int)getpid());
	if (rc == 0)
		rc = t->mkdirs(c, ep->path, err);
	if (rc == 0)
		rc = t->put(c, "/dev/null", NULL, probe, NULL, err);
	if (rc == 0)
		rc = t->remove(c, probe, err);
	if (rc == 0)
		printf("ok    [route %s] dest %s: writable\n", r->name, ep->text);
	else
		printf("FAIL  [route %s] dest %s: %s\n", r->name, ep->text, err);
	free(probe);
	return rc;
}

static int check_remotes(struct app *a)
{
	struct conns cs;
	conns_init(&cs, &a->lg);
	int failed = 0;
	for (size_t i = 0; i < a->cfg.nroutes; i++) {
		const struct route_config *r = &a->cfg.routes[i];
		failed |= check_source(&cs, r) != 0;
		for (size_t j = 0; j < r->ndests; j++)
			failed |= check_dest(&cs, r, &r->dests[j]) != 0;
	}
	conns_release(&cs);
	return failed ? EX_UNAVAILABLE : EX_OK;
}

int cmd_check_config(struct cli *cli, int argc, char **argv)
{
	int offline = 0;
	int orc = cli_flag_opts("check-config", argc, argv, cli, "offline", &offline);
	if (orc >= 0)
		return orc;
	struct app a = { .stop = cli->stop };
	int rc = app_open(&a, cli->config, 0);
	if (rc == 0) {
		printf("ok    %s: %zu %s, %zu %s\n", a.config_path, a.cfg.nremotes,
		       plural((long long)a.cfg.nremotes, "remote", "remotes"), a.cfg.nroutes,
		       plural((long long)a.cfg.nroutes, "route", "routes"));
		struct diag w = { 0 };
		config_warnings(&a.cfg, &w);
		for (size_t i = 0; i < w.n; i++)
			fprintf(stderr, "kargo-agent: warning: %s\n", w.msgs[i]);
		diag_release(&w);
		if (!offline)
			rc = check_remotes(&a);
	}
	app_close(&a);
	return rc;
}
