import ConvEngine
import Foundation

/// The inspector's lines for the selected row, unwrapped: the spec, what the node teaches, shapes and memory,
/// parameters and MACs, the receptive field, and activation statistics (dead channels counted as the tiles
/// label them).
func inspectorLines(_ state: AppState) -> [(text: String, style: Style)] {
    let plain = Style(), dim = Style(foreground: Theme.dim), note = Style(foreground: Theme.accent)
    var lines: [(text: String, style: Style)] = []
    let session = state.session
    guard let path = state.selected, let node = state.network.node(at: path) else {
        let input = state.network.input
        lines.append(("input \(input.shape) · \(Format.source(input.source))", plain))
        let s = range(of: session.input.data[...])
        lines.append(("min \(Format.number(s.low))  max \(Format.number(s.high))", plain))
        lines.append(("total params \(Format.grouped(session.costs.total.params))", dim))
        lines.append(("total MACs \(Format.macs(session.costs.total.macs)) (FLOPs = 2 × MACs)", dim))
        lines.append(("activations \(formatBytes(session.shapes.activationBytes)) cached when every node is computed", dim))
        return lines
    }
    let cost = session.costs[path]
    let inShape = session.shapes.inputs[path] ?? session.shapes.input
    lines.append((Format.longSpec(node), Style(bold: true)))
    // What the node teaches comes right after its spec, so a small screen still shows it.
    for lesson in state.derived.lessons[path] ?? [] { lines.append((lesson, note)) }
    lines.append(("\(inShape) → \(session.shapes.output(of: path)) · \(formatBytes(cost.activationBytes))", dim))
    if cost.params == 0 && cost.macs == 0 {
        lines.append(("no parameters, no MACs", dim))
    } else {
        lines.append(
            ("params \(Format.grouped(cost.params)) = w \(Format.grouped(cost.weights)) + b \(Format.grouped(cost.biases))", plain))
        let share = Double(cost.macs) / Double(max(1, session.costs.total.macs))
        lines.append(("MACs \(Format.macs(cost.macs))  \(Format.bar(share, width: 10)) \(String(format: "%.1f %%", share * 100))", plain))
    }
    let jump = cost.jump.isSquare ? "\(cost.jump.height)" : Format.pair(cost.jump)
    lines.append(("receptive field \(Format.pair(cost.receptiveField)) · jump \(jump)", plain))
    if let tensor = session.output(of: path), let s = session.statistics(of: path) {
        lines.append(
            ("min \(Format.number(s.min)) max \(Format.number(s.max)) mean \(Format.number(s.mean)) std \(Format.number(s.std))", plain))
        var zeros = "zeros \(Format.percent(s.zeroFraction)) of values"
        // Dead and constant channels, as the tiles label them (a map of one value is neither).
        if tensor.shape.planeSize > 1 {
            let extremes = tensor.channelExtremes()
            let dead = extremes.filter(\.isDead).count
            let flat = extremes.filter(\.isConstant).count - dead
            if node.layer?.is(ReLU.self) == true || dead > 0 { zeros += " · dead channels \(dead) of \(extremes.count) (all zero)" }
            if flat > 0 { zeros += " · \(flat) constant" }
        }
        lines.append((zeros, plain))
    } else {
        lines.append(("not computed yet", dim))
    }
    lines.append(("\(path)", dim))
    return lines
}

/// The inspector: the lines above, scrolled when focused (Tab, then ↑↓ or the wheel); marks on its border
/// say when lines are above or below.
enum InspectorPane {
    static func draw(_ screen: inout Screen, _ state: AppState, _ frame: Frame) {
        let rect = frame.inspector
        let name = state.selected.flatMap { state.network.node(at: $0)?.name } ?? "input"
        let focused = state.focus == .inspector && state.mode.kind == .normal
        screen.box(rect, title: "Inspector · \(name)", style: Style(foreground: focused ? Theme.accent : Theme.border))
        let inner = rect.inner
        let scroll = min(state.inspectorScroll, frame.inspectorMaxScroll)
        for (i, line) in frame.inspectorLines.dropFirst(scroll).prefix(inner.height).enumerated() {
            screen.put(line.text, x: inner.x, y: inner.y + i, style: line.style, limit: inner.maxX)
        }
        drawScrollMarks(&screen, box: rect, scroll: scroll, total: frame.inspectorLines.count, visible: inner.height)
    }
}
