import ConvEngine
import Foundation

/// One key timed in the training view while the run trains on its own thread.
public struct TrainingKeyTiming: Sendable {
    public var key: String
    /// Wall time from the key to the finished frame: taking in the reports that arrived since the last key (as
    /// the input loop does first), the key's reducer and a full render.
    public var milliseconds: Double
    /// The UI thread's own CPU time for the same work (without the time it waited for a core).
    public var cpuMilliseconds: Double
    /// Training reports taken in before the key.
    public var reports: Int
}

/// What `timeTrainingKeys` measured: every key, and how far the run trained meanwhile.
public struct TrainingKeyTimings: Sendable {
    public var keys: [TrainingKeyTiming]
    public var steps: Int
    public var seconds: Double
}

/// Why the training view could not be timed.
public struct TrainingBenchError: Error, CustomStringConvertible {
    public var description: String
}

/// Opens the training view on `preset` (on `source` when the preset names no data), starts the run on the
/// training thread as the playground does, and times `keys` keys — layer selection, learning rate, colormap,
/// scaling, the confusion matrix — each `interval` seconds apart while it trains, as `runPlayground`'s loop
/// handles them: the reports that came in, then the key, then a full frame at `size`.
public func timeTrainingKeys(
    _ preset: PlaygroundPreset, source: DataSource, size: Size, keys: Int, interval: Double = 0.02, memoryCap: Int = defaultMemoryCap
) throws -> TrainingKeyTimings {
    var state = try AppState(preset: preset, memoryCap: memoryCap)
    state.size = size
    var runtime = EffectRunner(
        services: EnginePresetServices(), worker: ComputeWorker(), timer: ComputeWorker(), training: TrainingWorker())
    defer { runtime.training.cancel() }
    func takeReports() -> Int {
        let actions = runtime.worker.drain() + runtime.timer.drain() + runtime.training.drain()
        for action in actions { runtime.dispatch(action, into: &state) }
        return actions.count
    }
    runtime.dispatch(.train(.enter), into: &state)
    if case .picker(var picker) = state.mode, let index = picker.items.firstIndex(where: { $0.nameOrPath == source.description }) {
        picker.index = index
        state.mode = .picker(picker)
        runtime.dispatch(.modal(.choose), into: &state)
    }
    let deadline = Date().addingTimeInterval(120)
    while state.training?.isReady != true {
        guard state.training != nil, Date() < deadline else {
            throw TrainingBenchError(description: state.status?.text ?? "the training run did not start within 120 s")
        }
        usleep(10_000)
        _ = takeReports()
    }
    runtime.dispatch(.train(.toggleRun), into: &state)
    let started = Date()
    let walk: [(String, Key)] = [
        ("j", .character("j")), ("j", .character("j")), ("+", .character("+")), ("k", .character("k")), ("c", .character("c")),
        ("j", .character("j")), ("-", .character("-")), ("s", .character("s")), ("x", .character("x")), ("x", .character("x")),
        ("End", .end), ("Home", .home),
    ]
    var timings: [TrainingKeyTiming] = []
    for i in 0..<keys {
        usleep(UInt32(interval * 1e6))
        let (name, key) = walk[i % walk.count]
        let start = DispatchTime.now().uptimeNanoseconds, startCPU = threadCPUNanoseconds()
        let reports = takeReports()
        if let action = KeyBindings.action(for: key, in: state.mode.kind, focus: state.focus) { runtime.dispatch(action, into: &state) }
        let frame = render(state, size: size)
        let wall = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        let cpu = Double(threadCPUNanoseconds() - startCPU) / 1e6
        withExtendedLifetime(frame) {}
        timings.append(TrainingKeyTiming(key: name, milliseconds: wall, cpuMilliseconds: cpu, reports: reports))
    }
    _ = takeReports()
    return TrainingKeyTimings(keys: timings, steps: state.training?.step ?? 0, seconds: Date().timeIntervalSince(started))
}

/// CPU time the calling thread has used, in nanoseconds.
func threadCPUNanoseconds() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
}
