import ConvEngine
import Foundation

/// The compare view: two networks node against node — parameters, MACs, activation memory, receptive
/// field and time — with what differs marked (~ changed, − only in the first, + only in the second; differing
/// figures in colour) and the totals with their ratios pinned at the bottom.
enum ComparePane {
    /// One figure column: its heading, how wide one side's value is, and the value of a side.
    struct Metric: Sendable {
        var heading: String
        var width: Int
        var value: @Sendable (NetworkComparison.Side) -> String
        var total: @Sendable (NetworkComparison.Totals) -> String
    }

    static let metrics: [Metric] = [
        Metric(heading: "params", width: 7, value: { Format.compact($0.summary.cost.params) }, total: { Format.compact($0.params) }),
        Metric(heading: "MACs", width: 8, value: { Format.macs($0.summary.cost.macs) }, total: { Format.macs($0.macs) }),
        Metric(
            heading: "memory", width: 9, value: { formatBytes($0.summary.cost.activationBytes) }, total: { formatBytes($0.activationBytes) }
        ),
        Metric(heading: "RF", width: 7, value: { Format.pair($0.summary.cost.receptiveField) }, total: { Format.pair($0.receptiveField) }),
        Metric(
            heading: "ms", width: 7, value: { $0.milliseconds.map { String(format: "%.3f", $0) } ?? "…" },
            total: { $0.milliseconds.map { String(format: "%.2f", $0) } ?? "…" }),
    ]

    static let markWidth = 2
    static let nameWidth = 24

    /// The metrics that fit `width`, in priority order.
    static func columns(width: Int) -> [Metric] {
        var used = markWidth + nameWidth
        return metrics.prefix { metric in
            used += 2 * metric.width + 3
            return used <= width
        }
    }

    /// Rows of the table visible at once in `body`, and how far it can scroll.
    static func visibleRows(_ body: Rect) -> Int { max(1, body.height - 9) }

    static func maxScroll(_ view: CompareView, body: Rect) -> Int { max(0, view.comparison.rows.count - visibleRows(body)) }

    static func draw(_ screen: inout Screen, _ view: CompareView, _ body: Rect) {
        let comparison = view.comparison
        screen.fill(body)
        let title = Format.first(["compare · \(view.title)", "compare"], fitting: body.width - 4)
        screen.box(body, title: title, note: view.timingJob != nil ? "timing both networks…" : "", style: Style(foreground: Theme.accent))
        let inner = body.inner
        let columns = columns(width: inner.width)
        var x = screen.put("first: ", x: inner.x, y: inner.y, style: Style(foreground: Theme.dim))
        x = screen.put(comparison.first.name, x: x, y: inner.y, limit: inner.maxX)
        x = screen.put("   second: ", x: x, y: inner.y, style: Style(foreground: Theme.dim), limit: inner.maxX)
        screen.put(comparison.second.name, x: x, y: inner.y, style: Style(bold: true), limit: inner.maxX)
        // Headings: each metric over its two sides, then "1st" and "2nd" over the values.
        screen.put("node", x: inner.x + markWidth, y: inner.y + 1, style: Style(bold: true))
        x = inner.x + markWidth + nameWidth
        for metric in columns {
            screen.put(metric.heading.fitted(2 * metric.width + 1, alignRight: true), x: x, y: inner.y + 1, style: Style(bold: true))
            screen.put("1st".fitted(metric.width, alignRight: true), x: x, y: inner.y + 2, style: Style(foreground: Theme.dim))
            screen.put(
                "2nd".fitted(metric.width, alignRight: true), x: x + metric.width + 1, y: inner.y + 2, style: Style(foreground: Theme.dim))
            x += 2 * metric.width + 3
        }
        let visible = visibleRows(body)
        let scroll = min(view.scroll, maxScroll(view, body: body))
        for (i, row) in comparison.rows.dropFirst(scroll).prefix(visible).enumerated() {
            let y = inner.y + 3 + i
            let mark: String
            let markColor: Int16
            switch row.change {
            case .same: (mark, markColor) = (" ", Theme.dim)
            case .changed: (mark, markColor) = ("~", Theme.warning)
            case .removed: (mark, markColor) = ("−", Theme.error)
            case .added: (mark, markColor) = ("+", Theme.computed)
            }
            screen.put(mark, x: inner.x, y: y, style: Style(foreground: markColor, bold: true))
            let name = String(repeating: "  ", count: row.depth) + row.localName
            screen.put(
                name.fitted(nameWidth - 1), x: inner.x + markWidth, y: y, style: Style(foreground: row.change == .same ? -1 : markColor))
            var x = inner.x + markWidth + nameWidth
            for metric in columns {
                let a = row.first.map(metric.value) ?? "", b = row.second.map(metric.value) ?? ""
                let differs = row.first != nil && row.second != nil && a != b && metric.heading != "ms"
                screen.put(a.fitted(metric.width, alignRight: true), x: x, y: y, style: Style(foreground: Theme.dim))
                screen.put(
                    b.fitted(metric.width, alignRight: true), x: x + metric.width + 1, y: y,
                    style: Style(foreground: differs ? Theme.warning : -1, bold: differs))
                x += 2 * metric.width + 3
            }
        }
        // Totals under a rule (which carries the scroll marks), then what they come to.
        let totalsY = body.maxY - 4
        for column in inner.x..<inner.maxX { screen[column, totalsY - 1] = Cell("─", foreground: Theme.border) }
        drawScrollMarks(
            &screen, box: Rect(x: body.x, y: body.y, width: body.width, height: totalsY - body.y), scroll: scroll,
            total: comparison.rows.count, visible: visible)
        screen.put("total", x: inner.x + markWidth, y: totalsY, style: Style(bold: true))
        x = inner.x + markWidth + nameWidth
        for metric in columns {
            screen.put(
                metric.total(comparison.first).fitted(metric.width, alignRight: true), x: x, y: totalsY, style: Style(foreground: Theme.dim)
            )
            screen.put(
                metric.total(comparison.second).fitted(metric.width, alignRight: true), x: x + metric.width + 1, y: totalsY,
                style: Style(bold: true))
            x += 2 * metric.width + 3
        }
        screen.put(summary(comparison), x: inner.x + markWidth, y: totalsY + 1, style: Style(foreground: Theme.accent), limit: inner.maxX)
        let counts = Dictionary(grouping: comparison.rows, by: \.change).mapValues(\.count)
        screen.put(
            "~ \(counts[.changed] ?? 0) changed · − \(counts[.removed] ?? 0) only in the first · + \(counts[.added] ?? 0) only in the second",
            x: inner.x + markWidth, y: totalsY + 2, style: Style(foreground: Theme.dim), limit: inner.maxX)
    }

    /// "second/first: params 0.42× · MACs 0.42× · memory 0.79× · time 0.45×".
    static func summary(_ c: NetworkComparison) -> String {
        func ratio(_ a: Double, _ b: Double) -> String { a > 0 ? String(format: "%.2f×", b / a) : "–" }
        var parts = [
            "params \(ratio(Double(c.first.params), Double(c.second.params)))",
            "MACs \(ratio(Double(c.first.macs), Double(c.second.macs)))",
            "memory \(ratio(Double(c.first.activationBytes), Double(c.second.activationBytes)))",
        ]
        if let a = c.first.milliseconds, let b = c.second.milliseconds { parts.append("time \(ratio(a, b))") }
        return "second / first: " + parts.joined(separator: " · ")
    }
}
