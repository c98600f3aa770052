import ConvEngine
import Foundation
import Synchronization

@testable import ConvPlayTUI

/// Hand-checkable networks and a fake preset layer for driving the playground without a terminal.
enum Fixture {
    /// Input 1×4×4 holding 0…15 row-major, so (y, x) holds 4y + x.
    static let ramp = Tensor(shape: Shape(channels: 1, height: 4, width: 4), data: (0..<16).map(Float.init))

    /// conv 1×1 → 2 with weights [1, −1] (channel 0 copies the input, channel 1 negates it), then a ReLU.
    static var tiny: Network {
        Network(
            name: "tiny", input: InputSpec(shape: ramp.shape),
            nodes: [
                Node(
                    "mix", Layer(Conv(outChannels: 2, kernel: Size2(1), parameters: ExplicitParameters(weights: [1, -1], biases: [0, 0])))),
                Node("relu", Layer(ReLU())),
            ])
    }

    /// A block with two branches: [a, b] and [c].
    static var branched: Network {
        Network(
            name: "branched", input: InputSpec(shape: ramp.shape),
            nodes: [
                Node(
                    "block",
                    parallel: ParallelBlock(branches: [
                        [Node("a", Layer(Conv(outChannels: 2, kernel: Size2(1)))), Node("b", Layer(ReLU()))],
                        [Node("c", Layer(Conv(outChannels: 3, kernel: Size2(1))))],
                    ]))
            ])
    }

    static func preset(_ network: Network = tiny, file: String? = "tiny.json", shipped: Bool = false) -> PlaygroundPreset {
        PlaygroundPreset(network: network, file: file, isShipped: shipped, input: ramp)
    }

    static func state(_ network: Network = tiny, file: String? = "tiny.json", shipped: Bool = false) -> AppState {
        try! AppState(preset: preset(network, file: file, shipped: shipped))
    }
}

/// Records saves; says a path exists when it is in `existing`. A class so the test keeps the record the
/// runtime writes to; its state sits behind a mutex, as `PlaygroundServices` may be called from any thread.
final class FakeServices: PlaygroundServices {
    private struct Record {
        var saved: [(Network, String)] = []
        var existing: Set<String> = []
    }
    private let record = Mutex(Record())

    /// Every save so far: the network and the path, oldest first.
    var saved: [(Network, String)] { record.withLock { $0.saved } }
    /// Paths that `wouldOverwrite` reports as taken.
    var existing: Set<String> {
        get { record.withLock { $0.existing } }
        set { record.withLock { $0.existing = newValue } }
    }

    func presetChoices() -> [PresetChoice] {
        [PresetChoice(nameOrPath: "branched", summary: "two branches"), PresetChoice(nameOrPath: "tiny", summary: "a 1×1 conv and a ReLU")]
    }
    func load(_ nameOrPath: String) throws -> PlaygroundPreset {
        switch nameOrPath {
        case "branched": return Fixture.preset(Fixture.branched, file: "presets/branched.json", shipped: true)
        case "tiny": return Fixture.preset(Fixture.tiny, file: "presets/tiny.json", shipped: true)
        default: throw CocoaError(.fileNoSuchFile)
        }
    }
    func save(_ network: Network, to path: String) throws { record.withLock { $0.saved.append((network, path)) } }
    func wouldOverwrite(_ path: String) -> Bool { record.withLock { $0.existing.contains(path) } }
    func makeInput(for network: Network, relativeTo file: String?) throws -> Tensor {
        if case .image(let path) = network.input.source, !path.hasSuffix(".pgm") { throw InputError.fileNotFound(path: path) }
        return Tensor(shape: network.input.shape, repeating: 1)
    }
    func absolutePath(typed path: String) -> String { path.hasPrefix("/") ? path : "/work/" + path }
    func openRecovered() throws -> PlaygroundPreset { Fixture.preset(Fixture.branched, file: "/work/branched.json") }
    func setAsideRecovery() throws -> String { "/state/recovery-1.json" }
}

/// Drives a state like the runtime does, but synchronously: keys go through the key table, effects run
/// at once (computations included), so tests read the state after each key.
struct Driver {
    var state: AppState
    let services = FakeServices()
    var effects: [Effect] = []
    /// Whether comparisons are timed (their times differ run to run; whole-screen tests leave them out).
    var timesComparisons = true
    /// The training run, trained in line: `n` trains one batch at once; after space, `trainRunning` trains.
    var trainingRun: TrainingRun?
    var trainingJob = 0
    var trainingRuns = false

    init(_ state: AppState) { self.state = state }

    mutating func press(_ keys: Key...) { for key in keys { press(key) } }

    mutating func press(_ key: Key) {
        guard let action = KeyBindings.action(for: key, in: state.mode.kind, focus: state.focus) else { return }
        send(action)
    }

    /// A click (or wheel turn) at a screen cell, at the state's size.
    mutating func click(x: Int, y: Int, _ kind: MouseEvent.Kind = .press) { send(.mouse(MouseEvent(kind, x: x, y: y))) }

    /// Typed text, one character at a time.
    mutating func type(_ text: String) { for character in text { press(.character(character)) } }

