/* The command table: one row per command, in the style of git's git.c. A
 * row names the command's functions, what the dispatcher opens for it
 * before it runs (enum app_needs), and its help. */
#ifndef KA_COMMANDS_H
#define KA_COMMANDS_H

#include "cli.h"

struct command {
	const char *name;
	int (*parse)(struct cli *cli, int argc, char **argv, struct cmd_opts *o);
	int (*run)(struct app *a, struct cmd_opts *o);
	int needs;                            /* enum app_needs, opened for run */
	const char *help;                     /* one line */
	const char *more;                     /* the rest of --help, or NULL */
	const char *usage;                    /* its synopsis */
};

/* The row of command NAME, or NULL. */
const struct command *command_find(const char *name);
/* Every row, in the order `kargo-agent --help` lists them; *N of them. */
const struct command *commands_all(size_t *n);

#endif
