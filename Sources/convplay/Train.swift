import ArgumentParser
import ConvEngine
import Foundation
import Synchronization

/// `convplay train`: trains a preset on a data set, reports as it goes, and saves the result.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a preset's network on a data set and report held-out accuracy and a confusion matrix.",
        discussion: """
            --data takes digits (scikit-learn's 8×8 digits, shipped), shapes or shapes:COUNT (synthetic, drawn at the
            network's input size), mnist:DIR (MNIST or Fashion-MNIST IDX files), cifar10:DIR (the binary batches) or
            folder:DIR (one subfolder of PNG/PPM/PGM images per class); without it, the preset's own "data". A fifth of digits and folder images is held
            out; MNIST and CIFAR-10 hold out their own test set. Images are fitted to the preset's input.
            On a terminal each epoch shows a progress bar; otherwise one line per epoch. Ctrl-C finishes the batch,
            saves a checkpoint (--checkpoint) and exits 0; --resume continues it exactly where it stopped.
            --seed seeds the weights, the order of the data, flips and dropout: the same command gives the same
            weights bit for bit at any thread count.
            """)

    @OptionGroup var options: PresetOptions
    @OptionGroup var dataOptions: DataOptions
    @Option(name: .customLong("epochs"), parsing: .unconditional, help: ArgumentHelp("Passes over the training images.", valueName: "n"))
    var epochsText = "10"
    @Option(name: .customLong("batch"), parsing: .unconditional, help: ArgumentHelp("Images per step.", valueName: "n"))
    var batchText = "32"
    @Option(
        name: .customLong("lr"), parsing: .unconditional,
        help: ArgumentHelp("Base learning rate (default 0.05 for sgd, 0.001 for adam and adamw).", valueName: "rate"))
    var lrText: String?
    @Option(help: "sgd, adam or adamw.")
    var optimizer: OptimizerKind = .sgd
    @Option(name: .customLong("momentum"), parsing: .unconditional, help: ArgumentHelp("SGD momentum (0 for none).", valueName: "m"))
    var momentumText = "0.9"
    @Flag(help: "Nesterov momentum (SGD).")
    var nesterov = false
    @Option(
        name: .customLong("weight-decay"), parsing: .unconditional,
        help: ArgumentHelp("Weight decay (L2 for sgd and adam, decoupled for adamw).", valueName: "decay"))
    var weightDecayText = "0"
    @Option(help: ArgumentHelp("constant, step:EPOCHS[:FACTOR] or cosine.", valueName: "schedule"))
    var schedule = "constant"
    @Option(
        name: .customLong("warmup"), parsing: .unconditional,
        help: ArgumentHelp("Epochs of linear learning-rate warm-up.", valueName: "epochs"))
    var warmupText = "0"
    @Flag(help: "Mirror training images left to right at random.")
    var flip = false
    @Flag(name: .customLong("no-shuffle"), help: "Keep the training images in file order.")
    var noShuffle = false
    @Option(
        name: .customLong("threads"), parsing: .unconditional,
        help: ArgumentHelp("Worker threads for the kernels (default: all cores).", valueName: "n"))
    var threadsText: String?
    @Option(help: ArgumentHelp("Write the trained network as DIR/preset.json with its weights in DIR/weights.", valueName: "dir"))
    var save: String?
    @Option(help: ArgumentHelp("Write one JSON line per step (step, epoch, loss, accuracy, lr) and per epoch.", valueName: "file"))
    var log: String?
    @Option(help: ArgumentHelp("Where Ctrl-C saves the checkpoint (default: PRESET.checkpoint here).", valueName: "dir"))
    var checkpoint: String?
    @Option(help: ArgumentHelp("Continue the run saved in this checkpoint folder.", valueName: "dir"))
    var resume: String?

    func run() throws {
        let epochs = try wholeNumber(epochsText, flag: "--epochs", 1...epochLimit, what: "the number of epochs")
        let batch = try wholeNumber(batchText, flag: "--batch", 1...batchLimit, what: "the batch size")
        let lr: Float? = try lrText.map { text throws(CommandError) in
            try decimalNumber(text, flag: "--lr", requirement: "the learning rate must be a number above 0") { $0 > 0 }
        }
        let momentum: Float = try decimalNumber(
            momentumText, flag: "--momentum", requirement: "the momentum must be a number from 0 up to, not including, 1"
        ) { (0..<1).contains($0) }
        let weightDecay: Float = try decimalNumber(
            weightDecayText, flag: "--weight-decay", requirement: "the weight decay must be a number of 0 or more"
        ) { $0 >= 0 }
        let warmup: Double = try decimalNumber(
            warmupText, flag: "--warmup", requirement: "the warm-up must be a number of epochs from 0 to \(epochs)"
        ) { (0...Double(epochs)).contains($0) }
        guard let scheduleShape = LearningRateSchedule.parseShape(schedule) else { throw CommandError.badSchedule(visible(schedule)) }
        if let threads = try threadCount(threadsText) { KernelThreads.count = threads }
        let setup = try TrainingSetup(options: options, data: dataOptions.data, dataCap: try dataOptions.dataCap())
        var settings = TrainingSettings(
            epochs: epochs, batchSize: batch,
            optimizer: OptimizerSettings(
                kind: optimizer, learningRate: lr ?? (optimizer == .sgd ? 0.05 : 0.001), momentum: momentum, nesterov: nesterov,
                weightDecay: weightDecay),
            schedule: LearningRateSchedule(scheduleShape), seed: setup.seed)
        settings.shuffle = !noShuffle
        settings.flip = flip
        let stepsPerEpoch = (setup.split.training.count + batch - 1) / batch
        settings.schedule.warmupSteps = Int((warmup * Double(stepsPerEpoch)).rounded())
        var trainer = try setup.trainer(settings)
        if let resume {
            let saved = try Checkpoint.read(from: resume, model: trainer.model, memoryCap: setup.memoryCap)
            if let difference = saved.difference(from: settings, presetName: options.preset, data: setup.source.description) {
                throw CommandError.resumeMismatch(folder: resume, difference: difference)
            }
            guard saved.epoch < settings.epochs || (saved.epoch == settings.epochs && saved.batchInEpoch == 0),
                saved.batchInEpoch < trainer.stepsPerEpoch
            else {
                throw TrainingError.badCheckpoint(
                    path: resume,
                    reason:
                        "it stopped at epoch \(saved.epoch + 1), batch \(saved.batchInEpoch + 1), past this run's \(settings.epochs) epochs of "
                        + "\(trainer.stepsPerEpoch) batches — the checkpoint is damaged")
            }
            trainer.restore(parameters: saved.parameters, optimizer: saved.optimizer, epoch: saved.epoch, batchInEpoch: saved.batchInEpoch)
        }
        let checkpointFolder =
            checkpoint ?? resume ?? (URL(fileURLWithPath: options.preset).deletingPathExtension().lastPathComponent + ".checkpoint")
        // Refused now, not after the training whose result they would hold.
        try Checkpoint.checkFolder(checkpointFolder)
        if let save { try TrainableNetwork.checkSaveFolder(save) }
        var report = TrainingReport(preset: options.preset, source: setup.source, logPath: log, appendLog: resume != nil)
        try report.start()
        Interrupt.install()
        let outcome = try report.train(&trainer, stopWhen: { Interrupt.requested })
        func saveCheckpoint() throws(ExportError) {
            try Checkpoint(trainer: trainer, presetName: options.preset, data: setup.source.description).write(to: checkpointFolder)
        }
        switch outcome {
        case .finished: break
        case .interrupted:
            try saveCheckpoint()
            print(
                "interrupted in epoch \(trainer.epoch + 1) of \(trainer.settings.epochs) after step \(trainer.step) — checkpoint saved to "
                    + "\(checkpointFolder); continue with the same command and --resume \(checkpointFolder)")
            return
        case .logFailed:
            var failure: String?
            do { try saveCheckpoint() } catch { failure = error.description }
            throw CommandError.logFailedMidRun(
                file: log ?? "", step: trainer.step, checkpoint: checkpointFolder, checkpointFailure: failure)
        }
        report.finish(trainer)
        if let save {
            try trainer.model.saveTrained(to: save, presetDirectory: setup.loaded.directory, input: setup.input)
            print("saved \(save)/preset.json with its weights in \(save)/weights — open it with convplay \(save)/preset.json")
        }
    }
}

