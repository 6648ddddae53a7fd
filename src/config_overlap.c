/* Configurations that would eat their own files. A route's source, its
 * destinations, its archive and its quarantine must be different
 * directories: a destination that is the source gets its deliveries taken
 * again (or deleted), an archive that is a destination gets every file
 * twice, a quarantine in the source rejects its own reports forever. And a
 * local source must not hold the agent's own files: the manifest (the route
 * would ship it and, with after = delete, delete the history), the spool,
 * a quarantine. Sub-directories of a source are fine (sources are not
 * recursive), and so is a chain, one route's destination being another
 * route's source.
 *
 * Local directories compare after realpath (the longest existing part: a
 * directory may not exist yet); remote ones by the remote's type, host,
 * port and user (two [remote] sections may name one server) and the path
 * as text. */
#include "config_overlap.h"

#include <glib.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common.h"

/* One directory a route uses. */
struct place {
	const char *key;    /* the route's key that names it */
	const char *text;   /* as written */
	char *server;       /* "" for local, else type, user, host and port */
	char *dir;          /* resolved */
};

char *path_lexical(const char *path)
{
	GPtrArray *parts = g_ptr_array_new_with_free_func(g_free);
	gchar **v = g_strsplit(path, "/", -1);
	for (gchar **c = v; *c; c++) {
		if (!**c || strcmp(*c, ".") == 0)
			continue;
		if (strcmp(*c, "..") == 0 && parts->len &&
		    strcmp(g_ptr_array_index(parts, parts->len - 1), "..") != 0)
			g_ptr_array_remove_index(parts, parts->len - 1);
		else if (strcmp(*c, "..") != 0 || path[0] != '/')  /* "/.." is "/" */
			g_ptr_array_add(parts, g_strdup(*c));
	}
	g_strfreev(v);
	GString *out = g_string_new(path[0] == '/' ? "/" : "");
	for (guint i = 0; i < parts->len; i++)
		g_string_append_printf(out, "%s%s", i ? "/" : "", (char *)g_ptr_array_index(parts, i));
	if (!out->len)
		g_string_append_c(out, '.');
	g_ptr_array_free(parts, TRUE);
	char *r = xstrdup(out->str);
	g_string_free(out, TRUE);
	return r;
}

/* Resolved directories by the text that named them, so the parents that
 * thousands of routes share are looked at once. */
struct resolver {
	GHashTable *done;  /* absolute clean path -> resolved path */
};

static void resolver_init(struct resolver *rs)
{
	rs->done = g_hash_table_new_full(g_str_hash, g_str_equal, free, free);
}

static void resolver_release(struct resolver *rs)
{
	g_hash_table_destroy(rs->done);
}

/* Does PATH have a ".." component? Lexical cleaning would take it before
 * the symbolic link it may follow. */
static int has_dotdot(const char *path)
{
	for (const char *p = strstr(path, ".."); p; p = strstr(p + 1, ".."))
		if ((p == path || p[-1] == '/') && (p[2] == '\0' || p[2] == '/'))
			return 1;
	return 0;
}

/* PATH resolved (see dir_resolve), one component at a time from the root:
 * a component that is a symbolic link is resolved with realpath, one that
 * does not exist ends the looking (nothing below it exists either). */
static char *resolve(struct resolver *rs, const char *path)
{
	char *real = has_dotdot(path) ? realpath(path, NULL) : NULL;
	if (real)
		return real;
	char *clean = path_lexical(path);
	if (clean[0] != '/' || !clean[1])
		return clean;
	const char *at = "/";
	int exists = 1;
	for (char *end = clean + 1;; end++) {
		if (*end != '/' && *end)
			continue;
		char keep = *end;
		*end = '\0';
		const char *hit = g_hash_table_lookup(rs->done, clean);
		if (!hit) {
			struct stat st;
			exists = exists && lstat(clean, &st) == 0;
			int link = exists && S_ISLNK(st.st_mode);
			char *r = link ? realpath(clean, NULL) : NULL;
			if (!r)  /* a plain component, or a link that leads nowhere */
				r = path_join(at, path_base(clean));
			g_hash_table_insert(rs->done, xstrdup(clean), r);
			hit = r;
		}
		at = hit;
		*end = keep;
		if (!keep)
			break;
	}
	free(clean);
	return xstrdup(at);
}

