#!/bin/sh
# An optimised build (-O2, no sanitizers) for the benchmarks, made once.
# Usage: bench/build.sh BUILD_DIR   (does nothing when BUILD_DIR/kargo-agent exists)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:?usage: bench/build.sh BUILD_DIR}
[ -x "$build/kargo-agent" ] && exit 0
(cd "$top" && { [ -x configure ] || autoreconf -fi; })
mkdir -p "$build" && cd "$build" && "$top/configure" -q CFLAGS="-O2" && make -s -j"$(nproc)"
