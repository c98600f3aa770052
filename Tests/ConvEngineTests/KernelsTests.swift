import CKernels
import Foundation
import Testing

@testable import ConvEngine

/// The worker pool behind `Kernels.parallelFor`: every task exactly once, whatever the thread count, and
/// correct when several callers (or a loop inside a task) compete for the pool.
@Suite struct KernelsTests {
    /// Counts how often each task ran; tasks write distinct slots, so no lock is needed.
    private static func runCounts(tasks: Int, threads: Int) -> [Int] {
        var counts = [Int](repeating: 0, count: tasks)
        counts.withUnsafeMutableBufferPointer { counts in
            Kernels.parallelFor(tasks: tasks, threads: threads) { task in counts[task] += 1 }
        }
        return counts
    }

    @Test(arguments: [(0, 2), (1, 2), (2, 2), (7, 2), (1000, 2), (5, 1), (33, 4), (3, 8)])
    func everyTaskRunsExactlyOnce(_ size: (tasks: Int, threads: Int)) {
        for round in 0..<50 {
            let counts = Self.runCounts(tasks: size.tasks, threads: size.threads)
            let wrong = counts.enumerated().filter { $0.element != 1 }
            #expect(wrong.isEmpty, "round \(round): tasks run other than once: \(wrong.prefix(5))")
        }
    }

    /// A loop of more tasks than the pool's ticket counts (2²⁰ − 1) goes to Dispatch and still runs each once.
    @Test func loopLongerThanATicketRunsEachTaskOnce() {
        let counts = Self.runCounts(tasks: 1 << 20, threads: 2)
        #expect(counts.allSatisfy { $0 == 1 }, "tasks run other than once: \(counts.enumerated().filter { $0.element != 1 }.prefix(5))")
    }

    /// The caller claims tasks from the front and the worker from the back, so on two threads the caller's tasks
    /// are a prefix of the loop and the worker's the rest, every one run once (the pool itself, not the Dispatch
    /// fallback, which a busy pool would hand the loop to: such a try is repeated).
    @Test func callerRunsAPrefixOfTheTasksAndTheWorkerTheRest() {
        struct Context {
            var ranOn: UnsafeMutablePointer<UInt8>
            var caller: pthread_t
        }
        let tasks = 64
        for round in 0..<20 {
            var ranOn = [UInt8](repeating: 0, count: tasks)
            var pooled: Int32 = 0
            ranOn.withUnsafeMutableBufferPointer { ranOn in
                var context = Context(ranOn: ranOn.baseAddress!, caller: pthread_self())
                for _ in 0..<1000 where pooled == 0 {
                    pooled = ck_parallel_for(
                        Int32(tasks), 2,
                        { context, task in
                            let context = context!.assumingMemoryBound(to: Context.self).pointee
                            usleep(50)  // long enough for the worker to join
                            context.ranOn[Int(task)] += pthread_equal(pthread_self(), context.caller) != 0 ? 1 : 2
                        }, &context)
                }
            }
            guard pooled != 0 else { continue }
            let callerTasks = ranOn.prefix { $0 == 1 }.count
            #expect(
                ranOn.dropFirst(callerTasks).allSatisfy { $0 == 2 },
                "round \(round): 1 = caller, 2 = worker, anything else ran other than once: \(ranOn)")
        }
    }

    @Test func loopsInsideTasksAndConcurrentCallersStillRunEveryTask() {
        let outer = 6, inner = 40
        var counts = [Int](repeating: 0, count: outer * inner)
        counts.withUnsafeMutableBufferPointer { counts in
            // Each (o, i) cell is written by one task only: the point of the test.
            let shared = UncheckedSendable(value: counts)
            DispatchQueue.concurrentPerform(iterations: 3) { caller in
                Kernels.parallelFor(tasks: outer, threads: 2) { o in
                    guard o % 3 == caller else { return }
                    Kernels.parallelFor(tasks: inner, threads: 2) { i in shared.value[o * inner + i] += 1 }
                }
            }
        }
        let wrong = counts.enumerated().filter { $0.element != 1 }
        #expect(wrong.isEmpty, "tasks run other than once: \(wrong.prefix(5))")
    }

    @Test func sumsSplitAcrossWorkersEqualTheSerialSum() {
        let values = (0..<10_000).map { Double($0 % 97) * 0.5 }
        let parts = Kernels.split(values.count, parts: 16)
        var partial = [Double](repeating: 0, count: parts.count)
        partial.withUnsafeMutableBufferPointer { partial in
            Kernels.parallelFor(tasks: parts.count, threads: 2) { task in
                partial[task] = values[parts[task]].reduce(0, +)
            }
        }
        let serial = parts.map { values[$0].reduce(0, +) }
        #expect(partial == serial, "per-part sums differ: \(zip(partial, serial).filter { $0 != $1 }.prefix(3))")
    }
}
