/* INI (iniparser) → typed, checked structs. Every error names the file, the
 * section and the key, and config_parse collects all of them before failing.
 * Remote types, their keys and roles, and route formats are not known here:
 * the transports and the formats check those (config_load, load.c). */
#include "config.h"
#include "config_lines.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib.h>
#include <iniparser.h>

#include "common.h"
#include "log.h"

#define DEFAULT_CONFIG "/etc/kargo-agent/kargo-agent.ini"

static const char *const agent_keys[] = {
	"spool_dir", "manifest", "log_level", "metrics_file", "poll_interval",
	"stable_seconds", "max_attempts", "retry_base", "retry_max", "batch_size",
	"remote_failures", "alert", "alert_on", "spool_retention", "manifest_retention",
	"spool_max_bytes", NULL,
};

static const char *const route_keys[] = {
	"source", "dest", "pattern", "format", "after", "quarantine", "stable_seconds",
	"done_marker", "temp_prefix", "temp_suffix", "on_exists", "max_attempts",
	"enabled", "template", "convert", "business", "facility", "direction_map",
	"update_strategy", "unit", "batch_rows", "content_type", "on_conflict", NULL,
};

/* What config_parse is working on, for error messages and relative paths. */
struct loader {
	const char *file;
	char *dir;          /* the config file's directory */
	struct diag *d;
};

const char *config_default_path(const char *opt)
{
	if (opt && *opt)
		return opt;
	const char *env = getenv("KARGO_AGENT_CONFIG");
	return env && *env ? env : DEFAULT_CONFIG;
}

/* V (N elements of SIZE bytes) with room for one more: the capacity doubles
 * whenever N reaches a power of two, so N appends cost O(N) copying. */
static void *grow(void *v, size_t n, size_t size)
{
	if (n && (n & (n - 1)))
		return v;
	return xrealloc(v, (n ? 2 * n : 1) * size);
}

/* The file's sections, each with its keys, read in one pass over the
 * dictionary: iniparser's per-section calls each scan the whole dictionary,
 * which made 10,000 routes take 25 s to load. */
struct ini {
	struct section *v;     /* in file order; name is "kind name" as written */
	size_t n;
	GHashTable *by_name;   /* section name -> index + 1 */
};

static struct section *ini_section(struct ini *ini, const char *name, size_t len)
{
	char *key = xstrndup(name, len);
	size_t i = GPOINTER_TO_SIZE(g_hash_table_lookup(ini->by_name, key));
	if (i) {
		free(key);
		return &ini->v[i - 1];
	}
	ini->v = grow(ini->v, ini->n, sizeof(*ini->v));
	ini->v[ini->n] = (struct section){ key, NULL, 0 };
	g_hash_table_insert(ini->by_name, key, GSIZE_TO_POINTER(++ini->n));
	return &ini->v[ini->n - 1];
}

/* Entries are "section" or "section:key" (section and key lower-cased). */
static void ini_index(dictionary *d, struct ini *ini)
{
	memset(ini, 0, sizeof(*ini));
	ini->by_name = g_hash_table_new(g_str_hash, g_str_equal);
	/* size is ssize_t in iniparser 4.1 and size_t in 4.2; never negative. */
	for (size_t i = 0; i < (size_t)d->size; i++) {
		const char *k = d->key[i];
		if (!k)
			continue;
		const char *colon = strchr(k, ':');
		struct section *s = ini_section(ini, k, colon ? (size_t)(colon - k) : strlen(k));
		if (!colon)
			continue;
		s->kv = grow(s->kv, s->nkv, sizeof(*s->kv));
		s->kv[s->nkv].key = xstrdup(colon + 1);
		s->kv[s->nkv].value = xstrdup(d->val[i] ? d->val[i] : "");
		s->nkv++;
	}
}

static void section_release(struct section *s);

static void ini_free(struct ini *ini)
{
	for (size_t i = 0; i < ini->n; i++)
		section_release(&ini->v[i]);
	free(ini->v);
	g_hash_table_destroy(ini->by_name);
}

