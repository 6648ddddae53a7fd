/* libFuzzer target: e-mail payload extraction (GMime), as the IMAP intake
 * runs it on every fetched message. */
#include <stdint.h>
#include <stdlib.h>
#include "common.h"
#include "formats/mime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	if (!ready) {
		mime_init();
		ready = 1;
	}
	struct mime_payloads out = { 0 };
	struct mime_limits lim = { .max_bytes = 1 << 20, .max_depth = 32 };
	char err[ERRLEN];
	if (mime_extract(data, size, &lim, &out, err) == 0)
		for (size_t i = 0; i < out.n; i++)
			if (!out.v[i].name || !*out.v[i].name)
				abort();  /* every payload must have a safe, non-empty name */
	mime_payloads_release(&out);
	return 0;
}
