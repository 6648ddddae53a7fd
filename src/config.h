/* The INI configuration, read with iniparser into typed, checked structs.
 * Every problem names file, section and key; config_parse reports them all.
 * It knows nothing of transports or formats: what a remote's type allows
 * and what a route's format names is checked by the transports and the
 * formats, and config_load (load.h) runs every check. */
#ifndef KA_CONFIG_H
#define KA_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include "diag.h"

struct kv {
	char *key;
	char *value;
};

/* A raw [kind NAME] section: remotes and format profiles keep their keys as
 * strings, and the module that owns them (a transport, the formats) checks them. */
struct section {
	char *name;
	struct kv *kv;
	size_t nkv;
};

/* Value of KEY in a section, or DEF when absent. */
const char *section_get(const struct section *s, const char *key, const char *def);
/* KEY as a whole number within [MIN, MAX], DEF when absent or (reported to D
 * as "FILE: [WHERE] KEY: 'V' is not a whole number between MIN and MAX")
 * when it is not one. WHERE is the section as in "remote NAME". */
int section_get_int(const struct section *s, const char *key, int def, int min, int max,
		    const char *file, const char *where, struct diag *d);
/* "FILE: [WHERE] KEY: unknown key" in D for each key of S in neither
 * ALLOWED nor ALLOWED2 (NULL-terminated; either may be NULL). */
void section_check_keys(const struct section *s, const char *const *allowed,
			const char *const *allowed2, const char *file, const char *where,
			struct diag *d);

/* The most sessions (parallel connections) to one remote: the bound of a
 * remote's `sessions =`, and the size of the pools that use them. */
#define MAX_SESSIONS 16

struct remote_config {
	struct section sec;      /* [remote NAME]: keys as written */
	const char *type;        /* "sftp", "imap", "smtp", ... */
	int sessions;            /* connections used in parallel to deliver (set
				    by the transports' check: its default) */
	char *token_cache;       /* where a transport that logs in keeps its token
				    between runs: MANIFEST.token-NAME (mode 0600) */
};

/* A source or destination: "REMOTE:PATH" or a plain local path. */
struct endpoint {
	const struct remote_config *remote;  /* NULL for a local path */
	char *path;
	char *text;                          /* as written in the config */
	char *convert;                       /* a request destination: the route's
						conversion for it (convert =), NULL
						for a file or message destination */
	int convert_named;                   /* convert = named this destination's
						remote (REMOTE=CONVERSION) */
};

/* How a route's request destinations (https remotes) get its files: the
 * conversion's settings (config_api.c; the formats check the values). */
struct route_api {
	char *business;          /* Kargo business slug; NULL: none given */
	char *facility;          /* facility slug; NULL: the file's facility column */
	char *direction_map;     /* "LOADING=OUTBOUND,UNLOADING=INBOUND" */
	char *update_strategy;   /* orderItemUpdateStrategy; NULL: not sent */
	char *unit;              /* kargo-unified, json: "shipment" or "row" */
	int batch_rows;          /* json, ndjson: rows per request */
	char *content_type;      /* raw: the body's Content-Type */
	int conflict_done;       /* on_conflict = delivered: a 409 means already there */
};

enum after_action { AFTER_KEEP, AFTER_DELETE, AFTER_ARCHIVE };
enum on_exists { ON_EXISTS_FAIL, ON_EXISTS_OVERWRITE, ON_EXISTS_RENAME };
/* What a route's source holds, as the transports' check found it. */
enum source_kind { SOURCE_UNCHECKED = 0, SOURCE_FILES, SOURCE_MAILBOX };

struct route_config {
	char *name;
	struct endpoint source;
	struct endpoint *dests;
	size_t ndests;
	char *pattern;           /* glob on the file name, default "*" */
	char *format;            /* format or [format NAME] profile, default "auto" */
	enum after_action after;
	char *archive_dir;       /* AFTER_ARCHIVE: directory on the source side */
	char *after_text;        /* after = as written (mailbox sources: seen, move:F, ...);
				    NULL until the transports' check sets its default */
	enum source_kind source_kind;
	char *quarantine;        /* local directory for rejected files */
	int stable_seconds;
	char *done_marker;       /* e.g. ".done": take X only once X.done exists */
	char *temp_prefix;       /* delivery temp name: PREFIX NAME SUFFIX */
	char *temp_suffix;
	enum on_exists on_exists;
	int max_attempts;
	int enabled;
	struct route_api api;    /* request destinations: how files are converted */
};

