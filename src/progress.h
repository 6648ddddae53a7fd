/* A progress line on a terminal: while `once`, `resend` or `validate` moves
 * a large file, one line on stderr, redrawn in place with \r, says how far it
 * got (bytes done of the total, per cent, rate, time left). The command owns
 * one struct progress and hands it down the pipeline as an explicit context;
 * everything that moves bytes takes a struct progress * that may be NULL,
 * and NULL (the daemon, output that is not a terminal, small files) costs
 * one test per buffer. */
#ifndef KA_PROGRESS_H
#define KA_PROGRESS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PROGRESS_MIN_DEFAULT (1024 * 1024)   /* files from this size get a line */
#define PROGRESS_INTERVAL_MS 250             /* at most 4 redraws a second */

struct progress {
	FILE *out;                  /* a terminal */
	int64_t min_bytes;          /* smaller transfers are not shown */
	pthread_mutex_t lock;       /* delivery threads share the line */
	int busy;                   /* a transfer owns the line */
	size_t shown;               /* bytes of the line on screen, 0 = none */
	char verb[16];
	char name[256];
	int64_t total, done;
	int64_t start_ms, last_ms;  /* last_ms: last redraw, or last erase */
};

/* Set P up to draw on OUT for transfers of at least MIN_BYTES. Returns P, or
 * NULL (and P untouched) when OUT is not a terminal: callers pass the result
 * down, so "no progress" is simply NULL. */
struct progress *progress_init(struct progress *p, FILE *out, int64_t min_bytes);
/* Erase the line if shown and free P's lock. P may be NULL. */
void progress_release(struct progress *p);

/* A transfer of TOTAL bytes of NAME starts (VERB says what: "stage",
 * "deliver", "validate"). Returns P when this transfer owns the line and is
 * shown, NULL when it is not (P is NULL, TOTAL is under the threshold, or
 * another thread's transfer has the line). Pass the result to the code that
 * moves the bytes, and to progress_end. */
struct progress *progress_begin(struct progress *p, const char *verb, const char *name,
				int64_t total);
/* N more bytes moved. Draws at once the first time, then at most every
 * PROGRESS_INTERVAL_MS. P may be NULL (nothing happens). */
void progress_add(struct progress *p, size_t n);
/* The transfer is over: erase the line, free it for the next transfer. P may
 * be NULL. */
void progress_end(struct progress *p);
/* Erase the line before other output (a log line) is written; the next
 * redraw waits a full interval. P may be NULL. */
void progress_clear(struct progress *p);

/* "512 B", "1.5 KiB", "12.0 MiB", "3.2 GiB", "1.0 TiB", into BUF. */
void progress_human(int64_t bytes, char *buf, size_t len);
/* "0:07", "12:34", "1:02:03"; "--:--" when SECONDS is negative (unknown). */
void progress_eta(int64_t seconds, char *buf, size_t len);
/* The line itself, at most WIDTH-1 bytes (so a terminal never wraps it):
 * "VERB NAME  DONE / TOTAL  PCT%  RATE/s  ETA T". A long NAME is cut from
 * the left ("...tail.csv"), control bytes in it become '?'. */
void progress_format(char *buf, size_t len, int width, const char *verb, const char *name,
		     int64_t done, int64_t total, int64_t elapsed_ms);

#endif
