import ConvEngine

/// Where the zoom view puts things in its rectangle: the zoomed map, the earlier maps on the path beside it
/// (each with the cursor unit's receptive window outlined), and the text rows under them.
struct ZoomLayout {
    /// The zoomed map's top-left cell and size in pixels.
    var mapX: Int, mapY: Int, pixelWidth: Int, pixelHeight: Int
    /// The column of earlier maps, `nil` when there is no room.
    var path: Rect?
    /// Rows under the maps: value, receptive field, dot product, legend.
    var text: Rect

    /// Text rows the view needs: the value line, the receptive-field lines, four for a 1×1 conv's dot product,
    /// and the legend.
    static func textRows(_ state: AppState) -> Int { 1 + 2 + (isPointwise(state) ? 4 : 0) + 1 }

    init(_ state: AppState, shape: Shape, rect: Rect) {
        let inner = rect.inner
        let textHeight = min(Self.textRows(state), max(2, inner.height - 4))
        text = Rect(x: inner.x, y: inner.maxY - textHeight, width: inner.width, height: textHeight)
        let area = Rect(x: inner.x, y: inner.y, width: inner.width, height: inner.height - textHeight)
        // The earlier maps take up to a third of the width when there are any and the pane is wide enough.
        let pathWidth = state.selected != nil && inner.width >= 60 ? min(inner.width / 3, 40) : 0
        path = pathWidth > 0 ? Rect(x: area.maxX - pathWidth, y: area.y, width: pathWidth, height: area.height) : nil
        let mapArea = Rect(x: area.x, y: area.y, width: area.width - pathWidth - (pathWidth > 0 ? 1 : 0), height: area.height)
        // Whole factors keep every value's pixels even; below 2× the map is stretched to fill instead.
        let fit = min(Double(mapArea.width) / Double(shape.width), Double(mapArea.height * 2) / Double(shape.height))
        let factor = fit >= 2 ? fit.rounded(.down) : fit
        pixelWidth = max(1, Int(Double(shape.width) * factor))
        pixelHeight = max(1, Int(Double(shape.height) * factor))
        mapX = mapArea.x + (mapArea.width - pixelWidth) / 2
        mapY = mapArea.y
    }

    /// The map position under a click, if it fell on the zoomed map.
    func position(atX x: Int, y: Int, shape: Shape) -> ZoomCursor? {
        let px = x - mapX, py = (y - mapY) * 2
        guard px >= 0, px < pixelWidth, py >= 0, py < pixelHeight else { return nil }
        return ZoomCursor(
            row: min(shape.height - 1, py * shape.height / pixelHeight), column: min(shape.width - 1, px * shape.width / pixelWidth))
    }
}

/// True when the selected node is a 1×1 conv: the zoom then spells out y = w · x + b at the cursor.
func isPointwise(_ state: AppState) -> Bool {
    guard let path = state.selected else { return false }
    return state.session.shapes.convGeometry(at: path)?.isPointwise ?? false
}

