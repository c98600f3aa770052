/// One row of the key table: the key, what it does, the words the help overlay shows, and the short word the
/// footer shows (`nil`: not in the footer).
public struct KeyBinding: Sendable {
    public var key: Key
    public var action: Action
    public var help: String
    public var hint: String?

    init(_ key: Key, _ action: Action, _ help: String, hint: String? = nil) {
        self.key = key
        self.action = action
        self.help = help
        self.hint = hint
    }
}

/// A group of bindings: the modes it applies in, the pane that must have the focus (in the normal mode), and
/// its title in the help overlay.
public struct KeySection: Sendable {
    public var title: String
    public var modes: Set<ModeKind>
    public var focus: Pane?
    public var bindings: [KeyBinding]
}

/// Every key binding of every mode, in one table: the key lookup, the footer and the help overlay all read
/// it. Text modes (forms, prompts) also receive typed characters that no binding claims; mouse events go to
/// the reducer as they are.
public enum KeyBindings {
    private typealias B = KeyBinding

    /// Sections in lookup order (first match wins): the focused pane's keys before the general ones.
    public static let sections: [KeySection] = [
        KeySection(
            title: "Layer stack (focused)", modes: [.normal], focus: .layers,
            bindings: [
                B(.up, .navigate(.moveSelection(-1)), "select the previous row"),
                B(.character("k"), .navigate(.moveSelection(-1)), "select the previous row"),
                B(.down, .navigate(.moveSelection(1)), "select the next row"),
                B(.character("j"), .navigate(.moveSelection(1)), "select the next row"),
                B(.pageUp, .navigate(.moveSelection(-10)), "ten rows up"),
                B(.pageDown, .navigate(.moveSelection(10)), "ten rows down"),
                B(.home, .navigate(.selectFirst), "select the input"),
                B(.end, .navigate(.selectLast), "select the last row"),
                B(.left, .navigate(.collapse), "fold the block, or go to the outer block"),
                B(.character("h"), .navigate(.collapse), "fold the block, or go to the outer block"),
                B(.right, .navigate(.expand), "unfold the block / enter it"),
                B(.character("l"), .navigate(.expand), "unfold the block / enter it"),
                B(.character("f"), .navigate(.toggleAllBlocks), "fold / unfold every block"),
                B(.enter, .edit(.beginEdit), "edit the layer"),
            ]),
        KeySection(
            title: "Maps (focused)", modes: [.normal], focus: .maps,
            bindings: [
                B(.up, .navigate(.moveTile(dy: -1, dx: 0)), "move the tile cursor", hint: "tile"),
                B(.character("k"), .navigate(.moveTile(dy: -1, dx: 0)), "move the tile cursor"),
                B(.down, .navigate(.moveTile(dy: 1, dx: 0)), "move the tile cursor"),
                B(.character("j"), .navigate(.moveTile(dy: 1, dx: 0)), "move the tile cursor"),
                B(.left, .navigate(.moveTile(dy: 0, dx: -1)), "move the tile cursor"),
                B(.character("h"), .navigate(.moveTile(dy: 0, dx: -1)), "move the tile cursor"),
                B(.right, .navigate(.moveTile(dy: 0, dx: 1)), "move the tile cursor"),
                B(.character("l"), .navigate(.moveTile(dy: 0, dx: 1)), "move the tile cursor"),
                B(.pageDown, .navigate(.pageMaps(1)), "next page of channels", hint: "page"),
                B(.pageUp, .navigate(.pageMaps(-1)), "previous page of channels"),
                B(.home, .navigate(.firstChannel), "first channel"),
                B(.end, .navigate(.lastChannel), "last channel"),
                B(.enter, .navigate(.toggleZoom), "zoom the channel under the cursor", hint: "zoom"),
            ]),
        KeySection(
            title: "Inspector (focused)", modes: [.normal], focus: .inspector,
            bindings: [
                B(.up, .navigate(.scrollInspector(-1)), "scroll a line", hint: "scroll"),
                B(.character("k"), .navigate(.scrollInspector(-1)), "scroll a line"),
                B(.down, .navigate(.scrollInspector(1)), "scroll a line"),
                B(.character("j"), .navigate(.scrollInspector(1)), "scroll a line"),
                B(.pageUp, .navigate(.scrollInspector(-10)), "scroll ten lines"),
                B(.pageDown, .navigate(.scrollInspector(10)), "scroll ten lines"),
            ]),
        KeySection(
            title: "Zoom", modes: [.zoom], focus: nil,
            bindings: [
                B(.up, .navigate(.moveCursor(dy: -1, dx: 0)), "move the value cursor", hint: "cursor"),
                B(.character("k"), .navigate(.moveCursor(dy: -1, dx: 0)), "move the value cursor"),
                B(.down, .navigate(.moveCursor(dy: 1, dx: 0)), "move the value cursor"),
                B(.character("j"), .navigate(.moveCursor(dy: 1, dx: 0)), "move the value cursor"),
                B(.left, .navigate(.moveCursor(dy: 0, dx: -1)), "move the value cursor"),
                B(.character("h"), .navigate(.moveCursor(dy: 0, dx: -1)), "move the value cursor"),
                B(.right, .navigate(.moveCursor(dy: 0, dx: 1)), "move the value cursor"),
                B(.character("l"), .navigate(.moveCursor(dy: 0, dx: 1)), "move the value cursor"),
                B(.pageDown, .navigate(.zoomChannel(1)), "next channel", hint: "channel"),
                B(.character("]"), .navigate(.zoomChannel(1)), "next channel"),
                B(.pageUp, .navigate(.zoomChannel(-1)), "previous channel"),
                B(.character("["), .navigate(.zoomChannel(-1)), "previous channel"),
                B(.enter, .navigate(.toggleZoom), "back to the grid", hint: "grid"),
                B(.character("z"), .navigate(.toggleZoom), "back to the grid"),
                B(.escape, .navigate(.toggleZoom), "back to the grid"),
            ]),
        KeySection(
            title: "Stepping", modes: [.normal, .zoom], focus: nil,
            bindings: [
                B(.character(" "), .step(.forward), "step forward", hint: "step"),
                B(.character("n"), .step(.forward), "step forward"),
                B(.character("b"), .step(.back), "step back", hint: "back"),
                B(.character("r"), .step(.runToEnd), "run to the end", hint: "run"),
                B(.character("R"), .step(.reset), "reset the pass"),
            ]),
        KeySection(
            title: "Panes", modes: [.normal], focus: nil,
            bindings: [
                B(.tab, .navigate(.switchPane(1)), "next pane: layers, maps, inspector", hint: "pane"),
                B(.backTab, .navigate(.switchPane(-1)), "focus the previous pane"),
                B(.character("z"), .navigate(.toggleZoom), "zoom the selected channel"),
                B(.character("W"), .view(.toggleWeights), "hide / show the weights pane"),
            ]),
        KeySection(
            title: "View", modes: [.normal, .zoom], focus: nil,
            bindings: [
                B(.character("g"), .navigate(.goToChannel), "go to a channel by number"),
                B(.character("c"), .view(.cycleColormap), "colormap: auto, viridis, diverging, gray", hint: "colours"),
                B(.character("s"), .view(.cycleScaling), "scaling: auto, per channel, layer, global", hint: "scale"),
                B(.character("m"), .view(.showMessage), "show the whole last message"),
                B(.character("?"), .view(.toggleHelp), "help", hint: "help"),
            ]),
        KeySection(
            title: "Editing", modes: [.normal], focus: nil,
            bindings: [
                B(.character("a"), .edit(.beginAdd), "add a layer after", hint: "add"),
                B(.character("i"), .edit(.beginInsert), "insert a layer before"),
                B(.character("e"), .edit(.beginEdit), "edit the layer", hint: "edit"),
                B(.character("d"), .edit(.delete), "delete the layer", hint: "delete"),
                B(.character("J"), .edit(.move(1)), "move the layer down"),
                B(.character("K"), .edit(.move(-1)), "move the layer up"),
                B(.character("B"), .edit(.addBranch), "add a branch to the block"),
                B(.character("X"), .edit(.removeBranch), "remove the selected branch"),
                B(.character("u"), .edit(.undo), "undo", hint: "undo"),
                B(.control("r"), .edit(.redo), "redo"),
            ]),
        KeySection(
            title: "Files", modes: [.normal, .zoom], focus: nil,
            bindings: [
                B(.character("w"), .file(.save), "save", hint: "save"),
                B(.character("S"), .file(.saveAs), "save as…"),
                B(.character("o"), .file(.open), "open a preset", hint: "open"),
                B(.character("I"), .file(.pickInput), "pick the input"),
                B(.character("C"), .file(.compare), "compare with the saved file or a preset"),
                B(.character("q"), .file(.quit), "quit", hint: "quit"),
                B(.control("c"), .file(.quit), "quit"),
            ]),
        KeySection(
            title: "Lists", modes: [.list], focus: nil,
            bindings: [
                B(.up, .modal(.listMove(-1)), "previous", hint: "previous"),
                B(.character("k"), .modal(.listMove(-1)), "previous"),
                B(.down, .modal(.listMove(1)), "next", hint: "next"),
                B(.character("j"), .modal(.listMove(1)), "next"),
                B(.pageUp, .modal(.listMove(-10)), "ten up"),
                B(.pageDown, .modal(.listMove(10)), "ten down"),
                B(.home, .modal(.listEdge(toEnd: false)), "first"),
                B(.end, .modal(.listEdge(toEnd: true)), "last"),
                B(.enter, .modal(.choose), "choose", hint: "choose"),
                B(.escape, .modal(.cancel), "cancel", hint: "cancel"),
            ]),
        KeySection(
            title: "Forms", modes: [.form], focus: nil,
            bindings: [
                B(.tab, .modal(.nextField(1)), "next field", hint: "next field"),
                B(.down, .modal(.nextField(1)), "next field"),
                B(.backTab, .modal(.nextField(-1)), "previous field"),
                B(.up, .modal(.nextField(-1)), "previous field"),
                B(.left, .modal(.cycleChoice(-1)), "previous choice", hint: "choice"),
                B(.right, .modal(.cycleChoice(1)), "next choice"),
                B(.backspace, .modal(.deleteBackward), "delete a character"),
                B(.control("u"), .modal(.clearField), "clear the field"),
                B(.enter, .modal(.choose), "apply", hint: "apply"),
                B(.escape, .modal(.cancel), "cancel", hint: "cancel"),
            ]),
        KeySection(
            title: "Prompts", modes: [.prompt], focus: nil,
            bindings: [
                B(.backspace, .modal(.deleteBackward), "delete a character"),
                B(.control("u"), .modal(.clearField), "clear the text"),
                B(.enter, .modal(.choose), "accept", hint: "accept"),
                B(.escape, .modal(.cancel), "cancel", hint: "cancel"),
            ]),
        KeySection(
            title: "Questions", modes: [.confirm], focus: nil,
            bindings: [
                B(.character("y"), .modal(.confirm(true)), "yes", hint: "yes"),
                B(.character("n"), .modal(.confirm(false)), "no", hint: "no"),
                B(.escape, .modal(.confirm(false)), "no"),
            ]),
        KeySection(
            title: "Help, compare and messages", modes: [.help, .compare, .message], focus: nil,
            bindings: [
                B(.up, .modal(.scroll(-1)), "scroll a line", hint: "scroll"),
                B(.character("k"), .modal(.scroll(-1)), "scroll a line"),
                B(.down, .modal(.scroll(1)), "scroll a line"),
                B(.character("j"), .modal(.scroll(1)), "scroll a line"),
                B(.pageUp, .modal(.scroll(-10)), "scroll ten lines"),
                B(.pageDown, .modal(.scroll(10)), "scroll ten lines", hint: "page"),
                B(.home, .modal(.scrollEdge(toEnd: false)), "to the top"),
                B(.end, .modal(.scrollEdge(toEnd: true)), "to the end"),
                B(.escape, .modal(.cancel), "close", hint: "close"),
                B(.character("q"), .modal(.cancel), "close"),
                B(.character("?"), .modal(.cancel), "close"),
            ]),
    ]

