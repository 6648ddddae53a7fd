/* [format NAME] profiles (see profile.h and docs/formats.md). */
#include "profile.h"

#include <stdio.h>

#include <iconv.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "../common.h"

const char *const format_profile_keys[] = {
	"base", "delimiter", "charset", "aliases", "required", "optional", "date_format", NULL,
};

struct ploader {
	const char *file;
	const char *name;
	struct diag *d;
	int bad;
};

static void perr(struct ploader *pl, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void perr(struct ploader *pl, const char *key, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_add(pl->d, "%s: [format %s] %s: %s", pl->file, pl->name, key, msg);
	pl->bad = 1;
}

/* Next comma-separated item of *S, trimmed, into OUT; 0 at the end. */
static int next_item(const char **s, char *out, size_t len)
{
	const char *p = *s;
	while (*p == ',' || *p == ' ' || *p == '\t')
		p++;
	if (!*p)
		return 0;
	const char *e = strchr(p, ',');
	size_t n = e ? (size_t)(e - p) : strlen(p);
	*s = p + n;
	span_trim(&p, &n);
	snprintf(out, len, "%.*s", (int)n, p);
	return 1;
}

static void load_delimiter(struct ploader *pl, const char *v, struct profile *p)
{
	static const struct { const char *name; int c; } names[] = {
		{ "auto", 0 }, { "comma", ',' }, { ",", ',' }, { "semicolon", ';' }, { ";", ';' },
		{ "tab", '\t' }, { "\\t", '\t' }, { "\t", '\t' }, { "pipe", '|' }, { "|", '|' },
	};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strcmp(names[i].name, v) == 0) {
			p->delim = names[i].c;
			return;
		}
	perr(pl, "delimiter", "'%s' is not one of auto, comma, semicolon, tab, pipe", v);
}

static void load_charset(struct ploader *pl, const char *v, struct profile *p)
{
	iconv_t cd = iconv_open("UTF-8", v);
	if (cd == (iconv_t)-1) {
		perr(pl, "charset", "'%s' is not a charset iconv knows", v);
		return;
	}
	iconv_close(cd);
	if (strcasecmp(v, "utf-8") != 0 && strcasecmp(v, "utf8") != 0)
		p->charset = xstrdup(v);
}

/* "field:Header Name, field:Other" */
static void load_aliases(struct ploader *pl, const char *v, struct profile *p)
{
	char item[256], norm[64];
	while (next_item(&v, item, sizeof(item))) {
		char *colon = strchr(item, ':');
		if (!colon || colon == item || !colon[1]) {
			perr(pl, "aliases", "'%s' is not FIELD:Header Name", item);
			continue;
		}
		*colon = '\0';
		int fi = csv_field_index(p->base, item);
		if (fi < 0) {
			perr(pl, "aliases", "unknown field '%s'", item);
			continue;
		}
		header_normalise(colon + 1, strlen(colon + 1), norm, sizeof(norm));
		p->aliases = xrealloc(p->aliases, (p->naliases + 1) * sizeof(*p->aliases));
		p->aliases[p->naliases].header = xstrdup(norm);
		p->aliases[p->naliases].field = fi;
		p->naliases++;
	}
}

/* A list of canonical fields as a bit set. */
static uint32_t load_fields(struct ploader *pl, const char *key, const char *v,
			    const struct profile *p)
{
	char item[128];
	uint32_t bits = 0;
	while (next_item(&v, item, sizeof(item))) {
		int fi = csv_field_index(p->base, item);
		if (fi < 0)
			perr(pl, key, "unknown field '%s'", item);
		else
			bits |= 1u << fi;
	}
	return bits;
}

static void load_datefmts(struct ploader *pl, const char *v, struct profile *p)
{
	char item[128];
	const char *why;
	while (next_item(&v, item, sizeof(item))) {
		if (datefmt_valid(item, &why) != 0) {
			perr(pl, "date_format", "'%s': %s", item, why);
			continue;
		}
		p->datefmts = xrealloc(p->datefmts, (p->ndatefmts + 1) * sizeof(*p->datefmts));
		p->datefmts[p->ndatefmts++] = xstrdup(item);
	}
}

int profile_load(const struct section *sec, const char *file, struct profile *p,
		 struct diag *d)
{
	struct ploader pl = { file, sec->name, d, 0 };
	const char *v;
	memset(p, 0, sizeof(*p));
	p->name = xstrdup(sec->name);
	if (format_builtin(sec->name) || strcmp(sec->name, "auto") == 0) {
		diag_add(d, "%s: [format %s]: the name of a built-in format cannot be a profile",
			 file, sec->name);
		pl.bad = 1;
	}
	v = section_get(sec, "base", "expected-shipment");
	p->base = format_builtin(v);
	if (!p->base || csv_field_index(p->base, "shipment_id") < 0) {
		perr(&pl, "base", "'%s' is not expected-shipment or eos-csv", v);
		p->base = &format_expected_shipment;
	}
	if ((v = section_get(sec, "delimiter", NULL)))
		load_delimiter(&pl, v, p);
	if ((v = section_get(sec, "charset", NULL)))
		load_charset(&pl, v, p);
	if ((v = section_get(sec, "aliases", NULL)))
		load_aliases(&pl, v, p);
	if ((v = section_get(sec, "required", NULL)))
		p->req_add = load_fields(&pl, "required", v, p);
	if ((v = section_get(sec, "optional", NULL)))
		p->req_drop = load_fields(&pl, "optional", v, p);
	if (p->req_add & p->req_drop)
		perr(&pl, "optional", "%s", "a field is both required and optional");
	if ((v = section_get(sec, "date_format", NULL)))
		load_datefmts(&pl, v, p);
	if (pl.bad) {
		profile_release(p);
		return -1;
	}
	return 0;
}

void profile_release(struct profile *p)
{
	for (size_t i = 0; i < p->naliases; i++)
		free(p->aliases[i].header);
	free(p->aliases);
	for (size_t i = 0; i < p->ndatefmts; i++)
		free(p->datefmts[i]);
	free(p->datefmts);
	free(p->charset);
	free(p->name);
	memset(p, 0, sizeof(*p));
}
