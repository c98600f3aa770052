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
            folder:DIR (one subfolder of PNG/PPM/PGM images per class). A fifth of digits and folder images is held
            out; MNIST and CIFAR-10 hold out their own test set. Images are fitted to the preset's input.
            On a terminal each epoch shows a progress bar; otherwise one line per epoch. Ctrl-C finishes the batch,
            saves a checkpoint (--checkpoint) and exits 0; --resume continues it exactly where it stopped.
            --seed seeds the weights, the order of the data, flips and dropout: the same command gives the same
            weights bit for bit at any thread count.
            """)

    @OptionGroup var options: PresetOptions
    @Option(help: ArgumentHelp("digits, shapes[:COUNT], mnist:DIR, cifar10:DIR or folder:DIR.", valueName: "source"))
    var data: String
    @Option(help: "Passes over the training images.")
    var epochs = 10
    @Option(help: "Images per step.")
    var batch = 32
    @Option(help: "Base learning rate (default 0.05 for sgd, 0.001 for adam and adamw).")
    var lr: Float?
    @Option(help: "sgd, adam or adamw.")
    var optimizer: OptimizerKind = .sgd
    @Option(help: "SGD momentum (0 for none).")
    var momentum: Float = 0.9
    @Flag(help: "Nesterov momentum (SGD).")
    var nesterov = false
    @Option(name: .customLong("weight-decay"), help: "Weight decay (L2 for sgd and adam, decoupled for adamw).")
    var weightDecay: Float = 0
    @Option(help: ArgumentHelp("constant, step:EPOCHS[:FACTOR] or cosine.", valueName: "schedule"))
    var schedule = "constant"
    @Option(help: "Epochs of linear learning-rate warm-up.")
    var warmup: Double = 0
    @Flag(help: "Mirror training images left to right at random.")
    var flip = false
    @Flag(name: .customLong("no-shuffle"), help: "Keep the training images in file order.")
    var noShuffle = false
    @Option(help: "Worker threads for the kernels (default: all cores).")
    var threads: Int?
    @Option(help: ArgumentHelp("Write the trained network as DIR/preset.json with its weights in DIR/weights.", valueName: "dir"))
    var save: String?
    @Option(help: ArgumentHelp("Write one JSON line per step (step, epoch, loss, accuracy, lr) and per epoch.", valueName: "file"))
    var log: String?
    @Option(help: ArgumentHelp("Where Ctrl-C saves the checkpoint (default: PRESET.checkpoint here).", valueName: "dir"))
    var checkpoint: String?
    @Option(help: ArgumentHelp("Continue the run saved in this checkpoint folder.", valueName: "dir"))
    var resume: String?

    func validate() throws {
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1") }
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1") }
        if let lr { guard lr > 0, lr.isFinite else { throw ValidationError("--lr must be a number above 0") } }
        guard momentum >= 0, momentum < 1 else { throw ValidationError("--momentum must be at least 0 and below 1") }
        guard weightDecay >= 0, weightDecay.isFinite else { throw ValidationError("--weight-decay must be 0 or more") }
        guard warmup >= 0, warmup.isFinite else { throw ValidationError("--warmup must be 0 or more epochs") }
        guard LearningRateSchedule.parseShape(schedule) != nil else {
            throw ValidationError("--schedule \(schedule): use constant, cosine, step:EPOCHS or step:EPOCHS:FACTOR (e.g. step:10:0.1)")
        }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        if let threads { KernelThreads.count = threads }
        let setup = try TrainingSetup(options: options, data: data)
        var settings = TrainingSettings(
            epochs: epochs, batchSize: batch,
            optimizer: OptimizerSettings(
                kind: optimizer, learningRate: lr ?? (optimizer == .sgd ? 0.05 : 0.001), momentum: momentum, nesterov: nesterov,
                weightDecay: weightDecay),
            schedule: LearningRateSchedule(LearningRateSchedule.parseShape(schedule)!), seed: setup.seed)
        settings.shuffle = !noShuffle
        settings.flip = flip
        let stepsPerEpoch = (setup.split.training.count + batch - 1) / batch
        settings.schedule.warmupSteps = Int((warmup * Double(stepsPerEpoch)).rounded())
        var trainer = try setup.trainer(settings)
        if let resume {
            let saved = try Checkpoint.read(from: resume, model: trainer.model)
            if let difference = saved.difference(from: settings, presetName: options.preset, data: setup.source.description) {
                throw CommandError.resumeMismatch(folder: resume, difference: difference)
            }
            trainer.restore(parameters: saved.parameters, optimizer: saved.optimizer, epoch: saved.epoch, batchInEpoch: saved.batchInEpoch)
        }
        let checkpointFolder =
            checkpoint ?? resume ?? (URL(fileURLWithPath: options.preset).deletingPathExtension().lastPathComponent + ".checkpoint")
        var report = TrainingReport(preset: options.preset, source: setup.source, logPath: log, appendLog: resume != nil)
        try report.start()
        Interrupt.install()
        let outcome = try report.train(&trainer, stopWhen: { Interrupt.requested })
        if outcome == .interrupted {
            try Checkpoint(trainer: trainer, presetName: options.preset, data: setup.source.description).write(to: checkpointFolder)
            print(
                "interrupted in epoch \(trainer.epoch + 1) of \(trainer.settings.epochs) after step \(trainer.step) — checkpoint saved to "
                    + "\(checkpointFolder); continue with the same command and --resume \(checkpointFolder)")
            return
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

    init(options: PresetOptions, data: String) throws {
        loaded = try options.load()
        input = try loaded.network.input.makeTensor(relativeTo: loaded.directory)
        let cap = try options.memoryCap()
        do { model = try TrainableNetwork(network: loaded.network, memoryCap: cap) } catch {
            throw CommandError.impossibleNetwork(preset: options.preset, error)
        }
        source = try DataSource(parsing: data)
        seed = loaded.network.initialization.seed
        memoryCap = cap
        guard let presets = Preset.shippedDirectory() else { throw CommandError.noShippedPresets }
        split = try source.load(shape: loaded.network.input.shape, seed: seed, dataFolder: presets + "/data", cap: cap)
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
