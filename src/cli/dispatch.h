/* The dispatcher: main.c hands it argv; it reads the global options, finds
 * the command's row, parses the command's options, opens what the row
 * needs, runs the command and closes what it opened. */
#ifndef KA_DISPATCH_H
#define KA_DISPATCH_H

#include "cli.h"
#include "commands.h"

/* Read the global options of ARGV and find the command. Returns CLI_GO with
 * *CMD set and *ARGC and *ARGV starting at the command's name, or the exit code
 * (--help, --version, a usage error, an unknown command: printed). */
int dispatch_find(struct cli *cli, int *argc, char ***argv, const struct command **cmd);
/* Run CMD on ARGV (its name first): the exit code. */
int dispatch_run(const struct command *cmd, struct cli *cli, int argc, char **argv);

#endif
