import CKernels
import Dispatch
import Foundation
import Synchronization

/// The engine's numeric kernels: flat `Float` buffers in channel-major `C×H×W`, no allocation of tensors.
/// Heavy work (GEMM, im2col) runs in the C target `CKernels`; everything else is plain Swift loops.
public enum Kernels {}

/// How many threads the kernels use when a call does not say.
public enum KernelThreads {
    private static let stored = Atomic<Int>(max(1, ProcessInfo.processInfo.activeProcessorCount))

    /// Default worker count for every kernel: the machine's active cores. Set to 1 to measure one core; held to
    /// 1…`SizeLimits.threads`.
    /// Read by every kernel call on any thread, so it is an atomic.
    public static var count: Int {
        get { stored.load(ordering: .relaxed) }
        set { stored.store(min(max(1, newValue), SizeLimits.threads), ordering: .relaxed) }
    }
}

/// A value handed to code that runs on several threads at once, where the compiler cannot see why that is safe.
/// Each use says why in a comment.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
}

extension Kernels {
    /// Runs `body(task)` for every task in `0..<tasks` on at most `threads` threads: the caller and the
    /// persistent workers of `ck_parallel_for`, which take tasks from a shared counter, the caller from the first
    /// task on and the workers from the last one back (which thread runs a task never changes a result). When that
    /// pool is busy — another caller, or a loop inside a task — the loop runs on Dispatch instead. Waiting threads
    /// yield their core while a loop runs and spin at most 50 µs after it. `body` runs on several
    /// threads at once: each task must write only memory no other task touches.
    static func parallelFor(tasks: Int, threads: Int, _ body: (Int) -> Void) {
        let workers = min(max(threads, 1), tasks)
        if workers <= 1 {
            for task in 0..<tasks { body(task) }
            return
        }
        if runOnPool(tasks: tasks, workers: workers, body) { return }
        // `body` runs on several threads by this function's contract: each task touches only its own part of
        // the caller's buffers, and every task is done before `parallelFor` returns (the C pool above passes it
        // through a raw pointer on the same terms).
        withoutActuallyEscaping(body) { body in
            let shared = UncheckedSendable(value: body)
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                var task = worker
                while task < tasks {
                    shared.value(task)
                    task += workers
                }
            }
        }
    }

    /// Runs `body(task)` for every task in `0..<tasks` as one loop of the `ck_parallel_for` pool on `workers` threads
    /// and returns true, or returns false at once, running none, while the pool is busy with another loop.
    static func runOnPool(tasks: Int, workers: Int, _ body: (Int) -> Void) -> Bool {
        withoutActuallyEscaping(body) { body in
            var task = body
            return withUnsafeMutablePointer(to: &task) { pointer in
                ck_parallel_for(
                    Int32(tasks), Int32(workers),
                    { context, task in
                        context!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(Int(task))
                    }, pointer) != 0
            }
        }
    }

    /// Values a memory-bound loop (a pool, a merge, a ReLU pass) reads or computes from which it takes a second
    /// thread (~32 K): with little arithmetic a value, smaller loops are not worth the hand-off.
    static let memoryBoundThreadingFloor = 1 << 15

    /// The parts a memory-bound loop over `values` values is cut into: `threads` from `memoryBoundThreadingFloor`
    /// on, one below it.
    static func memoryBoundParts(values: Int, threads: Int) -> Int {
        values < memoryBoundThreadingFloor ? 1 : threads
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

/// The instruction sets the kernels are written for, each including the one before.
public enum InstructionSet: Int, CaseIterable, Comparable, Sendable {
    case portable = 0
    case avx2 = 1
    case avx512 = 2

    /// The name `convplay bench --isa` takes and prints.
    public var name: String {
        switch self {
        case .portable: return "portable"
        case .avx2: return "avx2"
        case .avx512: return "avx512"
        }
    }

    /// The best one this CPU runs, whatever the process's limit.
    public static var cpu: InstructionSet { InstructionSet(c: ck_cpu_isa()) }

    /// The best one the kernels may use in this process: the CPU's, or less after `Kernels.limitInstructionSet`.
    public static var best: InstructionSet { InstructionSet(c: ck_best_isa()) }

    /// The one the kernels use on the calling thread: `best`, unless a test forced another.
    public static var current: InstructionSet { InstructionSet(c: ck_isa()) }

    public static func < (a: InstructionSet, b: InstructionSet) -> Bool { a.rawValue < b.rawValue }

    /// The C kernels' number for this set (CK_ISA_*, the same numbering).
    var c: Int32 { Int32(rawValue) }

    private init(c: Int32) { self = InstructionSet(rawValue: Int(c)) ?? .portable }
}

extension Kernels {
    /// Caps the instruction set of every kernel thread at `isa` for the rest of the process (at most the CPU's),
    /// so a benchmark runs the kernels an older CPU would. Call before any plan is built: packed weights are laid
    /// out for one instruction set.
    public static func limitInstructionSet(_ isa: InstructionSet) { ck_limit_isa(isa.c) }

    /// Which GEMM micro-kernel runs on this machine: "avx512 8×32", "avx2+fma 6×16" or "portable C 6×16".
    public static var microKernelName: String {
        switch InstructionSet.current {
        case .avx512: return "avx512 8×32"
        case .avx2: return "avx2+fma 6×16"
        case .portable: return "portable C 6×16"
        }
    }

    /// The instruction sets the kernels can run with in this process, portable C first and `InstructionSet.best` last.
    static var supportedInstructionSets: [InstructionSet] { InstructionSet.allCases.filter { $0 <= .best } }

    /// Forces instruction set `isa` on the calling thread (nil: detect again). For tests, with `threads: 1`.
    static func forceInstructionSet(_ isa: InstructionSet?) { ck_force_isa(isa?.c ?? -1) }

    /// Columns per packed B panel: column splits across threads are cut at multiples of it.
    static var panelWidth: Int { Int(ck_panel_width()) }

    /// Rows per packed A panel (the micro-kernel's height): channel splits across threads are cut at multiples of it.
    static var panelHeight: Int { Int(ck_panel_height()) }
}