/* Copy section SEC's keys into S, named NAME. */
static void section_read(const struct ini *ini, const char *sec, const char *name,
			 struct section *s)
{
	size_t i = GPOINTER_TO_SIZE(g_hash_table_lookup(ini->by_name, sec));
	const struct section *from = i ? &ini->v[i - 1] : NULL;
	s->name = xstrdup(name);
	s->nkv = from ? from->nkv : 0;
	s->kv = xcalloc(s->nkv ? s->nkv : 1, sizeof(*s->kv));
	for (size_t k = 0; k < s->nkv; k++) {
		s->kv[k].key = xstrdup(from->kv[k].key);
		s->kv[k].value = xstrdup(from->kv[k].value);
	}
}

static void section_release(struct section *s)
{
	for (size_t i = 0; i < s->nkv; i++) {
		free(s->kv[i].key);
		free(s->kv[i].value);
	}
	free(s->kv);
	free(s->name);
	memset(s, 0, sizeof(*s));
}

static void check_keys(struct loader *ld, const char *sec, const struct section *s,
		       const char *const *allowed)
{
	section_check_keys(s, allowed, NULL, ld->file, sec, ld->d);
}

/* A non-negative integer within [min, max]; reports and keeps DEF otherwise. */
static int get_int(struct loader *ld, const char *sec, const struct section *s,
		   const char *key, int def, int min, int max)
{
	return section_get_int(s, key, def, min, max, ld->file, sec, ld->d);
}

static int get_bool(struct loader *ld, const char *sec, const struct section *s,
		    const char *key, int def)
{
	const char *v = section_get(s, key, NULL);
	if (!v)
		return def;
	if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "on"))
		return 1;
	if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "off"))
		return 0;
	diag_add(ld->d, "%s: [%s] %s: '%s' is not yes or no", ld->file, sec, key, v);
	return def;
}

/* A local path; relative paths are taken from the config file's directory. */
static char *local_path(const struct loader *ld, const char *v)
{
	if (v[0] == '/' || !ld->dir)
		return xstrdup(v);
	return path_join(ld->dir, v);
}

static char *get_path(struct loader *ld, const struct section *s, const char *key,
		      const char *def)
{
	const char *v = section_get(s, key, def);
	return v ? local_path(ld, v) : NULL;
}

/* alert_on = a comma-separated list of dead, corrupt and rejected, kept as
 * ",dead,rejected," for the manifest's query. */
static char *load_alert_on(struct loader *ld, const char *v)
{
	static const char *const states[] = { "dead", "corrupt", "rejected" };
	char *out = xstrdup(","), *copy = xstrdup(v), *save = NULL;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		t += strspn(t, " \t");
		t[strcspn(t, " \t")] = '\0';
		size_t k = 0;
		while (k < ARRAY_SIZE(states) && strcmp(t, states[k]) != 0)
			k++;
		if (k == ARRAY_SIZE(states)) {
			diag_add(ld->d, "%s: [agent] alert_on: '%s' is not dead, corrupt or rejected",
				 ld->file, t);
			continue;
		}
		char *next = xasprintf("%s%s,", out, t);
		free(out);
		out = next;
	}
	free(copy);
	return out;
}

/* KEY as a duration ("30d") or size ("20G") read by PARSE, "off" (or 0)
 * for none: 0. WHAT says what the value should be, for the error. */
static int64_t get_amount(struct loader *ld, const struct section *s, const char *key,
			  const char *def, int (*parse)(const char *, int64_t *), const char *what)
{
	const char *v = section_get(s, key, def);
	int64_t n = 0;
	if (!strcmp(v, "off") || !strcmp(v, "0"))
		return 0;
	if (parse(v, &n) != 0 || n == 0)
		diag_add(ld->d, "%s: [agent] %s: '%s' is not %s, or off", ld->file, key, v, what);
	return n;
}

/* Retention and the spool's budget; a manifest kept shorter than the spool
 * copies would make spool_retention meaningless. */
