import ConvEngine

/// Everything that can happen to the playground: keys turned into intents, and results the runtime
/// reports back. `reduce` is the only thing that interprets them.
public enum Action: Sendable {
    // Moving around
    case moveSelection(Int)
    case selectFirst, selectLast
    case switchPane
    /// Enter: edit the layer (stack focused) or zoom the channel (maps focused).
    case activate
    case toggleZoom
    case pageMaps(Int)
    /// Moves the zoom cursor (rows, columns) or, outside zoom, nothing.
    case moveCursor(dy: Int, dx: Int)
    case zoomChannel(Int)
    case cycleColormap, cycleScaling, toggleWeights, toggleHelp
    // Stepping
    case stepForward, stepBack, runToEnd, reset
    // Editing
    case beginAdd, beginInsert, beginEdit
    case deleteLayer
    case moveLayer(Int)
    case addBranch, removeBranch
    case undo, redo
    // Files
    case save, saveAs, open, pickInput
    case quit
    // Modal input (lists, forms, prompts, questions)
    case listMove(Int)
    case choose
    case cancel
    case type(Character)
    case deleteBackward
    case nextField(Int)
    case cycleChoice(Int)
    case confirm(Bool)
    // Reported by the runtime
    case computeProgress(job: Int, session: ForwardSession)
    case computeFinished(job: Int, session: ForwardSession)
    case saved(path: String)
    case saveNeedsConfirmation(path: String)
    case presetsListed([PresetChoice])
    case loaded(PlaygroundPreset)
    case inputReady(Network, Tensor, recordUndo: Bool)
    case failed(String)
}

/// A side effect `reduce` asks the runtime to perform; its outcome comes back as an `Action`.
public enum Effect: Sendable {
    /// Compute on a copy of the session off the UI thread; report progress and the result under `job`.
    case compute(job: Int, session: ForwardSession, task: ComputeTask)
    /// Drop any running computation (its results will be ignored anyway).
    case cancelComputation
    /// Save; unless `overwrite`, ask first when the path exists or is a shipped preset.
    case save(Network, path: String, overwrite: Bool)
    case listPresets
    case load(String)
    /// Make the input tensor for `network` (an input change or its undo).
    case makeInput(Network, file: String?, recordUndo: Bool)
    case quit
}

/// What a compute job does.
public enum ComputeTask: Hashable, Sendable {
    case step
    case runToEnd
    /// After an edit: recompute the invalidated nodes until `count` are done again, leaving the selection
    /// where the user is editing.
    case catchUp(to: Int)
}

extension ComputeTask {
    /// True for the recomputation after an edit, which must not move the selection.
    var isCatchUp: Bool { if case .catchUp = self { return true } else { return false } }
}

extension ComputeTask {
    /// How many nodes `session` holds computed once this task is done.
    public func target(in session: ForwardSession) -> Int {
        switch self {
        case .step: return min(session.computedCount + 1, session.order.count)
        case .runToEnd: return session.order.count
        case .catchUp(let count): return min(count, session.order.count)
        }
    }

    /// Runs the task to completion in line (benchmarks and tests; the playground uses its worker thread).
    public func perform(on session: inout ForwardSession) {
        session.advance(to: target(in: session))
    }
}
