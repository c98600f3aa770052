#!/usr/bin/env python3
"""Times one ONNX model in onnxruntime (CPU) in this process only and prints one JSON line.

Sequential execution, inter-op 1 thread, intra-op N threads, full graph optimisation; warm-up runs first,
then the median, min and max of the timed runs in milliseconds. With --profile the runs go through
onnxruntime's own profiler (SessionOptions.enable_profiling) and the JSON also lists, per node of the optimised
graph in execution order, its name, operator and median kernel time ("nodes"); time those runs apart from the
unprofiled ones, the profiler adds its own cost.
"""
import argparse
import json
import os
import statistics
import tempfile
import time

import numpy as np
import onnxruntime as ort


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("model")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="per-node kernel times from onnxruntime's profiler")
    args = parser.parse_args()

    options = ort.SessionOptions()
    options.intra_op_num_threads = args.threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    profile_dir = tempfile.mkdtemp() if args.profile else None
    if profile_dir:
        options.enable_profiling = True
        options.profile_file_prefix = os.path.join(profile_dir, "ort")
    session = ort.InferenceSession(args.model, options, providers=["CPUExecutionProvider"])
    model_input = session.get_inputs()[0]
    shape = [d if isinstance(d, int) and d > 0 else 1 for d in model_input.shape]
    x = np.random.default_rng(1).random(shape, dtype=np.float32)
    feed = {model_input.name: x}

    for _ in range(args.warmup):
        session.run(None, feed)
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        session.run(None, feed)
        times.append((time.perf_counter() - start) * 1e3)
    result = {"median_ms": statistics.median(times), "min_ms": min(times), "max_ms": max(times),
              "threads": args.threads, "runs": args.runs, "onnxruntime": ort.__version__}
    if profile_dir:
        result["nodes"] = node_times(session.end_profiling(), args.warmup)
        os.rmdir(profile_dir)
    print(json.dumps(result))


def node_times(profile_path: str, warmup: int) -> list:
    """Median kernel time per node over the timed runs, in the order the nodes first ran; deletes the profile."""
    with open(profile_path) as f:
        events = json.load(f)
    os.remove(profile_path)
    runs = [e for e in events if e.get("cat") == "Session" and e.get("name") == "model_run"]
    start_of_timed = runs[warmup]["ts"] if len(runs) > warmup else 0
    order, ops, times = [], {}, {}
    for e in events:
        if e.get("cat") != "Node" or not e["name"].endswith("_kernel_time") or e["ts"] < start_of_timed:
            continue
        name = e["name"][: -len("_kernel_time")]
        if name not in times:
            order.append(name)
            ops[name] = e["args"].get("op_name", "?")
            times[name] = []
        times[name].append(e["dur"] / 1e3)
    return [{"name": n, "op": ops[n], "median_ms": statistics.median(times[n])} for n in order]


if __name__ == "__main__":
    main()
