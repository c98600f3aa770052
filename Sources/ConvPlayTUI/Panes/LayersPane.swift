import ConvEngine

/// The layer stack: the input and every visible node as a tree (▼ an open block, ▶ a folded one), with its
/// spec, output shape and parameter count; ✓ computed, ▶ in the mark column the step cursor.
enum LayersPane {
    static func draw(_ screen: inout Screen, _ state: AppState, _ frame: Frame) {
        let rect = frame.layers
        let focused = state.focus == .layers && state.mode.kind == .normal
        let folded = state.collapsed.isEmpty ? "" : " · \(state.collapsed.count) folded"
        screen.box(
            rect, title: "Layers", note: "\(state.session.order.count) step\(state.session.order.count == 1 ? "" : "s")\(folded)",
            style: Style(foreground: focused ? Theme.accent : Theme.border))
        let inner = rect.inner
        let columns = frame.stackColumns
        let rows = frame.stackRows
        for (i, row) in rows.dropFirst(frame.stackOffset).prefix(inner.height).enumerated() {
            let y = inner.y + i
            let x = screen.put(
                (columns.mark == 3 ? " " : "") + row.mark + " ", x: inner.x, y: y,
                style: Style(foreground: row.mark == "✓" ? Theme.computed : Theme.cursor, bold: true))
            screen.put((row.tree + row.name).fitted(columns.name), x: x, y: y, style: Style(bold: row.isBlock))
            for (j, ch) in row.tree.enumerated() where "├└│─┬▼▶".contains(ch) {
                screen[x + j, y].foreground = ch == "▼" || ch == "▶" ? Theme.accent : Theme.border
            }
            if columns.spec > 3 {
                let spec = fittedSpec(row.specs, width: columns.spec)
                screen.put(spec, x: x + columns.name + 1, y: y, style: Style(foreground: Theme.dim))
            }
            let shapeX = inner.maxX - (columns.params > 0 ? columns.params + 1 : 0) - columns.shape
            screen.put(row.shape.fitted(columns.shape, alignRight: true), x: shapeX, y: y)
            if columns.params > 0 {
                screen.put(
                    row.params.fitted(columns.params, alignRight: true), x: shapeX + columns.shape + 1, y: y,
                    style: Style(foreground: Theme.dim))
            }
            if row.path == state.selected {
                for column in inner.x..<inner.maxX {
                    screen[column, y].background = Theme.selectionBackground
                    if focused { screen[column, y].bold = true }
                }
            }
        }
        if rows.count > inner.height {
            let selectedRow = rows.firstIndex { $0.path == state.selected } ?? 0
            let position = " \(selectedRow + 1)/\(rows.count) "
            screen.put(
                position, x: rect.maxX - 2 - position.count, y: rect.maxY - 1, style: Style(foreground: Theme.dim), limit: rect.maxX - 1)
        }
    }

    /// The row under screen row `y`, if the click fell on one; and whether it hit the fold glyph.
    static func row(at y: Int, x: Int, _ frame: Frame) -> (row: StackRow, onGlyph: Bool)? {
        let inner = frame.layers.inner
        let index = frame.stackOffset + (y - inner.y)
        guard y >= inner.y, y < inner.maxY, x >= inner.x, x < inner.maxX, frame.stackRows.indices.contains(index) else { return nil }
        let row = frame.stackRows[index]
        let glyphX = inner.x + frame.stackColumns.mark + row.tree.count - 2
        return (row, row.isBlock && (x == glyphX || x == glyphX + 1))
    }
}