static void load_history(struct loader *ld, const struct section *s, struct agent_config *a)
{
	const char *dur = "a duration such as 12h, 30d or 2w";
	a->spool_retention = get_amount(ld, s, "spool_retention", "30d", parse_duration, dur);
	a->manifest_retention = get_amount(ld, s, "manifest_retention", "400d", parse_duration,
					   dur);
	a->spool_max_bytes = get_amount(ld, s, "spool_max_bytes", "off", parse_bytes,
					"a size such as 500M, 20G or 1T");
	if (a->manifest_retention && a->spool_retention &&
	    a->manifest_retention < a->spool_retention)
		diag_add(ld->d, "%s: [agent] manifest_retention: '%s' is shorter than "
			 "spool_retention ('%s'): a file's row would go before its spool copy",
			 ld->file, section_get(s, "manifest_retention", "400d"),
			 section_get(s, "spool_retention", "30d"));
}

static void load_agent(struct loader *ld, const struct ini *ini, struct agent_config *a)
{
	struct section s = { 0 };
	section_read(ini, "agent", "agent", &s);
	check_keys(ld, "agent", &s, agent_keys);
	a->spool_dir = get_path(ld, &s, "spool_dir", "/var/spool/kargo-agent");
	a->manifest = get_path(ld, &s, "manifest", "/var/lib/kargo-agent/manifest.db");
	a->log_level = xstrdup(section_get(&s, "log_level", "info"));
	const char *mf = section_get(&s, "metrics_file", NULL);
	a->metrics_file = mf && *mf ? local_path(ld, mf) : NULL;
	enum log_level lv;
	if (log_level_parse(a->log_level, &lv) != 0)
		diag_add(ld->d, "%s: [agent] log_level: '%s' is not debug, info, warn or error",
			 ld->file, a->log_level);
	a->poll_interval = get_int(ld, "agent", &s, "poll_interval", 30, 1, 86400);
	a->stable_seconds = get_int(ld, "agent", &s, "stable_seconds", 5, 0, 86400);
	a->max_attempts = get_int(ld, "agent", &s, "max_attempts", 10, 1, 1000);
	a->retry_base = get_int(ld, "agent", &s, "retry_base", 30, 1, 86400);
	a->retry_max = get_int(ld, "agent", &s, "retry_max", 3600, 1, 7 * 86400);
	a->batch_size = get_int(ld, "agent", &s, "batch_size", 500, 1, 100000);
	a->remote_failures = get_int(ld, "agent", &s, "remote_failures", 3, 1, 1000);
	const char *al = section_get(&s, "alert", NULL);
	a->alert = al && *al ? xstrdup(al) : NULL;
	a->alert_on = load_alert_on(ld, section_get(&s, "alert_on", "dead, corrupt, rejected"));
	load_history(ld, &s, a);
	section_release(&s);
}

/* The alert's remote exists (once the remotes are known; whether it can
 * send a message is the transports' check). */
static void check_alert(struct loader *ld, const struct config *cfg)
{
	const char *name = cfg->agent.alert;
	if (name && !config_remote(cfg, name))
		diag_add(ld->d, "%s: [agent] alert: '%s' names no [remote %s] section", ld->file,
			 name, name);
}

/* Keys of [remote] sections that name local files (keys, secrets, host
 * keys, CA bundles): relative ones are taken from the config file's
 * directory, like every other local path. */
static void resolve_remote_paths(const struct loader *ld, struct section *s)
{
	static const char *const path_keys[] = {
		"key", "passphrase_file", "password_file", "known_hosts", "ca_file",
		"client_secret_file", "token_file", NULL,
	};
	for (size_t i = 0; i < s->nkv; i++) {
		for (size_t k = 0; path_keys[k]; k++) {
			if (strcmp(s->kv[i].key, path_keys[k]) != 0 || !*s->kv[i].value)
				continue;
			char *abs = local_path(ld, s->kv[i].value);
			free(s->kv[i].value);
			s->kv[i].value = abs;
		}
	}
}

