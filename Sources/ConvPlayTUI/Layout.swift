/// Where each pane goes at a given terminal size. Wide terminals show layers | maps over inspector +
/// weights; narrow ones (under 110 columns) put the weights behind `W`.
public struct Layout: Hashable, Sendable {
    public static let minimum = Size(columns: 80, rows: 24)

    public var header: Rect
    public var layers: Rect
    public var maps: Rect
    public var inspector: Rect
    /// `nil` when the weights pane has no room of its own (narrow: it replaces the maps on `W`).
    public var weights: Rect?
    public var status: Rect
    public var footer: Rect

    /// The panes for `size`; `statusRows` rows above the footer hold messages and progress.
    public init(size: Size, statusRows: Int) {
        let width = size.columns, height = size.rows
        header = Rect(x: 0, y: 0, width: width, height: 1)
        footer = Rect(x: 0, y: height - 1, width: width, height: 1)
        status = Rect(x: 0, y: height - 1 - statusRows, width: width, height: statusRows)
        let bodyTop = 1, bodyHeight = height - 2 - statusRows
        let wide = width >= 110
        let layersWidth = wide ? width >= 120 ? 56 : 52 : 44
        layers = Rect(x: 0, y: bodyTop, width: layersWidth, height: bodyHeight)
        let rightX = layersWidth, rightWidth = width - layersWidth
        let bottomHeight = wide ? max(11, bodyHeight / 3) : 11
        maps = Rect(x: rightX, y: bodyTop, width: rightWidth, height: bodyHeight - bottomHeight)
        if wide {
            let inspectorWidth = max(38, rightWidth / 2)
            inspector = Rect(x: rightX, y: maps.maxY, width: inspectorWidth, height: bottomHeight)
            weights = Rect(x: rightX + inspectorWidth, y: maps.maxY, width: rightWidth - inspectorWidth, height: bottomHeight)
        } else {
            inspector = Rect(x: rightX, y: maps.maxY, width: rightWidth, height: bottomHeight)
            weights = nil
        }
    }
}
