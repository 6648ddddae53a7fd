/* The command table. Read-only commands (status, list, show, verify) open
 * the manifest read-only; only the commands that change files' states take
 * the manifest's lock (resend takes it itself, and only for a dead file). */
#include "commands.h"

#include <string.h>

static const struct command commands[] = {
	{ "run", cmd_run_parse, cmd_run_run, NEED_CONFIG | NEED_MANIFEST | NEED_SPOOL | NEED_LOCK,
	  "Poll every route forever (the daemon, in the foreground); stop with "
	  "SIGTERM or SIGINT, which finishes the file in hand.",
	  "SIGHUP reloads the configuration between cycles; an invalid one is refused "
	  "(logged as reload_refused) and the running one kept.\n"
	  "Under systemd (Type=notify) it sends READY=1 once the routes are armed, and "
	  "WATCHDOG=1 while WatchdogSec= is set.", "run" },
	{ "once", cmd_once_parse, cmd_once_run, NEED_CONFIG | NEED_MANIFEST | NEED_SPOOL | NEED_LOCK,
	  "One full cycle of every route, then exit (for cron and timers).",
	  "Exit 0 when all went well, 65 if a file was rejected, 69 if a remote or a delivery "
	  "failed (retried later), 74 if a spool copy did not match its sha256 (the file is "
	  "corrupt), 75 if another run holds the manifest.\n"
	  "On a terminal, files of 1 MiB or more show a progress line on stderr "
	  "(--no-progress: none).", "once [--no-progress]" },
	{ "status", cmd_status_parse, cmd_status_run, NEED_CONFIG | NEED_MANIFEST | NEED_READONLY,
	  "Per route: last cycle, files by state, next retry; per remote: last attempts.",
	  "Exit 0 when all is healthy, 1 when a file is dead or corrupt, or a remote failed its last "
	  "remote_failures attempts (default 3), or a route its last remote_failures cycles.",
	  "status [--json]" },
	{ "list", cmd_list_parse, cmd_list_run, NEED_CONFIG | NEED_MANIFEST | NEED_READONLY,
	  "Manifest rows, oldest first. --since takes a date, a date-time "
	  "or an age such as 2h or 7d.", NULL,
	  "list [--route R] [--state S] [--shipment ID] [--since T] [--limit N] [--json]" },
	{ "show", cmd_show_parse, cmd_show_run, NEED_CONFIG | NEED_MANIFEST | NEED_READONLY,
	  "One file's record, its deliveries, its whole history and its parse summary.", NULL,
	  "show ID [--json]" },
	{ "resend", cmd_resend_parse, cmd_resend_run, NEED_CONFIG | NEED_MANIFEST | NEED_SPOOL,
	  "Deliver files again from the spool, to their route's "
	  "destinations or to --to DEST (REMOTE:PATH or a local directory).",
	  "--on-exists fail|overwrite|rename overrides the route's setting.\n"
	  "A dead file resent to its own destinations is completed as a cycle would "
	  "(delivered, done, source finished); that takes the manifest's lock (exit 75 "
	  "while run, once or retry holds it).\n"
	  "A --to directory must exist unless --mkdir is given.\n"
	  "Exit 0 all sent, 65 a file was rejected, 66 its spool copy is missing, 67 its spool "
	  "copy expired (removed by spool_retention; the message says when), 73 the --to "
	  "directory is missing, 74 its spool copy did not match its sha256 (then corrupt), "
	  "69 a destination failed or the failures differ.",
	  "resend ID... | --shipment ID | --route R --since T  [--to DEST [--mkdir]] "
	  "[--on-exists M] [--no-progress]" },
	{ "retry", cmd_retry_parse, cmd_retry_run, NEED_CONFIG | NEED_MANIFEST | NEED_LOCK,
	  "Put dead (and corrupt) files back in the queue once the cause "
	  "is fixed: pending, attempts reset, due now; the next once or cycle of run "
	  "delivers them and finishes their sources. Recorded as a `retried` event (who, "
	  "--reason). Takes the manifest's lock like run and once.",
	  "Exit 0 all queued, 65 a file was not dead or corrupt, 66 no such file, 75 "
	  "another run, once or retry holds the manifest.",
	  "retry ID... | --route R [--state S] | --state dead|corrupt  [--reason TEXT]" },
	{ "validate", cmd_validate_parse, cmd_validate_run, 0,  /* a config only if there is one */
	  "Parse a file and report every problem with its line.",
	  "Exit 0 valid, 65 invalid, 66 unreadable.",
	  "validate FILE [--format F] [--json] [--no-progress]" },
	{ "check-config", cmd_check_config_parse, cmd_check_config_run, NEED_CONFIG | NEED_CONNS,
	  "Load and check the configuration, reporting every "
	  "problem; then connect to every remote and check the routes' directories.",
	  "Exit 0 all good, 78 configuration errors, 69 a remote or directory failed.",
	  "check-config [--offline]" },
	{ "verify", cmd_verify_parse, cmd_verify_run, NEED_CONFIG | NEED_MANIFEST | NEED_READONLY,
	  "Check the manifest against the spool: every file's spool copy "
	  "exists with its recorded size and sha256 (unless spool_retention released it), "
	  "and every delivered file has all its deliveries confirmed. One line per "
	  "problem.", "Exit 0 consistent, 65 not.", "verify" },
	{ "manifest", cmd_manifest_parse, cmd_manifest_run, NEED_CONFIG,
	  "Work on the manifest file: `backup FILE` writes a consistent copy of it, "
	  "also while run is working (no lock needed).",
	  "backup writes a temporary file beside FILE, makes it durable and renames it; "
	  "an existing FILE is replaced only with --force. The way back: stop the agent, "
	  "copy the backup over the manifest, remove the manifest's -wal and -shm files, "
	  "start the agent (kargo-agent(8), Backup and restore).\n"
	  "Exit 0 written, 66 no manifest, 73 FILE exists (without --force) or its "
	  "directory is missing, 74 an I/O error.",
	  "manifest backup FILE [--force]" },
	{ "prune", cmd_prune_parse, cmd_prune_run, NEED_CONFIG | NEED_MANIFEST | NEED_SPOOL | NEED_LOCK,
	  "Apply [agent] spool_retention and manifest_retention now, as run does every "
	  "hour, and report what went (--dry-run: what would go; nothing changes).",
	  "Done files past spool_retention lose their spool copy (their row stays); done and "
	  "rejected files past manifest_retention are deleted with their deliveries, events "
	  "and shipment ids (a tombstone keeps the identity of one its source may still "
	  "list); a spool object goes when no file needs it. Takes the manifest's lock like "
	  "run and once.\n"
	  "Exit 0 done, 74 the manifest or spool failed, 75 another run, once or retry holds "
	  "the manifest (or it stayed busy).", "prune [--dry-run]" },
	{ "templates", cmd_templates_parse, cmd_templates_run, NO_CONFIG,
	  "List the templates a [remote] or [route] can name with `template = NAME`: what "
	  "each is for, the keys it sets and the keys it needs the section to give.",
	  "A key the section sets itself wins over the template's. --json: one array of "
	  "{name, description, remote: {sets, requires}, route: {sets, requires}}.\n"
	  "No configuration is read. Exit 0.", "templates [--json]" },
	{ "convert", cmd_convert_parse, cmd_convert_run, 0,  /* a config only if there is one */
	  "Print the request bodies a file would be sent as (a dry run of a route's "
	  "convert =): --to json, ndjson, csv (an X12 856's items), kargo-documents, "
	  "kargo-unified or raw.",
	  "Settings come from --route's section when given (business, facility, "
	  "direction_map, update_strategy, unit, batch_rows, and its format), else from "
	  "--business, --facility, --update-strategy and --unit. JSON bodies print one a "
	  "line. Nothing is sent and the manifest is not opened.\n"
	  "Exit 0 converted, 65 the file does not convert (the message names its line), "
	  "66 unreadable, 64 usage.",
	  "convert FILE --to T [--format F] [--route R] [--business B] [--facility F] "
	  "[--update-strategy S] [--unit shipment|row]" },
};

const struct command *command_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

const struct command *commands_all(size_t *n)
{
	*n = ARRAY_SIZE(commands);
	return commands;
}
