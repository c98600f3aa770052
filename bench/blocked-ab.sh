#!/usr/bin/env bash
# Planar against blocked (NCHW8c) pools and depthwise convs on the presets' shapes (bench/blocked_ab.c): the working
# tree's Sources/CKernels built with the package's flags. Usage: bench/blocked-ab.sh [ROUNDS] [THREADS] [FILTER]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/build-harness.sh
build_harness blocked_ab
"$work/blocked_ab" "${1:-21}" "${2:-1}" "${3:-}"
