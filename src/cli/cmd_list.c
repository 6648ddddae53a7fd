/* list: manifest rows with filters, as a table or JSON lines. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct list_out {
	struct manifest *m;
	int json;
	int64_t count;
	int failed;              /* writing the JSON failed: stop */
};

static int print_row(void *ctx, const struct mfile *f)
{
	struct list_out *o = ctx;
	char t[32];
	if (o->json) {
		/* One row at a time: a long list is never held whole. */
		char *ships = manifest_shipments(o->m, f->id);
		json_t *row = cli_json_file(f, ships);
		if (o->count)
			fputc(',', stdout);
		o->failed = cli_json_print(row, NULL) != 0;
		json_decref(row);
		free(ships);
	} else {
		format_time(f->created, t, sizeof(t));
		printf("%-6lld %-20s %-9s %10lld  %s  %s\n", (long long)f->id, f->route, f->state,
		       (long long)f->size, t, f->name);
	}
	o->count++;
	return o->failed;
}

int cmd_list_parse(struct cli *cli, int argc, char **argv, struct cmd_opts *o)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "route", required_argument, NULL, 'r' },
		{ "state", required_argument, NULL, 's' },
		{ "shipment", required_argument, NULL, 'S' },
		{ "since", required_argument, NULL, 't' },
		{ "limit", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct mfilter *flt = &o->flt;
	int ch;
	while ((ch = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': cli->config = optarg; break;
		case 'r': flt->route = optarg; break;
		case 's': flt->state = optarg; break;
		case 'S': flt->shipment = optarg; break;
		case 'j': o->json = 1; break;
		case 'n':
			if (cli_parse_count(optarg, &flt->limit) != 0)
				return EX_USAGE;
			break;
		case 't':
			if (cli_parse_since("list", optarg, &flt->since) != 0)
				return EX_USAGE;
			break;
		default: return ch == 'h' ? CLI_HELP : CLI_USAGE;
		}
	}
	if (cli_no_operands("list", argc, argv) != CLI_GO)
		return CLI_USAGE;
	if (flt->state) {
		int known = 0;
		for (int i = 0; i < MANIFEST_NSTATES; i++)
			known |= strcmp(flt->state, manifest_states[i]) == 0;
		if (!known) {
			fprintf(stderr, "kargo-agent list: unknown state '%s' (staged, pending, "
				"delivered, done, rejected, dead, corrupt)\n", flt->state);
			return EX_USAGE;
		}
	}
	return CLI_GO;
}

int cmd_list_run(struct app *a, struct cmd_opts *o)
{
	struct list_out out = { .m = &a->m, .json = o->json };
	char err[ERRLEN];
	int rc = EX_OK;
	if (out.json)
		fputc('[', stdout);
	else
		printf("%-6s %-20s %-9s %10s  %-20s  %s\n", "ID", "ROUTE", "STATE", "SIZE",
		       "CREATED", "NAME");
	if (manifest_list(&a->m, &o->flt, print_row, &out, err) != 0) {
		fprintf(stderr, "kargo-agent: %s\n", err);
		rc = EX_IOERR;
	}
	if (out.json)
		fputs("]\n", stdout);
	return out.failed ? EX_IOERR : rc;
}
