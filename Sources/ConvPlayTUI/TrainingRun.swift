import ConvEngine
import Foundation
import Synchronization

/// Why the playground cannot train the current network on the chosen data: one sentence each, saying what to change.
public enum TrainingSetupError: Error, Sendable, CustomStringConvertible {
    case data(DataError)
    case training(TrainingError)
    case shape(ShapeError)
    /// The network's input has a channel count images cannot be converted to.
    case channels(network: String, inputChannels: Int, data: String, dataChannels: Int)
    /// The held-out set is empty, so there is no image to watch and nothing to measure.
    case noHeldOut(data: String)
    case noShippedData

    public var description: String {
        switch self {
        case .data(let error): return error.description
        case .training(let error): return error.description
        case .shape(let error): return error.description
        case .channels(let network, let inputChannels, let data, let dataChannels):
            return "\(network) takes \(inputChannels)-channel inputs but \(data) images have \(dataChannels) — pick a network whose "
                + "input has 1 or 3 channels, or data with \(inputChannels)"
        case .noHeldOut(let data):
            return "\(data) holds no held-out images — use a larger set"
        case .noShippedData:
            return "the shipped data folder (presets/data) is missing — reinstall convplay or use mnist:DIR, cifar10:DIR or folder:DIR"
        }
    }
}

/// A training run as the training thread holds it: the trainer, and the held-out image the view watches.
/// Every method is synchronous; `TrainingWorker` runs them off the UI thread, tests call them directly.
public struct TrainingRun: Sendable {
    public private(set) var trainer: Trainer
    /// The network the run started from (its untrained weights shown before the first batch).
    public let network: Network
    /// The watched held-out image, as the network's input.
    public let watchedImage: Tensor
    public let watchedIndex: Int
    public let memoryCap: Int
    /// The folder of the preset's file: a relative image input in the trained network is made absolute against it.
    public let presetDirectory: String

    /// Loads `source` at the network's input and builds the trainer; `dataFolder` holds the shipped digits.
    public init(
        network: Network, source: DataSource, dataFolder: String?, presetDirectory: String, memoryCap: Int,
        dataCap: Int = defaultDataCap, learningRate: Float
    ) throws(TrainingSetupError) {
        let model: TrainableNetwork
        do { model = try TrainableNetwork(network: network, memoryCap: memoryCap) } catch { throw .shape(error) }
        if case .digits = source, dataFolder == nil { throw .noShippedData }
        let split: DataSplit
        do {
            split = try source.load(
                shape: network.input.shape, seed: network.initialization.seed, dataFolder: dataFolder ?? "", cap: dataCap)
        } catch { throw .data(error) }
        let input = network.input.shape, stored = split.training.shape
        if stored != input, ![1, 3].contains(input.channels) || ![1, 3].contains(stored.channels) {
            throw .channels(network: network.name, inputChannels: input.channels, data: source.description, dataChannels: stored.channels)
        }
        guard split.heldOut.count > 0 else { throw .noHeldOut(data: source.description) }
        // The trainer checks this too, naming the data by its file; here it is named as the user chose it.
        guard model.classCount == split.training.classNames.count else {
            throw .training(
                .classMismatch(
                    network: network.name, scores: model.classCount, data: source.description, classes: split.training.classNames.count))
        }
        do {
            trainer = try Trainer(
                model: model, data: split,
                settings: PlaygroundTraining.settings(seed: network.initialization.seed, learningRate: learningRate),
                memoryCap: memoryCap)
        } catch { throw .training(error) }
        self.network = network
        self.memoryCap = memoryCap
        self.presetDirectory = presetDirectory
        watchedIndex = 0
        watchedImage = Tensor(shape: input, data: split.heldOut.image(0, as: input))
    }

    /// What the view needs to open: the data's classes and sizes and the untrained pass on the watched image.
    public func start() throws(TrainingSetupError) -> TrainingStart {
        TrainingStart(
            classNames: trainer.data.training.classNames, trainingCount: trainer.data.training.count,
            heldOutCount: trainer.data.heldOut.count, stepsPerEpoch: trainer.stepsPerEpoch, batchSize: trainer.settings.batchSize,
            watchedIndex: watchedIndex, watchedLabel: trainer.data.heldOut.labels[watchedIndex], watchedSession: try watch(network))
    }

    public mutating func trainBatch() -> Trainer.StepReport { trainer.trainNextBatch() }

    public mutating func setLearningRate(_ rate: Float) { trainer.setLearningRate(rate) }

    /// The report after `reports`: the trained network and its whole pass on the watched image.
    public func progress(_ reports: [Trainer.StepReport], imagesPerSecond: Double?, isRunning: Bool) -> TrainingProgress {
        let trained = trainer.model.trainedNetwork(presetDirectory: presetDirectory)
        // The network trains with the shapes it started with, so its pass cannot fail where the start's did not.
        let session = try! watch(trained)
        return TrainingProgress(
            reports: reports, step: trainer.step, epoch: trainer.epoch, batchInEpoch: trainer.batchInEpoch,
            imagesPerSecond: imagesPerSecond, network: trained, watchedSession: session, isRunning: isRunning)
    }

    /// The held-out accuracy and confusion matrix now.
    public func evaluate() -> Evaluation { trainer.evaluate(trainer.data.heldOut) }

