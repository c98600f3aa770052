import ArgumentParser
import ConvEngine
import Foundation

/// `convplay bench-train PRESET`: training throughput — forward, backward and an SGD step per batch — and the
/// memory a step holds, on random images, so it can be set beside PyTorch on the same network (bench/).
struct BenchTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-train",
        abstract: "Time training steps (forward + backward + SGD with momentum) and report images/s and a step's memory.",
        discussion: """
            Random images (uniform in [0, 1)) and labels at the preset's input; the dropout masks and batch statistics
            of a real step. Prints the median step over --steps timed steps after two warm-up steps, the memory a
            step held (activations of the batch, the gradients' peak, parameters with gradients and momentum), its
            bound, and the process's peak resident size.
            """)

    @OptionGroup var options: PresetOptions
    @Option(name: .customLong("batch"), parsing: .unconditional, help: ArgumentHelp("Images per step.", valueName: "n"))
    var batchText = "64"
    @Option(name: .customLong("steps"), parsing: .unconditional, help: ArgumentHelp("Timed steps after two warm-up steps.", valueName: "n"))
    var stepsText = "20"
    @Option(
        name: .customLong("threads"), parsing: .unconditional,
        help: ArgumentHelp("Worker threads for the kernels (default: all cores).", valueName: "n"))
    var threadsText: String?
    @Flag(help: "Print JSON instead of text.")
    var json = false

    func run() throws {
        let batch = try wholeNumber(batchText, flag: "--batch", 1...batchLimit, what: "the batch size")
        let steps = try wholeNumber(stepsText, flag: "--steps", 1...100_000, what: "the number of timed steps")
        let threadCount = try threadCount(threadsText) ?? ProcessInfo.processInfo.activeProcessorCount
        KernelThreads.count = threadCount
        let loaded = try options.load()
        let cap = try options.memoryCap()
        let model: TrainableNetwork
        do { model = try TrainableNetwork(network: loaded.network, memoryCap: cap) } catch {
            throw CommandError.impossibleNetwork(preset: options.preset, error)
        }
        // one batch of random images, one epoch per step
        let shape = model.shapes.input
        let (bytes, overflow) = batch.multipliedReportingOverflow(by: shape.elementCount)
        guard !overflow, bytes <= defaultDataCap else {
            throw DataError.tooLarge(path: "bench-train --batch \(batch)", bytes: overflow ? Int.max : bytes, cap: defaultDataCap)
        }
        var rng = SplitMix64(seed: 7)
        let images = Dataset(
            source: "random", shape: shape, classNames: (0..<model.classCount).map(String.init),
            pixels: (0..<bytes).map { _ in UInt8(truncatingIfNeeded: rng.next()) },
            labels: (0..<batch).map { _ in Int(rng.next() % UInt64(model.classCount)) }, scale: 1 / 255)
        var settings = TrainingSettings(
            epochs: steps + 2, batchSize: batch, optimizer: OptimizerSettings(kind: .sgd, learningRate: 0.01, momentum: 0.9), seed: 1)
        settings.shuffle = false
        var trainer = try Trainer(
            model: model, data: DataSplit(training: images, heldOut: images), settings: settings, memoryCap: cap)
        var times: [Double] = []
        for step in 0..<(steps + 2) {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = trainer.trainNextBatch()
            if step >= 2 { times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9) }
        }
        let median = times.sorted()[times.count / 2]
        let imagesPerSecond = Double(batch) / median
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let residentBytes = Int(usage.ru_maxrss) * 1024
        let cpu = Self.cpuName()
        if json {
            let fields: [(String, JSONValue)] = [
                ("preset", .string(options.preset)), ("batch", .integer(batch)), ("threads", .integer(threadCount)),
                ("steps", .integer(steps)), ("median_step_ms", .number(formatFixed(median * 1000, digits: 3))),
                ("images_per_second", .number(formatFixed(imagesPerSecond, digits: 1))),
                ("step_bytes", .integer(trainer.measuredStepBytes)),
                ("step_bound_bytes", .integer(trainer.memoryBound)), ("max_resident_bytes", .integer(residentBytes)),
                ("cpu", .string(cpu)), ("micro_kernel", .string(Kernels.microKernelName)),
            ]
            print(JSONValue.members(fields).compactText)
            return
        }
        print("\(loaded.network.name) · batch \(batch) · \(threadCount) thread(s) · \(cpu) (\(Kernels.microKernelName) GEMM)")
        print(
            "training step (forward + backward + SGD): median \(formatFixed(median * 1000, digits: 2)) ms over \(steps) steps "
                + "(min \(formatFixed(times.min()! * 1000, digits: 2)), max \(formatFixed(times.max()! * 1000, digits: 2))) · "
                + "\(formatGrouped(Int(imagesPerSecond))) images/s")
        print(
            "memory: a step held \(formatBytes(trainer.measuredStepBytes)) (bound \(formatBytes(trainer.memoryBound))) · "
                + "peak resident \(formatBytes(residentBytes))")
    }

    /// The CPU's model name from /proc/cpuinfo, "unknown CPU" elsewhere.
    static func cpuName() -> String {
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let line = info.split(separator: "\n").first { $0.hasPrefix("model name") }
        return line.flatMap { $0.split(separator: ":", maxSplits: 1).last }.map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown CPU"
    }
}
