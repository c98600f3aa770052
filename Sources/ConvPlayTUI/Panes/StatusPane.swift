import ConvEngine

/// How many lines the message area may take before the rest waits behind `m`.
let messageAreaLines = 3

/// The message area's lines: a running job's progress, or the last message wrapped to the width. A message
/// longer than the area ends its last line with where the rest is, so the end of an error is never lost.
func messageLines(_ state: AppState, width: Int) -> [String] {
    if let job = state.job {
        let label = job.task == .runToEnd ? "running" : "computing"
        let next = job.done < state.session.order.count ? state.session.order[job.done] : nil
        let name = next.flatMap { state.network.node(at: $0)?.name } ?? ""
        return [
            " \(label) \(job.done)/\(job.total) \(Format.bar(Double(job.done) / Double(max(job.total, 1)), width: 20)) \(name) — b, R or an edit cancels"
        ]
    }
    guard let status = state.status else { return [] }
    let lines = wrap(status.text, width: width - 2).map { " " + $0 }
    guard lines.count > messageAreaLines else { return lines }
    let more = " … m shows the rest"
    var kept = Array(lines.prefix(messageAreaLines))
    kept[messageAreaLines - 1] = String(kept[messageAreaLines - 1].prefix(width - more.count)) + more
    return kept
}

/// The message area above the footer: progress in the accent colour, errors in red.
enum StatusPane {
    static func draw(_ screen: inout Screen, _ state: AppState, lines: [String], _ rect: Rect) {
        let style =
            state.job != nil
            ? Style(foreground: Theme.accent)
            : Style(foreground: state.status?.isError == true ? Theme.error : Theme.white, bold: state.status?.isError == true)
        for (i, line) in lines.enumerated() where i < rect.height {
            screen.put(line, x: rect.x, y: rect.y + i, style: style, limit: rect.maxX)
        }
    }
}

/// The whole last message, scrollable (`m` when it is longer than the message area).
enum MessageOverlay {
    static func lines(_ state: AppState, width: Int) -> [String] { wrap(state.status?.text ?? "", width: width) }

    static func maxScroll(_ state: AppState, size: Size) -> Int {
        let (width, height) = area(size)
        return max(0, lines(state, width: width).count - height)
    }

    private static func area(_ size: Size) -> (width: Int, height: Int) {
        (min(100, size.columns - 2) - 4, max(1, min(size.rows - 2, 24) - 2))
    }

    static func draw(_ screen: inout Screen, _ state: AppState, scroll: Int) {
        let (width, height) = area(screen.size)
        let text = lines(state, width: width)
        let inner = overlayBox(&screen, width: width + 4, height: min(height, text.count) + 2, title: "message — Esc closes")
        for (i, line) in text.dropFirst(scroll).prefix(inner.height).enumerated() {
            screen.put(
                line, x: inner.x + 1, y: inner.y + i,
                style: Style(foreground: state.status?.isError == true ? Theme.error : Theme.white), limit: inner.maxX)
        }
        drawScrollMarks(
            &screen, box: Rect(x: inner.x - 1, y: inner.y - 1, width: inner.width + 2, height: inner.height + 2), scroll: scroll,
            total: text.count, visible: inner.height)
    }
}