/// One channel at full size with a value cursor. The cursor's unit highlights the window it sees on every
/// earlier map on its path to the input (the engine's `receptiveWindows`): a 1×1 conv visibly adds nothing,
/// a 3×3 grows it by two. For a 1×1 conv it also spells out the unit: the input vector at that pixel, the
/// weight row, their products and y = w · x + b.
enum ZoomPane {
    static func draw(_ screen: inout Screen, _ state: AppState, cursor: ZoomCursor, _ rect: Rect) {
        guard let tensor = state.selectedTensor else { return }
        let shape = tensor.shape
        let c = min(state.channel, shape.channels - 1)
        let colors = state.display.colorHeatmaps
        let layer = state.selectedRange ?? range(of: tensor.data[...])
        let scale = heatScale(state, layer: layer, channel: tensor.extremes(ofChannel: c))
        let title = "\(MapsPane.title(state)) · ch \(c) zoomed"
        let map = colors ? scale.colormap.rawValue : "ascii", scaling = MapsPane.scalingName(state)
        screen.box(
            rect, title: title, note: Screen.fittingNote(["\(map) · \(scaling)", scaling, map], width: rect.width, title: title),
            style: Style(foreground: Theme.accent))
        let layout = ZoomLayout(state, shape: shape, rect: rect)
        drawHeatmap(
            &screen, plane: tensor.plane(c), height: shape.height, width: shape.width, x: layout.mapX, y: layout.mapY,
            pixelWidth: layout.pixelWidth, pixelHeight: layout.pixelHeight, scale: scale, colors: colors,
            mode: Downsampling(state, minimum: layer.low))
        let cy = min(cursor.row, shape.height - 1), cx = min(cursor.column, shape.width - 1)
        outline(
            &screen, MapWindow(row: cy, column: cx), shape: shape, x: layout.mapX, y: layout.mapY, pixelWidth: layout.pixelWidth,
            pixelHeight: layout.pixelHeight, colors: colors)
        var y = layout.text.y
        let value = tensor[c, cy, cx]
        screen.put(
            "ch \(c) · (y \(cy), x \(cx)) = \(Format.number(value))", x: layout.text.x, y: y,
            style: Style(foreground: Theme.white, bold: true),
            limit: layout.text.maxX)
        y += 1
        if let path = state.selected {
            let windows = state.network.receptiveWindows(of: path, row: cy, column: cx, shapes: state.session.shapes)
            y = drawFieldText(&screen, state, windows, x: layout.text.x, y: y, width: layout.text.width)
            if let column = layout.path { drawPathMaps(&screen, state, windows, column) }
            if isPointwise(state), let breakdown = state.session.pointwiseBreakdown(at: path, channel: c, row: cy, column: cx) {
                y = PointwiseView.draw(
                    &screen, breakdown, computed: value, colors: colors, x: layout.text.x, y: y, width: layout.text.width)
            }
        }
        drawLegend(
            &screen, scale: scale, rightX: layout.text.maxX, y: layout.text.maxY - 1, colors: colors, prefix: state.scaling.rawValue,
            leftX: layout.text.x)
    }

    /// The receptive field in words: the window on the input (and how much of it is padding), and on the
    /// node's own input.
    private static func drawFieldText(_ screen: inout Screen, _ state: AppState, _ windows: [ReceptiveWindow], x: Int, y: Int, width: Int)
        -> Int
    {
        guard let input = windows.last, let first = windows.first else { return y }
        var y = y
        let onMap = input.window.clipped(to: input.shape)
        let padded = onMap.map { $0.size != input.window.size } ?? true
        screen.put(
            "sees \(Format.pair(input.window.size)) of the input: \(input.window)\(padded ? " (part in the padding)" : "")", x: x, y: y,
            style: Style(foreground: Theme.cursor), limit: x + width)
        y += 1
        if windows.count > 1 {
            let name = first.source.map { state.network.localName(at: $0) } ?? "input"
            let size = Format.pair(first.window.size)
            screen.put(
                Format.first(
                    [
                        "on its own input (\(name)): \(size) · \(first.window)", "on \(name): \(size) · \(first.window)",
                        "on \(name): \(size)",
                    ],
                    fitting: width), x: x, y: y, style: Style(foreground: Theme.dim), limit: x + width)
        }
        return y + 1
    }

