/* text: carried as is. We only count lines so the summary says something. */
#include "format.h"
#include "format_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../common.h"
#include "../progress.h"

static int text_detect(const struct format_spec *spec, const unsigned char *head, size_t len)
{
	return 1;   /* the fallback: anything is text */
}

static int text_parse(const struct format_spec *spec, int fd, struct rbuild *rb, char *err)
{
	unsigned char *buf = xmalloc(FORMAT_CHUNK);
	int64_t lines = 0;
	unsigned char last = '\n';
	int ret = 0;
	for (;;) {
		ssize_t n = read_full(fd, buf, FORMAT_CHUNK);
		if (n < 0) {
			snprintf(err, ERRLEN, "read: %s", strerror(errno));
			ret = KA_ERR;
			goto out;
		}
		if (n == 0)
			break;
		progress_add(rb->progress, (size_t)n);
		for (const unsigned char *p = buf, *end = buf + n;
		     (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++)
			lines++;
		last = buf[n - 1];
	}
	rb->res->rows = lines + (last != '\n');
out:
	free(buf);
	return ret;
}

const struct format_ops format_text = {
	.name = "text", .detect = text_detect, .parse = text_parse,
};
