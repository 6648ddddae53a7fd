/* check-config: every problem in the INI at once (the dispatcher loads it),
 * then every remote and route directory checked for real (remote_check.c);
 * this file only prints. */
#include "cli.h"
#include "remote_check.h"

int cmd_check_config_parse(struct cli *cli, int argc, char **argv, struct cmd_opts *o)
{
	return cli_flag_opts("check-config", argc, argv, cli, "offline", &o->offline);
}

static void print_check(void *ctx, const struct remote_check *res)
{
	(void)ctx;
	printf("%-4s  [route %s] %s %s: %s\n", res->ok ? "ok" : "FAIL", res->route->name,
	       res->role, res->ep->text, res->detail);
}

int cmd_check_config_run(struct app *a, struct cmd_opts *o)
{
	printf("ok    %s: %zu %s, %zu %s\n", a->config_path, a->cfg.nremotes,
	       plural((long long)a->cfg.nremotes, "remote", "remotes"), a->cfg.nroutes,
	       plural((long long)a->cfg.nroutes, "route", "routes"));
	struct diag w = { 0 };
	config_warnings(&a->cfg, &w);
	for (size_t i = 0; i < w.n; i++)
		fprintf(stderr, "kargo-agent: warning: %s\n", w.msgs[i]);
	diag_release(&w);
	if (o->offline)
		return EX_OK;
	return remote_check_routes(&a->conns, &a->cfg, print_check, NULL) ? EX_UNAVAILABLE : EX_OK;
}
