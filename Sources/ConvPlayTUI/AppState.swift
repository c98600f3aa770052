import ConvEngine

/// Which pane has the keyboard.
public enum Pane: Hashable, Sendable { case layers, maps }

/// What the keys currently do. Modal data (the form, the prompt, the list) lives in `AppState`.
public enum Mode: Hashable, Sendable {
    case normal
    case zoom
    case help
    case pickType
    case form
    case prompt
    case picker
    case confirm
}

/// How heatmap values are scaled to colours.
public enum Scaling: String, CaseIterable, Hashable, Sendable {
    case perChannel = "per-channel"
    case perLayer = "per-layer"
    case global
    public var next: Scaling { Self.allCases[(Self.allCases.firstIndex(of: self)! + 1) % Self.allCases.count] }
}

/// A line of feedback on the status row.
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
}

/// What an open text prompt is for.
public enum PromptPurpose: Hashable, Sendable { case saveAs, imagePath }

/// A one-line text prompt.
public struct Prompt: Hashable, Sendable {
    public var purpose: PromptPurpose
    public var label: String
    public var text: String
}

/// What a yes/no question does on yes.
public enum Question: Hashable, Sendable {
    case quitUnsaved
    case overwrite(path: String)
    case discardAndOpen(String)
}

/// What a list picker holds.
public enum PickerPurpose: Hashable, Sendable { case open, input }

/// A list to choose from (presets or inputs).
public struct Picker: Hashable, Sendable {
    public var purpose: PickerPurpose
    public var title: String
    public var items: [PresetChoice]
    public var index = 0
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
    /// False in a non-UTF-8 locale: box drawing and marks fall back to ASCII.
    public var unicode: Bool
    public init(colorHeatmaps: Bool = true, unicode: Bool = true) {
        self.colorHeatmaps = colorHeatmaps
        self.unicode = unicode
    }
}

/// The whole playground as one value: `reduce` changes it, `render` draws it.
public struct AppState: Sendable {
    public var session: ForwardSession { didSet { refreshGlobalRange() } }
    public var file: String?
    public var isShipped: Bool
    public var dirty = false
    /// The selected row: a node, or `nil` for the input row.
    public var selected: NodePath?
    public var focus: Pane = .layers
    public var mode: Mode = .normal
    public var colormap: Colormap = .auto
    public var scaling: Scaling = .perChannel { didSet { refreshGlobalRange() } }
    /// The range of every computed activation, kept while `scaling` is `.global` (derived state: one pass
    /// over all activations per session change instead of per frame).
    public private(set) var globalValueRange: ValueRange?
    public var mapPage = 0
    public var zoomChannel = 0
    public var cursorY = 0
    public var cursorX = 0
    /// At small sizes the weights pane replaces the maps pane while this is on (`W`).
    public var showWeights = false
    public var undoStack: [Snapshot] = []
    public var redoStack: [Snapshot] = []
    public var status: StatusMessage?
    public var job: Job?
    public var nextJobID = 1
    /// Steps asked for while a step was computing; each finished step starts the next.
    public var pendingSteps = 0
    public var display = DisplayCapabilities()
    public var typeIndex = 0
    /// True when the form/type list adds before the selection (`i`) rather than after (`a`).
    public var insertBefore = false
    public var form: LayerForm?
    public var prompt: Prompt?
    public var picker: Picker?
    public var question: Question?
    public var wantsQuit = false

    /// A fresh playground over a loaded preset, nothing computed, the input row selected.
    public init(preset: PlaygroundPreset) throws(ShapeError) {
        session = try ForwardSession(network: preset.network, input: preset.input)
        file = preset.file
        isShipped = preset.isShipped
    }

    public var network: Network { session.network }

    private mutating func refreshGlobalRange() {
        globalValueRange = scaling == .global ? globalRange(session) : nil
    }

    /// The rows of the layer stack: `nil` (the input) then every node in display order.
    public var rows: [NodePath?] { [nil] + network.displayOrder.map { Optional($0) } }

    /// The selected row's index in `rows`.
    public var selectedRow: Int { rows.firstIndex(of: selected) ?? 0 }

    /// The tensor the maps pane shows: the selected node's output, or the input.
    public var selectedTensor: Tensor? {
        guard let selected else { return session.input }
        return session.output(of: selected)
    }

    /// The selected node's output shape (known even before it is computed).
    public var selectedShape: Shape { session.shapes.output(of: selected) }
}
