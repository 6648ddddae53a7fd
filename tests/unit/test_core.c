/* Unit tests of the spine's small pieces: helpers, config, spool, manifest. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"
#include "config.h"
#include "config_overlap.h"
#include "load.h"
#include "log.h"
#include "manifest.h"
#include "spool.h"
#include "checked_read.h"

static char *scratch(void)
{
	char tmpl[] = "/tmp/kargo-unit.XXXXXX";
	char *d = mkdtemp(tmpl);
	assert_non_null(d);
	return xstrdup(d);
}

static void rm_rf(const char *dir)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_name_numbered(void **state)
{
	char *a = name_numbered("a.csv", 2), *b = name_numbered("README", 3),
	     *c = name_numbered(".hidden", 2), *d = name_numbered("x.tar.gz", 4);
	assert_string_equal(a, "a-2.csv");
	assert_string_equal(b, "README-3");
	assert_string_equal(c, ".hidden-2");
	assert_string_equal(d, "x.tar-4.gz");
	free(a); free(b); free(c); free(d);
}

static void test_path_join(void **state)
{
	char *a = path_join("/in/", "x.csv"), *b = path_join("/", "x"), *c = path_join("in", "/x");
	assert_string_equal(a, "/in/x.csv");
	assert_string_equal(b, "/x");
	assert_string_equal(c, "in/x");
	free(a); free(b); free(c);
	assert_string_equal(path_base("/a/b/c.csv"), "c.csv");
	assert_string_equal(path_base("c.csv"), "c.csv");
}

/* pattern_problem accepts what fnmatch reads as a name pattern and refuses
 * what would match nothing or a path. */
static void test_pattern_problem(void **state)
{
	(void)state;
	static const char *const good[] = {
		"*", "*.csv", "expected-*.csv", "[!]a]*", "[]]x", "[[:digit:]]*.x12", "a\\[b",
		"[\\]]", "[[]", "?*.[ct]sv", NULL,
	};
	static const char *const bad[] = {
		"", "sub/*.csv", ".*", "[abc", "*.[ch", "[[:digit:]", "a\\", "[!]", NULL,
	};
	for (size_t i = 0; good[i]; i++)
		assert_null(pattern_problem(good[i]));
	for (size_t i = 0; bad[i]; i++)
		assert_non_null(pattern_problem(bad[i]));
	assert_true(name_matches("[[]x", "[x"));
}

/* Paths compare as the directories they name. */
static void test_path_lexical_and_resolve(void **state)
{
	(void)state;
	static const char *const cases[][2] = {
		{ "/a//b/./c/", "/a/b/c" }, { "/a/../b", "/b" }, { "/..", "/" }, { "/", "/" },
		{ "a/../..", ".." }, { "./", "." }, { "in/", "in" }, { "", "." },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *p = path_lexical(cases[i][0]);
		assert_string_equal(p, cases[i][1]);
		free(p);
	}
	char *d = scratch();
	char *sub = path_join(d, "real");
	char *link = path_join(d, "link");
	assert_int_equal(mkdir(sub, 0755), 0);
	assert_int_equal(symlink(sub, link), 0);
	char *via_link = xasprintf("%s/not-yet/x/../y", link);
	char *direct = xasprintf("%s/./not-yet/y/", sub);
	char *a = dir_resolve(via_link), *b = dir_resolve(direct);
	assert_string_equal(a, b);
	free(a);
	free(b);
	free(direct);
	free(via_link);
	free(link);
	free(sub);
	rm_rf(d);
	free(d);
}

static void test_parse_time_arg(void **state)
{
	int64_t t;
	assert_int_equal(parse_time_arg("2h", 10000, &t), 0);
	assert_int_equal(t, 10000 - 7200);
	assert_int_equal(parse_time_arg("-7d", 1000000, &t), 0);
	assert_int_equal(t, 1000000 - 7 * 86400);
	assert_int_equal(parse_time_arg("1970-01-02", 0, &t), 0);
	assert_int_equal(t, 86400);
	assert_int_equal(parse_time_arg("1970-01-01T01:00:00Z", 0, &t), 0);
	assert_int_equal(t, 3600);
	assert_int_equal(parse_time_arg("yesterday", 0, &t), -1);
	assert_int_equal(parse_time_arg("5x", 0, &t), -1);
}

