#!/usr/bin/env bash
# Builds bench/conv_ab.c against Sources/CKernels (bench/build-harness.sh, with $CFLAGS) and runs it on every shape given as
# "C H W M KH KW stride pad" arguments (default: the wide-map convs of ResNet-50, SqueezeNet, GoogLeNet and NIN).
# CALLS (default 200) alternating calls a side. 1 thread, Intel/AMD with AVX-512 for the channel tiles.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/build-harness.sh
build_harness conv_ab
shapes=("$@")
if [ ${#shapes[@]} -eq 0 ]; then
    shapes=(
        "64 56 56 64 3 3 1 1" "128 56 56 128 3 3 2 1" "128 28 28 128 3 3 1 1" "256 56 56 64 1 1 1 0"
        "512 28 28 128 1 1 1 0" "256 56 56 512 1 1 2 0" "512 28 28 1024 1 1 2 0" "3 224 224 64 7 7 2 3"
        "3 224 224 96 7 7 2 0" "16 55 55 64 3 3 1 1" "32 27 27 128 3 3 1 1" "96 28 28 128 3 3 1 1"
        "16 28 28 32 5 5 1 2" "192 28 28 64 1 1 1 0" "96 32 32 96 1 1 1 0" "192 16 16 192 5 5 1 2"
    )
fi
for shape in "${shapes[@]}"; do
    # shellcheck disable=SC2086
    "$work/conv_ab" $shape "${CALLS:-200}"
done
