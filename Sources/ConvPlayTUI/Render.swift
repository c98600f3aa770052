import ConvEngine
import Foundation

/// Draws the whole playground for `state` into a screen of `size`. Pure: the same state and size give
/// the same cells, so tests compare screens without a terminal.
public func render(_ state: AppState, size: Size) -> Screen {
    var screen = Screen(size: size)
    guard size.columns >= Layout.minimum.columns, size.rows >= Layout.minimum.rows else {
        drawTooSmall(&screen)
        return screen
    }
    let statusRows = (state.status != nil || state.job != nil) ? 1 : 0
    let layout = Layout(size: size, statusRows: statusRows, weightsPane: selectedHasParameters(state))
    drawHeader(&screen, state, layout.header)
    drawLayers(&screen, state, layout.layers)
    if layout.weights == nil && state.showWeights {
        drawWeights(&screen, state, layout.maps)
    } else if state.mode == .zoom {
        // The zoomed channel takes the whole right column.
        let right = Rect(x: layout.maps.x, y: layout.maps.y, width: layout.maps.width, height: layout.inspector.maxY - layout.maps.y)
        drawZoom(&screen, state, right)
    } else {
        drawMaps(&screen, state, layout.maps)
    }
    if state.mode != .zoom {
        drawInspector(&screen, state, layout.inspector)
        if let weights = layout.weights { drawWeights(&screen, state, weights) }
    }
    drawStatus(&screen, state, layout.status)
    drawFooter(&screen, state, layout.footer)
    switch state.mode {
    case .help: drawHelp(&screen)
    case .pickType: drawTypeList(&screen, state)
    case .form: drawForm(&screen, state)
    case .prompt: drawPrompt(&screen, state)
    case .picker: drawPicker(&screen, state)
    case .confirm: drawQuestion(&screen, state)
    case .normal, .zoom: break
    }
    return screen
}

// MARK: - frame

private func drawTooSmall(_ screen: inout Screen) {
    let lines = [
        "enlarge the terminal to at least 80×24",
        "(now \(screen.size.columns)×\(screen.size.rows))", "q quits",
    ]
    let top = max(0, screen.size.rows / 2 - 1)
    for (i, line) in lines.enumerated() {
        screen.put(line, x: max(0, (screen.size.columns - line.count) / 2), y: top + i, style: Style(bold: i == 0))
    }
}

private func drawHeader(_ screen: inout Screen, _ state: AppState, _ rect: Rect) {
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
        let x = max(rect.x, rightX) + right.distance(from: right.startIndex, to: dot)
        screen[x, rect.y].foreground = Theme.warning
    }
}

private func drawStatus(_ screen: inout Screen, _ state: AppState, _ rect: Rect) {
    guard rect.height > 0 else { return }
    if let job = state.job {
        let label = job.task == .runToEnd ? "running" : "computing"
        let next = job.done < state.session.order.count ? state.session.order[job.done] : nil
        let name = next.flatMap { state.network.node(at: $0)?.name } ?? ""
        let text =
            " \(label) \(job.done)/\(job.total) \(Format.bar(Double(job.done) / Double(max(job.total, 1)), width: 20)) \(name) — b, R or an edit cancels"
        screen.put(text, x: rect.x, y: rect.y, style: Style(foreground: Theme.accent), limit: rect.maxX)
    } else if let status = state.status {
        screen.put(
            " " + status.text, x: rect.x, y: rect.y,
            style: Style(foreground: status.isError ? Theme.error : Theme.white, bold: status.isError), limit: rect.maxX)
    }
}

/// The footer's hints for the state: the mode's hints, with the maps pane's own keys first when it has
/// the focus, and "? help" / "q quit" kept at the end so they survive a narrow screen.
func footerHints(_ state: AppState, width: Int) -> [(key: String, help: String)] {
    var hints = KeyBindings.hints(for: state.mode)
    if state.mode == .normal && state.focus == .maps {
        hints.insert(contentsOf: [(key: "Enter", help: "zoom"), (key: "PgDn", help: "page")], at: 0)
    }
    let pinned = hints.filter { $0.key == "?" || $0.key == "q" }
    var kept = hints.filter { $0.key != "?" && $0.key != "q" }
    func length(_ list: [(key: String, help: String)]) -> Int { list.reduce(1) { $0 + $1.key.count + 1 + $1.help.count + 2 } }
    while !kept.isEmpty && length(kept + pinned) > width { kept.removeLast() }
    return kept + pinned
}

private func drawFooter(_ screen: inout Screen, _ state: AppState, _ rect: Rect) {
    var x = rect.x + 1
    for hint in footerHints(state, width: rect.width) {
        let needed = hint.key.count + 1 + hint.help.count + 2
        if x + needed > rect.maxX + 2 { break }
        x = screen.put(hint.key, x: x, y: rect.y, style: Style(foreground: Theme.accent, bold: true), limit: rect.maxX)
        x = screen.put(" " + hint.help + "  ", x: x, y: rect.y, style: Style(foreground: Theme.dim), limit: rect.maxX)
    }
}

// MARK: - layer stack

/// One row of the layer stack, before drawing.
struct StackRow {
    var path: NodePath?
    var mark: String
    var tree: String
    var name: String
    var spec: String
    var shape: String
    var params: String
}