/// What `train` and `experiment` share: the preset, its input, the data and the seed.
struct TrainingSetup {
    let loaded: LoadedPreset
    let model: TrainableNetwork
    let input: Tensor
    let source: DataSource
    let split: DataSplit
    let seed: UInt64
    let memoryCap: Int

    /// `data` is `--data` as given; nil takes the preset's own `data`. The images are held to `dataCap` bytes.
    init(options: PresetOptions, data: String?, dataCap: Int) throws {
        loaded = try options.load()
        let cap = try options.memoryCap()
        do { model = try TrainableNetwork(network: loaded.network, memoryCap: cap) } catch {
            throw CommandError.impossibleNetwork(preset: options.preset, error)
        }
        do { input = try loaded.network.input.makeTensor(relativeTo: loaded.directory, memoryCap: cap) } catch {
            throw CommandError.unreadableInput(preset: options.preset, error)
        }
        if let data {
            source = try DataSource(parsing: data)
        } else if let preset = loaded.network.trainingData {
            source = preset
        } else {
            throw CommandError.noTrainingData(preset: options.preset)
        }
        seed = loaded.network.initialization.seed
        memoryCap = cap
        guard let presets = Preset.shippedDirectory() else { throw CommandError.noShippedPresets }
        split = try source.load(shape: loaded.network.input.shape, seed: seed, dataFolder: presets + "/data", cap: dataCap)
    }

    func trainer(_ settings: TrainingSettings) throws -> Trainer {
        try Trainer(model: model, data: split, settings: settings, memoryCap: memoryCap)
    }
}

/// Ctrl-C during training: the handler only raises a flag, which the loop reads between batches.
enum Interrupt {
    static let flag = Atomic<Bool>(false)
    static var requested: Bool { flag.load(ordering: .relaxed) }
    static func install() {
        signal(SIGINT) { _ in Interrupt.flag.store(true, ordering: .relaxed) }
        // a parent may have started us with SIGINT blocked (it would then never arrive)
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigprocmask(SIG_UNBLOCK, &set, nil)
    }
}

extension OptimizerKind: ExpressibleByArgument {}
