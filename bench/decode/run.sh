#!/bin/sh
# SPDX-License-Identifier: MIT
# Build and run the decoder benchmark against an existing build directory:
#   bench/decode/run.sh [build dir] [ELF file] [repetitions]
set -e
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$top/build}
bin=$build/bench-decode
ninja -C "$build" libksdecode.a >/dev/null
${CC:-cc} -O2 -Wall -Wextra -I"$top/include" -I"$top" \
    $(pkg-config --cflags glib-2.0 capstone) "$top/bench/decode/bench-decode.c" \
    "$build/libksdecode.a" -o "$bin" $(pkg-config --libs glib-2.0 capstone)
"$bin" "${2:-/bin/bash}" "${3:-5}"
