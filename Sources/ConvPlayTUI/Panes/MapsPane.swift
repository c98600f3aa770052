import ConvEngine

/// The maps pane: the selected node's output as a grid of per-channel heatmaps (paged, with a tile cursor),
/// a 3-channel input as one picture, 1-D maps as strips, and a vector as its values (a classifier's as its
/// top classes).
enum MapsPane {
    static func title(_ state: AppState) -> String {
        guard let path = state.selected, let node = state.network.node(at: path) else { return "input · \(state.network.input.shape)" }
        return "\(node.name) · \(state.selectedShape)"
    }

    /// The note on the pane's top border, the longest form that fits `room`: "page 1/14 · viridis ·
    /// per-channel", then shorter ones — chosen whole, never cut mid-word.
    static func note(page: Int, pages: Int, colormap: String, scaling: String, room: Int) -> String {
        let position = "\(page + 1)/\(pages)"
        let candidates = [
            "page \(position) · \(colormap) · \(scaling)", "\(position) · \(colormap) · \(scaling)", "\(position) · \(scaling)",
            "\(position) · \(colormap)", position,
        ]
        return candidates.first { $0.count + 2 <= room } ?? ""
    }

    /// The scaling as the note names it: "auto: per-layer" when the lesson chose it.
    static func scalingName(_ state: AppState) -> String {
        state.scalingChoice == nil && state.scaling != .perChannel ? "auto \(state.scaling.rawValue)" : state.scaling.rawValue
    }

    static func draw(_ screen: inout Screen, _ state: AppState, _ frame: Frame) {
        let rect = frame.maps
        let focused = state.focus == .maps && state.mode.kind == .normal
        let border = Style(foreground: focused ? Theme.accent : Theme.border)
        let inner = rect.inner
        guard let tensor = state.selectedTensor else {
            screen.box(rect, title: title(state), style: border)
            let progress = "\(state.session.computedCount)/\(state.session.order.count)"
            let (sentence, count) =
                state.job != nil ? ("computing…", progress) : ("not computed yet — press space to step", "(\(progress) done)")
            // Wrapped and centred, so a narrow pane shows the whole sentence; the count is never split.
            var lines = wrap(sentence, width: max(1, inner.width))
            if let last = lines.last, last.count + 1 + count.count <= inner.width {
                lines[lines.count - 1] = last + " " + count
            } else {
                lines.append(count)
            }
            for (i, line) in lines.enumerated() {
                screen.put(
                    line, x: inner.x + max(0, (inner.width - line.count) / 2), y: inner.y + max(0, inner.height / 2 - lines.count / 2) + i,
                    style: Style(foreground: Theme.dim), limit: inner.maxX)
            }
            return
        }
        let colors = state.display.colorHeatmaps
        let layer = state.selectedRange ?? range(of: tensor.data[...])
        let mapName = colors ? displayedColormap(state, minimum: layer.low).rawValue : "ascii"
        let (page, pages, perPage) = frame.page(state)
        var legendLeft = rect.x + 2
        switch frame.mapsView {
        case .picture(let grid):
            let notes = ["RGB picture · c shows the channels", "RGB · c: channels", "RGB"]
            screen.box(rect, title: title(state), note: Screen.fittingNote(notes, width: rect.width, title: title(state)), style: border)
            drawPicture(&screen, tensor, x: inner.x, y: inner.y, pixelWidth: grid.tilePixelWidth, pixelHeight: grid.tilePixelHeight)
            screen.put(
                "the 3 channels as red, green and blue", x: inner.x, y: inner.y + grid.tileRows, style: Style(foreground: Theme.dim),
                limit: inner.maxX)
            _ = drawResampling(&screen, state.selectedShape, grid: grid, mode: .mean, rect: rect)
            return
        case .grid(let grid):
            let roomNote = Screen.noteRoom(width: rect.width, title: title(state))
            screen.box(
                rect, title: title(state),
                note: note(page: page, pages: pages, colormap: mapName, scaling: scalingName(state), room: roomNote), style: border)
            drawGrid(&screen, state, tensor, grid: grid, page: page, perPage: perPage, layer: layer, area: inner)
            legendLeft = drawResampling(&screen, tensor.shape, grid: grid, mode: Downsampling(state, minimum: layer.low), rect: rect) + 1
        case .strips:
            let roomNote = Screen.noteRoom(width: rect.width, title: title(state))
            screen.box(
                rect, title: title(state),
                note: note(page: page, pages: pages, colormap: mapName, scaling: scalingName(state), room: roomNote), style: border)
            VectorViews.drawStrips(&screen, state, tensor, page: page, perPage: perPage, layer: layer, area: inner)
        case .vector:
            screen.box(rect, title: title(state), note: mapName, style: border)
            VectorViews.drawVector(&screen, state, tensor, layer: layer, area: inner)
        }
        // The legend spans the layer (global: every activation); under per-channel scaling each tile's label
        // carries its own range.
        let span = state.scaling == .global ? (state.globalValueRange ?? layer) : layer
        let legend = HeatScale(minimum: span.low, maximum: span.high, colormap: displayedColormap(state, minimum: layer.low))
        let prefix = state.scaling == .perChannel ? "per-channel · layer" : state.scaling.rawValue
        drawLegend(&screen, scale: legend, rightX: rect.maxX - 2, y: rect.maxY - 1, colors: colors, prefix: prefix, leftX: legendLeft)
    }

