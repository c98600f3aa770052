#!/usr/bin/env bash
# Training throughput: convplay against PyTorch (CPU) on the same networks, batch and threads, one after the other.
#
# Uses the test venv (.venv, made by `make venv`: torch is in requirements-test.txt), builds the release binary,
# dumps each preset with `convplay grad` (PyTorch rebuilds the network from that manifest), then per thread count
# times `convplay bench-train --json` and bench/torch_train.py and prints one table with the ratio
# convplay images/s ÷ PyTorch images/s (above 1: convplay is faster).
#
# Settings (environment): TRAIN_PEER_PRESETS (default "nin-digits nin-shapes"), TRAIN_PEER_THREADS (default "1 2"),
# TRAIN_PEER_BATCH (default 64), TRAIN_PEER_STEPS (timed steps, default 20).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
presets=${TRAIN_PEER_PRESETS:-"nin-digits nin-shapes"}
thread_counts=${TRAIN_PEER_THREADS:-"1 2"}
batch=${TRAIN_PEER_BATCH:-64}
steps=${TRAIN_PEER_STEPS:-20}
py="$root/.venv/bin/python"
if [ ! -x "$py" ] || ! "$py" -c "import torch" 2>/dev/null; then
    echo "no torch in .venv — run make venv first" >&2
    exit 2
fi

echo "building the release binary…" >&2
swift build -c release --product convplay >&2
bin="$root/.build/release/convplay"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
json_field() { "$py" -c "import json,sys; print(json.load(sys.stdin)$1)"; }

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//' || true)
kernel=$("$bin" bench --peak --json --threads 1 | json_field '["micro_kernel"]')
torch_version=$("$py" -c "import torch; print(torch.__version__)")
echo "machine: ${cpu:-unknown CPU}, $(nproc) cores; convplay GEMM $kernel; PyTorch $torch_version; batch $batch"
printf '%-14s %7s %16s %18s %20s %10s\n' preset threads "PyTorch img/s" "convplay img/s" "convplay/PyTorch" "step MiB"
for preset in $presets; do
    "$bin" grad "$preset" --dump "$work/$preset" > /dev/null
    for threads in $thread_counts; do
        torch_ips=$("$py" "$root/bench/torch_train.py" "$work/$preset" --batch "$batch" --threads "$threads" --steps "$steps" \
                    | json_field '["images_per_second"]')
        ours=$("$bin" bench-train "$preset" --json --batch "$batch" --threads "$threads" --steps "$steps")
        cp_ips=$(echo "$ours" | json_field '["images_per_second"]')
        step_mib=$(echo "$ours" | json_field '["step_bytes"] / 1048576')
        ratio=$("$py" -c "print(f'{$cp_ips / $torch_ips:.2f}×')")
        printf '%-14s %7s %16.0f %18.0f %20s %10.1f\n' "$preset" "$threads" "$torch_ips" "$cp_ips" "$ratio" "$step_mib"
    done
done
