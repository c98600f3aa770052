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
    @Option(
        name: .customLong("isa"), parsing: .unconditional,
        help: ArgumentHelp(
            "Run the kernels with at most this instruction set, as an older CPU would: avx512, avx2 or portable (default: the best this CPU has).",
            valueName: "isa"))
    var isaText: String?
    @Flag(help: "Print JSON instead of a table.")
    var json = false
    @Flag(help: "Measure the machine's fp32 peak with an FMA loop (and print it).")
    var peak = false
    @Option(
        name: .customLong("layout"), parsing: .unconditional,
        help: ArgumentHelp(
            "The inference plan's activation layout: planar, or blocked (NCHW8c) between every conv with a blocked kernel (default: blocked where it pays, on AVX2).",
            valueName: "layout"))
    var layoutText: String?
    @Flag(
        name: .customLong("every-node"),
        help: "Time the playground's pass, which writes and keeps every node's output, instead of the inference plan.")
    var everyNode = false

    func validate() throws {
        if preset == nil && !peak { throw ValidationError("name a preset to time, or pass --peak") }
    }

    func run() throws {
        let runs = try wholeNumber(runsText, flag: "--runs", 1...100_000, what: "the number of timed runs")
        let threads = try threadsText.map { text throws(CommandError) in
            try wholeNumber(text, flag: "--threads", 1...SizeLimits.threads, what: "the thread count")
        }
        if let isaText {
            guard let isa = InstructionSet.allCases.first(where: { $0.name == isaText }), isa.rawValue <= InstructionSet.cpu.rawValue
            else { throw CommandError.unsupportedInstructionSet(name: isaText, cpu: InstructionSet.cpu) }
            Kernels.limitInstructionSet(isa)
        }
        let threadCount = threads ?? min(ProcessInfo.processInfo.activeProcessorCount, SizeLimits.threads)
        KernelThreads.count = threadCount
        let peakBefore = Kernels.peakGFLOPS(threads: threadCount)
        guard let preset else {
            let peakGFLOPS = peakBefore
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
        let timing = everyNode ? try timeEveryNode(options.session(for: loaded), runs: runs) : try timePlan(loaded, options, runs: runs)
        let (rows, perNode, totals) = (timing.rows, timing.perNode, timing.totals)
        let template = try options.session(for: loaded)
        let costs = template.costs,
            bytes = template.bytesMoved(
                writingEveryNode: everyNode, concatFloatsInPlace: timing.concatFloatsInPlace)
        // measured right after the timed runs too (the better peak kept), so the fractions compare like with like
        // on a busy machine
        let copyGBps = Kernels.copyBandwidthGBps(threads: threadCount)
        let peakGFLOPS = max(peakBefore, Kernels.peakGFLOPS(threads: threadCount))
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
            for (i, row) in rows.enumerated() where row.reorder != nil || template.network.node(at: row.path)?.layer != nil {
                let ms = median(perNode[i]), path = row.path
                if let layout = row.reorder {
                    // a reorder between layouts: onnxruntime's ReorderInput/ReorderOutput (attribute.py groups them)
                    nodes.append(
                        "    {\"path\": \(JSONValue.quoted(path.description + " " + Self.label(layout))), \"name\": \(JSONValue.quoted(Self.label(layout))), "
                            + "\"reorder\": true, \"median_ms\": \(formatFixed(ms, digits: 4)), \"macs\": 0, \"gflops\": 0, "
                            + "\"bytes\": \(row.bytes), \"gbps\": \(formatFixed(ms > 0 ? Double(row.bytes) / (ms * 1e6) : 0, digits: 2))}")
                    continue
                }
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
                  "micro_kernel": \(JSONValue.quoted(Kernels.microKernelName)),
                  "copy_gbps": \(formatFixed(copyGBps, digits: 1)),
                  "nodes": [
                \(nodes.joined(separator: ",\n"))
                  ],
                  "total": {"median_ms": \(formatFixed(totalMedian, digits: 3)), "min_ms": \(formatFixed(totals.min()!, digits: 3)), \
                "max_ms": \(formatFixed(totals.max()!, digits: 3)), "macs": \(costs.total.macs), "gflops": \(formatFixed(totalGF, digits: 2)), \
                "peak_fraction": \(formatFixed(totalGF / peakGFLOPS, digits: 3))}\(timing.memory.map { ",\n  \"memory\": \(memoryJSON($0, costs, residentBytes: timing.residentBytes))" } ?? "")
                }
                """)
            return
        }
        print(
            "\(loaded.network.name) · \(threadCount) thread(s) · \(Kernels.microKernelName) GEMM · \(runs) runs after 1 warm-up · peak \(formatFixed(peakGFLOPS, digits: 1)) GFLOP/s (the better of before and after the runs) · "
                + "streaming copy \(formatFixed(copyGBps, digits: 1)) GB/s (after the runs)"
        )
        print(
            "path".padding(toLength: 28, withPad: " ", startingAt: 0) + "name".padding(toLength: 24, withPad: " ", startingAt: 0)
                + "  median ms    GFLOP/s   % peak     GB/s   % copy")
        for (i, row) in rows.enumerated() {
            let ms = median(perNode[i]), path = row.path
            if let layout = row.reorder {
                let rate = ms > 0 ? Double(row.bytes) / (ms * 1e6) : 0
                print(
                    path.description.padding(toLength: 28, withPad: " ", startingAt: 0)
                        + Self.label(layout).padding(toLength: 24, withPad: " ", startingAt: 0) + leftPad(formatFixed(ms, digits: 3), 11)
                        + leftPad("–", 11) + leftPad("–", 9) + leftPad(formatFixed(rate, digits: 1), 9)
                        + leftPad(formatFixed(100 * rate / copyGBps, digits: 1), 9))
                continue
            }
            let gf = gflops(costs[path].macs, ms), node = template.network.node(at: path)!
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
        let depthwise = rows.indices.filter { i in
            rows[i].reorder == nil && template.shapes.convGeometry(at: rows[i].path)?.isDepthwise ?? false
        }
        let depthwiseMs = depthwise.map { median(perNode[$0]) }.reduce(0, +)
        if depthwiseMs > 0 {
            let rate = Double(depthwise.map { bytes[rows[$0].path] ?? 0 }.reduce(0, +)) / (depthwiseMs * 1e6)
            print(
                "depthwise convs: \(depthwise.count), \(formatFixed(depthwiseMs, digits: 3)) ms, \(formatFixed(rate, digits: 1)) GB/s moved "
                    + "(input and weights read, " + (everyNode ? "every fused node's output written)" : "the output written once)")
                    + " · \(formatFixed(100 * rate / copyGBps, digits: 1)) % of the copy"
            )
        }
        if let memory = timing.memory { print(memoryLine(memory, costs, residentBytes: timing.residentBytes)) }
    }

    /// Per-node times of `runs` passes of the inference plan after one warm-up; a node fused into a step before it
    /// (a chain's batch norm, activation or residual add) or sharing its input's values (flatten, dropout) takes 0.
    /// A reorder step between layouts is a row of its own, after the rows of the step before it.
    private func timePlan(_ loaded: LoadedPreset, _ options: PresetOptions, runs: Int) throws -> Timing {
        let session = try options.session(for: loaded)
        var plan: InferencePlan
        let cap = try options.memoryCap()
        let layout = try layoutChoice()
        do { plan = try InferencePlan(network: session.network, memoryCap: cap, layout: layout) } catch {
            throw CommandError.impossibleNetwork(preset: options.preset, error)
        }
        let (rows, stepRow) = Self.rows(session.order, plan)
        var perNode = [[Double]](repeating: [], count: rows.count), totals: [Double] = []
        for run in 0...runs {
            var times = [Double](repeating: 0, count: rows.count)
            var last = DispatchTime.now().uptimeNanoseconds
            let start = last
            _ = plan.run(session.input) { step in
                let now = DispatchTime.now().uptimeNanoseconds
                times[stepRow[step]] = Double(now - last) / 1e6
                last = now
            }
            guard run > 0 else { continue }
            totals.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            for i in rows.indices { perNode[i].append(times[i]) }
        }
        return Timing(
            rows: rows, perNode: perNode, totals: totals, memory: plan.memory, concatFloatsInPlace: plan.concatFloatsInPlace,
            residentBytes: residentHighWaterBytes())
    }

    /// `--layout`: automatic unless given.
    private func layoutChoice() throws -> InferenceLayout {
        switch layoutText {
        case nil: return .automatic
        case "planar": return .planar
        case "blocked": return .blocked
        case let text?: throw ValidationError("--layout takes planar or blocked, not \(text)")
        }
    }

    /// The table's rows: every node in execution order, each reorder step after the rows of the step before it (its
    /// node and the nodes it fused); and the row each step's time goes to.
    private static func rows(_ order: [NodePath], _ plan: InferencePlan) -> (rows: [Row], stepRow: [Int]) {
        let index = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
        var reordersAfter: [Int: [Int]] = [:], after = -1
        for (s, step) in plan.steps.enumerated() {
            if step.reorder != nil {
                reordersAfter[after, default: []].append(s)
            } else {
                after = ([step.path] + step.fused).map { index[$0]! }.max()!
            }
        }
        var rows: [Row] = [], stepRow = [Int](repeating: 0, count: plan.steps.count), nodeRow: [Int] = []
        func appendReorders(after node: Int) {
            for s in reordersAfter[node] ?? [] {
                stepRow[s] = rows.count
                rows.append(Row(path: plan.steps[s].path, reorder: plan.steps[s].reorder, bytes: 8 * plan.reorderFloats(step: s)))
            }
        }
        appendReorders(after: -1)
        for (i, path) in order.enumerated() {
            nodeRow.append(rows.count)
            rows.append(Row(path: path))
            appendReorders(after: i)
        }
        for (s, step) in plan.steps.enumerated() where step.reorder == nil { stepRow[s] = nodeRow[index[step.path]!] }
        return (rows, stepRow)
    }

    /// A reorder row's name: the layout it writes.
    private static func label(_ layout: ActivationLayout) -> String { layout == .blocked ? "→ blocked" : "→ planar" }

    /// Per-node times of `runs` passes of the playground's session (every output written and kept) after one warm-up
    /// run that resolves every layer's parameters once, as the playground does.
    private func timeEveryNode(_ session: ForwardSession, runs: Int) -> Timing {
        var session = session
        let order = session.order
        var perNode = [[Double]](repeating: [], count: order.count), totals: [Double] = []
        for run in 0...runs {
            session.reset()
            var total = 0.0
            for i in order.indices {
                let start = DispatchTime.now().uptimeNanoseconds
                session.stepForward()
                let ms = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
                if run > 0 { perNode[i].append(ms) }
                total += ms
            }
            if run > 0 { totals.append(total) }
        }
        return Timing(
            rows: order.map { Row(path: $0) }, perNode: perNode, totals: totals, memory: nil, residentBytes: residentHighWaterBytes())
    }

    /// The issue's memory target: at most 1.5 × (the network's weights + its two largest activations).
    private func memoryTarget(_ memory: InferenceMemory, _ costs: CostTable) -> Int {
        (4 * costs.total.params + memory.largestActivationBytes.prefix(2).reduce(0, +)) * 3 / 2
    }

    private func memoryLine(_ memory: InferenceMemory, _ costs: CostTable, residentBytes rss: Int) -> String {
        return "memory: \(megabytes(memory.totalBytes)) held by the plan (activation arena \(megabytes(memory.arenaBytes)), "
            + "least any placement needs \(megabytes(memory.peakLiveBytes)); parameters \(megabytes(memory.parameterBytes)), packed "
            + "conv weights \(megabytes(memory.packedBytes)); input and output \(megabytes(memory.inputBytes + memory.outputBytes))) · "
            + "kernel scratch on every thread \(megabytes(memory.scratchBytes)) (apart) · "
            + "target ≤ \(megabytes(memoryTarget(memory, costs))) (1.5 × (weights \(megabytes(4 * costs.total.params)) + the two largest "
            + "activations \(megabytes(memory.largestActivationBytes.prefix(2).reduce(0, +))))) · process RSS high-water \(megabytes(rss))"
    }

    private func memoryJSON(_ memory: InferenceMemory, _ costs: CostTable, residentBytes: Int) -> String {
        "{\"plan_bytes\": \(memory.totalBytes), \"arena_bytes\": \(memory.arenaBytes), \"peak_live_bytes\": \(memory.peakLiveBytes), "
            + "\"parameter_bytes\": \(memory.parameterBytes), \"packed_bytes\": \(memory.packedBytes), "
            + "\"scratch_bytes\": \(memory.scratchBytes), "
            + "\"target_bytes\": \(memoryTarget(memory, costs)), \"rss_high_water_bytes\": \(residentBytes)}"
    }

    private func megabytes(_ bytes: Int) -> String { formatFixed(Double(bytes) / 1e6, digits: 1) + " MB" }

    /// The process's resident set high-water mark (getrusage; Linux reports kilobytes).
    private func residentHighWaterBytes() -> Int {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return usage.ru_maxrss * 1024
    }

    private func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
}

/// One row of the per-node table: a node, or an inference plan's reorder of the value `path` wrote.
private struct Row {
    var path: NodePath
    /// The layout a reorder row writes (nil: a node's row).
    var reorder: ActivationLayout?
    /// A reorder's bytes read and written.
    var bytes = 0
}

/// Per-node samples of a benchmark, in execution order, with the totals and what the inference plan held.
private struct Timing {
    var rows: [Row]
    var perNode: [[Double]]
    var totals: [Double]
    var memory: InferenceMemory?
    /// Floats of each concat's parts the inference plan writes in place (none for the playground's session).
    var concatFloatsInPlace: [NodePath: Int] = [:]
    /// The process's resident high-water mark right after the timed runs (before the bandwidth probe's buffers).
    var residentBytes: Int
}

func leftPad(_ s: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - s.count)) + s }
