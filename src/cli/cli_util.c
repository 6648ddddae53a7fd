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

void json_str(FILE *out, const char *s)
{
	if (!s) {
		fputs("null", out);
		return;
	}
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		case '\t': fputs("\\t", out); break;
		default:
			if (*p < 0x20)
				fprintf(out, "\\u%04x", *p);
			else
				fputc(*p, out);
		}
	}
	fputc('"', out);
}

void json_file(FILE *out, const struct mfile *f, const char *shipments)
{
	char t1[32], t2[32], t3[32];
	format_time(f->created, t1, sizeof(t1));
	format_time(f->updated, t2, sizeof(t2));
	format_time(f->next_attempt, t3, sizeof(t3));
	fprintf(out, "{\"id\":%lld,\"route\":", (long long)f->id);
	json_str(out, f->route);
	fputs(",\"name\":", out);
	json_str(out, f->name);
	fputs(",\"source\":", out);
	json_str(out, f->source_uri);
	fprintf(out, ",\"size\":%lld,\"mtime\":%lld,\"sha256\":\"%s\",\"format\":",
		(long long)f->size, (long long)f->mtime, f->sha256);
	json_str(out, f->format);
	fputs(",\"state\":", out);
	json_str(out, f->state);
	fprintf(out, ",\"attempts\":%d,\"next_attempt\":", f->attempts);
	if (f->next_attempt)
		json_str(out, t3);
	else
		fputs("null", out);
	fputs(",\"last_error\":", out);
	json_str(out, f->last_error);
	fputs(",\"spool_path\":", out);
	json_str(out, f->spool_path);
	fputs(",\"shipment_ids\":[", out);
	if (shipments && *shipments) {
		char *copy = xstrdup(shipments), *save = NULL;
		int first = 1;
		for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			if (!first)
				fputc(',', out);
			json_str(out, t);
			first = 0;
		}
		free(copy);
	}
	fputs("],\"created\":", out);
	json_str(out, t1);
	fputs(",\"updated\":", out);
	json_str(out, t2);
	fputs(",\"summary\":", out);
	fputs(f->summary ? f->summary : "null", out);
	fputc('}', out);
}