/// The stack's rows: the input then every node in display order, branches drawn with box characters.
func stackRows(_ state: AppState) -> [StackRow] {
    let network = state.network, session = state.session
    let computed = Set(session.order.prefix(session.computedCount))
    let cursor = session.computedCount > 0 ? session.order[session.computedCount - 1] : nil
    var rows = [
        StackRow(
            path: nil, mark: " ", tree: "", name: "input", spec: Format.source(network.input.source),
            shape: network.input.shape.description, params: "0")
    ]
    for row in network.summaryRows(shapes: session.shapes, costs: session.costs) {
        let mark = row.path == cursor ? "▶" : computed.contains(row.path) ? "✓" : " "
        let isBlock = network.node(at: row.path)?.block != nil
        rows.append(
            StackRow(
                path: row.path, mark: mark, tree: treePrefix(row.path, network) + (isBlock ? "▼ " : ""),
                name: displayName(row.path, network), spec: row.spec, shape: row.output.description,
                params: Format.compact(row.cost.params)))
    }
    return rows
}

/// "├─┬ ", "│ └ ", "└── ": where a branch node sits among its block's branches.
func treePrefix(_ path: NodePath, _ network: Network) -> String {
    guard let parent = path.parent, let branch = path.branch, let block = network.node(at: parent)?.block else { return "" }
    var prefix = ""
    // Outer levels: a rail while that level's branch has later siblings.
    var outer = parent
    var rails: [String] = []
    while let grand = outer.parent, let b = outer.branch, let grandBlock = network.node(at: grand)?.block {
        rails.append(b < grandBlock.branches.count - 1 ? "│ " : "  ")
        outer = grand
    }
    prefix = rails.reversed().joined()
    let lastBranch = branch == block.branches.count - 1
    let branchNodes = block.branches[branch]
    if path.index == 0 {
        prefix += (lastBranch ? "└─" : "├─") + (branchNodes.count > 1 ? "┬ " : "─ ")
    } else {
        prefix += (lastBranch ? "  " : "│ ") + (path.index == branchNodes.count - 1 ? "└ " : "├ ")
    }
    return prefix
}

/// The name a stack row shows: inside a block, the block's own name is dropped from the front
/// ("inception_3a/3x3_reduce" under "inception_3a" reads "3x3_reduce"), since the tree already says where it sits.
func displayName(_ path: NodePath, _ network: Network) -> String {
    guard let node = network.node(at: path) else { return "" }
    var outer = path.parent
    while let parent = outer, let block = network.node(at: parent) {
        for separator in ["/", "_", "."] where node.name.hasPrefix(block.name + separator) && node.name.count > block.name.count + 1 {
            return String(node.name.dropFirst(block.name.count + 1))
        }
        outer = parent.parent
    }
    return node.name
}

/// Ever shorter forms of a layer spec for narrow stacks, longest first: the engine's text, then without a
/// stride of 1, then with a tight arrow, then without the "conv " word and the "ceil" rounding.
func specVariants(_ spec: String) -> [String] {
    var variants = [spec]
    var text = spec
    for (from, to) in [("/1 ", " "), ("/1 →", " →")] { text = text.replacingOccurrences(of: from, with: to) }
    if text.hasSuffix("/1") { text.removeLast(2) }
    if text != variants.last { variants.append(text) }
    text = text.replacingOccurrences(of: " → ", with: "→")
    if text != variants.last { variants.append(text) }
    if text.hasPrefix("conv ") { text.removeFirst(5) }
    text = text.replacingOccurrences(of: " ceil", with: "")
    if text != variants.last { variants.append(text) }
    return variants
}

/// The longest variant of `spec` that fits `width`, cut with "…" when none does.
func fittedSpec(_ spec: String, width: Int) -> String {
    let variants = specVariants(spec)
    return (variants.first { $0.count <= width } ?? variants.last!).fitted(width)
}

private func drawLayers(_ screen: inout Screen, _ state: AppState, _ rect: Rect) {
    let focused = state.focus == .layers && state.mode != .zoom
    screen.box(
        rect, title: "Layers", note: "\(state.session.order.count) steps",
        style: Style(foreground: focused ? Theme.accent : Theme.border))
    let inner = rect.inner
    let rows = stackRows(state)
    let shapeWidth = rows.map(\.shape.count).max() ?? 9
    let paramsWidth = max(5, rows.map(\.params.count).max() ?? 5)
    // A leading space before the step mark when there is room for it.
    let markWidth = inner.width >= 50 ? 3 : 2
    let textWidth = inner.width - markWidth - shapeWidth - 1 - paramsWidth - 1
    // Names get what they need up to leaving 11 cells for the spec ("5×5 p2→192" fits 10).
    let longestName = rows.map { $0.tree.count + $0.name.count }.max() ?? 8
    let nameWidth = min(longestName, max(8, textWidth - 12))
    let selectedRow = state.selectedRow
    let offset = max(0, min(rows.count - inner.height, selectedRow - inner.height / 2))
    for (i, row) in rows.dropFirst(offset).prefix(inner.height).enumerated() {
        let y = inner.y + i
        let isSelected = offset + i == selectedRow
        let markColor = row.mark == "▶" ? Theme.cursor : Theme.computed
        let x = screen.put((markWidth == 3 ? " " : "") + row.mark + " ", x: inner.x, y: y, style: Style(foreground: markColor, bold: true))
        let name = (row.tree + row.name).fitted(nameWidth)
        screen.put(name, x: x, y: y, style: Style(bold: row.tree.contains("▼")))
        for (j, ch) in row.tree.enumerated() where "├└│─┬▼".contains(ch) {
            screen[x + j, y].foreground = Theme.border
        }
        let specX = x + nameWidth + 1
        let specWidth = textWidth - nameWidth - 1
        if specWidth > 3 {
            let spec = row.path == nil ? row.spec.fitted(specWidth) : fittedSpec(row.spec, width: specWidth)
            screen.put(spec, x: specX, y: y, style: Style(foreground: Theme.dim))
        }
        let shapeX = inner.x + markWidth + textWidth + 1
        screen.put(row.shape.fitted(shapeWidth, alignRight: true), x: shapeX, y: y)
        screen.put(row.params.fitted(paramsWidth, alignRight: true), x: shapeX + shapeWidth + 1, y: y, style: Style(foreground: Theme.dim))
        if isSelected {
            for column in inner.x..<inner.maxX {
                screen[column, y].background = Theme.selectionBackground
                if focused { screen[column, y].bold = true }
            }
        }
    }
    if rows.count > inner.height {
        let position = " \(selectedRow + 1)/\(rows.count) "
        screen.put(position, x: rect.maxX - 2 - position.count, y: rect.maxY - 1, style: Style(foreground: Theme.dim), limit: rect.maxX - 1)
    }
}

