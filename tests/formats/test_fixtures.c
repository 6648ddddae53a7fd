/* Runs every fixture in tests/formats/data: NAME.expect beside the input
 * NAME.EXT says how to parse it and the exact outcome (validity, and every
 * error's line, class and field, in order). Expect-file lines:
 *   format F            format to parse with (default auto)
 *   profile KEY=VALUE   a key of a [format custom] profile (use format custom)
 *   valid | invalid
 *   result F            the format auto resolved to
 *   rows N | pallets N | items N | shipments A,B,...
 *   error LINE CLASS FIELD   (FIELD "-" for none)  */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "common.h"
#include "config.h"
#include "formats/format.h"

struct fixture {
	char *expect;    /* path of NAME.expect */
	char *input;     /* path of NAME.EXT */
	char *name;
};

/* Build a config holding one [format custom] from the profile lines. */
static void add_profile_key(struct config *cfg, const char *kv)
{
	if (!cfg->nformats) {
		cfg->formats = xcalloc(1, sizeof(*cfg->formats));
		cfg->formats[0].name = xstrdup("custom");
		cfg->formats[0].kv = xcalloc(16, sizeof(struct kv));
		cfg->nformats = 1;
		cfg->path = xstrdup("test.ini");
	}
	struct section *s = &cfg->formats[0];
	const char *eq = strchr(kv, '=');
	assert_non_null(eq);
	s->kv[s->nkv].key = xstrndup(kv, (size_t)(eq - kv));
	s->kv[s->nkv].value = xstrdup(eq + 1);
	s->nkv++;
}

static void free_cfg(struct config *cfg)
{
	for (size_t i = 0; i < cfg->nformats; i++) {
		for (size_t k = 0; k < cfg->formats[i].nkv; k++) {
			free(cfg->formats[i].kv[k].key);
			free(cfg->formats[i].kv[k].value);
		}
		free(cfg->formats[i].kv);
		free(cfg->formats[i].name);
	}
	free(cfg->formats);
	free(cfg->path);
}

static void strip_nl(char *s)
{
	size_t n = strlen(s);
	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
		s[--n] = '\0';
}

/* Compare the result with the expect file, line by line. */
static void check_expect(FILE *ef, const struct parse_result *res, const char *name)
{
	char line[512];
	size_t nerr = 0;
	rewind(ef);
	while (fgets(line, sizeof(line), ef)) {
		strip_nl(line);
		char a[128] = "", b[128] = "", c[128] = "";
		long long n;
		if (sscanf(line, "error %lld %127s %127s", &n, b, c) == 3) {
			if (nerr >= res->nerrors_kept)
				fail_msg("%s: expected error %s at %lld, got none", name, b, n);
			const struct parse_error *e = &res->errors[nerr++];
			const char *field = strcmp(c, "-") == 0 ? "" : c;
			if (e->line != n || strcmp(e->cls, b) || strcmp(e->field, field))
				fail_msg("%s: error %zu: expected %lld %s %s, got %lld %s %s (%s)", name,
					 nerr, n, b, c, (long long)e->line, e->cls,
					 e->field[0] ? e->field : "-", e->msg);
		} else if (strcmp(line, "valid") == 0) {
			if (!res->valid)
				fail_msg("%s: expected valid, got %s %s: %s", name, res->errors[0].cls,
					 res->errors[0].field, res->errors[0].msg);
		} else if (strcmp(line, "invalid") == 0) {
			assert_false(res->valid);
		} else if (sscanf(line, "rows %lld", &n) == 1) {
			assert_int_equal(res->rows, n);
		} else if (sscanf(line, "pallets %lld", &n) == 1) {
			assert_int_equal(res->pallets, n);
		} else if (sscanf(line, "items %lld", &n) == 1) {
			assert_int_equal(res->items, n);
		} else if (sscanf(line, "result %127s", a) == 1) {
			assert_string_equal(res->format, a);
		} else if (sscanf(line, "shipments %127s", a) == 1) {
			char got[512] = "";
			size_t o = 0;
			for (size_t i = 0; i < res->nshipments && o < sizeof(got); i++)
				o += (size_t)snprintf(got + o, sizeof(got) - o, "%s%s", i ? "," : "",
						      res->shipment_ids[i]);
			assert_string_equal(got, a);
		}
	}
	if (nerr != res->nerrors_kept)
		fail_msg("%s: %zu unexpected errors, first: %lld %s %s (%s)", name,
			 res->nerrors_kept - nerr, (long long)res->errors[nerr].line,
			 res->errors[nerr].cls, res->errors[nerr].field, res->errors[nerr].msg);
}

