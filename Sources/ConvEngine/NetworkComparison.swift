extension Network {
    /// The node's name as it reads inside its block: the enclosing block's name and a separator dropped from
    /// the front ("inception_3a/3x3_reduce" under "inception_3a" is "3x3_reduce"). The layer stack shows it,
    /// and comparisons match nodes by it, so two blocks that differ only in their names line up.
    public func localName(at path: NodePath) -> String {
        guard let node = node(at: path) else { return "" }
        var outer = path.parent
        while let parent = outer, let block = self.node(at: parent) {
            for separator in ["/", "_", "."] where node.name.hasPrefix(block.name + separator) && node.name.count > block.name.count + 1 {
                return String(node.name.dropFirst(block.name.count + 1))
            }
            outer = parent.parent
        }
        return node.name
    }
}

/// Two networks side by side, node against node: parameters, MACs, activation memory, receptive field and
/// (once measured) time per node, with what differs marked. Rows are matched in display order by depth, type
/// and local name (blocks at the same depth match whatever their names), so a network against its edited
/// self, or GoogLeNet's inception(3a) against its naive form, line up row by row.
public struct NetworkComparison: Hashable, Sendable {
    /// One side's figures for a node; `milliseconds` once `measure` has timed it.
    public struct Side: Hashable, Sendable {
        public var summary: NodeSummary
        /// The name inside its block.
        public var localName: String
        public var milliseconds: Double?
    }

    /// How a row differs between the two networks.
    public enum Change: String, Hashable, Sendable {
        /// The same layer with the same figures.
        case same
        /// In both, with a different spec, shape or cost.
        case changed
        /// Only in the first network.
        case removed
        /// Only in the second network.
        case added
    }

    public struct Row: Hashable, Sendable {
        public var first: Side?
        public var second: Side?
        public var change: Change
        /// How many blocks enclose the node (of whichever side has it).
        public var depth: Int { (first ?? second)?.summary.path.depth ?? 0 }
        /// The name to list the row under.
        public var localName: String { (second ?? first)?.localName ?? "" }
    }

    /// Whole-network figures: activation memory counts every cached activation, the input's included.
    public struct Totals: Hashable, Sendable {
        public var name: String
        public var params: Int
        public var macs: Int
        public var activationBytes: Int
        public var receptiveField: Size2
        public var output: Shape
        public var milliseconds: Double?
    }

    public var rows: [Row]
    public var first: Totals
    public var second: Totals

    /// Compares two networks whose shapes are already inferred; throws when a total passes what an `Int` holds.
    public init(_ a: Network, shapes sa: ShapeTable, _ b: Network, shapes sb: ShapeTable) throws(ShapeError) {
        let ca = try a.cost(shapes: sa), cb = try b.cost(shapes: sb)
        func sides(_ network: Network, _ shapes: ShapeTable, _ costs: CostTable) -> [Side] {
            network.summaryRows(shapes: shapes, costs: costs).map { Side(summary: $0, localName: network.localName(at: $0.path)) }
        }
        rows = Self.align(sides(a, sa, ca), sides(b, sb, cb))
        func totals(_ network: Network, _ shapes: ShapeTable, _ costs: CostTable) -> Totals {
            Totals(
                name: network.name, params: costs.total.params, macs: costs.total.macs, activationBytes: shapes.activationBytes,
                receptiveField: costs.total.receptiveField, output: shapes.output)
        }
        first = totals(a, sa, ca)
        second = totals(b, sb, cb)
    }

    /// Compares two networks, inferring their shapes; throws the first network's problem, then the second's.
    public init(_ a: Network, _ b: Network, memoryCap: Int = defaultMemoryCap) throws(ShapeError) {
        try self.init(a, shapes: try a.inferShapes(memoryCap: memoryCap), b, shapes: try b.inferShapes(memoryCap: memoryCap))
    }

    /// Fills in the time per node (milliseconds by path, as `ForwardSession.timePerNode` measures them) and
    /// the totals; a block's time is its branches' plus its merge.
    public mutating func setTimes(first a: [NodePath: Double], second b: [NodePath: Double]) {
        func blockTime(_ path: NodePath, _ times: [NodePath: Double]) -> Double? {
            let inside = times.filter { $0.key == path || $0.key.indices.starts(with: path.indices) }
            return inside.isEmpty ? nil : inside.values.reduce(0, +)
        }
        for i in rows.indices {
            if let path = rows[i].first?.summary.path { rows[i].first?.milliseconds = blockTime(path, a) }
            if let path = rows[i].second?.summary.path { rows[i].second?.milliseconds = blockTime(path, b) }
        }
        first.milliseconds = a.values.reduce(0, +)
        second.milliseconds = b.values.reduce(0, +)
    }

    /// Whether two sides are the same node for matching: same depth and type, and the same local name
    /// (blocks match on depth alone).
    private static func matches(_ a: Side, _ b: Side) -> Bool {
        guard a.summary.path.depth == b.summary.path.depth, a.summary.type == b.summary.type else { return false }
        return a.summary.type == "parallel" || a.localName == b.localName
    }

    /// A longest-common-subsequence alignment of the two row lists; unmatched rows become removed / added.
    private static func align(_ a: [Side], _ b: [Side]) -> [Row] {
        var lengths = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in stride(from: a.count - 1, through: 0, by: -1) {
            for j in stride(from: b.count - 1, through: 0, by: -1) {
                lengths[i][j] = matches(a[i], b[j]) ? lengths[i + 1][j + 1] + 1 : max(lengths[i + 1][j], lengths[i][j + 1])
            }
        }
        var rows: [Row] = []
        var i = 0, j = 0
        while i < a.count || j < b.count {
            if i < a.count, j < b.count, matches(a[i], b[j]) {
                rows.append(Row(first: a[i], second: b[j], change: sameFigures(a[i].summary, b[j].summary) ? .same : .changed))
                i += 1
                j += 1
            } else if j < b.count, i == a.count || lengths[i][j + 1] >= lengths[i + 1][j] {
                rows.append(Row(first: nil, second: b[j], change: .added))
                j += 1
            } else {
                rows.append(Row(first: a[i], second: nil, change: .removed))
                i += 1
            }
        }
        return rows
    }

    private static func sameFigures(_ a: NodeSummary, _ b: NodeSummary) -> Bool {
        a.spec == b.spec && a.output == b.output && a.cost.params == b.cost.params && a.cost.macs == b.cost.macs
            && a.cost.receptiveField == b.cost.receptiveField
    }
}