// MARK: - heatmaps

/// Value range for heatmap scaling.
public struct ValueRange: Hashable, Sendable {
    public var low: Float
    public var high: Float
}

func range(of values: ArraySlice<Float>) -> ValueRange {
    var low = Float.infinity, high = -Float.infinity
    for v in values where v.isFinite {
        low = min(low, v)
        high = max(high, v)
    }
    return low <= high ? ValueRange(low: low, high: high) : ValueRange(low: 0, high: 0)
}

/// The range every map is scaled to under `global`: over the input and every computed output. Costs a pass
/// over every activation, so `AppState` computes it when the session or the scaling changes, not per frame.
func globalRange(_ session: ForwardSession) -> ValueRange {
    var result = range(of: session.input.data[...])
    for path in session.order.prefix(session.computedCount) {
        if let s = session.statistics(of: path) {
            result.low = min(result.low, s.min)
            result.high = max(result.high, s.max)
        }
    }
    return result
}

/// The colormap a map is drawn in: `auto` shows a photo input in grey, so it reads as the picture it is;
/// otherwise sequential for non-negative maps and diverging for signed ones.
func displayedColormap(_ state: AppState, minimum: Float) -> Colormap {
    if state.colormap == .auto, state.selected == nil, case .image = state.network.input.source { return .grayscale }
    return state.colormap.resolved(minimum: minimum)
}

/// The scale for channel `c` of `tensor` under the state's scaling and colormap; `layer` is the whole
/// tensor's range, computed once per frame by the caller.
func heatScale(_ state: AppState, _ tensor: Tensor, layer: ValueRange, channel c: Int) -> HeatScale {
    let map = displayedColormap(state, minimum: layer.low)
    let span: ValueRange
    switch state.scaling {
    case .perChannel: span = range(of: tensor.plane(c))
    case .perLayer: span = layer
    case .global: span = state.globalValueRange ?? layer
    }
    return HeatScale(minimum: span.low, maximum: span.high, colormap: map)
}

/// Draws `plane` (height × width values, row-major) resampled to `pixelWidth × pixelHeight` pixels at
/// (x, y): two pixels per cell with `▀` (fg = top, bg = bottom), or the ASCII ramp without colours.
func drawHeatmap(
    _ screen: inout Screen, plane: ArraySlice<Float>, height: Int, width: Int, x: Int, y: Int,
    pixelWidth: Int, pixelHeight: Int, scale: HeatScale, colors: Bool
) {
    let base = plane.startIndex
    // Upscaling repeats source values; downscaling averages the block of source values under each pixel.
    func value(_ py: Int, _ px: Int) -> Float {
        let y0 = min(height - 1, py * height / pixelHeight), x0 = min(width - 1, px * width / pixelWidth)
        let y1 = max(y0 + 1, min(height, (py + 1) * height / pixelHeight))
        let x1 = max(x0 + 1, min(width, (px + 1) * width / pixelWidth))
        if y1 - y0 == 1 && x1 - x0 == 1 { return plane[base + y0 * width + x0] }
        var sum: Float = 0
        for y in y0..<y1 { for x in x0..<x1 { sum += plane[base + y * width + x] } }
        return sum / Float((y1 - y0) * (x1 - x0))
    }
    for row in 0..<((pixelHeight + 1) / 2) {
        for px in 0..<pixelWidth {
            let top = value(row * 2, px)
            let hasBottom = row * 2 + 1 < pixelHeight
            if colors {
                screen[x + px, y + row] = Cell(
                    "▀", foreground: scale.color(top),
                    background: hasBottom ? scale.color(value(row * 2 + 1, px)) : -1)
            } else {
                let v = hasBottom ? (top + value(row * 2 + 1, px)) / 2 : top
                screen[x + px, y + row] = Cell(scale.asciiCharacter(v))
            }
        }
    }
}

/// The grid geometry of the maps pane: tile size in pixels and cells, tiles per row and page.
struct MapGrid {
    var tilePixelWidth: Int, tilePixelHeight: Int
    var tileRows: Int
    var columns: Int, rows: Int
    var perPage: Int { columns * rows }