static void load_remote(struct loader *ld, const struct ini *ini, const char *sec,
			const char *name, const char *manifest, struct remote_config *rc)
{
	rc->token_cache = xasprintf("%s.token-%s", manifest, name);
	section_read(ini, sec, name, &rc->sec);
	template_apply(&rc->sec, "remote", ld->file, sec, ld->d);
	resolve_remote_paths(ld, &rc->sec);
	rc->type = section_get(&rc->sec, "type", NULL);
	if (!rc->type)  /* the type, its keys and sessions: the transports' check */
		diag_add(ld->d, "%s: [%s] type: missing required key", ld->file, sec);
}

int endpoint_parse(const struct config *cfg, const char *text, struct endpoint *ep,
		   char *err, size_t errlen)
{
	memset(ep, 0, sizeof(*ep));
	const char *colon = strchr(text, ':');
	const char *slash = strchr(text, '/');
	if (colon && (!slash || colon < slash)) {
		char *rname = xstrndup(text, (size_t)(colon - text));
		const struct remote_config *rc = config_remote(cfg, rname);
		if (!rc) {
			snprintf(err, errlen, "'%s' names remote '%s', which has no [remote %s] section",
				 text, rname, rname);
			free(rname);
			return -1;
		}
		free(rname);
		if (colon[1] == '\0') {
			snprintf(err, errlen, "'%s' has no path after the remote name", text);
			return -1;
		}
		ep->remote = rc;
		ep->path = xstrdup(colon + 1);
	} else {
		if (*text == '\0') {
			snprintf(err, errlen, "empty path");
			return -1;
		}
		ep->path = xstrdup(text);
	}
	ep->text = xstrdup(text);
	return 0;
}

void endpoint_release(struct endpoint *ep)
{
	free(ep->path);
	free(ep->text);
	free(ep->convert);
	memset(ep, 0, sizeof(*ep));
}

/* Parse one endpoint, making local paths absolute (whether its transport can
 * be a source or a destination is the transports' check). */
static int route_endpoint(struct loader *ld, const struct config *cfg, const char *sec,
			  const char *key, const char *text, struct endpoint *ep)
{
	char err[ERRLEN];
	if (endpoint_parse(cfg, text, ep, err, sizeof(err)) != 0) {
		diag_add(ld->d, "%s: [%s] %s: %s", ld->file, sec, key, err);
		return -1;
	}
	if (!ep->remote) {
		char *abs = local_path(ld, ep->path);
		free(ep->path);
		ep->path = abs;
	}
	return 0;
}

static void load_dests(struct loader *ld, const struct config *cfg, const char *sec,
		       const char *v, struct route_config *r)
{
	char *copy = xstrdup(v), *save = NULL;
	size_t given = 0;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *t = str_trim(tok);
		if (!*t)
			continue;
		given++;
		r->dests = grow(r->dests, r->ndests, sizeof(*r->dests));
		if (route_endpoint(ld, cfg, sec, "dest", t, &r->dests[r->ndests]) == 0)
			r->ndests++;
		else
			endpoint_release(&r->dests[r->ndests]);
	}
	free(copy);
	if (given == 0)
		diag_add(ld->d, "%s: [%s] dest: no destination given", ld->file, sec);
}

void config_route_after(struct route_config *r, const char *file, struct diag *d)
{
	const char *v = r->after_text;
	if (strcmp(v, "keep") == 0) {
		r->after = AFTER_KEEP;
	} else if (strcmp(v, "delete") == 0) {
		r->after = AFTER_DELETE;
	} else if (strncmp(v, "archive:", 8) == 0 && v[8]) {
		r->after = AFTER_ARCHIVE;
		/* Relative archive directories are inside the source directory. */
		r->archive_dir = v[8] == '/' ? xstrdup(v + 8) : path_join(r->source.path, v + 8);
	} else {
		diag_add(d, "%s: [route %s] after: '%s' is not keep, delete or archive:DIR",
			 file, r->name, v);
	}
}

