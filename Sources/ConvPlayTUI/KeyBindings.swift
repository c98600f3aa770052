/// A key as the backend reports it.
public enum Key: Hashable, Sendable {
    case character(Character)
    /// Ctrl plus a letter (lower case).
    case control(Character)
    case up, down, left, right, pageUp, pageDown, home, end
    case enter, escape, tab, backTab, backspace
    case resize
}

/// One row of the key table: the key, what it does, and the words the help overlay shows.
public struct KeyBinding: Sendable {
    public var key: Key
    public var action: Action
    public var help: String
    /// Shown in the footer's hints for its mode.
    public var hint: Bool

    init(_ key: Key, _ action: Action, _ help: String, hint: Bool = false) {
        self.key = key
        self.action = action
        self.help = help
        self.hint = hint
    }
}

/// Every key binding of every mode, in one table. Text modes (form fields, prompts) also receive typed
/// characters that no binding claims.
public enum KeyBindings {
    static let movement: [KeyBinding] = [
        KeyBinding(.up, .moveSelection(-1), "select previous"), KeyBinding(.character("k"), .moveSelection(-1), "select previous"),
        KeyBinding(.down, .moveSelection(1), "select next"), KeyBinding(.character("j"), .moveSelection(1), "select next"),
        KeyBinding(.home, .selectFirst, "select the input"), KeyBinding(.end, .selectLast, "select the last node"),
    ]

    static let stepping: [KeyBinding] = [
        KeyBinding(.character(" "), .stepForward, "step forward", hint: true),
        KeyBinding(.character("n"), .stepForward, "step forward"),
        KeyBinding(.character("b"), .stepBack, "step back", hint: true),
        KeyBinding(.character("r"), .runToEnd, "run to the end", hint: true),
        KeyBinding(.character("R"), .reset, "reset the pass"),
    ]

    static let view: [KeyBinding] = [
        KeyBinding(.tab, .switchPane, "switch pane (layers / maps)", hint: true),
        KeyBinding(.backTab, .switchPane, "switch pane"),
        KeyBinding(.enter, .activate, "edit (layers) / zoom (maps)"),
        KeyBinding(.character("z"), .toggleZoom, "zoom a channel"),
        KeyBinding(.pageDown, .pageMaps(1), "next page of channels"),
        KeyBinding(.pageUp, .pageMaps(-1), "previous page of channels"),
        KeyBinding(.character("c"), .cycleColormap, "cycle colormap", hint: true),
        KeyBinding(.character("s"), .cycleScaling, "cycle scaling: channel/layer/global", hint: true),
        KeyBinding(.character("W"), .toggleWeights, "weights pane (small screens)"),
        KeyBinding(.character("?"), .toggleHelp, "help", hint: true),
    ]

    static let editing: [KeyBinding] = [
        KeyBinding(.character("a"), .beginAdd, "add a layer after", hint: true),
        KeyBinding(.character("i"), .beginInsert, "insert a layer before"),
        KeyBinding(.character("e"), .beginEdit, "edit the layer", hint: true),
        KeyBinding(.character("d"), .deleteLayer, "delete the layer", hint: true),
        KeyBinding(.character("J"), .moveLayer(1), "move the layer down"),
        KeyBinding(.character("K"), .moveLayer(-1), "move the layer up"),
        KeyBinding(.character("B"), .addBranch, "add a branch to the block"),
        KeyBinding(.character("X"), .removeBranch, "remove the selected branch"),
        KeyBinding(.character("u"), .undo, "undo", hint: true),
        KeyBinding(.control("r"), .redo, "redo"),
    ]

    static let files: [KeyBinding] = [
        KeyBinding(.character("w"), .save, "save", hint: true),
        KeyBinding(.character("S"), .saveAs, "save as…"),
        KeyBinding(.character("o"), .open, "open a preset", hint: true),
        KeyBinding(.character("I"), .pickInput, "pick the input"),
        KeyBinding(.character("q"), .quit, "quit", hint: true),
        KeyBinding(.control("c"), .quit, "quit"),
    ]

    static let zoom: [KeyBinding] = [
        KeyBinding(.up, .moveCursor(dy: -1, dx: 0), "move the value cursor"),
        KeyBinding(.character("k"), .moveCursor(dy: -1, dx: 0), "cursor up"),
        KeyBinding(.down, .moveCursor(dy: 1, dx: 0), "cursor down"), KeyBinding(.character("j"), .moveCursor(dy: 1, dx: 0), "cursor down"),
        KeyBinding(.left, .moveCursor(dy: 0, dx: -1), "cursor left"),
        KeyBinding(.character("h"), .moveCursor(dy: 0, dx: -1), "cursor left"),
        KeyBinding(.right, .moveCursor(dy: 0, dx: 1), "cursor right"),
        KeyBinding(.character("l"), .moveCursor(dy: 0, dx: 1), "cursor right"),
        KeyBinding(.pageDown, .zoomChannel(1), "next channel", hint: true),
        KeyBinding(.pageUp, .zoomChannel(-1), "previous channel", hint: true),
        KeyBinding(.character("]"), .zoomChannel(1), "next channel"),
        KeyBinding(.character("["), .zoomChannel(-1), "previous channel"),
        KeyBinding(.enter, .toggleZoom, "back to the grid", hint: true),
        KeyBinding(.character("z"), .toggleZoom, "back to the grid"),
        KeyBinding(.escape, .toggleZoom, "back to the grid"),
    ]

