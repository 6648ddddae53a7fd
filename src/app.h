/* What every command works with: the loaded config, the logger, the
 * manifest, the spool and the format table. Passed explicitly; the only
 * process-wide state is the stop flag main.c owns for signal handlers. */
#ifndef KA_APP_H
#define KA_APP_H

#include <signal.h>
#include "config.h"
#include "conns.h"
#include "load.h"
#include "formats/format.h"
#include "log.h"
#include "manifest.h"
#include "spool.h"

struct app {
	const char *config_path;
	struct config cfg;
	struct logger lg;
	struct manifest m;
	struct spool spool;
	struct formats *formats;
	const char *crash_at;                 /* KARGO_AGENT_CRASH_AT (tests) */
	volatile sig_atomic_t *stop;          /* set by SIGTERM/SIGINT */
	volatile sig_atomic_t *reload;        /* set by SIGHUP */
	int lock_fd;
	struct conns conns;                   /* NEED_CONNS */
	int have_conns;
};

enum app_needs {
	NEED_MANIFEST = 1,   /* open the manifest (created only with NEED_LOCK) */
	NEED_SPOOL = 2,      /* open (and create) the spool */
	NEED_LOCK = 4,       /* be the only process running cycles on this manifest */
	NEED_READONLY = 8,   /* with NEED_MANIFEST: read it only (status, list, show, verify) */
	NEED_CONFIG = 16,    /* the configuration must load; without it, it is read only when
			      * named or when the default file exists (validate) */
	NEED_CONNS = 32,     /* a connection cache for the remotes (connecting on first use) */
	NO_CONFIG = 64,      /* never read the configuration, even a named one (templates:
			      * it helps to write one, so a broken one must not stop it) */
};

/* Load the config (or not: NEED_CONFIG) and the format table, and open
 * what NEEDS asks for. Returns 0 or a sysexits code, having printed the
 * reason on stderr. */
int app_open(struct app *a, const char *config_path, int needs);
void app_close(struct app *a);
/* Take the manifest's lock (NEED_LOCK) after app_open: 0, or EX_TEMPFAIL
 * (another process holds it; its pid printed) or EX_IOERR. */
int app_lock(struct app *a);

#endif
