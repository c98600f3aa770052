import ArgumentParser
import ConvEngine
import Foundation

/// `convplay bench`: per-node and total forward time, GFLOP/s and the fraction of the machine's peak.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time the forward pass per node and in total, in GFLOP/s and as a fraction of the machine's peak.",
        discussion: "FLOPs = 2 × MACs. --peak measures the peak itself with an FMA loop.")

    @Argument(help: "A shipped preset name or a preset path (omit with --peak).")
    var preset: String?
    @Option(
        name: .customLong("threads"), parsing: .unconditional,
        help: ArgumentHelp("Worker threads for the kernels, 1 to \(SizeLimits.threads) (default: all cores).", valueName: "threads"))
    var threadsText: String?
    @Option(name: .customLong("runs"), parsing: .unconditional, help: ArgumentHelp("Timed runs after one warm-up run.", valueName: "runs"))
    var runsText = "10"
    @Flag(help: "Print JSON instead of a table.")
    var json = false
    @Flag(help: "Measure the machine's fp32 peak with an FMA loop (and print it).")
    var peak = false

    func validate() throws {
        if preset == nil && !peak { throw ValidationError("name a preset to time, or pass --peak") }
    }

    func run() throws {
        let runs = try wholeNumber(runsText, flag: "--runs", 1...100_000, what: "the number of timed runs")
        let threads = try threadsText.map { text throws(CommandError) in
            try wholeNumber(text, flag: "--threads", 1...SizeLimits.threads, what: "the thread count")
        }
        let threadCount = threads ?? min(ProcessInfo.processInfo.activeProcessorCount, SizeLimits.threads)
        KernelThreads.count = threadCount
        let peakGFLOPS = Kernels.peakGFLOPS(threads: threadCount)
        guard let preset else {
            let copyGBps = Kernels.copyBandwidthGBps(threads: threadCount)
            if json {
                print(
                    "{\"threads\": \(threadCount), \"peak_gflops\": \(formatFixed(peakGFLOPS, digits: 1)), "
                        + "\"micro_kernel\": \(JSONValue.quoted(Kernels.microKernelName)), \"copy_gbps\": \(formatFixed(copyGBps, digits: 1))}"
                )
            } else {
                print(
                    "peak fp32 on \(threadCount) thread(s): \(formatFixed(peakGFLOPS, digits: 1)) GFLOP/s "
                        + "(FMA loop at the width of the \(Kernels.microKernelName) GEMM micro-kernel)")
                print("memory bandwidth: \(formatFixed(copyGBps, digits: 1)) GB/s (streaming copy, read + written, 64 MiB per thread)")
            }
            return
        }
        let options = try PresetOptions.parse([preset])
        let loaded = try options.load()
        // One session throughout: the warm-up run resolves every layer's parameters once, as the playground does.
        var template = try options.session(for: loaded)
        let order = template.order
        var perNode = [[Double]](repeating: [], count: order.count)
        var totals: [Double] = []
        for run in 0...runs {
            template.reset()
            var total = 0.0
            for i in order.indices {
                let start = DispatchTime.now().uptimeNanoseconds
                template.stepForward()
                let ms = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
                if run > 0 { perNode[i].append(ms) }
                total += ms
            }
            if run > 0 { totals.append(total) }
        }
        let costs = template.costs, bytes = template.bytesMoved()
        // measured right after the timed runs, so the fractions compare like with like on a busy machine
        let copyGBps = Kernels.copyBandwidthGBps(threads: threadCount)
        func gflops(_ macs: Int, _ ms: Double) -> Double { ms > 0 ? 2 * Double(macs) / (ms * 1e6) : 0 }
        func gbps(_ path: NodePath, _ ms: Double) -> Double { ms > 0 ? Double(bytes[path] ?? 0) / (ms * 1e6) : 0 }
        /// Layers with fewer FLOPs per byte moved than the machine's peak per copy bandwidth (the roofline's
        /// ridge), and every merge: bound by memory, so measured in GB/s against the copy.
        func isMemoryBound(_ path: NodePath) -> Bool {
            guard let node = template.network.node(at: path), (bytes[path] ?? 0) > 0 else { return false }
            return node.layer == nil || Double(costs[path].flops) / Double(bytes[path]!) < peakGFLOPS / copyGBps
        }
        let totalMedian = median(totals)
        let totalGF = gflops(costs.total.macs, totalMedian)
        if json {
            var nodes: [String] = []
            for (i, path) in order.enumerated() where template.network.node(at: path)?.layer != nil {
                let ms = median(perNode[i])
                nodes.append(
                    "    {\"path\": \(JSONValue.quoted(path.description)), \"name\": \(JSONValue.quoted(template.network.node(at: path)!.name)), "
                        + "\"median_ms\": \(formatFixed(ms, digits: 4)), \"macs\": \(costs[path].macs), \"gflops\": \(formatFixed(gflops(costs[path].macs, ms), digits: 2)), "
                        + "\"bytes\": \(bytes[path] ?? 0), \"gbps\": \(formatFixed(gbps(path, ms), digits: 2))}"
                )
            }
            print(
                """
                {
                  "preset": \(JSONValue.quoted(preset)),
                  "threads": \(threadCount),
                  "runs": \(runs),
                  "peak_gflops": \(formatFixed(peakGFLOPS, digits: 1)),
                  "copy_gbps": \(formatFixed(copyGBps, digits: 1)),
                  "nodes": [
                \(nodes.joined(separator: ",\n"))
                  ],
                  "total": {"median_ms": \(formatFixed(totalMedian, digits: 3)), "min_ms": \(formatFixed(totals.min()!, digits: 3)), \
                "max_ms": \(formatFixed(totals.max()!, digits: 3)), "macs": \(costs.total.macs), "gflops": \(formatFixed(totalGF, digits: 2)), \
                "peak_fraction": \(formatFixed(totalGF / peakGFLOPS, digits: 3))}
                }
                """)
            return
        }
        print(
            "\(loaded.network.name) · \(threadCount) thread(s) · \(runs) runs after 1 warm-up · peak \(formatFixed(peakGFLOPS, digits: 1)) GFLOP/s · "
                + "streaming copy \(formatFixed(copyGBps, digits: 1)) GB/s (after the runs)"
        )
        print(
            "path".padding(toLength: 28, withPad: " ", startingAt: 0) + "name".padding(toLength: 24, withPad: " ", startingAt: 0)
                + "  median ms    GFLOP/s   % peak     GB/s   % copy")
        for (i, path) in order.enumerated() {
            let ms = median(perNode[i]), gf = gflops(costs[path].macs, ms), node = template.network.node(at: path)!
            let computes = node.layer != nil && costs[path].macs > 0, memoryBound = isMemoryBound(path)
            print(
                path.description.padding(toLength: 28, withPad: " ", startingAt: 0)
                    + node.name.padding(toLength: 24, withPad: " ", startingAt: 0)
                    + leftPad(formatFixed(ms, digits: 3), 11) + leftPad(computes ? formatFixed(gf, digits: 1) : "–", 11)
                    + leftPad(computes ? formatFixed(100 * gf / peakGFLOPS, digits: 1) : "–", 9)
                    + leftPad(memoryBound ? formatFixed(gbps(path, ms), digits: 1) : "–", 9)
                    + leftPad(memoryBound ? formatFixed(100 * gbps(path, ms) / copyGBps, digits: 1) : "–", 9))
        }
        print(
            "total: median \(formatFixed(totalMedian, digits: 2)) ms (min \(formatFixed(totals.min()!, digits: 2)), "
                + "max \(formatFixed(totals.max()!, digits: 2))) · \(formatFixed(totalGF, digits: 1)) GFLOP/s · "
                + "\(formatFixed(100 * totalGF / peakGFLOPS, digits: 1)) % of peak")
        // the depthwise convs together: the layers a memory-bandwidth target is set for
        let depthwise = order.indices.filter { i in
            template.shapes.convGeometry(at: order[i]).map { $0.groups > 1 && $0.groups == $0.inChannels } ?? false
        }
        let depthwiseMs = depthwise.map { median(perNode[$0]) }.reduce(0, +)
        if depthwiseMs > 0 {
            let rate = Double(depthwise.map { bytes[order[$0]] ?? 0 }.reduce(0, +)) / (depthwiseMs * 1e6)
            print(
                "depthwise convs: \(depthwise.count), \(formatFixed(depthwiseMs, digits: 3)) ms, \(formatFixed(rate, digits: 1)) GB/s moved "
                    + "(input and weights read, outputs written, fused nodes' included) · \(formatFixed(100 * rate / copyGBps, digits: 1)) % of the copy"
            )
        }
    }

    private func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
}

func leftPad(_ s: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - s.count)) + s }
