import ConvEngine
import Foundation
import Synchronization

/// Opens the interactive playground on a preset loaded with `Preset.load` and runs until the user quits.
/// Throws before any screen is drawn when there is no terminal or the preset cannot start (its input
/// unreadable, its shapes impossible). With `mouse`, clicks and the wheel work where the terminal reports them.
public func runPlayground(
    preset: LoadedPreset, services: PlaygroundServices = EnginePresetServices(), recovery: RecoveryFiles = .standard(),
    memoryCap: Int = defaultMemoryCap, dataCap: Int = defaultDataCap, mouse: Bool = true
) throws(PlaygroundError) {
    let playground: PlaygroundPreset
    do { playground = try PlaygroundPreset(preset) } catch { throw .unreadableInput(preset: preset.path, error) }
    try runPlayground(playground, services: services, recovery: recovery, memoryCap: memoryCap, dataCap: dataCap, mouse: mouse)
}

/// Opens the playground on a network already in memory (tests, other fronts). When `recovery` holds a
/// network a crashed session left, the first thing shown is the question whether to open it.
public func runPlayground(
    _ preset: PlaygroundPreset, services: PlaygroundServices, recovery: RecoveryFiles = .standard(), memoryCap: Int = defaultMemoryCap,
    dataCap: Int = defaultDataCap, mouse: Bool = true
) throws(PlaygroundError) {
    var state: AppState
    do { state = try AppState(preset: preset, memoryCap: memoryCap, dataCap: dataCap) } catch { throw .impossibleNetwork(error) }
    switch recovery.offer() {
    case .none: break
    case .network(let source): state.mode = .confirm(.openRecovered(source: source))
    case .damaged(let message): state.status = StatusMessage(message, isError: true)
    }
    let backend = try NCursesBackend(mouse: mouse)
    defer { backend.stop() }
    state.display = backend.capabilities
    state.size = backend.size
    let crash = CrashRecovery(files: recovery)
    var runtime = EffectRunner(services: services, worker: ComputeWorker(), timer: ComputeWorker(), training: TrainingWorker())
    var needsDraw = true
    while !state.wantsQuit {
        if needsDraw {
            backend.draw(render(state, size: backend.size))
            needsDraw = false
        }
        let key = backend.readKey(timeout: state.isBusy ? 25 : 100)
        for action in runtime.worker.drain() + runtime.timer.drain() + runtime.training.drain() {
            runtime.dispatch(action, into: &state)
            needsDraw = true
        }
        if let key {
            needsDraw = true
            if key == .resize {
                runtime.dispatch(.event(.resized(backend.size)), into: &state)
            } else {
                if state.job == nil, state.mode.kind != .message { state.status = nil }
                if let action = KeyBindings.action(for: key, in: state.mode.kind, focus: state.focus) {
                    runtime.dispatch(action, into: &state)
                }
            }
        }
        crash.update(state)
    }
    crash.disarm()
    runtime.worker.cancel()
    runtime.timer.cancel()
    runtime.training.cancel()
}

/// Performs the effects `reduce` returns, feeding their outcomes back as actions. Stepping goes to the
/// compute worker, comparison timing to a second one and training to its own; everything else is quick and
/// runs here.
struct EffectRunner {
    let services: PlaygroundServices
    let worker: ComputeWorker
    let timer: ComputeWorker
    let training: TrainingWorker

    mutating func dispatch(_ action: Action, into state: inout AppState) {
        var pending = [action]
        while !pending.isEmpty {
            let next = pending.removeFirst()
            for effect in reduce(&state, next) { pending += perform(effect) }
        }
    }