    /// The bindings in force in `mode` with `focus`, in lookup order.
    public static func table(for mode: ModeKind, focus: Pane) -> [KeyBinding] {
        sections.filter { $0.modes.contains(mode) && ($0.focus == nil || ($0.focus == focus && mode == .normal)) }
            .flatMap(\.bindings)
    }

    /// The action a key means in `mode` with `focus`: its binding, else typed text in text modes, else nothing.
    /// Mouse events are actions of their own in every mode.
    public static func action(for key: Key, in mode: ModeKind, focus: Pane = .layers) -> Action? {
        if case .mouse(let event) = key { return .mouse(event) }
        if let binding = table(for: mode, focus: focus).first(where: { $0.key == key }) { return binding.action }
        if mode.takesText, case .character(let character) = key { return .modal(.type(character)) }
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
        case .mouse: return "mouse"
        }
    }

    /// Several keys for one thing, written compactly and in table order: arrows run together, and so do
    /// single letters beside arrows: "↑↓←→ kjhl", "↑ k", "space n", "PgDn ]".
    public static func names(of keys: [Key]) -> String {
        let names = keys.map(name(of:))
        func isArrow(_ name: String) -> Bool { ["↑", "↓", "←", "→"].contains(name) }
        let mergeLetters = names.contains(where: isArrow)
        var parts: [String] = []
        var arrowPart: Int?, letterPart: Int?
        for name in names {
            if isArrow(name) {
                if let i = arrowPart {
                    parts[i] += name
                } else {
                    arrowPart = parts.count
                    parts.append(name)
                }
            } else if mergeLetters, name.count == 1, name.first!.isLetter {
                if let i = letterPart {
                    parts[i] += name
                } else {
                    letterPart = parts.count
                    parts.append(name)
                }
            } else {
                parts.append(name)
            }
        }
        return parts.joined(separator: " ")
    }

    /// The footer's hints for `mode` with `focus`: "space step  b back …", in table order, one per word. An
    /// arrow stands with the other arrows that do the same thing ("↑↓←→ cursor").
    public static func hints(for mode: ModeKind, focus: Pane) -> [(key: String, help: String)] {
        let table = table(for: mode, focus: focus)
        var seen = Set<String>()
        return table.compactMap { binding in
            guard let hint = binding.hint, seen.insert(hint).inserted else { return nil }
            let arrows: Set<Key> = [.up, .down, .left, .right]
            guard arrows.contains(binding.key) else { return (name(of: binding.key), hint) }
            return (names(of: table.filter { $0.help == binding.help && arrows.contains($0.key) }.map(\.key)), hint)
        }
    }

    /// The help overlay's content: each section's title and its keys grouped by what they do
    /// ("↑ k  select the previous row"), in table order.
    public static func helpSections() -> [(title: String, entries: [(keys: String, help: String)])] {
        sections.map { section in
            var order: [String] = [], keys: [String: [Key]] = [:]
            for binding in section.bindings {
                if keys[binding.help] == nil { order.append(binding.help) }
                keys[binding.help, default: []].append(binding.key)
            }
            return (section.title, order.map { (keys: names(of: keys[$0]!), help: $0) })
        }
    }
}