    /// The largest tiles (up to 4× upscaled, never wider than the pane) that still show
    /// min(channels, 8) maps on a page.
    init(shape: Shape, area: Rect) {
        let wanted = min(shape.channels, 8)
        var chosen: (Int, Int)? = nil
        var width = min(area.width, shape.width * 4)
        while width >= 4 {
            let height = max(1, Int((Double(shape.height) * Double(width) / Double(shape.width)).rounded()))
            let rowsOfCells = (height + 1) / 2
            let perRow = (area.width + 1) / (width + 1), perColumn = area.height / (rowsOfCells + 1)
            if perRow * perColumn >= wanted {
                chosen = (width, height)
                break
            }
            width -= 1
        }
        let (w, h) = chosen ?? (min(area.width, shape.width), min(max(1, (area.height - 1) * 2), shape.height))
        tilePixelWidth = w
        tilePixelHeight = min(h, max(1, (area.height - 1) * 2))
        tileRows = (tilePixelHeight + 1) / 2
        columns = max(1, (area.width + 1) / (tilePixelWidth + 1))
        rows = max(1, area.height / (tileRows + 1))
    }
}

/// The strips geometry of a 1-D map (C×1×W) or a vector (C×1×1, drawn as one strip).
struct StripGrid {
    var labelWidth: Int
    var pixelWidth: Int
    var rows: Int
}

private func mapsTitle(_ state: AppState) -> String {
    guard let path = state.selected, let node = state.network.node(at: path) else {
        return "input · \(state.network.input.shape)"
    }
    return "\(node.name) · \(state.selectedShape)"
}

private func drawMaps(_ screen: inout Screen, _ state: AppState, _ rect: Rect) {
    let focused = state.focus == .maps
    let shape = state.selectedShape
    let inner = rect.inner
    guard let tensor = state.selectedTensor else {
        screen.box(rect, title: mapsTitle(state), style: Style(foreground: focused ? Theme.accent : Theme.border))
        let message =
            state.job != nil
            ? "computing… \(state.session.computedCount)/\(state.session.order.count)"
            : "not computed yet — press space to step (\(state.session.computedCount)/\(state.session.order.count) done)"
        screen.put(
            message, x: inner.x + max(0, (inner.width - message.count) / 2), y: inner.y + inner.height / 2,
            style: Style(foreground: Theme.dim), limit: inner.maxX)
        return
    }
    let area = Rect(x: inner.x, y: inner.y, width: inner.width, height: inner.height)
    var note = ""
    let colors = state.display.colorHeatmaps
    let layerRange = range(of: tensor.data[...])
    let mapName = colors ? displayedColormap(state, minimum: layerRange.low).rawValue : "ascii"
    if shape.height == 1 {
        // 1-D maps (and vectors): one strip per channel, or one strip of all channels for C×1×1.
        let isVector = shape.width == 1
        let strips = isVector ? 1 : shape.channels
        let label = isVector ? "" : "ch \(shape.channels - 1) "
        let labelWidth = label.count
        let available = area.width - labelWidth
        let length = isVector ? shape.channels : shape.width
        let pixelWidth = length >= available ? available : length * max(1, available / length)
        let perPage = max(1, area.height)
        let pages = max(1, (strips + perPage - 1) / perPage)
        let page = min(state.mapPage, pages - 1)
        note = mapsNote(
            page: page, pages: pages, colormap: mapName, scaling: state.scaling,
            room: Screen.noteRoom(width: rect.width, title: mapsTitle(state)))
        screen.box(rect, title: mapsTitle(state), note: note, style: Style(foreground: focused ? Theme.accent : Theme.border))
        for i in 0..<perPage {
            let c = page * perPage + i
            guard c < strips else { break }
            let y = area.y + i
            if !isVector { screen.put("ch \(c)".fitted(labelWidth), x: area.x, y: y, style: Style(foreground: Theme.dim)) }
            let plane: ArraySlice<Float> = isVector ? tensor.data[...] : tensor.plane(c)
            let scale =
                isVector
                ? HeatScale(minimum: layerRange.low, maximum: layerRange.high, colormap: state.colormap.resolved(minimum: layerRange.low))
                : heatScale(state, tensor, layer: layerRange, channel: c)
            for px in 0..<pixelWidth {
                let v = plane[plane.startIndex + min(length - 1, px * length / pixelWidth)]
                screen[area.x + labelWidth + px, y] = colors ? Cell("█", foreground: scale.color(v)) : Cell(scale.asciiCharacter(v))
            }
        }
        if isVector, area.height > 2 {
            screen.put(
                "\(shape.channels) values as one strip, channel 0 at the left", x: area.x, y: area.y + 2,
                style: Style(foreground: Theme.dim), limit: area.maxX)
            // The values themselves, in columns (class scores read best as numbers).
            let rowsAvailable = area.height - 4, columnWidth = 18
            let columns = max(1, area.width / columnWidth)
            for c in 0..<min(shape.channels, rowsAvailable * columns) {
                let x = area.x + (c / max(1, rowsAvailable)) * columnWidth, y = area.y + 4 + c % max(1, rowsAvailable)
                guard x + columnWidth <= area.maxX + 1 else { break }
                screen.put("ch \(c)".fitted(7) + Format.number(tensor.data[c]), x: x, y: y, limit: min(area.maxX, x + columnWidth - 1))
            }
        }
    } else {
        let grid = MapGrid(shape: shape, area: area)
        let pages = max(1, (shape.channels + grid.perPage - 1) / grid.perPage)
        let page = min(state.mapPage, pages - 1)
        note = mapsNote(
            page: page, pages: pages, colormap: mapName, scaling: state.scaling,
            room: Screen.noteRoom(width: rect.width, title: mapsTitle(state)))
        screen.box(rect, title: mapsTitle(state), note: note, style: Style(foreground: focused ? Theme.accent : Theme.border))
        for i in 0..<grid.perPage {
            let c = page * grid.perPage + i
            guard c < shape.channels else { break }
            let x = area.x + (i % grid.columns) * (grid.tilePixelWidth + 1)
            let y = area.y + (i / grid.columns) * (grid.tileRows + 1)
            drawHeatmap(
                &screen, plane: tensor.plane(c), height: shape.height, width: shape.width, x: x, y: y,
                pixelWidth: grid.tilePixelWidth, pixelHeight: grid.tilePixelHeight,
                scale: heatScale(state, tensor, layer: layerRange, channel: c), colors: colors)
            screen.put("ch \(c)", x: x, y: y + grid.tileRows, style: Style(foreground: Theme.dim), limit: x + grid.tilePixelWidth)
        }
    }
    // Legend on the bottom border.
    let scale =
        state.scaling == .perChannel
        ? HeatScale(minimum: layerRange.low, maximum: layerRange.high, colormap: displayedColormap(state, minimum: layerRange.low))
        : heatScale(state, tensor, layer: layerRange, channel: 0)
    drawLegend(
        &screen, scale: scale, rightX: rect.maxX - 2, y: rect.maxY - 1, colors: colors,
        prefix: state.scaling == .perChannel ? "per-channel · layer" : state.scaling.rawValue, leftX: rect.x + 2)
}

