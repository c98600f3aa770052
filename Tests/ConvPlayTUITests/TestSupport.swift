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

    func presetChoices() -> [PresetChoice] { [PresetChoice(nameOrPath: "branched", summary: "two branches")] }
    func load(_ nameOrPath: String) throws -> PlaygroundPreset {
        guard nameOrPath == "branched" else { throw CocoaError(.fileNoSuchFile) }
        return Fixture.preset(Fixture.branched, file: "presets/branched.json", shipped: true)
    }
    func save(_ network: Network, to path: String) throws { record.withLock { $0.saved.append((network, path)) } }
    func wouldOverwrite(_ path: String) -> Bool { record.withLock { $0.existing.contains(path) } }
    func makeInput(for network: Network, relativeTo file: String?) throws -> Tensor { Tensor(shape: network.input.shape, repeating: 1) }
}

/// Drives a state like the runtime does, but synchronously: keys go through the key table, effects run
/// at once (computations included), so tests read the state after each key.
struct Driver {
    var state: AppState
    let services = FakeServices()
    var effects: [Effect] = []

    init(_ state: AppState) { self.state = state }

    mutating func press(_ keys: Key...) { for key in keys { press(key) } }

    mutating func press(_ key: Key) {
        guard let action = KeyBindings.action(for: key, in: state.mode) else { return }
        send(action)
    }

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
                    pending.append(.computeFinished(job: job, session: session))
                default:
                    let runner = EffectRunner(services: services, worker: ComputeWorker())
                    pending += runner.perform(effect)
                }
            }
        }
    }
}

extension Screen {
    /// The first row containing `text`, if any.
    func row(containing text: String) -> Int? { (0..<size.rows).first { line($0).contains(text) } }
}

let large = Size(columns: 120, rows: 40)
let small = Size(columns: 80, rows: 24)
