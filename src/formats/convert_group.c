/* A CSV file's rows for the conversions, in bounded memory: one pass with
 * the CSV engine indexes the rows (where each starts, its line, the next
 * row of its shipment: 20 bytes a row) and the shipments (their ids, first
 * and last rows); then each row is read again by seeking to it and parsing
 * its bytes alone, so a shipment whose rows are spread over the file comes
 * out whole, shipments in first-seen order, without holding the file. */
#include "convert_int.h"

#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../common.h"
#include "format.h"
#include "fpset.h"

#define NO_ROW UINT32_MAX

struct csvsrc {
	struct rsrc base;
	int fd;
	int own_fd;              /* a transcoded copy to close, or -1 */
	const char *path;
	const struct profile *prof;
	int delim, grouped;
	uint64_t bom, size;
	struct colmap map;
	/* rows, in file order */
	uint64_t *off;
	int64_t *line;
	uint32_t *next;
	size_t nrows, rowcap;
	/* shipments, in first-seen order; ids one after another in IDS */
	uint32_t *first, *lastrow, *idoff;
	size_t nships, shipcap;
	char *ids;
	size_t idlen, idcap;
	uint32_t *slots;         /* hash of ids: shipment + 1, 0 empty */
	size_t nslots;
	/* reading again */
	size_t ship, row;
	int in_ship;
	struct rowreader rr;
	/* the first pass */
	crow_check_fn check;
	void *ctx;
	char *err;
	int failed;
};

/* Grow the hash of ids to twice its size (or its first 1024 slots). */
static void ids_rehash(struct csvsrc *s)
{
	size_t n = s->nslots ? s->nslots * 2 : 1024;
	free(s->slots);
	s->slots = xcalloc(n, sizeof(*s->slots));
	s->nslots = n;
	for (size_t k = 0; k < s->nships; k++) {
		const char *id = s->ids + s->idoff[k];
		size_t i = fp_hash(id, strlen(id)) & (n - 1);
		while (s->slots[i])
			i = (i + 1) & (n - 1);
		s->slots[i] = (uint32_t)k + 1;
	}
}

/* The shipment ID, added when new. */
static uint32_t ship_find(struct csvsrc *s, const char *id)
{
	size_t len = strlen(id);
	if (2 * (s->nships + 1) > s->nslots)
		ids_rehash(s);
	size_t i = fp_hash(id, len) & (s->nslots - 1);
	for (; s->slots[i]; i = (i + 1) & (s->nslots - 1))
		if (strcmp(s->ids + s->idoff[s->slots[i] - 1], id) == 0)
			return s->slots[i] - 1;
	if (s->nships == s->shipcap) {
		s->shipcap = s->shipcap ? s->shipcap * 2 : 256;
		s->first = xrealloc(s->first, s->shipcap * sizeof(*s->first));
		s->lastrow = xrealloc(s->lastrow, s->shipcap * sizeof(*s->lastrow));
		s->idoff = xrealloc(s->idoff, s->shipcap * sizeof(*s->idoff));
	}
	while (s->idlen + len + 1 > s->idcap) {
		s->idcap = s->idcap ? s->idcap * 2 : 4096;
		s->ids = xrealloc(s->ids, s->idcap);
	}
	memcpy(s->ids + s->idlen, id, len + 1);
	uint32_t k = (uint32_t)s->nships++;
	s->idoff[k] = (uint32_t)s->idlen;
	s->idlen += len + 1;
	s->first[k] = s->lastrow[k] = NO_ROW;
	s->slots[i] = k + 1;
	return k;
}

/* Index a row starting at OFF, line LINE, of shipment ID. */
static void index_row(struct csvsrc *s, uint64_t off, int64_t line, const char *id)
{
	if (s->nrows == s->rowcap) {
		s->rowcap = s->rowcap ? s->rowcap * 2 : 1024;
		s->off = xrealloc(s->off, s->rowcap * sizeof(*s->off));
		s->line = xrealloc(s->line, s->rowcap * sizeof(*s->line));
		s->next = xrealloc(s->next, s->rowcap * sizeof(*s->next));
	}
	uint32_t r = (uint32_t)s->nrows++, k = ship_find(s, id);
	s->off[r] = off;
	s->line[r] = line;
	s->next[r] = NO_ROW;
	if (s->lastrow[k] == NO_ROW)
		s->first[k] = r;
	else
		s->next[s->lastrow[k]] = r;
	s->lastrow[k] = r;
}

