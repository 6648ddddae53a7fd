/* libFuzzer target: the x12-856 parser. */
#define FUZZ_FORMAT "x12-856"
#include "fuzz_format.h"
