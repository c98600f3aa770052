/// A rectangle of positions on one map: rows `top...bottom`, columns `left...right`, both inclusive. It may
/// reach past the map's edges into the zero padding a conv or pool adds; `clipped(to:)` keeps the part on the map.
public struct MapWindow: Hashable, Sendable, CustomStringConvertible {
    public var top: Int
    public var left: Int
    public var bottom: Int
    public var right: Int

    public init(top: Int, left: Int, bottom: Int, right: Int) {
        self.top = top
        self.left = left
        self.bottom = bottom
        self.right = right
    }

    /// The window of a single position.
    public init(row: Int, column: Int) { self.init(top: row, left: column, bottom: row, right: column) }

    public var height: Int { bottom - top + 1 }
    public var width: Int { right - left + 1 }
    public var size: Size2 { Size2(height, width) }

    /// The part of the window on a map of `shape`, `nil` when it lies wholly in the padding.
    public func clipped(to shape: Shape) -> MapWindow? {
        let window = MapWindow(
            top: max(top, 0), left: max(left, 0), bottom: min(bottom, shape.height - 1), right: min(right, shape.width - 1))
        return window.top <= window.bottom && window.left <= window.right ? window : nil
    }

    /// The smallest window holding both.
    public func union(_ other: MapWindow) -> MapWindow {
        MapWindow(
            top: min(top, other.top), left: min(left, other.left), bottom: max(bottom, other.bottom), right: max(right, other.right))
    }

    /// "rows 3…7 · columns 10…14".
    public var description: String { "rows \(top)…\(bottom) · columns \(left)…\(right)" }
}

/// The window of one earlier map that a unit sees.
public struct ReceptiveWindow: Hashable, Sendable {
    /// The map: the output of the node at `source`, or the network input for `nil`.
    public var source: NodePath?
    /// That map's shape.
    public var shape: Shape
    /// The positions of that map the unit depends on (possibly reaching into padding).
    public var window: MapWindow
}

extension Network {
    /// What the unit at (`row`, `column`) of the node at `path` sees on every map before it: one window per map
    /// on the way back to the input, nearest first, the network input last. Each step widens the window by
    /// the layer's kernel and stride and shifts it by its padding (all from the shape table), so a 1×1 conv
    /// leaves it as it is and a 3×3 grows it by two. A parallel block sees the union of its branches' windows.
    /// Interior units' windows on the input are the cost table's receptive field.
    public func receptiveWindows(of path: NodePath, row: Int, column: Int, shapes: ShapeTable) -> [ReceptiveWindow] {
        var windows: [ReceptiveWindow] = []
        var window = MapWindow(row: row, column: column)
        var current = path
        while true {
            window = inputWindow(of: current, seeing: window, shapes: shapes)
            let source = inputPath(of: current)
            windows.append(ReceptiveWindow(source: source, shape: shapes.output(of: source), window: window))
            guard let source else { return windows }
            current = source
        }
    }

    /// The window of the node's input that `window` of its output depends on.
    private func inputWindow(of path: NodePath, seeing window: MapWindow, shapes: ShapeTable) -> MapWindow {
        guard let node = node(at: path) else { return window }
        switch node.kind {
        case .layer(let layer):
            let io = shapes.io(at: path)
            let (kernel, stride) = layer.kind.receptiveWindow(io)
            let pad: Size2
            switch io.geometry {
            case .conv(let g)?: pad = Size2(g.padTop, g.padLeft)
            case .pool(let g)?: pad = Size2(g.padTop, g.padLeft)
            case nil: pad = Size2(0)
            }
            return MapWindow(
                top: window.top * stride.height - pad.height, left: window.left * stride.width - pad.width,
                bottom: window.bottom * stride.height - pad.height + kernel.height - 1,
                right: window.right * stride.width - pad.width + kernel.width - 1)
        case .parallel(let block):
            var union: MapWindow?
            for (b, branch) in block.branches.enumerated() {
                var seen = window
                for index in branch.indices.reversed() {
                    seen = inputWindow(of: path.child(branch: b, index: index), seeing: seen, shapes: shapes)
                }
                union = union.map { $0.union(seen) } ?? seen
            }
            return union ?? window
        }
    }
}