char *dir_resolve(const char *path)
{
	struct resolver rs;
	resolver_init(&rs);
	char *r = resolve(&rs, path);
	resolver_release(&rs);
	return r;
}

/* The server a remote endpoint is on, as "type user@host:port [url]", so two
 * [remote] sections for one server compare equal; "" for a local path. */
static char *server_of(const struct endpoint *ep)
{
	if (!ep->remote)
		return xstrdup("");
	const struct section *s = &ep->remote->sec;
	char *host = g_ascii_strdown(section_get(s, "host", ""), -1);
	const char *url = section_get(s, "url", "");
	char *r = xasprintf("%s %s@%s:%s%s%s", ep->remote->type ? ep->remote->type : "",
			    section_get(s, "user", ""), host, section_get(s, "port", "22"),
			    *url ? " " : "", url);
	g_free(host);
	return r;
}

static void place_add(GArray *v, struct resolver *rs, const char *key, const char *text,
		      const struct endpoint *on, const char *path)
{
	struct place p = { key, text, server_of(on), NULL };
	p.dir = on->remote ? path_lexical(path) : resolve(rs, path);
	g_array_append_val(v, p);
}

/* The directories route R uses, in the order of its keys. */
static GArray *route_places(const struct route_config *r, struct resolver *rs)
{
	GArray *v = g_array_new(FALSE, FALSE, sizeof(struct place));
	static const struct endpoint local = { 0 };
	if (r->source.path)
		place_add(v, rs, "source", r->source.text, &r->source, r->source.path);
	for (size_t i = 0; i < r->ndests; i++)
		place_add(v, rs, "dest", r->dests[i].text, &r->dests[i], r->dests[i].path);
	if (r->archive_dir && r->source.path)  /* on the source's side */
		place_add(v, rs, "after", r->after_text, &r->source, r->archive_dir);
	if (r->quarantine)
		place_add(v, rs, "quarantine", r->quarantine, &local, r->quarantine);
	return v;
}

static void places_free(GArray *v)
{
	for (guint i = 0; i < v->len; i++) {
		struct place *p = &g_array_index(v, struct place, i);
		free(p->server);
		free(p->dir);
	}
	g_array_free(v, TRUE);
}

/* Two of route R's directories are one. */
static void check_route(const struct route_config *r, GArray *v, const char *file,
			struct diag *d)
{
	for (guint j = 1; j < v->len; j++) {
		const struct place *b = &g_array_index(v, struct place, j);
		for (guint i = 0; i < j; i++) {
			const struct place *a = &g_array_index(v, struct place, i);
			if (strcmp(a->server, b->server) != 0 || strcmp(a->dir, b->dir) != 0)
				continue;
			diag_add(d, "%s: [route %s] %s: '%s' is the same directory as %s '%s' (%s%s%s); "
				 "a route's source, destinations, archive and quarantine must all "
				 "differ", file, r->name, b->key, b->text, a->key, a->text,
				 a->server, *a->server ? ": " : "", a->dir);
			break;
		}
	}
}

/* Would route R take a file named NAME from its source? */
static int route_could_take(const struct route_config *r, const char *name)
{
	return !route_skips_name(r, name) && name_matches(r->pattern, name);
}

/* The agent's own places, resolved once for every route. */
struct own {
	char *spool;
	const char *file[2];     /* the manifest and the metrics file (or NULL) */
	char *file_dir[2];       /* their directories */
	GHashTable *quarantine;  /* resolved quarantine -> the first route using it */
};