/// The maps pane's note, the longest form that fits `room`: "page 1/14 · viridis · per-channel", then
/// shorter ones, so a narrow pane reads "1/14 · per-channel" rather than a cut "…er-channel".
func mapsNote(page: Int, pages: Int, colormap: String, scaling: Scaling, room: Int) -> String {
    let position = "\(page + 1)/\(pages)"
    let candidates = [
        "page \(position) · \(colormap) · \(scaling.rawValue)", "\(position) · \(colormap) · \(scaling.rawValue)",
        "\(position) · \(scaling.rawValue)", "\(position) · \(colormap)", position,
    ]
    return candidates.first { $0.count + 2 <= room } ?? ""
}

/// "per-layer −0.83 ▁▂▃▄▅▆▇█ 2.41" ending at `rightX`.
private func drawLegend(_ screen: inout Screen, scale: HeatScale, rightX: Int, y: Int, colors: Bool, prefix: String, leftX: Int) {
    let low = Format.number(scale.low), high = Format.number(scale.high)
    let ramp = 8
    var prefix = prefix
    var text = " \(prefix) \(low) " + String(repeating: "x", count: ramp) + " \(high) "
    if rightX - text.count < leftX, let short = prefix.components(separatedBy: " · ").first, short != prefix {
        prefix = short
        text = " \(prefix) \(low) " + String(repeating: "x", count: ramp) + " \(high) "
    }
    if rightX - text.count < leftX {
        prefix = ""
        text = " \(low) " + String(repeating: "x", count: ramp) + " \(high) "
        if rightX - text.count < leftX { return }
    }
    let x = rightX - text.count
    screen.put(text, x: x, y: y, style: Style(foreground: Theme.white))
    let rampX = x + text.count - high.count - 2 - ramp
    for i in 0..<ramp {
        let level = i * (Colormap.levels - 1) / (ramp - 1)
        if colors {
            screen[rampX + i, y] = Cell("█", foreground: scale.colormap.color(level: level))
        } else {
            screen[rampX + i, y] = Cell(HeatScale.asciiRamp[i * (HeatScale.asciiRamp.count - 1) / (ramp - 1)])
        }
    }
}

private func drawZoom(_ screen: inout Screen, _ state: AppState, _ rect: Rect) {
    guard let tensor = state.selectedTensor else {
        drawMaps(&screen, state, rect)
        return
    }
    let shape = tensor.shape
    let c = min(state.zoomChannel, shape.channels - 1)
    let colors = state.display.colorHeatmaps
    let scale = heatScale(state, tensor, layer: range(of: tensor.data[...]), channel: c)
    screen.box(
        rect, title: "\(mapsTitle(state)) · ch \(c) zoomed",
        note: "\(colors ? scale.colormap.rawValue : "ascii") · \(state.scaling.rawValue)",
        style: Style(foreground: Theme.accent))
    let inner = rect.inner
    let area = Rect(x: inner.x, y: inner.y, width: inner.width, height: inner.height - 2)
    let fit = min(Double(area.width) / Double(shape.width), Double(area.height * 2) / Double(shape.height))
    let factor = fit >= 1 ? fit.rounded(.down) : fit
    let pixelWidth = max(1, Int(Double(shape.width) * factor)), pixelHeight = max(1, Int(Double(shape.height) * factor))
    let x0 = area.x + (area.width - pixelWidth) / 2
    drawHeatmap(
        &screen, plane: tensor.plane(c), height: shape.height, width: shape.width, x: x0, y: area.y,
        pixelWidth: pixelWidth, pixelHeight: pixelHeight, scale: scale, colors: colors)
    // The value cursor: the cell holding the cursor's first pixel.
    let cy = min(state.cursorY, shape.height - 1), cx = min(state.cursorX, shape.width - 1)
    let px = cx * pixelWidth / shape.width, py = cy * pixelHeight / shape.height
    let value = tensor[c, cy, cx]
    screen[x0 + px, area.y + py / 2] = Cell("+", foreground: Theme.cursor, background: colors ? scale.color(value) : -1, bold: true)
    let info = "ch \(c) · (y \(cy), x \(cx)) = \(Format.number(value))"
    screen.put(info, x: inner.x, y: inner.maxY - 2, style: Style(foreground: Theme.white, bold: true), limit: inner.maxX)
    drawLegend(&screen, scale: scale, rightX: inner.maxX, y: inner.maxY - 1, colors: colors, prefix: state.scaling.rawValue, leftX: inner.x)
}

