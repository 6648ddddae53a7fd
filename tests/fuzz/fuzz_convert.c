/* libFuzzer target: the conversions' input side. The first byte picks the
 * conversion and settings, the rest is the file (format auto: CSV formats
 * and X12 856), converted to the last body; the same bytes are also read
 * as an API's answer by conv_reply. */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include "common.h"
#include "fuzz_input.h"
#include "formats/convert.h"

static const char *const tos[] = { "kargo-documents", "kargo-unified", "json", "ndjson", "csv",
				   "kargo-unified" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[4096], err[ERRLEN], id[128];
	if (size < 1)
		return 0;
	unsigned pick = data[0];
	const char *to = tos[pick % ARRAY_SIZE(tos)];
	struct route_api api = {
		.business = (char *)"acme",
		.facility = pick & 0x80 ? (char *)"dock-1" : NULL,
		.direction_map = (char *)"LOADING=OUTBOUND,UNLOADING=INBOUND",
		.update_strategy = pick & 0x40 ? (char *)"MERGE" : NULL,
		.unit = (char *)(pick % ARRAY_SIZE(tos) == 5 ? "row" : "shipment"),
		.batch_rows = 1 + (pick >> 3 & 7),
		.content_type = (char *)"text/csv",
	};
	(void)conv_reply(to, (const char *)data + 1, size - 1, id, sizeof(id), err);
	if (fuzz_write_input(data + 1, size - 1, path, sizeof(path)) != 0)
		return 0;
	struct formats *f;
	struct diag d = { 0 };
	struct conv *c = NULL;
	struct conv_body b;
	formats_load(NULL, &f, &d);
	int ret = conv_open(f, "auto", path, to, &api, &c, err);
	while (ret == 0 && conv_next(c, &b, err) == 1)
		free(b.body);
	conv_close(c);
	formats_free(f);
	diag_release(&d);
	unlink(path);
	return 0;
}
