import ConvEngine

/// Which pane has the keyboard; `Tab` cycles through them.
public enum Pane: Hashable, Sendable, CaseIterable { case layers, maps, inspector }

/// How heatmap values are scaled to colours.
public enum Scaling: String, CaseIterable, Hashable, Sendable {
    case perChannel = "per-channel"
    case perLayer = "per-layer"
    case global
}

/// A sentence of feedback in the message area.
public struct StatusMessage: Hashable, Sendable {
    public var text: String
    public var isError: Bool
    public init(_ text: String, isError: Bool = false) {
        self.text = text
        self.isError = isError
    }
}

/// A running computation the UI waits for.
public struct Job: Hashable, Sendable {
    public var id: Int
    public var task: ComputeTask
    public var done: Int
    public var total: Int
    /// While true the selection follows the step cursor; moving the selection during the job stops that.
    public var followsStep = true
}

/// Undo keeps previous values: the network and what was selected.
public struct Snapshot: Sendable {
    public var network: Network
    public var selected: NodePath?
}

/// Display choices that come from the terminal, not from the user.
public struct DisplayCapabilities: Hashable, Sendable {
    /// False for NO_COLOR, fewer than 256 colours or a non-UTF-8 locale: heatmaps use the ASCII ramp.
    public var colorHeatmaps: Bool
    /// False in a non-UTF-8 locale: box drawing, marks and "…" fall back to ASCII.
    public var unicode: Bool
    public init(colorHeatmaps: Bool = true, unicode: Bool = true) {
        self.colorHeatmaps = colorHeatmaps
        self.unicode = unicode
    }
}

/// The whole playground as one value: `reduce` changes it, `render` draws it.
public struct AppState: Sendable {
    public var session: ForwardSession {
        didSet {
            let networkChanged = session.network != oldValue.network
            if networkChanged { derived = DerivedNetwork(session) }
            if networkChanged || session.input != oldValue.input {
                outputRanges = OutputRanges(session)
            } else {
                outputRanges.extend(session)
            }
            refreshGlobalRange()
        }
    }
    /// The stack rows, column widths and lessons of the current network (derived state, refreshed when the
    /// network changes).
    private(set) var derived: DerivedNetwork
    public var file: String?
    public var isShipped: Bool
    /// The network as last opened or saved; `nil` for one that has never been saved (recovered after a crash).
    public var savedNetwork: Network?
    /// The selected row: a node, or `nil` for the input row.
    public var selected: NodePath?
    public var focus: Pane = .layers
    public var mode: Mode = .normal
    public var colormap: Colormap = .auto
    /// The scaling chosen with `s`; `nil` lets the selected node's lesson choose (see `scaling`).
    public var scalingChoice: Scaling? { didSet { refreshGlobalRange() } }
    /// The range of every computed activation, kept while the global scaling is chosen (derived state, folded
    /// from `outputRanges` per session change instead of per frame or per key).
    public private(set) var globalValueRange: ValueRange?
    /// The input's and each computed output's range (derived state: each output passed over once, as it arrives).
    private(set) var outputRanges: OutputRanges
    /// The selected channel: the tile cursor of the maps grid and the channel zoom shows.
    public var channel = 0
    /// Lines the inspector is scrolled by.
    public var inspectorScroll = 0
    /// `W`: hides the weights pane where it has its own room, shows it in place of the maps where it has not.
    public var weightsToggled = false
    /// Names of the parallel blocks folded to one row in the layer stack.
    public var collapsed: Set<String> = []
    public var undoStack: [Snapshot] = []
    public var redoStack: [Snapshot] = []
    public var status: StatusMessage?
    public var job: Job?
    public var nextJobID = 1
    /// Steps asked for while a step was computing; each finished step starts the next.
    public var pendingSteps = 0
    public var display = DisplayCapabilities()
    public var wantsQuit = false
    /// The training view's data once `T` has been pressed (kept, paused, when the view is left).
    public var training: TrainingView?
    /// True when batches have been trained since the network was last saved: `w` and quitting offer to write
    /// the trained network (preset.json + weights/).
    public var trainedWeightsUnsaved = false
    /// The terminal size the runtime last reported: the reducer pages channels and hit-tests clicks at it.
    public var size = Size(columns: 120, rows: 40)

    /// The most memory the cached activations (and, for an edit, the weights) may take, in bytes.
    public let memoryCap: Int
    /// The most memory a training run's data set (training and held-out images together) may take, in bytes.
    public let dataCap: Int

    /// A fresh playground over a loaded preset, nothing computed, the input row selected.
    public init(preset: PlaygroundPreset, memoryCap: Int = defaultMemoryCap, dataCap: Int = defaultDataCap) throws(ShapeError) {
        self.memoryCap = memoryCap
        self.dataCap = dataCap
        session = try ForwardSession(network: preset.network, input: preset.input, memoryCap: memoryCap)
        derived = DerivedNetwork(session)
        outputRanges = OutputRanges(session)
        file = preset.file
        isShipped = preset.isShipped
        savedNetwork = preset.network
    }

    public var network: Network { session.network }

    /// True while the network differs from the one last opened or saved (undoing back to it clears it).
    public var dirty: Bool { savedNetwork != session.network }

    /// The scaling in force: the user's choice, else the one the selected node's lesson asks for.
    public var scaling: Scaling { scalingChoice ?? lessonScaling(self) }

    private mutating func refreshGlobalRange() {
        globalValueRange = scalingChoice == .global ? outputRanges.global(session) : nil
    }

    /// The rows of the layer stack: `nil` (the input) then every node in display order, except those inside a
    /// folded block.
    public var rows: [NodePath?] { [nil] + visiblePaths(self).map { Optional($0) } }

    /// The selected row's index in `rows`.
    public var selectedRow: Int { rows.firstIndex(of: selected) ?? 0 }

    /// The tensor the maps pane shows: the selected node's output, or the input.
    public var selectedTensor: Tensor? {
        guard let selected else { return session.input }
        return session.output(of: selected)
    }

    /// The range of `selectedTensor`, read from what was kept when it was computed (what per-layer scaling spans).
    var selectedRange: ValueRange? { outputRanges.range(at: selected) }

    /// The selected node's output shape (known even before it is computed).
    public var selectedShape: Shape { session.shapes.output(of: selected) }

    /// The mode to return to when an overlay closes: the training view while it is open, else the normal one.
    public var restingMode: Mode { training?.isShown == true ? .training : .normal }

    /// True while something runs off the UI thread that the input loop should poll for often.
    public var isBusy: Bool { job != nil || training.map { $0.isRunning || !$0.isReady } ?? false }

    /// The zoom cursor while zoomed.
    public var zoomCursor: ZoomCursor? { if case .zoom(let cursor) = mode { cursor } else { nil } }
}