    /// Runs one effect; returns the actions it produced right away.
    func perform(_ effect: Effect) -> [Action] {
        switch effect {
        case .compute(let job, let session, let task):
            worker.start(job: job) { post, isCancelled in
                var session = session
                let target = task.target(in: session)
                var lastPost = Date()
                while session.computedCount < target, !isCancelled() {
                    session.stepForward(isCancelled: isCancelled)
                    if Date().timeIntervalSince(lastPost) > 0.05 {
                        post(.event(.computeProgress(job: job, session: session)))
                        lastPost = Date()
                    }
                }
                post(.event(.computeFinished(job: job, session: session)))
            }
            return []
        case .cancelComputation:
            worker.cancel()
            return []
        case .timeComparison(let job, let comparison, let first, let second):
            timer.start(job: job) { post, _ in
                var comparison = comparison, first = first, second = second
                comparison.setTimes(first: first.timePerNode(runs: 3), second: second.timePerNode(runs: 3))
                post(.event(.comparisonTimed(job: job, comparison)))
            }
            return []
        case .save(let network, let path, let overwrite):
            if !overwrite && services.wouldOverwrite(path) { return [.event(.saveNeedsConfirmation(path: path))] }
            do {
                try services.save(network, to: path)
                return [.event(.saved(path: path))]
            } catch {
                return [.event(.failed("could not save \(path): \(error)"))]
            }
        case .listPresets(let purpose):
            return [.event(.presetsListed(services.presetChoices(), for: purpose))]
        case .load(let name):
            do { return [.event(.loaded(try services.load(name)))] } catch { return [.event(.failed("could not open \(name): \(error)"))] }
        case .loadForComparison(let name):
            do { return [.event(.loadedForComparison(try services.load(name)))] } catch {
                return [.event(.failed("could not open \(name) to compare: \(error)"))]
            }
        case .makeInput(let network, let file, let recordUndo):
            do {
                return [.event(.inputReady(network, try services.makeInput(for: network, relativeTo: file), recordUndo: recordUndo))]
            } catch {
                return [.event(.failed("could not make the input: \(error)"))]
            }
        case .useTypedImage(var network, let typed, let file):
            let path = services.absolutePath(typed: typed)
            network.input.source = .image(path: path)
            do {
                return [.event(.inputReady(network, try services.makeInput(for: network, relativeTo: file), recordUndo: true))]
            } catch InputError.fileNotFound {
                return [
                    .event(
                        .failed("\(typed): no such file (looked for \(path)) — type a path from the working directory, or an absolute one"))
                ]
            } catch {
                return [.event(.failed("could not use \(typed) as the input: \(error)"))]
            }
        case .openRecovered:
            do { return [.event(.recovered(try services.openRecovered()))] } catch {
                return [.event(.failed("could not open the recovered network: \(error) — it stays in the recovery folder"))]
            }
        case .setAsideRecovery:
            do { return [.event(.recoverySetAside(path: try services.setAsideRecovery()))] } catch {
                return [.event(.failed("could not move the recovery file aside: \(error)"))]
            }
        case .startTraining(let job, let network, let source, let file, let rate, let memoryCap, let dataCap):
            training.start(
                job: job, network: network, source: source, dataFolder: Preset.shippedDirectory().map { $0 + "/data" },
                presetDirectory: presetDirectory(file), memoryCap: memoryCap, dataCap: dataCap,
                learningRate: rate)
            return []
        case .controlTraining(let job, let command):
            training.send(command, job: job)
            return []
        case .stopTraining:
            training.cancel()
            return []
        case .saveTrained(let network, let folder, let file, let input, let overwrite, let thenQuit):
            if !overwrite && services.wouldOverwrite(folder) {
                return [.event(.trainedSaveNeedsConfirmation(folder: folder, thenQuit: thenQuit))]
            }
            do {
                try services.saveTrained(network, to: folder, presetDirectory: presetDirectory(file), input: input)
                return [.event(.trainedSaved(folder: folder, thenQuit: thenQuit))]
            } catch {
                return [.event(.failed("could not save the trained network to \(folder): \(error)"))]
            }
        case .quit:
            return []
        }
    }
}

/// Runs one job at a time off the UI thread and queues what it posts for the input loop, which polls
/// `drain()` between key reads. Starting a job or `cancel()` makes older jobs see `isCancelled()` and their
/// posts be dropped.
///
/// Sendable as checked by the compiler: its only state is immutable references to a `Mutex` (the job
/// wanted and the actions posted for it, shared by the UI thread and the queue) and a serial
/// `DispatchQueue`. Jobs capture values (sessions are copied in, and copies handed back inside actions).
final class ComputeWorker: Sendable {
    /// What the UI thread and the queue share.
    private struct Shared {
        /// The job whose results are wanted; 0 after `cancel()`.
        var activeJob = 0
        /// Actions posted for `activeJob` since the last `drain()`, oldest first.
        var messages: [Action] = []
    }

    private let shared = Mutex(Shared())
    private let queue = DispatchQueue(label: "convplay.compute", qos: .userInitiated)

    /// Runs `work` as job `job`; it posts actions and checks whether it is still wanted.
    func start(job: Int, _ work: @escaping @Sendable (_ post: (Action) -> Void, _ isCancelled: () -> Bool) -> Void) {
        shared.withLock { $0.activeJob = job }
        queue.async { [self] in
            work(
                { action in shared.withLock { if $0.activeJob == job { $0.messages.append(action) } } },
                { shared.withLock { $0.activeJob != job } })
        }
    }

    func cancel() { shared.withLock { $0.activeJob = 0 } }

    /// Everything posted since the last call, oldest first.
    func drain() -> [Action] {
        shared.withLock { shared in
            defer { shared.messages.removeAll() }
            return shared.messages
        }
    }
}

/// The folder of a preset's file (the working directory for a network never saved): where its relative paths start.
func presetDirectory(_ file: String?) -> String {
    let folder = file.map { ($0 as NSString).deletingLastPathComponent } ?? ""
    return folder.isEmpty ? FileManager.default.currentDirectoryPath : folder
}
