#!/usr/bin/env python3
"""Times one ONNX model in onnxruntime (CPU) in this process only and prints one JSON line.

Sequential execution, inter-op 1 thread, intra-op N threads, full graph optimisation; warm-up runs first,
then the median, min and max of the timed runs in milliseconds.
"""
import argparse
import json
import statistics
import time

import numpy as np
import onnxruntime as ort


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("model")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args()

    options = ort.SessionOptions()
    options.intra_op_num_threads = args.threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
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
    print(json.dumps({"median_ms": statistics.median(times), "min_ms": min(times), "max_ms": max(times),
                      "threads": args.threads, "runs": args.runs, "onnxruntime": ort.__version__}))


if __name__ == "__main__":
    main()
