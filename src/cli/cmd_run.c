/* run and once: the pipeline, as a daemon or one cycle. Only `once` shows
 * a progress line; the daemon never does. */
#include <string.h>

#include "cli.h"
#include "pipeline.h"

/* Parse the options (FLAG, if not NULL, sets *SET) and open the app.
 * Returns 1 when the command should run; else 0 with *code set to the exit
 * code (0 after --help). */
static int start(const char *name, struct cli *cli, int argc, char **argv, struct app *a,
		 const char *flag, int *set, int *code)
{
	memset(a, 0, sizeof(*a));
	a->lock_fd = -1;
	*code = cli_flag_opts(name, argc, argv, cli, flag, set);
	if (*code >= 0)
		return 0;
	a->stop = cli->stop;
	a->reload = cli->reload;
	*code = app_open(a, cli->config, NEED_MANIFEST | NEED_SPOOL | NEED_LOCK);
	return *code == 0;
}

int cmd_run(struct cli *cli, int argc, char **argv)
{
	struct app a;
	int rc;
	if (start("run", cli, argc, argv, &a, NULL, NULL, &rc)) {
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
	int rc, no_progress = 0;
	if (start("once", cli, argc, argv, &a, "no-progress", &no_progress, &rc)) {
		struct pipeline p;
		struct progress line;
		pipeline_init(&p, &a);
		p.progress = cli_progress(&line, no_progress);
		a.lg.progress = p.progress;
		pipeline_once(&p);
		a.lg.progress = NULL;
		progress_release(p.progress);
		struct cycle_stats *s = &p.stats;
		printf("once: %d staged, %d delivered, %d rejected, %d to retry, %d dead, "
		       "%d corrupt, %d route %s\n", s->staged, s->delivered, s->rejected,
		       s->retried, s->dead, s->corrupt, s->route_errors,
		       plural(s->route_errors, "error", "errors"));
		if (s->corrupt)
			rc = EX_IOERR;
		else if (s->route_errors || s->retried || s->dead)
			rc = EX_UNAVAILABLE;
		else if (s->rejected)
			rc = EX_DATAERR;
		pipeline_release(&p);
	}
	app_close(&a);
	return rc;
}