    /// `network`'s whole forward pass on the watched image.
    private func watch(_ network: Network) throws(TrainingSetupError) -> ForwardSession {
        var session: ForwardSession
        do { session = try ForwardSession(network: network, input: watchedImage, memoryCap: memoryCap) } catch { throw .shape(error) }
        session.advance(to: session.order.count)
        return session
    }
}

/// Runs one training run at a time on its own thread, between batches reading what the UI asked (run, pause,
/// one batch, a new learning rate) and posting reports the input loop drains, as `ComputeWorker` does for
/// forward passes. While running it posts at most every `reportInterval` (every batch's loss and accuracy
/// travel in the report), after a single batch at once, and after each epoch the held-out evaluation.
///
/// Sendable as checked by the compiler: its state is a `Mutex` (the commands and the posted actions, shared by
/// the UI thread and the training thread), a semaphore that wakes a paused run, and a serial queue.
final class TrainingWorker: Sendable {
    private struct Shared {
        /// The run whose reports are wanted; 0 after `cancel()`.
        var activeJob = 0
        var isRunning = false
        var batchesWanted = 0
        var newRate: Float?
        var messages: [Action] = []
    }

    /// What the training thread does next.
    private enum Next {
        case stop, wait
        case batch(single: Bool)
    }

    static let reportInterval = 0.1

    private let shared = Mutex(Shared())
    private let wake = DispatchSemaphore(value: 0)
    private let queue = DispatchQueue(label: "convplay.training", qos: .userInitiated)

    /// Starts run `job`: loads the data and builds the trainer on the training thread, reports the start (or the
    /// reason it cannot), then waits for commands.
    func start(
        job: Int, network: Network, source: DataSource, dataFolder: String?, presetDirectory: String, memoryCap: Int, dataCap: Int,
        learningRate: Float
    ) {
        shared.withLock {
            $0 = Shared()
            $0.activeJob = job
        }
        wake.signal()  // an older run waiting for commands sees it is no longer wanted and ends
        queue.async { [self] in
            var run: TrainingRun
            do throws(TrainingSetupError) {
                run = try TrainingRun(
                    network: network, source: source, dataFolder: dataFolder, presetDirectory: presetDirectory, memoryCap: memoryCap,
                    dataCap: dataCap, learningRate: learningRate)
                post(.event(.trainingStarted(job: job, try run.start())), job: job)
            } catch {
                post(.event(.trainingFailed(job: job, error.description)), job: job)
                return
            }
            loop(&run, job: job)
        }
    }

    private func loop(_ run: inout TrainingRun, job: Int) {
        var reports: [Trainer.StepReport] = []
        var lastReport = Date(), trainingSeconds = 0.0
        while true {
            let (next, rate) = shared.withLock { shared -> (Next, Float?) in
                defer { shared.newRate = nil }
                guard shared.activeJob == job else { return (.stop, nil) }
                if shared.isRunning { return (.batch(single: false), shared.newRate) }
                if shared.batchesWanted > 0 {
                    shared.batchesWanted -= 1
                    return (.batch(single: true), shared.newRate)
                }
                return (.wait, shared.newRate)
            }
            if let rate { run.setLearningRate(rate) }
            switch next {
            case .stop:
                return
            case .wait:
                if !reports.isEmpty {
                    post(.event(.trainingProgress(job: job, run.progress(reports, imagesPerSecond: nil, isRunning: false))), job: job)
                    reports = []
                }
                wake.wait()
            case .batch(let single):
                let started = Date()
                let report = run.trainBatch()
                trainingSeconds += Date().timeIntervalSince(started)
                reports.append(report)
                let epochEnded = run.trainer.batchInEpoch == 0
                if single || epochEnded || Date().timeIntervalSince(lastReport) >= Self.reportInterval {
                    let images = reports.reduce(0) { $0 + $1.images }
                    let speed = trainingSeconds > 0 ? Double(images) / trainingSeconds : nil
                    post(.event(.trainingProgress(job: job, run.progress(reports, imagesPerSecond: speed, isRunning: !single))), job: job)
                    reports = []
                    trainingSeconds = 0
                    lastReport = Date()
                }
                if epochEnded { post(.event(.trainingEvaluated(job: job, epoch: run.trainer.epoch, run.evaluate())), job: job) }
            }
        }
    }

    func send(_ command: TrainingCommand, job: Int) {
        shared.withLock { shared in
            guard shared.activeJob == job else { return }
            switch command {
            case .run: shared.isRunning = true
            case .pause:
                shared.isRunning = false
                shared.batchesWanted = 0
            case .oneBatch:
                shared.isRunning = false
                shared.batchesWanted += 1
            case .setLearningRate(let rate): shared.newRate = rate
            }
        }
        wake.signal()
    }

    /// Ends the run after its current batch; its later reports are dropped.
    func cancel() {
        shared.withLock { $0.activeJob = 0 }
        wake.signal()
    }

    private func post(_ action: Action, job: Int) {
        shared.withLock { if $0.activeJob == job { $0.messages.append(action) } }
    }

    /// Everything posted since the last call, oldest first.
    func drain() -> [Action] {
        shared.withLock { shared in
            defer { shared.messages.removeAll() }
            return shared.messages
        }
    }
}
