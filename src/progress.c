/* The progress line. Drawn with \r and blank padding (no terminal escape
 * codes, so any terminal, even TERM=dumb, shows it right), cut to the
 * terminal's width so it never wraps, redrawn at most every 250 ms, erased
 * when the transfer ends. One transfer at a time owns the line: delivery
 * runs several uploads in parallel, and the others are simply not shown. */
#include "progress.h"

#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "common.h"

struct progress *progress_init(struct progress *p, FILE *out, int64_t min_bytes)
{
	if (!out || !isatty(fileno(out)))
		return NULL;
	memset(p, 0, sizeof(*p));
	p->out = out;
	p->min_bytes = min_bytes < 0 ? 0 : min_bytes;
	pthread_mutex_init(&p->lock, NULL);
	return p;
}

/* Overwrite the shown line with blanks and put the cursor back at its start.
 * Called with the lock held. */
static void erase(struct progress *p)
{
	if (!p->shown)
		return;
	char blank[512];
	size_t n = p->shown < sizeof(blank) - 2 ? p->shown : sizeof(blank) - 2;
	blank[0] = '\r';
	memset(blank + 1, ' ', n);
	fwrite(blank, 1, n + 1, p->out);
	fputc('\r', p->out);
	fflush(p->out);
	p->shown = 0;
}

void progress_release(struct progress *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	erase(p);
	pthread_mutex_unlock(&p->lock);
	pthread_mutex_destroy(&p->lock);
}

/* Columns of the terminal, 80 when it does not say. */
static int term_width(FILE *out)
{
	struct winsize ws;
	if (ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
		return ws.ws_col;
	return 80;
}

struct progress *progress_begin(struct progress *p, const char *verb, const char *name,
				int64_t total)
{
	if (!p || total < p->min_bytes)
		return NULL;
	pthread_mutex_lock(&p->lock);
	int mine = !p->busy;
	if (mine) {
		p->busy = 1;
		snprintf(p->verb, sizeof(p->verb), "%s", verb);
		snprintf(p->name, sizeof(p->name), "%s", path_base(name));
		p->total = total;
		p->done = 0;
		p->start_ms = now_ms();
		p->last_ms = 0;
	}
	pthread_mutex_unlock(&p->lock);
	return mine ? p : NULL;
}

/* Draw the line for the current state. Called with the lock held. */
static void draw(struct progress *p, int64_t now)
{
	char line[512];
	int width = term_width(p->out);
	if (width > (int)sizeof(line) - 1)
		width = (int)sizeof(line) - 1;
	progress_format(line, sizeof(line), width, p->verb, p->name, p->done, p->total,
			now - p->start_ms);
	size_t n = strlen(line);
	fputc('\r', p->out);
	fputs(line, p->out);
	/* Blank out the rest of a longer line drawn before. */
	for (size_t i = n; i < p->shown; i++)
		fputc(' ', p->out);
	fflush(p->out);
	p->shown = n > p->shown ? n : p->shown;
	p->last_ms = now;
}

void progress_add(struct progress *p, size_t n)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->done += (int64_t)n;
	int64_t now = now_ms();
	if (!p->shown && !p->last_ms)
		draw(p, now);  /* the first block: show the line at once */
	else if (now - p->last_ms >= PROGRESS_INTERVAL_MS)
		draw(p, now);
	pthread_mutex_unlock(&p->lock);
}

void progress_end(struct progress *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	erase(p);
	p->busy = 0;
	pthread_mutex_unlock(&p->lock);
}

void progress_clear(struct progress *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	if (p->shown) {
		erase(p);
		p->last_ms = now_ms();
	}
	pthread_mutex_unlock(&p->lock);
}

void progress_human(int64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB" };
	if (bytes < 1024) {
		snprintf(buf, len, "%lld B", (long long)(bytes < 0 ? 0 : bytes));
		return;
	}
	double v = (double)bytes / 1024.0;
	size_t u = 0;
	/* 1023.96 KiB would print as "1024.0 KiB": move up a unit first. */
	while (v >= 1023.95 && u + 1 < ARRAY_SIZE(units)) {
		v /= 1024.0;
		u++;
	}
	snprintf(buf, len, "%.1f %s", v, units[u]);
}

void progress_eta(int64_t seconds, char *buf, size_t len)
{
	if (seconds < 0) {
		snprintf(buf, len, "--:--");
		return;
	}
	long long h = seconds / 3600, m = seconds / 60 % 60, s = seconds % 60;
	if (h > 0)
		snprintf(buf, len, "%lld:%02lld:%02lld", h, m, s);
	else
		snprintf(buf, len, "%lld:%02lld", m, s);
}

/* Copy NAME into OUT (OUTLEN bytes) keeping at most MAX bytes of it: the end
 * of a long name, after "...", starting on a UTF-8 character; control bytes
 * become '?'. */
static void fit_name(const char *name, size_t max, char *out, size_t outlen)
{
	size_t n = strlen(name), o = 0;
	const char *s = name;
	if (n > max) {
		s = name + n - (max > 3 ? max - 3 : 0);
		while (*s && ((unsigned char)*s & 0xC0) == 0x80)
			s++;  /* not in the middle of a character */
		o = (size_t)snprintf(out, outlen, "...");
	}
	for (; *s && o + 1 < outlen; s++) {
		unsigned char c = (unsigned char)*s;
		out[o++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	out[o] = '\0';
}

void progress_format(char *buf, size_t len, int width, const char *verb, const char *name,
		     int64_t done, int64_t total, int64_t elapsed_ms)
{
	char d[32], t[32], r[32], e[32], tail[160], nm[256];
	progress_human(done, d, sizeof(d));
	progress_human(total, t, sizeof(t));
	int pct = total > 0 ? (int)(done >= total ? 100 : done * 100 / total) : 100;
	int64_t eta = -1;
	if (elapsed_ms > 0 && done > 0) {
		progress_human(done * 1000 / elapsed_ms, r, sizeof(r));
		eta = done >= total ? 0
				    : (int64_t)((double)(total - done) * (double)elapsed_ms / (double)done / 1000.0);
	} else {
		snprintf(r, sizeof(r), "--");
	}
	progress_eta(eta, e, sizeof(e));
	snprintf(tail, sizeof(tail), "%s / %s  %3d%%  %s/s  ETA %s", d, t, pct, r, e);
	/* What is left for the name once the verb, the tail and the gaps fit. */
	int room = width - 1 - (int)strlen(verb) - 1 - 2 - (int)strlen(tail);
	if (room >= 4) {
		fit_name(name, (size_t)room, nm, sizeof(nm));
		snprintf(buf, len, "%s %s  %s", verb, nm, tail);
	} else {
		snprintf(buf, len, "%s  %s", verb, tail);
	}
	if (width > 1 && strlen(buf) > (size_t)(width - 1))
		buf[width - 1] = '\0';
}
