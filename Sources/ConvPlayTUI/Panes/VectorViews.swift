import ConvEngine

/// Maps with one row: 1-D maps (C×1×W) as one strip per channel, and vectors (C×1×1) as their values — a
/// classifier's output (a softmax, or the last node when it is dense) as its five best classes, named from the
/// preset's labels where it has them.
enum VectorViews {
    static func drawStrips(
        _ screen: inout Screen, _ state: AppState, _ tensor: Tensor, page: Int, perPage: Int, layer: ValueRange, area: Rect
    ) {
        let shape = tensor.shape
        let colors = state.display.colorHeatmaps
        let labelWidth = "ch \(shape.channels - 1) ".count
        let available = area.width - labelWidth
        let length = shape.width
        let pixelWidth = length >= available ? available : length * max(1, available / length)
        for i in 0..<perPage {
            let c = page * perPage + i
            guard c < shape.channels else { break }
            let y = area.y + i
            let selected = c == state.channel
            screen.put(
                "ch \(c)".fitted(labelWidth), x: area.x, y: y,
                style: selected ? Style(foreground: Theme.accent, bold: true, reverse: state.focus == .maps) : Style(foreground: Theme.dim))
            let plane = tensor.plane(c)
            let scale = heatScale(state, layer: layer, channel: tensor.extremes(ofChannel: c))
            for px in 0..<pixelWidth {
                let v = plane[plane.startIndex + min(length - 1, px * length / pixelWidth)]
                screen[area.x + labelWidth + px, y] = colors ? Cell("█", foreground: scale.color(v)) : Cell(scale.asciiCharacter(v))
            }
        }
    }

    /// True when the node at `path` is a classifier's output: a softmax, or the network's last node when it
    /// is a dense layer.
    static func isClassifier(_ state: AppState, _ path: NodePath?) -> Bool {
        guard let path, let layer = state.network.node(at: path)?.layer else { return false }
        return layer.is(Softmax.self) || (layer.is(Dense.self) && path == .top(state.network.nodes.count - 1))
    }

    static func drawVector(_ screen: inout Screen, _ state: AppState, _ tensor: Tensor, layer: ValueRange, area: Rect) {
        let shape = tensor.shape
        let colors = state.display.colorHeatmaps
        let scale = HeatScale(minimum: layer.low, maximum: layer.high, colormap: state.colormap.resolved(minimum: layer.low))
        let count = shape.channels
        let pixelWidth = count >= area.width ? area.width : count * (area.width / count)
        for px in 0..<pixelWidth {
            let v = tensor.data[min(count - 1, px * count / pixelWidth)]
            screen[area.x + px, area.y] = colors ? Cell("█", foreground: scale.color(v)) : Cell(scale.asciiCharacter(v))
        }
        var y = area.y + 2
        if isClassifier(state, state.selected) {
            y = drawTopClasses(&screen, state, tensor, area: area, y: y)
        } else {
            screen.put(
                "\(shape.channels) values as one strip, channel 0 at the left", x: area.x, y: area.y + 1,
                style: Style(foreground: Theme.dim),
                limit: area.maxX)
        }
        // The values themselves, in columns (scores read best as numbers).
        let rowsAvailable = area.maxY - y, columnWidth = 18
        guard rowsAvailable > 0 else { return }
        let columns = max(1, area.width / columnWidth)
        for c in 0..<min(shape.channels, rowsAvailable * columns) {
            let x = area.x + (c / rowsAvailable) * columnWidth, row = y + c % rowsAvailable
            guard x + columnWidth <= area.maxX + 1 else { break }
            screen.put("ch \(c)".fitted(7) + Format.number(tensor.data[c]), x: x, y: row, limit: min(area.maxX, x + columnWidth - 1))
        }
    }

    /// "top 5: 1. cat 0.612 ██████" — the five best classes with bars against the best; returns the row after.
    private static func drawTopClasses(_ screen: inout Screen, _ state: AppState, _ tensor: Tensor, area: Rect, y: Int) -> Int {
        let labels = state.network.classNames
        let top = tensor.topClasses(5)
        let isProbability = state.selected.flatMap { state.network.node(at: $0)?.layer?.is(Softmax.self) } ?? false
        screen.put(
            isProbability ? "top 5 classes (probability)" : "top 5 classes (score)", x: area.x, y: y, style: Style(bold: true),
            limit: area.maxX)
        let names = top.map { labels.indices.contains($0.index) ? labels[$0.index] : "class \($0.index)" }
        let nameWidth = min(24, max(8, names.map(\.count).max() ?? 8))
        let best = max(abs(top.first?.score ?? 1), 1e-12)
        for (i, entry) in top.enumerated() {
            let row = y + 1 + i
            guard row < area.maxY else { break }
            var x = screen.put("\(i + 1). ", x: area.x, y: row, style: Style(foreground: Theme.dim))
            x = screen.put(names[i].fitted(nameWidth) + " ", x: x, y: row, style: Style(bold: i == 0), limit: area.maxX)
            x = screen.put(Format.number(entry.score, width: 8).fitted(8, alignRight: true) + " ", x: x, y: row, limit: area.maxX)
            let barWidth = max(0, min(30, area.maxX - x - 9))
            x = screen.put(
                Format.bar(Double(max(0, entry.score) / best), width: barWidth), x: x, y: row, style: Style(foreground: Theme.accent),
                limit: area.maxX)
            if labels.indices.contains(entry.index) {
                screen.put(" #\(entry.index)", x: x, y: row, style: Style(foreground: Theme.dim), limit: area.maxX)
            }
        }
        return y + 1 + top.count + 1
    }
}
