import ConvEngine

/// Value range for heatmap scaling.
public struct ValueRange: Hashable, Sendable {
    public var low: Float
    public var high: Float
}

/// The smallest and largest finite value (0…0 when there is none): the engine's vectorised pass, and a
/// careful second pass only when a NaN or an infinity got in.
func range(of values: ArraySlice<Float>) -> ValueRange {
    let extremes = values.withUnsafeBufferPointer(ChannelExtremes.init)
    if extremes.minimum.isFinite && extremes.maximum.isFinite { return ValueRange(low: extremes.minimum, high: extremes.maximum) }
    var low = Float.greatestFiniteMagnitude, high = -Float.greatestFiniteMagnitude
    for v in values where v.isFinite {
        low = min(low, v)
        high = max(high, v)
    }
    return low <= high ? ValueRange(low: low, high: high) : ValueRange(low: 0, high: 0)
}

/// The colormap a map is drawn in: `auto` shows a photo input in grey, so it reads as the picture it is;
/// otherwise sequential for non-negative maps and diverging for signed ones.
func displayedColormap(_ state: AppState, minimum: Float) -> Colormap {
    if state.colormap == .auto, state.selected == nil, case .image = state.network.input.source { return .grayscale }
    return state.colormap.resolved(minimum: minimum)
}

/// The scale for one channel under the state's scaling: its own extremes per channel, the whole tensor's
/// (`layer`, computed once per frame by the caller) per layer, every activation's under global.
func heatScale(_ state: AppState, layer: ValueRange, channel extremes: ChannelExtremes) -> HeatScale {
    let map = displayedColormap(state, minimum: layer.low)
    let span: ValueRange
    switch state.scaling {
    case .perChannel: span = ValueRange(low: extremes.minimum, high: extremes.maximum)
    case .perLayer: span = layer
    case .global: span = state.globalValueRange ?? layer
    }
    return HeatScale(minimum: span.low, maximum: span.high, colormap: map)
}

/// How a map shown smaller than it is becomes pixels: the mean of the values under each pixel (a picture),
/// their maximum (ReLU outputs, whose thin bright edges a mean would wash out), or the value of largest
/// magnitude with its sign (signed maps, such as edge filters' outputs, whose ±edges would cancel in a mean).
enum Downsampling: String, Hashable {
    case mean, max
    case peak = "peak |v|"

    /// Max for a ReLU's output, peak for other maps reaching below zero (`minimum` is the map's smallest
    /// value), the mean for the input and the rest.
    init(_ state: AppState, minimum: Float) {
        guard let path = state.selected else {
            self = .mean
            return
        }
        if state.network.node(at: path)?.layer?.is(ReLU.self) == true {
            self = .max
        } else {
            self = minimum < 0 ? .peak : .mean
        }
    }
}

/// A map resampled to a pixel grid: each pixel the mean (or max) of the block of source values under it when
/// shrinking, a repeated value when growing.
struct Resampled {
    let plane: ArraySlice<Float>
    let height: Int, width: Int
    let pixelHeight: Int, pixelWidth: Int
    let mode: Downsampling

    /// Source rows (or columns) under pixel `p` of `pixels` along an axis of `count` values.
    static func span(_ p: Int, pixels: Int, count: Int) -> Range<Int> {
        let start = min(count - 1, p * count / pixels)
        return start..<max(start + 1, min(count, (p + 1) * count / pixels))
    }

    func value(_ py: Int, _ px: Int) -> Float {
        let rows = Self.span(py, pixels: pixelHeight, count: height), columns = Self.span(px, pixels: pixelWidth, count: width)
        let base = plane.startIndex
        if rows.count == 1 && columns.count == 1 { return plane[base + rows.lowerBound * width + columns.lowerBound] }
        switch mode {
        case .mean:
            var sum: Float = 0
            for y in rows { for x in columns { sum += plane[base + y * width + x] } }
            return sum / Float(rows.count * columns.count)
        case .max:
            var best = -Float.infinity
            for y in rows { for x in columns { best = Swift.max(best, plane[base + y * width + x]) } }
            return best
        case .peak:
            var best: Float = 0
            for y in rows {
                for x in columns where abs(plane[base + y * width + x]) > abs(best) { best = plane[base + y * width + x] }
            }
            return best
        }
    }
}

