/* For the libFuzzer targets that load a configuration: write the INI text
 * to a scratch file, load it (every check runs), free it all. */
#ifndef KA_FUZZ_INI_H
#define KA_FUZZ_INI_H

#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include "load.h"
#include "fuzz_input.h"

static void fuzz_load_ini(const uint8_t *data, size_t size)
{
	char path[4096];
	if (fuzz_write_input(data, size, path, sizeof(path)) != 0)
		return;
	struct config cfg;
	struct diag d = { 0 };
	config_load(path, &cfg, &d);
	if (cfg.path)
		config_release(&cfg);
	diag_release(&d);
	unlink(path);
}

#endif
