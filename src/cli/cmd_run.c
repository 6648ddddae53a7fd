/* run and once: the pipeline, as a daemon or one cycle. */
#include <getopt.h>
#include <string.h>

#include "cli.h"
#include "pipeline.h"

/* Options of commands that take none but -c: -1 to go on, else an exit code. */
static int parse_plain(const char *name, int argc, char **argv, struct cli *cli)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;
	while ((ch = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		if (ch == 'c')
			cli->config = optarg;
		else
			return cli_usage(name, ch == 'h');
	}
	if (optind < argc) {
		fprintf(stderr, "kargo-agent %s: unexpected argument '%s'\n", name, argv[optind]);
		return cli_usage(name, 0);
	}
	return -1;
}

static int start(const char *name, struct cli *cli, int argc, char **argv, struct app *a)
{
	memset(a, 0, sizeof(*a));
	a->lock_fd = -1;
	int rc = parse_plain(name, argc, argv, cli);
	if (rc >= 0)
		return rc == 0 ? -1 : rc;
	a->stop = cli->stop;
	a->reload = cli->reload;
	return app_open(a, cli->config, NEED_MANIFEST | NEED_SPOOL | NEED_LOCK);
}

int cmd_run(struct cli *cli, int argc, char **argv)
{
	struct app a;
	int rc = start("run", cli, argc, argv, &a);
	if (rc < 0)
		return EX_OK;  /* --help */
	if (rc == 0) {
		struct pipeline p;
		pipeline_init(&p, &a);
		pipeline_run(&p);
		pipeline_release(&p);
	}
	app_close(&a);
	return rc;
}

int cmd_once(struct cli *cli, int argc, char **argv)
{
	struct app a;
	int rc = start("once", cli, argc, argv, &a);
	if (rc < 0)
		return EX_OK;  /* --help */
	if (rc == 0) {
		struct pipeline p;
		pipeline_init(&p, &a);
		pipeline_once(&p);
		struct cycle_stats *s = &p.stats;
		printf("once: %d staged, %d delivered, %d rejected, %d to retry, %d dead, "
		       "%d route errors\n", s->staged, s->delivered, s->rejected, s->retried,
		       s->dead, s->route_errors);
		if (s->route_errors || s->retried || s->dead)
			rc = EX_UNAVAILABLE;
		else if (s->rejected)
			rc = EX_DATAERR;
		pipeline_release(&p);
	}
	app_close(&a);
	return rc;
}
