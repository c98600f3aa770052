import ConvEngine

/// The selected layer's weights: a 1×1 conv's (or dense layer's) K×C mixing matrix as one heatmap, k×k
/// kernels as small maps (rows out, columns in).
enum WeightsPane {
    static func draw(_ screen: inout Screen, _ state: AppState, _ rect: Rect) {
        let inner = rect.inner
        guard let path = state.selected, let parameters = state.session.parameters(of: path), let node = state.network.node(at: path)
        else {
            screen.box(rect, title: "Weights")
            screen.put("no weights on this row", x: inner.x, y: inner.y, style: Style(foreground: Theme.dim), limit: inner.maxX)
            return
        }
        let colors = state.display.colorHeatmaps
        let r = range(of: parameters.weight[...])
        let scale = HeatScale(
            minimum: min(r.low, 0), maximum: r.high, colormap: colors && state.colormap == .grayscale ? .grayscale : .diverging)
        let shape = parameters.weightShape
        let isMatrix = shape.count == 2 || (shape.count == 4 && shape[2] == 1 && shape[3] == 1)
        if isMatrix {
            let outCount = shape[0], inCount = shape[1]
            let title = node.layer?.is(Conv.self) == true ? "1×1: \(outCount) out × \(inCount) in" : "weights: \(outCount) × \(inCount)"
            screen.box(rect, title: title, note: "channel mixing")
            let area = Rect(x: inner.x, y: inner.y, width: inner.width, height: inner.height - 1)
            let factor = max(1, min(area.width / max(1, inCount), (area.height * 2) / max(1, outCount), 8))
            let pixelWidth = min(inCount * factor, area.width), pixelHeight = min(outCount * factor, area.height * 2)
            drawHeatmap(
                &screen, plane: parameters.weight[...], height: outCount, width: inCount, x: area.x, y: area.y,
                pixelWidth: pixelWidth, pixelHeight: pixelHeight, scale: scale, colors: colors)
            let rowsUsed = (pixelHeight + 1) / 2
            if rowsUsed < area.height {
                screen.put(
                    "row = output map, column = input map", x: area.x, y: area.y + rowsUsed, style: Style(foreground: Theme.dim),
                    limit: area.maxX)
            }
        } else if shape.count == 4 {
            let (outCount, inCount, kh, kw) = (shape[0], shape[1], shape[2], shape[3])
            screen.box(
                rect, title: "kernels \(outCount)×\(inCount)×\(kh)×\(kw)", note: inCount == 1 ? "one per output" : "rows out · cols in")
            let area = Rect(x: inner.x, y: inner.y, width: inner.width, height: inner.height - 1)
            let tileRows = (kh + 1) / 2
            let perRow = max(1, (area.width + 1) / (kw + 1))
            let rowsFit = max(1, (area.height + 1) / (tileRows + 1))
            // One input channel: the kernels flow across and down; otherwise a row per output, a column per input.
            let tiles: [(k: Int, c: Int, column: Int, row: Int)] =
                inCount == 1
                ? (0..<min(outCount, perRow * rowsFit)).map { ($0, 0, $0 % perRow, $0 / perRow) }
                : (0..<min(outCount, rowsFit)).flatMap { k in (0..<min(inCount, perRow)).map { (k, $0, $0, k) } }
            for tile in tiles {
                let start = ((tile.k * inCount) + tile.c) * kh * kw
                drawHeatmap(
                    &screen, plane: parameters.weight[start..<(start + kh * kw)], height: kh, width: kw,
                    x: area.x + tile.column * (kw + 1), y: area.y + tile.row * (tileRows + 1), pixelWidth: kw, pixelHeight: kh,
                    scale: scale,
                    colors: colors)
            }
        } else {
            screen.box(rect, title: "Weights")
        }
        drawLegend(&screen, scale: scale, rightX: rect.maxX - 2, y: rect.maxY - 1, colors: colors, prefix: "", leftX: rect.x + 2)
    }
}