static void own_init(struct own *o, const struct config *cfg, GArray **places,
		     struct resolver *rs)
{
	o->spool = resolve(rs, cfg->agent.spool_dir);
	o->file[0] = cfg->agent.manifest;
	o->file[1] = cfg->agent.metrics_file;
	for (size_t k = 0; k < ARRAY_SIZE(o->file); k++) {
		const char *f = o->file[k];
		char *dir = f ? xstrndup(f, (size_t)(path_base(f) - f)) : NULL;
		o->file_dir[k] = dir ? resolve(rs, *dir ? dir : "/") : NULL;
		free(dir);
	}
	o->quarantine = g_hash_table_new(g_str_hash, g_str_equal);
	for (size_t i = 0; i < cfg->nroutes; i++) {
		GArray *v = places[i];
		const struct place *q = v->len ? &g_array_index(v, struct place, v->len - 1) : NULL;
		if (q && strcmp(q->key, "quarantine") == 0 &&
		    !g_hash_table_contains(o->quarantine, q->dir))
			g_hash_table_insert(o->quarantine, q->dir, cfg->routes[i].name);
	}
}

static void own_release(struct own *o)
{
	free(o->spool);
	for (size_t k = 0; k < ARRAY_SIZE(o->file_dir); k++)
		free(o->file_dir[k]);
	g_hash_table_destroy(o->quarantine);
}

/* The agent's own files in local source SRC of route R: the manifest and
 * the files SQLite and the lock keep beside it, the metrics file. */
static void check_own_files(const struct own *o, const struct route_config *r,
			    const char *src, const char *file, struct diag *d)
{
	static const char *const beside[] = { "", "-wal", "-shm", "-journal", ".lock", NULL };
	for (size_t k = 0; k < ARRAY_SIZE(o->file); k++) {
		int here = o->file[k] && strcmp(o->file_dir[k], src) == 0;
		for (size_t i = 0; here && beside[i]; i++) {
			char *name = xasprintf("%s%s", path_base(o->file[k]), beside[i]);
			int hit = route_could_take(r, name);
			if (hit)
				diag_add(d, "%s: [route %s] source: the agent's own file %s/%s is in "
					 "this directory and pattern '%s' matches it; the route would "
					 "carry it off (move the %s or narrow the pattern)", file,
					 r->name, src, name, r->pattern, k ? "metrics_file" : "manifest");
			free(name);
			if (hit)
				break;
		}
	}
}

/* Is DIR the directory TOP or inside it? */
static int dir_within(const char *dir, const char *top)
{
	size_t n = strlen(top);
	return strncmp(dir, top, n) == 0 && (dir[n] == '\0' || dir[n] == '/' || n == 1);
}

/* Local source SRC of route R against the agent's spool, its own files and
 * the other routes' quarantines (its own is one of its places). */
static void check_source_dir(const struct own *o, const struct route_config *r,
			     const char *src, const char *file, struct diag *d)
{
	if (dir_within(src, o->spool))
		diag_add(d, "%s: [route %s] source: '%s' is in the spool directory %s, which "
			 "holds the agent's own copies", file, r->name, r->source.text, o->spool);
	const char *qr = g_hash_table_lookup(o->quarantine, src);
	if (qr && strcmp(qr, r->name) != 0)
		diag_add(d, "%s: [route %s] source: '%s' is the quarantine of route %s; "
			 "quarantined files and their .errors.txt reports would be taken again",
			 file, r->name, r->source.text, qr);
	check_own_files(o, r, src, file, d);
}

void config_check_overlaps(const struct config *cfg, const char *file, struct diag *d)
{
	struct resolver rs;
	resolver_init(&rs);
	GArray **places = xcalloc(cfg->nroutes ? cfg->nroutes : 1, sizeof(*places));
	for (size_t i = 0; i < cfg->nroutes; i++)
		places[i] = route_places(&cfg->routes[i], &rs);
	struct own o;
	own_init(&o, cfg, places, &rs);
	for (size_t i = 0; i < cfg->nroutes; i++) {
		const struct route_config *r = &cfg->routes[i];
		check_route(r, places[i], file, d);
		if (r->source.path && !r->source.remote)  /* the source is place 0 */
			check_source_dir(&o, r, g_array_index(places[i], struct place, 0).dir,
					 file, d);
	}
	own_release(&o);
	for (size_t i = 0; i < cfg->nroutes; i++)
		places_free(places[i]);
	free(places);
	resolver_release(&rs);
}