static void load_on_exists(struct loader *ld, const char *sec, const char *v,
			   struct route_config *r)
{
	if (strcmp(v, "fail") == 0)
		r->on_exists = ON_EXISTS_FAIL;
	else if (strcmp(v, "overwrite") == 0)
		r->on_exists = ON_EXISTS_OVERWRITE;
	else if (strcmp(v, "rename") == 0)
		r->on_exists = ON_EXISTS_RENAME;
	else
		diag_add(ld->d, "%s: [%s] on_exists: '%s' is not fail, overwrite or rename",
			 ld->file, sec, v);
}

static void load_route(struct loader *ld, const struct ini *ini, const struct config *cfg,
		       const char *sec, const char *name, struct route_config *r)
{
	struct section s;
	section_read(ini, sec, name, &s);
	template_apply(&s, "route", ld->file, sec, ld->d);
	check_keys(ld, sec, &s, route_keys);
	r->name = xstrdup(name);
	const char *src = section_get(&s, "source", NULL);
	if (!src || !*src)
		diag_add(ld->d, "%s: [%s] source: missing required key", ld->file, sec);
	else if (route_endpoint(ld, cfg, sec, "source", src, &r->source) != 0)
		endpoint_release(&r->source);
	const char *dest = section_get(&s, "dest", NULL);
	if (!dest || !*dest)
		diag_add(ld->d, "%s: [%s] dest: missing required key", ld->file, sec);
	else
		load_dests(ld, cfg, sec, dest, r);
	r->pattern = xstrdup(section_get(&s, "pattern", "*"));
	const char *why = pattern_problem(r->pattern);
	if (why)
		diag_add(ld->d, "%s: [%s] pattern: '%s' %s", ld->file, sec, r->pattern, why);
	r->format = xstrdup(section_get(&s, "format", "auto"));
	/* after = depends on what the source holds: the transports' check
	 * gives the default and checks it (config_route_after for files). */
	const char *after = section_get(&s, "after", NULL);
	r->after_text = after ? xstrdup(after) : NULL;
	const char *q = section_get(&s, "quarantine", NULL);
	r->quarantine = q ? local_path(ld, q) : path_join(cfg->agent.spool_dir, "quarantine");
	if (!q) {
		char *qq = path_join(r->quarantine, name);
		free(r->quarantine);
		r->quarantine = qq;
	}
	r->stable_seconds = get_int(ld, sec, &s, "stable_seconds", cfg->agent.stable_seconds,
				    0, 86400);
	const char *dm = section_get(&s, "done_marker", NULL);
	r->done_marker = dm && *dm ? xstrdup(dm) : NULL;
	r->temp_prefix = xstrdup(section_get(&s, "temp_prefix", "."));
	r->temp_suffix = xstrdup(section_get(&s, "temp_suffix", ".part"));
	if (!*r->temp_prefix && !*r->temp_suffix)
		diag_add(ld->d, "%s: [%s] temp_prefix, temp_suffix: both empty, so a temporary "
			 "name would be the final name", ld->file, sec);
	if (strlen(r->temp_prefix) + strlen(r->temp_suffix) > 64 || strchr(r->temp_prefix, '/') ||
	    strchr(r->temp_suffix, '/'))
		diag_add(ld->d, "%s: [%s] temp_prefix, temp_suffix: at most 64 bytes together, and "
			 "no '/'", ld->file, sec);
	load_on_exists(ld, sec, section_get(&s, "on_exists", "fail"), r);
	r->max_attempts = get_int(ld, sec, &s, "max_attempts", cfg->agent.max_attempts, 1, 1000);
	r->enabled = get_bool(ld, sec, &s, "enabled", 1);
	config_route_api(r, &s, ld->file, sec, ld->d);
	section_release(&s);
}

int route_skips_name(const struct route_config *r, const char *name)
{
	static const char *const temp_suffixes[] = { ".part", ".tmp", ".filepart", "~", NULL };
	if (name[0] == '.')
		return 1;
	if (str_ends_with(name, r->temp_suffix))
		return 1;
	for (size_t i = 0; temp_suffixes[i]; i++)
		if (str_ends_with(name, temp_suffixes[i]))
			return 1;
	return r->done_marker && str_ends_with(name, r->done_marker);
}

