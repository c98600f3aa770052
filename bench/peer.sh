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
# Rounds: the shared host this runs on switches, for seconds at a time, into a state where both programs run up to
# 1.7× slower (the FMA peak drops with them). So each measurement is PEER_ROUNDS rounds, onnxruntime then
# convplay, each round's median kept; the table's ratio is the two best rounds (the machine undisturbed), and the
# median of the round medians is printed beside it.
#
# Settings (environment): PEER_PRESETS (default "nin-cifar10 inception-3a googlenet squeezenet mobilenet-v2
# resnet50"), PEER_THREADS (default "1 2"), PEER_RUNS (timed runs per round, default 30), PEER_ROUNDS (default
# 3), PEER_TOP
# (groups listed per network, default 5; 0: no attribution), PEER_BIN (a convplay binary to time instead of
# building one: an older build to compare with), PEER_ISA (avx2 or portable: convplay's kernels capped at that
# instruction set, `convplay bench --isa`, as an AVX2-only CPU runs them; onnxruntime keeps the CPU's best, so
# the ratio is a bound on what such a CPU would show), PYTHON (default python3).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
presets=${PEER_PRESETS:-"nin-cifar10 inception-3a googlenet squeezenet mobilenet-v2 resnet50"}
thread_counts=${PEER_THREADS:-"1 2"}
runs=${PEER_RUNS:-30}
rounds=${PEER_ROUNDS:-3}
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

isa=(${PEER_ISA:+--isa "$PEER_ISA"})
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
    peak=$("$bin" bench --peak --json --threads "$threads" "${isa[@]}" | json_field '["peak_gflops"]')
    peaks+="${peaks:+, }$threads thread(s) $peak GFLOP/s"
done
ort_version=$("$py" -c "import onnxruntime; print(onnxruntime.__version__)")
kernel=$("$bin" bench --peak --json --threads 1 "${isa[@]}" | json_field '["micro_kernel"]')

# The smallest and the median of the numbers given as arguments.
best_and_median() { "$py" -c "import statistics,sys; v=[float(x) for x in sys.argv[1:]]; print(min(v), statistics.median(v))" "$@"; }

rows=()
for preset in $presets; do
    for threads in $thread_counts; do
        ort_rounds=()
        cp_rounds=()
        cp_best=""
        for ((round = 0; round < rounds; round++)); do
            ort_rounds+=("$("$py" "$root/bench/ort_time.py" "$work/$preset.onnx" --threads "$threads" --runs "$runs" \
                           | json_field '["median_ms"]')")
            "$bin" bench "$preset" --json --threads "$threads" --runs "$runs" "${isa[@]}" >"$work/round.json"
            cp_ms=$(json_field '["total"]["median_ms"]' <"$work/round.json")
            cp_rounds+=("$cp_ms")
            # The attribution below reads the per-node times of convplay's best round.
            if [ -z "$cp_best" ] || "$py" -c "import sys; sys.exit(0 if $cp_ms < $cp_best else 1)"; then
                cp_best=$cp_ms
                cp "$work/round.json" "$work/$preset-$threads.json"
            fi
        done
        read -r ort_best ort_median < <(best_and_median "${ort_rounds[@]}")
        read -r cp_best cp_median < <(best_and_median "${cp_rounds[@]}")
        rows+=("$preset $threads $ort_best $cp_best $ort_median $cp_median")
    done
done

echo "machine: ${cpu:-unknown CPU}, $cores cores; peak fp32 (convplay bench --peak): $peaks;" \
     "convplay GEMM $kernel; onnxruntime $ort_version; best and median of $rounds rounds of $runs runs each"
printf '%-14s %7s %18s %15s %22s %16s\n' preset threads "onnxruntime ms" "convplay ms" "convplay/onnxruntime" \
       "median rounds"
for row in "${rows[@]}"; do
    read -r preset threads ort_ms cp_ms ort_median cp_median <<<"$row"
    ratio=$("$py" -c "print(f'{$cp_ms / $ort_ms:.2f}')")
    median_ratio=$("$py" -c "print(f'{$cp_median / $ort_median:.2f}')")
    printf '%-14s %7s %18.2f %15.2f %22s %16s\n' "$preset" "$threads" "$ort_ms" "$cp_ms" "$ratio" "$median_ratio"
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
