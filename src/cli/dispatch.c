/* The dispatcher, and the help texts it prints from the command table. */
#include "dispatch.h"

#include <getopt.h>
#include <stdlib.h>

#include "autoconfig.h"

/* The program's usage: every command's synopsis and the global options. */
static int usage(FILE *out, int code)
{
	size_t n;
	const struct command *commands = commands_all(&n);
	fprintf(out, "usage: kargo-agent [-c FILE] COMMAND [ARGS]\n\n"
		"Moves warehouse integration files exactly once between local directories,\n"
		"SFTP servers and mailboxes, validating them and keeping a manifest.\n\n"
		"Commands:\n");
	for (size_t i = 0; i < n; i++)
		fprintf(out, "  %s\n", commands[i].usage);
	fprintf(out, "\nOptions:\n"
		"  -c, --config FILE  configuration (default $KARGO_AGENT_CONFIG or %s)\n"
		"  -h, --help         this help; COMMAND --help for a command's\n"
		"  --version          print the version\n", config_default_path(NULL));
	return code;
}

/* CMD's --help (on stdout, 0) or its usage after a usage error (stderr, 64). */
static int command_usage(const struct command *cmd, int ok)
{
	FILE *out = ok ? stdout : stderr;
	fprintf(out, "usage: kargo-agent [-c FILE] %s\n\n%s\n", cmd->usage, cmd->help);
	if (cmd->more)
		fprintf(out, "%s\n", cmd->more);
	return ok ? EX_OK : EX_USAGE;
}

int dispatch_find(struct cli *cli, int *argc, char ***argv, const struct command **cmd)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;
	while ((ch = getopt_long(*argc, *argv, "+c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': cli->config = optarg; break;
		case 'h': return usage(stdout, EX_OK);
		case 'V': printf("kargo-agent %s\n", PACKAGE_VERSION); return EX_OK;
		default: return usage(stderr, EX_USAGE);
		}
	}
	if (optind >= *argc)
		return usage(stderr, EX_USAGE);
	*cmd = command_find((*argv)[optind]);
	if (!*cmd) {
		fprintf(stderr, "kargo-agent: unknown command '%s'\n", (*argv)[optind]);
		return usage(stderr, EX_USAGE);
	}
	*argc -= optind;
	*argv += optind;
	optind = 0;  /* reset getopt for the command's own options */
	return CLI_GO;
}

/* Options first (a usage error needs nothing opened), then what the row
 * needs, once, for the command; closed after it, whatever it returned. */
int dispatch_run(const struct command *cmd, struct cli *cli, int argc, char **argv)
{
	struct cmd_opts o = { 0 };
	int rc = cmd->parse(cli, argc, argv, &o);
	if (rc == CLI_HELP || rc == CLI_USAGE) {
		rc = command_usage(cmd, rc == CLI_HELP);
	} else if (rc == CLI_GO) {
		struct app a = { .stop = cli->stop, .reload = cli->reload };
		rc = app_open(&a, cli->config, cmd->needs);
		if (rc == 0)
			rc = cmd->run(&a, &o);
		app_close(&a);
	}
	free(o.ids.v);
	return rc;
}
