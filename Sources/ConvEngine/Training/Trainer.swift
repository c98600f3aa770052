import Foundation

/// What a training run is: its length, batches, optimiser, schedule, seed and augmentation.
public struct TrainingSettings: Hashable, Sendable {
    public var epochs: Int
    public var batchSize: Int
    public var optimizer: OptimizerSettings
    public var schedule: LearningRateSchedule
    /// Draws the epoch orders, flips and dropout masks (the weights come from the preset's own seed).
    public var seed: UInt64
    public var shuffle = true
    /// Mirror each training image left to right with probability ½.
    public var flip = false

    public init(
        epochs: Int, batchSize: Int, optimizer: OptimizerSettings, schedule: LearningRateSchedule = LearningRateSchedule(), seed: UInt64
    ) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.optimizer = optimizer
        self.schedule = schedule
        self.seed = seed
    }
}

/// Why training cannot start or continue.
public enum TrainingError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The network's scores are not one per class of the data.
    case classMismatch(network: String, scores: Int, data: String, classes: Int)
    /// A training step would hold more memory than allowed.
    case stepTooLarge(bytes: Int, cap: Int, batch: Int)
    /// A checkpoint folder that cannot be used; `reason` says why and what to do.
    case badCheckpoint(path: String, reason: String)

    public var description: String {
        switch self {
        case .classMismatch(let network, let scores, let data, let classes):
            return "\(network) scores \(scores) classes but \(data) has \(classes) — pick a preset whose last layer has \(classes) outputs"
        case .stepTooLarge(let bytes, let cap, let batch):
            return "a training step with batch \(batch) holds up to \(formatBytes(bytes)), over the \(formatBytes(cap)) memory cap — "
                + "use a smaller --batch or raise --memory-cap"
        case .badCheckpoint(let path, let reason):
            return "\(visible(path)): \(reason)"
        }
    }
}

/// A training run in progress: the network with its parameters, the optimiser's state and the position in the
/// data — everything a checkpoint saves. Every step is a pure function of these and the settings, so a run
/// resumed from a checkpoint continues bit for bit as if it had never stopped, at any thread count.
public struct Trainer: Sendable {
    public private(set) var model: TrainableNetwork
    public private(set) var optimizer: Optimizer
    /// The run's settings; only the base learning rate changes after the start (`setLearningRate`).
    public private(set) var settings: TrainingSettings
    public let data: DataSplit
    /// The epoch under way (from 0) and the next batch within it.
    public private(set) var epoch = 0
    public private(set) var batchInEpoch = 0
    /// The most bytes of activation gradients and scratch one backward pass has held.
    public private(set) var peakGradientBytes = 0
    /// Each step's buffers, given back for the next.
    private var buffers = BufferPool()

    /// One trained batch.
    public struct StepReport: Sendable {
        public var step, epoch, batch: Int
        public var images: Int
        public var loss: Double
        public var correct: Int
        public var learningRate: Float
    }

    /// Checks that the network scores one value per class of the data and that a step fits `memoryCap`.
    public init(model: TrainableNetwork, data: DataSplit, settings: TrainingSettings, memoryCap: Int = defaultMemoryCap)
        throws(TrainingError)
    {
        guard model.classCount == data.training.classNames.count else {
            throw .classMismatch(
                network: model.network.name, scores: model.classCount, data: data.training.source, classes: data.training.classNames.count)
        }
        self.model = model
        self.data = data
        self.settings = settings
        optimizer = Optimizer(settings.optimizer)
        let bound = memoryBound
        guard bound <= memoryCap else { throw .stepTooLarge(bytes: bound, cap: memoryCap, batch: settings.batchSize) }
    }

    public var stepsPerEpoch: Int { (data.training.count + settings.batchSize - 1) / settings.batchSize }
    public var totalSteps: Int { stepsPerEpoch * settings.epochs }
    /// Steps trained so far.
    public var step: Int { optimizer.step }
    public var isFinished: Bool { epoch >= settings.epochs }

    /// The learning rate of the next step.
    public var learningRate: Float {
        settings.schedule.rate(base: settings.optimizer.learningRate, step: step, totalSteps: totalSteps, stepsPerEpoch: stepsPerEpoch)
    }

    /// Changes the base learning rate from the next batch on (the playground's faster / slower keys); the
    /// schedule still scales it by step.
    public mutating func setLearningRate(_ rate: Float) {
        precondition(rate > 0 && rate.isFinite, "a learning rate must be a finite number above 0")
        settings.optimizer.learningRate = rate
    }

