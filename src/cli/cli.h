/* Commands: one file each, run by cli/dispatch.c from their rows in
 * cli/commands.c. */
#ifndef KA_CLI_H
#define KA_CLI_H

#include <signal.h>
#include <stdio.h>
#include "app.h"
#include "common.h"
#include "common_json.h"
#include "progress.h"

struct cli {
	const char *config;                   /* -c FILE, or NULL */
	volatile sig_atomic_t *stop;
	volatile sig_atomic_t *reload;
};

/* What a command's parse function returns when it is not an exit code:
 * go on (open what the command's row needs and run it), or have the
 * dispatcher print the command's usage (--help: on stdout, exit 0; a usage
 * error, whose own message if any is already printed: on stderr, exit 64). */
#define CLI_GO (-1)
#define CLI_HELP (-2)
#define CLI_USAGE (-3)

/* File ids a command works on. */
struct ids {
	int64_t *v;
	size_t n;
};
void ids_add(struct ids *ids, int64_t id);

/* The options of every command, read by its parse function before anything
 * is opened (so a usage error is 64 whatever the configuration). The
 * dispatcher zeroes them first and frees IDS after. */
struct cmd_opts {
	struct ids ids;                       /* resend, retry: the files */
	int json;                             /* --json: status, list, show, validate */
	int no_progress;                      /* --no-progress: once, resend, validate */
	int offline;                          /* check-config --offline */
	struct mfilter flt;                   /* list, resend: which files */
	int64_t id;                           /* show */
	const char *to;                       /* resend --to */
	int on_exists, mkdir, by_filter;      /* resend */
	const char *route, *state, *reason;   /* retry */
	const char *format, *path;            /* validate; manifest backup: FILE */
	int force, sub;                       /* manifest: --force, its subcommand */
	int dry_run;                          /* prune --dry-run */
	const char *business, *facility, *strategy, *unit;  /* convert */
};

/* Each command is two functions, named in its row of cli/commands.c:
 * cmd_NAME_parse reads its options into O and returns CLI_GO, CLI_HELP,
 * CLI_USAGE or an exit code; cmd_NAME_run gets what the row asked to be
 * opened and returns the exit code. */
int cmd_run_parse(struct cli *cli, int argc, char **argv, struct cmd_opts *o);
int cmd_run_run(struct app *a, struct cmd_opts *o);
int cmd_once_parse(struct cli *cli, int argc, char **argv, struct cmd_opts *o);
int cmd_once_run(struct app *a, struct cmd_opts *o);
int cmd_status_parse(struct cli *cli, int argc, char **argv, struct cmd_opts *o);
int cmd_status_run(struct app *a, struct cmd_opts *o);
int cmd_list_parse(struct cli *cli, int argc, char **argv, struct cmd_opts *o);
int cmd_list_run(struct app *a, struct cmd_opts *o);
int cmd_show_parse(struct cli *cli, int argc, char **argv, struct cmd_opts *o);
int cmd_show_run(struct app *a, struct cmd_opts *o);
int cmd_resend_parse(struct cli *cli, int argc, char **argv, struct cmd_opts *o);
int cmd_resend_run(struct app *a, struct cmd_opts *o);
int cmd_retry_parse(struct cli *cli, int argc, char **argv, struct cmd_opts *o);
int cmd_retry_run(struct app *a, struct cmd_opts *o);
int cmd_validate_parse(struct cli *cli, int argc, char **argv, struct cmd_opts *o);
int cmd_validate_run(struct app *a, struct cmd_opts *o);
int cmd_check_config_parse(struct cli *cli, int argc, char **argv, struct cmd_opts *o);
int cmd_check_config_run(struct app *a, struct cmd_opts *o);
int cmd_verify_parse(struct cli *cli, int argc, char **argv, struct cmd_opts *o);
int cmd_verify_run(struct app *a, struct cmd_opts *o);
int cmd_manifest_parse(struct cli *cli, int argc, char **argv, struct cmd_opts *o);
int cmd_manifest_run(struct app *a, struct cmd_opts *o);
int cmd_prune_parse(struct cli *cli, int argc, char **argv, struct cmd_opts *o);
int cmd_prune_run(struct app *a, struct cmd_opts *o);
int cmd_templates_parse(struct cli *cli, int argc, char **argv, struct cmd_opts *o);
int cmd_templates_run(struct app *a, struct cmd_opts *o);
int cmd_convert_parse(struct cli *cli, int argc, char **argv, struct cmd_opts *o);
int cmd_convert_run(struct app *a, struct cmd_opts *o);

/* Options of commands whose only option besides -c and --help is one
 * boolean --FLAG (NULL for none), which sets *SET, and that take no
 * operands. Returns CLI_GO, CLI_HELP, or CLI_USAGE (a usage error or an
 * operand). */
int cli_flag_opts(const char *name, int argc, char **argv, struct cli *cli,
		  const char *flag, int *set);
/* The same for a command with operands: argv[optind..] are left to it. */
int cli_flag_opts_operands(const char *name, int argc, char **argv, struct cli *cli,
			   const char *flag, int *set);
/* CLI_GO when getopt left no operands in ARGV, else a message and CLI_USAGE. */
int cli_no_operands(const char *name, int argc, char **argv);

/* The progress line of once, resend and validate: on when stderr is a
 * terminal and OFF (--no-progress) is not set, for files of at least
 * $KARGO_AGENT_PROGRESS_MIN bytes (default 1 MiB). Returns P set up, or
 * NULL for none; release the result with progress_release. */
struct progress *cli_progress(struct progress *p, int off);

/* Parse CMD's --since: a date, a date-time or an age; 0, or -1 with a message. */
int cli_parse_since(const char *cmd, const char *arg, int64_t *out);
/* Parse a positive count (--limit); 0, or -1 with a message on stderr. */
int cli_parse_count(const char *s, int64_t *out);
/* Parse a positive file id; 0 and a message on stderr when not one. */
int64_t cli_parse_id(const char *s);

/* ARGV[FIRST..ARGC) as file ids added to IDS; 0, or -1 with a message on
 * stderr (IDS freed). */
int cli_parse_ids(int argc, char **argv, int first, struct ids *ids);

/* --json output (jansson, common_json.h). A time as "2026-11-23T10:00:00Z". */
json_t *cli_json_time(int64_t t);
/* A manifest row as an object: its fields, SHIPMENTS (comma-separated) as
 * an array, its parse summary as the object recorded. */
json_t *cli_json_file(const struct mfile *f, const char *shipments);
/* V on stdout, then AFTER (NULL: nothing); 0, or -1 with a message on
 * stderr when writing failed. */
int cli_json_print(const json_t *v, const char *after);
/* show: the requests of a file's deliveries to APIs (show_requests.c). */
void show_requests(struct app *a, int64_t file_id);

#endif
