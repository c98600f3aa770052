import ArgumentParser
import ConvEngine

/// `convplay evaluate`: a preset's network, with the weights it loads, measured on a data set's held-out images —
/// how weights trained elsewhere (the PyTorch export's `train.py`) are checked against what they reported.
struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure a preset's network (with its init.weights) on a data set's held-out images.",
        discussion: """
            --data takes what train takes (default: the preset's own "data"), with the same held-out split and
            preprocessing. Prints the held-out accuracy, the mean loss and the confusion matrix.
            """)

    @OptionGroup var options: PresetOptions
    @OptionGroup var dataOptions: DataOptions
    @Option(
        name: .customLong("threads"), parsing: .unconditional,
        help: ArgumentHelp("Worker threads for the kernels (default: all cores).", valueName: "n"))
    var threadsText: String?

    func run() throws {
        if let threads = try threadCount(threadsText) { KernelThreads.count = threads }
        let setup = try TrainingSetup(options: options, data: dataOptions.data, dataCap: try dataOptions.dataCap())
        // a trainer that never takes a step: it checks the classes against the data and evaluates in batches
        let trainer = try setup.trainer(
            TrainingSettings(epochs: 1, batchSize: 1, optimizer: OptimizerSettings(kind: .sgd, learningRate: 0), seed: setup.seed))
        let evaluation = trainer.evaluate(setup.split.heldOut)
        print(
            "\(options.preset) on \(setup.source): held-out accuracy \(formatFixed(100 * evaluation.accuracy, digits: 2)) % "
                + "(\(evaluation.correct)/\(evaluation.count)) · loss \(formatFixed(evaluation.loss, digits: 4))")
        print(ConfusionTable(evaluation).render(), terminator: "")
    }
}
