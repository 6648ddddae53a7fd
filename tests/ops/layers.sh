#!/bin/sh
# layers: the source keeps the shape README's Layout section describes
# (scripts/layers): no #include from a lower floor to a higher one or
# between the side-by-side modules of the middle floor, no include or call
# cycle between files (calls read from the objects of this build with nm),
# no file over 800 lines. The checker is first shown a copy of the tree with
# one upward include, one cycle and one long file, which it must refuse.
. "$(dirname "$0")/../integration/lib.sh"
check=$KA_SRCDIR/scripts/layers

# --- the checker refuses what it is there to refuse ---------------------------
cp -r "$KA_SRCDIR/src" "$T/src"
echo '#include "cli/cli.h"' >>"$T/src/common.c"
echo '#include "config_lines.h"' >>"$T/src/config_overlap.h"
echo '#include "config_overlap.h"' >>"$T/src/config_lines.h"
seq 801 | sed 's|^|// |' >"$T/src/long.c"
"$check" "$T/src" >"$T/bad.out" 2>&1
assert_eq "a tree with faults is refused" 1 "$?"
assert_match "an upward include is named" '^up common \(floor 1\) includes cli/cli \(floor 5\)' "$T/bad.out"
assert_match "an include cycle is named" '^include-cycle .*config_lines.*config_overlap|^include-cycle .*config_overlap.*config_lines' "$T/bad.out"
assert_match "a long file is named" '^long long.c has 801 lines' "$T/bad.out"

# --- this tree, and this build's objects --------------------------------------
"$check" "$KA_SRCDIR/src" "$KA_BUILDDIR/src" >"$T/out" 2>&1
rc=$?
[ "$rc" = 0 ] || sed 's/^/#   /' "$T/out"
assert_eq "src/ keeps its floors, has no cycle and no long file" 0 "$rc"
assert_eq "the calls were read from objects" yes \
	"$(find "$KA_BUILDDIR/src" -name '*.o' | grep -q . && echo yes || echo no)"
finish