static void run_fixture(void **state)
{
	const struct fixture *fx = *state;
	FILE *ef = fopen(fx->expect, "r");
	assert_non_null(ef);
	char line[512], format[600] = "auto";
	struct config cfg = { 0 };
	while (fgets(line, sizeof(line), ef)) {
		strip_nl(line);
		if (strncmp(line, "format ", 7) == 0)
			snprintf(format, sizeof(format), "%s", line + 7);
		else if (strncmp(line, "profile ", 8) == 0)
			add_profile_key(&cfg, line + 8);
	}
	struct formats *f;
	struct diag d = { 0 };
	if (formats_load(&cfg, &f, &d) != 0)
		fail_msg("%s: profile: %s", fx->name, d.n ? d.msgs[0] : "?");
	struct parse_result res;
	char err[ERRLEN];
	int r = format_parse_path(f, format, fx->input, NULL, &res, err);
	if (r != 0)
		fail_msg("%s: %s", fx->name, err);
	check_expect(ef, &res, fx->name);
	parse_result_release(&res);
	formats_free(f);
	diag_release(&d);
	free_cfg(&cfg);
	fclose(ef);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The input beside NAME.expect: the other file named NAME.* */
static char *find_input(const char *dir, char **names, size_t n, const char *base)
{
	size_t bl = strlen(base);
	for (size_t i = 0; i < n; i++)
		if (strncmp(names[i], base, bl) == 0 && names[i][bl] == '.' &&
		    strcmp(names[i] + bl, ".expect") != 0)
			return path_join(dir, names[i]);
	return NULL;
}

int main(int argc, char **argv)
{
	const char *src = getenv("KA_SRCDIR");
	char *dir = argc > 1 ? xstrdup(argv[1]) : xasprintf("%s/tests/formats/data", src ? src : ".");
	DIR *dh = opendir(dir);
	if (!dh) {
		fprintf(stderr, "%s: cannot open fixtures\n", dir);
		return 1;
	}
	char **names = NULL;
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(dh))) {
		if (de->d_name[0] == '.')
			continue;
		names = xrealloc(names, (n + 1) * sizeof(*names));
		names[n++] = xstrdup(de->d_name);
	}
	closedir(dh);
	qsort(names, n, sizeof(*names), by_name);
	struct CMUnitTest *tests = xcalloc(n, sizeof(*tests));
	struct fixture *fx = xcalloc(n, sizeof(*fx));
	size_t nt = 0;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(names[i]);
		if (l < 8 || strcmp(names[i] + l - 7, ".expect") != 0)
			continue;
		fx[nt].name = xstrndup(names[i], l - 7);
		fx[nt].expect = path_join(dir, names[i]);
		fx[nt].input = find_input(dir, names, n, fx[nt].name);
		if (!fx[nt].input) {
			fprintf(stderr, "%s: no input file\n", fx[nt].name);
			return 1;
		}
		tests[nt].name = fx[nt].name;
		tests[nt].test_func = run_fixture;
		tests[nt].initial_state = &fx[nt];
		nt++;
	}
	int failed = _cmocka_run_group_tests("format fixtures", tests, nt, NULL, NULL);
	for (size_t i = 0; i < nt; i++) {
		free(fx[i].name);
		free(fx[i].expect);
		free(fx[i].input);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(tests);
	free(fx);
	free(dir);
	return failed ? 1 : 0;
}
