import ConvEngine

/// The training view's data (`T`): what the run reported so far — losses and accuracies per batch, the held-out
/// evaluation of the last finished epoch, the speed — and what the user set (running or paused, the learning
/// rate). The run itself lives on the training thread (`TrainingWorker`); this is what the screen draws.
public struct TrainingView: Sendable {
    /// The run these reports belong to; reports of an older run are dropped.
    public var job: Int
    public var source: DataSource
    /// The data set's class names, by label.
    public var classNames: [String] = []
    /// The held-out image the maps and the prediction show, its index in the held-out set and its label.
    public var watchedIndex = 0
    public var watchedLabel = 0
    public var trainingCount = 0
    public var heldOutCount = 0
    public var stepsPerEpoch = 0
    public var batchSize = 0
    /// True once the data is loaded and the trainer built.
    public var isReady = false
    /// True while batches run one after another; false when paused (or stepping one batch at a time).
    public var isRunning = false
    /// The base learning rate the next batch uses.
    public var learningRate: Float
    /// Batches trained, and where the run stands.
    public var step = 0
    public var epoch = 0
    public var batchInEpoch = 0
    /// Each trained batch's mean loss and accuracy, oldest first.
    public var losses: [Double] = []
    public var accuracies: [Double] = []
    public var imagesPerSecond: Double?
    /// The held-out evaluation after the last finished epoch, and that epoch (from 1).
    public var evaluation: Evaluation?
    public var evaluatedEpoch = 0
    /// The network as the last report left it (the trained weights): re-entering with this network resumes the
    /// run, a different one (edited meanwhile) starts a new run from it.
    public var network: Network
    /// The forward pass of the trained network on the watched image, shown while the view is open.
    public var watchedSession: ForwardSession?
    /// The preset's own input, put back when the view is left.
    public var presetInput: Tensor
    /// True while the training view is on screen (overlays opened from it return to it).
    public var isShown = true
    /// `x`: the confusion matrix in the maps' place.
    public var showsConfusion = false

    public init(job: Int, source: DataSource, network: Network, learningRate: Float, presetInput: Tensor) {
        self.job = job
        self.network = network
        self.source = source
        self.learningRate = learningRate
        self.presetInput = presetInput
    }

    /// The mean loss and accuracy of the last `count` batches (what the pane prints beside the sparklines).
    public func recent(_ count: Int = 10) -> (loss: Double, accuracy: Double)? {
        guard !losses.isEmpty else { return nil }
        let losses = losses.suffix(count), accuracies = accuracies.suffix(count)
        return (losses.reduce(0, +) / Double(losses.count), accuracies.reduce(0, +) / Double(accuracies.count))
    }
}

/// The playground's training settings: SGD with momentum at `convplay train`'s defaults, batches of 32, a
/// constant rate the user moves with `+` and `-`, epochs without end (the view is paused or left instead).
public enum PlaygroundTraining {
    public static let batchSize = 32
    public static let learningRate: Float = 0.05
    /// What `+` multiplies and `-` divides the learning rate by.
    public static let rateFactor: Float = 2
    public static let lowestRate: Float = 1e-6
    public static let highestRate: Float = 10
    /// Epochs the run is set up for; far more than anyone waits for at the playground.
    public static let epochs = 100_000

    public static func settings(seed: UInt64, learningRate: Float = learningRate) -> TrainingSettings {
        TrainingSettings(
            epochs: epochs, batchSize: batchSize,
            optimizer: OptimizerSettings(kind: .sgd, learningRate: learningRate, momentum: 0.9, nesterov: false, weightDecay: 0),
            seed: seed)
    }
}

/// What the training thread is told between batches.
public enum TrainingCommand: Hashable, Sendable {
    case run, pause
    /// Train exactly one batch, then pause.
    case oneBatch
    case setLearningRate(Float)
}

/// What the training thread reports once the data is loaded and the trainer built.
public struct TrainingStart: Sendable {
    public var classNames: [String]
    public var trainingCount, heldOutCount, stepsPerEpoch, batchSize: Int
    public var watchedIndex, watchedLabel: Int
    /// The untrained network's pass on the watched image.
    public var watchedSession: ForwardSession
}

/// What the training thread reports after one or more batches.
public struct TrainingProgress: Sendable {
    /// Every batch since the last report, oldest first.
    public var reports: [Trainer.StepReport]
    public var step, epoch, batchInEpoch: Int
    public var imagesPerSecond: Double?
    /// The network with the trained weights, and its pass on the watched image.
    public var network: Network
    public var watchedSession: ForwardSession
    /// False when the thread paused after this report (one batch done).
    public var isRunning: Bool
}
