/* Helpers shared by the commands. */
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

int cli_no_operands(const char *name, int argc, char **argv)
{
	if (optind >= argc)
		return CLI_GO;
	fprintf(stderr, "kargo-agent %s: unexpected argument '%s'\n", name, argv[optind]);
	return CLI_USAGE;
}

int cli_flag_opts_operands(const char *name, int argc, char **argv, struct cli *cli,
			   const char *flag, int *set)
{
	const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ flag ? flag : "help", no_argument, NULL, flag ? 'f' : 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;
	while ((ch = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		if (ch == 'c')
			cli->config = optarg;
		else if (ch == 'f')
			*set = 1;
		else
			return ch == 'h' ? CLI_HELP : CLI_USAGE;
	}
	return CLI_GO;
}

int cli_flag_opts(const char *name, int argc, char **argv, struct cli *cli,
		  const char *flag, int *set)
{
	int rc = cli_flag_opts_operands(name, argc, argv, cli, flag, set);
	return rc != CLI_GO ? rc : cli_no_operands(name, argc, argv);
}

struct progress *cli_progress(struct progress *p, int off)
{
	if (off)
		return NULL;
	int64_t min = PROGRESS_MIN_DEFAULT;
	const char *env = getenv("KARGO_AGENT_PROGRESS_MIN");
	if (env && *env) {
		long long v;
		if (parse_int_range(env, 0, LLONG_MAX, &v) != 0)
			fprintf(stderr, "kargo-agent: KARGO_AGENT_PROGRESS_MIN '%s' is not a number "
				"of bytes; using %lld\n", env, (long long)min);
		else
			min = v;
	}
	return progress_init(p, stderr, min);
}

int cli_parse_since(const char *cmd, const char *arg, int64_t *out)
{
	if (parse_time_arg(arg, now_s(), out) == 0)
		return 0;
	fprintf(stderr, "kargo-agent %s: --since '%s' is not a date (2026-11-23, "
		"2026-11-23T08:00:00Z) or an age (30m, 2h, 7d)\n", cmd, arg);
	return -1;
}

int cli_parse_count(const char *s, int64_t *out)
{
	long long v;
	if (parse_int_range(s, 1, LLONG_MAX, &v) != 0) {
		fprintf(stderr, "kargo-agent: '%s' is not a positive whole number\n", s);
		return -1;
	}
	*out = v;
	return 0;
}

int64_t cli_parse_id(const char *s)
{
	long long v;
	if (parse_int_range(s, 1, LLONG_MAX, &v) != 0) {
		fprintf(stderr, "kargo-agent: '%s' is not a file id (a positive number, as "
			"shown by `kargo-agent list`)\n", s);
		return 0;
	}
	return v;
}

void ids_add(struct ids *ids, int64_t id)
{
	ids->v = xrealloc(ids->v, (ids->n + 1) * sizeof(*ids->v));
	ids->v[ids->n++] = id;
}

int cli_parse_ids(int argc, char **argv, int first, struct ids *ids)
{
	for (int i = first; i < argc; i++) {
		int64_t id = cli_parse_id(argv[i]);
		if (!id) {
			free(ids->v);
			ids->v = NULL;
			ids->n = 0;
			return -1;
		}
		ids_add(ids, id);
	}
	return 0;
}

json_t *cli_json_time(int64_t t)
{
	char buf[32];
	format_time(t, buf, sizeof(buf));
	return kjson_text(buf);
}

/* A file's parse summary as recorded (the JSON parse_result_json wrote);
 * one that does not read as JSON is given as the text it is. */
static json_t *json_summary(const char *summary)
{
	if (!summary)
		return json_null();
	json_t *v = json_loads(summary, 0, NULL);
	return v ? v : kjson_text(summary);
}

json_t *cli_json_file(const struct mfile *f, const char *shipments)
{
	json_t *o = kjson_object(), *ships = kjson_array();
	kjson_put(o, "id", kjson_int(f->id));
	kjson_put(o, "route", kjson_text(f->route));
	kjson_put(o, "name", kjson_text(f->name));
	kjson_put(o, "source", kjson_text(f->source_uri));
	kjson_put(o, "size", kjson_int(f->size));
	kjson_put(o, "mtime", kjson_int(f->mtime));
	kjson_put(o, "sha256", kjson_text(f->sha256));
	kjson_put(o, "format", kjson_text(f->format));
	kjson_put(o, "state", kjson_text(f->state));
	kjson_put(o, "attempts", kjson_int(f->attempts));
	kjson_put(o, "next_attempt",
		  f->next_attempt ? cli_json_time(f->next_attempt) : json_null());
	kjson_put(o, "last_error", kjson_text(f->last_error));
	kjson_put(o, "spool_path", kjson_text(f->spool_path));
	for (const char *p = shipments ? shipments : ""; *p;) {
		size_t n = strcspn(p, ",");
		if (n)
			kjson_add(ships, kjson_textn(p, n));
		p += n + (p[n] == ',');
	}
	kjson_put(o, "shipment_ids", ships);
	kjson_put(o, "created", cli_json_time(f->created));
	kjson_put(o, "updated", cli_json_time(f->updated));
	kjson_put(o, "summary", json_summary(f->summary));
	return o;
}

int cli_json_print(const json_t *v, const char *after)
{
	if (kjson_print(stdout, v) == 0 && (!after || fputs(after, stdout) != EOF))
		return 0;
	fprintf(stderr, "kargo-agent: cannot write the JSON output: %s\n", strerror(errno));
	return -1;
}