    /// Trains on the next batch: a training pass, the loss, the backward pass and an optimiser step.
    public mutating func trainNextBatch() -> StepReport {
        precondition(!isFinished, "the run is finished")
        let order = epochOrder(epoch)
        let start = batchInEpoch * settings.batchSize
        let indices = Array(order[start..<min(start + settings.batchSize, order.count)])
        let (batch, labels) = makeBatch(data.training, indices, flipSeed: settings.flip ? mix(settings.seed, 0xF11F, step) : nil)
        let rate = learningRate
        let (loss, gradients, activations) = model.gradients(
            batch, labels: labels, seed: mix(settings.seed, 0xD809, step), buffers: &buffers)
        model.applyRunningUpdates(activations)
        buffers.recycle(activations)
        optimizer.update(&model.parameters, gradients: gradients.parameters, learningRate: rate)
        peakGradientBytes = max(peakGradientBytes, gradients.peakBytes)
        let report = StepReport(
            step: step, epoch: epoch, batch: batchInEpoch, images: indices.count, loss: loss.loss, correct: loss.correct, learningRate: rate
        )
        batchInEpoch += 1
        if batchInEpoch == stepsPerEpoch {
            batchInEpoch = 0
            epoch += 1
        }
        return report
    }

    /// The order of the training images in `epoch`: a seeded shuffle (Fisher–Yates), or file order without.
    public func epochOrder(_ epoch: Int) -> [Int] {
        var order = Array(0..<data.training.count)
        guard settings.shuffle else { return order }
        var rng = SplitMix64(seed: mix(settings.seed, 0x5EED, epoch))
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
        return order
    }

    /// The images at `indices` as a batch at the network's input shape, and their labels; with a flip seed,
    /// each image is mirrored when its draw says so.
    func makeBatch(_ set: Dataset, _ indices: [Int], flipSeed: UInt64?) -> (Batch, [Int]) {
        var batch = Batch(shape: model.shapes.input, count: indices.count)
        var rng = SplitMix64(seed: flipSeed ?? 0)
        for (n, i) in indices.enumerated() {
            let flipped = flipSeed != nil && rng.next() >> 63 == 1
            batch.setImage(n, from: set.image(i, as: model.shapes.input, flipped: flipped))
        }
        return (batch, indices.map { set.labels[$0] })
    }

    /// Accuracy, mean loss and confusion matrix of the current network on `set`, at inference, in batches.
    public func evaluate(_ set: Dataset, batchSize: Int = 256) -> Evaluation {
        let classes = set.classNames.count
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
        var total = 0.0
        var buffers = BufferPool()
        for start in stride(from: 0, to: set.count, by: batchSize) {
            let indices = Array(start..<min(start + batchSize, set.count))
            let (batch, labels) = makeBatch(set, indices, flipSeed: nil)
            let activations = model.forward(batch, mode: .inference, buffers: &buffers)
            let result = model.loss(activations, labels: labels)
            buffers.recycle(activations)
            total += result.loss * Double(indices.count)
            for (label, predicted) in zip(labels, result.predictions) { confusion[label][predicted] += 1 }
        }
        return Evaluation(classNames: set.classNames, confusion: confusion, loss: total / Double(max(set.count, 1)))
    }

    /// An upper bound on the bytes one training step holds: every activation of the batch, as many again for
    /// their gradients (no more than one per node is ever alive), the im2col scratch, and the parameters with
    /// their gradients and optimiser moments.
    public var memoryBound: Int {
        let activations = model.shapes.activationBytes * settings.batchSize
        let scratch = Kernels.columnBudget * MemoryLayout<Float>.size
        return 2 * activations + scratch + parameterBytes * (2 + optimizer.buffersPerTensor)
    }

    /// Bytes of every parameter tensor (batch norm's running statistics included).
    public var parameterBytes: Int {
        model.parameters.values.reduce(0) { total, p in
            total + (p.weight.count + (p.bias?.count ?? 0) + (p.runningMean?.count ?? 0) + (p.runningVariance?.count ?? 0)) * 4
        }
    }

    /// What a step held at most so far: activations of a full batch, the gradients' peak, parameters and moments.
    public var measuredStepBytes: Int {
        model.shapes.activationBytes * settings.batchSize + peakGradientBytes + parameterBytes * (2 + optimizer.buffersPerTensor)
    }

    /// Puts back what a checkpoint saved: parameters, optimiser state and position.
    public mutating func restore(parameters: [NodePath: LayerParameters], optimizer: Optimizer, epoch: Int, batchInEpoch: Int) {
        model.parameters = parameters
        self.optimizer = optimizer
        self.epoch = epoch
        self.batchInEpoch = batchInEpoch
    }
}

/// A network measured on a data set: the confusion matrix (rows: true class, columns: predicted) and the loss.
public struct Evaluation: Hashable, Sendable {
    public var classNames: [String]
    public var confusion: [[Int]]
    public var loss: Double

    public var count: Int { confusion.reduce(0) { $0 + $1.reduce(0, +) } }
    public var correct: Int { confusion.indices.reduce(0) { $0 + confusion[$1][$1] } }
    /// Share of images whose prediction is their label.
    public var accuracy: Double { Double(correct) / Double(max(count, 1)) }
}

/// A seed for one purpose and one counter (an epoch, a step), mixed from the run's seed.
func mix(_ seed: UInt64, _ purpose: UInt64, _ counter: Int) -> UInt64 {
    var generator = SplitMix64(seed: seed ^ (purpose &* 0x9E37_79B9_7F4A_7C15) ^ (UInt64(counter) &* 0xBF58_476D_1CE4_E5B9))
    return generator.next()
}