/* Split "kind name" into its parts; NAME may be empty for [agent]. */
static void split_section(const char *sec, char *kind, size_t klen, const char **name)
{
	const char *sp = strchr(sec, ' ');
	size_t n = sp ? (size_t)(sp - sec) : strlen(sec);
	snprintf(kind, klen, "%.*s", (int)n, sec);
	*name = sp ? sp + 1 : "";
	while (**name == ' ')
		(*name)++;
}

/* Remotes and format profiles first: routes refer to them. */
static void load_named(struct loader *ld, const struct ini *ini, struct config *cfg, int pass)
{
	for (size_t i = 0; i < ini->n; i++) {
		const char *sec = ini->v[i].name;
		if (!*sec)
			continue;  /* keys before any section: config_lines_read reports them */
		char kind[32];
		const char *name;
		split_section(sec, kind, sizeof(kind), &name);
		int named = strcmp(kind, "remote") == 0 || strcmp(kind, "route") == 0 ||
			    strcmp(kind, "format") == 0;
		if (pass == 0 && !named && strcmp(kind, "agent") != 0)
			diag_add(ld->d, "%s: [%s]: unknown section (expected agent, remote NAME, "
				 "route NAME or format NAME)", ld->file, sec);
		if (!named)
			continue;
		if (!*name) {
			if (pass == 0)
				diag_add(ld->d, "%s: [%s]: a %s section needs a name, as in [%s NAME]",
					 ld->file, sec, kind, kind);
			continue;
		}
		if (pass == 0 && strcmp(kind, "remote") == 0) {
			cfg->remotes = grow(cfg->remotes, cfg->nremotes, sizeof(*cfg->remotes));
			memset(&cfg->remotes[cfg->nremotes], 0, sizeof(*cfg->remotes));
			load_remote(ld, ini, sec, name, cfg->agent.manifest,
				    &cfg->remotes[cfg->nremotes++]);
		} else if (pass == 0 && strcmp(kind, "format") == 0) {
			cfg->formats = grow(cfg->formats, cfg->nformats, sizeof(*cfg->formats));
			/* its keys and values: the formats' check */
			section_read(ini, sec, name, &cfg->formats[cfg->nformats++]);
		} else if (pass == 1 && strcmp(kind, "route") == 0) {
			cfg->routes = grow(cfg->routes, cfg->nroutes, sizeof(*cfg->routes));
			memset(&cfg->routes[cfg->nroutes], 0, sizeof(*cfg->routes));
			load_route(ld, ini, cfg, sec, name, &cfg->routes[cfg->nroutes++]);
		}
	}
}

static int file_readable(struct loader *ld, const char *path)
{
	struct stat st;
	FILE *f = fopen(path, "r");
	if (!f) {
		diag_add(ld->d, "%s: cannot read the configuration: %s", path, strerror(errno));
		return -1;
	}
	int dir = fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode);
	fclose(f);
	if (dir) {
		diag_add(ld->d, "%s: cannot read the configuration: is a directory, not a file",
			 path);
		return -1;
	}
	return 0;
}

/* iniparser's own messages: config_lines_read reports the same lines in
 * the FILE:LINE: form of every other message. */
static int ini_quiet(const char *fmt, ...)
{
	(void)fmt;
	return 0;
}