    mutating func send(_ action: Action) {
        var pending = [action]
        while !pending.isEmpty {
            for effect in reduce(&state, pending.removeFirst()) {
                effects.append(effect)
                switch effect {
                case .compute(let job, var session, let task):
                    task.perform(on: &session)
                    pending.append(.event(.computeFinished(job: job, session: session)))
                case .timeComparison(let job, var comparison, var first, var second) where timesComparisons:
                    comparison.setTimes(first: first.timePerNode(runs: 1), second: second.timePerNode(runs: 1))
                    pending.append(.event(.comparisonTimed(job: job, comparison)))
                case .timeComparison:
                    break
                case .startTraining(let job, let network, let source, _, let rate, let memoryCap, let dataCap):
                    trainingJob = job
                    do throws(TrainingSetupError) {
                        let run = try TrainingRun(
                            network: network, source: source, dataFolder: Preset.shippedDirectory().map { $0 + "/data" },
                            presetDirectory: "/work", memoryCap: memoryCap, dataCap: dataCap, learningRate: rate)
                        trainingRun = run
                        pending.append(.event(.trainingStarted(job: job, try run.start())))
                    } catch {
                        trainingRun = nil
                        pending.append(.event(.trainingFailed(job: job, error.description)))
                    }
                case .controlTraining(_, .oneBatch):
                    trainingRuns = false
                    pending += trainBatches(1, running: false)
                case .controlTraining(_, .run):
                    trainingRuns = true
                case .controlTraining(_, .pause):
                    trainingRuns = false
                case .controlTraining(_, .setLearningRate(let rate)):
                    trainingRun?.setLearningRate(rate)
                case .stopTraining:
                    trainingRun = nil
                default:
                    let runner = EffectRunner(
                        services: services, worker: ComputeWorker(), timer: ComputeWorker(), training: TrainingWorker())
                    pending += runner.perform(effect)
                }
            }
        }
    }
}

extension Driver {
    /// Trains `count` batches as the training thread does while running, and delivers their report (and the
    /// held-out evaluation of an epoch that ends) to the state.
    mutating func trainRunning(_ count: Int) {
        precondition(trainingRuns, "press space first")
        for action in trainBatches(count, running: true) { send(action) }
    }

    /// `count` batches of the run and the reports the training thread would post for them.
    mutating func trainBatches(_ count: Int, running: Bool) -> [Action] {
        guard var run = trainingRun else { return [] }
        var reports: [Trainer.StepReport] = [], actions: [Action] = []
        for _ in 0..<count {
            reports.append(run.trainBatch())
            if run.trainer.batchInEpoch == 0 {
                actions.append(
                    .event(.trainingProgress(job: trainingJob, run.progress(reports, imagesPerSecond: 1000, isRunning: running))))
                actions.append(.event(.trainingEvaluated(job: trainingJob, epoch: run.trainer.epoch, run.evaluate())))
                reports = []
            }
        }
        if !reports.isEmpty {
            actions.append(.event(.trainingProgress(job: trainingJob, run.progress(reports, imagesPerSecond: 1000, isRunning: running))))
        }
        trainingRun = run
        return actions
    }
}

extension Screen {
    /// The first row containing `text`, if any.
    func row(containing text: String) -> Int? { (0..<size.rows).first { line($0).contains(text) } }
}

let large = Size(columns: 120, rows: 40)
let small = Size(columns: 80, rows: 24)

/// The data of the open modal view, for tests to read.
extension AppState {
    var form: LayerForm? { if case .form(let form) = mode { form } else { nil } }
    var prompt: Prompt? { if case .prompt(let prompt) = mode { prompt } else { nil } }
    var picker: Picker? { if case .picker(let picker) = mode { picker } else { nil } }
    var question: Question? { if case .confirm(let question) = mode { question } else { nil } }
    var compareView: CompareView? { if case .compare(let view) = mode { view } else { nil } }
}

extension Fixture {
    /// A diagonal 1×1 conv scaling channel 0 by 2 and channel 1 by 0.5: the rescale lesson, with hand-set weights.
    static var rescale: Network {
        Network(
            name: "rescale", input: InputSpec(shape: Shape(channels: 2, height: 4, width: 4)),
            nodes: [
                Node(
                    "scale",
                    Conv(outChannels: 2, kernel: Size2(1), hasBias: false, parameters: ExplicitParameters(weights: [2, 0, 0, 0.5])))
            ])
    }

    /// Both channels 1 everywhere but 0 at (0, 0).
    static var rescaleInput: Tensor {
        Tensor(shape: Shape(channels: 2, height: 4, width: 4), data: (0..<32).map { i in i % 16 == 0 ? 0 : 1 })
    }

    /// A classifier: 3×2×2 → global average pool → softmax over 3 named classes.
    static var classifier: Network {
        Network(
            name: "classes", input: InputSpec(shape: Shape(channels: 3, height: 2, width: 2)),
            nodes: [Node("pool", GlobalAveragePool()), Node("softmax", Softmax())], labels: ["cat", "dog", "bird"])
    }

    /// A classifier over the six shapes with no `labels`: its preset names the shapes as its data, which names the
    /// classes. Channel c of `shapesInput` is c everywhere, so bar (5) leads, then ring, cross, triangle, square.
    static var shapesClassifier: Network {
        Network(
            name: "shapes", input: InputSpec(shape: Shape(channels: 6, height: 2, width: 2)),
            nodes: [Node("pool", GlobalAveragePool()), Node("softmax", Softmax())], trainingData: .shapes(count: 60))
    }

    static var shapesInput: Tensor { Tensor(shape: Shape(channels: 6, height: 2, width: 2), data: (0..<24).map { Float($0 / 4) }) }

    static func state(_ network: Network, input: Tensor, dataCap: Int = defaultDataCap) -> AppState {
        try! AppState(preset: PlaygroundPreset(network: network, file: "n.json", isShipped: false, input: input), dataCap: dataCap)
    }
}