static void test_parse_int_range(void **state)
{
	long long n = 7;
	assert_int_equal(parse_int_range("1", 1, 16, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(parse_int_range("16", 1, 16, &n), 0);
	assert_int_equal(n, 16);
	assert_int_equal(parse_int_range("-3", -5, 0, &n), 0);
	assert_int_equal(n, -3);
	n = 7;
	assert_int_equal(parse_int_range("17", 1, 16, &n), -1);
	assert_int_equal(parse_int_range("0", 1, 16, &n), -1);
	assert_int_equal(parse_int_range("", 0, 16, &n), -1);
	assert_int_equal(parse_int_range("4x", 0, 16, &n), -1);
	assert_int_equal(parse_int_range("99999999999999999999", 0, 16, &n), -1);
	assert_int_equal(n, 7);  /* untouched on failure */

	struct kv kv[] = { { "port", "99999" }, { "streams", "3" } };
	struct section sec = { "s", kv, 2 };
	struct diag d = { 0 };
	assert_int_equal(section_get_int(&sec, "streams", 2, 1, 8, "k.ini", "remote s", &d), 3);
	assert_int_equal(section_get_int(&sec, "absent", 2, 1, 8, "k.ini", "remote s", &d), 2);
	assert_int_equal(d.n, 0);
	assert_int_equal(section_get_int(&sec, "port", 22, 1, 65535, "k.ini", "remote s", &d), 22);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.msgs[0], "k.ini: [remote s] port: '99999' is not a whole number "
			    "between 1 and 65535");
	diag_release(&d);
}

/* config_parse knows no transport: a role, the after = default and the
 * sessions default are the transports' check, which config_load runs. */
static void test_config_parse_then_load(void **state)
{
	char *dir = scratch();
	char *ini = path_join(dir, "k.ini");
	write_text(ini, "[remote m]\ntype = smtp\nurl = smtp://mail.example\nfrom = a@b\n"
		   "to = c@d\n[route a]\nsource = m:/in\ndest = out\n[route b]\nsource = in\n"
		   "dest = m:/x\n");
	struct config cfg;
	struct diag d = { 0 };
	assert_int_equal(config_parse(ini, &cfg, &d), 0);
	assert_int_equal(d.n, 0);
	assert_non_null(config_route(&cfg, "a")->source.path);
	assert_null(config_route(&cfg, "b")->after_text);
	assert_int_equal(config_route(&cfg, "b")->source_kind, SOURCE_UNCHECKED);
	config_release(&cfg);
	assert_int_equal(config_load(ini, &cfg, &d), -1);
	assert_int_equal(d.n, 1);
	assert_non_null(strstr(d.msgs[0], "k.ini:7: [route a] source: a smtp remote cannot be "
			       "a source"));
	assert_null(config_route(&cfg, "a")->source.path);
	const struct route_config *b = config_route(&cfg, "b");
	assert_string_equal(b->after_text, "keep");
	assert_int_equal(b->source_kind, SOURCE_FILES);
	assert_int_equal(b->ndests, 1);
	assert_int_equal(config_remote(&cfg, "m")->sessions, 1);
	diag_release(&d);
	config_release(&cfg);
	free(ini);
	rm_rf(dir);
	free(dir);
}

static void test_log_quote(void **state)
{
	char buf[64];
	assert_string_equal(log_quote("plain", buf, sizeof(buf)), "plain");
	assert_string_equal(log_quote("two words", buf, sizeof(buf)), "\"two words\"");
	assert_string_equal(log_quote("a\"b\nc", buf, sizeof(buf)), "\"a\\\"b\\nc\"");
	assert_string_equal(log_quote("", buf, sizeof(buf)), "\"\"");
	/* A value too long for the buffer is cut, never overflowing it. */
	char tiny[8];
	log_quote("a very long value with spaces", tiny, sizeof(tiny));
	assert_true(strlen(tiny) < sizeof(tiny));
}

static void test_config_defaults_and_paths(void **state)
{
	char *dir = scratch();
	char *ini = path_join(dir, "k.ini");
	write_text(ini, "[agent]\nspool_dir = spool\n\n[route R1]\nsource = in\n"
		   "dest = out1, /abs/out2\nafter = archive:done\n");
	struct config cfg;
	struct diag d = { 0 };
	assert_int_equal(config_load(ini, &cfg, &d), 0);
	assert_int_equal(d.n, 0);
	char *spool = path_join(dir, "spool");
	assert_string_equal(cfg.agent.spool_dir, spool);
	assert_int_equal(cfg.agent.poll_interval, 30);
	assert_int_equal(cfg.agent.max_attempts, 10);
	assert_int_equal(cfg.agent.remote_failures, 3);
	assert_int_equal(cfg.nroutes, 1);
	const struct route_config *r = config_route(&cfg, "r1");  /* iniparser lower-cases */
	assert_non_null(r);
	assert_int_equal(r->ndests, 2);
	assert_string_equal(r->dests[1].path, "/abs/out2");
	assert_int_equal(r->after, AFTER_ARCHIVE);
	char *arch = xasprintf("%s/in/done", dir);
	assert_string_equal(r->archive_dir, arch);
	assert_string_equal(r->pattern, "*");
	assert_string_equal(r->temp_prefix, ".");
	assert_string_equal(r->temp_suffix, ".part");
	assert_int_equal(r->stable_seconds, 5);
	config_release(&cfg);
	free(spool); free(arch); free(ini);
	rm_rf(dir);
	free(dir);
}

static void test_config_collects_every_error(void **state)
{
	char *dir = scratch();
	char *ini = path_join(dir, "k.ini");
	write_text(ini, "[agent]\nmax_attempts = 0\nbogus = 1\nremote_failures = often\n"
		   "[route a]\ndest = x\n[route b]\nsource = y\n");
	struct config cfg;
	struct diag d = { 0 };
	assert_int_equal(config_load(ini, &cfg, &d), -1);
	assert_int_equal(d.n, 5);
	assert_non_null(strstr(d.msgs[0], "[agent] bogus: unknown key"));
	assert_non_null(strstr(d.msgs[1], "[agent] max_attempts: '0'"));
	assert_non_null(strstr(d.msgs[2], "[agent] remote_failures: 'often' is not a whole "
			       "number between 1 and 1000"));
	assert_non_null(strstr(d.msgs[3], "[route a] source: missing required key"));
	assert_non_null(strstr(d.msgs[4], "[route b] dest: missing required key"));
	diag_release(&d);
	config_release(&cfg);
	free(ini);
	rm_rf(dir);
	free(dir);
}

/* A section of KEY, VALUE pairs (NULL-ended), as config.c builds one. */
static struct section section_of(const char *name, const char *const *pairs)
{
	struct section s = { .name = xstrdup(name) };
	for (; pairs[0]; pairs += 2) {
		s.kv = xrealloc(s.kv, (s.nkv + 1) * sizeof(*s.kv));
		s.kv[s.nkv].key = xstrdup(pairs[0]);
		s.kv[s.nkv++].value = xstrdup(pairs[1]);
	}
	return s;
}

static void section_free(struct section *s)
{
	for (size_t i = 0; i < s->nkv; i++) {
		free(s->kv[i].key);
		free(s->kv[i].value);
	}
	free(s->kv);
	free(s->name);
}

/* template = fills the keys a section leaves out; a key the section gives
 * wins; a required key left out and an unknown template are reported. */
static void test_template_apply(void **state)
{
	static const char *const remote[] = { "template", "kargo-documents",
		"url", "https://127.0.0.1:8443", "client_id", "c1", NULL };
	struct section s = section_of("kargo", remote);
	struct diag d = { 0 };
	template_apply(&s, "remote", "k.ini", "remote kargo", &d);
	assert_string_equal(section_get(&s, "url", NULL), "https://127.0.0.1:8443");
	assert_string_equal(section_get(&s, "type", NULL), "https");
	assert_string_equal(section_get(&s, "auth", NULL), "oauth2-client-credentials");
	assert_string_equal(section_get(&s, "client_id", NULL), "c1");
	assert_null(section_get(&s, "client_secret_file", NULL));
	assert_int_equal(d.n, 1);
	assert_string_equal(d.msgs[0], "k.ini: [remote kargo] client_secret_file: missing, "
			    "and template kargo-documents needs it");
	diag_release(&d);
	section_free(&s);

	static const char *const route[] = { "template", "kargo-documents",
		"convert", "json", "business", "acme", NULL };
	s = section_of("docs", route);
	template_apply(&s, "route", "k.ini", "route docs", &d);
	assert_string_equal(section_get(&s, "convert", NULL), "json");
	assert_int_equal(d.n, 0);
	section_free(&s);

	/* A login flow of the section's own: none of the template's flow. */
	static const char *const bearer[] = { "template", "kargo-documents",
		"auth", "bearer-file", "token_file", "/t", NULL };
	s = section_of("kargo", bearer);
	template_apply(&s, "remote", "k.ini", "remote kargo", &d);
	assert_int_equal(d.n, 0);
	assert_string_equal(section_get(&s, "url", NULL), "https://api.kargo.zone");
	assert_null(section_get(&s, "token_url", NULL));
	assert_null(section_get(&s, "audience", NULL));
	section_free(&s);

	static const char *const unknown[] = { "template", "kargo-nope", NULL };
	s = section_of("x", unknown);
	template_apply(&s, "remote", "k.ini", "remote x", &d);
	assert_int_equal(d.n, 1);
	assert_non_null(strstr(d.msgs[0], "k.ini: [remote x] template: 'kargo-nope' is not a "
			       "template (kargo-documents, "));
	assert_int_equal(s.nkv, 1);
	diag_release(&d);
	section_free(&s);
}

static void test_spool_sha256_and_abort(void **state)
{
	char *dir = scratch();
	struct spool s;
	char err[ERRLEN], sha[SHA256_HEX];
	assert_int_equal(spool_open(&s, dir, err), 0);
	struct spool_writer w;
	assert_int_equal(spool_begin(&s, &w, err), 0);
	assert_int_equal(spool_write(&w, "ab", 2), 0);
	assert_int_equal(spool_write(&w, "c", 1), 0);
	int64_t size;
	char *path;
	assert_int_equal(spool_commit(&s, &w, sha, &size, &path, err), 0);
	assert_int_equal(spool_sync(&s, err), 0);
	assert_string_equal(sha, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(size, 3);
	char file_sha[SHA256_HEX];
	assert_int_equal(sha256_file(path, file_sha), 0);
	assert_string_equal(file_sha, sha);
	free(path);
	/* An aborted copy leaves nothing behind in tmp/. */
	assert_int_equal(spool_begin(&s, &w, err), 0);
	assert_int_equal(spool_write(&w, "zz", 2), 0);
	char *tmp = xstrdup(w.tmp_path);
	spool_abort(&w);
	assert_int_not_equal(access(tmp, F_OK), 0);
	free(tmp);
	spool_release(&s);
	rm_rf(dir);
	free(dir);
}

/* A spool copy read in order, at offsets like a split upload (part 0 in
 * order, a later part left to checked_end), and begun again: each pass is
 * checked; one changed byte is KA_CORRUPT naming both digests; the set
 * aside object leaves objects/ and lands under corrupt/. */
static void test_checked_read(void **state)
{
	char *dir = scratch();
	struct spool s;
	char err[ERRLEN], buf[4];
	assert_int_equal(spool_open(&s, dir, err), 0);
	const char *abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
	char *path = path_join(s.objects, abc);
	write_text(path, "abc");
	struct checked_read cr;
	assert_int_equal(checked_open(&cr, path, abc, err), 0);
	assert_int_equal(checked_read(&cr, buf, 2), 2);
	assert_int_equal(checked_read(&cr, buf, 4), 1);
	assert_int_equal(checked_read(&cr, buf, 4), 0);
	assert_int_equal(checked_end(&cr, err), 0);
	assert_int_equal(checked_rewind(&cr, err), 0);
	assert_int_equal(checked_pread(&cr, buf, 1, 0), 1);   /* part 0 */
	assert_int_equal(pread(cr.fd, buf, 2, 1), 2);         /* part 1, another thread */
	assert_int_equal(checked_end(&cr, err), 0);
	checked_close(&cr);
	write_text(path, "abd");
	assert_int_equal(checked_open(&cr, path, abc, err), 0);
	assert_int_equal(checked_read(&cr, buf, 4), 3);
	assert_int_equal(checked_end(&cr, err), KA_CORRUPT);
	assert_non_null(strstr(err, abc));
	assert_non_null(strstr(err, "found a52d159f"));  /* sha256("abd") */
	checked_close(&cr);
	char *moved;
	assert_int_equal(spool_set_aside(&s, abc, &moved, err), 0);
	assert_int_not_equal(access(path, F_OK), 0);
	assert_int_equal(strncmp(moved, s.corrupt, strlen(s.corrupt)), 0);
	assert_int_equal(access(moved, F_OK), 0);
	free(moved);
	assert_int_equal(spool_set_aside(&s, abc, &moved, err), KA_NOENT);
	free(path);
	spool_release(&s);
	rm_rf(dir);
	free(dir);
}

static int count_rows(void *ctx, const struct mfile *f)
{
	(*(int *)ctx)++;
	return 0;
}

static void test_manifest_lifecycle(void **state)
{
	char *dir = scratch();
	char *db = path_join(dir, "m.db");
	struct manifest m;
	char err[ERRLEN];
	assert_int_equal(manifest_open(&m, db, err), 0);
	struct mfile f = { .route = "r", .source_uri = "/in/a.csv", .name = "a.csv", .size = 3,
			   .mtime = 100, .spool_path = "/spool/x", .format = "text" };
	snprintf(f.sha256, sizeof(f.sha256), "%064d", 0);
	assert_int_equal(manifest_seen(&m, "r", "/in/a.csv", 3, 100, 0, 0), 0);
	assert_int_equal(manifest_add_file(&m, &f, err), 0);
	assert_true(f.id > 0);
	assert_int_equal(manifest_seen(&m, "r", "/in/a.csv", 3, 100, 0, 0), 1);
	assert_int_equal(manifest_seen(&m, "r", "/in/a.csv", 4, 100, 0, 0), 0);
	/* The same identity cannot be recorded twice. */
	struct mfile dup = f;
	assert_int_not_equal(manifest_add_file(&m, &dup, err), 0);

	int64_t *ids; size_t n;
	assert_int_equal(manifest_due(&m, "r", now_s(), &ids, &n, err), 0);
	assert_int_equal(n, 1);
	free(ids);
	char *ships[] = { "S1", "S2" };
	assert_int_equal(manifest_set_parsed(&m, f.id, "expected-shipment", 1, "{}", ships, 2,
					     "ok", err), 0);
	struct mdelivery *dv; size_t dn;
	assert_int_equal(manifest_add_delivery(&m, f.id, "out", 0, NULL, err), 0);
	assert_int_equal(manifest_deliveries(&m, f.id, &dv, &dn, err), 0);
	assert_int_equal(dn, 1);
	assert_string_equal(dv[0].state, DL_PENDING);
	assert_int_equal(manifest_set_delivery(&m, &dv[0], DL_COMMITTING, "/out/a.csv", err), 0);
	assert_int_equal(manifest_set_delivery(&m, &dv[0], DL_DELIVERED, "/out/a.csv", err), 0);
	mdeliveries_free(dv, dn);
	/* A failed attempt schedules a retry in the future: not due now. */
	assert_int_equal(manifest_set_retry(&m, f.id, 1, now_s() + 60, "boom", 0, err), 0);
	assert_int_equal(manifest_due(&m, "r", now_s(), &ids, &n, err), 0);
	assert_int_equal(n, 0);
	free(ids);
	assert_int_equal(manifest_set_state(&m, f.id, ST_DELIVERED, "all_delivered", NULL, err), 0);
	assert_int_equal(manifest_set_source_done(&m, f.id, "after=keep", err), 0);
	struct mfile g;
	assert_int_equal(manifest_get(&m, f.id, &g, err), 0);
	assert_string_equal(g.state, ST_DONE);
	assert_int_equal(g.attempts, 1);
	assert_string_equal(g.last_error, "boom");
	mfile_release(&g);
	char *s = manifest_shipments(&m, f.id);
	assert_string_equal(s, "S1,S2");
	free(s);
	int rows = 0;
	struct mfilter flt = { .shipment = "S2" };
	assert_int_equal(manifest_list(&m, &flt, count_rows, &rows, err), 0);
	assert_int_equal(rows, 1);
	struct mevent *ev; size_t en;
	assert_int_equal(manifest_events(&m, f.id, &ev, &en, err), 0);
	/* staged, validated, delivered, retry, all_delivered, source_finished (committing has none) */
	assert_int_equal(en, 6);
	assert_string_equal(ev[0].event, "staged");
	assert_string_equal(ev[en - 1].event, "source_finished");
	mevents_free(ev, en);
	assert_int_equal(manifest_get(&m, 999, &g, err), KA_NOENT);
	manifest_close(&m);
	/* Reopening an existing manifest keeps its rows (migrations are idempotent). */
	assert_int_equal(manifest_open(&m, db, err), 0);
	assert_int_equal(manifest_seen(&m, "r", "/in/a.csv", 3, 100, 0, 0), 1);
	manifest_close(&m);
	free(db);
	rm_rf(dir);
	free(dir);
}

/* Failures in a row, per route and per remote: counted up by each failed
 * cycle or attempt, back to 0 after a good one, with the last error. */
static void test_manifest_failures_in_a_row(void **state)
{
	char *dir = scratch();
	char *db = path_join(dir, "m.db");
	struct manifest m;
	char err[ERRLEN];
	assert_int_equal(manifest_open(&m, db, err), 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(manifest_route_cycle(&m, "r", 0, "down", NULL, err), 0);
		assert_int_equal(manifest_remote_attempt(&m, "srv", 0, "refused", err), 0);
	}
	assert_int_equal(manifest_remote_attempt(&m, "other", 1, NULL, err), 0);
	struct mroute_status *rv;
	struct mremote_status *mv;
	size_t rn, mn;
	assert_int_equal(manifest_status(&m, &rv, &rn, err), 0);
	assert_int_equal(rn, 1);
	assert_int_equal(rv[0].failures, 3);
	assert_string_equal(rv[0].last_error, "down");
	assert_int_equal(rv[0].last_ok, 0);
	mroute_status_free(rv, rn);
	assert_int_equal(manifest_remotes(&m, &mv, &mn, err), 0);
	assert_int_equal(mn, 2);
	assert_string_equal(mv[0].remote, "other");
	assert_int_equal(mv[0].failures, 0);
	assert_true(mv[0].last_ok > 0);
	assert_string_equal(mv[1].remote, "srv");
	assert_int_equal(mv[1].failures, 3);
	assert_string_equal(mv[1].last_error, "refused");
	mremote_status_free(mv, mn);
	/* One good cycle and one good attempt start the count again. */
	assert_int_equal(manifest_route_cycle(&m, "r", 1, NULL, NULL, err), 0);
	assert_int_equal(manifest_remote_attempt(&m, "srv", 1, "ignored", err), 0);
	assert_int_equal(manifest_status(&m, &rv, &rn, err), 0);
	assert_int_equal(rv[0].failures, 0);
	assert_null(rv[0].last_error);
	mroute_status_free(rv, rn);
	assert_int_equal(manifest_remotes(&m, &mv, &mn, err), 0);
	assert_int_equal(mv[1].failures, 0);
	assert_null(mv[1].last_error);
	assert_true(mv[1].last_ok > 0);
	mremote_status_free(mv, mn);
	manifest_close(&m);
	free(db);
	rm_rf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_numbered),
		cmocka_unit_test(test_path_join),
		cmocka_unit_test(test_pattern_problem),
		cmocka_unit_test(test_path_lexical_and_resolve),
		cmocka_unit_test(test_parse_time_arg),
		cmocka_unit_test(test_parse_int_range),
		cmocka_unit_test(test_config_parse_then_load),
		cmocka_unit_test(test_log_quote),
		cmocka_unit_test(test_config_defaults_and_paths),
		cmocka_unit_test(test_config_collects_every_error),
		cmocka_unit_test(test_spool_sha256_and_abort),
		cmocka_unit_test(test_checked_read),
		cmocka_unit_test(test_manifest_lifecycle),
		cmocka_unit_test(test_manifest_failures_in_a_row),
		cmocka_unit_test(test_template_apply),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
