import ConvEngine

/// What the keys currently do, carrying the data of the mode it names: a form holds its fields, a question
/// what it asks. There is no form without the form mode, so no state can hold both or neither.
public enum Mode: Hashable, Sendable {
    case normal
    /// One channel at full size; the cursor is the map position whose value, receptive field and (for a
    /// 1×1 conv) dot product are shown.
    case zoom(ZoomCursor)
    /// The key overlay, scrolled by `scroll` lines.
    case help(scroll: Int)
    /// The list of layer types for `a` / `i`.
    case pickType(TypeList)
    case form(LayerForm)
    case prompt(Prompt)
    case picker(Picker)
    case confirm(Question)
    /// Two networks side by side, scrolled by `scroll` rows.
    case compare(CompareView)
    /// The whole status message, for one longer than its area; scrolled by `scroll` lines.
    case message(scroll: Int)

    /// The mode without its data: what the key table is indexed by.
    public var kind: ModeKind {
        switch self {
        case .normal: return .normal
        case .zoom: return .zoom
        case .help: return .help
        case .pickType, .picker: return .list
        case .form: return .form
        case .prompt: return .prompt
        case .confirm: return .confirm
        case .compare: return .compare
        case .message: return .message
        }
    }
}

/// The kinds of mode, as the key table and the help overlay group keys.
public enum ModeKind: Hashable, Sendable, CaseIterable {
    case normal, zoom, help, list, form, prompt, confirm, compare, message

    /// True for modes that take typed text.
    public var takesText: Bool { self == .form || self == .prompt }
}

/// The zoom cursor: a position on the selected node's map.
public struct ZoomCursor: Hashable, Sendable {
    public var row: Int
    public var column: Int
    public init(row: Int = 0, column: Int = 0) {
        self.row = row
        self.column = column
    }
}

/// The layer-type list of `a` (add after) and `i` (insert before).
public struct TypeList: Hashable, Sendable {
    public var index = 0
    /// True for `i`: the new node goes before the selection.
    public var insertBefore: Bool
    public init(insertBefore: Bool) { self.insertBefore = insertBefore }
}

/// What an open text prompt is for.
public enum PromptPurpose: Hashable, Sendable {
    case saveAs, imagePath
    /// A channel number; `zoom` is the zoom to return to (nil: the grid).
    case goToChannel(zoom: ZoomCursor?)
}

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
    /// A crashed session left unsaved edits to `source` (nil: a network never saved) in the recovery file.
    case openRecovered(source: String?)

    /// The question as the overlay asks it.
    public var text: String {
        switch self {
        case .quitUnsaved: return "quit without saving your edits?"
        case .overwrite(let path): return "\(path) exists (or is a shipped preset) — overwrite it?"
        case .discardAndOpen(let name): return "discard unsaved edits and open \(name)?"
        case .openRecovered(let source):
            return "convplay stopped unexpectedly with unsaved edits to \(source ?? "a new network") — open the recovered network?"
                + " (n sets the recovery file aside)"
        }
    }
}

/// What a list picker holds.
public enum PickerPurpose: Hashable, Sendable { case open, input, compare }

/// A list to choose from (presets, inputs, what to compare with).
public struct Picker: Hashable, Sendable {
    public var purpose: PickerPurpose
    public var title: String
    public var items: [PresetChoice]
    public var index = 0
}

/// The compare view: the comparison, how far it is scrolled, and the timing job measuring it.
public struct CompareView: Hashable, Sendable {
    public var comparison: NetworkComparison
    /// What is compared: "saved file ↔ unsaved edits", "GoogLeNet inception(3a) ↔ … naive".
    public var title: String
    public var scroll = 0
    /// The background job timing both networks, `nil` once times are in (or could not be measured).
    public var timingJob: Int?
    public init(comparison: NetworkComparison, title: String, timingJob: Int?) {
        self.comparison = comparison
        self.title = title
        self.timingJob = timingJob
    }
}
