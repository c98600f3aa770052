#!/usr/bin/env bash
# Same-process A/B of the C kernels: a base revision's Sources/CKernels (default main) against the working tree's,
# each built as a shared library, timed alternately by bench/ckab.c on MobileNetV2's 1×1 and depthwise shapes.
# Usage: bench/ckab.sh [BASE-REV] [ROUNDS] [CASE-FILTER]
set -euo pipefail
cd "$(dirname "$0")/.."
base=${1:-main} rounds=${2:-41} filter=${3:-}
source bench/build-harness.sh
mkdir -p "$work/old"
git archive "$base" Sources/CKernels | tar -x -C "$work/old"
build_kernels_library "$work/old/Sources/CKernels" "$work/old.so"
build_kernels_library Sources/CKernels "$work/new.so"
clang -O2 -ISources/CKernels/include bench/ckab.c -o "$work/ckab" -ldl
"$work/ckab" "$work/old.so" "$work/new.so" "$rounds" "$filter"
