/* run and once: the pipeline, as a daemon or one cycle. Only `once` shows
 * a progress line; the daemon never does. */
#include "cli.h"
#include "pipeline.h"

int cmd_run_parse(struct cli *cli, int argc, char **argv, struct cmd_opts *o)
{
	return cli_flag_opts("run", argc, argv, cli, NULL, NULL);
}

int cmd_run_run(struct app *a, struct cmd_opts *o)
{
	struct pipeline p;
	pipeline_init(&p, a);
	pipeline_run(&p);
	pipeline_release(&p);
	return EX_OK;
}

int cmd_once_parse(struct cli *cli, int argc, char **argv, struct cmd_opts *o)
{
	return cli_flag_opts("once", argc, argv, cli, "no-progress", &o->no_progress);
}

int cmd_once_run(struct app *a, struct cmd_opts *o)
{
	struct pipeline p;
	struct progress line;
	int rc = EX_OK;
	pipeline_init(&p, a);
	p.progress = cli_progress(&line, o->no_progress);
	a->lg.progress = p.progress;
	pipeline_once(&p);
	a->lg.progress = NULL;
	progress_release(p.progress);
	struct cycle_stats *s = &p.stats;
	printf("once: %d staged, %d delivered, %d rejected, %d to retry, %d dead, "
	       "%d corrupt, %d route %s\n", s->staged, s->delivered, s->rejected,
	       s->retried, s->dead, s->corrupt, s->route_errors,
	       plural(s->route_errors, "error", "errors"));
	if (s->held)  /* work left, as a failed remote leaves it: 69, not 75 (lock) */
		printf("once: staging paused: the spool reached spool_max_bytes; %d %s at %s "
		       "sources (kargo-agent status)\n", s->held, plural(s->held, "file waits",
		       "files wait"), plural(s->held, "its", "their"));
	if (s->corrupt)
		rc = EX_IOERR;
	else if (s->route_errors || s->retried || s->dead || s->held)
		rc = EX_UNAVAILABLE;
	else if (s->rejected)
		rc = EX_DATAERR;
	pipeline_release(&p);
	return rc;
}