// MARK: - inspector

/// The inspector's lines for the selected row.
func inspectorLines(_ state: AppState) -> [(String, Style)] {
    let plain = Style(), dim = Style(foreground: Theme.dim), note = Style(foreground: Theme.accent)
    var lines: [(String, Style)] = []
    let session = state.session
    guard let path = state.selected, let node = state.network.node(at: path) else {
        let input = state.network.input
        lines.append(("input \(input.shape) · \(Format.source(input.source))", plain))
        let s = range(of: session.input.data[...])
        lines.append(("min \(Format.number(s.low))  max \(Format.number(s.high))", plain))
        lines.append(("total params \(Format.grouped(session.costs.total.params))", dim))
        lines.append(("total MACs \(Format.macs(session.costs.total.macs)) (FLOPs = 2 × MACs)", dim))
        return lines
    }
    let cost = session.costs[path]
    let inShape = session.shapes.inputs[path] ?? session.shapes.input
    lines.append((Format.longSpec(node), Style(bold: true)))
    // What the node teaches comes right after its spec, so a small screen still shows it.
    for lesson in lessons(state, path: path, node: node) { lines.append((lesson, note)) }
    lines.append(("\(inShape) → \(session.shapes.output(of: path))", dim))
    if cost.params == 0 && cost.macs == 0 {
        lines.append(("no parameters, no MACs", dim))
    } else {
        lines.append(
            ("params \(Format.grouped(cost.params)) = w \(Format.grouped(cost.weights)) + b \(Format.grouped(cost.biases))", plain))
        let share = Double(cost.macs) / Double(max(1, session.costs.total.macs))
        lines.append(("MACs \(Format.macs(cost.macs))  \(Format.bar(share, width: 10)) \(String(format: "%.1f %%", share * 100))", plain))
    }
    lines.append(
        (
            "receptive field \(Format.pair(cost.receptiveField)) · jump \(cost.jump.isSquare ? "\(cost.jump.height)" : Format.pair(cost.jump))",
            plain
        ))
    if let s = session.statistics(of: path) {
        lines.append(("min \(Format.number(s.min)) max \(Format.number(s.max)) mean \(Format.number(s.mean))", plain))
        if node.layer?.is(ReLU.self) == true {
            lines.append(("dead after ReLU \(Format.percent(s.zeroFraction))  std \(Format.number(s.std))", plain))
        } else {
            lines.append(("zeros \(Format.percent(s.zeroFraction))  std \(Format.number(s.std))", plain))
        }
    } else {
        lines.append(("not computed yet", dim))
    }
    lines.append(("\(path)", dim))
    return lines
}

/// What the selected node teaches, in short sentences. Every number comes from the engine (shapes, costs,
/// statistics, `mlpconvSegments()`, `Equivalences`, `InceptionComparison`); the front only words it.
func lessons(_ state: AppState, path: NodePath, node: Node) -> [String] {
    let session = state.session, network = state.network
    let inShape = session.shapes.inputs[path] ?? session.shapes.input
    let outShape = session.shapes.output(of: path)
    let cost = session.costs[path]
    var lines: [String] = []
    let layer = node.layer
    if let conv = layer?.as(Conv.self), conv.isPointwise && conv.groups == 1 {
        lines.append("1×1 conv = per-pixel channel mixing")
        lines.append("\(inShape.channels)→\(outShape.channels) channels, \(inShape.height)×\(inShape.width) kept")
        if let parameters = session.parameters(of: path), parameters.isDiagonalChannelMix(groups: conv.groups) {
            lines.append("diagonal: each channel only rescaled")
        } else if outShape.channels < inShape.channels {
            lines.append("a reduction, for \(Format.grouped(cost.params)) params")
        } else if outShape.channels > inShape.channels {
            lines.append("an augmentation: costs \(Format.grouped(cost.params)) params")
        }
    } else if layer?.is(Lateral.self) == true {
        lines.append("lateral: y = z + Mᵀz within one layer")
        do {
            let folded = try Equivalences.foldLateral(at: path, in: network)
            let saved = session.costs.total.params - ((try? folded.cost().total.params) ?? session.costs.total.params)
            lines.append("folds into the layer before it:")
            lines.append("W' = (I+Mᵀ)W, same output,")
            lines.append("\(Format.grouped(saved)) params fewer")
        } catch {
            lines.append("no fold: it follows a non-linearity,")
            lines.append("so here it is a real extra layer")
        }
    } else if let lrn = layer?.as(LocalResponseNorm.self) {
        lines.append("LRN: fixed lateral inhibition")
        lines.append("across \(lrn.size) neighbouring channels,")
        lines.append("the lateral idea GoogLeNet kept")
    } else if layer?.is(ReLU.self) == true {
        if let conv = previousLayer(path, network)?.as(Conv.self), conv.isPointwise {
            lines.append("1×1 conv + ReLU: a non-linearity, H×W kept")
        }
    } else if let block = node.block {
        let widths = block.branches.indices.compactMap { b -> String? in
            guard !block.branches[b].isEmpty else { return nil }
            return "\(session.shapes.output(of: path.child(branch: b, index: block.branches[b].count - 1)).channels)"
        }
        lines.append("\(block.merge.rawValue) of \(widths.joined(separator: " + ")) = \(outShape.channels) channels")
        if let comparison = try? InceptionComparison.compare(blockAt: path, in: network), comparison.naiveMACs != comparison.reducedMACs {
            lines.append("without 1×1 reductions: \(Format.macs(comparison.naiveMACs)) MACs")
            lines.append(String(format: "the 1×1 reductions cut MACs %.1f×", comparison.macRatio))
        }
    }
    if let segment = network.mlpconvSegments().first(where: { $0.paths.contains(path) }),
        let first = network.node(at: segment.paths[0])?.layer?.as(Conv.self)
    {
        let names = segment.paths.compactMap { network.node(at: $0)?.name }
        let widths = segment.mlpWidths(in: network, shapes: session.shapes).map(String.init).joined(separator: "-")
        lines.append("mlpconv \(names.first!) → \(names.last!): an MLP \(widths)")
        lines.append("slid over every \(Format.pair(first.kernel)) patch")
    }
    lines += separableLessons(state, path: path)
    return lines
}

