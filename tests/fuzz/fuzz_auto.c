/* libFuzzer target: the auto parser. */
#define FUZZ_FORMAT "auto"
#include "fuzz_format.h"
