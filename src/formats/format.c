/* The format table: built-in formats plus [format NAME] profiles, lookup by
 * name, `auto` detection and the entry point format_parse_path(). */
#include "format.h"
#include "format_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../common.h"
#include "profile.h"

struct formats {
	struct profile *profiles;
	size_t nprofiles;
};

int formats_load(const struct config *cfg, struct formats **out, struct diag *d)
{
	struct formats *f = xcalloc(1, sizeof(*f));
	int ret = 0;
	*out = f;
	if (!cfg || !cfg->nformats)
		return 0;
	f->profiles = xcalloc(cfg->nformats, sizeof(*f->profiles));
	for (size_t i = 0; i < cfg->nformats; i++) {
		if (profile_load(&cfg->formats[i], cfg->path ? cfg->path : "config",
				 &f->profiles[f->nprofiles], d) != 0) {
			ret = -1;
			continue;
		}
		f->nprofiles++;
	}
	return ret;
}

void formats_free(struct formats *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->nprofiles; i++)
		profile_release(&f->profiles[i]);
	free(f->profiles);
	free(f);
}

static const struct profile *formats_profile(const struct formats *f, const char *name)
{
	for (size_t i = 0; f && i < f->nprofiles; i++)
		if (strcmp(f->profiles[i].name, name) == 0)
			return &f->profiles[i];
	return NULL;
}

int format_known(const struct formats *f, const char *name)
{
	return strcmp(name, "auto") == 0 || format_builtin(name) || formats_profile(f, name);
}

void format_names(const struct formats *f, char *buf, size_t len)
{
	size_t nb = 0;
	while (format_builtins[nb])
		nb++;
	size_t o = 0, n = nb + (f ? f->nprofiles : 0);
	int w = snprintf(buf, len, "auto");
	for (size_t i = 0; i < n && w >= 0 && (o += (size_t)w) < len; i++)
		w = snprintf(buf + o, len - o, ", %s", i < nb ? format_builtins[i]->name
			     : f->profiles[i - nb].name);
}

/* Read the first bytes of FD (for detection) and rewind. */
static ssize_t read_head(int fd, unsigned char *buf, size_t len)
{
	return pread_full(fd, buf, len, 0);
}

/* `auto`: X12 first, then the profiles, then the built-in CSV formats, then text. */
static void format_detect(const struct formats *f, int fd, struct format_spec *spec)
{
	unsigned char *head = xmalloc(FORMAT_HEAD);
	ssize_t n = read_head(fd, head, FORMAT_HEAD);
	size_t len = n > 0 ? (size_t)n : 0;
	for (size_t i = 0; i < FORMAT_DETECT_FIRST; i++) {
		spec->ops = format_builtins[i];
		if (format_builtins[i]->detect(spec, head, len))
			goto out;
	}
	for (size_t i = 0; f && i < f->nprofiles; i++) {
		spec->ops = f->profiles[i].base;
		spec->prof = &f->profiles[i];
		if (spec->ops->detect(spec, head, len)) {
			spec->name = f->profiles[i].name;
			goto out;
		}
	}
	spec->prof = NULL;
	for (size_t i = FORMAT_DETECT_FIRST; format_builtins[i]; i++) {
		spec->ops = format_builtins[i];
		if (format_builtins[i]->detect(spec, head, len))
			goto out;
	}
out:
	if (!spec->name)
		spec->name = spec->ops->name;
	free(head);
}

/* A format name to its table entry and profile; "auto" detects from FD. */
int format_resolve(const struct formats *f, const char *name, int fd, struct format_spec *spec)
{
	memset(spec, 0, sizeof(*spec));
	if (strcmp(name, "auto") == 0) {
		format_detect(f, fd, spec);
		return 0;
	}
	spec->prof = formats_profile(f, name);
	spec->ops = spec->prof ? spec->prof->base : format_builtin(name);
	spec->name = spec->prof ? spec->prof->name : name;
	return spec->ops ? 0 : -1;
}

int format_parse_path(const struct formats *f, const char *name, const char *path,
		      struct progress *pg, struct parse_result *res, char *err)
{
	struct format_spec spec = { NULL, NULL, NULL };
	struct rbuild rb;
	int ret;

	memset(res, 0, sizeof(*res));
	if (strcmp(name, "auto") != 0 && format_resolve(f, name, -1, &spec) != 0) {
		snprintf(err, ERRLEN, "%s: unknown format (expected auto, text, "
			 "expected-shipment, eos-csv, x12-856, x12 or a [format] profile)", name);
		return KA_INVALID;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, ERRLEN, "%s: %s", path, strerror(errno));
		return errno == ENOENT ? KA_NOENT : KA_ERR;
	}
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	if (!spec.ops)
		format_resolve(f, name, fd, &spec);
	rbuild_init(&rb, res);
	rb.progress = pg;
	snprintf(res->format, sizeof(res->format), "%s", spec.name);
	ret = spec.ops->parse(&spec, fd, &rb, err);
	rbuild_finish(&rb);
	if (ret != 0) {
		char tmp[ERRLEN];
		snprintf(tmp, sizeof(tmp), "%s: %s", path, err);
		snprintf(err, ERRLEN, "%s", tmp);
		parse_result_release(res);
	}
	close(fd);
	return ret;
}
