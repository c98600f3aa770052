import ConvEngine
import Foundation
import Synchronization

/// Opens the interactive playground on a preset loaded with `Preset.load` and runs until the user quits.
/// Throws before any screen is drawn when there is no terminal or the preset cannot start (its input
/// unreadable, its shapes impossible).
public func runPlayground(preset: LoadedPreset, services: PlaygroundServices = EnginePresetServices()) throws(PlaygroundError) {
    let playground: PlaygroundPreset
    do { playground = try PlaygroundPreset(preset) } catch { throw .unreadableInput(preset: preset.path, error) }
    try runPlayground(playground, services: services)
}

/// Opens the playground on a network already in memory (tests, other fronts).
public func runPlayground(_ preset: PlaygroundPreset, services: PlaygroundServices) throws(PlaygroundError) {
    var state: AppState
    do { state = try AppState(preset: preset) } catch { throw .impossibleNetwork(error) }
    let backend = try NCursesBackend()
    defer { backend.stop() }
    state.display = backend.capabilities
    var runtime = EffectRunner(services: services, worker: ComputeWorker())
    var needsDraw = true
    while !state.wantsQuit {
        if needsDraw {
            backend.draw(render(state, size: backend.size))
            needsDraw = false
        }
        let key = backend.readKey(timeout: state.job != nil ? 25 : 100)
        for action in runtime.worker.drain() {
            runtime.dispatch(action, into: &state)
            needsDraw = true
        }
        guard let key else { continue }
        needsDraw = true
        if key == .resize { continue }
        if state.job == nil { state.status = nil }
        if let action = KeyBindings.action(for: key, in: state.mode) {
            runtime.dispatch(action, into: &state)
        }
    }
    runtime.worker.cancel()
}

/// Performs the effects `reduce` returns, feeding their outcomes back as actions. Compute effects go to
/// the worker thread; everything else is quick and runs here.
struct EffectRunner {
    let services: PlaygroundServices
    let worker: ComputeWorker

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
            worker.start(job: job, session: session, task: task)
            return []
        case .cancelComputation:
            worker.cancel()
            return []
        case .save(let network, let path, let overwrite):
            if !overwrite && services.wouldOverwrite(path) { return [.saveNeedsConfirmation(path: path)] }
            do {
                try services.save(network, to: path)
                return [.saved(path: path)]
            } catch {
                return [.failed("could not save \(path): \(error)")]
            }
        case .listPresets:
            return [.presetsListed(services.presetChoices())]
        case .load(let name):
            do { return [.loaded(try services.load(name))] } catch { return [.failed("could not open \(name): \(error)")] }
        case .makeInput(let network, let file, let recordUndo):
            do {
                return [.inputReady(network, try services.makeInput(for: network, relativeTo: file), recordUndo: recordUndo)]
            } catch {
                return [.failed("could not make the input: \(error)")]
            }
        case .quit:
            return []
        }
    }
}

/// Computes forward steps on a copy of the session off the UI thread and queues the results for the
/// input loop, which polls `drain()` between key reads. Starting a job or `cancel()` makes older jobs
/// stop at their next cancellation check and their results be dropped.
///
/// Sendable as checked by the compiler: its only state is immutable references to a `Mutex` (the job
/// wanted and the results posted for it, shared by the UI thread and the compute queue) and a serial
/// `DispatchQueue`. The session itself is never shared: each job computes on its own copy and hands
/// copies back inside actions.
final class ComputeWorker: Sendable {
    /// What the UI thread and the compute queue share.
    private struct Shared {
        /// The job whose results are wanted; 0 after `cancel()`.
        var activeJob = 0
        /// Actions posted for `activeJob` since the last `drain()`, oldest first.
        var messages: [Action] = []
    }

    private let shared = Mutex(Shared())
    private let queue = DispatchQueue(label: "convplay.compute", qos: .userInitiated)

    func start(job: Int, session: ForwardSession, task: ComputeTask) {
        shared.withLock { $0.activeJob = job }
        queue.async { [self] in
            var session = session
            let isCancelled = { self.shared.withLock { $0.activeJob != job } }
            let target = task.target(in: session)
            var lastPost = Date()
            while session.computedCount < target, !isCancelled() {
                session.stepForward(isCancelled: isCancelled)
                if Date().timeIntervalSince(lastPost) > 0.05 {
                    post(.computeProgress(job: job, session: session), job: job)
                    lastPost = Date()
                }
            }
            post(.computeFinished(job: job, session: session), job: job)
        }
    }

    private func post(_ action: Action, job: Int) {
        shared.withLock { if $0.activeJob == job { $0.messages.append(action) } }
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