    static let list: [KeyBinding] = [
        KeyBinding(.up, .listMove(-1), "previous", hint: true), KeyBinding(.down, .listMove(1), "next", hint: true),
        KeyBinding(.character("k"), .listMove(-1), "previous"), KeyBinding(.character("j"), .listMove(1), "next"),
        KeyBinding(.enter, .choose, "choose", hint: true), KeyBinding(.escape, .cancel, "cancel", hint: true),
    ]

    static let form: [KeyBinding] = [
        KeyBinding(.tab, .nextField(1), "next field", hint: true), KeyBinding(.down, .nextField(1), "next field"),
        KeyBinding(.backTab, .nextField(-1), "previous field"), KeyBinding(.up, .nextField(-1), "previous field"),
        KeyBinding(.left, .cycleChoice(-1), "previous choice", hint: true), KeyBinding(.right, .cycleChoice(1), "next choice"),
        KeyBinding(.backspace, .deleteBackward, "delete a character"),
        KeyBinding(.enter, .choose, "apply", hint: true), KeyBinding(.escape, .cancel, "cancel", hint: true),
    ]

    static let prompt: [KeyBinding] = [
        KeyBinding(.backspace, .deleteBackward, "delete a character"),
        KeyBinding(.enter, .choose, "accept", hint: true), KeyBinding(.escape, .cancel, "cancel", hint: true),
    ]

    static let confirm: [KeyBinding] = [
        KeyBinding(.character("y"), .confirm(true), "yes", hint: true), KeyBinding(.character("n"), .confirm(false), "no", hint: true),
        KeyBinding(.character("q"), .confirm(true), "yes"), KeyBinding(.escape, .confirm(false), "no"),
    ]

    static let help: [KeyBinding] = [
        KeyBinding(.character("?"), .toggleHelp, "close help", hint: true), KeyBinding(.escape, .toggleHelp, "close help", hint: true),
        KeyBinding(.character("q"), .toggleHelp, "close help"),
    ]

    /// The bindings of a mode, first match wins.
    public static func table(for mode: Mode) -> [KeyBinding] {
        switch mode {
        case .normal: return movement + stepping + view + editing + files
        case .zoom: return zoom + stepping + [view[6], view[7], view[9]] + files
        case .help: return help
        case .pickType, .picker: return list
        case .form: return form
        case .prompt: return prompt
        case .confirm: return confirm
        }
    }

    /// The action a key means in `mode`: its binding, else typed text in text modes, else nothing.
    public static func action(for key: Key, in mode: Mode) -> Action? {
        if let binding = table(for: mode).first(where: { $0.key == key }) { return binding.action }
        if mode == .form || mode == .prompt, case .character(let character) = key { return .type(character) }
        return nil
    }

    /// How a key is written in the help overlay and footer.
    public static func name(of key: Key) -> String {
        switch key {
        case .character(" "): return "space"
        case .character(let c): return String(c)
        case .control(let c): return "Ctrl-\(c.uppercased())"
        case .up: return "↑"
        case .down: return "↓"
        case .left: return "←"
        case .right: return "→"
        case .pageUp: return "PgUp"
        case .pageDown: return "PgDn"
        case .home: return "Home"
        case .end: return "End"
        case .enter: return "Enter"
        case .escape: return "Esc"
        case .tab: return "Tab"
        case .backTab: return "S-Tab"
        case .backspace: return "Bksp"
        case .resize: return "resize"
        }
    }

    /// The footer's hints for `mode`: "space step  b back …".
    public static func hints(for mode: Mode) -> [(key: String, help: String)] {
        table(for: mode).filter(\.hint).map { (name(of: $0.key), shortHelp($0.help)) }
    }

    private static func shortHelp(_ help: String) -> String {
        let words: [String: String] = [
            "step forward": "step", "step back": "back", "run to the end": "run", "add a layer after": "add",
            "edit the layer": "edit", "delete the layer": "delete", "switch pane (layers / maps)": "pane",
            "cycle colormap": "colours", "cycle scaling: channel/layer/global": "scale", "open a preset": "open",
            "next page of channels": "page", "back to the grid": "grid", "close help": "close",
        ]
        return words[help] ?? help
    }
}