    /// The earlier maps, nearest first with the input always last, each drawn small (a 3-channel input as a
    /// picture, others as the mean over their channels) with the unit's window outlined.
    private static func drawPathMaps(_ screen: inout Screen, _ state: AppState, _ windows: [ReceptiveWindow], _ column: Rect) {
        // The nearest two distinct maps (an element-wise layer repeats its input's window), then the input.
        var distinct: [ReceptiveWindow] = []
        for window in windows.dropLast() where distinct.last.map({ $0.shape != window.shape || $0.window != window.window }) ?? true {
            distinct.append(window)
        }
        let entries = Array(distinct.prefix(2)) + [windows.last!]
        let colors = state.display.colorHeatmaps
        var y = column.y
        screen.put(
            Format.first(["what the cursor's unit sees", "what the unit sees", "its field"], fitting: column.width), x: column.x, y: y,
            style: Style(bold: true), limit: column.maxX)
        y += 1
        let each = max(3, (column.maxY - y) / entries.count)
        for entry in entries {
            guard y + 2 < column.maxY else { break }
            let tensor = entry.source.map { state.session.output(of: $0) } ?? state.session.input
            guard let tensor else { break }
            let shape = tensor.shape
            let rows = min(each - 1, column.maxY - y - 1)
            let fit = min(Double(column.width) / Double(shape.width), Double(rows * 2) / Double(shape.height))
            let pixelWidth = max(1, Int(Double(shape.width) * fit)), pixelHeight = max(1, Int(Double(shape.height) * fit))
            let name = entry.source.map { state.network.localName(at: $0) } ?? "input"
            if shape.channels == 3 && entry.source == nil && colors {
                drawPicture(&screen, tensor, x: column.x, y: y, pixelWidth: pixelWidth, pixelHeight: pixelHeight)
            } else {
                let mean = channelMean(tensor)
                let span = range(of: mean[...])
                drawHeatmap(
                    &screen, plane: mean[...], height: shape.height, width: shape.width, x: column.x, y: y, pixelWidth: pixelWidth,
                    pixelHeight: pixelHeight, scale: HeatScale(minimum: span.low, maximum: span.high, colormap: .grayscale), colors: colors)
            }
            outline(
                &screen, entry.window, shape: shape, x: column.x, y: y, pixelWidth: pixelWidth, pixelHeight: pixelHeight, colors: colors)
            y += (pixelHeight + 1) / 2
            screen.put(
                Format.first(
                    [
                        "\(name) · \(Format.pair(entry.window.size)) of \(shape.height)×\(shape.width)",
                        "\(name) \(Format.pair(entry.window.size))",
                        name,
                    ], fitting: column.width), x: column.x, y: y, style: Style(foreground: Theme.dim), limit: column.maxX)
            y += 1
        }
    }

    /// The mean over channels of a tensor, one plane.
    static func channelMean(_ tensor: Tensor) -> [Float] {
        let plane = tensor.shape.planeSize
        var mean = [Float](repeating: 0, count: plane)
        for c in 0..<tensor.shape.channels {
            let base = c * plane
            for i in 0..<plane { mean[i] += tensor.data[base + i] }
        }
        let scale = 1 / Float(max(1, tensor.shape.channels))
        for i in 0..<plane { mean[i] *= scale }
        return mean
    }

    /// Outlines the part of `window` on a map of `shape` drawn at (x, y) in `pixelWidth × pixelHeight` pixels:
    /// the pixels on its edge turn the cursor colour (an ASCII "o" without colours).
    static func outline(
        _ screen: inout Screen, _ window: MapWindow, shape: Shape, x: Int, y: Int, pixelWidth: Int, pixelHeight: Int, colors: Bool
    ) {
        guard let visible = window.clipped(to: shape) else { return }
        let px0 = visible.left * pixelWidth / shape.width, px1 = max(px0, (visible.right + 1) * pixelWidth / shape.width - 1)
        let py0 = visible.top * pixelHeight / shape.height, py1 = max(py0, (visible.bottom + 1) * pixelHeight / shape.height - 1)
        for py in py0...py1 {
            for px in px0...px1 where py == py0 || py == py1 || px == px0 || px == px1 {
                var cell = screen[x + px, y + py / 2]
                if colors {
                    if cell.character != "▀" { cell = Cell("▀", foreground: cell.foreground, background: cell.background) }
                    if py % 2 == 0 { cell.foreground = Theme.cursor } else { cell.background = Theme.cursor }
                } else {
                    cell = Cell("o", foreground: Theme.cursor, bold: true)
                }
                screen[x + px, y + py / 2] = cell
            }
        }
    }
}
