#!/usr/bin/env bash
# The blocked conv (NCHW8c, `Kernels.blockedConv2d`) against the NCHW `Kernels.conv2d` with packed weights, per conv
# of ResNet-50 and a few others, at 1 and 2 threads (Tests/ConvEngineTests/KernelBlockedConvBench.swift, a test that
# runs only when asked). Usage: bench/blocked-conv.sh [ROUNDS]   (run under `flock /tmp/cpu.lock`)
set -euo pipefail
cd "$(dirname "$0")/.."
CONVPLAY_BLOCKED_BENCH=${1:-15} swift test -c release --filter KernelBlockedConvBench 2>&1 |
    grep -vE '^(\[|Building|Compiling|Write|Test Suite|Test Case|Executed|◇|↳)' || true
