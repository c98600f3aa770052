import ConvEngine

/// The top row: the network's name and file on the left; totals, the step and the unsaved mark on the right.
enum HeaderPane {
    static func draw(_ screen: inout Screen, _ state: AppState, _ rect: Rect) {
        let style = Style(foreground: Theme.white, background: Theme.headerBackground)
        screen.fill(rect, with: Cell(" ", background: Theme.headerBackground))
        let total = state.session.costs.total
        var right =
            "params \(Format.grouped(total.params)) · \(Format.macs(total.macs)) MACs · step \(state.session.computedCount)/\(state.session.order.count)"
        if state.dirty { right += " · ● unsaved" }
        right += " "
        let file = state.file.map { " · \($0)" } ?? ""
        var left = " convplay · \(state.network.name)"
        if left.count + file.count + right.count + 2 <= rect.width { left += file }
        let rightX = rect.maxX - right.count
        screen.put(
            left, x: rect.x, y: rect.y, style: Style(foreground: Theme.white, background: Theme.headerBackground, bold: true),
            limit: rightX - 1)
        screen.put(right, x: max(rect.x, rightX), y: rect.y, style: style)
        if state.dirty, let dot = right.firstIndex(of: "●") {
            screen[max(rect.x, rightX) + right.distance(from: right.startIndex, to: dot), rect.y].foreground = Theme.warning
        }
    }
}
