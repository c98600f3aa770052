#!/usr/bin/env bash
# Blocked 1×1 convs (NCHW8c) against the planar GEMM and the general blocked kernel, 1 thread (bench/pointwise_ab.c),
# on the presets' 1×1 shapes or the "C H W M stride" arguments. CALLS (default 100) a side.
# Usage: bench/pointwise-ab.sh ["C H W M stride" ...]   (run under `flock /tmp/cpu.lock`)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/build-harness.sh
build_harness pointwise_ab
shapes=("$@")
if [ ${#shapes[@]} -eq 0 ]; then
    shapes=(
        "64 56 56 256 1" "256 56 56 64 1" "64 56 56 64 1" "128 28 28 512 1" "512 28 28 128 1" "256 14 14 1024 1"
        "1024 14 14 256 1" "512 7 7 2048 1" "2048 7 7 512 1" "256 56 56 512 2" "512 28 28 1024 2" "1024 14 14 2048 2"
        "16 112 112 96 1" "24 56 56 144 1" "32 28 28 192 1" "64 14 14 384 1" "96 14 14 576 1" "160 7 7 960 1"
        "320 7 7 1280 1" "32 112 112 16 1" "96 56 56 24 1" "144 28 28 32 1" "16 55 55 64 1" "32 27 27 128 1"
        "48 27 27 192 1" "64 13 13 256 1" "192 32 32 160 1" "160 32 32 96 1" "192 16 16 192 1"
    )
fi
for shape in "${shapes[@]}"; do
    # shellcheck disable=SC2086
    "$work/pointwise_ab" $shape "${CALLS:-100}" || true
done
