import CKernels
import Dispatch
import Foundation

/// The engine's numeric kernels: flat `Float` buffers in channel-major `C×H×W`, no allocation of tensors.
/// Heavy work (GEMM, im2col) runs in the C target `CKernels`; everything else is plain Swift loops.
public enum Kernels {}

/// How many threads the kernels use when a call does not say.
public enum KernelThreads {
    /// Default worker count for every kernel: the machine's active cores. Set to 1 to measure one core.
    nonisolated(unsafe) public static var count: Int = max(1, ProcessInfo.processInfo.activeProcessorCount)
}

extension Kernels {
    /// Runs `body(task)` for every task in `0..<tasks` on at most `threads` threads (Dispatch, no spinning).
    /// Worker `w` takes tasks `w, w + workers, …`, so the split is deterministic.
    static func parallelFor(tasks: Int, threads: Int, _ body: (Int) -> Void) {
        let workers = min(max(threads, 1), tasks)
        if workers <= 1 {
            for task in 0..<tasks { body(task) }
            return
        }
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var task = worker
            while task < tasks {
                body(task)
                task += workers
            }
        }
    }

    /// Splits `0..<count` into `parts` contiguous ranges whose inner bounds are multiples of `alignment`.
    static func split(_ count: Int, parts: Int, alignment: Int = 1) -> [Range<Int>] {
        let parts = max(1, min(parts, (count + alignment - 1) / alignment))
        var bounds = [0]
        for index in 1..<parts {
            let cut = (count * index / parts + alignment / 2) / alignment * alignment
            bounds.append(min(max(cut, bounds.last!), count))
        }
        bounds.append(count)
        return (0..<parts).map { bounds[$0]..<bounds[$0 + 1] }.filter { !$0.isEmpty }
    }

    /// How many pieces to cut `work` multiply-accumulates into: one per thread once it pays for a thread.
    static func pieces(work: Int, threads: Int) -> Int {
        work < 1 << 18 ? 1 : max(1, threads)
    }
}

extension Kernels {
    /// Which GEMM micro-kernel runs on this machine: "avx2+fma 6×16" or "portable C 6×16".
    public static var microKernelName: String { ck_uses_avx2() != 0 ? "avx2+fma 6×16" : "portable C 6×16" }

    /// Forces the portable C micro-kernel on the calling thread (tests run it with `threads: 1`).
    static func forcePortableMicroKernel(_ portable: Bool) { ck_force_portable(portable ? 1 : 0) }
}
