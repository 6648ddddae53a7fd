/* Commands: one file each, dispatched from main.c's table. */
#ifndef KA_CLI_H
#define KA_CLI_H

#include <signal.h>
#include <stdio.h>
#include "app.h"
#include "common.h"
#include "progress.h"

struct cli {
	const char *config;                   /* -c FILE, or NULL */
	volatile sig_atomic_t *stop;
	volatile sig_atomic_t *reload;
};

struct command {
	const char *name;
	int (*fn)(struct cli *cli, int argc, char **argv);
	const char *summary;
	const char *usage;                    /* printed by --help */
};

int cmd_run(struct cli *cli, int argc, char **argv);
int cmd_once(struct cli *cli, int argc, char **argv);
int cmd_status(struct cli *cli, int argc, char **argv);
int cmd_list(struct cli *cli, int argc, char **argv);
int cmd_show(struct cli *cli, int argc, char **argv);
int cmd_resend(struct cli *cli, int argc, char **argv);
int cmd_retry(struct cli *cli, int argc, char **argv);
int cmd_validate(struct cli *cli, int argc, char **argv);
int cmd_check_config(struct cli *cli, int argc, char **argv);
int cmd_verify(struct cli *cli, int argc, char **argv);

/* The command table (main.c), for --help texts. */
const struct command *command_find(const char *name);

/* Options of commands whose only option besides -c and --help is one
 * boolean --FLAG (NULL for none), which sets *SET, and that take no
 * operands. Returns -1 to go on, else the exit code (0 after --help, 64 on
 * a usage error or an operand). */
int cli_flag_opts(const char *name, int argc, char **argv, struct cli *cli,
		  const char *flag, int *set);
/* The same for a command with operands: argv[optind..] are left to it. */
int cli_flag_opts_operands(const char *name, int argc, char **argv, struct cli *cli,
			   const char *flag, int *set);
/* -1 when getopt left no operands in ARGV, else a message and 64. */
int cli_no_operands(const char *name, int argc, char **argv);

/* The progress line of once, resend and validate: on when stderr is a
 * terminal and OFF (--no-progress) is not set, for files of at least
 * $KARGO_AGENT_PROGRESS_MIN bytes (default 1 MiB). Returns P set up, or
 * NULL for none; release the result with progress_release. */
struct progress *cli_progress(struct progress *p, int off);

/* Print NAME's usage; returns EX_OK for --help, EX_USAGE otherwise. */
int cli_usage(const char *name, int ok);
/* Parse CMD's --since: a date, a date-time or an age; 0, or -1 with a message. */
int cli_parse_since(const char *cmd, const char *arg, int64_t *out);
/* Parse a positive count (--limit); 0, or -1 with a message on stderr. */
int cli_parse_count(const char *s, int64_t *out);
/* Parse a positive file id; 0 and a message on stderr when not one. */
int64_t cli_parse_id(const char *s);

/* File ids a command works on. */
struct ids {
	int64_t *v;
	size_t n;
};
void ids_add(struct ids *ids, int64_t id);
/* ARGV[FIRST..ARGC) as file ids added to IDS; 0, or -1 with a message on
 * stderr (IDS freed). */
int cli_parse_ids(int argc, char **argv, int first, struct ids *ids);

/* JSON output helpers. */
void json_str(FILE *out, const char *s);
void json_file(FILE *out, const struct mfile *f, const char *shipments);

#endif
