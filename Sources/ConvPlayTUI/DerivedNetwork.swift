import ConvEngine

/// What the front derives from the network alone — the stack's rows with their tree lines and shortened
/// specs, the column widths, and each node's lessons — computed once per network (`AppState` refreshes it
/// when the network changes) instead of once per frame.
struct DerivedNetwork: Sendable {
    struct Row: Sendable {
        var summary: NodeSummary
        var localName: String
        /// Box lines placing the node among its block's branches (without the ▼ / ▶ glyph).
        var tree: String
        /// The spec's ever shorter forms, longest first.
        var specVariants: [String]
        var isBlock: Bool
    }

    /// Every node in display order.
    let rows: [Row]
    /// The widest name (with its tree lines and glyph), spec, shape and parameter count over every row.
    let nameWidth: Int, specWidth: Int, shapeWidth: Int, paramsWidth: Int
    /// The widest of the shortest spec forms: below it specs are cut.
    let shortSpecWidth: Int
    /// What each node teaches (`lessons`).
    let lessons: [NodePath: [String]]
    /// The 1×1 convs whose weights are diagonal: per-channel rescales.
    let rescales: Set<NodePath>

    init(_ session: ForwardSession) {
        let network = session.network
        let rescales = Set(session.order.filter { isRescale(session, $0) })
        self.rescales = rescales
        let segments = network.mlpconvSegments()
        rows = network.summaryRows(shapes: session.shapes, costs: session.costs).map { summary in
            let isBlock = network.node(at: summary.path)?.block != nil
            return Row(
                summary: summary, localName: network.localName(at: summary.path), tree: treePrefix(summary.path, network),
                specVariants: specVariants(summary.spec), isBlock: isBlock)
        }
        nameWidth = max(5, rows.map { $0.tree.count + ($0.isBlock ? 2 : 0) + $0.localName.count }.max() ?? 5)
        specWidth = rows.map { $0.summary.spec.count }.max() ?? 4
        shortSpecWidth = rows.map { $0.specVariants.last!.count }.max() ?? 4
        shapeWidth = max(network.input.shape.description.count, rows.map { $0.summary.output.description.count }.max() ?? 5)
        paramsWidth = max(5, rows.map { Format.compact($0.summary.cost.params).count }.max() ?? 5)
        var lessons: [NodePath: [String]] = [:]
        for row in rows {
            lessons[row.summary.path] = ConvPlayTUI.lessons(
                session, path: row.summary.path, rescale: rescales.contains(row.summary.path), segments: segments)
        }
        self.lessons = lessons
    }
}
