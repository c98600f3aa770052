/// The modal lists: the layer types of `a` / `i`, and the pickers (presets, inputs, what to compare with).
enum ListOverlays {
    static func drawTypeList(_ screen: inout Screen, _ list: TypeList) {
        let templates = NodeTemplate.all
        drawList(
            &screen, title: list.insertBefore ? "insert before — pick a type" : "add after — pick a type",
            items: templates.map { ($0.label, $0.summary) }, index: list.index, nameWidth: 18, width: 64)
    }

    static func drawPicker(_ screen: inout Screen, _ picker: Picker) {
        drawList(
            &screen, title: picker.title, items: picker.items.map { ($0.nameOrPath, $0.summary) }, index: picker.index, nameWidth: 24,
            width: 96)
    }

    private static func drawList(_ screen: inout Screen, title: String, items: [(String, String)], index: Int, nameWidth: Int, width: Int) {
        let inner = overlayBox(&screen, width: width, height: min(items.count, 18) + 2, title: title, note: "\(index + 1)/\(items.count)")
        let offset = max(0, min(items.count - inner.height, index - inner.height / 2))
        for (i, item) in items.dropFirst(offset).prefix(inner.height).enumerated() {
            let y = inner.y + i
            screen.put(" " + item.0.fitted(nameWidth), x: inner.x, y: y, style: Style(bold: true))
            screen.put(item.1, x: inner.x + nameWidth + 2, y: y, style: Style(foreground: Theme.dim), limit: inner.maxX)
            if offset + i == index {
                screen.restyle(x: inner.x, y: y, width: inner.width, style: Style(foreground: Theme.black, background: Theme.accent))
            }
        }
        if items.isEmpty { screen.put("nothing to pick", x: inner.x + 1, y: inner.y, style: Style(foreground: Theme.dim)) }
    }
}

/// The add / edit form: one row per field, the focused one highlighted; choices show as ‹ value ›.
enum FormOverlay {
    static func draw(_ screen: inout Screen, _ form: LayerForm) {
        let inner = overlayBox(&screen, width: 60, height: form.fields.count + 4, title: form.title)
        for (i, field) in form.fields.enumerated() {
            let y = inner.y + i
            let focused = i == form.focus
            screen.put(field.label.fitted(22, alignRight: true), x: inner.x, y: y, style: Style(foreground: Theme.dim))
            let value = field.choices == nil ? field.text + (focused ? "▏" : "") : "‹ \(field.text) ›"
            screen.put(
                value.fitted(inner.width - 24), x: inner.x + 24, y: y,
                style: focused ? Style(foreground: Theme.black, background: Theme.accent, bold: true) : Style(bold: true))
        }
        screen.put(
            hintLine(.form, width: inner.width - 2), x: inner.x + 1, y: inner.maxY - 1, style: Style(foreground: Theme.dim),
            limit: inner.maxX)
    }
}

/// A one-line text prompt.
enum PromptOverlay {
    static func draw(_ screen: inout Screen, _ prompt: Prompt) {
        let inner = overlayBox(&screen, width: 72, height: 4, title: prompt.label)
        let text = prompt.text + "▏"
        // The end of a long text stays in view.
        screen.put(String(text.suffix(inner.width - 2)), x: inner.x + 1, y: inner.y, style: Style(bold: true), limit: inner.maxX)
        screen.put(
            hintLine(.prompt, width: inner.width - 2), x: inner.x + 1, y: inner.y + 1, style: Style(foreground: Theme.dim),
            limit: inner.maxX)
    }
}

/// A yes/no question, wrapped to fit: on a screen of any size (the quit question must be readable even when
/// the terminal is too small for the playground).
enum QuestionOverlay {
    static func draw(_ screen: inout Screen, _ question: Question) {
        let width = min(72, screen.size.columns - 2)
        let lines = wrap(question.text, width: max(1, width - 4))
        let inner = overlayBox(&screen, width: width, height: lines.count + 3, title: "confirm")
        for (i, line) in lines.enumerated() {
            screen.put(line, x: inner.x + 1, y: inner.y + i, style: Style(bold: true), limit: inner.maxX)
        }
        screen.put(
            hintLine(.confirm, width: inner.width - 2), x: inner.x + 1, y: inner.y + lines.count, style: Style(foreground: Theme.accent),
            limit: inner.maxX)
    }
}

/// A mode's keys from the key table on one line ("y yes · n no"), as many as fit: an overlay's own reminder,
/// drawn even where the footer is not (a screen too small for the playground).
func hintLine(_ mode: ModeKind, width: Int) -> String {
    var line = ""
    for hint in KeyBindings.hints(for: mode, focus: .layers) {
        let part = (line.isEmpty ? "" : " · ") + "\(hint.key) \(hint.help)"
        guard line.count + part.count <= width else { break }
        line += part
    }
    return line
}
