import ConvEngine

/// The tiles of the maps pane for 2-D maps: tile size in pixels (two per cell vertically) and in cells, and how
/// many fit across and down. Tiles grow to fill the pane: as large as they can be while a page shows
/// min(channels, 8) of them, but never narrower than a quarter of the map (at least 20 pixels; or the widest
/// tile that fits, if less) — a big map is shown as fewer, readable tiles rather than many smudges. Maps are
/// upscaled only by whole factors, so their pixels stay even.
struct MapGrid: Hashable {
    var tilePixelWidth: Int
    var tilePixelHeight: Int
    /// Cell rows of a tile's heatmap (its label takes one more).
    var tileRows: Int
    var columns: Int
    var rows: Int
    var perPage: Int { columns * rows }

    init(shape: Shape, area: Rect, wanted: Int = 8) {
        let mapHeight = max(1, shape.height), mapWidth = max(1, shape.width)
        func height(_ width: Int) -> Int { max(1, Int((Double(mapHeight) * Double(width) / Double(mapWidth)).rounded())) }
        func fit(_ width: Int) -> (across: Int, down: Int) {
            ((area.width + 1) / (width + 1), area.height / ((height(width) + 1) / 2 + 1))
        }
        var candidates = Array(stride(from: min(area.width, mapWidth), through: 1, by: -1))
        var factor = 2
        while mapWidth * factor <= area.width {
            candidates.append(mapWidth * factor)
            factor += 1
        }
        candidates = candidates.filter { fit($0).across >= 1 && fit($0).down >= 1 }.sorted(by: >)
        let largest = candidates.first ?? 1
        let narrowest = min(largest, max(20, mapWidth / 4))
        let target = min(max(1, shape.channels), wanted)
        func shown(_ width: Int) -> Int { fit(width).across * fit(width).down }
        let readable = candidates.filter { $0 >= narrowest }
        let width =
            readable.first { shown($0) >= target }
            ?? readable.first { shown($0) == readable.map(shown).max() } ?? 1
        tilePixelWidth = width
        tilePixelHeight = min(height(width), max(1, area.height * 2 - 2))
        tileRows = (tilePixelHeight + 1) / 2
        columns = max(1, fit(width).across)
        rows = max(1, fit(width).down)
    }

    /// The top-left cell of tile `i` of a page in `area`.
    func origin(of i: Int, in area: Rect) -> (x: Int, y: Int) {
        (area.x + (i % columns) * (tilePixelWidth + 1), area.y + (i / columns) * (tileRows + 1))
    }

    /// The tile (index on the page) under the cell (x, y), label row included; `nil` between tiles.
    func tile(atX x: Int, y: Int, in area: Rect) -> Int? {
        let dx = x - area.x, dy = y - area.y
        guard dx >= 0, dy >= 0 else { return nil }
        let column = dx / (tilePixelWidth + 1), row = dy / (tileRows + 1)
        guard column < columns, row < rows, dx % (tilePixelWidth + 1) < tilePixelWidth else { return nil }
        return row * columns + column
    }
}

/// How the maps pane shows the selected tensor.
enum MapsView: Hashable {
    /// 2-D maps, one tile per channel.
    case grid(MapGrid)
    /// A 3-channel input as one colour picture (auto colormap with colours): what the network sees.
    case picture(MapGrid)
    /// 1-D maps (C×1×W), one strip per channel, `perPage` strips a page.
    case strips(perPage: Int)
    /// A vector (C×1×1): its values, and a classifier's top classes.
    case vector

    /// Channels per page.
    func perPage(channels: Int) -> Int {
        switch self {
        case .grid(let grid): return grid.perPage
        case .picture: return channels
        case .strips(let perPage): return max(1, perPage)
        case .vector: return max(1, channels)
        }
    }

    /// How the pane shows `shape` in `area` for `state`.
    init(_ state: AppState, shape: Shape, area: Rect) {
        if shape.height == 1 {
            self = shape.width == 1 ? .vector : .strips(perPage: area.height)
        } else if state.selected == nil, shape.channels == 3, state.colormap == .auto, state.display.colorHeatmaps {
            self = .picture(MapGrid(shape: Shape(channels: 1, height: shape.height, width: shape.width), area: area))
        } else {
            self = .grid(MapGrid(shape: shape, area: area))
        }
    }
}
