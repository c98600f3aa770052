/// The footer: the current mode's keys from the key table, the focused pane's first; "? help" and "q quit"
/// are kept at the end so they survive a narrow screen.
enum FooterPane {
    static func hints(_ state: AppState, width: Int) -> [(key: String, help: String)] {
        let hints = KeyBindings.hints(for: state.mode.kind, focus: state.focus)
        let pinned = hints.filter { $0.help == "help" || $0.help == "quit" }
        var kept = hints.filter { $0.help != "help" && $0.help != "quit" }
        func length(_ list: [(key: String, help: String)]) -> Int { list.reduce(1) { $0 + $1.key.count + 1 + $1.help.count + 2 } }
        while !kept.isEmpty && length(kept + pinned) > width { kept.removeLast() }
        return kept + pinned
    }

    static func draw(_ screen: inout Screen, _ state: AppState, _ rect: Rect) {
        var x = rect.x + 1
        for hint in hints(state, width: rect.width) {
            x = screen.put(hint.key, x: x, y: rect.y, style: Style(foreground: Theme.accent, bold: true), limit: rect.maxX)
            x = screen.put(" " + hint.help + "  ", x: x, y: rect.y, style: Style(foreground: Theme.dim), limit: rect.maxX)
        }
    }
}