/// The layer right before `path` in its sequence, if it is a layer.
func previousLayer(_ path: NodePath, _ network: Network) -> Layer? {
    path.previousSibling.flatMap { network.node(at: $0)?.layer }
}

/// `text` broken at spaces into lines of at most `width` characters (a longer word is cut with "…").
func wrap(_ text: String, width: Int) -> [String] {
    guard width > 0, text.count > width else { return [text] }
    var lines: [String] = [], current = ""
    for word in text.split(separator: " ", omittingEmptySubsequences: false) {
        let candidate = current.isEmpty ? String(word) : current + " " + word
        if candidate.count <= width {
            current = candidate
            continue
        }
        if !current.isEmpty { lines.append(current) }
        current = String(word).count > width ? String(word).fitted(width) : String(word)
    }
    if !current.isEmpty { lines.append(current) }
    return lines
}

private func drawInspector(_ screen: inout Screen, _ state: AppState, _ rect: Rect) {
    let name = state.selected.flatMap { state.network.node(at: $0)?.name } ?? "input"
    screen.box(rect, title: "Inspector · \(name)")
    let inner = rect.inner
    let wrapped = inspectorLines(state).flatMap { line in wrap(line.0, width: inner.width).map { ($0, line.1) } }
    for (i, line) in wrapped.prefix(inner.height).enumerated() {
        screen.put(line.0, x: inner.x, y: inner.y + i, style: line.1, limit: inner.maxX)
    }
}

// MARK: - weights

/// Whether the selected node is a layer that carries parameters (conv, dense, lateral, batch norm).
func selectedHasParameters(_ state: AppState) -> Bool {
    guard let path = state.selected, let layer = state.network.node(at: path)?.layer else { return false }
    return layer.kind.parameterShapes(state.session.shapes.io(at: path)) != nil
}

private func drawWeights(_ screen: inout Screen, _ state: AppState, _ rect: Rect) {
    let inner = rect.inner
    guard let path = state.selected, let parameters = state.session.parameters(of: path),
        let node = state.network.node(at: path)
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
        let title: String
        if node.layer?.is(Conv.self) == true {
            title = "1×1: \(outCount) out × \(inCount) in"
        } else {
            title = "weights: \(outCount) × \(inCount)"
        }
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
        screen.box(rect, title: "kernels \(outCount)×\(inCount)×\(kh)×\(kw)", note: "rows out · cols in")
        let area = Rect(x: inner.x, y: inner.y, width: inner.width, height: inner.height - 1)
        let tileRows = (kh + 1) / 2
        let perRow = max(1, (area.width + 1) / (kw + 1))
        let rowsFit = max(1, area.height / tileRows)
        for k in 0..<min(outCount, rowsFit) {
            for c in 0..<min(inCount, perRow) {
                let start = ((k * inCount) + c) * kh * kw
                drawHeatmap(
                    &screen, plane: parameters.weight[start..<(start + kh * kw)], height: kh, width: kw,
                    x: area.x + c * (kw + 1), y: area.y + k * tileRows, pixelWidth: kw, pixelHeight: kh, scale: scale, colors: colors)
            }
        }
    } else {
        screen.box(rect, title: "Weights")
    }
    drawLegend(&screen, scale: scale, rightX: rect.maxX - 2, y: rect.maxY - 1, colors: colors, prefix: "", leftX: rect.x + 2)
}

// MARK: - overlays

private func overlayBox(_ screen: inout Screen, width: Int, height: Int, title: String) -> Rect {
    let w = min(width, screen.size.columns - 4), h = min(height, screen.size.rows - 2)
    let rect = Rect(x: (screen.size.columns - w) / 2, y: max(1, (screen.size.rows - h) / 2), width: w, height: h)
    screen.fill(rect)
    screen.box(rect, title: title, style: Style(foreground: Theme.accent))
    return rect.inner
}

/// Every key, deduplicated by what it does: "space n  step forward".
func helpEntries() -> [(keys: String, help: String)] {
    var order: [String] = [], keys: [String: [String]] = [:]
    let tables = [KeyBindings.movement, KeyBindings.stepping, KeyBindings.view, KeyBindings.editing, KeyBindings.files]
    for binding in tables.joined() {
        if keys[binding.help] == nil { order.append(binding.help) }
        keys[binding.help, default: []].append(KeyBindings.name(of: binding.key))
    }
    return order.map { (keys: keys[$0]!.joined(separator: " "), help: $0) }
}

