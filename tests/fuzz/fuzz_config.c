/* libFuzzer target: the INI configuration loader (iniparser, then our
 * checks of every section and key), on whatever the input holds. */
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <unistd.h>
#include "common.h"
#include "config.h"
#include "fuzz_input.h"
#include <iniparser.h>

/* iniparser reports syntax errors through this; the fuzzer's output stays readable. */
static int quiet(const char *fmt, ...)
{
	(void)fmt;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	iniparser_set_error_callback(quiet);
	char path[4096];
	if (fuzz_write_input(data, size, path, sizeof(path)) != 0)
		return 0;
	struct config cfg;
	struct diag d = { 0 };
	config_load(path, &cfg, &d);
	if (cfg.path)
		config_release(&cfg);
	diag_release(&d);
	unlink(path);
	return 0;
}
