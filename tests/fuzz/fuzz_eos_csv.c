/* libFuzzer target: the eos-csv parser. */
#define FUZZ_FORMAT "eos-csv"
#include "fuzz_format.h"