    /// The grid page: each channel's heatmap and its label (its own range under per-channel scaling; "dead" or
    /// "const v" for a flat map); the tile cursor's label highlighted.
    private static func drawGrid(
        _ screen: inout Screen, _ state: AppState, _ tensor: Tensor, grid: MapGrid, page: Int, perPage: Int, layer: ValueRange, area: Rect
    ) {
        let shape = tensor.shape
        let colors = state.display.colorHeatmaps
        let mode = Downsampling(state, minimum: layer.low)
        for i in 0..<perPage {
            let c = page * perPage + i
            guard c < shape.channels else { break }
            let (x, y) = grid.origin(of: i, in: area)
            let extremes = tensor.extremes(ofChannel: c)
            drawHeatmap(
                &screen, plane: tensor.plane(c), height: shape.height, width: shape.width, x: x, y: y,
                pixelWidth: grid.tilePixelWidth, pixelHeight: grid.tilePixelHeight,
                scale: heatScale(state, layer: layer, channel: extremes), colors: colors, mode: mode)
            let label = Format.first(
                tileLabels(channel: c, extremes: extremes, perChannel: state.scaling == .perChannel), fitting: grid.tilePixelWidth)
            let selected = c == state.channel
            let style =
                selected
                ? Style(
                    foreground: state.focus == .maps ? Theme.black : Theme.accent, background: state.focus == .maps ? Theme.accent : -1,
                    bold: true)
                : Style(foreground: extremes.isConstant ? Theme.warning : Theme.dim)
            screen.put(label, x: x, y: y + grid.tileRows, style: style, limit: x + grid.tilePixelWidth)
        }
    }

    /// A tile's label, longest first: a flat map says so ("ch 3 · dead", "ch 3 · const 0.31"), otherwise its own
    /// range when each tile is scaled to itself.
    static func tileLabels(channel c: Int, extremes: ChannelExtremes, perChannel: Bool) -> [String] {
        if extremes.isDead { return ["ch \(c) · dead", "\(c) dead", "ch \(c)", "\(c)"] }
        if extremes.isConstant {
            let v = Format.short(extremes.minimum)
            return ["ch \(c) · const \(v)", "\(c) const \(v)", "\(c) =\(v)", "\(c)"]
        }
        guard perChannel else { return ["ch \(c)", "\(c)"] }
        let span = "\(Format.short(extremes.minimum))…\(Format.short(extremes.maximum))"
        return ["ch \(c) · \(span)", "ch \(c) \(span)", "\(c): \(span)", "ch \(c)", "\(c)"]
    }

    /// Says on the pane's bottom-left border how a map shown smaller than it is was reduced: "112×112 → 28×28 px
    /// · max per pixel". Returns the column after what it wrote (where the colour legend may start).
    private static func drawResampling(_ screen: inout Screen, _ shape: Shape, grid: MapGrid, mode: Downsampling, rect: Rect) -> Int {
        guard grid.tilePixelWidth < shape.width || grid.tilePixelHeight < shape.height else { return rect.x + 1 }
        let variants = [
            " \(shape.height)×\(shape.width) → \(grid.tilePixelHeight)×\(grid.tilePixelWidth) px · \(mode.rawValue) per pixel ",
            " shown at \(grid.tilePixelHeight)×\(grid.tilePixelWidth): \(mode.rawValue) ", " \(mode.rawValue) per px ",
        ]
        guard let text = variants.first(where: { $0.count <= rect.width / 2 - 4 }) else { return rect.x + 1 }
        return screen.put(text, x: rect.x + 2, y: rect.maxY - 1, style: Style(foreground: Theme.dim))
    }

    /// The channel under a click at (x, y) on the current page, if any.
    static func channel(atX x: Int, y: Int, _ state: AppState, _ frame: Frame) -> Int? {
        let (page, _, perPage) = frame.page(state)
        let area = frame.mapsArea
        let index: Int?
        switch frame.mapsView {
        case .grid(let grid): index = grid.tile(atX: x, y: y, in: area)
        case .strips: index = y >= area.y && y < area.maxY ? y - area.y : nil
        case .picture, .vector: index = nil
        }
        guard let index else { return nil }
        let c = page * perPage + index
        return c < state.selectedShape.channels ? c : nil
    }
}