struct agent_config {
	char *spool_dir;
	char *manifest;
	char *log_level;
	char *metrics_file;      /* Prometheus textfile, written each cycle; NULL = none */
	int poll_interval;       /* seconds between full rescans (cycles) of `run` */
	int stable_seconds;
	int max_attempts;
	int retry_base;          /* first retry delay, seconds */
	int retry_max;           /* cap on the retry delay, seconds */
	int batch_size;          /* files recorded per manifest transaction */
	int remote_failures;     /* status: a remote or route failing this many
				    attempts (cycles) in a row is unhealthy */
	char *alert;             /* remote (with `notify`) told about files that
				    go dead, corrupt or rejected; NULL = none */
	char *alert_on;          /* those states, as ",dead,corrupt,rejected," */
	int64_t spool_retention;    /* seconds a done file keeps its spool copy; 0 = always */
	int64_t manifest_retention; /* seconds done and rejected files stay in the
				       manifest; 0 = always */
	int64_t spool_max_bytes;    /* staging pauses beyond this; 0 = no budget */
};

struct config {
	char *path;
	struct agent_config agent;
	struct remote_config *remotes;
	size_t nremotes;
	struct route_config *routes;
	size_t nroutes;
	struct section *formats;  /* [format NAME] profiles */
	size_t nformats;
};

/* Read and check PATH into CFG, every problem added to D as "FILE:LINE: ...".
 * Returns -1 when PATH cannot be read or is no INI file (CFG then holds only
 * its path), else 0 with CFG filled, problems or not (compare D's count). */
int config_parse(const char *path, struct config *cfg, struct diag *d);
void config_release(struct config *cfg);
/* Give messages D->msgs[FROM..] of the form "FILE: [SECTION] KEY: ..." the
 * line of that key in CFG's file ("FILE:LINE: ..."), for checks run after
 * config_parse. */
void config_annotate(const struct config *cfg, struct diag *d, size_t from);
/* Route R's after_text for a source of files: keep, delete or archive:DIR
 * (relative to the source) into R->after and R->archive_dir; a problem goes
 * to D. The transports' check calls it once it knows what the source is. */
void config_route_after(struct route_config *r, const char *file, struct diag *d);
/* What a loaded configuration allows but probably should not (a route
 * whose source the transports' check found holds files, taking them
 * without waiting), added to W as "FILE:LINE: ..."
 * messages: check-config prints them and still passes. */
void config_warnings(const struct config *cfg, struct diag *w);

/* 1 if route R never takes a file named NAME, whatever its pattern: a name
 * starting with a dot, a temporary name (*.part, *.tmp, *.filepart, *~, the
 * route's temp_suffix) or a done marker. */
int route_skips_name(const struct route_config *r, const char *name);

const struct route_config *config_route(const struct config *cfg, const char *name);
const struct remote_config *config_remote(const struct config *cfg, const char *name);

/* Parse "REMOTE:PATH" or a local path against CFG's remotes. Returns 0 or -1
 * with a message in err. */
int endpoint_parse(const struct config *cfg, const char *text, struct endpoint *ep,
		   char *err, size_t errlen);
void endpoint_release(struct endpoint *ep);

/* Route R's request settings from its section S (config_api.c): the
 * convert of each destination, the conversion's settings; problems to D as
 * "FILE: [WHERE] KEY: ...". Release frees them. */
void config_route_api(struct route_config *r, const struct section *s, const char *file,
		      const char *where, struct diag *d);
void config_route_api_release(struct route_config *r);

/* The templates (config_template.c): a name a [remote] or [route] section
 * gives as `template =`, and the keys it sets unless the section sets them
 * itself. A new template is one row of the table. */
struct template_key {
	const char *key;
	const char *value;   /* NULL: the template requires the section to give it */
};
#define TEMPLATE_KEYS 12
struct template_def {
	const char *name;
	const char *what;                              /* one line for `templates` */
	struct template_key remote[TEMPLATE_KEYS];     /* {NULL} ends each list */
	struct template_key route[TEMPLATE_KEYS];
};
extern const struct template_def config_templates[];
extern const size_t config_ntemplates;
/* Give section S (kind "remote" or "route", as in [WHERE]) the keys of the
 * template its `template` key names that it does not set itself; an
 * unknown template or a required key left out goes to D. */
void template_apply(struct section *s, const char *kind, const char *file,
		    const char *where, struct diag *d);

/* The config file path from -c, $KARGO_AGENT_CONFIG or the default. */
const char *config_default_path(const char *opt);

#endif
