/* Line numbers for configuration messages, and the checks that need them.
 * iniparser keeps no line numbers and merges silently what it reads twice
 * (a repeated section or key: the last value wins), so the file is read once
 * more, line by line, split the way iniparser splits it: noting where each
 * section header and each key is, and reporting as "FILE:LINE: problem"
 * what iniparser would merge or refuse (a repeated section or key, a line
 * that is no header, key or comment, a key before any section). Messages of
 * the form "FILE: [SECTION] KEY: problem" then become "FILE:LINE: [SECTION]
 * KEY: problem", the line of the key, or of the section when the key is
 * missing. */
#include "config_lines.h"

#include <ctype.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

/* iniparser reads lines of at most this many bytes, newline included
 * (its ASCIILINESZ, 1024, less the terminating NUL). */
#define INI_LINE_MAX 1023

struct config_lines {
	GHashTable *at;    /* "section" or "section\nkey", lower case -> line */
	GHashTable *keys;  /* "HEADERLINE\nkey" -> line: each key under one header */
};

/* The file being read, for the checks. */
struct scan {
	struct config_lines *l;
	const char *file;
	struct diag *d;      /* NULL: no checks */
	char *sec;           /* current section, normalised; "" before the first */
	long header;         /* line of its header; 0 before the first */
};

/* S[0..n) without surrounding blanks, lower case, inner blanks as one. */
static char *norm(const char *s, size_t n)
{
	GString *g = g_string_new(NULL);
	int blank = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (isspace(ch)) {
			blank = g->len > 0;
			continue;
		}
		if (blank)
			g_string_append_c(g, ' ');
		blank = 0;
		g_string_append_c(g, (char)tolower(ch));
	}
	return g_string_free(g, FALSE);
}

static long lookup(GHashTable *h, const char *id)
{
	return GPOINTER_TO_INT(g_hash_table_lookup(h, id));
}

/* Remember LINE for ID (ID is taken); a repeated key points at its last
 * line, the one whose value iniparser keeps. */
static void note(GHashTable *h, char *id, long line)
{
	g_hash_table_replace(h, id, GINT_TO_POINTER((int)line));
}

/* A section header: "[NAME]" (S points at '[', up to the first ']'). */
static void scan_section(struct scan *sc, const char *s, long line)
{
	g_free(sc->sec);
	sc->sec = norm(s + 1, strcspn(s + 1, "]"));
	sc->header = line;
	long first = lookup(sc->l->at, sc->sec);
	if (sc->d && !*sc->sec)
		diag_add(sc->d, "%s:%ld: []: a section needs a name, as in [agent] or "
			 "[route NAME]", sc->file, line);
	else if (sc->d && first)
		diag_add(sc->d, "%s:%ld: [%s]: the same section as line %ld (section names "
			 "compare case-insensitively); write each section once", sc->file, line,
			 sc->sec, first);
	if (!first)
		note(sc->l->at, g_strdup(sc->sec), line);
}

/* A "KEY = value" line; EQ points at its '='. */
static void scan_key(struct scan *sc, const char *s, const char *eq, long line)
{
	char *key = norm(s, (size_t)(eq - s));
	if (sc->d && !*key) {
		diag_add(sc->d, "%s:%ld: '=' with no key before it", sc->file, line);
	} else if (sc->d && !sc->header) {
		diag_add(sc->d, "%s:%ld: %s: a key before any section; every key belongs to "
			 "[agent], [remote NAME], [route NAME] or [format NAME]", sc->file, line, key);
	} else if (sc->d) {
		char *id = g_strdup_printf("%ld\n%s", sc->header, key);
		long first = lookup(sc->l->keys, id);
		if (first)
			diag_add(sc->d, "%s:%ld: [%s] %s: set again (first at line %ld); give each "
				 "key once per section", sc->file, line, sc->sec, key, first);
		if (!first)
			note(sc->l->keys, id, line);
		else
			g_free(id);
	}
	note(sc->l->at, g_strdup_printf("%s\n%s", sc->sec, key), line);
	g_free(key);
}

/* One logical line S (blanks stripped at both ends), starting at LINE,
 * classified as iniparser does. */
