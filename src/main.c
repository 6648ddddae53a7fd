/* kargo-agent: command dispatch only. The signal flags are the one piece of
 * process-wide state, owned here and handed to the commands. */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "autoconfig.h"
#include "cli/cli.h"
#include "config.h"
#include "formats/mime.h"
#include "transports/transport.h"

static volatile sig_atomic_t stop_flag;
static volatile sig_atomic_t reload_flag;

static const struct command commands[] = {
	{ "run", cmd_run, "Poll every route forever (the daemon, in the foreground); stop with "
	  "SIGTERM or SIGINT, which finishes the file in hand.\n"
	  "SIGHUP reloads the configuration between cycles; an invalid one is refused "
	  "(logged as reload_refused) and the running one kept.\n"
	  "Under systemd (Type=notify) it sends READY=1 once the routes are armed, and "
	  "WATCHDOG=1 while WatchdogSec= is set.", "run" },
	{ "once", cmd_once, "One full cycle of every route, then exit (for cron and timers).\n"
	  "Exit 0 when all went well, 65 if a file was rejected, 69 if a remote or a delivery "
	  "failed (retried later), 74 if a spool copy did not match its sha256 (the file is "
	  "corrupt), 75 if another run holds the manifest.\n"
	  "On a terminal, files of 1 MiB or more show a progress line on stderr "
	  "(--no-progress: none).", "once [--no-progress]" },
	{ "status", cmd_status, "Per route: last cycle, files by state, next retry; per "
	  "remote: last attempts.\n"
	  "Exit 0 when all is healthy, 1 when a file is dead or corrupt, or a remote failed its last "
	  "remote_failures attempts (default 3), or a route its last remote_failures cycles.",
	  "status [--json]" },
	{ "list", cmd_list, "Manifest rows, oldest first. --since takes a date, a date-time "
	  "or an age such as 2h or 7d.",
	  "list [--route R] [--state S] [--shipment ID] [--since T] [--limit N] [--json]" },
	{ "show", cmd_show, "One file's record, its deliveries, its whole history and its "
	  "parse summary.", "show ID [--json]" },
	{ "resend", cmd_resend, "Deliver files again from the spool, to their route's "
	  "destinations or to --to DEST (REMOTE:PATH or a local directory).\n"
	  "--on-exists fail|overwrite|rename overrides the route's setting.\n"
	  "A dead file resent to its own destinations is completed as a cycle would "
	  "(delivered, done, source finished); that takes the manifest's lock (exit 75 "
	  "while run, once or retry holds it).\n"
	  "A --to directory must exist unless --mkdir is given.\n"
	  "Exit 0 all sent, 65 a file was rejected, 66 its spool copy is missing, 73 the --to "
	  "directory is missing, 74 its spool copy did not match its sha256 (then corrupt), "
	  "69 a destination failed or the failures differ.",
	  "resend ID... | --shipment ID | --route R --since T  [--to DEST [--mkdir]] "
	  "[--on-exists M] "
	  "[--no-progress]" },
	{ "retry", cmd_retry, "Put dead (and corrupt) files back in the queue once the cause "
	  "is fixed: pending, attempts reset, due now; the next once or cycle of run "
	  "delivers them and finishes their sources. Recorded as a `retried` event (who, "
	  "--reason). Takes the manifest's lock like run and once.\n"
	  "Exit 0 all queued, 65 a file was not dead or corrupt, 66 no such file, 75 "
	  "another run, once or retry holds the manifest.",
	  "retry ID... | --route R [--state S] | --state dead|corrupt  [--reason TEXT]" },
	{ "validate", cmd_validate, "Parse a file and report every problem with its line.\n"
	  "Exit 0 valid, 65 invalid, 66 unreadable.",
	  "validate FILE [--format F] [--json] [--no-progress]" },
	{ "check-config", cmd_check_config, "Load and check the configuration, reporting every "
	  "problem; then connect to every remote and check the routes' directories.\n"
	  "Exit 0 all good, 78 configuration errors, 69 a remote or directory failed.",
	  "check-config [--offline]" },
	{ "verify", cmd_verify, "Check the manifest against the spool: every file's spool copy "
	  "exists with its recorded size and sha256, and every delivered file has all its "
	  "deliveries confirmed. One line per problem.\nExit 0 consistent, 65 not.", "verify" },
};

const struct command *command_find(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static void on_stop(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void on_reload(int sig)
{
	(void)sig;
	reload_flag = 1;
}

/* The signals arrive on one thread of their own, in sigwait: every other
 * thread blocks them. A handler would interrupt whichever thread it landed
 * on, and libssh2 takes an interrupted poll() for a broken connection, so a
 * SIGTERM would fail the upload in hand instead of letting it finish. The
 * waits of the run loop are short (at most a second), so nothing needs the
 * interruption to notice a flag. */
static void *signal_thread(void *arg)
{
	sigset_t *set = arg;
	for (;;) {
		int sig;
		if (sigwait(set, &sig) != 0)
			continue;
		if (sig == SIGHUP)
			reload_flag = 1;
		else
			stop_flag = 1;
	}
	return NULL;
}

static void install_signals(void)
{
	static sigset_t set;  /* read by the signal thread for the process's life */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);  /* inherited by every thread */
	pthread_t th;
	if (pthread_create(&th, NULL, signal_thread, &set) == 0) {
		pthread_detach(th);
	} else {  /* no thread: plain handlers, better than deaf */
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_stop;
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
		sa.sa_handler = on_reload;
		sigaction(SIGHUP, &sa, NULL);
		pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	}
	signal(SIGPIPE, SIG_IGN);
}

static int usage(FILE *out, int code)
{
	fprintf(out, "usage: kargo-agent [-c FILE] COMMAND [ARGS]\n\n"
		"Moves warehouse integration files exactly once between local directories,\n"
		"SFTP servers and mailboxes, validating them and keeping a manifest.\n\n"
		"Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %s\n", commands[i].usage);
	fprintf(out, "\nOptions:\n"
		"  -c, --config FILE  configuration (default $KARGO_AGENT_CONFIG or %s)\n"
		"  -h, --help         this help; COMMAND --help for a command's\n"
		"  --version          print the version\n", config_default_path(NULL));
	return code;
}

int main(int argc, char **argv)
{
	struct cli cli = { .stop = &stop_flag, .reload = &reload_flag };
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;
	while ((ch = getopt_long(argc, argv, "+c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': cli.config = optarg; break;
		case 'h': return usage(stdout, EX_OK);
		case 'V': printf("kargo-agent %s\n", PACKAGE_VERSION); return EX_OK;
		default: return usage(stderr, EX_USAGE);
		}
	}
	if (optind >= argc)
		return usage(stderr, EX_USAGE);
	const struct command *cmd = command_find(argv[optind]);
	if (!cmd) {
		fprintf(stderr, "kargo-agent: unknown command '%s'\n", argv[optind]);
		return usage(stderr, EX_USAGE);
	}
	install_signals();
	/* Libraries with process-wide state are set up once, here: each
	 * transport's, and GMime for the MIME extractor. */
	char err[ERRLEN];
	if (transports_init(err) != 0) {
		fprintf(stderr, "kargo-agent: %s\n", err);
		return EX_SOFTWARE;
	}
	mime_init();
	argc -= optind;
	argv += optind;
	optind = 0;  /* reset getopt for the command's own options */
	int rc = cmd->fn(&cli, argc, argv);
	mime_shutdown();
	transports_shutdown();
	return rc;
}