struct pass {
	struct csvsrc *s;
	struct csv_sink sink;
};

static void pass_header(void *ctx, int64_t line, const struct csv_field *f, size_t n)
{
	struct pass *p = ctx;
	(void)line;
	colmap_header(&p->s->map, p->s->prof, f, n);
}

/* The first pass: index the row and let the check see it. */
static void pass_row(void *ctx, int64_t line, const struct csv_field *f, size_t n)
{
	struct pass *p = ctx;
	struct csvsrc *s = p->s;
	struct crow r;
	colmap_row(&s->map, f, n, line, &r);
	const char *id = crow_get(&r, CF_SHIPMENT_ID);
	if (s->nrows >= NO_ROW - 1 || s->idlen + strlen(id) + 1 >= UINT32_MAX) {
		snprintf(s->err, ERRLEN, "%s:%lld: too many rows or shipment ids to convert (the "
			 "index holds 4,294,967,294 rows and 4 GiB of ids)", s->path, (long long)line);
		s->failed = 1;
		p->sink.stop = 1;
		return;
	}
	index_row(s, p->sink.row_off, line, id);
	if (s->check && s->check(s->ctx, &r, s->err) != 0) {
		s->failed = 1;
		p->sink.stop = 1;
	}
}

/* Read the file once through the CSV engine into the index. */
static int csvsrc_index(struct csvsrc *s, char *err)
{
	struct pass p = { .s = s };
	struct parse_result res;
	struct rbuild rb;
	struct csv_opts o = { s->delim, NULL };
	p.sink.header = pass_header;
	p.sink.row = pass_row;
	p.sink.ctx = &p;
	rbuild_init(&rb, &res);
	if (lseek(s->fd, 0, SEEK_SET) < 0) {
		snprintf(err, ERRLEN, "%s: %s", s->path, strerror(errno));
		rbuild_finish(&rb);
		parse_result_release(&res);
		return KA_ERR;
	}
	int ret = csv_run(s->fd, &o, &p.sink, &rb, err);
	rbuild_finish(&rb);
	if (ret == 0 && s->failed) {
		ret = KA_INVALID;
	} else if (ret == 0 && res.nerrors_kept) {
		snprintf(err, ERRLEN, "%s:%lld: %s", s->path, (long long)res.errors[0].line,
			 res.errors[0].msg);
		ret = KA_INVALID;
	} else if (ret != 0) {
		char tmp[ERRLEN];
		snprintf(tmp, sizeof(tmp), "%s: %s", s->path, err);
		snprintf(err, ERRLEN, "%s", tmp);
	}
	parse_result_release(&res);
	return ret;
}

/* Row I read again (its bytes up to the next row's start) into R. */
static int read_row(struct csvsrc *s, size_t i, struct crow *r, char *err)
{
	uint64_t start = s->off[i] + s->bom;
	uint64_t end = i + 1 < s->nrows ? s->off[i + 1] + s->bom : s->size;
	const struct csv_field *f;
	size_t n;
	int got = rowreader_read(&s->rr, start, end > start ? end : start, &f, &n);
	if (got < 0) {
		snprintf(err, ERRLEN, "%s: %s", s->path, strerror(errno));
		return KA_ERR;
	}
	if (!got) {
		snprintf(err, ERRLEN, "%s:%lld: the row is no longer there (the file changed "
			 "while it was converted)", s->path, (long long)s->line[i]);
		return KA_ERR;
	}
	colmap_row(&s->map, f, n, s->line[i], r);
	return 1;
}

static int csvsrc_next(struct rsrc *b, struct crow *r, char *err)
{
	struct csvsrc *s = (struct csvsrc *)b;
	size_t i;
	int last = 0;
	if (!s->grouped) {
		if (s->row >= s->nrows)
			return 0;
		i = s->row++;
		last = s->row == s->nrows;
	} else {
		if (s->ship >= s->nships)
			return 0;
		if (!s->in_ship) {
			s->row = s->first[s->ship];
			s->in_ship = 1;
		}
		i = s->row;
		s->row = s->next[i];
		last = s->row == NO_ROW;
		if (last) {
			s->ship++;
			s->in_ship = 0;
		}
	}
	int ret = read_row(s, i, r, err);
	r->last = last;
	return ret;
}

