/* Line numbers for configuration messages. iniparser keeps none, so the
 * file is read once more, line by line, noting where each section header
 * and each key is (for a repeated key, its last line: iniparser keeps the
 * last value). Messages of the form "FILE: [SECTION] KEY: problem" then
 * become "FILE:LINE: [SECTION] KEY: problem", the line of the key, or of
 * the section when the key is missing. */
#include "config_lines.h"

#include <ctype.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

struct config_lines {
	GHashTable *at;  /* "section" or "section\nkey", lower case -> line */
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

static void note(struct config_lines *l, const char *sec, const char *key, long line)
{
	char *k = key ? g_strdup_printf("%s\n%s", sec, key) : g_strdup(sec);
	/* iniparser keeps the last value of a repeated key: point there. */
	g_hash_table_replace(l->at, k, GINT_TO_POINTER((int)line));
}

struct config_lines *config_lines_read(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	struct config_lines *l = xcalloc(1, sizeof(*l));
	l->at = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	char *sec = g_strdup("");
	char *buf = NULL;
	size_t cap = 0;
	long line = 0;
	while (getline(&buf, &cap, f) >= 0) {
		line++;
		char *p = buf;
		while (isspace((unsigned char)*p))
			p++;
		char *end;
		if (*p == '[' && (end = strchr(p, ']'))) {
			g_free(sec);
			sec = norm(p + 1, (size_t)(end - p - 1));
			note(l, sec, NULL, line);
		} else if (*p && *p != ';' && *p != '#' && (end = strchr(p, '='))) {
			char *key = norm(p, (size_t)(end - p));
			note(l, sec, key, line);
			g_free(key);
		}
	}
	free(buf);
	g_free(sec);
	fclose(f);
	return l;
}

void config_lines_free(struct config_lines *l)
{
	if (!l)
		return;
	g_hash_table_destroy(l->at);
	free(l);
}

long config_lines_find(const struct config_lines *l, const char *section, const char *key)
{
	char *s = norm(section, strlen(section));
	char *k = key ? norm(key, strlen(key)) : NULL;
	char *id = k ? g_strdup_printf("%s\n%s", s, k) : g_strdup(s);
	long line = GPOINTER_TO_INT(g_hash_table_lookup(l->at, id));
	if (!line && k)  /* the key is missing: point at its section */
		line = GPOINTER_TO_INT(g_hash_table_lookup(l->at, s));
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