/// Draws `plane` (height × width values, row-major) resampled to `pixelWidth × pixelHeight` pixels at (x, y):
/// two pixels per cell with `▀` (fg = top, bg = bottom), or the ASCII ramp without colours.
func drawHeatmap(
    _ screen: inout Screen, plane: ArraySlice<Float>, height: Int, width: Int, x: Int, y: Int,
    pixelWidth: Int, pixelHeight: Int, scale: HeatScale, colors: Bool, mode: Downsampling = .mean
) {
    let map = Resampled(plane: plane, height: height, width: width, pixelHeight: pixelHeight, pixelWidth: pixelWidth, mode: mode)
    for row in 0..<((pixelHeight + 1) / 2) {
        for px in 0..<pixelWidth {
            let top = map.value(row * 2, px)
            let hasBottom = row * 2 + 1 < pixelHeight
            if colors {
                screen[x + px, y + row] = Cell(
                    "▀", foreground: scale.color(top), background: hasBottom ? scale.color(map.value(row * 2 + 1, px)) : -1)
            } else {
                let v = hasBottom ? (top + map.value(row * 2 + 1, px)) / 2 : top
                screen[x + px, y + row] = Cell(scale.asciiCharacter(v))
            }
        }
    }
}

/// Draws a 3-channel tensor as one colour picture (channels as red, green and blue, scaled together to
/// 0–255) at (x, y), area-averaged to `pixelWidth × pixelHeight`.
func drawPicture(_ screen: inout Screen, _ tensor: Tensor, x: Int, y: Int, pixelWidth: Int, pixelHeight: Int) {
    let shape = tensor.shape
    let span = range(of: tensor.data[...])
    let scale = span.high > span.low ? 255 / Double(span.high - span.low) : 0
    let channels = (0..<3).map {
        Resampled(
            plane: tensor.plane($0), height: shape.height, width: shape.width, pixelHeight: pixelHeight, pixelWidth: pixelWidth,
            mode: .mean)
    }
    func color(_ py: Int, _ px: Int) -> Int16 {
        let rgb = channels.map { Double($0.value(py, px) - span.low) * scale }
        return Colormap.nearestXterm(red: rgb[0], green: rgb[1], blue: rgb[2])
    }
    for row in 0..<((pixelHeight + 1) / 2) {
        for px in 0..<pixelWidth {
            screen[x + px, y + row] = Cell(
                "▀", foreground: color(row * 2, px), background: row * 2 + 1 < pixelHeight ? color(row * 2 + 1, px) : -1)
        }
    }
}

/// "per-layer −0.83 ▁▂▃▄▅▆▇█ 2.41" ending at `rightX`; the prefix's " · " parts are dropped from the end, then
/// the prefix, when the room (from `leftX`) is short.
func drawLegend(_ screen: inout Screen, scale: HeatScale, rightX: Int, y: Int, colors: Bool, prefix: String, leftX: Int) {
    let low = Format.number(scale.low), high = Format.number(scale.high)
    let ramp = 8
    var parts = prefix.isEmpty ? [] : prefix.components(separatedBy: " · ")
    func text() -> String {
        " " + (parts.isEmpty ? "" : parts.joined(separator: " · ") + " ") + "\(low) " + String(repeating: "x", count: ramp) + " \(high) "
    }
    while rightX - text().count < leftX, !parts.isEmpty { parts.removeLast() }
    let line = text()
    guard rightX - line.count >= leftX else { return }
    let x = rightX - line.count
    screen.put(line, x: x, y: y, style: Style(foreground: Theme.white))
    let rampX = x + line.count - high.count - 2 - ramp
    for i in 0..<ramp {
        let level = i * (Colormap.levels - 1) / (ramp - 1)
        if colors {
            screen[rampX + i, y] = Cell("█", foreground: scale.colormap.color(level: level))
        } else {
            screen[rampX + i, y] = Cell(HeatScale.asciiRamp[i * (HeatScale.asciiRamp.count - 1) / (ramp - 1)])
        }
    }
}