static void csvsrc_close(struct rsrc *b)
{
	struct csvsrc *s = (struct csvsrc *)b;
	if (!s)
		return;
	colmap_release(&s->map);
	free(s->off);
	free(s->line);
	free(s->next);
	free(s->first);
	free(s->lastrow);
	free(s->idoff);
	free(s->ids);
	free(s->slots);
	rowreader_release(&s->rr);
	if (s->own_fd >= 0)
		close(s->own_fd);
	free(s);
}

/* FD's bytes in charset CS as UTF-8, in an unlinked temporary file (a
 * profile's charset = : rows are then found again by their offsets in
 * that). Its descriptor, or -1 with err. */
static int transcode(int fd, const char *cs, const char *path, char *err)
{
	iconv_t cd = iconv_open("UTF-8", cs);
	char in[65536], out[4 * 65536];
	size_t have = 0;
	ssize_t n;
	int ret = -1;
	FILE *tmp = tmpfile();
	if (cd == (iconv_t)-1 || !tmp) {
		snprintf(err, ERRLEN, "%s: %s: %s", path, tmp ? "iconv" : "temporary file",
			 strerror(errno));
		goto out;
	}
	while ((n = read_full(fd, in + have, sizeof(in) - have)) >= 0 && (n || have)) {
		char *ip = in, *op = out;
		size_t il = have + (size_t)n, ol = sizeof(out);
		if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1 && (errno == EILSEQ || n == 0)) {
			snprintf(err, ERRLEN, "%s: bytes that are not %s", path, cs);
			goto out;
		}
		if (fwrite(out, 1, (size_t)(op - out), tmp) != (size_t)(op - out))
			break;
		memmove(in, ip, il);
		have = il;
	}
	if (n < 0 || fflush(tmp) != 0) {
		snprintf(err, ERRLEN, "%s: %s", path, strerror(errno));
		goto out;
	}
	ret = dup(fileno(tmp));
	if (ret < 0)
		snprintf(err, ERRLEN, "temporary file: %s", strerror(errno));
out:
	if (cd != (iconv_t)-1)
		iconv_close(cd);
	if (tmp)
		fclose(tmp);
	return ret;
}

int csvsrc_open(const struct format_spec *spec, int fd, const char *path, int grouped,
		crow_check_fn check, void *ctx, struct rsrc **out, char *err)
{
	unsigned char head[FORMAT_HEAD];
	struct stat st;
	struct csvsrc *s;
	int own = -1;
	if (spec->prof && spec->prof->charset) {
		if (lseek(fd, 0, SEEK_SET) < 0 ||
		    (own = fd = transcode(fd, spec->prof->charset, path, err)) < 0)
			return KA_INVALID;
	}
	ssize_t n = pread_full(fd, head, sizeof(head), 0);
	if (n < 0 || fstat(fd, &st) != 0) {
		snprintf(err, ERRLEN, "%s: %s", path, strerror(errno));
		if (own >= 0)
			close(own);
		return KA_ERR;
	}
	s = xcalloc(1, sizeof(*s));
	s->base.next = csvsrc_next;
	s->base.close = csvsrc_close;
	s->fd = fd;
	s->own_fd = own;
	s->path = path;
	s->prof = spec->prof;
	s->grouped = grouped;
	s->map.sc = conv_schema(spec->ops);
	s->size = (uint64_t)st.st_size;
	s->bom = n >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF ? 3 : 0;
	s->delim = spec->prof && spec->prof->delim ? spec->prof->delim
		   : csv_detect_delim(head + s->bom, (size_t)n - s->bom);
	s->check = check;
	s->ctx = ctx;
	s->err = err;
	rowreader_init(&s->rr, fd, s->delim);
	int ret = csvsrc_index(s, err);
	if (ret != 0) {
		csvsrc_close(&s->base);
		return ret;
	}
	*out = &s->base;
	return 0;
}
