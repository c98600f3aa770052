import ArgumentParser
import ConvEngine
import Foundation

/// `convplay experiment NAME`: the note's claims measured by training two presets the same way.
struct Experiment: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure one of the note's claims by training two presets with the same data, settings and seed.",
        discussion: """
            gap-vs-dense: global average pooling against a dense head (nin-digits, dense-digits on digits).
            reductions: Inception with and without 1×1 reductions (tiny-inception-shapes and -naive-shapes on shapes).
            mlpconv: mlpconv blocks against plain convs of the same cost (nin-shapes, plain-shapes on shapes).
            Prints per preset its parameters, multiply-accumulates per image, seconds per epoch and held-out accuracy.
            """)

    /// One comparison: the presets, the data and how both are trained.
    struct Design {
        var title: String
        var presets: [String]
        var data: String
        var epochs: Int
        var optimizer: OptimizerSettings
    }

    static let designs: [String: Design] = [
        "gap-vs-dense": Design(
            title: "global average pooling against a dense head", presets: ["nin-digits", "dense-digits"], data: "digits", epochs: 20,
            optimizer: OptimizerSettings(kind: .sgd, learningRate: 0.05, momentum: 0.9)),
        "reductions": Design(
            title: "Inception with and without 1×1 reductions", presets: ["tiny-inception-shapes", "tiny-inception-naive-shapes"],
            data: "shapes", epochs: 10, optimizer: OptimizerSettings(kind: .adam, learningRate: 0.002)),
        "mlpconv": Design(
            title: "mlpconv against plain convs of the same cost", presets: ["nin-shapes", "plain-shapes"], data: "shapes", epochs: 10,
            optimizer: OptimizerSettings(kind: .adam, learningRate: 0.002)),
    ]

    @Argument(help: "gap-vs-dense, reductions or mlpconv.")
    var name: String
    @Option(
        name: .customLong("epochs"), parsing: .unconditional,
        help: ArgumentHelp("Epochs (default: the experiment's own, 20 on digits and 10 on shapes).", valueName: "n"))
    var epochsText: String?
    @Option(name: .customLong("batch"), parsing: .unconditional, help: ArgumentHelp("Images per step.", valueName: "n"))
    var batchText = "32"
    @Option(
        name: .customLong("seed"), parsing: .unconditional,
        help: ArgumentHelp("Seeds the weights, the data order and dropout.", valueName: "seed"))
    var seedText = "1"
    @Option(
        name: .customLong("threads"), parsing: .unconditional,
        help: ArgumentHelp("Worker threads for the kernels (default: all cores).", valueName: "n"))
    var threadsText: String?

    func validate() throws {
        guard Self.designs[name] != nil else {
            throw ValidationError("unknown experiment \(name) — use \(Self.designs.keys.sorted().joined(separator: ", "))")
        }
    }

    func run() throws {
        let batch = try wholeNumber(batchText, flag: "--batch", 1...batchLimit, what: "the batch size")
        let seed = try wholeNumber(seedText, flag: "--seed", 0...UInt64.max, what: "a seed")
        if let threads = try threadCount(threadsText) { KernelThreads.count = threads }
        let design = Self.designs[name]!
        let epochs =
            try epochsText.map { text throws(CommandError) in
                try wholeNumber(text, flag: "--epochs", 1...epochLimit, what: "the number of epochs")
            } ?? design.epochs
        print(
            "\(name): \(design.title) — \(design.data), \(epochs) epochs, batch \(batch), \(design.optimizer.kind.rawValue) lr "
                + "\(formatShortest(design.optimizer.learningRate)), cosine, seed \(seed), \(KernelThreads.count) thread(s), "
                + BenchTrain.cpuName())
        var rows: [[String]] = [["preset", "params", "MACs/image", "s/epoch", "held-out accuracy"]]
        for preset in design.presets {
            let options = try PresetOptions.parse([preset, "--seed", String(seed)])
            let setup = try TrainingSetup(options: options, data: design.data, dataCap: defaultDataCap)
            let settings = TrainingSettings(
                epochs: epochs, batchSize: batch, optimizer: design.optimizer, schedule: LearningRateSchedule(.cosine), seed: seed)
            var trainer = try setup.trainer(settings)
            var seconds = 0.0
            while !trainer.isFinished {
                let start = DispatchTime.now().uptimeNanoseconds
                _ = trainer.trainNextBatch()
                seconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            }
            let evaluation = trainer.evaluate(trainer.data.heldOut)
            let costs = try setup.model.network.cost(shapes: setup.model.shapes)
            print("  \(preset): held-out \(formatFixed(100 * evaluation.accuracy, digits: 1)) % after \(formatFixed(seconds, digits: 1)) s")
            rows.append([
                preset, formatGrouped(costs.total.params), formatCompact(costs.total.macs),
                formatFixed(seconds / Double(epochs), digits: 2),
                formatFixed(100 * evaluation.accuracy, digits: 1) + " %",
            ])
        }
        let widths = rows[0].indices.map { i in rows.map { $0[i].count }.max()! }
        for row in rows {
            print(
                row.enumerated().map { i, cell in
                    i == 0 ? cell + String(repeating: " ", count: widths[i] - cell.count) : leftPad(cell, widths[i])
                }.joined(separator: "  "))
        }
    }
}
