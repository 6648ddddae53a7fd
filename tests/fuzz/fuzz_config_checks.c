/* libFuzzer target: the checks issue 11 added to the configuration. The
 * first line of the input is a route's pattern: pattern_problem must not
 * crash on it, and a pattern it accepts is matched against every other
 * line as a file name. Every line is also a path: path_lexical must be
 * idempotent and leave no empty, "." or (in an absolute path) ".."
 * component, and dir_resolve must give such a path too. Then the whole input, with those lines as a route's directories,
 * goes through the overlap checks of config_load. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "config_overlap.h"
#include "fuzz_ini.h"

/* Is A clean: no empty or "." component, no ".." in an absolute path? */
static int clean(const char *a)
{
	if (strcmp(a, "/") == 0 || strcmp(a, ".") == 0)
		return 1;
	for (const char *c = a[0] == '/' ? a + 1 : a;; ) {
		size_t n = strcspn(c, "/");
		if (n == 0 || (n == 1 && c[0] == '.') ||
		    (a[0] == '/' && n == 2 && c[0] == '.' && c[1] == '.'))
			return 0;
		if (!c[n])
			return 1;
		c += n + 1;
	}
}

/* PATH as path_lexical leaves it: clean, and the same when cleaned again;
 * dir_resolve of an absolute path: absolute and clean (what exists on
 * this machine may change between calls, so no more is asked of it). */
static void check_paths(const char *path)
{
	char *a = path_lexical(path);
	char *b = path_lexical(a);
	if (strcmp(a, b) != 0 || !clean(a))
		abort();
	if (a[0] == '/') {
		char *r = dir_resolve(a);
		if (r[0] != '/' || !clean(r))
			abort();
		free(r);
	}
	free(b);
	free(a);
}

/* Route directories from the input's lines, in a config under /nonexistent
 * (nothing exists there: the checks resolve as text). */
static void check_config(char **lines, size_t n)
{
	char *ini = xasprintf("[agent]\nspool_dir = /nonexistent/spool\n"
			      "manifest = /nonexistent/m.db\n[route r]\nsource = /nonexistent/%s\n"
			      "pattern = %s\ndest = /nonexistent/%s, /nonexistent/%s\n"
			      "after = archive:%s\nquarantine = /nonexistent/%s\n",
			      n > 1 ? lines[1] : "in", lines[0], n > 2 ? lines[2] : "a",
			      n > 3 ? lines[3] : "b", n > 4 ? lines[4] : "s", n > 5 ? lines[5] : "q");
	fuzz_load_ini((const uint8_t *)ini, strlen(ini));
	free(ini);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = xstrndup((const char *)data, size);
	char **lines = NULL;
	size_t n = 0;
	for (char *save = NULL, *l = strtok_r(text, "\n", &save); l && n < 16;
	     l = strtok_r(NULL, "\n", &save)) {
		lines = xrealloc(lines, (n + 1) * sizeof(*lines));
		lines[n++] = l;
	}
	if (n) {
		int ok = pattern_problem(lines[0]) == NULL;
		for (size_t i = 0; i < n; i++) {
			if (ok && i)
				(void)name_matches(lines[0], lines[i]);
			check_paths(lines[i]);
		}
		check_config(lines, n);
	}
	free(lines);
	free(text);
	return 0;
}
