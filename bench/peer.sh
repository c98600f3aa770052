#!/usr/bin/env bash
# Peer benchmark: convplay against onnxruntime on the same networks, the same threads, one after the other.
#
# Creates its own venv (bench/.venv: onnxruntime + numpy), builds the release binary, exports each preset
# to ONNX with `convplay export`, then for 1 and 2 threads times onnxruntime (its own process) and
# `convplay bench --json` (same thread count), never both at once, and prints one table with each ratio.
# Then, per network and thread count, where the time goes: onnxruntime's profiler times each node of its
# optimised graph (a separate run, ort_time.py --profile), attribute.py matches its nodes to ours (it fuses
# conv + batch norm + activation) and prints the groups where convplay loses most against it.
#
# Settings (environment): PEER_PRESETS (default "nin-cifar10 inception-3a googlenet squeezenet mobilenet-v2
# resnet50"), PEER_THREADS (default "1 2"), PEER_RUNS (timed runs per measurement, default 30), PEER_TOP
# (groups listed per network, default 5; 0: no attribution), PEER_BIN (a convplay binary to time instead of
# building one: an older build to compare with), PYTHON (default python3).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
presets=${PEER_PRESETS:-"nin-cifar10 inception-3a googlenet squeezenet mobilenet-v2 resnet50"}
thread_counts=${PEER_THREADS:-"1 2"}
runs=${PEER_RUNS:-30}
top=${PEER_TOP:-5}
venv="$root/bench/.venv"
py="$venv/bin/python"

if [ ! -x "$py" ] || ! "$py" -c "import onnxruntime, numpy" 2>/dev/null; then
    echo "setting up $venv (onnxruntime, numpy)…" >&2
    "${PYTHON:-python3}" -m venv "$venv"
    "$py" -m pip install -q --disable-pip-version-check -r "$root/bench/requirements.txt"
fi

if [ -n "${PEER_BIN:-}" ]; then
    bin="$PEER_BIN"
else
    echo "building the release binary…" >&2
    swift build -c release --product convplay >&2
    bin="$root/.build/release/convplay"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for preset in $presets; do
    "$bin" export "$preset" --onnx "$work/$preset.onnx" >&2
done

json_field() { "$py" -c "import json,sys; print(json.load(sys.stdin)$1)"; }

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//' || true)
cores=$(nproc)
peaks=""
for threads in $thread_counts; do
    peak=$("$bin" bench --peak --json --threads "$threads" | json_field '["peak_gflops"]')
    peaks+="${peaks:+, }$threads thread(s) $peak GFLOP/s"
done
ort_version=$("$py" -c "import onnxruntime; print(onnxruntime.__version__)")
kernel=$("$bin" bench --peak --json --threads 1 | json_field '["micro_kernel"]')

rows=()
for preset in $presets; do
    for threads in $thread_counts; do
        ort_ms=$("$py" "$root/bench/ort_time.py" "$work/$preset.onnx" --threads "$threads" --runs "$runs" \
                 | json_field '["median_ms"]')
        "$bin" bench "$preset" --json --threads "$threads" --runs "$runs" >"$work/$preset-$threads.json"
        cp_ms=$(json_field '["total"]["median_ms"]' <"$work/$preset-$threads.json")
        rows+=("$preset $threads $ort_ms $cp_ms")
    done
done

echo "machine: ${cpu:-unknown CPU}, $cores cores; peak fp32 (convplay bench --peak): $peaks;" \
     "convplay GEMM $kernel; onnxruntime $ort_version"
printf '%-14s %7s %18s %15s %22s\n' preset threads "onnxruntime ms" "convplay ms" "convplay/onnxruntime"
for row in "${rows[@]}"; do
    read -r preset threads ort_ms cp_ms <<<"$row"
    ratio=$("$py" -c "print(f'{$cp_ms / $ort_ms:.2f}')")
    printf '%-14s %7s %18.2f %15.2f %22s\n' "$preset" "$threads" "$ort_ms" "$cp_ms" "$ratio"
done

[ "$top" -gt 0 ] || exit 0
echo
echo "where convplay loses most (per-node medians; onnxruntime's from its profiler, in a separate run):"
for preset in $presets; do
    for threads in $thread_counts; do
        "$py" "$root/bench/ort_time.py" "$work/$preset.onnx" --threads "$threads" --runs "$runs" --profile \
            >"$work/$preset-$threads-ort.json"
        "$py" "$root/bench/attribute.py" "$work/$preset-$threads.json" "$work/$preset-$threads-ort.json" --top "$top"
    done
done