/// The keys of the modes that have their own (zoom, forms), one full-width line each under the columns.
let helpModeLines: [(keys: String, help: String)] = [
    (keys: "zoom: ←↑↓→ hjkl", help: "move the value cursor · PgUp PgDn [ ] previous / next channel · Enter z Esc back"),
    (keys: "forms: Tab ↑↓ ←→", help: "next field / choice · Enter applies · Esc cancels"),
]

private func drawHelp(_ screen: inout Screen) {
    let entries = helpEntries()
    let half = (entries.count + 1) / 2
    let columnWidth = min(56, (screen.size.columns - 8) / 2)
    let keyWidth = min(16, columnWidth / 3)
    let inner = overlayBox(&screen, width: columnWidth * 2 + 4, height: half + helpModeLines.count + 3, title: "Keys — ? or Esc closes")
    for (i, entry) in entries.enumerated() {
        let x = inner.x + 1 + (i / half) * (columnWidth + 1), y = inner.y + i % half
        guard y < inner.maxY else { continue }
        screen.put(entry.keys.fitted(keyWidth), x: x, y: y, style: Style(foreground: Theme.accent, bold: true))
        screen.put(entry.help, x: x + keyWidth + 1, y: y, limit: x + columnWidth)
    }
    for (i, line) in helpModeLines.enumerated() {
        let y = inner.y + half + 1 + i
        guard y < inner.maxY else { continue }
        screen.put(line.keys.fitted(keyWidth), x: inner.x + 1, y: y, style: Style(foreground: Theme.accent, bold: true))
        screen.put(line.help, x: inner.x + keyWidth + 2, y: y, limit: inner.maxX)
    }
}

private func drawTypeList(_ screen: inout Screen, _ state: AppState) {
    let templates = NodeTemplate.all
    let inner = overlayBox(
        &screen, width: 60, height: templates.count + 2,
        title: state.insertBefore ? "insert before — pick a type" : "add after — pick a type")
    let offset = max(0, min(templates.count - inner.height, state.typeIndex - inner.height / 2))
    for (i, template) in templates.dropFirst(offset).prefix(inner.height).enumerated() {
        let y = inner.y + i
        screen.put(" " + template.label.fitted(18), x: inner.x, y: y, style: Style(bold: true))
        screen.put(template.summary, x: inner.x + 20, y: y, style: Style(foreground: Theme.dim), limit: inner.maxX)
        if offset + i == state.typeIndex {
            screen.restyle(x: inner.x, y: y, width: inner.width, style: Style(foreground: Theme.black, background: Theme.accent))
        }
    }
}

private func drawForm(_ screen: inout Screen, _ state: AppState) {
    guard let form = state.form else { return }
    let inner = overlayBox(&screen, width: 56, height: form.fields.count + 4, title: form.title)
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
        "Enter applies · Esc cancels · Tab next field", x: inner.x + 1, y: inner.maxY - 1, style: Style(foreground: Theme.dim),
        limit: inner.maxX)
}

private func drawPrompt(_ screen: inout Screen, _ state: AppState) {
    guard let prompt = state.prompt else { return }
    let inner = overlayBox(&screen, width: 64, height: 4, title: prompt.label)
    screen.put(prompt.text + "▏", x: inner.x + 1, y: inner.y, style: Style(bold: true), limit: inner.maxX)
    screen.put("Enter accepts · Esc cancels", x: inner.x + 1, y: inner.y + 1, style: Style(foreground: Theme.dim), limit: inner.maxX)
}

private func drawPicker(_ screen: inout Screen, _ state: AppState) {
    guard let picker = state.picker else { return }
    let inner = overlayBox(&screen, width: 72, height: min(picker.items.count, 16) + 2, title: picker.title)
    let offset = max(0, min(picker.items.count - inner.height, picker.index - inner.height / 2))
    for (i, item) in picker.items.dropFirst(offset).prefix(inner.height).enumerated() {
        let y = inner.y + i
        screen.put(" " + item.nameOrPath.fitted(24), x: inner.x, y: y, style: Style(bold: true))
        screen.put(item.summary, x: inner.x + 26, y: y, style: Style(foreground: Theme.dim), limit: inner.maxX)
        if offset + i == picker.index {
            screen.restyle(x: inner.x, y: y, width: inner.width, style: Style(foreground: Theme.black, background: Theme.accent))
        }
    }
    if picker.items.isEmpty { screen.put("nothing to pick", x: inner.x + 1, y: inner.y, style: Style(foreground: Theme.dim)) }
}

private func drawQuestion(_ screen: inout Screen, _ state: AppState) {
    guard let question = state.question else { return }
    let text: String
    switch question {
    case .quitUnsaved: text = "quit without saving your edits?"
    case .overwrite(let path): text = "\(path) exists (or is a shipped preset) — overwrite it?"
    case .discardAndOpen(let name): text = "discard unsaved edits and open \(name)?"
    }
    let inner = overlayBox(&screen, width: max(44, text.count + 4), height: 4, title: "confirm")
    screen.put(text, x: inner.x + 1, y: inner.y, style: Style(bold: true), limit: inner.maxX)
    screen.put("y yes · n no", x: inner.x + 1, y: inner.y + 1, style: Style(foreground: Theme.accent), limit: inner.maxX)
}