int config_parse(const char *path, struct config *cfg, struct diag *d)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->path = xstrdup(path);
	struct loader ld = { .file = path, .d = d };
	size_t before = d->n;
	if (file_readable(&ld, path) != 0)
		return -1;
	struct config_lines *lines = config_lines_read(path, d);
	iniparser_set_error_callback(ini_quiet);
	dictionary *dict = iniparser_load(path);
	if (!dict) {
		if (d->n == before)
			diag_add(d, "%s: not a valid INI file", path);
		config_lines_free(lines);
		return -1;
	}
	char *slash = strrchr(cfg->path, '/');
	ld.dir = slash ? xstrndup(cfg->path, (size_t)(slash - cfg->path) + (slash == cfg->path))
		       : NULL;
	if (!ld.dir) {
		char cwd[PATH_MAX];
		if (getcwd(cwd, sizeof(cwd)))
			ld.dir = xstrdup(cwd);
	}
	struct ini ini;
	ini_index(dict, &ini);
	iniparser_freedict(dict);
	load_agent(&ld, &ini, &cfg->agent);
	load_named(&ld, &ini, cfg, 0);
	check_alert(&ld, cfg);
	load_named(&ld, &ini, cfg, 1);
	ini_free(&ini);
	free(ld.dir);
	config_lines_annotate(lines, path, d, before);
	config_lines_free(lines);
	return 0;
}

void config_annotate(const struct config *cfg, struct diag *d, size_t from)
{
	if (d->n == from)
		return;  /* nothing to annotate: the file is not read again */
	struct config_lines *lines = config_lines_read(cfg->path, NULL);
	config_lines_annotate(lines, cfg->path, d, from);
	config_lines_free(lines);
}

void config_warnings(const struct config *cfg, struct diag *w)
{
	static const char why[] = "takes a file as soon as it is seen, so one still being "
		"written goes half-written; set 1 or more, or a done_marker, unless every writer "
		"renames complete files into the source";
	size_t before = w->n, inherit = 0;
	const char *first = NULL;
	for (size_t i = 0; i < cfg->nroutes; i++) {
		const struct route_config *r = &cfg->routes[i];
		if (r->source_kind != SOURCE_FILES || r->stable_seconds > 0 || r->done_marker)
			continue;  /* mail arrives whole; a marker says when a file is */
		if (cfg->agent.stable_seconds > 0)
			diag_add(w, "%s: [route %s] stable_seconds: 0 without a done_marker %s",
				 cfg->path, r->name, why);
		else if (!inherit++)
			first = r->name;
	}
	if (inherit)  /* one warning, not one per route */
		diag_add(w, "%s: [agent] stable_seconds: 0, for route %s%s without a done_marker, "
			 "%s", cfg->path, first, inherit > 1 ? " and others" : "", why);
	config_annotate(cfg, w, before);
}

void config_release(struct config *cfg)
{
	for (size_t i = 0; i < cfg->nroutes; i++) {
		struct route_config *r = &cfg->routes[i];
		endpoint_release(&r->source);
		for (size_t j = 0; j < r->ndests; j++)
			endpoint_release(&r->dests[j]);
		free(r->dests);
		free(r->name);
		free(r->pattern);
		free(r->format);
		free(r->archive_dir);
		free(r->after_text);
		free(r->quarantine);
		free(r->done_marker);
		free(r->temp_prefix);
		free(r->temp_suffix);
		config_route_api_release(r);
	}
	free(cfg->routes);
	for (size_t i = 0; i < cfg->nremotes; i++) {
		section_release(&cfg->remotes[i].sec);
		free(cfg->remotes[i].token_cache);
	}
	free(cfg->remotes);
	for (size_t i = 0; i < cfg->nformats; i++)
		section_release(&cfg->formats[i]);
	free(cfg->formats);
	free(cfg->agent.spool_dir);
	free(cfg->agent.manifest);
	free(cfg->agent.log_level);
	free(cfg->agent.metrics_file);
	free(cfg->agent.alert);
	free(cfg->agent.alert_on);
	free(cfg->path);
	memset(cfg, 0, sizeof(*cfg));
}

const struct route_config *config_route(const struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->nroutes; i++)
		if (strcmp(cfg->routes[i].name, name) == 0)
			return &cfg->routes[i];
	return NULL;
}

const struct remote_config *config_remote(const struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->nremotes; i++)
		if (strcmp(cfg->remotes[i].sec.name, name) == 0)
			return &cfg->remotes[i];
	return NULL;
}
