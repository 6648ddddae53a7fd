/* kargo-agent: signal set-up, then argv handed to the dispatcher
 * (cli/dispatch.c). The signal flags are the one piece of process-wide
 * state, owned here and handed to the commands. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cli/dispatch.h"
#include "formats/mime.h"
#include "transports/transport.h"

static volatile sig_atomic_t stop_flag;
static volatile sig_atomic_t reload_flag;

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

int main(int argc, char **argv)
{
	struct cli cli = { .stop = &stop_flag, .reload = &reload_flag };
	const struct command *cmd;
	int rc = dispatch_find(&cli, &argc, &argv, &cmd);
	if (rc != CLI_GO)
		return rc;
	install_signals();
	/* Libraries with process-wide state are set up once, here: each
	 * transport's, and GMime for the MIME extractor. */
	char err[ERRLEN];
	if (transports_init(err) != 0) {
		fprintf(stderr, "kargo-agent: %s\n", err);
		return EX_SOFTWARE;
	}
	mime_init();
	rc = dispatch_run(cmd, &cli, argc, argv);
	mime_shutdown();
	transports_shutdown();
	return rc;
}
