import ConvEngine

/// Everything that can happen to the playground, grouped as the reducer is split: keys turned into intents,
/// mouse events, and results the runtime reports back. `reduce` is the only thing that interprets them.
public enum Action: Sendable {
    case navigate(Navigation)
    case view(ViewAction)
    case step(Stepping)
    case edit(Editing)
    case file(FileAction)
    case modal(ModalInput)
    case mouse(MouseEvent)
    case train(TrainingAction)
    case event(RuntimeEvent)
}

/// The training view: entering and leaving it, running, pausing and single batches, the learning rate.
public enum TrainingAction: Hashable, Sendable {
    /// `T`: opens the view (asking first for a data set the preset does not name).
    case enter
    case leave
    /// Starts batches running, or pauses them.
    case toggleRun
    case oneBatch
    /// Multiplies (+1) or divides (−1) the learning rate by `PlaygroundTraining.rateFactor`.
    case changeRate(Int)
    /// Shows the confusion matrix in the maps' place, or the maps again.
    case toggleConfusion
}

/// Moving around the layer stack, the maps and the inspector.
public enum Navigation: Hashable, Sendable {
    case moveSelection(Int)
    case selectFirst, selectLast
    /// Folds the selected block, or selects the block enclosing the selection.
    case collapse
    /// Unfolds the selected block, or selects its first node when it is open.
    case expand
    /// Folds every block, or unfolds them all when all are folded.
    case toggleAllBlocks
    /// Moves the focus to the next (+1) or previous (−1) pane.
    case switchPane(Int)
    /// Moves the tile cursor of the maps grid by rows and columns of tiles.
    case moveTile(dy: Int, dx: Int)
    /// Moves the tile cursor a page of channels forward or back.
    case pageMaps(Int)
    case firstChannel, lastChannel
    case toggleZoom
    /// Moves the zoom cursor by map rows and columns.
    case moveCursor(dy: Int, dx: Int)
    /// The next or previous channel while zoomed.
    case zoomChannel(Int)
    /// Asks for a channel number to jump to.
    case goToChannel
    case scrollInspector(Int)
}

/// How things are drawn.
public enum ViewAction: Hashable, Sendable {
    case cycleColormap, cycleScaling, toggleWeights, toggleHelp
    /// Shows the whole status message.
    case showMessage
}

/// The forward pass's step cursor.
public enum Stepping: Hashable, Sendable { case forward, back, runToEnd, reset }

/// Changes to the network (each one undoable).
public enum Editing: Hashable, Sendable {
    case beginAdd, beginInsert, beginEdit
    case delete
    case move(Int)
    case addBranch, removeBranch
    case undo, redo
}

/// Files, other networks, quitting.
public enum FileAction: Hashable, Sendable { case save, saveAs, open, pickInput, compare, quit }

/// Input to the modal views: lists, forms, prompts, questions and the scrolling overlays.
public enum ModalInput: Hashable, Sendable {
    case listMove(Int)
    /// Home (false) or End (true) of a list.
    case listEdge(toEnd: Bool)
    case choose
    case cancel
    case type(Character)
    case deleteBackward
    /// Ctrl-U: empties the field or prompt.
    case clearField
    case nextField(Int)
    case cycleChoice(Int)
    case confirm(Bool)
    /// Scrolls an overlay by lines.
    case scroll(Int)
    /// Scrolls an overlay to its top (false) or bottom (true).
    case scrollEdge(toEnd: Bool)
}

/// What the runtime reports back: finished work, files read and written, the terminal's size.
public enum RuntimeEvent: Sendable {
    case computeProgress(job: Int, session: ForwardSession)
    case computeFinished(job: Int, session: ForwardSession)
    case saved(path: String)
    case saveNeedsConfirmation(path: String)
    case presetsListed([PresetChoice], for: PickerPurpose)
    case loaded(PlaygroundPreset)
    /// A preset opened to compare the current network with.
    case loadedForComparison(PlaygroundPreset)
    /// Both networks of the compare view timed, node by node.
    case comparisonTimed(job: Int, NetworkComparison)
    case inputReady(Network, Tensor, recordUndo: Bool)
    /// The network a crashed session left behind, opened.
    case recovered(PlaygroundPreset)
    /// The recovery file was moved aside to this path.
    case recoverySetAside(path: String)
    case failed(String)
    case resized(Size)
    /// A training run's data loaded and trainer built.
    case trainingStarted(job: Int, TrainingStart)
    /// Batches trained since the last report.
    case trainingProgress(job: Int, TrainingProgress)
    /// The held-out evaluation after epoch `epoch` (counted from 1).
    case trainingEvaluated(job: Int, epoch: Int, Evaluation)
    /// The run could not start; the sentence says why.
    case trainingFailed(job: Int, String)
    /// The trained network was written to `folder`; `thenQuit` when quitting asked for it.
    case trainedSaved(folder: String, thenQuit: Bool)
    case trainedSaveNeedsConfirmation(folder: String, thenQuit: Bool)
}

/// A side effect `reduce` asks the runtime to perform; its outcome comes back as an `Action`.
public enum Effect: Sendable {
    /// Compute on a copy of the session off the UI thread; report progress and the result under `job`.
    case compute(job: Int, session: ForwardSession, task: ComputeTask)
    /// Drop any running computation (its results will be ignored anyway).
    case cancelComputation
    /// Save; unless `overwrite`, ask first when the path exists or is a shipped preset.
    case save(Network, path: String, overwrite: Bool)
    case listPresets(for: PickerPurpose)
    case load(String)
    case loadForComparison(String)
    /// Time both networks of a comparison off the UI thread (each from its own session) and report it under `job`.
    case timeComparison(job: Int, NetworkComparison, first: ForwardSession, second: ForwardSession)
    /// Make the input tensor for `network` (an input change or its undo).
    case makeInput(Network, file: String?, recordUndo: Bool)
    /// Use the image at a path the user typed (relative to the working directory) as the input.
    case useTypedImage(Network, typedPath: String, file: String?)
    case openRecovered
    case setAsideRecovery
    /// Start training run `job` on `network` with `source` off the UI thread (it reports under `job`).
    case startTraining(job: Int, Network, DataSource, file: String?, learningRate: Float, memoryCap: Int, dataCap: Int)
    case controlTraining(job: Int, TrainingCommand)
    /// End any training run.
    case stopTraining
    /// Write `network` with its trained weights as `folder`/preset.json and `folder`/weights, atomically; unless
    /// `overwrite`, ask first when the folder exists.
    case saveTrained(Network, folder: String, file: String?, input: Tensor, overwrite: Bool, thenQuit: Bool)
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