static void scan_line(struct scan *sc, const char *s, long line)
{
	size_t n = strlen(s);
	const char *eq = strchr(s, '=');
	if (!n || *s == ';' || *s == '#')
		return;
	if (*s == '[' && s[n - 1] == ']')
		scan_section(sc, s, line);
	else if (eq)
		scan_key(sc, s, eq, line);
	else if (sc->d && *s == '[' && strchr(s, ']'))
		diag_add(sc->d, "%s:%ld: '%.60s': nothing may follow the ']' of a section "
			 "header, not even a comment", sc->file, line, s);
	else if (sc->d && *s == '[')
		diag_add(sc->d, "%s:%ld: '%.60s': a section header needs a closing ']'",
			 sc->file, line, s);
	else if (sc->d)
		diag_add(sc->d, "%s:%ld: '%.60s' is not a [section] header, a KEY = value line "
			 "or a comment", sc->file, line, s);
}

/* BUF without its newline and the blanks around it. */
static char *strip(char *buf)
{
	size_t n = strlen(buf);
	while (n && isspace((unsigned char)buf[n - 1]))
		buf[--n] = '\0';
	while (isspace((unsigned char)*buf))
		buf++;
	return buf;
}

struct config_lines *config_lines_read(const char *path, struct diag *d)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	struct config_lines *l = xcalloc(1, sizeof(*l));
	l->at = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	l->keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	struct scan sc = { .l = l, .file = path, .d = d, .sec = g_strdup("") };
	GString *logical = g_string_new(NULL);
	char *buf = NULL;
	size_t cap = 0;
	ssize_t len;
	long line = 0, start = 0;
	while ((len = getline(&buf, &cap, f)) >= 0) {
		line++;
		if (d && len - (buf[len - 1] == '\n') > INI_LINE_MAX - 1)
			diag_add(d, "%s:%ld: the line is longer than %d bytes", path, line,
				 INI_LINE_MAX - 1);
		char *s = strip(buf);
		if (!logical->len)
			start = line;
		size_t n = strlen(s);
		if (n && s[n - 1] == '\\') {  /* continued on the next line */
			g_string_append_len(logical, s, (gssize)(n - 1));
			continue;
		}
		g_string_append(logical, s);
		scan_line(&sc, logical->str, start);
		g_string_truncate(logical, 0);
	}
	if (logical->len)
		scan_line(&sc, logical->str, start);
	g_string_free(logical, TRUE);
	free(buf);
	g_free(sc.sec);
	fclose(f);
	return l;
}

void config_lines_free(struct config_lines *l)
{
	if (!l)
		return;
	g_hash_table_destroy(l->at);
	g_hash_table_destroy(l->keys);
	free(l);
}

long config_lines_find(const struct config_lines *l, const char *section, const char *key)
{
	char *s = norm(section, strlen(section));
	char *k = key ? norm(key, strlen(key)) : NULL;
	char *id = k ? g_strdup_printf("%s\n%s", s, k) : g_strdup(s);
	long line = lookup(l->at, id);
	if (!line && k)  /* the key is missing: point at its section */
		line = lookup(l->at, s);
	g_free(id);
	g_free(k);
	g_free(s);
	return line;
}

/* The line MSG (after "FILE: ") is about: "[SECTION] KEY: ..." or
 * "[SECTION]: ...". 0 when it names no section. */
static long message_line(const struct config_lines *l, const char *msg)
{
	if (*msg != '[')
		return 0;
	const char *close = strchr(msg, ']');
	if (!close)
		return 0;
	char *sec = xstrndup(msg + 1, (size_t)(close - msg - 1));
	char *key = NULL;
	const char *k = close + 1;
	if (*k == ' ') {
		k++;
		size_t n = strcspn(k, ":,");  /* "temp_prefix, temp_suffix:" names the first */
		if (n && k[n])
			key = xstrndup(k, n);
	}
	long line = config_lines_find(l, sec, key);
	free(key);
	free(sec);
	return line;
}

void config_lines_annotate(const struct config_lines *l, const char *file, struct diag *d,
			   size_t from)
{
	if (!l)
		return;
	size_t flen = strlen(file);
	for (size_t i = from; i < d->n; i++) {
		char *m = d->msgs[i];
		if (strncmp(m, file, flen) != 0 || strncmp(m + flen, ": ", 2) != 0)
			continue;
		long line = message_line(l, m + flen + 2);
		if (!line)
			continue;
		d->msgs[i] = xasprintf("%s:%ld: %s", file, line, m + flen + 2);
		free(m);
	}
}
