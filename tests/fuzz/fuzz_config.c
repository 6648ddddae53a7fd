/* libFuzzer target: the INI configuration loader (iniparser, then our
 * checks of every section and key), on whatever the input holds. */
#include "fuzz_ini.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_load_ini(data, size);
	return 0;
}
