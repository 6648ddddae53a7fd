/* libFuzzer target: the expected-shipment parser. */
#define FUZZ_FORMAT "expected-shipment"
#include "fuzz_format.h"
