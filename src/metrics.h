/* Prometheus text-format metrics, written after each cycle to the file
 * node_exporter's textfile collector reads ([agent] metrics_file). */
#ifndef KA_METRICS_H
#define KA_METRICS_H

#include <stdint.h>
#include "app.h"

/* Write every route's counters and CYCLE_MS to PATH atomically (temporary
 * file, then rename). Returns 0 or a negative enum ka_err with err set. */
int metrics_write(struct app *a, const char *path, int64_t cycle_ms, char *err);

#endif
